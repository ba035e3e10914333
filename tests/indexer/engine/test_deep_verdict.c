/* The deep probe's verdict on the picture (indexer/engine/deep_verdict.c):
 * the picture diagnosis' findings (most severe first, the first is the
 * reason) and the stream against the inventory. Synthetic planes, no
 * libav; the measures themselves are tested in tests/probes. */
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

/* Picture i of a run: the same textured scene, with `noise` levels of
 * sensor noise drawn afresh for each picture (0: one picture repeated). */
static void run_of(int npics, int noise)
{
    uint32_t seed = 12345;
    r.npics = (uint8_t)npics;
    for (int i = 0; i < npics; i++) {
        struct deep_luma *l = i ? &r.next[i - 1] : &r.luma;
        textured(l, 0);
        struct deep_crop *c = &r.crop[i];
        c->width = DEEP_CROP_W;
        c->height = DEEP_CROP_H;
        for (int p = 0; p < DEEP_CROP_W * DEEP_CROP_H; p++) {
            seed = seed * 1103515245u + 12345u;
            int n = noise ? (int)((seed >> 16) % (2 * noise + 1)) - noise : 0;
            c->data[p] = (uint8_t)(((p % DEEP_CROP_W) / 8 + (p / DEEP_CROP_W) / 8) % 2 ? 180 + n
                                                                                        : 60 + n);
        }
    }
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

Test(deep_verdict, one_picture_repeated_is_frozen_with_its_value_and_limit)
{
    run_of(4, 0);
    struct probe_findings f;
    struct probe_result out;
    deep_verdict_judge(&r, &none, &out, &f);
    cr_assert_eq(out.state, PROBE_DEGRADED);
    cr_assert_eq(out.reason, PROBE_R_FROZEN, "%s: %s", probe_reason_name(out.reason), out.detail);
    cr_assert(f.judged);
    cr_assert_geq(f.n, 1);
    cr_expect_eq(f.f[0].reason, PROBE_R_FROZEN);
    cr_expect_float_eq(f.f[0].value, 0, 1e-6);
    cr_expect_gt(f.f[0].limit, 0);
    cr_expect(strstr(out.detail, "two pictures differ by 0.00"), "%s", out.detail);
}

Test(deep_verdict, a_still_scene_with_sensor_noise_is_not_frozen)
{
    run_of(4, 3);
    struct probe_result out = judge();
    cr_assert_eq(out.state, PROBE_ONLINE, "%s: %s", probe_reason_name(out.reason), out.detail);
}

Test(deep_verdict, one_picture_alone_says_nothing_about_motion)
{
    run_of(1, 0);
    struct probe_findings f;
    struct probe_result out;
    deep_verdict_judge(&r, &none, &out, &f);
    cr_assert_eq(out.state, PROBE_ONLINE, "%s: %s", probe_reason_name(out.reason), out.detail);
    cr_expect(f.judged, "the picture was looked at");
    cr_expect_eq(f.n, 0);
}

Test(deep_verdict, black_and_covered_pictures_say_so_rather_than_frozen)
{
    run_of(4, 0);
    flat(&r.luma, 16);
    for (int i = 0; i < 3; i++)
        flat(&r.next[i], 16);
    cr_assert_eq(judge().reason, PROBE_R_BLACK);
    flat(&r.luma, 128);
    for (int i = 0; i < 3; i++)
        flat(&r.next[i], 128);
    struct probe_findings f;
    struct probe_result out;
    deep_verdict_judge(&r, &none, &out, &f);
    cr_assert_eq(out.reason, PROBE_R_OCCLUDED, "%s", probe_reason_name(out.reason));
    for (int i = 0; i < f.n; i++)
        cr_expect_neq(f.f[i].reason, PROBE_R_FROZEN, "a covered lens has nothing to move");
}

Test(deep_verdict, a_frozen_picture_is_reported_before_a_resolution_mismatch)
{
    run_of(4, 0);
    struct deep_verdict_expect e = {.width = 1920, .height = 1080};
    struct probe_result out;
    deep_verdict_judge(&r, &e, &out, NULL);
    cr_assert_eq(out.reason, PROBE_R_FROZEN);
    run_of(4, 3);
    deep_verdict_judge(&r, &e, &out, NULL);
    cr_assert_eq(out.reason, PROBE_R_RESOLUTION_MISMATCH);
}

Test(deep_verdict, the_configured_limits_are_the_ones_used)
{
    run_of(4, 0);
    struct picq_limits q;
    picq_limits_default(&q);
    q.frozen_diff = 0; /* frozen only when not a sample differs: still frozen */
    struct deep_verdict_expect e = {.quality = &q};
    struct probe_result out;
    deep_verdict_judge(&r, &e, &out, NULL);
    cr_assert_eq(out.reason, PROBE_R_FROZEN);
    run_of(4, 3);
    q.frozen_diff = 10; /* a noisy still scene passes for frozen */
    deep_verdict_judge(&r, &e, &out, NULL);
    cr_assert_eq(out.reason, PROBE_R_FROZEN, "%s: %s", probe_reason_name(out.reason), out.detail);
}

Test(deep_verdict, every_fault_is_listed_and_the_detail_names_the_others)
{
    run_of(4, 0);
    /* Grey with a green tint everywhere, highlights too (their green
     * channel about half again their red): frozen and a colour cast. */
    r.chroma.width = DEEP_CHROMA_MAX_W;
    r.chroma.height = DEEP_CHROMA_MAX_H;
    memset(r.chroma.cb, 128, sizeof(r.chroma.cb));
    memset(r.chroma.cr, 90, sizeof(r.chroma.cr));
    struct probe_findings f;
    struct probe_result out;
    deep_verdict_judge(&r, &none, &out, &f);
    cr_assert_eq(f.n, 2, "%s", out.detail);
    cr_expect_eq(f.f[0].reason, PROBE_R_FROZEN);
    cr_expect_eq(f.f[1].reason, PROBE_R_COLOR_CAST);
    cr_expect_gt(f.f[1].value, f.f[1].limit);
    cr_expect(strstr(out.detail, "; also color_cast"), "%s", out.detail);
}

Test(deep_verdict, a_failed_probe_is_not_judged)
{
    run_of(4, 0);
    probe_result_set(&r.base, PROBE_OFFLINE, PROBE_R_CONNECT_REFUSED, "open: refused");
    struct probe_findings f;
    struct probe_result out;
    deep_verdict_judge(&r, &none, &out, &f);
    cr_expect_eq(out.reason, PROBE_R_CONNECT_REFUSED);
    cr_expect_not(f.judged);
    cr_expect_eq(f.n, 0);
}

