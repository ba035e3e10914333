/* Consistency check: recomputes everything derived (secondary indexes, unit
 * counters, event indexes) from the camera, health and event records and
 * reports each difference; optionally rebuilds the derived data. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "records.h"

/* Unit tallies recomputed from the cameras: a small open-addressing map. */
struct tally {
    char id[STORE_ID_MAX + 1];
    bool used, seen;
    uint32_t cameras, count[STORE_STATE_COUNT];
};

struct fsck {
    struct store *s;
    MDB_txn *txn;
    struct tally *t;
    size_t cap, n;
    store_fsck_cb cb;
    void *ctx;
    struct store_fsck_report *rep;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

static struct tally *tally_get(struct fsck *f, const char *id)
{
    if ((f->n + 1) * 2 > f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 512;
        struct tally *nt = calloc(cap, sizeof(*nt));
        if (!nt)
            return NULL;
        for (size_t i = 0; i < f->cap; i++) {
            if (!f->t[i].used)
                continue;
            size_t j = hash_str(f->t[i].id) & (cap - 1);
            while (nt[j].used)
                j = (j + 1) & (cap - 1);
            nt[j] = f->t[i];
        }
        free(f->t);
        f->t = nt;
        f->cap = cap;
    }
    size_t j = hash_str(id) & (f->cap - 1);
    while (f->t[j].used && strcmp(f->t[j].id, id) != 0)
        j = (j + 1) & (f->cap - 1);
    if (!f->t[j].used) {
        f->t[j].used = true;
        snprintf(f->t[j].id, sizeof(f->t[j].id), "%s", id);
        f->n++;
    }
    return &f->t[j];
}

static void problem(struct fsck *f, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    f->rep->problems++;
    if (f->cb)
        f->cb(msg, f->ctx);
}

static bool has_dup(struct fsck *f, enum store_db db, MDB_val k, MDB_val v)
{
    MDB_cursor *c;
    if (mdb_cursor_open(f->txn, f->s->dbi[db], &c))
        return false;
    bool found = mdb_cursor_get(c, &k, &v, MDB_GET_BOTH) == 0;
    mdb_cursor_close(c);
    return found;
}

static size_t entries(struct fsck *f, enum store_db db)
{
    MDB_stat st;
    return mdb_stat(f->txn, f->s->dbi[db], &st) == 0 ? st.ms_entries : 0;
}

static int each(struct fsck *f, enum store_db db,
                int (*fn)(struct fsck *f, MDB_val *k, MDB_val *v))
{
    MDB_cursor *c;
    int rc = store_err(f->s, mdb_cursor_open(f->txn, f->s->dbi[db], &c));
    if (rc)
        return rc;
    MDB_val k, v;
    int mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    while (mrc == 0 && !rc) {
        rc = fn(f, &k, &v);
        mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    if (rc)
        return rc;
    return mrc == MDB_NOTFOUND ? 0 : store_err(f->s, mrc);
}

static const char *key_str(const MDB_val *k, char *buf, size_t n)
{
    size_t len = k->mv_size < n - 1 ? k->mv_size : n - 1;
    memcpy(buf, k->mv_data, len);
    buf[len] = 0;
    return buf;
}

/* Pass 1: every camera has a health record and its index entries. */
static int check_camera(struct fsck *f, MDB_val *k, MDB_val *v)
{
    char id[STORE_ID_MAX + 1];
    key_str(k, id, sizeof(id));
    struct store_camera cam;
    struct store_health h;
    f->rep->cameras++;
    if (rec_camera_decode(v->mv_data, v->mv_size, id, &cam)) {
        problem(f, "camera %s: record cannot be decoded", id);
        return 0;
    }
    MDB_val hv;
    if (mdb_get(f->txn, f->s->dbi[DB_HEALTH], k, &hv) != 0) {
        problem(f, "camera %s: no health record", id);
        rec_health_unknown(&h);
    } else if (rec_health_decode(hv.mv_data, hv.mv_size, &h)) {
        problem(f, "camera %s: health record cannot be decoded", id);
        rec_health_unknown(&h);
    }
    struct tally *t = tally_get(f, cam.unit_id);
    if (!t)
        return -ENOMEM;
    t->cameras++;
    t->count[h.state]++;

    uint8_t key[KEY_MAX];
    if (!has_dup(f, DB_BY_UNIT, mstr(cam.unit_id), *k))
        problem(f, "camera %s: missing from by_unit[%s]", id, cam.unit_id);
    if (!has_dup(f, DB_BY_STATE, mval(key, key_by_state(key, h.state, cam.unit_id)), *k))
        problem(f, "camera %s: missing from by_state[%s]", id, store_state_name(h.state));
    if (h.reason[0] &&
        !has_dup(f, DB_BY_REASON, mval(key, key_by_reason(key, h.reason, cam.unit_id)), *k))
        problem(f, "camera %s: missing from by_reason[%s]", id, h.reason);
    return 0;
}

/* Pass 2: index entries that point nowhere or to the wrong place. */
static int load_for_index(struct fsck *f, MDB_val *camv, struct store_camera *cam,
                          struct store_health *h, char *id)
{
    key_str(camv, id, STORE_ID_MAX + 1);
    MDB_val cv, hv;
    if (mdb_get(f->txn, f->s->dbi[DB_CAMERAS], camv, &cv) != 0 ||
        rec_camera_decode(cv.mv_data, cv.mv_size, id, cam) != 0)
        return -ENOENT;
    if (mdb_get(f->txn, f->s->dbi[DB_HEALTH], camv, &hv) != 0 ||
        rec_health_decode(hv.mv_data, hv.mv_size, h) != 0)
        rec_health_unknown(h);
    return 0;
}

static int check_by_unit(struct fsck *f, MDB_val *k, MDB_val *v)
{
    char id[STORE_ID_MAX + 1], unit[STORE_ID_MAX + 1];
    struct store_camera cam;
    struct store_health h;
    key_str(k, unit, sizeof(unit));
    if (load_for_index(f, v, &cam, &h, id))
        problem(f, "by_unit[%s]: camera %s does not exist", unit, id);
    else if (strcmp(cam.unit_id, unit) != 0)
        problem(f, "by_unit[%s]: camera %s belongs to unit %s", unit, id, cam.unit_id);
    return 0;
}

static int check_by_state(struct fsck *f, MDB_val *k, MDB_val *v)
{
    char id[STORE_ID_MAX + 1];
    struct store_camera cam;
    struct store_health h;
    uint8_t key[KEY_MAX];
    if (load_for_index(f, v, &cam, &h, id)) {
        problem(f, "by_state: camera %s does not exist", id);
        return 0;
    }
    size_t n = key_by_state(key, h.state, cam.unit_id);
    if (n != k->mv_size || memcmp(key, k->mv_data, n) != 0)
        problem(f, "by_state: camera %s listed under the wrong state or unit (is %s in %s)", id,
                store_state_name(h.state), cam.unit_id);
    return 0;
}

static int check_by_reason(struct fsck *f, MDB_val *k, MDB_val *v)
{
    char id[STORE_ID_MAX + 1];
    struct store_camera cam;
    struct store_health h;
    uint8_t key[KEY_MAX];
    if (load_for_index(f, v, &cam, &h, id)) {
        problem(f, "by_reason: camera %s does not exist", id);
        return 0;
    }
    size_t n = key_by_reason(key, h.reason, cam.unit_id);
    if (!h.reason[0] || n != k->mv_size || memcmp(key, k->mv_data, n) != 0)
        problem(f, "by_reason: camera %s listed under the wrong reason or unit (is \"%s\")", id,
                h.reason);
    return 0;
}

/* A per-camera record (`what`) keyed by camera id whose camera is gone. */
static int check_owner(struct fsck *f, MDB_val *k, const char *what)
{
    MDB_val cv;
    char id[STORE_ID_MAX + 1];
    if (mdb_get(f->txn, f->s->dbi[DB_CAMERAS], k, &cv) != 0)
        problem(f, "%s of %s has no camera", what, key_str(k, id, sizeof(id)));
    return 0;
}

static int check_health(struct fsck *f, MDB_val *k, MDB_val *v)
{
    (void)v;
    return check_owner(f, k, "health record");
}

static int check_hint(struct fsck *f, MDB_val *k, MDB_val *v)
{
    (void)v;
    return check_owner(f, k, "auth hint");
}

static int check_picture(struct fsck *f, MDB_val *k, MDB_val *v)
{
    (void)v;
    return check_owner(f, k, "picture diagnosis or reference");
}

/* Pass 3: stored unit counters against the recomputed ones. */
static int check_unit(struct fsck *f, MDB_val *k, MDB_val *v)
{
    char id[STORE_ID_MAX + 1];
    struct store_unit u;
    key_str(k, id, sizeof(id));
    f->rep->units++;
    if (rec_unit_decode(v->mv_data, v->mv_size, id, &u)) {
        problem(f, "unit %s: record cannot be decoded", id);
        return 0;
    }
    struct tally *t = tally_get(f, id);
    if (!t)
        return -ENOMEM;
    t->seen = true;
    if (u.cameras != t->cameras)
        problem(f, "unit %s: counter says %u cameras, index holds %u", id, u.cameras, t->cameras);
    for (int s = 0; s < STORE_STATE_COUNT; s++)
        if (u.count[s] != t->count[s])
            problem(f, "unit %s: counter says %u %s, health records say %u", id, u.count[s],
                    store_state_name(s), t->count[s]);
    return 0;
}

/* Pass 4: every event is in both event indexes. */
static int check_event(struct fsck *f, MDB_val *k, MDB_val *v)
{
    struct store_event ev;
    f->rep->events++;
    if (k->mv_size != 8 || rec_event_decode(v->mv_data, v->mv_size, be64_get(k->mv_data), &ev)) {
        problem(f, "event record cannot be decoded");
        return 0;
    }
    if (!has_dup(f, DB_EV_BY_CAM, mstr(ev.camera_id), *k))
        problem(f, "event %llu: missing from ev_by_cam[%s]", (unsigned long long)ev.key,
                ev.camera_id);
    if (!has_dup(f, DB_EV_BY_UNIT, mstr(ev.unit_id), *k))
        problem(f, "event %llu: missing from ev_by_unit[%s]", (unsigned long long)ev.key,
                ev.unit_id);
    return 0;
}

static int check_ev_index(struct fsck *f, MDB_val *k, MDB_val *v)
{
    MDB_val ev;
    char owner[STORE_ID_MAX + 1];
    if (v->mv_size != 8 || mdb_get(f->txn, f->s->dbi[DB_EVENTS], v, &ev) != 0)
        problem(f, "event index of %s points to a missing event", key_str(k, owner,
                                                                          sizeof(owner)));
    return 0;
}

static int check_all(struct fsck *f)
{
    int rc = each(f, DB_CAMERAS, check_camera);
    size_t cams = f->rep->cameras;
    if (rc)
        return rc;
    if (entries(f, DB_HEALTH) != cams)
        rc = each(f, DB_HEALTH, check_health);
    /* Walked whole: most cameras have a hint, so a count tells nothing. */
    if (!rc && !f->s->absent[DB_AUTH_HINTS])
        rc = each(f, DB_AUTH_HINTS, check_hint);
    if (!rc && !f->s->absent[DB_DIAGNOSIS])
        rc = each(f, DB_DIAGNOSIS, check_picture);
    if (!rc && !f->s->absent[DB_REFERENCE])
        rc = each(f, DB_REFERENCE, check_picture);
    if (!rc && entries(f, DB_BY_UNIT) != cams)
        rc = each(f, DB_BY_UNIT, check_by_unit);
    if (!rc && entries(f, DB_BY_STATE) != cams)
        rc = each(f, DB_BY_STATE, check_by_state);
    /* Reasons: cheap enough to always walk, and a count alone cannot tell
     * a stale entry from a missing one. */
    if (!rc)
        rc = each(f, DB_BY_REASON, check_by_reason);
    if (!rc)
        rc = each(f, DB_UNITS, check_unit);
    for (size_t i = 0; !rc && i < f->cap; i++)
        if (f->t[i].used && !f->t[i].seen)
            problem(f, "unit %s: has %u cameras but no unit record", f->t[i].id,
                    f->t[i].cameras);
    if (!rc)
        rc = each(f, DB_EVENTS, check_event);
    size_t events = f->rep->events;
    if (!rc && entries(f, DB_EV_BY_CAM) != events)
        rc = each(f, DB_EV_BY_CAM, check_ev_index);
    if (!rc && entries(f, DB_EV_BY_UNIT) != events)
        rc = each(f, DB_EV_BY_UNIT, check_ev_index);
    return rc;
}

/* ---- repair: rebuild everything derived in one write transaction ---- */

static int rebuild_camera(struct fsck *f, MDB_val *k, MDB_val *v)
{
    char id[STORE_ID_MAX + 1];
    struct store_camera cam;
    struct store_health h;
    key_str(k, id, sizeof(id));
    if (rec_camera_decode(v->mv_data, v->mv_size, id, &cam))
        return 0; /* undecodable: left for a person to look at */
    MDB_val hv;
    if (mdb_get(f->txn, f->s->dbi[DB_HEALTH], k, &hv) != 0 ||
        rec_health_decode(hv.mv_data, hv.mv_size, &h) != 0) {
        struct enc e;
        enc_init(&e);
        rec_health_unknown(&h);
        rec_health_encode(&e, &h);
        int rc = store_err(f->s, mdb_put(f->txn, f->s->dbi[DB_HEALTH], k,
                                         &(MDB_val){e.len, e.buf}, 0));
        enc_free(&e);
        if (rc)
            return rc;
    }
    struct tally *t = tally_get(f, cam.unit_id);
    if (!t)
        return -ENOMEM;
    t->cameras++;
    t->count[h.state]++;
    uint8_t key[KEY_MAX];
    MDB_val uk = mstr(cam.unit_id), sk = mval(key, key_by_state(key, h.state, cam.unit_id));
    int rc = mdb_put(f->txn, f->s->dbi[DB_BY_UNIT], &uk, k, MDB_NODUPDATA);
    if (!rc || rc == MDB_KEYEXIST)
        rc = mdb_put(f->txn, f->s->dbi[DB_BY_STATE], &sk, k, MDB_NODUPDATA);
    if ((!rc || rc == MDB_KEYEXIST) && h.reason[0]) {
        MDB_val rk = mval(key, key_by_reason(key, h.reason, cam.unit_id));
        rc = mdb_put(f->txn, f->s->dbi[DB_BY_REASON], &rk, k, MDB_NODUPDATA);
    }
    return rc == MDB_KEYEXIST ? 0 : store_err(f->s, rc);
}

static int rebuild_event(struct fsck *f, MDB_val *k, MDB_val *v)
{
    struct store_event ev;
    if (k->mv_size != 8 || rec_event_decode(v->mv_data, v->mv_size, be64_get(k->mv_data), &ev))
        return 0;
    MDB_val ck = mstr(ev.camera_id), uk = mstr(ev.unit_id);
    int rc = mdb_put(f->txn, f->s->dbi[DB_EV_BY_CAM], &ck, k, MDB_NODUPDATA);
    if (!rc || rc == MDB_KEYEXIST)
        rc = mdb_put(f->txn, f->s->dbi[DB_EV_BY_UNIT], &uk, k, MDB_NODUPDATA);
    return rc == MDB_KEYEXIST ? 0 : store_err(f->s, rc);
}

static int rebuild_units(struct fsck *f)
{
    /* Keep names, rewrite counters, drop units without cameras. */
    MDB_cursor *c;
    int rc = store_err(f->s, mdb_cursor_open(f->txn, f->s->dbi[DB_UNITS], &c));
    if (rc)
        return rc;
    struct enc e;
    enc_init(&e);
    MDB_val k, v;
    int mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    while (mrc == 0 && !rc) {
        char id[STORE_ID_MAX + 1];
        struct store_unit u;
        key_str(&k, id, sizeof(id));
        struct tally *t = tally_get(f, id);
        if (!t) {
            rc = -ENOMEM;
            break;
        }
        t->seen = true;
        if (rec_unit_decode(v.mv_data, v.mv_size, id, &u))
            u.name = id;
        if (t->cameras == 0) {
            rc = store_err(f->s, mdb_cursor_del(c, 0));
        } else {
            u.cameras = t->cameras;
            memcpy(u.count, t->count, sizeof(u.count));
            enc_reset(&e);
            rec_unit_encode(&e, &u);
            rc = store_err(f->s, mdb_cursor_put(c, &k, &(MDB_val){e.len, e.buf}, MDB_CURRENT));
        }
        mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    for (size_t i = 0; !rc && i < f->cap; i++) {
        struct tally *t = &f->t[i];
        if (!t->used || t->seen || t->cameras == 0)
            continue;
        struct store_unit u = {.id = t->id, .name = t->id, .cameras = t->cameras};
        memcpy(u.count, t->count, sizeof(u.count));
        enc_reset(&e);
        rec_unit_encode(&e, &u);
        MDB_val uk = mstr(t->id), uv = mval(e.buf, e.len);
        rc = store_err(f->s, mdb_put(f->txn, f->s->dbi[DB_UNITS], &uk, &uv, 0));
    }
    enc_free(&e);
    return rc;
}

/* Records of a per-camera table (health, auth hints, pictures) whose camera is gone.
 * After mdb_cursor_del the cursor's MDB_NEXT yields the record that
 * followed, so the plain walk is right. */
static int drop_orphans(struct fsck *f, enum store_db db)
{
    MDB_cursor *c;
    int rc = store_err(f->s, mdb_cursor_open(f->txn, f->s->dbi[db], &c));
    if (rc)
        return rc;
    MDB_val k, v, cv;
    int mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    while (mrc == 0 && !rc) {
        if (mdb_get(f->txn, f->s->dbi[DB_CAMERAS], &k, &cv) == MDB_NOTFOUND)
            rc = store_err(f->s, mdb_cursor_del(c, 0));
        mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    return rc;
}

static int rebuild(struct fsck *f)
{
    static const enum store_db derived[] = {DB_BY_UNIT, DB_BY_STATE, DB_BY_REASON, DB_EV_BY_CAM,
                                            DB_EV_BY_UNIT};
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof(derived) / sizeof(derived[0]); i++)
        rc = store_err(f->s, mdb_drop(f->txn, f->s->dbi[derived[i]], 0));
    if (!rc)
        rc = each(f, DB_CAMERAS, rebuild_camera);
    if (!rc)
        rc = drop_orphans(f, DB_HEALTH);
    if (!rc)
        rc = drop_orphans(f, DB_AUTH_HINTS);
    if (!rc)
        rc = drop_orphans(f, DB_DIAGNOSIS);
    if (!rc)
        rc = drop_orphans(f, DB_REFERENCE);
    if (!rc)
        rc = rebuild_units(f);
    if (!rc)
        rc = each(f, DB_EVENTS, rebuild_event);
    return rc;
}

static void fsck_reset(struct fsck *f)
{
    free(f->t);
    f->t = NULL;
    f->cap = f->n = 0;
}

int store_fsck(struct store *s, bool repair, struct store_fsck_report *rep, store_fsck_cb cb,
               void *ctx)
{
    struct fsck f = {.s = s, .cb = cb, .ctx = ctx, .rep = rep};
    memset(rep, 0, sizeof(*rep));
    pthread_rwlock_rdlock(&s->resize_lock);
    int rc = read_txn_begin(s, &f.txn);
    if (!rc) {
        rc = check_all(&f);
        mdb_txn_abort(f.txn);
    }
    pthread_rwlock_unlock(&s->resize_lock);
    fsck_reset(&f);
    if (rc || !repair || rep->problems == 0)
        return rc;
    if (s->read_only)
        return -EROFS;

    pthread_mutex_lock(&s->write_lock);
    rc = store_err(s, mdb_txn_begin(s->env, NULL, 0, &f.txn));
    if (!rc) {
        rc = rebuild(&f);
        if (rc)
            mdb_txn_abort(f.txn);
        else
            rc = store_err(s, mdb_txn_commit(f.txn));
    }
    pthread_mutex_unlock(&s->write_lock);
    fsck_reset(&f);
    return rc;
}
