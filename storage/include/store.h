/* The camdex index: an LMDB environment holding every camera, its health,
 * per-unit live counters, the outage log and daily time-weighted rollups.
 *
 * One writer applies batches (struct store_batch) in one write transaction
 * each; any number of readers, in this process or others, read consistent
 * snapshots through struct store_read without blocking the writer.
 *
 * Every function returns 0 or a negative errno:
 *   -ENOENT   no such camera / unit / record
 *   -EINVAL   invalid argument (too long, bad state, ...)
 *   -EBADMSG  a stored value could not be decoded (corruption or newer schema)
 *   -EPROTO   the index has a schema this build does not know
 *   -ENOSPC   the map could not grow any further
 *   -EAGAIN   too many readers
 *   -EIO      other LMDB failure (see store_last_error())
 * Strings returned by readers point into the database map and stay valid
 * only until that read transaction ends. */
#ifndef CAMDEX_STORE_H
#define CAMDEX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 2: the diagnosis and reference tables (an index of schema 1 is read as
 * having none, and a writer migrates it by creating them).
 * 3: daily rows and health records carry picture-fault time (the intact
 * rate's); a row written before reads with all its degraded time as
 * picture-fault time, the intact rate as it was computed then.
 * 4: the thumbnail and osd tables, migrated the same way as schema 2's.
 * 5: the zone table (a central's cameras and the zone each came from); an
 * older index reads as having no zones, a writer migrates by creating it. */
#define STORE_SCHEMA_VERSION 5
#define STORE_ID_MAX         64  /* camera and unit ids, bytes */
#define STORE_REASON_MAX     31  /* reason tokens: [a-z0-9_] */
#define STORE_TEXT_MAX       2048

/* Health states. The numeric values are stored: never renumber. */
enum store_state {
    STORE_UNKNOWN = 0,     /* never probed since it entered the inventory */
    STORE_ONLINE = 1,      /* media flows and looks right */
    STORE_DEGRADED = 2,    /* media flows but something is wrong (reason says what) */
    STORE_OFFLINE = 3,     /* unreachable or refusing (reason says why) */
    STORE_MAINTENANCE = 4, /* set by operations; excluded from rates and alerts */
    STORE_STATE_COUNT
};

const char *store_state_name(enum store_state s);
/* Returns the state or -EINVAL. */
int store_state_parse(const char *name);

/* A camera as the inventory describes it. */
struct store_camera {
    const char *id;
    const char *name;
    const char *unit_id;
    const char *url; /* with credentials: redact before showing */
    const char *address;
    const char *tags;
    double lat, lon;
    bool has_location;
    uint16_t width, height, fps; /* expected; 0 = not given */
};

/* What the last probes learnt about the stream. */
struct store_media {
    const char *codec;   /* "h264", "h265", ... or "" */
    const char *profile; /* "High", "Main", ... or "" */
    const char *audio;   /* audio codec or "" */
    const char *server;  /* RTSP Server header (vendor hint) or "" */
    uint16_t width, height;
    uint32_t fps_milli;    /* frames per second x 1000 */
    uint32_t bitrate_kbps;
};

/* A camera's health. The writer sets state/reason/detail/probe fields; the
 * store maintains `since` and the accounting watermark itself. On a write,
 * a NULL detail keeps the stored one, and media fields merge: an empty
 * string or a zero keeps what was known (a handshake learns less than a
 * deep probe, and must not erase what the deep probe measured). */
struct store_health {
    uint8_t state;      /* enum store_state */
    const char *reason; /* "" when online or unknown */
    const char *detail; /* one human line, "" when none */
    int64_t since;      /* ms since epoch of the last state change (store-maintained) */
    int64_t last_probe; /* ms; 0 = never */
    int64_t last_success;
    uint32_t consec_fail, consec_ok;
    uint32_t transitions; /* state changes inside the flapping window */
    bool flapping;
    int16_t rtsp_status; /* last RTSP status, 0 = none */
    uint32_t latency_us; /* time of the last probe, all phases */
    struct store_media media;
    /* Store-maintained time accounting: time is credited up to
     * accounted_until; the current day's share stays here (acc_*) and moves
     * to the daily table when the day ends, which spares a daily write per
     * probe. Writers need not set these: the store carries them over. */
    int64_t accounted_until;
    int32_t acc_day;
    uint64_t acc_ms[STORE_STATE_COUNT];
    uint64_t acc_picture_ms; /* of acc_ms[STORE_DEGRADED]: a picture fault's */
};

/* A unit (organisational unit) with its live counters. */
struct store_unit {
    const char *id;
    const char *name;
    uint32_t cameras;                  /* cameras in the unit */
    uint32_t count[STORE_STATE_COUNT]; /* cameras per state, sums to `cameras` */
};

/* One transition of the outage log. */
struct store_event {
    uint64_t key;      /* unique, strictly increasing; time_ms == key >> 12 */
    int64_t time_ms;
    const char *camera_id;
    const char *unit_id;
    uint8_t from, to;   /* enum store_state */
    const char *reason; /* reason of the new state */
    const char *detail;
};

/* Time spent per state by one camera or unit during one day, in ms (a unit
 * sums its cameras, so a unit-day holds up to cameras x 86,400,000 ms). */
struct store_daily {
    const char *id;
    int32_t day; /* days since 1970-01-01 in the index's day zone */
    uint64_t ms[STORE_STATE_COUNT];
    /* Of ms[STORE_DEGRADED], the time whose reason was a picture fault
     * (store_reason_is_picture_fault): the picture was not usable. */
    uint64_t picture_ms;
};

/* The reasons that make a picture unusable (signal_lost, black,
 * too_bright, blurred, occluded, color_cast, noisy, stripes, frozen,
 * scene_changed, shaking): degraded time with one of them is not intact.
 * Other degraded reasons (a low frame rate, a resolution that differs from
 * the record, ...) leave the picture usable. */
bool store_reason_is_picture_fault(const char *reason);

/* Online rate (在线率): online or degraded time over monitored time
 * (online + degraded + offline); intact rate (完好率): time with a usable
 * picture (online, or degraded for a reason that is not a picture fault)
 * over monitored time. NAN when nothing was monitored. */
double store_daily_online_rate(const struct store_daily *d);
double store_daily_intact_rate(const struct store_daily *d);
double store_unit_online_rate(const struct store_unit *u);

/* ---- environment ---- */

struct store;

struct store_options {
    uint64_t map_size;       /* initial map size in bytes; 0 = 256 MiB */
    uint64_t map_size_max;   /* growth limit; 0 = 64 GiB */
    bool read_only;          /* open for reading only (CLI queries) */
    bool no_sync;            /* skip fsync at commit (tests, benchmarks) */
    int32_t day_offset_s;    /* for a new index: seconds east of UTC that define
                              * day boundaries; INT32_MIN = take the local zone */
    int64_t max_credit_gap_ms; /* longer gaps between probes are not credited
                                * to any state; 0 = 15 minutes */
    uint32_t thumbnails_max;   /* thumbnails kept at most (store_batch_thumbnail_put);
                                * 0 = STORE_THUMBS_DEFAULT */
};

void store_options_default(struct store_options *o);
/* Opens (and for a writer creates) the index in directory `dir`. On
 * failure *out may still hold a closed handle so that store_last_error()
 * can explain; release it with store_close() either way. */
int store_open(const char *dir, const struct store_options *o, struct store **out);
void store_close(struct store **s);
/* Writes everything committed to disk and waits for it (an index opened
 * with no_sync, made durable once at the end). */
int store_sync(struct store *s);
/* Text of the last foreign (LMDB) error seen by this handle, for logs. */
const char *store_last_error(const struct store *s);
const char *store_strerror(int err);

struct store_info {
    uint64_t map_size, map_used, last_txn;
    uint32_t readers_used, readers_max;
    int32_t day_offset_s;
    uint32_t schema;
};
int store_info(struct store *s, struct store_info *out);

/* Day number of a time in this index's day zone, and the ms at its start. */
int32_t store_day_of(const struct store *s, int64_t ms);
int64_t store_day_start(const struct store *s, int32_t day);
/* Days roll at midnight `offset_s` east of UTC from now on: kept in the
 * index, so every process that opens it later counts days the same way.
 * Rows of past days keep their days; the day of the change is as much
 * shorter or longer as the offset moved. Call before this handle's other
 * threads commit. *was (may be NULL) gets the offset before. */
int store_day_zone_set(struct store *s, int32_t offset_s, int32_t *was);

/* ---- reading ---- */

struct store_read;
int store_read_begin(struct store *s, struct store_read **out);
void store_read_end(struct store_read **r);

/* Gives back the index pages this process has mapped in (they stay in the
 * page cache): a scan of the whole index touches every page, which counts
 * in the process's RSS though nothing is copied. A long listing calls it
 * every so many rows to keep its RSS flat. 0 or a negative errno. */
int store_forget_pages(struct store *s);

int store_camera_get(struct store_read *r, const char *id, struct store_camera *cam);
int store_health_get(struct store_read *r, const char *id, struct store_health *h);
int store_unit_get(struct store_read *r, const char *id, struct store_unit *u);

/* Scan callbacks return 0 to go on, 1 to stop early, negative to fail the scan. */
typedef int (*store_camera_cb)(const struct store_camera *cam, const struct store_health *h,
                               void *ctx);
typedef int (*store_unit_cb)(const struct store_unit *u, void *ctx);
typedef int (*store_event_cb)(const struct store_event *ev, void *ctx);
typedef int (*store_daily_cb)(const struct store_daily *d, void *ctx);

struct store_filter {
    const char *unit_id; /* NULL = any */
    int state;           /* enum store_state, -1 = any */
    const char *reason;  /* NULL = any */
    /* Cameras whose latest picture diagnosis has a finding of this reason,
     * whatever their state's reason; NULL = any. */
    const char *finding;
    /* Cameras of this zone (a central index, schema 5); NULL = any. */
    const char *zone;
    /* Resume strictly after this camera in the scan's order, so a page costs
     * its own length rather than everything before it. NULL after_id = from
     * the start. Unfiltered scans go by camera id alone and ignore
     * after_unit; filtered ones need it (-EINVAL without). The camera need
     * not exist any more. */
    const char *after_unit, *after_id;
};

/* How many cameras the index holds as of this read, from the table's
 * header (no walk): callers size their tables once before a scan. */
int store_cameras_count(struct store_read *r, uint64_t *n);
/* Cameras matching the filter, ordered by (unit id, camera id) when a unit
 * or state or reason is given, else by camera id (both in byte order).
 * Uses the secondary index that fits the filter best. */
int store_cameras_scan(struct store_read *r, const struct store_filter *f, store_camera_cb cb,
                       void *ctx);
int store_units_scan(struct store_read *r, store_unit_cb cb, void *ctx);

/* Events with from_ms <= time < to_ms, oldest first; camera_id or unit_id
 * (at most one) narrows them. */
int store_events_scan(struct store_read *r, const char *camera_id, const char *unit_id,
                      int64_t from_ms, int64_t to_ms, store_event_cb cb, void *ctx);
/* The key of the newest event, 0 when there is none: where a reader that
 * wants only what comes next starts. */
int store_events_last_key(struct store_read *r, uint64_t *key);
/* Daily rollups of a camera (is_unit false) or unit for days in [from, to]. */
int store_daily_scan(struct store_read *r, bool is_unit, const char *id, int32_t from_day,
                     int32_t to_day, store_daily_cb cb, void *ctx);

/* ---- writing ---- */

/* A batch of changes applied in one write transaction. Strings are copied
 * into the batch, so the caller's buffers may go away after each call. */
struct store_batch;

/* What a committed batch did. */
struct store_commit_stats {
    uint32_t cameras_added, cameras_changed, cameras_removed, cameras_unchanged;
    uint32_t health_updates, health_skipped; /* skipped: camera no longer exists */
    uint32_t transitions;
    uint32_t map_grows;
    uint32_t thumbnails_dropped; /* new thumbnails not kept: thumbnails_max reached */
};

int store_batch_new(struct store_batch **out);
void store_batch_free(struct store_batch **b);
void store_batch_clear(struct store_batch *b);
size_t store_batch_size(const struct store_batch *b);

/* Adds or replaces a camera (and creates or renames its unit). A new camera
 * starts in state unknown; a camera moved to another unit keeps its health. */
int store_batch_camera_put(struct store_batch *b, const struct store_camera *cam,
                           const char *unit_name);
/* Removes a camera from the live index; its events and rollups stay. */
int store_batch_camera_del(struct store_batch *b, const char *id);
/* Records a new health for an existing camera at time now_ms. A change of
 * state appends an event; time since the last update is credited to the
 * previous state in the daily rollups. */
int store_batch_health_put(struct store_batch *b, const char *id, const struct store_health *h,
                           int64_t now_ms);
/* Operations put a camera under maintenance (on) or take it back (off: it
 * becomes unknown and is probed again). This is the only way in or out of
 * STORE_MAINTENANCE: a health update for a camera under maintenance records
 * the probe but keeps the state, so a service that has not yet noticed the
 * operator's change cannot undo it. */
int store_batch_maintenance(struct store_batch *b, const char *id, bool on, const char *note,
                            int64_t now_ms);
/* Stores an opaque value under `key` in the meta table (cursors, markers). */
int store_batch_meta_put(struct store_batch *b, const char *key, const void *val, size_t len);

/* Applies the batch in one transaction; on MDB_MAP_FULL grows the map and
 * replays it. Transitions it produced are passed to `on_event` (may be NULL)
 * after the commit succeeded. The batch is left as it was. */
int store_batch_commit(struct store *s, struct store_batch *b, struct store_commit_stats *stats,
                       store_event_cb on_event, void *ctx);

/* Changes too many to hold twice (an import of a million cameras) are
 * made by a producer inside the write transaction instead of recorded in a
 * batch: store_write calls `fill`, which calls store_tx_* for each change
 * with strings it keeps alive; if the map fills up, the transaction is
 * undone, the map grown and `fill` called again, so it must make the same
 * changes each time. A nonzero return from fill aborts everything.
 * Strings longer than a batch would keep are refused (-ENAMETOOLONG), not
 * cut. */
struct store_tx;
typedef int (*store_fill_cb)(struct store_tx *tx, void *ctx);
int store_write(struct store *s, store_fill_cb fill, void *ctx, struct store_commit_stats *stats);
int store_tx_camera_put(struct store_tx *tx, const struct store_camera *cam,
                        const char *unit_name);
int store_tx_camera_del(struct store_tx *tx, const char *id);
int store_tx_meta_put(struct store_tx *tx, const char *key, const void *val, size_t len);

int store_meta_get(struct store_read *r, const char *key, const void **val, size_t *len);

/* ---- authentication hints ----
 * What a camera's last accepted authentication challenge was (for RTSP
 * Digest the realm, nonce and nonce count; opaque bytes to the store), kept
 * so that a restarted service or the next sweep sends credentials with its
 * first request instead of drawing a 401 from every camera. Not a
 * credential: the camera sent it in clear. A hint belongs to one URL: it
 * goes when its camera leaves the inventory or the camera's URL changes. */
#define STORE_HINT_MAX 1024

typedef int (*store_hint_cb)(const char *id, const void *hint, size_t len, void *ctx);
/* Every hint, by camera id. */
int store_auth_hints_scan(struct store_read *r, store_hint_cb cb, void *ctx);
/* Keeps (len 1..STORE_HINT_MAX) or forgets (len 0) a camera's hint. A hint
 * for a camera not in the index is dropped at commit. */
int store_batch_auth_hint_put(struct store_batch *b, const char *id, const void *hint,
                              size_t len);

/* ---- the clock check ----
 * A camera's clock against camdex's, from its RTCP sender reports, kept
 * apart from its health: a wrong clock does not make the picture unusable.
 * One record per camera, the last look; it goes with the camera. */
#define STORE_CLOCK_SOURCE_MAX 15
struct store_clock {
    bool measured;      /* false: no sender report came within the wait (unknown) */
    int64_t offset_ms;  /* camera minus camdex, positive: the camera is ahead */
    int64_t checked_at; /* ms since the epoch */
    char source[STORE_CLOCK_SOURCE_MAX + 1]; /* "rtcp" */
    uint32_t tolerance_ms; /* the tolerance it was judged with ([quality] clock_tolerance) */
};
/* 0, or -ENOENT when the camera's clock was never looked at. */
int store_clock_get(struct store_read *r, const char *id, struct store_clock *out);
/* Keeps the camera's last clock look; dropped at commit for a camera not in
 * the index. */
int store_batch_clock_put(struct store_batch *b, const char *id, const struct store_clock *c);

/* ---- picture diagnosis and reference pictures ----
 * The latest diagnosis of a camera's picture (every finding of the last
 * deep look that decoded one, most severe first, with the measured value
 * and the limit it crossed) and the camera's reference picture: a small
 * signature (a downscaled luma plane) of its healthy picture, which a later
 * look is compared with. Both go when the camera leaves the inventory. */
#define STORE_FINDINGS_MAX 8
#define STORE_SIG_DIM_MAX  64   /* signature width and height, samples */
#define STORE_SIG_MAX      1024 /* signature samples (width x height) */

struct store_finding {
    const char *reason; /* a reason token, never "" */
    float value, limit;
};

struct store_diagnosis {
    int64_t time_ms; /* when the picture was looked at */
    bool judged;     /* a picture was decoded and looked at */
    uint8_t n;       /* findings, at most STORE_FINDINGS_MAX; 0 = healthy */
    struct store_finding f[STORE_FINDINGS_MAX];
    /* The signature of the picture looked at (what an operator's "set
     * reference" adopts); sig_w = sig_h = 0 and sig NULL when none. */
    uint16_t sig_w, sig_h;
    const uint8_t *sig;
};

struct store_reference {
    int64_t time_ms;  /* when it was taken or set */
    bool by_operator; /* set by an operator, not taken at a healthy look */
    uint16_t sig_w, sig_h;
    const uint8_t *sig; /* sig_w x sig_h luma samples, row by row */
};

int store_diagnosis_get(struct store_read *r, const char *id, struct store_diagnosis *d);
int store_reference_get(struct store_read *r, const char *id, struct store_reference *ref);
/* Replaces the camera's diagnosis; dropped at commit if the camera left. */
int store_batch_diagnosis_put(struct store_batch *b, const char *id,
                              const struct store_diagnosis *d);
/* Sets (ref given) or clears (ref NULL) the camera's reference. */
int store_batch_reference_put(struct store_batch *b, const char *id,
                              const struct store_reference *ref);
/* An operator accepts the scene the camera shows now: the signature of
 * its latest diagnosis becomes its reference, as of now_ms. The commit
 * fails with -ENOENT when the camera has no diagnosed picture yet. */
int store_batch_reference_adopt(struct store_batch *b, const char *id, int64_t now_ms);

/* ---- thumbnails ----
 * The latest picture of a camera whose picture has a fault: a small JPEG,
 * replaced at each look that finds a fault and dropped at the first look
 * that finds none, so operators see what the diagnosis saw. Bounded: at
 * most STORE_THUMB_MAX bytes each and store_options.thumbnails_max of them
 * (a new camera's thumbnail beyond that is not kept, a kept one is still
 * replaced), so the table holds at most thumbnails_max x STORE_THUMB_MAX
 * bytes. It goes with the camera. */
#define STORE_THUMB_MAX      (24 * 1024)
#define STORE_THUMBS_DEFAULT 8192 /* x ~10 KiB typical: ~80 MiB at most in practice */

struct store_thumbnail {
    int64_t time_ms;        /* when the picture was taken */
    uint16_t width, height; /* of the JPEG */
    const uint8_t *jpeg;    /* 1..STORE_THUMB_MAX bytes */
    size_t len;
};
typedef int (*store_thumbnail_cb)(const char *id, const struct store_thumbnail *th, void *ctx);

/* 0, or -ENOENT when the camera has none. */
int store_thumbnail_get(struct store_read *r, const char *id, struct store_thumbnail *th);
/* Every kept thumbnail, by camera id. */
int store_thumbnails_scan(struct store_read *r, store_thumbnail_cb cb, void *ctx);
/* Keeps (th given) or drops (th NULL) the camera's thumbnail; -EINVAL for
 * an empty or over-long JPEG. Dropped at commit for a camera not in the
 * index. */
int store_batch_thumbnail_put(struct store_batch *b, const char *id,
                              const struct store_thumbnail *th);

/* ---- the OSD check ----
 * What the text burned into a camera's picture said at its last OSD look
 * (at most daily): the time and name OCR read, judged against camdex's
 * clock and the camera's name. A picture whose OSD could not be read is
 * unknown for both, never wrong. One record per camera; it goes with the
 * camera. */
#define STORE_OSD_TEXT_MAX 256
enum store_osd_check { STORE_OSD_UNKNOWN = 0, STORE_OSD_RIGHT = 1, STORE_OSD_WRONG = 2 };

struct store_osd {
    int64_t checked_at;         /* ms since the epoch */
    uint8_t time_check;         /* enum store_osd_check */
    uint8_t label_check;        /* enum store_osd_check */
    int64_t offset_s;           /* OSD time minus camdex's clock, when the time was judged */
    float similarity;           /* of the camera's name to the best line, 0..1 */
    uint32_t tolerance_s;       /* the time was judged with */
    const char *time_read;      /* "2026-12-07 13:22:45" as read, "" when none */
    const char *text;           /* what OCR read, lines joined by '\n', "" when nothing */
};
/* 0, or -ENOENT when the camera's OSD was never looked at. */
int store_osd_get(struct store_read *r, const char *id, struct store_osd *out);
/* Keeps the camera's last OSD look (strings cut to their limits); dropped
 * at commit for a camera not in the index. */
int store_batch_osd_put(struct store_batch *b, const char *id, const struct store_osd *o);

/* ---- zones ----
 * In a central index, the zone whose prober reported each camera: the
 * first zone to claim a camera keeps it (the cluster layer refuses the
 * others' claims). One record per camera; it goes with the camera. */
#define STORE_ZONE_MAX 32
/* Copies the camera's zone into `zone` (STORE_ZONE_MAX + 1 bytes): 0, or
 * -ENOENT when the camera has none (a standalone or prober index). */
int store_zone_get(struct store_read *r, const char *id, char *zone);
/* Sets (zone non-empty) or forgets (zone "") the camera's zone; dropped at
 * commit for a camera not in the index. */
int store_batch_zone_put(struct store_batch *b, const char *id, const char *zone);

/* ---- consistency ---- */

struct store_fsck_report {
    uint32_t cameras, units, events;
    uint32_t problems; /* total differences found */
};
typedef void (*store_fsck_cb)(const char *problem, void *ctx);
/* Recomputes unit counters and every secondary index from the camera and
 * health records and reports each difference through `cb`. With `repair`
 * (writer handles only) the derived data is rebuilt in one transaction. */
int store_fsck(struct store *s, bool repair, struct store_fsck_report *rep, store_fsck_cb cb,
               void *ctx);

#endif
