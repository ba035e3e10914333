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

/* BT.601 Y'CbCr to CIELAB a* and b* (D65); `rgb` (may be NULL) gets the
 * gamma-coded R'G'B' (0..1, clamped). */
static void ycc_lab(double y, double cb, double cr, bool full, double *a, double *b, double *rgb)
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
    double rg = y + 1.402 * cr, gg = y - 0.344136 * cb - 0.714136 * cr, bg = y + 1.772 * cb;
    if (rgb) {
        rgb[0] = rg < 0 ? 0 : rg > 1 ? 1 : rg;
        rgb[1] = gg < 0 ? 0 : gg > 1 ? 1 : gg;
        rgb[2] = bg < 0 ? 0 : bg > 1 ? 1 : bg;
    }
    double r = srgb_linear(rg), g = srgb_linear(gg), bl = srgb_linear(bg);
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

/* How far the brightest parts' channels differ (white patch): each
 * channel's 98th percentile over the lit samples not blown out, the
 * largest over the smallest, less one, in %. A failed white balance scales
 * one channel against the others everywhere, the white and the grey parts
 * too; a scene's own colours leave its brightest things near white. */
static double white_patch(const uint32_t h[3][256])
{
    double top[3];
    for (int ch = 0; ch < 3; ch++) {
        uint32_t n = 0, seen = 0;
        for (int v = 0; v < 256; v++)
            n += h[ch][v];
        int v = 255;
        while (v > 0 && (uint64_t)(seen + h[ch][v]) * 50 <= n)
            seen += h[ch][v--];
        top[ch] = v;
    }
    double hi = fmax(top[0], fmax(top[1], top[2])), lo = fmin(top[0], fmin(top[1], top[2]));
    return hi > 0 ? 100 * (hi / (lo > 8 ? lo : 8) - 1) : 0;
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
    uint32_t hist[TINT_BINS] = {0}, lit = 0, yhist[256] = {0}, rgbhist[3][256] = {{0}};
    int dark = full_range ? 20 : 36, white = full_range ? 255 : 235;
    for (int j = 0; j < cb.h; j++) {
        for (int i = 0; i < cb.w; i++) {
            double a, b, rgb[3], y = luma_under(l, i, j, kx, ky);
            ycc_lab(y, row_at(cb, j)[i], row_at(cr, j)[i], full_range, &a, &b, rgb);
            double c = sqrt(a * a + b * b);
            if (y > dark) {
                hist[c < TINT_BINS - 1 ? (int)c : TINT_BINS - 1]++;
                yhist[(int)y]++;
                lit++;
                for (int ch = 0; ch < 3 && y < white - 4; ch++)
                    rgbhist[ch][(int)(rgb[ch] * 255 + 0.5)]++;
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
     * wrong tints them too; and the greyest fifth's. */
    int from = highlight_level(yhist, white);
    double ha = 0, hb = 0, ga = 0, gb = 0;
    uint32_t hn = 0;
    for (int j = 0; j < cb.h && lit; j++)
        for (int i = 0; i < cb.w; i++) {
            double a, b, y = luma_under(l, i, j, kx, ky);
            if (y >= white - 4 || y <= dark)
                continue;
            ycc_lab(y, row_at(cb, j)[i], row_at(cr, j)[i], full_range, &a, &b, NULL);
            if (sqrt(a * a + b * b) < out->tint + 1) {
                ga += a;
                gb += b;
            }
            if (y < from)
                continue;
            ha += a;
            hb += b;
            hn++;
        }
    out->highlight = hn ? sqrt(ha * ha + hb * hb) / hn : 0;
    out->opposite = ha * ga + hb * gb < 0;
    out->white = white_patch(rgbhist);
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

/* cos and sin of 2 pi j / n, j = 0 .. n - 1: every frequency's twiddles
 * are among them ((k * y) mod n), so no sample needs a call of its own. */
struct twiddles {
    double c[PROFILE_MAX], s[PROFILE_MAX];
};

static void twiddles_init(struct twiddles *t, int n)
{
    for (int j = 0; j < n; j++) {
        t->c[j] = cos(2 * M_PI * j / n);
        t->s[j] = sin(2 * M_PI * j / n);
    }
}

/* Frequency k of profile p of n rows: its cosine and sine parts. */
static void bin_at(const struct twiddles *t, const double *p, int n, int k, double *re, double *im)
{
    double r = 0, i = 0;
    for (int y = 0, j = 0; y < n; y++, j = (j + k) % n) {
        r += p[y] * t->c[j];
        i -= p[y] * t->s[j];
    }
    *re = r;
    *im = i;
}

/* Directions tried for the phase that every strip shares. */
#define PHASES 32

/* A periodic brightness down the picture at frequency k that every strip
 * carries: the strips' coefficients (cosine and sine parts in `re`, `im`,
 * ns of them) projected on a phase, the tenth from the bottom of those, in
 * levels (a negative one counts 0), at the phase where that is largest.
 * Bars and interference lines are added to every column at one phase, so
 * even the strips with the least of them have them, whatever the scene
 * adds in some (rows of coins at the bars' own period shift those strips'
 * phase, not the others'); a scene's rows of things leave the strips
 * between them without, and a texture's rows differ in phase from strip to
 * strip, which no one phase holds. */
static double coherent_amplitude(const double *re, const double *im, int ns, double wsum,
                                 double *tmp)
{
    double best = 0;
    for (int p = 0; p < PHASES; p++) {
        double c = cos(2 * M_PI * p / PHASES), s = sin(2 * M_PI * p / PHASES);
        for (int i = 0; i < ns; i++)
            tmp[i] = re[i] * c + im[i] * s;
        qsort(tmp, (size_t)ns, sizeof(tmp[0]), cmp_double);
        best = tmp[ns / 10] > best ? tmp[ns / 10] : best;
    }
    return 2 * best / wsum;
}

/* Whether frequency k of `mag` (1 .. half) is a peak standing `prominence`
 * times above the median of its neighbourhood (k - 5 .. k + 5 without
 * k - 1 .. k + 1, where a peak's own window spreads). */
static bool is_peak(const double *mag, int half, int k, double prominence)
{
    double nb[8];
    int m = 0;
    for (int j = k - 5; j <= k + 5; j++)
        if (j >= 1 && j <= half && abs(j - k) >= 2 && m < 8)
            nb[m++] = mag[j];
    if (m < 3)
        return false;
    qsort(nb, (size_t)m, sizeof(nb[0]), cmp_double);
    return mag[k] >= prominence * nb[m / 2] && mag[k] >= mag[k - 1] &&
           (k == half || mag[k] >= mag[k + 1]);
}

int picm_stripes(struct picm_plane l, double prominence, double *amplitude)
{
    if (!l.p || !amplitude || l.w < 4 * NARROW_W || l.w > PROFILE_MAX || l.h < 16 ||
        l.h > PROFILE_MAX || l.stride < l.w)
        return -EINVAL;
    int n = l.h, half = n / 2, ns = l.w / NARROW_W;
    /* The strips' profiles, their mean, and room for one frequency's
     * coefficients of every strip. */
    double *nw = malloc(sizeof(double) * ((size_t)ns * n + (size_t)n + 3 * (size_t)ns));
    if (!nw)
        return -ENOMEM;
    double *mean = nw + (size_t)ns * n, *re = mean + n, *im = re + ns, *tmp = im + ns;
    double wsum = 0, mag[PROFILE_MAX / 2 + 1];
    for (int y = 0; y < n; y++)
        mean[y] = 0;
    for (int s = 0; s < ns; s++) {
        double *w = nw + (size_t)s * n;
        row_means(l, s * NARROW_W, (s + 1) * NARROW_W, w);
        wsum = detrend(w, n);
        for (int y = 0; y < n; y++)
            mean[y] += w[y] / ns;
    }
    /* The peaks of the mean profile's spectrum are the candidates; each is
     * then asked whether every strip carries it. */
    struct twiddles *t = malloc(sizeof(*t));
    if (!t) {
        free(nw);
        return -ENOMEM;
    }
    twiddles_init(t, n);
    for (int k = 1; k <= half; k++) {
        double r, i;
        bin_at(t, mean, n, k, &r, &i);
        mag[k] = sqrt(r * r + i * i);
    }
    double best = 0;
    for (int k = 3; k <= half; k++) {
        if (!is_peak(mag, half, k, prominence))
            continue;
        for (int s = 0; s < ns; s++)
            bin_at(t, nw + (size_t)s * n, n, k, &re[s], &im[s]);
        double a = coherent_amplitude(re, im, ns, wsum, tmp);
        best = a > best ? a : best;
    }
    free(t);
    *amplitude = best;
    free(nw);
    return 0;
}
