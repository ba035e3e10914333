/* Batches: changes recorded in memory, then applied in one write
 * transaction. Keeping them lets a commit that hit MDB_MAP_FULL grow the
 * map and replay the same changes. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "apply.h"
#include "records.h"

enum op_kind {
    OP_CAMERA_PUT,
    OP_CAMERA_DEL,
    OP_HEALTH_PUT,
    OP_MAINTENANCE,
    OP_META_PUT,
    OP_AUTH_HINT,
    OP_CLOCK_PUT,
    OP_DIAGNOSIS,
    OP_REFERENCE,
    OP_REFERENCE_ADOPT,
};

struct op {
    enum op_kind kind;
    int64_t now_ms;
    const char *id;
    const char *unit_name;
    union { /* one per kind: a batch holds tens of thousands of ops */
        struct store_camera cam;
        struct store_health health;
        struct store_diagnosis diag;
        struct store_reference ref; /* sig NULL: clear */
    };
    const void *val;
    size_t len;
    bool keep_detail; /* the writer passed detail NULL */
    bool on;          /* maintenance on or off */
};

/* Strings are copied into chunks that live as long as the batch. */
struct chunk {
    struct chunk *next;
    size_t used, cap;
    char data[];
};

struct store_batch {
    struct op *ops;
    size_t count, cap;
    struct chunk *chunks;
};

int store_batch_new(struct store_batch **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : -ENOMEM;
}

static void free_chunks(struct store_batch *b)
{
    while (b->chunks) {
        struct chunk *next = b->chunks->next;
        free(b->chunks);
        b->chunks = next;
    }
}

void store_batch_clear(struct store_batch *b)
{
    b->count = 0;
    /* Keep the newest chunk for reuse: batches are refilled every tick. */
    if (b->chunks) {
        struct chunk *keep = b->chunks;
        b->chunks = keep->next;
        free_chunks(b);
        keep->next = NULL;
        keep->used = 0;
        b->chunks = keep;
    }
}

void store_batch_free(struct store_batch **bp)
{
    struct store_batch *b = *bp;
    if (!b)
        return;
    free_chunks(b);
    free(b->ops);
    free(b);
    *bp = NULL;
}

size_t store_batch_size(const struct store_batch *b)
{
    return b->count;
}

static void *batch_alloc(struct store_batch *b, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (!b->chunks || b->chunks->cap - b->chunks->used < n) {
        size_t cap = n > 60000 ? n : 60000;
        struct chunk *c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->next = b->chunks;
        c->used = 0;
        c->cap = cap;
        b->chunks = c;
    }
    void *p = b->chunks->data + b->chunks->used;
    b->chunks->used += n;
    return p;
}

/* Copies at most `max` bytes, cutting on a UTF-8 boundary. */
static const char *batch_str(struct store_batch *b, const char *s, size_t max, int *err)
{
    if (!s)
        s = "";
    size_t n = strnlen(s, max + 1);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    char *p = batch_alloc(b, n + 1);
    if (!p) {
        *err = -ENOMEM;
        return "";
    }
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static struct op *batch_op(struct store_batch *b, enum op_kind kind)
{
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        struct op *ops = realloc(b->ops, cap * sizeof(*ops));
        if (!ops)
            return NULL;
        b->ops = ops;
        b->cap = cap;
    }
    struct op *op = &b->ops[b->count];
    memset(op, 0, sizeof(*op));
    op->kind = kind;
    return op;
}

static int check_id(const char *id)
{
    size_t n = id ? strnlen(id, STORE_ID_MAX + 1) : 0;
    return n == 0 || n > STORE_ID_MAX ? -EINVAL : 0;
}

int store_batch_camera_put(struct store_batch *b, const struct store_camera *cam,
                           const char *unit_name)
{
    if (check_id(cam->id) || check_id(cam->unit_id))
        return -EINVAL;
    struct op *op = batch_op(b, OP_CAMERA_PUT);
    if (!op)
        return -ENOMEM;
    int err = 0;
    op->cam = *cam;
    op->cam.id = op->id = batch_str(b, cam->id, STORE_ID_MAX, &err);
    op->cam.name = batch_str(b, cam->name, STORE_TEXT_MAX, &err);
    op->cam.unit_id = batch_str(b, cam->unit_id, STORE_ID_MAX, &err);
    op->cam.url = batch_str(b, cam->url, STORE_TEXT_MAX, &err);
    op->cam.address = batch_str(b, cam->address, STORE_TEXT_MAX, &err);
    op->cam.tags = batch_str(b, cam->tags, STORE_TEXT_MAX, &err);
    op->unit_name = batch_str(b, unit_name, STORE_TEXT_MAX, &err);
    if (err)
        return err;
    b->count++;
    return 0;
}

int store_batch_camera_del(struct store_batch *b, const char *id)
{
    if (check_id(id))
        return -EINVAL;
    struct op *op = batch_op(b, OP_CAMERA_DEL);
    if (!op)
        return -ENOMEM;
    int err = 0;
    op->id = batch_str(b, id, STORE_ID_MAX, &err);
    if (err)
        return err;
    b->count++;
    return 0;
}

int store_batch_health_put(struct store_batch *b, const char *id, const struct store_health *h,
                           int64_t now_ms)
{
    if (check_id(id) || h->state >= STORE_STATE_COUNT)
        return -EINVAL;
    if (h->reason && strlen(h->reason) > STORE_REASON_MAX)
        return -EINVAL;
    struct op *op = batch_op(b, OP_HEALTH_PUT);
    if (!op)
        return -ENOMEM;
    int err = 0;
    op->now_ms = now_ms;
    op->id = batch_str(b, id, STORE_ID_MAX, &err);
    op->health = *h;
    op->keep_detail = h->detail == NULL;
    op->health.reason = batch_str(b, h->reason, STORE_REASON_MAX, &err);
    op->health.detail = batch_str(b, h->detail, 255, &err);
    struct store_media *m = &op->health.media;
    m->codec = batch_str(b, m->codec, STORE_REASON_MAX, &err);
    m->profile = batch_str(b, m->profile, STORE_REASON_MAX, &err);
    m->audio = batch_str(b, m->audio, STORE_REASON_MAX, &err);
    m->server = batch_str(b, m->server, 128, &err);
    if (err)
        return err;
    b->count++;
    return 0;
}

int store_batch_maintenance(struct store_batch *b, const char *id, bool on, const char *note,
                            int64_t now_ms)
{
    if (check_id(id))
        return -EINVAL;
    struct op *op = batch_op(b, OP_MAINTENANCE);
    if (!op)
        return -ENOMEM;
    int err = 0;
    op->id = batch_str(b, id, STORE_ID_MAX, &err);
    op->unit_name = batch_str(b, note, 255, &err); /* the note, kept as the detail */
    op->on = on;
    op->now_ms = now_ms;
    if (err)
        return err;
    b->count++;
    return 0;
}

/* An operation on a key (checked by the caller) and an opaque value. */
static int batch_value_op(struct store_batch *b, enum op_kind kind, const char *key,
                          const void *val, size_t len)
{
    struct op *op = batch_op(b, kind);
    if (!op)
        return -ENOMEM;
    int err = 0;
    op->id = batch_str(b, key, STORE_ID_MAX, &err);
    void *copy = batch_alloc(b, len ? len : 1);
    if (err || !copy)
        return err ? err : -ENOMEM;
    if (len)
        memcpy(copy, val, len);
    op->val = copy;
    op->len = len;
    b->count++;
    return 0;
}

int store_batch_meta_put(struct store_batch *b, const char *key, const void *val, size_t len)
{
    if (!key || !*key || strlen(key) > STORE_ID_MAX || (len && !val))
        return -EINVAL;
    return batch_value_op(b, OP_META_PUT, key, val, len);
}

int store_batch_auth_hint_put(struct store_batch *b, const char *id, const void *hint,
                              size_t len)
{
    if (check_id(id) || len > STORE_HINT_MAX || (len && !hint))
        return -EINVAL;
    return batch_value_op(b, OP_AUTH_HINT, id, hint, len);
}

int store_batch_clock_put(struct store_batch *b, const char *id, const struct store_clock *c)
{
    if (check_id(id) || !c || strlen(c->source) > STORE_CLOCK_SOURCE_MAX)
        return -EINVAL;
    struct enc e;
    enc_init(&e);
    rec_clock_encode(&e, c);
    int rc = e.err ? -ENOMEM : batch_value_op(b, OP_CLOCK_PUT, id, e.buf, e.len);
    enc_free(&e);
    return rc;
}

/* A copy of a signature into the batch; NULL for none. */
static const uint8_t *batch_sig(struct store_batch *b, uint16_t w, uint16_t h, const uint8_t *sig,
                                int *err)
{
    if (!w || !h || !sig)
        return NULL;
    uint8_t *p = batch_alloc(b, (size_t)w * h);
    if (!p) {
        *err = -ENOMEM;
        return NULL;
    }
    memcpy(p, sig, (size_t)w * h);
    return p;
}

int store_batch_diagnosis_put(struct store_batch *b, const char *id,
                              const struct store_diagnosis *d)
{
    if (check_id(id) || d->n > STORE_FINDINGS_MAX || !rec_sig_size_ok(d->sig_w, d->sig_h) ||
        ((d->sig_w != 0) != (d->sig != NULL)))
        return -EINVAL;
    for (uint8_t i = 0; i < d->n; i++)
        if (!d->f[i].reason || !d->f[i].reason[0] || strlen(d->f[i].reason) > STORE_REASON_MAX)
            return -EINVAL;
    struct op *op = batch_op(b, OP_DIAGNOSIS);
    if (!op)
        return -ENOMEM;
    int err = 0;
    op->id = batch_str(b, id, STORE_ID_MAX, &err);
    op->diag = *d;
    for (uint8_t i = 0; i < d->n; i++)
        op->diag.f[i].reason = batch_str(b, d->f[i].reason, STORE_REASON_MAX, &err);
    op->diag.sig = batch_sig(b, d->sig_w, d->sig_h, d->sig, &err);
    if (err)
        return err;
    b->count++;
    return 0;
}

int store_batch_reference_put(struct store_batch *b, const char *id,
                              const struct store_reference *ref)
{
    if (check_id(id) ||
        (ref && (!ref->sig || !ref->sig_w || !rec_sig_size_ok(ref->sig_w, ref->sig_h))))
        return -EINVAL;
    struct op *op = batch_op(b, OP_REFERENCE);
    if (!op)
        return -ENOMEM;
    int err = 0;
    op->id = batch_str(b, id, STORE_ID_MAX, &err);
    if (ref) {
        op->ref = *ref;
        op->ref.sig = batch_sig(b, ref->sig_w, ref->sig_h, ref->sig, &err);
    }
    if (err)
        return err;
    b->count++;
    return 0;
}

int store_batch_reference_adopt(struct store_batch *b, const char *id, int64_t now_ms)
{
    if (check_id(id))
        return -EINVAL;
    struct op *op = batch_op(b, OP_REFERENCE_ADOPT);
    if (!op)
        return -ENOMEM;
    int err = 0;
    op->id = batch_str(b, id, STORE_ID_MAX, &err);
    op->now_ms = now_ms;
    if (err)
        return err;
    b->count++;
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int apply_ops(struct wtxn *t, const struct store_batch *b)
{
    for (size_t i = 0; i < b->count && !t->err; i++) {
        const struct op *op = &b->ops[i];
        switch (op->kind) {
        case OP_CAMERA_PUT:
            apply_camera_put(t, &op->cam, op->unit_name);
            break;
        case OP_CAMERA_DEL:
            apply_camera_del(t, op->id);
            break;
        case OP_HEALTH_PUT:
            apply_health_put(t, op->id, &op->health, op->keep_detail, op->now_ms);
            break;
        case OP_MAINTENANCE:
            apply_maintenance(t, op->id, op->on, op->unit_name, op->now_ms);
            break;
        case OP_META_PUT:
            wtxn_put(t, DB_META, mstr(op->id), mval(op->val, op->len), 0);
            break;
        case OP_AUTH_HINT:
            apply_auth_hint_put(t, op->id, op->val, op->len);
            break;
        case OP_CLOCK_PUT:
            apply_clock_put(t, op->id, op->val, op->len);
            break;
        case OP_DIAGNOSIS:
            apply_diagnosis_put(t, op->id, &op->diag);
            break;
        case OP_REFERENCE:
            apply_reference_put(t, op->id, op->ref.sig ? &op->ref : NULL);
            break;
        case OP_REFERENCE_ADOPT:
            apply_reference_adopt(t, op->id, op->now_ms);
            break;
        }
    }
    return t->err;
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

int store_batch_commit(struct store *s, struct store_batch *b, struct store_commit_stats *stats,
                       store_event_cb on_event, void *ctx)
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
        rc = apply_ops(&t, b);
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
