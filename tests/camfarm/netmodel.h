/* camfarm's network model: what loopback does not do and a city's network
 * does. A round trip of latency (with jitter) before each reply and before a
 * connection's first byte, a think time per reply (a camera's firmware
 * composing it), and a share of connections lost without a word. Pure
 * functions over a seeded generator, so a run is reproducible. */
#ifndef CAMFARM_NETMODEL_H
#define CAMFARM_NETMODEL_H

#include <stdbool.h>
#include <stdint.h>

#define NET_DELAY_MAX_MS 600000 /* any one figure: ten minutes */

struct net_model {
    uint32_t latency_ms, jitter_ms;      /* a round trip: latency ± jitter, uniform */
    uint32_t think_min_ms, think_max_ms; /* per reply, uniform */
    uint32_t loss_ppm;                   /* connections lost, parts per million */
    uint64_t seed;
};

/* True when the model changes anything (all zero: loopback as it is). */
bool net_model_active(const struct net_model *m);

/* "MS" or "MS:JITTER" (jitter at most MS). Returns 0 or -EINVAL. */
int net_model_parse_latency(struct net_model *m, const char *s);
/* "MS" or "MIN:MAX". Returns 0 or -EINVAL. */
int net_model_parse_think(struct net_model *m, const char *s);
/* A share of connections: "0.005" or "0.5%", at most 1. Returns 0 or -EINVAL. */
int net_model_parse_loss(struct net_model *m, const char *s);

/* One round trip, drawn from *rng: latency ± jitter, never below 0. */
uint32_t net_model_rtt_ms(const struct net_model *m, uint64_t *rng);
/* One think time, drawn from *rng. */
uint32_t net_model_think_ms(const struct net_model *m, uint64_t *rng);
/* Whether connection number n (counted from 0 since start) is lost: fixed
 * by (seed, n) alone, so a share holds whatever order connections come in. */
bool net_model_lost(const struct net_model *m, uint64_t n);

#endif
