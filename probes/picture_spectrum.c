/* Colour, noise and stripes of a picture; see picture_measure.h. */
#include "picture_measure.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t *row_at(struct picm_plane l, int y)
{
    return l.p + (ptrdiff_t)y * l.stride;
}

static double srgb_linear(double c)
{
    c = c < 0 ? 0 : c > 1 ? 1 : c;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double lab_f(double t)
{
    return t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116;
}

/* BT.601 Y'CbCr to CIELAB a* and b* (D65). */
static void ycc_lab(double y, double cb, double cr, bool full, double *a, double *b)
{
    if (full) {
        y /= 255;
        cb = (cb - 128) / 255;
        cr = (cr - 128) / 255;
    } else {
        y = (y - 16) / 219;
        cb = (cb - 128) / 224;
        cr = (cr - 128) / 224;
    }
    double r = srgb_linear(y + 1.402 * cr);
    double g = srgb_linear(y - 0.344136 * cb - 0.714136 * cr);
    double bl = srgb_linear(y + 1.772 * cb);
    double fx = lab_f((0.4124 * r + 0.3576 * g + 0.1805 * bl) / 0.95047);
    double fy = lab_f(0.2126 * r + 0.7152 * g + 0.0722 * bl);
    double fz = lab_f((0.0193 * r + 0.1192 * g + 0.9505 * bl) / 1.08883);
    *a = 500 * (fx - fy);
    *b = 200 * (fy - fz);
}

#define TINT_BINS 256

/* The mean luma under chroma sample (i, j): each covers kx x ky luma
 * samples. */
static double luma_under(struct picm_plane l, int i, int j, int kx, int ky)
{
    unsigned sum = 0;
    for (int y = j * ky; y < (j + 1) * ky; y++)
        for (int x = i * kx; x < (i + 1) * kx; x++)
            sum += row_at(l, y)[x];
    return (double)sum / (kx * ky);
}

/* The level from which the brightest twentieth of the lit samples lies,
 * below blown out (a blown-out sample is white whatever the cast). */
static int highlight_level(const uint32_t yhist[256], int white)
{
    uint32_t n = 0, seen = 0;
    for (int v = 0; v < white - 4; v++)
        n += yhist[v];
    int v = white - 5;
    while (v > 0 && (seen + yhist[v]) * 20 <= n)
        seen += yhist[v--];
    return v;
}

int picm_color(struct picm_plane l, struct picm_plane cb, struct picm_plane cr, bool full_range,
               struct picm_color *out)
{
    if (!l.p || !cb.p || !cr.p || !out || cb.w < 1 || cb.h < 1 || cb.w != cr.w || cb.h != cr.h ||
        l.w < cb.w || l.h < cb.h || cb.stride < cb.w || cr.stride < cr.w || l.stride < l.w)
        return -EINVAL;
    int kx = l.w / cb.w, ky = l.h / cb.h;
    double sa = 0, sb = 0, saa = 0, sbb = 0, sc = 0;
    /* Chroma of the lit samples, in whole CIELAB units, for the tint. */
    uint32_t hist[TINT_BINS] = {0}, lit = 0, yhist[256] = {0};
    int dark = full_range ? 20 : 36, white = full_range ? 255 : 235;
    for (int j = 0; j < cb.h; j++) {
        for (int i = 0; i < cb.w; i++) {
            double a, b, y = luma_under(l, i, j, kx, ky);
            ycc_lab(y, row_at(cb, j)[i], row_at(cr, j)[i], full_range, &a, &b);
            double c = sqrt(a * a + b * b);
            if (y > dark) {
                hist[c < TINT_BINS - 1 ? (int)c : TINT_BINS - 1]++;
                yhist[(int)y]++;
                lit++;
            }
            sa += a;
            sb += b;
            saa += a * a;
            sbb += b * b;
            sc += c;
        }
    }
    double n = (double)cb.w * cb.h, ma = sa / n, mb = sb / n;
    double va = saa / n - ma * ma, vb = sbb / n - mb * mb;
    out->d = sqrt(ma * ma + mb * mb);
    out->m = sqrt((va > 0 ? va : 0) + (vb > 0 ? vb : 0));
    /* A grey picture has no spread: its index is the distance itself. */
    out->k = out->d / (out->m > 1 ? out->m : 1);
    out->chroma = sc / n;
    /* The greyest fifth of the lit picture: white walls, roads, sky and
     * shadows are near grey in any scene, and a cast tints them all. */
    out->tint = 0;
    uint32_t seen = 0;
    for (int c = 0; c < TINT_BINS && lit; c++) {
        seen += hist[c];
        if (seen * 5 >= lit) {
            out->tint = c;
            break;
        }
    }
    /* The highlights' colour: a scene of one colour (an orange-lit room, a
     * tabby cat) keeps its brightest parts near white, a white balance gone
     * wrong tints them too. */
    int from = highlight_level(yhist, white);
    double ha = 0, hb = 0;
    uint32_t hn = 0;
    for (int j = 0; j < cb.h && lit; j++)
        for (int i = 0; i < cb.w; i++) {
            double a, b, y = luma_under(l, i, j, kx, ky);
            if (y < from || y >= white - 4 || y <= dark)
                continue;
            ycc_lab(y, row_at(cb, j)[i], row_at(cr, j)[i], full_range, &a, &b);
            ha += a;
            hb += b;
            hn++;
        }
    out->highlight = hn ? sqrt(ha * ha + hb * hb) / hn : 0;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define NOISE_BLOCK      16
#define NOISE_BLOCKS_MAX 256

int picm_noise(struct picm_plane c, double *sigma)
{
    if (!c.p || !sigma || c.w < NOISE_BLOCK || c.h < NOISE_BLOCK || c.stride < c.w)
        return -EINVAL;
    double est[NOISE_BLOCKS_MAX];
    int n = 0;
    for (int by = 0; by + NOISE_BLOCK <= c.h && n < NOISE_BLOCKS_MAX; by += NOISE_BLOCK) {
        for (int bx = 0; bx + NOISE_BLOCK <= c.w && n < NOISE_BLOCKS_MAX; bx += NOISE_BLOCK) {
            uint32_t sum = 0;
            for (int y = by + 1; y < by + NOISE_BLOCK - 1; y++) {
                const uint8_t *u = row_at(c, y - 1), *m = row_at(c, y), *d = row_at(c, y + 1);
                for (int x = bx + 1; x < bx + NOISE_BLOCK - 1; x++) {
                    int v = u[x - 1] - 2 * u[x] + u[x + 1] - 2 * m[x - 1] + 4 * m[x] -
                            2 * m[x + 1] + d[x - 1] - 2 * d[x] + d[x + 1];
                    sum += (uint32_t)abs(v);
                }
            }
            double inner = (NOISE_BLOCK - 2) * (NOISE_BLOCK - 2);
            est[n++] = sqrt(M_PI / 2) * sum / (6 * inner);
        }
    }
    qsort(est, (size_t)n, sizeof(est[0]), cmp_double);
    *sigma = est[n / 2];
    return 0;
}

#define PROFILE_MAX 1024
/* The narrow strips whose quartiles a peak is checked on: two columns each. */
#define NARROW_W 2

/* One strip's row means into `w`. */
static void row_means(struct picm_plane l, int x0, int x1, double *w)
{
    for (int y = 0; y < l.h; y++) {
        const uint8_t *r = row_at(l, y);
        uint32_t s = 0;
        for (int x = x0; x < x1; x++)
            s += r[x];
        w[y] = (double)s / (x1 - x0);
    }
}

/* A profile of n rows with the line through it taken out (the scene's own
 * gradient is no stripe), Hann-windowed; returns the window's sum. */
static double detrend(double *w, int n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int y = 0; y < n; y++) {
        sx += y;
        sy += w[y];
        sxx += (double)y * y;
        sxy += y * w[y];
    }
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx), icpt = (sy - slope * sx) / n;
    double wsum = 0;
    for (int y = 0; y < n; y++) {
        double hann = 0.5 - 0.5 * cos(2 * M_PI * y / (n - 1));
        w[y] = (w[y] - icpt - slope * y) * hann;
        wsum += hann;
    }
    return wsum;
}

/* The profiles of the lower and the upper quartile, row by row, of the
 * narrow strips' row means (ns of them in `nw`, n rows each) into lo and
 * hi, detrended and Hann-windowed; `tmp` has room for ns. Returns the
 * window's sum. Bars and interference lines are added to every
 * column alike and move both; a scene's rows of bright things on a darker
 * ground (coins, lamps) leave the lower quartile in the gaps between them,
 * rows of dark things (windows in a wall) the upper. */
static double quartile_profiles(const double *nw, int ns, int n, double *lo, double *hi,
                                double *tmp)
{
    for (int y = 0; y < n; y++) {
        for (int s = 0; s < ns; s++)
            tmp[s] = nw[(size_t)s * n + y];
        qsort(tmp, (size_t)ns, sizeof(tmp[0]), cmp_double);
        lo[y] = tmp[ns / 4];
        hi[y] = tmp[ns - 1 - ns / 4];
    }
    detrend(lo, n);
    return detrend(hi, n);
}

/* The magnitude of frequency k in profile p of n rows. */
static double bin_magnitude(const double *p, int n, int k)
{
    double r = 0, i = 0;
    for (int y = 0; y < n; y++) {
        r += p[y] * cos(2 * M_PI * k * y / n);
        i -= p[y] * sin(2 * M_PI * k * y / n);
    }
    return sqrt(r * r + i * i);
}

/* The strongest peak of `mag` (1 .. half) standing `prominence` times above
 * the median of its neighbourhood (k - 5 .. k + 5 without k - 1 .. k + 1,
 * where a peak's own window spreads); periods from a third of the profile
 * down to 2 samples. */
static double strongest_peak(const double *mag, int half, double prominence)
{
    double best = 0;
    for (int k = 3; k <= half; k++) {
        double nb[8];
        int m = 0;
        for (int j = k - 5; j <= k + 5; j++)
            if (j >= 1 && j <= half && abs(j - k) >= 2 && m < 8)
                nb[m++] = mag[j];
        if (m < 3)
            continue;
        qsort(nb, (size_t)m, sizeof(nb[0]), cmp_double);
        if (mag[k] >= prominence * nb[m / 2] && mag[k] >= mag[k - 1] &&
            (k == half || mag[k] >= mag[k + 1]) && mag[k] > best)
            best = mag[k];
    }
    return best;
}

int picm_stripes(struct picm_plane l, double prominence, double *amplitude)
{
    if (!l.p || !amplitude || l.w < 4 * NARROW_W || l.w > PROFILE_MAX || l.h < 16 ||
        l.h > PROFILE_MAX || l.stride < l.w)
        return -EINVAL;
    int n = l.h, half = n / 2, ns = l.w / NARROW_W;
    double *nw = malloc(sizeof(double) * ((size_t)ns * n + 2 * (size_t)n + (size_t)ns));
    if (!nw)
        return -ENOMEM;
    for (int s = 0; s < ns; s++)
        row_means(l, s * NARROW_W, (s + 1) * NARROW_W, nw + (size_t)s * n);
    double *lo = nw + (size_t)ns * n, *hi = lo + n, mag[PROFILE_MAX / 2 + 1];
    double wsum = quartile_profiles(nw, ns, n, lo, hi, hi + n);
    /* A stripe moves both quartiles: the spectrum is the smaller of theirs. */
    for (int k = 1; k <= half; k++) {
        double a = bin_magnitude(lo, n, k), b = bin_magnitude(hi, n, k);
        mag[k] = a < b ? a : b;
    }
    *amplitude = 2 * strongest_peak(mag, half, prominence) / wsum;
    free(nw);
    return 0;
}
