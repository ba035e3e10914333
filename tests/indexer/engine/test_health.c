/* Tests for the health state machine (indexer/engine/health.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/health.h"

static const struct health_cfg cfg = {
    .fail_threshold = 3, .recover_threshold = 2, .flap_window_ms = 600000, .flap_threshold = 4};

static struct probe_result ok(void)
{
    struct probe_result r;
    probe_result_init(&r);
    r.state = PROBE_ONLINE;
    r.reason = PROBE_R_NONE;
    return r;
}

static struct probe_result fail(enum probe_reason why)
{
    struct probe_result r;
    probe_result_init(&r);
    probe_result_set(&r, PROBE_OFFLINE, why, "failed: %s", probe_reason_name(why));
    return r;
}

static struct health_step step(struct health_mem *m, struct probe_result r, bool deep,
                               int64_t t)
{
    struct health_step s;
    health_step(&cfg, m, &r, deep, t, &s);
    return s;
}

Test(health, first_success_is_believed_at_once)
{
    struct health_mem m = {.state = STORE_UNKNOWN};
    struct health_step s = step(&m, ok(), false, 1000);
    cr_assert(s.changed);
    cr_assert_eq(s.to, STORE_ONLINE);
}

Test(health, offline_only_after_fail_threshold_with_quick_rechecks_before)
{
    struct health_mem m = {.state = STORE_ONLINE};
    struct health_step s = step(&m, fail(PROBE_R_CONNECT_REFUSED), false, 1000);
    cr_assert_not(s.changed);
    cr_assert(s.recheck, "a first failure asks for a quick re-check");
    s = step(&m, fail(PROBE_R_CONNECT_REFUSED), false, 2000);
    cr_assert_not(s.changed);
    cr_assert(s.recheck);
    s = step(&m, fail(PROBE_R_CONNECT_TIMEOUT), false, 3000);
    cr_assert(s.changed);
    cr_assert_eq(s.to, STORE_OFFLINE);
    cr_assert_eq(m.reason, PROBE_R_CONNECT_TIMEOUT, "the failure that tipped it names it");
}

Test(health, a_success_between_failures_resets_the_count)
{
    struct health_mem m = {.state = STORE_ONLINE};
    step(&m, fail(PROBE_R_RTSP_TIMEOUT), false, 1000);
    step(&m, fail(PROBE_R_RTSP_TIMEOUT), false, 2000);
    step(&m, ok(), false, 3000);
    struct health_step s = step(&m, fail(PROBE_R_RTSP_TIMEOUT), false, 4000);
    cr_assert_not(s.changed);
    cr_assert_eq(m.state, STORE_ONLINE);
}

Test(health, recovery_needs_recover_threshold_successes)
{
    struct health_mem m = {.state = STORE_OFFLINE, .reason = PROBE_R_NOT_FOUND};
    struct health_step s = step(&m, ok(), false, 1000);
    cr_assert_not(s.changed);
    cr_assert(s.recheck, "confirm a recovery quickly");
    s = step(&m, ok(), false, 2000);
    cr_assert(s.changed);
    cr_assert_eq(s.to, STORE_ONLINE);
    cr_assert_eq(m.reason, PROBE_R_NONE);
}

Test(health, reason_of_an_offline_camera_follows_the_latest_failure)
{
    struct health_mem m = {.state = STORE_OFFLINE, .reason = PROBE_R_CONNECT_REFUSED};
    struct health_step s = step(&m, fail(PROBE_R_AUTH_FAILED), false, 1000);
    cr_assert_not(s.changed);
    cr_assert_eq(m.reason, PROBE_R_AUTH_FAILED);
    cr_assert(s.auth_backoff, "auth failures back off");
}

Test(health, handshake_success_never_clears_a_degraded_picture)
{
    struct health_mem m = {.state = STORE_DEGRADED, .reason = PROBE_R_BLACK};
    struct health_step s = step(&m, ok(), false, 1000);
    cr_assert_not(s.changed);
    cr_assert_eq(m.reason, PROBE_R_BLACK);
    s = step(&m, ok(), true, 2000);
    cr_assert(s.changed, "a deep probe that sees a good picture clears it");
    cr_assert_eq(s.to, STORE_ONLINE);
}

Test(health, deep_probe_degrades_an_online_camera)
{
    struct health_mem m = {.state = STORE_ONLINE};
    struct probe_result r = ok();
    probe_result_set(&r, PROBE_DEGRADED, PROBE_R_FROZEN, "identical frames for 2 s");
    struct health_step s = step(&m, r, true, 1000);
    cr_assert(s.changed);
    cr_assert_eq(s.to, STORE_DEGRADED);
    cr_assert_eq(m.reason, PROBE_R_FROZEN);
    struct store_health h;
    health_to_store(&m, &r, 1000, &h);
    cr_assert_str_eq(h.reason, "frozen");
    cr_assert_str_eq(h.detail, "identical frames for 2 s");
}

Test(health, maintenance_counts_results_but_never_changes_state)
{
    struct health_mem m = {.state = STORE_MAINTENANCE};
    for (int i = 0; i < 10; i++) {
        struct health_step s = step(&m, fail(PROBE_R_CONNECT_REFUSED), false, 1000 * i);
        cr_assert_not(s.changed);
    }
    cr_assert_eq(m.state, STORE_MAINTENANCE);
    cr_assert_eq(m.consec_fail, 10);
    struct store_health h;
    struct probe_result r = fail(PROBE_R_CONNECT_REFUSED);
    health_to_store(&m, &r, 1, &h);
    cr_assert_null(h.detail, "the operator's note stays");
}

Test(health, flapping_is_flagged_and_then_cleared)
{
    struct health_cfg quick = cfg;
    quick.fail_threshold = 1;
    quick.recover_threshold = 1;
    struct health_mem m = {.state = STORE_ONLINE};
    struct health_step s;
    int64_t t = 1000000;
    struct probe_result down = fail(PROBE_R_CONNECT_REFUSED), up = ok();
    for (int i = 0; i < 4; i++) {
        health_step(&quick, &m, i % 2 ? &up : &down, false, t += 10000, &s);
        cr_assert(s.changed);
    }
    cr_assert(m.flapping, "4 transitions in 10 minutes");
    /* Quiet for longer than the window, then one more change. */
    health_step(&quick, &m, &down, false, t += 3600000, &s);
    cr_assert_not(m.flapping);
}

Test(health, memory_restarts_from_the_stored_record)
{
    struct store_health h = {.state = STORE_OFFLINE, .reason = "auth_failed", .consec_fail = 7,
                             .last_success = 42};
    struct health_mem m;
    health_mem_from_store(&m, &h);
    cr_assert_eq(m.state, STORE_OFFLINE);
    cr_assert_eq(m.reason, PROBE_R_AUTH_FAILED);
    cr_assert_eq(m.consec_fail, 7);
    cr_assert_eq(m.last_success, 42);
}

static struct probe_result degraded(enum probe_reason why)
{
    struct probe_result r;
    probe_result_init(&r);
    probe_result_set(&r, PROBE_DEGRADED, why, "picture: %s", probe_reason_name(why));
    return r;
}

Test(health, a_picture_verdict_stands_across_an_outage_until_the_next_deep_look)
{
    struct health_mem m = {.state = STORE_ONLINE};
    struct health_step s = step(&m, degraded(PROBE_R_BLURRED), true, 1000);
    cr_assert_eq(s.to, STORE_DEGRADED);
    for (int i = 0; i < 3; i++)
        s = step(&m, fail(PROBE_R_CONNECT_REFUSED), false, 2000 + i);
    cr_assert_eq(m.state, STORE_OFFLINE);
    /* Back by handshakes alone: the picture nobody has looked at since is
     * still the blurred one. */
    s = step(&m, ok(), false, 3000);
    cr_assert_not(s.changed);
    s = step(&m, ok(), false, 3001);
    cr_assert(s.changed);
    cr_assert_eq(s.to, STORE_DEGRADED);
    cr_assert_eq(m.reason, PROBE_R_BLURRED);
    s = step(&m, ok(), false, 4000);
    cr_assert_eq(m.state, STORE_DEGRADED);
    cr_assert_eq(m.reason, PROBE_R_BLURRED);
    /* The next deep look decides: a clean picture clears it... */
    s = step(&m, ok(), true, 5000);
    cr_assert(s.changed);
    cr_assert_eq(s.to, STORE_ONLINE);
    cr_assert_eq(m.picture, PROBE_R_NONE);
    /* ...and after another outage the camera comes back online. */
    for (int i = 0; i < 3; i++)
        step(&m, fail(PROBE_R_CONNECT_TIMEOUT), false, 6000 + i);
    step(&m, ok(), false, 7000);
    s = step(&m, ok(), false, 7001);
    cr_assert_eq(s.to, STORE_ONLINE);
}

Test(health, a_deep_look_that_fails_leaves_the_picture_verdict)
{
    struct health_mem m = {.state = STORE_ONLINE};
    step(&m, degraded(PROBE_R_NOISY), true, 1000);
    step(&m, fail(PROBE_R_RTSP_TIMEOUT), true, 2000);
    cr_assert_eq(m.picture, PROBE_R_NOISY);
    cr_assert_eq(m.state, STORE_DEGRADED);
}

Test(health, a_degraded_camera_read_back_from_the_index_keeps_its_verdict)
{
    struct store_health h;
    memset(&h, 0, sizeof(h));
    h.state = STORE_DEGRADED;
    h.reason = "stripes";
    struct health_mem m;
    health_mem_from_store(&m, &h);
    cr_assert_eq(m.picture, PROBE_R_STRIPES);
    for (int i = 0; i < 3; i++)
        step(&m, fail(PROBE_R_CONNECT_REFUSED), false, 1000 + i);
    step(&m, ok(), false, 2000);
    struct health_step s = step(&m, ok(), false, 2001);
    cr_assert_eq(s.to, STORE_DEGRADED);
    cr_assert_eq(m.reason, PROBE_R_STRIPES);
}
