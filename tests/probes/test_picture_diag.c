/* The picture diagnosis (probes/picture_diag.c): which findings a set of
 * measures gives, in which order, and what the detail says. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "picture_diag.h"

static struct picq_limits l;

/* A healthy picture's measures (a pan over a street at noon). */
static struct picq_measures healthy(void)
{
    return (struct picq_measures){.mean = 110,
                                  .dark_pct = 5,
                                  .clip_pct = 1,
                                  .floor_pct = 10,
                                  .flat_pct = 2,
                                  .still_pct = 1,
                                  .busy_centre = 60,
                                  .busy_edge = 150,
                                  .has_color = true,
                                  .chroma = 20,
                                  .tint = 3,
                                  .highlight = 2,
                                  .white = 12,
                                  .sharpness = 120,
                                  .grad_mean = 20,
                                  .has_crop = true,
                                  .noise = 2,
                                  .stripes = 0.5,
                                  .has_pair = true,
                                  .has_motion = true,
                                  .frozen_diff = 5,
                                  .jump_pct = 0};
}

static void init(void)
{
    picq_limits_default(&l);
}

TestSuite(picture_diag, .init = init);

Test(picture_diag, a_healthy_picture_has_no_finding_but_was_judged)
{
    struct picq_measures m = healthy();
    struct probe_findings f;
    picq_judge(&m, &l, &f);
    cr_expect(f.judged);
    cr_expect_eq(f.n, 0);
}

Test(picture_diag, several_faults_come_most_severe_first_with_value_and_limit)
{
    struct picq_measures m = healthy();
    m.noise = 20;      /* noisy */
    m.stripes = 15;    /* stripes */
    m.frozen_diff = 0; /* frozen */
    m.jump_pct = 5;    /* shaking */
    struct probe_findings f;
    picq_judge(&m, &l, &f);
    cr_assert_eq(f.n, 4);
    cr_expect_eq(f.f[0].reason, PROBE_R_FROZEN);
    cr_expect_eq(f.f[1].reason, PROBE_R_STRIPES);
    cr_expect_eq(f.f[2].reason, PROBE_R_NOISY);
    cr_expect_eq(f.f[3].reason, PROBE_R_SHAKING);
    cr_expect_float_eq(f.f[2].value, 20, 1e-6);
    cr_expect_float_eq(f.f[2].limit, l.noise_sigma, 1e-6);
}

Test(picture_diag, a_test_screen_is_signal_lost_and_hides_the_rest)
{
    struct picq_measures m = healthy();
    m.still_pct = 93; /* a blue screen */
    m.chroma = 110;
    m.frozen_diff = 0;
    m.grad_mean = 3;
    struct probe_findings f;
    picq_judge(&m, &l, &f);
    cr_assert_eq(f.n, 1);
    cr_expect_eq(f.f[0].reason, PROBE_R_SIGNAL_LOST);
    /* Black with words in the middle: an encoder's "NO VIDEO". */
    m = healthy();
    m.still_pct = 95;
    m.dark_pct = 98;
    m.chroma = 0;
    m.busy_centre = 12;
    m.busy_edge = 0;
    picq_judge(&m, &l, &f);
    cr_assert_eq(f.n, 1);
    cr_expect_eq(f.f[0].reason, PROBE_R_SIGNAL_LOST);
    /* Black with a clock in the corner: a black camera. */
    m.busy_centre = 0;
    m.busy_edge = 6;
    picq_judge(&m, &l, &f);
    cr_assert_eq(f.n, 1);
    cr_expect_eq(f.f[0].reason, PROBE_R_BLACK);
}

Test(picture_diag, a_moving_test_pattern_is_a_cameras_not_a_lost_signal)
{
    struct picq_measures m = healthy();
    m.still_pct = 93;
    m.chroma = 110;
    m.frozen_diff_small = 6; /* it scrolls */
    struct probe_findings f;
    picq_judge(&m, &l, &f);
    for (int i = 0; i < f.n; i++)
        cr_expect_neq(f.f[i].reason, PROBE_R_SIGNAL_LOST);
}

Test(picture_diag, a_picture_without_edges_is_neither_frozen_nor_shaking_nor_blurred)
{
    struct picq_measures m = healthy();
    m.grad_mean = 0.1; /* a white wall, a covered lens */
    m.frozen_diff = 0;
    m.jump_pct = 6;
    m.sharpness = 10;
    struct probe_findings f;
    picq_judge(&m, &l, &f);
    cr_expect_eq(f.n, 0);
}

Test(picture_diag, a_dim_scene_is_not_blurred)
{
    struct picq_measures m = healthy();
    m.dark_pct = 45;
    m.grad_mean = 4;
    m.sharpness = 125; /* the ratio does not depend on the light */
    struct probe_findings f;
    picq_judge(&m, &l, &f);
    cr_expect_eq(f.n, 0);
}

Test(picture_diag, blown_out_or_washed_out_is_too_bright)
{
    struct picq_measures m = healthy();
    struct probe_findings f;
    m.floor_pct = l.too_bright_floor + 5;
    picq_judge(&m, &l, &f);
    cr_assert_eq(f.n, 1);
    cr_expect_eq(f.f[0].reason, PROBE_R_TOO_BRIGHT);
    cr_expect_float_eq(f.f[0].limit, l.too_bright_floor, 1e-6, "washed out: its own limit");
    m.clip_pct = 70;
    picq_judge(&m, &l, &f);
    cr_assert_eq(f.n, 1, "one finding, whichever measures find it");
    cr_expect_float_eq(f.f[0].value, 70, 1e-6);
    cr_expect_float_eq(f.f[0].limit, l.too_bright_clip, 1e-6, "blown out first");
    m = healthy();
    m.floor_pct = l.too_bright_floor - 15; /* a grey scene (the moon) */
    picq_judge(&m, &l, &f);
    cr_expect_eq(f.n, 0);
}

Test(picture_diag, a_cast_parts_the_brightest_colours_and_shows_in_grey_or_highlights)
{
    struct picq_measures m = healthy();
    struct probe_findings f;
    m.tint = 37; /* an orange-lit room, its highlights white */
    picq_judge(&m, &l, &f);
    cr_expect_eq(f.n, 0);
    m.white = 60; /* ...and its brightest parts orange too: a cast */
    picq_judge(&m, &l, &f);
    cr_assert_eq(f.n, 1);
    cr_expect_eq(f.f[0].reason, PROBE_R_COLOR_CAST);
    cr_expect_float_eq(f.f[0].value, 60, 1e-6);
    cr_expect_float_eq(f.f[0].limit, l.cast_white, 1e-6);
    m.tint = 3; /* the grey parts grey, the highlights tinted */
    m.highlight = l.cast_highlight + 5;
    picq_judge(&m, &l, &f);
    cr_expect_eq(f.n, 1);
    m.highlight = 2; /* channels apart with no colour to show: a dim picture's noise */
    picq_judge(&m, &l, &f);
    cr_expect_eq(f.n, 0);
}

Test(picture_diag, two_lights_leaning_opposite_ways_are_no_cast_unless_far_past_the_limit)
{
    struct picq_measures m = healthy();
    struct probe_findings f;
    /* A blue night sky (the grey parts bluish) and orange lamps (the
     * highlights). */
    m.tint = l.cast_tint + 2;
    m.highlight = l.cast_highlight + 6;
    m.opposite = true;
    m.white = l.cast_white + 3;
    picq_judge(&m, &l, &f);
    cr_expect_eq(f.n, 0);
    m.opposite = false; /* the same leaning one way: a cast */
    picq_judge(&m, &l, &f);
    cr_expect_eq(f.n, 1);
    m.opposite = true;
    m.white = l.cast_white + 10;
    picq_judge(&m, &l, &f);
    cr_expect_eq(f.n, 1);
}

Test(picture_diag, the_detail_says_the_value_and_the_limit)
{
    char buf[160];
    struct probe_finding f = {.reason = PROBE_R_OCCLUDED, .value = 82, .limit = 45};
    picq_describe(&f, buf, sizeof(buf));
    cr_expect_str_eq(buf, "82 % of the picture covered by something flat (limit 45 %)");
    f = (struct probe_finding){.reason = PROBE_R_NOISY, .value = 18.7f, .limit = 6};
    picq_describe(&f, buf, sizeof(buf));
    cr_expect_str_eq(buf, "noise of 18.7 levels (limit 6.0)");
}

Test(picture_diag, measure_refuses_an_empty_run)
{
    struct picq_input in = {0};
    struct picq_measures m;
    cr_expect_eq(picq_measure(&in, &l, &m), -EINVAL);
}

/* Four pictures of a busy scene with a live sensor's noise (each its own),
 * the last a copy of the third: what an encoder that sent next to nothing
 * for the last one decodes. */
#define MOTION_W 64
static uint8_t motion_pics[4][MOTION_W * MOTION_W];

static void live_pictures_last_repeated(struct picq_input *in, const uint32_t bytes[4])
{
    uint32_t seed = 12345;
    for (int p = 0; p < 3; p++)
        for (int i = 0; i < MOTION_W * MOTION_W; i++) {
            seed = seed * 1103515245u + 12345u;
            int scene = (i % MOTION_W) * 3 + (i / MOTION_W) * 2 % 97; /* edges */
            motion_pics[p][i] = (uint8_t)(40 + scene % 120 + (int)(seed >> 29)); /* noise 0-7 */
        }
    memcpy(motion_pics[3], motion_pics[2], sizeof(motion_pics[3]));
    *in = (struct picq_input){.npics = 4, .w = MOTION_W, .h = MOTION_W, .ncrop = 4,
                              .crop_w = MOTION_W, .crop_h = MOTION_W};
    for (int p = 0; p < 4; p++) {
        in->luma[p] = in->crop[p] = motion_pics[p];
        in->coded_bytes[p] = bytes[p];
    }
}

/* The pictures' measures and what they are judged to show. */
static void measure_and_judge(const struct picq_input *in, struct picq_measures *m,
                              struct probe_findings *f)
{
    cr_assert_eq(picq_measure(in, &l, m), 0);
    picq_judge(m, &l, f);
}

static bool has_finding(const struct probe_findings *f, enum probe_reason r)
{
    for (int i = 0; i < f->n; i++)
        if (f->f[i].reason == r)
            return true;
    return false;
}

Test(picture_diag, a_repeat_between_live_coded_pictures_is_not_frozen)
{
    /* A still, busy scene at a low bit rate: the rate control sent 196
     * bytes for the last picture, the others carried the sensor's noise. */
    struct picq_input in;
    live_pictures_last_repeated(&in, (const uint32_t[4]){51116, 7310, 6967, 196});
    struct picq_measures m;
    struct probe_findings f;
    measure_and_judge(&in, &m, &f);
    cr_expect_eq(m.repeats, 1);
    cr_expect_gt(m.frozen_diff, l.frozen_diff, "the coded pictures differ: %.2f", m.frozen_diff);
    cr_expect_not(has_finding(&f, PROBE_R_FROZEN), "called frozen at %.2f", m.frozen_diff);
}

Test(picture_diag, a_repeat_after_one_refinement_is_a_hung_capture)
{
    /* The same pictures with the last coded in full, of unknown size, or
     * after one refinement and repeats (a hung capture's encoder refines
     * its one picture once, then has nothing new): frozen. */
    const uint32_t sizes[][4] = {{51116, 7310, 6967, 6800}, {0, 0, 0, 0}, {85688, 17132, 41, 20}};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        struct picq_input in;
        live_pictures_last_repeated(&in, sizes[s]);
        struct picq_measures m;
        struct probe_findings f;
        measure_and_judge(&in, &m, &f);
        cr_expect(has_finding(&f, PROBE_R_FROZEN), "sizes %zu: not frozen at %.2f", s,
                  m.frozen_diff);
    }
}

Test(picture_diag, pictures_that_are_all_repeats_are_compared)
{
    /* Nothing coded after the first: nothing shows the sensor alive. */
    struct picq_input in;
    live_pictures_last_repeated(&in, (const uint32_t[4]){44652, 11, 11, 10});
    for (int p = 1; p < 4; p++)
        memcpy(motion_pics[p], motion_pics[0], sizeof(motion_pics[0]));
    struct picq_measures m;
    struct probe_findings f;
    measure_and_judge(&in, &m, &f);
    cr_expect_eq(m.repeats, 3);
    cr_expect(has_finding(&f, PROBE_R_FROZEN), "not frozen at %.2f", m.frozen_diff);
}

Test(picture_diag, small_refinements_then_a_repeat_are_a_hung_capture)
{
    /* Two pictures coded afresh that differ by a few samples (an encoder
     * refining its one picture), then a repeat: frozen. */
    struct picq_input in;
    live_pictures_last_repeated(&in, (const uint32_t[4]){86242, 9126, 12131, 138});
    for (int p = 1; p < 4; p++)
        memcpy(motion_pics[p], motion_pics[0], sizeof(motion_pics[0]));
    for (int i = 0; i < 40; i++) {
        motion_pics[1][i * 97] ^= 1;
        motion_pics[2][i * 89] ^= 1;
    }
    memcpy(motion_pics[3], motion_pics[2], sizeof(motion_pics[3]));
    struct picq_measures m;
    struct probe_findings f;
    measure_and_judge(&in, &m, &f);
    cr_expect_lt(m.coded_diff, PICQ_LIVE_DIFF, "refinements differ by %.2f", m.coded_diff);
    cr_expect(has_finding(&f, PROBE_R_FROZEN), "not frozen at %.2f", m.frozen_diff);
}
