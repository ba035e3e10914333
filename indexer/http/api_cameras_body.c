/* HTTP API: the camera list as JSON or CSV, written as it is read
 * (api_body.c). A page (limit=1..1000) is made in one piece, so its next
 * cursor can go in a header; limit=all writes every matching camera in
 * pieces of about API_BODY_CHUNK bytes, each read in a read transaction of
 * its own that resumes after the last camera sent: a client that reads
 * slowly holds neither memory nor an old snapshot of the index (which
 * would keep LMDB from reusing pages the writer frees). Each piece is
 * consistent in itself; a camera whose state changes between pieces shows
 * the state of its piece, and none is skipped or repeated (the order is
 * the index's key order). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/csv_guard.h"
#include "http/api_internal.h"
#include "views/camera_view.h"
#include "views/view_lang.h"

struct cam_body {
    struct api_body *b;
    h2o_req_t *req;
    struct api_env *env;
    enum msg_lang lang;
    enum api_format fmt;
    struct store_filter f;
    bool by_unit, opened, paused, more;
    const char *q;
    size_t limit, n;
    struct store_read *r;
    char last_unit[STORE_ID_MAX + 1], last_id[STORE_ID_MAX + 1];
    char unit_id[STORE_ID_MAX + 1], unit_name[STORE_TEXT_MAX];
    int err;
};

static bool matches_q(const struct store_camera *cam, const char *q)
{
    return strcasestr(cam->id, q) || strcasestr(cam->name, q) ||
           (cam->address && strcasestr(cam->address, q)) || (cam->tags && strcasestr(cam->tags, q));
}

/* CSV fields are quoted only when they need it, and text a spreadsheet
 * would run as a formula gets an apostrophe, as `camdex list` does. */
static int csv_field(struct api_body *b, const char *s, bool last)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    int rc = quote ? api_body_put(b, "\"", 1) : 0;
    if (!rc && csv_guard_needed(s))
        rc = api_body_put(b, "'", 1);
    for (const char *p = s; !rc && *p;) {
        size_t n = strcspn(p, "\"");
        rc = api_body_put(b, p, n);
        p += n;
        if (!rc && *p == '"') {
            rc = api_body_put(b, "\"\"", 2);
            p++;
        }
    }
    if (!rc && quote)
        rc = api_body_put(b, "\"", 1);
    return rc ? rc : api_body_put(b, last ? "\n" : ",", 1);
}

static const char *const csv_cols[] = {"id",     "name",   "unit",  "unit_name",  "state",
                                       "reason", "detail", "since", "last_probe", "url"};
#define CSV_NCOLS (sizeof(csv_cols) / sizeof(csv_cols[0]))

static int dump_cb(const char *p, size_t n, void *b)
{
    return api_body_put(b, p, n) ? -1 : 0;
}

static int put_row(struct cam_body *c, json_t *row)
{
    if (c->fmt == API_JSON) {
        int rc = c->n ? api_body_put(c->b, ",", 1) : 0;
        return rc ? rc : json_dump_callback(row, dump_cb, c->b, JSON_COMPACT) ? -ENOMEM : 0;
    }
    for (size_t i = 0; i < CSV_NCOLS; i++) {
        const char *v = json_string_value(json_object_get(row, csv_cols[i]));
        int rc = csv_field(c->b, v ? v : "", i + 1 == CSV_NCOLS);
        if (rc)
            return rc;
    }
    return 0;
}

static int row_cb(const struct store_camera *cam, const struct store_health *h, void *ctx)
{
    struct cam_body *c = ctx;
    if (c->q && !matches_q(cam, c->q))
        return 0;
    if (c->n == c->limit) {
        c->more = true;
        return 1;
    }
    if (c->limit == SIZE_MAX && api_body_full(c->b)) {
        c->paused = true; /* the client takes this piece first */
        return 1;
    }
    /* The scan goes unit by unit: look each unit's name up once. */
    if (strcmp(c->unit_id, cam->unit_id)) {
        struct store_unit u;
        snprintf(c->unit_id, sizeof(c->unit_id), "%s", cam->unit_id);
        snprintf(c->unit_name, sizeof(c->unit_name), "%s",
                 store_unit_get(c->r, cam->unit_id, &u) == 0 ? u.name : "");
    }
    json_t *row = view_camera_row(c->env->tz_offset, cam, h, c->unit_name);
    int rc = !row || view_add_texts(row, c->lang) || view_add_zone(row, c->r, cam->id)
                 ? -ENOMEM
                 : put_row(c, row);
    json_decref(row);
    if (rc)
        return rc;
    snprintf(c->last_unit, sizeof(c->last_unit), "%s", cam->unit_id);
    snprintf(c->last_id, sizeof(c->last_id), "%s", cam->id);
    c->n++;
    return 0;
}

/* The opaque cursor of the last camera sent: its sort key in hex. */
static const char *next_cursor(struct cam_body *c)
{
    char key[2 * STORE_ID_MAX + 2];
    size_t n = 0;
    if (c->by_unit) {
        n = strlen(c->last_unit) + 1;
        memcpy(key, c->last_unit, n);
    }
    size_t i = strlen(c->last_id);
    memcpy(key + n, c->last_id, i);
    struct api_req a = {.req = c->req};
    return api_cursor_encode(&a, key, n + i);
}

static int finish(struct cam_body *c)
{
    const char *next = c->more ? next_cursor(c) : NULL;
    if (c->fmt == API_CSV) {
        /* A page is one piece: its head has not gone out yet. */
        if (next)
            h2o_add_header_by_str(&c->req->pool, &c->req->res.headers, H2O_STRLIT("x-next-cursor"),
                                  0, NULL, next, strlen(next));
        return 1;
    }
    return api_body_list_end(c->b, c->n, next);
}

static int fill(struct api_body *b, void *ctx)
{
    struct cam_body *c = ctx;
    int rc = 0;
    if (!c->opened) {
        c->opened = true;
        if (c->fmt == API_JSON)
            rc = api_body_puts(b, "{\"cameras\":[");
        for (size_t i = 0; c->fmt == API_CSV && !rc && i < CSV_NCOLS; i++)
            rc = csv_field(b, csv_cols[i], i + 1 == CSV_NCOLS);
    }
    if (!rc)
        rc = store_read_begin(c->env->store, &c->r);
    if (rc)
        return rc;
    c->paused = false;
    if (c->last_id[0]) {
        c->f.after_unit = c->by_unit ? c->last_unit : NULL;
        c->f.after_id = c->last_id;
    }
    rc = store_cameras_scan(c->r, &c->f, row_cb, c);
    store_read_end(&c->r);
    if (rc < 0)
        return rc;
    return c->paused ? 0 : finish(c);
}

int api_cameras_stream(struct api_req *a, const struct store_filter *f, bool by_unit, const char *q,
                       size_t limit, enum api_format fmt)
{
    struct api_body *b;
    struct cam_body *c = api_body_new(a, sizeof(*c), fill, &b);
    if (!c)
        return api_error(a, 500, "internal", "out of memory");
    *c = (struct cam_body){.b = b,
                           .req = a->req,
                           .env = a->env,
                           .lang = a->lang,
                           .fmt = fmt,
                           .f = *f,
                           .by_unit = by_unit,
                           .q = q,
                           .limit = limit};
    /* A client's cursor: the scan starts after it, as after a piece. */
    if (f->after_id) {
        snprintf(c->last_unit, sizeof(c->last_unit), "%s", f->after_unit ? f->after_unit : "");
        snprintf(c->last_id, sizeof(c->last_id), "%s", f->after_id);
    }
    return api_body_start(a, b, fmt == API_CSV ? "text/csv; charset=utf-8" : "application/json",
                          "cameras");
}
