/* Camera and unit JSON shapes; see camera_view.h. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/gbid.h"
#include "base/timefmt.h"
#include "url.h"
#include "views/camera_view.h"
#include "views/view_text.h"

static json_t *rate_or_null(double r)
{
    return isnan(r) ? json_null() : json_real(r);
}

void view_redact_url(const char *url, char *buf, size_t len)
{
    if (probe_url_redact(url, buf, len) < 0)
        snprintf(buf, len, "%s", "(unparsable URL hidden)");
}

json_t *view_camera_row(int32_t tz_offset, const struct store_camera *cam,
                        const struct store_health *h, const char *unit_name)
{
    char since[40], probed[40], url[2100];
    timefmt_rfc3339(h->since, tz_offset, since, sizeof(since));
    timefmt_rfc3339(h->last_probe, tz_offset, probed, sizeof(probed));
    view_redact_url(cam->url, url, sizeof(url));
    /* Stored text goes through view_text, which survives a record an older
     * version wrote with a camera's invalid bytes; our own strings skip
     * jansson's check, which was a third of `camdex list`'s time. */
    const char *keys[] = {"id", "name", "unit", "unit_name", "state", "reason", "detail",
                          "since", "last_probe", "url"};
    const char *vals[] = {cam->id, cam->name, cam->unit_id, unit_name ? unit_name : "",
                          store_state_name(h->state), h->reason, h->detail, since, probed, url};
    json_t *o = json_object();
    for (size_t i = 0; o && i < sizeof(keys) / sizeof(keys[0]); i++) {
        bool ours = vals[i] == since || vals[i] == probed;
        json_t *v = ours ? json_string_nocheck(vals[i]) : view_text(vals[i]);
        if (json_object_set_new_nocheck(o, keys[i], v)) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static void add_stream(json_t *o, const struct store_camera *cam, const struct store_health *h)
{
    if (cam->width)
        json_object_set_new(o, "expected",
                            json_pack("{s:i, s:i, s:i}", "width", cam->width, "height", cam->height,
                                      "fps", cam->fps));
    const struct store_media *m = &h->media;
    if (m->codec[0] || m->width)
        json_object_set_new(o, "video",
                            json_pack("{s:o, s:o, s:i, s:i, s:f, s:i}", "codec",
                                      view_text(m->codec), "profile", view_text(m->profile),
                                      "width", m->width, "height", m->height,
                                      "fps", m->fps_milli / 1000.0, "bitrate_kbps",
                                      (int)m->bitrate_kbps));
    if (m->audio[0])
        json_object_set_new(o, "audio", json_pack("{s:o}", "codec", view_text(m->audio)));
    if (m->server[0])
        json_object_set_new(o, "server", view_text(m->server));
}

static void add_gbid(json_t *o, const char *id)
{
    struct gbid g;
    if (gbid_parse(id, &g))
        return;
    char desc[256];
    gbid_describe(&g, desc, sizeof(desc));
    json_object_set_new(o, "gb28181",
                        json_pack("{s:s, s:i, s:s, s:i, s:s, s:s}", "region", g.region, "type",
                                  g.type, "type_name", gbid_type_name(g.type), "network",
                                  g.network, "network_name", gbid_network_name(g.network),
                                  "description", desc));
}

json_t *view_camera_detail(int32_t tz_offset, const struct store_camera *cam,
                           const struct store_health *h, const char *unit_name)
{
    json_t *o = view_camera_row(tz_offset, cam, h, unit_name);
    if (!o)
        return NULL;
    char t[40];
    timefmt_rfc3339(h->last_success, tz_offset, t, sizeof(t));
    json_object_set_new(o, "last_success", json_string(t));
    json_object_set_new(o, "consecutive_failures", json_integer(h->consec_fail));
    json_object_set_new(o, "flapping", json_boolean(h->flapping));
    if (h->rtsp_status)
        json_object_set_new(o, "rtsp_status", json_integer(h->rtsp_status));
    if (h->latency_us)
        json_object_set_new(o, "latency_ms", json_real(h->latency_us / 1000.0));
    json_object_set_new(o, "address", view_text(cam->address));
    json_object_set_new(o, "tags", view_text(cam->tags));
    if (cam->has_location)
        json_object_set_new(o, "location",
                            json_pack("{s:f, s:f}", "lat", cam->lat, "lon", cam->lon));
    add_stream(o, cam, h);
    add_gbid(o, cam->id);
    return o;
}

void view_camera_clock(json_t *o, int32_t tz_offset, const struct store_clock *k,
                       const char *verdict)
{
    json_t *c = json_object();
    const char *status = !k ? "never" : k->measured ? "measured" : "no_sender_report";
    json_object_set_new(c, "status", json_string(status));
    json_object_set_new(c, "offset_ms",
                        k && k->measured ? json_integer(k->offset_ms) : json_null());
    if (k) {
        char t[40];
        timefmt_rfc3339(k->checked_at, tz_offset, t, sizeof(t));
        json_object_set_new(c, "checked_at", json_string(t));
        json_object_set_new(c, "source", json_string(k->source));
        json_object_set_new(c, "tolerance_ms", json_integer(k->tolerance_ms));
    } else {
        json_object_set_new(c, "checked_at", json_null());
    }
    json_object_set_new(c, "verdict", json_string(verdict));
    json_object_set_new(o, "clock", c);
}

json_t *view_unit(const struct store_unit *u)
{
    json_t *counts = json_object();
    for (int s = 0; s < STORE_STATE_COUNT; s++)
        json_object_set_new(counts, store_state_name(s), json_integer(u->count[s]));
    json_t *o = json_pack("{s:o, s:o, s:i}", "id", view_text(u->id), "name", view_text(u->name),
                          "cameras", (int)u->cameras);
    if (!o)
        return NULL;
    json_object_set_new(o, "states", counts);
    json_object_set_new(o, "online_rate", rate_or_null(store_unit_online_rate(u)));
    return o;
}
