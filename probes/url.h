/* Camera stream URLs: splitting them into parts and redacting credentials
 * before a URL is shown to anybody. Pure string handling, no I/O. */
#ifndef CAMDEX_PROBE_URL_H
#define CAMDEX_PROBE_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limits; longer URLs or parts are refused with -ENAMETOOLONG. */
#define PROBE_URL_MAX      2049 /* 2048 bytes (the inventory limit) and a NUL */
#define PROBE_URL_USER_MAX 256
#define PROBE_URL_HOST_MAX 256

/* The schemes camdex can probe, as shown in error messages. */
#define PROBE_URL_SCHEMES "rtsp, rtsps, http, https, rtmp"

enum probe_url_scheme {
    PROBE_URL_RTSP = 1,
    PROBE_URL_RTSPS,
    PROBE_URL_HTTP,
    PROBE_URL_HTTPS,
    PROBE_URL_RTMP,
};

struct probe_url {
    enum probe_url_scheme scheme;
    char scheme_name[8];               /* lower case: "rtsp", ... */
    bool has_userinfo;                 /* an '@' introduced credentials, maybe empty ones */
    bool has_password;                 /* a ':' separated user and password */
    char user[PROBE_URL_USER_MAX];     /* percent-decoded */
    char password[PROBE_URL_USER_MAX]; /* percent-decoded; never print it */
    char host[PROBE_URL_HOST_MAX];     /* IPv6 without brackets, names lower-cased */
    bool host_is_ipv6;
    bool host_is_ipv4;
    uint16_t port; /* explicit, else the scheme's default */
    bool port_explicit;
    char path[PROBE_URL_MAX]; /* path and query as written, "/" when empty */
    const char *error;        /* after a failure: what is wrong, for people */
};

/* Split `url`. Returns 0; -EPROTONOSUPPORT when the scheme is not one of
 * PROBE_URL_SCHEMES; -ENAMETOOLONG over a limit; -EINVAL otherwise. On
 * failure out->error says what is wrong in a few words. The password is
 * only ever in out->password, so callers can wipe it. */
int probe_url_parse(const char *url, struct probe_url *out);

/* The tier that probes a URL. */
enum probe_tier {
    PROBE_TIER_1 = 1, /* the RTSP handshake on the loop (rtsp_conn.h) */
    PROBE_TIER_2 = 2, /* the libav deep probe on worker threads (deep_probe.h) */
};

/* The one place that decides which tier can probe a parsed URL: tier 1
 * speaks plain RTSP only; RTSPS (TLS), HLS, HTTP-FLV and RTMP are tier 2's
 * alone. (Tier 2 can look at an RTSP URL too, when asked to look deeper.) */
enum probe_tier probe_url_tier(const struct probe_url *u);

/* Default port of a scheme name (case-insensitive), 0 when unknown. */
uint16_t probe_url_default_port(const char *scheme);

/* Copy `url` to `out` with credentials replaced by "***": everything between
 * "://" and the last '@' (so an '@' inside a password is covered), the value
 * of every query parameter not known to be harmless (channel, subtype,
 * streamtype, profile, ...: the list is in url.c), and any fragment. This is
 * the one redaction every output uses.
 * Works on malformed input too; control bytes become '?'. The result is
 * always NUL-terminated and cut (ending in "...") when `outlen` is short.
 * Returns the length written, or -EINVAL when out is NULL or outlen < 8. */
int probe_url_redact(const char *url, char *out, size_t outlen);

#endif
