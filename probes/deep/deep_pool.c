/* Worker threads for deep probes. One mutex guards the request queue and the
 * done list; workers only ever touch the request they popped, and the loop
 * thread gets it back through the done list drained in the async callback. */
#include "deepm.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

enum rq_state {
    RQ_IDLE = 0, /* the caller's */
    RQ_QUEUED,   /* waiting for a worker */
    RQ_RUNNING,  /* a worker has it */
    RQ_DONE,     /* on the done list, callback not yet called */
};

struct rq_list {
    struct deep_request *head, *tail;
    unsigned len;
};

struct deep_pool {
    uv_loop_t *loop;
    uv_async_t async;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct rq_list queue; /* guarded by mu */
    struct rq_list done;  /* guarded by mu */
    unsigned queue_max;
    unsigned running;  /* guarded by mu */
    atomic_bool stop;  /* read by every probe's interrupt callback */
    bool closing;      /* loop thread only */
    unsigned nthreads; /* started */
    pthread_t *threads;
    uint64_t submitted, completed, cancelled, rejected; /* guarded by mu */
};

static void list_push(struct rq_list *l, struct deep_request *r)
{
    r->next_ = NULL;
    if (l->tail)
        l->tail->next_ = r;
    else
        l->head = r;
    l->tail = r;
    l->len++;
}

static struct deep_request *list_pop(struct rq_list *l)
{
    struct deep_request *r = l->head;
    assert((r == NULL) == (l->len == 0));
    if (r) {
        l->head = r->next_;
        if (!l->head)
            l->tail = NULL;
        r->next_ = NULL;
        l->len--;
    }
    return r;
}

static bool list_remove(struct rq_list *l, struct deep_request *r)
{
    struct deep_request *prev = NULL;
    for (struct deep_request *it = l->head; it; prev = it, it = it->next_) {
        if (it != r)
            continue;
        if (prev)
            prev->next_ = it->next_;
        else
            l->head = it->next_;
        if (l->tail == it)
            l->tail = prev;
        it->next_ = NULL;
        l->len--;
        return true;
    }
    return false;
}

/* How much nicer than the rest of the process a worker runs. Liveness
 * before diagnosis: the loop thread times every handshake and the workers
 * decode; with dozens of workers runnable, equal shares left the loop (and,
 * on one box, anything else) a sliver of a core, and handshakes that were
 * answered in time were read late. A nicer worker still takes every idle
 * cycle; it only yields when the loop has work. Linux keeps nice per
 * thread. */
#define DEEP_WORKER_NICE 10

static void yield_to_the_loop(void)
{
    errno = 0;
    int base = getpriority(PRIO_PROCESS, 0);
    if (base == -1 && errno)
        return;
    int nice = base + DEEP_WORKER_NICE > 19 ? 19 : base + DEEP_WORKER_NICE;
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice); /* a hint: fine to fail */
}

static void *worker_main(void *arg)
{
    struct deep_pool *p = arg;
    yield_to_the_loop();
    pthread_setname_np(pthread_self(), "camdex-deep"); /* for top -H and perf */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!atomic_load(&p->stop) && !p->queue.head)
            pthread_cond_wait(&p->cv, &p->mu);
        if (atomic_load(&p->stop))
            break;
        struct deep_request *r = list_pop(&p->queue);
        assert(r->state_ == RQ_QUEUED && r->pool_ == p);
        r->state_ = RQ_RUNNING;
        p->running++;
        pthread_mutex_unlock(&p->mu);

        int rc =
            deepm_probe_run(r->url, r->host[0] ? r->host : NULL, &r->opts, &p->stop, &r->result);
        if (rc == 0 && r->after && !atomic_load(&p->stop))
            r->after(r);

        pthread_mutex_lock(&p->mu);
        /* Nobody else touched it while it ran: cancel refuses a running
         * request, close waits for this thread. */
        assert(p->running > 0 && r->state_ == RQ_RUNNING);
        p->running--;
        r->status_ = rc == -ECANCELED ? -ECANCELED : 0;
        r->state_ = RQ_DONE;
        list_push(&p->done, r);
        /* uv_async_send is safe from any thread and coalesces wake-ups. */
        uv_async_send(&p->async);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Loop thread: hand every finished request back. Callbacks may free their
 * request or submit new ones, so the list is taken first. */
static void drain_done(struct deep_pool *p)
{
    pthread_mutex_lock(&p->mu);
    struct rq_list done = p->done;
    memset(&p->done, 0, sizeof(p->done));
    pthread_mutex_unlock(&p->mu);
    struct deep_request *r;
    while ((r = list_pop(&done))) {
        assert(r->state_ == RQ_DONE && r->pool_ == p);
        int status = r->status_;
        pthread_mutex_lock(&p->mu);
        if (status == -ECANCELED)
            p->cancelled++;
        else
            p->completed++;
        pthread_mutex_unlock(&p->mu);
        r->state_ = RQ_IDLE;
        r->pool_ = NULL;
        r->cb_(r, status);
    }
}

static void on_async(uv_async_t *h)
{
    drain_done(h->data);
}

int deepm_pool_new(uv_loop_t *loop, unsigned nthreads, unsigned queue_max, struct deep_pool **out)
{
    if (!loop || !out || nthreads < 1 || nthreads > 256 || queue_max < 1)
        return -EINVAL;
    *out = NULL;
    struct deep_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->threads = calloc(nthreads, sizeof(*p->threads));
    if (!p->threads) {
        free(p);
        return -ENOMEM;
    }
    p->loop = loop;
    p->queue_max = queue_max;
    atomic_init(&p->stop, false);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    int rc = uv_async_init(loop, &p->async, on_async);
    if (rc < 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p->threads);
        free(p);
        return rc;
    }
    p->async.data = p;

    /* Workers take no signals: the loop thread's handlers (libuv's signal
     * pipe, SIGCHLD) must stay where they were set up. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (; p->nthreads < nthreads; p->nthreads++) {
        rc = -pthread_create(&p->threads[p->nthreads], NULL, worker_main, p);
        if (rc < 0)
            break;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc < 0) {
        deepm_pool_close(&p);
        return rc;
    }
    *out = p;
    return 0;
}

int deepm_pool_submit(struct deep_pool *p, struct deep_request *req, const char *url,
                      const char *numeric_host, const struct deep_opts *opts, deep_done_cb cb)
{
    if (!p || !req || !url || !cb)
        return -EINVAL;
    if (p->closing)
        return -ESHUTDOWN;
    if (req->state_ != RQ_IDLE)
        return -EBUSY;
    size_t ul = strlen(url), hl = numeric_host ? strlen(numeric_host) : 0;
    if (ul >= sizeof(req->url) || hl >= sizeof(req->host))
        return -ENAMETOOLONG;
    pthread_mutex_lock(&p->mu);
    if (p->queue.len >= p->queue_max) {
        p->rejected++;
        pthread_mutex_unlock(&p->mu);
        return -EAGAIN;
    }
    memcpy(req->url, url, ul + 1);
    memcpy(req->host, numeric_host ? numeric_host : "", hl + 1);
    if (opts)
        req->opts = *opts;
    else
        deepm_opts_default(&req->opts);
    deepm_result_init(&req->result);
    req->cb_ = cb;
    req->pool_ = p;
    req->status_ = 0;
    req->state_ = RQ_QUEUED;
    list_push(&p->queue, req);
    p->submitted++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int deepm_pool_cancel(struct deep_pool *p, struct deep_request *req)
{
    if (!p || !req)
        return -EINVAL;
    int rc;
    pthread_mutex_lock(&p->mu);
    if (req->pool_ != p) {
        rc = -ENOENT;
    } else if (req->state_ == RQ_QUEUED && list_remove(&p->queue, req)) {
        req->status_ = -ECANCELED;
        req->state_ = RQ_DONE;
        list_push(&p->done, req);
        uv_async_send(&p->async);
        rc = 0;
    } else {
        rc = req->state_ == RQ_RUNNING || req->state_ == RQ_DONE ? -EBUSY : -ENOENT;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void deepm_pool_stats(struct deep_pool *p, struct deep_pool_stats *st)
{
    pthread_mutex_lock(&p->mu);
    st->queued = p->queue.len;
    st->running = p->running;
    st->done_waiting = p->done.len;
    st->submitted = p->submitted;
    st->completed = p->completed;
    st->cancelled = p->cancelled;
    st->rejected = p->rejected;
    pthread_mutex_unlock(&p->mu);
}

static void on_close(uv_handle_t *h)
{
    struct deep_pool *p = h->data;
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
}

void deepm_pool_close(struct deep_pool **pp)
{
    struct deep_pool *p = pp ? *pp : NULL;
    if (!p || p->closing)
        return;
    p->closing = true;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, true);
    struct deep_request *r;
    while ((r = list_pop(&p->queue))) {
        r->status_ = -ECANCELED;
        r->state_ = RQ_DONE;
        list_push(&p->done, r);
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    /* Every worker is gone: what they finished is on the done list. */
    assert(p->running == 0 && p->queue.len == 0);
    drain_done(p);
    /* Nothing can come back any more: the workers are gone, the queue is
     * empty and submit refuses a closing pool. */
    assert(p->done.len == 0);
    uv_close((uv_handle_t *)&p->async, on_close);
    *pp = NULL;
}
