/* The libav deep probe: open, find stream info, measure fps and bitrate
 * from packets, decode the first keyframe into a small luma plane and maybe
 * a JPEG thumbnail. Synchronous; every blocking libav call is bounded by an
 * interrupt callback that watches a hard deadline and a stop flag. */
#include "deep_probe.h"

#include <arpa/inet.h>
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
#include "video_params.h"
#include "rtsp_status.h"
#include "url.h"

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

const char *deep_phase_name(enum deep_phase ph)
{
    return (unsigned)ph < DEEP_PH_COUNT ? phase_names[ph] : "?";
}

void deep_opts_default(struct deep_opts *o)
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
    deep_opts_default(&d);
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

void deep_result_init(struct deep_result *r)
{
    memset(r, 0, sizeof(*r));
    probe_result_init(&r->base);
}

void deep_result_clear(struct deep_result *r)
{
    av_freep(&r->jpeg);
    deep_result_init(r);
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
    return 0;
}

/* ---- error mapping ---- */

enum probe_reason deep_reason_from_averror(int e, enum deep_phase ph, bool deadline_hit,
                                           int connected, char *detail, size_t detail_len)
{
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(e, msg, sizeof(msg));
    const char *phn = deep_phase_name(ph);
    enum probe_reason why;
    const char *what = NULL;

    if (deadline_hit) {
        /* Without a reachability check: interrupted inside the TCP connect,
         * libav hands AVERROR_EXIT back as is, while the RTSP demuxer turns
         * an interrupted reply into invalid data. HTTP passes EXIT through
         * in both cases, hence the check (connected >= 0) when it ran. */
        if (ph == DEEP_PH_OPEN && (connected == 0 || (connected < 0 && e == AVERROR_EXIT))) {
            why = PROBE_R_CONNECT_TIMEOUT;
            what = "no connection before the deadline";
        } else if (ph == DEEP_PH_OPEN) {
            why = PROBE_R_RTSP_TIMEOUT;
            what = "connected, no reply before the deadline";
        } else if (ph == DEEP_PH_INFO || ph == DEEP_PH_MEASURE) {
            /* Set up and playing, but no media: what tier 1 calls no RTP
             * after PLAY. */
            why = PROBE_R_NO_MEDIA;
            what = "no media before the deadline";
        } else {
            why = PROBE_R_RTSP_TIMEOUT;
            what = "deadline hit";
        }
        snprintf(detail, detail_len, "%s: %s", phn, what);
        return why;
    }

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
        what = ph == DEEP_PH_OPEN ? "the server closed the connection" : "the stream ended";
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
            what = "protocol or format not allowed";
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
        what = "cancelled";
        break;
    default:
        why = ph == DEEP_PH_DECODE ? PROBE_R_DECODE_ERROR : PROBE_R_PROTOCOL_ERROR;
        break;
    }
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

int deep_url_with_host(const char *url, const char *host, char *out, size_t outlen)
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
static int make_thumbnail(const AVFrame *f, int quality, uint8_t **jpeg, size_t *len)
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
    *jpeg = av_malloc((size_t)pkt->size);
    if (!*jpeg) {
        rc = AVERROR(ENOMEM);
        goto out;
    }
    memcpy(*jpeg, pkt->data, (size_t)pkt->size);
    *len = (size_t)pkt->size;
    rc = 0;
out:
    av_packet_free(&pkt);
    av_frame_free(&t);
    avcodec_free_context(&ec);
    return rc;
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

/* Decode the keyframe picture on its own: send its packets, drain, take the
 * first frame. One decoder thread: a probe is one of many side by side. */
static int decode_keyframe(const AVCodecParameters *par, const struct keypic *key,
                           const struct deep_opts *o, struct deep_luma *luma,
                           struct deep_result *thumb_to, int *width, int *height)
{
    const AVCodec *dec = avcodec_find_decoder(par->codec_id);
    if (!dec)
        return AVERROR_DECODER_NOT_FOUND;
    int rc = AVERROR(ENOMEM);
    AVPacket *joined = NULL;
    const AVPacket *one;
    AVCodecContext *dc = avcodec_alloc_context3(dec);
    AVFrame *f = av_frame_alloc();
    if (!dc || !f)
        goto out;
    if ((rc = avcodec_parameters_to_context(dc, par)) < 0)
        goto out;
    dc->thread_count = 1;
    /* A second fence behind the size check in deep_probe_run, for codecs
     * without an SPS to read it from (MJPEG). */
    dc->max_pixels = o->max_pixels;
    if ((rc = avcodec_open2(dc, dec, NULL)) < 0)
        goto out;
    /* Decoders take a packet as a whole picture (H.264 would conceal the
     * slices of the next packet as missing): join the picture's packets.
     * Annex B and length-prefixed NAL units both survive concatenation. */
    one = key->pkt[0];
    if (key->n > 1) {
        size_t total = 0;
        for (int i = 0; i < key->n; i++)
            total += (size_t)key->pkt[i]->size;
        if (total > INT_MAX / 2 || !(joined = av_packet_alloc()) ||
            av_new_packet(joined, (int)total) < 0) {
            rc = AVERROR(ENOMEM);
            goto out;
        }
        av_packet_copy_props(joined, key->pkt[key->n - 1]);
        joined->flags |= AV_PKT_FLAG_KEY;
        size_t off = 0;
        for (int i = 0; i < key->n; i++) {
            memcpy(joined->data + off, key->pkt[i]->data, (size_t)key->pkt[i]->size);
            off += (size_t)key->pkt[i]->size;
        }
        one = joined;
    }
    if ((rc = avcodec_send_packet(dc, one)) < 0)
        goto out;
    rc = avcodec_receive_frame(dc, f);
    if (rc == AVERROR(EAGAIN)) {
        avcodec_send_packet(dc, NULL); /* drain a decoder that holds pictures back */
        rc = avcodec_receive_frame(dc, f);
    }
    if (rc == AVERROR_EOF || rc == AVERROR(EAGAIN))
        rc = AVERROR_INVALIDDATA; /* the packets held no whole picture */
    if (rc < 0)
        goto out;
    if (width && height) {
        *width = f->width;
        *height = f->height;
    }
    rc = frame_luma(f, luma);
    if (rc < 0) {
        rc = AVERROR(rc == -ENOTSUP ? ENOSYS : -rc);
        goto out;
    }
    if (o->thumbnail && thumb_to) /* best effort */
        make_thumbnail(f, o->thumb_quality, &thumb_to->jpeg, &thumb_to->jpeg_len);
    rc = 0;
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
    int64_t base;  /* stream time of the first keyframe (or just after it) */
    int64_t from;  /* stream timestamp it must reach */
    int64_t until; /* wall clock (µs) after which it is given up */
};

static void second_offer(struct second_key *s, const AVPacket *p)
{
    int64_t ts = p->dts != AV_NOPTS_VALUE ? p->dts : p->pts;
    if (s->pic.n == 0 && (ts == AV_NOPTS_VALUE || ts < s->from))
        return;
    keypic_offer(&s->pic, p);
}

/* Whether reading goes on for the second keyframe. */
static bool second_pending(const struct second_key *s)
{
    return s->armed && !s->pic.complete && now_us() < s->until;
}

/* ---- the probe ---- */

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

static void fail(struct deep_result *r, int averr, enum deep_phase ph, const struct dp_clock *c)
{
    char detail[PROBE_DETAIL_MAX];
    enum probe_reason why;
    if (c && c->stopped) {
        why = PROBE_R_INTERNAL_ERROR;
        snprintf(detail, sizeof(detail), "%s: cancelled (shutting down)", deep_phase_name(ph));
    } else {
        why = deep_reason_from_averror(averr, ph, c && c->deadline_hit, c ? c->connected : -1,
                                       detail, sizeof(detail));
    }
    r->av_error = averr;
    r->failed_phase = ph;
    r->deadline_hit = c && c->deadline_hit;
    probe_result_set(&r->base, PROBE_OFFLINE, why, "%s", detail);
}

/* An open that failed on an RTSP status or in TLS: libav's error code says
 * less than its log line did (deep_log.h). The status counts only when the
 * error is the one libav makes of a status, so a line left over from a
 * request that libav then got past cannot decide. False when neither. */
static bool fail_said(struct deep_result *r, int averr, const struct dp_clock *c,
                      const struct deep_said *s)
{
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
static void fail_detail_said(struct deep_result *r, int averr, const struct deep_said *s)
{
    char msg[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(averr, msg, sizeof(msg));
    size_t n = strlen(r->base.detail);
    if (s->last[0] && !r->deadline_hit && !strstr(s->last, msg) && n + 4 < sizeof(r->base.detail))
        snprintf(r->base.detail + n, sizeof(r->base.detail) - n, " (%s)", s->last);
}

/* CPU time of the calling thread: libav does all of a probe's work on it
 * (decoders run with one thread). */
static int64_t thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void phase_end(struct deep_result *r, enum deep_phase ph, int64_t *t, int64_t *cpu)
{
    int64_t n = now_us(), c = thread_cpu_us();
    r->phase_ms[ph] = (uint32_t)((n - *t) / 1000);
    r->phase_cpu_us[ph] = (uint32_t)(c - *cpu);
    *t = n;
    *cpu = c;
}

int deep_probe_run(const char *url, const char *numeric_host, const struct deep_opts *opts,
                   const atomic_bool *stop, struct deep_result *out)
{
    if (!url || !out)
        return -EINVAL;
    deep_result_init(out);
    struct deep_opts o;
    opts_fill(&o, opts);
    int64_t t0 = now_us(), tph = t0, cpu0 = thread_cpu_us(), tcpu = cpu0;
    /* Keep a little of the deadline back for tcp_reachable. */
    int64_t reserve_ms = o.deadline_ms / 5 < 200 ? o.deadline_ms / 5 : 200;
    struct dp_clock clk = {.deadline = t0 + ((int64_t)o.deadline_ms - reserve_ms) * 1000,
                           .stop = stop,
                           .connected = -1};
    AVFormatContext *fc = NULL;
    AVDictionary *dict = NULL;
    AVPacket *pkt = NULL, *pic = NULL;
    struct picture_acc acc = {.pkt = NULL};
    struct keypic key = {.n = 0};
    struct second_key key2 = {.pic.n = 0};
    struct deep_said said;
    char *target = NULL;
    int rc;

    /* Check the URL ourselves first: libav would happily open file:,
     * concat: or subfile: URLs (the whitelists are the second fence). */
    struct probe_url *pu = calloc(1, sizeof(*pu));
    target = malloc(PROBE_URL_MAX + 64);
    if (!pu || !target) {
        fail(out, AVERROR(ENOMEM), DEEP_PH_SETUP, NULL);
        goto done;
    }
    rc = probe_url_parse(url, pu);
    if (rc < 0) {
        char red[96];
        probe_url_redact(url, red, sizeof(red));
        probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL, "%s: %s", red,
                         pu->error ? pu->error : "not a stream URL");
        goto done;
    }
    bool v6;
    if (numeric_host) {
        if (!is_numeric_host(numeric_host, &v6)) {
            probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL,
                             "the address to probe must be numeric, not \"%.64s\"", numeric_host);
            goto done;
        }
        rc = deep_url_with_host(url, numeric_host, target, PROBE_URL_MAX + 64);
        if (rc < 0) {
            probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL,
                             "cannot put the address into the URL (%s)", strerror(-rc));
            goto done;
        }
    } else if (pu->host_is_ipv4 || pu->host_is_ipv6) {
        snprintf(target, PROBE_URL_MAX + 64, "%s", url);
    } else {
        /* getaddrinfo inside libav cannot be interrupted: refuse. */
        probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL,
                         "host \"%.64s\" is a name: resolve it and pass the address", pu->host);
        goto done;
    }
    rc = build_options(&dict, pu->scheme, &o, pu->host, numeric_host != NULL);
    if (rc < 0) {
        fail(out, rc, DEEP_PH_SETUP, NULL);
        goto done;
    }
    fc = avformat_alloc_context();
    pkt = av_packet_alloc();
    if (!fc || !pkt) {
        fail(out, AVERROR(ENOMEM), DEEP_PH_SETUP, NULL);
        goto done;
    }
    fc->interrupt_callback.callback = dp_interrupt;
    fc->interrupt_callback.opaque = &clk;
    phase_end(out, DEEP_PH_SETUP, &tph, &tcpu);

    deep_said_begin(&said, fc);
    rc = avformat_open_input(&fc, target, NULL, &dict); /* frees fc on failure */
    deep_said_end();
    phase_end(out, DEEP_PH_OPEN, &tph, &tcpu);
    if (rc < 0) {
        if (clk.deadline_hit && !clk.stopped)
            clk.connected =
                tcp_reachable(numeric_host ? numeric_host : pu->host, pu->port, (int)reserve_ms);
        if (!fail_said(out, rc, &clk, &said)) {
            fail(out, rc, DEEP_PH_OPEN, &clk);
            fail_detail_said(out, rc, &said);
        }
        goto done;
    }
    note_unused(out, dict); /* only a successful open hands back the leftovers */
    set_str(out->format, sizeof(out->format), fc->iformat->name);

    /* RTSP names every stream in its SDP, and libavformat keeps the
     * SDP's parameter sets as the stream's extradata. find_stream_info would
     * go on to decode at least seven H.264 pictures (to guess the decoder's
     * delay) before returning: at 720p two thirds of the probe's CPU, to
     * learn a picture size the SPS holds and the keyframe decode confirms.
     * FLV, HLS and RTMP make their streams from the packets: they keep it. */
    bool from_sdp =
        (pu->scheme == PROBE_URL_RTSP || pu->scheme == PROBE_URL_RTSPS) && !o.stream_info;
    if (!from_sdp) {
        rc = find_stream_info(fc, o.max_pixels);
        phase_end(out, DEEP_PH_INFO, &tph, &tcpu);
        if (rc < 0) {
            fail(out, rc, DEEP_PH_INFO, &clk);
            goto done;
        }
    }

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
        goto done;
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
    if (from_sdp && v->width == 0)
        video_from_sps(par->extradata, par->extradata ? (size_t)par->extradata_size : 0, out);
    if (!from_sdp && (v->width == 0 || v->height == 0)) {
        probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_NO_MEDIA,
                         "video stream (%s) without a picture size: no video data in %u ms",
                         avcodec_get_name(par->codec_id), out->phase_ms[DEEP_PH_INFO]);
        out->deadline_hit = clk.deadline_hit;
        goto done;
    }
    for (unsigned i = 0; i < fc->nb_streams; i++)
        if ((int)i != vi)
            fc->streams[i]->discard = AVDISCARD_ALL;
    /* Set before the first read, which is when libav would start the
     * parser. */
    bool assemble = from_sdp && (v->codec == PROBE_CODEC_H264 || v->codec == PROBE_CODEC_H265);
    if (assemble) {
        fc->flags |= AVFMT_FLAG_NOPARSE;
        acc.codec = v->codec;
        if (!(pic = av_packet_alloc()) || !(acc.pkt = av_packet_alloc())) {
            fail(out, AVERROR(ENOMEM), DEEP_PH_MEASURE, &clk);
            goto done;
        }
    }

    /* The window: packets find_stream_info buffered come out first, so
     * stream time, not arrival time, is what the rates are computed on.
     * Its wall-clock end counts from the first video packet, so a camera
     * slow to start sending still gets a whole window, and it is checked
     * between packets, not by interrupting libav: an RTSP demuxer
     * interrupted in the middle of an interleaved packet has lost its
     * framing, and reading on gets nothing more from it. So the one soft
     * interruption, the end of the wait for the second keyframe, ends the
     * reading. */
    struct window w = {
        .min_ts = AV_NOPTS_VALUE, .max_ts = AV_NOPTS_VALUE, .last_key_ts = AV_NOPTS_VALUE};
    int64_t span_goal = (int64_t)o.measure_ms * 1000, window_end = 0;
    int read_err = 0;
    bool wdone = false;
    for (;;) {
        rc = av_read_frame(fc, pkt);
        if (rc == AVERROR(EAGAIN) && !clk.soft_hit && !clk.deadline_hit && !clk.stopped)
            continue;
        if (rc < 0) {
            if (rc != AVERROR_EOF && !(clk.soft_hit && !clk.deadline_hit && !clk.stopped))
                read_err = rc;
            break;
        }
        AVPacket *vp = NULL;
        if (pkt->stream_index == vi)
            vp = !assemble ? pkt : acc_feed(&acc, pkt, pic) ? pic : NULL;
        if (vp) {
            if (w.pkts == 0)
                window_end = now_us() + span_goal;
            if (!wdone)
                window_add(&w, vp);
            bool kept = keypic_offer(&key, vp);
            if (kept && key.n == 1) {
                int64_t dt = now_us() - t0;
                out->base.phase_us[PROBE_PH_FIRST_KEYFRAME] =
                    (uint32_t)(dt > UINT32_MAX ? UINT32_MAX : dt);
            } else if (!kept && key2.armed) {
                second_offer(&key2, vp);
            }
            /* The first keyframe often comes untimed (out of find_stream_info's
             * buffer, or before RTP timing is known): then the next timed
             * packet (a frame later) anchors the gap. */
            int64_t pts = vp->dts != AV_NOPTS_VALUE ? vp->dts : vp->pts;
            int64_t base = key.ts != AV_NOPTS_VALUE ? key.ts : pts;
            if (key.complete && !key2.armed && !o.no_decode && !o.no_second &&
                base != AV_NOPTS_VALUE) {
                key2.armed = true;
                key2.base = base;
                key2.from = base + av_rescale_q((int64_t)o.second_gap_ms * 1000, AV_TIME_BASE_Q,
                                                vs->time_base);
                key2.until = now_us() + (int64_t)(o.second_gap_ms + o.second_wait_ms) * 1000;
                /* Never at the cost of the probe: leave time to decode and
                 * close (TEARDOWN) before the hard deadline. */
                if (key2.until > clk.deadline - 200000)
                    key2.until = clk.deadline - 200000;
            }
        }
        av_packet_unref(pkt);
        if (pic)
            av_packet_unref(pic);
        if (!wdone && (w.frames >= o.measure_frames ||
                       window_span_us(&w, vs->time_base) >= span_goal ||
                       (window_end && now_us() >= window_end))) {
            window_finish(&w, vs->time_base, out);
            wdone = true;
        }
        /* Past the window without a whole keyframe picture: keep reading
         * until it is complete or the hard deadline, counting nothing more;
         * then for the second keyframe, within its own wait. */
        if (wdone && key.complete && !second_pending(&key2))
            break;
        clk.soft_deadline = wdone && key.complete ? key2.until : 0;
    }
    if (!wdone)
        window_finish(&w, vs->time_base, out);
    clk.soft_deadline = 0;
    phase_end(out, DEEP_PH_MEASURE, &tph, &tcpu);
    if (clk.stopped) {
        fail(out, AVERROR_EXIT, DEEP_PH_MEASURE, &clk);
        goto done;
    }
    if (w.pkts == 0) {
        if (read_err && !clk.deadline_hit && !from_sdp) {
            fail(out, read_err, DEEP_PH_MEASURE, &clk);
        } else if (read_err && !clk.deadline_hit) {
            /* The session was set up and played, then nothing came before
             * the stream broke off: what find_stream_info calls success
             * with no picture size. */
            char e[AV_ERROR_MAX_STRING_SIZE];
            av_strerror(read_err, e, sizeof(e));
            probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_NO_MEDIA,
                             "measure: no video packets before the stream ended (%s)", e);
        } else {
            probe_result_set(&out->base, PROBE_OFFLINE, PROBE_R_NO_MEDIA,
                             "measure: no video packets in %u ms", o.deadline_ms);
            out->deadline_hit = clk.deadline_hit;
        }
        goto done;
    }
    if (!out->base.video.fps_milli)
        out->base.video.fps_milli = out->fps_milli_container;
    if (key.n == 0) {
        probe_result_set(&out->base, PROBE_DEGRADED, PROBE_R_NO_KEYFRAME,
                         "measure: %u video packets but no keyframe in %u ms", w.pkts,
                         o.deadline_ms);
        out->deadline_hit = clk.deadline_hit;
        goto done;
    }
    for (int i = 0; from_sdp && v->width == 0 && i < key.n; i++)
        video_from_sps(key.pkt[i]->data, (size_t)key.pkt[i]->size, out);
    if (!o.no_decode && (uint64_t)v->width * v->height > o.max_pixels) {
        /* Media flows; the picture is more than the decoder may take on. */
        probe_result_set(&out->base, PROBE_DEGRADED, PROBE_R_DECODE_ERROR,
                         "decode: %ux%u is over the %u-pixel limit (deep.max_pixels)", v->width,
                         v->height, o.max_pixels);
        goto done;
    }
    if (!o.no_decode) {
        int fw = 0, fh = 0;
        rc = decode_keyframe(par, &key, &o, &out->luma, out, &fw, &fh);
        /* The decoded picture is the final word on its size (MJPEG and
         * streams without an SPS in reach have no other). */
        if (rc >= 0 && fw > 0 && fw < 65536 && fh > 0 && fh < 65536) {
            v->width = (uint16_t)fw;
            v->height = (uint16_t)fh;
        }
        /* The second picture only adds a finding: if it did not come or does
         * not decode, the probe is what the first one says. */
        if (rc >= 0 && key2.pic.complete &&
            decode_keyframe(par, &key2.pic, &o, &out->luma2, NULL, NULL, NULL) == 0) {
            int64_t gap =
                av_rescale_q(key2.pic.ts - key2.base, vs->time_base, (AVRational){1, 1000});
            out->luma2_gap_ms = (uint32_t)(gap > 0 && gap < UINT32_MAX ? gap : 0);
        } else {
            out->luma2.width = out->luma2.height = 0;
        }
        phase_end(out, DEEP_PH_DECODE, &tph, &tcpu);
        if (rc < 0) {
            fail(out, rc, DEEP_PH_DECODE, &clk);
            if (!clk.stopped && !clk.deadline_hit)
                out->base.state = PROBE_DEGRADED; /* media flows, the picture does not */
            if (!clk.stopped && !clk.deadline_hit)
                out->base.reason = PROBE_R_DECODE_ERROR;
            goto done;
        }
    }
    probe_result_set(&out->base, PROBE_ONLINE, PROBE_R_NONE, "%s %ux%u %.2f fps %u kbit/s",
                     avcodec_get_name(par->codec_id), v->width, v->height, v->fps_milli / 1000.0,
                     v->bitrate / 1000);

done:
    /* Closing an RTSP input sends TEARDOWN without waiting for the reply;
     * the deadline still bounds it. */
    avformat_close_input(&fc);
    av_dict_free(&dict);
    av_packet_free(&pkt);
    av_packet_free(&pic);
    av_packet_free(&acc.pkt);
    keypic_free(&key);
    keypic_free(&key2.pic);
    if (pu) {
        explicit_bzero(pu->password, sizeof(pu->password));
        free(pu);
    }
    if (target) {
        explicit_bzero(target, PROBE_URL_MAX + 64);
        free(target);
    }
    out->total_ms = (uint32_t)((now_us() - t0) / 1000);
    out->cpu_us = (uint32_t)(thread_cpu_us() - cpu0);
    return clk.stopped ? -ECANCELED : 0;
}
