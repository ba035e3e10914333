/* Requests parked on the HTTP thread while other threads do their work (a
 * probe on demand on the monitor's loop, an operation by a zone's prober,
 * a job on libuv's worker pool), and the queue that work crosses threads
 * by. h2o frees the pool of a request whose client went away, so a parked
 * request is hooked to that pool through a shared object whose dispose
 * unhooks it: the answer is sent only while the request is still there.
 * No api_* in here: the callers embed the entries and decide the answers. */
#ifndef CAMDEX_HTTP_REQ_WAIT_H
#define CAMDEX_HTTP_REQ_WAIT_H

#include <h2o.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

/* The struct of type `type` whose member `member` is at `p`. */
#define REQ_WAIT_OUTER(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

/* A request parked on the HTTP thread; HTTP thread only. */
struct req_wait {
    h2o_req_t *req;               /* NULL once claimed or the client is gone */
    struct req_wait **ref;        /* the request pool's pointer back to this */
    struct req_wait *prev, *next; /* in a req_waits, when the caller keeps one */
};

/* Hooks `w` to `req`'s pool: w->req turns NULL when h2o frees the request. */
void req_wait_hook(struct req_wait *w, h2o_req_t *req);
/* Takes the request from `w`, so nothing answers it twice and the pool no
 * longer points at `w` (which may then be freed); NULL when it is gone. */
h2o_req_t *req_wait_claim(struct req_wait *w);

/* The parked requests of one bridge, newest first; HTTP thread only. */
struct req_waits {
    struct req_wait *all;
    size_t n;
};

/* req_wait_hook, and `w` joins `l`. */
void req_waits_park(struct req_waits *l, struct req_wait *w, h2o_req_t *req);
/* `w` leaves `l`, its request claimed (unanswered if it was still there). */
void req_waits_remove(struct req_waits *l, struct req_wait *w);

/* A node of a req_queue, embedded in what crosses. */
struct req_hop {
    struct req_hop *next;
};

/* Hands nodes from any thread to the thread of the loop `wake` is on: a
 * mutex-protected stack and a uv_async_t that says "take". */
struct req_queue {
    pthread_mutex_t lock;
    struct req_hop *top; /* under lock, newest first */
    bool closed;         /* under lock: pushes are refused */
    uv_async_t *wake;
};

void req_queue_init(struct req_queue *q, uv_async_t *wake);
/* Any thread: 0 and `wake` is sent, or -ECANCELED once the queue is closed
 * (the node stays the caller's). */
int req_queue_push(struct req_queue *q, struct req_hop *h);
/* Everything pushed so far, oldest first (NULL for none). */
struct req_hop *req_queue_take(struct req_queue *q);
/* Refuses pushes from now on; returns what was left, oldest first. */
struct req_hop *req_queue_close(struct req_queue *q);
/* After the last push and take: the nodes left are the caller's to free
 * (req_queue_close gave them). */
void req_queue_destroy(struct req_queue *q);

#endif
