/* Picture checks on a decoded keyframe's luma plane: brightness, contrast,
 * sharpness (variance of a Laplacian) and the difference between two
 * pictures for frozen-image detection. Pure functions, no libav. */
#ifndef CAMDEX_FRAME_QUALITY_H
#define CAMDEX_FRAME_QUALITY_H

#include <stdbool.h>
#include <stdint.h>

#include "probe_result.h"

struct frameq_stats {
    double mean;          /* 0..255 */
    double variance;      /* of the samples: contrast */
    double lap_var;       /* variance of the 4-neighbour Laplacian: sharpness */
    double dark_fraction; /* share of samples at or below the black level + 16 */
};

/* Thresholds; frameq_limits_default fills values that suit 160x90 planes. */
struct frameq_limits {
    bool full_range;       /* black at 0 (yuvj) instead of 16 */
    double black_mean;     /* above the black level */
    double black_variance; /* a black picture is also flat */
    double flat_variance;  /* flat but not dark: lens covered or sprayed */
    double blur_lap_var;   /* below this the picture has no edges */
    double frozen_diff;    /* mean absolute difference below this: same picture */
};

void frameq_limits_default(struct frameq_limits *l, bool full_range);

/* Statistics of a width x height plane with `stride` bytes a row. 0, or
 * -EINVAL for a NULL plane, a size below 3x3 or stride < width. */
int frameq_compute(const uint8_t *luma, int width, int height, int stride,
                   struct frameq_stats *out);

/* Mean absolute difference of two planes of the same size. 0 or -EINVAL. */
int frameq_diff(const uint8_t *a, const uint8_t *b, int width, int height, int stride, double *mad);

/* The verdict on one picture: PROBE_R_NONE, BLACK, OCCLUDED or BLURRED (in
 * that order of precedence). Frozen needs two pictures: frameq_frozen. */
enum probe_reason frameq_judge(const struct frameq_stats *s, const struct frameq_limits *l);

/* True when two pictures taken apart in time are the same; `mad` from
 * frameq_diff. A static scene can look frozen too: callers should combine
 * it with moving timestamps or an on-screen clock before calling it frozen. */
bool frameq_frozen(double mad, const struct frameq_limits *l);

#endif
