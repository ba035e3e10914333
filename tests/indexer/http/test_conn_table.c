/* indexer/http/conn_table.c: connections by client address, and which one
 * goes when places run short. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "http/conn_table.h"

static void key_of(const char *ip, uint8_t key[16])
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    cr_assert_eq(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
    cr_assert_eq(conn_table_key((struct sockaddr *)&sa, key), 0);
}

static struct conn_entry *add(struct conn_table *t, struct conn_entry *e, const char *ip)
{
    memset(e, 0, sizeof(*e));
    key_of(ip, e->addr);
    struct conn_entry *v;
    while ((v = conn_table_victim(t, e->addr)))
        conn_table_remove(t, v);
    cr_assert_eq(conn_table_add(t, e), 0);
    return e;
}

Test(conn_table, an_address_at_its_cap_loses_its_oldest)
{
    struct conn_table t;
    cr_assert_eq(conn_table_init(&t, 100, 3), 0);
    struct conn_entry e[5];
    for (int i = 0; i < 4; i++)
        add(&t, &e[i], "10.0.0.1");
    cr_assert(!e[0].in_table, "the oldest stayed");
    cr_assert(e[1].in_table && e[2].in_table && e[3].in_table);
    cr_assert_eq(conn_table_count_of(&t, e[1].addr), 3);
    conn_table_dispose(&t);
}

Test(conn_table, when_full_the_busiest_address_loses_its_oldest)
{
    struct conn_table t;
    cr_assert_eq(conn_table_init(&t, 6, 100), 0);
    struct conn_entry e[8];
    add(&t, &e[0], "10.0.0.1");
    add(&t, &e[1], "10.0.0.2");
    add(&t, &e[2], "10.0.0.2");
    add(&t, &e[3], "10.0.0.2");
    add(&t, &e[4], "10.0.0.3");
    add(&t, &e[5], "10.0.0.3");
    add(&t, &e[6], "10.0.0.4"); /* full: 10.0.0.2 holds the most */
    cr_assert(!e[1].in_table && e[2].in_table && e[0].in_table && e[4].in_table);
    cr_assert_eq(t.count, 6);
    conn_table_dispose(&t);
}

Test(conn_table, removal_keeps_every_address_reachable)
{
    /* Many addresses in a small table: probe runs collide and removals
     * shift entries back; counts must stay exact. */
    struct conn_table t;
    cr_assert_eq(conn_table_init(&t, 64, 4), 0);
    static struct conn_entry e[64];
    char ip[32];
    for (int i = 0; i < 64; i++) {
        snprintf(ip, sizeof(ip), "10.0.%d.%d", i % 16, i / 16);
        add(&t, &e[i], ip);
    }
    for (int i = 0; i < 64; i += 2)
        conn_table_remove(&t, &e[i]);
    for (int i = 1; i < 64; i += 2)
        cr_assert_eq(conn_table_count_of(&t, e[i].addr), 1, "entry %d lost", i);
    for (int i = 0; i < 64; i += 2)
        cr_assert_eq(conn_table_count_of(&t, e[i].addr), 0);
    cr_assert_eq(t.count, 32);
    conn_table_dispose(&t);
}

static void key6_of(const char *ip, uint8_t key[16])
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    cr_assert_eq(inet_pton(AF_INET6, ip, &sa.sin6_addr), 1);
    cr_assert_eq(conn_table_key((struct sockaddr *)&sa, key), 0);
}

Test(conn_table, an_ipv6_client_is_counted_per_64_and_ipv4_per_address)
{
    uint8_t a[16], b[16], c[16], m1[16], m2[16];
    key6_of("2001:db8:1:2::1", a);
    key6_of("2001:db8:1:2:ffff:1234:abcd:9", b);
    key6_of("2001:db8:1:3::1", c);
    cr_expect_eq(memcmp(a, b, 16), 0, "two addresses of one /64 are one client");
    cr_expect_neq(memcmp(a, c, 16), 0, "another /64 is another client");
    key6_of("::ffff:10.0.0.1", m1);
    key6_of("::ffff:10.0.0.2", m2);
    cr_expect_neq(memcmp(m1, m2, 16), 0, "IPv4-mapped peers keep their whole address");
    uint8_t v4[16];
    key_of("10.0.0.1", v4);
    cr_expect_eq(memcmp(m1, v4, 16), 0);

    /* The cap holds across a /64. */
    struct conn_table t;
    cr_assert_eq(conn_table_init(&t, 100, 2), 0);
    struct conn_entry e[3];
    const char *ips[] = {"2001:db8::1", "2001:db8::2", "2001:db8::3"};
    for (int i = 0; i < 3; i++) {
        memset(&e[i], 0, sizeof(e[i]));
        key6_of(ips[i], e[i].addr);
        struct conn_entry *v;
        while ((v = conn_table_victim(&t, e[i].addr)))
            conn_table_remove(&t, v);
        cr_assert_eq(conn_table_add(&t, &e[i]), 0);
    }
    cr_expect(!e[0].in_table, "a third connection from the same /64 did not displace the first");
    cr_expect_eq(conn_table_count_of(&t, e[2].addr), 2);
    conn_table_dispose(&t);
}
