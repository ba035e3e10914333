/* `camdex serve` in a cluster: operations on a camera asked at the central
 * go to its zone's prober (the cluster's router, answers handed to the HTTP
 * API), and a prober answers its zone's through its own HTTP API. */
#include <stdint.h>
#include <stdlib.h>

#include "base/log.h"
#include "cli/serve_route.h"

struct route_ctx {
    struct http_server *http;
    uint64_t token;
};

static void on_done(void *data, const struct cluster_op_reply *r)
{
    struct route_ctx *rc = data;
    http_server_route_answer(rc->http, rc->token, r->rc, r->status, r->content_type, r->body,
                             r->body_len);
    free(rc);
}

/* On the HTTP thread: hand it to the router, never wait. */
static int send_op(void *data, const struct http_route_op *hop)
{
    struct serve_route *sr = data;
    struct route_ctx *rc = malloc(sizeof(*rc));
    if (!rc)
        return -ENOMEM;
    rc->http = sr->http;
    rc->token = hop->token;
    struct cluster_op op = {
        .zone = hop->zone,
        .method = hop->method,
        .target = hop->target,
        .accept_language = hop->accept_language,
        .content_type = hop->content_type,
        .body = hop->body,
        .body_len = hop->body_len,
        .timeout_ms = hop->timeout_ms,
    };
    int e = cluster_router_send(sr->router, &op, on_done, rc);
    if (e)
        free(rc);
    return e;
}

int serve_route_start(struct serve_route *sr, const struct config *cfg, struct http_server *http)
{
    char err[320];
    int rc = 0;
    sr->http = http;
    if (cfg->cluster_role == CONFIG_ROLE_CENTRAL && http) {
        rc = cluster_router_start(cfg, &sr->router, err, sizeof(err));
        if (!rc)
            http_server_set_router(http, send_op, sr);
    } else if (cfg->cluster_role == CONFIG_ROLE_PROBER) {
        rc =
            cluster_ops_answer_start(cfg, http_server_address(http), &sr->answer, err, sizeof(err));
        if (!rc && !http)
            log_kv(LEVEL_WARN,
                   "cluster: this prober serves no HTTP API ([http] listen), so the central "
                   "cannot have operations done on its cameras",
                   "zone", cfg->cluster_zone, NULL);
    }
    if (rc)
        log_kv(LEVEL_ERROR, "cluster: operations from the central are off", "error", err, NULL);
    return rc;
}

void serve_route_stop(struct serve_route *sr)
{
    /* The router first: it answers whatever waits, into an API still there. */
    cluster_router_stop(&sr->router);
    cluster_ops_answer_stop(&sr->answer);
}
