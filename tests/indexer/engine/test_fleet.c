/* Tests for the scheduler's heap of due times (indexer/engine/fleet.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fleet.h"
#include "engine/slot_pool.h"

#define N 5000

/* A fleet with only what the heap uses: cameras and room for the heap. */
static void fleet_with(struct fleet *f, size_t n)
{
    memset(f, 0, sizeof(*f));
    f->cams = calloc(n, sizeof(*f->cams));
    f->heap = calloc(n + 1, sizeof(*f->heap));
    cr_assert(f->cams && f->heap);
    f->count = n;
}

static void fleet_drop(struct fleet *f)
{
    free(f->cams);
    free(f->heap);
}

Test(fleet_heap, pops_cameras_in_due_order_with_the_earliest_on_top)
{
    struct fleet f;
    fleet_with(&f, N);
    srand(7);
    for (uint32_t i = 0; i < N; i++) {
        f.cams[i].due = rand() % 100000 - 50000; /* negatives and duplicates too */
        heap_push(&f, i);
        cr_assert(f.cams[i].queued);
    }
    cr_assert_eq(f.heap_n, N);
    int64_t last = INT64_MIN;
    for (size_t k = 0; k < N; k++) {
        int64_t top = heap_top_due(&f);
        uint32_t i = heap_pop(&f);
        cr_assert_eq(f.cams[i].due, top, "pop %zu: camera %u due %lld, top said %lld", k, i,
                     (long long)f.cams[i].due, (long long)top);
        cr_assert_geq(top, last, "pop %zu: %lld after %lld", k, (long long)top, (long long)last);
        cr_assert_not(f.cams[i].queued);
        last = top;
    }
    cr_assert_eq(f.heap_n, 0);
    cr_assert_eq(heap_top_due(&f), INT64_MAX);
    fleet_drop(&f);
}

Test(fleet_heap, a_queued_camera_pushed_again_keeps_one_place)
{
    struct fleet f;
    fleet_with(&f, 3);
    f.cams[0].due = 30;
    f.cams[1].due = 10;
    f.cams[2].due = 20;
    for (uint32_t i = 0; i < 3; i++)
        heap_push(&f, i);
    heap_push(&f, 1);
    cr_assert_eq(f.heap_n, 3);
    cr_assert_eq(heap_pop(&f), 1);
    cr_assert_eq(heap_pop(&f), 2);
    /* Popped, it can be queued again, at its new time. */
    f.cams[1].due = 25;
    heap_push(&f, 1);
    cr_assert_eq(heap_pop(&f), 1);
    cr_assert_eq(heap_pop(&f), 0);
    cr_assert_eq(f.heap_n, 0);
    fleet_drop(&f);
}

Test(fleet_heap, interleaved_pushes_and_pops_stay_ordered)
{
    struct fleet f;
    fleet_with(&f, N);
    srand(11);
    uint32_t next = 0;
    int64_t now = 0;
    /* Like the scheduler: pop what is due, queue it again an interval on. */
    for (uint32_t i = 0; i < N; i++) {
        f.cams[i].due = rand() % 10000;
        heap_push(&f, i);
    }
    for (int round = 0; round < 4 * N; round++) {
        int64_t top = heap_top_due(&f);
        cr_assert_geq(top, now, "round %d: %lld before %lld", round, (long long)top,
                      (long long)now);
        now = top;
        uint32_t i = heap_pop(&f);
        cr_assert_eq(f.cams[i].due, top);
        f.cams[i].due = now + 10000 + rand() % 7;
        heap_push(&f, i);
        next++;
    }
    cr_assert_eq(f.heap_n, N);
    cr_assert_eq(next, 4 * N);
    fleet_drop(&f);
}

/* A camera taken out of the middle (a probe on demand re-scheduling it)
 * leaves a heap that still pops in order and never returns it. */
Test(fleet_heap, removing_from_anywhere_keeps_the_order)
{
    struct fleet f;
    fleet_with(&f, 500);
    srand(11);
    for (uint32_t i = 0; i < 500; i++) {
        f.cams[i].due = rand() % 1000; /* many equal dues too */
        heap_push(&f, i);
    }
    /* Every third camera: the root, inner entries and the last slot. */
    size_t removed = 0;
    for (uint32_t i = 0; i < 500; i += 3, removed++)
        heap_remove(&f, i);
    heap_remove(&f, 0); /* not queued any more: nothing happens */
    cr_assert_eq(f.heap_n, 500 - removed);
    for (uint32_t i = 0; i < 500; i++)
        cr_assert_eq(f.cams[i].queued, i % 3 != 0, "camera %u", i);
    for (size_t pos = 0; pos < f.heap_n; pos++)
        cr_assert_neq(f.heap[pos].cam % 3, 0, "a removed camera is still in slot %zu", pos);
    /* A removed camera can come back with a new due time. */
    f.cams[3].due = -5;
    heap_push(&f, 3);
    cr_assert_eq(f.heap[0].cam, 3);
    int64_t last = INT64_MIN;
    size_t n = 0;
    while (f.heap_n) {
        uint32_t c = heap_pop(&f);
        cr_assert_geq(f.cams[c].due, last, "pop %zu out of order", n);
        cr_assert_eq(c == 3 || c % 3 != 0, true, "removed camera %u popped", c);
        last = f.cams[c].due;
        n++;
    }
    cr_assert_eq(n, 500 - removed + 1);
    fleet_drop(&f);
}

/* ---- authentication memos ---- */

Test(fleet_memo, set_replace_and_forget_reuse_pool_slots)
{
    struct slot_pool pool = {.size = FLEET_MEMO_SLOT};
    struct fleet f;
    fleet_with(&f, 3);
    f.memos = &pool;
    const uint8_t a[] = "realm-a\0nonce-1", b[] = "realm-a\0nonce-2";
    size_t len;
    cr_expect_null(cam_auth_memo(&f.cams[0], &len));
    cr_expect_eq(len, 0);
    cam_set_auth_memo(&f, &f.cams[0], a, sizeof(a));
    const uint8_t *m = cam_auth_memo(&f.cams[0], &len);
    cr_assert_eq(len, sizeof(a));
    cr_expect_eq(memcmp(m, a, len), 0);
    cr_expect_eq(pool.in_use, 1);
    /* A new nonce of the same size overwrites in place. */
    uint8_t *slot = f.cams[0].auth_memo;
    cam_set_auth_memo(&f, &f.cams[0], b, sizeof(b));
    cr_expect_eq(f.cams[0].auth_memo, slot);
    cr_expect_eq(memcmp(cam_auth_memo(&f.cams[0], &len), b, sizeof(b)), 0);
    cr_expect_eq(pool.in_use, 1);
    /* Longer than a slot: from malloc, and the slot goes back. */
    uint8_t big[200];
    memset(big, 'x', sizeof(big));
    cam_set_auth_memo(&f, &f.cams[0], big, sizeof(big));
    cr_expect_eq(pool.in_use, 0);
    cr_expect_eq(memcmp(cam_auth_memo(&f.cams[0], &len), big, sizeof(big)), 0);
    cr_expect_eq(len, sizeof(big));
    cam_set_auth_memo(&f, &f.cams[1], a, sizeof(a));
    cam_set_auth_memo(&f, &f.cams[1], NULL, 0);
    cr_expect_null(f.cams[1].auth_memo);
    cr_expect_eq(pool.in_use, 0);
    cam_set_auth_memo(&f, &f.cams[2], a, sizeof(a));
    cr_expect_eq(f.cams[2].auth_memo, slot, "freed slots are handed out again");
    fleet_free(&f); /* gives back both memos */
    cr_expect_eq(pool.in_use, 0);
    slot_pool_free(&pool);
}

Test(fleet_memo, without_a_pool_nothing_is_kept)
{
    struct fleet f;
    fleet_with(&f, 1);
    const uint8_t a[] = "realm\0nonce";
    cam_set_auth_memo(&f, &f.cams[0], a, sizeof(a));
    cr_expect_null(f.cams[0].auth_memo);
    fleet_drop(&f);
}
