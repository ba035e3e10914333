/* The fleet's due-time heap: pops come out in due order, and a camera taken
 * out of the middle (an on-demand probe re-scheduling it) leaves a heap that
 * still pops in order and never returns it. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "fleet.h"

#define N 500

static struct fleet f;

static void setup(void)
{
    f.cams = calloc(N, sizeof(*f.cams));
    f.heap = calloc(N, sizeof(*f.heap));
    f.count = N;
    srand(7);
    for (uint32_t i = 0; i < N; i++) {
        f.cams[i].heap_pos = CAM_NOT_QUEUED;
        f.cams[i].due = rand() % 1000; /* many equal dues too */
    }
}

static void teardown(void)
{
    free(f.cams);
    free(f.heap);
}

TestSuite(fleet, .init = setup, .fini = teardown);

static void assert_pops_in_order(size_t expect)
{
    int64_t last = INT64_MIN;
    size_t n = 0;
    while (f.heap_n) {
        cr_assert_eq(heap_top_due(&f), f.cams[f.heap[0]].due);
        uint32_t c = heap_pop(&f);
        cr_assert_eq(f.cams[c].heap_pos, CAM_NOT_QUEUED);
        cr_assert_geq(f.cams[c].due, last, "pop %zu out of order", n);
        last = f.cams[c].due;
        n++;
    }
    cr_assert_eq(n, expect);
    cr_assert_eq(heap_top_due(&f), INT64_MAX);
}

Test(fleet, pops_come_in_due_order)
{
    for (uint32_t i = 0; i < N; i++)
        heap_push(&f, i);
    heap_push(&f, 3); /* already queued: nothing happens */
    cr_assert_eq(f.heap_n, N);
    assert_pops_in_order(N);
}

Test(fleet, removing_from_anywhere_keeps_the_order)
{
    for (uint32_t i = 0; i < N; i++)
        heap_push(&f, i);
    /* Every third camera, which hits the root, leaves and the last slot. */
    size_t removed = 0;
    for (uint32_t i = 0; i < N; i += 3, removed++)
        heap_remove(&f, i);
    heap_remove(&f, 0); /* not queued any more: nothing happens */
    cr_assert_eq(f.heap_n, N - removed);
    for (uint32_t i = 0; i < N; i += 3)
        cr_assert_eq(f.cams[i].heap_pos, CAM_NOT_QUEUED);
    for (size_t pos = 0; pos < f.heap_n; pos++)
        cr_assert_eq(f.cams[f.heap[pos]].heap_pos, pos, "position of slot %zu is stale", pos);
    /* A removed camera can come back with a new due time. */
    f.cams[3].due = -5;
    heap_push(&f, 3);
    cr_assert_eq(f.heap[0], 3);
    assert_pops_in_order(N - removed + 1);
}
