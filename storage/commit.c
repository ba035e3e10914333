/* The one commit loop: a write transaction whose changes a callback makes
 * (a batch's recorded ops, or store_write's producer), grown and replayed
 * when the map is full, and the transitions it produced handed out after
 * the commit. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "apply.h"
#include "records.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int grow_map(struct store *s)
{
    if (s->map_size >= s->map_size_max)
        return -ENOSPC;
    uint64_t size = s->map_size * 2;
    if (size > s->map_size_max)
        size = s->map_size_max;
    pthread_rwlock_wrlock(&s->resize_lock);
    int rc = store_err(s, mdb_env_set_mapsize(s->env, size));
    pthread_rwlock_unlock(&s->resize_lock);
    if (!rc)
        s->map_size = size;
    return rc;
}

static void adopt_map_size(struct store *s)
{
    MDB_envinfo info;
    pthread_rwlock_wrlock(&s->resize_lock);
    mdb_env_set_mapsize(s->env, 0);
    mdb_env_info(s->env, &info);
    s->map_size = info.me_mapsize;
    pthread_rwlock_unlock(&s->resize_lock);
}

static int deliver_events(struct wtxn *t, store_event_cb cb, void *ctx)
{
    struct dec d;
    dec_init(&d, t->events.buf, t->events.len);
    for (uint32_t i = 0; i < t->event_count; i++) {
        uint64_t key = dec_uvar(&d);
        uint64_t len = dec_uvar(&d);
        if (d.err || len > (uint64_t)(d.end - d.p))
            return -EBADMSG;
        struct store_event ev;
        int rc = rec_event_decode(d.p, len, key, &ev);
        d.p += len;
        if (rc)
            return rc;
        rc = cb(&ev, ctx);
        if (rc)
            return rc < 0 ? rc : 0;
    }
    /* event_count counts what event_append encoded, all of it. */
    assert(!d.err && d.p == d.end);
    return 0;
}

int commit_run(struct store *s, commit_apply_fn apply, void *apply_ctx,
               struct store_commit_stats *stats, store_event_cb on_event, void *ctx)
{
    if (s->read_only)
        return -EROFS;
    struct store_commit_stats local;
    if (!stats)
        stats = &local;
    struct wtxn t = {.s = s};
    enc_init(&t.scratch);
    enc_init(&t.hold_cam);
    enc_init(&t.hold_health);
    enc_init(&t.events);
    int rc;
    uint32_t grows = 0;

    pthread_mutex_lock(&s->write_lock);
    for (;;) {
        memset(stats, 0, sizeof(*stats));
        t.err = 0;
        t.last_event_key = 0;
        t.event_count = 0;
        t.stats = stats;
        if (t.unit_acc)
            memset(t.unit_acc, 0, t.unit_acc_cap * sizeof(*t.unit_acc));
        t.unit_acc_n = 0;
        t.now = now_ms();
        enc_reset(&t.events);
        int mrc = mdb_txn_begin(s->env, NULL, 0, &t.txn);
        if (mrc == MDB_MAP_RESIZED && grows++ < 8) {
            /* Another process grew the map: adopt its size. */
            adopt_map_size(s);
            continue;
        }
        rc = store_err(s, mrc);
        if (rc)
            break;
        rc = apply(&t, apply_ctx);
        if (!rc)
            rc = apply_flush(&t);
        if (!rc)
            rc = store_err(s, mdb_txn_commit(t.txn));
        else
            mdb_txn_abort(t.txn);
        t.txn = NULL; /* committed or aborted: LMDB freed it */
        if (rc != -ENOSPC)
            break;
        /* The map is full: the transaction is gone, grow and replay. */
        rc = grow_map(s);
        if (rc)
            break;
        grows++;
    }
    stats->map_grows = grows;
    pthread_mutex_unlock(&s->write_lock);

    if (!rc && on_event)
        rc = deliver_events(&t, on_event, ctx);
    enc_free(&t.scratch);
    enc_free(&t.hold_cam);
    enc_free(&t.hold_health);
    enc_free(&t.events);
    free(t.unit_acc);
    return rc;
}
