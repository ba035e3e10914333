/* A zone's reader at the central: a thread that fetches the zone's next
 * messages from its durable consumer and decodes them while the zone's
 * thread applies and commits the previous fetch. Decoding is about half
 * of the central's work per record (tests/bench/README.md#cluster), so
 * with the two overlapped both cores work on one zone.
 *
 * At most one decoded fetch waits to be taken, and one more is being
 * read: with the one being applied, three fetches are unacknowledged at
 * a time, under the consumer's MaxAckPending (CENTRAL_PIPE_ACK_PENDING).
 * Fetches hand over in stream order; acknowledging stays with the zone's
 * thread, after its commit. */
#ifndef CAMDEX_CLUSTER_CENTRAL_PIPE_H
#define CAMDEX_CLUSTER_CENTRAL_PIPE_H

#include <nats/nats.h>
#include <stdint.h>

#include "cluster/wire.h"

#define CENTRAL_PIPE_BATCH       256       /* messages a fetch asks for at most */
#define CENTRAL_PIPE_BYTES       (4 << 20) /* bytes a fetch asks for (one message over at most) */
#define CENTRAL_PIPE_ACK_PENDING (4 * CENTRAL_PIPE_BATCH)

/* One fetch, decoded: message i is msg[i] when rc[i] is 0, else refused
 * with rc[i] and the reason in err[i]. */
struct central_fetch {
    natsMsgList list;
    int n;
    struct wire_msg *msg;
    int *rc;
    uint64_t *seq; /* stream sequence, 0 when the client gave none */
    /* Messages the stream held for the consumer after this fetch's last:
     * more than 0 while the central is behind the zone. */
    uint64_t pending;
    char (*err)[256];
};

struct central_pipe;

/* Starts the reader over `sub` (a pull subscription nobody else fetches
 * from); each fetch waits up to wait_ms for messages. 0 or -errno. */
int central_pipe_start(natsSubscription *sub, int wait_ms, struct central_pipe **out);
/* The next decoded fetch, waiting up to wait_ms: 0 and *out (give it back
 * with central_pipe_release), or -ETIMEDOUT with *out NULL. */
int central_pipe_take(struct central_pipe *p, int wait_ms, struct central_fetch **out);
/* Frees a fetch taken (acknowledge it before, if it was applied). */
void central_pipe_release(struct central_fetch **f);
/* Stops and joins the reader, frees what it holds (not acknowledged:
 * JetStream delivers it again). The subscription stays the caller's. */
void central_pipe_stop(struct central_pipe **p);

#endif
