/* GET /api/v1/reports/outages?unit=&from=&to=: new outages per day and
 * reason, counted from the outage log, for the dashboard's "outages by
 * reason" chart. A new outage is a transition into offline or degraded
 * from a state that was neither (online, unknown, maintenance): a camera
 * going from degraded to offline is still the same outage. Days are the
 * index's own, as the daily rollups are. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/timefmt.h"
#include "http/api_internal.h"

/* Scanning the log costs its length: a year of days is what a chart shows. */
#define OUTAGES_MAX_DAYS     366
#define OUTAGES_DEFAULT_DAYS 30
#define OUTAGES_MAX_REASONS  64 /* distinct codes counted; the rest go to "other" */

struct outage_ctx {
    struct store *store;
    int32_t from, to;
    size_t nreasons;
    char reasons[OUTAGES_MAX_REASONS][STORE_REASON_MAX + 1];
    uint32_t *counts; /* [day - from][reason] */
};

static bool is_outage(uint8_t s)
{
    return s == STORE_OFFLINE || s == STORE_DEGRADED;
}

static size_t reason_slot(struct outage_ctx *oc, const char *reason)
{
    const char *r = reason && reason[0] ? reason : "none";
    for (size_t i = 0; i < oc->nreasons; i++)
        if (strcmp(oc->reasons[i], r) == 0)
            return i;
    /* The last slot is kept for "other" once the table is full. */
    if (oc->nreasons == OUTAGES_MAX_REASONS - 1)
        r = "other";
    size_t i = oc->nreasons++;
    snprintf(oc->reasons[i], sizeof(oc->reasons[i]), "%s", r);
    return i;
}

static int outage_cb(const struct store_event *ev, void *ctx)
{
    struct outage_ctx *oc = ctx;
    if (!is_outage(ev->to) || is_outage(ev->from))
        return 0;
    int32_t day = store_day_of(oc->store, ev->time_ms);
    if (day < oc->from || day > oc->to)
        return 0;
    size_t slot =
        oc->nreasons == OUTAGES_MAX_REASONS ? OUTAGES_MAX_REASONS - 1 : reason_slot(oc, ev->reason);
    oc->counts[(size_t)(day - oc->from) * OUTAGES_MAX_REASONS + slot]++;
    return 0;
}

/* 0, or 1 after the 400 naming the parameter. */
static int day_param(struct api_req *a, const char *name, int32_t *day)
{
    const char *v = api_param(a, name);
    if (!v || timefmt_parse_day(v, day) == 0)
        return 0;
    return api_error(a, 400, "bad_parameter",
                     "%s: \"%.40s\" is not a day (use YYYY-MM-DD, e.g. 2026-11-27)", name, v),
           1;
}

static json_t *days_json(const struct outage_ctx *oc)
{
    json_t *days = json_array();
    for (int32_t d = oc->from; days && d <= oc->to; d++) {
        char day[16];
        timefmt_day(d, day, sizeof(day));
        json_t *by = json_object();
        json_int_t total = 0;
        const uint32_t *row = oc->counts + (size_t)(d - oc->from) * OUTAGES_MAX_REASONS;
        for (size_t i = 0; by && i < oc->nreasons; i++)
            if (row[i]) {
                json_object_set_new(by, oc->reasons[i], json_integer(row[i]));
                total += row[i];
            }
        if (!by || json_array_append_new(days, json_pack("{s:s, s:o, s:I}", "day", day, "outages",
                                                         by, "total", total)))
            return NULL;
    }
    return days;
}

int api_report_outages(struct api_req *a)
{
    static const char *const known[] = {"unit", "from", "to", NULL};
    if (api_check_params(a, known))
        return 0;
    const char *unit;
    if (api_unit_param(a, &unit))
        return 0;
    struct outage_ctx *oc = h2o_mem_alloc_pool(&a->req->pool, sizeof(*oc));
    memset(oc, 0, sizeof(*oc));
    oc->store = a->env->store;
    oc->to = store_day_of(oc->store, timefmt_now_ms());
    oc->from = oc->to - (OUTAGES_DEFAULT_DAYS - 1);
    if (day_param(a, "from", &oc->from) || day_param(a, "to", &oc->to))
        return 0;
    if (oc->from > oc->to)
        return api_error(a, 400, "bad_parameter", "from: after to (the range must run forwards)");
    if (oc->to - oc->from >= OUTAGES_MAX_DAYS)
        return api_error(a, 400, "bad_parameter", "from/to: the range spans more than %d days",
                         OUTAGES_MAX_DAYS);
    size_t n = (size_t)(oc->to - oc->from + 1) * OUTAGES_MAX_REASONS * sizeof(*oc->counts);
    oc->counts = h2o_mem_alloc_pool(&a->req->pool, n);
    memset(oc->counts, 0, n);
    struct store_read *r;
    int err = store_read_begin(oc->store, &r);
    if (err)
        return api_store_error(a, err, "index");
    struct store_unit u;
    if (unit && (err = store_unit_get(r, unit, &u)) == -ENOENT) {
        store_read_end(&r);
        return api_error(a, 404, "not_found", "no unit \"%s\" (GET /api/v1/units lists them)",
                         unit);
    }
    if (!err)
        err = store_events_scan(r, NULL, unit, store_day_start(oc->store, oc->from),
                                store_day_start(oc->store, oc->to + 1), outage_cb, oc);
    store_read_end(&r);
    if (err)
        return api_store_error(a, err, "events");
    json_t *days = days_json(oc);
    char from[16], to[16];
    timefmt_day(oc->from, from, sizeof(from));
    timefmt_day(oc->to, to, sizeof(to));
    return api_json(
        a, 200, days ? json_pack("{s:s, s:s, s:o}", "from", from, "to", to, "days", days) : NULL);
}
