/* The health state machine; see health.h. */
#include <assert.h>
#include <string.h>

#include "engine/health.h"

uint8_t health_reason_from_name(const char *name)
{
    enum probe_reason r;
    return name && *name && probe_reason_from_name(name, &r) == 0 ? (uint8_t)r : PROBE_R_NONE;
}

void health_mem_from_store(struct health_mem *m, const struct store_health *h)
{
    memset(m, 0, sizeof(*m));
    m->state = h->state;
    m->reason = health_reason_from_name(h->reason);
    /* Only a deep look makes a camera degraded: its verdict is the reason. */
    m->picture = h->state == STORE_DEGRADED ? m->reason : PROBE_R_NONE;
    m->consec_fail = (uint16_t)(h->consec_fail > UINT16_MAX ? UINT16_MAX : h->consec_fail);
    m->consec_ok = (uint16_t)(h->consec_ok > UINT16_MAX ? UINT16_MAX : h->consec_ok);
    m->last_success = h->last_success;
    m->flapping = h->flapping;
}

/* Records a transition and re-evaluates flapping: flagged when the window
 * holds flap_threshold transitions, cleared when it holds fewer than half. */
static void note_transition(const struct health_cfg *cfg, struct health_mem *m, int64_t now_ms)
{
    uint32_t n = cfg->flap_threshold < 2 ? 2
               : cfg->flap_threshold > HEALTH_FLAP_MAX ? HEALTH_FLAP_MAX : cfg->flap_threshold;
    uint32_t now_s = (uint32_t)(now_ms / 1000);
    m->flap_ring[m->flap_head] = now_s ? now_s : 1;
    m->flap_head = (uint8_t)((m->flap_head + 1) % n);
    uint32_t inside = 0, window_s = cfg->flap_window_ms / 1000;
    for (uint32_t i = 0; i < n; i++)
        if (m->flap_ring[i] && now_s - m->flap_ring[i] < window_s)
            inside++;
    if (inside >= n)
        m->flapping = true;
    else if (inside < n / 2)
        m->flapping = false;
}

static uint8_t target_of(const struct probe_result *r)
{
    return r->state == PROBE_ONLINE ? STORE_ONLINE
         : r->state == PROBE_DEGRADED ? STORE_DEGRADED : STORE_OFFLINE;
}

void health_step(const struct health_cfg *cfg, struct health_mem *m,
                 const struct probe_result *r, bool deep, int64_t now_ms,
                 struct health_step *out)
{
    assert(m->state < STORE_STATE_COUNT);
    memset(out, 0, sizeof(*out));
    out->from = out->to = m->state;
    bool success = r->state != PROBE_OFFLINE;
    if (success) {
        m->consec_ok = m->consec_ok < UINT16_MAX ? m->consec_ok + 1 : UINT16_MAX;
        m->consec_fail = 0;
        m->last_success = now_ms;
    } else {
        m->consec_fail = m->consec_fail < UINT16_MAX ? m->consec_fail + 1 : UINT16_MAX;
        m->consec_ok = 0;
        out->auth_backoff = r->reason == PROBE_R_AUTH_FAILED;
    }
    if (m->state == STORE_MAINTENANCE)
        return; /* counted, never acted on: operations own this state */

    uint8_t next = m->state, reason = m->reason;
    uint8_t target = target_of(r);
    uint8_t why = (uint8_t)r->reason;
    if (deep && success)
        m->picture = r->state == PROBE_DEGRADED ? (uint8_t)r->reason : PROBE_R_NONE;
    else if (success && m->picture != PROBE_R_NONE) {
        /* A handshake cannot see the picture: the last verdict stands. */
        target = STORE_DEGRADED;
        why = m->picture;
    }
    switch (m->state) {
    case STORE_UNKNOWN:
        /* Nothing to protect yet: a success is believed at once; failures
         * still need fail_threshold, so one lost packet does not page anyone. */
        if (success) {
            next = target;
            reason = why;
        } else if (m->consec_fail >= cfg->fail_threshold) {
            next = STORE_OFFLINE;
            reason = (uint8_t)r->reason;
        } else {
            out->recheck = true;
        }
        break;
    case STORE_ONLINE:
    case STORE_DEGRADED:
        if (!success) {
            if (m->consec_fail >= cfg->fail_threshold) {
                next = STORE_OFFLINE;
                reason = (uint8_t)r->reason;
            } else {
                out->recheck = true;
            }
        } else if (deep) {
            next = target; /* only a deep look judges the picture */
            reason = (uint8_t)r->reason;
        } else if (m->state == STORE_ONLINE) {
            reason = PROBE_R_NONE;
        }
        break;
    case STORE_OFFLINE:
        if (!success) {
            reason = (uint8_t)r->reason; /* the latest cause is the useful one */
        } else if (m->consec_ok >= cfg->recover_threshold) {
            next = target;
            reason = why;
        } else {
            out->recheck = true;
        }
        break;
    default:
        break;
    }
    m->reason = next == STORE_ONLINE ? PROBE_R_NONE : reason;
    /* A probe never puts a camera into maintenance or back to unknown:
     * operations and a new camera do that. */
    assert(next == m->state || next == STORE_ONLINE || next == STORE_DEGRADED ||
           next == STORE_OFFLINE);
    if (next != m->state) {
        m->state = next;
        out->changed = true;
        out->to = next;
        note_transition(cfg, m, now_ms);
    }
}

void health_to_store(const struct health_mem *m, const struct probe_result *r, int64_t now_ms,
                     struct store_health *h)
{
    memset(h, 0, sizeof(*h));
    h->state = m->state;
    h->reason = m->state == STORE_ONLINE || m->state == STORE_UNKNOWN
                    ? ""
                : m->state == STORE_MAINTENANCE ? "maintenance"
                                                : probe_reason_name(m->reason);
    /* The detail explains the stored state: it follows a result that speaks
     * to that state, and is kept (NULL) when this result cannot, as when a
     * handshake succeeds on a degraded camera or one under maintenance. */
    bool speaks = m->state == STORE_OFFLINE ? r->state == PROBE_OFFLINE
                : m->state == STORE_DEGRADED ? r->state == PROBE_DEGRADED
                                             : m->state != STORE_MAINTENANCE;
    h->detail = m->state == STORE_ONLINE ? "" : speaks ? r->detail : NULL;
    h->last_probe = now_ms;
    h->last_success = m->last_success;
    h->consec_fail = m->consec_fail;
    h->consec_ok = m->consec_ok;
    h->flapping = m->flapping;
    h->rtsp_status = (int16_t)r->rtsp_status;
    uint64_t total = 0;
    for (int i = 0; i < PROBE_PH_COUNT; i++)
        total += r->phase_us[i];
    h->latency_us = (uint32_t)(total > UINT32_MAX ? UINT32_MAX : total);
    h->media.codec = r->video.codec ? probe_codec_name(r->video.codec) : "";
    h->media.profile = r->video.profile;
    h->media.audio = r->audio_codec ? probe_codec_name(r->audio_codec) : "";
    h->media.server = r->server;
    h->media.width = r->video.width;
    h->media.height = r->video.height;
    h->media.fps_milli = r->video.fps_milli;
    h->media.bitrate_kbps = r->video.bitrate / 1000;
}
