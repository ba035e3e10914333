/* Zone probers and one central index on NATS JetStream ([cluster] role).
 *
 * A prober publishes, from a thread of its own, what its index committed:
 * its inventory (URLs redacted), every transition by event key, health
 * snapshots and heartbeats, into its zone's stream CAMDEX_<zone>; the
 * newest event key JetStream acknowledged is kept in its index, so a
 * prober that could not reach NATS catches up from there.
 *
 * The central reads each configured zone through a durable pull consumer
 * into its own index: one commit per message, with the stream sequence and
 * the zone's last event key in the same commit, so a redelivered message
 * changes nothing. A zone whose heartbeat is older than stale_after is
 * stale: its cameras show unknown, reason prober_lost, until it is heard
 * again. */
#ifndef CAMDEX_CLUSTER_H
#define CAMDEX_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "inventory/import.h"
#include "store.h"

/* The index's meta keys. */
#define CLUSTER_META_ACKED   "cluster.acked"    /* a prober: the last event key NATS acknowledged */
#define CLUSTER_META_CENTRAL IMPORT_CENTRAL_KEY /* a central: its zones, comma-separated */

struct cluster_prober;
struct cluster_central;

/* A prober's counters (any thread). */
struct cluster_prober_stats {
    uint64_t events_sent, health_sent, cameras_sent, heartbeats_sent;
    uint64_t publish_failures; /* batches NATS did not acknowledge (sent again) */
    uint64_t acked_key;        /* the last event key NATS acknowledged */
    bool connected;
};

/* Starts the publisher thread (cfg role prober). 0, or a negative errno
 * with a sentence in err. NATS being unreachable is not an error: the
 * thread keeps trying and catches up. */
int cluster_prober_start(const struct config *cfg, struct store *store, struct cluster_prober **out,
                         char *err, size_t errlen);
/* Events were committed: publish them now (any thread; coalesced). */
void cluster_prober_notify(struct cluster_prober *p);
void cluster_prober_get_stats(struct cluster_prober *p, struct cluster_prober_stats *st);
void cluster_prober_stop(struct cluster_prober **p);

/* A zone as the central sees it (any thread). */
struct cluster_zone_stats {
    char zone[33];
    bool stale;
    int64_t last_heartbeat_ms; /* sent time of the newest heartbeat, 0 = none */
    uint64_t last_key;         /* the prober's newest event key applied */
    uint64_t messages, applied, duplicates;
    uint64_t refused;        /* messages refused: do not decode, break a rule */
    uint64_t claims_refused; /* cameras claimed by another zone first */
};

/* Called after each commit that stored events (from a zone's thread). */
typedef void (*cluster_commit_cb)(void *data);

int cluster_central_start(const struct config *cfg, struct store *store,
                          cluster_commit_cb on_commit, void *data, struct cluster_central **out,
                          char *err, size_t errlen);
/* Copies up to cap zones' counters; returns how many zones there are. */
size_t cluster_central_get_stats(struct cluster_central *c, struct cluster_zone_stats *out,
                                 size_t cap);
void cluster_central_stop(struct cluster_central **c);

/* The cluster's /metrics series of a prober (p, its zone) or a central
 * (c), as Prometheus text; malloc'd, NULL when there is nothing or no
 * memory. Any thread. */
char *cluster_metrics_text(struct cluster_prober *p, const char *zone, struct cluster_central *c);

/* The central's zones of an index (its meta), for a refused import:
 * 0 and the list, or -ENOENT when the index is not a central's. */
int cluster_central_zones(struct store *store, char *out, size_t outlen);

#endif
