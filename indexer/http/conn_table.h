/* Open connections grouped by the client's address, oldest first, so that
 * the server can tell which address to cut when it runs short of places:
 * an address past its own cap loses its oldest connection, and when the
 * global cap is reached the address holding the most does. No libuv, no
 * h2o: the HTTP server embeds an entry in each connection. */
#ifndef CAMDEX_HTTP_CONN_TABLE_H
#define CAMDEX_HTTP_CONN_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct conn_entry {
    struct conn_entry *prev, *next; /* the same address's connections, oldest first */
    uint8_t addr[16];               /* IPv6, or IPv4 mapped into it */
    int in_table;
};

struct conn_slot; /* one address in use: its count and list */

struct conn_table {
    struct conn_slot *slots; /* open addressing, a power of two, at most half full */
    size_t nslots;
    size_t count; /* connections in the table */
    size_t max_total, max_per_addr;
};

int conn_table_init(struct conn_table *t, size_t max_total, size_t max_per_addr);
void conn_table_dispose(struct conn_table *t);

/* The 16-byte key of a peer address: IPv4 as ::ffff:a.b.c.d, IPv6 as its
 * /64 (the low 64 bits zero), so the per-address cap holds per client
 * network; -EAFNOSUPPORT for other families. */
int conn_table_key(const struct sockaddr *sa, uint8_t key[16]);

/* Which connection must go before one from `key` is added: the address's
 * oldest when it is at its cap, else the oldest of the address holding the
 * most when the table is full; NULL when there is room. */
struct conn_entry *conn_table_victim(const struct conn_table *t, const uint8_t key[16]);

/* Adds e (its addr set) as its address's newest; -ENOSPC when the caller
 * did not make room first. Remove takes it out (no-op if not in). */
int conn_table_add(struct conn_table *t, struct conn_entry *e);
void conn_table_remove(struct conn_table *t, struct conn_entry *e);

/* Connections of one address (0 when none). */
size_t conn_table_count_of(const struct conn_table *t, const uint8_t key[16]);

#endif
