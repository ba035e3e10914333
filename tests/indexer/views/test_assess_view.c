/* The assessment's figures (indexer/views/assess_view.c) on an index with
 * known times (tests/support/assess_seed.h): every rate exact, units worst
 * first, the fleet total, the failed cameras with their reasons, and the
 * GB/T 28181 rule. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>

#include "assess_seed.h"
#include "views/assess_view.h"

static char *tmp;

static void setup(void)
{
    tmp = testutil_mkdtemp();
}

static void teardown(void)
{
    testutil_rmdir(tmp);
}

TestSuite(assess_view, .init = setup, .fini = teardown, .timeout = 60);

static double num(json_t *row, const char *key)
{
    json_t *v = json_object_get(row, key);
    cr_assert(json_is_number(v), "%s is not a number", key);
    return json_number_value(v);
}

static json_t *build(const char *unit, int32_t day, bool cameras)
{
    struct store_options o;
    store_options_default(&o);
    o.read_only = true;
    struct store *s;
    cr_assert_eq(store_open(tmp, &o, &s), 0);
    struct store_read *r;
    cr_assert_eq(store_read_begin(s, &r), 0);
    struct assess_params p = {.unit = unit, .from = day, .to = day, .cameras = cameras};
    json_t *a = NULL;
    int rc = assess_build(r, &p, &a);
    store_read_end(&r);
    store_close(&s);
    cr_assert_eq(rc, 0, "assess_build: %s", store_strerror(rc));
    return a;
}

Test(assess_view, rates_are_exact_and_units_come_worst_first)
{
    int32_t day = assess_seed(tmp);
    json_t *a = build(NULL, day, true);
    json_t *units = json_object_get(a, "units");
    cr_assert_eq(json_array_size(units), 2);
    json_t *ua = json_array_get(units, 0), *ub = json_array_get(units, 1);
    cr_assert_str_eq(json_string_value(json_object_get(ua, "unit")), SEED_UNIT_A);
    cr_expect_eq(num(ua, "cameras"), 3);
    cr_expect_float_eq(num(ua, "online_rate"), 10.0 / 12, 1e-9);
    cr_expect_float_eq(num(ua, "intact_rate"), 9.0 / 12, 1e-9);
    cr_expect_float_eq(num(ua, "monitored_hours"), 12, 1e-9);
    cr_expect_eq(num(ua, "clock_checked"), 2);
    cr_expect_eq(num(ua, "clock_ok"), 1);
    cr_expect_float_eq(num(ua, "clock_rate"), 0.5, 1e-9);
    /* Label and OSD clock from the OSD table: a1's name and time were
     * read right, a3's OSD could not be read (not checked). */
    cr_expect_eq(num(ua, "label_checked"), 1);
    cr_expect_eq(num(ua, "label_ok"), 1);
    cr_expect_float_eq(num(ua, "label_rate"), 1, 1e-9);
    cr_expect_float_eq(num(ua, "gbid_rate"), 2.0 / 3, 1e-9);

    cr_assert_str_eq(json_string_value(json_object_get(ub, "unit")), SEED_UNIT_B);
    cr_expect_float_eq(num(ub, "online_rate"), 1, 1e-9);
    cr_expect_float_eq(num(ub, "intact_rate"), 1, 1e-9);
    cr_expect(json_is_null(json_object_get(ub, "clock_rate")));
    cr_expect_eq(num(ub, "label_checked"), 1);
    cr_expect_float_eq(num(ub, "label_rate"), 0, 1e-9);
    cr_expect_float_eq(num(ub, "gbid_rate"), 1, 1e-9);

    json_t *t = json_object_get(a, "total");
    cr_assert_str_eq(json_string_value(json_object_get(t, "unit")), "ALL");
    cr_expect_eq(num(t, "cameras"), 4);
    cr_expect_float_eq(num(t, "online_rate"), 14.0 / 16, 1e-9);
    cr_expect_float_eq(num(t, "intact_rate"), 13.0 / 16, 1e-9);
    cr_expect_float_eq(num(t, "clock_rate"), 0.5, 1e-9);
    cr_expect_float_eq(num(t, "label_rate"), 0.5, 1e-9);
    cr_expect_float_eq(num(t, "gbid_rate"), 0.75, 1e-9);

    static const struct {
        const char *id, *failed, *source;
    } want[] = {
        {"32010200001325000001", "blurred", "osd"},
        {"32010200001325000002", "offline,clock_skew", "rtcp"},
        {"1234", "gbid_invalid", "unknown"},
        {"32011800561325000003", "osd_label_wrong", "unknown"},
    };
    json_t *cams = json_object_get(a, "cameras");
    cr_assert_eq(json_array_size(cams), 4);
    for (size_t i = 0; i < 4; i++) {
        json_t *c = NULL;
        for (size_t j = 0; j < 4; j++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(cams, j), "camera")),
                        want[i].id))
                c = json_array_get(cams, j);
        cr_assert_not_null(c, "%s is not among the failed cameras", want[i].id);
        cr_expect_str_eq(json_string_value(json_object_get(c, "failed")), want[i].failed);
        cr_expect_str_eq(json_string_value(json_object_get(c, "clock_source")), want[i].source);
    }
    json_t *a1 = NULL;
    for (size_t j = 0; j < 4; j++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(cams, j), "camera")),
                    want[0].id))
            a1 = json_array_get(cams, j);
    cr_expect_float_eq(num(a1, "intact_rate"), 0.75, 1e-9);
    cr_expect_float_eq(num(a1, "online_rate"), 1, 1e-9);
    cr_expect_float_eq(num(a1, "clock_offset_s"), 3, 1e-9, "the OSD's offset, not RTCP's");
    json_decref(a);
}

Test(assess_view, one_unit_and_a_day_with_nothing_monitored)
{
    int32_t day = assess_seed(tmp);
    json_t *a = build(SEED_UNIT_B, day, false);
    cr_assert_eq(json_array_size(json_object_get(a, "units")), 1);
    cr_expect_null(json_object_get(a, "cameras"));
    json_decref(a);
    a = build(NULL, day - 1, false);
    cr_expect(json_is_null(json_object_get(json_object_get(a, "total"), "intact_rate")));
    json_decref(a);
}

Test(assess_view, gbid_conformance_and_months)
{
    cr_expect(assess_gbid_ok("32010200001325000001", "32010000002165000001"));
    cr_expect(!assess_gbid_ok("32010200001215000001", "32010000002165000001"), "type 121");
    cr_expect(!assess_gbid_ok("32020200001325000001", "32010000002165000001"), "other city");
    cr_expect(assess_gbid_ok("32011800001325000003", "32011800562165000002"));
    cr_expect(!assess_gbid_ok("32011800001325000003", "32011801002165000002"), "grassroots");
    cr_expect(!assess_gbid_ok("3201020000132500000", "32010000002165000001"), "19 digits");
    int32_t from, to;
    cr_assert_eq(assess_month("2026-02", &from, &to), 0);
    cr_expect_eq(to - from, 27);
    cr_assert_eq(assess_month("2026-12", &from, &to), 0);
    cr_expect_eq(to - from, 30);
    cr_expect_eq(assess_month("2026-13", &from, &to), -EINVAL);
    cr_expect_eq(assess_month("2026-1", &from, &to), -EINVAL);
}

/* An OSD time read wrong: the camera's clock verdict is the OSD's (wrong,
 * whatever RTCP says) and it fails with osd_time_wrong. */
Test(assess_view, an_osd_time_read_wrong_fails_the_clock)
{
    int32_t day = assess_seed(tmp);
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    struct store *s;
    cr_assert_eq(store_open(tmp, &o, &s), 0);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    struct store_osd late = {.checked_at = testutil_now_ms(),
                             .time_check = STORE_OSD_WRONG,
                             .offset_s = -120,
                             .tolerance_s = 10,
                             .time_read = "2026-12-07 13:20:45",
                             .text = ""};
    cr_assert_eq(store_batch_osd_put(b, "1234", &late), 0);
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
    store_close(&s);

    json_t *a = build(SEED_UNIT_A, day, true);
    json_t *ua = json_array_get(json_object_get(a, "units"), 0);
    cr_expect_eq(num(ua, "clock_checked"), 3);
    cr_expect_eq(num(ua, "clock_ok"), 1);
    cr_expect_eq(num(ua, "label_checked"), 1, "a time read says nothing of the name");
    json_t *cams = json_object_get(a, "cameras"), *c = NULL;
    for (size_t j = 0; j < json_array_size(cams); j++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(cams, j), "camera")), "1234"))
            c = json_array_get(cams, j);
    cr_assert_not_null(c);
    cr_expect_str_eq(json_string_value(json_object_get(c, "failed")), "osd_time_wrong,gbid_invalid");
    cr_expect_str_eq(json_string_value(json_object_get(c, "clock_source")), "osd");
    cr_expect_float_eq(num(c, "clock_offset_s"), -120, 1e-9);
    json_decref(a);
}
