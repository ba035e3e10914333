/* An index with known times for the assessment's tests: two units, four
 * cameras, one day (two days from now, so that every second of it is
 * credited), each camera probed every 10 minutes for 4 hours.
 *
 *   unit A 32010000002165000001 (the city 320100)
 *     a1 32010200001325000001  online 2 h, low_fps 1 h, blurred 1 h;
 *                              clock +2 s (RTCP, tolerance 10 s); diagnosis: blurred;
 *                              OSD: time +3 s right, name right (the clock is the OSD's)
 *     a2 32010200001325000002  online 2 h, offline 2 h; clock +30 s: skewed
 *     a3 1234                  online 4 h; not a GB/T 28181 id; clock unknown;
 *                              OSD: nothing read (unknown, not checked)
 *   unit B 32011800562165000002 (district 320118, industry 56)
 *     b1 32011800561325000003  online 4 h; diagnosis: osd_label_wrong;
 *                              OSD: time not read, name wrong
 *
 * Expected: A online 10/12, intact 9/12, clock 1/2, label 1/1, gbid 2/3;
 * B online 1, intact 1, clock -, label 0/1, gbid 1/1; fleet online 14/16,
 * intact 13/16, clock 1/2, label 1/2, gbid 3/4. Failed: a1 blurred; a2
 * offline, clock_skew; a3 gbid_invalid; b1 osd_label_wrong. */
#ifndef CAMDEX_TEST_ASSESS_SEED_H
#define CAMDEX_TEST_ASSESS_SEED_H

#include <criterion/criterion.h>
#include <string.h>

#include "store.h"
#include "testutil.h"

#define SEED_UNIT_A "32010000002165000001"
#define SEED_UNIT_B "32011800562165000002"

static struct store_health seed_health(int state, const char *reason, int64_t when)
{
    struct store_health h = {.state = (uint8_t)state, .reason = reason, .detail = ""};
    h.media.codec = h.media.profile = h.media.audio = h.media.server = "";
    h.last_probe = when;
    return h;
}

static void seed_commit(struct store *s, struct store_batch *b)
{
    int rc = store_batch_commit(s, b, NULL, NULL, NULL);
    cr_assert_eq(rc, 0, "commit: %s", store_strerror(rc));
    store_batch_clear(b);
}

/* Probes every 10 minutes of [from, from + hours) in `state`. */
static void seed_span(struct store *s, struct store_batch *b, const char *id, int state,
                      const char *reason, int64_t from, int hours)
{
    for (int i = 0; i < hours * 6; i++) {
        struct store_health h = seed_health(state, reason, from + i * 600000LL);
        cr_assert_eq(store_batch_health_put(b, id, &h, h.last_probe), 0);
        seed_commit(s, b);
    }
}

/* Seeds the index in `dir` (created); returns the day seeded. */
static int32_t assess_seed(const char *dir)
{
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    o.day_offset_s = 8 * 3600;
    struct store *s;
    cr_assert_eq(store_open(dir, &o, &s), 0);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    static const struct {
        const char *id, *unit, *uname;
    } cams[] = {
        {"32010200001325000001", SEED_UNIT_A, "市公安局"},
        {"32010200001325000002", SEED_UNIT_A, "市公安局"},
        {"1234", SEED_UNIT_A, "市公安局"},
        {"32011800561325000003", SEED_UNIT_B, "高淳区中医院"},
    };
    for (size_t i = 0; i < 4; i++) {
        struct store_camera c = {.id = cams[i].id,
                                 .name = "北门",
                                 .unit_id = cams[i].unit,
                                 .url = "rtsp://127.1.0.1:8554/x",
                                 .address = "",
                                 .tags = ""};
        cr_assert_eq(store_batch_camera_put(b, &c, cams[i].uname), 0);
    }
    seed_commit(s, b);
    int32_t day = store_day_of(s, testutil_now_ms()) + 2;
    int64_t t = store_day_start(s, day) + 3600000, hour = 3600000;
    seed_span(s, b, cams[0].id, STORE_ONLINE, "", t, 2);
    seed_span(s, b, cams[0].id, STORE_DEGRADED, "low_fps", t + 2 * hour, 1);
    seed_span(s, b, cams[0].id, STORE_DEGRADED, "blurred", t + 3 * hour, 1);
    seed_span(s, b, cams[1].id, STORE_ONLINE, "", t, 2);
    seed_span(s, b, cams[1].id, STORE_OFFLINE, "rtsp_timeout", t + 2 * hour, 2);
    seed_span(s, b, cams[2].id, STORE_ONLINE, "", t, 4);
    seed_span(s, b, cams[3].id, STORE_ONLINE, "", t, 4);
    for (size_t i = 0; i < 4; i++) { /* the end of the 4 hours */
        struct store_health h = seed_health(STORE_ONLINE, "", t + 4 * hour);
        cr_assert_eq(store_batch_health_put(b, cams[i].id, &h, h.last_probe), 0);
    }
    seed_commit(s, b);
    struct store_clock ok = {.measured = true,
                             .offset_ms = 2000,
                             .checked_at = t,
                             .source = "rtcp",
                             .tolerance_ms = 10000};
    struct store_clock skew = ok;
    skew.offset_ms = 30000;
    cr_assert_eq(store_batch_clock_put(b, cams[0].id, &ok), 0);
    cr_assert_eq(store_batch_clock_put(b, cams[1].id, &skew), 0);
    struct store_diagnosis blurred = {
        .time_ms = t, .judged = true, .n = 1, .f = {{"blurred", 12.0f, 40.0f}}};
    struct store_diagnosis label = {
        .time_ms = t, .judged = true, .n = 1, .f = {{"osd_label_wrong", 0.2f, 0.6f}}};
    cr_assert_eq(store_batch_diagnosis_put(b, cams[0].id, &blurred), 0);
    cr_assert_eq(store_batch_diagnosis_put(b, cams[3].id, &label), 0);
    struct store_osd read_right = {.checked_at = t,
                                   .time_check = STORE_OSD_RIGHT,
                                   .label_check = STORE_OSD_RIGHT,
                                   .offset_s = 3,
                                   .similarity = 0.9f,
                                   .tolerance_s = 10,
                                   .time_read = "",
                                   .text = "北门"};
    struct store_osd unread = {.checked_at = t, .time_read = "", .text = ""};
    struct store_osd name_wrong = unread;
    name_wrong.label_check = STORE_OSD_WRONG;
    name_wrong.similarity = 0.2f;
    name_wrong.text = "南门";
    cr_assert_eq(store_batch_osd_put(b, cams[0].id, &read_right), 0);
    cr_assert_eq(store_batch_osd_put(b, cams[2].id, &unread), 0);
    cr_assert_eq(store_batch_osd_put(b, cams[3].id, &name_wrong), 0);
    seed_commit(s, b);
    store_batch_free(&b);
    store_close(&s);
    return day;
}

#endif
