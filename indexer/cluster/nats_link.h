/* One NATS connection from [cluster]: servers, credentials, TLS, and a
 * client that reconnects for ever in the background. Each of the NATS C
 * client's status codes is mapped to a negative errno here, once. */
#ifndef CAMDEX_CLUSTER_NATS_LINK_H
#define CAMDEX_CLUSTER_NATS_LINK_H

#include <nats/nats.h>
#include <stddef.h>

#include "base/config.h"

/* Connects (or, when no server answers yet, keeps trying in the
 * background: the connection then reports itself not connected). 0, or a
 * negative errno with a sentence in err (bad URL, unreadable credentials). */
int nats_link_open(const struct config *cfg, const char *name, natsConnection **nc, jsCtx **js,
                   char *err, size_t errlen);
void nats_link_close(natsConnection **nc, jsCtx **js);
int nats_link_err(natsStatus s);
/* Creates the zone's stream if it does not exist: 0 or a negative errno. */
int nats_link_ensure_stream(jsCtx *js, const char *zone, int replicas, char *err, size_t errlen);

#endif
