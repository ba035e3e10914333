/* Tests for the fixed-size slot allocator (indexer/engine/slot_pool.c). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "engine/slot_pool.h"

Test(slot_pool, slots_are_distinct_aligned_and_reused)
{
    struct slot_pool p = {.size = 80};
    enum { N = 3000 }; /* several chunks */
    static uint8_t *s[N];
    for (int i = 0; i < N; i++) {
        s[i] = slot_pool_get(&p);
        cr_assert_not_null(s[i]);
        cr_expect_eq((uintptr_t)s[i] % 16, 0, "slot %d misaligned", i);
        memset(s[i], i & 0xff, 80);
    }
    cr_expect_eq(p.in_use, N);
    /* No slot overlaps another: each still holds its own bytes. */
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 80; k++)
            cr_assert_eq(s[i][k], i & 0xff, "slot %d byte %d overwritten", i, k);
    slot_pool_put(&p, s[10]);
    slot_pool_put(&p, NULL);
    cr_expect_eq(p.in_use, N - 1);
    cr_expect_eq(slot_pool_get(&p), s[10], "the freed slot comes back first");
    slot_pool_free(&p);
    cr_expect_null(p.chunks);
    cr_expect_eq(p.in_use, 0);
}

Test(slot_pool, slot_larger_than_a_chunk_is_refused)
{
    struct slot_pool p = {.size = 70000};
    cr_expect_null(slot_pool_get(&p));
    slot_pool_free(&p);
}
