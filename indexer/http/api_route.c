/* HTTP API at a central: operations on a camera (maintenance, probes on
 * demand, reference pictures, thumbnails) done by the prober of the
 * camera's zone. The request goes to the router the program set
 * (http_server_set_router: the cluster's, which this library does not
 * link) and its answer comes back on any thread, through a queue and a
 * uv_async_t, to be sent as the prober's API sent it. The h2o request
 * waits meanwhile, and may go away (client gone) before the answer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_internal.h"
#include "http/req_wait.h"

#define ROUTE_WAIT_MS       15000  /* maintenance, references, thumbnails */
#define ROUTE_PROBE_WAIT_MS 120000 /* a probe on demand, when [http] probe_wait is not set */
#define ROUTE_MARGIN_MS     5000   /* beyond the prober's own probe_wait */

/* One operation sent to a prober, HTTP thread only. */
struct route_wait {
    struct req_wait park;
    uint64_t token;
    uint32_t timeout_ms;
    char zone[STORE_ZONE_MAX + 1];
    char id[STORE_ID_MAX + 1];
};

/* An answer, from the router's thread to the HTTP thread. */
struct route_answer {
    struct req_hop hop;
    uint64_t token;
    int rc, status;
    char ctype[96];
    size_t len;
    char body[];
};

struct route_bridge {
    uv_async_t async; /* on the HTTP loop */
    struct api_env *env;
    struct req_queue answers; /* closed: answers are dropped */
    /* HTTP thread only */
    struct req_waits waits;
    uint64_t next_token;
};

static void forget(struct route_bridge *b, struct route_wait *w)
{
    req_waits_remove(&b->waits, &w->park);
    free(w);
}

/* What a person sees when the zone gave no answer: which zone, and what to do. */
static void answer_failure(struct api_req *a, const struct route_wait *w, int rc)
{
    switch (rc) {
    case -EHOSTUNREACH:
        api_error(a, 503, "zone_unreachable",
                  "camera \"%s\" is in zone %s, whose prober is not listening (no prober of the "
                  "zone is connected to NATS): start `camdex serve` there or check its NATS "
                  "connection, then try again",
                  w->id, w->zone);
        break;
    case -ETIMEDOUT:
        api_error(a, 504, "zone_timeout",
                  "camera \"%s\" is in zone %s, whose prober did not answer within %u ms: see "
                  "its log; the operation may still have been done there (GET "
                  "/api/v1/cameras/%s shows it once it is)",
                  w->id, w->zone, (unsigned)w->timeout_ms, w->id);
        break;
    case -ENOTCONN:
        api_error(a, 503, "nats_unreachable",
                  "camera \"%s\" is in zone %s, and this central is not connected to NATS "
                  "([cluster] nats): see its log, then try again",
                  w->id, w->zone);
        break;
    case -EACCES:
        api_error(a, 503, "zone_forbidden",
                  "NATS refused this central the subject camdex.%s.ctl.op (camera \"%s\"): allow "
                  "its user to publish on camdex.*.ctl.op",
                  w->zone, w->id);
        break;
    case -EBUSY:
        h2o_add_header(&a->req->pool, &a->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                       H2O_STRLIT("1"));
        api_error(a, 429, "too_many_operations",
                  "too many operations are waiting for probers; try again in a second");
        break;
    case -ECANCELED:
        api_error(a, 503, "stopping", "the service is stopping; try again when it is back");
        break;
    default:
        api_error(a, 502, "zone_failed",
                  "camera \"%s\" is in zone %s, whose answer is not usable: %s", w->id, w->zone,
                  strerror(-rc));
        break;
    }
}

static void answer(struct route_bridge *b, struct route_wait *w, const struct route_answer *an)
{
    h2o_req_t *req = req_wait_claim(&w->park);
    if (!req)
        return;
    struct api_req a = {.req = req, .env = b->env};
    api_json_pool_enter(&req->pool);
    if (an->rc == 0) {
        char *body = api_strdup(&a, an->body, an->len);
        char *ctype = api_strdup(&a, an->ctype, strlen(an->ctype));
        api_send(&a, an->status, ctype[0] ? ctype : "application/octet-stream", body, an->len);
    } else {
        answer_failure(&a, w, an->rc);
    }
    api_json_pool_leave();
}

static void on_async(uv_async_t *h)
{
    struct route_bridge *b = h->data;
    for (struct req_hop *hop = req_queue_take(&b->answers), *n; hop; hop = n) {
        n = hop->next;
        struct route_answer *an = REQ_WAIT_OUTER(hop, struct route_answer, hop);
        for (struct req_wait *e = b->waits.all; e; e = e->next) {
            struct route_wait *w = REQ_WAIT_OUTER(e, struct route_wait, park);
            if (w->token == an->token) {
                answer(b, w, an);
                forget(b, w);
                break;
            }
        }
        free(an);
    }
}

void route_bridge_answer(struct route_bridge *b, uint64_t token, int rc, int status,
                         const char *ctype, const void *body, size_t len)
{
    struct route_answer *an = calloc(1, sizeof(*an) + len + 1);
    if (!an)
        rc = -ENOMEM, len = 0, an = calloc(1, sizeof(*an) + 1);
    if (!an)
        return; /* the request waits until the service stops */
    an->token = token;
    an->rc = rc;
    an->status = status;
    snprintf(an->ctype, sizeof(an->ctype), "%s", ctype ? ctype : "");
    if (len)
        memcpy(an->body, body, len);
    an->len = len;
    if (req_queue_push(&b->answers, &an->hop))
        free(an); /* the bridge is stopping */
}

static uint32_t wait_ms(const struct config *cfg, const char *action)
{
    if (strcmp(action, "probe"))
        return ROUTE_WAIT_MS;
    return cfg->http_probe_wait_ms ? cfg->http_probe_wait_ms + ROUTE_MARGIN_MS
                                   : ROUTE_PROBE_WAIT_MS;
}

static const char *header(struct api_req *a, const h2o_token_t *t)
{
    ssize_t i = h2o_find_header(&a->req->headers, t, -1);
    if (i < 0)
        return "";
    h2o_iovec_t v = a->req->headers.entries[i].value;
    return api_strdup(a, v.base, v.len);
}

/* The operations a prober does: /api/v1/cameras/ID/ACTION (the router
 * matched the method already). */
static bool zone_op(const struct api_req *a)
{
    static const char *const actions[] = {"maintenance", "probe", "reference", "reference.png",
                                          "thumbnail"};
    if (a->nseg != 5 || strcmp(a->seg[0], "api") || strcmp(a->seg[1], "v1") ||
        strcmp(a->seg[2], "cameras"))
        return false;
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(a->seg[4], actions[i]) == 0)
            return true;
    return false;
}

int api_route(struct api_req *a)
{
    struct route_bridge *b = a->env->routes;
    if (!zone_op(a))
        return 1; /* every other request, before taking any lock */
    pthread_mutex_lock(&a->env->stats_lock);
    http_route_fn fn = a->env->router;
    void *ctx = a->env->router_ctx;
    pthread_mutex_unlock(&a->env->stats_lock);
    /* HEAD is answered here: a prober is asked only what it may be asked. */
    if (!fn || !b || h2o_memis(a->req->method.base, a->req->method.len, H2O_STRLIT("HEAD")))
        return 1;
    const char *id = a->seg[3];
    if (!api_valid_id(id))
        return 1; /* the local handler says what is wrong with it */
    char zone[STORE_ZONE_MAX + 1] = "";
    struct store_read *r;
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_store_error(a, rc, "index"), 0;
    rc = store_zone_get(r, id, zone);
    store_read_end(&r);
    if (rc == -ENOENT)
        return 1; /* not a zone's camera: answered here, as any unknown camera */
    if (rc)
        return api_store_error(a, rc, "camera"), 0;
    struct route_wait *w = calloc(1, sizeof(*w));
    if (!w)
        return api_error(a, 500, "internal", "out of memory"), 0;
    w->token = ++b->next_token;
    w->timeout_ms = wait_ms(a->env->cfg, a->seg[4]);
    snprintf(w->zone, sizeof(w->zone), "%s", zone);
    snprintf(w->id, sizeof(w->id), "%s", id);
    h2o_req_t *req = a->req;
    struct http_route_op op = {
        .token = w->token,
        .zone = zone,
        .method = api_strdup(a, req->method.base, req->method.len),
        .target = api_strdup(a, req->input.path.base, req->input.path.len),
        .accept_language = header(a, H2O_TOKEN_ACCEPT_LANGUAGE),
        .content_type = header(a, H2O_TOKEN_CONTENT_TYPE),
        .body = req->entity.base,
        .body_len = req->entity.base ? req->entity.len : 0,
        .timeout_ms = w->timeout_ms,
    };
    req_waits_park(&b->waits, &w->park, req);
    rc = fn(ctx, &op);
    if (rc) {
        /* Not sent: answered now, nothing comes back. */
        struct route_answer an = {.rc = rc};
        answer(b, w, &an);
        forget(b, w);
    }
    return 0;
}

int route_bridge_new(uv_loop_t *http_loop, struct api_env *env, struct route_bridge **out)
{
    struct route_bridge *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->env = env;
    int rc = uv_async_init(http_loop, &b->async, on_async);
    if (rc) {
        free(b);
        return rc;
    }
    b->async.data = b;
    req_queue_init(&b->answers, &b->async);
    *out = b;
    return 0;
}

/* Answers that came too late for their requests. */
static void free_answers(struct req_hop *h)
{
    for (struct req_hop *n; h; h = n) {
        n = h->next;
        free(REQ_WAIT_OUTER(h, struct route_answer, hop));
    }
}

void route_bridge_stop(struct route_bridge *b)
{
    if (!b || uv_is_closing((uv_handle_t *)&b->async))
        return;
    on_async(&b->async); /* answers that came already */
    free_answers(req_queue_close(&b->answers));
    struct route_answer stopping = {.rc = -ECANCELED};
    while (b->waits.all) {
        struct route_wait *w = REQ_WAIT_OUTER(b->waits.all, struct route_wait, park);
        answer(b, w, &stopping);
        forget(b, w);
    }
    uv_close((uv_handle_t *)&b->async, NULL);
}

void route_bridge_free(struct route_bridge **bp)
{
    struct route_bridge *b = *bp;
    if (!b)
        return;
    free_answers(req_queue_close(&b->answers));
    req_queue_destroy(&b->answers);
    free(b);
    *bp = NULL;
}
