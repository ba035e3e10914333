/* The deep probe's own worker threads: a bounded queue of requests, N
 * workers running deep_probe_run, results handed back to the loop thread
 * through one uv_async_t. Not libuv's threadpool: its 4 threads are shared
 * with DNS and file work, and a deep probe blocks for seconds. */
#ifndef CAMDEX_DEEP_POOL_H
#define CAMDEX_DEEP_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "deep_probe.h"
#include "url.h"

struct deep_pool;
struct deep_request;

/* Called on the loop thread, once per submitted request: status 0 with
 * req->result filled in, or -ECANCELED (cancelled while queued, or the pool
 * shut down; req->result may then hold an interrupted probe). The request
 * belongs to the caller again when this runs; it may be freed in it. */
typedef void (*deep_done_cb)(struct deep_request *req, int status);

struct deep_request {
    /* public */
    void *data;
    /* Run on the worker thread right after the probe, when not NULL: more
     * work on what the probe decoded (reading the OSD off the full-size
     * picture) that must not run on the loop thread. It may read and
     * change req->result, and must return within seconds. */
    void (*after)(struct deep_request *req);
    /* read-only while in flight: a worker reads these */
    char url[PROBE_URL_MAX];
    char host[48]; /* numeric address, "" = the URL host is numeric */
    struct deep_opts opts;
    /* written by the worker, valid in the callback; deep_result_clear it */
    struct deep_result result;
    /* private */
    deep_done_cb cb_;
    struct deep_pool *pool_;
    struct deep_request *next_;
    int state_;
    int status_;
};

struct deep_pool_stats {
    unsigned queued, running, done_waiting;
    uint64_t submitted, completed, cancelled, rejected;
};

/* Start `nthreads` workers (1..256) and a queue of at most `queue_max`
 * waiting requests. The pool's uv_async_t keeps the loop alive until
 * deep_pool_close. 0 or a negative errno (-EINVAL, -ENOMEM, or what
 * pthread_create / uv_async_init said). */
int deep_pool_new(uv_loop_t *loop, unsigned nthreads, unsigned queue_max, struct deep_pool **out);

/* Queue a probe of `url` (via `numeric_host` if not NULL, see
 * deep_probe_run). Loop thread only. 0; -EAGAIN when the queue is full;
 * -ESHUTDOWN after close; -EBUSY when req is already in flight;
 * -ENAMETOOLONG / -EINVAL for bad arguments. If it returns an error the
 * callback is never called. */
int deep_pool_submit(struct deep_pool *p, struct deep_request *req, const char *url,
                     const char *numeric_host, const struct deep_opts *opts, deep_done_cb cb);

/* Take a request off the queue before a worker starts it; its callback runs
 * with -ECANCELED on the next loop iteration. 0; -EBUSY when a worker has it
 * already (it runs to its deadline) or its callback is pending; -ENOENT when
 * it is not in this pool. */
int deep_pool_cancel(struct deep_pool *p, struct deep_request *req);

void deep_pool_stats(struct deep_pool *p, struct deep_pool_stats *st);

/* Shut down: raise the stop flag (every running probe returns within about
 * 100 ms through its interrupt callback), cancel queued requests, join the
 * workers, call every outstanding callback (with -ECANCELED unless the
 * result was already complete), then close the async handle. Loop thread
 * only. The pool's memory goes in the handle's close callback, so run the
 * loop once more afterwards; *p is set to NULL. */
void deep_pool_close(struct deep_pool **p);

#endif
