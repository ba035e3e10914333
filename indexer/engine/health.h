/* The health state machine: what one probe result does to a camera's state,
 * with hysteresis (fail_threshold / recover_threshold), quick re-checks and
 * flapping detection. Pure: no I/O, no clock; the caller passes the time. */
#ifndef CAMDEX_HEALTH_H
#define CAMDEX_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "probe_result.h"
#include "store.h"

/* Transitions a camera remembers for flap detection: the highest
 * flap_threshold the configuration accepts (see CONFIG_FLAP_MAX). */
#define HEALTH_FLAP_MAX CONFIG_FLAP_MAX

struct health_cfg {
    uint32_t fail_threshold;    /* consecutive failures before offline (>= 1) */
    uint32_t recover_threshold; /* consecutive successes before back online (>= 1) */
    uint32_t flap_window_ms;
    uint32_t flap_threshold;    /* transitions inside the window that mean flapping */
};

/* What the service keeps per camera between probes. */
struct health_mem {
    uint8_t state;  /* enum store_state */
    uint8_t reason; /* enum probe_reason behind a non-online state */
    /* The last deep look's verdict on the picture: the reason it found the
     * camera degraded for, PROBE_R_NONE when it found nothing (or none came
     * yet). It stands until the next deep look: a handshake that brings a
     * camera back cannot see the picture, so it brings it back degraded. */
    uint8_t picture;
    bool flapping;
    uint8_t flap_head;
    uint16_t consec_fail, consec_ok;
    int64_t last_success; /* ms, 0 = never */
    /* Transition times, seconds since flap_base: a ring of flap_threshold. */
    uint32_t flap_ring[HEALTH_FLAP_MAX];
};

/* What a step decided. */
struct health_step {
    uint8_t from, to;   /* states before and after */
    bool changed;       /* a transition happened */
    bool recheck;       /* a first failure (or a first success while offline):
                         * probe again soon instead of after a full interval */
    bool auth_backoff;  /* the camera refused our credentials: wait before retrying */
};

/* Starts a camera's memory from what the index holds (after a restart). */
void health_mem_from_store(struct health_mem *m, const struct store_health *h);

/* The one transition function. `deep` tells a tier-2 result (which may judge
 * picture quality) from a tier-1 handshake (which cannot, so it never clears
 * a degraded state by itself, and a camera it brings back from offline
 * comes back with the last deep look's verdict). Maintenance swallows
 * results. */
void health_step(const struct health_cfg *cfg, struct health_mem *m,
                 const struct probe_result *r, bool deep, int64_t now_ms,
                 struct health_step *out);

/* Fills `h` (strings point into `r` and static tables) with what the index
 * should store after the step. */
void health_to_store(const struct health_mem *m, const struct probe_result *r, int64_t now_ms,
                     struct store_health *h);

/* Maps the stored reason name back to the enum; PROBE_R_NONE if unknown. */
uint8_t health_reason_from_name(const char *name);

#endif
