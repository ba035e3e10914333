/* `camdex serve` in a cluster: operations on cameras between the central's
 * HTTP API and the zones' probers (serve_route.c). */
#ifndef CAMDEX_CLI_SERVE_ROUTE_H
#define CAMDEX_CLI_SERVE_ROUTE_H

#include <errno.h>

#include "base/config.h"
#include "cluster/ops.h"
#include "http/http_server.h"

struct serve_route {
    struct http_server *http;
    struct cluster_router *router;     /* a central's */
    struct cluster_ops_answer *answer; /* a prober's */
};

/* After the HTTP server started (http may be NULL): a central routes, a
 * prober answers. Not being able to is logged; 0 or a negative errno. */
int serve_route_start(struct serve_route *sr, const struct config *cfg, struct http_server *http);
/* Before the HTTP server stops. */
void serve_route_stop(struct serve_route *sr);

#endif
