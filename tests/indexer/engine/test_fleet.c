/* Tests for the fleet (indexer/engine/fleet.c): its load from the index, the
 * match of a reload's fleet against the running one, the authentication
 * memos, and the heap of due times. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fleet.h"
#include "engine/slot_pool.h"
#include "testutil.h"

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

/* ---- loading from the index ---- */

static struct store *index_with(char **dir, int n, int hosts)
{
    *dir = testutil_mkdtemp();
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    struct store *s;
    cr_assert_eq(store_open(*dir, &o, &s), 0);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    for (int i = 0; i < n; i++) {
        char id[32], url[96];
        snprintf(id, sizeof(id), "cam-%05d", i);
        /* Channels of a few NVRs: hosts repeat. */
        snprintf(url, sizeof(url), "rtsp://10.0.%d.%d:554/ch%d", i % hosts / 250, i % hosts % 250,
                 i);
        struct store_camera c = {
            .id = id, .name = id, .unit_id = "u-1", .url = url, .address = "", .tags = ""};
        cr_assert_eq(store_batch_camera_put(b, &c, "Unit 1"), 0);
    }
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
    return s;
}

Test(fleet_load, every_camera_once_with_hosts_interned_and_found_by_id)
{
    char *dir;
    struct store *s = index_with(&dir, 3000, 700);
    struct fleet f;
    cr_assert_eq(fleet_load(&f, s), 0);
    cr_assert_eq(f.count, 3000);
    for (int i = 0; i < 3000; i++) {
        char id[32];
        snprintf(id, sizeof(id), "cam-%05d", i);
        struct cam *c = fleet_find(&f, id);
        cr_assert_not_null(c, "%s", id);
        cr_assert_str_eq(c->id, id);
        cr_assert_eq(c->kind, CAM_RTSP);
        cr_assert_eq(c->port, 554);
        /* Per-host caps compare host pointers: one string per host. */
        if (i >= 700) {
            snprintf(id, sizeof(id), "cam-%05d", i - 700);
            cr_assert_eq(fleet_find(&f, id)->host, c->host);
        }
    }
    cr_assert_null(fleet_find(&f, "cam-99999"));
    fleet_free(&f);
    store_close(&s);
    testutil_rmdir(dir);
}

Test(fleet_load, an_empty_index_is_an_empty_fleet)
{
    char *dir;
    struct store *s = index_with(&dir, 0, 1);
    struct fleet f;
    cr_assert_eq(fleet_load(&f, s), 0);
    cr_assert_eq(f.count, 0);
    cr_assert_null(fleet_find(&f, "cam-00000"));
    fleet_free(&f);
    store_close(&s);
    testutil_rmdir(dir);
}

Test(fleet_match, maps_each_camera_of_the_next_fleet_to_the_old_or_to_none)
{
    char *dir;
    struct store *s = index_with(&dir, 100, 100);
    struct fleet old, next;
    cr_assert_eq(fleet_load(&old, s), 0);
    /* The next inventory: cam-00000..00009 gone, cam-00100..00104 new. */
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    for (int i = 0; i < 10; i++) {
        char id[32];
        snprintf(id, sizeof(id), "cam-%05d", i);
        cr_assert_eq(store_batch_camera_del(b, id), 0);
    }
    for (int i = 100; i < 105; i++) {
        char id[32];
        snprintf(id, sizeof(id), "cam-%05d", i);
        struct store_camera c = {.id = id, .name = id, .unit_id = "u-1",
                                 .url = "rtsp://10.9.9.9/x", .address = "", .tags = ""};
        cr_assert_eq(store_batch_camera_put(b, &c, "Unit 1"), 0);
    }
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
    cr_assert_eq(fleet_load(&next, s), 0);
    cr_assert_eq(next.count, 95);
    uint32_t old_of[95];
    fleet_match(&next, &old, old_of);
    for (size_t i = 0; i < next.count; i++) {
        int n = atoi(next.cams[i].id + 4);
        if (n >= 100) {
            cr_assert_eq(old_of[i], 0, "%s is new", next.cams[i].id);
        } else {
            cr_assert_neq(old_of[i], 0, "%s was there", next.cams[i].id);
            cr_assert_str_eq(old.cams[old_of[i] - 1].id, next.cams[i].id);
        }
    }
    fleet_free(&old);
    fleet_free(&next);
    store_close(&s);
    testutil_rmdir(dir);
}

static int count_hint(const char *id, const void *hint, size_t len, void *ctx)
{
    (void)id, (void)hint, (void)len;
    ++*(int *)ctx;
    return 0;
}

Test(fleet_memo, only_memos_that_changed_since_the_index_was_read_are_saved)
{
    char *dir;
    struct store *s = index_with(&dir, 50, 50);
    struct slot_pool pool = {.size = FLEET_MEMO_SLOT};
    struct fleet f;
    cr_assert_eq(fleet_load(&f, s), 0);
    f.memos = &pool;
    /* A first run: 20 cameras learn a challenge; all 20 are saved. */
    for (int i = 0; i < 20; i++)
        cam_set_auth_memo(&f, &f.cams[i], (const uint8_t *)"realm-nonce", 11);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(fleet_save_auth_hints(&f, b), 0);
    cr_assert_eq(store_batch_size(b), 20);
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    store_batch_clear(b);
    fleet_free(&f);

    /* The next run reads them back; one camera's nonce changes, one loses
     * its memo, one learns the same value again: two are saved. */
    cr_assert_eq(fleet_load(&f, s), 0);
    f.memos = &pool;
    cr_assert_eq(fleet_load_auth_hints(&f, s), 0);
    size_t len;
    cr_assert_not_null(cam_auth_memo(&f.cams[3], &len));
    cr_assert_eq(len, 11);
    cam_set_auth_memo(&f, &f.cams[0], (const uint8_t *)"realm-other", 11);
    cam_set_auth_memo(&f, &f.cams[1], NULL, 0);
    cam_set_auth_memo(&f, &f.cams[2], (const uint8_t *)"realm-nonce", 11);
    cr_assert_eq(fleet_save_auth_hints(&f, b), 0);
    cr_assert_eq(store_batch_size(b), 2);
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
    fleet_free(&f);

    struct store_read *r;
    int n = 0;
    cr_assert_eq(store_read_begin(s, &r), 0);
    cr_assert_eq(store_auth_hints_scan(r, count_hint, &n), 0);
    store_read_end(&r);
    cr_assert_eq(n, 19, "the forgotten memo is gone from the index, the others stay");
    slot_pool_free(&pool);
    store_close(&s);
    testutil_rmdir(dir);
}

/* Start offsets follow the key order (neighbours in the index are probed
 * one after the other, so a commit's updates share pages), spread evenly
 * over the whole interval. */
Test(fleet, spread_is_in_key_order_and_even)
{
    const uint32_t interval = 60000;
    const size_t n = 1000000;
    uint32_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t off = fleet_spread(i, n, interval);
        cr_assert_lt(off, interval, "camera %zu", i);
        cr_assert_geq(off, prev, "camera %zu before its predecessor", i);
        prev = off;
    }
    cr_expect_eq(fleet_spread(0, n, interval), 0);
    cr_expect_eq(fleet_spread(n / 2, n, interval), interval / 2);
    cr_expect_geq(fleet_spread(n - 1, n, interval), interval - 1);
    /* A fleet smaller than the interval's milliseconds spreads as well. */
    cr_expect_eq(fleet_spread(3, 4, interval), 45000);
    cr_expect_eq(fleet_spread(0, 0, interval), 0);
}
