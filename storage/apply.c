/* Applying one change inside a write transaction, keeping the derived data
 * (secondary indexes, unit counters, events, daily rollups) in step with the
 * camera and health records in the same transaction. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "apply.h"
#include "records.h"

static int put_encoded(struct wtxn *t, enum store_db db, MDB_val key, struct enc *e)
{
    if (e->err)
        return wtxn_fail(t, e->err);
    return wtxn_put(t, db, key, mval(e->buf, e->len), 0);
}

/* ---- secondary indexes ---- */

static void idx_state(struct wtxn *t, bool add, uint8_t state, const char *unit, const char *id)
{
    uint8_t key[KEY_MAX];
    MDB_val k = mval(key, key_by_state(key, state, unit)), v = mstr(id);
    if (add)
        wtxn_put(t, DB_BY_STATE, k, v, MDB_NODUPDATA);
    else
        wtxn_del(t, DB_BY_STATE, k, &v);
}

static void idx_reason(struct wtxn *t, bool add, const char *reason, const char *unit,
                       const char *id)
{
    if (!reason || !*reason)
        return;
    uint8_t key[KEY_MAX];
    MDB_val k = mval(key, key_by_reason(key, reason, unit)), v = mstr(id);
    if (add)
        wtxn_put(t, DB_BY_REASON, k, v, MDB_NODUPDATA);
    else
        wtxn_del(t, DB_BY_REASON, k, &v);
}

static void idx_unit(struct wtxn *t, bool add, const char *unit, const char *id)
{
    MDB_val v = mstr(id);
    if (add)
        wtxn_put(t, DB_BY_UNIT, mstr(unit), v, MDB_NODUPDATA);
    else
        wtxn_del(t, DB_BY_UNIT, mstr(unit), &v);
}

/* All indexes that place camera `id` of `unit` in state/reason. */
static void idx_all(struct wtxn *t, bool add, const char *unit, const char *id,
                    const struct store_health *h)
{
    idx_unit(t, add, unit, id);
    idx_state(t, add, h->state, unit, id);
    idx_reason(t, add, h->reason, unit, id);
}

/* ---- unit counters ---- */

/* Moves one camera between state counters (from/to -1 = none) and changes
 * the unit's camera count; creates the unit, renames it (name non-NULL) and
 * deletes it when its last camera leaves. */
static void unit_update(struct wtxn *t, const char *unit_id, const char *name, int cam_delta,
                        int from, int to)
{
    struct store_unit u;
    MDB_val v;
    int rc = wtxn_get(t, DB_UNITS, mstr(unit_id), &v);
    if (rc == -ENOENT) {
        memset(&u, 0, sizeof(u));
        u.id = unit_id;
        u.name = name ? name : unit_id;
    } else if (rc) {
        return;
    } else if ((rc = rec_unit_decode(v.mv_data, v.mv_size, unit_id, &u))) {
        wtxn_fail(t, rc);
        return;
    } else if (cam_delta == 0 && from < 0 && to < 0 && (!name || strcmp(name, u.name) == 0)) {
        return; /* nothing would change: spare the write */
    }
    if (name)
        u.name = name;
    u.cameras = cam_delta < 0 && u.cameras == 0 ? 0 : u.cameras + (uint32_t)cam_delta;
    if (from >= 0 && u.count[from] > 0)
        u.count[from]--;
    if (to >= 0)
        u.count[to]++;
    if (u.cameras == 0 && cam_delta < 0) {
        wtxn_del(t, DB_UNITS, mstr(unit_id), NULL);
        return;
    }
    /* Encoded before the put: u.name may point into the page being replaced. */
    enc_reset(&t->scratch);
    rec_unit_encode(&t->scratch, &u);
    put_encoded(t, DB_UNITS, mstr(unit_id), &t->scratch);
}

/* ---- events ---- */

static uint64_t next_event_key(struct wtxn *t, int64_t time_ms)
{
    if (!t->last_event_key) {
        MDB_cursor *c;
        MDB_val k, v;
        if (mdb_cursor_open(t->txn, t->s->dbi[DB_EVENTS], &c) == 0) {
            if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
                t->last_event_key = be64_get(k.mv_data);
            mdb_cursor_close(c);
        }
    }
    uint64_t key = (uint64_t)(time_ms > 0 ? time_ms : 0) << 12;
    /* Keys stay strictly increasing even if the clock steps back. */
    if (key <= t->last_event_key)
        key = t->last_event_key + 1;
    t->last_event_key = key;
    return key;
}

static void event_append(struct wtxn *t, const char *cam_id, const char *unit_id, uint8_t from,
                         const struct store_health *h, int64_t time_ms)
{
    struct store_event ev = {
        .camera_id = cam_id,
        .unit_id = unit_id,
        .from = from,
        .to = h->state,
        .reason = h->reason,
        .detail = h->detail,
    };
    uint64_t key = next_event_key(t, time_ms);
    uint8_t kb[8];
    be64_put(kb, key);
    enc_reset(&t->scratch);
    rec_event_encode(&t->scratch, &ev);
    if (put_encoded(t, DB_EVENTS, mval(kb, 8), &t->scratch))
        return;
    wtxn_put(t, DB_EV_BY_CAM, mstr(cam_id), mval(kb, 8), 0);
    wtxn_put(t, DB_EV_BY_UNIT, mstr(unit_id), mval(kb, 8), 0);
    enc_uvar(&t->events, key);
    enc_uvar(&t->events, t->scratch.len);
    enc_bytes(&t->events, t->scratch.buf, t->scratch.len);
    if (t->events.err)
        wtxn_fail(t, t->events.err);
    t->event_count++;
    t->stats->transitions++;
}

/* ---- daily rollups ---- */

static void daily_add(struct wtxn *t, bool is_unit, const char *id, int32_t day,
                      const uint64_t ms[STORE_STATE_COUNT])
{
    uint8_t key[KEY_MAX];
    MDB_val k = mval(key, key_daily(key, is_unit, id, day)), v;
    struct store_daily d = {.id = id, .day = day};
    int rc = wtxn_get(t, DB_DAILY, k, &v);
    if (rc == 0 && (rc = rec_daily_decode(v.mv_data, v.mv_size, &d)))
        wtxn_fail(t, rc);
    if (rc && rc != -ENOENT)
        return;
    for (int i = 0; i < STORE_STATE_COUNT; i++)
        d.ms[i] += ms[i];
    enc_reset(&t->scratch);
    rec_daily_encode(&t->scratch, &d);
    put_encoded(t, DB_DAILY, k, &t->scratch);
}

static uint64_t hash_unit_day(const char *unit, int32_t day)
{
    uint64_t h = 1469598103934665603ull ^ (uint32_t)day;
    while (*unit)
        h = (h ^ (uint8_t)*unit++) * 1099511628211ull;
    return h;
}

static void unit_acc_add(struct wtxn *t, const char *unit, int32_t day, uint8_t state,
                         int64_t ms)
{
    if ((t->unit_acc_n + 1) * 2 > t->unit_acc_cap) {
        size_t cap = t->unit_acc_cap ? t->unit_acc_cap * 2 : 1024;
        struct unit_acc *na = calloc(cap, sizeof(*na));
        if (!na) {
            wtxn_fail(t, -ENOMEM);
            return;
        }
        for (size_t i = 0; i < t->unit_acc_cap; i++) {
            struct unit_acc *o = &t->unit_acc[i];
            if (!o->unit[0])
                continue;
            size_t j = hash_unit_day(o->unit, o->day) & (cap - 1);
            while (na[j].unit[0])
                j = (j + 1) & (cap - 1);
            na[j] = *o;
        }
        free(t->unit_acc);
        t->unit_acc = na;
        t->unit_acc_cap = cap;
    }
    /* The probe below ends at an empty slot: the table is at most half
     * full, and its size a power of two for the mask. */
    assert(t->unit_acc_cap && !(t->unit_acc_cap & (t->unit_acc_cap - 1)));
    assert((t->unit_acc_n + 1) * 2 <= t->unit_acc_cap);
    size_t j = hash_unit_day(unit, day) & (t->unit_acc_cap - 1);
    struct unit_acc *a;
    for (;; j = (j + 1) & (t->unit_acc_cap - 1)) {
        a = &t->unit_acc[j];
        if (!a->unit[0]) {
            snprintf(a->unit, sizeof(a->unit), "%s", unit);
            a->day = day;
            t->unit_acc_n++;
            break;
        }
        if (a->day == day && strcmp(a->unit, unit) == 0)
            break;
    }
    a->ms[state] += (uint64_t)ms;
}

int apply_flush(struct wtxn *t)
{
    for (size_t i = 0; i < t->unit_acc_cap && !t->err; i++) {
        struct unit_acc *a = &t->unit_acc[i];
        if (a->unit[0])
            daily_add(t, true, a->unit, a->day, a->ms);
    }
    return t->err;
}

/* Moves a camera's accumulated day into the daily table. */
static void cam_acc_flush(struct wtxn *t, const char *cam_id, struct store_health *h)
{
    uint64_t any = 0;
    for (int i = 0; i < STORE_STATE_COUNT; i++)
        any |= h->acc_ms[i];
    if (any)
        daily_add(t, false, cam_id, h->acc_day, h->acc_ms);
    memset(h->acc_ms, 0, sizeof(h->acc_ms));
}

/* Credits [from, to) to `state` for the camera (into h's accumulator) and
 * its unit, split at day boundaries. Gaps longer than the configured
 * maximum (the service was down) are credited to nobody: nobody watched. */
static void credit(struct wtxn *t, const char *cam_id, const char *unit_id, uint8_t state,
                   struct store_health *h, int64_t from, int64_t to)
{
    if (from <= 0 || to <= from || to - from > t->s->max_credit_gap_ms)
        return;
    while (from < to && !t->err) {
        int32_t day = store_day_of(t->s, from);
        int64_t end = store_day_start(t->s, day + 1);
        if (end > to)
            end = to;
        unit_acc_add(t, unit_id, day, state, end - from);
        if (day > h->acc_day) {
            cam_acc_flush(t, cam_id, h);
            h->acc_day = day;
        }
        if (day == h->acc_day) {
            h->acc_ms[state] += (uint64_t)(end - from);
        } else { /* the clock went back past midnight: straight to the table */
            uint64_t ms[STORE_STATE_COUNT] = {0};
            ms[state] = (uint64_t)(end - from);
            daily_add(t, false, cam_id, day, ms);
        }
        from = end;
    }
}

/* ---- loading old values (copied: later puts may rewrite their pages) ---- */

static int load_camera(struct wtxn *t, const char *id, struct store_camera *cam)
{
    MDB_val v;
    int rc = wtxn_get(t, DB_CAMERAS, mstr(id), &v);
    if (rc)
        return rc;
    enc_reset(&t->hold_cam);
    enc_bytes(&t->hold_cam, v.mv_data, v.mv_size);
    if (t->hold_cam.err)
        return wtxn_fail(t, t->hold_cam.err);
    rc = rec_camera_decode(t->hold_cam.buf, t->hold_cam.len, id, cam);
    return rc ? wtxn_fail(t, rc) : 0;
}

static int load_health(struct wtxn *t, const char *id, struct store_health *h)
{
    MDB_val v;
    int rc = wtxn_get(t, DB_HEALTH, mstr(id), &v);
    if (rc == -ENOENT) {
        rec_health_unknown(h); /* fsck reports the missing record */
        return 0;
    }
    if (rc)
        return rc;
    enc_reset(&t->hold_health);
    enc_bytes(&t->hold_health, v.mv_data, v.mv_size);
    if (t->hold_health.err)
        return wtxn_fail(t, t->hold_health.err);
    rc = rec_health_decode(t->hold_health.buf, t->hold_health.len, h);
    return rc ? wtxn_fail(t, rc) : 0;
}

static void put_health(struct wtxn *t, const char *id, const struct store_health *h)
{
    enc_reset(&t->scratch);
    rec_health_encode(&t->scratch, h);
    put_encoded(t, DB_HEALTH, mstr(id), &t->scratch);
}

/* ---- the changes ---- */

int apply_camera_put(struct wtxn *t, const struct store_camera *cam, const char *unit_name)
{
    struct store_camera old;
    struct store_health h;
    int rc = load_camera(t, cam->id, &old);
    if (rc == -ENOENT) {
        enc_reset(&t->scratch);
        rec_camera_encode(&t->scratch, cam);
        put_encoded(t, DB_CAMERAS, mstr(cam->id), &t->scratch);
        rec_health_unknown(&h);
        h.since = h.accounted_until = t->now;
        put_health(t, cam->id, &h);
        idx_all(t, true, cam->unit_id, cam->id, &h);
        unit_update(t, cam->unit_id, unit_name, +1, -1, STORE_UNKNOWN);
        t->stats->cameras_added++;
        return t->err;
    }
    if (rc)
        return rc;

    enc_reset(&t->scratch);
    rec_camera_encode(&t->scratch, cam);
    if (t->scratch.err)
        return wtxn_fail(t, t->scratch.err);
    if (t->scratch.len == t->hold_cam.len &&
        memcmp(t->scratch.buf, t->hold_cam.buf, t->scratch.len) == 0) {
        unit_update(t, cam->unit_id, unit_name, 0, -1, -1);
        t->stats->cameras_unchanged++;
        return t->err;
    }
    put_encoded(t, DB_CAMERAS, mstr(cam->id), &t->scratch);
    if (strcmp(old.url, cam->url) != 0) /* another address, or other credentials */
        apply_auth_hint_put(t, cam->id, NULL, 0);
    if (strcmp(old.unit_id, cam->unit_id) != 0) {
        /* Time so far belongs to the old unit; the camera's history stays. */
        if ((rc = load_health(t, cam->id, &h)))
            return rc;
        credit(t, cam->id, old.unit_id, h.state, &h, h.accounted_until, t->now);
        if (h.accounted_until < t->now)
            h.accounted_until = t->now;
        put_health(t, cam->id, &h);
        idx_all(t, false, old.unit_id, cam->id, &h);
        idx_all(t, true, cam->unit_id, cam->id, &h);
        unit_update(t, old.unit_id, NULL, -1, h.state, -1);
        unit_update(t, cam->unit_id, unit_name, +1, -1, h.state);
    } else {
        unit_update(t, cam->unit_id, unit_name, 0, -1, -1);
    }
    t->stats->cameras_changed++;
    return t->err;
}

int apply_camera_del(struct wtxn *t, const char *id)
{
    struct store_camera cam;
    struct store_health h;
    int rc = load_camera(t, id, &cam);
    if (rc)
        return rc == -ENOENT ? 0 : rc;
    if ((rc = load_health(t, id, &h)))
        return rc;
    credit(t, id, cam.unit_id, h.state, &h, h.accounted_until, t->now);
    cam_acc_flush(t, id, &h);
    idx_all(t, false, cam.unit_id, id, &h);
    unit_update(t, cam.unit_id, NULL, -1, h.state, -1);
    wtxn_del(t, DB_HEALTH, mstr(id), NULL);
    apply_auth_hint_put(t, id, NULL, 0);
    apply_clock_put(t, id, NULL, 0);
    wtxn_del(t, DB_DIAGNOSIS, mstr(id), NULL);
    apply_reference_put(t, id, NULL);
    wtxn_del(t, DB_CAMERAS, mstr(id), NULL);
    t->stats->cameras_removed++;
    return t->err;
}

/* Media fields merge: what a lighter probe did not learn stays known. */
static void merge_media(struct store_media *m, const struct store_media *old)
{
#define KEEP_STR(f) if (!m->f || !m->f[0]) m->f = old->f
#define KEEP_NUM(f) if (!m->f) m->f = old->f
    KEEP_STR(codec);
    KEEP_STR(profile);
    KEEP_STR(audio);
    KEEP_STR(server);
    KEEP_NUM(width);
    KEEP_NUM(height);
    KEEP_NUM(fps_milli);
    KEEP_NUM(bitrate_kbps);
#undef KEEP_STR
#undef KEEP_NUM
}

static int health_change(struct wtxn *t, const char *id, const struct store_health *nh,
                         bool keep_detail, bool operator, int64_t now_ms);

int apply_health_put(struct wtxn *t, const char *id, const struct store_health *nh,
                     bool keep_detail, int64_t now_ms)
{
    return health_change(t, id, nh, keep_detail, false, now_ms);
}

int apply_maintenance(struct wtxn *t, const char *id, bool on, const char *note, int64_t now_ms)
{
    struct store_health h;
    MDB_val v;
    int rc = wtxn_get(t, DB_HEALTH, mstr(id), &v);
    if (rc == -ENOENT) {
        t->stats->health_skipped++;
        return 0;
    }
    if (rc || (rc = rec_health_decode(v.mv_data, v.mv_size, &h)))
        return wtxn_fail(t, rc);
    if ((h.state == STORE_MAINTENANCE) == on)
        return 0; /* already so: no event */
    struct store_health nh = h;
    nh.state = on ? STORE_MAINTENANCE : STORE_UNKNOWN;
    nh.reason = on ? "maintenance" : "";
    nh.detail = on ? note : "";
    nh.consec_fail = nh.consec_ok = 0;
    /* h's strings point into a page that later puts may rewrite: carry no
     * media here, the merge takes it from health_change's own copy. */
    memset(&nh.media, 0, sizeof(nh.media));
    return health_change(t, id, &nh, false, true, now_ms);
}

static int health_change(struct wtxn *t, const char *id, const struct store_health *nh,
                         bool keep_detail, bool operator, int64_t now_ms)
{
    struct store_camera cam;
    struct store_health old;
    int rc = load_camera(t, id, &cam);
    if (rc == -ENOENT) {
        /* Removed from the inventory while its probe was in flight. */
        t->stats->health_skipped++;
        return 0;
    }
    if (rc || (rc = load_health(t, id, &old)))
        return rc;

    struct store_health h = *nh;
    if (keep_detail)
        h.detail = old.detail;
    if (!operator && (old.state == STORE_MAINTENANCE || h.state == STORE_MAINTENANCE)) {
        /* Maintenance belongs to operations (store_batch_maintenance). */
        h.state = old.state;
        h.reason = old.reason;
        h.detail = old.detail;
    }
    merge_media(&h.media, &old.media);
    h.acc_day = old.acc_day;
    memcpy(h.acc_ms, old.acc_ms, sizeof(h.acc_ms));
    credit(t, id, cam.unit_id, old.state, &h, old.accounted_until, now_ms);
    bool state_changed = old.state != h.state;
    bool reason_changed = strcmp(old.reason, h.reason ? h.reason : "") != 0;
    if (state_changed) {
        idx_state(t, false, old.state, cam.unit_id, id);
        idx_state(t, true, h.state, cam.unit_id, id);
        unit_update(t, cam.unit_id, NULL, 0, old.state, h.state);
        event_append(t, id, cam.unit_id, old.state, &h, now_ms);
    }
    if (state_changed || reason_changed) {
        idx_reason(t, false, old.reason, cam.unit_id, id);
        idx_reason(t, true, h.reason, cam.unit_id, id);
    }
    h.since = state_changed ? now_ms : old.since;
    h.accounted_until = now_ms > old.accounted_until ? now_ms : old.accounted_until;
    put_health(t, id, &h);
    t->stats->health_updates++;
    return t->err;
}
