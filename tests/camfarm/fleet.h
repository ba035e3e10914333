/* The simulated fleet: compact per-camera records, interned strings, the
 * inventory CSV loader, the fleet (mode) file, and lookups by local address,
 * by id and by path. */
#ifndef CAMFARM_FLEET_H
#define CAMFARM_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "faults.h"

#define FLEET_MAX_CAMERAS (1u << 20)
#define FLEET_FIELD_MAX   2048 /* longest CSV field accepted */
#define FLEET_HEALTHY_MAX 8

enum cam_vendor { VENDOR_HIK = 0, VENDOR_DAHUA = 1 };
enum cam_auth { AUTH_NONE = 0, AUTH_BASIC = 1, AUTH_DIGEST = 2 };
/* What the camera's URL speaks: which of camfarm's sockets serves it. */
enum cam_proto { PROTO_RTSP = 0, PROTO_HLS = 1, PROTO_FLV = 2, PROTO_RTMP = 3 };

enum cam_flag {
    CAM_KILLED = 1 << 0, /* "kill" from the control channel: refuses */
    CAM_UDP = 1 << 1,    /* offers UDP unicast transport too */
};

/* One camera. Kept small (48 bytes): 43,000 of these must fit easily, and
 * nothing here holds a descriptor. Strings are offsets into the string
 * table. */
struct cam {
    uint32_t ip;         /* 127.x.y.z in host order; 0 = reachable by /cam/N/ only */
    uint32_t id;         /* interned inventory id */
    uint32_t path;       /* interned path + query expected, e.g. "/Streaming/Channels/101" */
    uint32_t user, pass; /* interned; user "" means no auth */
    uint8_t mode;        /* enum fault */
    uint8_t vendor;      /* enum cam_vendor */
    uint8_t auth;        /* enum cam_auth */
    uint8_t clip;        /* index into the clip set */
    uint8_t max_sessions;
    uint8_t sessions; /* open now */
    uint8_t flags;    /* enum cam_flag */
    uint8_t proto;    /* enum cam_proto */
    uint16_t arg;        /* mode argument, see faults.h */
    uint16_t open_conns; /* open now: a client's probes are over at 0 */
    uint32_t conns;    /* connections accepted */
    uint32_t requests; /* requests answered */
    uint64_t bytes;    /* bytes sent */
};

struct strtab {
    char *buf;
    size_t len, cap;
    uint32_t *slots; /* open addressing: offset+1, 0 = empty */
    size_t nslots, used;
};

struct fleet {
    struct cam *cams;
    uint32_t count, cap;
    uint32_t skipped; /* rows with URLs camfarm does not serve (https, rtsps, ...) */
    /* Rows naming a picture size or frame rate no healthy clip has: they
     * stream the seeded default, which camdex will call a mismatch. */
    uint32_t unmatched;
    struct strtab str;
    uint32_t *by_ip; /* open addressing: index+1, 0 = empty */
    uint32_t *by_id;
    size_t nslots;
};

/* Per-camera defaults applied while loading. */
struct fleet_defaults {
    struct fault_mix mix;
    uint64_t seed;
    uint8_t max_sessions;
    int clip_normal, clip_h265, clip_hd; /* indexes; h265/hd -1 when absent */
    /* The clips a healthy camera may stream (normal, normal265, hd, fhd,
     * qhd, those present): a row naming a "resolution" (and "fps") gets
     * the one of that size and rate. */
    const struct clip_set *clips;
    int healthy[FLEET_HEALTHY_MAX];
    int nhealthy;
};

void fleet_init(struct fleet *f);
void fleet_free(struct fleet *f);

/* Loads an inventory CSV (header row naming at least "id" and "url"; the
 * optional "resolution" (WIDTHxHEIGHT) and "fps" columns choose the clip).
 * Errors name the file, line and column. Returns 0 or negative errno. */
int fleet_load_csv(struct fleet *f, const char *path, const struct fleet_defaults *d, char *err,
                   size_t errlen);

/* Parses a fleet file (see README, Fleet file) and applies it. */
struct clip_set;
int fleet_load_modes(struct fleet *f, const char *path, const struct clip_set *clips, char *err,
                     size_t errlen);

/* Applies "key=value" (clip, auth, sessions, udp) to one camera. */
int fleet_apply_option(struct fleet *f, struct cam *c, const char *kv,
                       const struct clip_set *clips);

const char *fleet_str(const struct fleet *f, uint32_t off);

/* Lookups return the camera index or -ENOENT. */
int fleet_by_ip(const struct fleet *f, uint32_t ip);
int fleet_by_id(const struct fleet *f, const char *id, size_t len);
/* Accepts an inventory id or "#N" (1-based row number). */
int fleet_resolve(const struct fleet *f, const char *ref);

/* Splits an rtsp://, http:// or rtmp:// URL. Host must be a dotted quad. user/pass are
 * percent-decoded into the caller's buffers. Returns 0 or -EINVAL. */
int fleet_parse_url(const char *url, char *user, size_t ulen, char *pass, size_t plen, uint32_t *ip,
                    uint16_t *port, const char **path);

#endif
