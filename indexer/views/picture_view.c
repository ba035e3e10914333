/* Picture diagnoses and references as JSON; see picture_view.h. */
#include <math.h>

#include "base/timefmt.h"
#include "views/picture_view.h"

/* Measures are floats: two decimals more than any limit needs, and no NaN
 * (JSON has none). */
static json_t *measure(float v)
{
    return isfinite(v) ? json_real(round((double)v * 1e4) / 1e4) : json_null();
}

json_t *view_diagnosis(int32_t tz_offset, const struct store_diagnosis *d)
{
    char t[40];
    timefmt_rfc3339(d->time_ms, tz_offset, t, sizeof(t));
    json_t *f = json_array();
    for (uint8_t i = 0; i < d->n; i++)
        json_array_append_new(f,
                              json_pack("{s:s, s:o, s:o}", "reason", d->f[i].reason, "value",
                                        measure(d->f[i].value), "limit", measure(d->f[i].limit)));
    return json_pack("{s:s, s:b, s:o}", "time", t, "judged", d->judged, "findings", f);
}

json_t *view_reference(int32_t tz_offset, const struct store_reference *ref)
{
    char t[40];
    timefmt_rfc3339(ref->time_ms, tz_offset, t, sizeof(t));
    return json_pack("{s:s, s:s, s:i, s:i}", "time", t, "set_by",
                     ref->by_operator ? "operator" : "first_healthy_look", "width", ref->sig_w,
                     "height", ref->sig_h);
}

json_t *view_thumbnail(int32_t tz_offset, const char *camera_id,
                       const struct store_thumbnail *th)
{
    char t[40];
    timefmt_rfc3339(th->time_ms, tz_offset, t, sizeof(t));
    json_t *o = json_pack("{s:s, s:i, s:i, s:I}", "time", t, "width", th->width, "height",
                          th->height, "bytes", (json_int_t)th->len);
    /* The link to the picture, as every API path: the id percent-encoded
     * would only matter for ids the API refuses anyway (api_valid_id). */
    json_object_set_new(o, "url", json_sprintf("/api/v1/cameras/%s/thumbnail", camera_id));
    return o;
}

static const char *osd_check_name(uint8_t c)
{
    return c == STORE_OSD_RIGHT ? "right" : c == STORE_OSD_WRONG ? "wrong" : "unknown";
}

json_t *view_osd(int32_t tz_offset, const struct store_osd *o)
{
    char t[40];
    timefmt_rfc3339(o->checked_at, tz_offset, t, sizeof(t));
    json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:i, s:s, s:s}", "checked_at", t,
                          "time_check", osd_check_name(o->time_check), "label_check",
                          osd_check_name(o->label_check), "offset_s",
                          o->time_check != STORE_OSD_UNKNOWN ? json_integer(o->offset_s)
                                                             : json_null(),
                          "similarity", measure(o->similarity), "tolerance_s", (int)o->tolerance_s,
                          "time_read", o->time_read, "text", o->text);
    return j;
}
