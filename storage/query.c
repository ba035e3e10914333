/* Read-side queries: point lookups and scans over the secondary indexes.
 * Prefix scans start at the prefix and stop as soon as keys leave it. */
#include <errno.h>

#include "internal.h"
#include "records.h"

static int get_val(struct store_read *r, enum store_db db, const char *key, MDB_val *v)
{
    return store_err(r->s, mdb_get(r->txn, r->s->dbi[db], &(MDB_val){strlen(key), (void *)key},
                                   v));
}

int store_camera_get(struct store_read *r, const char *id, struct store_camera *cam)
{
    MDB_val v;
    int rc = get_val(r, DB_CAMERAS, id, &v);
    return rc ? rc : rec_camera_decode(v.mv_data, v.mv_size, id, cam);
}

int store_health_get(struct store_read *r, const char *id, struct store_health *h)
{
    MDB_val v;
    int rc = get_val(r, DB_HEALTH, id, &v);
    return rc ? rc : rec_health_decode(v.mv_data, v.mv_size, h);
}

int store_unit_get(struct store_read *r, const char *id, struct store_unit *u)
{
    MDB_val v;
    int rc = get_val(r, DB_UNITS, id, &v);
    return rc ? rc : rec_unit_decode(v.mv_data, v.mv_size, id, u);
}

/* Camera ids in index values are not NUL-terminated: copy them out. */
static int id_copy(char *buf, const MDB_val *v)
{
    if (v->mv_size == 0 || v->mv_size > STORE_ID_MAX)
        return -EBADMSG;
    memcpy(buf, v->mv_data, v->mv_size);
    buf[v->mv_size] = 0;
    return 0;
}

/* Whether the camera's latest diagnosis found `reason`. A diagnosis that
 * cannot be decoded has no findings to list. */
static bool has_finding(struct store_read *r, const char *id, const char *reason)
{
    struct store_diagnosis d;
    if (store_diagnosis_get(r, id, &d))
        return false;
    for (uint8_t i = 0; i < d.n; i++)
        if (strcmp(d.f[i].reason, reason) == 0)
            return true;
    return false;
}

static bool in_zone(struct store_read *r, const char *id, const char *zone)
{
    char z[STORE_ZONE_MAX + 1];
    return store_zone_get(r, id, z) == 0 && strcmp(z, zone) == 0;
}

/* The filters every way of scanning applies to a camera it found: one
 * place, so a new filter cannot be forgotten by one of the scans. */
static bool passes(struct store_read *r, const char *id, const struct store_camera *cam,
                   const struct store_health *h, const struct store_filter *f)
{
    if (!f)
        return true;
    if (f->state >= 0 && h->state != f->state)
        return false;
    if (f->unit_id && strcmp(cam->unit_id, f->unit_id) != 0)
        return false;
    if (f->finding && !has_finding(r, id, f->finding))
        return false;
    return !f->zone || in_zone(r, id, f->zone);
}

/* Looks the camera up and hands it over if it passes the filters. */
static int emit_camera(struct store_read *r, const MDB_val *idv, const struct store_filter *f,
                       store_camera_cb cb, void *ctx)
{
    char id[STORE_ID_MAX + 1];
    struct store_camera cam;
    struct store_health h;
    int rc = id_copy(id, idv);
    if (!rc)
        rc = store_camera_get(r, id, &cam);
    if (!rc)
        rc = store_health_get(r, id, &h);
    if (rc)
        return rc;
    return passes(r, id, &cam, &h, f) ? cb(&cam, &h, ctx) : 0;
}

/* Puts the cursor on the first entry after (key, id) in (key, id) order.
 * That entry may be gone (camera removed or moved), so seek by range, not
 * by match: first among the key's ids, then to the next key. */
static int seek_after(MDB_cursor *c, const uint8_t *key, size_t klen, const char *id, MDB_val *k,
                      MDB_val *v)
{
    size_t idlen = strlen(id);
    *k = mval(key, klen);
    *v = mval(id, idlen);
    int mrc = mdb_cursor_get(c, k, v, MDB_GET_BOTH_RANGE);
    if (mrc == 0) {
        if (v->mv_size == idlen && memcmp(v->mv_data, id, idlen) == 0)
            mrc = mdb_cursor_get(c, k, v, MDB_NEXT);
        return mrc;
    }
    if (mrc != MDB_NOTFOUND)
        return mrc;
    /* No such key, or every id under it sorts before `id`. */
    *k = mval(key, klen);
    mrc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
    if (mrc == 0 && k->mv_size == klen && memcmp(k->mv_data, key, klen) == 0)
        mrc = mdb_cursor_get(c, k, v, MDB_NEXT_NODUP);
    return mrc;
}

/* Walks every duplicate of every key starting with prefix[0..plen). With
 * `exact`, only the key equal to the prefix. With after_id, starts after
 * (start key, after_id) instead; the start key begins with the prefix. */
static int scan_index(struct store_read *r, enum store_db db, const uint8_t *prefix, size_t plen,
                      bool exact, const uint8_t *start, size_t slen, const char *after_id,
                      const struct store_filter *f, store_camera_cb cb, void *ctx)
{
    MDB_cursor *c;
    int rc = store_err(r->s, mdb_cursor_open(r->txn, r->s->dbi[db], &c));
    if (rc)
        return rc;
    MDB_val k = mval(prefix, plen), v;
    int mrc = after_id ? seek_after(c, start, slen, after_id, &k, &v)
                       : mdb_cursor_get(c, &k, &v, exact ? MDB_SET_KEY : MDB_SET_RANGE);
    while (mrc == 0) {
        if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
            break;
        if (exact && k.mv_size != plen)
            break;
        rc = emit_camera(r, &v, f, cb, ctx);
        if (rc)
            break;
        mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    return cursor_walk_end(r->s, c, rc, mrc);
}

/* The health table has the cameras table's keys, so a walk of the fleet
 * steps a health cursor beside the camera cursor: two cursor steps a camera
 * instead of two lookups from the root (at a million cameras, the one
 * cost of a full scan). The health cursor is resynced by key when the two
 * tables disagree. */
struct walk {
    MDB_cursor *hc;
    MDB_val hk, hv;
    bool started;
};

static int walk_health(struct walk *w, const MDB_val *k, MDB_val *hv)
{
    int mrc = w->started ? mdb_cursor_get(w->hc, &w->hk, &w->hv, MDB_NEXT) : MDB_NOTFOUND;
    w->started = true;
    if (mrc == 0 && w->hk.mv_size == k->mv_size &&
        memcmp(w->hk.mv_data, k->mv_data, k->mv_size) == 0) {
        *hv = w->hv;
        return 0;
    }
    w->hk = *k;
    mrc = mdb_cursor_get(w->hc, &w->hk, &w->hv, MDB_SET_KEY);
    if (mrc == 0)
        *hv = w->hv;
    else
        w->started = false; /* the next camera resyncs too */
    return mrc;
}

static int emit_walked(struct store_read *r, struct walk *w, const MDB_val *k, const MDB_val *v,
                       const struct store_filter *f, store_camera_cb cb, void *ctx)
{
    char id[STORE_ID_MAX + 1];
    struct store_camera cam;
    struct store_health h;
    MDB_val hv = {0};
    int rc = id_copy(id, k);
    if (!rc)
        rc = rec_camera_decode(v->mv_data, v->mv_size, id, &cam);
    if (!rc)
        rc = store_err(r->s, walk_health(w, k, &hv));
    if (!rc)
        rc = rec_health_decode(hv.mv_data, hv.mv_size, &h);
    if (rc)
        return rc;
    return passes(r, id, &cam, &h, f) ? cb(&cam, &h, ctx) : 0;
}

/* Walks the cameras table in id order, from after after_id if given. */
static int scan_all(struct store_read *r, const char *after_id, const struct store_filter *f,
                    store_camera_cb cb, void *ctx)
{
    MDB_cursor *c;
    struct walk w = {0};
    int rc = store_err(r->s, mdb_cursor_open(r->txn, r->s->dbi[DB_CAMERAS], &c));
    if (rc)
        return rc;
    if ((rc = store_err(r->s, mdb_cursor_open(r->txn, r->s->dbi[DB_HEALTH], &w.hc)))) {
        mdb_cursor_close(c);
        return rc;
    }
    MDB_val k, v;
    int mrc;
    if (after_id) {
        k = mstr(after_id);
        mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
        if (mrc == 0 && k.mv_size == strlen(after_id) &&
            memcmp(k.mv_data, after_id, k.mv_size) == 0)
            mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    } else {
        mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    }
    while (mrc == 0 && !rc) {
        rc = emit_walked(r, &w, &k, &v, f, cb, ctx);
        mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(w.hc);
    return cursor_walk_end(r->s, c, rc, mrc);
}

int store_cameras_count(struct store_read *r, uint64_t *n)
{
    MDB_stat st;
    int rc = store_err(r->s, mdb_stat(r->txn, r->s->dbi[DB_CAMERAS], &st));
    *n = rc ? 0 : st.ms_entries;
    return rc;
}

int store_cameras_scan(struct store_read *r, const struct store_filter *f, store_camera_cb cb,
                       void *ctx)
{
    uint8_t key[KEY_MAX], start[KEY_MAX];
    const char *unit = f ? f->unit_id : NULL;
    const char *after = f ? f->after_id : NULL, *after_unit = f ? f->after_unit : NULL;
    if (unit && strlen(unit) > STORE_ID_MAX)
        return -EINVAL;
    if (after && (!*after || strlen(after) > STORE_ID_MAX))
        return -EINVAL;
    if (f && f->finding && (!*f->finding || strlen(f->finding) > STORE_REASON_MAX))
        return -EINVAL;
    if (f && f->zone && (!*f->zone || strlen(f->zone) > STORE_ZONE_MAX))
        return -EINVAL;
    if (!f || (!f->reason && f->state < 0 && !unit))
        return scan_all(r, after, f, cb, ctx);

    if (after && (!after_unit || strlen(after_unit) > STORE_ID_MAX))
        return -EINVAL;
    /* One unit is one index key: a start in an earlier unit is its
     * beginning, a start in a later one is past its end. */
    if (after && unit) {
        int c = strcmp(after_unit, unit);
        if (c > 0)
            return 0;
        if (c < 0)
            after = NULL;
    }
    const char *from_unit = after ? after_unit : "";
    if (f->reason) {
        if (strlen(f->reason) > STORE_REASON_MAX)
            return -EINVAL;
        size_t n = key_by_reason(key, f->reason, unit ? unit : "");
        size_t sn = key_by_reason(start, f->reason, from_unit);
        return scan_index(r, DB_BY_REASON, key, n, unit != NULL, start, sn, after, f, cb, ctx);
    }
    if (f->state >= 0) {
        if (f->state >= STORE_STATE_COUNT)
            return -EINVAL;
        size_t n = key_by_state(key, (uint8_t)f->state, unit ? unit : "");
        size_t sn = key_by_state(start, (uint8_t)f->state, from_unit);
        struct store_filter rest = *f;
        rest.state = -1; /* the index already selects the state */
        return scan_index(r, DB_BY_STATE, key, n, unit != NULL, start, sn, after, &rest, cb, ctx);
    }
    struct store_filter rest = {.state = -1, .finding = f->finding, .zone = f->zone};
    return scan_index(r, DB_BY_UNIT, (const uint8_t *)unit, strlen(unit), true,
                      (const uint8_t *)from_unit, strlen(from_unit), after, &rest, cb, ctx);
}

int store_units_scan(struct store_read *r, store_unit_cb cb, void *ctx)
{
    MDB_cursor *c;
    int rc = store_err(r->s, mdb_cursor_open(r->txn, r->s->dbi[DB_UNITS], &c));
    if (rc)
        return rc;
    MDB_val k, v;
    char id[STORE_ID_MAX + 1];
    struct store_unit u;
    int mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    while (mrc == 0 && !rc) {
        rc = id_copy(id, &k);
        if (!rc)
            rc = rec_unit_decode(v.mv_data, v.mv_size, id, &u);
        if (!rc)
            rc = cb(&u, ctx);
        mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    return cursor_walk_end(r->s, c, rc, mrc);
}

static uint64_t event_key_at(int64_t ms)
{
    return ms <= 0 ? 0 : (uint64_t)ms << 12;
}

static int emit_event(struct store_read *r, const uint8_t *kb, store_event_cb cb, void *ctx)
{
    MDB_val v;
    int rc = store_err(r->s, mdb_get(r->txn, r->s->dbi[DB_EVENTS], &(MDB_val){8, (void *)kb},
                                     &v));
    struct store_event ev;
    if (!rc)
        rc = rec_event_decode(v.mv_data, v.mv_size, be64_get(kb), &ev);
    return rc ? rc : cb(&ev, ctx);
}

int store_events_scan(struct store_read *r, const char *camera_id, const char *unit_id,
                      int64_t from_ms, int64_t to_ms, store_event_cb cb, void *ctx)
{
    uint8_t from[8];
    uint64_t end = to_ms == INT64_MAX ? UINT64_MAX : event_key_at(to_ms);
    be64_put(from, event_key_at(from_ms));
    const char *owner = camera_id ? camera_id : unit_id;
    enum store_db db = camera_id ? DB_EV_BY_CAM : unit_id ? DB_EV_BY_UNIT : DB_EVENTS;
    MDB_cursor *c;
    int rc = store_err(r->s, mdb_cursor_open(r->txn, r->s->dbi[db], &c));
    if (rc)
        return rc;
    MDB_val k, v;
    int mrc;
    if (owner) {
        k = mstr(owner);
        v = mval(from, 8);
        mrc = mdb_cursor_get(c, &k, &v, MDB_GET_BOTH_RANGE);
        while (mrc == 0 && !rc && v.mv_size == 8 && be64_get(v.mv_data) < end) {
            rc = emit_event(r, v.mv_data, cb, ctx);
            mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP);
        }
    } else {
        k = mval(from, 8);
        mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
        while (mrc == 0 && !rc && k.mv_size == 8 && be64_get(k.mv_data) < end) {
            struct store_event ev;
            rc = rec_event_decode(v.mv_data, v.mv_size, be64_get(k.mv_data), &ev);
            if (!rc)
                rc = cb(&ev, ctx);
            mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }
    }
    mdb_cursor_close(c);
    if (rc)
        return rc < 0 ? rc : 0;
    return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : store_err(r->s, mrc);
}

int store_events_last_key(struct store_read *r, uint64_t *key)
{
    *key = 0;
    MDB_cursor *c;
    int rc = store_err(r->s, mdb_cursor_open(r->txn, r->s->dbi[DB_EVENTS], &c));
    if (rc)
        return rc;
    MDB_val k, v;
    int mrc = mdb_cursor_get(c, &k, &v, MDB_LAST);
    if (mrc == 0 && k.mv_size == 8)
        *key = be64_get(k.mv_data);
    mdb_cursor_close(c);
    return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : store_err(r->s, mrc);
}

/* A camera's current day lives in its health record until the day ends:
 * merge it into the rows from the daily table, in day order. */
struct pending_day {
    bool have;
    struct store_daily d;
};

static int emit_daily(struct pending_day *p, struct store_daily *d, store_daily_cb cb, void *ctx)
{
    if (p->have && p->d.day < d->day) {
        p->have = false;
        int rc = cb(&p->d, ctx);
        if (rc)
            return rc;
    }
    if (p->have && p->d.day == d->day) {
        p->have = false;
        for (int i = 0; i < STORE_STATE_COUNT; i++)
            d->ms[i] += p->d.ms[i];
        d->picture_ms += p->d.picture_ms;
    }
    return cb(d, ctx);
}

int store_daily_scan(struct store_read *r, bool is_unit, const char *id, int32_t from_day,
                     int32_t to_day, store_daily_cb cb, void *ctx)
{
    if (!id || strlen(id) > STORE_ID_MAX)
        return -EINVAL;
    struct pending_day pend = {.d = {.id = id}};
    struct store_health h;
    if (!is_unit && store_health_get(r, id, &h) == 0 && h.acc_day >= from_day &&
        h.acc_day <= to_day) {
        for (int i = 0; i < STORE_STATE_COUNT; i++)
            pend.have |= h.acc_ms[i] != 0;
        pend.d.day = h.acc_day;
        memcpy(pend.d.ms, h.acc_ms, sizeof(pend.d.ms));
        pend.d.picture_ms = h.acc_picture_ms;
    }
    uint8_t key[KEY_MAX];
    size_t klen = key_daily(key, is_unit, id, from_day);
    size_t plen = klen - 4; /* kind, id and NUL: the owner's prefix */
    MDB_cursor *c;
    int rc = store_err(r->s, mdb_cursor_open(r->txn, r->s->dbi[DB_DAILY], &c));
    if (rc)
        return rc;
    MDB_val k = mval(key, klen), v;
    int mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (mrc == 0 && !rc) {
        if (k.mv_size != klen || memcmp(k.mv_data, key, plen) != 0)
            break;
        struct store_daily d = {.id = id, .day = key_daily_day(k.mv_data, k.mv_size)};
        if (d.day > to_day)
            break;
        rc = rec_daily_decode(v.mv_data, v.mv_size, &d);
        if (!rc)
            rc = emit_daily(&pend, &d, cb, ctx);
        mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    if (!rc && pend.have)
        rc = cb(&pend.d, ctx);
    if (rc)
        return rc < 0 ? rc : 0;
    return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : store_err(r->s, mrc);
}
