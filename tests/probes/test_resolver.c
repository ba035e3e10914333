/* Tests for host resolution on the loop (probes/resolver.c). */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver.h"

struct answer {
    int calls, status;
    struct sockaddr_storage addr;
};

static void on_answer(void *data, int status, const struct sockaddr_storage *addr)
{
    struct answer *a = data;
    a->calls++;
    a->status = status;
    if (addr)
        a->addr = *addr;
}

Test(resolver, numeric_addresses_answer_before_returning)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct resolver *r;
    cr_assert_eq(resolver_new(&loop, NULL, &r), 0);
    struct answer a = {0}, b = {0};
    cr_assert_eq(resolver_lookup(r, "127.1.0.5", on_answer, &a), 0);
    cr_assert_eq(a.calls, 1);
    cr_assert_eq(a.status, 0);
    char buf[64];
    inet_ntop(AF_INET, &((struct sockaddr_in *)&a.addr)->sin_addr, buf, sizeof(buf));
    cr_assert_str_eq(buf, "127.1.0.5");
    cr_assert_eq(resolver_lookup(r, "::1", on_answer, &b), 0);
    cr_assert_eq(b.addr.ss_family, AF_INET6);
    resolver_free(&r);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

Test(resolver, names_resolve_once_and_then_come_from_the_cache)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct resolver *r;
    cr_assert_eq(resolver_new(&loop, NULL, &r), 0);
    struct answer a = {0}, b = {0}, c = {0};
    cr_assert_eq(resolver_lookup(r, "localhost", on_answer, &a), 0);
    cr_assert_eq(resolver_lookup(r, "localhost", on_answer, &b), 0); /* joins the first */
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(a.calls, 1);
    cr_assert_eq(b.calls, 1);
    cr_assert_eq(a.status, 0);
    cr_assert(a.addr.ss_family == AF_INET || a.addr.ss_family == AF_INET6);
    cr_assert_eq(resolver_lookup(r, "localhost", on_answer, &c), 0);
    cr_assert_eq(c.calls, 1, "a cached answer comes at once");
    resolver_free(&r);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

Test(resolver, a_lookup_always_answers_within_its_deadline)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct resolver *r;
    struct resolver_opts o = {.timeout_ms = 300};
    cr_assert_eq(resolver_new(&loop, &o, &r), 0);
    struct answer a = {0};
    uint64_t t0 = uv_hrtime();
    cr_assert_eq(resolver_lookup(r, "camera-7.invalid", on_answer, &a), 0);
    while (a.calls == 0 && uv_run(&loop, UV_RUN_ONCE))
        ;
    cr_assert_eq(a.calls, 1);
    cr_assert_neq(a.status, 0, "a .invalid name cannot resolve");
    cr_assert_lt((uv_hrtime() - t0) / 1000000, 1000, "answered after the deadline");
    resolver_free(&r);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

Test(resolver, bad_hosts_are_refused_without_a_callback)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct resolver *r;
    cr_assert_eq(resolver_new(&loop, NULL, &r), 0);
    struct answer a = {0};
    char longname[400];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    cr_assert_eq(resolver_lookup(r, "", on_answer, &a), -EINVAL);
    cr_assert_eq(resolver_lookup(r, longname, on_answer, &a), -EINVAL);
    cr_assert_eq(a.calls, 0);
    resolver_free(&r);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* A DNS server on the test's own loop (127.0.0.1, a port the kernel
 * picks): it counts the queries it receives and holds them until the test
 * says to answer, so "slow" and "never" are events, not sleeps; names whose
 * first label starts with "good" are answered at once. Every name is
 * 10.20.30.40 (A); AAAA gets an empty answer. */
struct fake_dns {
    uv_udp_t udp;
    char servers[32]; /* for resolver_opts.servers */
    int queries;      /* datagrams received */
    int answers;      /* answers sent */
    bool at_once;     /* answer each query as it comes */
    int nheld;
    struct held {
        struct sockaddr_storage from;
        unsigned char q[512];
        size_t len;
    } held[32];
};

static void fake_sent(uv_udp_send_t *req, int status)
{
    (void)status;
    free(req);
}

static void fake_answer(struct fake_dns *f, const struct held *h)
{
    /* header (12) + the question as asked + one A record by name pointer */
    static const unsigned char a_rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 20, 30, 40};
    struct reply {
        uv_udp_send_t req;
        unsigned char buf[512 + sizeof(a_rr)];
    } *r = malloc(sizeof(*r));
    cr_assert_not_null(r);
    size_t qend = 12;
    while (qend < h->len && h->q[qend])
        qend += h->q[qend] + 1;
    qend += 5; /* the root label, QTYPE, QCLASS */
    cr_assert_leq(qend, h->len, "a malformed query");
    bool is_a = h->q[qend - 4] == 0 && h->q[qend - 3] == 1;
    memcpy(r->buf, h->q, qend);
    r->buf[2] = 0x81; /* QR, RD */
    r->buf[3] = 0x80; /* RA, NOERROR */
    r->buf[6] = 0;
    r->buf[7] = is_a;
    memset(r->buf + 8, 0, 4);
    size_t len = qend;
    if (is_a) {
        memcpy(r->buf + len, a_rr, sizeof(a_rr));
        len += sizeof(a_rr);
    }
    uv_buf_t b = uv_buf_init((char *)r->buf, (unsigned)len);
    cr_assert_eq(uv_udp_send(&r->req, &f->udp, &b, 1, (struct sockaddr *)&h->from, fake_sent), 0);
    f->answers++;
}

static void fake_answer_held(struct fake_dns *f)
{
    int n = f->nheld;
    f->nheld = 0;
    for (int i = 0; i < n; i++)
        fake_answer(f, &f->held[i]);
}

static void fake_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    static char space[512];
    (void)h;
    *buf = uv_buf_init(space, sizeof(space));
}

static void fake_recv(uv_udp_t *u, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
                      unsigned flags)
{
    (void)flags;
    struct fake_dns *f = u->data;
    if (n < 12 || !from)
        return;
    f->queries++;
    cr_assert_lt(f->nheld, 32);
    struct held *h = &f->held[f->nheld++];
    memcpy(&h->from, from, sizeof(struct sockaddr_in));
    h->len = (size_t)n;
    memcpy(h->q, buf->base, h->len);
    if (f->at_once || (h->len > 17 && memcmp(h->q + 13, "good", 4) == 0)) {
        f->nheld--;
        fake_answer(f, h);
    }
}

static void fake_start(uv_loop_t *loop, struct fake_dns *f)
{
    memset(f, 0, sizeof(*f));
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    cr_assert_eq(uv_udp_init(loop, &f->udp), 0);
    f->udp.data = f;
    cr_assert_eq(uv_udp_bind(&f->udp, (struct sockaddr *)&a, 0), 0);
    int len = sizeof(a);
    cr_assert_eq(uv_udp_getsockname(&f->udp, (struct sockaddr *)&a, &len), 0);
    snprintf(f->servers, sizeof(f->servers), "127.0.0.1:%u", ntohs(a.sin_port));
    cr_assert_eq(uv_udp_recv_start(&f->udp, fake_alloc, fake_recv), 0);
}

static void fake_stop(struct fake_dns *f)
{
    uv_close((uv_handle_t *)&f->udp, NULL);
}

static uint64_t ms_since(uint64_t t0)
{
    return (uv_hrtime() - t0) / 1000000;
}

/* Work queued on libuv's pool while lookups hang; records when it ran.
 * (libuv keeps half its pool from getaddrinfo, so this guards against a
 * resolver that would block the pool in another way.) */
struct pool_job {
    uv_work_t req;
    struct answer *lookups; /* the hanging lookups, none answered yet when it completes */
    int n;
    int done, answered_before;
};

static void pool_work(uv_work_t *req)
{
    (void)req;
}

static void pool_done(uv_work_t *req, int status)
{
    struct pool_job *j = req->data;
    cr_assert_eq(status, 0);
    j->done = 1;
    for (int i = 0; i < j->n; i++)
        j->answered_before += j->lookups[i].calls;
}

Test(resolver, names_a_server_never_answers_end_at_the_deadline_and_hold_up_nothing)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake_dns dead;
    fake_start(&loop, &dead);
    struct resolver *r;
    struct resolver_opts o = {.timeout_ms = 500, .servers = dead.servers};
    cr_assert_eq(resolver_new(&loop, &o, &r), 0);
    /* More hanging lookups than libuv's pool has threads (4): none may take one. */
    struct answer a[6] = {0};
    uv_update_time(&loop); /* deadlines count from the loop's clock */
    uint64_t t0 = uv_hrtime();
    for (int i = 0; i < 6; i++) {
        char name[64];
        snprintf(name, sizeof(name), "cam%d.example.test", i + 1);
        cr_assert_eq(resolver_lookup(r, name, on_answer, &a[i]), 0);
    }
    struct pool_job job = {.lookups = a, .n = 6};
    job.req.data = &job;
    cr_assert_eq(uv_queue_work(&loop, &job.req, pool_work, pool_done), 0);
    /* A name the server does answer, asked while the others hang. */
    struct answer good = {0};
    cr_assert_eq(resolver_lookup(r, "good.example.test", on_answer, &good), 0);
    /* Runs until nothing is left to wait for (the server does not count):
     * the dropped queries must not keep the loop busy after the deadline. */
    uv_unref((uv_handle_t *)&dead.udp);
    uv_run(&loop, UV_RUN_DEFAULT);
    uint64_t took = ms_since(t0);
    cr_assert_eq(good.calls, 1);
    cr_assert_eq(good.status, 0, "a name that has an answer waited behind hanging ones: %d",
                 good.status);
    cr_assert(job.done);
    cr_assert_eq(job.answered_before, 0, "pool work waited for the lookups");
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(a[i].calls, 1);
        cr_assert_eq(a[i].status, -ETIMEDOUT);
    }
    cr_assert_geq(dead.queries, 7, "the server was asked (%d queries)", dead.queries);
    cr_assert_geq(took + 1, 500, "answered before the deadline (%llu ms)", (unsigned long long)took);
    /* glibc would take 10 s; any bound far below that proves the point. */
    cr_assert_lt(took, 5000, "the loop was held %llu ms", (unsigned long long)took);
    resolver_free(&r);
    fake_stop(&dead);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

struct slow {
    uv_timer_t timer;
    struct fake_dns *dns;
    struct answer *lookup;
    int answered_before; /* the lookup's calls when the server answered */
};

static void on_slow_timer(uv_timer_t *t)
{
    struct slow *s = t->data;
    s->answered_before = s->lookup->calls;
    fake_answer_held(s->dns);
    s->dns->at_once = true;
    uv_close((uv_handle_t *)t, NULL);
}

Test(resolver, a_slow_answer_before_the_deadline_is_used_and_cached)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake_dns dns;
    fake_start(&loop, &dns);
    struct resolver *r;
    struct resolver_opts o = {.timeout_ms = 3000, .servers = dns.servers};
    cr_assert_eq(resolver_new(&loop, &o, &r), 0);
    struct answer a = {0}, b = {0};
    struct slow s = {.dns = &dns, .lookup = &a};
    uv_timer_init(&loop, &s.timer);
    s.timer.data = &s;
    uv_timer_start(&s.timer, on_slow_timer, 300, 0);
    cr_assert_eq(resolver_lookup(r, "slow.example.test", on_answer, &a), 0);
    while (a.calls == 0 && uv_run(&loop, UV_RUN_ONCE))
        ;
    cr_assert_eq(a.calls, 1);
    cr_assert_eq(a.status, 0, "status %d", a.status);
    cr_assert_eq(s.answered_before, 0, "the lookup ended before the server answered");
    char buf[64];
    cr_assert_eq(a.addr.ss_family, AF_INET);
    inet_ntop(AF_INET, &((struct sockaddr_in *)&a.addr)->sin_addr, buf, sizeof(buf));
    cr_assert_str_eq(buf, "10.20.30.40");
    int asked = dns.queries;
    cr_assert_eq(resolver_lookup(r, "slow.example.test", on_answer, &b), 0);
    cr_assert_eq(b.calls, 1, "the answer is cached");
    cr_assert_eq(dns.queries, asked);
    resolver_free(&r);
    fake_stop(&dns);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* The late lookup's callback: while its query is still in c-ares (another
 * lookup keeps the channel busy), the server answers it. */
struct late {
    struct answer first, other;
    struct resolver *r;
    struct fake_dns *dns;
};

static void on_late_timeout(void *data, int status, const struct sockaddr_storage *addr)
{
    struct late *l = data;
    on_answer(&l->first, status, addr);
    cr_assert_eq(resolver_lookup(l->r, "other.example.test", on_answer, &l->other), 0);
    l->dns->at_once = true;
    fake_answer_held(l->dns); /* reaches c-ares before the other lookup's answer */
}

Test(resolver, an_answer_after_the_deadline_is_ignored)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake_dns dns;
    fake_start(&loop, &dns);
    struct late l = {.dns = &dns};
    struct resolver_opts o = {.timeout_ms = 1000, .servers = dns.servers};
    cr_assert_eq(resolver_new(&loop, &o, &l.r), 0);
    cr_assert_eq(resolver_lookup(l.r, "late.example.test", on_late_timeout, &l), 0);
    while (l.other.calls == 0 && uv_run(&loop, UV_RUN_ONCE))
        ;
    cr_assert_eq(l.first.calls, 1);
    cr_assert_eq(l.first.status, -ETIMEDOUT);
    cr_assert_eq(l.other.status, 0, "status %d", l.other.status);
    cr_assert_geq(dns.answers, 4, "the late name was answered too");
    /* Ignored means not cached either: a new lookup asks again. */
    struct answer again = {0};
    int asked = dns.queries;
    cr_assert_eq(resolver_lookup(l.r, "late.example.test", on_answer, &again), 0);
    cr_assert_eq(again.calls, 0);
    while (again.calls == 0 && uv_run(&loop, UV_RUN_ONCE))
        ;
    cr_assert_eq(again.status, 0);
    cr_assert_gt(dns.queries, asked);
    cr_assert_eq(l.first.calls, 1, "the first asker heard once");
    resolver_free(&l.r);
    fake_stop(&dns);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

Test(resolver, localhost_and_numbers_need_no_dns_server)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake_dns dead;
    fake_start(&loop, &dead);
    struct resolver *r;
    struct resolver_opts o = {.timeout_ms = 500, .servers = dead.servers};
    cr_assert_eq(resolver_new(&loop, &o, &r), 0);
    struct answer a = {0}, b = {0};
    cr_assert_eq(resolver_lookup(r, "localhost", on_answer, &a), 0);
    cr_assert_eq(a.calls, 1, "localhost is answered before returning");
    cr_assert_eq(a.status, 0);
    if (a.addr.ss_family == AF_INET)
        cr_assert_eq(((struct sockaddr_in *)&a.addr)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    else
        cr_assert(IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&a.addr)->sin6_addr));
    cr_assert_eq(resolver_lookup(r, "192.0.2.7", on_answer, &b), 0);
    cr_assert_eq(b.calls, 1);
    cr_assert_eq(b.status, 0);
    resolver_free(&r);
    fake_stop(&dead);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(dead.queries, 0, "no query went to the server");
    cr_assert_eq(uv_loop_close(&loop), 0);
}

Test(resolver, a_malformed_server_list_is_refused)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct resolver *r = NULL;
    const char *bad[] = {"", "not-an-address", "127.0.0.1:53,dns.example.test"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct resolver_opts o = {.servers = bad[i]};
        cr_assert_eq(resolver_new(&loop, &o, &r), -EINVAL, "\"%s\" was taken", bad[i]);
        cr_assert_null(r);
    }
    cr_assert_eq(uv_loop_close(&loop), 0);
}
