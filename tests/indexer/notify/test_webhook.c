/* indexer/notify/webhook.c: batches read from the index after a cursor (order,
 * limits, unit filter, the API's event shape), HMAC-SHA256 signatures, and
 * cursors kept in the index. */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>

#include "notify/webhook.h"
#include "testutil.h"

static char *tmp;
static struct store *store;
static uint64_t keys[16];
static size_t nkeys;

static int collect_key(const struct store_event *ev, void *ctx)
{
    (void)ctx;
    keys[nkeys++] = ev->key;
    return 0;
}

/* Eight cameras in two units, each put under maintenance: eight events,
 * cameras 0-3 in unit u-a and 4-7 in u-b. */
static void setup(void)
{
    tmp = testutil_mkdtemp();
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    cr_assert_eq(store_open(tmp, &o, &store), 0);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    char id[8][16];
    for (int i = 0; i < 8; i++) {
        snprintf(id[i], sizeof(id[i]), "cam-%d", i);
        struct store_camera c = {.id = id[i],
                                 .name = "n",
                                 .unit_id = i < 4 ? "u-a" : "u-b",
                                 .url = "rtsp://10.0.0.1/x",
                                 .address = "",
                                 .tags = ""};
        cr_assert_eq(store_batch_camera_put(b, &c, "Unit"), 0);
    }
    cr_assert_eq(store_batch_commit(store, b, NULL, NULL, NULL), 0);
    store_batch_clear(b);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(store_batch_maintenance(b, id[i], true, "lens \"cleaning\"", 1000 + i), 0);
    nkeys = 0;
    cr_assert_eq(store_batch_commit(store, b, NULL, collect_key, NULL), 0);
    cr_assert_eq(nkeys, 8);
    store_batch_free(&b);
}

static void teardown(void)
{
    store_close(&store);
    testutil_rmdir(tmp);
}

TestSuite(webhook, .init = setup, .fini = teardown);

Test(webhook, batches_follow_the_cursor_in_order_up_to_the_limit)
{
    struct webhook_batch wb;
    cr_assert_eq(webhook_batch_read(store, "ops", NULL, 0, 3, 8 * 3600, MSG_EN, &wb), 0);
    cr_assert_eq(wb.count, 3);
    cr_assert_eq(wb.first, keys[0]);
    cr_assert_eq(wb.last, keys[2]);
    json_t *j = json_loadb(wb.body, wb.len, 0, NULL);
    cr_assert_not_null(j, "%s", wb.body);
    cr_assert_str_eq(json_string_value(json_object_get(j, "webhook")), "ops");
    json_t *evs = json_object_get(j, "events");
    cr_assert_eq(json_array_size(evs), 3);
    json_t *e0 = json_array_get(evs, 0);
    /* The event object of GET /api/v1/events. */
    cr_assert_eq((uint64_t)json_integer_value(json_object_get(e0, "key")), keys[0]);
    cr_assert_str_eq(json_string_value(json_object_get(e0, "camera")), "cam-0");
    cr_assert_str_eq(json_string_value(json_object_get(e0, "unit")), "u-a");
    cr_assert_str_eq(json_string_value(json_object_get(e0, "from")), "unknown");
    cr_assert_str_eq(json_string_value(json_object_get(e0, "to")), "maintenance");
    cr_assert_str_eq(json_string_value(json_object_get(e0, "detail")), "lens \"cleaning\"");
    cr_assert(strstr(json_string_value(json_object_get(e0, "time")), "+08:00"),
              "times in the index's zone: %s", wb.body);
    json_decref(j);
    uint64_t after = wb.last;
    webhook_batch_free(&wb);
    cr_assert_eq(webhook_batch_read(store, "ops", NULL, after, 100, 0, MSG_EN, &wb), 0);
    cr_assert_eq(wb.count, 5);
    cr_assert_eq(wb.first, keys[3]);
    cr_assert_eq(wb.last, keys[7]);
    webhook_batch_free(&wb);
    cr_assert_eq(webhook_batch_read(store, "ops", NULL, keys[7], 100, 0, MSG_EN, &wb), 0);
    cr_assert_eq(wb.count, 0, "nothing after the newest event");
    cr_assert_null(wb.body);
}

Test(webhook, events_carry_texts_beside_codes_in_the_webhooks_language)
{
    static const struct {
        enum msg_lang lang;
        const char *to_text, *reason_text;
    } want[] = {{MSG_EN, "maintenance", "under maintenance"}, {MSG_ZH, "维护中", "维护中"}};
    for (size_t i = 0; i < 2; i++) {
        struct webhook_batch wb;
        cr_assert_eq(webhook_batch_read(store, "ops", NULL, 0, 1, 0, want[i].lang, &wb), 0);
        json_t *j = json_loadb(wb.body, wb.len, 0, NULL);
        json_t *e0 = json_array_get(json_object_get(j, "events"), 0);
        cr_assert_str_eq(json_string_value(json_object_get(e0, "to")), "maintenance");
        cr_assert_str_eq(json_string_value(json_object_get(e0, "to_text")), want[i].to_text,
                         "%s", wb.body);
        cr_assert_str_eq(json_string_value(json_object_get(e0, "reason_text")),
                         want[i].reason_text, "%s", wb.body);
        json_decref(j);
        webhook_batch_free(&wb);
    }
}

Test(webhook, a_unit_filter_skips_other_units)
{
    struct webhook_batch wb;
    cr_assert_eq(webhook_batch_read(store, "b", "u-b", keys[1], 100, 0, MSG_EN, &wb), 0);
    cr_assert_eq(wb.count, 4);
    cr_assert_eq(wb.first, keys[4]);
    cr_assert(!strstr(wb.body, "\"u-a\""), "%s", wb.body);
    webhook_batch_free(&wb);
}

/* RFC 4231, test case 2. */
Test(webhook, signature_is_hex_hmac_sha256)
{
    char sig[WEBHOOK_SIGNATURE_LEN + 1];
    const char *data = "what do ya want for nothing?";
    cr_assert_eq(webhook_sign("Jefe", data, strlen(data), sig), 0);
    cr_assert_str_eq(sig,
                     "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

Test(webhook, cursors_persist_per_webhook)
{
    uint64_t c;
    cr_assert_eq(webhook_cursor_get(store, "ops", &c), -ENOENT);
    cr_assert_eq(webhook_cursor_put(store, "ops", keys[5]), 0);
    cr_assert_eq(webhook_cursor_put(store, "audit", 7), 0);
    cr_assert_eq(webhook_cursor_get(store, "ops", &c), 0);
    cr_assert_eq(c, keys[5]);
    cr_assert_eq(webhook_cursor_get(store, "audit", &c), 0);
    cr_assert_eq(c, 7);
    /* They survive closing the index. */
    store_close(&store);
    struct store_options o;
    store_options_default(&o);
    cr_assert_eq(store_open(tmp, &o, &store), 0);
    cr_assert_eq(webhook_cursor_get(store, "ops", &c), 0);
    cr_assert_eq(c, keys[5]);
}

/* An index an older version wrote: a camera's reason phrase with invalid
 * bytes in an event. The batch still builds, with those bytes replaced, so
 * the webhook goes on instead of failing on that event for ever. */
Test(webhook, an_event_with_invalid_bytes_is_sent_replaced)
{
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_maintenance(b, "cam-0", false, "", 5000), 0);
    cr_assert_eq(store_batch_maintenance(b, "cam-0", true, "404 \xff\xfe\xc3 gef\xfcnden", 6000),
                 0);
    cr_assert_eq(store_batch_commit(store, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
    struct webhook_batch wb;
    cr_assert_eq(webhook_batch_read(store, "ops", NULL, keys[7], 10, 0, MSG_EN, &wb), 0);
    cr_assert_eq(wb.count, 2);
    json_t *j = json_loadb(wb.body, wb.len, 0, NULL);
    cr_assert_not_null(j, "%s", wb.body);
    json_t *e = json_array_get(json_object_get(j, "events"), 1);
    cr_assert_str_eq(json_string_value(json_object_get(e, "detail")),
                     "404 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD gef\xEF\xBF\xBDnden");
    json_decref(j);
    webhook_batch_free(&wb);
}
