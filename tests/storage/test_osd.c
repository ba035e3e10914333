/* Tests for the OSD check's records (storage/osd.c, the record in
 * records.c): kept with every field, strings cut to their limits on a
 * character boundary, bad checks refused, gone with their camera. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "store.h"
#include "store_fixture.h"
#include "testutil.h"

TestSuite(osd, .init = store_fixture_setup, .fini = store_fixture_teardown);

static void commit(struct store_batch **b, struct store_commit_stats *stats)
{
    int rc = store_batch_commit(st, *b, stats, NULL, NULL);
    store_batch_free(b);
    cr_assert_eq(rc, 0, "commit: %s (%s)", store_strerror(rc), store_last_error(st));
}

static void put_camera(const char *id)
{
    struct store_camera c = {.id = id, .name = id, .unit_id = "u1", .url = "rtsp://127.1.0.1/a"};
    struct store_batch *b = batch();
    cr_assert_eq(store_batch_camera_put(b, &c, "u1"), 0);
    commit(&b, NULL);
}

Test(osd, an_osd_look_is_kept_cut_to_its_limits_and_goes_with_its_camera)
{
    put_camera("cam1");
    char longtext[400];
    memset(longtext, 'a', sizeof(longtext) - 4);
    memcpy(longtext + 254, "\xe5\x8f\xa3", 3); /* 口 across the 256-byte limit */
    longtext[sizeof(longtext) - 1] = 0;
    struct store_osd o = {.checked_at = 1765000000000,
                          .time_check = STORE_OSD_WRONG,
                          .label_check = STORE_OSD_RIGHT,
                          .offset_s = -3600,
                          .similarity = 0.875f,
                          .tolerance_s = 10,
                          .time_read = "2026-12-07 12:22:45",
                          .text = longtext};
    struct store_batch *b = batch();
    cr_assert_eq(store_batch_osd_put(b, "cam1", &o), 0);
    struct store_osd bad = o;
    bad.time_check = 3;
    cr_expect_eq(store_batch_osd_put(b, "cam1", &bad), -EINVAL);
    commit(&b, NULL);

    struct store_read *r;
    struct store_osd got;
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_osd_get(r, "cam1", &got), 0);
    cr_expect_eq(got.checked_at, o.checked_at);
    cr_expect_eq(got.time_check, STORE_OSD_WRONG);
    cr_expect_eq(got.label_check, STORE_OSD_RIGHT);
    cr_expect_eq(got.offset_s, -3600);
    cr_expect_float_eq(got.similarity, 0.875f, 1e-6);
    cr_expect_eq(got.tolerance_s, 10);
    cr_expect_str_eq(got.time_read, "2026-12-07 12:22:45");
    cr_expect_eq(strlen(got.text), 254, "cut before the character that does not fit whole");
    cr_expect_eq(store_osd_get(r, "cam2", &got), -ENOENT);
    store_read_end(&r);

    b = batch();
    cr_assert_eq(store_batch_camera_del(b, "cam1"), 0);
    commit(&b, NULL);
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_expect_eq(store_osd_get(r, "cam1", &got), -ENOENT, "gone with its camera");
    store_read_end(&r);
}
