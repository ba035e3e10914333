/* The central's side: one decoded message of a zone applied to the
 * central index, under the rules that keep a zone honest (it speaks only
 * of its own cameras, a camera belongs to the zone that claimed it first,
 * event keys only move forward). Applying the same message twice changes
 * nothing: the stream sequence and the zone's last event key are stored
 * in the same commit as what the message changed. */
#ifndef CAMDEX_CLUSTER_CENTRAL_APPLY_H
#define CAMDEX_CLUSTER_CENTRAL_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster/central_walk.h"
#include "cluster/cluster.h"
#include "cluster/wire.h"
#include "store.h"

/* What the central keeps of a zone, in its index's meta. */
struct zone_state {
    char zone[33];
    uint64_t last_seq; /* stream sequence of the last message applied */
    uint64_t last_key; /* the prober's last event key applied */
    int64_t last_heartbeat_ms;
    bool stale;
};

/* Per-zone counters the apply adds to. */
struct zone_counts {
    uint64_t messages, applied, duplicates, refused, claims_refused;
    uint64_t events_stored; /* central events the commits produced */
    uint64_t cameras_dropped; /* removed at the zone's prober, so here */
};

int zone_state_load(struct store *s, const char *zone, struct zone_state *z);

/* Messages applied together in one commit (one fetch's worth): each
 * commit stores the zone's position with what the messages changed. */
struct central_batch {
    struct store *s;
    struct zone_state *z;      /* as committed; updated by each commit */
    struct zone_state pending; /* with the messages added since */
    struct zone_counts *cnt;
    struct store_batch *b;
    size_t added;         /* messages in b */
    bool holds_inventory; /* b holds inventory messages (and nothing else) */
    struct central_walk walk; /* the zone's inventory walk being received */
};

int central_batch_init(struct central_batch *cb, struct store *s, struct zone_state *z,
                       struct zone_counts *cnt);
/* Adds message `m` (read at stream sequence `seq`); returns as
 * central_apply. Inventory messages are committed before any other kind
 * is added (consecutive ones together); maintenance changes alone. */
int central_batch_add(struct central_batch *cb, const struct wire_msg *m, uint64_t seq,
                      int64_t now_ms, char *err, size_t errlen);
/* Commits what was added: 0, or a negative errno with nothing of it in
 * the index (the caller does not acknowledge; the stream redelivers). */
int central_batch_commit(struct central_batch *cb);
void central_batch_free(struct central_batch *cb);

/* Applies message `m`, read at stream sequence `seq`, and commits. 0
 * (applied, or a duplicate that changed nothing), or -EBADMSG with the
 * reason in err (the message breaks a rule and changed nothing), or
 * another negative errno (the index failed: try again). Records inside a
 * message that name another zone's camera or an unknown one are skipped
 * and counted, the rest applied. */
int central_apply(struct store *s, struct zone_state *z, const struct wire_msg *m, uint64_t seq,
                  int64_t now_ms, struct zone_counts *cnt, char *err, size_t errlen);

/* Marks every camera of the zone unknown / prober_lost (stale = true) and
 * stores the zone's state; or stores it back to fresh (stale = false,
 * cameras keep what they show until the zone's snapshot arrives). */
int central_set_stale(struct store *s, struct zone_state *z, bool stale, int64_t now_ms,
                      struct zone_counts *cnt);

#endif
