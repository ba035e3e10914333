/* Parked requests and the hand-off queue (req_wait.h). */
#include "http/req_wait.h"

#include <errno.h>

/* The request pool is going (answered, or the client went away): the
 * entry must not touch the request any more. */
static void on_req_gone(void *p)
{
    struct req_wait *w = *(struct req_wait **)p;
    if (w) {
        w->req = NULL;
        w->ref = NULL;
    }
}

void req_wait_hook(struct req_wait *w, h2o_req_t *req)
{
    w->req = req;
    w->ref = h2o_mem_alloc_shared(&req->pool, sizeof(*w->ref), on_req_gone);
    *w->ref = w;
}

h2o_req_t *req_wait_claim(struct req_wait *w)
{
    h2o_req_t *req = w->req;
    if (w->ref)
        *w->ref = NULL;
    w->ref = NULL;
    w->req = NULL;
    return req;
}

void req_waits_park(struct req_waits *l, struct req_wait *w, h2o_req_t *req)
{
    req_wait_hook(w, req);
    w->prev = NULL;
    w->next = l->all;
    if (l->all)
        l->all->prev = w;
    l->all = w;
    l->n++;
}

void req_waits_remove(struct req_waits *l, struct req_wait *w)
{
    req_wait_claim(w);
    if (w->prev)
        w->prev->next = w->next;
    else
        l->all = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
    l->n--;
}

void req_queue_init(struct req_queue *q, uv_async_t *wake)
{
    pthread_mutex_init(&q->lock, NULL);
    q->top = NULL;
    q->closed = false;
    q->wake = wake;
}

int req_queue_push(struct req_queue *q, struct req_hop *h)
{
    pthread_mutex_lock(&q->lock);
    bool closed = q->closed;
    if (!closed) {
        h->next = q->top;
        q->top = h;
    }
    pthread_mutex_unlock(&q->lock);
    if (closed)
        return -ECANCELED;
    uv_async_send(q->wake);
    return 0;
}

/* A stack is newest first; answers go out in the order they came. */
static struct req_hop *oldest_first(struct req_hop *h)
{
    struct req_hop *out = NULL;
    while (h) {
        struct req_hop *n = h->next;
        h->next = out;
        out = h;
        h = n;
    }
    return out;
}

struct req_hop *req_queue_take(struct req_queue *q)
{
    pthread_mutex_lock(&q->lock);
    struct req_hop *h = q->top;
    q->top = NULL;
    pthread_mutex_unlock(&q->lock);
    return oldest_first(h);
}

struct req_hop *req_queue_close(struct req_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    struct req_hop *h = q->top;
    q->top = NULL;
    pthread_mutex_unlock(&q->lock);
    return oldest_first(h);
}

void req_queue_destroy(struct req_queue *q)
{
    pthread_mutex_destroy(&q->lock);
}
