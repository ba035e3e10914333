/* The service configuration: every key has a default, a file (INI) may set
 * any of them, and command-line flags override both. */
#ifndef CAMDEX_CONFIG_H
#define CAMDEX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "picture_diag.h"

enum config_depth { CONFIG_DEPTH_OPTIONS, CONFIG_DEPTH_DESCRIBE, CONFIG_DEPTH_PLAY };
/* [probe] skip_options: OPTIONS before DESCRIBE always, never, or only
 * until the camera has answered a probe (then again after a failure). */
enum config_skip { CONFIG_SKIP_NEVER, CONFIG_SKIP_ALWAYS, CONFIG_SKIP_AUTO };
enum log_level { LEVEL_ERROR, LEVEL_WARN, LEVEL_INFO, LEVEL_DEBUG };
/* [cluster] role: one machine, a zone's prober, or the central index. */
enum config_role { CONFIG_ROLE_STANDALONE, CONFIG_ROLE_PROBER, CONFIG_ROLE_CENTRAL };

/* A secret kept in a file of its own (`token_ro_file = token_ro`), so the
 * configuration file needs no secret in it: read by config_read_secrets
 * after the file and the flags. `path` is absolute, or a name in
 * $CREDENTIALS_DIRECTORY (systemd's LoadCredential=), also written
 * "%d/NAME". */
struct config_secret_file {
    char path[1024]; /* "" = not set */
    int line;        /* where the file set it, 0 = a flag */
};

/* [webhook NAME]: POSTs batches of events to a receiver (notifier.c). */
#define CONFIG_WEBHOOKS_MAX     8
#define CONFIG_WEBHOOK_NAME_MAX 32
struct config_webhook {
    char name[CONFIG_WEBHOOK_NAME_MAX + 1]; /* [A-Za-z0-9_-] */
    char url[2048];                         /* http or https; may hold credentials */
    char secret[256];                       /* HMAC-SHA256 key: never shown */
    char unit[65];                          /* "" = every unit */
    uint32_t batch_max;                     /* events per POST */
    uint32_t timeout_ms;                    /* per POST, connection included */
    char lang[3];                           /* "en" or "zh": texts beside codes */
    int line;                               /* of its section in the file, 0 = none */
    struct config_secret_file url_file, secret_file;
};

/* The highest [probe] flap_threshold: every camera keeps that many
 * transition times for flap detection (64 bytes in each camera's memory;
 * 32 took 2.75 MB more at 43,000 cameras for thresholds nobody sets). */
#define CONFIG_FLAP_MAX 16

struct config {
    /* [camdex] */
    char db[1024];
    char inventory[1024];     /* re-imported on SIGHUP when set */
    enum log_level log_level;
    uint32_t status_log_ms;   /* a status line this often, 0 = never */
    char day_zone[65];        /* the zone days roll in, as written; "" = the index's */
    int32_t day_zone_s;       /* its offset east of UTC, when day_zone is set */
    /* [probe] */
    uint32_t interval_ms;     /* time between two probes of one camera */
    enum config_depth depth;
    uint32_t connect_timeout_ms, reply_timeout_ms, first_rtp_timeout_ms, keyframe_timeout_ms;
    uint32_t total_timeout_ms; /* whole tier-1 probe, 0 = no cap */
    enum config_skip skip_options; /* when the handshake starts with DESCRIBE */
    bool remember_auth;        /* send the last accepted challenge's credentials at once */
    bool allow_basic_downgrade; /* a camera known to use Digest may get Basic */
    uint32_t dns_timeout_ms, dns_cache_ms;
    uint32_t fail_threshold;    /* consecutive failures before offline */
    uint32_t recover_threshold; /* consecutive successes before online again */
    uint32_t recheck_ms;        /* delay of the quick re-check after a first failure */
    uint32_t auth_backoff_ms;   /* wait after auth_failed (cameras lock out an IP) */
    uint32_t max_in_flight;     /* 0 = below the open-files limit */
    uint32_t max_per_host;      /* one NVR serves many channels */
    uint32_t flap_window_ms, flap_threshold;
    /* [quality] interval: the one schedule of deep looks (stream metadata
     * and picture diagnosis in one look); 0 = only on state change and on
     * demand. "[deep] interval", its former name, sets it too. */
    uint32_t deep_interval_ms;
    int deep_interval_old_line; /* [deep] interval was used: its line (-1: not from a file) */
    uint32_t scene_similarity_pct; /* below this similarity (%) to the reference: scene_changed */
    /* [deep] */
    uint32_t deep_workers;
    uint32_t deep_timeout_ms;
    uint32_t deep_frozen_gap_ms; /* a second keyframe this much later, 0 = no frozen check */
    uint32_t deep_max_pixels;    /* larger pictures are not decoded */
    /* [quality]: the picture diagnosis' limits */
    struct picq_limits quality;
    uint32_t deep_diagnosis_share; /* % of the workers diagnoses keep while liveness looks wait */
    /* [quality]: the clock look */
    uint32_t clock_interval_ms;  /* between two clock looks at a camera, 0 = none */
    uint32_t clock_wait_ms;      /* for the camera's first RTCP sender report */
    uint32_t clock_tolerance_ms; /* an offset beyond this is clock_skew */
    uint32_t osd_interval_ms;    /* between two OSD looks at a camera, 0 = none */
    /* [writer] */
    uint32_t commit_interval_ms; /* results are committed at least this often */
    uint32_t commit_max;         /* ... or when this many are waiting */
    /* [http] */
    char listen[256];         /* "" = no HTTP API */
    char token_ro[256];       /* bearer tokens; none set = reads open, writes refused */
    char token_rw[256];
    struct config_secret_file token_ro_file, token_rw_file;
    uint32_t http_timeout_ms; /* to read a request's headers and body, and keep-alive idle */
    uint32_t http_max_body;   /* bytes; larger request bodies get 413 */
    int32_t http_nice;        /* the HTTP thread's nice value (-20 to 19) */
    uint32_t http_probe_wait_ms; /* POST /cameras/{id}/probe: 504 after this, 0 = from the probe deadlines */
    uint32_t http_stream_stall_ms; /* an event stream whose client reads nothing this long is cut */
    uint32_t http_header_timeout_ms; /* to send a request (head and body); keep-alive idle */
    uint32_t http_max_conns;         /* open connections at most (also under RLIMIT_NOFILE) */
    uint32_t http_max_conns_per_address; /* past this an address's oldest connection is cut */
    char http_allowed_hosts[512];    /* Host values answered besides the listen address and localhost */
    uint32_t http_body_budget;       /* bytes all request bodies being received may hold */
    /* [metrics] */
    bool metrics_per_camera;  /* one series per camera in /metrics */
    /* [cluster] (indexer/cluster/): zone probers and one central index */
    enum config_role cluster_role;
    char cluster_zone[33];      /* a prober's zone: [a-z0-9_-], 1 to 32 */
    char cluster_zones[1024];   /* the central's zones, comma-separated */
    char cluster_nats[1024];    /* nats://HOST:PORT[,...] */
    char cluster_creds[1024];   /* NATS credentials file (JWT + NKey seed), "" = none */
    char cluster_user[128];     /* or NATS user and password */
    char cluster_password[256];
    char cluster_tls_ca[1024], cluster_tls_cert[1024], cluster_tls_key[1024];
    uint32_t cluster_heartbeat_ms;   /* a prober's heartbeat period */
    uint32_t cluster_stale_after_ms; /* a zone silent this long is stale */
    uint32_t cluster_snapshot_ms;    /* a prober's full health snapshot period */
    uint32_t cluster_replicas;       /* copies JetStream keeps of a zone's stream */
    /* [webhook NAME] sections */
    struct config_webhook webhooks[CONFIG_WEBHOOKS_MAX];
    uint32_t nwebhooks;
};

void config_default(struct config *c);

#define CONFIG_ERRORS_KEPT 32
struct config_errors {
    size_t count;
    char msg[CONFIG_ERRORS_KEPT][320]; /* "camdex.ini:12: [probe] interval: ..." */
};

/* Parses INI text into `c` (which holds defaults or earlier values); no I/O.
 * Returns 0, or -EINVAL with every problem in `errs`. */
int config_parse(const char *text, const char *name, struct config *c, struct config_errors *errs);
/* Reads the file, then the secret files it names (config_read_secrets). */
int config_load(const char *path, struct config *c, struct config_errors *errs);

/* Reads every secret file set (*_file keys) into its key, relative names
 * from `credentials_dir` (NULL when $CREDENTIALS_DIRECTORY is unset), and
 * forgets the paths. `name` is the configuration file, for messages.
 * Returns 0, or -EINVAL with every problem in `errs`; no message holds a
 * secret. */
int config_read_secrets(struct config *c, const char *name, const char *credentials_dir,
                        struct config_errors *errs);

/* Appends one message (at most CONFIG_ERRORS_KEPT are kept, all counted). */
void config_add_error(struct config_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets one key as `section.key` (command-line overrides). */
int config_set(struct config *c, const char *section, const char *key, const char *value,
               char *err, size_t errlen);
/* The same, for a key read from line `line` of a file. */
int config_set_at(struct config *c, const char *section, const char *key, const char *value,
                  int line, char *err, size_t errlen);

/* A webhook is complete (url and secret set): 0, or -EINVAL with a
 * sentence in `err`. */
int config_webhook_check(const struct config_webhook *w, char *err, size_t errlen);

/* Durations: "250ms", "10s", "5m", "1h", "2d"; a bare number is seconds. */
int config_parse_duration(const char *s, uint32_t *ms);

const char *config_depth_name(enum config_depth d);
const char *config_role_name(enum config_role r);
/* A zone name: 1 to 32 of [a-z0-9_-] (a NATS subject token). */
bool config_zone_name_ok(const char *s, size_t len);

#endif
