/* The libav deep probe: open, find stream info, measure fps and bitrate
 * from packets, decode the first keyframe and the three pictures after it
 * into small planes for the picture diagnosis (and maybe a JPEG thumbnail).
 * Synchronous; every blocking libav call is bounded by an
 * interrupt callback that watches a hard deadline and a stop flag. */
#include "deepm.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

#include "deep_log.h"
#include "rtmp_status.h"
#include "rtsp_status.h"
#include "url.h"
#include "video_nal.h"
#include "video_params.h"

#define DEF_DEADLINE_MS  5000
#define DEF_MEASURE_MS   400
#define DEF_MEASURE_PKTS 50
#define DEF_PROBESIZE    (256 * 1024)
#define DEF_ANALYZE_MS   500
#define DEF_THUMB_Q      6
/* Keyframes come every 1-2 s on most cameras: the next one after 800 ms of
 * stream time, waited for at most 2 s more, shows whether the picture moves
 * at a cost of one more keyframe decode (the pictures in between are read,
 * not decoded). */
#define DEF_MAX_PIXELS     (7680 * 4320) /* 8K UHD: 33 MP, 50 MB a 4:2:0 picture */
#define DEF_SECOND_GAP_MS  800
#define DEF_SECOND_WAIT_MS 2000

static const char *const phase_names[DEEP_PH_COUNT] = {
    [DEEP_PH_SETUP] = "setup",     [DEEP_PH_OPEN] = "open",     [DEEP_PH_INFO] = "stream info",
    [DEEP_PH_MEASURE] = "measure", [DEEP_PH_DECODE] = "decode",
};

const char *deepm_phase_name(enum deep_phase ph)
{
    return (unsigned)ph < DEEP_PH_COUNT ? phase_names[ph] : "?";
}

void deepm_opts_default(struct deep_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->deadline_ms = DEF_DEADLINE_MS;
    o->measure_ms = DEF_MEASURE_MS;
    o->measure_frames = DEF_MEASURE_PKTS;
    o->probesize = DEF_PROBESIZE;
    o->analyzeduration_ms = DEF_ANALYZE_MS;
    o->thumb_quality = DEF_THUMB_Q;
    o->second_gap_ms = DEF_SECOND_GAP_MS;
    o->second_wait_ms = DEF_SECOND_WAIT_MS;
    o->max_pixels = DEF_MAX_PIXELS;
}

/* Zero fields mean "default", so callers can set only what they care about. */
static void opts_fill(struct deep_opts *o, const struct deep_opts *in)
{
    struct deep_opts d;
    deepm_opts_default(&d);
    *o = in ? *in : d;
    if (!o->deadline_ms)
        o->deadline_ms = d.deadline_ms;
    if (!o->socket_timeout_ms)
        o->socket_timeout_ms = o->deadline_ms + 500;
    if (!o->measure_ms)
        o->measure_ms = d.measure_ms;
    if (!o->measure_frames)
        o->measure_frames = d.measure_frames;
    if (o->probesize < 32) /* libav's own floor */
        o->probesize = d.probesize;
    if (!o->analyzeduration_ms)
        o->analyzeduration_ms = d.analyzeduration_ms;
    if (o->thumb_quality < 2 || o->thumb_quality > 31)
        o->thumb_quality = d.thumb_quality;
    if (!o->second_gap_ms)
        o->second_gap_ms = d.second_gap_ms;
    if (!o->second_wait_ms)
        o->second_wait_ms = d.second_wait_ms;
    if (!o->max_pixels)
        o->max_pixels = d.max_pixels;
}

void deepm_result_init(struct deep_result *r)
{
    memset(r, 0, sizeof(*r));
    probe_result_init(&r->base);
}

void deepm_result_clear(struct deep_result *r)
{
    av_freep(&r->jpeg);
    free(r->full);
    deepm_result_init(r);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- interrupt callback ---- */

struct dp_clock {
    int64_t deadline;      /* hard, absolute µs */
    int64_t soft_deadline; /* end of the measuring window, 0 = none */
    const atomic_bool *stop;
    /* Set by the callback, read after libav returns, same thread. */
    bool deadline_hit, soft_hit, stopped;
    int connected; /* after a deadline in open: 1 / 0 from tcp_reachable, -1 unknown */
    const struct deepm_said *said; /* during open: a redirect away from the origin stops libav */
};

/* libav polls this about every 100 ms while it waits on a socket, and
 * between packets. Non-zero makes the blocked call return AVERROR_EXIT (or
 * some other error the call site chooses), so we keep our own flags to tell
 * a deadline from a real failure. */
static int dp_interrupt(void *opaque)
{
    struct dp_clock *c = opaque;
    if (c->stop && atomic_load_explicit(c->stop, memory_order_relaxed)) {
        c->stopped = true;
        return 1;
    }
    int64_t t = now_us();
    if (t >= c->deadline) {
        c->deadline_hit = true;
        return 1;
    }
    if (c->soft_deadline && t >= c->soft_deadline) {
        c->soft_hit = true;
        return 1;
    }
    /* libav checks this before every write, so nothing reaches the server
     * a redirect named, the credentials least of all. */
    if (c->said && (c->said->left_origin || c->said->basic_refused))
        return 1;
    return 0;
}

/* ---- error mapping ---- */

/* Our own deadline interrupted libav: where it fell says what did not come. */
static enum probe_reason deadline_reason(int e, enum deep_phase ph, int connected,
                                         const char **what)
{
    /* Without a reachability check: interrupted inside the TCP connect,
     * libav hands AVERROR_EXIT back as is, while the RTSP demuxer turns
     * an interrupted reply into invalid data. HTTP passes EXIT through
     * in both cases, hence the check (connected >= 0) when it ran. */
    if (ph == DEEP_PH_OPEN && (connected == 0 || (connected < 0 && e == AVERROR_EXIT))) {
        *what = "no connection before the deadline";
        return PROBE_R_CONNECT_TIMEOUT;
    }
    if (ph == DEEP_PH_OPEN) {
        *what = "connected, no reply before the deadline";
        return PROBE_R_RTSP_TIMEOUT;
    }
    if (ph == DEEP_PH_INFO || ph == DEEP_PH_MEASURE) {
        /* Set up and playing, but no media: what tier 1 calls no RTP
         * after PLAY. */
        *what = "no media before the deadline";
        return PROBE_R_NO_MEDIA;
    }
    *what = "deadline hit";
    return PROBE_R_RTSP_TIMEOUT;
}

/* The reason for an error libav returned on its own; *what, when set, is
 * said before libav's text. */
static enum probe_reason averror_reason(int e, enum deep_phase ph, const char **what)
{
    enum probe_reason why;
    switch (e) {
    case AVERROR(ECONNREFUSED):
        why = PROBE_R_CONNECT_REFUSED;
        break;
    case AVERROR(ETIMEDOUT):
        /* libav's own socket timeout; during open that is the connect
         * (RTSP reply timeouts come back as invalid data). */
        why = ph == DEEP_PH_OPEN ? PROBE_R_CONNECT_TIMEOUT : PROBE_R_RTSP_TIMEOUT;
        break;
    case AVERROR(ENETUNREACH):
    case AVERROR(EHOSTUNREACH):
    case AVERROR(EHOSTDOWN):
    case AVERROR(ENETDOWN):
        why = PROBE_R_NET_UNREACHABLE;
        break;
    case AVERROR(ECONNRESET):
    case AVERROR(EPIPE):
    case AVERROR(ECONNABORTED):
        why = PROBE_R_CONNECT_RESET;
        break;
    case AVERROR_EOF:
        why = ph == DEEP_PH_OPEN ? PROBE_R_CONNECT_RESET : PROBE_R_NO_MEDIA;
        *what = ph == DEEP_PH_OPEN ? "the server closed the connection" : "the stream ended";
        break;
    case AVERROR_HTTP_UNAUTHORIZED:
        why = PROBE_R_AUTH_FAILED;
        break;
    case AVERROR_HTTP_FORBIDDEN:
        why = PROBE_R_FORBIDDEN;
        break;
    case AVERROR_HTTP_NOT_FOUND:
        why = PROBE_R_NOT_FOUND;
        break;
    case AVERROR_HTTP_BAD_REQUEST:
    case AVERROR_HTTP_OTHER_4XX:
    case AVERROR_HTTP_SERVER_ERROR:
        why = PROBE_R_SERVER_ERROR;
        break;
    case AVERROR_INVALIDDATA:
        why = ph == DEEP_PH_DECODE ? PROBE_R_DECODE_ERROR : PROBE_R_PROTOCOL_ERROR;
        break;
    case AVERROR_PROTOCOL_NOT_FOUND:
    case AVERROR_DEMUXER_NOT_FOUND:
    case AVERROR(EPROTONOSUPPORT):
        why = PROBE_R_UNSUPPORTED_URL;
        break;
    case AVERROR(EINVAL):
        /* What libav says when a protocol or format is not on a whitelist. */
        if (ph == DEEP_PH_OPEN) {
            why = PROBE_R_UNSUPPORTED_URL;
            *what = "protocol or format not allowed";
        } else {
            why = ph == DEEP_PH_DECODE ? PROBE_R_DECODE_ERROR : PROBE_R_PROTOCOL_ERROR;
        }
        break;
    case AVERROR_DECODER_NOT_FOUND:
    case AVERROR_PATCHWELCOME:
        why = PROBE_R_DECODE_ERROR;
        break;
    case AVERROR(ENOMEM):
    case AVERROR_BUG:
    case AVERROR_BUG2:
        why = PROBE_R_INTERNAL_ERROR;
        break;
    case AVERROR_EXIT:
        why = PROBE_R_INTERNAL_ERROR;
        *what = "cancelled";
        break;
    default:
        why = ph == DEEP_PH_DECODE ? PROBE_R_DECODE_ERROR : PROBE_R_PROTOCOL_ERROR;
        break;
    }
    return why;
}

enum probe_reason deepm_reason_from_averror(int e, enum deep_phase ph, bool deadline_hit,
                                            int connected, char *detail, size_t detail_len)
{
    const char *phn = deepm_phase_name(ph);
    const char *what = NULL;
    if (deadline_hit) {
        enum probe_reason why = deadline_reason(e, ph, connected, &what);
        snprintf(detail, detail_len, "%s: %s", phn, what);
        return why;
    }
    enum probe_reason why = averror_reason(e, ph, &what);
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(e, msg, sizeof(msg));
    if (what)
        snprintf(detail, detail_len, "%s: %s (%s)", phn, what, msg);
    else
        snprintf(detail, detail_len, "%s: %s", phn, msg);
    return why;
}

/* ---- URL handling ---- */

static bool is_numeric_host(const char *h, bool *v6)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, h, buf) == 1) {
        *v6 = false;
        return true;
    }
    if (inet_pton(AF_INET6, h, buf) == 1) {
        *v6 = true;
        return true;
    }
    return false;
}

int deepm_url_with_host(const char *url, const char *host, char *out, size_t outlen)
{
    bool v6;
    if (!url || !host || !out || !is_numeric_host(host, &v6))
        return -EINVAL;
    const char *auth = strstr(url, "://");
    if (!auth)
        return -EINVAL;
    auth += 3;
    size_t alen = strcspn(auth, "/?#");
    /* The host starts after the last '@' of the authority: a password may
     * hold an '@' of its own. */
    const char *h = auth;
    for (const char *p = auth; p < auth + alen; p++)
        if (*p == '@')
            h = p + 1;
    const char *hend;
    if (*h == '[') {
        hend = memchr(h, ']', (size_t)(auth + alen - h));
        if (!hend)
            return -EINVAL;
        hend++;
    } else {
        hend = h;
        while (hend < auth + alen && *hend != ':')
            hend++;
    }
    if (hend == h)
        return -EINVAL;
    int n = snprintf(out, outlen, "%.*s%s%s%s%s", (int)(h - url), url, v6 ? "[" : "", host,
                     v6 ? "]" : "", hend);
    if (n < 0 || (size_t)n >= outlen)
        return -ENAMETOOLONG;
    return 0;
}

/* After a deadline during open: was it the connect or the reply? One
 * non-blocking connect answers it (SYNs dropped vs. a silent server). Only
 * failing probes pay for it, within the time kept back from libav. */
static int tcp_reachable(const char *host, uint16_t port, int timeout_ms)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        sl = sizeof(*a4);
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        sl = sizeof(*a6);
    } else {
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int up = 0;
    if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
        up = 1;
    } else if (errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int err = 0;
        socklen_t el = sizeof(err);
        if (poll(&p, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
            err == 0)
            up = 1;
    }
    close(fd);
    return up;
}

/* ---- small helpers ---- */

static enum probe_codec codec_from_id(enum AVCodecID id)
{
    switch (id) {
    case AV_CODEC_ID_NONE:
        return PROBE_CODEC_NONE;
    case AV_CODEC_ID_H264:
        return PROBE_CODEC_H264;
    case AV_CODEC_ID_HEVC:
        return PROBE_CODEC_H265;
    case AV_CODEC_ID_MJPEG:
        return PROBE_CODEC_MJPEG;
    case AV_CODEC_ID_AAC:
        return PROBE_CODEC_AAC;
    case AV_CODEC_ID_PCM_ALAW:
        return PROBE_CODEC_PCMA;
    case AV_CODEC_ID_PCM_MULAW:
        return PROBE_CODEC_PCMU;
    default:
        return PROBE_CODEC_OTHER;
    }
}

static uint32_t rational_milli(AVRational r)
{
    if (r.num <= 0 || r.den <= 0)
        return 0;
    int64_t v = av_rescale(r.num, 1000, r.den);
    return v > 0 && v < 1000000 ? (uint32_t)v : 0;
}

static void set_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* The options for one scheme. Only what that scheme's protocol and demuxer
 * consume goes in, so anything left over after open is a real surprise. */
static int build_options(AVDictionary **d, enum probe_url_scheme scheme, const struct deep_opts *o,
                         const char *orig_host, bool substituted)
{
    int rc = 0;
    const char *protos, *formats;
    char sock[24];
    snprintf(sock, sizeof(sock), "%lld", (long long)o->socket_timeout_ms * 1000);

    switch (scheme) {
    case PROBE_URL_RTSP:
    case PROBE_URL_RTSPS:
        protos = scheme == PROBE_URL_RTSP ? "rtsp,tcp" : "rtsps,tcp,tls";
        formats = "rtsp";
        rc |= av_dict_set(d, "rtsp_transport", "tcp", 0);
        /* Since FFmpeg 5.0 the RTSP demuxer's "timeout" is the socket I/O
         * timeout (it was the listen timeout before, "stimeout" is gone). */
        rc |= av_dict_set(d, "timeout", sock, 0);
        break;
    case PROBE_URL_HTTP:
    case PROBE_URL_HTTPS:
        /* HLS segments may be AES-128 encrypted: crypto wraps http. */
        protos = "http,https,tcp,tls,crypto";
        formats = "hls,flv,live_flv,mpegts";
        /* http's "timeout" covers the playlist connection; "rw_timeout" is
         * one of the options the HLS demuxer copies to segment requests. */
        rc |= av_dict_set(d, "timeout", sock, 0);
        rc |= av_dict_set(d, "rw_timeout", sock, 0);
        if (substituted) {
            /* Keep virtual hosting working after the host became an IP. */
            char hdr[PROBE_URL_HOST_MAX + 16];
            snprintf(hdr, sizeof(hdr), "Host: %s\r\n", orig_host);
            rc |= av_dict_set(d, "headers", hdr, 0);
        }
        break;
    case PROBE_URL_RTMP:
        /* rtmp's "timeout" means listen mode: leave it out, the interrupt
         * callback bounds the connection. */
        protos = "rtmp,tcp";
        formats = "flv,live_flv";
        break;
    default:
        return AVERROR(EPROTONOSUPPORT);
    }
    rc |= av_dict_set(d, "protocol_whitelist", protos, 0);
    rc |= av_dict_set(d, "format_whitelist", formats, 0);
    rc |= av_dict_set_int(d, "probesize", o->probesize, 0);
    rc |= av_dict_set_int(d, "analyzeduration", (int64_t)o->analyzeduration_ms * 1000, 0);
    /* Frame rate comes from our own window, not from find_stream_info. */
    rc |= av_dict_set(d, "fpsprobesize", "0", 0);
    return rc < 0 ? AVERROR(ENOMEM) : 0;
}

static void note_unused(struct deep_result *r, const AVDictionary *d)
{
    const AVDictionaryEntry *e = NULL;
    size_t len = 0;
    while ((e = av_dict_get(d, "", e, AV_DICT_IGNORE_SUFFIX))) {
        int n = snprintf(r->unused_opts + len, sizeof(r->unused_opts) - len, "%s%s", len ? "," : "",
                         e->key);
        if (n < 0 || (size_t)n >= sizeof(r->unused_opts) - len)
            break;
        len += (size_t)n;
    }
}

/* ---- luma and thumbnail ---- */

/* Integer shrink factor that fits w x h into maxw x maxh. */
static int shrink_factor(int w, int h, int maxw, int maxh)
{
    int kx = (w + maxw - 1) / maxw, ky = (h + maxh - 1) / maxh;
    int k = kx > ky ? kx : ky;
    return k < 1 ? 1 : k;
}

/* Box-filter an 8- or 16-bit plane (bps = bytes per sample, shift brings a
 * high bit depth down to 8) by k into dst (ow x oh, packed). */
static void box_plane(const uint8_t *src, int stride, int bps, int shift, int k, uint8_t *dst,
                      int ow, int oh, int dst_stride)
{
    uint32_t area = (uint32_t)(k * k);
    for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
            uint32_t sum = 0;
            for (int y = oy * k; y < oy * k + k; y++) {
                const uint8_t *row = src + (ptrdiff_t)y * stride;
                if (bps == 1) {
                    for (int x = ox * k; x < ox * k + k; x++)
                        sum += row[x];
                } else {
                    for (int x = ox * k; x < ox * k + k; x++)
                        sum += (uint32_t)(row[2 * x] | row[2 * x + 1] << 8) >> shift;
                }
            }
            dst[(ptrdiff_t)oy * dst_stride + ox] = (uint8_t)((sum + area / 2) / area);
        }
    }
}

/* Luma of planar or semi-planar YUV / gray, little-endian when > 8 bits. */
static int frame_luma(const AVFrame *f, struct deep_luma *out)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    if (!d || (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BE |
                           AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL)))
        return -ENOTSUP;
    if (d->comp[0].plane != 0 || d->comp[0].offset != 0 || d->comp[0].depth < 8 ||
        d->comp[0].depth > 16)
        return -ENOTSUP;
    int bps = d->comp[0].depth > 8 ? 2 : 1;
    if (d->comp[0].step != bps)
        return -ENOTSUP;
    if (f->width <= 0 || f->height <= 0)
        return -EINVAL;
    int k = shrink_factor(f->width, f->height, DEEP_LUMA_MAX_W, DEEP_LUMA_MAX_H);
    int ow = f->width / k, oh = f->height / k;
    if (ow < 1 || oh < 1)
        return -EINVAL;
    box_plane(f->data[0], f->linesize[0], bps, d->comp[0].depth - 8, k, out->data, ow, oh, ow);
    out->width = (uint16_t)ow;
    out->height = (uint16_t)oh;
    out->full_range = f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P ||
                      f->format == AV_PIX_FMT_YUVJ422P || f->format == AV_PIX_FMT_YUVJ444P;
    return 0;
}

/* A JPEG of the keyframe, box-filtered to DEEP_THUMB_MAX_*; 8-bit 4:2:0 only
 * (what cameras send), anything else gets no thumbnail. */
static int make_thumbnail(const AVFrame *f, int quality, struct deep_result *to)
{
    if (f->format != AV_PIX_FMT_YUV420P && f->format != AV_PIX_FMT_YUVJ420P)
        return -ENOTSUP;
    const AVCodec *enc = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (!enc)
        return -ENOSYS;
    int k = shrink_factor(f->width, f->height, DEEP_THUMB_MAX_W, DEEP_THUMB_MAX_H);
    int tw = (f->width / k) & ~1, th = (f->height / k) & ~1;
    if (tw < 2 || th < 2)
        return -EINVAL;

    int rc = AVERROR(ENOMEM);
    AVCodecContext *ec = avcodec_alloc_context3(enc);
    AVFrame *t = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    if (!ec || !t || !pkt)
        goto out;
    t->format = f->format;
    t->width = tw;
    t->height = th;
    if ((rc = av_frame_get_buffer(t, 0)) < 0)
        goto out;
    box_plane(f->data[0], f->linesize[0], 1, 0, k, t->data[0], tw, th, t->linesize[0]);
    for (int p = 1; p <= 2; p++)
        box_plane(f->data[p], f->linesize[p], 1, 0, k, t->data[p], tw / 2, th / 2, t->linesize[p]);

    ec->width = tw;
    ec->height = th;
    ec->time_base = (AVRational){1, 25};
    ec->pix_fmt = f->format;
    /* Limited-range 4:2:0 in a JPEG is an FFmpeg extension, but every
     * viewer shows it fine. */
    ec->strict_std_compliance = FF_COMPLIANCE_UNOFFICIAL;
    ec->flags |= AV_CODEC_FLAG_QSCALE;
    ec->global_quality = FF_QP2LAMBDA * quality;
    ec->thread_count = 1;
    if ((rc = avcodec_open2(ec, enc, NULL)) < 0)
        goto out;
    t->quality = ec->global_quality;
    t->pict_type = AV_PICTURE_TYPE_I;
    if ((rc = avcodec_send_frame(ec, t)) < 0)
        goto out;
    if ((rc = avcodec_receive_packet(ec, pkt)) < 0)
        goto out;
    to->jpeg = av_malloc((size_t)pkt->size);
    if (!to->jpeg) {
        rc = AVERROR(ENOMEM);
        goto out;
    }
    memcpy(to->jpeg, pkt->data, (size_t)pkt->size);
    to->jpeg_len = (size_t)pkt->size;
    to->jpeg_w = (uint16_t)tw;
    to->jpeg_h = (uint16_t)th;
    rc = 0;
out:
    av_packet_free(&pkt);
    av_frame_free(&t);
    avcodec_free_context(&ec);
    return rc;
}

/* The keyframe's luma plane as it is, for reading the OSD: 8-bit only
 * (what cameras send), at most DEEP_FULL_MAX_PIXELS. */
static void copy_full_luma(const AVFrame *f, struct deep_result *to)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    if (!d || d->comp[0].depth != 8 || d->comp[0].plane != 0 || d->comp[0].step != 1 ||
        (d->flags & AV_PIX_FMT_FLAG_RGB) || f->width < 1 ||
        f->height < 1 || (int64_t)f->width * f->height > DEEP_FULL_MAX_PIXELS)
        return;
    uint8_t *p = malloc((size_t)f->width * f->height);
    if (!p)
        return;
    for (int y = 0; y < f->height; y++)
        memcpy(p + (size_t)y * f->width, f->data[0] + (ptrdiff_t)y * f->linesize[0],
               (size_t)f->width);
    to->full = p;
    to->full_w = (uint16_t)f->width;
    to->full_h = (uint16_t)f->height;
}

/* The packets of the first keyframe picture: depacketizers may split one
 * picture over several packets (parameter sets, slices), some without a
 * timestamp, so keep them until a packet of the next picture shows up. */
#define KEY_PKTS_MAX 8
/* ...and at most this many bytes of them: a 4K keyframe is about 1 MB even
 * at high quality, and what a camera sends must not decide our memory. */
#define KEY_BYTES_MAX (8u << 20)

struct keypic {
    AVPacket *pkt[KEY_PKTS_MAX];
    int n;
    size_t bytes;
    int64_t ts; /* the picture's timestamp once seen */
    bool complete;
};

/* Offer a video packet; true when it was kept. */
static bool keypic_offer(struct keypic *k, const AVPacket *p)
{
    int64_t ts = p->dts != AV_NOPTS_VALUE ? p->dts : p->pts;
    if (k->complete || (k->n == 0 && !(p->flags & AV_PKT_FLAG_KEY)))
        return false;
    /* The rest of a keyframe picture is key-flagged too (the parser marks
     * every IDR slice); a non-key packet or a new timestamp is the next one. */
    if (k->n > 0 && (!(p->flags & AV_PKT_FLAG_KEY) ||
                     (ts != AV_NOPTS_VALUE && k->ts != AV_NOPTS_VALUE && ts != k->ts))) {
        k->complete = true;
        return false;
    }
    if (k->n == 0)
        k->ts = AV_NOPTS_VALUE;
    if ((size_t)p->size > KEY_BYTES_MAX - k->bytes) {
        /* Cut off there: the decode of what was kept will say if it is
         * a picture. */
        k->complete = k->n > 0;
        return false;
    }
    AVPacket *c = av_packet_clone(p);
    if (!c)
        return false;
    k->pkt[k->n++] = c;
    k->bytes += (size_t)p->size;
    if (k->ts == AV_NOPTS_VALUE)
        k->ts = ts;
    if (k->n == KEY_PKTS_MAX)
        k->complete = true;
    return true;
}

static void keypic_free(struct keypic *k)
{
    for (int i = 0; i < k->n; i++)
        av_packet_free(&k->pkt[i]);
    k->n = 0;
    k->bytes = 0;
}

/* The keyframe's Cb and Cr, planar 8-bit or deeper; other layouts (semi-
 * planar NV12, which software decoders do not output) get none. */
static void frame_chroma(const AVFrame *f, struct deep_chroma *out)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    out->width = out->height = 0;
    if (!d || d->nb_components < 3 || d->comp[1].plane != 1 || d->comp[2].plane != 2 ||
        d->comp[1].offset != 0 || d->comp[2].offset != 0)
        return;
    int bps = d->comp[1].depth > 8 ? 2 : 1;
    if (d->comp[1].step != bps || d->comp[2].step != bps)
        return;
    int cw = AV_CEIL_RSHIFT(f->width, d->log2_chroma_w);
    int ch = AV_CEIL_RSHIFT(f->height, d->log2_chroma_h);
    int k = shrink_factor(cw, ch, DEEP_CHROMA_MAX_W, DEEP_CHROMA_MAX_H);
    int ow = cw / k, oh = ch / k;
    if (ow < 1 || oh < 1)
        return;
    int shift = d->comp[1].depth - 8;
    box_plane(f->data[1], f->linesize[1], bps, shift, k, out->cb, ow, oh, ow);
    box_plane(f->data[2], f->linesize[2], bps, shift, k, out->cr, ow, oh, ow);
    out->width = (uint16_t)ow;
    out->height = (uint16_t)oh;
}

/* The centre of the luma plane at the coded resolution (frame_luma has
 * checked the format). */
static void frame_crop(const AVFrame *f, struct deep_crop *out)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    int cw = f->width < DEEP_CROP_W ? f->width : DEEP_CROP_W;
    int ch = f->height < DEEP_CROP_H ? f->height : DEEP_CROP_H;
    int x0 = (f->width - cw) / 2, y0 = (f->height - ch) / 2;
    int depth = d->comp[0].depth;
    for (int y = 0; y < ch; y++) {
        const uint8_t *row = f->data[0] + (ptrdiff_t)(y0 + y) * f->linesize[0];
        uint8_t *o = out->data + (ptrdiff_t)y * cw;
        if (depth == 8) {
            memcpy(o, row + x0, (size_t)cw);
            continue;
        }
        for (int x = 0; x < cw; x++) {
            int at = 2 * (x0 + x);
            o[x] = (uint8_t)((row[at] | row[at + 1] << 8) >> (depth - 8));
        }
    }
    out->width = (uint16_t)cw;
    out->height = (uint16_t)ch;
}

/* The packets of the pictures after the first keyframe (each a whole
 * picture: put together, or from a demuxer whose parser did it), for the
 * frozen and shaking measures; bounded like the keyframe's. */
struct follow {
    AVPacket *pkt[DEEP_PICS_MAX - 1];
    int n;
    size_t bytes;
};

static void follow_offer(struct follow *fl, const AVPacket *p)
{
    if (fl->n == DEEP_PICS_MAX - 1 || (size_t)p->size > KEY_BYTES_MAX - fl->bytes)
        return;
    AVPacket *c = av_packet_clone(p);
    if (!c)
        return;
    fl->pkt[fl->n++] = c;
    fl->bytes += (size_t)p->size;
}

static void follow_free(struct follow *fl)
{
    for (int i = 0; i < fl->n; i++)
        av_packet_free(&fl->pkt[i]);
    fl->n = 0;
    fl->bytes = 0;
}

/* Decoders take a packet as a whole picture (H.264 would conceal the
 * slices of the next packet as missing): join the keyframe's packets.
 * Annex B and length-prefixed NAL units both survive concatenation. */
static int join_keypic(const struct keypic *key, AVPacket **joined)
{
    size_t total = 0;
    for (int i = 0; i < key->n; i++)
        total += (size_t)key->pkt[i]->size;
    if (total > INT_MAX / 2 || !(*joined = av_packet_alloc()) ||
        av_new_packet(*joined, (int)total) < 0)
        return AVERROR(ENOMEM);
    av_packet_copy_props(*joined, key->pkt[key->n - 1]);
    (*joined)->flags |= AV_PKT_FLAG_KEY;
    size_t off = 0;
    for (int i = 0; i < key->n; i++) {
        memcpy((*joined)->data + off, key->pkt[i]->data, (size_t)key->pkt[i]->size);
        off += (size_t)key->pkt[i]->size;
    }
    return 0;
}

static int open_decoder(const AVCodecParameters *par, const struct deep_opts *o,
                        AVCodecContext **out)
{
    const AVCodec *dec = avcodec_find_decoder(par->codec_id);
    if (!dec)
        return AVERROR_DECODER_NOT_FOUND;
    AVCodecContext *dc = avcodec_alloc_context3(dec);
    if (!(*out = dc))
        return AVERROR(ENOMEM);
    int rc = avcodec_parameters_to_context(dc, par);
    if (rc < 0)
        return rc;
    dc->thread_count = 1;
    /* A second fence behind the size check in deepm_probe_run, for codecs
     * without an SPS to read it from (MJPEG). */
    dc->max_pixels = o->max_pixels;
    return avcodec_open2(dc, dec, NULL);
}

/* Where the pictures a decode yields go: the first into `luma` (and the
 * thumbnail, chroma and crop 0 when `more` is set), the next ones into
 * more->next and more->crop. */
struct decode_to {
    struct deep_luma *luma;
    struct deep_result *more; /* NULL: the keyframe alone (the second keyframe) */
    const struct deep_opts *o;
    int width, height; /* of the first picture */
    int n;             /* pictures taken */
};

static int take_frame(struct decode_to *to, const AVFrame *f)
{
    struct deep_result *m = to->more;
    if (to->n == 0) {
        to->width = f->width;
        to->height = f->height;
        int rc = frame_luma(f, to->luma);
        if (rc < 0)
            return AVERROR(rc == -ENOTSUP ? ENOSYS : -rc);
        if (m) {
            if (to->o->thumbnail) /* best effort */
                make_thumbnail(f, to->o->thumb_quality, m);
            if (to->o->full_luma) /* best effort too */
                copy_full_luma(f, m);
            frame_chroma(f, &m->chroma);
            frame_crop(f, &m->crop[0]);
        }
    } else if (m && to->n < DEEP_PICS_MAX && f->width == to->width && f->height == to->height) {
        /* A later picture of another size is not the same scene's next. */
        if (frame_luma(f, &m->next[to->n - 1]) < 0)
            return 0;
        frame_crop(f, &m->crop[to->n]);
    } else {
        return 0;
    }
    if (m && f->pkt_size > 0)
        m->pic_bytes[to->n] = (uint32_t)f->pkt_size;
    to->n++;
    if (m)
        m->npics = (uint8_t)to->n;
    return 0;
}

/* Decode the keyframe picture and the pictures after it: send the packets,
 * take frames as they come, drain at the end. One decoder thread: a probe
 * is one of many side by side. */
static int decode_pictures(const AVCodecParameters *par, const struct keypic *key,
                           const struct follow *fl, struct decode_to *to)
{
    AVPacket *joined = NULL;
    AVCodecContext *dc = NULL;
    AVFrame *f = av_frame_alloc();
    int rc = f ? open_decoder(par, to->o, &dc) : AVERROR(ENOMEM);
    if (rc < 0)
        goto out;
    if (key->n > 1 && (rc = join_keypic(key, &joined)) < 0)
        goto out;
    if ((rc = avcodec_send_packet(dc, joined ? joined : key->pkt[0])) < 0)
        goto out;
    int sent = 0, nfollow = fl ? fl->n : 0, want = to->more ? DEEP_PICS_MAX : 1;
    bool drained = false;
    for (;;) {
        rc = avcodec_receive_frame(dc, f);
        if (rc == 0) {
            rc = take_frame(to, f);
            av_frame_unref(f);
            if (rc < 0 || to->n == want)
                break;
            continue;
        }
        if (rc != AVERROR(EAGAIN))
            break;
        /* A later picture that does not decode only shortens the run. */
        if (sent < nfollow) {
            avcodec_send_packet(dc, fl->pkt[sent++]);
            continue;
        }
        if (drained)
            break;
        avcodec_send_packet(dc, NULL); /* a decoder that holds pictures back */
        drained = true;
    }
    if (to->n > 0)
        rc = 0;
    else if (rc >= 0 || rc == AVERROR_EOF || rc == AVERROR(EAGAIN))
        rc = AVERROR_INVALIDDATA; /* the packets held no whole picture */
out:
    av_packet_free(&joined);
    av_frame_free(&f);
    avcodec_free_context(&dc);
    return rc;
}

/* ---- pictures from RTP packets (RTSP, H.264 and H.265) ----
 * libavformat's parsers would put the packets of a picture together, but
 * they also gather a NAL unit that never ends, without limit. With them off
 * (AVFMT_FLAG_NOPARSE) the RTP depacketiser hands over each NAL unit or
 * fragment with its picture's RTP timestamp; this joins them, a new
 * timestamp closing the picture, up to KEY_BYTES_MAX (a larger picture is
 * dropped whole). A picture is a keyframe when one of its NAL units is an
 * IDR (H.264) or IRAP (H.265) slice. */
struct picture_acc {
    enum probe_codec codec;
    AVPacket *pkt; /* the picture so far; its pts is the picture's */
    bool open, irap, over;
};

/* Feed one packet of the video stream; true when `out` now holds the
 * picture this packet closed. */
static bool acc_feed(struct picture_acc *a, const AVPacket *p, AVPacket *out)
{
    bool done = false;
    if (a->open && p->pts != a->pkt->pts) {
        if (!a->over && a->pkt->size) {
            av_packet_move_ref(out, a->pkt);
            out->flags = a->irap ? AV_PKT_FLAG_KEY : 0;
            done = true;
        }
        av_packet_unref(a->pkt);
        a->open = false;
    }
    if (!a->open) {
        a->open = true;
        a->pkt->pts = p->pts;
        a->irap = a->over = false;
    }
    if (a->over || p->size <= 0)
        return done;
    int at = a->pkt->size;
    if ((size_t)p->size > KEY_BYTES_MAX - (size_t)at || av_grow_packet(a->pkt, p->size) < 0) {
        a->over = true;
        return done;
    }
    memcpy(a->pkt->data + at, p->data, (size_t)p->size);
    if (!a->irap)
        a->irap = video_annexb_has_irap(a->codec, p->data, (size_t)p->size);
    return done;
}

/* The second keyframe: the first key packet at least `from` (stream time)
 * and the rest of its picture. */
struct second_key {
    struct keypic pic;
    bool armed;
    bool skipped;  /* the stream jumped on the way: no comparison this probe */
    int64_t last;  /* stream time of the last picture read while waiting */
    int64_t base;  /* stream time of the first keyframe (or just after it) */
    int64_t from;  /* stream timestamp it must reach */
    int64_t until; /* wall clock (µs) after which it is given up */
};

/* A stream that skips more than this much stream time between two
 * pictures lost pictures on the way (a server drops what a slow reader or
 * its own busy loop left behind, then resumes at a keyframe). The keyframe
 * it resumes at may show the picture the first one showed (camfarm's
 * clips loop every 2 s), so two keyframes with a jump between them say
 * nothing about whether the camera's picture moves. A second, a keyframe
 * interval: cameras under 1 fps are not compared. */
#define SECOND_JUMP_MAX_MS 1000

static void second_offer(struct second_key *s, const AVPacket *p, AVRational tb)
{
    int64_t ts = p->dts != AV_NOPTS_VALUE ? p->dts : p->pts;
    if (ts != AV_NOPTS_VALUE && s->pic.n == 0) {
        if (s->last != AV_NOPTS_VALUE &&
            av_rescale_q(ts - s->last, tb, (AVRational){1, 1000}) > SECOND_JUMP_MAX_MS) {
            s->armed = false;
            s->skipped = true;
            return;
        }
        s->last = ts;
    }
    if (s->pic.n == 0 && (ts == AV_NOPTS_VALUE || ts < s->from))
        return;
    keypic_offer(&s->pic, p);
}

/* Whether reading goes on for the second keyframe. */
static bool second_pending(const struct second_key *s)
{
    return s->armed && !s->pic.complete && now_us() < s->until;
}

/* ---- the measuring window ---- */

struct window {
    int64_t last_ts, min_ts, max_ts; /* in stream time base */
    int64_t first_wall, last_wall;
    uint32_t pkts, frames, keyframes;
    bool in_key;         /* the previous packet was part of a keyframe */
    int64_t last_key_ts; /* of the last timed key packet */
    uint64_t bytes;
};

static void window_add(struct window *w, const AVPacket *p)
{
    /* dts: contiguous in decode order even with B-frames, unlike pts. */
    int64_t ts = p->dts != AV_NOPTS_VALUE ? p->dts : p->pts;
    int64_t t = now_us();
    if (w->pkts == 0)
        w->first_wall = t;
    w->last_wall = t;
    if (ts != AV_NOPTS_VALUE) {
        if (w->min_ts == AV_NOPTS_VALUE || ts < w->min_ts)
            w->min_ts = ts;
        if (w->max_ts == AV_NOPTS_VALUE || ts > w->max_ts)
            w->max_ts = ts;
    }
    /* RTP depacketizers may hand SPS, PPS and slices of one picture over
     * as separate packets with one timestamp: count pictures, not packets. */
    bool new_picture = ts != AV_NOPTS_VALUE && (w->frames == 0 || ts != w->last_ts);
    /* A keyframe may come as an untimed packet and then timed ones of the
     * same picture: a run of key packets is one keyframe unless their
     * timestamps say otherwise (all-intra streams). */
    bool key = (p->flags & AV_PKT_FLAG_KEY) != 0;
    if (key &&
        (!w->in_key || (new_picture && w->last_key_ts != AV_NOPTS_VALUE && ts != w->last_key_ts)))
        w->keyframes++;
    if (key && ts != AV_NOPTS_VALUE)
        w->last_key_ts = ts;
    w->in_key = key;
    if (new_picture) {
        w->frames++;
        w->last_ts = ts;
    }
    w->pkts++;
    w->bytes += (uint64_t)p->size;
}

static int64_t window_span_us(const struct window *w, AVRational tb)
{
    if (w->min_ts == AV_NOPTS_VALUE || w->max_ts <= w->min_ts)
        return 0;
    return av_rescale_q(w->max_ts - w->min_ts, tb, AV_TIME_BASE_Q);
}

/* fps = (n - 1) / span, bitrate = mean packet size x fps. Stream time first;
 * wall time only when the timestamps are useless (then packets buffered by
 * find_stream_info arriving in a burst make it an overestimate). */
static void window_finish(const struct window *w, AVRational tb, struct deep_result *r)
{
    r->video_packets = w->pkts;
    r->video_frames = w->frames;
    r->video_bytes = w->bytes;
    r->keyframes = w->keyframes;
    r->wall_ms = w->pkts ? (uint32_t)((w->last_wall - w->first_wall) / 1000) : 0;
    if (w->frames < 2)
        return;
    int64_t span = window_span_us(w, tb);
    r->span_ms = (uint32_t)(span / 1000);
    int64_t fps_milli = span > 0 ? (int64_t)(w->frames - 1) * 1000000000 / span : 0;
    if (fps_milli <= 0 || fps_milli > 300000) {
        span = w->last_wall - w->first_wall;
        fps_milli = span > 0 ? (int64_t)(w->frames - 1) * 1000000000 / span : 0;
    }
    if (fps_milli <= 0 || fps_milli > 300000)
        return;
    r->base.video.fps_milli = (uint32_t)fps_milli;
    uint64_t bps = w->bytes * 8 * (uint64_t)fps_milli / 1000 / w->frames;
    r->base.video.bitrate = bps > UINT32_MAX ? UINT32_MAX : (uint32_t)bps;
}

/* Profile, level and picture size from an SPS in Annex B data (RTSP
 * extradata, or the packets of a keyframe that repeats its parameter sets),
 * for when find_stream_info did not run. The frame rate it declares is
 * only the container's: ours is measured. False when there is none. */
static bool video_from_sps(const uint8_t *data, size_t len, struct deep_result *r)
{
    struct video_params vp;
    if (!data || !len || video_params_from_annexb(r->base.video.codec, data, len, &vp) != 0)
        return false;
    uint32_t measured = r->base.video.fps_milli;
    video_params_to_probe(&vp, &r->base.video);
    r->base.video.fps_milli = measured;
    if (!r->fps_milli_container)
        r->fps_milli_container = vp.fps_milli;
    return true;
}

/* avformat_find_stream_info with each stream's decoder capped at
 * max_pixels: it decodes pictures of whatever size the stream claims. */
static int find_stream_info(AVFormatContext *fc, uint32_t max_pixels)
{
    unsigned n = fc->nb_streams;
    AVDictionary **opts = n ? av_calloc(n, sizeof(*opts)) : NULL;
    if (n && !opts)
        return AVERROR(ENOMEM);
    for (unsigned i = 0; i < n; i++)
        av_dict_set_int(&opts[i], "max_pixels", max_pixels, 0);
    int rc = avformat_find_stream_info(fc, opts);
    for (unsigned i = 0; i < n; i++)
        av_dict_free(&opts[i]);
    av_free(opts);
    return rc;
}

/* ---- the run: one function per phase ----
 * A run goes through the phases of enum deep_phase (deep_probe.h, one
 * comment each; phase_names above names them in details) in order. Each
 * has a step_* function below (run_steps) that does its part and names the
 * next phase, or RUN_DONE once `out` holds a verdict (from any phase).
 * run_set_phase is the only place the phase changes; run_cleanup the only
 * place anything is freed. */

/* The state after the last phase. */
#define RUN_DONE DEEP_PH_COUNT

struct run {
    const char *url;
    const char *numeric_host; /* NULL: the URL's host is numeric */
    struct deep_result *out;
    struct deep_opts o; /* defaults filled in */
    enum deep_phase phase;
    int64_t t0, cpu0;   /* start of the run: wall, thread CPU (µs) */
    int64_t tph, tcpu;  /* start of the running phase */
    int64_t reserve_ms; /* kept back from libav's deadline for tcp_reachable */
    struct dp_clock clk;
    /* Owned; run_cleanup frees them. */
    struct probe_url *pu;
    char *target; /* the URL libav opens: the host replaced by its address */
    AVFormatContext *fc;
    AVDictionary *dict;
    AVPacket *pkt;
    AVPacket *pic; /* a picture put together by `acc` (assemble) */
    struct picture_acc acc;
    struct keypic key;
    struct follow follow; /* the pictures after key */
    struct second_key key2;
    /* Found on the way. */
    bool from_sdp; /* RTSP without find_stream_info: the SDP names the streams */
    bool flow_only; /* a liveness look of a stream made from packets: no find_stream_info */
    bool assemble; /* pictures are put together from NAL units (acc) */
    int vi;        /* the video stream */
    AVStream *vs;
    struct window w; /* the measuring window */
};

#define TARGET_MAX (PROBE_URL_MAX + 64)

/* CPU time of the calling thread: libav does all of a probe's work on it
 * (decoders run with one thread). */
static int64_t thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The running phase took from its start until now. */
static void phase_end(struct run *r)
{
    int64_t n = now_us(), c = thread_cpu_us();
    r->out->phase_ms[r->phase] = (uint32_t)((n - r->tph) / 1000);
    r->out->phase_cpu_us[r->phase] = (uint32_t)(c - r->tcpu);
    r->tph = n;
    r->tcpu = c;
}

/* An offline verdict from a libav error in the running phase. */
static void fail(struct run *r, int averr)
{
    const struct dp_clock *c = &r->clk;
    char detail[PROBE_DETAIL_MAX];
    enum probe_reason why;
    if (c->stopped) {
        why = PROBE_R_INTERNAL_ERROR;
        snprintf(detail, sizeof(detail), "%s: cancelled (shutting down)",
                 deepm_phase_name(r->phase));
    } else {
        why = deepm_reason_from_averror(averr, r->phase, c->deadline_hit, c->connected, detail,
                                        sizeof(detail));
    }
    r->out->av_error = averr;
    r->out->failed_phase = r->phase;
    r->out->deadline_hit = c->deadline_hit;
    probe_result_set(&r->out->base, PROBE_OFFLINE, why, "%s", detail);
}

/* An open that failed on an RTSP status or in TLS: libav's error code says
 * less than its log line did (deep_log.h). The status counts only when the
 * error is the one libav makes of a status, so a line left over from a
 * request that libav then got past cannot decide. False when neither. */
static bool fail_said(struct deep_result *r, int averr, const struct dp_clock *c,
                      const struct deepm_said *s)
{
    static const char rtmp_said[] = "rtmp: Server error: "; /* libav's line, with its context */
    if (c->deadline_hit || c->stopped)
        return false;
    bool of_status = averr == AVERROR_HTTP_UNAUTHORIZED || averr == AVERROR_HTTP_FORBIDDEN ||
                     averr == AVERROR_HTTP_NOT_FOUND || averr == AVERROR_HTTP_OTHER_4XX ||
                     averr == AVERROR_HTTP_SERVER_ERROR;
    enum probe_reason why;
    if (s->status && of_status) {
        why = rtsp_status_reason(s->status, s->method, s->phrase, strlen(s->phrase), NULL, 0);
        probe_result_set(&r->base, PROBE_OFFLINE, why, "open: %s: %d %s", s->method, s->status,
                         s->phrase);
        r->base.rtsp_status = s->status;
    } else if (s->tls[0] && averr == AVERROR(EIO)) {
        /* What a server that does not speak TLS on the port gets, too. */
        probe_result_set(&r->base, PROBE_OFFLINE, PROBE_R_PROTOCOL_ERROR, "open: TLS: %s", s->tls);
    } else if (strncmp(s->last, rtmp_said, strlen(rtmp_said)) == 0) {
        /* An RTMP connect rejected or a play refused: only the server's
         * words say which (rtmp_status.h). */
        const char *text = s->last + strlen(rtmp_said);
        why = rtmp_error_reason(text, strlen(text));
        probe_result_set(&r->base, PROBE_OFFLINE, why, "open: RTMP server: %s", text);
    } else {
        return false;
    }
    r->av_error = averr;
    r->failed_phase = DEEP_PH_OPEN;
    return true;
}

/* libav's last error line says what its error code did not ("Protocol
 * 'file' not on whitelist"): added to the detail unless it only repeats
 * it. The log shows such lines at debug level only. */
static void fail_detail_said(struct deep_result *r, int averr, const struct deepm_said *s)
{
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(averr, msg, sizeof(msg));
    if (!s->last[0] || r->deadline_hit || strstr(s->last, msg))
        return;
    /* Through probe_result_set, which cuts between characters. */
    char d[PROBE_DETAIL_MAX];
    snprintf(d, sizeof(d), "%s", r->base.detail);
    probe_result_set(&r->base, r->base.state, r->base.reason, "%s (%s)", d, s->last);
}

/* libav was stopped on its way to a redirect away from the URL's scheme,
 * host and port (deep_log.h): follow it once more ourselves, to a URL we
 * rebuilt without any credentials. `pu` and `*numeric_host` become the new
 * server's. Returns libav's open result, or 1 when it set the verdict. */
static int open_elsewhere(AVFormatContext **fc, AVDictionary **dict, struct probe_url *pu,
                          const char **numeric_host, const struct deep_opts *o,
                          struct dp_clock *clk, struct deepm_said *said, char *target,
                          const char *shown, struct deep_result *out)
{
    struct probe_url *nu = calloc(1, sizeof(*nu));
    if (!nu)
        return AVERROR(ENOMEM);
    int rc = 1;
    if (probe_url_parse(said->redirect, nu) != 0 || nu->scheme != pu->scheme) {
        probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_REDIRECT_LOOP,
                         "redirected to %s: not an %s URL", shown, pu->scheme_name);
    } else if (!nu->host_is_ipv4 && !nu->host_is_ipv6) {
        probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL,
                         "redirected to host name %s, which needs DNS", shown);
    } else if (snprintf(target, PROBE_URL_MAX + 64, "%s://%s%s%s:%u%s", nu->scheme_name,
                        nu->host_is_ipv6 ? "[" : "", nu->host, nu->host_is_ipv6 ? "]" : "",
                        nu->port, nu->path) >= PROBE_URL_MAX + 64) {
        probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL,
                         "redirected to %s: URL too long", shown);
    } else {
        explicit_bzero(nu->password, sizeof(nu->password));
        nu->user[0] = '\0';
        nu->has_userinfo = nu->has_password = false;
        explicit_bzero(pu, sizeof(*pu));
        *pu = *nu;
        *numeric_host = NULL;
        av_dict_free(dict);
        rc = build_options(dict, pu->scheme, o, pu->host, false);
        if (rc >= 0 && !(*fc = avformat_alloc_context()))
            rc = AVERROR(ENOMEM);
        if (rc >= 0) {
            (*fc)->interrupt_callback.callback = dp_interrupt;
            (*fc)->interrupt_callback.opaque = clk;
            /* No credentials left to guard; a failed open frees *fc. */
            deepm_said_begin(said, *fc);
            rc = avformat_open_input(fc, target, NULL, dict);
            deepm_said_end();
        }
    }
    explicit_bzero(nu, sizeof(*nu));
    free(nu);
    return rc;
}

/* The URL libav gets: the caller's address in place of the host, or the URL
 * as it is when its host is numeric. False with a verdict when neither. */
static bool make_target(struct run *r)
{
    struct deep_result *out = r->out;
    bool v6;
    if (r->numeric_host) {
        if (!is_numeric_host(r->numeric_host, &v6)) {
            probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL,
                             "the address to probe must be numeric, not \"%.64s\"",
                             r->numeric_host);
            return false;
        }
        int rc = deepm_url_with_host(r->url, r->numeric_host, r->target, TARGET_MAX);
        if (rc < 0) {
            probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL,
                             "cannot put the address into the URL (%s)", strerror(-rc));
            return false;
        }
    } else if (r->pu->host_is_ipv4 || r->pu->host_is_ipv6) {
        snprintf(r->target, TARGET_MAX, "%s", r->url);
    } else {
        /* getaddrinfo inside libav cannot be interrupted: refuse. */
        probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL,
                         "host \"%.64s\" is a name: resolve it and pass the address", r->pu->host);
        return false;
    }
    return true;
}

/* URL checks, libav's options and contexts; no I/O. */
static enum deep_phase step_setup(struct run *r)
{
    /* Check the URL ourselves first: libav would happily open file:,
     * concat: or subfile: URLs (the whitelists are the second fence). */
    r->pu = calloc(1, sizeof(*r->pu));
    r->target = malloc(TARGET_MAX);
    if (!r->pu || !r->target) {
        fail(r, AVERROR(ENOMEM));
        return RUN_DONE;
    }
    if (probe_url_parse(r->url, r->pu) < 0) {
        char red[96];
        probe_url_redact(r->url, red, sizeof(red));
        probe_result_set(&r->out->base, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL, "%s: %s", red,
                         r->pu->error ? r->pu->error : "not a stream URL");
        return RUN_DONE;
    }
    if (!make_target(r))
        return RUN_DONE;
    int rc = build_options(&r->dict, r->pu->scheme, &r->o, r->pu->host, r->numeric_host != NULL);
    if (rc < 0) {
        fail(r, rc);
        return RUN_DONE;
    }
    r->fc = avformat_alloc_context();
    r->pkt = av_packet_alloc();
    if (!r->fc || !r->pkt) {
        fail(r, AVERROR(ENOMEM));
        return RUN_DONE;
    }
    r->fc->interrupt_callback.callback = dp_interrupt;
    r->fc->interrupt_callback.opaque = &r->clk;
    phase_end(r);
    return DEEP_PH_OPEN;
}

/* Connect and handshake: avformat_open_input. Credentials go only to the
 * URL's own scheme, host and port: libav is stopped on its way to a redirect
 * elsewhere (deep_log.h) and the redirect is followed without them. */
static enum deep_phase step_open(struct run *r)
{
    struct deepm_said said;
    deepm_said_begin(&said, r->fc);
    if (r->pu->has_userinfo) {
        said.origin = r->pu;
        said.origin_addr = r->numeric_host;
        said.refuse_basic = r->o.refuse_basic;
    }
    r->clk.said = &said;
    int rc = avformat_open_input(&r->fc, r->target, NULL, &r->dict); /* frees fc on failure */
    deepm_said_end();
    char away[96] = "";
    if (rc < 0 && said.left_origin && !r->clk.deadline_hit && !r->clk.stopped) {
        probe_url_redact(said.redirect, away, sizeof(away));
        rc = open_elsewhere(&r->fc, &r->dict, r->pu, &r->numeric_host, &r->o, &r->clk, &said,
                            r->target, away, r->out);
    }
    r->clk.said = NULL;
    phase_end(r);
    if (rc == 1) { /* open_elsewhere gave the verdict */
        r->out->failed_phase = DEEP_PH_OPEN;
        return RUN_DONE;
    }
    if (rc < 0 && said.basic_refused && !r->clk.deadline_hit && !r->clk.stopped) {
        probe_result_set(&r->out->base, PROBE_OFFLINE, PROBE_R_AUTH_FAILED,
                         "open: offers only Basic, but used Digest before: password not sent in "
                         "clear ([probe] allow_basic_downgrade = true allows it)");
        r->out->base.rtsp_status = 401;
        r->out->failed_phase = DEEP_PH_OPEN;
        return RUN_DONE;
    }
    if (rc < 0) {
        if (r->clk.deadline_hit && !r->clk.stopped)
            r->clk.connected = tcp_reachable(r->numeric_host ? r->numeric_host : r->pu->host,
                                             r->pu->port, (int)r->reserve_ms);
        if (!fail_said(r->out, rc, &r->clk, &said)) {
            fail(r, rc);
            fail_detail_said(r->out, rc, &said);
        }
        if (away[0]) {
            char d[PROBE_DETAIL_MAX];
            snprintf(d, sizeof(d), "%s", r->out->base.detail);
            probe_result_set(&r->out->base, r->out->base.state, r->out->base.reason,
                             "redirected to %s: credentials not sent; %s", away, d);
        }
        return RUN_DONE;
    }
    note_unused(r->out, r->dict); /* only a successful open hands back the leftovers */
    set_str(r->out->format, sizeof(r->out->format), r->fc->iformat->name);
    return DEEP_PH_INFO;
}

/* The video stream and what its parameters say; false with a verdict when
 * there is none to measure. */
static bool pick_video(struct run *r)
{
    AVFormatContext *fc = r->fc;
    struct deep_result *out = r->out;
    int vi = av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    int ai = av_find_best_stream(fc, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    if (ai >= 0)
        out->base.audio_codec = codec_from_id(fc->streams[ai]->codecpar->codec_id);
    if (vi < 0) {
        /* A camera with its video channel off still answers and streams
         * audio: libav calls that success. */
        probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_NO_MEDIA, "no video stream%s%s",
                         ai >= 0 ? ", audio only: " : "",
                         ai >= 0 ? avcodec_get_name(fc->streams[ai]->codecpar->codec_id) : "");
        return false;
    }
    AVStream *vs = fc->streams[vi];
    const AVCodecParameters *par = vs->codecpar;
    struct probe_video *v = &out->base.video;
    v->codec = codec_from_id(par->codec_id);
    set_str(v->profile, sizeof(v->profile), avcodec_profile_name(par->codec_id, par->profile));
    v->level = par->level > 0 && par->level < 0xffff ? (uint16_t)par->level : 0;
    v->width = (uint16_t)(par->width > 0 && par->width < 65536 ? par->width : 0);
    v->height = (uint16_t)(par->height > 0 && par->height < 65536 ? par->height : 0);
    out->fps_milli_container = rational_milli(vs->avg_frame_rate);
    if (!out->fps_milli_container)
        out->fps_milli_container = rational_milli(vs->r_frame_rate);
    if (r->from_sdp && v->width == 0)
        video_from_sps(par->extradata, par->extradata ? (size_t)par->extradata_size : 0, out);
    if (!r->from_sdp && !r->flow_only && (v->width == 0 || v->height == 0)) {
        probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_NO_MEDIA,
                         "video stream (%s) without a picture size: no video data in %u ms",
                         avcodec_get_name(par->codec_id), out->phase_ms[DEEP_PH_INFO]);
        out->deadline_hit = r->clk.deadline_hit;
        return false;
    }
    for (unsigned i = 0; i < fc->nb_streams; i++)
        if ((int)i != vi)
            fc->streams[i]->discard = AVDISCARD_ALL;
    r->vi = vi;
    r->vs = vs;
    return true;
}

/* avformat_find_stream_info where the streams come from the packets, then
 * the choice of the video stream. */
static enum deep_phase step_info(struct run *r)
{
    /* RTSP names every stream in its SDP, and libavformat keeps the
     * SDP's parameter sets as the stream's extradata. find_stream_info would
     * go on to decode at least seven H.264 pictures (to guess the decoder's
     * delay) before returning: at 720p two thirds of the probe's CPU, to
     * learn a picture size the SPS holds and the keyframe decode confirms.
     * FLV, HLS and RTMP make their streams from the packets: they keep it. */
    r->from_sdp =
        (r->pu->scheme == PROBE_URL_RTSP || r->pu->scheme == PROBE_URL_RTSPS) && !r->o.stream_info;
    /* A liveness look (no_decode) asks only whether video flows, and
     * find_stream_info would decode pictures (H.264: until it has guessed
     * the decoder's delay) for a size and pixel format it does not need:
     * most of such a look's CPU. FLV and RTMP make their streams from the
     * packets, so the video stream is then the first one a video packet
     * comes on (read_window). */
    r->flow_only = r->o.no_decode && !r->from_sdp;
    if (r->flow_only && av_find_best_stream(r->fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0) < 0) {
        r->vi = -1;
        return DEEP_PH_MEASURE;
    }
    if (!r->from_sdp && !r->flow_only) {
        int rc = find_stream_info(r->fc, r->o.max_pixels);
        phase_end(r);
        if (rc < 0) {
            fail(r, rc);
            return RUN_DONE;
        }
    }
    return pick_video(r) ? DEEP_PH_MEASURE : RUN_DONE;
}

/* One picture of the video stream (a packet, or NAL units put together):
 * counted in the window until it closes, and offered as the first or the
 * second keyframe. */
static void measure_picture(struct run *r, const AVPacket *vp, bool counting)
{
    struct keypic *key = &r->key;
    struct second_key *key2 = &r->key2;
    if (counting)
        window_add(&r->w, vp);
    bool kept = keypic_offer(key, vp);
    if (kept && key->n == 1) {
        int64_t dt = now_us() - r->t0;
        r->out->base.phase_us[PROBE_PH_FIRST_KEYFRAME] =
            (uint32_t)(dt > UINT32_MAX ? UINT32_MAX : dt);
    } else if (!kept && key->complete && key->n > 0 && !r->o.no_decode) {
        follow_offer(&r->follow, vp);
    }
    if (!kept && key2->armed)
        second_offer(key2, vp, r->vs->time_base);
    /* The first keyframe often comes untimed (out of find_stream_info's
     * buffer, or before RTP timing is known): then the next timed
     * packet (a frame later) anchors the gap. */
    int64_t pts = vp->dts != AV_NOPTS_VALUE ? vp->dts : vp->pts;
    int64_t base = key->ts != AV_NOPTS_VALUE ? key->ts : pts;
    if (key->complete && !key2->armed && !key2->skipped && !r->o.no_decode &&
        !r->o.no_second && base != AV_NOPTS_VALUE) {
        key2->armed = true;
        key2->base = base;
        key2->last = base;
        key2->from = base + av_rescale_q((int64_t)r->o.second_gap_ms * 1000, AV_TIME_BASE_Q,
                                         r->vs->time_base);
        key2->until = now_us() + (int64_t)(r->o.second_gap_ms + r->o.second_wait_ms) * 1000;
        /* Never at the cost of the probe: leave time to decode and
         * close (TEARDOWN) before the hard deadline. */
        if (key2->until > r->clk.deadline - 200000)
            key2->until = r->clk.deadline - 200000;
    }
}

/* Does the packet belong to a video stream (one the demuxer may have made
 * for it just now)? */
static bool video_packet(const AVFormatContext *fc, const AVPacket *p)
{
    return p->stream_index >= 0 && (unsigned)p->stream_index < fc->nb_streams &&
           fc->streams[p->stream_index]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
}

/* Read packets until the window is measured and the keyframes are in (or
 * the deadline); the error that ended the reading, 0 if none counts.
 *
 * The window: packets find_stream_info buffered come out first, so
 * stream time, not arrival time, is what the rates are computed on.
 * Its wall-clock end counts from the first video packet, so a camera
 * slow to start sending still gets a whole window, and it is checked
 * between packets, not by interrupting libav: an RTSP demuxer
 * interrupted in the middle of an interleaved packet has lost its
 * framing, and reading on gets nothing more from it. So the one soft
 * interruption, the end of the wait for the second keyframe, ends the
 * reading. */
static int read_window(struct run *r)
{
    struct dp_clock *clk = &r->clk;
    AVRational tb = r->vs ? r->vs->time_base : (AVRational){1, 1000};
    int64_t span_goal = (int64_t)r->o.measure_ms * 1000, window_end = 0;
    int read_err = 0;
    bool wdone = false;
    for (;;) {
        int rc = av_read_frame(r->fc, r->pkt);
        if (rc == AVERROR(EAGAIN) && !clk->soft_hit && !clk->deadline_hit && !clk->stopped)
            continue;
        if (rc < 0) {
            if (rc != AVERROR_EOF && !(clk->soft_hit && !clk->deadline_hit && !clk->stopped))
                read_err = rc;
            break;
        }
        AVPacket *vp = NULL;
        if (r->vi < 0 && video_packet(r->fc, r->pkt)) {
            if (!pick_video(r)) {
                av_packet_unref(r->pkt);
                read_err = AVERROR_STREAM_NOT_FOUND;
                break;
            }
            tb = r->vs->time_base;
        }
        if (r->pkt->stream_index == r->vi)
            vp = !r->assemble ? r->pkt : acc_feed(&r->acc, r->pkt, r->pic) ? r->pic : NULL;
        if (vp) {
            if (r->w.pkts == 0)
                window_end = now_us() + span_goal;
            measure_picture(r, vp, !wdone);
        }
        av_packet_unref(r->pkt);
        if (r->pic)
            av_packet_unref(r->pic);
        if (!wdone &&
            (r->w.frames >= r->o.measure_frames || window_span_us(&r->w, tb) >= span_goal ||
             (window_end && now_us() >= window_end))) {
            window_finish(&r->w, tb, r->out);
            wdone = true;
        }
        /* Past the window without a whole keyframe picture: keep reading
         * until it is complete or the hard deadline, counting nothing more;
         * then for the second keyframe, within its own wait. */
        if (wdone && r->key.complete && !second_pending(&r->key2))
            break;
        clk->soft_deadline = wdone && r->key.complete ? r->key2.until : 0;
    }
    if (!wdone)
        window_finish(&r->w, tb, r->out);
    return read_err;
}

/* Read the stream: frame rate and bitrate over the window, the keyframes
 * to decode. */
static enum deep_phase step_measure(struct run *r)
{
    struct deep_result *out = r->out;
    struct probe_video *v = &out->base.video;
    /* Set before the first read, which is when libav would start the
     * parser. */
    r->assemble = r->from_sdp && (v->codec == PROBE_CODEC_H264 || v->codec == PROBE_CODEC_H265);
    if (r->assemble) {
        r->fc->flags |= AVFMT_FLAG_NOPARSE;
        r->acc.codec = v->codec;
        if (!(r->pic = av_packet_alloc()) || !(r->acc.pkt = av_packet_alloc())) {
            fail(r, AVERROR(ENOMEM));
            return RUN_DONE;
        }
    }
    r->w = (struct window){
        .min_ts = AV_NOPTS_VALUE, .max_ts = AV_NOPTS_VALUE, .last_key_ts = AV_NOPTS_VALUE};
    int read_err = read_window(r);
    r->clk.soft_deadline = 0;
    phase_end(r);
    if (r->clk.stopped) {
        fail(r, AVERROR_EXIT);
        return RUN_DONE;
    }
    if (r->w.pkts == 0) {
        if (read_err && !r->clk.deadline_hit && !r->from_sdp) {
            fail(r, read_err);
        } else if (read_err && !r->clk.deadline_hit) {
            /* The session was set up and played, then nothing came before
             * the stream broke off: what find_stream_info calls success
             * with no picture size. */
            char e[AV_ERROR_MAX_STRING_SIZE];
            av_strerror(read_err, e, sizeof(e));
            probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_NO_MEDIA,
                             "measure: no video packets before the stream ended (%s)", e);
        } else {
            probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_NO_MEDIA,
                             "measure: no video packets in %u ms", r->o.deadline_ms);
            out->deadline_hit = r->clk.deadline_hit;
        }
        return RUN_DONE;
    }
    if (!v->fps_milli)
        v->fps_milli = out->fps_milli_container;
    if (r->key.n == 0) {
        probe_result_set(&out->base, PROBE_DEGRADED, PROBE_R_NO_KEYFRAME,
                         "measure: %u video packets but no keyframe in %u ms", r->w.pkts,
                         r->o.deadline_ms);
        out->deadline_hit = r->clk.deadline_hit;
        return RUN_DONE;
    }
    for (int i = 0; r->from_sdp && v->width == 0 && i < r->key.n; i++)
        video_from_sps(r->key.pkt[i]->data, (size_t)r->key.pkt[i]->size, out);
    return DEEP_PH_DECODE;
}

/* Decode the keyframes (unless told not to) and give the verdict. */
static enum deep_phase step_decode(struct run *r)
{
    struct deep_result *out = r->out;
    struct probe_video *v = &out->base.video;
    const AVCodecParameters *par = r->vs->codecpar;
    if (!r->o.no_decode && (uint64_t)v->width * v->height > r->o.max_pixels) {
        /* Media flows; the picture is more than the decoder may take on. */
        probe_result_set(&out->base, PROBE_DEGRADED, PROBE_R_DECODE_ERROR,
                         "decode: %ux%u is over the %u-pixel limit (deep.max_pixels)", v->width,
                         v->height, r->o.max_pixels);
        return RUN_DONE;
    }
    if (!r->o.no_decode) {
        struct decode_to first = {.luma = &out->luma, .more = out, .o = &r->o};
        int rc = decode_pictures(par, &r->key, &r->follow, &first);
        int fw = first.width, fh = first.height;
        /* The decoded picture is the final word on its size (MJPEG and
         * streams without an SPS in reach have no other). */
        if (rc >= 0 && fw > 0 && fw < 65536 && fh > 0 && fh < 65536) {
            v->width = (uint16_t)fw;
            v->height = (uint16_t)fh;
        }
        /* The second picture only adds a finding: if it did not come or does
         * not decode, the probe is what the first one says. */
        struct decode_to second = {.luma = &out->luma2, .o = &r->o};
        if (rc >= 0 && r->key2.pic.complete &&
            decode_pictures(par, &r->key2.pic, NULL, &second) == 0) {
            int64_t gap = av_rescale_q(r->key2.pic.ts - r->key2.base, r->vs->time_base,
                                       (AVRational){1, 1000});
            out->luma2_gap_ms = (uint32_t)(gap > 0 && gap < UINT32_MAX ? gap : 0);
        } else {
            out->luma2.width = out->luma2.height = 0;
        }
        phase_end(r);
        if (rc < 0) {
            fail(r, rc);
            if (!r->clk.stopped && !r->clk.deadline_hit) {
                out->base.state = PROBE_DEGRADED; /* media flows, the picture does not */
                out->base.reason = PROBE_R_DECODE_ERROR;
            }
            return RUN_DONE;
        }
    }
    if (!v->width) /* a liveness look at a stream whose size only a decoder would tell */
        probe_result_set(&out->base, PROBE_ONLINE, PROBE_R_NONE, "%s %.2f fps %u kbit/s",
                         avcodec_get_name(par->codec_id), v->fps_milli / 1000.0,
                         v->bitrate / 1000);
    else
        probe_result_set(&out->base, PROBE_ONLINE, PROBE_R_NONE, "%s %ux%u %.2f fps %u kbit/s",
                         avcodec_get_name(par->codec_id), v->width, v->height,
                         v->fps_milli / 1000.0, v->bitrate / 1000);
    return RUN_DONE;
}

typedef enum deep_phase (*run_step_fn)(struct run *r);

static const run_step_fn run_steps[DEEP_PH_COUNT] = {
    [DEEP_PH_SETUP] = step_setup,     [DEEP_PH_OPEN] = step_open,     [DEEP_PH_INFO] = step_info,
    [DEEP_PH_MEASURE] = step_measure, [DEEP_PH_DECODE] = step_decode,
};

/* The one place the phase changes: on to the next phase, or done. */
static void run_set_phase(struct run *r, enum deep_phase next)
{
    assert(next == r->phase + 1 || next == RUN_DONE);
    /* Every way to the end leaves a verdict behind. */
    assert(next != RUN_DONE || r->out->base.detail[0]);
    r->phase = next;
}

static void run_cleanup(struct run *r)
{
    /* Closing an RTSP input sends TEARDOWN without waiting for the reply;
     * the deadline still bounds it. */
    avformat_close_input(&r->fc);
    av_dict_free(&r->dict);
    av_packet_free(&r->pkt);
    av_packet_free(&r->pic);
    av_packet_free(&r->acc.pkt);
    keypic_free(&r->key);
    follow_free(&r->follow);
    keypic_free(&r->key2.pic);
    if (r->pu) {
        explicit_bzero(r->pu->password, sizeof(r->pu->password));
        free(r->pu);
    }
    if (r->target) {
        explicit_bzero(r->target, TARGET_MAX);
        free(r->target);
    }
}

int deepm_probe_run(const char *url, const char *numeric_host, const struct deep_opts *opts,
                    const atomic_bool *stop, struct deep_result *out)
{
    if (!url || !out)
        return -EINVAL;
    deepm_result_init(out);
    deepm_memory_keep();
    struct run r = {.url = url, .numeric_host = numeric_host, .out = out, .phase = DEEP_PH_SETUP};
    opts_fill(&r.o, opts);
    r.t0 = r.tph = now_us();
    r.cpu0 = r.tcpu = thread_cpu_us();
    /* Keep a little of the deadline back for tcp_reachable. */
    r.reserve_ms = r.o.deadline_ms / 5 < 200 ? r.o.deadline_ms / 5 : 200;
    r.clk = (struct dp_clock){.deadline = r.t0 + ((int64_t)r.o.deadline_ms - r.reserve_ms) * 1000,
                              .stop = stop,
                              .connected = -1};

    while (r.phase != RUN_DONE)
        run_set_phase(&r, run_steps[r.phase](&r));

    run_cleanup(&r);
    out->total_ms = (uint32_t)((now_us() - r.t0) / 1000);
    out->cpu_us = (uint32_t)(thread_cpu_us() - r.cpu0);
    return r.clk.stopped ? -ECANCELED : 0;
}
