/* Tests for probes/frame_quality.c on synthetic luma planes: black, flat,
 * blurred and sharp pictures, strides, and frozen-picture differences. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "frame_quality.h"

#define W 160
#define H 90

static uint8_t plane[H][W];
static uint8_t other[H][W];

static void fill(uint8_t (*p)[W], uint8_t v)
{
    memset(p, v, (size_t)W * H);
}

/* A checkerboard of 8x8 squares: strong edges everywhere. */
static void checkerboard(uint8_t (*p)[W], uint8_t lo, uint8_t hi)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            p[y][x] = ((x / 8) + (y / 8)) % 2 ? hi : lo;
}

/* A slow horizontal ramp: contrast across the picture, no edges (what an
 * out-of-focus scene looks like after shrinking). */
static void ramp(uint8_t (*p)[W])
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            p[y][x] = (uint8_t)(40 + x);
}

static struct frameq_stats stats(uint8_t (*p)[W])
{
    struct frameq_stats s;
    cr_assert_eq(frameq_compute(&p[0][0], W, H, W, &s), 0);
    return s;
}

Test(frame_quality, black_limited_range_picture_is_black)
{
    fill(plane, 16);
    struct frameq_stats s = stats(plane);
    cr_expect_float_eq(s.mean, 16.0, 1e-9);
    cr_expect_float_eq(s.variance, 0.0, 1e-9);
    cr_expect_float_eq(s.dark_fraction, 1.0, 1e-9);
    struct frameq_limits l;
    frameq_limits_default(&l, false);
    cr_expect_eq(frameq_judge(&s, &l), PROBE_R_BLACK);
}

Test(frame_quality, black_with_a_little_noise_is_still_black)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            plane[y][x] = (uint8_t)(2 + (x * 7 + y * 13) % 5);
    struct frameq_limits l;
    frameq_limits_default(&l, true);
    struct frameq_stats s = stats(plane);
    cr_expect_eq(frameq_judge(&s, &l), PROBE_R_BLACK, "mean %.1f var %.1f", s.mean, s.variance);
}

Test(frame_quality, flat_grey_picture_is_occluded_not_black)
{
    fill(plane, 128);
    struct frameq_limits l;
    frameq_limits_default(&l, false);
    struct frameq_stats s = stats(plane);
    cr_expect_eq(frameq_judge(&s, &l), PROBE_R_OCCLUDED);
}

Test(frame_quality, smooth_ramp_is_blurred)
{
    ramp(plane);
    struct frameq_stats s = stats(plane);
    cr_expect_gt(s.variance, 500, "contrast is there: %.1f", s.variance);
    cr_expect_lt(s.lap_var, 1.0, "but no edges: %.2f", s.lap_var);
    struct frameq_limits l;
    frameq_limits_default(&l, false);
    cr_expect_eq(frameq_judge(&s, &l), PROBE_R_BLURRED);
}

Test(frame_quality, sharp_checkerboard_is_fine)
{
    checkerboard(plane, 30, 220);
    struct frameq_stats s = stats(plane);
    cr_expect_float_eq(s.mean, 125.0, 1.0);
    cr_expect_gt(s.lap_var, 1000);
    struct frameq_limits l;
    frameq_limits_default(&l, false);
    cr_expect_eq(frameq_judge(&s, &l), PROBE_R_NONE);
}

Test(frame_quality, stride_wider_than_the_picture_is_honoured)
{
    /* 80 columns of checkerboard inside rows 160 wide whose right half is
     * garbage: only the left half may count. */
    checkerboard(plane, 30, 220);
    for (int y = 0; y < H; y++)
        memset(&plane[y][80], 255, 80);
    struct frameq_stats half, full;
    cr_assert_eq(frameq_compute(&plane[0][0], 80, H, W, &half), 0);
    checkerboard(other, 30, 220);
    cr_assert_eq(frameq_compute(&other[0][0], 80, H, W, &full), 0);
    cr_expect_float_eq(half.mean, full.mean, 1e-9);
    cr_expect_float_eq(half.lap_var, full.lap_var, 1e-9);
}

Test(frame_quality, identical_pictures_are_frozen_moved_ones_are_not)
{
    checkerboard(plane, 30, 220);
    checkerboard(other, 30, 220);
    double mad;
    cr_assert_eq(frameq_diff(&plane[0][0], &other[0][0], W, H, W, &mad), 0);
    cr_expect_float_eq(mad, 0.0, 1e-9);
    struct frameq_limits l;
    frameq_limits_default(&l, false);
    cr_expect(frameq_frozen(mad, &l));
    /* Shift the picture by 4 pixels: half of every square changes. */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            other[y][x] = (((x + 4) / 8) + (y / 8)) % 2 ? 220 : 30;
    cr_assert_eq(frameq_diff(&plane[0][0], &other[0][0], W, H, W, &mad), 0);
    cr_expect_gt(mad, 50.0);
    cr_expect_not(frameq_frozen(mad, &l));
}

Test(frame_quality, bad_arguments_are_einval)
{
    struct frameq_stats s;
    double mad;
    cr_expect_eq(frameq_compute(NULL, W, H, W, &s), -EINVAL);
    cr_expect_eq(frameq_compute(&plane[0][0], 2, H, W, &s), -EINVAL);
    cr_expect_eq(frameq_compute(&plane[0][0], W, H, W - 1, &s), -EINVAL);
    cr_expect_eq(frameq_diff(&plane[0][0], NULL, W, H, W, &mad), -EINVAL);
    cr_expect_eq(frameq_diff(&plane[0][0], &other[0][0], 0, H, W, &mad), -EINVAL);
}
