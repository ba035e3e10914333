/* The behaviours a simulated camera can have (healthy or one fault), their
 * names, default arguments, and the seeded fault mix that assigns them. */
#ifndef CAMFARM_FAULTS_H
#define CAMFARM_FAULTS_H

#include <stddef.h>
#include <stdint.h>

enum fault {
    FAULT_OK = 0,         /* healthy camera */
    FAULT_REFUSED,        /* accept, then reset (SO_LINGER 0) */
    FAULT_BLACKHOLE,      /* accept, never read, never answer */
    FAULT_SYN_DROP,       /* SYNs dropped: connect() times out (holds 2 fds) */
    FAULT_SILENT,         /* read requests, never answer */
    FAULT_SLOW,           /* every reply delayed by ARG ms (default 2000) */
    FAULT_STALL_DESCRIBE, /* DESCRIBE answered, later requests never */
    FAULT_NO_RTP,         /* PLAY answered, no media */
    FAULT_RTP_STOP,       /* media stops after ARG s (default 5) */
    FAULT_BAD_AUTH,       /* expects a password other than the inventory's */
    FAULT_NOT_FOUND,      /* 404 for DESCRIBE/SETUP/PLAY */
    FAULT_ERROR_500,      /* 500 Internal Server Error for DESCRIBE.. */
    FAULT_ERROR_503,      /* 503 Service Unavailable for DESCRIBE.. */
    FAULT_SESSION_LIMIT,  /* every session slot taken */
    FAULT_REDIRECT,       /* 302 to camera #ARG (default: the next one) */
    FAULT_REDIRECT_LOOP,  /* 302 to itself */
    FAULT_FLAP,           /* up ARG s, refused ARG s (default 30) */
    FAULT_GARBAGE,        /* binary garbage instead of a reply */
    FAULT_BIG_HEADERS,    /* reply head of ARG KiB (default 64) */
    FAULT_SLOWLORIS,      /* replies one byte per second */
    FAULT_BAD_SDP,        /* DESCRIBE body is not valid SDP */
    FAULT_TRUNCATED_SDP,  /* SDP cut off before its media section */
    FAULT_BAD_LENGTH,     /* Content-Length larger than the body sent */
    FAULT_EARLY_RTP,      /* an RTP frame arrives before the PLAY reply */
    FAULT_BLACK,          /* video: black picture */
    FAULT_FROZEN,         /* video: identical frames */
    FAULT_BLURRED,        /* video: blurred picture */
    FAULT_NOISY,          /* video: heavy noise */
    FAULT_LOW_FPS,        /* video: 5 fps */
    FAULT_RESOLUTION,     /* video: 352x288, not what the inventory says */
    FAULT_OPTIONS_FIRST,  /* 455 to a DESCRIBE on a connection that sent no OPTIONS */
    FAULT_CLOCK_SKEW,     /* RTCP sender reports from a clock ARG s ahead (default 120) */
    FAULT_NO_SR,          /* no RTCP sender reports at all */
    /* Picture faults on photographs (make_clips.sh, the second block). */
    FAULT_SIGNAL_LOST,    /* video: blue "无视频信号 / NO VIDEO" screen */
    FAULT_BARS,           /* video: colour bars (an encoder without its camera) */
    FAULT_TOO_BRIGHT,     /* video: washed out */
    FAULT_OCCLUDED,       /* video: two thirds of the picture covered */
    FAULT_COLOR_CAST,     /* video: red-orange cast */
    FAULT_STRIPES,        /* video: rolling horizontal bars */
    FAULT_SHAKING,        /* video: the picture jumps from frame to frame */
    FAULT_SCENE_CHANGED,  /* video: one photograph for ARG s (600), then another */
    FAULT_COUNT
};

const char *fault_name(enum fault f);
/* Returns the fault named `name`, or -ENOENT. */
int fault_from_name(const char *name);
/* Default argument of a fault (0 when it takes none). */
uint16_t fault_default_arg(enum fault f);
/* Name of the clip a video fault streams, NULL for other faults (for
 * scene_changed: the clip it changes to; before, it streams "scene"). */
const char *fault_clip(enum fault f);

/* A fault mix: the share (in 1/100000) of cameras given each fault. */
struct fault_mix {
    uint32_t share[FAULT_COUNT];
};

/* Parses "default" (about 7 % faulty, spread over every kind), "none", or
 * "name=percent,..." (e.g. "refused=2,slow=0.5"). On error writes a
 * message into err and returns -EINVAL. */
int fault_mix_parse(const char *spec, struct fault_mix *mix, char *err, size_t errlen);

/* The fault camera number `index` gets under `mix` and `seed`; the same
 * inputs always give the same answer, whatever the order of calls. */
enum fault fault_pick(const struct fault_mix *mix, uint64_t seed, uint32_t index);

/* Deterministic 64-bit mix of (seed, index, salt) for other seeded choices. */
uint64_t fault_hash(uint64_t seed, uint32_t index, uint32_t salt);

#endif
