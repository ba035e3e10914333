/* Prometheus metrics of `camdex serve` in the text exposition format
 * (version 0.0.4): the index's counters per unit and state, the monitor's
 * live counters, LMDB's map. */
#ifndef CAMDEX_METRICS_H
#define CAMDEX_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/monitor.h"
#include "notify/notifier.h"
#include "store.h"

struct metrics_out {
    char *buf; /* malloc'd; the caller frees */
    size_t len, cap;
    int err; /* first error (-ENOMEM) */
};

struct metrics_opts {
    bool per_camera; /* one series per camera too ([metrics] per_camera) */
    int64_t now_ms;  /* wall clock, for offline durations */
};

/* Renders every metric into `out` (zeroed by the caller). `st` may be NULL
 * when the monitor has not published counters yet. Returns 0 or a negative
 * errno (the store's, or -ENOMEM). */
int metrics_render(struct store *store, const struct monitor_stats *st, double stats_age_s,
                   const struct metrics_opts *opts, struct metrics_out *out);

/* Appends the webhooks' series (none when n is 0): deliveries by result,
 * events delivered, last success, and how far behind each one is. */
void metrics_render_webhooks(const struct notifier_webhook_stats *w, size_t n, int64_t now_ms,
                             struct metrics_out *out);

#endif
