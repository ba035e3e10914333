/* Configuration file and overrides; see config.h. The file is INI, read by
 * ini_read.c. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/day_zone.h"
#include "base/ini_read.h"
#include "url.h"

void config_default(struct config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->db, sizeof(c->db), "%s", "/var/lib/camdex");
    c->log_level = LEVEL_INFO;
    c->status_log_ms = 60000;
    c->interval_ms = 60000;
    c->depth = CONFIG_DEPTH_DESCRIBE;
    c->connect_timeout_ms = 3000;
    c->reply_timeout_ms = 5000;
    c->first_rtp_timeout_ms = 5000;
    c->keyframe_timeout_ms = 8000;
    c->total_timeout_ms = 10000;
    c->remember_auth = true;
    c->skip_options = CONFIG_SKIP_AUTO;
    c->dns_timeout_ms = 3000;
    c->dns_cache_ms = 60000;
    c->fail_threshold = 3;
    c->recover_threshold = 2;
    c->recheck_ms = 2000;
    c->auth_backoff_ms = 30 * 60000;
    /* In flight = probe rate x probe time: a camera 40 ms away that thinks
     * 50-300 ms a reply takes a quarter second a probe (255 ms: connect,
     * one DESCRIBE), and 1,000,000 cameras every 60 s (16,700 probes/s)
     * then need 4,300 at once; twice that leaves room for slower cameras.
     * A ceiling only: on a LAN a probe takes milliseconds and far fewer
     * are in flight. tests/bench/README.md, "Over a network". */
    c->max_in_flight = 8192;
    c->max_per_host = 4;
    c->flap_window_ms = 3600000;
    c->flap_threshold = 6;
    /* Every camera's picture diagnosed once an hour; deep_workers sets how
     * many looks an hour that allows (deploy/README.md gives the figures). */
    c->deep_interval_ms = 3600000;
    c->scene_similarity_pct = 65; /* probes/scene_ref.h: SCENE_SIMILAR_MIN */
    /* A deep probe mostly waits (about 1.1 s for ~15 ms of CPU): four
     * workers are the least that keeps a worker for tier-2-only cameras. */
    c->deep_workers = 4;
    c->deep_timeout_ms = 8000;
    c->deep_frozen_gap_ms = 800;
    c->deep_max_pixels = 7680 * 4320;
    picq_limits_default(&c->quality);
    /* Neither line of deep looks may starve the other (engine/deep_lines.h). */
    c->deep_diagnosis_share = 50;
    /* Cameras send a sender report every few seconds; a clock drifts by
     * seconds a day at most, so a daily look suffices. */
    c->clock_interval_ms = 86400000;
    c->clock_wait_ms = 6000;
    c->clock_tolerance_ms = 10000;
    /* Reading an OSD costs 0.2-0.5 s of CPU; the assessment counts it
     * monthly, so once a day per camera is plenty. */
    c->osd_interval_ms = 86400000;
    c->commit_interval_ms = 500;
    c->commit_max = 20000;
    snprintf(c->listen, sizeof(c->listen), "%s", "127.0.0.1:8470");
    c->http_timeout_ms = 10000;
    c->http_stream_stall_ms = 60000;
    c->http_max_body = 65536;
    c->http_header_timeout_ms = 5000;
    c->http_max_conns = 4096;
    c->http_max_conns_per_address = 1024;
    c->http_body_budget = 67108864;
    snprintf(c->cluster_nats, sizeof(c->cluster_nats), "%s", "nats://127.0.0.1:4222");
    c->cluster_heartbeat_ms = 5000;
    c->cluster_stale_after_ms = 60000;
    c->cluster_snapshot_ms = 10 * 60000;
    c->cluster_replicas = 1;
}

int config_parse_duration(const char *s, uint32_t *ms)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0)
        return -EINVAL;
    double mult;
    if (*end == 0 || strcmp(end, "s") == 0)
        mult = 1000;
    else if (strcmp(end, "ms") == 0)
        mult = 1;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        mult = 60000;
    else if (strcmp(end, "h") == 0)
        mult = 3600000;
    else if (strcmp(end, "d") == 0)
        mult = 86400000;
    else
        return -EINVAL;
    if (v * mult > UINT32_MAX)
        return -ERANGE;
    *ms = (uint32_t)(v * mult + 0.5);
    return 0;
}

const char *config_depth_name(enum config_depth d)
{
    static const char *names[] = {"options", "describe", "play"};
    return (unsigned)d < 3 ? names[d] : "invalid";
}

/* Zone names become NATS subject tokens and stream names: a tight set. */
bool config_zone_name_ok(const char *s, size_t len)
{
    if (len < 1 || len > 32)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return false;
    return true;
}

const char *config_role_name(enum config_role r)
{
    static const char *names[] = {"standalone", "prober", "central"};
    return (unsigned)r < 3 ? names[r] : "invalid";
}

enum key_kind {
    K_STR, K_DURATION, K_COUNT, K_DEPTH, K_LEVEL, K_BOOL, K_NICE, K_SKIP, K_FILE, K_ROLE, K_ZONE,
    K_REAL, /* a float; min and max in thousandths */
    K_DAY_ZONE,
};

/* Every key: where it lives, its kind and the range it accepts. */
static const struct key {
    const char *section, *name;
    enum key_kind kind;
    size_t off, size;
    uint32_t min, max; /* durations in ms, counts as they are, reals x1000 */
} keys[] = {
#define STR(sec, k, f) {sec, k, K_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0}
#define DUR(sec, k, f, lo, hi) {sec, k, K_DURATION, offsetof(struct config, f), 4, lo, hi}
#define CNT(sec, k, f, lo, hi) {sec, k, K_COUNT, offsetof(struct config, f), 4, lo, hi}
#define REAL(k, f, hi) {"quality", k, K_REAL, offsetof(struct config, quality.f), 4, 0, (hi) * 1000}
    STR("camdex", "db", db),
    STR("camdex", "inventory", inventory),
    {"camdex", "log_level", K_LEVEL, offsetof(struct config, log_level), 0, 0, 0},
    DUR("camdex", "status_log", status_log_ms, 0, 86400000),
    {"camdex", "day_zone", K_DAY_ZONE, offsetof(struct config, day_zone), 0, 0, 0},
    DUR("probe", "interval", interval_ms, 1000, 86400000),
    {"probe", "depth", K_DEPTH, offsetof(struct config, depth), 0, 0, 0},
    DUR("probe", "connect_timeout", connect_timeout_ms, 50, 120000),
    DUR("probe", "reply_timeout", reply_timeout_ms, 50, 120000),
    DUR("probe", "first_rtp_timeout", first_rtp_timeout_ms, 50, 120000),
    DUR("probe", "keyframe_timeout", keyframe_timeout_ms, 50, 120000),
    DUR("probe", "total_timeout", total_timeout_ms, 0, 600000),
    {"probe", "skip_options", K_SKIP, offsetof(struct config, skip_options), 0, 0, 0},
    {"probe", "remember_auth", K_BOOL, offsetof(struct config, remember_auth), 0, 0, 0},
    {"probe", "allow_basic_downgrade", K_BOOL, offsetof(struct config, allow_basic_downgrade), 0, 0,
     0},
    DUR("probe", "dns_timeout", dns_timeout_ms, 50, 60000),
    DUR("probe", "dns_cache", dns_cache_ms, 0, 86400000),
    CNT("probe", "fail_threshold", fail_threshold, 1, 100),
    CNT("probe", "recover_threshold", recover_threshold, 1, 100),
    DUR("probe", "recheck_delay", recheck_ms, 0, 3600000),
    DUR("probe", "auth_backoff", auth_backoff_ms, 0, 86400000),
    CNT("probe", "max_in_flight", max_in_flight, 0, 1000000),
    CNT("probe", "max_per_host", max_per_host, 1, 10000),
    DUR("probe", "flap_window", flap_window_ms, 60000, 86400000),
    CNT("probe", "flap_threshold", flap_threshold, 2, CONFIG_FLAP_MAX),
    DUR("quality", "interval", deep_interval_ms, 0, 30u * 86400000u / 10),
    CNT("quality", "scene_similarity", scene_similarity_pct, 1, 99),
    CNT("deep", "workers", deep_workers, 0, 64),
    DUR("deep", "timeout", deep_timeout_ms, 500, 120000),
    DUR("deep", "frozen_gap", deep_frozen_gap_ms, 0, 10000),
    CNT("deep", "max_pixels", deep_max_pixels, 320 * 240, 16384 * 16384),
    CNT("deep", "diagnosis_share", deep_diagnosis_share, 1, 99),
    DUR("quality", "clock_interval", clock_interval_ms, 0, 30u * 86400000u),
    DUR("quality", "clock_wait", clock_wait_ms, 1000, 60000),
    DUR("quality", "clock_tolerance", clock_tolerance_ms, 100, 86400000),
    DUR("quality", "osd_interval", osd_interval_ms, 0, 30u * 86400000u),
    DUR("writer", "commit_interval", commit_interval_ms, 10, 60000),
    CNT("writer", "commit_max", commit_max, 1, 1000000),
    STR("http", "listen", listen),
    STR("http", "token_ro", token_ro),
    STR("http", "token_rw", token_rw),
    {"http", "token_ro_file", K_FILE, offsetof(struct config, token_ro_file), 0, 0, 0},
    {"http", "token_rw_file", K_FILE, offsetof(struct config, token_rw_file), 0, 0, 0},
    DUR("http", "timeout", http_timeout_ms, 500, 600000),
    CNT("http", "max_body", http_max_body, 0, 67108864),
    {"http", "nice", K_NICE, offsetof(struct config, http_nice), 0, 0, 0},
    DUR("http", "probe_wait", http_probe_wait_ms, 0, 600000),
    DUR("http", "stream_stall", http_stream_stall_ms, 1000, 3600000),
    DUR("http", "header_timeout", http_header_timeout_ms, 100, 600000),
    CNT("http", "max_conns", http_max_conns, 16, 100000),
    CNT("http", "max_conns_per_address", http_max_conns_per_address, 1, 100000),
    STR("http", "allowed_hosts", http_allowed_hosts),
    CNT("http", "body_budget", http_body_budget, 65536, 1073741824),
    {"metrics", "per_camera", K_BOOL, offsetof(struct config, metrics_per_camera), 0, 0, 0},
    {"cluster", "role", K_ROLE, offsetof(struct config, cluster_role), 0, 0, 0},
    {"cluster", "zone", K_ZONE, offsetof(struct config, cluster_zone), 0, 0, 0},
    STR("cluster", "zones", cluster_zones),
    STR("cluster", "nats", cluster_nats),
    STR("cluster", "creds", cluster_creds),
    STR("cluster", "user", cluster_user),
    STR("cluster", "password", cluster_password),
    STR("cluster", "tls_ca", cluster_tls_ca),
    STR("cluster", "tls_cert", cluster_tls_cert),
    STR("cluster", "tls_key", cluster_tls_key),
    DUR("cluster", "heartbeat", cluster_heartbeat_ms, 100, 600000),
    DUR("cluster", "stale_after", cluster_stale_after_ms, 500, 86400000),
    DUR("cluster", "snapshot_interval", cluster_snapshot_ms, 1000, 86400000),
    CNT("cluster", "replicas", cluster_replicas, 1, 5),
    REAL("signal_lost_still", signal_lost_still, 100),
    REAL("signal_lost_chroma", signal_lost_chroma, 200),
    REAL("black_share", black_dark, 100),
    REAL("too_bright_share", too_bright_clip, 100),
    REAL("too_bright_floor", too_bright_floor, 100),
    REAL("occluded_share", occluded_flat, 100),
    REAL("occluded_block_variance", occluded_flat_var, 1000),
    REAL("frozen_difference", frozen_diff, 255),
    REAL("blur_sharpness", blur_sharpness, 1000),
    REAL("stripe_amplitude", stripe_amplitude, 255),
    REAL("noise_sigma", noise_sigma, 255),
    REAL("color_cast_white", cast_white, 1000),
    REAL("color_cast_tint", cast_tint, 200),
    REAL("color_cast_highlight", cast_highlight, 200),
    REAL("shake_jump", shake_jump, 100),
#undef REAL
#undef STR
#undef DUR
#undef CNT
};

static const struct key *find_key(const char *section, const char *name)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static bool known_section(const char *section)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(keys[i].section, section) == 0)
            return true;
    return false;
}

/* ---- [webhook NAME] ---- */

#define WEBHOOK_BATCH_DEFAULT   100
#define WEBHOOK_TIMEOUT_DEFAULT 5000

/* "webhook NAME" or "webhook.NAME" (the INI section), or "webhook" with
 * the name in front of the key ("--set webhook.NAME.url=..."). Returns the
 * name's length, or 0 when this is not a webhook section. */
static size_t webhook_name(const char *section, const char **key, const char **name)
{
    if (strncmp(section, "webhook", 7) != 0)
        return 0;
    if (section[7] == ' ' || section[7] == '.') {
        *name = section + 8 + strspn(section + 8, " ");
        return strlen(*name);
    }
    const char *dot = section[7] == 0 ? strchr(*key, '.') : NULL;
    if (!dot)
        return 0;
    *name = *key;
    *key = dot + 1;
    return (size_t)(dot - *name);
}

static bool webhook_name_ok(const char *n, size_t len)
{
    if (!len || len > CONFIG_WEBHOOK_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
              (n[i] >= '0' && n[i] <= '9') || n[i] == '_' || n[i] == '-'))
            return false;
    return true;
}

static struct config_webhook *webhook_slot(struct config *c, const char *name, size_t len,
                                           char *err, size_t errlen)
{
    if (!webhook_name_ok(name, len)) {
        snprintf(err, errlen,
                 "\"%.*s\" is not a webhook name (1 to %d letters, digits, _ or -, as in "
                 "[webhook ops])",
                 (int)(len > 40 ? 40 : len), name, CONFIG_WEBHOOK_NAME_MAX);
        return NULL;
    }
    for (uint32_t i = 0; i < c->nwebhooks; i++)
        if (strlen(c->webhooks[i].name) == len && memcmp(c->webhooks[i].name, name, len) == 0)
            return &c->webhooks[i];
    if (c->nwebhooks == CONFIG_WEBHOOKS_MAX) {
        snprintf(err, errlen, "more than %d webhooks", CONFIG_WEBHOOKS_MAX);
        return NULL;
    }
    struct config_webhook *w = &c->webhooks[c->nwebhooks++];
    memset(w, 0, sizeof(*w));
    memcpy(w->name, name, len);
    w->batch_max = WEBHOOK_BATCH_DEFAULT;
    w->timeout_ms = WEBHOOK_TIMEOUT_DEFAULT;
    memcpy(w->lang, "en", 3);
    return w;
}

/* A *_file key: the path is checked when the file is read. */
static int secret_file_set(struct config_secret_file *f, const char *value, int line, char *err,
                           size_t errlen)
{
    if (!*value || strlen(value) >= sizeof(f->path)) {
        snprintf(err, errlen,
                 "a secret file is a path of 1 to %zu bytes, or a name in "
                 "$CREDENTIALS_DIRECTORY",
                 sizeof(f->path) - 1);
        return -EINVAL;
    }
    snprintf(f->path, sizeof(f->path), "%s", value);
    f->line = line;
    return 0;
}

static int webhook_set(struct config_webhook *w, const char *key, const char *value, int line,
                       char *err, size_t errlen)
{
    if (strcmp(key, "url_file") == 0)
        return secret_file_set(&w->url_file, value, line, err, errlen);
    if (strcmp(key, "secret_file") == 0)
        return secret_file_set(&w->secret_file, value, line, err, errlen);
    if (strcmp(key, "url") == 0) {
        char shown[160];
        probe_url_redact(value, shown, sizeof(shown));
        struct probe_url u;
        int rc = strlen(value) >= sizeof(w->url) ? -ENAMETOOLONG : probe_url_parse(value, &u);
        bool web = !rc && (u.scheme == PROBE_URL_HTTP || u.scheme == PROBE_URL_HTTPS);
        memset(&u, 0, sizeof(u)); /* it held the password */
        if (!web) {
            snprintf(err, errlen,
                     "\"%s\" is not an http or https URL (use e.g. "
                     "https://hooks.example.org/camdex)",
                     shown);
            return -EINVAL;
        }
        snprintf(w->url, sizeof(w->url), "%s", value);
        return 0;
    }
    if (strcmp(key, "secret") == 0) {
        /* The value is never quoted back: it is a key. */
        if (!*value || strlen(value) >= sizeof(w->secret)) {
            snprintf(err, errlen, "the secret must be 1 to %zu bytes", sizeof(w->secret) - 1);
            return -EINVAL;
        }
        snprintf(w->secret, sizeof(w->secret), "%s", value);
        return 0;
    }
    if (strcmp(key, "unit") == 0) {
        size_t n = strlen(value);
        bool ok = n < sizeof(w->unit);
        for (size_t i = 0; i < n && ok; i++)
            ok = value[i] > 0x20 && value[i] < 0x7f;
        if (!ok) {
            snprintf(err, errlen, "a unit id is 0 to %zu printable ASCII characters, no spaces",
                     sizeof(w->unit) - 1);
            return -EINVAL;
        }
        snprintf(w->unit, sizeof(w->unit), "%s", value);
        return 0;
    }
    if (strcmp(key, "batch_max") == 0) {
        char *end;
        errno = 0;
        unsigned long n = strtoul(value, &end, 10);
        if (!*value || *end || errno || value[0] == '-' || n < 1 || n > 1000) {
            snprintf(err, errlen, "\"%s\" is not a whole number from 1 to 1000", value);
            return -EINVAL;
        }
        w->batch_max = (uint32_t)n;
        return 0;
    }
    if (strcmp(key, "timeout") == 0) {
        uint32_t ms;
        if (config_parse_duration(value, &ms) || ms < 100 || ms > 120000) {
            snprintf(err, errlen, "\"%s\" is not a duration from 100ms to 120s", value);
            return -EINVAL;
        }
        w->timeout_ms = ms;
        return 0;
    }
    if (strcmp(key, "lang") == 0) {
        if (strcmp(value, "en") && strcmp(value, "zh")) {
            snprintf(err, errlen, "\"%.20s\" is not a language (use en or zh)", value);
            return -EINVAL;
        }
        memcpy(w->lang, value, 3);
        return 0;
    }
    snprintf(err, errlen,
             "unknown key \"%s\" (a webhook takes url, secret, url_file, secret_file, unit, "
             "batch_max, timeout, lang)",
             key);
    return -EINVAL;
}

int config_webhook_check(const struct config_webhook *w, char *err, size_t errlen)
{
    if (!w->url[0] && !w->url_file.path[0]) {
        snprintf(err, errlen, "[webhook %s] has no url (url = https://...)", w->name);
        return -EINVAL;
    }
    if (!w->secret[0] && !w->secret_file.path[0]) {
        snprintf(err, errlen,
                 "[webhook %s] has no secret (secret = a random string the receiver also "
                 "knows; it signs every POST)",
                 w->name);
        return -EINVAL;
    }
    return 0;
}

int config_set(struct config *c, const char *section, const char *name, const char *value,
               char *err, size_t errlen)
{
    return config_set_at(c, section, name, value, 0, err, errlen);
}

int config_set_at(struct config *c, const char *section, const char *name, const char *value,
                  int line, char *err, size_t errlen)
{
    const char *wname = "";
    size_t wlen = webhook_name(section, &name, &wname);
    if (strcmp(section, "webhook") == 0 || strncmp(section, "webhook ", 8) == 0 ||
        strncmp(section, "webhook.", 8) == 0) {
        struct config_webhook *w = webhook_slot(c, wname, wlen, err, errlen);
        return w ? webhook_set(w, name, value, line, err, errlen) : -EINVAL;
    }
    if (strcmp(section, "deep") == 0 && strcmp(name, "interval") == 0) {
        /* The former name of [quality] interval: still accepted, and the
         * service warns about it (config.h). */
        c->deep_interval_old_line = line ? line : -1;
        section = "quality";
    }
    const struct key *k = find_key(section, name);
    if (!k) {
        if (!known_section(section))
            snprintf(err, errlen,
                     "unknown section [%s] (use camdex, probe, deep, quality, writer, http, metrics, "
                     "cluster, webhook NAME)",
                     section);
        else
            snprintf(err, errlen, "unknown key \"%s\" in [%s]", name, section);
        return -EINVAL;
    }
    char *field = (char *)c + k->off;
    uint32_t v = 0;
    char *end;
    switch (k->kind) {
    case K_FILE:
        return secret_file_set((struct config_secret_file *)field, value, line, err, errlen);
    case K_STR:
        if (strlen(value) >= k->size) {
            snprintf(err, errlen, "longer than %zu bytes", k->size - 1);
            return -EINVAL;
        }
        snprintf(field, k->size, "%s", value);
        return 0;
    case K_DURATION:
        if (config_parse_duration(value, &v)) {
            snprintf(err, errlen, "\"%s\" is not a duration (use e.g. 500ms, 10s, 5m, 1h)",
                     value);
            return -EINVAL;
        }
        break;
    case K_COUNT: {
        errno = 0;
        unsigned long n = strtoul(value, &end, 10);
        if (!*value || *end || errno || value[0] == '-' || n > UINT32_MAX) {
            snprintf(err, errlen, "\"%s\" is not a whole number", value);
            return -EINVAL;
        }
        v = (uint32_t)n;
        break;
    }
    case K_REAL: {
        errno = 0;
        double d = strtod(value, &end);
        if (!*value || *end || errno || d * 1000 < k->min || d * 1000 > k->max) {
            snprintf(err, errlen, "\"%s\" is not a number from %g to %g", value, k->min / 1000.0,
                     k->max / 1000.0);
            return -EINVAL;
        }
        *(float *)field = (float)d;
        return 0;
    }
    case K_NICE: {
        errno = 0;
        long n = strtol(value, &end, 10);
        if (!*value || *end || errno || n < -20 || n > 19) {
            snprintf(err, errlen, "\"%s\" is not a nice value (a whole number, -20 to 19)",
                     value);
            return -EINVAL;
        }
        *(int32_t *)field = (int32_t)n;
        return 0;
    }
    case K_ROLE:
        for (int r = 0; r < 3; r++)
            if (strcmp(value, config_role_name(r)) == 0) {
                *(enum config_role *)field = r;
                return 0;
            }
        snprintf(err, errlen, "\"%s\" is not a role (use standalone, prober or central)", value);
        return -EINVAL;
    case K_ZONE:
        if (!config_zone_name_ok(value, strlen(value))) {
            snprintf(err, errlen,
                     "\"%s\" is not a zone name (1 to 32 lower-case letters, digits, _ or -)",
                     value);
            return -EINVAL;
        }
        snprintf(field, 33, "%s", value);
        return 0;
    case K_DAY_ZONE:
        if (day_zone_offset(value, &c->day_zone_s, err, errlen))
            return -EINVAL;
        snprintf(c->day_zone, sizeof(c->day_zone), "%s", value);
        return 0;
    case K_DEPTH:
        for (int d = 0; d < 3; d++)
            if (strcmp(value, config_depth_name(d)) == 0) {
                *(enum config_depth *)field = d;
                return 0;
            }
        snprintf(err, errlen, "\"%s\" is not a depth (use options, describe or play)", value);
        return -EINVAL;
    case K_BOOL:
    case K_SKIP: {
        static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                 "off", "0"};
        bool is_yes = false, is_no = false;
        for (int i = 0; i < 4; i++) {
            is_yes |= strcmp(value, yes[i]) == 0;
            is_no |= strcmp(value, no[i]) == 0;
        }
        if (k->kind == K_SKIP && (is_yes || is_no || strcmp(value, "auto") == 0)) {
            *(enum config_skip *)field = is_yes  ? CONFIG_SKIP_ALWAYS
                                         : is_no ? CONFIG_SKIP_NEVER
                                                 : CONFIG_SKIP_AUTO;
            return 0;
        }
        if (k->kind == K_BOOL && (is_yes || is_no)) {
            *(bool *)field = is_yes;
            return 0;
        }
        snprintf(err, errlen, "\"%s\" is not true or false (or yes/no, on/off, 1/0)%s", value,
                 k->kind == K_SKIP ? " or auto" : "");
        return -EINVAL;
    }
    case K_LEVEL: {
        static const char *levels[] = {"error", "warn", "info", "debug"};
        for (int l = 0; l < 4; l++)
            if (strcmp(value, levels[l]) == 0) {
                *(enum log_level *)field = l;
                return 0;
            }
        snprintf(err, errlen, "\"%s\" is not a log level (use error, warn, info or debug)",
                 value);
        return -EINVAL;
    }
    }
    if (v < k->min || v > k->max) {
        if (k->kind == K_DURATION)
            snprintf(err, errlen, "%s is out of range (%.3g s to %.3g s)", value, k->min / 1e3,
                     k->max / 1e3);
        else
            snprintf(err, errlen, "%s is out of range (%u to %u)", value, k->min, k->max);
        return -EINVAL;
    }
    memcpy(field, &v, sizeof(v));
    return 0;
}

struct parse_ctx {
    const char *name;
    struct config *c;
    struct config_errors *errs;
};

void config_add_error(struct config_errors *e, const char *fmt, ...)
{
    if (e->count < CONFIG_ERRORS_KEPT) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg[e->count], sizeof(e->msg[0]), fmt, ap);
        va_end(ap);
    }
    e->count++;
}

static void on_key(void *user, int line, const char *section, const char *name, const char *value)
{
    struct parse_ctx *p = user;
    char err[256];
    if (!name) {
        config_add_error(p->errs, "%s:%d: %s", p->name, line, value);
        return;
    }
    if (!*section) {
        config_add_error(p->errs,
                         "%s:%d: \"%s\" is outside any [section] (put it under [camdex], "
                         "[probe], [deep], [writer] or [http])",
                         p->name, line, name);
        return;
    }
    uint32_t nw = p->c->nwebhooks;
    if (config_set_at(p->c, section, name, value, line, err, sizeof(err)))
        config_add_error(p->errs, "%s:%d: [%s] %s: %s", p->name, line, section, name, err);
    if (p->c->nwebhooks > nw)
        p->c->webhooks[nw].line = line; /* its first key: where errors about it point */
}

int config_parse(const char *text, const char *name, struct config *c, struct config_errors *errs)
{
    struct parse_ctx p = {.name = name, .c = c, .errs = errs};
    size_t before = errs->count;
    ini_read(text, on_key, &p); /* every problem at once, each with its line */
    char err[256];
    for (uint32_t i = 0; i < c->nwebhooks; i++)
        if (c->webhooks[i].line && config_webhook_check(&c->webhooks[i], err, sizeof(err)))
            config_add_error(errs, "%s:%d: %s", name, c->webhooks[i].line, err);
    if (c->cluster_role == CONFIG_ROLE_PROBER && !c->cluster_zone[0])
        config_add_error(errs, "%s: [cluster] role = prober needs a zone (zone = NAME)", name);
    if (c->cluster_role == CONFIG_ROLE_CENTRAL && !c->cluster_zones[0])
        config_add_error(errs, "%s: [cluster] role = central needs its zones (zones = a,b,...)",
                         name);
    return errs->count > before ? -EINVAL : 0;
}

int config_load(const char *path, struct config *c, struct config_errors *errs)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        config_add_error(errs, "%s: cannot open: %s", path, strerror(errno));
        return -errno;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *nt = realloc(text, cap);
            if (!nt || cap > (1 << 24)) {
                free(nt ? nt : text);
                fclose(f);
                config_add_error(errs, "%s: too large for a configuration file", path);
                return -EFBIG;
            }
            text = nt;
        }
        memcpy(text + len, buf, n);
        len += n;
    }
    fclose(f);
    if (!text)
        return 0; /* empty file: defaults */
    text[len] = 0;
    if (strlen(text) != len) {
        free(text);
        config_add_error(errs, "%s: contains a NUL byte; is it a text file?", path);
        return -EINVAL;
    }
    int rc = config_parse(text, path, c, errs);
    free(text);
    int src = config_read_secrets(c, path, getenv("CREDENTIALS_DIRECTORY"), errs);
    return rc ? rc : src;
}
