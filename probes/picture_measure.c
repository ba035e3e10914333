/* Levels, block statistics, sharpness and motion of a picture; see
 * picture_measure.h. Integer sums over at most a few thousand samples a
 * measure, doubles only at the end. */
#include "picture_measure.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>

static bool plane_ok(struct picm_plane l, int min)
{
    return l.p && l.w >= min && l.h >= min && l.stride >= l.w;
}

static const uint8_t *row_at(struct picm_plane l, int y)
{
    return l.p + (ptrdiff_t)y * l.stride;
}

int picm_levels(struct picm_plane l, bool full_range, struct picm_levels *out)
{
    if (!plane_ok(l, 1) || !out)
        return -EINVAL;
    int black = full_range ? 0 : 16, white = full_range ? 255 : 235;
    uint64_t sum = 0, sq = 0, dark = 0, clip = 0, hist[256] = {0};
    for (int y = 0; y < l.h; y++) {
        const uint8_t *row = row_at(l, y);
        for (int x = 0; x < l.w; x++) {
            hist[row[x]]++;
            sum += row[x];
            sq += (uint64_t)row[x] * row[x];
            dark += row[x] <= black + 16;
            clip += row[x] >= white - 4;
        }
    }
    double n = (double)l.w * l.h;
    out->mean = (double)sum / n;
    out->variance = (double)sq / n - out->mean * out->mean;
    if (out->variance < 0)
        out->variance = 0;
    out->dark_frac = (double)dark / n;
    out->clip_frac = (double)clip / n;
    /* The level under which the darkest twentieth lies, as a share of the
     * range: a filmed scene keeps shadows near black, a washed-out one
     * lifts them. */
    uint64_t below = 0, twentieth = (uint64_t)(n / 20);
    int v = 0;
    while (v < 255 && below + hist[v] <= twentieth)
        below += hist[v++];
    double floor = (double)(v - black) / (white - black);
    out->floor = floor < 0 ? 0 : floor > 1 ? 1 : floor;
    return 0;
}

static void block_stats(struct picm_plane l, int bx, int by, double *mean, double *var)
{
    uint32_t sum = 0, sq = 0;
    for (int y = by; y < by + PICM_BLOCK; y++) {
        const uint8_t *row = row_at(l, y);
        for (int x = bx; x < bx + PICM_BLOCK; x++) {
            sum += row[x];
            sq += (uint32_t)row[x] * row[x];
        }
    }
    double n = PICM_BLOCK * PICM_BLOCK;
    *mean = sum / n;
    *var = sq / n - *mean * *mean;
}

/* Whether a block is drawn flat along one direction: every column (or
 * every row) of it one level within PICM_STILL_VAR, as where a drawn
 * screen's bars or sections meet (colour bars' edges, their lower rows),
 * while a filmed edge carries the sensor's noise along it too. */
static bool drawn_one_way(struct picm_plane l, int bx, int by)
{
    uint32_t col_sum[PICM_BLOCK] = {0}, col_sq[PICM_BLOCK] = {0};
    uint32_t row_sum[PICM_BLOCK] = {0}, row_sq[PICM_BLOCK] = {0};
    for (int y = 0; y < PICM_BLOCK; y++) {
        const uint8_t *row = row_at(l, by + y) + bx;
        for (int x = 0; x < PICM_BLOCK; x++) {
            uint32_t v = row[x];
            col_sum[x] += v;
            col_sq[x] += v * v;
            row_sum[y] += v;
            row_sq[y] += v * v;
        }
    }
    double cols = 0, rows = 0, n = PICM_BLOCK;
    for (int i = 0; i < PICM_BLOCK; i++) {
        cols += col_sq[i] / n - (col_sum[i] / n) * (col_sum[i] / n);
        rows += row_sq[i] / n - (row_sum[i] / n) * (row_sum[i] / n);
    }
    return cols / n <= PICM_STILL_VAR || rows / n <= PICM_STILL_VAR;
}

int picm_blocks(struct picm_plane l, bool full_range, double flat_var, struct picm_blocks *out)
{
    if (!plane_ok(l, PICM_BLOCK) || !out)
        return -EINVAL;
    int black = full_range ? 0 : 16, white = full_range ? 255 : 235;
    int nx = l.w / PICM_BLOCK, ny = l.h / PICM_BLOCK, still = 0;
    uint16_t flat_at[256] = {0}; /* flat blocks by their mean level */
    *out = (struct picm_blocks){.n = nx * ny};
    for (int j = 0; j < ny; j++) {
        for (int i = 0; i < nx; i++) {
            double mean, var;
            block_stats(l, i * PICM_BLOCK, j * PICM_BLOCK, &mean, &var);
            /* A blown-out sky and a black night are flat too, but they are
             * too_bright's and black's to judge; so is a dark flat part (a
             * night sky, an unlit wall): a board in front of the lens by
             * day is lit, one at night is black. */
            if (var <= flat_var && mean < white - 8 && mean > black + PICM_FLAT_DARK)
                flat_at[(int)mean]++;
            if (var <= PICM_STILL_VAR || drawn_one_way(l, i * PICM_BLOCK, j * PICM_BLOCK)) {
                still++;
                continue;
            }
            bool centre = 4 * i >= nx && 4 * i < 3 * nx && 4 * j >= ny && 4 * j < 3 * ny;
            if (centre)
                out->busy_centre++;
            else
                out->busy_edge++;
        }
    }
    /* A board or a bag is one thing of one shade: the most flat blocks
     * within 16 levels of each other. A smooth scene (a sky, the moon)
     * changes shade across its flat parts. */
    int best = 0;
    for (int lo = 0; lo < 256; lo++) {
        int n = 0;
        for (int v = lo; v < lo + 17 && v < 256; v++)
            n += flat_at[v];
        best = n > best ? n : best;
    }
    out->flat_frac = (double)best / out->n;
    out->still_frac = (double)still / out->n;
    return 0;
}

/* The gradient (|dx| + |dy|) and the Laplacian at an inner sample. */
static void edge_at(struct picm_plane l, int x, int y, int *grad, int *lap)
{
    const uint8_t *up = row_at(l, y - 1), *row = row_at(l, y), *down = row_at(l, y + 1);
    int c = row[x];
    *lap = abs(4 * c - row[x - 1] - row[x + 1] - up[x] - down[x]);
    *grad = abs(row[x + 1] - c) + abs(down[x] - c);
}

int picm_sharpness(struct picm_plane l, struct picm_sharp *out)
{
    if (!plane_ok(l, 3) || !out)
        return -EINVAL;
    uint32_t hist[511] = {0};
    uint64_t all = 0;
    for (int y = 1; y < l.h - 1; y++)
        for (int x = 1; x < l.w - 1; x++) {
            int g, lp;
            edge_at(l, x, y, &g, &lp);
            hist[g]++;
            all += (uint64_t)g;
        }
    uint64_t n = (uint64_t)(l.w - 2) * (l.h - 2), seen = 0;
    out->grad_mean = (double)all / (double)n;
    /* The strongest twentieth of the gradients: a scene's edges, where
     * blur shows. A smooth sky's gradients are its sensor noise, which is
     * sharp whatever the lens does, and would outvote the few edges. */
    int from = 510;
    while (from > 0 && (seen + hist[from]) * 20 <= n)
        seen += hist[from--];
    uint64_t lap = 0, grad = 0;
    for (int y = 1; y < l.h - 1; y++)
        for (int x = 1; x < l.w - 1; x++) {
            int g, lp;
            edge_at(l, x, y, &g, &lp);
            if (g < from || g == 0)
                continue;
            lap += (uint64_t)lp;
            grad += (uint64_t)g;
        }
    out->ratio = grad ? (double)lap / (double)grad : 0;
    return 0;
}

int picm_mad(struct picm_plane a, struct picm_plane b, double *mad)
{
    if (!plane_ok(a, 1) || !plane_ok(b, 1) || a.w != b.w || a.h != b.h || !mad)
        return -EINVAL;
    uint64_t sum = 0;
    for (int y = 0; y < a.h; y++) {
        const uint8_t *ra = row_at(a, y), *rb = row_at(b, y);
        for (int x = 0; x < a.w; x++)
            sum += (uint64_t)abs(ra[x] - rb[x]);
    }
    *mad = (double)sum / ((double)a.w * a.h);
    return 0;
}

/* Mean absolute difference of a's interior against b moved by (dx, dy);
 * every second row, which halves the cost and keeps the minimum. */
static uint64_t shifted_sad(struct picm_plane a, struct picm_plane b, int m, int dx, int dy)
{
    uint64_t sum = 0;
    for (int y = m; y < a.h - m; y += 2) {
        const uint8_t *ra = row_at(a, y), *rb = row_at(b, y + dy) + dx;
        for (int x = m; x < a.w - m; x++)
            sum += (uint64_t)abs(ra[x] - rb[x]);
    }
    return sum;
}

int picm_shift(struct picm_plane a, struct picm_plane b, int range, int *dx, int *dy)
{
    if (!plane_ok(a, 1) || !plane_ok(b, 1) || a.w != b.w || a.h != b.h || !dx || !dy || range < 0 ||
        a.w <= 4 * range || a.h <= 4 * range)
        return -EINVAL;
    uint64_t best = UINT64_MAX;
    *dx = *dy = 0;
    for (int sy = -range; sy <= range; sy++) {
        for (int sx = -range; sx <= range; sx++) {
            uint64_t s = shifted_sad(a, b, range, sx, sy);
            /* Ties go to the smaller move: a flat picture has not moved. */
            if (s < best || (s == best && abs(sx) + abs(sy) < abs(*dx) + abs(*dy))) {
                best = s;
                *dx = sx;
                *dy = sy;
            }
        }
    }
    return 0;
}
