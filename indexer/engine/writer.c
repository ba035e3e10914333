/* Writer thread; see writer.h. Only two things cross threads: the batch
 * being committed (owned by the thread until it posts back) and the queue of
 * committed events, both under the mutex. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "engine/writer.h"

struct writer {
    uv_loop_t *loop;
    struct store *store;
    writer_event_cb on_event;
    writer_commit_cb on_commit;
    void *data;
    uv_async_t done;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;

    struct store_batch *filling;   /* loop thread only */
    struct store_batch *committing; /* thread's while busy */
    bool busy, stop;                /* under mu */

    /* Results, under mu: events encoded back to back, then the stats. */
    struct enc events;
    uint32_t nevents;
    bool result_ready;
    int status;
    struct store_commit_stats stats;
    uint64_t commit_us;
};

/* Thread side: copy each committed event for the loop. */
static int copy_event(const struct store_event *ev, void *ctx)
{
    struct writer *w = ctx;
    pthread_mutex_lock(&w->mu);
    enc_uvar(&w->events, ev->key);
    enc_str(&w->events, ev->camera_id, STORE_ID_MAX);
    enc_str(&w->events, ev->unit_id, STORE_ID_MAX);
    enc_u8(&w->events, ev->from);
    enc_u8(&w->events, ev->to);
    enc_str(&w->events, ev->reason, STORE_REASON_MAX);
    enc_str(&w->events, ev->detail, 256);
    w->nevents++;
    pthread_mutex_unlock(&w->mu);
    return 0;
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    pthread_setname_np(pthread_self(), "camdex-writer"); /* for top -H and perf */
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->busy && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->busy && w->stop)
            break;
        /* The batch being committed is this thread's until busy is false. */
        assert(w->busy && w->committing != w->filling);
        pthread_mutex_unlock(&w->mu);

        struct store_commit_stats st;
        uint64_t t0 = uv_hrtime();
        int rc = store_batch_commit(w->store, w->committing, &st, copy_event, w);
        uint64_t us = (uv_hrtime() - t0) / 1000;
        store_batch_clear(w->committing);

        pthread_mutex_lock(&w->mu);
        assert(w->busy && !w->result_ready);
        w->status = rc;
        w->stats = st;
        w->commit_us = us;
        w->result_ready = true;
        w->busy = false;
        uv_async_send(&w->done);
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Loop side: deliver events and the commit result. */
static void drain(struct writer *w)
{
    pthread_mutex_lock(&w->mu);
    if (!w->result_ready) {
        pthread_mutex_unlock(&w->mu);
        return;
    }
    struct enc events = w->events;
    uint32_t n = w->nevents;
    int status = w->status;
    struct store_commit_stats st = w->stats;
    uint64_t us = w->commit_us;
    enc_init(&w->events);
    w->nevents = 0;
    w->result_ready = false;
    pthread_mutex_unlock(&w->mu);

    struct dec d;
    dec_init(&d, events.buf, events.len);
    for (uint32_t i = 0; i < n && !d.err; i++) {
        struct store_event ev = {0};
        ev.key = dec_uvar(&d);
        ev.time_ms = (int64_t)(ev.key >> 12);
        ev.camera_id = dec_str(&d);
        ev.unit_id = dec_str(&d);
        ev.from = dec_u8(&d);
        ev.to = dec_u8(&d);
        ev.reason = dec_str(&d);
        ev.detail = dec_str(&d);
        if (!d.err && w->on_event)
            w->on_event(w->data, &ev);
    }
    enc_free(&events);
    if (w->on_commit)
        w->on_commit(w->data, status, &st, us);
}

static void on_done(uv_async_t *a)
{
    drain(a->data);
}

/* The last step: libuv is done with the async handle. */
static void writer_closed(uv_handle_t *h)
{
    struct writer *w = h->data;
    store_batch_free(&w->filling);
    store_batch_free(&w->committing);
    enc_free(&w->events);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

int writer_new(uv_loop_t *loop, struct store *s, writer_event_cb on_event,
               writer_commit_cb on_commit, void *data, struct writer **out)
{
    struct writer *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->loop = loop;
    w->store = s;
    w->on_event = on_event;
    w->on_commit = on_commit;
    w->data = data;
    enc_init(&w->events);
    int rc = store_batch_new(&w->filling);
    if (!rc)
        rc = store_batch_new(&w->committing);
    if (rc) {
        store_batch_free(&w->filling);
        free(w);
        return rc;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    uv_async_init(loop, &w->done, on_done);
    w->done.data = w;
    rc = pthread_create(&w->thread, NULL, writer_main, w);
    if (rc) {
        w->stop = true; /* no thread to join */
        uv_close((uv_handle_t *)&w->done, writer_closed);
        return -rc;
    }
    *out = w;
    return 0;
}

struct store_batch *writer_batch(struct writer *w)
{
    return w->filling;
}

bool writer_busy(const struct writer *w)
{
    struct writer *mw = (struct writer *)w;
    pthread_mutex_lock(&mw->mu);
    bool busy = mw->busy;
    pthread_mutex_unlock(&mw->mu);
    return busy;
}

int writer_flush(struct writer *w)
{
    if (store_batch_size(w->filling) == 0)
        return 0;
    pthread_mutex_lock(&w->mu);
    if (w->busy || w->result_ready) {
        /* Keep results in order: the previous commit is delivered first. */
        pthread_mutex_unlock(&w->mu);
        return -EBUSY;
    }
    /* The committing batch was cleared by the thread before it let go. */
    assert(store_batch_size(w->committing) == 0);
    struct store_batch *b = w->committing;
    w->committing = w->filling;
    w->filling = b;
    w->busy = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

void writer_close(struct writer **wp)
{
    struct writer *w = *wp;
    if (!w)
        return;
    /* Drain what is in flight, commit the rest, deliver everything. */
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (w->busy)
            pthread_cond_wait(&w->cv, &w->mu);
        pthread_mutex_unlock(&w->mu);
        drain(w);
        if (store_batch_size(w->filling) == 0)
            break;
        writer_flush(w);
    }
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    /* The callbacks must not run again: they may refer to freed owners. */
    w->on_event = NULL;
    w->on_commit = NULL;
    uv_close((uv_handle_t *)&w->done, writer_closed);
    *wp = NULL;
}
