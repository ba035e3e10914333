/* HTTP API: reports. /reports/online-rate gives, per unit and day, the
 * figures `camdex report online-rate` prints (indexer/cli/cmd_report.c): the
 * time-weighted online and intact rates from the daily rollups, monitored
 * hours, and the unit's snapshot rate now. Rows as JSON are written as
 * read by api_report_body.c; the series and workbooks are made here. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/timefmt.h"
#include "http/api_internal.h"
#include "views/out_col.h"
#include "views/report_view.h"

/* A wider range would be years of empty days; the CLI takes the same. */
#define REPORT_MAX_DAYS     3660
#define REPORT_DEFAULT_DAYS 7
/* shape=series holds every day of every unit: a year at most. */
#define REPORT_MAX_SERIES_DAYS 366

struct day_sum {
    uint64_t ms[STORE_STATE_COUNT];
    uint64_t picture_ms;
};

struct rate_ctx {
    struct store_read *r;
    int32_t from, to;
    json_t *rows;
    json_t *series;          /* shape=series: {unit: {online: [...], intact: [...]}}; else NULL */
    json_t *online, *intact; /* the current unit's series */
    struct day_sum *all;     /* indexed by day - from; NULL with unit= */
    const struct store_unit *u;
};

static json_t *rate_json(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

/* A unit's days as two arrays of rates, one item per day of the range
 * (null: nothing monitored that day). */
static int series_new(struct rate_ctx *rc, const char *id)
{
    rc->online = json_array();
    rc->intact = json_array();
    for (int32_t d = rc->from; d <= rc->to; d++)
        if (json_array_append_new(rc->online, json_null()) ||
            json_array_append_new(rc->intact, json_null()))
            return -ENOMEM;
    json_t *o = json_pack("{s:o, s:o}", "online", rc->online, "intact", rc->intact);
    return o && !json_object_set_new(rc->series, id, o) ? 0 : -ENOMEM;
}

static int daily_cb(const struct store_daily *d, void *ctx)
{
    struct rate_ctx *rc = ctx;
    if (rc->series) {
        size_t i = (size_t)(d->day - rc->from);
        if (json_array_set_new(rc->online, i, rate_json(store_daily_online_rate(d))) ||
            json_array_set_new(rc->intact, i, rate_json(store_daily_intact_rate(d))))
            return -ENOMEM;
    } else {
        json_t *row = view_report_day(d, rc->u->id, rc->u->name, store_unit_online_rate(rc->u));
        if (!row || json_array_append_new(rc->rows, row))
            return -ENOMEM;
    }
    if (rc->all)
        for (int i = 0; i < STORE_STATE_COUNT; i++)
            rc->all[d->day - rc->from].ms[i] += d->ms[i];
    if (rc->all)
        rc->all[d->day - rc->from].picture_ms += d->picture_ms;
    return 0;
}

static int unit_cb(const struct store_unit *u, void *ctx)
{
    struct rate_ctx *rc = ctx;
    rc->u = u;
    int err = rc->series ? series_new(rc, u->id) : 0;
    if (err)
        return err;
    return store_daily_scan(rc->r, true, u->id, rc->from, rc->to, daily_cb, rc);
}

/* The rows as `camdex report online-rate --format xlsx` writes them. */
static int send_report_xlsx(struct api_req *a, const char *from, const char *to, json_t *rows)
{
    static const struct out_col cols[] = {
        {"day", "col.day", OUT_DATE, 0},
        {"unit", "col.unit", OUT_TEXT, 0},
        {"name", "col.name", OUT_TEXT, 0},
        {"online_rate", "col.online_rate", OUT_PERCENT, 0},
        {"intact_rate", "col.intact_rate", OUT_PERCENT, 0},
        {"monitored_hours", "col.monitored_hours", OUT_INT, 0},
        {"offline_hours", "col.offline_hours", OUT_INT, 0},
        {"snapshot_rate", "col.snapshot_rate", OUT_PERCENT, 0},
    };
    char name[64];
    snprintf(name, sizeof(name), "online-rate-%s-%s.xlsx", from, to);
    return api_send_xlsx(a, name, NULL, "sheet.online_rate", cols, sizeof(cols) / sizeof(cols[0]),
                         rows);
}

/* {"from", "to", "days": [...], "series": {unit: {online, intact}}}. */
static json_t *series_reply(const struct rate_ctx *rc, const char *from, const char *to)
{
    json_t *days = json_array();
    for (int32_t d = rc->from; days && d <= rc->to; d++) {
        char day[16];
        timefmt_day(d, day, sizeof(day));
        if (json_array_append_new(days, json_string(day)))
            return NULL;
    }
    return json_pack("{s:s, s:s, s:o, s:o}", "from", from, "to", to, "days", days, "series",
                     rc->series);
}

/* 0, or 1 after the 400 naming the parameter. */
static int day_param(struct api_req *a, const char *name, int32_t *day)
{
    const char *v = api_param(a, name);
    if (!v)
        return 0;
    if (timefmt_parse_day(v, day) == 0)
        return 0;
    return api_error(a, 400, "bad_parameter",
                     "%s: \"%.40s\" is not a day (use YYYY-MM-DD, e.g. 2026-11-27)", name, v),
           1;
}

int api_report_online_rate(struct api_req *a)
{
    static const char *const known[] = {"unit", "from", "to", "format", "shape", NULL};
    enum api_format fmt;
    if (api_check_params(a, known) || api_format_param(a, false, &fmt))
        return 0;
    const char *unit = api_param(a, "unit");
    const char *shape = api_param(a, "shape");
    if (shape && strcmp(shape, "rows") != 0 && strcmp(shape, "series") != 0)
        return api_error(a, 400, "bad_parameter", "shape: \"%.40s\" is not rows or series", shape);
    if (unit && strlen(unit) > STORE_ID_MAX)
        return api_error(a, 400, "bad_parameter", "unit: longer than any unit id (%d bytes)",
                         STORE_ID_MAX);
    if (api_unit_param(a, &unit))
        return 0;
    /* Days are the index's own (its day zone), as the rollups are keyed. */
    struct rate_ctx rc = {0};
    rc.to = store_day_of(a->env->store, timefmt_now_ms());
    rc.from = rc.to - (REPORT_DEFAULT_DAYS - 1);
    if (day_param(a, "from", &rc.from) || day_param(a, "to", &rc.to))
        return 0;
    if (rc.from > rc.to)
        return api_error(a, 400, "bad_parameter", "from: after to (the range must run forwards)");
    if (rc.to - rc.from > REPORT_MAX_DAYS)
        return api_error(a, 400, "bad_parameter", "from/to: the range spans more than %d days",
                         REPORT_MAX_DAYS);
    if (shape && !strcmp(shape, "series") && rc.to - rc.from >= REPORT_MAX_SERIES_DAYS)
        return api_error(a, 400, "bad_parameter", "from/to: shape=series takes at most %d days",
                         REPORT_MAX_SERIES_DAYS);
    if (fmt == API_JSON && !(shape && !strcmp(shape, "series"))) {
        struct store_read *r;
        struct store_unit u;
        int err = unit ? store_read_begin(a->env->store, &r) : 0;
        if (unit && !err) {
            err = store_unit_get(r, unit, &u);
            store_read_end(&r);
        }
        if (err == -ENOENT)
            return api_error(a, 404, "not_found",
                             "no unit \"%s\" (GET /api/v1/units lists them)", unit);
        if (err)
            return api_store_error(a, err, "index");
        return api_report_rows_body(a, unit, rc.from, rc.to);
    }
    rc.rows = json_array();
    if (shape && !strcmp(shape, "series"))
        rc.series = json_object();
    if (!unit) {
        /* The request pool frees it with the request. */
        size_t n = (size_t)(rc.to - rc.from + 1) * sizeof(*rc.all);
        rc.all = h2o_mem_alloc_pool(&a->req->pool, n);
        memset(rc.all, 0, n);
    }
    int err = store_read_begin(a->env->store, &rc.r);
    if (err)
        return api_store_error(a, err, "index");
    struct store_unit u;
    if (unit) {
        err = store_unit_get(rc.r, unit, &u);
        if (!err)
            err = unit_cb(&u, &rc);
    } else {
        err = store_units_scan(rc.r, unit_cb, &rc);
    }
    store_read_end(&rc.r);
    if (err == -ENOENT && unit)
        return api_error(a, 404, "not_found", "no unit \"%s\" (GET /api/v1/units lists them)",
                         unit);
    if (err)
        return api_store_error(a, err, "daily rollups");
    /* Without unit=, one row ALL per day sums every unit, as the CLI does. */
    if (rc.all && rc.series && series_new(&rc, "ALL"))
        return api_error(a, 500, "internal", "out of memory building the reply");
    for (int32_t d = rc.from; rc.all && d <= rc.to; d++) {
        struct store_daily sum = {.day = d};
        memcpy(sum.ms, rc.all[d - rc.from].ms, sizeof(sum.ms));
        sum.picture_ms = rc.all[d - rc.from].picture_ms;
        uint64_t any = 0;
        for (int i = 0; i < STORE_STATE_COUNT; i++)
            any += sum.ms[i];
        if (!any)
            continue;
        size_t i = (size_t)(d - rc.from);
        if (rc.series
                ? json_array_set_new(rc.online, i, rate_json(store_daily_online_rate(&sum))) ||
                      json_array_set_new(rc.intact, i, rate_json(store_daily_intact_rate(&sum)))
                : json_array_append_new(rc.rows, view_report_day(&sum, "ALL", "", NAN)))
            return api_error(a, 500, "internal", "out of memory building the reply");
    }
    char from[16], to[16];
    timefmt_day(rc.from, from, sizeof(from));
    timefmt_day(rc.to, to, sizeof(to));
    if (rc.series)
        return api_json(a, 200, series_reply(&rc, from, to));
    return send_report_xlsx(a, from, to, rc.rows);
}
