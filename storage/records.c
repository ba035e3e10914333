/* Encoders and decoders for the stored values; see records.h. */
#include <errno.h>
#include <string.h>

#include "records.h"

/* Limits of fields without a STORE_* one; a decoder refuses what its
 * encoder would not write, so readers can rely on the same bounds. */
#define DETAIL_MAX 256
#define SERVER_MAX 128

static int dec_check(struct dec *d, uint8_t version)
{
    if (d->err)
        return d->err;
    /* Version 0 was never written; anything newer is decoded as far as we
     * know it, since versions only append fields. */
    if (version == 0)
        return -EBADMSG;
    return 0;
}

void rec_camera_encode(struct enc *e, const struct store_camera *c)
{
    enc_u8(e, REC_CAMERA_V);
    enc_str(e, c->name, STORE_TEXT_MAX);
    enc_str(e, c->unit_id, STORE_ID_MAX);
    enc_str(e, c->url, STORE_TEXT_MAX);
    enc_str(e, c->address, STORE_TEXT_MAX);
    enc_str(e, c->tags, STORE_TEXT_MAX);
    enc_u8(e, c->has_location);
    if (c->has_location) {
        enc_f64(e, c->lat);
        enc_f64(e, c->lon);
    }
    enc_uvar(e, c->width);
    enc_uvar(e, c->height);
    enc_uvar(e, c->fps);
}

int rec_camera_decode(const void *buf, size_t len, const char *id, struct store_camera *c)
{
    struct dec d;
    dec_init(&d, buf, len);
    memset(c, 0, sizeof(*c));
    uint8_t v = dec_u8(&d);
    c->id = id;
    c->name = dec_str_max(&d, STORE_TEXT_MAX);
    c->unit_id = dec_str_max(&d, STORE_ID_MAX);
    c->url = dec_str_max(&d, STORE_TEXT_MAX);
    c->address = dec_str_max(&d, STORE_TEXT_MAX);
    c->tags = dec_str_max(&d, STORE_TEXT_MAX);
    c->has_location = dec_u8(&d) != 0;
    if (c->has_location) {
        c->lat = dec_f64(&d);
        c->lon = dec_f64(&d);
    }
    c->width = (uint16_t)dec_uvar(&d);
    c->height = (uint16_t)dec_uvar(&d);
    c->fps = (uint16_t)dec_uvar(&d);
    return dec_check(&d, v);
}

static void media_encode(struct enc *e, const struct store_media *m)
{
    enc_str(e, m->codec, STORE_REASON_MAX);
    enc_str(e, m->profile, STORE_REASON_MAX);
    enc_str(e, m->audio, STORE_REASON_MAX);
    enc_str(e, m->server, SERVER_MAX);
    enc_uvar(e, m->width);
    enc_uvar(e, m->height);
    enc_uvar(e, m->fps_milli);
    enc_uvar(e, m->bitrate_kbps);
}

static void media_decode(struct dec *d, struct store_media *m)
{
    m->codec = dec_str_max(d, STORE_REASON_MAX);
    m->profile = dec_str_max(d, STORE_REASON_MAX);
    m->audio = dec_str_max(d, STORE_REASON_MAX);
    m->server = dec_str_max(d, SERVER_MAX);
    m->width = (uint16_t)dec_uvar(d);
    m->height = (uint16_t)dec_uvar(d);
    m->fps_milli = (uint32_t)dec_uvar(d);
    m->bitrate_kbps = (uint32_t)dec_uvar(d);
}

void rec_health_encode(struct enc *e, const struct store_health *h)
{
    enc_u8(e, REC_HEALTH_V);
    enc_u8(e, h->state);
    enc_str(e, h->reason, STORE_REASON_MAX);
    enc_str(e, h->detail, DETAIL_MAX);
    enc_svar(e, h->since);
    enc_svar(e, h->last_probe);
    enc_svar(e, h->last_success);
    enc_uvar(e, h->consec_fail);
    enc_uvar(e, h->consec_ok);
    enc_uvar(e, h->transitions);
    enc_u8(e, h->flapping);
    enc_svar(e, h->rtsp_status);
    enc_uvar(e, h->latency_us);
    media_encode(e, &h->media);
    enc_svar(e, h->accounted_until);
    enc_svar(e, h->acc_day);
    enc_uvar(e, STORE_STATE_COUNT);
    for (int i = 0; i < STORE_STATE_COUNT; i++)
        enc_uvar(e, h->acc_ms[i]);
}

void rec_health_unknown(struct store_health *h)
{
    memset(h, 0, sizeof(*h));
    h->state = STORE_UNKNOWN;
    h->reason = "";
    h->detail = "";
    h->media.codec = h->media.profile = h->media.audio = h->media.server = "";
}

int rec_health_decode(const void *buf, size_t len, struct store_health *h)
{
    struct dec d;
    dec_init(&d, buf, len);
    rec_health_unknown(h);
    uint8_t v = dec_u8(&d);
    h->state = dec_u8(&d);
    h->reason = dec_str_max(&d, STORE_REASON_MAX);
    h->detail = dec_str_max(&d, DETAIL_MAX);
    h->since = dec_svar(&d);
    h->last_probe = dec_svar(&d);
    h->last_success = dec_svar(&d);
    h->consec_fail = (uint32_t)dec_uvar(&d);
    h->consec_ok = (uint32_t)dec_uvar(&d);
    h->transitions = (uint32_t)dec_uvar(&d);
    h->flapping = dec_u8(&d) != 0;
    h->rtsp_status = (int16_t)dec_svar(&d);
    h->latency_us = (uint32_t)dec_uvar(&d);
    media_decode(&d, &h->media);
    h->accounted_until = dec_svar(&d);
    h->acc_day = (int32_t)dec_svar(&d);
    uint64_t n = dec_uvar(&d);
    for (uint64_t i = 0; i < n && !d.err; i++) {
        uint64_t ms = dec_uvar(&d);
        if (i < STORE_STATE_COUNT)
            h->acc_ms[i] = ms;
    }
    if (!d.err && h->state >= STORE_STATE_COUNT)
        return -EBADMSG;
    return dec_check(&d, v);
}

void rec_unit_encode(struct enc *e, const struct store_unit *u)
{
    enc_u8(e, REC_UNIT_V);
    enc_str(e, u->name, STORE_TEXT_MAX);
    enc_uvar(e, u->cameras);
    enc_uvar(e, STORE_STATE_COUNT);
    for (int i = 0; i < STORE_STATE_COUNT; i++)
        enc_uvar(e, u->count[i]);
}

int rec_unit_decode(const void *buf, size_t len, const char *id, struct store_unit *u)
{
    struct dec d;
    dec_init(&d, buf, len);
    memset(u, 0, sizeof(*u));
    uint8_t v = dec_u8(&d);
    u->id = id;
    u->name = dec_str_max(&d, STORE_TEXT_MAX);
    u->cameras = (uint32_t)dec_uvar(&d);
    uint64_t n = dec_uvar(&d);
    for (uint64_t i = 0; i < n && !d.err; i++) {
        uint64_t c = dec_uvar(&d);
        if (i < STORE_STATE_COUNT)
            u->count[i] = (uint32_t)c;
    }
    return dec_check(&d, v);
}

void rec_event_encode(struct enc *e, const struct store_event *ev)
{
    enc_u8(e, REC_EVENT_V);
    enc_str(e, ev->camera_id, STORE_ID_MAX);
    enc_str(e, ev->unit_id, STORE_ID_MAX);
    enc_u8(e, ev->from);
    enc_u8(e, ev->to);
    enc_str(e, ev->reason, STORE_REASON_MAX);
    enc_str(e, ev->detail, DETAIL_MAX);
}

int rec_event_decode(const void *buf, size_t len, uint64_t key, struct store_event *ev)
{
    struct dec d;
    dec_init(&d, buf, len);
    memset(ev, 0, sizeof(*ev));
    uint8_t v = dec_u8(&d);
    ev->key = key;
    ev->time_ms = (int64_t)(key >> 12);
    ev->camera_id = dec_str_max(&d, STORE_ID_MAX);
    ev->unit_id = dec_str_max(&d, STORE_ID_MAX);
    ev->from = dec_u8(&d);
    ev->to = dec_u8(&d);
    ev->reason = dec_str_max(&d, STORE_REASON_MAX);
    ev->detail = dec_str_max(&d, DETAIL_MAX);
    /* Readers index per-state tables with these. */
    if (!d.err && (ev->from >= STORE_STATE_COUNT || ev->to >= STORE_STATE_COUNT))
        return -EBADMSG;
    return dec_check(&d, v);
}

void rec_daily_encode(struct enc *e, const struct store_daily *dd)
{
    enc_u8(e, REC_DAILY_V);
    enc_uvar(e, STORE_STATE_COUNT);
    for (int i = 0; i < STORE_STATE_COUNT; i++)
        enc_uvar(e, dd->ms[i]);
}

int rec_daily_decode(const void *buf, size_t len, struct store_daily *dd)
{
    struct dec d;
    dec_init(&d, buf, len);
    memset(dd->ms, 0, sizeof(dd->ms));
    uint8_t v = dec_u8(&d);
    uint64_t n = dec_uvar(&d);
    for (uint64_t i = 0; i < n && !d.err; i++) {
        uint64_t ms = dec_uvar(&d);
        if (i < STORE_STATE_COUNT)
            dd->ms[i] = ms;
    }
    return dec_check(&d, v);
}

int rec_hint_decode(const void *buf, size_t len, const void **hint, size_t *hint_len)
{
    const uint8_t *b = buf;
    *hint = NULL;
    *hint_len = 0;
    if (len < 1)
        return -EBADMSG;
    if (b[0] != REC_HINT_V)
        return -ENOENT;
    if (len < 2 || len > 1 + STORE_HINT_MAX)
        return -EBADMSG;
    *hint = b + 1;
    *hint_len = len - 1;
    return 0;
}

void rec_clock_encode(struct enc *e, const struct store_clock *c)
{
    enc_u8(e, REC_CLOCK_V);
    enc_u8(e, c->measured ? 1 : 0);
    enc_svar(e, c->offset_ms);
    enc_svar(e, c->checked_at);
    enc_str(e, c->source, STORE_CLOCK_SOURCE_MAX);
    enc_uvar(e, c->tolerance_ms);
}

int rec_clock_decode(const void *buf, size_t len, struct store_clock *c)
{
    memset(c, 0, sizeof(*c));
    struct dec d;
    dec_init(&d, buf, len);
    uint8_t v = dec_u8(&d);
    uint8_t flags = dec_u8(&d);
    c->measured = flags & 1;
    c->offset_ms = dec_svar(&d);
    c->checked_at = dec_svar(&d);
    const char *src = dec_str_max(&d, STORE_CLOCK_SOURCE_MAX);
    uint64_t tol = dec_uvar(&d);
    c->tolerance_ms = tol > UINT32_MAX ? UINT32_MAX : (uint32_t)tol;
    int rc = dec_check(&d, v);
    if (rc == 0)
        memcpy(c->source, src, strlen(src) + 1);
    return rc;
}

bool rec_sig_size_ok(unsigned w, unsigned h)
{
    if (w == 0 && h == 0)
        return true;
    return w >= 1 && h >= 1 && w <= STORE_SIG_DIM_MAX && h <= STORE_SIG_DIM_MAX &&
           w * h <= STORE_SIG_MAX;
}

/* Floats travel as doubles: exact both ways, and the codec has them. */
static void sig_encode(struct enc *e, uint16_t w, uint16_t h, const uint8_t *sig)
{
    enc_uvar(e, w);
    enc_uvar(e, h);
    if (w && h)
        enc_bytes(e, sig, (size_t)w * h);
}

static void sig_decode(struct dec *d, uint16_t *w, uint16_t *h, const uint8_t **sig)
{
    uint64_t sw = dec_uvar(d), sh = dec_uvar(d);
    *w = *h = 0;
    *sig = NULL;
    if (d->err)
        return;
    if (sw > STORE_SIG_DIM_MAX || sh > STORE_SIG_DIM_MAX || !rec_sig_size_ok((unsigned)sw,
                                                                              (unsigned)sh)) {
        d->err = -EBADMSG;
        return;
    }
    size_t n = (size_t)(sw * sh);
    if ((size_t)(d->end - d->p) < n) {
        d->err = -EBADMSG;
        return;
    }
    *w = (uint16_t)sw;
    *h = (uint16_t)sh;
    *sig = n ? d->p : NULL;
    d->p += n;
}

void rec_diagnosis_encode(struct enc *e, const struct store_diagnosis *dg)
{
    enc_u8(e, REC_DIAG_V);
    enc_svar(e, dg->time_ms);
    enc_u8(e, dg->judged);
    uint8_t n = dg->n > STORE_FINDINGS_MAX ? STORE_FINDINGS_MAX : dg->n;
    enc_uvar(e, n);
    for (uint8_t i = 0; i < n; i++) {
        enc_str(e, dg->f[i].reason, STORE_REASON_MAX);
        enc_f64(e, dg->f[i].value);
        enc_f64(e, dg->f[i].limit);
    }
    sig_encode(e, dg->sig_w, dg->sig_h, dg->sig);
}

int rec_diagnosis_decode(const void *buf, size_t len, struct store_diagnosis *dg)
{
    struct dec d;
    dec_init(&d, buf, len);
    memset(dg, 0, sizeof(*dg));
    uint8_t v = dec_u8(&d);
    dg->time_ms = dec_svar(&d);
    dg->judged = dec_u8(&d) != 0;
    uint64_t n = dec_uvar(&d);
    if (!d.err && n > STORE_FINDINGS_MAX)
        return -EBADMSG;
    for (uint64_t i = 0; i < n && !d.err; i++) {
        dg->f[i].reason = dec_str_max(&d, STORE_REASON_MAX);
        dg->f[i].value = (float)dec_f64(&d);
        dg->f[i].limit = (float)dec_f64(&d);
        if (!d.err && !dg->f[i].reason[0])
            return -EBADMSG;
    }
    dg->n = (uint8_t)n;
    sig_decode(&d, &dg->sig_w, &dg->sig_h, &dg->sig);
    return dec_check(&d, v);
}

void rec_reference_encode(struct enc *e, const struct store_reference *ref)
{
    enc_u8(e, REC_REF_V);
    enc_svar(e, ref->time_ms);
    enc_u8(e, ref->by_operator);
    sig_encode(e, ref->sig_w, ref->sig_h, ref->sig);
}

int rec_reference_decode(const void *buf, size_t len, struct store_reference *ref)
{
    struct dec d;
    dec_init(&d, buf, len);
    memset(ref, 0, sizeof(*ref));
    uint8_t v = dec_u8(&d);
    ref->time_ms = dec_svar(&d);
    ref->by_operator = dec_u8(&d) != 0;
    sig_decode(&d, &ref->sig_w, &ref->sig_h, &ref->sig);
    /* A reference without a picture is none. */
    if (!d.err && !ref->sig)
        return -EBADMSG;
    return dec_check(&d, v);
}
