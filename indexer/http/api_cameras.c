/* HTTP API: cameras. The filtered, cursor-paginated list (JSON and CSV
 * written as read by api_cameras_body.c; workbooks here),
 * one camera in detail, and maintenance on and off (the one write). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/timefmt.h"
#include "engine/clock_check.h"
#include "http/api_internal.h"
#include "inventory/import.h"
#include "text_clean.h"
#include "views/camera_view.h"
#include "views/event_view.h"
#include "views/picture_view.h"
#include "views/out_col.h"
#include "views/view_lang.h"

#define API_Q_MAX      128
#define DETAIL_EVENTS  10
#define CURSOR_KEY_MAX (2 * STORE_ID_MAX + 2)

/* ---- the list ---- */

struct list_ctx {
    struct api_req *a;
    bool by_unit; /* the scan's order is (unit id, camera id) */
    const char *q;
    size_t limit;
    json_t *rows;
    char last[CURSOR_KEY_MAX];
    size_t last_len;
    bool more;
    struct store_read *r;
    char unit_id[STORE_ID_MAX + 1], unit_name[STORE_TEXT_MAX];
};

/* The sort key of a camera in the scan's order: "unit NUL id" or "id". */
static size_t sort_key(const struct list_ctx *lc, const struct store_camera *cam, char *out)
{
    size_t n = 0;
    if (lc->by_unit) {
        size_t u = strlen(cam->unit_id);
        memcpy(out, cam->unit_id, u);
        out[u] = 0;
        n = u + 1;
    }
    size_t i = strlen(cam->id);
    memcpy(out + n, cam->id, i);
    return n + i;
}

/* Turns a cursor back into the scan's start position. `buf` holds the
 * decoded sort key; the strings point into it. A cursor must have the shape
 * of this listing's sort key, each part a valid id, so whatever a client
 * makes up can only start the scan somewhere in the order, never fail it. */
static bool cursor_parse(const char *cursor, bool by_unit, char buf[CURSOR_KEY_MAX + 1],
                         struct store_filter *f)
{
    size_t n;
    if (api_cursor_decode(cursor, buf, CURSOR_KEY_MAX, &n) || !n)
        return false;
    buf[n] = 0;
    char *nul = memchr(buf, 0, n);
    if (by_unit != (nul != NULL))
        return false;
    f->after_unit = by_unit ? buf : NULL;
    f->after_id = by_unit ? nul + 1 : buf;
    if (by_unit && (memchr(nul + 1, 0, n - (size_t)(nul + 1 - buf)) || !api_valid_id(buf)))
        return false;
    return api_valid_id(f->after_id);
}

static bool matches_q(const struct store_camera *cam, const char *q)
{
    return strcasestr(cam->id, q) || strcasestr(cam->name, q) ||
           (cam->address && strcasestr(cam->address, q)) || (cam->tags && strcasestr(cam->tags, q));
}

static int list_cb(const struct store_camera *cam, const struct store_health *h, void *ctx)
{
    struct list_ctx *lc = ctx;
    char key[CURSOR_KEY_MAX];
    size_t kn = sort_key(lc, cam, key);
    if (lc->q && !matches_q(cam, lc->q))
        return 0;
    if (json_array_size(lc->rows) == lc->limit) {
        lc->more = true;
        return 1;
    }
    /* The scan goes unit by unit: look each unit's name up once. */
    if (strcmp(lc->unit_id, cam->unit_id)) {
        struct store_unit u;
        snprintf(lc->unit_id, sizeof(lc->unit_id), "%s", cam->unit_id);
        snprintf(lc->unit_name, sizeof(lc->unit_name), "%s",
                 store_unit_get(lc->r, cam->unit_id, &u) == 0 ? u.name : "");
    }
    json_t *row = view_camera_row(lc->a->env->tz_offset, cam, h, lc->unit_name);
    if (!row || view_add_texts(row, lc->a->lang) || view_add_zone(row, lc->r, cam->id) ||
        json_array_append_new(lc->rows, row))
        return -ENOMEM;
    memcpy(lc->last, key, kn);
    lc->last_len = kn;
    return 0;
}

static bool valid_reason(const char *r)
{
    size_t n = strlen(r);
    if (!n || n > STORE_REASON_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '_'))
            return false;
    return true;
}

/* The workbook's columns: the CSV's, with times as date-time cells. */
static const struct out_col xlsx_cols[] = {
    {"id", "col.id", OUT_TEXT, 0},
    {"name", "col.name", OUT_TEXT, 0},
    {"unit", "col.unit_id", OUT_TEXT, 0},
    {"unit_name", "col.unit_name", OUT_TEXT, 0},
    {"state", "col.state", OUT_TEXT, 0},
    {"reason", "col.reason", OUT_TEXT, 0},
    {"detail", "col.detail", OUT_TEXT, 0},
    {"since", "col.since", OUT_DATETIME, 0},
    {"last_probe", "col.last_probe", OUT_DATETIME, 0},
    {"url", "col.url", OUT_TEXT, 0},
};

int api_cameras(struct api_req *a)
{
    static const char *const known[] = {"unit",   "state",  "reason", "finding", "q",
                                        "limit",  "cursor", "format", "zone",    NULL};
    if (api_check_params(a, known))
        return 0;
    struct store_filter f = {.state = -1,
                             .reason = api_param(a, "reason"),
                             .finding = api_param(a, "finding"),
                             .zone = api_param(a, "zone")};
    const char *state = api_param(a, "state");
    const char *cursor = api_param(a, "cursor");
    struct list_ctx lc = {.a = a, .q = api_param(a, "q")};
    if (api_unit_param(a, &f.unit_id))
        return 0;
    if (state && (f.state = store_state_parse(state)) < 0)
        return api_error(a, 400, "bad_parameter",
                         "state: \"%.40s\" is not a state (use unknown, online, degraded, "
                         "offline or maintenance)",
                         state);
    if (f.reason && !valid_reason(f.reason))
        return api_error(a, 400, "bad_parameter",
                         "reason: \"%.40s\" is not a reason (lower-case letters, digits and _, "
                         "e.g. connect_timeout)",
                         f.reason);
    if (f.finding && !valid_reason(f.finding))
        return api_error(a, 400, "bad_parameter",
                         "finding: \"%.40s\" is not a reason (lower-case letters, digits and _, "
                         "e.g. noisy)",
                         f.finding);
    if (f.zone && !config_zone_name_ok(f.zone, strlen(f.zone)))
        return api_error(a, 400, "bad_parameter",
                         "zone: \"%.40s\" is not a zone (1 to 32 lower-case letters, digits, _ "
                         "or -)",
                         f.zone);
    if (lc.q && (!*lc.q || strlen(lc.q) > API_Q_MAX))
        return api_error(a, 400, "bad_parameter", "q: give 1 to %d bytes of text", API_Q_MAX);
    enum api_format fmt;
    if (api_format_param(a, true, &fmt) || api_param_limit_all(a, &lc.limit))
        return 0;
    if (fmt == API_XLSX && lc.limit == SIZE_MAX)
        return api_error(a, 400, "bad_parameter",
                         "limit: a workbook takes pages of at most %d cameras (limit=all is for "
                         "JSON and CSV; `camdex list --format xlsx` writes every camera)",
                         API_PAGE_MAX);
    lc.by_unit = f.unit_id || f.state >= 0 || f.reason;
    /* The scan starts after the cursor's camera, so a page costs its own
     * length, not the length of every page before it. */
    char after[CURSOR_KEY_MAX + 1];
    if (cursor && !cursor_parse(cursor, lc.by_unit, after, &f))
        return api_error(a, 400, "bad_parameter",
                         "cursor: not a cursor of this listing (pass next_cursor back "
                         "unchanged, with the same filters)");
    struct store_read *r;
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_store_error(a, rc, "index");
    struct store_unit u;
    if (f.unit_id && (rc = store_unit_get(r, f.unit_id, &u))) {
        store_read_end(&r);
        if (rc == -ENOENT)
            return api_error(a, 404, "not_found", "no unit \"%s\" (GET /api/v1/units lists them)",
                             f.unit_id);
        return api_store_error(a, rc, "unit");
    }
    if (fmt != API_XLSX) {
        store_read_end(&r);
        return api_cameras_stream(a, &f, lc.by_unit, lc.q, lc.limit, fmt);
    }
    lc.r = r;
    lc.rows = json_array();
    rc = store_cameras_scan(r, &f, list_cb, &lc);
    store_read_end(&r);
    if (rc < 0)
        return api_store_error(a, rc, "cameras");
    const char *next = lc.more ? api_cursor_encode(a, lc.last, lc.last_len) : NULL;
    return api_send_xlsx(a, "cameras.xlsx", next, "sheet.cameras", xlsx_cols,
                         sizeof(xlsx_cols) / sizeof(xlsx_cols[0]), lc.rows);
}

/* ---- one camera ---- */

struct recent_ctx {
    struct api_env *env;
    enum msg_lang lang;
    json_t *events;
};

/* Keeps the newest DETAIL_EVENTS: events arrive oldest first. */
static int keep_recent(const struct store_event *ev, void *ctx)
{
    struct recent_ctx *rc = ctx;
    if (json_array_size(rc->events) == DETAIL_EVENTS)
        json_array_remove(rc->events, 0);
    json_t *e = view_event(rc->env->tz_offset, ev);
    if (!e || view_add_texts(e, rc->lang))
        return -ENOMEM;
    return json_array_append_new(rc->events, e) ? -ENOMEM : 0;
}

int api_camera(struct api_req *a)
{
    static const char *const none[] = {NULL};
    const char *id;
    if (api_check_params(a, none) || api_camera_id(a, &id))
        return 0;
    struct store_read *r;
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_store_error(a, rc, "index");
    struct store_camera cam;
    struct store_health h;
    struct store_unit u;
    json_t *o = NULL;
    if (!(rc = store_camera_get(r, id, &cam)) && !(rc = store_health_get(r, id, &h))) {
        o = view_camera_detail(a->env->tz_offset, &cam, &h,
                              store_unit_get(r, cam.unit_id, &u) == 0 ? u.name : "");
        struct store_clock k;
        bool have_clock = store_clock_get(r, id, &k) == 0;
        const struct store_clock *kp = have_clock ? &k : NULL;
        view_camera_clock(o, a->env->tz_offset, kp, clock_verdict_name(clock_record_verdict(kp)));
        struct store_diagnosis d;
        struct store_reference ref;
        json_object_set_new(o, "diagnosis",
                            store_diagnosis_get(r, id, &d) == 0
                                ? view_diagnosis(a->env->tz_offset, &d)
                                : json_null());
        json_object_set_new(o, "reference",
                            store_reference_get(r, id, &ref) == 0
                                ? view_reference(a->env->tz_offset, &ref)
                                : json_null());
        struct store_osd osd;
        json_object_set_new(o, "osd",
                            store_osd_get(r, id, &osd) == 0 ? view_osd(a->env->tz_offset, &osd)
                                                            : json_null());
        struct store_thumbnail th;
        json_object_set_new(o, "thumbnail",
                            store_thumbnail_get(r, id, &th) == 0
                                ? view_thumbnail(a->env->tz_offset, id, &th)
                                : json_null());
        view_add_texts(o, a->lang);
        struct recent_ctx ec = {.env = a->env, .lang = a->lang, .events = json_array()};
        rc = store_events_scan(r, id, NULL, 0, INT64_MAX, keep_recent, &ec);
        json_object_set_new(o, "events", ec.events);
    }
    store_read_end(&r);
    if (rc == -ENOENT)
        return api_no_camera(a, id);
    if (rc)
        return api_store_error(a, rc, "camera");
    return api_json(a, 200, o);
}

/* ---- maintenance: the write ---- */

int api_camera_maintenance(struct api_req *a)
{
    static const char *const none[] = {NULL};
    const char *id;
    if (api_check_params(a, none) || api_camera_id(a, &id))
        return 0;
    h2o_iovec_t body = a->req->entity;
    if (body.len > a->env->cfg->http_max_body)
        return api_error(a, 413, "too_large", "the body is larger than %u bytes",
                         a->env->cfg->http_max_body);
    json_error_t jerr;
    json_t *in = body.base ? json_loadb(body.base, body.len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    json_t *on_j = json_object_get(in, "on"), *note_j = json_object_get(in, "note");
    if (!json_is_object(in) || !json_is_boolean(on_j) || (note_j && !json_is_string(note_j)))
        return api_error(a, 400, "bad_body",
                         "expected a JSON object like {\"on\": true, \"note\": \"lens "
                         "replaced\"}%s%s",
                         in ? "" : ": ", in ? "" : (body.base ? jerr.text : "no body"));
    const char *note = note_j ? json_string_value(note_j) : "";
    if (strlen(note) > 512)
        return api_error(a, 400, "bad_body", "note: at most 512 bytes");
    /* Shown later on terminals and pages: stored cleaned of escapes and line
     * breaks, and cut between characters at the index's 255 bytes. */
    char clean_note[256];
    text_clean_str(clean_note, sizeof(clean_note), note);
    note = clean_note;
    bool on = json_is_true(on_j);
    struct store_read *r;
    struct store_health h;
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_store_error(a, rc, "index");
    rc = store_health_get(r, id, &h);
    bool already = !rc && on == (h.state == STORE_MAINTENANCE);
    store_read_end(&r); /* before the commit below: never overlap them */
    if (rc == -ENOENT)
        return api_no_camera(a, id);
    if (rc)
        return api_store_error(a, rc, "camera");
    if (!already) {
        /* As `camdex maintenance` does: the same batch, and the revision
         * that makes the monitor re-read the index. */
        struct store_batch *b = NULL;
        uint64_t rev = (uint64_t)timefmt_now_ms();
        rc = store_batch_new(&b);
        if (!rc)
            rc = store_batch_maintenance(b, id, on, note, timefmt_now_ms());
        if (!rc)
            rc = store_batch_meta_put(b, IMPORT_REV_KEY, &rev, sizeof(rev));
        if (!rc)
            rc = store_batch_commit(a->env->store, b, NULL, NULL, NULL);
        store_batch_free(&b);
        if (rc == -ENOENT)
            return api_no_camera(a, id);
        if (rc)
            return api_store_error(a, rc, "maintenance");
        api_streams_notify(a->env->streams); /* the event it made */
    }
    return api_json(a, 200,
                    json_pack("{s:s, s:b, s:b}", "id", id, "maintenance", on, "changed", !already));
}
