/* A pool of equal-sized small blocks carved from 64 KiB chunks, for memory
 * that tens of thousands of cameras each hold one piece of for a long time
 * while probes allocate and free around it: from malloc, each ~80-byte
 * piece would pin heap pages between short-lived probe buffers (measured:
 * 3.4 MB of memos cost 6.7 MB of heap at 43,000 cameras). Not thread-safe;
 * chunks are returned only by slot_pool_free. */
#ifndef CAMDEX_SLOT_POOL_H
#define CAMDEX_SLOT_POOL_H

#include <stddef.h>

struct slot_pool {
    size_t size;  /* bytes per slot, set before first use (>= sizeof(void *)) */
    void *free;   /* free slots, linked through their first bytes */
    void *chunks; /* every chunk, linked through their first bytes */
    size_t in_use;
};

/* A slot of p->size bytes (contents undefined), or NULL when out of memory. */
void *slot_pool_get(struct slot_pool *p);
/* Gives back a slot from slot_pool_get; NULL is ignored. */
void slot_pool_put(struct slot_pool *p, void *slot);
/* Frees every chunk: all slots die with them. */
void slot_pool_free(struct slot_pool *p);

#endif
