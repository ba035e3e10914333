/* A prober's side of routed operations (see ops.h): requests on its zone's
 * camdex.<zone>.ctl.op passed on to its own HTTP API on loopback by a few
 * worker threads (libcurl), and the API's answer sent back as it is. The
 * API is the one place that knows how to do each operation; passing the
 * request on keeps the central's answers the same as the prober's. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cluster/job_queue.h"
#include "cluster/nats_link.h"
#include "cluster/ops.h"
#include "cluster/ops_wire.h"

#define ANSWER_THREADS 4
#define ANSWER_QUEUE   64
/* The prober's API answers every request by its own deadlines (a probe on
 * demand: 504 after [http] probe_wait); this only bounds a worker if it
 * does not. */
#define ANSWER_HTTP_TIMEOUT_MS 180000

struct job {
    struct job_link link; /* first */
    natsMsg *msg;
};

struct cluster_ops_answer {
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub;
    char zone[33];
    char base_url[96]; /* "http://127.0.0.1:8470", "" = no API */
    char auth[300];    /* "Authorization: Bearer ...", "" = none */
    pthread_t threads[ANSWER_THREADS];
    size_t nthreads;
    struct job_queue jobs;
    uint64_t answered, refused;
};

struct body {
    char *p;
    size_t len;
    bool too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *data)
{
    struct body *b = data;
    size_t add = size * n;
    if (b->len + add > OPS_REPLY_MAX) {
        b->too_big = true;
        return 0;
    }
    char *q = realloc(b->p, b->len + add + 1);
    if (!q)
        return 0;
    memcpy(q + b->len, p, add);
    b->p = q;
    b->len += add;
    return add;
}

static void send_reply(struct cluster_ops_answer *a, natsMsg *req, int status, const char *ctype,
                       const char *body, size_t len)
{
    const char *to = natsMsg_GetReply(req);
    if (!to || !to[0])
        return;
    natsMsg *m = NULL;
    char st[8];
    snprintf(st, sizeof(st), "%d", status);
    natsStatus s = natsMsg_Create(&m, to, NULL, body, (int)len);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(m, OPS_HDR_STATUS, st);
    if (s == NATS_OK && ctype && ctype[0])
        s = natsMsgHeader_Set(m, OPS_HDR_CTYPE, ctype);
    if (s == NATS_OK)
        s = natsConnection_PublishMsg(a->nc, m);
    natsMsg_Destroy(m);
    if (s != NATS_OK)
        log_kv(LEVEL_WARN, "cluster: an operation's answer could not be sent to the central",
               "zone", a->zone, "error", natsStatus_GetText(s), NULL);
}

/* An answer of the prober's own making, in the API's error shape. */
static void send_error(struct cluster_ops_answer *a, natsMsg *req, int status, const char *code,
                       const char *message)
{
    char body[768];
    int n = snprintf(body, sizeof(body),
                     "{\"error\":{\"code\":\"%s\",\"status\":%d,\"message\":\"%s\"}}\n", code,
                     status, message);
    send_reply(a, req, status, "application/json", body, n > 0 ? (size_t)n : 0);
}

static struct curl_slist *request_headers(struct cluster_ops_answer *a, natsMsg *m)
{
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    char line[256];
    const char *v;
    if (a->auth[0])
        h = curl_slist_append(h, a->auth);
    if (natsMsgHeader_Get(m, OPS_HDR_LANG, &v) == NATS_OK && v && strlen(v) < 200 &&
        !strpbrk(v, "\r\n")) {
        snprintf(line, sizeof(line), "Accept-Language: %s", v);
        h = curl_slist_append(h, line);
    }
    if (natsMsgHeader_Get(m, OPS_HDR_CTYPE, &v) == NATS_OK && v && strlen(v) < 200 &&
        !strpbrk(v, "\r\n")) {
        snprintf(line, sizeof(line), "Content-Type: %s", v);
        h = curl_slist_append(h, line);
    }
    return h;
}

/* One operation: checked, passed on, answered. */
static void answer(struct cluster_ops_answer *a, CURL *curl, natsMsg *m)
{
    const char *method = NULL, *target = NULL;
    natsMsgHeader_Get(m, OPS_HDR_METHOD, &method);
    natsMsgHeader_Get(m, OPS_HDR_TARGET, &target);
    if (!method || !target || !ops_target_ok(method, target, strlen(target)) ||
        natsMsg_GetDataLength(m) > OPS_BODY_MAX) {
        __atomic_add_fetch(&a->refused, 1, __ATOMIC_RELAXED);
        send_error(a, m, 400, "bad_operation",
                   "this is not an operation a central may ask of a prober");
        return;
    }
    if (!a->base_url[0]) {
        __atomic_add_fetch(&a->refused, 1, __ATOMIC_RELAXED);
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "the prober of zone %s serves no HTTP API, through which it does operations: "
                 "set [http] listen there",
                 a->zone);
        send_error(a, m, 503, "prober_no_api", msg);
        return;
    }
    char url[OPS_TARGET_MAX + 128];
    snprintf(url, sizeof(url), "%s%s", a->base_url, target);
    struct body b = {0};
    struct curl_slist *h = request_headers(a, m);
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROXY, ""); /* loopback, never through a proxy */
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "GET") == 0)
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    else {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, natsMsg_GetData(m) ? natsMsg_GetData(m) : "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)natsMsg_GetDataLength(m));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)ANSWER_HTTP_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    CURLcode cc = curl_easy_perform(curl);
    long status = 0;
    char *ctype = NULL;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype);
    if (cc == CURLE_OK && status >= 100 && status <= 599) {
        /* Counted before the reply leaves, as the refusals are: whoever
         * has the answer finds it counted. */
        __atomic_add_fetch(&a->answered, 1, __ATOMIC_RELAXED);
        send_reply(a, m, (int)status, ctype, b.p ? b.p : "", b.len);
    } else {
        __atomic_add_fetch(&a->refused, 1, __ATOMIC_RELAXED);
        char msg[300];
        snprintf(msg, sizeof(msg),
                 "the prober of zone %s could not ask its own HTTP API at %s: %s (see its log)",
                 a->zone, a->base_url + 7,
                 b.too_big ? "the answer is too large" : curl_easy_strerror(cc));
        send_error(a, m, 502, "prober_api_failed", msg);
    }
    curl_slist_free_all(h);
    free(b.p);
}

/* An operation queued and not begun when the answerer stops: the central
 * hears nothing and says the prober did not answer. */
static void drop(struct job *j)
{
    natsMsg_Destroy(j->msg);
    free(j);
}

static void *answer_main(void *arg)
{
    struct cluster_ops_answer *a = arg;
    CURL *curl = curl_easy_init();
    bool stop;
    for (struct job_link *l; (l = job_queue_pop(&a->jobs, &stop));) {
        struct job *j = (struct job *)l;
        if (stop) {
            drop(j);
            continue;
        }
        if (curl)
            answer(a, curl, j->msg);
        else
            send_error(a, j->msg, 500, "internal", "out of memory");
        natsMsg_Destroy(j->msg);
        free(j);
    }
    curl_easy_cleanup(curl);
    return NULL;
}

/* The client's delivery thread: queue, never wait. */
static void on_op(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    struct cluster_ops_answer *a = closure;
    struct job *j = calloc(1, sizeof(*j));
    bool full = !j;
    if (j) {
        j->msg = msg;
        full = job_queue_push(&a->jobs, &j->link) != 0; /* full or stopping */
    }
    if (full) {
        free(j);
        __atomic_add_fetch(&a->refused, 1, __ATOMIC_RELAXED);
        send_error(a, msg, 429, "too_many_operations",
                   "the prober has too many operations waiting; try again in a second");
        natsMsg_Destroy(msg);
    }
}

/* The bound address as a loopback URL: a wildcard address is reached on
 * loopback, the service's own. */
static void base_url(char *out, size_t cap, const char *address)
{
    if (!address || !address[0]) {
        out[0] = 0;
        return;
    }
    if (strncmp(address, "0.0.0.0:", 8) == 0)
        snprintf(out, cap, "http://127.0.0.1:%s", address + 8);
    else if (strncmp(address, "[::]:", 5) == 0)
        snprintf(out, cap, "http://[::1]:%s", address + 5);
    else
        snprintf(out, cap, "http://%s", address);
}

int cluster_ops_answer_start(const struct config *cfg, const char *http_address,
                             struct cluster_ops_answer **out, char *err, size_t errlen)
{
    *out = NULL;
    struct cluster_ops_answer *a = calloc(1, sizeof(*a));
    if (!a)
        return -ENOMEM;
    job_queue_init(&a->jobs, ANSWER_QUEUE);
    curl_global_init(CURL_GLOBAL_DEFAULT); /* counted; thread-safe in libcurl >= 7.84 */
    snprintf(a->zone, sizeof(a->zone), "%s", cfg->cluster_zone);
    base_url(a->base_url, sizeof(a->base_url), http_address);
    if (cfg->token_rw[0])
        snprintf(a->auth, sizeof(a->auth), "Authorization: Bearer %s", cfg->token_rw);
    char name[64], subject[80];
    snprintf(name, sizeof(name), "camdex-prober-%s-ops", cfg->cluster_zone);
    int rc = nats_link_open(cfg, name, &a->nc, &a->js, err, errlen);
    for (size_t i = 0; !rc && i < ANSWER_THREADS; i++) {
        if ((rc = -pthread_create(&a->threads[i], NULL, answer_main, a)))
            snprintf(err, errlen, "cannot start the threads that answer operations");
        else
            a->nthreads++;
    }
    if (!rc) {
        /* Only the zone's own subject: the central routes a camera's
         * operations to its zone, so no other prober hears them. The
         * subscription is kept through reconnections by the client. */
        ops_subject(subject, sizeof(subject), a->zone);
        natsStatus s = natsConnection_Subscribe(&a->sub, a->nc, subject, on_op, a);
        if (s != NATS_OK) {
            snprintf(err, errlen, "cannot listen on %s: %s", subject, natsStatus_GetText(s));
            rc = nats_link_err(s) ? nats_link_err(s) : -EIO;
        }
    }
    if (rc) {
        cluster_ops_answer_stop(&a);
        return rc;
    }
    *out = a;
    return 0;
}

void cluster_ops_answer_counts(struct cluster_ops_answer *a, uint64_t *answered, uint64_t *refused)
{
    *answered = a ? __atomic_load_n(&a->answered, __ATOMIC_RELAXED) : 0;
    *refused = a ? __atomic_load_n(&a->refused, __ATOMIC_RELAXED) : 0;
}

void cluster_ops_answer_stop(struct cluster_ops_answer **ap)
{
    struct cluster_ops_answer *a = *ap;
    if (!a)
        return;
    if (a->sub) {
        natsSubscription_Unsubscribe(a->sub);
        natsSubscription_Destroy(a->sub);
    }
    job_queue_stop(&a->jobs);
    for (size_t i = 0; i < a->nthreads; i++)
        pthread_join(a->threads[i], NULL);
    bool stop;
    for (struct job_link *l; (l = job_queue_pop(&a->jobs, &stop));)
        drop((struct job *)l); /* none, unless no worker ever ran */
    nats_link_close(&a->nc, &a->js);
    job_queue_destroy(&a->jobs);
    free(a);
    curl_global_cleanup();
    *ap = NULL;
}
