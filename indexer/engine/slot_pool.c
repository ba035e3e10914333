/* Fixed-size slots from 64 KiB chunks, with a free list. */
#include "engine/slot_pool.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_BYTES 65536

/* A chunk starts with the link to the previous chunk, padded so slots stay
 * aligned for any type. */
#define CHUNK_HEAD 16

void *slot_pool_get(struct slot_pool *p)
{
    if (!p->free) {
        size_t n = (CHUNK_BYTES - CHUNK_HEAD) / p->size;
        char *chunk = malloc(CHUNK_BYTES);
        if (!chunk || n == 0) {
            free(chunk);
            return NULL;
        }
        memcpy(chunk, &p->chunks, sizeof(void *));
        p->chunks = chunk;
        /* Thread the new slots onto the free list, first slot first. */
        for (size_t i = n; i-- > 0;) {
            char *s = chunk + CHUNK_HEAD + i * p->size;
            memcpy(s, &p->free, sizeof(void *));
            p->free = s;
        }
    }
    void *s = p->free;
    memcpy(&p->free, s, sizeof(void *));
    p->in_use++;
    return s;
}

void slot_pool_put(struct slot_pool *p, void *slot)
{
    if (!slot)
        return;
    memcpy(slot, &p->free, sizeof(void *));
    p->free = slot;
    p->in_use--;
}

void slot_pool_free(struct slot_pool *p)
{
    char *c = p->chunks;
    while (c) {
        char *prev;
        memcpy(&prev, c, sizeof(void *));
        free(c);
        c = prev;
    }
    p->chunks = p->free = NULL;
    p->in_use = 0;
}
