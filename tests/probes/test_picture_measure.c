/* The picture measures (probes/picture_measure.c, picture_spectrum.c) on
 * synthetic planes: each measure tells the fault it is for from a healthy
 * picture, and refuses what it cannot measure. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "picture_measure.h"

#define W 160
#define H 90

static uint8_t a[H][W], b[H][W];
static uint32_t seed;

static int noise(int amp)
{
    seed = seed * 1103515245u + 12345u;
    return amp ? (int)((seed >> 16) % (2u * amp + 1)) - amp : 0;
}

static uint8_t clamp(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* A scene: smooth shading plus irregular blobs and edges (no periodic rows). */
static void scene(uint8_t (*p)[W], int shift, int sensor)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int u = x + shift;
            int v = 60 + u / 2 + ((u * u / 37 + y * y / 23) % 50 > 25 ? 50 : 0) +
                    ((u / 13 + y / 11) % 3 == 0 ? 30 : 0);
            p[y][x] = clamp(v + noise(sensor));
        }
}

static struct picm_plane plane(uint8_t (*p)[W])
{
    return (struct picm_plane){.p = &p[0][0], .w = W, .h = H, .stride = W};
}

static void init(void)
{
    seed = 1;
}

TestSuite(picture_measure, .init = init);

Test(picture_measure, levels_count_black_and_blown_out_samples)
{
    struct picm_levels lv;
    memset(a, 16, sizeof(a));
    cr_assert_eq(picm_levels(plane(a), false, &lv), 0);
    cr_expect_float_eq(lv.dark_frac, 1, 1e-9);
    memset(a, 0, sizeof(a));
    memset(a, 255, sizeof(a) / 2);
    cr_assert_eq(picm_levels(plane(a), true, &lv), 0);
    cr_expect_float_eq(lv.clip_frac, 0.5, 1e-9);
    cr_expect_float_eq(lv.dark_frac, 0.5, 1e-9);
    scene(a, 0, 2);
    cr_assert_eq(picm_levels(plane(a), false, &lv), 0);
    cr_expect_lt(lv.dark_frac, 0.05);
    cr_expect_lt(lv.clip_frac, 0.05);
}

Test(picture_measure, a_washed_out_scene_has_its_darkest_parts_lifted)
{
    struct picm_levels lv;
    scene(a, 0, 2);
    cr_assert_eq(picm_levels(plane(a), false, &lv), 0);
    cr_expect_lt(lv.floor, 0.3, "a scene keeps its shadows: %f", lv.floor);
    /* Shadows lifted to 150 of 16..235, nothing blown out. */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            b[y][x] = (uint8_t)(150 + a[y][x] * 80 / 255);
    cr_assert_eq(picm_levels(plane(b), false, &lv), 0);
    cr_expect_lt(lv.clip_frac, 0.05);
    cr_expect_gt(lv.floor, 0.6, "washed out: %f", lv.floor);
    memset(a, 0, sizeof(a));
    cr_assert_eq(picm_levels(plane(a), true, &lv), 0);
    cr_expect_float_eq(lv.floor, 0, 1e-9, "black is the floor");
}

Test(picture_measure, a_board_over_half_the_picture_is_one_flat_shade)
{
    struct picm_blocks bl;
    scene(a, 0, 2);
    cr_assert_eq(picm_blocks(plane(a), false, 1.5, &bl), 0);
    cr_expect_lt(bl.flat_frac, 0.1, "a scene is not flat: %.2f", bl.flat_frac);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W * 6 / 10; x++)
            a[y][x] = (uint8_t)(90 + noise(1)); /* a board with a little noise */
    cr_assert_eq(picm_blocks(plane(a), false, 1.5, &bl), 0);
    cr_expect_geq(bl.flat_frac, 0.55, "%.2f", bl.flat_frac);
    cr_expect_lt(bl.still_frac, 0.6, "a filmed board is not drawn: %.2f", bl.still_frac);
}

/* SMPTE-like colour bars at the box-filtered size: seven bars whose edges
 * fall inside blocks (each edge one column of the two bars' mean, as a box
 * filter leaves it), a strip of other bars and a bottom row of sections. */
static void colour_bars(uint8_t (*p)[W], int sensor)
{
    static const int top[7] = {180, 162, 131, 112, 84, 65, 35};
    static const int strip[7] = {35, 16, 84, 16, 131, 16, 180};
    static const int bottom[4] = {16, 235, 60, 16};
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int v;
            if (y < 68) {
                const int *bars = y < 60 ? top : strip;
                int i = x * 7 / W, edge = (i + 1) * W / 7 - 1;
                v = x == edge && i < 6 ? (bars[i] + bars[i + 1]) / 2 : bars[i];
            } else {
                v = bottom[x * 4 / W];
            }
            p[y][x] = clamp(v + noise(sensor));
        }
}

Test(picture_measure, colour_bars_are_drawn_where_their_bars_meet_too)
{
    struct picm_blocks bl;
    colour_bars(a, 0);
    cr_assert_eq(picm_blocks(plane(a), false, 1.5, &bl), 0);
    cr_expect_geq(bl.still_frac, 0.9, "drawn bars: %.2f still", bl.still_frac);
    colour_bars(a, 2); /* the same filmed: a sensor's noise along every edge */
    cr_assert_eq(picm_blocks(plane(a), false, 1.5, &bl), 0);
    cr_expect_lt(bl.still_frac, 0.1, "filmed bars: %.2f still", bl.still_frac);
}

Test(picture_measure, a_smooth_gradient_is_not_one_shade)
{
    struct picm_blocks bl;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            a[y][x] = (uint8_t)(30 + x); /* a sky from dark to light */
    cr_assert_eq(picm_blocks(plane(a), false, 1.5, &bl), 0);
    cr_expect_lt(bl.flat_frac, 0.2, "%.2f", bl.flat_frac);
}

Test(picture_measure, drawn_words_in_the_middle_of_black_are_told_from_an_osd_corner)
{
    struct picm_blocks bl;
    memset(a, 16, sizeof(a));
    for (int y = 40; y < 50; y++)
        for (int x = 60; x < 100; x++)
            a[y][x] = (uint8_t)((x / 3 + y) % 2 ? 235 : 16);
    cr_assert_eq(picm_blocks(plane(a), false, 1.5, &bl), 0);
    cr_expect_gt(bl.busy_centre, 0);
    cr_expect_eq(bl.busy_edge, 0);
    cr_expect_gt(bl.still_frac, 0.9);
    memset(a, 16, sizeof(a));
    for (int y = 2; y < 10; y++)
        for (int x = 2; x < 50; x++)
            a[y][x] = (uint8_t)((x / 3 + y) % 2 ? 235 : 16);
    cr_assert_eq(picm_blocks(plane(a), false, 1.5, &bl), 0);
    cr_expect_eq(bl.busy_centre, 0);
    cr_expect_gt(bl.busy_edge, 0);
}

/* Box blur of radius r, twice: a defocused lens. */
static void blur(uint8_t (*p)[W], int r)
{
    static uint8_t t[H][W];
    for (int pass = 0; pass < 2; pass++) {
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int s = 0, n = 0;
                for (int dy = -r; dy <= r; dy++)
                    for (int dx = -r; dx <= r; dx++) {
                        int yy = y + dy, xx = x + dx;
                        if (yy >= 0 && yy < H && xx >= 0 && xx < W) {
                            s += p[yy][xx];
                            n++;
                        }
                    }
                t[y][x] = (uint8_t)(s / n);
            }
        memcpy(p, t, sizeof(t));
    }
}

Test(picture_measure, sharpness_falls_with_blur_but_not_with_darkness)
{
    struct picm_sharp sharp, dim, blurred;
    scene(a, 0, 0);
    cr_assert_eq(picm_sharpness(plane(a), &sharp), 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            b[y][x] = (uint8_t)(16 + (a[y][x] - 16) / 4); /* a quarter of the light */
    cr_assert_eq(picm_sharpness(plane(b), &dim), 0);
    memcpy(b, a, sizeof(a));
    blur(b, 2);
    cr_assert_eq(picm_sharpness(plane(b), &blurred), 0);
    cr_expect_gt(dim.ratio, 0.8 * sharp.ratio, "dim %.2f sharp %.2f", dim.ratio, sharp.ratio);
    cr_expect_lt(blurred.ratio, 0.6 * sharp.ratio, "blurred %.2f sharp %.2f", blurred.ratio,
                 sharp.ratio);
}

/* What a crop at the coded resolution looks like: shading and a few edges. */
static void crop_scene(uint8_t (*p)[W], int sensor)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            p[y][x] = clamp(60 + x / 2 + y / 3 + (x > 50 && x < 90 ? 40 : 0) + noise(sensor));
}

Test(picture_measure, noise_is_told_from_a_scene)
{
    double clean, snowy;
    crop_scene(a, 1);
    cr_assert_eq(picm_noise(plane(a), &clean), 0);
    crop_scene(a, 30);
    cr_assert_eq(picm_noise(plane(a), &snowy), 0);
    cr_expect_lt(clean, 3, "%.2f", clean);
    cr_expect_gt(snowy, 10, "%.2f", snowy);
}

Test(picture_measure, rolling_bars_and_fine_lines_are_stripes_a_scene_is_not)
{
    double amp;
    scene(a, 0, 2);
    cr_assert_eq(picm_stripes(plane(a), 2, &amp), 0);
    cr_expect_lt(amp, 1, "a scene: %.2f", amp);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            b[y][x] = clamp(a[y][x] + (int)lround(20 * sin(2 * M_PI * y / 22.0)));
    cr_assert_eq(picm_stripes(plane(b), 2, &amp), 0);
    /* What even the strips with the least of them carry: the scene's own
     * shading under the bars takes some away, never adds. */
    cr_expect(amp > 6 && amp < 28, "bars of 20 levels measured %.2f", amp);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            b[y][x] = clamp(a[y][x] + (y % 4 == 0 ? 30 : 0));
    cr_assert_eq(picm_stripes(plane(b), 2, &amp), 0);
    cr_expect_gt(amp, 8, "lines every 4 rows: %.2f", amp);
}

/* Rows of round things on a plain ground (coins on a table, a façade's
 * windows) in a grid, radius r every `per` columns and 22 rows: as periodic
 * down the picture as bars, but the columns between them do not follow. */
static void discs(uint8_t (*p)[W], int r, int per)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int dx = x % per - per / 2, dy = y % 22 - 11;
            bool in = dx * dx + dy * dy <= r * r;
            p[y][x] = clamp((in ? 170 + dx * 3 : 90) + noise(2));
        }
}

Test(picture_measure, rows_of_coins_are_no_stripes_bars_over_them_are)
{
    static const int shape[][2] = {{6, 20}, {6, 24}, {8, 28}};
    for (int i = 0; i < 3; i++) {
        double amp;
        discs(a, shape[i][0], shape[i][1]);
        cr_assert_eq(picm_stripes(plane(a), 2, &amp), 0);
        cr_expect_lt(amp, 1, "rows of discs %d every %d: %.2f", shape[i][0], shape[i][1], amp);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                b[y][x] = clamp(a[y][x] + (int)lround(20 * sin(2 * M_PI * y / 30.0)));
        cr_assert_eq(picm_stripes(plane(b), 2, &amp), 0);
        cr_expect(amp > 6 && amp < 28, "bars of 20 levels over discs measured %.2f", amp);
    }
}

Test(picture_measure, a_cast_tints_even_the_grey_parts)
{
    static uint8_t cb[H / 2][W / 2], cr[H / 2][W / 2];
    struct picm_plane pcb = {&cb[0][0], W / 2, H / 2, W / 2},
                      pcr = {&cr[0][0], W / 2, H / 2, W / 2};
    struct picm_color c;
    scene(a, 0, 0);
    /* Grey with a few coloured things. */
    memset(cb, 128, sizeof(cb));
    memset(cr, 128, sizeof(cr));
    for (int y = 0; y < H / 2; y++)
        for (int x = 0; x < W / 8; x++)
            cr[y][x] = 200;
    cr_assert_eq(picm_color(plane(a), pcb, pcr, false, &c), 0);
    cr_expect_lt(c.tint, 3, "%.1f", c.tint);
    /* (the red things, an eighth of the picture, lift red's top a little) */
    cr_expect_lt(c.white, 25, "the brightest parts near white: %.1f", c.white);
    memset(cb, 160, sizeof(cb)); /* everything bluish */
    memset(cr, 105, sizeof(cr));
    cr_assert_eq(picm_color(plane(a), pcb, pcr, false, &c), 0);
    cr_expect_gt(c.tint, 15, "%.1f", c.tint);
    cr_expect_gt(c.highlight, 15, "the highlights too: %.1f", c.highlight);
    cr_expect_gt(c.white, 40, "the brightest parts' channels apart: %.1f", c.white);
    cr_expect_not(c.opposite, "one cast leans all one way");
}

Test(picture_measure, a_scene_of_one_colour_keeps_its_highlights_white)
{
    static uint8_t cb[H / 2][W / 2], cr[H / 2][W / 2];
    struct picm_plane pcb = {&cb[0][0], W / 2, H / 2, W / 2},
                      pcr = {&cr[0][0], W / 2, H / 2, W / 2};
    struct picm_color c;
    scene(a, 0, 0);
    /* An orange-lit room: everything orange but its brightest parts. */
    for (int y = 0; y < H / 2; y++)
        for (int x = 0; x < W / 2; x++) {
            int lum = (a[2 * y][2 * x] + a[2 * y][2 * x + 1] + a[2 * y + 1][2 * x] +
                       a[2 * y + 1][2 * x + 1]) /
                      4;
            bool bright = lum >= 190;
            cb[y][x] = bright ? 128 : 105;
            cr[y][x] = bright ? 128 : 160;
        }
    cr_assert_eq(picm_color(plane(a), pcb, pcr, false, &c), 0);
    cr_expect_gt(c.tint, 15, "the greyest fifth is orange: %.1f", c.tint);
    cr_expect_lt(c.highlight, 5, "the highlights are white: %.1f", c.highlight);
    cr_expect_lt(c.white, 20, "their channels together: %.1f", c.white);
}

Test(picture_measure, mad_and_shift_find_a_repeated_and_a_moved_picture)
{
    double mad;
    int dx, dy;
    scene(a, 0, 0);
    memcpy(b, a, sizeof(a));
    cr_assert_eq(picm_mad(plane(a), plane(b), &mad), 0);
    cr_expect_float_eq(mad, 0, 1e-12);
    cr_assert_eq(picm_shift(plane(a), plane(b), 6, &dx, &dy), 0);
    cr_expect(dx == 0 && dy == 0);
    /* b is the scene moved 4 samples left and 2 down. */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            b[y][x] = a[y - 2 >= 0 ? y - 2 : 0][x - 4 >= 0 ? x - 4 : 0];
    cr_assert_eq(picm_shift(plane(a), plane(b), 6, &dx, &dy), 0);
    cr_expect(dx == 4 && dy == 2, "found (%d, %d)", dx, dy);
}

Test(picture_measure, what_cannot_be_measured_is_refused)
{
    struct picm_levels lv;
    struct picm_blocks bl;
    struct picm_sharp sh;
    double d;
    int dx, dy;
    struct picm_plane tiny = {&a[0][0], 2, 2, W}, bad = {&a[0][0], W, H, W - 1};
    cr_expect_eq(picm_levels((struct picm_plane){NULL, W, H, W}, false, &lv), -EINVAL);
    cr_expect_eq(picm_blocks(tiny, false, 1, &bl), -EINVAL);
    cr_expect_eq(picm_sharpness(bad, &sh), -EINVAL);
    cr_expect_eq(picm_noise(tiny, &d), -EINVAL);
    cr_expect_eq(picm_stripes(tiny, 4, &d), -EINVAL);
    cr_expect_eq(picm_mad(plane(a), tiny, &d), -EINVAL);
    cr_expect_eq(picm_shift(plane(a), plane(b), 60, &dx, &dy), -EINVAL);
}
