/* Applying a zone's message to the central index; see central_apply.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cluster/central_apply.h"

#define FUTURE_SLACK_MS (24 * 3600 * 1000LL) /* a prober's clock may be off; not by a day */
#define ZONE_META_LEN   25

static void meta_key(char *buf, size_t len, const char *zone)
{
    snprintf(buf, len, "cluster.zone.%s", zone);
}

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

int zone_state_load(struct store *s, const char *zone, struct zone_state *z)
{
    memset(z, 0, sizeof(*z));
    snprintf(z->zone, sizeof(z->zone), "%s", zone);
    struct store_read *r;
    int rc = store_read_begin(s, &r);
    if (rc)
        return rc;
    char key[64];
    const void *v;
    size_t n;
    meta_key(key, sizeof(key), zone);
    if (store_meta_get(r, key, &v, &n) == 0 && n == ZONE_META_LEN) {
        const uint8_t *p = v;
        z->last_seq = get_be64(p);
        z->last_key = get_be64(p + 8);
        z->last_heartbeat_ms = (int64_t)get_be64(p + 16);
        z->stale = p[24] != 0;
    }
    store_read_end(&r);
    return 0;
}

static int zone_state_put(struct store_batch *b, const struct zone_state *z)
{
    uint8_t v[ZONE_META_LEN];
    be64(v, z->last_seq);
    be64(v + 8, z->last_key);
    be64(v + 16, (uint64_t)z->last_heartbeat_ms);
    v[24] = z->stale;
    char key[64];
    meta_key(key, sizeof(key), z->zone);
    return store_batch_meta_put(b, key, v, sizeof(v));
}

struct apply {
    struct store_read *r;
    struct store_batch *b;
    const struct zone_state *z;
    struct zone_counts *cnt;
    uint64_t skipped; /* records naming another zone's or an unknown camera */
};

/* The camera exists at the central and belongs to this zone. */
static bool ours(struct apply *a, const char *id)
{
    char zone[STORE_ZONE_MAX + 1];
    if (store_zone_get(a->r, id, zone) == 0 && strcmp(zone, a->z->zone) == 0)
        return true;
    a->skipped++;
    return false;
}

/* The camera's state becomes `h->state`, maintenance in and out the only
 * way the index allows (store_batch_maintenance). */
static int put_state(struct apply *a, const char *id, uint8_t cur, const struct store_health *h,
                     int64_t t)
{
    if (h->state == STORE_MAINTENANCE)
        return cur == STORE_MAINTENANCE ? 0 : store_batch_maintenance(a->b, id, true, h->detail, t);
    int rc = 0;
    if (cur == STORE_MAINTENANCE && (rc = store_batch_maintenance(a->b, id, false, "", t)))
        return rc;
    return h->state == STORE_UNKNOWN && cur == STORE_MAINTENANCE
               ? 0
               : store_batch_health_put(a->b, id, h, t);
}

static int apply_cameras(struct apply *a, const struct wire_msg *m)
{
    for (size_t i = 0; i < m->n; i++) {
        const struct wire_camera *c = &m->cam[i];
        char zone[STORE_ZONE_MAX + 1];
        if (store_zone_get(a->r, c->cam.id, zone) == 0 && strcmp(zone, a->z->zone) != 0) {
            a->cnt->claims_refused++;
            log_kv(LEVEL_WARN, "cluster: camera claimed by two zones: the first keeps it", "camera",
                   c->cam.id, "zone", zone, "refused_zone", a->z->zone, NULL);
            continue;
        }
        int rc = store_batch_camera_put(a->b, &c->cam, c->unit_name);
        if (!rc)
            rc = store_batch_zone_put(a->b, c->cam.id, a->z->zone);
        if (rc)
            return rc;
    }
    return 0;
}

/* A camera's picture, clock and OSD looks, kept as the prober keeps them
 * (the diagnosis without its signature: references stay at the prober). */
static int apply_pictures(struct apply *a, const struct wire_msg *m)
{
    for (size_t i = 0; i < m->n; i++) {
        const struct wire_picture *p = &m->pic[i];
        if (!ours(a, p->camera_id))
            continue;
        int rc = 0;
        if (p->has_diag)
            rc = store_batch_diagnosis_put(a->b, p->camera_id, &p->diag);
        if (!rc && p->has_clock)
            rc = store_batch_clock_put(a->b, p->camera_id, &p->clock);
        if (!rc && p->has_osd)
            rc = store_batch_osd_put(a->b, p->camera_id, &p->osd);
        if (rc)
            return rc;
    }
    return 0;
}

static int apply_health(struct apply *a, const struct wire_msg *m)
{
    for (size_t i = 0; i < m->n; i++) {
        const struct wire_health *w = &m->health[i];
        struct store_health cur;
        if (!ours(a, w->camera_id) || store_health_get(a->r, w->camera_id, &cur))
            continue;
        int rc = put_state(a, w->camera_id, cur.state, &w->h, w->time_ms);
        if (rc)
            return rc;
    }
    return 0;
}

static int apply_events(struct apply *a, const struct wire_msg *m, uint64_t *last_key)
{
    for (size_t i = 0; i < m->n; i++) {
        const struct wire_event *e = &m->ev[i];
        if (e->key <= *last_key) { /* sent again after a lost acknowledgement */
            a->cnt->duplicates++;
            continue;
        }
        *last_key = e->key;
        struct store_health h;
        if (!ours(a, e->camera_id) || store_health_get(a->r, e->camera_id, &h))
            continue;
        uint8_t cur = h.state;
        h.state = e->to;
        h.reason = e->reason;
        h.detail = e->detail;
        int rc = put_state(a, e->camera_id, cur, &h, e->time_ms);
        if (rc)
            return rc;
    }
    return 0;
}

static int on_stored_event(const struct store_event *ev, void *ctx)
{
    (void)ev;
    ((struct zone_counts *)ctx)->events_stored++;
    return 0;
}

static int commit(struct store *s, struct store_batch *b, struct zone_counts *cnt)
{
    return store_batch_commit(s, b, NULL, on_stored_event, cnt);
}

/* What a message of a batch reads from the index (does the zone own the
 * camera, is it under maintenance) must be there, not only in the batch:
 * so inventory messages are committed before anything else reads them
 * (consecutive ones together), and maintenance changes alone. */
static bool is_maintenance(const struct wire_msg *m)
{
    for (size_t i = 0; m->kind == WIRE_EVENTS && i < m->n; i++)
        if (m->ev[i].from == STORE_MAINTENANCE || m->ev[i].to == STORE_MAINTENANCE)
            return true;
    for (size_t i = 0; m->kind == WIRE_HEALTH && i < m->n; i++)
        if (m->health[i].h.state == STORE_MAINTENANCE)
            return true;
    return false;
}

int central_batch_init(struct central_batch *cb, struct store *s, struct zone_state *z,
                       struct zone_counts *cnt)
{
    memset(cb, 0, sizeof(*cb));
    cb->s = s;
    cb->z = z;
    cb->pending = *z;
    cb->cnt = cnt;
    return store_batch_new(&cb->b);
}

void central_batch_free(struct central_batch *cb)
{
    central_walk_free(&cb->walk);
    store_batch_free(&cb->b);
}

int central_batch_commit(struct central_batch *cb)
{
    if (!cb->added)
        return 0;
    int rc = zone_state_put(cb->b, &cb->pending);
    if (!rc)
        rc = commit(cb->s, cb->b, cb->cnt);
    store_batch_clear(cb->b);
    cb->added = 0;
    if (rc)
        cb->pending = *cb->z; /* nothing of it is in the index */
    else
        *cb->z = cb->pending;
    return rc;
}

/* Checks the message as a whole: 0, 1 for a duplicate, or -EBADMSG. */
static int admit(struct central_batch *cb, const struct wire_msg *m, uint64_t seq, int64_t now_ms,
                 char *err, size_t errlen)
{
    struct zone_counts *cnt = cb->cnt;
    cnt->messages++;
    if (seq && seq <= cb->pending.last_seq) {
        cnt->duplicates++;
        return 1;
    }
    if (strcmp(m->zone, cb->z->zone) != 0) {
        snprintf(err, errlen, "names zone \"%s\" on this zone's subjects", m->zone);
        cnt->refused++;
        return -EBADMSG;
    }
    if (m->sent_ms > now_ms + FUTURE_SLACK_MS) {
        snprintf(err, errlen, "sent more than a day in the future");
        cnt->refused++;
        return -EBADMSG;
    }
    return 0;
}

int central_batch_add(struct central_batch *cb, const struct wire_msg *m, uint64_t seq,
                      int64_t now_ms, char *err, size_t errlen)
{
    int rc = admit(cb, m, seq, now_ms, err, errlen);
    if (rc)
        return rc > 0 ? 0 : rc;
    bool inventory = m->kind == WIRE_CAMERAS, alone = is_maintenance(m);
    if ((alone || inventory != cb->holds_inventory) && (rc = central_batch_commit(cb)))
        return rc;
    cb->holds_inventory = inventory;
    struct apply a = {.b = cb->b, .z = cb->z, .cnt = cb->cnt};
    struct zone_state next = cb->pending;
    if (seq > next.last_seq)
        next.last_seq = seq;
    if ((rc = store_read_begin(cb->s, &a.r)))
        return rc;
    switch (m->kind) {
    case WIRE_CAMERAS: {
        size_t dropped = 0;
        rc = apply_cameras(&a, m);
        if (!rc)
            rc = central_walk_add(&cb->walk, m, a.r, cb->b, cb->z->zone, &dropped);
        cb->cnt->cameras_dropped += dropped;
        break;
    }
    case WIRE_HEALTH:
        rc = apply_health(&a, m);
        break;
    case WIRE_EVENTS:
        rc = apply_events(&a, m, &next.last_key);
        break;
    case WIRE_PICTURE:
        rc = apply_pictures(&a, m);
        break;
    case WIRE_HEARTBEAT:
    case WIRE_KIND_COUNT:
        if (m->sent_ms > next.last_heartbeat_ms)
            next.last_heartbeat_ms = m->sent_ms;
        break;
    }
    /* The read ends before any commit: a commit may need to grow the map. */
    store_read_end(&a.r);
    if (rc)
        return rc;
    cb->pending = next;
    cb->added++;
    cb->cnt->applied++;
    cb->cnt->refused += a.skipped;
    if (a.skipped) {
        char n[24];
        snprintf(n, sizeof(n), "%lu", (unsigned long)a.skipped);
        log_kv(LEVEL_WARN, "cluster: records about cameras not of this zone skipped", "zone",
               cb->z->zone, "records", n, NULL);
    }
    return alone ? central_batch_commit(cb) : 0;
}

int central_apply(struct store *s, struct zone_state *z, const struct wire_msg *m, uint64_t seq,
                  int64_t now_ms, struct zone_counts *cnt, char *err, size_t errlen)
{
    struct central_batch cb;
    int rc = central_batch_init(&cb, s, z, cnt);
    if (!rc)
        rc = central_batch_add(&cb, m, seq, now_ms, err, errlen);
    if (!rc)
        rc = central_batch_commit(&cb);
    central_batch_free(&cb);
    return rc;
}

struct stale_ctx {
    struct store_batch *b;
    int64_t now;
    int err;
};

static int on_zone_camera(const struct store_camera *cam, const struct store_health *h, void *ctx)
{
    struct stale_ctx *c = ctx;
    if (h->state == STORE_MAINTENANCE)
        return 0; /* operations' word stands */
    struct store_health nh = *h;
    nh.state = STORE_UNKNOWN;
    nh.reason = "prober_lost";
    nh.detail = "";
    c->err = store_batch_health_put(c->b, cam->id, &nh, c->now);
    return c->err ? -1 : 0;
}

int central_set_stale(struct store *s, struct zone_state *z, bool stale, int64_t now_ms,
                      struct zone_counts *cnt)
{
    struct store_batch *b;
    int rc = store_batch_new(&b);
    if (rc)
        return rc;
    struct zone_state next = *z;
    next.stale = stale;
    if (stale) {
        struct stale_ctx c = {.b = b, .now = now_ms};
        struct store_read *r;
        struct store_filter f = {.state = -1, .zone = z->zone};
        if (!(rc = store_read_begin(s, &r))) {
            rc = store_cameras_scan(r, &f, on_zone_camera, &c);
            store_read_end(&r);
        }
        if (c.err)
            rc = c.err;
    }
    if (!rc)
        rc = zone_state_put(b, &next);
    if (!rc)
        rc = commit(s, b, cnt);
    store_batch_free(&b);
    if (!rc)
        *z = next;
    return rc;
}
