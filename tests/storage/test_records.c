/* Tests for storage/records.c: stored values that a damaged or foreign
 * index can hold are refused, not handed to readers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "records.h"

static void encode_event(struct enc *e, uint8_t from, uint8_t to)
{
    struct store_event ev = {.camera_id = "32010200001315000023",
                             .unit_id = "32010000002165000001",
                             .from = from,
                             .to = to,
                             .reason = "timeout",
                             .detail = ""};
    enc_init(e);
    rec_event_encode(e, &ev);
    cr_assert_eq(e->err, 0);
}

Test(records, event_round_trips)
{
    struct enc e;
    encode_event(&e, STORE_ONLINE, STORE_OFFLINE);
    struct store_event ev;
    cr_assert_eq(rec_event_decode(e.buf, e.len, 5u << 12, &ev), 0);
    cr_expect_eq(ev.from, STORE_ONLINE);
    cr_expect_eq(ev.to, STORE_OFFLINE);
    cr_expect_eq(ev.time_ms, 5);
    cr_expect_str_eq(ev.reason, "timeout");
    enc_free(&e);
}

/* Found by fuzz_storage_records: an event naming a state that does not
 * exist decoded, and readers index per-state tables with it. */
Test(records, event_with_an_unknown_state_is_refused)
{
    for (int which = 0; which < 2; which++) {
        struct enc e;
        encode_event(&e, which ? STORE_ONLINE : 0xfb, which ? STORE_STATE_COUNT : STORE_OFFLINE);
        struct store_event ev;
        cr_expect_eq(rec_event_decode(e.buf, e.len, 1u << 12, &ev), -EBADMSG, "%s state",
                     which ? "to" : "from");
        enc_free(&e);
    }
}

/* A string field of `n` bytes, written the way enc_str would if it let it. */
static void raw_str(struct enc *e, char c, size_t n)
{
    char buf[4096];
    memset(buf, c, n);
    enc_uvar(e, n);
    enc_bytes(e, buf, n);
    enc_u8(e, 0);
}

static void camera_with_unit_id(struct enc *e, size_t unit_len)
{
    enc_init(e);
    enc_u8(e, REC_CAMERA_V);
    enc_str(e, "东门", STORE_TEXT_MAX);
    raw_str(e, '3', unit_len);
    enc_str(e, "rtsp://127.1.0.1/", STORE_TEXT_MAX);
    enc_str(e, "", STORE_TEXT_MAX);
    enc_str(e, "", STORE_TEXT_MAX);
    enc_u8(e, 0);
    enc_uvar(e, 0);
    enc_uvar(e, 0);
    enc_uvar(e, 0);
    cr_assert_eq(e->err, 0);
}

/* Found by fuzz_storage_records: strings longer than their encoder allows
 * decoded, and keys built from them (a unit id) are cut at the limit. */
Test(records, camera_with_a_unit_id_over_the_limit_is_refused)
{
    struct enc e;
    struct store_camera c;
    camera_with_unit_id(&e, STORE_ID_MAX);
    cr_assert_eq(rec_camera_decode(e.buf, e.len, "1", &c), 0);
    cr_expect_eq(strlen(c.unit_id), STORE_ID_MAX);
    enc_free(&e);
    camera_with_unit_id(&e, STORE_ID_MAX + 1);
    cr_expect_eq(rec_camera_decode(e.buf, e.len, "1", &c), -EBADMSG);
    enc_free(&e);
}

Test(records, health_with_a_reason_over_the_limit_is_refused)
{
    struct store_health h;
    rec_health_unknown(&h);
    h.state = STORE_OFFLINE;
    struct enc whole;
    enc_init(&whole);
    rec_health_encode(&whole, &h);
    /* version, state, then the empty reason as length 0 and its NUL */
    cr_assert(whole.len > 4 && whole.buf[2] == 0 && whole.buf[3] == 0);
    for (size_t n = STORE_REASON_MAX; n <= STORE_REASON_MAX + 1; n++) {
        struct enc e;
        enc_init(&e);
        enc_u8(&e, REC_HEALTH_V);
        enc_u8(&e, STORE_OFFLINE);
        raw_str(&e, 'x', n);
        enc_bytes(&e, whole.buf + 4, whole.len - 4);
        cr_assert_eq(e.err, 0);
        int rc = rec_health_decode(e.buf, e.len, &h);
        cr_expect_eq(rc, n > STORE_REASON_MAX ? -EBADMSG : 0, "a %zu-byte reason: %d", n, rc);
        enc_free(&e);
    }
    enc_free(&whole);
}
