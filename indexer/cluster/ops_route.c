/* The central's side of routed operations (see ops.h): requests on
 * camdex.<zone>.ctl.op from a few threads of its own, so an API thread
 * never waits on NATS, with one connection closed at stop to end every
 * wait at once. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/job_queue.h"
#include "cluster/nats_link.h"
#include "cluster/ops.h"
#include "cluster/ops_wire.h"

#define ROUTE_THREADS 8  /* operations waiting on probers at once */
#define ROUTE_QUEUE   64 /* and queued behind them; more get -EBUSY */

struct job {
    struct job_link link; /* first */
    struct cluster_op op; /* its strings point into text[] */
    cluster_op_done_fn done;
    void *data;
    char text[];
};

struct cluster_router {
    natsConnection *nc;
    jsCtx *js;
    pthread_t threads[ROUTE_THREADS];
    size_t nthreads;
    struct job_queue jobs;
};

static int reply_from(natsMsg *m, struct cluster_op_reply *out)
{
    const char *v = NULL;
    if (natsMsgHeader_Get(m, OPS_HDR_STATUS, &v) != NATS_OK || !v)
        return -EPROTO;
    char *end;
    long st = strtol(v, &end, 10);
    if (*end || st < 100 || st > 599)
        return -EPROTO;
    out->status = (int)st;
    if (natsMsgHeader_Get(m, OPS_HDR_CTYPE, &v) == NATS_OK && v)
        snprintf(out->content_type, sizeof(out->content_type), "%s", v);
    int n = natsMsg_GetDataLength(m);
    if (n < 0 || n > OPS_REPLY_MAX)
        return -EPROTO;
    out->body = malloc((size_t)n + 1);
    if (!out->body)
        return -ENOMEM;
    memcpy(out->body, natsMsg_GetData(m), (size_t)n);
    ((char *)out->body)[n] = 0;
    out->body_len = (size_t)n;
    return 0;
}

static natsStatus build(const struct cluster_op *op, natsMsg **m)
{
    char subject[80];
    ops_subject(subject, sizeof(subject), op->zone);
    natsStatus s = natsMsg_Create(m, subject, NULL, op->body, (int)op->body_len);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(*m, OPS_HDR_METHOD, op->method);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(*m, OPS_HDR_TARGET, op->target);
    if (s == NATS_OK && op->accept_language && op->accept_language[0])
        s = natsMsgHeader_Set(*m, OPS_HDR_LANG, op->accept_language);
    if (s == NATS_OK && op->content_type && op->content_type[0])
        s = natsMsgHeader_Set(*m, OPS_HDR_CTYPE, op->content_type);
    return s;
}

void cluster_router_call(struct cluster_router *r, const struct cluster_op *op,
                         struct cluster_op_reply *out)
{
    memset(out, 0, sizeof(*out));
    if (op->body_len > OPS_BODY_MAX) {
        out->rc = -EMSGSIZE;
        return;
    }
    if (natsConnection_Status(r->nc) != NATS_CONN_STATUS_CONNECTED) {
        out->rc = natsConnection_IsClosed(r->nc) ? -ECANCELED : -ENOTCONN;
        return;
    }
    natsMsg *m = NULL, *reply = NULL;
    natsStatus s = build(op, &m);
    if (s == NATS_OK)
        s = natsConnection_RequestMsg(&reply, r->nc, m, op->timeout_ms ? op->timeout_ms : 1);
    natsMsg_Destroy(m);
    if (s == NATS_CONNECTION_CLOSED) {
        out->rc = -ECANCELED;
    } else if (s != NATS_OK) {
        out->rc = nats_link_err(s);
    } else {
        out->rc = reply_from(reply, out);
        if (out->rc) {
            free(out->body);
            out->body = NULL;
            out->body_len = 0;
        }
    }
    natsMsg_Destroy(reply);
}

int cluster_router_wait_connected(struct cluster_router *r, uint32_t ms)
{
    for (uint32_t waited = 0; waited < ms; waited += 10) {
        if (natsConnection_Status(r->nc) == NATS_CONN_STATUS_CONNECTED)
            return 0;
        nats_Sleep(10);
    }
    return natsConnection_Status(r->nc) == NATS_CONN_STATUS_CONNECTED ? 0 : -ENOTCONN;
}

static void *route_main(void *arg)
{
    struct cluster_router *r = arg;
    bool stop;
    for (struct job_link *l; (l = job_queue_pop(&r->jobs, &stop));) {
        struct job *j = (struct job *)l;
        struct cluster_op_reply rep = {.rc = -ECANCELED};
        if (!stop)
            cluster_router_call(r, &j->op, &rep);
        j->done(j->data, &rep);
        free(rep.body);
        free(j);
    }
    return NULL; /* stopping, nothing left */
}

int cluster_router_start(const struct config *cfg, struct cluster_router **out, char *err,
                         size_t errlen)
{
    *out = NULL;
    struct cluster_router *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    job_queue_init(&r->jobs, ROUTE_QUEUE);
    int rc = nats_link_open(cfg, "camdex-central-ops", &r->nc, &r->js, err, errlen);
    for (size_t i = 0; !rc && i < ROUTE_THREADS; i++) {
        if ((rc = -pthread_create(&r->threads[i], NULL, route_main, r)))
            snprintf(err, errlen, "cannot start the threads that route operations");
        else
            r->nthreads++;
    }
    if (rc) {
        cluster_router_stop(&r);
        return rc;
    }
    *out = r;
    return 0;
}

/* A copy of the op's strings and body in one block. */
static struct job *job_new(const struct cluster_op *op)
{
    const char *s[5] = {op->zone, op->method, op->target, op->accept_language, op->content_type};
    size_t len[5], total = op->body_len;
    for (int i = 0; i < 5; i++) {
        len[i] = s[i] ? strlen(s[i]) : 0;
        total += len[i] + 1;
    }
    struct job *j = calloc(1, sizeof(*j) + total);
    if (!j)
        return NULL;
    char *p = j->text;
    const char **dst[5] = {&j->op.zone, &j->op.method, &j->op.target, &j->op.accept_language,
                           &j->op.content_type};
    for (int i = 0; i < 5; i++) {
        if (len[i])
            memcpy(p, s[i], len[i]);
        p[len[i]] = 0;
        *dst[i] = p;
        p += len[i] + 1;
    }
    if (op->body_len)
        memcpy(p, op->body, op->body_len);
    j->op.body = p;
    j->op.body_len = op->body_len;
    j->op.timeout_ms = op->timeout_ms;
    return j;
}

int cluster_router_send(struct cluster_router *r, const struct cluster_op *op,
                        cluster_op_done_fn done, void *data)
{
    if (op->body_len > OPS_BODY_MAX)
        return -EMSGSIZE;
    struct job *j = job_new(op);
    if (!j)
        return -ENOMEM;
    j->done = done;
    j->data = data;
    int rc = job_queue_push(&r->jobs, &j->link);
    if (rc)
        free(j);
    return rc;
}

void cluster_router_stop(struct cluster_router **rp)
{
    struct cluster_router *r = *rp;
    if (!r)
        return;
    job_queue_stop(&r->jobs);
    /* Closing wakes every request waiting for a reply (NATS_CONNECTION_CLOSED);
     * the threads then answer what is queued with -ECANCELED. */
    if (r->nc)
        natsConnection_Close(r->nc);
    for (size_t i = 0; i < r->nthreads; i++)
        pthread_join(r->threads[i], NULL);
    nats_link_close(&r->nc, &r->js);
    job_queue_destroy(&r->jobs);
    free(r);
    *rp = NULL;
}
