/* A zone's reader at the central: fetch and decode ahead of the apply; see
 * central_pipe.h. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "cluster/central_pipe.h"
#include "cluster/mono_wait.h"

#define PIPE_ERROR_BACKOFF_MS 250 /* a fetch that failed at once is not retried in a spin */

struct central_pipe {
    natsSubscription *sub;
    int wait_ms;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    bool stop;
    struct central_fetch *ready; /* decoded, not taken yet */
};

void central_pipe_release(struct central_fetch **fp)
{
    struct central_fetch *f = *fp;
    if (!f)
        return;
    for (int i = 0; f->msg && i < f->n; i++)
        if (f->rc[i] == 0)
            wire_msg_free(&f->msg[i]);
    free(f->msg);
    free(f->rc);
    free(f->seq);
    free(f->err);
    natsMsgList_Destroy(&f->list);
    free(f);
    *fp = NULL;
}

struct part {
    struct central_fetch *f;
    int from, step;
};

static void *decode_part(void *arg)
{
    struct part *pt = arg;
    struct central_fetch *f = pt->f;
    for (int i = pt->from; i < f->n; i += pt->step) {
        natsMsg *m = f->list.Msgs[i];
        jsMsgMetaData *md = NULL;
        if (natsMsg_GetMetaData(&md, m) == NATS_OK) {
            f->seq[i] = md->Sequence.Stream;
            if (i == f->n - 1)
                f->pending = md->NumPending;
            jsMsgMetaData_Destroy(md);
        }
        f->err[i][0] = 0;
        f->rc[i] = wire_decode(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), &f->msg[i],
                               f->err[i], sizeof(f->err[i]));
    }
    return NULL;
}

/* Every other message decoded by a helper thread: decoding (jansson's
 * parse, its allocations, the field rules) outweighs the apply and the
 * commit, so two decoders keep the zone's thread busy. Without a helper
 * (a single message, or no thread to be had) the reader decodes alone. */
static void decode(struct central_fetch *f)
{
    struct part mine = {f, 0, 1}, other = {f, 1, 2};
    pthread_t helper;
    bool helped = f->n > 1 && pthread_create(&helper, NULL, decode_part, &other) == 0;
    if (helped)
        mine.step = 2;
    decode_part(&mine);
    if (helped)
        pthread_join(helper, NULL);
}

/* Room for a whole fetch, taken before fetching: messages fetched are
 * never dropped for want of memory (dropped, the next fetch's ack-all
 * would acknowledge them unread). */
static struct central_fetch *fetch_new(void)
{
    struct central_fetch *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->msg = calloc(CENTRAL_PIPE_BATCH, sizeof(*f->msg));
    f->rc = calloc(CENTRAL_PIPE_BATCH, sizeof(*f->rc));
    f->seq = calloc(CENTRAL_PIPE_BATCH, sizeof(*f->seq));
    f->err = calloc(CENTRAL_PIPE_BATCH, sizeof(*f->err));
    if (!f->msg || !f->rc || !f->seq || !f->err)
        central_pipe_release(&f);
    return f;
}

/* One fetch, decoded; NULL when nothing came. *failed: the fetch failed
 * at once, or there was no memory for it. */
static struct central_fetch *fetch_one(struct central_pipe *p, bool *failed)
{
    struct central_fetch *f = fetch_new();
    *failed = !f;
    if (!f)
        return NULL;
    /* What the stream holds now, at once, bounded in messages and bytes;
     * when it holds nothing, a wait for the first message to come (a
     * request for a whole batch would wait until the batch is full or
     * the wait is over, and hold an event that long). */
    jsFetchRequest req;
    jsFetchRequest_Init(&req);
    req.Batch = CENTRAL_PIPE_BATCH;
    req.MaxBytes = CENTRAL_PIPE_BYTES;
    req.NoWait = true;
    natsStatus s = natsSubscription_FetchRequest(&f->list, p->sub, &req);
    if (f->list.Count == 0) {
        natsMsgList_Destroy(&f->list);
        req.NoWait = false;
        req.Batch = 1;
        req.Expires = (int64_t)p->wait_ms * 1000000;
        s = natsSubscription_FetchRequest(&f->list, p->sub, &req);
    }
    /* Messages that came are used whatever the status says. */
    f->n = f->list.Count > CENTRAL_PIPE_BATCH ? CENTRAL_PIPE_BATCH : f->list.Count;
    if (f->n == 0) {
        *failed = s != NATS_OK && s != NATS_TIMEOUT;
        central_pipe_release(&f);
        return NULL;
    }
    decode(f);
    return f;
}

static void *reader_main(void *arg)
{
    struct central_pipe *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        if (p->ready) { /* the zone's thread has not taken the last one yet */
            pthread_cond_wait(&p->cond, &p->lock);
            continue;
        }
        pthread_mutex_unlock(&p->lock);
        bool failed = false;
        struct central_fetch *f = fetch_one(p, &failed);
        pthread_mutex_lock(&p->lock);
        if (f) {
            p->ready = f;
            pthread_cond_broadcast(&p->cond);
        } else if (failed && !p->stop) {
            struct timespec until;
            mono_deadline(&until, PIPE_ERROR_BACKOFF_MS);
            pthread_cond_timedwait(&p->cond, &p->lock, &until);
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int central_pipe_start(natsSubscription *sub, int wait_ms, struct central_pipe **out)
{
    *out = NULL;
    struct central_pipe *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->sub = sub;
    p->wait_ms = wait_ms;
    pthread_mutex_init(&p->lock, NULL);
    mono_cond_init(&p->cond);
    int rc = pthread_create(&p->thread, NULL, reader_main, p);
    if (rc) {
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return -rc;
    }
    *out = p;
    return 0;
}

int central_pipe_take(struct central_pipe *p, int wait_ms, struct central_fetch **out)
{
    struct timespec until;
    mono_deadline(&until, wait_ms);
    pthread_mutex_lock(&p->lock);
    while (!p->ready && !p->stop)
        if (pthread_cond_timedwait(&p->cond, &p->lock, &until) == ETIMEDOUT)
            break;
    *out = p->ready;
    p->ready = NULL;
    pthread_cond_broadcast(&p->cond); /* the reader fetches the next one */
    pthread_mutex_unlock(&p->lock);
    return *out ? 0 : -ETIMEDOUT;
}

void central_pipe_stop(struct central_pipe **pp)
{
    struct central_pipe *p = *pp;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    central_pipe_release(&p->ready);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p);
    *pp = NULL;
}
