/* The state-change JSON shape; see event_view.h. */
#include "base/timefmt.h"
#include "views/event_view.h"
#include "views/view_text.h"

json_t *view_event(int32_t tz_offset, const struct store_event *ev)
{
    char t[40];
    timefmt_rfc3339(ev->time_ms, tz_offset, t, sizeof(t));
    /* view_text: one event an older version stored with a camera's invalid
     * bytes must not end a page, a stream or a webhook. */
    return json_pack("{s:s, s:I, s:o, s:o, s:s, s:s, s:o, s:o}", "time", t, "key",
                     (json_int_t)ev->key, "camera", view_text(ev->camera_id), "unit",
                     view_text(ev->unit_id), "from", store_state_name(ev->from), "to",
                     store_state_name(ev->to), "reason", view_text(ev->reason), "detail",
                     view_text(ev->detail));
}
