/* Measures of one decoded picture for the picture diagnosis: levels,
 * block statistics (covered areas, test screens), sharpness, colour cast,
 * noise and stripes. Pure functions over 8-bit planes, no libav; the
 * limits and what they mean for a camera are in picture_diag.h. */
#ifndef CAMDEX_PICTURE_MEASURE_H
#define CAMDEX_PICTURE_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

/* A plane: w x h samples, `stride` bytes a row. */
struct picm_plane {
    const uint8_t *p;
    int w, h, stride;
};

struct picm_levels {
    double mean, variance;
    double dark_frac; /* share at or below black + 16 */
    double clip_frac; /* share at or above white - 4: blown out */
    double floor;     /* where the darkest twentieth starts, 0..1 of the range */
};

/* Black 16 and white 235 for limited range, 0 and 255 for full range. */
int picm_levels(struct picm_plane l, bool full_range, struct picm_levels *out);

/* 8x8 blocks of the (box-filtered) luma. A test screen is drawn, not
 * filmed: its blocks are flat to the last level ("still"), or where its
 * bars meet flat along the edge, while a board in front of the lens still
 * carries sensor noise and shading ("flat"). */
/* Planes smaller than this each way are not measured. */
#define PICM_MIN   16
#define PICM_BLOCK 8
/* Flat blocks at most this far above black count as dark, not covered. */
#define PICM_FLAT_DARK 32
/* The variance of a still block (or of each column or row of one drawn
 * flat along an edge) at most: rounding, not a sensor's noise. */
#define PICM_STILL_VAR 0.25
struct picm_blocks {
    int n;             /* blocks looked at */
    double flat_frac;  /* variance <= flat_var, neither blown out nor dark, and
                          of one shade (means within 16 levels) */
    double still_frac; /* variance <= PICM_STILL_VAR, or drawn flat along an edge */
    int busy_centre;   /* blocks that are not still, in the middle half each way */
    int busy_edge;     /* ...and elsewhere (an OSD clock, a camera name) */
};
int picm_blocks(struct picm_plane l, bool full_range, double flat_var, struct picm_blocks *out);

/* Sharpness independent of brightness and contrast: the mean absolute
 * Laplacian over the mean absolute gradient, on the strongest twentieth of
 * the gradients (the edges; a smooth sky's are its noise). A step edge
 * blurred over s samples scores about 1/s; darkening a scene scales both
 * alike. */
struct picm_sharp {
    double ratio;     /* the sharpness */
    double grad_mean; /* levels per sample: below ~1 there is nothing to judge */
};
int picm_sharpness(struct picm_plane l, struct picm_sharp *out);

/* Colour in CIELAB from the luma and the chroma planes (BT.601): the mean
 * colour's distance from grey D, the spread of colours M around it, and
 * the mean chroma (saturation). A cast is a mean far from grey compared to
 * the spread: index K = D / M (after Xu et al.'s equivalent circle). */
struct picm_color {
    double d, m, k;
    double chroma;
    double tint;      /* chroma of the greyest fifth of the lit samples */
    double highlight; /* chroma of the mean colour of the brightest twentieth */
    bool opposite;    /* the greyest fifth's hue and the highlights' face apart */
    double white;     /* %: the brightest parts' channels apart (white patch) */
};
int picm_color(struct picm_plane l, struct picm_plane cb, struct picm_plane cr, bool full_range,
               struct picm_color *out);

/* Noise: standard deviation in levels of what a 3x3 second-difference mask
 * passes (Immerkær's estimator), per 16x16 block of a crop at the coded
 * resolution, the median of the blocks (texture raises a few blocks, snow
 * raises all). */
int picm_noise(struct picm_plane crop, double *sigma);

/* Stripes: the amplitude in levels of a periodic brightness down the
 * picture that every two-column strip carries (at a peak of the mean row
 * profile's spectrum standing out of its neighbourhood by `prominence`
 * times; 0 when there is none): each strip's component at that frequency
 * projected on one phase, the tenth from the bottom, at the phase where
 * that is largest. Rolling bars
 * and interference lines are added to every column alike; a scene's rows
 * of things (coins, lamps, windows) leave the strips between them
 * without, and a texture's rows differ in phase from strip to strip. */
int picm_stripes(struct picm_plane l, double prominence, double *amplitude);

/* Mean absolute difference of two planes of the same size. */
int picm_mad(struct picm_plane a, struct picm_plane b, double *mad);

/* The shift (dx, dy) of picture b against a, by least mean absolute
 * difference over shifts up to `range` samples each way. */
int picm_shift(struct picm_plane a, struct picm_plane b, int range, int *dx, int *dy);

#endif
