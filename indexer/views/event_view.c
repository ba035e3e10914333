/* The state-change JSON shape; see event_view.h. */
#include "base/timefmt.h"
#include "views/event_view.h"

json_t *view_event(int32_t tz_offset, const struct store_event *ev)
{
    char t[40];
    timefmt_rfc3339(ev->time_ms, tz_offset, t, sizeof(t));
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "time", t, "key",
                     (json_int_t)ev->key, "camera", ev->camera_id, "unit", ev->unit_id, "from",
                     store_state_name(ev->from), "to", store_state_name(ev->to), "reason",
                     ev->reason, "detail", ev->detail);
}
