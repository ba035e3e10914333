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
