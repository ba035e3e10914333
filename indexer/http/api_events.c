/* HTTP API: the outage log, all of it, by unit, or by camera (JSON written
 * as read by api_events_body.c; workbooks here); oldest first
 * from `since`, cursor-paginated on the events' own strictly increasing
 * keys, so a walk sees each event once even while new ones arrive. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/timefmt.h"
#include "http/api_internal.h"
#include "views/event_view.h"
#include "views/out_col.h"
#include "views/view_lang.h"

struct ev_ctx {
    struct api_env *env;
    enum msg_lang lang;
    json_t *rows;
    size_t limit;
    uint64_t after; /* 0 = from the start */
    uint64_t last;
    bool more;
};

static int ev_cb(const struct store_event *ev, void *ctx)
{
    struct ev_ctx *ec = ctx;
    if (ev->key <= ec->after)
        return 0;
    if (json_array_size(ec->rows) == ec->limit) {
        ec->more = true;
        return 1;
    }
    ec->last = ev->key;
    json_t *e = view_event(ec->env->tz_offset, ev);
    if (!e || view_add_texts(e, ec->lang))
        return -ENOMEM;
    return json_array_append_new(ec->rows, e) ? -ENOMEM : 0;
}

static int time_param(struct api_req *a, const char *name, const char *dflt, int64_t *ms)
{
    const char *v = api_param(a, name);
    if (!v)
        v = dflt;
    if (!v)
        return 0;
    if (timefmt_parse_time(v, timefmt_now_ms(), a->env->tz_offset, ms))
        return api_error(a, 400, "bad_parameter",
                         "%s: \"%.60s\" is not a time (use RFC 3339 like "
                         "2026-11-27T08:00:00+08:00, a day like 2026-11-27, or a span back "
                         "from now like 24h or 7d)",
                         name, v),
               1;
    return 0;
}

static int list_events(struct api_req *a, const char *camera, const char *unit)
{
    struct ev_ctx ec = {.env = a->env, .lang = a->lang};
    int64_t from = 0, to = INT64_MAX;
    enum api_format fmt;
    if (time_param(a, "since", "7d", &from) || time_param(a, "until", NULL, &to) ||
        api_param_limit_all(a, &ec.limit) || api_format_param(a, false, &fmt))
        return 0;
    if (fmt == API_XLSX && ec.limit == SIZE_MAX)
        return api_error(a, 400, "bad_parameter",
                         "limit: a workbook takes pages of at most %d events (limit=all is for "
                         "JSON; `camdex history --format xlsx` writes every event)",
                         API_PAGE_MAX);
    const char *cursor = api_param(a, "cursor");
    if (cursor) {
        unsigned char k[8];
        size_t n;
        if (api_cursor_decode(cursor, k, sizeof(k), &n) || n != 8)
            return api_error(a, 400, "bad_parameter",
                             "cursor: not a cursor of this listing (pass next_cursor back "
                             "unchanged)");
        for (int i = 0; i < 8; i++)
            ec.after = ec.after << 8 | k[i];
        /* Keys carry their time: start the scan there, not at `since`. */
        if ((int64_t)(ec.after >> 12) > from)
            from = (int64_t)(ec.after >> 12);
    }
    struct store_read *r;
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_store_error(a, rc, "index");
    struct store_camera cam;
    struct store_unit u;
    if (camera && (rc = store_camera_get(r, camera, &cam)) == -ENOENT) {
        store_read_end(&r);
        return api_no_camera(a, camera);
    }
    if (unit && (rc = store_unit_get(r, unit, &u)) == -ENOENT) {
        store_read_end(&r);
        return api_error(a, 404, "not_found", "no unit \"%s\" (GET /api/v1/units lists them)",
                         unit);
    }
    if (!rc && fmt == API_JSON) {
        store_read_end(&r);
        return api_events_body(a, camera, unit, from, to, ec.after, ec.limit);
    }
    ec.rows = json_array();
    if (!rc && from < to)
        rc = store_events_scan(r, camera, unit, from, to, ev_cb, &ec);
    store_read_end(&r);
    if (rc < 0)
        return api_store_error(a, rc, "events");
    const char *next = NULL;
    if (ec.more) {
        unsigned char k[8];
        for (int i = 0; i < 8; i++)
            k[i] = (unsigned char)(ec.last >> (56 - 8 * i));
        next = api_cursor_encode(a, k, 8);
    }
    {
        static const struct out_col cols[] = {
            {"time", "col.time", OUT_DATETIME, 0}, {"camera", "col.camera", OUT_TEXT, 0},
            {"unit", "col.unit", OUT_TEXT, 0},     {"from", "col.from", OUT_TEXT, 0},
            {"to", "col.to", OUT_TEXT, 0},         {"reason", "col.reason", OUT_TEXT, 0},
            {"detail", "col.detail", OUT_TEXT, 0},
        };
        return api_send_xlsx(a, "events.xlsx", next, "sheet.events", cols,
                             sizeof(cols) / sizeof(cols[0]), ec.rows);
    }
}

int api_events(struct api_req *a)
{
    static const char *const known[] = {"since", "until", "unit",  "limit",
                                        "cursor", "format", NULL};
    if (api_check_params(a, known))
        return 0;
    const char *unit;
    if (api_unit_param(a, &unit))
        return 0;
    return list_events(a, NULL, unit);
}

int api_camera_events(struct api_req *a)
{
    static const char *const known[] = {"since", "until", "limit", "cursor", "format", NULL};
    if (api_check_params(a, known))
        return 0;
    const char *id;
    if (api_camera_id(a, &id))
        return 0;
    return list_events(a, id, NULL);
}
