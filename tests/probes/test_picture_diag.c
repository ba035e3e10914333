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
