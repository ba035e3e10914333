/* Tests for the count of cameras by due time (indexer/engine/due_count.c):
 * kept as due times change, it must agree with a walk over every camera. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/due_count.h"

/* The walk the count replaces, at the count's grain: due before t's slot. */
static uint32_t walk(const int64_t *due, const char *in, int n, int64_t t, int64_t grain)
{
    int64_t key = t / grain - (t % grain < 0), from = key * grain;
    uint32_t k = 0;
    for (int i = 0; i < n; i++)
        k += in[i] && due[i] < from;
    return k;
}

Test(due_count, counts_what_a_walk_counts_as_time_and_due_times_move)
{
    enum { N = 5000 };
    static int64_t due[N];
    static char in[N];
    const int64_t span = 3600000 + 60000 + 1000, behind = 60000;
    int64_t now = 0;
    struct due_count d;
    cr_assert_eq(due_count_init(&d, span, 1000, now - behind), 0);
    cr_expect_eq(d.grain_ms, 1000);
    srand(16);
    for (int i = 0; i < N; i++) {
        in[i] = rand() % 3 != 0;
        due[i] = now + rand() % 3600000;
        if (in[i])
            due[i] = due_count_add(&d, due[i]);
    }
    for (int step = 0; step < 20000; step++) {
        now += rand() % 2000;
        due_count_advance(&d, now - behind);
        int i = rand() % N;
        switch (rand() % 3) {
        case 0: /* its diagnosis done: due an interval from now */
            if (in[i])
                due_count_remove(&d, due[i]);
            due[i] = now + 3600000;
            if (in[i])
                due[i] = due_count_add(&d, due[i]);
            break;
        case 1: /* went down or came up */
            if (in[i])
                due_count_remove(&d, due[i]);
            in[i] = !in[i];
            if (in[i])
                due[i] = due_count_add(&d, due[i]);
            break;
        default: /* due at once */
            if (in[i])
                due_count_remove(&d, due[i]);
            due[i] = now;
            if (in[i])
                due[i] = due_count_add(&d, due[i]);
        }
        if (step % 97 == 0)
            cr_assert_eq(due_count_before(&d, now - behind), walk(due, in, N, now - behind, 1000),
                         "step %d", step);
    }
    /* Hours later, without a question meanwhile: every slot folds. */
    now += 5 * 3600000;
    uint32_t k = 0;
    for (int i = 0; i < N; i++)
        k += in[i];
    cr_expect_eq(due_count_before(&d, now - behind), k);
    cr_expect_eq(due_count_before(&d, now - behind), walk(due, in, N, now - behind, 1000));
    due_count_free(&d);
}

Test(due_count, due_times_before_zero_and_past_the_end)
{
    struct due_count d;
    cr_assert_eq(due_count_init(&d, 10000, 1000, -60000), 0);
    cr_expect_eq(due_count_add(&d, -59500), -59500);
    cr_expect_eq(due_count_add(&d, -70000), -70000, "before the ring: counted before");
    cr_expect_eq(due_count_before(&d, -60000), 1);
    cr_expect_eq(due_count_before(&d, -59000), 2);
    /* Past the ring's end: counted at its last slot, which the caller keeps. */
    int64_t at = due_count_add(&d, 1000000);
    cr_expect_lt(at, 1000000);
    cr_expect_geq(at, -59000 + 10000);
    cr_expect_eq(due_count_before(&d, at), 2);
    cr_expect_eq(due_count_before(&d, at + 1000), 3);
    due_count_remove(&d, at);
    due_count_remove(&d, -59500);
    cr_expect_eq(due_count_before(&d, at + 1000), 1);
    due_count_reset(&d, 0);
    cr_expect_eq(due_count_before(&d, 1000000), 0);
    due_count_free(&d);
}

Test(due_count, a_long_span_takes_wider_slots_not_more)
{
    struct due_count d;
    int64_t span = 30LL * 86400000; /* a month of due times */
    cr_assert_eq(due_count_init(&d, span, 1000, 0), 0);
    cr_expect_leq(d.len, 65536);
    cr_expect_geq((int64_t)(d.len - 1) * d.grain_ms, span);
    cr_expect_eq(due_count_add(&d, span), span, "the span's end is held");
    due_count_free(&d);
    cr_expect_eq(due_count_init(&d, 0, 1000, 0), -EINVAL);
}
