/* The central: one thread per zone reading its stream through a durable
 * pull consumer into the central index (see cluster.h), and watching the
 * zone's heartbeat. A reader thread per zone fetches and decodes ahead
 * (central_pipe.h). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "cluster/central_apply.h"
#include "cluster/central_resume.h"
#include "cluster/central_pipe.h"
#include "cluster/cluster.h"
#include "cluster/nats_link.h"
#include "cluster/prober_send.h"

#define CENTRAL_FETCH_MS  250  /* how long a fetch waits: the stale check's period too */
#define CENTRAL_RETRY_MS  1000 /* a zone whose stream does not exist yet */
#define CENTRAL_DURABLE   "camdex-central"
#define CENTRAL_ZONES_MAX 64

struct zone {
    struct cluster_central *c;
    pthread_t thread;
    bool started;
    natsSubscription *sub;
    /* A fetch's commit failed: the consumer has delivered (and its reader
     * fetched) past the index, and acknowledging anything later would
     * acknowledge what was lost (AckAll). It is made again from the
     * index's position. */
    bool rewind;
    /* The last fetch left messages in the stream: heartbeats applied are
     * old news, so no stale verdict (coming back is) until caught up. */
    bool behind;
    /* Fetches and decodes ahead of the zone's thread. */
    struct central_pipe *pipe;
    struct zone_state st;   /* zone thread only */
    int64_t watch_from;     /* no stale verdict before this (the central's start) */
    struct zone_counts cnt; /* under c->lock when read */
    struct zone_state shown;
};

struct cluster_central {
    struct store *store;
    natsConnection *nc;
    jsCtx *js;
    uint32_t stale_after_ms;
    cluster_commit_cb on_commit;
    void *data;
    pthread_mutex_t lock;
    bool stop; /* under lock */
    struct zone zones[CENTRAL_ZONES_MAX];
    size_t nzones;
};

static bool stopping(struct cluster_central *c)
{
    pthread_mutex_lock(&c->lock);
    bool s = c->stop;
    pthread_mutex_unlock(&c->lock);
    return s;
}

static void publish_counts(struct zone *z, const struct zone_counts *cnt)
{
    pthread_mutex_lock(&z->c->lock);
    z->cnt = *cnt;
    z->shown = z->st;
    pthread_mutex_unlock(&z->c->lock);
}

static int subscribe(struct zone *z)
{
    char subject[64], stream[64];
    snprintf(subject, sizeof(subject), "camdex.%s.*", z->st.zone);
    wire_stream_name(stream, sizeof(stream), z->st.zone);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream;
    so.Config.AckPolicy = js_AckAll;
    so.Config.DeliverPolicy = js_DeliverAll;
    so.Config.MaxAckPending = CENTRAL_PIPE_ACK_PENDING;
    bool rewound;
    int rc = central_resume_prepare(z->c->js, stream, CENTRAL_DURABLE, z->st.last_seq, z->rewind,
                                    &so, &rewound);
    if (rc)
        return rc;
    z->rewind = false;
    if (rewound)
        log_kv(LEVEL_WARN, "cluster: the index is behind the zone's consumer: reading the zone's "
               "stream again from the index's position", "zone", z->st.zone, NULL);
    jsErrCode je = 0;
    natsStatus s = js_PullSubscribe(&z->sub, z->c->js, subject, CENTRAL_DURABLE, NULL, &so, &je);
    return s == NATS_OK ? 0 : (nats_link_err(s) ? nats_link_err(s) : -EIO);
}

/* Heard from lately, or not: the zone's cameras follow. */
static void check_stale(struct zone *z, struct zone_counts *cnt)
{
    int64_t now = cluster_now_ms();
    /* Cut off itself, the central cannot tell a silent zone from its own
     * silence: no verdict, and a fresh grace once it is back. */
    if (natsConnection_Status(z->c->nc) != NATS_CONN_STATUS_CONNECTED) {
        z->watch_from = now;
        return;
    }
    int64_t heard =
        z->st.last_heartbeat_ms > z->watch_from ? z->st.last_heartbeat_ms : z->watch_from;
    bool silent = now - heard > (int64_t)z->c->stale_after_ms;
    /* Behind the zone, the heartbeats applied are old news: they may bring
     * a zone back, never call it stale. */
    if (silent == z->st.stale || (silent && z->behind))
        return;
    int rc = central_set_stale(z->c->store, &z->st, silent, now, cnt);
    if (rc) {
        log_kv(LEVEL_ERROR, "cluster: zone state not stored", "zone", z->st.zone, "error",
               store_strerror(rc), NULL);
        return;
    }
    if (silent) {
        log_kv(LEVEL_WARN,
               "cluster: zone stale: its prober is not heard from; its cameras show "
               "unknown (prober_lost) until it is",
               "zone", z->st.zone, NULL);
    } else {
        log_kv(LEVEL_INFO, "cluster: zone heard from again: asking its prober for a snapshot",
               "zone", z->st.zone, NULL);
        char subj[80];
        snprintf(subj, sizeof(subj), "camdex.%s.ctl.snapshot", z->st.zone);
        natsConnection_PublishString(z->c->nc, subj, "");
    }
    if (z->c->on_commit)
        z->c->on_commit(z->c->data);
}

static void handle(struct zone *z, struct central_fetch *f, int i, struct central_batch *cb)
{
    struct zone_counts *cnt = cb->cnt;
    uint64_t seq = f->seq[i];
    char *err = f->err[i];
    int rc = f->rc[i];
    if (!rc) {
        rc = central_batch_add(cb, &f->msg[i], seq, cluster_now_ms(), err, sizeof(f->err[i]));
    } else {
        cnt->messages++;
        cnt->refused++;
    }
    if (rc) {
        char s[24];
        snprintf(s, sizeof(s), "%" PRIu64, seq);
        log_kv(LEVEL_WARN, "cluster: message refused, the stream goes on", "zone", z->st.zone,
               "seq", s, "error", err[0] ? err : store_strerror(rc), NULL);
    }
}

/* Nothing of the fetch is in the index: the reader's fetches ahead are
 * dropped unacknowledged and the consumer is made again from the index's
 * position, so the messages come again in order. */
static void lost_commit(struct zone *z)
{
    central_pipe_stop(&z->pipe);
    natsSubscription_Destroy(z->sub);
    z->sub = NULL;
    z->rewind = true;
}

static void *zone_main(void *arg)
{
    struct zone *z = arg;
    struct zone_counts cnt = {0};
    struct central_batch cb;
    if (central_batch_init(&cb, z->c->store, &z->st, &cnt)) {
        log_kv(LEVEL_ERROR, "cluster: zone not read: out of memory", "zone", z->st.zone, NULL);
        return NULL;
    }
    while (!stopping(z->c)) {
        if (!z->sub && subscribe(z)) {
            check_stale(z, &cnt);
            publish_counts(z, &cnt);
            struct timespec ts = {0, CENTRAL_RETRY_MS * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        if (!z->pipe && central_pipe_start(z->sub, CENTRAL_FETCH_MS, &z->pipe)) {
            log_kv(LEVEL_ERROR, "cluster: zone not read: cannot start its reader", "zone",
                   z->st.zone, NULL);
            break;
        }
        /* The reader fetched and decoded this while the last one was applied. */
        struct central_fetch *f = NULL;
        central_pipe_take(z->pipe, CENTRAL_FETCH_MS, &f);
        uint64_t before = cnt.events_stored;
        for (int i = 0; f && i < f->n; i++)
            handle(z, f, i, &cb);
        /* One commit for the fetch; acknowledging the last message
         * acknowledges them all (AckAll). Not committed: not acknowledged,
         * JetStream delivers them again. */
        int rc = central_batch_commit(&cb);
        if (rc)
            log_kv(LEVEL_ERROR, "cluster: zone's messages not committed; they come again", "zone",
                   z->st.zone, "error", store_strerror(rc), NULL);
        else if (f)
            natsMsg_Ack(f->list.Msgs[f->n - 1], NULL);
        z->behind = !rc && f && f->pending > 0;
        central_pipe_release(&f);
        if (rc)
            lost_commit(z);
        if (cnt.events_stored != before && z->c->on_commit)
            z->c->on_commit(z->c->data);
        check_stale(z, &cnt);
        cb.pending = z->st; /* the stale watch commits the zone's state itself */
        publish_counts(z, &cnt);
    }
    central_pipe_stop(&z->pipe);
    central_batch_free(&cb);
    return NULL;
}

static int save_zones(struct store *s, const char *zones)
{
    struct store_batch *b;
    int rc = store_batch_new(&b);
    if (rc)
        return rc;
    rc = store_batch_meta_put(b, CLUSTER_META_CENTRAL, zones, strlen(zones));
    if (!rc)
        rc = store_batch_commit(s, b, NULL, NULL, NULL);
    store_batch_free(&b);
    return rc;
}

static int add_zones(struct cluster_central *c, const char *list, char *err, size_t errlen)
{
    char copy[1024];
    snprintf(copy, sizeof(copy), "%s", list);
    for (char *save = NULL, *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        if (!config_zone_name_ok(t, strlen(t))) {
            snprintf(err, errlen, "[cluster] zones: \"%s\" is not a zone name", t);
            return -EINVAL;
        }
        if (c->nzones == CENTRAL_ZONES_MAX) {
            snprintf(err, errlen, "[cluster] zones: more than %d", CENTRAL_ZONES_MAX);
            return -EINVAL;
        }
        struct zone *z = &c->zones[c->nzones++];
        z->c = c;
        int rc = zone_state_load(c->store, t, &z->st);
        if (rc) {
            snprintf(err, errlen, "zone %s: its state cannot be read: %s", t, store_strerror(rc));
            return rc;
        }
        z->watch_from = cluster_now_ms();
        z->shown = z->st;
    }
    if (!c->nzones) {
        snprintf(err, errlen, "[cluster] role = central needs its zones (zones = a,b,...)");
        return -EINVAL;
    }
    return 0;
}

int cluster_central_start(const struct config *cfg, struct store *store,
                          cluster_commit_cb on_commit, void *data, struct cluster_central **out,
                          char *err, size_t errlen)
{
    *out = NULL;
    struct cluster_central *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->store = store;
    c->stale_after_ms = cfg->cluster_stale_after_ms;
    c->on_commit = on_commit;
    c->data = data;
    pthread_mutex_init(&c->lock, NULL);
    int rc = add_zones(c, cfg->cluster_zones, err, errlen);
    if (!rc && (rc = save_zones(store, cfg->cluster_zones)))
        snprintf(err, errlen, "the central's zones cannot be stored: %s", store_strerror(rc));
    if (!rc)
        rc = nats_link_open(cfg, "camdex-central", &c->nc, &c->js, err, errlen);
    for (size_t i = 0; !rc && i < c->nzones; i++) {
        if ((rc = -pthread_create(&c->zones[i].thread, NULL, zone_main, &c->zones[i])))
            snprintf(err, errlen, "cannot start a zone thread");
        else
            c->zones[i].started = true;
    }
    if (rc) {
        cluster_central_stop(&c);
        return rc;
    }
    log_kv(LEVEL_INFO, "cluster: central consuming", "zones", cfg->cluster_zones, "nats",
           cfg->cluster_nats, NULL);
    *out = c;
    return 0;
}

size_t cluster_central_get_stats(struct cluster_central *c, struct cluster_zone_stats *out,
                                 size_t cap)
{
    if (!c)
        return 0;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->nzones && i < cap; i++) {
        const struct zone *z = &c->zones[i];
        struct cluster_zone_stats *s = &out[i];
        memset(s, 0, sizeof(*s));
        snprintf(s->zone, sizeof(s->zone), "%s", z->shown.zone);
        s->stale = z->shown.stale;
        s->last_heartbeat_ms = z->shown.last_heartbeat_ms;
        s->last_key = z->shown.last_key;
        s->messages = z->cnt.messages;
        s->applied = z->cnt.applied;
        s->duplicates = z->cnt.duplicates;
        s->refused = z->cnt.refused;
        s->claims_refused = z->cnt.claims_refused;
    }
    size_t n = c->nzones;
    pthread_mutex_unlock(&c->lock);
    return n;
}

void cluster_central_stop(struct cluster_central **cp)
{
    struct cluster_central *c = *cp;
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stop = true;
    pthread_mutex_unlock(&c->lock);
    for (size_t i = 0; i < c->nzones; i++) {
        if (c->zones[i].started)
            pthread_join(c->zones[i].thread, NULL);
        natsSubscription_Destroy(c->zones[i].sub);
    }
    nats_link_close(&c->nc, &c->js);
    pthread_mutex_destroy(&c->lock);
    free(c);
    *cp = NULL;
}

int cluster_central_zones(struct store *store, char *out, size_t outlen)
{
    struct store_read *r;
    int rc = store_read_begin(store, &r);
    if (rc)
        return rc;
    const void *v;
    size_t n;
    rc = store_meta_get(r, CLUSTER_META_CENTRAL, &v, &n);
    if (!rc)
        snprintf(out, outlen, "%.*s", (int)n, (const char *)v);
    store_read_end(&r);
    return rc;
}
