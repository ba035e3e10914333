/* indexer/cluster/mono_wait.c: a deadline lies `ms` ahead on the monotonic
 * clock, normalised, and a condition made by mono_cond_init times out on
 * that clock, not before the deadline. */
#include <criterion/criterion.h>
#include <errno.h>

#include "cluster/mono_wait.h"

static int64_t ms_between(const struct timespec *a, const struct timespec *b)
{
    return (int64_t)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

Test(mono_wait, a_deadline_lies_ms_ahead_on_the_monotonic_clock)
{
    static const int cases[] = {0, 1, 999, 1000, 1500, 86400000};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct timespec before, until;
        clock_gettime(CLOCK_MONOTONIC, &before);
        mono_deadline(&until, cases[i]);
        cr_assert(until.tv_nsec >= 0 && until.tv_nsec < 1000000000L, "%ld ns", until.tv_nsec);
        int64_t ahead = ms_between(&before, &until);
        /* At least ms ahead of the time before the call; the upper side is
         * generous: a loaded machine may stall between the two readings. */
        cr_assert_geq(ahead, cases[i], "%d ms: %lld", cases[i], (long long)ahead);
        cr_assert_lt(ahead, (int64_t)cases[i] + 60000, "%d ms: %lld", cases[i], (long long)ahead);
    }
}

Test(mono_wait, a_timed_wait_ends_at_its_deadline_and_not_before)
{
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond;
    cr_assert_eq(mono_cond_init(&cond), 0);
    struct timespec until, now;
    mono_deadline(&until, 50);
    pthread_mutex_lock(&lock);
    int rc;
    do /* a spurious wake-up waits again */
        rc = pthread_cond_timedwait(&cond, &lock, &until);
    while (rc == 0);
    pthread_mutex_unlock(&lock);
    clock_gettime(CLOCK_MONOTONIC, &now);
    cr_assert_eq(rc, ETIMEDOUT);
    cr_assert_geq(ms_between(&until, &now), 0, "woke %lld ms early",
                  (long long)-ms_between(&until, &now));
    pthread_cond_destroy(&cond);
}
