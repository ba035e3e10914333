/* SDP (RFC 4566) parser for DESCRIBE replies, keeping what a camera probe
 * needs: media, codecs, parameter sets, control URLs; and the RFC 2326 C.1.1
 * rules that turn those control URLs into the URL to SETUP. No I/O. */
#ifndef CAMDEX_SDP_H
#define CAMDEX_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "probe_result.h"

#define SDP_MEDIA_MAX    8 /* media sections kept; the rest are counted */
#define SDP_CONTROL_MAX  512
#define SDP_ENCODING_MAX 32
#define SDP_NAL_MAX      512 /* one decoded parameter set */
#define SDP_NAME_MAX     64
#define SDP_INPUT_MAX    (64 * 1024)

enum sdp_media_type {
    SDP_MEDIA_OTHER = 0,
    SDP_MEDIA_VIDEO,
    SDP_MEDIA_AUDIO,
    SDP_MEDIA_APPLICATION
};

struct sdp_nal {
    uint16_t len; /* 0 when absent */
    uint8_t data[SDP_NAL_MAX];
};

struct sdp_media {
    enum sdp_media_type type;
    uint16_t port;
    int payload;                     /* first (preferred) format of the m= line, -1 if none */
    char encoding[SDP_ENCODING_MAX]; /* rtpmap encoding name for it, "" if not given */
    uint32_t clock_rate;
    unsigned channels;
    char control[SDP_CONTROL_MAX]; /* a=control, "" when absent */
    uint32_t framerate_milli;      /* a=framerate x1000, 0 when absent */
    uint16_t width, height;        /* a=x-dimensions, 0 when absent */
    uint32_t bandwidth_kbps;       /* b=AS */
    /* fmtp of the preferred payload */
    uint8_t profile_level_id[3]; /* H.264 profile-level-id */
    int has_profile_level_id;
    int packetization_mode;       /* H.264, default 0 */
    struct sdp_nal vps, sps, pps; /* first of each; vps only for H.265 */
};

struct sdp {
    char session_name[SDP_NAME_MAX]; /* s=, often a vendor hint */
    char control[SDP_CONTROL_MAX];   /* session-level a=control */
    uint32_t bandwidth_kbps;
    struct sdp_media media[SDP_MEDIA_MAX];
    size_t nmedia;
    size_t nmedia_seen; /* including those beyond SDP_MEDIA_MAX */
};

/* Parse an SDP body. Lines it does not understand are skipped, as RFC 4566
 * asks; -EBADMSG when it is not SDP at all (no v= line first, or a NUL),
 * -EMSGSIZE beyond SDP_INPUT_MAX. */
int sdp_parse(const char *buf, size_t len, struct sdp *out);

/* The first media of a type, or NULL. */
const struct sdp_media *sdp_find_media(const struct sdp *s, enum sdp_media_type type);

/* Codec of a media section from its rtpmap or static payload type. */
enum probe_codec sdp_media_codec(const struct sdp_media *m);

/* The URL to SETUP a media with (RFC 2326 C.1.1): an absolute media control
 * wins; otherwise it is taken relative to the session control when that is
 * absolute, else Content-Base, else Content-Location, else the request URL.
 * "*" or an empty control means the base itself. Relative controls are
 * appended with one '/' (not RFC 3986 merging) because that is what cameras
 * expect: base ".../realmonitor?channel=1&subtype=0" + "trackID=0" gives
 * ".../realmonitor?channel=1&subtype=0/trackID=0". Any argument but
 * request_url may be NULL or "". -ENAMETOOLONG when out[cap] is too small. */
int sdp_resolve_control(const char *request_url, const char *content_base,
                        const char *content_location, const char *session_control,
                        const char *media_control, char *out, size_t cap);

#endif
