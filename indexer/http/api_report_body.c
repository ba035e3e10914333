/* HTTP API: /reports/online-rate as rows of JSON, written as they are read
 * (api_body.c): unit by unit in the index's key order (unit id), each
 * unit's days in order, then one line ALL a day summing every unit. A
 * piece ends after the unit that filled it, so a piece holds at most one
 * unit's days beyond API_BODY_CHUNK (3,661 at the widest range); the next
 * piece reads in a read transaction of its own from the unit after. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/timefmt.h"
#include "http/api_internal.h"
#include "views/report_view.h"

struct rep_body {
    struct api_body *b;
    struct api_env *env;
    struct store_read *r;
    char unit[STORE_ID_MAX + 1]; /* unit=; "" for every unit */
    char last[STORE_ID_MAX + 1]; /* the last unit sent; "" before the first */
    const struct store_unit *u;
    int32_t from, to;
    size_t n;
    bool opened, paused;
    /* Per day of the range, without unit=: each state's ms, then the
     * picture-fault ms (at ALL_PICTURE) that the intact rate leaves out. */
    uint64_t all[][STORE_STATE_COUNT + 1];
};

#define ALL_PICTURE STORE_STATE_COUNT

static int dump_cb(const char *p, size_t n, void *b)
{
    return api_body_put(b, p, n) ? -1 : 0;
}

static int put_row(struct rep_body *c, json_t *row)
{
    int rc = !row ? -ENOMEM : c->n && api_body_put(c->b, ",", 1) ? -ENOMEM : 0;
    if (!rc && json_dump_callback(row, dump_cb, c->b, JSON_COMPACT))
        rc = -ENOMEM;
    json_decref(row);
    c->n += !rc;
    return rc;
}

static int daily_cb(const struct store_daily *d, void *ctx)
{
    struct rep_body *c = ctx;
    if (!c->unit[0])
        for (int i = 0; i < STORE_STATE_COUNT; i++)
            c->all[d->day - c->from][i] += d->ms[i];
    if (!c->unit[0])
        c->all[d->day - c->from][ALL_PICTURE] += d->picture_ms;
    return put_row(c, view_report_day(d, c->u->id, c->u->name, store_unit_online_rate(c->u)));
}

static int unit_cb(const struct store_unit *u, void *ctx)
{
    struct rep_body *c = ctx;
    if (c->last[0] && strcmp(u->id, c->last) <= 0)
        return 0; /* sent in an earlier piece */
    if (api_body_full(c->b)) {
        c->paused = true;
        return 1;
    }
    c->u = u;
    int rc = store_daily_scan(c->r, true, u->id, c->from, c->to, daily_cb, c);
    snprintf(c->last, sizeof(c->last), "%s", u->id);
    return rc;
}

static int finish(struct rep_body *c)
{
    for (int32_t d = c->from; !c->unit[0] && d <= c->to; d++) {
        struct store_daily sum = {.day = d};
        memcpy(sum.ms, c->all[d - c->from], sizeof(sum.ms));
        sum.picture_ms = c->all[d - c->from][ALL_PICTURE];
        uint64_t any = 0;
        for (int i = 0; i < STORE_STATE_COUNT; i++)
            any += sum.ms[i];
        int rc = any ? put_row(c, view_report_day(&sum, "ALL", "", NAN)) : 0;
        if (rc)
            return rc;
    }
    char tail[48];
    snprintf(tail, sizeof(tail), "],\"count\":%zu}\n", c->n);
    int rc = api_body_puts(c->b, tail);
    return rc ? rc : 1;
}

static int fill(struct api_body *b, void *ctx)
{
    struct rep_body *c = ctx;
    int rc = 0;
    if (!c->opened) {
        char from[16], to[16], head[96];
        timefmt_day(c->from, from, sizeof(from));
        timefmt_day(c->to, to, sizeof(to));
        snprintf(head, sizeof(head), "{\"from\":\"%s\",\"to\":\"%s\",\"rows\":[", from, to);
        c->opened = true;
        rc = api_body_puts(b, head);
    }
    if (!rc)
        rc = store_read_begin(c->env->store, &c->r);
    if (rc)
        return rc;
    c->paused = false;
    struct store_unit u;
    if (c->unit[0]) {
        rc = store_unit_get(c->r, c->unit, &u);
        if (!rc)
            rc = unit_cb(&u, c);
    } else {
        rc = store_units_scan(c->r, unit_cb, c);
    }
    store_read_end(&c->r);
    if (rc < 0)
        return rc;
    return c->paused ? 0 : finish(c);
}

int api_report_rows_body(struct api_req *a, const char *unit, int32_t from, int32_t to)
{
    struct api_body *b;
    size_t days = (size_t)(to - from + 1);
    struct rep_body *c =
        api_body_new(a, sizeof(*c) + (unit ? 0 : days * sizeof(c->all[0])), fill, &b);
    if (!c)
        return api_error(a, 500, "internal", "out of memory");
    c->b = b;
    c->env = a->env;
    c->from = from;
    c->to = to;
    snprintf(c->unit, sizeof(c->unit), "%s", unit ? unit : "");
    return api_body_start(a, b, "application/json", "daily rollups");
}
