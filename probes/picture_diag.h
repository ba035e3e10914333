/* The picture diagnosis: every fault the measures of picture_measure.h
 * find in the pictures one deep probe decoded, most severe first, each with
 * its value and the limit it crossed. Pure; the limits come from
 * `[quality]` through the engine. */
#ifndef CAMDEX_PICTURE_DIAG_H
#define CAMDEX_PICTURE_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe_result.h"

/* Each limit in the unit its finding reports; picq_limits_default has the
 * values tuned on the labelled picture set (probes/README.md). */
struct picq_limits {
    float signal_lost_still;  /* %: blocks flat to the last level (a drawn screen) */
    float signal_lost_chroma; /* CIELAB chroma of a coloured test screen */
    float black_dark;         /* %: samples within 16 levels of black */
    float too_bright_clip;    /* %: samples blown out */
    float too_bright_floor;   /* %: of the range, where the darkest twentieth starts */
    float occluded_flat;      /* %: blocks covered by something flat */
    float occluded_flat_var;  /* variance of a covered 8x8 block at most */
    float frozen_diff;        /* mean difference of two of the pictures at most */
    float stripe_amplitude;   /* levels */
    float blur_sharpness;     /* sharpness at most (x100) */
    float noise_sigma;        /* levels */
    float cast_white;         /* %: the brightest parts' channels apart (white patch) */
    float cast_tint;          /* CIELAB chroma of the greyest fifth of the picture... */
    float cast_highlight;     /* ...or of the mean colour of its highlights */
    float shake_jump;         /* % of the picture's width between consecutive pictures */
};

void picq_limits_default(struct picq_limits *l);

/* What was measured (see picture_measure.h); has_* say which measures the
 * pictures allowed. */
struct picq_measures {
    bool full_range;
    double mean, dark_pct, clip_pct, floor_pct;
    double flat_pct, still_pct;
    int busy_centre, busy_edge;
    bool has_color;
    double chroma, cast_k, cast_d, tint, highlight, white;
    bool opposite; /* the greyest fifth's hue and the highlights' face apart */
    double sharpness, grad_mean;
    bool has_crop;
    double noise, stripes;
    bool has_pair;   /* two pictures or more: frozen */
    bool has_motion; /* three pictures or more: shaking */
    double frozen_diff, frozen_diff_small, jump_pct;
    int repeats;       /* pictures coded as repeats of the one before */
    double coded_diff; /* the same over the pairs not only a repeat apart */
};

/* The pictures: `luma` and `next` box-filtered planes of the same size;
 * `cb`/`cr` (may be NULL) their chroma; crops at the coded resolution
 * (ncrop of them, may be 0). */
#define PICQ_PICS_MAX 4
struct picq_input {
    const uint8_t *luma[PICQ_PICS_MAX];
    int npics, w, h;
    bool full_range;
    const uint8_t *cb, *cr;
    int cw, ch;
    const uint8_t *crop[PICQ_PICS_MAX];
    int ncrop, crop_w, crop_h;
    /* Each picture's coded size (0: not known). A picture coded in under
     * PICQ_REPEAT_PCT % of the first's bytes repeats the one before it:
     * the encoder sent next to nothing (its rate control starved, or
     * nothing changed). */
    uint32_t coded_bytes[PICQ_PICS_MAX];
};
#define PICQ_REPEAT_PCT 1
/* Levels at least between coded pictures of a live sensor, in the crops:
 * a hung capture's refinements differ by 0.24 at most, a live still
 * scene's coded pictures by 1.09 at least (the labelled set's tuning
 * half, probes/README.md). */
#define PICQ_LIVE_DIFF 0.5

int picq_measure(const struct picq_input *in, const struct picq_limits *l,
                 struct picq_measures *out);

/* Findings from the measures, most severe first: signal_lost, black,
 * occluded, frozen, too_bright, stripes, blurred, noisy, color_cast,
 * shaking. A drawn or black screen hides the rest: it is the one finding. */
void picq_judge(const struct picq_measures *m, const struct picq_limits *l,
                struct probe_findings *out);

/* "82 % of the picture covered by something flat (limit 50 %)": the
 * measured value and the limit, for a result's detail. */
int picq_describe(const struct probe_finding *f, char *buf, size_t cap);

#endif
