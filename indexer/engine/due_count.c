/* Cameras counted by due time in a ring of slots (see due_count.h). */
#include "engine/due_count.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { SLOTS_MAX = 65536 };

/* Floor division: due times before the loop's zero round down too. */
static int64_t key_of(const struct due_count *d, int64_t t)
{
    int64_t k = t / d->grain_ms;
    return (t % d->grain_ms < 0) ? k - 1 : k;
}

static uint32_t *slot_of(struct due_count *d, int64_t key)
{
    int64_t i = key % (int64_t)d->len;
    return &d->slot[i < 0 ? i + (int64_t)d->len : i];
}

int due_count_init(struct due_count *d, int64_t span_ms, int64_t min_grain_ms, int64_t from)
{
    memset(d, 0, sizeof(*d));
    if (span_ms <= 0 || min_grain_ms <= 0)
        return -EINVAL;
    int64_t grain = min_grain_ms;
    if (span_ms / grain + 2 > SLOTS_MAX)
        grain = span_ms / (SLOTS_MAX - 2) + 1;
    /* One slot more than the span, for the moment's own slot, and one for
     * a span that does not fall on slot bounds. */
    d->len = (size_t)(span_ms / grain + 2);
    d->grain_ms = grain;
    d->slot = calloc(d->len, sizeof(*d->slot));
    if (!d->slot)
        return -ENOMEM;
    d->base = key_of(d, from);
    return 0;
}

void due_count_free(struct due_count *d)
{
    free(d->slot);
    memset(d, 0, sizeof(*d));
}

void due_count_reset(struct due_count *d, int64_t from)
{
    memset(d->slot, 0, d->len * sizeof(*d->slot));
    d->before = 0;
    d->base = key_of(d, from);
}

void due_count_advance(struct due_count *d, int64_t t)
{
    int64_t to = key_of(d, t);
    if (to <= d->base)
        return;
    if (to - d->base >= (int64_t)d->len) {
        /* Past the whole ring: every slot folds. */
        for (size_t i = 0; i < d->len; i++)
            d->before += d->slot[i];
        memset(d->slot, 0, d->len * sizeof(*d->slot));
    } else {
        for (int64_t k = d->base; k < to; k++) {
            uint32_t *s = slot_of(d, k);
            d->before += *s;
            *s = 0;
        }
    }
    d->base = to;
}

int64_t due_count_add(struct due_count *d, int64_t due)
{
    int64_t key = key_of(d, due), last = d->base + (int64_t)d->len - 1;
    if (key < d->base) {
        d->before++;
        return due;
    }
    if (key > last) {
        key = last;
        due = last * d->grain_ms;
    }
    (*slot_of(d, key))++;
    return due;
}

void due_count_remove(struct due_count *d, int64_t due)
{
    int64_t key = key_of(d, due);
    uint32_t *n = key < d->base ? &d->before : slot_of(d, key);
    if (*n)
        (*n)--;
}

uint32_t due_count_before(struct due_count *d, int64_t t)
{
    due_count_advance(d, t);
    return d->before;
}
