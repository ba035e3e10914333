/* Luma statistics for black / occluded / blurred / frozen checks. Integer
 * sums (a 160x90 plane fits easily in 64 bits), doubles only at the end. */
#include "frame_quality.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

void frameq_limits_default(struct frameq_limits *l, bool full_range)
{
    l->full_range = full_range;
    l->black_mean = 16;
    l->black_variance = 64;
    l->flat_variance = 25;
    l->blur_lap_var = 20;
    l->frozen_diff = 0.5;
}

int frameq_compute(const uint8_t *luma, int w, int h, int stride, struct frameq_stats *out)
{
    if (!luma || !out || w < 3 || h < 3 || stride < w)
        return -EINVAL;
    uint64_t sum = 0, sq = 0, dark = 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = luma + (ptrdiff_t)y * stride;
        for (int x = 0; x < w; x++) {
            sum += row[x];
            sq += (uint64_t)row[x] * row[x];
            dark += row[x] <= 32; /* 16 above limited-range black */
        }
    }
    double n = (double)w * h;
    out->mean = (double)sum / n;
    out->variance = (double)sq / n - out->mean * out->mean;
    if (out->variance < 0)
        out->variance = 0;
    out->dark_fraction = (double)dark / n;

    /* Laplacian over the interior: edges give large values, a blurred or
     * defocused picture gives values near zero everywhere. */
    int64_t lsum = 0;
    uint64_t lsq = 0;
    for (int y = 1; y < h - 1; y++) {
        const uint8_t *up = luma + (ptrdiff_t)(y - 1) * stride;
        const uint8_t *row = up + stride, *down = row + stride;
        for (int x = 1; x < w - 1; x++) {
            int v = 4 * row[x] - row[x - 1] - row[x + 1] - up[x] - down[x];
            lsum += v;
            lsq += (uint64_t)((int64_t)v * v);
        }
    }
    double ln = (double)(w - 2) * (h - 2);
    double lmean = (double)lsum / ln;
    out->lap_var = (double)lsq / ln - lmean * lmean;
    if (out->lap_var < 0)
        out->lap_var = 0;
    return 0;
}

int frameq_diff(const uint8_t *a, const uint8_t *b, int w, int h, int stride, double *mad)
{
    if (!a || !b || !mad || w < 1 || h < 1 || stride < w)
        return -EINVAL;
    uint64_t sum = 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *ra = a + (ptrdiff_t)y * stride, *rb = b + (ptrdiff_t)y * stride;
        for (int x = 0; x < w; x++)
            sum += (uint64_t)abs((int)ra[x] - (int)rb[x]);
    }
    *mad = (double)sum / ((double)w * h);
    return 0;
}

enum probe_reason frameq_judge(const struct frameq_stats *s, const struct frameq_limits *l)
{
    double black = l->full_range ? 0 : 16;
    if (s->mean <= black + l->black_mean && s->variance <= l->black_variance)
        return PROBE_R_BLACK;
    if (s->variance <= l->flat_variance)
        return PROBE_R_OCCLUDED;
    if (s->lap_var <= l->blur_lap_var)
        return PROBE_R_BLURRED;
    return PROBE_R_NONE;
}

bool frameq_frozen(double mad, const struct frameq_limits *l)
{
    return mad <= l->frozen_diff;
}
