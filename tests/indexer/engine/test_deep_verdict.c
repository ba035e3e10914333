/* The deep probe's verdict on the picture (indexer/engine/deep_verdict.c): black,
 * occluded, frozen (two keyframes the same), blurred, in that order, and
 * the stream against the inventory. Synthetic luma planes, no libav. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/deep_verdict.h"

#define W 160
#define H 90

static struct deep_result r;
static const struct deep_verdict_expect none = {0};

/* A sharp, busy picture: a checkerboard of 8-pixel squares with a ramp. */
static void textured(struct deep_luma *l, int shift)
{
    l->width = W;
    l->height = H;
    l->full_range = false;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            l->data[y * W + x] =
                (uint8_t)(((((x + shift) / 8) + (y / 8)) % 2 ? 200 : 40) + (x + shift) % 16);
}

static void flat(struct deep_luma *l, uint8_t v)
{
    l->width = W;
    l->height = H;
    l->full_range = false;
    memset(l->data, v, sizeof(l->data));
}

static void setup(void)
{
    deep_result_init(&r);
    probe_result_init(&r.base);
    probe_result_set(&r.base, PROBE_ONLINE, PROBE_R_NONE, "h264 160x90");
    r.base.video.width = W;
    r.base.video.height = H;
    r.luma2_gap_ms = 1000;
}

TestSuite(deep_verdict, .init = setup);

static struct probe_result judge(void)
{
    struct probe_result out;
    deep_verdict_judge(&r, &none, &out, NULL);
    return out;
}

Test(deep_verdict, two_identical_keyframes_are_frozen)
{
    textured(&r.luma, 0);
    textured(&r.luma2, 0);
    struct probe_result out = judge();
    cr_assert_eq(out.state, PROBE_DEGRADED);
    cr_assert_eq(out.reason, PROBE_R_FROZEN, "%s", probe_reason_name(out.reason));
    cr_assert(strstr(out.detail, "1.0 s apart"), "%s", out.detail);
}

Test(deep_verdict, a_little_encoder_noise_is_still_frozen)
{
    textured(&r.luma, 0);
    textured(&r.luma2, 0);
    /* Re-encoding the same picture moves a few samples by one or two. */
    for (int i = 0; i < W * H; i += 7)
        r.luma2.data[i] = (uint8_t)(r.luma2.data[i] + 1 + i % 2);
    cr_assert_eq(judge().reason, PROBE_R_FROZEN);
}

Test(deep_verdict, a_moving_picture_is_online)
{
    textured(&r.luma, 0);
    textured(&r.luma2, 3);
    struct probe_result out = judge();
    cr_assert_eq(out.state, PROBE_ONLINE, "%s: %s", probe_reason_name(out.reason), out.detail);
}

Test(deep_verdict, without_a_second_keyframe_nothing_is_said_about_motion)
{
    textured(&r.luma, 0);
    r.luma2.width = 0; /* none came in time */
    cr_assert_eq(judge().state, PROBE_ONLINE);
    /* A second picture of another size cannot be compared. */
    textured(&r.luma2, 0);
    r.luma2.width = W / 2;
    cr_assert_eq(judge().state, PROBE_ONLINE);
}

Test(deep_verdict, black_and_covered_pictures_say_so_rather_than_frozen)
{
    flat(&r.luma, 16);
    flat(&r.luma2, 16);
    cr_assert_eq(judge().reason, PROBE_R_BLACK);
    flat(&r.luma, 128);
    flat(&r.luma2, 128);
    cr_assert_eq(judge().reason, PROBE_R_OCCLUDED);
}

Test(deep_verdict, a_frozen_picture_is_reported_before_a_resolution_mismatch)
{
    textured(&r.luma, 0);
    textured(&r.luma2, 0);
    struct deep_verdict_expect e = {.width = 1920, .height = 1080};
    struct probe_result out;
    deep_verdict_judge(&r, &e, &out, NULL);
    cr_assert_eq(out.reason, PROBE_R_FROZEN);
    textured(&r.luma2, 5);
    deep_verdict_judge(&r, &e, &out, NULL);
    cr_assert_eq(out.reason, PROBE_R_RESOLUTION_MISMATCH);
}
