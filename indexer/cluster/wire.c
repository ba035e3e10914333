/* The cluster's wire format; see wire.h. Hand-written only where jansson
 * leaves off: the rules each field must keep. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "cluster/wire.h"

static const char *const kind_names[WIRE_KIND_COUNT] = {"ev", "health", "inv", "hb", "pic"};

const char *wire_kind_name(enum wire_kind k)
{
    return (unsigned)k < WIRE_KIND_COUNT ? kind_names[k] : "invalid";
}

/* ---- decoding ---- */

struct dec {
    char *err;
    size_t errlen;
    long item; /* the record's index in "items", or -1 for the message itself */
};

static int refuse(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct dec *d, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    /* The record's place is put in words here, on refusal only: formatting
     * it for every record showed in the central's profile. */
    if (d->item >= 0)
        snprintf(d->err, d->errlen, "items[%ld]: %s", d->item, what);
    else
        snprintf(d->err, d->errlen, "%s", what);
    return -EBADMSG;
}

/* A string field of at most `max` bytes without NUL; `required` refuses a
 * missing one, else it reads as "". */
static int get_str(struct dec *d, json_t *o, const char *key, size_t max, bool required,
                   const char **out)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        *out = "";
        return required ? refuse(d, "field \"%s\" missing", key) : 0;
    }
    if (!json_is_string(v))
        return refuse(d, "field \"%s\" is not a string", key);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n > max)
        return refuse(d, "field \"%s\" longer than %zu bytes", key, max);
    if (strlen(s) != n)
        return refuse(d, "field \"%s\" holds a NUL", key);
    if (required && n == 0)
        return refuse(d, "field \"%s\" is empty", key);
    *out = s;
    return 0;
}

static int get_int(struct dec *d, json_t *o, const char *key, long long lo, long long hi,
                   bool required, long long *out)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v)
        return required ? refuse(d, "field \"%s\" missing", key) : 0;
    if (!json_is_integer(v))
        return refuse(d, "field \"%s\" is not a whole number", key);
    long long n = json_integer_value(v);
    if (n < lo || n > hi)
        return refuse(d, "field \"%s\" out of range", key);
    *out = n;
    return 0;
}

static int get_time(struct dec *d, json_t *o, const char *key, bool required, int64_t *out)
{
    long long v;
    int rc = get_int(d, o, key, required ? WIRE_TIME_MIN : 0, WIRE_TIME_MAX, required, &v);
    if (!rc && v && v < WIRE_TIME_MIN)
        rc = refuse(d, "field \"%s\" out of range", key);
    *out = v;
    return rc;
}

static int get_state(struct dec *d, json_t *o, const char *key, uint8_t *out)
{
    const char *s;
    int rc = get_str(d, o, key, 16, true, &s);
    if (rc)
        return rc;
    int st = store_state_parse(s);
    if (st < 0)
        return refuse(d, "field \"%s\" is not a state", key);
    *out = (uint8_t)st;
    return 0;
}

static int get_reason(struct dec *d, json_t *o, const char **out)
{
    int rc = get_str(d, o, "reason", STORE_REASON_MAX, false, out);
    for (const char *p = *out; !rc && *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            rc = refuse(d, "field \"reason\" is not a reason token");
    return rc;
}

/* A URL that still carries credentials must never leave its prober. The
 * only '@' allowed is redaction's own, right after the first "://" and "***". */
static bool url_redacted(const char *url)
{
    const char *at = strchr(url, '@');
    if (!at)
        return true;
    const char *sep = strstr(url, "://");
    return !strchr(at + 1, '@') && sep && sep + 6 == at && memcmp(sep + 3, "***", 3) == 0;
}

static int dec_event(struct dec *d, json_t *o, struct wire_event *e)
{
    long long key = 0;
    int rc = get_int(d, o, "key", 1, INT64_MAX, true, &key);
    if (!rc)
        rc = get_time(d, o, "t", true, &e->time_ms);
    if (!rc)
        rc = get_str(d, o, "cam", STORE_ID_MAX, true, &e->camera_id);
    if (!rc)
        rc = get_str(d, o, "unit", STORE_ID_MAX, true, &e->unit_id);
    if (!rc)
        rc = get_state(d, o, "from", &e->from);
    if (!rc)
        rc = get_state(d, o, "to", &e->to);
    if (!rc)
        rc = get_reason(d, o, &e->reason);
    if (!rc)
        rc = get_str(d, o, "detail", WIRE_DETAIL_MAX, false, &e->detail);
    e->key = (uint64_t)key;
    return rc;
}

static int dec_media(struct dec *d, json_t *m, struct store_media *md)
{
    long long w = 0, h = 0, fps = 0, kbps = 0;
    if (!m)
        return 0;
    if (!json_is_object(m))
        return refuse(d, "field \"m\" is not an object");
    int rc = get_str(d, m, "codec", WIRE_CODEC_MAX, false, &md->codec);
    if (!rc)
        rc = get_str(d, m, "profile", WIRE_CODEC_MAX, false, &md->profile);
    if (!rc)
        rc = get_str(d, m, "audio", WIRE_CODEC_MAX, false, &md->audio);
    if (!rc)
        rc = get_str(d, m, "server", WIRE_CODEC_MAX, false, &md->server);
    if (!rc)
        rc = get_int(d, m, "w", 0, UINT16_MAX, false, &w);
    if (!rc)
        rc = get_int(d, m, "h", 0, UINT16_MAX, false, &h);
    if (!rc)
        rc = get_int(d, m, "fps", 0, 1000000, false, &fps);
    if (!rc)
        rc = get_int(d, m, "kbps", 0, 10000000, false, &kbps);
    md->width = (uint16_t)w;
    md->height = (uint16_t)h;
    md->fps_milli = (uint32_t)fps;
    md->bitrate_kbps = (uint32_t)kbps;
    return rc;
}

static int dec_health(struct dec *d, json_t *o, struct wire_health *w)
{
    struct store_health *h = &w->h;
    long long cf = 0, co = 0, rs = 0, lat = 0;
    int rc = get_str(d, o, "cam", STORE_ID_MAX, true, &w->camera_id);
    if (!rc)
        rc = get_time(d, o, "t", true, &w->time_ms);
    if (!rc)
        rc = get_state(d, o, "state", &h->state);
    if (!rc)
        rc = get_reason(d, o, &h->reason);
    if (!rc)
        rc = get_str(d, o, "detail", WIRE_DETAIL_MAX, false, &h->detail);
    if (!rc)
        rc = get_time(d, o, "lp", false, &h->last_probe);
    if (!rc)
        rc = get_time(d, o, "ls", false, &h->last_success);
    if (!rc)
        rc = get_int(d, o, "cf", 0, UINT32_MAX, false, &cf);
    if (!rc)
        rc = get_int(d, o, "co", 0, UINT32_MAX, false, &co);
    if (!rc)
        rc = get_int(d, o, "rs", 0, 999, false, &rs);
    if (!rc)
        rc = get_int(d, o, "lat", 0, UINT32_MAX, false, &lat);
    if (!rc)
        rc = dec_media(d, json_object_get(o, "m"), &h->media);
    h->consec_fail = (uint32_t)cf;
    h->consec_ok = (uint32_t)co;
    h->rtsp_status = (int16_t)rs;
    h->latency_us = (uint32_t)lat;
    h->flapping = json_is_true(json_object_get(o, "fl"));
    return rc;
}

static int dec_camera(struct dec *d, json_t *o, struct wire_camera *w)
{
    struct store_camera *c = &w->cam;
    long long wd = 0, ht = 0, fps = 0;
    int rc = get_str(d, o, "cam", STORE_ID_MAX, true, &c->id);
    if (!rc)
        rc = get_str(d, o, "name", WIRE_NAME_MAX, false, &c->name);
    if (!rc)
        rc = get_str(d, o, "unit", STORE_ID_MAX, true, &c->unit_id);
    if (!rc)
        rc = get_str(d, o, "unit_name", WIRE_NAME_MAX, false, &w->unit_name);
    if (!rc)
        rc = get_str(d, o, "url", WIRE_URL_MAX, true, &c->url);
    if (!rc && !url_redacted(c->url))
        rc = refuse(d, "field \"url\" carries credentials (a prober sends URLs redacted)");
    if (!rc)
        rc = get_str(d, o, "address", WIRE_NAME_MAX, false, &c->address);
    if (!rc)
        rc = get_str(d, o, "tags", WIRE_NAME_MAX, false, &c->tags);
    if (!rc)
        rc = get_int(d, o, "w", 0, UINT16_MAX, false, &wd);
    if (!rc)
        rc = get_int(d, o, "h", 0, UINT16_MAX, false, &ht);
    if (!rc)
        rc = get_int(d, o, "fps", 0, UINT16_MAX, false, &fps);
    c->width = (uint16_t)wd;
    c->height = (uint16_t)ht;
    c->fps = (uint16_t)fps;
    json_t *lat = json_object_get(o, "lat"), *lon = json_object_get(o, "lon");
    if (!rc && (lat || lon)) {
        if (!json_is_number(lat) || !json_is_number(lon))
            return refuse(d, "fields \"lat\" and \"lon\" must both be numbers");
        c->lat = json_number_value(lat);
        c->lon = json_number_value(lon);
        if (!(c->lat >= -90 && c->lat <= 90 && c->lon >= -180 && c->lon <= 180))
            return refuse(d, "fields \"lat\" and \"lon\" out of range");
        c->has_location = true;
    }
    return rc;
}

#define WIRE_OFFSET_MAX (10LL * 366 * 86400 * 1000) /* a clock ten years off, in ms */

static int get_float(struct dec *d, json_t *o, const char *key, double lo, double hi, float *out)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v)
        return 0;
    double x = json_number_value(v);
    if (!json_is_number(v) || !(x >= lo && x <= hi))
        return refuse(d, "field \"%s\" is not a number in range", key);
    *out = (float)x;
    return 0;
}

/* "diag": {"t", "judged", "f": [{"reason", "value", "limit"}, ...]} */
static int dec_diag(struct dec *d, json_t *o, struct store_diagnosis *g)
{
    json_t *f = json_object_get(o, "f");
    int rc = get_time(d, o, "t", true, &g->time_ms);
    if (rc)
        return rc;
    g->judged = json_is_true(json_object_get(o, "judged"));
    if (f && (!json_is_array(f) || json_array_size(f) > STORE_FINDINGS_MAX))
        return refuse(d, "field \"f\" is not a list of at most %d findings", STORE_FINDINGS_MAX);
    for (size_t i = 0; f && i < json_array_size(f); i++) {
        json_t *x = json_array_get(f, i);
        if (!json_is_object(x))
            return refuse(d, "a finding is not an object");
        if ((rc = get_reason(d, x, &g->f[i].reason)))
            return rc;
        if (!g->f[i].reason[0])
            return refuse(d, "a finding without its reason");
        if ((rc = get_float(d, x, "value", -1e9, 1e9, &g->f[i].value)) ||
            (rc = get_float(d, x, "limit", -1e9, 1e9, &g->f[i].limit)))
            return rc;
        g->n++;
    }
    return 0;
}

/* "clock": {"m", "off", "t", "src", "tol"} */
static int dec_clock(struct dec *d, json_t *o, struct store_clock *c)
{
    long long off = 0, tol = 0;
    const char *src;
    int rc = get_time(d, o, "t", true, &c->checked_at);
    if (!rc)
        rc = get_int(d, o, "off", -WIRE_OFFSET_MAX, WIRE_OFFSET_MAX, false, &off);
    if (!rc)
        rc = get_int(d, o, "tol", 0, UINT32_MAX, false, &tol);
    if (!rc)
        rc = get_str(d, o, "src", STORE_CLOCK_SOURCE_MAX, false, &src);
    if (rc)
        return rc;
    c->measured = json_is_true(json_object_get(o, "m"));
    c->offset_ms = off;
    c->tolerance_ms = (uint32_t)tol;
    snprintf(c->source, sizeof(c->source), "%s", src);
    return 0;
}

/* "osd": {"t", "tc", "lc", "off", "sim", "tol", "read", "text"} */
static int dec_osd(struct dec *d, json_t *o, struct store_osd *s)
{
    long long tc = 0, lc = 0, off = 0, tol = 0;
    int rc = get_time(d, o, "t", true, &s->checked_at);
    if (!rc)
        rc = get_int(d, o, "tc", 0, STORE_OSD_WRONG, false, &tc);
    if (!rc)
        rc = get_int(d, o, "lc", 0, STORE_OSD_WRONG, false, &lc);
    if (!rc)
        rc = get_int(d, o, "off", -WIRE_OFFSET_MAX / 1000, WIRE_OFFSET_MAX / 1000, false, &off);
    if (!rc)
        rc = get_int(d, o, "tol", 0, UINT32_MAX, false, &tol);
    if (!rc)
        rc = get_float(d, o, "sim", 0, 1, &s->similarity);
    if (!rc)
        rc = get_str(d, o, "read", 64, false, &s->time_read);
    if (!rc)
        rc = get_str(d, o, "text", STORE_OSD_TEXT_MAX, false, &s->text);
    s->time_check = (uint8_t)tc;
    s->label_check = (uint8_t)lc;
    s->offset_s = off;
    s->tolerance_s = (uint32_t)tol;
    return rc;
}

static int dec_picture(struct dec *d, json_t *o, struct wire_picture *w)
{
    int rc = get_str(d, o, "cam", STORE_ID_MAX, true, &w->camera_id);
    json_t *g = json_object_get(o, "diag"), *c = json_object_get(o, "clock"),
           *s = json_object_get(o, "osd");
    if ((g && !json_is_object(g)) || (c && !json_is_object(c)) || (s && !json_is_object(s)))
        return refuse(d, "fields \"diag\", \"clock\" and \"osd\" are objects");
    if (!rc && (w->has_diag = g != NULL))
        rc = dec_diag(d, g, &w->diag);
    if (!rc && (w->has_clock = c != NULL))
        rc = dec_clock(d, c, &w->clock);
    if (!rc && (w->has_osd = s != NULL))
        rc = dec_osd(d, s, &w->osd);
    return rc;
}

static int dec_heartbeat(struct dec *d, json_t *o, struct wire_heartbeat *hb)
{
    if (!json_is_object(o))
        return refuse(d, "field \"hb\" missing or not an object");
    long long key = 0, cams = 0;
    int64_t started = 0;
    int rc = get_int(d, o, "last_key", 0, INT64_MAX, true, &key);
    if (!rc)
        rc = get_int(d, o, "cameras", 0, UINT32_MAX, true, &cams);
    if (!rc)
        rc = get_time(d, o, "started", true, &started);
    hb->last_key = (uint64_t)key;
    hb->cameras = (uint32_t)cams;
    hb->started_ms = (uint64_t)started;
    return rc;
}

static int dec_items(struct dec *d, json_t *items, struct wire_msg *m)
{
    if (!json_is_array(items))
        return refuse(d, "field \"items\" missing or not an array");
    size_t n = json_array_size(items);
    /* The end of a walk may name no camera: the zone's inventory is empty. */
    if (n == 0 && m->walk_end)
        return 0;
    if (n == 0 || n > WIRE_ITEMS_MAX)
        return refuse(d, "field \"items\" holds %zu records (1 to %d)", n, WIRE_ITEMS_MAX);
    size_t size = m->kind == WIRE_EVENTS    ? sizeof(*m->ev)
                  : m->kind == WIRE_HEALTH  ? sizeof(*m->health)
                  : m->kind == WIRE_PICTURE ? sizeof(*m->pic)
                                            : sizeof(*m->cam);
    void *arr = calloc(n, size);
    if (!arr)
        return -ENOMEM;
    m->ev = m->kind == WIRE_EVENTS ? arr : NULL;
    m->health = m->kind == WIRE_HEALTH ? arr : NULL;
    m->cam = m->kind == WIRE_CAMERAS ? arr : NULL;
    m->pic = m->kind == WIRE_PICTURE ? arr : NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(items, i);
        d->item = (long)i;
        if (!json_is_object(o))
            return refuse(d, "not an object");
        int rc = m->kind == WIRE_EVENTS    ? dec_event(d, o, &m->ev[i])
                 : m->kind == WIRE_HEALTH  ? dec_health(d, o, &m->health[i])
                 : m->kind == WIRE_PICTURE ? dec_picture(d, o, &m->pic[i])
                                           : dec_camera(d, o, &m->cam[i]);
        if (rc)
            return rc;
        /* Keys are strictly increasing inside a message of events. */
        if (m->kind == WIRE_EVENTS && i && m->ev[i].key <= m->ev[i - 1].key)
            return refuse(d, "event key going backwards");
    }
    d->item = -1;
    m->n = n;
    return 0;
}

/* An inventory message's walk: "walk" (its start time), and on its last
 * message "end": true with "total", the cameras the walk named. */
static int dec_walk(struct dec *d, json_t *root, struct wire_msg *m)
{
    long long total;
    int rc = get_time(d, root, "walk", false, &m->walk);
    if (!rc)
        rc = get_int(d, root, "total", 0, WIRE_WALK_MAX, false, &total);
    if (rc)
        return rc;
    json_t *end = json_object_get(root, "end");
    if (end && !json_is_boolean(end))
        return refuse(d, "field \"end\" is not true or false");
    m->walk_end = json_is_true(end);
    m->walk_total = (uint32_t)total;
    if (m->walk_end && (!m->walk || !json_object_get(root, "total")))
        return refuse(d, "the end of a walk without its \"walk\" and \"total\"");
    return 0;
}

static int dec_message(struct dec *d, json_t *root, struct wire_msg *m)
{
    if (!json_is_object(root))
        return refuse(d, "not a JSON object");
    long long v;
    json_t *jv = json_object_get(root, "v");
    if (!json_is_integer(jv))
        return refuse(d, "field \"v\" (the version) missing");
    if ((v = json_integer_value(jv)) != WIRE_VERSION) {
        snprintf(d->err, d->errlen, "version %lld, this build reads %d", v, WIRE_VERSION);
        return -EPROTO;
    }
    const char *kind, *zone;
    int rc = get_str(d, root, "kind", 8, true, &kind);
    if (!rc)
        rc = get_str(d, root, "zone", 32, true, &zone);
    if (!rc)
        rc = get_time(d, root, "sent", true, &m->sent_ms);
    if (rc)
        return rc;
    if (!config_zone_name_ok(zone, strlen(zone)))
        return refuse(d, "field \"zone\" is not a zone name");
    snprintf(m->zone, sizeof(m->zone), "%s", zone);
    m->kind = WIRE_KIND_COUNT;
    for (int k = 0; k < WIRE_KIND_COUNT; k++)
        if (strcmp(kind, kind_names[k]) == 0)
            m->kind = (enum wire_kind)k;
    if (m->kind == WIRE_KIND_COUNT)
        return refuse(d, "field \"kind\" is not a known kind");
    if (m->kind == WIRE_HEARTBEAT)
        return dec_heartbeat(d, json_object_get(root, "hb"), &m->hb);
    if (m->kind == WIRE_CAMERAS && (rc = dec_walk(d, root, m)))
        return rc;
    return dec_items(d, json_object_get(root, "items"), m);
}

int wire_decode(const void *buf, size_t len, struct wire_msg *out, char *err, size_t errlen)
{
    char dummy[8];
    struct dec d = {.err = err ? err : dummy, .errlen = err ? errlen : sizeof(dummy), .item = -1};
    memset(out, 0, sizeof(*out));
    d.err[0] = 0;
    if (len > WIRE_MSG_MAX)
        return refuse(&d, "message of %zu bytes, over the %d-byte limit", len, WIRE_MSG_MAX);
    json_error_t je;
    /* Depth is bounded by jansson (2048); the shapes above need 4. */
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return refuse(&d, "not JSON (at byte %d)", je.position);
    out->json_ = root;
    int rc = dec_message(&d, root, out);
    if (rc)
        wire_msg_free(out);
    return rc;
}

void wire_msg_free(struct wire_msg *m)
{
    free(m->ev);
    free(m->health);
    free(m->cam);
    free(m->pic);
    json_decref(m->json_);
    memset(m, 0, sizeof(*m));
}
