/* The one result shape every probe (RTSP handshake, libav deep probe, frame
 * checks) produces, with stable reason codes that storage and the API keep. */
#ifndef CAMDEX_PROBE_RESULT_H
#define CAMDEX_PROBE_RESULT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

enum probe_state {
    PROBE_OFFLINE = 0, /* nothing usable came back */
    PROBE_DEGRADED,    /* media flows but something is wrong */
    PROBE_ONLINE,
};

/* Stable machine-readable reasons. The numeric values are persisted: append
 * new codes at the end, never renumber. */
enum probe_reason {
    PROBE_R_NONE = 0, /* online, nothing to report */
    PROBE_R_DNS_FAILED,
    PROBE_R_CONNECT_REFUSED,
    PROBE_R_CONNECT_TIMEOUT,
    PROBE_R_NET_UNREACHABLE,
    PROBE_R_RTSP_TIMEOUT,   /* connected but a reply did not come in time */
    PROBE_R_PROTOCOL_ERROR, /* the server spoke something we cannot parse */
    PROBE_R_AUTH_FAILED,    /* 401 even with credentials, or none given */
    PROBE_R_FORBIDDEN,      /* 403 */
    PROBE_R_SESSION_LIMIT,  /* 453 or a 503 that names a session/bandwidth limit */
    PROBE_R_NOT_FOUND,      /* 404 */
    PROBE_R_SERVER_ERROR,   /* other 4xx/5xx */
    PROBE_R_REDIRECT_LOOP,  /* too many 3xx, or a 3xx to another scheme */
    PROBE_R_NO_MEDIA,       /* no usable video in the SDP, or no RTP in time */
    PROBE_R_NO_KEYFRAME,    /* RTP flows but no keyframe in time */
    PROBE_R_DECODE_ERROR,
    PROBE_R_BLACK,
    PROBE_R_FROZEN,
    PROBE_R_BLURRED,
    PROBE_R_OCCLUDED,
    PROBE_R_LOW_FPS,
    PROBE_R_LOW_BITRATE,
    PROBE_R_RESOLUTION_MISMATCH,
    PROBE_R_UNSUPPORTED_URL,
    PROBE_R_INTERNAL_ERROR, /* our own fault (out of memory, bug) */
    PROBE_R_CONNECT_RESET,  /* the peer closed or reset the connection mid-exchange */
    /* Picture diagnosis (tier 2), clock and label checks; see frame_quality.h. */
    PROBE_R_SIGNAL_LOST,     /* flat or test screen from the encoder ("NO VIDEO", bars) */
    PROBE_R_TOO_BRIGHT,      /* over-exposed, washed out */
    PROBE_R_COLOR_CAST,      /* one colour dominates */
    PROBE_R_NOISY,           /* snow noise, grain */
    PROBE_R_STRIPES,         /* rolling bars, interference lines */
    PROBE_R_SCENE_CHANGED,   /* differs from the camera's reference picture */
    PROBE_R_SHAKING,         /* the picture jumps between frames */
    PROBE_R_CLOCK_SKEW,      /* the camera's clock (RTCP sender reports) is off */
    PROBE_R_OSD_TIME_WRONG,  /* the time burned into the picture is off */
    PROBE_R_OSD_LABEL_WRONG, /* the name burned into the picture is not the camera's */
    PROBE_R_COUNT
};

/* Times of each phase in microseconds; 0 means the phase did not run. */
enum probe_phase {
    PROBE_PH_DNS = 0,
    PROBE_PH_CONNECT,
    PROBE_PH_OPTIONS,
    PROBE_PH_DESCRIBE,
    PROBE_PH_SETUP,
    PROBE_PH_PLAY,
    PROBE_PH_FIRST_RTP,
    PROBE_PH_FIRST_KEYFRAME,
    PROBE_PH_COUNT
};

enum probe_codec {
    PROBE_CODEC_NONE = 0, /* not known / not present */
    PROBE_CODEC_H264,
    PROBE_CODEC_H265,
    PROBE_CODEC_MJPEG,
    PROBE_CODEC_AAC,
    PROBE_CODEC_PCMA, /* G.711 A-law, common on Chinese cameras */
    PROBE_CODEC_PCMU,
    PROBE_CODEC_OTHER,
    PROBE_CODEC_COUNT
};

#define PROBE_DETAIL_MAX  160
#define PROBE_SERVER_MAX  64
#define PROBE_PROFILE_MAX 24

struct probe_video {
    enum probe_codec codec;
    char profile[PROBE_PROFILE_MAX]; /* "High", "Main", "Main 10", ... */
    uint16_t level;         /* H.264: level_idc (40 = 4.0); H.265: general_level_idc (120 = 4.0) */
    uint16_t width, height; /* display size after cropping */
    uint32_t fps_milli;     /* declared frame rate x1000, 0 if unknown */
    uint32_t bitrate;       /* bits/s, declared or measured, 0 if unknown */
};

struct probe_result {
    enum probe_state state;
    enum probe_reason reason;
    int rtsp_status;               /* last RTSP status code seen, 0 if none */
    char detail[PROBE_DETAIL_MAX]; /* one line, never holds credentials */
    uint32_t phase_us[PROBE_PH_COUNT];
    struct probe_video video;
    enum probe_codec audio_codec;
    char server[PROBE_SERVER_MAX]; /* Server header: a vendor hint */
};

/* Picture diagnosis: every fault found on one look at a camera's picture
 * (several at once are common: dark and noisy at night), most severe
 * first, each with the measured value and the limit it crossed. The
 * camera's state carries the first as its reason; the list is kept whole. */
#define PROBE_FINDINGS_MAX 8
struct probe_finding {
    uint8_t reason; /* enum probe_reason */
    float value;    /* what was measured, in the unit of the limit */
    float limit;    /* the configured limit it crossed */
};
struct probe_findings {
    bool judged; /* a picture was decoded and looked at */
    uint8_t n;
    struct probe_finding f[PROBE_FINDINGS_MAX];
};

void probe_result_init(struct probe_result *r);

/* Set state, reason and a printf-style detail in one go; newlines and other
 * control characters in the detail are replaced so it stays one line. */
void probe_result_set(struct probe_result *r, enum probe_state st, enum probe_reason why,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Copy a header value into r->server, sanitised to printable ASCII. */
void probe_result_set_server(struct probe_result *r, const char *s, size_t len);

const char *probe_state_name(enum probe_state st);
const char *probe_reason_name(enum probe_reason why);
const char *probe_phase_name(enum probe_phase ph);
const char *probe_codec_name(enum probe_codec c);

/* Name -> enum. Return 0 and set *out, or -EINVAL for an unknown name. */
int probe_state_from_name(const char *name, enum probe_state *out);
int probe_reason_from_name(const char *name, enum probe_reason *out);
int probe_codec_from_name(const char *name, enum probe_codec *out);

/* One line of "key=value" pairs for logs and the CLI, e.g.
 * "state=offline reason=auth_failed rtsp=401 connect_us=812 ... detail=\"...\"".
 * Returns the length it wanted (snprintf-style); the output is always
 * NUL-terminated when cap > 0. */
int probe_result_format(const struct probe_result *r, char *buf, size_t cap);

#endif
