/* libFuzzer target for the decoders of stored values (storage/records.c
 * over storage/codec.c): camera, health, unit, event, daily and
 * authentication-hint and clock values, as a damaged or foreign index can hold them.
 * The first byte picks the decoder, the rest is the value. A value that
 * decodes must be one the encoder could have written: every string inside
 * the value, terminated there and within the encoder's limit, every state a
 * known one, and encoding the decoded record then decoding it again gives
 * the same record. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *val_start, *val_end;

static void trap_unless(bool ok)
{
    if (!ok)
        __builtin_trap();
}

/* A decoded string points into the value, ends there, and fits `max`. */
static void check_str(const char *s, size_t max)
{
    trap_unless(s != NULL);
    if (s[0] == 0 && (s < (const char *)val_start || s >= (const char *)val_end))
        return; /* the decoder's own "" */
    trap_unless(s >= (const char *)val_start && s < (const char *)val_end);
    size_t n = strnlen(s, (size_t)((const char *)val_end - s));
    trap_unless(s + n < (const char *)val_end && n <= max);
}

static bool same_str(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static bool same_f64(double a, double b)
{
    return memcmp(&a, &b, sizeof(a)) == 0;
}

static void camera(const uint8_t *p, size_t n)
{
    struct store_camera c, back;
    if (rec_camera_decode(p, n, "id", &c))
        return;
    check_str(c.name, STORE_TEXT_MAX);
    check_str(c.unit_id, STORE_ID_MAX);
    check_str(c.url, STORE_TEXT_MAX);
    check_str(c.address, STORE_TEXT_MAX);
    check_str(c.tags, STORE_TEXT_MAX);
    struct enc e;
    enc_init(&e);
    rec_camera_encode(&e, &c);
    trap_unless(e.err == 0 && rec_camera_decode(e.buf, e.len, "id", &back) == 0);
    trap_unless(same_str(c.name, back.name) && same_str(c.unit_id, back.unit_id) &&
                same_str(c.url, back.url) && same_str(c.address, back.address) &&
                same_str(c.tags, back.tags) && c.has_location == back.has_location &&
                same_f64(c.lat, back.lat) && same_f64(c.lon, back.lon) && c.width == back.width &&
                c.height == back.height && c.fps == back.fps);
    enc_free(&e);
}

static void health(const uint8_t *p, size_t n)
{
    struct store_health h, back;
    if (rec_health_decode(p, n, &h))
        return;
    trap_unless(h.state < STORE_STATE_COUNT);
    check_str(h.reason, STORE_REASON_MAX);
    check_str(h.detail, 256);
    check_str(h.media.codec, STORE_REASON_MAX);
    check_str(h.media.profile, STORE_REASON_MAX);
    check_str(h.media.audio, STORE_REASON_MAX);
    check_str(h.media.server, 128);
    struct enc e;
    enc_init(&e);
    rec_health_encode(&e, &h);
    trap_unless(e.err == 0 && rec_health_decode(e.buf, e.len, &back) == 0);
    trap_unless(h.state == back.state && same_str(h.reason, back.reason) &&
                same_str(h.detail, back.detail) && h.since == back.since &&
                h.last_probe == back.last_probe && h.last_success == back.last_success &&
                h.consec_fail == back.consec_fail && h.consec_ok == back.consec_ok &&
                h.transitions == back.transitions && h.flapping == back.flapping &&
                h.rtsp_status == back.rtsp_status && h.latency_us == back.latency_us &&
                same_str(h.media.codec, back.media.codec) &&
                same_str(h.media.profile, back.media.profile) &&
                same_str(h.media.audio, back.media.audio) &&
                same_str(h.media.server, back.media.server) && h.media.width == back.media.width &&
                h.media.height == back.media.height && h.media.fps_milli == back.media.fps_milli &&
                h.media.bitrate_kbps == back.media.bitrate_kbps &&
                h.accounted_until == back.accounted_until && h.acc_day == back.acc_day &&
                memcmp(h.acc_ms, back.acc_ms, sizeof(h.acc_ms)) == 0);
    enc_free(&e);
}

static void unit(const uint8_t *p, size_t n)
{
    struct store_unit u, back;
    if (rec_unit_decode(p, n, "unit", &u))
        return;
    check_str(u.name, STORE_TEXT_MAX);
    struct enc e;
    enc_init(&e);
    rec_unit_encode(&e, &u);
    trap_unless(e.err == 0 && rec_unit_decode(e.buf, e.len, "unit", &back) == 0);
    trap_unless(same_str(u.name, back.name) && u.cameras == back.cameras &&
                memcmp(u.count, back.count, sizeof(u.count)) == 0);
    enc_free(&e);
}

static void event(const uint8_t *p, size_t n)
{
    struct store_event ev, back;
    uint64_t key = (uint64_t)n << 20 | 7;
    if (rec_event_decode(p, n, key, &ev))
        return;
    trap_unless(ev.key == key && ev.time_ms == (int64_t)(key >> 12));
    trap_unless(ev.from < STORE_STATE_COUNT && ev.to < STORE_STATE_COUNT);
    check_str(ev.camera_id, STORE_ID_MAX);
    check_str(ev.unit_id, STORE_ID_MAX);
    check_str(ev.reason, STORE_REASON_MAX);
    check_str(ev.detail, 256);
    struct enc e;
    enc_init(&e);
    rec_event_encode(&e, &ev);
    trap_unless(e.err == 0 && rec_event_decode(e.buf, e.len, key, &back) == 0);
    trap_unless(same_str(ev.camera_id, back.camera_id) && same_str(ev.unit_id, back.unit_id) &&
                ev.from == back.from && ev.to == back.to && same_str(ev.reason, back.reason) &&
                same_str(ev.detail, back.detail));
    enc_free(&e);
}

static void daily(const uint8_t *p, size_t n)
{
    struct store_daily d = {.id = "c", .day = 1}, back = d;
    if (rec_daily_decode(p, n, &d))
        return;
    struct enc e;
    enc_init(&e);
    rec_daily_encode(&e, &d);
    trap_unless(e.err == 0 && rec_daily_decode(e.buf, e.len, &back) == 0);
    trap_unless(memcmp(d.ms, back.ms, sizeof(d.ms)) == 0);
    enc_free(&e);
}

static void hint(const uint8_t *p, size_t n)
{
    const void *h;
    size_t len;
    if (rec_hint_decode(p, n, &h, &len))
        return;
    trap_unless(len >= 1 && len <= STORE_HINT_MAX);
    trap_unless((const uint8_t *)h > p && (const uint8_t *)h + len == p + n);
}

static void clock_rec(const uint8_t *p, size_t n)
{
    struct store_clock k, back;
    if (rec_clock_decode(p, n, &k))
        return;
    trap_unless(strlen(k.source) <= STORE_CLOCK_SOURCE_MAX);
    struct enc e;
    enc_init(&e);
    rec_clock_encode(&e, &k);
    trap_unless(e.err == 0 && rec_clock_decode(e.buf, e.len, &back) == 0);
    trap_unless(k.measured == back.measured && k.offset_ms == back.offset_ms &&
                k.checked_at == back.checked_at && same_str(k.source, back.source) &&
                k.tolerance_ms == back.tolerance_ms);
    enc_free(&e);
}

/* A decoded signature lies inside the value and has the size it claims. */
static void check_sig(uint16_t w, uint16_t h, const uint8_t *sig)
{
    trap_unless(rec_sig_size_ok(w, h));
    if (!sig) {
        trap_unless(w == 0 && h == 0);
        return;
    }
    trap_unless(sig >= val_start && sig + (size_t)w * h <= val_end);
}

static void diagnosis(const uint8_t *p, size_t n)
{
    struct store_diagnosis d, back;
    if (rec_diagnosis_decode(p, n, &d))
        return;
    trap_unless(d.n <= STORE_FINDINGS_MAX);
    for (uint8_t i = 0; i < d.n; i++) {
        check_str(d.f[i].reason, STORE_REASON_MAX);
        trap_unless(d.f[i].reason[0] != 0);
    }
    check_sig(d.sig_w, d.sig_h, d.sig);
    struct enc e;
    enc_init(&e);
    rec_diagnosis_encode(&e, &d);
    trap_unless(e.err == 0 && rec_diagnosis_decode(e.buf, e.len, &back) == 0);
    trap_unless(d.time_ms == back.time_ms && d.judged == back.judged && d.n == back.n &&
                d.sig_w == back.sig_w && d.sig_h == back.sig_h);
    for (uint8_t i = 0; i < d.n; i++)
        trap_unless(same_str(d.f[i].reason, back.f[i].reason) &&
                    memcmp(&d.f[i].value, &back.f[i].value, sizeof(float)) == 0 &&
                    memcmp(&d.f[i].limit, &back.f[i].limit, sizeof(float)) == 0);
    if (d.sig)
        trap_unless(memcmp(d.sig, back.sig, (size_t)d.sig_w * d.sig_h) == 0);
    enc_free(&e);
}

static void reference(const uint8_t *p, size_t n)
{
    struct store_reference r, back;
    if (rec_reference_decode(p, n, &r))
        return;
    trap_unless(r.sig != NULL);
    check_sig(r.sig_w, r.sig_h, r.sig);
    struct enc e;
    enc_init(&e);
    rec_reference_encode(&e, &r);
    trap_unless(e.err == 0 && rec_reference_decode(e.buf, e.len, &back) == 0);
    trap_unless(r.time_ms == back.time_ms && r.by_operator == back.by_operator &&
                r.sig_w == back.sig_w && r.sig_h == back.sig_h &&
                memcmp(r.sig, back.sig, (size_t)r.sig_w * r.sig_h) == 0);
    enc_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static void (*const decoder[])(const uint8_t *, size_t) = {
        camera, health, unit, event, daily, hint, clock_rec, diagnosis, reference};
    if (size < 1)
        return 0;
    /* An exact-size copy, so that ASan sees any read past the value. */
    size_t n = size - 1;
    uint8_t *val = malloc(n ? n : 1);
    if (!val)
        return 0;
    memcpy(val, data + 1, n);
    val_start = val;
    val_end = val + n;
    decoder[data[0] % (sizeof(decoder) / sizeof(decoder[0]))](val, n);
    free(val);
    return 0;
}
