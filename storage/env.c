/* Opening the index: environment, named tables, schema check, map growth
 * on resize by another process, stale reader slots, error mapping. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <time.h>

#include "codec.h"
#include "internal.h"

#define MiB (1024ull * 1024)
#define GiB (1024 * MiB)

/* The oldest schema this build reads (and, as a writer, migrates). */
#define STORE_SCHEMA_OLDEST 1

static const struct {
    const char *name;
    unsigned flags;
    bool optional; /* added later: a reader of an older index does without */
} db_table[DB_COUNT] = {
    [DB_META] = {.name = "meta", .flags = 0},
    [DB_CAMERAS] = {.name = "cameras", .flags = 0},
    [DB_HEALTH] = {.name = "health", .flags = 0},
    [DB_UNITS] = {.name = "units", .flags = 0},
    [DB_BY_UNIT] = {.name = "by_unit", .flags = MDB_DUPSORT},
    [DB_BY_STATE] = {.name = "by_state", .flags = MDB_DUPSORT},
    [DB_BY_REASON] = {.name = "by_reason", .flags = MDB_DUPSORT},
    [DB_EVENTS] = {.name = "events", .flags = 0},
    [DB_EV_BY_CAM] = {.name = "ev_by_cam", .flags = MDB_DUPSORT | MDB_DUPFIXED},
    [DB_EV_BY_UNIT] = {.name = "ev_by_unit", .flags = MDB_DUPSORT | MDB_DUPFIXED},
    [DB_DAILY] = {.name = "daily", .flags = 0},
    [DB_AUTH_HINTS] = {.name = "auth_hints", .flags = 0, .optional = true},
    [DB_CLOCK] = {.name = "clock", .flags = 0, .optional = true},
    [DB_DIAGNOSIS] = {.name = "diagnosis", .flags = 0, .optional = true},
    [DB_REFERENCE] = {.name = "reference", .flags = 0, .optional = true},
    [DB_THUMBNAIL] = {.name = "thumbnail", .flags = 0, .optional = true},
    [DB_OSD] = {.name = "osd", .flags = 0, .optional = true},
    [DB_ZONE] = {.name = "zone", .flags = 0, .optional = true},
};

static const char *const state_names[STORE_STATE_COUNT] = {
    [STORE_UNKNOWN] = "unknown",         [STORE_ONLINE] = "online",
    [STORE_DEGRADED] = "degraded",       [STORE_OFFLINE] = "offline",
    [STORE_MAINTENANCE] = "maintenance",
};

const char *store_state_name(enum store_state s)
{
    return (unsigned)s < STORE_STATE_COUNT ? state_names[s] : "invalid";
}

int store_state_parse(const char *name)
{
    for (int i = 0; i < STORE_STATE_COUNT; i++)
        if (name && strcmp(name, state_names[i]) == 0)
            return i;
    return -EINVAL;
}

int store_err(struct store *s, int rc)
{
    if (rc == 0)
        return 0;
    if (s)
        snprintf(s->last_error, sizeof(s->last_error), "%s", mdb_strerror(rc));
    switch (rc) {
    case MDB_NOTFOUND:
        return -ENOENT;
    case MDB_KEYEXIST:
        return -EEXIST;
    case MDB_MAP_FULL:
        return -ENOSPC;
    case MDB_READERS_FULL:
        return -EAGAIN;
    case MDB_TXN_FULL:
        return -E2BIG;
    case MDB_BAD_VALSIZE:
        return -EINVAL;
    case MDB_VERSION_MISMATCH:
    case MDB_INVALID:
        return -EPROTO;
    default:
        if (rc > 0)
            return -rc; /* LMDB passes system errors through as errno */
        return -EIO;
    }
}

const char *store_strerror(int err)
{
    switch (err) {
    case -ENOENT:
        return "not found";
    case -EBADMSG:
        return "stored value cannot be decoded (corrupt index or newer camdex)";
    case -EPROTO:
        return "index has an unknown format or schema version";
    case -ENOSPC:
        return "index map is full and may not grow further";
    case -EAGAIN:
        return "too many readers";
    default:
        return strerror(-err);
    }
}

const char *store_last_error(const struct store *s)
{
    return s && s->last_error[0] ? s->last_error : "";
}

void store_options_default(struct store_options *o)
{
    memset(o, 0, sizeof(*o));
    o->day_offset_s = INT32_MIN;
}

static int32_t local_day_offset(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return (int32_t)tm.tm_gmtoff;
}

/* Read transactions this thread holds (store_read_begin), over every
 * handle: a thread that holds one cannot wait for all of them to end. */
static _Thread_local unsigned reads_held;

/* Another process grew the map: adopt its size. Remapping needs every
 * transaction of this process closed, on every thread, so it waits for
 * the writer (write_lock) and for every reader (resize_lock taken
 * exclusively); the caller's shared hold is given up meanwhile. */
static int adopt_grown_map(struct store *s)
{
    if (reads_held > 0) {
        snprintf(s->last_error, sizeof(s->last_error),
                 "the index map was grown by another process while this thread holds a read; "
                 "retry after ending it");
        return -EAGAIN;
    }
    pthread_rwlock_unlock(&s->resize_lock);
    pthread_mutex_lock(&s->write_lock);
    pthread_rwlock_wrlock(&s->resize_lock);
    int rc = store_err(s, mdb_env_set_mapsize(s->env, 0));
    MDB_envinfo info;
    if (!rc && mdb_env_info(s->env, &info) == 0)
        s->map_size = info.me_mapsize;
    pthread_rwlock_unlock(&s->resize_lock);
    pthread_mutex_unlock(&s->write_lock);
    pthread_rwlock_rdlock(&s->resize_lock);
    return rc;
}

/* Call with resize_lock held shared; it is held again on return. */
int read_txn_begin(struct store *s, MDB_txn **txn)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
        if (rc == MDB_MAP_RESIZED) {
            if ((rc = adopt_grown_map(s)))
                return rc;
            continue;
        }
        if (rc == MDB_READERS_FULL) {
            int dead = 0;
            mdb_reader_check(s->env, &dead);
            if (dead > 0)
                continue;
        }
        return store_err(s, rc);
    }
    return -EAGAIN;
}

/* Opens every table; a writer creates missing ones and the meta records. */
static int open_tables(struct store *s)
{
    MDB_txn *txn;
    int rc;
    if (s->read_only)
        rc = read_txn_begin(s, &txn);
    else
        rc = store_err(s, mdb_txn_begin(s->env, NULL, 0, &txn));
    if (rc)
        return rc;

    for (int i = 0; i < DB_COUNT; i++) {
        unsigned flags = db_table[i].flags | (s->read_only ? 0 : MDB_CREATE);
        rc = mdb_dbi_open(txn, db_table[i].name, flags, &s->dbi[i]);
        if (rc == MDB_NOTFOUND && db_table[i].optional) {
            s->absent[i] = true;
            continue;
        }
        if (rc == MDB_NOTFOUND) {
            mdb_txn_abort(txn);
            snprintf(s->last_error, sizeof(s->last_error), "table %s missing", db_table[i].name);
            return -EPROTO;
        }
        if (rc) {
            mdb_txn_abort(txn);
            return store_err(s, rc);
        }
    }

    MDB_val v;
    rc = mdb_get(txn, s->dbi[DB_META], &(MDB_val){6, "schema"}, &v);
    if (rc == MDB_NOTFOUND && !s->read_only) {
        s->schema = STORE_SCHEMA_VERSION;
        uint8_t buf[4];
        be32_put(buf, STORE_SCHEMA_VERSION);
        rc = mdb_put(txn, s->dbi[DB_META], &(MDB_val){6, "schema"}, &(MDB_val){4, buf}, 0);
        if (!rc) {
            be32_put(buf, (uint32_t)s->day_offset_s);
            rc = mdb_put(txn, s->dbi[DB_META], &(MDB_val){10, "day_offset"},
                         &(MDB_val){4, buf}, 0);
        }
    } else if (rc == 0) {
        uint32_t schema = v.mv_size == 4 ? be32_get(v.mv_data) : 0;
        if (schema < STORE_SCHEMA_OLDEST || schema > STORE_SCHEMA_VERSION) {
            mdb_txn_abort(txn);
            snprintf(s->last_error, sizeof(s->last_error),
                     "schema version %u, expected %u to %u", schema, STORE_SCHEMA_OLDEST,
                     STORE_SCHEMA_VERSION);
            return -EPROTO;
        }
        s->schema = schema;
        if (schema < STORE_SCHEMA_VERSION && !s->read_only) {
            /* Migrating is creating the tables added since (done above):
             * no record of an older schema changes. */
            uint8_t buf[4];
            be32_put(buf, STORE_SCHEMA_VERSION);
            rc = mdb_put(txn, s->dbi[DB_META], &(MDB_val){6, "schema"}, &(MDB_val){4, buf}, 0);
            s->schema = STORE_SCHEMA_VERSION;
        }
        if (!rc)
            rc = mdb_get(txn, s->dbi[DB_META], &(MDB_val){10, "day_offset"}, &v);
        if (rc == 0 && v.mv_size == 4)
            s->day_offset_s = (int32_t)be32_get(v.mv_data);
    }
    if (rc) {
        mdb_txn_abort(txn);
        return rc == MDB_NOTFOUND ? -EPROTO : store_err(s, rc);
    }
    /* Committing (even a read transaction) keeps the table handles open. */
    return store_err(s, mdb_txn_commit(txn));
}

int store_open(const char *dir, const struct store_options *o, struct store **out)
{
    struct store_options def;
    if (!o) {
        store_options_default(&def);
        o = &def;
    }
    *out = NULL;
    struct store *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->read_only = o->read_only;
    s->no_sync = o->no_sync;
    s->map_size = o->map_size ? o->map_size : 256 * MiB;
    s->map_size_max = o->map_size_max ? o->map_size_max : 64 * GiB;
    s->day_offset_s = o->day_offset_s == INT32_MIN ? local_day_offset() : o->day_offset_s;
    s->max_credit_gap_ms = o->max_credit_gap_ms ? o->max_credit_gap_ms : 15 * 60 * 1000;
    s->thumbnails_max = o->thumbnails_max ? o->thumbnails_max : STORE_THUMBS_DEFAULT;
    pthread_rwlock_init(&s->resize_lock, NULL);
    pthread_mutex_init(&s->write_lock, NULL);

    int rc;
    if (!s->read_only && mkdir(dir, 0750) != 0 && errno != EEXIST) {
        rc = -errno;
        snprintf(s->last_error, sizeof(s->last_error), "cannot create %s: %s", dir,
                 strerror(errno));
        goto err;
    }
    rc = store_err(s, mdb_env_create(&s->env));
    if (rc)
        goto err;
    mdb_env_set_maxdbs(s->env, DB_COUNT);
    /* API connections, CLI invocations and the service share the slots. */
    mdb_env_set_maxreaders(s->env, 512);
    unsigned flags = MDB_NOTLS | (s->read_only ? MDB_RDONLY : 0) | (s->no_sync ? MDB_NOSYNC : 0);
    if (!s->read_only) {
        /* A reader's map may be smaller than the file: only a writer sets it. */
        rc = store_err(s, mdb_env_set_mapsize(s->env, s->map_size));
        if (rc)
            goto err;
    }
    rc = store_err(s, mdb_env_open(s->env, dir, flags, 0640));
    if (rc) {
        if (rc == -ENOENT)
            snprintf(s->last_error, sizeof(s->last_error), "no index in %s", dir);
        goto err;
    }
    /* Slots of readers that died without closing would pin old pages. */
    int dead = 0;
    mdb_reader_check(s->env, &dead);
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->map_size = info.me_mapsize;

    pthread_rwlock_rdlock(&s->resize_lock); /* read_txn_begin's contract */
    rc = open_tables(s);
    pthread_rwlock_unlock(&s->resize_lock);
    if (rc)
        goto err;
    *out = s;
    return 0;
err:
    if (s->env)
        mdb_env_close(s->env);
    /* Keep the message for the caller: hand back a closed shell. */
    s->env = NULL;
    *out = s;
    return rc;
}

int store_sync(struct store *s)
{
    return s->read_only ? -EROFS : store_err(s, mdb_env_sync(s->env, 1));
}

void store_close(struct store **sp)
{
    struct store *s = *sp;
    if (!s)
        return;
    if (s->env)
        mdb_env_close(s->env);
    pthread_rwlock_destroy(&s->resize_lock);
    pthread_mutex_destroy(&s->write_lock);
    free(s);
    *sp = NULL;
}

int store_info(struct store *s, struct store_info *out)
{
    MDB_envinfo info;
    MDB_stat st;
    int rc = store_err(s, mdb_env_info(s->env, &info));
    if (!rc)
        rc = store_err(s, mdb_env_stat(s->env, &st));
    if (rc)
        return rc;
    out->map_size = info.me_mapsize;
    out->map_used = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
    out->last_txn = info.me_last_txnid;
    out->readers_used = info.me_numreaders;
    out->readers_max = info.me_maxreaders;
    out->day_offset_s = s->day_offset_s;
    out->schema = s->schema ? s->schema : STORE_SCHEMA_VERSION;
    return 0;
}

int32_t store_day_of(const struct store *s, int64_t ms)
{
    int64_t local = ms + (int64_t)s->day_offset_s * 1000;
    int64_t day = local / 86400000;
    if (local < 0 && local % 86400000)
        day--;
    return (int32_t)day;
}

int64_t store_day_start(const struct store *s, int32_t day)
{
    return (int64_t)day * 86400000 - (int64_t)s->day_offset_s * 1000;
}

int store_read_begin(struct store *s, struct store_read **out)
{
    *out = NULL;
    struct store_read *r = malloc(sizeof(*r));
    if (!r)
        return -ENOMEM;
    pthread_rwlock_rdlock(&s->resize_lock);
    int rc = read_txn_begin(s, &r->txn);
    if (rc) {
        pthread_rwlock_unlock(&s->resize_lock);
        free(r);
        return rc;
    }
    reads_held++;
    r->s = s;
    *out = r;
    return 0;
}

void store_read_end(struct store_read **rp)
{
    struct store_read *r = *rp;
    if (!r)
        return;
    mdb_txn_abort(r->txn);
    reads_held--;
    pthread_rwlock_unlock(&r->s->resize_lock);
    free(r);
    *rp = NULL;
}

int store_meta_get(struct store_read *r, const char *key, const void **val, size_t *len)
{
    MDB_val v;
    int rc = store_err(r->s, mdb_get(r->txn, r->s->dbi[DB_META], &(MDB_val){strlen(key),
                                                                         (void *)key}, &v));
    if (rc)
        return rc;
    *val = v.mv_data;
    *len = v.mv_size;
    return 0;
}

double store_daily_online_rate(const struct store_daily *d)
{
    uint64_t up = d->ms[STORE_ONLINE] + d->ms[STORE_DEGRADED];
    uint64_t mon = up + d->ms[STORE_OFFLINE];
    return mon ? (double)up / (double)mon : NAN;
}

double store_daily_intact_rate(const struct store_daily *d)
{
    uint64_t up = d->ms[STORE_ONLINE] + d->ms[STORE_DEGRADED];
    uint64_t mon = up + d->ms[STORE_OFFLINE];
    uint64_t pic = d->picture_ms < d->ms[STORE_DEGRADED] ? d->picture_ms : d->ms[STORE_DEGRADED];
    return mon ? (double)(up - pic) / (double)mon : NAN;
}

bool store_reason_is_picture_fault(const char *reason)
{
    /* The faults the assessments count against the intact rate (完好率).
     * Stored as strings like every reason (see README: Values and keys). */
    static const char *const faults[] = {
        "signal_lost", "black",  "too_bright", "blurred",       "occluded", "color_cast",
        "noisy",       "stripes", "frozen",    "scene_changed", "shaking",
    };
    for (size_t i = 0; reason && i < sizeof(faults) / sizeof(faults[0]); i++)
        if (strcmp(reason, faults[i]) == 0)
            return true;
    return false;
}

double store_unit_online_rate(const struct store_unit *u)
{
    uint32_t up = u->count[STORE_ONLINE] + u->count[STORE_DEGRADED];
    uint32_t mon = up + u->count[STORE_OFFLINE];
    return mon ? (double)up / (double)mon : NAN;
}

int store_forget_pages(struct store *s)
{
    /* The map is read-only and shared (no MDB_WRITEMAP): dropping this
     * process's mappings of it loses nothing, the pages stay in the page
     * cache and a later read faults them back in. LMDB does not say where
     * its map is (mdb_env_info only with MDB_FIXEDMAP): the kernel's list
     * of this process's mappings does, by the data file's inode. */
    int fd;
    struct stat st;
    if (mdb_env_get_fd(s->env, &fd) || fstat(fd, &st))
        return -EIO;
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps)
        return -errno;
    char line[512];
    int rc = 0;
    while (fgets(line, sizeof(line), maps)) {
        unsigned long start, end, ino;
        unsigned maj, min;
        if (sscanf(line, "%lx-%lx %*s %*s %x:%x %lu", &start, &end, &maj, &min, &ino) != 5)
            continue;
        if (ino != st.st_ino || makedev(maj, min) != st.st_dev)
            continue;
        if (madvise((void *)start, end - start, MADV_DONTNEED))
            rc = -errno;
    }
    fclose(maps);
    return rc;
}
