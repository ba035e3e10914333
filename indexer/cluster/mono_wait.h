/* Timed waits of the cluster's threads on the monotonic clock, so that a
 * change of the wall clock (NTP stepping it) neither cuts a wait short nor
 * stretches it: the condition's clock, and a deadline `ms` from now on it.
 * The prober's publisher and a zone's reader wait so. */
#ifndef CAMDEX_CLUSTER_MONO_WAIT_H
#define CAMDEX_CLUSTER_MONO_WAIT_H

#include <pthread.h>
#include <time.h>

/* pthread_cond_init with CLOCK_MONOTONIC: 0 or a negative errno. */
int mono_cond_init(pthread_cond_t *cond);
/* The monotonic time `ms` (>= 0) from now, for pthread_cond_timedwait. */
void mono_deadline(struct timespec *ts, int ms);

#endif
