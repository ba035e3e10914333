/* Webhooks of `camdex serve`: every [webhook NAME] receives the outage log
 * as signed JSON batches, at least once, in order, across restarts. The
 * notifier runs libcurl's multi interface on a libuv loop of its own
 * thread; each webhook is a cursor in the index (the last event its
 * receiver acknowledged), so nothing is queued in memory while a receiver
 * is down. */
#ifndef CAMDEX_NOTIFIER_H
#define CAMDEX_NOTIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "store.h"

struct notifier;

/* What /metrics shows of one webhook. */
struct notifier_webhook_stats {
    char name[CONFIG_WEBHOOK_NAME_MAX + 1];
    uint64_t delivered;        /* POSTs acknowledged (2xx) */
    uint64_t failed_status;    /* answered with another status */
    uint64_t failed_network;   /* no answer: connection, TLS or timeout */
    uint64_t events;           /* events acknowledged */
    int64_t last_success_ms;   /* 0 = never since start */
    int64_t oldest_pending_ms; /* time of the oldest unacknowledged event, 0 = none */
    uint32_t consecutive_failures;
};

/* Starts the thread when cfg has webhooks (*out NULL and 0 otherwise).
 * Each webhook resumes after its cursor in the index; a new one starts
 * after the newest event. Returns 0, or a negative errno with a sentence
 * in `err`. Call on the main thread. */
int notifier_start(const struct config *cfg, struct store *store, struct notifier **out, char *err,
                   size_t errlen);

/* Events were committed: read and send them. Any thread; coalesced.
 * Safe with NULL. */
void notifier_notify(struct notifier *n);

/* Copies up to `cap` webhooks' counters (any thread); returns how many. */
size_t notifier_get_stats(struct notifier *n, struct notifier_webhook_stats *out, size_t cap);

/* Abandons POSTs in flight (their events are sent again at the next start:
 * the cursor only moves on a 2xx), joins the thread, frees. Safe with NULL. */
void notifier_stop(struct notifier **n);

#endif
