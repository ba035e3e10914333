/* Private to storage/: the write transaction a batch is applied in. It
 * keeps its first error and refuses every change after it, so a
 * half-applied batch can never be committed. */
#ifndef CAMDEX_STORE_WTXN_H
#define CAMDEX_STORE_WTXN_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "internal.h"

struct unit_acc {
    char unit[STORE_ID_MAX + 1]; /* "" = empty slot */
    int32_t day;
    uint64_t ms[STORE_STATE_COUNT];
    uint64_t picture_ms; /* of ms[STORE_DEGRADED]: a picture fault's */
};

struct wtxn {
    struct store *s;
    MDB_txn *txn;
    int err;
    int64_t now;
    uint64_t last_event_key;          /* 0 = not loaded yet */
    struct enc scratch;               /* encoding a value before a put */
    struct enc hold_cam, hold_health; /* copies of old values: pages change under puts */
    struct store_commit_stats *stats;
    struct enc events; /* transitions produced, encoded back to back */
    uint32_t event_count;
    /* Unit-day time credited by this batch, written once at its end: a
     * batch credits every camera of a unit, so this saves a write each. */
    struct unit_acc *unit_acc;
    size_t unit_acc_cap, unit_acc_n;
};

/* Record rc as the transaction's error unless it has one; returns the
 * error it has. */
int wtxn_fail(struct wtxn *t, int rc);

/* LMDB's get, put and del on one table. After an error each returns it and
 * does nothing. A missing key is an answer (-ENOENT), not a failure of the
 * transaction; so is a duplicate put with MDB_NODUPDATA (0). */
int wtxn_get(struct wtxn *t, enum store_db db, MDB_val key, MDB_val *val);
int wtxn_put(struct wtxn *t, enum store_db db, MDB_val key, MDB_val val, unsigned flags);
int wtxn_del(struct wtxn *t, enum store_db db, MDB_val key, MDB_val *val);

/* commit.c: runs `apply` inside a write transaction and commits it; when
 * the map fills up, grows it and runs `apply` again from the start, so
 * `apply` must make the same changes each time. Transitions the commit
 * produced go to on_event (may be NULL) once it succeeded. */
typedef int (*commit_apply_fn)(struct wtxn *t, void *ctx);
int commit_run(struct store *s, commit_apply_fn apply, void *apply_ctx,
               struct store_commit_stats *stats, store_event_cb on_event, void *ctx);

#endif
