/* HTTP API: POST /api/v1/cameras/{id}/probe, a probe run now by the monitor
 * and answered with its result. The request crosses from the HTTP thread
 * to the loop thread that owns the monitor and its result comes back, each
 * way through a mutex-protected queue and a uv_async_t; the h2o request
 * waits meanwhile, and may go away (client gone) before the answer comes. */
#include <assert.h>
#include <errno.h>
#include <libavutil/base64.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_internal.h"
#include "http/req_wait.h"
#include "url.h"
#include "views/picture_view.h"
#include "views/probe_json.h"
#include "views/view_lang.h"

#define PROBE_SWEEP_MS    250 /* how often deadlines are checked */
#define PROBE_MARGIN_MS   2000
#define PROBE_TEARDOWN_MS 1000 /* rtsp_conn's default TEARDOWN wait */
#define OSD_READ_MS       5000 /* reading an OSD: 0.2-0.5 s of CPU, more on a loaded machine */

/* One on-demand probe. Owned by the HTTP thread except between its push
 * onto to_main and its push onto to_http, when the loop thread has it. */
struct probe_wait {
    struct monitor_probe mp; /* first: the monitor's done() gets &mp */
    struct probe_bridge *b;
    struct req_hop hop; /* in to_main or to_http */
    /* HTTP thread only */
    struct req_wait park;
    uint64_t deadline; /* HTTP loop time */
    uint32_t deadline_ms;
    enum msg_lang lang;           /* of the answer's texts */
    char url[PROBE_URL_MAX + 16]; /* redacted */
};

struct probe_bridge {
    uv_async_t main_async; /* on the main loop: requests to start */
    uv_async_t http_async; /* on the HTTP loop: results to answer */
    uv_timer_t sweep;      /* on the HTTP loop: deadlines */
    struct monitor *mon;   /* loop thread only */
    struct api_env *env;
    struct req_queue to_main; /* closed: no more requests */
    struct req_queue to_http;
    atomic_int handles_open; /* the last close frees */
    /* HTTP thread only */
    struct req_waits waits; /* every entry not freed yet */
    bool http_closed;
};

/* ---- queues ---- */

static struct probe_wait *wait_of(struct req_hop *h)
{
    return h ? REQ_WAIT_OUTER(h, struct probe_wait, hop) : NULL;
}

/* Loop thread: hands a finished (or refused) probe back to the HTTP loop. */
static void to_http(struct probe_wait *w)
{
    int rc = req_queue_push(&w->b->to_http, &w->hop);
    assert(rc == 0); /* only to_main is ever closed */
    (void)rc;
}

static void on_probe_done(struct monitor_probe *mp)
{
    to_http((struct probe_wait *)mp);
}

/* Loop thread: starts what the HTTP thread queued. */
static void on_main_async(uv_async_t *h)
{
    struct probe_bridge *b = h->data;
    for (struct probe_wait *w = wait_of(req_queue_take(&b->to_main)), *n; w; w = n) {
        n = wait_of(w->hop.next);
        int rc = b->mon ? monitor_probe_now(b->mon, &w->mp) : -ECANCELED;
        if (rc) {
            w->mp.status = rc;
            to_http(w);
        }
    }
}

/* ---- answers (HTTP thread) ---- */

static void forget(struct probe_bridge *b, struct probe_wait *w)
{
    req_waits_remove(&b->waits, &w->park);
    free(w->mp.jpeg);
    free(w);
}

static struct probe_wait *parked(struct req_wait *e)
{
    return REQ_WAIT_OUTER(e, struct probe_wait, park);
}

static const char *health_reason(const struct health_mem *m)
{
    if (m->state == STORE_ONLINE || m->state == STORE_UNKNOWN)
        return "";
    if (m->state == STORE_MAINTENANCE)
        return "maintenance";
    return probe_reason_name(m->reason);
}

static json_t *result_json(struct probe_bridge *b, const struct probe_wait *w)
{
    const struct monitor_probe *mp = &w->mp;
    json_t *o = probe_result_json(w->url, &mp->result);
    if (!o)
        return NULL;
    const char *depth = mp->deep ? "deep"
                        : mp->depth == MONITOR_DEPTH_DEFAULT
                            ? config_depth_name(b->env->cfg->depth)
                            : config_depth_name((enum config_depth)mp->depth);
    const struct health_mem *h = &mp->health;
    bool maint = h->state == STORE_MAINTENANCE;
    json_object_set_new(o, "id", json_string(mp->id));
    json_object_set_new(o, "depth", json_string(depth));
    json_object_set_new(o, "waited_ms", json_integer(mp->waited_ms));
    json_object_set_new(o, "maintenance", json_boolean(maint));
    json_t *health =
        json_pack("{s:s, s:s, s:b, s:s, s:i, s:i, s:b, s:b}", "state", store_state_name(h->state),
                  "reason", health_reason(h), "changed", mp->step.changed, "from",
                  store_state_name(mp->step.from), "consec_fail", h->consec_fail, "consec_ok",
                  h->consec_ok, "flapping", h->flapping, "recheck", mp->step.recheck);
    if (maint)
        json_object_set_new(health, "note",
                            json_string("under maintenance: the result was recorded but does not "
                                        "change the camera's state"));
    view_add_texts(o, w->lang);
    view_add_texts(health, w->lang);
    json_object_set_new(o, "health", health);
    if (mp->osd_read)
        json_object_set_new(o, "osd", view_osd(w->b->env->tz_offset, &mp->osd_look));
    if (mp->jpeg && mp->jpeg_len && mp->jpeg_len < INT_MAX / 2) {
        /* A data: URL, so a page can show it as it is (~10 KiB). */
        static const char prefix[] = "data:image/jpeg;base64,";
        size_t n = sizeof(prefix) - 1 + AV_BASE64_SIZE(mp->jpeg_len);
        char *url = malloc(n);
        if (url) {
            memcpy(url, prefix, sizeof(prefix) - 1);
            if (av_base64_encode(url + sizeof(prefix) - 1, (int)(n - sizeof(prefix) + 1),
                                 mp->jpeg, (int)mp->jpeg_len))
                json_object_set_new(o, "thumbnail", json_string(url));
            free(url);
        }
    }
    return o;
}

static void answer(struct probe_bridge *b, struct probe_wait *w)
{
    h2o_req_t *req = req_wait_claim(&w->park);
    if (!req)
        return;
    struct api_req a = {.req = req, .env = b->env};
    api_json_pool_enter(&req->pool);
    switch (w->mp.status) {
    case 0:
        api_json(&a, 200, result_json(b, w));
        break;
    case -ENOENT:
        /* The index has it (checked first), the running service does not
         * (yet): an import reaches the service within 2 s. */
        api_error(&a, 404, "not_found",
                  "camera \"%s\" is not in the running service's inventory (a camera imported "
                  "a moment ago is there within 2 s)",
                  w->mp.id);
        break;
    case -EINVAL:
        api_error(&a, 409, "not_probeable",
                  "camera \"%s\" has a URL that cannot be probed (fix it in the inventory)",
                  w->mp.id);
        break;
    case -ENOTSUP:
        api_error(&a, 503, "unavailable",
                  "deep probes are unavailable in this service (the tier-2 module did not "
                  "load; see the service log), so camera \"%s\" cannot be probed so",
                  w->mp.id);
        break;
    case -ECANCELED:
        api_error(&a, 503, "stopping", "the service is stopping; probe again when it is back");
        break;
    default:
        api_error(&a, 500, "internal", "the probe could not run: %s", strerror(-w->mp.status));
        break;
    }
    api_json_pool_leave();
}

static void on_http_async(uv_async_t *h)
{
    struct probe_bridge *b = h->data;
    for (struct probe_wait *w = wait_of(req_queue_take(&b->to_http)), *n; w; w = n) {
        n = wait_of(w->hop.next);
        answer(b, w);
        forget(b, w);
    }
    if (!b->waits.all)
        uv_timer_stop(&b->sweep);
}

/* A request never waits forever: past its deadline it gets 504; the probe
 * itself still ends (and counts) as any probe does, and its entry goes when
 * its result comes back. */
static void on_sweep(uv_timer_t *t)
{
    struct probe_bridge *b = t->data;
    uint64_t now = uv_now(t->loop);
    for (struct req_wait *e = b->waits.all; e; e = e->next) {
        struct probe_wait *w = parked(e);
        if (!e->req || now < w->deadline)
            continue;
        h2o_req_t *req = req_wait_claim(e);
        struct api_req a = {.req = req, .env = b->env};
        api_json_pool_enter(&req->pool);
        api_error(&a, 504, "timeout",
                  "no result for camera \"%s\" within %u ms; the probe goes on and its result "
                  "will be in GET /api/v1/cameras/%s",
                  w->mp.id, (unsigned)w->deadline_ms, w->mp.id);
        api_json_pool_leave();
    }
}

/* ---- the handler ---- */

static int parse_depth(const char *s, enum monitor_depth *d)
{
    static const char *const names[] = {"options", "describe", "play", "deep"};
    if (!s) {
        *d = MONITOR_DEPTH_DEFAULT;
        return 0;
    }
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *d = (enum monitor_depth)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* The longest this probe can take: waiting for the camera's own probe in
 * flight, then its own, each at its worst (every phase to its deadline),
 * and a margin for the queues. */
static uint32_t deadline_ms(const struct config *c, bool deep)
{
    uint64_t tier1 = (uint64_t)c->dns_timeout_ms + c->connect_timeout_ms +
                     5ull * c->reply_timeout_ms + c->first_rtp_timeout_ms + c->keyframe_timeout_ms +
                     PROBE_TEARDOWN_MS;
    uint64_t tier2 = (uint64_t)c->dns_timeout_ms + c->deep_timeout_ms;
    uint64_t worst = tier1 > tier2 ? tier1 : tier2;
    uint64_t ms = worst + (deep ? tier2 : tier1) + PROBE_MARGIN_MS;
    return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

int api_camera_probe(struct api_req *a)
{
    static const char *const known[] = {"depth", "thumbnail", "osd", NULL};
    if (api_check_params(a, known))
        return 0;
    const char *id;
    if (api_camera_id(a, &id))
        return 0;
    enum monitor_depth depth;
    if (parse_depth(api_param(a, "depth"), &depth))
        return api_error(a, 400, "bad_parameter",
                         "depth: \"%.40s\" is not a depth (use options, describe, play or deep)",
                         api_param(a, "depth"));
    bool want_thumb;
    if (api_flag_param(a, "thumbnail", &want_thumb))
        return 0;
    bool want_osd;
    if (api_flag_param(a, "osd", &want_osd))
        return 0;
    if ((want_thumb || want_osd) && depth == MONITOR_DEPTH_DEFAULT)
        depth = MONITOR_DEPTH_DEEP; /* only the deep probe decodes a picture */
    if ((want_thumb || want_osd) && depth != MONITOR_DEPTH_DEEP)
        return api_error(a, 400, "bad_parameter",
                         "%s: only depth=deep decodes a picture (leave depth out or give deep)",
                         want_thumb ? "thumbnail" : "osd");
    struct probe_bridge *b = a->env->probes;
    if (!b || b->http_closed)
        return api_error(a, 503, "unavailable", "probes on demand need the running service");
    if (b->waits.n >= API_PROBES_PENDING_MAX) {
        h2o_add_header(&a->req->pool, &a->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                       H2O_STRLIT("1"));
        return api_error(a, 429, "too_many_probes",
                         "%d probes on demand are waiting already; try again in a second",
                         API_PROBES_PENDING_MAX);
    }
    /* The record gives the URL to show (redacted); the monitor decides the
     * rest on its own copy of the inventory. */
    struct store_read *r;
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_store_error(a, rc, "index");
    struct store_camera cam;
    rc = store_camera_get(r, id, &cam);
    struct probe_wait *w = rc ? NULL : calloc(1, sizeof(*w));
    if (w && probe_url_redact(cam.url, w->url, sizeof(w->url)) < 0)
        snprintf(w->url, sizeof(w->url), "(unparsable URL)");
    store_read_end(&r);
    if (rc == -ENOENT)
        return api_no_camera(a, id);
    if (rc)
        return api_store_error(a, rc, "camera");
    if (!w)
        return api_error(a, 500, "internal", "out of memory");
    snprintf(w->mp.id, sizeof(w->mp.id), "%s", id);
    w->mp.depth = depth;
    w->mp.thumbnail = want_thumb;
    w->mp.osd = want_osd;
    w->lang = a->lang;
    w->mp.done = on_probe_done;
    w->b = b;
    w->deadline_ms = a->env->cfg->http_probe_wait_ms
                         ? a->env->cfg->http_probe_wait_ms
                         : deadline_ms(a->env->cfg, depth == MONITOR_DEPTH_DEEP) +
                               (want_osd ? OSD_READ_MS : 0);
    w->deadline = uv_now(b->sweep.loop) + w->deadline_ms;
    req_waits_park(&b->waits, &w->park, a->req);
    if (req_queue_push(&b->to_main, &w->hop)) {
        forget(b, w);
        return api_error(a, 503, "stopping",
                         "the service is stopping; probe again when it is back");
    }
    if (!uv_is_active((uv_handle_t *)&b->sweep))
        uv_timer_start(&b->sweep, on_sweep, PROBE_SWEEP_MS, PROBE_SWEEP_MS);
    return 0; /* answered when the result comes back */
}

/* ---- life cycle ---- */

static void on_closed(uv_handle_t *h)
{
    struct probe_bridge *b = h->data;
    if (atomic_fetch_sub(&b->handles_open, 1) == 1) {
        req_queue_destroy(&b->to_main);
        req_queue_destroy(&b->to_http);
        free(b);
    }
}

int probe_bridge_new(uv_loop_t *main_loop, uv_loop_t *http_loop, struct monitor *mon,
                     struct api_env *env, struct probe_bridge **out)
{
    struct probe_bridge *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->mon = mon;
    b->env = env;
    int rc = uv_async_init(main_loop, &b->main_async, on_main_async);
    if (rc) {
        free(b);
        return rc;
    }
    uv_async_init(http_loop, &b->http_async, on_http_async);
    uv_timer_init(http_loop, &b->sweep);
    b->main_async.data = b->http_async.data = b->sweep.data = b;
    req_queue_init(&b->to_main, &b->main_async);
    req_queue_init(&b->to_http, &b->http_async);
    atomic_init(&b->handles_open, 3);
    *out = b;
    return 0;
}

void probe_bridge_stop_main(struct probe_bridge *b)
{
    if (!b)
        return;
    struct req_hop *unseen = req_queue_close(&b->to_main);
    /* Everything the monitor holds, and what it has not seen yet, goes
     * back to the HTTP thread now, cancelled. */
    if (b->mon)
        monitor_probe_cancel_all(b->mon);
    b->mon = NULL;
    for (struct probe_wait *w = wait_of(unseen), *n; w; w = n) {
        n = wait_of(w->hop.next);
        w->mp.status = -ECANCELED;
        to_http(w);
    }
    uv_close((uv_handle_t *)&b->main_async, on_closed);
}

void probe_bridge_stop_http(struct probe_bridge *b)
{
    if (!b || b->http_closed)
        return;
    b->http_closed = true;
    /* probe_bridge_stop_main ran first: every entry is in to_http now. */
    on_http_async(&b->http_async);
    /* Only entries whose loop-thread half never ran could be left (a
     * failed start): answer and free them too. */
    while (b->waits.all) {
        struct probe_wait *w = parked(b->waits.all);
        w->mp.status = -ECANCELED;
        answer(b, w);
        forget(b, w);
    }
    uv_close((uv_handle_t *)&b->http_async, on_closed);
    uv_close((uv_handle_t *)&b->sweep, on_closed);
}
