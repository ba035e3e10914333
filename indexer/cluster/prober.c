/* A zone's prober: the publisher thread (see cluster.h). It only reads
 * the index (and writes its cursor), so probing never waits for NATS. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "cluster/cluster.h"
#include "cluster/mono_wait.h"
#include "cluster/nats_link.h"
#include "cluster/prober_send.h"
#include "inventory/import.h"

#define PROBER_POLL_MS 250 /* commits by other processes (the CLI) are seen this late */

struct cluster_prober {
    struct prober_send ps;
    natsSubscription *ctl_sub;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop, wake, snapshot_asked;
    /* thread-only */
    bool was_connected, stream_ok, inventory_due, snapshot_due;
    uint64_t inventory_rev_sent, cursor_saved;
    int64_t next_snapshot;
    char last_err[256];
};

int64_t cluster_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t meta_u64(struct store *s, const char *key)
{
    struct store_read *r;
    const void *v;
    size_t n;
    uint64_t x = 0;
    if (store_read_begin(s, &r) == 0) {
        if (store_meta_get(r, key, &v, &n) == 0 && n == 8)
            memcpy(&x, v, 8);
        store_read_end(&r);
    }
    return x;
}

static int save_cursor(struct cluster_prober *p)
{
    struct store_batch *b;
    int rc = store_batch_new(&b);
    if (rc)
        return rc;
    uint64_t k = p->ps.cursor;
    rc = store_batch_meta_put(b, CLUSTER_META_ACKED, &k, sizeof(k));
    if (!rc)
        rc = store_batch_commit(p->ps.store, b, NULL, NULL, NULL);
    store_batch_free(&b);
    if (!rc)
        p->cursor_saved = k;
    return rc;
}

static void log_once(struct cluster_prober *p, const char *what, int rc)
{
    if (strcmp(p->last_err, what) == 0)
        return;
    snprintf(p->last_err, sizeof(p->last_err), "%s", what);
    log_kv(LEVEL_ERROR,
           "cluster: publishing paused; probing goes on and the prober catches up "
           "when NATS answers",
           "zone", p->ps.zone, "what", what, "error", strerror(-rc), NULL);
}

/* One round: everything due, in the order the central needs it. */
static void round_once(struct cluster_prober *p)
{
    if (natsConnection_Status(p->ps.nc) != NATS_CONN_STATUS_CONNECTED) {
        p->was_connected = false;
        return;
    }
    char err[256];
    int rc;
    if (!p->was_connected) {
        /* After any cut the central may have marked the zone stale: it
         * gets the whole picture again. */
        p->was_connected = p->inventory_due = p->snapshot_due = true;
        log_kv(LEVEL_INFO, "cluster: connected to NATS", "zone", p->ps.zone, NULL);
    }
    if (!p->stream_ok) {
        if ((rc =
                 nats_link_ensure_stream(p->ps.js, p->ps.zone, p->ps.replicas, err, sizeof(err)))) {
            log_once(p, err, rc);
            return;
        }
        p->stream_ok = true;
    }
    uint64_t rev = meta_u64(p->ps.store, IMPORT_REV_KEY);
    if (p->inventory_due || rev != p->inventory_rev_sent) {
        if ((rc = prober_send_inventory(&p->ps))) {
            log_once(p, "inventory", rc);
            return;
        }
        p->inventory_rev_sent = rev;
        p->inventory_due = false;
    }
    if ((rc = prober_send_events(&p->ps))) {
        log_once(p, "events", rc);
        return;
    }
    if (p->ps.cursor != p->cursor_saved && (rc = save_cursor(p)))
        log_kv(LEVEL_ERROR, "cluster: cursor not saved: events after it are sent again", "error",
               store_strerror(rc), NULL);
    int64_t now = cluster_now_ms();
    pthread_mutex_lock(&p->lock);
    p->snapshot_due |= p->snapshot_asked;
    p->snapshot_asked = false;
    pthread_mutex_unlock(&p->lock);
    if (p->snapshot_due || now >= p->next_snapshot) {
        if ((rc = prober_send_health(&p->ps))) {
            log_once(p, "health snapshot", rc);
            return;
        }
        p->snapshot_due = false;
        p->next_snapshot = now + p->ps.snapshot_ms;
    }
    if ((rc = prober_send_heartbeat_if_due(&p->ps))) {
        log_once(p, "heartbeat", rc);
        return;
    }
    p->last_err[0] = 0;
}

static void *prober_main(void *arg)
{
    struct cluster_prober *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        p->wake = false;
        pthread_mutex_unlock(&p->lock);
        round_once(p);
        pthread_mutex_lock(&p->lock);
        if (p->wake || p->stop)
            continue;
        struct timespec until;
        mono_deadline(&until, PROBER_POLL_MS);
        pthread_cond_timedwait(&p->cond, &p->lock, &until);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* The central asks for the whole picture (after it marked the zone stale). */
static void on_ctl(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    struct cluster_prober *p = closure;
    natsMsg_Destroy(msg);
    pthread_mutex_lock(&p->lock);
    p->snapshot_asked = p->wake = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

int cluster_prober_start(const struct config *cfg, struct store *store, struct cluster_prober **out,
                         char *err, size_t errlen)
{
    *out = NULL;
    struct cluster_prober *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    prober_send_init(&p->ps, cfg, store);
    p->ps.cursor = p->cursor_saved = meta_u64(store, CLUSTER_META_ACKED);
    char name[64];
    snprintf(name, sizeof(name), "camdex-prober-%s", cfg->cluster_zone);
    int rc = nats_link_open(cfg, name, &p->ps.nc, &p->ps.js, err, errlen);
    if (rc) {
        free(p);
        return rc;
    }
    char subj[80];
    snprintf(subj, sizeof(subj), "camdex.%s.ctl.snapshot", cfg->cluster_zone);
    natsConnection_Subscribe(&p->ctl_sub, p->ps.nc, subj, on_ctl, p);
    pthread_mutex_init(&p->lock, NULL);
    mono_cond_init(&p->cond);
    if ((rc = pthread_create(&p->thread, NULL, prober_main, p))) {
        natsSubscription_Destroy(p->ctl_sub);
        nats_link_close(&p->ps.nc, &p->ps.js);
        free(p);
        snprintf(err, errlen, "cannot start the cluster publisher thread");
        return -rc;
    }
    char key[24];
    snprintf(key, sizeof(key), "%" PRIu64, p->ps.cursor);
    log_kv(LEVEL_INFO, "cluster: prober publishing", "zone", cfg->cluster_zone, "nats",
           cfg->cluster_nats, "after_key", key, NULL);
    *out = p;
    return 0;
}

void cluster_prober_notify(struct cluster_prober *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->wake = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

void cluster_prober_get_stats(struct cluster_prober *p, struct cluster_prober_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (!p)
        return;
    prober_send_stats(&p->ps, st);
}

void cluster_prober_stop(struct cluster_prober **pp)
{
    struct cluster_prober *p = *pp;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    natsSubscription_Unsubscribe(p->ctl_sub);
    natsSubscription_Destroy(p->ctl_sub);
    nats_link_close(&p->ps.nc, &p->ps.js);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    prober_send_free(&p->ps);
    free(p);
    *pp = NULL;
}
