/* The service's in-memory view of the fleet: one compact entry per camera
 * (id, URL, unit, host, due time, health memory), a lookup by id, and the
 * min-heap of due times the scheduler pops from. Loop thread only. */
#ifndef CAMDEX_FLEET_H
#define CAMDEX_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/health.h"
#include "store.h"

enum cam_kind {
    CAM_RTSP,    /* tier 1 on the loop */
    CAM_DEEP,    /* HLS, HTTP-FLV, RTMP, RTSPS: tier 2 only */
    CAM_INVALID, /* URL that cannot be probed; reported, never retried */
};

struct cam {
    const char *id, *url, *unit_id;
    const char *host; /* interned: per-host caps compare pointers */
    uint16_t port;
    uint8_t kind;     /* enum cam_kind */
    bool in_flight;
    bool decided;     /* sweep: reached a verdict this pass */
    bool url_changed; /* set by a reload: credentials may be right now */
    bool deep_in_flight;
    /* skip_options = auto: the last probe went without OPTIONS and failed
     * (is the camera one that wants it?), how often an OPTIONS probe then
     * succeeded at once, and the verdict: this camera always gets OPTIONS. */
    bool options_suspect;
    uint8_t options_strikes;
    bool needs_options;
    bool slow_last; /* the index's last probe of it took a second or more */
    /* sweep --deep: the camera's next probe is its deep look, and it has
     * had one this pass (a re-check of a failed look is deep too). */
    bool deep_next, deep_looked;
    uint16_t expect_w, expect_h, expect_fps; /* from the inventory, 0 = not given */
    uint16_t seen_w, seen_h;                 /* last size a probe reported */
    bool queued;      /* in the heap */
    int64_t due;      /* loop time (ms) of the next probe */
    int64_t deep_due; /* loop time of the next periodic deep probe, 0 = at once */
    int64_t clock_due; /* loop time of the next clock look (RTSP cameras) */
    int64_t osd_due;   /* loop time of the next OSD look (with a full deep look) */
    /* The challenge the last probe's credentials were accepted with: a
     * 2-byte length, then rtsp_auth_memo_pack's bytes. NULL when none. */
    uint8_t *auth_memo;
    /* The memo differs from the index's hint (or may): written at stop.
     * Writing every camera's hint, changed or not, was most of a stop at a
     * million cameras. */
    bool memo_dirty;
    struct health_mem mem;
};

struct fleet {
    struct cam *cams;
    size_t count;
    uint32_t *slots; /* id hash -> index + 1, 0 = empty */
    size_t nslots;
    /* Camera indexes by due time. Each entry carries its due time, so
     * sifting reads only this array (~700 KB for 43,000 cameras) and never
     * the camera entries, which are spread over megabytes: a pop was about
     * 30 cache misses before. */
    struct heap_ent {
        int64_t due;
        uint32_t cam;
    } *heap;
    size_t heap_n;
    void *arena;     /* strings */
    size_t arena_chunk; /* bytes a chunk of it, sized at load */
    /* Where cameras' authentication memos live; shared by the fleets of
     * successive reloads (memos move to the new one), owned by the caller.
     * NULL: memos are not kept. */
    struct slot_pool *memos;
};

/* Builds the fleet from the index's cameras and health records. */
int fleet_load(struct fleet *f, struct store *s);
void fleet_free(struct fleet *f);
struct cam *fleet_find(const struct fleet *f, const char *id);

/* For each camera of `next`, its index in `old` plus one, 0 for a camera
 * `old` does not have (old_of has next->count entries). Reads only the
 * cameras' ids and the lookup, which nothing writes after fleet_load: a
 * reload matches on a worker thread while the loop runs `old`. */
void fleet_match(const struct fleet *next, const struct fleet *old, uint32_t *old_of);

void heap_push(struct fleet *f, uint32_t cam);
uint32_t heap_pop(struct fleet *f);
/* Takes a queued camera out of the heap (a no-op when it is not queued). */
void heap_remove(struct fleet *f, uint32_t cam);
/* Lowest due time, or INT64_MAX when nothing is queued. */
int64_t heap_top_due(const struct fleet *f);

/* Slots of f->memos hold memos up to this size; longer ones are malloc'ed. */
#define FLEET_MEMO_SLOT 80

/* Keep (len > 0) or forget (len 0) a camera's authentication memo. Keeps
 * the old one when memory runs out: a stale memo costs one 401, no more. */
void cam_set_auth_memo(struct fleet *f, struct cam *c, const uint8_t *memo, size_t len);
/* The memo's bytes and length, or NULL. */
const uint8_t *cam_auth_memo(const struct cam *c, size_t *len);

/* Memos kept in the index across restarts (store.h, "authentication
 * hints"): read into the fleet once at start, written back when the
 * service or sweep stops. A memo that went stale meanwhile costs what none
 * would: one 401. Load needs f->memos set; 0 or a negative errno. */
int fleet_load_auth_hints(struct fleet *f, struct store *s);
/* Adds the memo (or its absence) of every camera whose memo changed since
 * the index's hints were read to the batch. */
int fleet_save_auth_hints(const struct fleet *f, struct store_batch *b);

/* Stable spread of start offsets across the interval, from the id. */
uint32_t fleet_offset(const char *id, uint32_t interval_ms);
/* The start offset of the camera at `index` of `count` (the fleet is in the
 * index's key order) within the interval: evenly spread, in key order. */
uint32_t fleet_spread(size_t index, size_t count, uint32_t interval_ms);

#endif
