/* One row of the online-rate report: a unit's (or "ALL") day with its
 * time-weighted rates and hours per state. */
#ifndef CAMDEX_VIEWS_REPORT_VIEW_H
#define CAMDEX_VIEWS_REPORT_VIEW_H

#include <jansson.h>

#include "store.h"

/* `now_rate` is the unit's online rate now (NaN: not shown, null). */
json_t *view_report_day(const struct store_daily *d, const char *unit, const char *name,
                        double now_rate);

#endif
