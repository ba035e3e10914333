/* JSON shapes of the HTTP API. A camera row is the very row `camdex list`
 * prints (cli_camera_row), and a camera's detail adds what `camdex show`
 * adds, so scripts can move between the CLI and the API. */
#include <math.h>
#include <string.h>

#include "api_internal.h"
#include "cli_internal.h"
#include "gbid.h"
#include "timefmt.h"

static json_t *rate_or_null(double r)
{
    return isnan(r) ? json_null() : json_real(r);
}

json_t *api_unit_obj(const struct store_unit *u)
{
    json_t *counts = json_object();
    for (int s = 0; s < STORE_STATE_COUNT; s++)
        json_object_set_new(counts, store_state_name(s), json_integer(u->count[s]));
    json_t *o =
        json_pack("{s:s, s:s, s:i}", "id", u->id, "name", u->name, "cameras", (int)u->cameras);
    if (!o)
        return NULL;
    json_object_set_new(o, "states", counts);
    json_object_set_new(o, "online_rate", rate_or_null(store_unit_online_rate(u)));
    return o;
}

json_t *api_event_obj(struct api_env *env, const struct store_event *ev)
{
    char t[40];
    timefmt_rfc3339(ev->time_ms, env->tz_offset, t, sizeof(t));
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "time", t, "key",
                     (json_int_t)ev->key, "camera", ev->camera_id, "unit", ev->unit_id, "from",
                     store_state_name(ev->from), "to", store_state_name(ev->to), "reason",
                     ev->reason, "detail", ev->detail);
}

json_t *api_camera_row(struct api_env *env, const struct store_camera *cam,
                       const struct store_health *h, const char *unit_name)
{
    struct cli c = {.tz_offset = env->tz_offset};
    return cli_camera_row(&c, cam, h, unit_name);
}

json_t *api_camera_detail(struct api_env *env, const struct store_camera *cam,
                          const struct store_health *h, const char *unit_name)
{
    json_t *o = api_camera_row(env, cam, h, unit_name);
    if (!o)
        return NULL;
    char t[40];
    timefmt_rfc3339(h->last_success, env->tz_offset, t, sizeof(t));
    json_object_set_new(o, "last_success", json_string(t));
    json_object_set_new(o, "consecutive_failures", json_integer(h->consec_fail));
    json_object_set_new(o, "flapping", json_boolean(h->flapping));
    if (h->rtsp_status)
        json_object_set_new(o, "rtsp_status", json_integer(h->rtsp_status));
    if (h->latency_us)
        json_object_set_new(o, "latency_ms", json_real(h->latency_us / 1000.0));
    json_object_set_new(o, "address", json_string(cam->address));
    json_object_set_new(o, "tags", json_string(cam->tags));
    if (cam->has_location)
        json_object_set_new(o, "location",
                            json_pack("{s:f, s:f}", "lat", cam->lat, "lon", cam->lon));
    if (cam->width)
        json_object_set_new(o, "expected",
                            json_pack("{s:i, s:i, s:i}", "width", cam->width, "height", cam->height,
                                      "fps", cam->fps));
    const struct store_media *m = &h->media;
    if (m->codec[0] || m->width)
        json_object_set_new(o, "video",
                            json_pack("{s:s, s:s, s:i, s:i, s:f, s:i}", "codec", m->codec,
                                      "profile", m->profile, "width", m->width, "height", m->height,
                                      "fps", m->fps_milli / 1000.0, "bitrate_kbps",
                                      (int)m->bitrate_kbps));
    if (m->audio[0])
        json_object_set_new(o, "audio", json_pack("{s:s}", "codec", m->audio));
    if (m->server[0])
        json_object_set_new(o, "server", json_string(m->server));
    struct gbid g;
    if (gbid_parse(cam->id, &g) == 0) {
        char desc[256];
        gbid_describe(&g, desc, sizeof(desc));
        json_object_set_new(o, "gb28181",
                            json_pack("{s:s, s:i, s:s, s:i, s:s, s:s}", "region", g.region, "type",
                                      g.type, "type_name", gbid_type_name(g.type), "network",
                                      g.network, "network_name", gbid_network_name(g.network),
                                      "description", desc));
    }
    return o;
}
