/* indexer/views/view_text.c and the shapes built with it: an index written
 * by an older version, holding a camera's invalid UTF-8 and a reason phrase
 * cut inside a character, is read as JSON with those bytes replaced. */
#include <criterion/criterion.h>
#include <string.h>

#include "testutil.h"
#include "views/camera_view.h"
#include "views/event_view.h"
#include "views/view_text.h"

#define FFFD "\xEF\xBF\xBD"

static char *tmp;
static struct store *store;

/* Written through the storage API directly, which copies bytes as they
 * are, as an older camdex did. */
#define BAD_DETAIL "DESCRIBE rtsp://***@10.1.2.3/x: 404 \xff\xfe\xc3 Nicht gef\xfcnden"
#define CUT_DETAIL "DESCRIBE: 404 x找不到\xe8\xbf"

static int keep_event(const struct store_event *ev, void *ctx)
{
    json_t *arr = ctx;
    json_t *e = view_event(0, ev);
    cr_assert_not_null(e, "view_event failed on event %llu", (unsigned long long)ev->key);
    json_array_append_new(arr, e);
    return 0;
}

static void setup(void)
{
    tmp = testutil_mkdtemp();
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    cr_assert_eq(store_open(tmp, &o, &store), 0);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    struct store_camera c = {.id = "cam-1",
                             .name = "北门\xff",
                             .unit_id = "u-1",
                             .url = "rtsp://10.1.2.3/x",
                             .address = "\x1b[2J",
                             .tags = ""};
    cr_assert_eq(store_batch_camera_put(b, &c, "单位\xe5"), 0);
    cr_assert_eq(store_batch_commit(store, b, NULL, NULL, NULL), 0);
    store_batch_clear(b);
    cr_assert_eq(store_batch_maintenance(b, "cam-1", true, BAD_DETAIL, 1000), 0);
    cr_assert_eq(store_batch_commit(store, b, NULL, NULL, NULL), 0);
    store_batch_clear(b);
    cr_assert_eq(store_batch_maintenance(b, "cam-1", false, "", 2000), 0);
    cr_assert_eq(store_batch_maintenance(b, "cam-1", true, CUT_DETAIL, 3000), 0);
    cr_assert_eq(store_batch_commit(store, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
}

static void teardown(void)
{
    store_close(&store);
    testutil_rmdir(tmp);
}

TestSuite(view_text, .init = setup, .fini = teardown);

static void assert_dumps_valid(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    cr_assert_not_null(s, "json_dumps refused the shape");
    json_error_t err;
    json_t *back = json_loads(s, 0, &err);
    cr_assert_not_null(back, "%s: %s", err.text, s);
    json_decref(back);
    free(s);
}

Test(view_text, clean_text_is_kept_and_bad_bytes_are_replaced)
{
    json_t *v = view_text("镜头更换");
    cr_assert_str_eq(json_string_value(v), "镜头更换");
    json_decref(v);
    v = view_text("a\xff\x1b[2J");
    cr_assert_str_eq(json_string_value(v), "a" FFFD FFFD "[2J");
    json_decref(v);
    v = view_text(NULL);
    cr_assert_str_eq(json_string_value(v), "");
    json_decref(v);
}

Test(view_text, events_of_an_old_index_with_invalid_bytes_are_shown_replaced)
{
    struct store_read *r;
    cr_assert_eq(store_read_begin(store, &r), 0);
    json_t *arr = json_array();
    cr_assert_eq(store_events_scan(r, "cam-1", NULL, 0, INT64_MAX, keep_event, arr), 0);
    store_read_end(&r);
    cr_assert_eq(json_array_size(arr), 3);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "detail")),
                     "DESCRIBE rtsp://***@10.1.2.3/x: 404 " FFFD FFFD FFFD " Nicht gef" FFFD
                     "nden");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 2), "detail")),
                     "DESCRIBE: 404 x找不到" FFFD);
    assert_dumps_valid(arr);
    json_decref(arr);
}

Test(view_text, a_camera_of_an_old_index_with_invalid_bytes_is_shown_replaced)
{
    struct store_read *r;
    struct store_camera cam;
    struct store_health h;
    cr_assert_eq(store_read_begin(store, &r), 0);
    cr_assert_eq(store_camera_get(r, "cam-1", &cam), 0);
    cr_assert_eq(store_health_get(r, "cam-1", &h), 0);
    json_t *o = view_camera_detail(0, &cam, &h, "单位\xe5");
    store_read_end(&r);
    cr_assert_not_null(o);
    cr_assert_str_eq(json_string_value(json_object_get(o, "name")), "北门" FFFD);
    cr_assert_str_eq(json_string_value(json_object_get(o, "unit_name")), "单位" FFFD);
    cr_assert_str_eq(json_string_value(json_object_get(o, "address")), FFFD "[2J");
    cr_assert_str_eq(json_string_value(json_object_get(o, "detail")), "DESCRIBE: 404 x找不到" FFFD);
    assert_dumps_valid(o);
    json_decref(o);
}
