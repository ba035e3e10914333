/* Shared by the HTTP server and its handlers (api_*.c, metrics.c): the
 * request context, parameters, replies. Everything here runs on the HTTP
 * thread. */
#ifndef CAMDEX_API_INTERNAL_H
#define CAMDEX_API_INTERNAL_H

#include <h2o.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

#include "base/config.h"
#include "engine/monitor.h"
#include "http/http_server.h"
#include "http/req_wait.h"
#include "store.h"
#include "views/messages.h"

#define API_MAX_SEGMENTS 8
#define API_MAX_PARAMS   16
#define API_PAGE_DEFAULT 100
#define API_PAGE_MAX     1000
#define API_PROBES_PENDING_MAX 32 /* probes on demand waiting at once; more get 429 */

struct probe_bridge;
struct route_bridge;

struct http_server;
struct api_streams;

/* What the handlers may read of the server. */
struct http_conns;

struct api_env {
    struct store *store;
    const struct config *cfg;
    int32_t tz_offset; /* the index's day zone, for RFC 3339 times */
    /* The monitor's counters as the main loop last published them. */
    pthread_mutex_t stats_lock;
    struct monitor_stats stats;
    bool have_stats;
    int64_t stats_at_ms;
    /* Event streams (api_stream.c), on the HTTP thread. */
    struct api_streams *streams;
    /* Webhooks, for /metrics (NULL: none); their counters have a lock. */
    struct notifier *notifier;
    /* Probes on demand (api_probe.c); NULL without a monitor. */
    struct probe_bridge *probes;
    /* The HTTP loop (for work off it) and the one inventory import allowed
     * at a time (api_inventory.c); HTTP thread only. */
    uv_loop_t *loop;
    bool import_running;
    /* The connection gate (http_conns.c), for /metrics; HTTP thread only. */
    struct http_conns *conns;
    /* More /metrics series from a part this library does not link (the
     * cluster's), under stats_lock; NULL = none. */
    http_metrics_extra_fn metrics_extra;
    void *metrics_extra_ctx;
    /* A central's operations routed to zones (api_route.c): the router
     * under stats_lock (NULL = none), the bridge its answers cross. */
    http_route_fn router;
    void *router_ctx;
    struct route_bridge *routes;
};

struct api_param {
    const char *name, *value; /* percent-decoded, NUL-terminated, in the request pool */
};

struct api_req {
    h2o_req_t *req;
    struct api_env *env;
    const char *seg[API_MAX_SEGMENTS]; /* decoded path segments */
    size_t nseg;
    struct api_param params[API_MAX_PARAMS];
    size_t nparams;
    enum msg_lang lang; /* of texts beside codes: ?lang=, else Accept-Language */
    bool lang_asked;    /* by lang= or an Accept-Language header */
};

/* ---- replies (api_reply.c) ---- */

/* JSON error {"error": {"code": ..., "message": ...}}; returns 0 for h2o. */
int api_error(struct api_req *a, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sends `o` (stolen) as JSON with status 200 (or `status`). */
int api_json(struct api_req *a, int status, json_t *o);
/* Sends a body that lives in the request pool. */
int api_send(struct api_req *a, int status, const char *content_type, const char *body, size_t len);
/* Sends a file that never changes while the program runs (the dashboard's):
 * with its ETag, revalidated by browsers on every use (no-cache), and 304
 * without a body when the request's If-None-Match names that ETag. */
int api_send_static(struct api_req *a, const char *content_type, const char *etag,
                    const unsigned char *body, size_t len);
/* Copies into the request pool, NUL-terminated. */
char *api_strdup(struct api_req *a, const char *s, size_t len);

/* ---- bodies written as they are read (api_body.c) ----
 * A listing's answer is made piece by piece: `fill` appends the next piece
 * (rows read from the index in a read transaction of its own, resuming
 * after the last row of the previous piece) with api_body_put until
 * api_body_full, and returns 0 when more follow, 1 when that was the last,
 * or a negative errno. The next piece is made only when the client has
 * taken the previous one. */
#define API_BODY_CHUNK (64 * 1024)
struct api_body;
typedef int (*api_body_fill_fn)(struct api_body *b, void *ctx);
/* A zeroed context of ctx_size bytes for `fill`, freed with the request
 * (it must own nothing that needs freeing); NULL when out of memory. */
void *api_body_new(struct api_req *a, size_t ctx_size, api_body_fill_fn fill,
                   struct api_body **b);
/* Makes the first piece; on a store error answers as api_store_error
 * (naming `what`), else sends 200 and the piece. Returns 0 for h2o. */
int api_body_start(struct api_req *a, struct api_body *b, const char *content_type,
                   const char *what);
int api_body_put(struct api_body *b, const char *p, size_t n);
int api_body_puts(struct api_body *b, const char *s);
/* Closes a list page opened as {"NAME":[ with its count and next cursor:
 * ],"count":N,"next_cursor":"..."|null}. 1 (the last piece) or an error. */
int api_body_list_end(struct api_body *b, size_t count, const char *next_cursor);
bool api_body_full(const struct api_body *b);
/* For /metrics and tests: bodies open now, started and cut short by the
 * client since start, pieces made and the largest piece. */
struct api_body_stats {
    size_t open;
    uint64_t started, cut, pieces;
    size_t peak_piece;
};
void api_body_stats_get(struct api_body_stats *out);

/* ---- work off the HTTP loop (api_work.c) ----
 * A job's first member; `run` goes on a worker thread (it may touch only
 * its job and the store), then `done` on the HTTP thread with the
 * request's context (its language too, and jansson on its pool), or with
 * `a` NULL when the client has gone; `done` frees the job either way.
 * `status` is libuv's: not 0, the work did not run. */
struct api_work {
    uv_work_t work;
    /* HTTP thread only */
    struct req_wait park; /* the request, until its client goes */
    struct api_env *env;
    enum msg_lang lang;
    bool lang_asked;
    void (*run)(struct api_work *w);
    void (*done)(struct api_work *w, struct api_req *a, int status);
};
/* Queues `w` for request `a`: 0, or libuv's error (nothing queued, the
 * caller answers and frees the job). */
int api_work_queue(struct api_req *a, struct api_work *w, void (*run)(struct api_work *w),
                   void (*done)(struct api_work *w, struct api_req *a, int status));

/* ---- workbooks (api_xlsx.c) ---- */
enum api_format { API_JSON, API_CSV, API_XLSX };
/* Reads format=: json (or absent), xlsx, and csv where `csv` offers it;
 * 1 after answering 400, else 0. */
int api_format_param(struct api_req *a, bool csv, enum api_format *f);
/* Answers with `rows` as a one-sheet workbook (sheet named by catalogue
 * key `sheet_key`), saved by browsers as `filename` (plain ASCII), its
 * headings in the client's Accept-Language (English unless Chinese);
 * `next_cursor` (may be NULL) goes in an x-next-cursor header. */
struct out_col;
int api_send_xlsx(struct api_req *a, const char *filename, const char *next_cursor,
                  const char *sheet_key, const struct out_col *cols, size_t ncols, json_t *rows);
/* As api_send_xlsx with up to API_XLSX_SHEETS_MAX tables, a sheet each,
 * headings in `lang`. */
#define API_XLSX_SHEETS_MAX 2
struct xlsx_sheet;
int api_send_xlsx_sheets(struct api_req *a, const char *filename, const char *next_cursor,
                         enum msg_lang lang, const struct xlsx_sheet *sheets, size_t n);

/* While a request is handled, jansson allocates from its h2o pool: nothing
 * a handler builds outlives the request, and nothing needs freeing. */
void api_json_alloc_install(void);
void api_json_pool_enter(h2o_mem_pool_t *pool);
void api_json_pool_leave(void);
/* Makes `pool` the one jansson allocates from on this thread and returns
 * the previous one (NULL: none), for work outside a request's own pool. */
h2o_mem_pool_t *api_json_pool_swap(h2o_mem_pool_t *pool);
/* Before a thread that used pools ends: h2o caches freed pool memory per
 * thread, and nothing else releases it. */
void api_json_thread_release(void);

/* ---- parameters (api_params.c) ---- */

#define API_PATH_MAX 1024 /* bytes of path, before the query */

/* The parsers below use nothing of the request but its memory pool, so
 * they are fuzzed with a bare pool (tests/fuzz/fuzz_http_params.c). */

/* Splits and percent-decodes the query into a->params. 0, or -EBADMSG
 * (bad escape or NUL), -EILSEQ (not UTF-8), -EEXIST (a name twice: *bad is
 * the first one's index), -E2BIG (over API_MAX_PARAMS); *bad is the index
 * of the parameter at fault. */
int api_query_split(struct api_req *a, const char *q, size_t len, size_t *bad);
/* Splits and percent-decodes the path into a->seg. 0, or -ENAMETOOLONG,
 * -EINVAL (no leading /), -ENOENT (too many segments), -EBADMSG (bad
 * escape), -EPERM (dot segment or encoded slash), -ERANGE (control byte),
 * -EILSEQ (not UTF-8). Dot segments and encoded slashes are refused, not
 * resolved: no id contains them, and a client sending them is probing for
 * traversal. */
int api_path_split(struct api_req *a, const char *p, size_t len);
/* api_query_split, answering 400 on error (then returns 1), else 0. */
int api_parse_query(struct api_req *a, const char *q, size_t len);
/* Refuses parameters not in the NULL-terminated list (returns 1 after the
 * 400), else 0. */
int api_check_params(struct api_req *a, const char *const *known);
const char *api_param(const struct api_req *a, const char *name);
/* A flag: "1"/"true" or "0"/"false"; absent is false. 0, or 1 after
 * answering 400. */
int api_flag_param(struct api_req *a, const char *name, bool *out);
/* The language of the answer's texts (a->lang): lang=en|zh, which is then
 * taken out of the parameters (every endpoint accepts it), else the
 * Accept-Language header, else English. 0, or 1 after answering 400. */
int api_lang(struct api_req *a);
/* Reads limit= (default, 1..API_PAGE_MAX); 1 after sending a 400. */
int api_param_limit(struct api_req *a, size_t *limit);
/* The same, where limit=all (SIZE_MAX: every row, written as read) is
 * taken too. */
int api_param_limit_all(struct api_req *a, size_t *limit);
/* Camera and unit ids: 1..STORE_ID_MAX printable ASCII bytes, no spaces. */
bool api_valid_id(const char *id);
/* The camera id of a path /api/v1/cameras/{id}/...: 0 with *id set, or 1
 * after answering 400 bad_id. */
int api_camera_id(struct api_req *a, const char **id);
/* The unit= parameter, optional: 0 with *unit set (NULL when absent), or 1
 * after answering 400. */
int api_unit_param(struct api_req *a, const char **unit);
/* Answers 404 for a camera the index does not have; returns 0 for h2o. */
int api_no_camera(struct api_req *a, const char *id);
/* Percent-decodes `in` into the pool; NULL for bad escapes or NUL bytes. */
char *api_pct_decode(struct api_req *a, const char *in, size_t len, bool plus_is_space);
/* Opaque cursors: hex of a key. */
char *api_cursor_encode(struct api_req *a, const void *key, size_t len);
int api_cursor_decode(const char *cur, void *out, size_t cap, size_t *len);

/* ---- handlers (api_*.c, metrics.c) ---- */

int api_healthz(struct api_req *a);
int api_readyz(struct api_req *a);
int api_summary(struct api_req *a);
int api_units(struct api_req *a);
int api_unit(struct api_req *a);
int api_cameras(struct api_req *a);
/* The list as JSON or CSV, written as read (api_cameras_body.c): `f` as
 * validated by api_cameras (its strings in the request pool), `limit`
 * 1..API_PAGE_MAX or SIZE_MAX for every camera. */
int api_cameras_stream(struct api_req *a, const struct store_filter *f, bool by_unit,
                       const char *q, size_t limit, enum api_format fmt);
int api_camera(struct api_req *a);
int api_camera_events(struct api_req *a);
int api_camera_maintenance(struct api_req *a);
int api_camera_reference(struct api_req *a);
int api_camera_probe(struct api_req *a);
int api_camera_thumbnail(struct api_req *a);
int api_camera_reference_png(struct api_req *a);
int api_thumbnails(struct api_req *a);
int api_inventory(struct api_req *a);
int api_events(struct api_req *a);
/* The log as JSON, written as read (api_events_body.c): events of camera
 * or unit (at most one; NULL: all) with from <= time < to and a key after
 * `after`, `limit` 1..API_PAGE_MAX or SIZE_MAX for all. */
int api_events_body(struct api_req *a, const char *camera, const char *unit, int64_t from,
                      int64_t to, uint64_t after, size_t limit);
int api_events_stream(struct api_req *a);
int api_metrics(struct api_req *a);
int api_report_online_rate(struct api_req *a);
/* Its rows as JSON, written as read (api_report_body.c); unit NULL: every
 * unit and the lines ALL. */
int api_report_rows_body(struct api_req *a, const char *unit, int32_t from, int32_t to);
int api_report_outages(struct api_req *a);
int api_report_assessment(struct api_req *a);
int api_messages(struct api_req *a);
int api_openapi(struct api_req *a);
int api_ui_index(struct api_req *a);
int api_ui_asset(struct api_req *a);

/* ---- server-sent events (api_stream.c) ---- */

#define API_STREAMS_MAX 64 /* concurrent event streams; more get 503 */

/* Creates the streams' handles on the HTTP loop (not yet running). */
int api_streams_new(uv_loop_t *loop, struct api_env *env, struct api_streams **out);
/* Any thread: events were committed; the HTTP thread reads them for every
 * stream. Coalesced by libuv: many calls before the thread runs are one. */
void api_streams_notify(struct api_streams *st);
/* HTTP thread, at stop: every stream ends (at once, or as soon as its
 * write in progress completes), the handles close. */
void api_streams_stop(struct api_streams *st);
/* After the HTTP loop has finished: frees. Safe with NULL. */
void api_streams_free(struct api_streams **st);
size_t api_streams_count(const struct api_streams *st);

/* ---- the bridge of probes on demand (api_probe.c) ----
 * Created on the main thread before the HTTP thread starts. At stop,
 * probe_bridge_stop_main (main thread: cancels what the monitor holds and
 * refuses new requests) must run before probe_bridge_stop_http (HTTP
 * thread: answers what still waits, 503 when cancelled); the memory goes
 * when both loops have closed their handles. */
int probe_bridge_new(uv_loop_t *main_loop, uv_loop_t *http_loop, struct monitor *mon,
                     struct api_env *env, struct probe_bridge **out);
void probe_bridge_stop_main(struct probe_bridge *b);
void probe_bridge_stop_http(struct probe_bridge *b);

/* ---- operations routed to a zone's prober (api_route.c) ----
 * api_route: 1 when the request is not a zone camera's operation at a
 * central (the local handler answers it), else 0 (answered, or answered
 * when the prober's answer comes). The bridge is created before the HTTP
 * thread starts, stopped on it (what still waits gets 503), freed after. */
int api_route(struct api_req *a);
int route_bridge_new(uv_loop_t *http_loop, struct api_env *env, struct route_bridge **out);
void route_bridge_answer(struct route_bridge *b, uint64_t token, int rc, int status,
                         const char *ctype, const void *body, size_t len);
void route_bridge_stop(struct route_bridge *b);
void route_bridge_free(struct route_bridge **b);

/* indexer/http/openapi.json, built into the program (see indexer/http/CMakeLists.txt). */
extern const unsigned char api_openapi_json[];
extern const size_t api_openapi_json_len;

/* indexer/http/dashboard/, built into the program (see indexer/http/CMakeLists.txt). */
struct api_ui_file {
    const char *name;         /* "app.js": the last segment of /ui/app.js */
    const char *content_type; /* with charset for text */
    const char *etag;         /* quoted, from the content's hash */
    const unsigned char *data;
    size_t len;
};
extern const struct api_ui_file api_ui_files[];
extern const size_t api_ui_nfiles;

/* Maps a store error to a reply (404 for -ENOENT, 503 for -EAGAIN, else 500). */
int api_store_error(struct api_req *a, int rc, const char *what);

#endif
