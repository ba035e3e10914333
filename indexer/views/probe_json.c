/* The JSON shape of one probe result; see probe_json.h. */
#include "views/probe_json.h"
#include "views/view_text.h"

json_t *probe_result_json(const char *redacted_url, const struct probe_result *r)
{
    json_t *t = json_object();
    for (int i = 0; i < PROBE_PH_COUNT; i++)
        if (r->phase_us[i])
            json_object_set_new(t, probe_phase_name(i), json_real(r->phase_us[i] / 1000.0));
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:o}", "url", redacted_url, "state",
                  probe_state_name(r->state), "reason",
                  r->state == PROBE_ONLINE ? "" : probe_reason_name(r->reason), "status",
                  r->rtsp_status, "detail", view_text(r->detail), "server", view_text(r->server), "timings_ms", t);
    if (!o)
        return NULL;
    if (r->video.codec)
        json_object_set_new(o, "video",
                            json_pack("{s:s, s:s, s:i, s:i, s:i, s:f, s:i}", "codec",
                                      probe_codec_name(r->video.codec), "profile", r->video.profile,
                                      "level", r->video.level, "width", r->video.width, "height",
                                      r->video.height, "fps", r->video.fps_milli / 1000.0,
                                      "bitrate", r->video.bitrate));
    if (r->audio_codec)
        json_object_set_new(o, "audio",
                            json_pack("{s:s}", "codec", probe_codec_name(r->audio_codec)));
    return o;
}
