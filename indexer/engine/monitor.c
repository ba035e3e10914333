/* The monitoring engine; see monitor.h. Everything here runs on the loop
 * thread except the commit, which the writer thread does. */
#include <assert.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "base/log.h"
#include "base/timefmt.h"
#include "deep_pool.h"
#include "osd_read.h"
#include "engine/clock_check.h"
#include "engine/deep_lines.h"
#include "engine/deep_verdict.h"
#include "engine/diagnosis.h"
#include "engine/due_count.h"
#include "engine/osd_look.h"
#include "engine/first_pass.h"
#include "engine/fleet.h"
#include "engine/health.h"
#include "engine/monitor.h"
#include "engine/slot_pool.h"
#include "engine/writer.h"
#include "resolver.h"
#include "rtsp_auth.h"
#include "rtsp_conn.h"
#include "tcp_io.h"
#include "text_clean.h"

const uint32_t monitor_lag_bounds[MONITOR_LAG_BUCKETS] = {1,   5,    10,   50,   100,
                                                          250, 500, 1000, 5000, 30000};
/* From a loopback handshake (~100 µs) to a phase at its deadline (seconds). */
const uint32_t monitor_us_bounds[MONITOR_US_BUCKETS] = {
    250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 5000000};

static void hist_add(struct monitor_hist *h, uint64_t us)
{
    size_t b = 0;
    while (b < MONITOR_US_BUCKETS && us > monitor_us_bounds[b])
        b++;
    h->bucket[b]++;
    h->count++;
    h->sum_us += us;
}

/* Per-host probes in flight, keyed by the interned host pointer. Survives
 * reloads: probes started under an old fleet still hold their slot. */
struct host_slot {
    const char *host;
    uint32_t in_flight;
};

/* One probe in flight. Its camera is found again by id when it ends, so a
 * reload in between cannot make it write into the wrong entry. */
struct job {
    struct monitor *m;
    struct job *prev, *next;
    struct rtsp_conn *conn;
    struct deep_request *deep; /* a tier-2 job when set (large: allocated per job) */
    struct host_slot *slot;
    char id[STORE_ID_MAX + 1];
    uint32_t fleet_gen;
    uint32_t cam; /* the camera's index in the fleet of fleet_gen */
    bool resolving;
    struct monitor_probe *od; /* asked for on demand: told the result */
    bool full_look;           /* deep: with the frozen check (second keyframe) */
    bool skipped_options;     /* tier 1 started at DESCRIBE (skip_options) */
    bool clock_look;          /* tier 1 plays on for the camera's sender report */
    struct osd_look *osd;     /* deep: the OSD is read on the worker too */
    int8_t line;              /* deep: the line it was taken from, -1 none (on demand) */
};

struct monitor {
    uv_loop_t *loop;
    struct monitor_opts o;
    struct config cfg;
    struct fleet fleet, old_fleet;
    struct slot_pool memos; /* the fleets' authentication memos */
    struct tcp_io *io; /* tier 1's sockets, and the disconnected ones kept for reuse */
    uint32_t fleet_gen;
    struct resolver *resolver;
    struct writer *writer;
    struct deep_pool *deep;
    uint32_t deep_cap; /* deep jobs in flight at most: one per worker */
    /* Cameras waiting for a deep worker: tier-2-only cameras due for their
     * liveness (off the heap meanwhile) and RTSP cameras due for their
     * picture diagnosis; deep_lines_take shares the workers between them. */
    struct deep_lines lines;
    struct deep_opts deep_opts;
    struct deep_opts deep_opts_quick; /* liveness of tier-2-only cameras */
    struct deep_opts deep_opts_thumb; /* a full look with a thumbnail, on demand */
    bool osd_on;        /* OSD looks: [quality] osd_interval and the OSD module */
    int32_t tz_offset_s; /* the zone OSD times are read in: the index's day zone */
    uv_timer_t tick, commit_timer;
    int64_t tick_due; /* loop time the tick is armed for, when active */
    struct job *jobs;
    struct host_slot *hosts;
    size_t nhosts_cap;
    struct health_cfg hcfg;
    struct rtsp_conn_opts conn_opts;
    struct monitor_stats st;
    bool stopping, stopped_notified;
    bool pumping, pump_again; /* a probe may end inside pump(): no recursion */
    int closing;
    struct monitor_probe *od_waiting; /* on-demand probes not started yet, oldest first */
    struct first_pass first;          /* a fresh index's first look at each camera */
    struct reload *reloading;         /* a reload whose index read is under way */
    uint64_t last_start_ms;           /* loop time of the last probe start */
    /* The cameras up, by the time their picture diagnosis is due, for the
     * status line's diagnoses running late (kept as states and due times
     * change: walking a million cameras a status line had cost more than
     * the line). Only with deep looks on a [quality] interval. */
    struct due_count late;
};

static const enum rtsp_depth rtsp_depths[] = {RTSP_DEPTH_OPTIONS, RTSP_DEPTH_DESCRIBE,
                                              RTSP_DEPTH_PLAY};

static void pump(struct monitor *m);
static void notify_stopped(struct monitor *m);
static void on_tick(uv_timer_t *t);

static struct host_slot *host_slot(struct monitor *m, const char *host)
{
    if (!m->nhosts_cap) {
        m->nhosts_cap = 1u << 17;
        m->hosts = calloc(m->nhosts_cap, sizeof(*m->hosts));
        if (!m->hosts)
            return NULL;
    }
    uintptr_t h = (uintptr_t)host;
    size_t j = (size_t)((h >> 4) * 0x9e3779b97f4a7c15ull) & (m->nhosts_cap - 1);
    for (size_t probes = 0; probes < m->nhosts_cap; probes++, j = (j + 1) & (m->nhosts_cap - 1)) {
        if (m->hosts[j].host == host)
            return &m->hosts[j];
        if (!m->hosts[j].host || m->hosts[j].in_flight == 0) {
            m->hosts[j].host = host;
            m->hosts[j].in_flight = 0;
            return &m->hosts[j];
        }
    }
    return NULL;
}

static uint32_t max_in_flight(const struct config *cfg)
{
    /* Each probe holds one socket: stay well below the descriptor limit,
     * which is raised to its hard maximum first. */
    struct rlimit rl;
    uint32_t cap = 1000;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur > 512)
            cap = (uint32_t)((rl.rlim_cur - 256) * 3 / 4);
    }
    if (cfg->max_in_flight && cfg->max_in_flight < cap)
        cap = cfg->max_in_flight;
    return cap;
}

static void on_commit(void *data, int status, const struct store_commit_stats *cs,
                      uint64_t commit_us)
{
    struct monitor *m = data;
    m->st.commits++;
    m->st.commit_us_last = commit_us;
    m->st.commit_batch_last = cs ? cs->health_updates : 0;
    if (commit_us > m->st.commit_us_max)
        m->st.commit_us_max = commit_us;
    hist_add(&m->st.commit_hist, commit_us);
    if (status) {
        m->st.last_commit_error = status;
        log_kv(LEVEL_ERROR, "index commit failed", "error", store_strerror(status), "detail",
               store_last_error(m->o.store), NULL);
    } else if (log_enabled(LEVEL_DEBUG)) {
        char n[32], us[32];
        snprintf(n, sizeof(n), "%u", cs->health_updates);
        snprintf(us, sizeof(us), "%llu", (unsigned long long)commit_us);
        log_kv(LEVEL_DEBUG, "committed", "updates", n, "commit_us", us, NULL);
    }
}

static void log_first_pass(const struct monitor *m)
{
    char n[STORE_STATE_COUNT][16], reasons[1024];
    for (int s = 0; s < STORE_STATE_COUNT; s++)
        snprintf(n[s], sizeof(n[s]), "%u", s ? m->first.states[s] : m->first.seen);
    if (first_pass_reasons(&m->first, reasons, sizeof(reasons)))
        snprintf(reasons + sizeof(reasons) - 5, 5, "...");
    log_kv(LEVEL_INFO, "first pass done", "cameras", n[0], "online", n[STORE_ONLINE], "degraded",
           n[STORE_DEGRADED], "offline", n[STORE_OFFLINE], "maintenance", n[STORE_MAINTENANCE],
           "reasons", reasons, NULL);
}

static void on_event(void *data, const struct store_event *ev)
{
    struct monitor *m = data;
    m->st.transitions++;
    /* A first look (from unknown) is news to nobody: debug, and counted for
     * the summary line that ends the first pass. */
    bool pass_done;
    bool first = first_pass_note(&m->first, ev, &pass_done);
    log_kv(first                     ? LEVEL_DEBUG
           : ev->to == STORE_OFFLINE ? LEVEL_WARN
                                     : LEVEL_INFO,
           "state change", "camera", ev->camera_id, "unit", ev->unit_id, "from",
           store_state_name(ev->from), "to", store_state_name(ev->to), "reason", ev->reason,
           "detail", ev->detail, NULL);
    if (pass_done)
        log_first_pass(m);
    if (m->o.on_event)
        m->o.on_event(m->o.data, ev);
}

/* OSD looks run in the service, on the deep workers, when they are
 * configured and the OSD module loads (it brings Tesseract: loaded here
 * once rather than at a camera's first look). Sweeps make none. */
static void osd_setup(struct monitor *m)
{
    if (!m->deep || !m->cfg.osd_interval_ms || m->o.sweep)
        return;
    const char *why = osd_module_error();
    if (why) {
        log_kv(LEVEL_WARN, "OSD looks off: the OSD module is not available", "error", why,
               "fix", "install the camdex-osd package, or set [quality] osd_interval = 0", NULL);
        return;
    }
    struct store_info info;
    m->tz_offset_s = store_info(m->o.store, &info) == 0 ? info.day_offset_s : 0;
    m->osd_on = true;
}

int monitor_new(uv_loop_t *loop, const struct monitor_opts *o, struct monitor **out)
{
    /* glibc gives each thread that allocates its own arena and keeps what
     * it freed: four deep workers held ~3 MB each after their decodes, the
     * writer ~12 MB. The loop thread keeps the main arena to itself; every
     * other thread shares one more (their allocations are few and short),
     * which cut the service's anonymous memory by ~6 MiB at 43,000 cameras
     * at no measurable CPU cost. Before any thread starts. */
    mallopt(M_ARENA_MAX, 2);
    struct monitor *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->memos.size = FLEET_MEMO_SLOT;
    m->loop = loop;
    m->o = *o;
    m->cfg = *o->cfg;
    m->hcfg = (struct health_cfg){
        .fail_threshold = m->cfg.fail_threshold,
        .recover_threshold = m->cfg.recover_threshold,
        .flap_window_ms = m->cfg.flap_window_ms,
        .flap_threshold = m->cfg.flap_threshold,
    };
    m->conn_opts = (struct rtsp_conn_opts){
        .depth = rtsp_depths[m->cfg.depth],
        .connect_ms = m->cfg.connect_timeout_ms,
        .reply_ms = m->cfg.reply_timeout_ms,
        .first_rtp_ms = m->cfg.first_rtp_timeout_ms,
        .first_keyframe_ms = m->cfg.keyframe_timeout_ms,
        .total_ms = m->cfg.total_timeout_ms,
        .skip_options = m->cfg.skip_options == CONFIG_SKIP_ALWAYS,
        .allow_basic_downgrade = m->cfg.allow_basic_downgrade,
        .user_agent = "camdex",
    };
    m->st.max_in_flight = max_in_flight(&m->cfg);
    /* Idle sockets come only from finished probes, so with those in
     * flight they stay within max_in_flight descriptors. */
    if (tcp_io_new(loop, m->st.max_in_flight, &m->io) == 0)
        m->conn_opts.io = m->io; /* else each probe makes its own */
    struct resolver_opts ro = {.timeout_ms = m->cfg.dns_timeout_ms,
                               .cache_ms = m->cfg.dns_cache_ms ? m->cfg.dns_cache_ms : 1};
    int rc = resolver_new(loop, &ro, &m->resolver);
    if (!rc)
        rc = writer_new(loop, o->store, on_event, on_commit, m, &m->writer);
    if (!rc && m->cfg.deep_workers) {
        /* No queue in the pool: a look waits in its line, where the pick
         * decides, not behind a worker's whole look in the pool's queue.
         * A sweep has one line only, and a short queue in the pool keeps
         * its workers busy while the loop is taken up by tier 1. */
        m->deep_cap = m->o.sweep ? m->cfg.deep_workers * 2 : m->cfg.deep_workers;
        deep_lines_set_share(&m->lines, m->cfg.deep_diagnosis_share);
        int drc = deep_pool_new(loop, m->cfg.deep_workers, m->deep_cap, &m->deep);
        if (drc) {
            /* Tier 1 alone still tells online from offline. */
            const char *why = deep_module_error();
            log_kv(LEVEL_WARN, "tier 2 (deep probes) unavailable", "error",
                   why ? why : strerror(-drc), NULL);
            m->deep = NULL;
        }
        deep_opts_default(&m->deep_opts);
        m->deep_opts.deadline_ms = m->cfg.deep_timeout_ms;
        m->deep_opts.second_gap_ms = m->cfg.deep_frozen_gap_ms;
        m->deep_opts.no_second = m->cfg.deep_frozen_gap_ms == 0;
        m->deep_opts.max_pixels = m->cfg.deep_max_pixels;
        /* Liveness looks at tier-2-only cameras decode nothing: a
         * keyframe decode was most of their CPU (each of ~1,300 cameras
         * every interval), and the picture is the diagnosis's, once per
         * [quality] interval. */
        m->deep_opts_quick = m->deep_opts;
        m->deep_opts_quick.no_second = true;
        osd_setup(m);
        /* Full looks diagnose the picture and keep a faulty one's
         * thumbnail (keep_thumbnail): a few ms of JPEG encoding for a
         * picture already decoded. Liveness looks decode nothing more. */
        m->deep_opts.thumbnail = true;
        m->deep_opts_quick.no_decode = true;
        /* And they hold a worker for less: no find_stream_info (no_decode
         * leaves it out, deep_probe.h) and a 200 ms window (not 400),
         * enough to see media flow and a keyframe; an HTTP-FLV or RTMP
         * stream comes in real time, so the window is wall time too. */
        m->deep_opts_quick.measure_ms = 200;
        m->deep_opts_thumb = m->deep_opts;
    }
    /* Due times run from an interval ago (the late ones) to a [quality]
     * interval ahead, in slots of a second. */
    if (!rc && m->deep && m->cfg.deep_interval_ms)
        rc = due_count_init(&m->late,
                            (int64_t)m->cfg.interval_ms + m->cfg.deep_interval_ms + 1000, 1000,
                            (int64_t)uv_now(loop) - m->cfg.interval_ms);
    if (rc) {
        deep_pool_close(&m->deep);
        resolver_free(&m->resolver);
        if (m->writer)
            writer_close(&m->writer);
        tcp_io_close(m->io, NULL, NULL); /* its handles close on the caller's next loop run */
        free(m);
        return rc;
    }
    uv_timer_init(loop, &m->tick);
    uv_timer_init(loop, &m->commit_timer);
    m->tick.data = m->commit_timer.data = m;
    *out = m;
    return 0;
}

/* ---- scheduling ---- */

static int64_t wall_ms(void)
{
    return timefmt_now_ms();
}

static void schedule(struct monitor *m, struct cam *c, int64_t due)
{
    c->due = due;
    heap_push(&m->fleet, (uint32_t)(c - m->fleet.cams));
}

static void count_state(struct monitor *m, uint8_t state, int delta)
{
    if (state < STORE_STATE_COUNT)
        m->st.count[state] += (uint32_t)delta;
}

static void maybe_finish_sweep(struct monitor *m)
{
    if (m->o.sweep && !m->stopping && m->st.decided + m->st.skipped >= m->fleet.count &&
        m->st.in_flight == 0)
        monitor_stop(m);
}

static void record_lag(struct monitor *m, int64_t lag)
{
    if (lag < 0)
        lag = 0;
    size_t b = 0;
    while (b < MONITOR_LAG_BUCKETS && (uint64_t)lag > monitor_lag_bounds[b])
        b++;
    m->st.lag_bucket[b]++;
    m->st.lag_count++;
    m->st.lag_sum_ms += (uint64_t)lag;
    if ((uint64_t)lag > m->st.lag_max_ms)
        m->st.lag_max_ms = (uint64_t)lag;
}

/* Whether the camera counts among diagnoses that may run late: it is up. */
static bool late_may(uint8_t state)
{
    return state == STORE_ONLINE || state == STORE_DEGRADED;
}

/* Keeps m->late as a camera's state or diagnosis due time changes: told
 * whether it was counted and at what due time, counts it as it is now. */
static void late_move(struct monitor *m, struct cam *c, bool was_counted, int64_t was_due)
{
    if (!m->late.slot)
        return;
    if (was_counted)
        due_count_remove(&m->late, was_due);
    if (late_may(c->mem.state)) {
        due_count_advance(&m->late, (int64_t)uv_now(m->loop) - m->cfg.interval_ms);
        c->deep_due = due_count_add(&m->late, c->deep_due);
    }
}

/* ---- results ---- */

static void job_unlink(struct monitor *m, struct job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        m->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    if (j->slot && j->slot->in_flight)
        j->slot->in_flight--;
    if (j->deep) {
        assert(m->st.deep_in_flight > 0);
        m->st.deep_in_flight--;
        if (j->line >= 0)
            deep_lines_done(&m->lines, (enum deep_line)j->line);
    } else {
        assert(m->st.in_flight > 0);
        m->st.in_flight--;
    }
}

/* Feeds one verdict through the state machine into the next batch: from
 * tier 2 (`deep`) or tier 1, and judging the picture or only the stream
 * (`picture`: a diagnosis, whose verdict on the picture stands until the
 * next one). */
static struct health_step record_as(struct monitor *m, struct cam *c,
                                    const struct probe_result *r, bool deep, bool picture)
{
    m->st.probes++;
    if (deep)
        m->st.deep_probes++;
    if (r->state == PROBE_OFFLINE)
        m->st.probes_failed++;
    if ((unsigned)r->state < 3 && (unsigned)r->reason < PROBE_R_COUNT)
        m->st.verdicts[deep][r->state][r->reason]++;
    if (!deep)
        for (int ph = 0; ph < PROBE_PH_COUNT; ph++)
            if (r->phase_us[ph])
                hist_add(&m->st.phase_hist[ph], r->phase_us[ph]);
    int64_t now = wall_ms();
    struct health_step step;
    uint8_t before = c->mem.state;
    health_step(&m->hcfg, &c->mem, r, picture, now, &step);
    if (step.changed) {
        count_state(m, before, -1);
        count_state(m, c->mem.state, +1);
        late_move(m, c, late_may(before), c->deep_due);
    }
    if (r->video.width) {
        c->seen_w = r->video.width;
        c->seen_h = r->video.height;
    }
    struct store_health h;
    health_to_store(&c->mem, r, now, &h);
    if (step.changed && step.to == STORE_DEGRADED && !picture)
        h.detail = "back; the picture stays as its last deep look found it";
    /* The last gate before the index: whatever a probe (or a future tier)
     * left in its text, only clean UTF-8 is stored. */
    char detail[PROBE_DETAIL_MAX], server[PROBE_SERVER_MAX], profile[PROBE_PROFILE_MAX];
    if (h.detail) {
        text_clean_str(detail, sizeof(detail), h.detail);
        h.detail = detail;
    }
    text_clean_str(server, sizeof(server), h.media.server);
    text_clean_str(profile, sizeof(profile), h.media.profile);
    h.media.server = server;
    h.media.profile = profile;
    int rc = store_batch_health_put(writer_batch(m->writer), c->id, &h, now);
    if (rc)
        log_kv(LEVEL_ERROR, "cannot queue a health update", "camera", c->id, "error",
               strerror(-rc), NULL);
    if (store_batch_size(writer_batch(m->writer)) >= m->cfg.commit_max)
        writer_flush(m->writer);
    return step;
}

static struct health_step record(struct monitor *m, struct cam *c, const struct probe_result *r,
                                 bool deep)
{
    return record_as(m, c, r, deep, deep);
}

/* sweep --deep: a camera the handshake found up has its deep look still
 * to come. Offline cameras have nothing to show; cameras under maintenance
 * are not judged; tier-2-only ones had theirs. */
static bool sweep_deep_due(const struct monitor *m, const struct cam *c)
{
    return m->o.sweep_deep && m->deep && c->kind != CAM_DEEP && !c->deep_looked &&
           c->mem.state != STORE_OFFLINE && c->mem.state != STORE_MAINTENANCE;
}

/* When the next probe of the camera's own tier is due. */
static void schedule_next(struct monitor *m, struct cam *c, const struct health_step *step)
{
    int64_t t = (int64_t)uv_now(m->loop);
    if (step->recheck) {
        m->st.rechecks++;
        schedule(m, c, t + m->cfg.recheck_ms);
    } else if (sweep_deep_due(m, c)) {
        c->deep_next = true; /* pump() starts it as a deep job */
        schedule(m, c, t);
    } else if (m->o.sweep) {
        if (!c->decided) {
            c->decided = true;
            m->st.decided++;
        }
    } else if (step->auth_backoff) {
        /* Cameras lock out an address after repeated bad passwords. */
        schedule(m, c, t + m->cfg.auth_backoff_ms);
    } else {
        /* Keep the camera's phase: due times march in steps of the interval. */
        int64_t next = c->due + m->cfg.interval_ms;
        schedule(m, c, next > t ? next : t);
    }
}

/* A picture diagnosis for an RTSP camera after its handshake: when it
 * just came up, when what the handshake saw changed, and once per
 * [quality] interval. It waits in the diagnosis line for a worker; the
 * handshakes go on meanwhile (liveness never waits for a diagnosis). */
static bool want_diagnosis(const struct monitor *m, const struct cam *c,
                           const struct health_step *step, const struct probe_result *r,
                           bool new_size)
{
    if (!m->deep || m->o.sweep || c->deep_in_flight || r->state == PROBE_OFFLINE ||
        c->mem.state == STORE_MAINTENANCE)
        return false;
    bool came_up = step->changed && c->mem.state != STORE_OFFLINE;
    bool periodic = m->cfg.deep_interval_ms && c->deep_due <= (int64_t)uv_now(m->loop);
    return came_up || new_size || periodic;
}

/* Puts the camera in the diagnosis line (where it is counted late once it
 * waits past a liveness interval: monitor_diagnoses_overdue). A look for
 * a reason other than the interval makes the camera due now, so that a
 * look on demand meanwhile, which sets its next due time, takes its place. */
static void queue_diagnosis(struct monitor *m, struct cam *c)
{
    int64_t now = (int64_t)uv_now(m->loop);
    if (c->deep_due > now) {
        int64_t was = c->deep_due;
        c->deep_due = now;
        late_move(m, c, late_may(c->mem.state), was);
    }
    int rc = deep_lines_push(&m->lines, DEEP_LINE_DIAGNOSIS, (uint32_t)(c - m->fleet.cams));
    assert(rc == 0 || rc == -EEXIST);
    (void)rc;
}

static struct cam *job_camera(struct monitor *m, struct job *j)
{
    /* The usual case, without a lookup by id: the fleet is the job's. */
    if (j->fleet_gen == m->fleet_gen && j->cam < m->fleet.count)
        return &m->fleet.cams[j->cam];
    struct cam *c = fleet_find(&m->fleet, j->id);
    /* Started just before the last reload, at a URL the camera still has:
     * the result is the camera's (its in-flight flag came over with the
     * swap). Dropping it re-probed every camera in flight at each reload,
     * thousands at a million cameras, and no result came for a moment. */
    if (c && j->fleet_gen + 1 == m->fleet_gen && j->cam < m->old_fleet.count &&
        strcmp(m->old_fleet.cams[j->cam].url, c->url) == 0)
        return (j->deep ? c->deep_in_flight : c->in_flight) ? c : NULL;
    /* Probed under an earlier inventory: the camera is gone or was re-read;
     * a camera still here gets its schedule back. */
    if (c) {
        bool *flag = j->deep ? &c->deep_in_flight : &c->in_flight;
        bool was = *flag;
        *flag = false;
        if (was && !m->stopping && !c->queued)
            schedule(m, c, (int64_t)uv_now(m->loop));
    }
    return NULL;
}

/* After a result. A scheduled probe's camera is off the heap and resumes
 * its schedule. An on-demand probe ran outside the schedule: a camera
 * still queued keeps its phase unless the result asks for an earlier look
 * (re-check) or a later one (auth backoff); one that was not queued (its
 * turn came while this probe ran) resumes as after any probe. */
static void schedule_after(struct monitor *m, struct cam *c, const struct health_step *step)
{
    if (c->queued) {
        if (!step->recheck && !step->auth_backoff)
            return;
        heap_remove(&m->fleet, (uint32_t)(c - m->fleet.cams));
    }
    schedule_next(m, c, step);
}

static void ondemand_applied(struct monitor_probe *od, const struct cam *c,
                             const struct health_step *step)
{
    od->applied = true;
    od->health = c->mem;
    od->step = *step;
}

/* Keeps what the camera's credentials were accepted with, for its next
 * probe. A refusal forgets it: the inventory's password is wrong now, and a
 * memo must not add a second failed login to every probe of a camera that
 * counts them towards a lockout. Anything else (a timeout before the
 * camera asked) leaves it as it was. */
static void keep_auth_memo(struct monitor *m, struct cam *c, const struct rtsp_conn *conn,
                           const struct probe_result *r)
{
    if (!conn || !m->cfg.remember_auth)
        return;
    uint8_t memo[RTSP_AUTH_MEMO_MAX];
    int n = rtsp_conn_auth_memo(conn, memo, sizeof(memo));
    if (n > 0)
        cam_set_auth_memo(&m->fleet, c, memo, (size_t)n);
    else if (r->reason == PROBE_R_AUTH_FAILED)
        cam_set_auth_memo(&m->fleet, c, NULL, 0);
}

/* skip_options = auto: does this camera answer DESCRIBE only after
 * OPTIONS? A probe without OPTIONS that fails makes it a suspect; when the
 * next probe, with OPTIONS, succeeds at once, that is a strike. A refusal
 * in words (an RTSP error status or a malformed reply) convicts at the
 * first strike, silence (a timeout, a reset) at the second: a camera that
 * died and came back in between would also give one. */
static void options_learn(struct cam *c, const struct job *j, const struct probe_result *r)
{
    bool ok = r->state != PROBE_OFFLINE;
    if (j->skipped_options) {
        c->options_suspect = !ok;
        if (!ok && (r->rtsp_status >= 400 || r->reason == PROBE_R_PROTOCOL_ERROR))
            c->options_strikes = 1; /* spoken: one more strike convicts */
        return;
    }
    if (!c->options_suspect)
        return;
    if (ok) {
        c->options_suspect = false;
        if (++c->options_strikes >= 2) {
            c->needs_options = true;
            log_kv(LEVEL_INFO, "camera answers only after OPTIONS; sending it from now on",
                   "camera", c->id, NULL);
        }
    }
}

/* The clock look rides on a scheduled handshake of an RTSP camera known to
 * stream, once per clock interval: that probe goes to PLAY and plays on
 * for up to clock_wait for the camera's RTCP sender report. It needs no
 * deep worker (tier 1 waits on the loop without blocking it), starts at
 * the probe's own time (no schedule lag) and only delays that probe's
 * result by the wait. */
static bool want_clock(const struct monitor *m, const struct cam *c, const struct job *j)
{
    return m->cfg.clock_interval_ms && !m->o.sweep && !j->od && c->kind == CAM_RTSP &&
           c->clock_due <= (int64_t)uv_now(m->loop) &&
           (c->mem.state == STORE_ONLINE || c->mem.state == STORE_DEGRADED);
}

/* Stores what a clock look found. A stream that was not online gave no
 * look: the next probe tries again. */
static void keep_clock(struct monitor *m, struct cam *c, const struct rtsp_conn *conn)
{
    int64_t us;
    uint32_t samples;
    int rc = rtsp_conn_clock(conn, &us, &samples);
    if (rc == -ENODATA)
        return;
    struct store_clock k = {.measured = rc == 0,
                            .offset_ms = rc == 0 ? (us >= 0 ? us + 500 : us - 500) / 1000 : 0,
                            .checked_at = wall_ms(),
                            .tolerance_ms = m->cfg.clock_tolerance_ms};
    snprintf(k.source, sizeof(k.source), "rtcp");
    c->clock_due = (int64_t)uv_now(m->loop) + m->cfg.clock_interval_ms;
    m->st.clock_looks++;
    enum clock_verdict v = clock_record_verdict(&k);
    if (v == CLOCK_SKEW)
        m->st.clock_skewed++;
    else if (v == CLOCK_UNKNOWN)
        m->st.clock_unknown++;
    char off[32];
    snprintf(off, sizeof(off), "%lld", (long long)k.offset_ms);
    log_kv(LEVEL_DEBUG, "clock look", "camera", c->id, "offset_ms", k.measured ? off : "unknown",
           "verdict", clock_verdict_name(v), NULL);
    int qrc = store_batch_clock_put(writer_batch(m->writer), c->id, &k);
    if (qrc)
        log_kv(LEVEL_ERROR, "cannot queue a clock record", "camera", c->id, "error", strerror(-qrc),
               NULL);
}

static void apply_result(struct monitor *m, struct job *j, const struct rtsp_conn *conn,
                         const struct probe_result *r)
{
    if (j->od) {
        j->od->result = *r;
        j->od->deep = false;
    }
    struct cam *c = job_camera(m, j);
    if (!c)
        return;
    assert(c->in_flight); /* one probe of a camera at a time */
    c->in_flight = false;
    if (m->stopping)
        return; /* a cancelled probe says nothing about the camera */
    keep_auth_memo(m, c, conn, r);
    if (conn && m->cfg.skip_options == CONFIG_SKIP_AUTO)
        options_learn(c, j, r);
    /* Compared before record() stores the new size. */
    bool new_size = r->video.width && (r->video.width != c->seen_w || r->video.height != c->seen_h);
    struct health_step step = record(m, c, r, false);
    if (j->clock_look && conn)
        keep_clock(m, c, conn);
    schedule_after(m, c, &step);
    if (j->od)
        ondemand_applied(j->od, c, &step);
    if (want_diagnosis(m, c, &step, r, new_size))
        queue_diagnosis(m, c);
}

/* HLS, HTTP-FLV, RTMP and RTSPS cameras have only tier 2, run at every
 * interval for their liveness. The frozen-picture check waits for a second
 * keyframe, which more than doubles a deep probe's time on a worker (~0.5 to
 * ~1.1 s):
 * those cameras get it when an RTSP camera's deep look would come — on
 * demand, while the camera is not known online (a state change), and once
 * per deep interval — and otherwise the liveness probe alone. */
static bool full_deep_look(const struct monitor *m, const struct cam *c, const struct job *j)
{
    if (c->kind != CAM_DEEP || j->od || c->mem.state != STORE_ONLINE)
        return true;
    return m->cfg.deep_interval_ms && c->deep_due <= (int64_t)uv_now(m->loop);
}

/* The camera's reference signature, read from the index: operators set
 * and clear it from other threads and processes (API, CLI). */
static bool reference_of(struct monitor *m, const struct cam *c, uint8_t sig[SCENE_SIG_LEN],
                         struct store_osd *osd, char strs[2][STORE_OSD_TEXT_MAX + 1])
{
    struct store_read *rd;
    struct store_reference ref;
    if (osd)
        memset(osd, 0, sizeof(*osd));
    if (store_read_begin(m->o.store, &rd))
        return false;
    bool have = store_reference_get(rd, c->id, &ref) == 0 && ref.sig_w == SCENE_SIG_W &&
                ref.sig_h == SCENE_SIG_H;
    if (have)
        memcpy(sig, ref.sig, SCENE_SIG_LEN);
    /* ...and the camera's last OSD look, whose findings stand until the
     * next one (copied: the read ends here). */
    if (osd && store_osd_get(rd, c->id, osd) == 0) {
        snprintf(strs[0], STORE_OSD_TEXT_MAX + 1, "%s", osd->time_read);
        snprintf(strs[1], STORE_OSD_TEXT_MAX + 1, "%s", osd->text);
        osd->time_read = strs[0];
        osd->text = strs[1];
    } else if (osd) {
        memset(osd, 0, sizeof(*osd));
    }
    store_read_end(&rd);
    return have;
}

/* A picture with a fault keeps its thumbnail, replacing the last one; a
 * picture without one drops it, so the wall of faulty pictures shows only
 * cameras that are faulty now. A fault whose picture could not be encoded
 * (or is over the store's limit) drops the old one too: a stale picture
 * would show what the camera no longer shows. */
static int keep_thumbnail(struct store_batch *b, const char *id, const struct diagnosis *dg,
                          const struct deep_result *dr)
{
    if (dg->d.n == 0 || !dr->jpeg || dr->jpeg_len == 0 || dr->jpeg_len > STORE_THUMB_MAX)
        return store_batch_thumbnail_put(b, id, NULL);
    struct store_thumbnail th = {.time_ms = dg->d.time_ms,
                                 .width = dr->jpeg_w,
                                 .height = dr->jpeg_h,
                                 .jpeg = dr->jpeg,
                                 .len = dr->jpeg_len};
    return store_batch_thumbnail_put(b, id, &th);
}

/* Keeps what a deep look found in the picture (which may add
 * scene_changed to the verdict) and a faulty picture's thumbnail; a
 * camera's first healthy picture becomes its reference. */
static void keep_diagnosis(struct monitor *m, struct cam *c, const struct deep_result *dr,
                           struct probe_result *r, const struct probe_findings *findings,
                           const struct store_osd *osd_now)
{
    uint8_t ref[SCENE_SIG_LEN];
    struct store_osd osd_kept;
    char osd_strs[2][STORE_OSD_TEXT_MAX + 1];
    bool have_ref = reference_of(m, c, ref, osd_now ? NULL : &osd_kept, osd_strs);
    struct diagnosis dg;
    int64_t now = wall_ms();
    if (!diagnosis_make(dr, r, findings, have_ref ? ref : NULL, m->cfg.scene_similarity_pct / 100.0, now,
                        &dg))
        return;
    struct store_batch *b = writer_batch(m->writer);
    int rc = 0;
    if (!have_ref && diagnosis_healthy(&dg)) {
        struct store_reference first = {
            .time_ms = now, .sig_w = dg.d.sig_w, .sig_h = dg.d.sig_h, .sig = dg.d.sig};
        rc = store_batch_reference_put(b, c->id, &first);
    }
    if (!rc)
        rc = keep_thumbnail(b, c->id, &dg, dr);
    /* The OSD's findings (this look's, else the last OSD look's) join the
     * diagnosis after the picture's, not the verdict: a wrong clock or
     * label leaves the picture usable and is counted in its own rates. */
    const struct store_osd *o = osd_now ? osd_now : osd_kept.checked_at ? &osd_kept : NULL;
    if (o)
        osd_look_findings(o, &dg.d);
    if (!rc)
        rc = store_batch_diagnosis_put(b, c->id, &dg.d);
    if (rc)
        log_kv(LEVEL_ERROR, "cannot queue a picture diagnosis", "camera", c->id, "error",
               strerror(-rc), NULL);
}

/* Stores what an OSD look read. A look whose stream failed read nothing
 * and is tried again at the next full look; one that decoded a picture
 * (read or not: unreadable is unknown) waits for the next interval. */
static bool keep_osd(struct monitor *m, struct cam *c, const struct job *j, struct store_osd *o,
                     char time_buf[32])
{
    if (!j->osd || j->deep->result.base.state == PROBE_OFFLINE)
        return false;
    if (j->osd->rc == -ENODATA && j->deep->result.luma.width == 0)
        return false; /* nothing decoded */
    osd_look_record(j->osd, o, time_buf);
    c->osd_due = (int64_t)uv_now(m->loop) + m->cfg.osd_interval_ms;
    m->st.osd_looks++;
    int rc = store_batch_osd_put(writer_batch(m->writer), c->id, o);
    if (rc)
        log_kv(LEVEL_ERROR, "cannot queue an OSD look", "camera", c->id, "error", strerror(-rc),
               NULL);
    else if (j->osd->rc && j->osd->rc != -ENODATA)
        log_kv(LEVEL_WARN, "OSD not read", "camera", c->id, "error", strerror(-j->osd->rc), NULL);
    static const char *const check[] = {"unknown", "right", "wrong"};
    char cpu[16];
    snprintf(cpu, sizeof(cpu), "%u", j->osd->cpu_us / 1000);
    log_kv(LEVEL_DEBUG, "osd look", "camera", c->id, "time", check[o->time_check % 3], "label",
           check[o->label_check % 3], "read", o->time_read, "cpu_ms", cpu, NULL);
    return rc == 0;
}

static void apply_deep(struct monitor *m, struct job *j, int status)
{
    struct cam *c = job_camera(m, j);
    if (!c)
        return;
    assert(c->deep_in_flight);
    c->deep_in_flight = false;
    if (m->stopping)
        return;
    int64_t t = (int64_t)uv_now(m->loop);
    if (status) {
        /* Cancelled: nothing learnt. Tier-2-only cameras (and a sweep's
         * deep looks) try again later. */
        if ((c->kind == CAM_DEEP || c->deep_next) && !c->queued)
            schedule(m, c, t + m->cfg.recheck_ms);
        return;
    }
    struct deep_verdict_expect e = {c->expect_w, c->expect_h, c->expect_fps, &m->cfg.quality};
    struct probe_result r;
    struct probe_findings findings;
    struct store_osd osd;
    char osd_time[32];
    bool osd_read = false;
    struct health_step step;
    if (j->full_look) {
        deep_verdict_judge(&j->deep->result, &e, &r, &findings);
        osd_read = keep_osd(m, c, j, &osd, osd_time);
        keep_diagnosis(m, c, &j->deep->result, &r, &findings, osd_read ? &osd : NULL);
        step = record(m, c, &r, true);
    } else {
        /* A liveness look saw the stream, not the picture: like a
         * handshake, it leaves the last diagnosis's verdict standing. */
        r = j->deep->result.base;
        step = record_as(m, c, &r, true, false);
    }
    if (j->full_look) {
        int64_t was = c->deep_due;
        c->deep_due = t + m->cfg.deep_interval_ms;
        late_move(m, c, late_may(c->mem.state), was);
        m->st.diagnoses++;
    }
    if (j->od) {
        j->od->result = r;
        j->od->deep = true;
        /* The picture goes to the asker who asked for it, who frees it
         * (full looks make one for the index whoever asked). */
        if (j->od->thumbnail) {
            j->od->jpeg = j->deep->result.jpeg;
            j->od->jpeg_len = j->deep->result.jpeg_len;
            j->deep->result.jpeg = NULL;
            j->deep->result.jpeg_len = 0;
        }
        if ((j->od->osd_read = osd_read)) {
            j->od->osd_look = osd;
            snprintf(j->od->osd_text, sizeof(j->od->osd_text), "%s", osd.text);
            snprintf(j->od->osd_time, sizeof(j->od->osd_time), "%s", osd.time_read);
            j->od->osd_look.text = j->od->osd_text;
            j->od->osd_look.time_read = j->od->osd_time;
        }
        ondemand_applied(j->od, c, &step);
    }
    if (c->kind == CAM_DEEP) {
        schedule_after(m, c, &step);
    } else if (c->deep_next) {
        /* A failed look is re-checked by another look; then decided. */
        c->deep_looked = true;
        c->deep_next = step.recheck;
        schedule_next(m, c, &step);
    }
}

/* Tells the asker how its probe ended; the monitor forgets it. */
static void ondemand_finish(struct monitor_probe *p, int status)
{
    p->status = status;
    p->done(p);
}

/* A job's end answers the on-demand probe it carried: cancelled when the
 * service stops (a cancelled probe says nothing). */
static void job_answer(struct monitor *m, struct job *j, int status)
{
    struct monitor_probe *od = j->od;
    if (!od)
        return;
    j->od = NULL;
    /* Not applied without an error: the camera left the inventory meanwhile. */
    ondemand_finish(od, m->stopping ? -ECANCELED : status ? status : od->applied ? 0 : -ENOENT);
}

static void job_done(struct monitor *m, struct job *j)
{
    free(j->osd);
    if (j->deep) {
        deep_result_clear(&j->deep->result);
        free(j->deep);
    }
    free(j);
    if (m->stopping) {
        notify_stopped(m);
        return;
    }
    /* The tick starts what is due in batches (see pump); a probe that ends
     * only needs to pump when the tick would not come in time: it was
     * stopped (in-flight cap reached, or nothing queued then), the camera
     * just queued is due before it, a camera waits for a deep slot, or a
     * probe on demand waits (for this camera, or for the slot just freed). */
    if (!uv_is_active((uv_handle_t *)&m->tick) || heap_top_due(&m->fleet) < m->tick_due ||
        (deep_lines_waiting(&m->lines) && m->st.deep_in_flight < m->deep_cap) || m->od_waiting)
        pump(m);
    maybe_finish_sweep(m);
}

static void on_probe_done(struct rtsp_conn *conn, const struct probe_result *r, void *data)
{
    struct job *j = data;
    struct monitor *m = j->m;
    job_unlink(m, j);
    apply_result(m, j, conn, r);
    job_answer(m, j, 0);
    job_done(m, j);
}

static void on_deep_done(struct deep_request *req, int status)
{
    struct job *j = req->data;
    struct monitor *m = j->m;
    job_unlink(m, j);
    apply_deep(m, j, status);
    job_answer(m, j, status ? -ECANCELED : 0);
    job_done(m, j);
}

static void fail_job(struct job *j, enum probe_reason why, const char *detail)
{
    struct probe_result r;
    probe_result_init(&r);
    probe_result_set(&r, PROBE_OFFLINE, why, "%s", detail);
    if (j->deep) {
        /* Deep jobs fail like a deep probe would: record the verdict. */
        deep_result_init(&j->deep->result);
        j->deep->result.base = r;
        on_deep_done(j->deep, 0);
    } else {
        on_probe_done(NULL, &r, j);
    }
}

/* Tier 2 cannot use the memo, but must know that the camera uses Digest,
 * so that a reply offering only Basic gets no password from libav. */
static bool memo_is_digest(const struct cam *c)
{
    size_t len = 0;
    const uint8_t *memo = cam_auth_memo(c, &len);
    struct rtsp_auth_challenge ch;
    uint32_t nc;
    return memo && len && rtsp_auth_memo_unpack(memo, len, &ch, &nc) == 0 &&
           ch.scheme == RTSP_AUTH_DIGEST;
}

/* An OSD look rides on a full deep look (it needs the decoded picture at
 * its streamed size) once per osd_interval, or when asked for on demand. */
static bool want_osd(const struct monitor *m, const struct cam *c, const struct job *j)
{
    if (!m->osd_on || !j->full_look)
        return false;
    if (j->od)
        return j->od->osd;
    return c->osd_due <= (int64_t)uv_now(m->loop);
}

/* What the worker needs to judge the OSD: the camera's name (read from the
 * index: the fleet table keeps no names), the zone and the tolerance. */
static int osd_prepare(struct monitor *m, const struct cam *c, struct job *j)
{
    struct osd_look *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    struct store_read *rd;
    struct store_camera cam;
    int rc = store_read_begin(m->o.store, &rd);
    if (!rc) {
        if (!(rc = store_camera_get(rd, c->id, &cam)))
            snprintf(l->name, sizeof(l->name), "%s", cam.name);
        store_read_end(&rd);
    }
    if (rc) {
        free(l);
        return rc;
    }
    l->tz_offset_s = m->tz_offset_s;
    l->tolerance_s = (m->cfg.clock_tolerance_ms + 999) / 1000;
    l->rc = -ENODATA;
    free(j->osd);
    j->osd = l;
    return 0;
}

/* On the deep worker, after the look: OCR is 0.2-0.5 s of CPU. */
static void job_read_osd(struct deep_request *req)
{
    struct job *j = req->data;
    osd_look_run(j->osd, &req->result);
}

static void on_resolved(void *data, int status, const struct sockaddr_storage *addr)
{
    struct job *j = data;
    struct monitor *m = j->m;
    j->resolving = false;
    struct cam *c = j->fleet_gen == m->fleet_gen ? &m->fleet.cams[j->cam] : NULL;
    if (m->stopping || !c) {
        fail_job(j, PROBE_R_INTERNAL_ERROR, "cancelled");
        return;
    }
    if (status) {
        char detail[128];
        snprintf(detail, sizeof(detail), "cannot resolve %s: %s", c->host,
                 status == -ETIMEDOUT ? "timed out" : strerror(-status));
        fail_job(j, PROBE_R_DNS_FAILED, detail);
        return;
    }
    struct sockaddr_storage sa = *addr;
    if (j->deep) {
        char host[48] = "";
        if (sa.ss_family == AF_INET6)
            uv_ip6_name((struct sockaddr_in6 *)&sa, host, sizeof(host));
        else
            uv_ip4_name((struct sockaddr_in *)&sa, host, sizeof(host));
        j->full_look = full_deep_look(m, c, j);
        const struct deep_opts *o = j->od && j->od->thumbnail ? &m->deep_opts_thumb
                                    : j->full_look           ? &m->deep_opts
                                                             : &m->deep_opts_quick;
        struct deep_opts od = *o;
        od.refuse_basic =
            m->cfg.remember_auth && !m->cfg.allow_basic_downgrade && memo_is_digest(c);
        od.full_luma = want_osd(m, c, j) && osd_prepare(m, c, j) == 0;
        j->deep->after = od.full_luma ? job_read_osd : NULL;
        int drc = deep_pool_submit(m->deep, j->deep, c->url, host, &od, on_deep_done);
        if (drc) {
            char detail[128];
            snprintf(detail, sizeof(detail), "deep probe not started: %s", strerror(-drc));
            fail_job(j, PROBE_R_INTERNAL_ERROR, detail);
        }
        return;
    }
    struct rtsp_conn_opts opts = m->conn_opts;
    if (j->od && j->od->depth >= MONITOR_DEPTH_OPTIONS && j->od->depth <= MONITOR_DEPTH_PLAY)
        opts.depth = rtsp_depths[j->od->depth];
    if (m->cfg.remember_auth)
        opts.auth_memo = cam_auth_memo(c, &opts.auth_memo_len);
    /* auto: OPTIONS tells nothing DESCRIBE does not (the Server header
     * comes with every reply), so it is left out, also at first contact,
     * and sent only after a probe without it failed, until the camera
     * answers, and always to a camera that turned out to want it
     * (options_learn). */
    if (m->cfg.skip_options == CONFIG_SKIP_AUTO)
        opts.skip_options = !c->options_suspect && !c->needs_options;
    j->skipped_options = opts.skip_options && opts.depth != RTSP_DEPTH_OPTIONS;
    if (want_clock(m, c, j)) {
        j->clock_look = true;
        opts.depth = RTSP_DEPTH_PLAY;
        opts.clock_ms = m->cfg.clock_wait_ms;
        if (opts.total_ms) /* the cap is the handshake's; the wait comes on top */
            opts.total_ms += m->cfg.clock_wait_ms;
    }
    int rc = rtsp_conn_start(m->loop, (struct sockaddr *)&sa, c->url, &opts, on_probe_done, j,
                             &j->conn);
    if (rc) {
        char detail[128];
        snprintf(detail, sizeof(detail), "cannot start the probe: %s",
                 rc == -EMFILE || rc == UV_EMFILE ? "out of file descriptors" : uv_strerror(rc));
        fail_job(j, PROBE_R_INTERNAL_ERROR, detail);
    }
}

/* The longest time between two probe starts: a pause in probing (a loop
 * stalled by a reload, say) shows here. */
static void note_start_gap(struct monitor *m)
{
    uint64_t now = uv_now(m->loop);
    if (m->last_start_ms && now - m->last_start_ms > m->st.start_gap_max_ms)
        m->st.start_gap_max_ms = now - m->last_start_ms;
    m->last_start_ms = now;
}

/* `line`: the deep line the camera was taken from, -1 for none. */
static void start_job(struct monitor *m, struct cam *c, struct host_slot *slot, bool deep,
                      struct monitor_probe *od, int line)
{
    struct job *j = calloc(1, sizeof(*j));
    if (j && deep && !(j->deep = calloc(1, sizeof(*j->deep)))) {
        free(j);
        j = NULL;
    }
    if (!j) {
        if (line >= 0)
            deep_lines_done(&m->lines, (enum deep_line)line);
        if (od)
            ondemand_finish(od, -ENOMEM);
        else if (!c->queued)
            schedule(m, c, (int64_t)uv_now(m->loop) + 1000);
        return;
    }
    j->od = od;
    note_start_gap(m);
    j->line = (int8_t)(deep ? line : -1);
    if (deep)
        j->deep->data = j;
    j->m = m;
    j->slot = slot;
    j->fleet_gen = m->fleet_gen;
    j->cam = (uint32_t)(c - m->fleet.cams);
    snprintf(j->id, sizeof(j->id), "%s", c->id);
    j->next = m->jobs;
    if (m->jobs)
        m->jobs->prev = j;
    m->jobs = j;
    slot->in_flight++;
    if (deep) {
        assert(!c->deep_in_flight);
        m->st.deep_in_flight++;
        c->deep_in_flight = true;
    } else {
        assert(!c->in_flight);
        m->st.in_flight++;
        c->in_flight = true;
    }
    j->resolving = true;
    int rc = resolver_lookup(m->resolver, c->host, on_resolved, j);
    if (rc)
        fail_job(j, PROBE_R_DNS_FAILED, "host name cannot be resolved");
}


/* On-demand probes go first: they jump the schedule, but wait for a probe
 * of their own camera still running (one probe per camera at a time) and
 * for a free slot under every cap. */
static void start_ondemand(struct monitor *m)
{
    struct monitor_probe **pp = &m->od_waiting;
    while (*pp && !m->stopping) {
        struct monitor_probe *p = *pp;
        struct cam *c = fleet_find(&m->fleet, p->id);
        if (!c || c->kind == CAM_INVALID) {
            /* A reload took the camera away while the probe waited. */
            *pp = p->next_;
            ondemand_finish(p, -ENOENT);
            continue;
        }
        bool deep = p->depth == MONITOR_DEPTH_DEEP || c->kind == CAM_DEEP;
        struct host_slot *slot = NULL;
        bool free_slot = deep ? m->deep && m->st.deep_in_flight < m->deep_cap
                              : m->st.in_flight < m->st.max_in_flight;
        if (c->in_flight || c->deep_in_flight || !free_slot ||
            !(slot = host_slot(m, c->host)) || slot->in_flight >= m->cfg.max_per_host) {
            pp = &p->next_;
            continue;
        }
        *pp = p->next_;
        p->next_ = NULL;
        p->waited_ms = (uint32_t)(uv_now(m->loop) - p->queued_at_);
        start_job(m, c, slot, deep, p, -1);
        /* Starting may end jobs at once (a failed lookup) and change the
         * list's neighbours: walk again from the start. */
        pp = &m->od_waiting;
    }
}

int monitor_probe_now(struct monitor *m, struct monitor_probe *p)
{
    if (m->stopping)
        return -ECANCELED;
    struct cam *c = fleet_find(&m->fleet, p->id);
    if (!c)
        return -ENOENT;
    bool deep = p->depth == MONITOR_DEPTH_DEEP || c->kind == CAM_DEEP;
    if (c->kind == CAM_INVALID)
        return -EINVAL;
    if (deep && !m->deep)
        return -ENOTSUP;
    p->status = 0;
    p->applied = false;
    p->waited_ms = 0;
    p->next_ = NULL;
    p->queued_at_ = uv_now(m->loop);
    struct monitor_probe **tail = &m->od_waiting;
    while (*tail)
        tail = &(*tail)->next_;
    *tail = p;
    pump(m);
    return 0;
}

void monitor_probe_cancel_all(struct monitor *m)
{
    struct monitor_probe *p;
    while ((p = m->od_waiting)) {
        m->od_waiting = p->next_;
        ondemand_finish(p, -ECANCELED);
    }
    for (struct job *j = m->jobs; j; j = j->next) {
        if ((p = j->od)) {
            j->od = NULL;
            ondemand_finish(p, -ECANCELED);
        }
    }
}

/* Is a camera taken from the diagnosis line still to be looked at now?
 * What happened while it waited may have made the look moot: it went
 * offline or into maintenance, a look on demand diagnosed it, a reload
 * made it another kind, or its handshake runs (which puts it back in line
 * when it ends, if the look is still due). */
static bool diagnosis_still_due(const struct monitor *m, const struct cam *c, int64_t now)
{
    return c->kind == CAM_RTSP && !c->in_flight && !c->deep_in_flight && c->deep_due <= now &&
           (c->mem.state == STORE_ONLINE || c->mem.state == STORE_DEGRADED);
}

/* Gives free deep workers to the cameras waiting in the lines, the line
 * for each worker chosen by deep_lines_take. A camera whose host is at
 * its cap is put back: a tier-2-only camera on the heap 20 ms later (its
 * lag grows), a diagnosis at the end of its line once this round of picks
 * is over (until then the pick goes on with the others). */
static void start_from_lines(struct monitor *m, int64_t now)
{
    uint32_t blocked[64], i;
    size_t nblocked = 0;
    int line;
    while (m->st.deep_in_flight < m->deep_cap && !m->stopping &&
           nblocked < sizeof(blocked) / sizeof(*blocked) &&
           (line = deep_lines_take(&m->lines, &i)) >= 0) {
        struct cam *c = &m->fleet.cams[i];
        bool diagnosis = line == DEEP_LINE_DIAGNOSIS;
        if (diagnosis && !diagnosis_still_due(m, c, now)) {
            deep_lines_done(&m->lines, DEEP_LINE_DIAGNOSIS);
            continue;
        }
        struct host_slot *slot = host_slot(m, c->host);
        if (!slot || slot->in_flight >= m->cfg.max_per_host) {
            deep_lines_done(&m->lines, (enum deep_line)line);
            if (diagnosis)
                blocked[nblocked++] = i;
            else
                schedule(m, c, now + 20);
            continue;
        }
        if (!diagnosis)
            record_lag(m, now - c->due);
        start_job(m, c, slot, true, NULL, line);
    }
    for (size_t k = 0; k < nblocked; k++)
        deep_lines_push(&m->lines, DEEP_LINE_DIAGNOSIS, blocked[k]);
}

/* Probes due within this many milliseconds start together. The tick then
 * fires about once per window instead of once per due camera, and the
 * probes' packets come in bursts: at 4,300 probes/s both camdex and the
 * cameras' side wake up far less often (each wake-up costs a context switch
 * and, on loopback, an inter-processor interrupt). Starting a probe up to
 * this much early changes nothing a schedule promises. */
#define PUMP_WINDOW_MS 10
/* pump() puts a camera it cannot start yet back at now + 20 ms or later; a
 * window that reached that far would pop it again at once, forever. */
_Static_assert(PUMP_WINDOW_MS < 20, "the pump window must end before the shortest retry");

/* Starts every probe that is due (or due within PUMP_WINDOW_MS), within the
 * caps, and arms the timer for the next one. */
static void pump(struct monitor *m)
{
    if (m->stopping)
        return;
    if (m->pumping) {
        m->pump_again = true;
        return;
    }
    m->pumping = true;
    do {
        m->pump_again = false;
        start_ondemand(m);
        int64_t now = (int64_t)uv_now(m->loop);
        while (m->fleet.heap_n && m->st.in_flight < m->st.max_in_flight &&
               heap_top_due(&m->fleet) <= now + PUMP_WINDOW_MS && !m->stopping) {
            uint32_t i = heap_pop(&m->fleet);
            struct cam *c = &m->fleet.cams[i];
            if (c->in_flight)
                continue; /* it reschedules itself when it ends */
            if (c->deep_in_flight) {
                /* One probe per camera at a time: wait for the deep look. */
                schedule(m, c, now + 500);
                continue;
            }
            /* HLS, HTTP-FLV, RTMP, RTSPS: only tier 2 can look at them;
             * a sweep --deep's look at an RTSP camera waits in the same line. */
            bool deep = c->kind == CAM_DEEP || c->deep_next;
            if (deep && !m->deep) {
                schedule(m, c, now + 1000);
                continue;
            }
            if (deep) {
                /* In line for a worker, started below or by the next deep
                 * job to end (looking again every 50 ms capped a sweep at
                 * deep_cap cameras per 50 ms). Off the heap meanwhile, so
                 * in the line once. */
                int rc = deep_lines_push(&m->lines, DEEP_LINE_LIVENESS, i);
                assert(rc == 0);
                (void)rc;
                continue;
            }
            struct host_slot *slot = host_slot(m, c->host);
            if (!slot || slot->in_flight >= m->cfg.max_per_host) {
                /* One NVR serves many channels: wait for its other probes. */
                schedule(m, c, now + 20);
                continue;
            }
            record_lag(m, now - c->due);
            start_job(m, c, slot, false, NULL, -1);
        }
        start_from_lines(m, now);
    } while (m->pump_again && !m->stopping);
    m->pumping = false;
    if (m->stopping)
        return;
    int64_t now = (int64_t)uv_now(m->loop), next = heap_top_due(&m->fleet);
    if (next != INT64_MAX && m->st.in_flight < m->st.max_in_flight) {
        m->tick_due = next > now ? next : now;
        uv_timer_start(&m->tick, on_tick, (uint64_t)(m->tick_due - now), 0);
    } else {
        uv_timer_stop(&m->tick);
    }
}

static void on_tick(uv_timer_t *t)
{
    pump(t->data);
}

static void on_commit_timer(uv_timer_t *t)
{
    struct monitor *m = t->data;
    writer_flush(m->writer);
}

/* ---- loading ---- */

/* Puts the fleet's cameras on the schedule: spread over the interval for
 * the service, all at once for a sweep. */
static void queue_fleet(struct monitor *m, struct fleet *old, const uint32_t *old_of)
{
    int64_t now = (int64_t)uv_now(m->loop);
    memset(m->st.count, 0, sizeof(m->st.count));
    m->st.skipped = 0;
    if (m->late.slot)
        due_count_reset(&m->late, now - m->cfg.interval_ms);
    for (size_t i = 0; i < m->fleet.count; i++) {
        struct cam *c = &m->fleet.cams[i];
        struct cam *was = old && old_of[i] ? &old->cams[old_of[i] - 1] : NULL;
        if (old && !was)
            c->memo_dirty = true; /* a hint the index may hold is not for it */
        if (was) {
            /* Runtime state survives a reload; a changed URL is probed soon. */
            bool same_url = strcmp(was->url, c->url) == 0;
            /* Maintenance is the operators': the index decides it. */
            bool maint_now = c->mem.state == STORE_MAINTENANCE;
            if (maint_now == (was->mem.state == STORE_MAINTENANCE))
                c->mem = was->mem;
            c->due = same_url ? was->due : now;
            c->in_flight = was->in_flight;
            c->decided = was->decided;
            if (same_url) { /* the same camera: what it taught us holds */
                c->auth_memo = was->auth_memo;
                c->memo_dirty = was->memo_dirty;
                was->auth_memo = NULL;
                c->options_suspect = was->options_suspect;
                c->options_strikes = was->options_strikes;
                c->needs_options = was->needs_options;
            } else {
                c->memo_dirty = true; /* the index's hint is for the old URL */
            }
        } else if (m->o.sweep) {
            /* Cameras offline at the last look, or that took a second or
             * more to answer it, go first: a dead or slow camera takes its
             * timeouts and re-check (seconds) whatever else runs, so started
             * first they overlap the healthy majority's probes instead of
             * adding their length at the end of the pass. */
            c->due = now - (c->mem.state == STORE_OFFLINE || c->slow_last ? 1 : 0);
        } else {
            c->due = now + fleet_spread(i, m->fleet.count, m->cfg.interval_ms);
        }
        count_state(m, c->mem.state, +1);
        if (was) {
            c->deep_due = was->deep_due;
            c->clock_due = was->clock_due;
            c->osd_due = was->osd_due;
            c->deep_in_flight = was->deep_in_flight;
        } else {
            /* Periodic deep looks spread over their interval like probes. */
            c->deep_due = now + fleet_offset(c->id, m->cfg.deep_interval_ms);
            /* Clock looks too, over their day. */
            c->clock_due = now + fleet_offset(c->id, m->cfg.clock_interval_ms);
            /* OSD looks over their day, at the first full deep look due. */
            c->osd_due = now + fleet_offset(c->id, m->cfg.osd_interval_ms);
        }
        late_move(m, c, false, 0);
        if (c->kind == CAM_INVALID || (c->kind == CAM_DEEP && !m->deep)) {
            m->st.skipped++; /* nothing can probe it */
            continue;
        }
        if (!c->in_flight && !c->deep_in_flight)
            heap_push(&m->fleet, (uint32_t)i);
    }
    m->st.cameras = (uint32_t)m->fleet.count;
}

/* Cameras in state unknown that something can probe: the first pass. */
static uint32_t unknown_cameras(const struct monitor *m)
{
    uint32_t n = 0;
    for (size_t i = 0; i < m->fleet.count; i++) {
        const struct cam *c = &m->fleet.cams[i];
        n += c->mem.state == STORE_UNKNOWN && c->kind != CAM_INVALID &&
             (c->kind != CAM_DEEP || m->deep);
    }
    return n;
}

int monitor_start(struct monitor *m)
{
    int rc = fleet_load(&m->fleet, m->o.store);
    m->fleet.memos = &m->memos;
    if (rc)
        return rc;
    if (m->cfg.remember_auth && (rc = fleet_load_auth_hints(&m->fleet, m->o.store)))
        log_kv(LEVEL_WARN, "authentication memos not loaded", "error", store_strerror(rc), NULL);
    m->fleet_gen++;
    rc = deep_lines_reset(&m->lines, m->fleet.count);
    if (rc)
        return rc;
    queue_fleet(m, NULL, NULL);
    first_pass_begin(&m->first, unknown_cameras(m));
    uv_timer_start(&m->tick, on_tick, 0, 0);
    uv_timer_start(&m->commit_timer, on_commit_timer, m->cfg.commit_interval_ms,
                   m->cfg.commit_interval_ms);
    char n[32], cap[32];
    snprintf(n, sizeof(n), "%zu", m->fleet.count);
    snprintf(cap, sizeof(cap), "%u", m->st.max_in_flight);
    log_kv(LEVEL_INFO, "fleet loaded", "cameras", n, "max_in_flight", cap, NULL);
    maybe_finish_sweep(m);
    return 0;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A reload in progress: the index is read (and the caller's `before` run)
 * on a libuv worker thread while the loop goes on probing the old fleet;
 * the loop then swaps fleets in one linear pass. Reading a million cameras
 * on the loop stopped probing for seconds. */
struct reload {
    uv_work_t req;
    struct monitor *m;
    struct fleet old; /* the running fleet's cameras and lookup, as of the start */
    struct fleet next;
    uint32_t *old_of; /* next's cameras in `old` (fleet_match) */
    int (*before)(void *data);
    void (*done)(void *data, int status);
    void *data;
    int status;
};

/* Worker thread: touches the store, `next`, and of the running fleet only
 * what fleet_match reads (never written after its load). */
static void reload_work(uv_work_t *w)
{
    struct reload *r = w->data;
    r->status = r->before ? r->before(r->data) : 0;
    if (!r->status)
        r->status = fleet_load(&r->next, r->m->o.store);
    if (!r->status && !(r->old_of = malloc((r->next.count + 1) * sizeof(*r->old_of))))
        r->status = -ENOMEM;
    if (!r->status)
        fleet_match(&r->next, &r->old, r->old_of);
}

/* Loop thread: the new fleet takes over with the old one's runtime state. */
static int reload_apply(struct monitor *m, struct reload *r)
{
    uint64_t t0 = uv_hrtime(), c0 = thread_cpu_ns();
    /* Indexes waiting in the lines name cameras of the old fleet:
     * queue_fleet puts every camera not in flight back on the heap, and
     * RTSP cameras due for a diagnosis join the line at their next
     * handshake. */
    int rc = deep_lines_reset(&m->lines, r->next.count);
    if (rc)
        return rc;
    /* Jobs find cameras by id; the old strings must outlive them, so the
     * previous fleet is kept one reload longer. */
    fleet_free(&m->old_fleet);
    m->old_fleet = m->fleet;
    m->fleet = r->next;
    m->fleet.memos = &m->memos;
    memset(&r->next, 0, sizeof(r->next));
    m->fleet_gen++;
    queue_fleet(m, &m->old_fleet, r->old_of);
    if (m->first.pending) {
        /* The pass now covers the new inventory's unknown cameras. */
        m->first.pending = unknown_cameras(m);
        if (!m->first.pending)
            log_first_pass(m);
    }
    /* Probes in flight belong to the old generation; their cameras, if
     * still here, are rescheduled when they end. */
    char n[32], took[32], cpu[32];
    snprintf(n, sizeof(n), "%zu", m->fleet.count);
    /* How long probing waited for the swap (the loop's part of a reload),
     * and its CPU, which a loaded machine does not stretch. */
    snprintf(took, sizeof(took), "%.1f", (double)(uv_hrtime() - t0) / 1e6);
    snprintf(cpu, sizeof(cpu), "%.1f", (double)(thread_cpu_ns() - c0) / 1e6);
    log_kv(LEVEL_INFO, "inventory reloaded", "cameras", n, "swap_ms", took, "swap_cpu_ms", cpu,
           NULL);
    pump(m);
    return 0;
}

static void reload_after(uv_work_t *w, int status)
{
    struct reload *r = w->data;
    struct monitor *m = r->m;
    m->reloading = NULL;
    int rc = status ? -ECANCELED : r->status;
    if (!rc && m->stopping)
        rc = -ECANCELED;
    if (!rc)
        rc = reload_apply(m, r);
    fleet_free(&r->next);
    free(r->old_of);
    if (r->done)
        r->done(r->data, rc);
    free(r);
}

int monitor_reload(struct monitor *m, int (*before)(void *data),
                   void (*done)(void *data, int status), void *data)
{
    if (m->stopping)
        return -ECANCELED;
    if (m->reloading)
        return -EBUSY;
    struct reload *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    *r = (struct reload){.m = m, .before = before, .done = done, .data = data};
    r->req.data = r;
    r->old.cams = m->fleet.cams;
    r->old.count = m->fleet.count;
    r->old.slots = m->fleet.slots;
    r->old.nslots = m->fleet.nslots;
    int rc = uv_queue_work(m->loop, &r->req, reload_work, reload_after);
    if (rc) {
        free(r);
        return rc;
    }
    m->reloading = r;
    return 0;
}

bool monitor_reloading(const struct monitor *m)
{
    return m->reloading != NULL;
}

/* ---- stopping ---- */

/* What cameras' challenges were goes into the index with the last commit,
 * so that the next start does not draw a 401 from every camera. */
static void save_auth_hints(struct monitor *m)
{
    if (!m->cfg.remember_auth || !m->writer)
        return;
    int rc = fleet_save_auth_hints(&m->fleet, writer_batch(m->writer));
    if (rc)
        log_kv(LEVEL_WARN, "authentication memos not saved", "error", store_strerror(rc), NULL);
}

static void notify_stopped(struct monitor *m)
{
    if (m->stopped_notified || m->st.in_flight || m->closing)
        return;
    m->stopped_notified = true;
    save_auth_hints(m);
    writer_close(&m->writer);
    if (m->o.on_stopped)
        m->o.on_stopped(m->o.data);
}

static void on_timer_closed(uv_handle_t *h)
{
    struct monitor *m = h->data;
    m->closing--;
    notify_stopped(m);
}

void monitor_stop(struct monitor *m)
{
    if (m->stopping)
        return;
    m->stopping = true;
    m->closing = 2;
    /* Probes asked for and not started end now; running ones end with
     * their jobs, below. */
    struct monitor_probe *p;
    while ((p = m->od_waiting)) {
        m->od_waiting = p->next_;
        ondemand_finish(p, -ECANCELED);
    }
    uv_close((uv_handle_t *)&m->tick, on_timer_closed);
    uv_close((uv_handle_t *)&m->commit_timer, on_timer_closed);
    /* Sessions still get their TEARDOWN: cameras have few slots. */
    for (struct job *j = m->jobs, *next; j; j = next) {
        next = j->next;
        if (j->conn && !j->resolving)
            rtsp_conn_cancel(j->conn);
    }
    resolver_free(&m->resolver); /* answers pending lookups with -ECANCELED */
    /* Running deep probes are interrupted within ~100 ms; their callbacks
     * (with -ECANCELED) end the jobs. */
    deep_pool_close(&m->deep);
}

void monitor_free(struct monitor **mp)
{
    struct monitor *m = *mp;
    if (!m)
        return;
    if (m->writer)
        writer_close(&m->writer);
    resolver_free(&m->resolver);
    deep_pool_close(&m->deep);
    fleet_free(&m->fleet);
    fleet_free(&m->old_fleet);
    slot_pool_free(&m->memos);
    tcp_io_close(m->io, NULL, NULL);
    m->io = NULL;
    free(m->hosts);
    deep_lines_free(&m->lines);
    due_count_free(&m->late);
    free(m);
    *mp = NULL;
}

void monitor_get_stats(const struct monitor *m, struct monitor_stats *st)
{
    *st = m->st;
    st->queued = (uint32_t)(m->fleet.heap_n + m->lines.len[DEEP_LINE_LIVENESS]);
    st->deep_waiting = (uint32_t)m->lines.len[DEEP_LINE_LIVENESS];
    st->diagnoses_waiting = (uint32_t)m->lines.len[DEEP_LINE_DIAGNOSIS];
}

uint64_t monitor_start_gap_take(struct monitor *m)
{
    uint64_t gap = m->st.start_gap_max_ms;
    m->st.start_gap_max_ms = 0;
    return gap;
}

uint32_t monitor_diagnoses_overdue(struct monitor *m)
{
    if (!m->late.slot)
        return 0;
    int64_t late = (int64_t)uv_now(m->loop) - m->cfg.interval_ms;
    return due_count_before(&m->late, late);
}
