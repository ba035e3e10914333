/* Tests for indexer/engine/diagnosis.c: what a deep look leaves in the
 * index as the camera's picture diagnosis, and scene_changed against the
 * camera's reference picture. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "engine/diagnosis.h"

static struct deep_result dr;

/* A decoded 160x90 keyframe: diagonal stripes, or their mirror image. */
static void picture(bool mirrored)
{
    memset(&dr, 0, sizeof(dr));
    dr.base.state = PROBE_ONLINE;
    dr.luma.width = 160;
    dr.luma.height = 90;
    for (int y = 0; y < 90; y++)
        for (int x = 0; x < 160; x++) {
            int u = mirrored ? 159 - x : x;
            dr.luma.data[y * 160 + x] = (uint8_t)(((u + y) / 12) % 2 ? 200 : 40);
        }
}

static struct probe_result online(void)
{
    struct probe_result r;
    probe_result_init(&r);
    r.state = PROBE_ONLINE;
    return r;
}

Test(diagnosis, findings_are_kept_in_order_with_the_signature)
{
    picture(false);
    struct probe_result r = online();
    probe_result_set(&r, PROBE_DEGRADED, PROBE_R_BLACK, "dark");
    struct probe_findings f = {
        .judged = true, .n = 2, .f = {{PROBE_R_BLACK, 20, 28}, {PROBE_R_NOISY, 9, 6}}};
    struct diagnosis dg;
    cr_assert(diagnosis_make(&dr, &r, &f, NULL, 0.65, 1234, &dg));
    cr_assert_eq(dg.d.time_ms, 1234);
    cr_assert(dg.d.judged);
    cr_assert_eq(dg.d.n, 2);
    cr_expect_str_eq(dg.d.f[0].reason, "black");
    cr_expect_float_eq(dg.d.f[0].value, 20, 1e-6);
    cr_expect_float_eq(dg.d.f[0].limit, 28, 1e-6);
    cr_expect_str_eq(dg.d.f[1].reason, "noisy");
    cr_assert_eq(dg.d.sig_w * dg.d.sig_h, SCENE_SIG_LEN);
    cr_expect(dg.d.sig == dg.sig);
    cr_expect_not(diagnosis_healthy(&dg));
}

Test(diagnosis, a_verdict_without_findings_is_kept_as_its_one_finding)
{
    picture(false);
    struct probe_result r = online();
    probe_result_set(&r, PROBE_DEGRADED, PROBE_R_BLURRED, "soft");
    struct probe_findings f = {0};
    struct diagnosis dg;
    cr_assert(diagnosis_make(&dr, &r, &f, NULL, 0.65, 1, &dg));
    cr_assert_eq(dg.d.n, 1);
    cr_expect_str_eq(dg.d.f[0].reason, "blurred");
    /* A stream fault is no picture finding. */
    r = online();
    probe_result_set(&r, PROBE_DEGRADED, PROBE_R_RESOLUTION_MISMATCH, "size");
    cr_assert(diagnosis_make(&dr, &r, &f, NULL, 0.65, 1, &dg));
    cr_expect_eq(dg.d.n, 0);
    cr_expect(diagnosis_healthy(&dg), "the picture may still be the reference");
}

Test(diagnosis, no_picture_no_diagnosis)
{
    picture(false);
    dr.base.state = PROBE_OFFLINE;
    struct probe_result r = online();
    r.state = PROBE_OFFLINE;
    struct diagnosis dg;
    cr_expect_not(diagnosis_make(&dr, &r, NULL, NULL, 0.65, 1, &dg));
    picture(false);
    dr.luma.width = 0;
    r = online();
    cr_expect_not(diagnosis_make(&dr, &r, NULL, NULL, 0.65, 1, &dg));
}

Test(diagnosis, another_scene_than_the_reference_is_scene_changed)
{
    picture(false);
    struct probe_result r = online();
    struct diagnosis first;
    cr_assert(diagnosis_make(&dr, &r, NULL, NULL, 0.65, 1, &first));
    cr_assert(diagnosis_healthy(&first), "the first healthy picture may be the reference");
    uint8_t ref[SCENE_SIG_LEN];
    memcpy(ref, first.sig, sizeof(ref));

    /* The same scene: nothing found. */
    struct diagnosis dg;
    cr_assert(diagnosis_make(&dr, &r, NULL, ref, 0.65, 2, &dg));
    cr_expect_eq(dg.d.n, 0);
    cr_expect_gt(dg.similarity, 0.99);
    cr_expect_eq(r.state, PROBE_ONLINE);

    /* The camera now sees the mirror image. */
    picture(true);
    cr_assert(diagnosis_make(&dr, &r, NULL, ref, 0.65, 3, &dg));
    cr_assert_eq(dg.d.n, 1);
    cr_expect_str_eq(dg.d.f[0].reason, "scene_changed");
    cr_expect_lt(dg.d.f[0].value, 0.65);
    cr_expect_float_eq(dg.d.f[0].limit, 0.65, 1e-6);
    cr_expect_eq(r.state, PROBE_DEGRADED);
    cr_expect_eq(r.reason, PROBE_R_SCENE_CHANGED);
    cr_expect_not(diagnosis_healthy(&dg));

    /* It outranks a stream fault... */
    r = online();
    probe_result_set(&r, PROBE_DEGRADED, PROBE_R_RESOLUTION_MISMATCH, "size");
    cr_assert(diagnosis_make(&dr, &r, NULL, ref, 0.65, 4, &dg));
    cr_expect_eq(r.reason, PROBE_R_SCENE_CHANGED);

    /* ...but with a fault of the picture the verdict keeps that one, and
     * scene_changed is listed after it. */
    r = online();
    probe_result_set(&r, PROBE_DEGRADED, PROBE_R_STRIPES, "bars");
    struct probe_findings f = {.judged = true, .n = 1, .f = {{PROBE_R_STRIPES, 3, 2}}};
    cr_assert(diagnosis_make(&dr, &r, &f, ref, 0.65, 4, &dg));
    cr_assert_eq(dg.d.n, 2);
    cr_expect_str_eq(dg.d.f[0].reason, "stripes");
    cr_expect_str_eq(dg.d.f[1].reason, "scene_changed");
    cr_expect_eq(r.reason, PROBE_R_STRIPES);
}

Test(diagnosis, a_flat_picture_is_not_compared)
{
    picture(false);
    struct probe_result r = online();
    struct diagnosis first;
    cr_assert(diagnosis_make(&dr, &r, NULL, NULL, 0.65, 1, &first));
    memset(dr.luma.data, 16, sizeof(dr.luma.data));
    struct diagnosis dg;
    cr_assert(diagnosis_make(&dr, &r, NULL, first.sig, 0.65, 2, &dg));
    cr_expect(isnan(dg.similarity));
    cr_expect_eq(dg.d.n, 0);
}
