/* How many cameras have a due time before a moment, kept up to date as due
 * times change, so that a status line asks in O(1) amortized instead of
 * walking every camera (a million cache misses a status line at a
 * province's scale). Counts go in a ring of slots of `grain_ms` each,
 * covering `span_ms` from the moment last asked about; a slot the moment
 * passes is folded into `before`. The answer is to the grain: a due time in
 * the slot of the moment asked about is not counted yet. Not thread-safe;
 * loop times in ms (any int64, negative ones included). */
#ifndef CAMDEX_DUE_COUNT_H
#define CAMDEX_DUE_COUNT_H

#include <stddef.h>
#include <stdint.h>

struct due_count {
    uint32_t *slot;   /* cameras per slot, the slot of key k at k % len */
    size_t len;       /* slots */
    int64_t grain_ms; /* a slot's width */
    int64_t base;     /* key of the oldest slot held; every older one is in before */
    uint32_t before;  /* cameras due before slot base */
};

/* A count covering due times up to span_ms after `from`, in slots of at
 * least min_grain_ms (wider when span_ms would need more than 65,536).
 * Returns 0 or -ENOMEM / -EINVAL. */
int due_count_init(struct due_count *d, int64_t span_ms, int64_t min_grain_ms, int64_t from);
void due_count_free(struct due_count *d);
/* Forgets every camera; the ring starts at `from`. */
void due_count_reset(struct due_count *d, int64_t from);
/* Folds the slots before `t`'s into before (a `t` earlier than the ring's
 * start changes nothing). */
void due_count_advance(struct due_count *d, int64_t t);
/* Counts a camera due at `due`. A due time past the ring's end is counted
 * at its last slot: returns the due time counted (the caller keeps it, so
 * that due_count_remove finds it), `due` itself unless it was that far. */
int64_t due_count_add(struct due_count *d, int64_t due);
/* Takes back a camera counted at `due` (as due_count_add returned it). */
void due_count_remove(struct due_count *d, int64_t due);
/* Cameras due before `t`'s slot; advances the ring to `t`. */
uint32_t due_count_before(struct due_count *d, int64_t t);

#endif
