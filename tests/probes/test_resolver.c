/* Tests for host resolution on the loop (probes/resolver.c). */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
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
