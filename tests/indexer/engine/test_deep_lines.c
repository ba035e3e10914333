/* Tests for the deep workers' lines and their pick
 * (indexer/engine/deep_lines.c): first in first out, each camera once per
 * line, no line starved, shares kept. Workers are simulated: "a look ends"
 * is a call, so nothing here depends on time or on the machine. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

#include "engine/deep_lines.h"

/* A simulated pool of `slots` workers: which line each running look came
 * from, so the test can end any of them. */
struct sim {
    struct deep_lines dl;
    int running[64];
    size_t n;
    uint32_t next_cam[DEEP_LINE_COUNT];
};

/* Fills every free worker through the pick; returns how many started. */
static int fill(struct sim *s, size_t slots)
{
    int started = 0;
    uint32_t cam;
    int line;
    while (s->n < slots && (line = deep_lines_take(&s->dl, &cam)) >= 0) {
        s->running[s->n++] = line;
        started++;
    }
    return started;
}

/* Ends the look in worker k. */
static void end(struct sim *s, size_t k)
{
    deep_lines_done(&s->dl, s->running[k]);
    s->running[k] = s->running[--s->n];
}

/* Keeps `line` holding at least `want` cameras, pushing new ones: the
 * diagnosis line's cameras are 0.., the liveness line's 50000.. */
static void keep_waiting(struct sim *s, enum deep_line line, size_t want)
{
    while (s->dl.len[line] < want) {
        uint32_t cam = (line == DEEP_LINE_LIVENESS ? 50000 : 0) + s->next_cam[line]++ % 50000;
        cr_assert_eq(deep_lines_push(&s->dl, line, cam), 0);
    }
}

static uint32_t lcg(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return *x >> 8;
}

Test(deep_lines, each_line_is_first_in_first_out)
{
    struct deep_lines dl = {0};
    cr_assert_eq(deep_lines_reset(&dl, 100), 0);
    for (uint32_t c = 10; c < 20; c++)
        cr_assert_eq(deep_lines_push(&dl, DEEP_LINE_DIAGNOSIS, c), 0);
    for (uint32_t want = 10; want < 20; want++) {
        uint32_t cam = 0;
        cr_assert_eq(deep_lines_take(&dl, &cam), DEEP_LINE_DIAGNOSIS);
        cr_expect_eq(cam, want, "cameras leave in the order they came");
        cr_expect_not(deep_lines_is_waiting(&dl, DEEP_LINE_DIAGNOSIS, cam));
    }
    uint32_t cam = 7;
    cr_expect_eq(deep_lines_take(&dl, &cam), -1, "nothing waits");
    cr_expect_eq(cam, 7, "and no camera is handed out");
    cr_expect_eq(dl.in_flight[DEEP_LINE_DIAGNOSIS], 10);
    deep_lines_free(&dl);
}

Test(deep_lines, a_camera_waits_once_per_line_so_lines_stay_within_the_fleet)
{
    struct deep_lines dl = {0};
    enum { FLEET = 500 };
    cr_assert_eq(deep_lines_reset(&dl, FLEET), 0);
    /* Every camera pushed into both lines three times over. */
    for (int round = 0; round < 3; round++)
        for (uint32_t c = 0; c < FLEET; c++)
            for (int l = 0; l < DEEP_LINE_COUNT; l++) {
                int rc = deep_lines_push(&dl, l, c);
                cr_assert_eq(rc, round ? -EEXIST : 0, "round %d camera %u line %d", round, c, l);
            }
    cr_expect_eq(dl.len[DEEP_LINE_LIVENESS], FLEET);
    cr_expect_eq(dl.len[DEEP_LINE_DIAGNOSIS], FLEET);
    cr_expect_eq(deep_lines_waiting(&dl), 2 * FLEET);
    cr_expect_eq(deep_lines_push(&dl, DEEP_LINE_LIVENESS, FLEET), -ERANGE);
    /* A camera that left its line may come back, at the end. */
    uint32_t cam;
    int line = deep_lines_take(&dl, &cam);
    cr_assert_geq(line, 0);
    cr_expect_eq(deep_lines_push(&dl, line, cam), 0);
    cr_expect_eq(dl.len[line], FLEET);
    /* The rings wrap: taken and put back many times over, each camera
     * still waits once in each line. */
    for (int i = 0; i < 3 * FLEET; i++) {
        uint32_t c;
        int l = deep_lines_take(&dl, &c);
        cr_assert_geq(l, 0);
        cr_assert_eq(deep_lines_push(&dl, l, c), 0);
    }
    cr_expect_eq(deep_lines_waiting(&dl), 2 * FLEET);
    static uint8_t seen[FLEET];
    uint32_t c;
    while ((line = deep_lines_take(&dl, &c)) >= 0)
        seen[c] |= (uint8_t)(1u << line);
    for (uint32_t k = 0; k < FLEET; k++)
        cr_expect_eq(seen[k], 3, "camera %u", k);
    deep_lines_free(&dl);
}

Test(deep_lines, reset_empties_the_lines_and_keeps_the_share)
{
    struct deep_lines dl = {0};
    deep_lines_set_share(&dl, 70);
    cr_assert_eq(deep_lines_reset(&dl, 10), 0);
    cr_assert_eq(deep_lines_push(&dl, DEEP_LINE_LIVENESS, 3), 0);
    cr_assert_eq(deep_lines_push(&dl, DEEP_LINE_DIAGNOSIS, 4), 0);
    cr_assert_eq(deep_lines_reset(&dl, 2000), 0);
    cr_expect_eq(deep_lines_waiting(&dl), 0);
    cr_expect_not(deep_lines_is_waiting(&dl, DEEP_LINE_LIVENESS, 3));
    cr_expect_eq(deep_lines_push(&dl, DEEP_LINE_DIAGNOSIS, 4), 0, "not waiting any more");
    cr_expect_eq(deep_lines_push(&dl, DEEP_LINE_DIAGNOSIS, 1999), 0, "room for the new fleet");
    cr_expect_eq(dl.weight[DEEP_LINE_DIAGNOSIS], 70);
    cr_expect_eq(dl.weight[DEEP_LINE_LIVENESS], 30);
    deep_lines_set_share(&dl, 0);
    cr_expect_eq(dl.weight[DEEP_LINE_DIAGNOSIS], 1, "neither line's weight can be zero");
    deep_lines_set_share(&dl, 100);
    cr_expect_eq(dl.weight[DEEP_LINE_LIVENESS], 1);
    deep_lines_free(&dl);
}

/* The failure this replaces: a long line of liveness looks went ahead of
 * every diagnosis and never emptied. Here the liveness line is never
 * empty and holds every worker; a diagnosis that comes gets the very next
 * worker that frees, at any share. */
Test(deep_lines, a_full_line_cannot_starve_the_other)
{
    for (uint32_t share = 1; share <= 99; share += 7) {
        struct sim s = {0};
        deep_lines_set_share(&s.dl, share);
        cr_assert_eq(deep_lines_reset(&s.dl, 100000), 0);
        enum { SLOTS = 32 };
        keep_waiting(&s, DEEP_LINE_LIVENESS, 1000);
        fill(&s, SLOTS);
        cr_assert_eq(s.dl.in_flight[DEEP_LINE_LIVENESS], SLOTS, "an idle line lends its workers");
        cr_assert_eq(deep_lines_push(&s.dl, DEEP_LINE_DIAGNOSIS, 7), 0);
        end(&s, 0);
        keep_waiting(&s, DEEP_LINE_LIVENESS, 1000);
        fill(&s, SLOTS);
        cr_expect_eq(s.dl.in_flight[DEEP_LINE_DIAGNOSIS], 1, "share %u%%", share);
        cr_expect_eq(s.dl.len[DEEP_LINE_DIAGNOSIS], 0);
        deep_lines_free(&s.dl);
    }
}

/* Both lines have nothing running and cameras waiting (say at start, or
 * one worker in all): whatever the shares, neither is passed over twice in
 * a row. */
Test(deep_lines, with_one_worker_the_lines_alternate)
{
    for (uint32_t share = 1; share <= 99; share += 49) {
        struct sim s = {0};
        deep_lines_set_share(&s.dl, share);
        cr_assert_eq(deep_lines_reset(&s.dl, 100000), 0);
        int got[DEEP_LINE_COUNT] = {0}, prev = -1;
        for (int i = 0; i < 200; i++) {
            keep_waiting(&s, DEEP_LINE_LIVENESS, 10);
            keep_waiting(&s, DEEP_LINE_DIAGNOSIS, 10);
            cr_assert_eq(fill(&s, 1), 1);
            int line = s.running[0];
            cr_expect_neq(line, prev, "share %u%%: look %d went to the same line again", share, i);
            prev = line;
            got[line]++;
            end(&s, 0);
        }
        cr_expect_eq(got[DEEP_LINE_LIVENESS], 100);
        cr_expect_eq(got[DEEP_LINE_DIAGNOSIS], 100);
        deep_lines_free(&s.dl);
    }
}

/* Both lines always have cameras waiting; looks end in an arbitrary
 * (pseudo-random, fixed) order. After the workers first fill, each line
 * holds its share of them to within one look. */
Test(deep_lines, shares_are_kept_while_both_lines_wait)
{
    static const size_t slot_counts[] = {2, 4, 7, 16, 32, 64};
    static const uint32_t shares[] = {10, 25, 50, 60, 75, 90};
    for (size_t si = 0; si < sizeof(slot_counts) / sizeof(*slot_counts); si++)
        for (size_t pi = 0; pi < sizeof(shares) / sizeof(*shares); pi++) {
            size_t slots = slot_counts[si];
            uint32_t share = shares[pi];
            struct sim s = {0};
            deep_lines_set_share(&s.dl, share);
            cr_assert_eq(deep_lines_reset(&s.dl, 100000), 0);
            uint32_t x = (uint32_t)(slots * 131 + share);
            double want = (double)slots * share / 100.0;
            for (int step = 0; step < 5000; step++) {
                keep_waiting(&s, DEEP_LINE_LIVENESS, 64);
                keep_waiting(&s, DEEP_LINE_DIAGNOSIS, 64);
                fill(&s, slots);
                cr_assert_eq(s.n, slots);
                double d = s.dl.in_flight[DEEP_LINE_DIAGNOSIS];
                cr_assert(d >= want - 1 && d <= want + 1,
                          "%zu workers, share %u%%: %g diagnoses running at step %d (want %g)",
                          slots, share, d, step, want);
                cr_assert_eq(s.dl.in_flight[DEEP_LINE_DIAGNOSIS] +
                                 s.dl.in_flight[DEEP_LINE_LIVENESS],
                             slots);
                end(&s, lcg(&x) % s.n);
            }
            deep_lines_free(&s.dl);
        }
}

/* A line whose cameras came while the other held every worker takes each
 * worker that frees until it has its share, then the share holds. */
Test(deep_lines, a_line_that_starts_waiting_reaches_its_share)
{
    struct sim s = {0};
    deep_lines_set_share(&s.dl, 50);
    cr_assert_eq(deep_lines_reset(&s.dl, 100000), 0);
    enum { SLOTS = 16 };
    keep_waiting(&s, DEEP_LINE_DIAGNOSIS, 100);
    fill(&s, SLOTS);
    cr_assert_eq(s.dl.in_flight[DEEP_LINE_DIAGNOSIS], SLOTS);
    keep_waiting(&s, DEEP_LINE_LIVENESS, 100);
    for (int i = 1; i <= SLOTS / 2; i++) {
        /* Diagnoses end, one at a time. */
        size_t k = 0;
        while (s.running[k] != DEEP_LINE_DIAGNOSIS)
            k++;
        end(&s, k);
        fill(&s, SLOTS);
        cr_expect_eq(s.dl.in_flight[DEEP_LINE_LIVENESS], (uint32_t)i);
    }
    for (int i = 0; i < 100; i++) {
        end(&s, (size_t)i % SLOTS);
        keep_waiting(&s, DEEP_LINE_LIVENESS, 100);
        keep_waiting(&s, DEEP_LINE_DIAGNOSIS, 100);
        fill(&s, SLOTS);
        cr_expect_eq(s.dl.in_flight[DEEP_LINE_LIVENESS], SLOTS / 2);
    }
    deep_lines_free(&s.dl);
}
