/* Encoding the cluster's messages (the prober's side of wire.h). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/wire.h"

struct wire_enc {
    enum wire_kind kind;
    json_t *root, *items;
};

int wire_enc_begin(enum wire_kind kind, const char *zone, int64_t sent_ms, struct wire_enc **out)
{
    struct wire_enc *e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->kind = kind;
    e->root = json_pack("{s:i, s:s, s:s, s:I}", "v", WIRE_VERSION, "kind", wire_kind_name(kind),
                        "zone", zone, "sent", (json_int_t)sent_ms);
    if (e->root && kind != WIRE_HEARTBEAT) {
        e->items = json_array();
        if (json_object_set_new(e->root, "items", e->items))
            e->items = NULL;
    }
    if (!e->root || (kind != WIRE_HEARTBEAT && !e->items)) {
        wire_enc_free(&e);
        return -ENOMEM;
    }
    *out = e;
    return 0;
}

static int add(struct wire_enc *e, json_t *o)
{
    if (!o)
        return -ENOMEM;
    if (json_array_size(e->items) >= WIRE_ITEMS_MAX) {
        json_decref(o);
        return -E2BIG;
    }
    return json_array_append_new(e->items, o) ? -ENOMEM : 0;
}

/* Strings from the index are checked UTF-8 (inventory, probes); anything
 * else would make jansson refuse, and the record is not sent broken. */
static const char *s_or_empty(const char *s)
{
    return s ? s : "";
}

int wire_enc_event(struct wire_enc *e, const struct store_event *ev)
{
    if (e->kind != WIRE_EVENTS)
        return -EINVAL;
    return add(e, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "key", (json_int_t)ev->key,
                            "t", (json_int_t)ev->time_ms, "cam", ev->camera_id, "unit", ev->unit_id,
                            "from", store_state_name(ev->from), "to", store_state_name(ev->to),
                            "reason", s_or_empty(ev->reason), "detail", s_or_empty(ev->detail)));
}

int wire_enc_health(struct wire_enc *e, const char *camera_id, int64_t time_ms,
                    const struct store_health *h)
{
    if (e->kind != WIRE_HEALTH)
        return -EINVAL;
    const struct store_media *m = &h->media;
    json_t *media =
        json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:I, s:I}", "codec", s_or_empty(m->codec),
                  "profile", s_or_empty(m->profile), "audio", s_or_empty(m->audio), "server",
                  s_or_empty(m->server), "w", m->width, "h", m->height, "fps",
                  (json_int_t)m->fps_milli, "kbps", (json_int_t)m->bitrate_kbps);
    if (!media)
        return -ENOMEM;
    return add(e, json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:i, s:I, s:b, s:o}",
                            "cam", camera_id, "t", (json_int_t)time_ms, "state",
                            store_state_name(h->state), "reason", s_or_empty(h->reason), "detail",
                            s_or_empty(h->detail), "lp", (json_int_t)h->last_probe, "ls",
                            (json_int_t)h->last_success, "cf", (json_int_t)h->consec_fail, "co",
                            (json_int_t)h->consec_ok, "rs", (int)h->rtsp_status, "lat",
                            (json_int_t)h->latency_us, "fl", h->flapping, "m", media));
}

int wire_enc_camera(struct wire_enc *e, const struct store_camera *cam, const char *url,
                    const char *unit_name)
{
    if (e->kind != WIRE_CAMERAS)
        return -EINVAL;
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i}", "cam", cam->id, "name",
                  s_or_empty(cam->name), "unit", cam->unit_id, "unit_name", s_or_empty(unit_name),
                  "url", url, "address", s_or_empty(cam->address), "tags", s_or_empty(cam->tags),
                  "w", cam->width, "h", cam->height, "fps", cam->fps);
    if (o && cam->has_location &&
        (json_object_set_new(o, "lat", json_real(cam->lat)) ||
         json_object_set_new(o, "lon", json_real(cam->lon)))) {
        json_decref(o);
        return -ENOMEM;
    }
    return add(e, o);
}

int wire_enc_heartbeat(struct wire_enc *e, const struct wire_heartbeat *hb)
{
    if (e->kind != WIRE_HEARTBEAT)
        return -EINVAL;
    json_t *o = json_pack("{s:I, s:I, s:I}", "last_key", (json_int_t)hb->last_key, "cameras",
                          (json_int_t)hb->cameras, "started", (json_int_t)hb->started_ms);
    return !o || json_object_set_new(e->root, "hb", o) ? -ENOMEM : 0;
}

size_t wire_enc_count(const struct wire_enc *e)
{
    return e->items ? json_array_size(e->items) : 0;
}

char *wire_enc_finish(struct wire_enc **e, size_t *len)
{
    char *text = *e ? json_dumps((*e)->root, JSON_COMPACT) : NULL;
    *len = text ? strlen(text) : 0;
    wire_enc_free(e);
    return text;
}

void wire_enc_free(struct wire_enc **e)
{
    if (!*e)
        return;
    json_decref((*e)->root);
    free(*e);
    *e = NULL;
}

int wire_subject(char *buf, size_t len, const char *zone, enum wire_kind kind)
{
    int n = snprintf(buf, len, "camdex.%s.%s", zone, wire_kind_name(kind));
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int wire_stream_name(char *buf, size_t len, const char *zone)
{
    int n = snprintf(buf, len, "CAMDEX_%s", zone);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int wire_enc_walk(struct wire_enc *e, int64_t walk, bool end, uint32_t total)
{
    if (e->kind != WIRE_CAMERAS)
        return -EINVAL;
    int rc = json_object_set_new(e->root, "walk", json_integer((json_int_t)walk));
    if (!rc && end)
        rc = json_object_set_new(e->root, "end", json_true());
    if (!rc && end)
        rc = json_object_set_new(e->root, "total", json_integer((json_int_t)total));
    return rc ? -ENOMEM : 0;
}

static json_t *diag_json(const struct store_diagnosis *g)
{
    json_t *f = json_array();
    for (uint8_t i = 0; f && i < g->n && i < STORE_FINDINGS_MAX; i++)
        json_array_append_new(f, json_pack("{s:s, s:f, s:f}", "reason", s_or_empty(g->f[i].reason),
                                           "value", (double)g->f[i].value, "limit",
                                           (double)g->f[i].limit));
    return f ? json_pack("{s:I, s:b, s:o}", "t", (json_int_t)g->time_ms, "judged", g->judged, "f",
                         f)
             : NULL;
}

int wire_enc_picture(struct wire_enc *e, const char *camera_id, const struct store_diagnosis *diag,
                     const struct store_clock *clock, const struct store_osd *osd)
{
    if (e->kind != WIRE_PICTURE)
        return -EINVAL;
    json_t *o = json_pack("{s:s}", "cam", camera_id);
    if (o && diag)
        json_object_set_new(o, "diag", diag_json(diag));
    if (o && clock)
        json_object_set_new(o, "clock",
                            json_pack("{s:b, s:I, s:I, s:s, s:I}", "m", clock->measured, "off",
                                      (json_int_t)clock->offset_ms, "t",
                                      (json_int_t)clock->checked_at, "src", clock->source, "tol",
                                      (json_int_t)clock->tolerance_ms));
    if (o && osd)
        json_object_set_new(o, "osd",
                            json_pack("{s:I, s:i, s:i, s:I, s:f, s:I, s:s, s:s}", "t",
                                      (json_int_t)osd->checked_at, "tc", osd->time_check, "lc",
                                      osd->label_check, "off", (json_int_t)osd->offset_s, "sim",
                                      (double)osd->similarity, "tol",
                                      (json_int_t)osd->tolerance_s, "read",
                                      s_or_empty(osd->time_read), "text", s_or_empty(osd->text)));
    /* A part jansson refused (text that is not UTF-8) leaves the record
     * short of it; a record without the part it was sent for is not sent. */
    if (o && ((diag && !json_object_get(o, "diag")) || (clock && !json_object_get(o, "clock")) ||
              (osd && !json_object_get(o, "osd")))) {
        json_decref(o);
        return -EINVAL;
    }
    return add(e, o);
}
