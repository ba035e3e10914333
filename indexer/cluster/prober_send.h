/* What a prober sends, message by message: its inventory, its events after
 * the cursor, a health snapshot, a heartbeat. Each publish waits for
 * JetStream's acknowledgement, so a message is either stored in the
 * stream or reported failed (and sent again in a later round). */
#ifndef CAMDEX_CLUSTER_PROBER_SEND_H
#define CAMDEX_CLUSTER_PROBER_SEND_H

#include <nats/nats.h>
#include <pthread.h>
#include <stdint.h>

#include "base/config.h"
#include "cluster/cluster.h"
#include "store.h"

#define PROBER_MSG_ITEMS 500 /* records per message (under WIRE_ITEMS_MAX) */

struct prober_send {
    struct store *store;
    natsConnection *nc;
    jsCtx *js;
    char zone[33];
    int replicas;
    uint32_t heartbeat_ms, snapshot_ms;
    uint64_t cursor; /* the last event key acknowledged */
    int64_t next_heartbeat;
    int64_t started_ms;
    bool pic_failed_logged; /* the publisher thread's: said once per failing run */
    pthread_mutex_t stats_lock;
    struct cluster_prober_stats st;
};

int64_t cluster_now_ms(void);
void prober_send_init(struct prober_send *ps, const struct config *cfg, struct store *store);
void prober_send_free(struct prober_send *ps);
/* Each: 0 when everything went out acknowledged, or a negative errno. */
int prober_send_inventory(struct prober_send *ps);
int prober_send_events(struct prober_send *ps); /* moves ps->cursor */
int prober_send_health(struct prober_send *ps);
int prober_send_heartbeat(struct prober_send *ps);
/* A heartbeat when one is due: also between the messages of a long
 * snapshot, so that a big zone is never taken for a silent one. */
int prober_send_heartbeat_if_due(struct prober_send *ps);
void prober_send_stats(struct prober_send *ps, struct cluster_prober_stats *st);

#endif
