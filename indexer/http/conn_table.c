/* Connections by client address (conn_table.h says why). A hash table with
 * linear probing and backward-shift deletion: no tombstones, so a long-lived
 * server's table never degrades, and the slot count is fixed at start from
 * the connection cap, so nothing is allocated per connection. */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "http/conn_table.h"

struct conn_slot {
    uint8_t key[16];
    uint32_t n; /* 0 = free slot */
    struct conn_entry *oldest, *newest;
};

int conn_table_init(struct conn_table *t, size_t max_total, size_t max_per_addr)
{
    memset(t, 0, sizeof(*t));
    if (!max_total || !max_per_addr || max_total > (1u << 24))
        return -EINVAL;
    size_t n = 16;
    while (n < 2 * max_total)
        n *= 2;
    t->slots = calloc(n, sizeof(*t->slots));
    if (!t->slots)
        return -ENOMEM;
    t->nslots = n;
    t->max_total = max_total;
    t->max_per_addr = max_per_addr;
    return 0;
}

void conn_table_dispose(struct conn_table *t)
{
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

int conn_table_key(const struct sockaddr *sa, uint8_t key[16])
{
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        memcpy(key, a, 16);
        /* One IPv6 client usually holds a whole /64 (SLAAC, privacy
         * addresses): counted per address it would have 2^64 caps, and
         * could choose keys freely. IPv4-mapped peers keep all 32 bits. */
        if (!IN6_IS_ADDR_V4MAPPED(a))
            memset(key + 8, 0, 8);
        return 0;
    }
    if (sa->sa_family == AF_INET) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        memcpy(key, mapped, 12);
        memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return 0;
    }
    return -EAFNOSUPPORT;
}

/* FNV-1a: the keys are addresses a client chooses, but the table is never
 * more than half full and an address's connections share one slot, so a
 * client cannot make chains long by choosing addresses it does not have. */
static size_t home_of(const struct conn_table *t, const uint8_t key[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    return h & (t->nslots - 1);
}

/* The slot holding key, or the free slot where it would go. */
static size_t find(const struct conn_table *t, const uint8_t key[16])
{
    size_t i = home_of(t, key);
    while (t->slots[i].n && memcmp(t->slots[i].key, key, 16) != 0)
        i = (i + 1) & (t->nslots - 1);
    return i;
}

size_t conn_table_count_of(const struct conn_table *t, const uint8_t key[16])
{
    return t->slots[find(t, key)].n;
}

struct conn_entry *conn_table_victim(const struct conn_table *t, const uint8_t key[16])
{
    const struct conn_slot *own = &t->slots[find(t, key)];
    if (own->n >= t->max_per_addr)
        return own->oldest;
    if (t->count < t->max_total)
        return NULL;
    const struct conn_slot *most = NULL;
    for (size_t i = 0; i < t->nslots; i++)
        if (t->slots[i].n && (!most || t->slots[i].n > most->n))
            most = &t->slots[i];
    return most ? most->oldest : NULL;
}

int conn_table_add(struct conn_table *t, struct conn_entry *e)
{
    size_t i = find(t, e->addr);
    struct conn_slot *s = &t->slots[i];
    if (t->count >= t->max_total || s->n >= t->max_per_addr)
        return -ENOSPC;
    if (!s->n) {
        memcpy(s->key, e->addr, 16);
        s->oldest = NULL;
        s->newest = NULL;
    }
    e->next = NULL;
    e->prev = s->newest;
    if (s->newest)
        s->newest->next = e;
    else
        s->oldest = e;
    s->newest = e;
    s->n++;
    t->count++;
    e->in_table = 1;
    return 0;
}

/* Empties slot i and moves later entries of its probe run back, so that
 * every key stays reachable from its home without tombstones. */
static void free_slot(struct conn_table *t, size_t i)
{
    size_t mask = t->nslots - 1;
    size_t j = i;
    for (;;) {
        t->slots[i].n = 0;
        for (;;) {
            j = (j + 1) & mask;
            if (!t->slots[j].n)
                return;
            size_t home = home_of(t, t->slots[j].key);
            /* j's entry may move to i unless its home lies cyclically in (i, j]. */
            bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays)
                break;
        }
        t->slots[i] = t->slots[j];
        i = j;
    }
}

void conn_table_remove(struct conn_table *t, struct conn_entry *e)
{
    if (!e->in_table)
        return;
    size_t i = find(t, e->addr);
    struct conn_slot *s = &t->slots[i];
    if (e->prev)
        e->prev->next = e->next;
    else
        s->oldest = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        s->newest = e->prev;
    e->prev = e->next = NULL;
    e->in_table = 0;
    t->count--;
    if (--s->n == 0)
        free_slot(t, i);
}
