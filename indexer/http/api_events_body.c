/* HTTP API: the outage log as JSON, written as it is read (api_body.c).
 * A page (limit=1..1000) is one piece; limit=all writes every event of
 * the range in pieces of about API_BODY_CHUNK bytes, each read in a read
 * transaction of its own that resumes after the key of the last event
 * sent. Event keys only grow, so a walk sees each event once, oldest
 * first (the index's key order), even while new ones are committed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/api_internal.h"
#include "views/event_view.h"
#include "views/view_lang.h"

struct ev_body {
    struct api_body *b;
    h2o_req_t *req;
    struct api_env *env;
    enum msg_lang lang;
    char camera[STORE_ID_MAX + 1], unit[STORE_ID_MAX + 1];
    int64_t from, to;
    uint64_t after; /* the key of the last event sent; 0: none yet */
    size_t limit, n;
    bool opened, paused, more;
};

static int dump_cb(const char *p, size_t n, void *b)
{
    return api_body_put(b, p, n) ? -1 : 0;
}

static int event_cb(const struct store_event *ev, void *ctx)
{
    struct ev_body *e = ctx;
    if (ev->key <= e->after)
        return 0;
    if (e->n == e->limit) {
        e->more = true;
        return 1;
    }
    if (e->limit == SIZE_MAX && api_body_full(e->b)) {
        e->paused = true; /* the client takes this piece first */
        return 1;
    }
    json_t *row = view_event(e->env->tz_offset, ev);
    int rc = !row || view_add_texts(row, e->lang)                   ? -ENOMEM
             : e->n && api_body_put(e->b, ",", 1)                   ? -ENOMEM
             : json_dump_callback(row, dump_cb, e->b, JSON_COMPACT) ? -ENOMEM
                                                                    : 0;
    json_decref(row);
    if (rc)
        return rc;
    e->after = ev->key;
    e->n++;
    return 0;
}

static int finish(struct ev_body *e)
{
    const char *next = NULL;
    if (e->more) {
        unsigned char k[8];
        for (int i = 0; i < 8; i++)
            k[i] = (unsigned char)(e->after >> (56 - 8 * i));
        struct api_req a = {.req = e->req};
        next = api_cursor_encode(&a, k, 8);
    }
    return api_body_list_end(e->b, e->n, next);
}

static int fill(struct api_body *b, void *ctx)
{
    struct ev_body *e = ctx;
    int rc = 0;
    if (!e->opened) {
        e->opened = true;
        rc = api_body_puts(b, "{\"events\":[");
    }
    struct store_read *r;
    if (!rc)
        rc = store_read_begin(e->env->store, &r);
    if (rc)
        return rc;
    e->paused = false;
    /* Keys carry their time: start where the last piece ended. */
    int64_t from =
        e->after && (int64_t)(e->after >> 12) > e->from ? (int64_t)(e->after >> 12) : e->from;
    if (from < e->to)
        rc = store_events_scan(r, e->camera[0] ? e->camera : NULL, e->unit[0] ? e->unit : NULL,
                               from, e->to, event_cb, e);
    store_read_end(&r);
    if (rc < 0)
        return rc;
    return e->paused ? 0 : finish(e);
}

int api_events_body(struct api_req *a, const char *camera, const char *unit, int64_t from,
                    int64_t to, uint64_t after, size_t limit)
{
    struct api_body *b;
    struct ev_body *e = api_body_new(a, sizeof(*e), fill, &b);
    if (!e)
        return api_error(a, 500, "internal", "out of memory");
    *e = (struct ev_body){.b = b,
                          .req = a->req,
                          .env = a->env,
                          .lang = a->lang,
                          .from = from,
                          .to = to,
                          .after = after,
                          .limit = limit};
    snprintf(e->camera, sizeof(e->camera), "%s", camera ? camera : "");
    snprintf(e->unit, sizeof(e->unit), "%s", unit ? unit : "");
    return api_body_start(a, b, "application/json", "events");
}
