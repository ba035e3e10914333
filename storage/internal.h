/* Private to storage/: the environment handle, table handles, key layouts
 * and the LMDB error mapping. Writing is in wtxn.h and apply.h. */
#ifndef CAMDEX_STORE_INTERNAL_H
#define CAMDEX_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>
#include <string.h>

#include "store.h"

/* Named databases, opened once at start. */
enum store_db {
    DB_META,       /* key string -> value; "schema", "day_offset" */
    DB_CAMERAS,    /* camera id -> camera record */
    DB_HEALTH,     /* camera id -> health record */
    DB_UNITS,      /* unit id -> unit record with live counters */
    DB_BY_UNIT,    /* DUPSORT: unit id -> camera id */
    DB_BY_STATE,   /* DUPSORT: [state u8][unit id] -> camera id */
    DB_BY_REASON,  /* DUPSORT: reason NUL unit id -> camera id (non-empty reasons) */
    DB_EVENTS,     /* be64 event key -> event record */
    DB_EV_BY_CAM,  /* DUPSORT|DUPFIXED: camera id -> be64 event key */
    DB_EV_BY_UNIT, /* DUPSORT|DUPFIXED: unit id -> be64 event key */
    DB_DAILY,      /* ['c'|'u'] id NUL be32(day + 2^31) -> daily record */
    DB_AUTH_HINTS, /* camera id -> [version u8] hint bytes (store_auth_hints_scan) */
    DB_CLOCK,      /* camera id -> clock record (store_clock_get) */
    DB_DIAGNOSIS,  /* camera id -> the latest picture diagnosis (schema 2) */
    DB_REFERENCE,  /* camera id -> the reference picture's signature (schema 2) */
    DB_COUNT
};

struct store {
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
    bool read_only, no_sync;
    /* Tables added after schema 1 that a reader of an index no writer of
     * this version has opened yet does not find: they read as empty. */
    bool absent[DB_COUNT];
    uint32_t schema; /* of the index as opened (a reader does not migrate) */
    uint64_t map_size, map_size_max;
    int32_t day_offset_s;
    int64_t max_credit_gap_ms;
    /* Growing the map needs every transaction of this process closed:
     * readers hold it shared, the resize holds it exclusively. */
    pthread_rwlock_t resize_lock;
    pthread_mutex_t write_lock; /* one writer at a time in this process */
    char last_error[256];
};

struct store_read {
    struct store *s;
    MDB_txn *txn;
};

/* Maps an LMDB (or errno) result to the project's negative errno and keeps
 * LMDB's own text for logs. */
int store_err(struct store *s, int mdb_rc);

/* Keys. Buffers must hold KEY_MAX bytes. */
#define KEY_MAX (STORE_ID_MAX + STORE_REASON_MAX + 16)
size_t key_by_state(uint8_t *buf, uint8_t state, const char *unit_id);
size_t key_by_reason(uint8_t *buf, const char *reason, const char *unit_id);
size_t key_daily(uint8_t *buf, bool is_unit, const char *id, int32_t day);
int32_t key_daily_day(const uint8_t *key, size_t len);

static inline MDB_val mval(const void *p, size_t n)
{
    MDB_val v = {.mv_size = n, .mv_data = (void *)p};
    return v;
}

static inline MDB_val mstr(const char *s)
{
    return mval(s, strlen(s));
}

/* Ends a cursor walk: closes the cursor and gives the walk's result. rc is
 * what the callback said (negative: fail, positive: stopped early, which
 * is success), mrc LMDB's last answer (MDB_NOTFOUND: walked to the end). */
static inline int cursor_walk_end(struct store *s, MDB_cursor *c, int rc, int mrc)
{
    mdb_cursor_close(c);
    if (rc)
        return rc < 0 ? rc : 0;
    return mrc == MDB_NOTFOUND ? 0 : store_err(s, mrc);
}

/* Begins a read transaction on an open handle; shared by reads and fsck. */
int read_txn_begin(struct store *s, MDB_txn **txn);

#endif
