/* camfarm's connections: accept, the per-connection state machine and its
 * deadlines, reading and writing, RTP pacing, counters. What a camera says
 * is in camera.c and methods.c. */
#include "conn.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "reply.h"

#define IN_MAX          (RTSP_REQ_HEAD_MAX + RTSP_REQ_BODY_MAX + 8)
#define WRITE_QUEUE_MAX (1u << 20) /* drop frames beyond this backlog, as cameras do */
#define SR_FIRST_MS     1000       /* the first RTCP sender report after PLAY */
#define SR_INTERVAL_MS  5000       /* and the next ones (RFC 3550's minimum interval) */

struct wreq {
    uv_write_t req;
    char data[];
};

static void drain_input(struct conn *c);
static void on_timer(uv_timer_t *t);

/* ---- writing ---- */

static void on_written(uv_write_t *req, int status)
{
    (void)status; /* a failed write surfaces as a read error and closes */
    free(req);
}

int conn_write(struct conn *c, const char *data, size_t len)
{
    if (c->state == CONN_CLOSING || len == 0)
        return 0;
    struct cam *cam = conn_cam(c);
    c->farm->bytes += len;
    if (cam)
        cam->bytes += len;
    size_t done = 0;
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0) {
        int n = uv_try_write((uv_stream_t *)&c->tcp, &(uv_buf_t){(char *)data, len}, 1);
        if (n > 0)
            done = (size_t)n;
        else if (n != UV_EAGAIN)
            return n;
    }
    if (done == len)
        return 0;
    struct wreq *w = malloc(sizeof(*w) + len - done);
    if (!w)
        return -ENOMEM;
    memcpy(w->data, data + done, len - done);
    uv_buf_t b = {w->data, len - done};
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    if (rc < 0)
        free(w);
    return rc;
}

/* ---- replies ---- */

/* Sends a reply, honouring the "slow" and "slowloris" faults. */
void conn_reply(struct conn *c, const char *data, size_t len)
{
    struct cam *cam = conn_cam(c);
    struct farm *f = c->farm;
    f->requests++;
    if (cam)
        cam->requests++;
    if (cam && (cam->mode == FAULT_SLOW || cam->mode == FAULT_SLOWLORIS)) {
        free(c->out);
        c->out = malloc(len);
        if (!c->out) {
            conn_close(c, false);
            return;
        }
        memcpy(c->out, data, len);
        c->out_len = len;
        c->out_off = 0;
        conn_set_state(c, cam->mode == FAULT_SLOW ? CONN_DELAYING : CONN_DRIBBLING);
        return;
    }
    conn_write(c, data, len);
}

/* ---- sessions ---- */

void conn_release_session(struct conn *c)
{
    struct cam *cam = conn_cam(c);
    if (!c->has_session)
        return;
    /* Only SETUP on a known camera opens a session, counted in both. */
    assert(cam && cam->sessions > 0 && c->farm->sessions_open > 0);
    c->has_session = false;
    c->farm->sessions_open--;
    cam->sessions--;
}

void conn_start_media(struct conn *c)
{
    /* Frames go out as soon as they are due; handshakes never need it. */
    uv_tcp_nodelay(&c->tcp, 1);
    c->play_after_reply = false;
    c->play_start_ms = farm_now_ms(c->farm);
    c->last_req_ms = c->play_start_ms;
    c->frame_no = 0;
    /* Cameras send their first report a second or so into the stream. */
    c->next_sr_ms = c->play_start_ms + SR_FIRST_MS;
    conn_set_state(c, CONN_PLAYING);
}

/* ---- media ---- */

/* RTCP sender report (RFC 3550 6.4.1), no report blocks. Its NTP time is
 * the camera's wall clock (ours, plus the clock_skew fault's seconds), and
 * its RTP timestamp the stream's at the same instant: frames are stamped
 * ts_base + 90 per millisecond of the pacing clock since PLAY and sent
 * when due, so the pair maps a frame's stamp to its send time. */
void conn_send_sr(struct conn *c)
{
    struct cam *cam = conn_cam(c);
    if (c->udp || !cam || cam->mode == FAULT_NO_SR)
        return;
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    uint64_t mono_us = uv_hrtime() / 1000;
    uint64_t since_us = mono_us - c->play_start_ms * 1000;
    uint32_t rtp = c->ts_base + (uint32_t)(since_us * 90 / 1000);
    int64_t skew = cam->mode == FAULT_CLOCK_SKEW ? (int64_t)cam->arg : 0;
    uint32_t sec = (uint32_t)((int64_t)rt.tv_sec + 2208988800LL + skew);
    uint32_t frac = (uint32_t)(((uint64_t)rt.tv_nsec << 32) / 1000000000u);
    const uint32_t w[7] = {0x80c80006u, c->pkt.ssrc, sec, frac, rtp, c->pkt.seq, 0};
    uint8_t b[4 + 28] = {'$', (uint8_t)(c->pkt.channel + 1), 0, 28};
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 4; j++)
            b[4 + 4 * i + j] = (uint8_t)(w[i] >> (24 - 8 * j));
    conn_write(c, (const char *)b, sizeof(b));
}

void conn_send_frame(struct conn *c)
{
    struct farm *f = c->farm;
    const struct clip *k = &f->clips->clips[c->clip];
    size_t au = c->frame_no % k->n_aus;
    uint32_t ts = c->ts_base + (uint32_t)((uint64_t)c->frame_no * 90000 / (uint64_t)k->fps);
    unsigned npkts = 0;
    struct pkt_stream saved = c->pkt;
    if (!c->udp && uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > WRITE_QUEUE_MAX)
        return; /* the client reads too slowly: drop the frame, keep the clock */
    int n = pkt_au(k, au, ts, &c->pkt, f->scratch, f->scratch_cap, &npkts);
    if (n < 0) {
        c->pkt = saved;
        return;
    }
    f->rtp_packets += npkts;
    if (!c->udp) {
        conn_write(c, (const char *)f->scratch, (size_t)n);
        return;
    }
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons(c->client_port),
                             .sin_addr.s_addr = htonl(c->peer_ip)};
    for (size_t off = 0; off + 2 <= (size_t)n;) {
        size_t len = ((size_t)f->scratch[off] << 8) | f->scratch[off + 1];
        uv_buf_t b = {(char *)f->scratch + off + 2, len};
        if (uv_udp_try_send(&f->udp, &b, 1, (const struct sockaddr *)&to) > 0) {
            f->bytes += len;
            if (conn_cam(c))
                conn_cam(c)->bytes += len;
        }
        off += 2 + len;
    }
}

static void on_play_tick(struct conn *c)
{
    struct farm *f = c->farm;
    struct cam *cam = conn_cam(c);
    uint64_t now = farm_now_ms(f);
    const struct clip *k = &f->clips->clips[c->clip];
    /* Cameras drop a session whose client stopped sending keepalives, with
     * some grace (half the timeout, at most 5 s) for late ones. */
    uint64_t limit = (uint64_t)f->opts.session_timeout_s * 1000;
    if (now - c->last_req_ms > limit + (limit / 2 < 5000 ? limit / 2 : 5000)) {
        conn_close(c, false);
        return;
    }
    bool media =
        cam->mode != FAULT_NO_RTP &&
        !(cam->mode == FAULT_RTP_STOP && now - c->play_start_ms >= (uint64_t)cam->arg * 1000);
    uint64_t due = c->play_start_ms + (uint64_t)c->frame_no * 1000 / (uint64_t)k->fps;
    if (media && now >= due) {
        /* After a stall (busy loop) skip ahead rather than burst. */
        if (now - due > 1000) {
            c->frame_no = (uint32_t)((now - c->play_start_ms) * (uint64_t)k->fps / 1000);
        }
        conn_send_frame(c);
        c->frame_no++;
        if (now >= c->next_sr_ms) {
            conn_send_sr(c);
            c->next_sr_ms = now + SR_INTERVAL_MS;
        }
        due = c->play_start_ms + (uint64_t)c->frame_no * 1000 / (uint64_t)k->fps;
    }
    uint64_t wait = media ? (due > now ? due - now : 0) : 1000;
    uv_timer_start(&c->timer, on_timer, wait, 0);
}

/* ---- state machine ---- */

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct conn *c = (struct conn *)h;
    (void)hint;
    buf->base = c->farm->rdbuf;
    buf->len = sizeof(c->farm->rdbuf);
}

static void set_reading(struct conn *c, bool on)
{
    if (on == c->reading)
        return;
    if (on && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
        return;
    if (!on)
        uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = on;
}

/* The one place a connection changes state: arms the timer for the new
 * state's deadline and starts or stops reading. */
void conn_set_state(struct conn *c, enum conn_state s)
{
    struct farm *f = c->farm;
    if (c->state == CONN_CLOSING)
        return;
    uint64_t now = farm_now_ms(f);
    if (f->opts.verbose)
        fprintf(stderr, "camfarm: conn %p cam %d: %s -> %s after %llu ms\n", (void *)c, c->cam,
                conn_state_name(c->state), conn_state_name(s),
                (unsigned long long)(now - c->state_since_ms));
    c->state = s;
    c->state_since_ms = now;
    const struct cam *cam = conn_cam(c);
    switch (s) {
    case CONN_READING:
        uv_timer_start(&c->timer, on_timer, f->opts.idle_timeout_ms, 0);
        set_reading(c, true);
        break;
    case CONN_DELAYING:
        set_reading(c, false);
        uv_timer_start(&c->timer, on_timer, cam ? cam->arg : 0, 0);
        break;
    case CONN_DRIBBLING:
        set_reading(c, false);
        uv_timer_start(&c->timer, on_timer, 0, 0);
        break;
    case CONN_PLAYING:
        set_reading(c, true);
        uv_timer_start(&c->timer, on_timer, 0, 0);
        break;
    case CONN_SILENT:
        /* Keep draining so the client's writes succeed, answer nothing. */
        uv_timer_start(&c->timer, on_timer, f->opts.idle_timeout_ms, 0);
        break;
    case CONN_CLOSING:
    case CONN_STATE_COUNT:
        break;
    }
}

/* Called when a held-back reply has gone out completely. */
static void reply_done(struct conn *c)
{
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = 0;
    if (c->play_after_reply)
        conn_start_media(c);
    else if (c->sess == SESS_PLAYING && c->has_session)
        conn_set_state(c, CONN_PLAYING); /* a held keepalive reply paused the media */
    else
        conn_set_state(c, CONN_READING);
    drain_input(c);
}

static void on_timer(uv_timer_t *t)
{
    struct conn *c = (struct conn *)((char *)t - offsetof(struct conn, timer));
    switch (c->state) {
    case CONN_READING:
    case CONN_SILENT:
        conn_close(c, false); /* idle deadline passed */
        return;
    case CONN_DELAYING:
        if (conn_write(c, c->out, c->out_len) < 0) {
            conn_close(c, false);
            return;
        }
        reply_done(c);
        return;
    case CONN_DRIBBLING:
        if (conn_write(c, c->out + c->out_off, 1) < 0) {
            conn_close(c, false); /* the client left; reading is off, so say so here */
            return;
        }
        if (++c->out_off >= c->out_len) {
            reply_done(c);
            return;
        }
        uv_timer_start(&c->timer, on_timer, 1000, 0);
        return;
    case CONN_PLAYING:
        on_play_tick(c);
        return;
    default:
        return;
    }
}

/* Parses and answers every complete request buffered in c->in. */
static void drain_input(struct conn *c)
{
    size_t off = 0;
    if (!c->in)
        return;
    while (off < c->in_len && (c->state == CONN_READING || c->state == CONN_PLAYING)) {
        struct rtsp_req req;
        int rc = rtsp_req_parse(c->in + off, c->in_len - off, &req);
        if (rc == 0)
            break;
        if (rc < 0) {
            reply_simple(c, 400, -1, NULL);
            conn_close(c, false);
            return;
        }
        off += (size_t)rc;
        if (req.kind == RTSP_KIND_REQUEST)
            camera_request(c, &req);
    }
    if (c->state == CONN_CLOSING)
        return;
    if (c->state == CONN_SILENT)
        off = c->in_len;
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    if (c->state == CONN_READING && off > 0)
        uv_timer_start(&c->timer, on_timer, c->farm->opts.idle_timeout_ms, 0);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct conn *c = (struct conn *)s;
    if (n < 0) {
        conn_close(c, false);
        return;
    }
    if (n == 0 || c->state == CONN_SILENT || c->state == CONN_CLOSING)
        return;
    if (c->in_len + (size_t)n > IN_MAX) {
        reply_simple(c, 400, -1, NULL);
        conn_close(c, false);
        return;
    }
    if (!c->in) {
        /* Most requests arrive whole: parse them straight from the shared
         * buffer and only copy what is left over. */
        size_t off = 0;
        while (off < (size_t)n && (c->state == CONN_READING || c->state == CONN_PLAYING)) {
            struct rtsp_req req;
            int rc = rtsp_req_parse(buf->base + off, (size_t)n - off, &req);
            if (rc == 0)
                break;
            if (rc < 0) {
                reply_simple(c, 400, -1, NULL);
                conn_close(c, false);
                return;
            }
            off += (size_t)rc;
            if (req.kind == RTSP_KIND_REQUEST)
                camera_request(c, &req);
        }
        /* Each answered request restarts the idle deadline. */
        if (c->state == CONN_READING && off > 0)
            uv_timer_start(&c->timer, on_timer, c->farm->opts.idle_timeout_ms, 0);
        if (c->state == CONN_CLOSING || c->state == CONN_SILENT || off == (size_t)n)
            return;
        if (!(c->in = malloc(IN_MAX))) {
            conn_close(c, false);
            return;
        }
        memcpy(c->in, buf->base + off, (size_t)n - off);
        c->in_len = (size_t)n - off;
        return;
    }
    memcpy(c->in + c->in_len, buf->base, (size_t)n);
    c->in_len += (size_t)n;
    drain_input(c);
}

/* ---- connections ---- */

static void on_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    assert(c->handles_open > 0);
    if (--c->handles_open > 0)
        return;
    free(c->in);
    free(c->out);
    free(c);
}

void conn_close(struct conn *c, bool reset)
{
    struct farm *f = c->farm;
    if (c->state == CONN_CLOSING)
        return;
    conn_set_state(c, CONN_CLOSING);
    if (c->cam >= 0 && conn_cam(c)->open_conns > 0)
        conn_cam(c)->open_conns--;
    conn_release_session(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        f->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    assert(f->open_conns > 0); /* counted at accept, once per connection */
    f->open_conns--;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_closed);
    if (reset) {
        f->resets++;
        /* SO_LINGER 0: the client sees a reset, as from a closed port's host. */
        if (uv_tcp_close_reset(&c->tcp, on_closed) == 0)
            return;
    }
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct farm *f = server->data;
    if (status < 0)
        return;
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->farm = f;
    c->cam = -1;
    c->state_since_ms = farm_now_ms(f);
    uv_tcp_init(f->loop, &c->tcp);
    uv_timer_init(f->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->handles_open = 2;
    c->next = f->conns;
    if (f->conns)
        f->conns->prev = c;
    f->conns = c;
    f->open_conns++;
    f->total_conns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c, false);
        return;
    }
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) < 0 || ss.ss_family != AF_INET) {
        conn_close(c, false);
        return;
    }
    c->local_ip = ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
    /* Only loopback is ever served, even when bound to 0.0.0.0. */
    if ((c->local_ip >> 24) != 127) {
        conn_close(c, true);
        return;
    }
    c->cam = fleet_by_ip(f->fleet, c->local_ip);
    struct cam *cam = conn_cam(c);
    if (cam) {
        cam->conns++;
        cam->open_conns++;
        /* An HLS, HTTP-FLV or RTMP camera has nothing on the RTSP port. */
        if (camera_refuses(f, cam) || cam->proto != PROTO_RTSP) {
            conn_close(c, true);
            return;
        }
        if (cam->mode == FAULT_BLACKHOLE || cam->mode == FAULT_SYN_DROP) {
            conn_set_state(c, CONN_SILENT); /* not even reading */
            return;
        }
    }
    conn_set_state(c, CONN_READING);
}

int farm_init(struct farm *f, uv_loop_t *loop, struct fleet *fleet, const struct clip_set *clips,
              const struct farm_opts *opts)
{
    memset(f, 0, offsetof(struct farm, rdbuf));
    f->loop = loop;
    f->fleet = fleet;
    f->clips = clips;
    f->opts = *opts;
    f->start_ms = uv_now(loop);
    size_t max_au = 0;
    for (int i = 0; i < clips->count; i++)
        if (clips->clips[i].max_au_bytes > max_au)
            max_au = clips->clips[i].max_au_bytes;
    for (int m = 0; m < FAULT_COUNT; m++) {
        const char *name = fault_clip((enum fault)m);
        f->mode_clip[m] = name ? clip_find(clips, name) : -1;
        if (name && f->mode_clip[m] < 0) {
            /* A missing video-fault clip falls back to a healthy picture. */
            f->mode_clip[m] = -1;
        }
        for (int b = 0; b < clips->count && f->mode_clip[m] >= 0; b++)
            f->sized_clip[m][b] = (uint8_t)clip_find_sized(clips, name, clips->clips[b].width,
                                                           clips->clips[b].height,
                                                           f->mode_clip[m]);
    }
    f->scratch_cap = pkt_au_bound(max_au);
    f->scratch = malloc(f->scratch_cap);
    return f->scratch ? 0 : -ENOMEM;
}

int farm_listen(struct farm *f, const char *ip, int port)
{
    struct sockaddr_in addr;
    int rc = uv_ip4_addr(ip, port, &addr);
    if (rc < 0)
        return rc;
    uv_tcp_init(f->loop, &f->listener);
    f->listener.data = f;
    f->listening = 1;
    /* SO_REUSEPORT lets "syn_drop" traps bind single camera addresses on
     * the same port; the more specific bind wins for those addresses. */
    int free_port = syntrap_free_port(ntohl(addr.sin_addr.s_addr), (uint16_t)port);
    if (free_port < 0)
        return free_port;
    int fd = syntrap_bound_socket(ntohl(addr.sin_addr.s_addr), (uint16_t)free_port);
    if (fd < 0)
        return fd;
    if ((rc = uv_tcp_open(&f->listener, fd)) < 0) {
        close(fd);
        return rc;
    }
    /* A deep backlog: probers open thousands of connections at once. */
    if ((rc = uv_listen((uv_stream_t *)&f->listener, 4096, on_connection)) < 0)
        return rc;
    struct sockaddr_in got;
    int len = sizeof(got);
    uv_tcp_getsockname(&f->listener, (struct sockaddr *)&got, &len);
    f->port = ntohs(got.sin_port);
    syntrap_init(&f->traps, f->port);
    for (uint32_t i = 0; i < f->fleet->count; i++)
        if (f->fleet->cams[i].mode == FAULT_SYN_DROP)
            farm_sync_camera(f, (int)i); /* failures fall back to blackhole */

    /* UDP transport shares one socket on loopback for every session. */
    struct sockaddr_in uaddr;
    uv_ip4_addr("127.0.0.1", 0, &uaddr);
    uv_udp_init(f->loop, &f->udp);
    f->udp_open = 1;
    if (uv_udp_bind(&f->udp, (const struct sockaddr *)&uaddr, 0) == 0) {
        len = sizeof(got);
        uv_udp_getsockname(&f->udp, (struct sockaddr *)&got, &len);
        f->udp_port = ntohs(got.sin_port);
    }
    return 0;
}

int farm_sync_camera(struct farm *f, int cam)
{
    const struct cam *c = &f->fleet->cams[cam];
    if (!c->ip)
        return c->mode == FAULT_SYN_DROP ? -EADDRNOTAVAIL : 0;
    if (c->mode == FAULT_SYN_DROP)
        return syntrap_add(&f->traps, c->ip);
    syntrap_remove(&f->traps, c->ip);
    return 0;
}

void farm_drop_camera(struct farm *f, int cam)
{
    struct conn *c = f->conns, *next;
    for (; c; c = next) {
        next = c->next;
        if (c->cam == cam)
            conn_close(c, true);
    }
    if (f->drop_hook)
        f->drop_hook(f->drop_hook_arg, cam);
}

void farm_close(struct farm *f)
{
    while (f->conns)
        conn_close(f->conns, false);
    syntrap_close_all(&f->traps);
    if (f->listening && !uv_is_closing((uv_handle_t *)&f->listener))
        uv_close((uv_handle_t *)&f->listener, NULL);
    if (f->udp_open && !uv_is_closing((uv_handle_t *)&f->udp))
        uv_close((uv_handle_t *)&f->udp, NULL);
    free(f->scratch);
    f->scratch = NULL;
}

static unsigned killed_count(const struct farm *f)
{
    unsigned n = 0;
    for (uint32_t k = 0; k < f->fleet->count; k++)
        n += (f->fleet->cams[k].flags & CAM_KILLED) != 0;
    return n;
}

int farm_stats_json(const struct farm *f, int i, char *out, size_t cap)
{
    int n;
    if (i < 0) {
        n = snprintf(out, cap,
                     "{\"cameras\":%u,\"connections\":%llu,\"open_connections\":%llu,"
                     "\"sessions_open\":%llu,\"requests\":%llu,\"bytes\":%llu,"
                     "\"rtp_packets\":%llu,\"resets\":%llu,\"killed\":%u,\"modes\":{",
                     f->fleet->count, (unsigned long long)f->total_conns,
                     (unsigned long long)f->open_conns, (unsigned long long)f->sessions_open,
                     (unsigned long long)f->requests, (unsigned long long)f->bytes,
                     (unsigned long long)f->rtp_packets, (unsigned long long)f->resets,
                     killed_count(f));
        /* How many cameras are in each mode: what a prober should find. */
        uint32_t per_mode[FAULT_COUNT] = {0};
        for (uint32_t k = 0; k < f->fleet->count; k++)
            per_mode[f->fleet->cams[k].mode]++;
        for (int m = 0, first = 1; m < FAULT_COUNT && n > 0 && (size_t)n < cap; m++) {
            if (!per_mode[m])
                continue;
            n += snprintf(out + n, cap - (size_t)n, "%s\"%s\":%u", first ? "" : ",",
                          fault_name((enum fault)m), per_mode[m]);
            first = 0;
        }
        if (n > 0 && (size_t)n < cap)
            n += snprintf(out + n, cap - (size_t)n, "}}");
    } else {
        const struct cam *c = &f->fleet->cams[i];
        char ip[16] = "";
        if (c->ip)
            camera_ip_str(c->ip, ip, sizeof(ip));
        const char *id = fleet_str(f->fleet, c->id);
        /* Inventory ids are digits and letters; refuse to emit anything else raw. */
        for (const char *p = id; *p; p++)
            if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
                id = "(unprintable)";
        n = snprintf(out, cap,
                     "{\"id\":\"%s\",\"index\":%d,\"ip\":\"%s\",\"mode\":\"%s\",\"arg\":%u,"
                     "\"killed\":%s,\"clip\":\"%s\",\"connections\":%u,\"sessions_open\":%u,"
                     "\"max_sessions\":%u,\"requests\":%u,\"open_connections\":%u,\"bytes\":%llu}",
                     id, i + 1, ip, fault_name((enum fault)c->mode), c->arg,
                     (c->flags & CAM_KILLED) ? "true" : "false",
                     f->clips->clips[camera_clip(f, c)].name, c->conns, c->sessions,
                     c->max_sessions, c->requests, c->open_conns, (unsigned long long)c->bytes);
    }
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}
