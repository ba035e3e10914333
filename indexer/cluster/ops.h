/* Operations on a camera asked at the central and done by its zone's
 * prober (maintenance, probes on demand, reference pictures, thumbnails),
 * over NATS request/reply on camdex.<zone>.ctl.op.
 *
 * The prober does each one through its own HTTP API on loopback, so an
 * operation routed from the central answers exactly as the prober's API
 * would (same status, codes, texts, bytes); only the camera's own zone can
 * answer, since a prober subscribes to its zone's subject alone (and NATS
 * permissions allow it no other). */
#ifndef CAMDEX_CLUSTER_OPS_H
#define CAMDEX_CLUSTER_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"

/* One operation, as the central's API received it. */
struct cluster_op {
    const char *zone;            /* the camera's zone */
    const char *method;          /* GET, PUT, POST, DELETE */
    const char *target;          /* "/api/v1/cameras/ID/maintenance?lang=zh", as received */
    const char *accept_language; /* "" = none */
    const char *content_type;    /* of the body, "" = none */
    const void *body;
    size_t body_len;
    uint32_t timeout_ms; /* how long the central waits for the prober */
};

/* Its answer. rc 0: the prober's API answered `status` with the body (the
 * memory is the caller's to free in cluster_router_call, the callback's to
 * read only in cluster_router_send). rc negative: no answer:
 * -EHOSTUNREACH no prober of the zone listens, -ETIMEDOUT none answered in
 * time, -ENOTCONN the central is not connected to NATS, -EACCES NATS
 * refused the subject, -ECANCELED stopping. */
struct cluster_op_reply {
    int rc;
    int status;
    char content_type[96];
    void *body;
    size_t body_len;
};

/* ---- the central's side (ops_route.c) ---- */

struct cluster_router;
typedef void (*cluster_op_done_fn)(void *data, const struct cluster_op_reply *r);

/* A NATS connection of its own and a few threads waiting on replies. 0,
 * or a negative errno with a sentence in err. */
int cluster_router_start(const struct config *cfg, struct cluster_router **out, char *err,
                         size_t errlen);
/* Sends `op` (copied); `done` runs exactly once, on one of the router's
 * threads, with the answer. 0, or -EBUSY when too many wait already,
 * -ECANCELED when stopping, -ENOMEM (done does not run then). */
int cluster_router_send(struct cluster_router *r, const struct cluster_op *op,
                        cluster_op_done_fn done, void *data);
/* The same, waiting for the answer on the caller's thread (the CLI). The
 * reply's body is malloc'd: free it. */
void cluster_router_call(struct cluster_router *r, const struct cluster_op *op,
                         struct cluster_op_reply *out);
/* Waits up to `ms` for the connection, made in the background, to be up
 * (a command's single call): 0, or -ENOTCONN. */
int cluster_router_wait_connected(struct cluster_router *r, uint32_t ms);
/* Closes the connection (every request still waiting gets -ECANCELED) and
 * joins the threads. Safe with NULL. */
void cluster_router_stop(struct cluster_router **r);

/* ---- a prober's side (ops_answer.c) ---- */

struct cluster_ops_answer;

/* Answers the zone's operations through the prober's own HTTP API at
 * `http_address` ("127.0.0.1:8470"; "" = no API: every operation gets 503
 * saying so). 0, or a negative errno with a sentence in err. */
int cluster_ops_answer_start(const struct config *cfg, const char *http_address,
                             struct cluster_ops_answer **out, char *err, size_t errlen);
/* Operations answered and refused so far (any thread). */
void cluster_ops_answer_counts(struct cluster_ops_answer *a, uint64_t *answered, uint64_t *refused);
void cluster_ops_answer_stop(struct cluster_ops_answer **a);

#endif
