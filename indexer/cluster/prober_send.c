/* A prober's messages, read from its index and published with
 * JetStream acknowledgements; see prober_send.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cluster/nats_link.h"
#include "cluster/prober_send.h"
#include "cluster/wire.h"
#include "url.h"

#define PUBLISH_WAIT_MS 5000

void prober_send_init(struct prober_send *ps, const struct config *cfg, struct store *store)
{
    memset(ps, 0, sizeof(*ps));
    ps->store = store;
    snprintf(ps->zone, sizeof(ps->zone), "%s", cfg->cluster_zone);
    ps->replicas = (int)cfg->cluster_replicas;
    ps->heartbeat_ms = cfg->cluster_heartbeat_ms;
    ps->snapshot_ms = cfg->cluster_snapshot_ms;
    ps->started_ms = cluster_now_ms();
    pthread_mutex_init(&ps->stats_lock, NULL);
}

void prober_send_free(struct prober_send *ps)
{
    pthread_mutex_destroy(&ps->stats_lock);
}

static void count(struct prober_send *ps, uint64_t *counter, uint64_t n)
{
    pthread_mutex_lock(&ps->stats_lock);
    *counter += n;
    ps->st.acked_key = ps->cursor;
    pthread_mutex_unlock(&ps->stats_lock);
}

/* Publishes the encoder's message and waits for the stream's ack. The
 * message id lets JetStream drop a copy sent again within its window. */
static int publish(struct prober_send *ps, enum wire_kind kind, struct wire_enc **e,
                   const char *msg_id)
{
    size_t len;
    char *text = wire_enc_finish(e, &len);
    if (!text)
        return -ENOMEM;
    char subject[64];
    wire_subject(subject, sizeof(subject), ps->zone, kind);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = msg_id;
    po.MaxWait = PUBLISH_WAIT_MS;
    jsErrCode je = 0;
    natsStatus s = js_Publish(NULL, ps->js, subject, text, (int)len, &po, &je);
    free(text);
    if (s != NATS_OK) {
        count(ps, &ps->st.publish_failures, 1);
        return nats_link_err(s) ? nats_link_err(s) : -EIO;
    }
    return 0;
}

/* ---- events ---- */

struct ev_ctx {
    struct prober_send *ps;
    struct wire_enc *e;
    uint64_t after, last;
};

static int on_event(const struct store_event *ev, void *ctx)
{
    struct ev_ctx *c = ctx;
    if (ev->key <= c->after)
        return 0;
    int rc = wire_enc_event(c->e, ev);
    if (rc == -EINVAL || rc == -ENOMEM) /* text jansson refuses: not sent broken */
        return 0;
    if (rc)
        return 1;
    c->last = ev->key;
    return wire_enc_count(c->e) >= PROBER_MSG_ITEMS;
}

int prober_send_events(struct prober_send *ps)
{
    for (;;) {
        struct ev_ctx c = {.ps = ps, .after = ps->cursor};
        struct store_read *r;
        int rc = wire_enc_begin(WIRE_EVENTS, ps->zone, cluster_now_ms(), &c.e);
        if (rc)
            return rc;
        if ((rc = store_read_begin(ps->store, &r))) {
            wire_enc_free(&c.e);
            return rc;
        }
        rc = store_events_scan(r, NULL, NULL, (int64_t)(ps->cursor >> 12), INT64_MAX, on_event, &c);
        store_read_end(&r);
        size_t n = wire_enc_count(c.e);
        if (rc < 0 || n == 0) {
            wire_enc_free(&c.e);
            return rc < 0 ? rc : 0;
        }
        char id[96];
        snprintf(id, sizeof(id), "%s.ev.%" PRIu64 "-%" PRIu64, ps->zone, c.after, c.last);
        if ((rc = publish(ps, WIRE_EVENTS, &c.e, id)))
            return rc;
        ps->cursor = c.last;
        count(ps, &ps->st.events_sent, n);
    }
}

/* ---- inventory and health: a walk of every camera ---- */

struct walk_ctx {
    struct prober_send *ps;
    struct store_read *r;
    enum wire_kind kind;
    struct wire_enc *e;
    int64_t now;
    size_t sent;
    int err;
    char unit_id[STORE_ID_MAX + 1], unit_name[257];
};

static int flush(struct walk_ctx *w, bool last)
{
    size_t n = wire_enc_count(w->e);
    bool end = last && w->kind == WIRE_CAMERAS; /* an inventory walk's end is always said */
    if (!n && !end)
        return 0;
    int rc = w->kind == WIRE_CAMERAS ? wire_enc_walk(w->e, w->now, end, (uint32_t)(w->sent + n))
                                     : 0;
    if (!rc)
        rc = publish(w->ps, w->kind, &w->e, NULL);
    if (!rc)
        rc = prober_send_heartbeat_if_due(w->ps);
    if (!rc)
        rc = wire_enc_begin(w->kind, w->ps->zone, w->now, &w->e);
    if (!rc)
        w->sent += n;
    return rc;
}

static const char *unit_name(struct walk_ctx *w, const char *unit_id)
{
    if (strcmp(unit_id, w->unit_id) != 0) {
        struct store_unit u;
        snprintf(w->unit_id, sizeof(w->unit_id), "%s", unit_id);
        snprintf(w->unit_name, sizeof(w->unit_name), "%s",
                 store_unit_get(w->r, unit_id, &u) == 0 && u.name ? u.name : "");
    }
    return w->unit_name;
}

static int on_camera(const struct store_camera *cam, const struct store_health *h, void *ctx)
{
    struct walk_ctx *w = ctx;
    int rc;
    if (w->kind == WIRE_CAMERAS) {
        char url[WIRE_URL_MAX + 1];
        probe_url_redact(cam->url, url, sizeof(url));
        rc = wire_enc_camera(w->e, cam, url, unit_name(w, cam->unit_id));
    } else if (w->kind == WIRE_PICTURE) {
        struct store_diagnosis g;
        struct store_clock c;
        struct store_osd o;
        bool has_g = store_diagnosis_get(w->r, cam->id, &g) == 0;
        bool has_c = store_clock_get(w->r, cam->id, &c) == 0;
        bool has_o = store_osd_get(w->r, cam->id, &o) == 0;
        if (!has_g && !has_c && !has_o)
            return 0; /* never looked at: nothing to say */
        rc = wire_enc_picture(w->e, cam->id, has_g ? &g : NULL, has_c ? &c : NULL,
                              has_o ? &o : NULL);
    } else {
        rc = wire_enc_health(w->e, cam->id, w->now, h);
    }
    if (rc && rc != -E2BIG)
        return 0; /* a record jansson refuses is skipped, not sent broken */
    if (wire_enc_count(w->e) >= PROBER_MSG_ITEMS && (w->err = flush(w, false)))
        return -1;
    return 0;
}

static int walk(struct prober_send *ps, enum wire_kind kind, size_t *sent)
{
    struct walk_ctx w = {.ps = ps, .kind = kind, .now = cluster_now_ms()};
    int rc = wire_enc_begin(kind, ps->zone, w.now, &w.e);
    if (rc)
        return rc;
    if ((rc = store_read_begin(ps->store, &w.r))) {
        wire_enc_free(&w.e);
        return rc;
    }
    rc = store_cameras_scan(w.r, NULL, on_camera, &w);
    store_read_end(&w.r);
    if (!rc)
        rc = flush(&w, true);
    wire_enc_free(&w.e);
    *sent = w.sent;
    return w.err ? w.err : rc;
}

int prober_send_inventory(struct prober_send *ps)
{
    size_t n = 0;
    int rc = walk(ps, WIRE_CAMERAS, &n);
    count(ps, &ps->st.cameras_sent, n);
    return rc;
}

int prober_send_health(struct prober_send *ps)
{
    size_t n = 0, pics = 0;
    int rc = walk(ps, WIRE_HEALTH, &n);
    count(ps, &ps->st.health_sent, n);
    /* The picture, clock and OSD looks change at most at each deep look
     * (the quality interval), so they go with each snapshot. */
    /* Not sent is not fatal: the snapshot and heartbeats go on (a NATS
     * user whose permissions predate pic messages must not make its zone
     * look silent), and the next snapshot tries again. */
    int prc = rc ? 0 : walk(ps, WIRE_PICTURE, &pics);
    if (prc && !ps->pic_failed_logged)
        log_kv(LEVEL_WARN,
               "cluster: picture, clock and OSD looks not published; check that this zone's NATS "
               "user may publish camdex.<zone>.pic (deploy/cluster/nats-accounts.conf)",
               "zone", ps->zone, "error", strerror(-prc), NULL);
    ps->pic_failed_logged = prc != 0;
    return rc;
}

int prober_send_heartbeat(struct prober_send *ps)
{
    struct wire_heartbeat hb = {.started_ms = (uint64_t)ps->started_ms};
    struct store_read *r;
    if (store_read_begin(ps->store, &r) == 0) {
        store_events_last_key(r, &hb.last_key);
        store_read_end(&r);
    }
    struct wire_enc *e;
    int rc = wire_enc_begin(WIRE_HEARTBEAT, ps->zone, cluster_now_ms(), &e);
    if (!rc)
        rc = wire_enc_heartbeat(e, &hb);
    if (!rc)
        rc = publish(ps, WIRE_HEARTBEAT, &e, NULL);
    wire_enc_free(&e);
    if (!rc)
        count(ps, &ps->st.heartbeats_sent, 1);
    return rc;
}

int prober_send_heartbeat_if_due(struct prober_send *ps)
{
    int64_t now = cluster_now_ms();
    if (now < ps->next_heartbeat)
        return 0;
    int rc = prober_send_heartbeat(ps);
    if (!rc)
        ps->next_heartbeat = now + ps->heartbeat_ms;
    return rc;
}

void prober_send_stats(struct prober_send *ps, struct cluster_prober_stats *st)
{
    pthread_mutex_lock(&ps->stats_lock);
    *st = ps->st;
    pthread_mutex_unlock(&ps->stats_lock);
    st->connected = ps->nc && natsConnection_Status(ps->nc) == NATS_CONN_STATUS_CONNECTED;
}
