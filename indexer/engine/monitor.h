/* The monitoring engine: schedules every camera of the index on the loop,
 * runs tier-1 probes within global and per-host caps, feeds results through
 * the health state machine into the writer, and re-reads the inventory on
 * demand. `camdex serve` runs it forever, `camdex sweep` for one pass. */
#ifndef CAMDEX_MONITOR_H
#define CAMDEX_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "base/config.h"
#include "engine/health.h"
#include "probe_result.h"
#include "store.h"

struct monitor;

/* Schedule lag histogram buckets (upper bounds in ms), for metrics. */
#define MONITOR_LAG_BUCKETS 10
extern const uint32_t monitor_lag_bounds[MONITOR_LAG_BUCKETS];
/* Probe phase and commit duration histogram buckets (upper bounds in µs). */
#define MONITOR_US_BUCKETS 12
extern const uint32_t monitor_us_bounds[MONITOR_US_BUCKETS];

/* A cumulative-later histogram: counts per bucket (the last one is beyond
 * every bound), their number and sum. */
struct monitor_hist {
    uint64_t bucket[MONITOR_US_BUCKETS + 1], count, sum_us;
};

struct monitor_stats {
    uint32_t cameras, queued, in_flight, max_in_flight, deep_in_flight;
    uint32_t deep_waiting; /* tier-2-only cameras due, waiting for a deep worker */
    uint32_t diagnoses_waiting; /* RTSP cameras due for a diagnosis, waiting for a worker */
    uint64_t deep_probes;
    uint64_t diagnoses; /* full deep looks ended: the picture diagnosed, or the try failed */
    uint32_t count[STORE_STATE_COUNT]; /* cameras per state, as the engine sees them */
    uint32_t skipped;                  /* URLs nothing can probe (invalid, or tier 2 is off) */
    uint64_t probes, probes_failed, transitions, rechecks;
    uint32_t decided;                  /* sweep: cameras with a verdict this pass */
    uint64_t lag_bucket[MONITOR_LAG_BUCKETS + 1], lag_count;
    uint64_t lag_sum_ms, lag_max_ms;
    uint64_t commits, commit_us_last, commit_us_max;
    uint32_t commit_batch_last; /* health updates in the last commit */
    struct monitor_hist commit_hist;
    /* Verdicts by tier (0 tier 1, 1 deep), state and reason. */
    uint64_t verdicts[2][3][PROBE_R_COUNT];
    /* How long each phase of tier-1 probes took, when it ran. */
    struct monitor_hist phase_hist[PROBE_PH_COUNT];
    int64_t last_commit_error;
    /* Clock looks stored, and how many found the clock off or unknown. */
    uint64_t clock_looks, clock_skewed, clock_unknown;
    uint64_t osd_looks; /* OSD looks kept (read or unknown) */
    uint64_t start_gap_max_ms; /* longest time between two probe starts (see below) */
};

struct monitor_opts {
    const struct config *cfg;
    struct store *store;
    bool sweep; /* probe every camera once (with re-checks) and stop */
    /* With sweep: every RTSP camera the handshake finds up also gets a full
     * deep look (with its re-checks) before it counts as decided. */
    bool sweep_deep;
    /* Optional, on the loop thread. */
    void (*on_event)(void *data, const struct store_event *ev);
    void (*on_stopped)(void *data);
    void *data;
};

/* Depths of an on-demand probe: the tier-1 ones as in the configuration,
 * or a tier-2 (libav) look. */
enum monitor_depth {
    MONITOR_DEPTH_DEFAULT = -1, /* the service's configured depth */
    MONITOR_DEPTH_OPTIONS = CONFIG_DEPTH_OPTIONS,
    MONITOR_DEPTH_DESCRIBE = CONFIG_DEPTH_DESCRIBE,
    MONITOR_DEPTH_PLAY = CONFIG_DEPTH_PLAY,
    MONITOR_DEPTH_DEEP,
};

/* One probe asked for now (POST /api/v1/cameras/{id}/probe). The caller
 * owns the memory; the monitor holds it from monitor_probe_now() until
 * `done` runs (once, on the loop thread). */
struct monitor_probe {
    /* in */
    char id[STORE_ID_MAX + 1];
    enum monitor_depth depth;
    bool thumbnail; /* deep: also a JPEG of the keyframe (jpeg below) */
    bool osd;       /* deep: also read the OSD (when the module is installed) */
    void (*done)(struct monitor_probe *p);
    void *data;
    /* out, valid in `done` */
    int status;  /* 0 (result below), -ENOENT (the camera left the inventory),
                  * -ECANCELED (the service is stopping), -ENOMEM */
    bool deep;   /* the tier that ran */
    bool applied; /* went through the health state machine into the index */
    struct probe_result result;
    struct health_mem health;   /* the camera's memory after the result */
    struct health_step step;    /* what the result did to it */
    uint32_t waited_ms;         /* queued behind the camera's own probe or a cap */
    uint8_t *jpeg;              /* the thumbnail asked for, malloc'd: the caller frees it */
    size_t jpeg_len;
    bool osd_read;              /* an OSD look ran: osd_look below */
    struct store_osd osd_look;  /* its strings point into osd_text / osd_time */
    char osd_text[STORE_OSD_TEXT_MAX + 1], osd_time[32];
    /* private */
    struct monitor_probe *next_;
    uint64_t queued_at_;
};

int monitor_new(uv_loop_t *loop, const struct monitor_opts *o, struct monitor **out);
/* Loads the fleet from the index and starts probing. */
int monitor_start(struct monitor *m);
/* Re-reads the inventory from the index: new cameras are scheduled, removed
 * ones dropped (a probe in flight for them is discarded), changed URLs are
 * probed soon and lose any auth backoff. Health memory carries over.
 * Probing goes on meanwhile: `before` (optional: the service's re-import of
 * its inventory file; 0 or a negative errno, which ends the reload) and the
 * index read run on a libuv worker thread, then the new fleet takes over on
 * the loop and `done` runs there with 0 or a negative errno (-ECANCELED when
 * the monitor stopped meanwhile). Returns 0 when started, -EBUSY while
 * another reload is under way, -ECANCELED once stopping. */
int monitor_reload(struct monitor *m, int (*before)(void *data),
                   void (*done)(void *data, int status), void *data);
/* A reload started and not done yet. */
bool monitor_reloading(const struct monitor *m);
/* Stops scheduling, cancels probes in flight (sessions still get their
 * TEARDOWN), commits everything, then calls on_stopped. */
void monitor_stop(struct monitor *m);
void monitor_free(struct monitor **m);

/* Probes one camera now, through the normal pipeline (state machine, events,
 * index). It jumps the schedule but not the caps: it starts as soon as the
 * camera's own probe in flight (if any) has ended and a global, deep and
 * per-host slot is free. Loop thread only. 0, and `done` runs once (it may
 * run before this returns); or, and then `done` never runs: -ENOENT (no
 * such camera), -EINVAL (its URL cannot be probed), -ENOTSUP (tier 2 is
 * unavailable for a deep look), -ECANCELED (stopping). */
int monitor_probe_now(struct monitor *m, struct monitor_probe *p);

/* Ends every on-demand probe the monitor holds: `done` runs for each, with
 * -ECANCELED, before this returns; a probe already running goes on without
 * reporting back. For the owner of the requests going away. */
void monitor_probe_cancel_all(struct monitor *m);
void monitor_get_stats(const struct monitor *m, struct monitor_stats *st);

/* Cameras up (online or degraded) whose picture diagnosis is late: due more
 * than one liveness interval ago, so at least one handshake went by without
 * a worker for the look. Whether the deep workers keep up with [quality]
 * interval. Counted as states and due times change, to the second (a
 * camera late by less is not counted yet): loop thread only. */
uint32_t monitor_diagnoses_overdue(struct monitor *m);
/* The longest time between two probe starts since the last call (ms), and
 * starts counting anew: what a status line shows as `start_gap_max_ms`. */
uint64_t monitor_start_gap_take(struct monitor *m);

#endif
