/* Tier 2 of the probe engine: one synchronous libav deep probe of one stream
 * URL (RTSP, HLS, HTTP-FLV, RTMP) under a hard deadline. Measures frame rate
 * and bitrate from received packets and decodes the first keyframe and the
 * pictures right after it into small planes for the picture diagnosis (and
 * optionally a JPEG thumbnail). Blocking: run it on a
 * worker thread (deep_pool.h), never on the loop thread. */
#ifndef CAMDEX_DEEP_PROBE_H
#define CAMDEX_DEEP_PROBE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe_result.h"

/* The luma plane handed back is at most this big; 160x90 is enough for
 * black / blur / frozen checks and keeps a result at ~15 KiB. */
#define DEEP_LUMA_MAX_W 160
#define DEEP_LUMA_MAX_H 90
/* The full-size luma plane (deep_opts.full_luma) is handed back for
 * pictures up to this many pixels (1920x1080): larger ones get none. */
#define DEEP_FULL_MAX_PIXELS (1920 * 1080)
/* Colour: the keyframe's Cb and Cr, box-filtered to at most this (a 4:2:0
 * picture's chroma has half the luma's size each way). */
#define DEEP_CHROMA_MAX_W 80
#define DEEP_CHROMA_MAX_H 45
/* Pictures decoded one after another from the first keyframe on (it
 * included): a frozen camera repeats one, a shaking one jumps. Four at
 * 25 fps span 120 ms. */
#define DEEP_PICS_MAX 4
/* A crop of each of those at the coded resolution, from the picture's
 * centre: noise, fine interference lines and a live sensor's frame-to-frame
 * noise vanish in the box-filtered plane. */
#define DEEP_CROP_W 128
#define DEEP_CROP_H 96
/* Thumbnails are at most this big (JPEG, ~5-20 KiB). */
#define DEEP_THUMB_MAX_W 320
#define DEEP_THUMB_MAX_H 180

#define DEEP_FORMAT_MAX 24
#define DEEP_UNUSED_MAX 96

/* Tunables; zero fields take the defaults of deep_opts_default(). */
struct deep_opts {
    uint32_t deadline_ms;        /* whole probe, hard (interrupt callback); default 5000 */
    uint32_t socket_timeout_ms;  /* libav "timeout"/"rw_timeout" for socket I/O; default =
                                    deadline + 500 so our own deadline fires first */
    uint32_t measure_ms;         /* measuring window by stream time and wall time; default 400 */
    uint32_t measure_frames;     /* ...or this many video pictures, whichever first; default 50 */
    uint32_t probesize;          /* bytes for avformat_find_stream_info; default 256 KiB */
    uint32_t analyzeduration_ms; /* default 500 */
    bool stream_info;            /* RTSP: run avformat_find_stream_info too (it is skipped:
                                    the SDP names the streams and carries the parameter
                                    sets, see deep_probe.c) */
    bool no_decode;              /* a liveness look: skip the keyframe decode (and the
                                    thumbnail), and for streams made from packets (HLS, FLV,
                                    RTMP) find_stream_info too: the picture size is then
                                    what the stream's headers say, often nothing */
    bool no_second;              /* skip the second keyframe (no frozen-picture check) */
    uint32_t second_gap_ms;      /* the second keyframe is at least this much stream time
                                    after the first; default 800 */
    uint32_t second_wait_ms;     /* how long past that it may take to come; default 2000 */
    uint32_t max_pixels;         /* decode no picture larger than this (width x height): what
                                    a camera claims sizes the decoder's buffers; default
                                    7680x4320 */
    bool thumbnail;              /* also encode a JPEG thumbnail of the keyframe */
    bool full_luma;              /* also hand back the keyframe's luma at its own size (what
                                    OSD reading needs: its characters are a few pixels wide);
                                    8-bit pictures up to DEEP_FULL_MAX_PIXELS only */
    int thumb_quality;           /* mjpeg qscale 2 (best) .. 31; default 6 */
    bool refuse_basic;           /* RTSP: the camera is known to use Digest, so a 401 offering
                                    only Basic ends the probe (auth_failed) before libav
                                    sends the password in clear */
};

void deep_opts_default(struct deep_opts *o);

/* Which part of the probe was running, for details and timing. */
enum deep_phase {
    DEEP_PH_SETUP = 0, /* URL checks and option set-up, no I/O */
    DEEP_PH_OPEN,      /* avformat_open_input: connect + protocol handshake */
    DEEP_PH_INFO,      /* avformat_find_stream_info */
    DEEP_PH_MEASURE,   /* reading packets for fps / bitrate */
    DEEP_PH_DECODE,    /* decoding the keyframe */
    DEEP_PH_COUNT
};

const char *deep_phase_name(enum deep_phase ph);

/* A downscaled copy of the keyframe's luma (box filter), 8 bits a sample,
 * rows packed (stride == width). Values as coded: limited-range video has
 * black at 16, full-range (yuvj, many cameras) at 0. */
struct deep_luma {
    uint16_t width, height; /* 0 when nothing was decoded */
    bool full_range;
    uint8_t data[DEEP_LUMA_MAX_W * DEEP_LUMA_MAX_H];
};

/* Cb and Cr of the keyframe, box-filtered like the luma, rows packed. */
struct deep_chroma {
    uint16_t width, height; /* 0 when the picture's format has no planar chroma */
    uint8_t cb[DEEP_CHROMA_MAX_W * DEEP_CHROMA_MAX_H];
    uint8_t cr[DEEP_CHROMA_MAX_W * DEEP_CHROMA_MAX_H];
};

/* Luma at the coded resolution, rows packed; 8 bits (deeper samples are
 * shifted down). */
struct deep_crop {
    uint16_t width, height; /* 0 when not decoded; smaller for small pictures */
    uint8_t data[DEEP_CROP_W * DEEP_CROP_H];
};

/* A result holds ~130 KiB of pictures: five 160x90 luma planes (14 KiB
 * each), the keyframe's chroma (7 KiB) and four 128x96 crops (12 KiB each),
 * whatever the camera's resolution. */
struct deep_result {
    struct probe_result base; /* verdict, reason, detail, video metadata */
    int av_error;             /* the libav error behind a failure, 0 if none */
    enum deep_phase failed_phase;
    bool deadline_hit;                 /* our own deadline interrupted libav */
    char format[DEEP_FORMAT_MAX];      /* demuxer name: "rtsp", "hls", "flv", ... */
    char unused_opts[DEEP_UNUSED_MAX]; /* options libav did not consume ("a,b"), as ffprobe reports
                                        */
    uint32_t phase_ms[DEEP_PH_COUNT];  /* wall time per phase */
    uint32_t phase_cpu_us[DEEP_PH_COUNT]; /* CPU time of the probing thread per phase */
    uint32_t total_ms;
    uint32_t cpu_us; /* CPU time of the whole probe */
    /* measured over the window (base.video.fps_milli and .bitrate hold the
     * measured values when there were enough packets, else the container's) */
    uint32_t video_packets;
    uint32_t video_frames; /* pictures: packets with distinct timestamps */
    uint64_t video_bytes;
    uint32_t span_ms;             /* stream-time span of the counted packets */
    uint32_t wall_ms;             /* wall time of the window */
    uint32_t fps_milli_container; /* what the container / SDP claimed, 0 if nothing */
    uint32_t keyframes;           /* in the window */
    struct deep_luma luma;        /* of the first keyframe */
    struct deep_chroma chroma;    /* of the first keyframe */
    /* The pictures that follow the first keyframe, in display order:
     * npics counts it too (luma, then next[0 .. npics - 2]); crop[i] is
     * picture i's centre at the coded resolution. */
    uint8_t npics;
    struct deep_luma next[DEEP_PICS_MAX - 1];
    struct deep_crop crop[DEEP_PICS_MAX];
    /* Each picture's coded size in bytes (0: not known): an encoder that
     * sends next to nothing for a picture repeats the one before. */
    uint32_t pic_bytes[DEEP_PICS_MAX];
    /* Of a later keyframe (second_gap_ms on): a frozen camera streams the
     * same picture. width 0 when none came in time or it did not decode. */
    struct deep_luma luma2;
    uint32_t luma2_gap_ms;        /* stream time between the two keyframes */
    uint8_t *jpeg;                /* thumbnail, malloc'd; freed by deep_result_clear */
    size_t jpeg_len;
    uint16_t jpeg_w, jpeg_h;      /* the thumbnail's size */
    uint8_t *full;                /* full_luma: the keyframe's luma, rows packed; malloc'd,
                                     freed by deep_result_clear */
    uint16_t full_w, full_h;
};

/* Zero a result; deep_result_clear frees the thumbnail and zeroes again. */
void deep_result_init(struct deep_result *r);
void deep_result_clear(struct deep_result *r);

/* Probe `url` once. libavformat cannot interrupt its own DNS lookups, so the
 * host must be numeric: pass the resolved address in `numeric_host` (IPv4 or
 * IPv6, no brackets) and it replaces the URL's host, or pass NULL and the URL
 * host must already be numeric. The deadline covers everything; a probe that
 * hits it while opening spends up to 200 ms of it on one TCP connect to tell
 * connect_timeout from rtsp_timeout. `stop`, when not NULL, is polled by the
 * interrupt callback: setting it (from any thread) ends the probe promptly
 * with reason internal_error and av_error AVERROR_EXIT.
 *
 * Returns 0 when `out` holds a verdict (online, degraded or offline, with a
 * reason and a one-line detail that never holds credentials); -EINVAL for a
 * NULL argument; -ECANCELED when `stop` ended it (out still filled in). */
int deep_probe_run(const char *url, const char *numeric_host, const struct deep_opts *opts,
                   const atomic_bool *stop, struct deep_result *out);

/* The one mapping from a libav error to a camdex reason. `deadline_hit`
 * says our interrupt callback fired; `ph` is where the error came from;
 * `connected` says whether a TCP connection to the server could be made
 * after a deadline in open (1 yes, 0 no, -1 not checked: then the error code
 * decides). Writes a detail ("open: Connection refused") into `detail`. */
enum probe_reason deep_reason_from_averror(int averr, enum deep_phase ph, bool deadline_hit,
                                           int connected, char *detail, size_t detail_len);

/* libav logs on its own (to stderr by default, from every probing thread),
 * and some of its lines carry URLs with credentials ("Opening
 * 'http://user:pass@...' for reading"). Route them, process-wide, to `fn`
 * one whole line at a time with every URL in them redacted; lines above
 * `max_level` (an AV_LOG_* value) are dropped, fn NULL drops everything.
 * For the program's edge to call once at start-up; `fn` must be thread-safe.
 * The line has no trailing newline. */
typedef void (*deep_log_fn)(void *opaque, int av_level, const char *line);
void deep_av_log_setup(deep_log_fn fn, void *opaque, int max_level);

/* Copy `line` to `out` with each URL-looking token ("scheme://...")
 * redacted by probe_url_redact, and the value of an Authorization or
 * Proxy-Authorization header line replaced by "***". Always NUL-terminated;
 * returns out. */
char *deep_redact_line(const char *line, char *out, size_t outlen);

/* Substitute `numeric_host` for the host of `url`, keeping user info, port,
 * path and query verbatim (IPv6 gets brackets). 0, -EINVAL when the host is
 * not a numeric address or the URL has no authority, -ENAMETOOLONG. */
int deep_url_with_host(const char *url, const char *numeric_host, char *out, size_t outlen);

/* Why tier 2 is unavailable (its module did not load), or NULL when it is. */
const char *deep_module_error(void);
/* The file the module was loaded from, or NULL when it did not load. */
const char *deep_module_path(void);

#endif
