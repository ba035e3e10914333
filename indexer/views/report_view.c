/* The online-rate report's row shape; see report_view.h. */
#include <math.h>

#include "base/timefmt.h"
#include "views/report_view.h"
#include "views/view_text.h"

static json_t *rate_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

json_t *view_report_day(const struct store_daily *d, const char *unit, const char *name,
                        double now_rate)
{
    char day[16];
    timefmt_day(d->day, day, sizeof(day));
    uint64_t mon = d->ms[STORE_ONLINE] + d->ms[STORE_DEGRADED] + d->ms[STORE_OFFLINE];
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:f, s:f, s:f, s:f, s:f, s:o}", "day", day, "unit",
                     view_text(unit), "name", view_text(name), "online_rate", rate_or_null(store_daily_online_rate(d)),
                     "intact_rate", rate_or_null(store_daily_intact_rate(d)), "monitored_hours",
                     mon / 3600000.0, "online_hours", d->ms[STORE_ONLINE] / 3600000.0,
                     "degraded_hours", d->ms[STORE_DEGRADED] / 3600000.0,
                     "picture_fault_hours", d->picture_ms / 3600000.0, "offline_hours",
                     d->ms[STORE_OFFLINE] / 3600000.0, "snapshot_rate", rate_or_null(now_rate));
}
