/* A zone's inventory walk as the central receives it (central_walk.c): the
 * camera ids of each message of the walk, so that at its end the zone's
 * cameras the walk did not name (removed at the prober by an import) are
 * dropped from the central, as an import drops them from a standalone
 * index. Only a walk received whole (as many ids as its end says) drops
 * anything: a walk begun before the central started, or with a message
 * refused, drops nothing, and the next walk (at the next inventory change
 * or reconnection) does. */
#ifndef CAMDEX_CLUSTER_CENTRAL_WALK_H
#define CAMDEX_CLUSTER_CENTRAL_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "cluster/wire.h"
#include "store.h"

struct central_walk {
    int64_t walk; /* the walk being received, 0 = none */
    char **ids;   /* its ids so far, sorted at the end */
    size_t n, cap;
};

/* Notes the ids of inventory message `m`; at the walk's end, adds to `b`
 * the deletion of every camera of `zone` (as `r` sees the index) the walk
 * did not name and counts them in *dropped. 0 or -ENOMEM. */
int central_walk_add(struct central_walk *w, const struct wire_msg *m, struct store_read *r,
                     struct store_batch *b, const char *zone, size_t *dropped);
void central_walk_free(struct central_walk *w);

#endif
