/* The tier-1 RTSP probe connection: one state machine on a socket of a
 * tcp_io set and a libuv timer.
 * Every state change goes through rc_set_state(), which times the phase
 * being left, logs the change and arms the deadline of the next state. */
#include "rtsp_conn.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

#include "rtcp_sr.h"
#include "rtp_nal.h"
#include "rtsp_auth.h"
#include "rtsp_parse.h"
#include "rtsp_status.h"
#include "sdp.h"
#include "text_clean.h"
#include "url.h"
#include "video_params.h"

enum rc_state {
    RC_INIT = 0,      /* allocated, nothing done yet */
    RC_CONNECTING,    /* TCP connect in flight */
    RC_OPTIONS,       /* OPTIONS sent, waiting for its reply */
    RC_DESCRIBE,      /* DESCRIBE sent, waiting for the SDP */
    RC_SETUP,         /* SETUP (TCP interleaved) sent, waiting for the session */
    RC_PLAY,          /* PLAY sent; RTP may already arrive before its reply */
    RC_WAIT_RTP,      /* PLAY answered, waiting for the first video RTP packet */
    RC_WAIT_KEYFRAME, /* RTP flows, waiting for an IDR / IRAP */
    RC_WAIT_CLOCK,    /* online, playing on for the camera's RTCP sender report */
    RC_TEARDOWN,      /* verdict reached, TEARDOWN sent, waiting briefly for its reply */
    RC_RECONNECT,     /* between the old socket and the new one of a redirect */
    RC_CLOSING,       /* handles closing; the callback runs from the last close */
    RC_COUNT
};

static const char *const state_names[RC_COUNT] = {
    [RC_INIT] = "init",         [RC_CONNECTING] = "connecting",
    [RC_OPTIONS] = "options",   [RC_DESCRIBE] = "describe",
    [RC_SETUP] = "setup",       [RC_PLAY] = "play",
    [RC_WAIT_RTP] = "wait_rtp", [RC_WAIT_KEYFRAME] = "wait_keyframe",
    [RC_WAIT_CLOCK] = "wait_clock",
    [RC_TEARDOWN] = "teardown", [RC_RECONNECT] = "reconnect",
    [RC_CLOSING] = "closing",
};

/* The phase whose latency a state measures, -1 for none. */
static const int state_phase[RC_COUNT] = {
    [RC_INIT] = -1,
    [RC_CONNECTING] = PROBE_PH_CONNECT,
    [RC_OPTIONS] = PROBE_PH_OPTIONS,
    [RC_DESCRIBE] = PROBE_PH_DESCRIBE,
    [RC_SETUP] = PROBE_PH_SETUP,
    [RC_PLAY] = PROBE_PH_PLAY,
    [RC_WAIT_RTP] = -1,
    [RC_WAIT_KEYFRAME] = -1,
    [RC_WAIT_CLOCK] = -1,
    [RC_TEARDOWN] = -1,
    [RC_RECONNECT] = -1,
    [RC_CLOSING] = -1,
};

#define RC_BUF_INITIAL (16 * 1024)
/* Large enough for the biggest item the parser accepts: a 16 KiB header
 * block plus a 64 KiB body, or a 64 KiB interleaved frame. */
#define RC_BUF_MAX      (RTSP_HEADER_BLOCK_MAX + RTSP_BODY_MAX + 1024)
#define RC_REQ_MAX      4096
#define RC_REDIRECT_MAX 3

/* Requests the socket did not take at once, waiting for room: a TEARDOWN
 * behind the last request at most. */
#define RC_OUT_MAX (2 * RC_REQ_MAX)

struct rc_media_urls {
    char setup_url[PROBE_URL_MAX];
    char play_url[PROBE_URL_MAX]; /* aggregate control: PLAY and TEARDOWN */
};

struct rtsp_conn {
    uv_loop_t *loop;
    struct tcp_io *io;     /* opts.io, or one of our own */
    bool own_io;           /* io is ours: closed with the connection */
    struct tcp_sock *sock; /* NULL before the connect and after the close */
    uv_timer_t timer;
    /* What the socket did not take yet (wiped before free: it may hold
     * credentials). */
    uint8_t *out;
    size_t out_len;

    enum rc_state state;
    uint64_t state_since;    /* uv_hrtime() when the current phase began */
    uint64_t deadline;       /* loop time (ms) the current state ends at, 0 for none */
    uint64_t timer_due;      /* loop time the timer is armed for, if active */
    uint64_t total_deadline; /* loop time the whole probe ends at, 0 for none */
    bool total_bites;        /* the current deadline is the total's, not the phase's */
    enum rc_state late_turn; /* the state given one more loop turn at its deadline */
    uint64_t play_sent;      /* uv_hrtime() of the PLAY request, 0 before */
    bool verdict;            /* result decided; later errors do not change it */
    bool connected;
    bool answered; /* the last request sent has had its reply */

    struct rtsp_conn_opts opts;
    rtsp_conn_cb cb;
    void *data;
    struct sockaddr_storage addr;

    struct probe_url url;        /* holds the password: wiped before free */
    char req_url[PROBE_URL_MAX]; /* the URL we ask for, never with credentials */
    char shown_url[256];         /* redacted, for details and logs */
    uint32_t cseq;
    const char *cur_method; /* the request in flight, for auth retries */
    const char *cur_url;    /* its URL: req_url or one in `media` */

    struct rtsp_auth_challenge auth;
    bool have_auth;
    bool sent_auth; /* the request in flight carries credentials */
    bool auth_ok;   /* and a reply to such a request did not refuse them */
    int auth_attempts;
    uint32_t nc;
    char cnonce[17];
    int redirects;
    bool creds_withheld; /* a redirect left the URL's origin: no credentials since */
    bool digest_known;   /* the memo or a challenge of this probe was Digest */
    bool basic_refused;  /* a Digest camera offered only Basic: the memo is kept */

    /* From DESCRIBE, at play depth only: allocated then, so a shallower
     * probe does not clear 4 KiB it never uses. */
    struct rc_media_urls *media;
    enum probe_codec vcodec;
    int vpayload;

    /* From SETUP and PLAY. */
    char session[RTSP_SESSION_ID_MAX + 1];
    bool has_session;
    int ch_rtp, ch_rtcp;
    bool got_rtp, got_keyframe, have_size;

    /* The clock look (opts.clock_ms): samples since the sender report. */
    struct rtcp_clock clock;
    bool clock_looked;       /* the look ran (the stream was online) */
    uint32_t clock_after_sr; /* video packets since the first report */

    uint8_t *in;
    size_t in_len, in_cap;
    int handles; /* libuv handles (the timer, our own io) not yet closed */

    struct probe_result result;
};

const char *rtsp_conn_state_name(int state)
{
    if (state < 0 || state >= RC_COUNT)
        return "unknown";
    return state_names[state];
}

static void rc_log(struct rtsp_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rc_log(struct rtsp_conn *c, const char *fmt, ...)
{
    if (!c->opts.log)
        return;
    char line[512];
    int n = snprintf(line, sizeof(line), "rtsp %s: ", c->shown_url);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    c->opts.log(c->data, line);
}

static uint32_t state_deadline(const struct rtsp_conn *c, enum rc_state s)
{
    switch (s) {
    case RC_CONNECTING:
        return c->opts.connect_ms;
    case RC_OPTIONS:
    case RC_DESCRIBE:
    case RC_SETUP:
    case RC_PLAY:
        return c->opts.reply_ms;
    case RC_WAIT_RTP:
        return c->opts.first_rtp_ms;
    case RC_WAIT_KEYFRAME:
        return c->opts.first_keyframe_ms;
    case RC_WAIT_CLOCK:
        return c->opts.clock_ms;
    case RC_TEARDOWN:
        return c->opts.teardown_ms;
    default:
        return 0;
    }
}

static void on_timer(uv_timer_t *t);

/* The one place where the state changes. Re-entering the same state (an
 * authenticated retry) re-arms its deadline but keeps timing the phase from
 * its first request, so the figure includes the retry. */
static void rc_set_state(struct rtsp_conn *c, enum rc_state to)
{
    uint64_t now = uv_hrtime();
    enum rc_state from = c->state;
    /* Closing is final (the memory goes with the last handle), init is
     * only ever left, and only a request is sent again in its own state. */
    assert(from != RC_CLOSING && to != RC_INIT && to < RC_COUNT);
    assert(from != to || (to >= RC_OPTIONS && to <= RC_PLAY));
    if (from != to) {
        int ph = state_phase[from];
        uint64_t us = (now - c->state_since) / 1000;
        if (ph >= 0)
            c->result.phase_us[ph] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
        rc_log(c, "%s -> %s after %llu us", state_names[from], state_names[to],
               (unsigned long long)us);
        c->state_since = now;
    } else {
        rc_log(c, "%s again (authenticated retry)", state_names[to]);
    }
    c->state = to;
    c->late_turn = RC_INIT; /* each phase (a retry too) may get its late turn */
    uint32_t ms = state_deadline(c, to);
    if (!ms) {
        c->deadline = 0;
        uv_timer_stop(&c->timer);
        return;
    }
    /* The loop's clock is only refreshed once per iteration; a deadline
     * measured from a stale time would fire early. */
    uv_update_time(c->loop);
    c->deadline = uv_now(c->loop) + ms;
    /* The total cap ends the phase early, but never a TEARDOWN's wait:
     * a session that exists always gets its TEARDOWN. */
    c->total_bites = c->total_deadline && to != RC_TEARDOWN && c->total_deadline < c->deadline;
    if (c->total_bites) {
        c->deadline = c->total_deadline;
        ms = c->deadline > uv_now(c->loop) ? (uint32_t)(c->deadline - uv_now(c->loop)) : 0;
    }
    /* A later deadline leaves an armed timer alone (on_timer re-arms it for
     * the rest), which saves two timer-heap updates per state on the usual
     * path, where every deadline is later than the one before. */
    if (!uv_is_active((uv_handle_t *)&c->timer) || c->deadline < c->timer_due) {
        c->timer_due = c->deadline;
        uv_timer_start(&c->timer, on_timer, ms, 0);
    }
}

/* ---- closing and the verdict ---- */

/* Frees the connection once its last handle is closed; the callback runs
 * only then, so the caller knows every resource is released. */
static void rc_handle_closed(struct rtsp_conn *c)
{
    if (--c->handles > 0 || c->state != RC_CLOSING)
        return;
    if (c->cb)
        c->cb(c, &c->result, c->data);
    /* Credentials live in url, the auth buffers and unsent requests: wipe
     * before freeing. */
    memset(&c->url, 0, sizeof(c->url));
    if (c->out)
        explicit_bzero(c->out, c->out_len);
    free(c->out);
    free(c->media);
    free(c->in);
    free(c);
}

static void on_close(uv_handle_t *h)
{
    rc_handle_closed(h->data);
}

static void on_io_closed(void *arg)
{
    rc_handle_closed(arg);
}

/* A finished exchange (every request answered, no session left) ends with
 * a reset (SO_LINGER 0) instead of FIN: the camera frees the connection at
 * once instead of going through CLOSE_WAIT and LAST_ACK, we keep no
 * TIME_WAIT socket (tens of thousands at fleet probe rates), and both
 * kernels handle one segment instead of four. The camera has already said
 * all it had to say, so nothing is lost. Anything unfinished (a request
 * unanswered, a session whose TEARDOWN went unanswered) closes with FIN, so
 * what we sent is still delivered. */
static bool rc_exchange_done(const struct rtsp_conn *c)
{
    return c->connected && c->answered && !c->has_session && c->out_len == 0;
}

static void rc_close_sock(struct rtsp_conn *c, enum tcp_close_how how)
{
    if (!c->sock)
        return;
    tcp_sock_close(c->sock, how);
    c->sock = NULL;
    c->connected = false;
    if (c->out)
        explicit_bzero(c->out, c->out_len);
    c->out_len = 0;
}

static void rc_close(struct rtsp_conn *c)
{
    if (c->state == RC_CLOSING)
        return;
    bool reset = rc_exchange_done(c);
    rc_set_state(c, RC_CLOSING);
    rc_close_sock(c, reset ? TCP_CLOSE_RESET : TCP_CLOSE_FIN);
    uv_close((uv_handle_t *)&c->timer, on_close);
    if (c->own_io) {
        c->own_io = false;
        tcp_io_close(c->io, on_io_closed, c);
    }
}

static int rc_send(struct rtsp_conn *c, const char *method, const char *url, const char *extra);

/* The clock look has what it needs: a sender report, then enough video
 * packets after it for one of them to have come with little delay (a
 * camera sends a picture's packets back to back; the first of each is the
 * least delayed), or half a second of them. */
#define RC_CLOCK_PACKETS 48
#define RC_CLOCK_SPAN_US 500000
static bool clock_enough(const struct rtsp_conn *c)
{
    return c->clock.have_sr && (c->clock_after_sr >= RC_CLOCK_PACKETS);
}

/* The verdict is in: send TEARDOWN if a session exists, else close. */
static void rc_finish(struct rtsp_conn *c)
{
    if (c->state == RC_CLOSING || c->state == RC_TEARDOWN)
        return;
    /* An online stream plays on for the clock look; its end comes back
     * here. */
    if (c->opts.clock_ms && c->state != RC_WAIT_CLOCK && c->has_session && c->connected &&
        c->result.state == PROBE_ONLINE && !clock_enough(c)) {
        c->clock_looked = true;
        rc_set_state(c, RC_WAIT_CLOCK);
        return;
    }
    if (c->state == RC_WAIT_CLOCK)
        c->clock_looked = true;
    if (c->has_session && c->connected) {
        const char *url = c->media && c->media->play_url[0] ? c->media->play_url : c->req_url;
        if (rc_send(c, "TEARDOWN", url, NULL) == 0) {
            rc_set_state(c, RC_TEARDOWN);
            return;
        }
    }
    rc_close(c);
}

static void rc_verdict(struct rtsp_conn *c, enum probe_state st, enum probe_reason why,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void rc_verdict(struct rtsp_conn *c, enum probe_state st, enum probe_reason why,
                       const char *fmt, ...)
{
    if (!c->verdict) {
        c->verdict = true;
        /* Wider than the stored detail: probe_result_set cuts it between
         * characters. */
        char detail[PROBE_DETAIL_MAX * 2] = "";
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(detail, sizeof(detail), fmt, ap);
            va_end(ap);
        }
        probe_result_set(&c->result, st, why, "%s", detail);
        rc_log(c, "verdict %s/%s %s", probe_state_name(st), probe_reason_name(why),
               c->result.detail);
    }
    rc_finish(c);
}

static const char *method_of(enum rc_state s)
{
    switch (s) {
    case RC_OPTIONS:
        return "OPTIONS";
    case RC_DESCRIBE:
        return "DESCRIBE";
    case RC_SETUP:
        return "SETUP";
    case RC_PLAY:
        return "PLAY";
    default:
        return state_names[s];
    }
}

/* libuv runs a turn's timers before it polls the sockets. A loop that ran
 * late (a busy machine, a turn full of work) meets a deadline whose answer
 * came in time and waits, unread, in the socket: calling that camera
 * silent would be the monitor's fault, not the camera's. When the socket
 * the state waits on has news, the phase gets one more turn, whose poll
 * reads it first; once per state, so a camera trickling bytes still meets
 * its deadline, one millisecond later. */
static bool socket_news_in_time(struct rtsp_conn *c)
{
    unsigned want;
    switch (c->state) {
    case RC_CONNECTING:
        want = TCP_IO_OUT | TCP_IO_ERR;
        break;
    case RC_OPTIONS:
    case RC_DESCRIBE:
    case RC_SETUP:
    case RC_PLAY:
    case RC_WAIT_RTP:
    case RC_WAIT_KEYFRAME:
        want = TCP_IO_IN | TCP_IO_ERR;
        break;
    default:
        return false;
    }
    if (!c->sock || c->late_turn == c->state || !(tcp_sock_pending(c->sock) & want))
        return false;
    c->late_turn = c->state;
    return true;
}

static void on_timer(uv_timer_t *t)
{
    struct rtsp_conn *c = t->data;
    uint64_t now = uv_now(c->loop);
    if (c->deadline > now) {
        /* Armed for an earlier state's deadline: wait for the current one. */
        c->timer_due = c->deadline;
        uv_timer_start(&c->timer, on_timer, c->deadline - now, 0);
        return;
    }
    if (socket_news_in_time(c)) {
        c->timer_due = now + 1;
        uv_timer_start(&c->timer, on_timer, 1, 0);
        return;
    }
    /* Which deadline ended the phase: its own, or the whole probe's. */
    bool total = c->total_bites;
    const char *of = total ? " (the probe's total)" : "";
    switch (c->state) {
    case RC_CONNECTING:
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_CONNECT_TIMEOUT,
                   "TCP connect: no answer within %u ms%s",
                   (unsigned)(total ? c->opts.total_ms : c->opts.connect_ms), of);
        break;
    case RC_OPTIONS:
    case RC_DESCRIBE:
    case RC_SETUP:
    case RC_PLAY:
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_RTSP_TIMEOUT, "%s: no reply within %u ms%s",
                   method_of(c->state), (unsigned)(total ? c->opts.total_ms : c->opts.reply_ms),
                   of);
        break;
    case RC_WAIT_RTP:
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_NO_MEDIA,
                   "PLAY accepted but no RTP packet within %u ms%s",
                   (unsigned)(total ? c->opts.total_ms : c->opts.first_rtp_ms), of);
        break;
    case RC_WAIT_KEYFRAME:
        rc_verdict(c, PROBE_DEGRADED, PROBE_R_NO_KEYFRAME,
                   "RTP flows but no %s keyframe within %u ms%s", probe_codec_name(c->vcodec),
                   (unsigned)(total ? c->opts.total_ms : c->opts.first_keyframe_ms), of);
        break;
    case RC_WAIT_CLOCK: /* no (more) sender report: the clock look ends with what it has */
        rc_finish(c);
        break;
    default: /* TEARDOWN unanswered: the verdict stands, just close */
        rc_close(c);
        break;
    }
}

/* ---- mapping foreign errors ---- */

static enum probe_reason reason_of_uv(int err)
{
    switch (err) {
    case UV_ECONNREFUSED:
        return PROBE_R_CONNECT_REFUSED;
    case UV_ETIMEDOUT:
        return PROBE_R_CONNECT_TIMEOUT;
    case UV_ENETUNREACH:
    case UV_EHOSTUNREACH:
    case UV_ENETDOWN:
    case UV_EADDRNOTAVAIL:
        return PROBE_R_NET_UNREACHABLE;
    case UV_ECONNRESET:
    case UV_EPIPE:
    case UV_EOF:
        return PROBE_R_CONNECT_RESET;
    case UV_ENOMEM:
    case UV_ENOBUFS:
    case UV_EMFILE:
    case UV_ENFILE:
        return PROBE_R_INTERNAL_ERROR;
    default:
        return PROBE_R_NET_UNREACHABLE;
    }
}

static void fail_status(struct rtsp_conn *c, const struct rtsp_msg *msg)
{
    int st = msg->status;
    enum probe_reason why =
        rtsp_status_reason(st, method_of(c->state), msg->reason, msg->reason_len,
                           (const char *)msg->body, msg->body ? msg->body_len : 0);
    /* At most 60 bytes of the camera's words, cut between characters. */
    char phrase[61];
    text_clean(phrase, sizeof(phrase), msg->reason, msg->reason_len, NULL);
    rc_verdict(c, PROBE_OFFLINE, why, "%s %s: %d %s", method_of(c->state), c->shown_url, st,
               phrase);
}

/* ---- writing requests ---- */

/* Hand a formatted request to the socket. Requests are small and the
 * socket's buffer is empty between replies, so it nearly always takes all
 * of it; what it leaves over waits in c->out for TCP_IO_OUT, and later
 * requests queue behind it so that order holds. */
static int rc_write_out(struct rtsp_conn *c, const char *buf, size_t len)
{
    ssize_t n = 0;
    if (c->out_len == 0) {
        n = tcp_sock_write(c->sock, buf, len);
        if (n == -EAGAIN)
            n = 0;
        if (n < 0) {
            c->connected = false; /* the socket failed: tells rc_request so */
            return (int)n;
        }
        if ((size_t)n == len)
            return 0;
    }
    size_t rest = len - (size_t)n;
    if (c->out_len + rest > RC_OUT_MAX)
        return -EBUSY;
    if (!c->out && !(c->out = malloc(RC_OUT_MAX)))
        return -ENOMEM;
    memcpy(c->out + c->out_len, buf + n, rest);
    c->out_len += rest;
    return 0;
}

/* Room on the socket again: send what waits. */
static void rc_flush(struct rtsp_conn *c)
{
    if (c->out_len == 0)
        return;
    ssize_t n = tcp_sock_write(c->sock, c->out, c->out_len);
    if (n == -EAGAIN)
        return;
    if (n < 0) {
        c->connected = false;
        rc_verdict(c, PROBE_OFFLINE, reason_of_uv((int)n), "sending %s: %s",
                   c->cur_method ? c->cur_method : "?", uv_strerror((int)n));
        return;
    }
    explicit_bzero(c->out, (size_t)n);
    memmove(c->out, c->out + n, c->out_len - (size_t)n);
    c->out_len -= (size_t)n;
}

/* Random bytes for client nonces, drawn from the kernel a pool at a time:
 * one getrandom per RC_RANDOM_POOL / 8 Digest logins instead of one each.
 * Per thread, as each loop runs on its own thread. */
#define RC_RANDOM_POOL 1024
static _Thread_local struct {
    uint8_t bytes[RC_RANDOM_POOL];
    size_t used;
} rc_random = {.used = RC_RANDOM_POOL};

static void new_cnonce(struct rtsp_conn *c)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[8];
    if (rc_random.used + sizeof(r) > RC_RANDOM_POOL) {
        if (uv_random(NULL, NULL, rc_random.bytes, sizeof(rc_random.bytes), 0, NULL) == 0) {
            rc_random.used = 0;
        } else {
            /* No kernel randomness: a cnonce need not be secret, only new. */
            uint64_t t = uv_hrtime() ^ (uint64_t)(uintptr_t)c;
            memcpy(rc_random.bytes + RC_RANDOM_POOL - sizeof(r), &t, sizeof(r));
            rc_random.used = RC_RANDOM_POOL - sizeof(r);
        }
    }
    memcpy(r, rc_random.bytes + rc_random.used, sizeof(r));
    /* Spent bytes are not kept: a past cnonce cannot be read back here. */
    memset(rc_random.bytes + rc_random.used, 0, sizeof(r));
    rc_random.used += sizeof(r);
    for (size_t i = 0; i < sizeof(r); i++) {
        c->cnonce[2 * i] = hex[r[i] >> 4];
        c->cnonce[2 * i + 1] = hex[r[i] & 15];
    }
    c->cnonce[2 * sizeof(r)] = '\0';
}

/* A request being formatted: appends fail once it would not fit, and the
 * failure sticks, so one check at the end covers them all. */
struct rc_req {
    char buf[RC_REQ_MAX];
    size_t len;
    bool too_long;
};

static void req_add(struct rc_req *r, const char *s, size_t n)
{
    if (r->too_long || n > sizeof(r->buf) - r->len) {
        r->too_long = true;
        return;
    }
    memcpy(r->buf + r->len, s, n);
    r->len += n;
}

static void req_str(struct rc_req *r, const char *s)
{
    req_add(r, s, strlen(s));
}

static void req_u32(struct rc_req *r, uint32_t v)
{
    char d[10];
    size_t n = 0;
    do
        d[sizeof(d) - ++n] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    req_add(r, d + sizeof(d) - n, n);
}

/* Format and send one request. `extra` holds more header lines, each ending
 * in CRLF. The request is remembered for an authenticated retry. Built with
 * plain copies rather than snprintf: this runs three times per probe. */
static int rc_send(struct rtsp_conn *c, const char *method, const char *url, const char *extra)
{
    struct rc_req r;
    r.len = 0;
    r.too_long = false;
    c->cur_url = url;
    c->cur_method = method;
    c->cseq++;
    c->answered = false;
    req_str(&r, method);
    req_add(&r, " ", 1);
    req_str(&r, url);
    req_str(&r, " RTSP/1.0\r\nCSeq: ");
    req_u32(&r, c->cseq);
    req_str(&r, "\r\nUser-Agent: ");
    req_str(&r, c->opts.user_agent);
    req_add(&r, "\r\n", 2);
    int rc = 0;
    c->sent_auth = c->have_auth;
    if (c->have_auth) {
        char hdr[RTSP_AUTH_HEADER_MAX];
        rc = rtsp_auth_header(&c->auth, c->url.user, c->url.password, method, url, ++c->nc,
                              c->cnonce, hdr, sizeof(hdr));
        if (rc == 0) {
            req_str(&r, "Authorization: ");
            req_str(&r, hdr);
            req_add(&r, "\r\n", 2);
        }
        explicit_bzero(hdr, sizeof(hdr));
        if (rc != 0)
            goto out;
    }
    if (c->has_session) {
        req_str(&r, "Session: ");
        req_str(&r, c->session);
        req_add(&r, "\r\n", 2);
    }
    if (extra)
        req_str(&r, extra);
    req_add(&r, "\r\n", 2);
    if (r.too_long) {
        rc = -ENAMETOOLONG;
        goto out;
    }
    rc = rc_write_out(c, r.buf, r.len);
out:
    /* An Authorization header may carry the password (Basic). */
    if (c->have_auth)
        explicit_bzero(r.buf, r.len);
    return rc;
}

/* Send a request and enter the state that waits for its reply. */
static void rc_request(struct rtsp_conn *c, enum rc_state st, const char *url, const char *extra)
{
    int rc = rc_send(c, method_of(st), url, extra);
    if (rc != 0 && !c->connected) {
        rc_verdict(c, PROBE_OFFLINE, reason_of_uv(rc), "sending %s: %s", method_of(st),
                   uv_strerror(rc));
        return;
    }
    if (rc != 0) {
        rc_verdict(c, PROBE_OFFLINE,
                   rc == -ENAMETOOLONG ? PROBE_R_UNSUPPORTED_URL : PROBE_R_INTERNAL_ERROR,
                   "cannot send %s: %s", method_of(st),
                   rc == -ENAMETOOLONG ? "request too long" : uv_strerror(rc));
        return;
    }
    if (st == RC_PLAY && !c->play_sent)
        c->play_sent = uv_hrtime();
    rc_set_state(c, st);
}

static void send_describe(struct rtsp_conn *c)
{
    rc_request(c, RC_DESCRIBE, c->req_url, "Accept: application/sdp\r\n");
}

/* ---- connecting ---- */

static void on_sock(struct tcp_sock *sock, unsigned events, void *data);

static int rc_connect(struct rtsp_conn *c)
{
    c->in_len = 0;
    c->connected = false;
    int rc = tcp_sock_connect(c->io, (const struct sockaddr *)&c->addr, on_sock, c, &c->sock);
    if (rc != 0) {
        c->sock = NULL;
        return rc;
    }
    rc_set_state(c, RC_CONNECTING);
    return 0;
}

/* The connect is done: send the first request. */
static void rc_connected(struct rtsp_conn *c)
{
    c->connected = true;
    if (c->opts.skip_options && c->opts.depth != RTSP_DEPTH_OPTIONS)
        send_describe(c);
    else
        rc_request(c, RC_OPTIONS, c->req_url, NULL);
}

static void rc_read(struct rtsp_conn *c);

static void on_sock(struct tcp_sock *sock, unsigned events, void *data)
{
    (void)sock;
    struct rtsp_conn *c = data;
    if (c->state == RC_CONNECTING) {
        /* A connecting socket becomes writable when the connect is done
         * and reports an error when it failed; nothing else ends it. */
        int err = events & TCP_IO_ERR ? tcp_sock_error(c->sock) : 0;
        if (err != 0) {
            rc_verdict(c, PROBE_OFFLINE, reason_of_uv(err), "TCP connect: %s", uv_strerror(err));
            return;
        }
        if (!(events & TCP_IO_OUT))
            return;
        rc_connected(c);
        /* A server that talks first must still be heard: the edge that
         * brought its bytes will not come again. */
        if ((events & TCP_IO_IN) && c->sock)
            rc_read(c);
        return;
    }
    if (events & TCP_IO_OUT)
        rc_flush(c);
    /* c->sock is NULL once the connection closed or left this socket for a
     * redirect. */
    if ((events & (TCP_IO_IN | TCP_IO_ERR)) && c->sock)
        rc_read(c);
}

/* Rebuild the request URL from the parsed URL, leaving the credentials out:
 * they go in Authorization headers only. */
static int build_req_url(struct rtsp_conn *c)
{
    const struct probe_url *u = &c->url;
    char port[8] = "";
    if (u->port_explicit)
        snprintf(port, sizeof(port), ":%u", (unsigned)u->port);
    int n =
        snprintf(c->req_url, sizeof(c->req_url), "%s://%s%s%s%s%s", u->scheme_name,
                 u->host_is_ipv6 ? "[" : "", u->host, u->host_is_ipv6 ? "]" : "", port, u->path);
    if (n < 0 || (size_t)n >= sizeof(c->req_url))
        return -ENAMETOOLONG;
    probe_url_redact(c->req_url, c->shown_url, sizeof(c->shown_url));
    return 0;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* ---- redirects ---- */

/* Called by rc_read once it has stopped reading the old socket. */
static void rc_reconnect(struct rtsp_conn *c)
{
    int rc = rc_connect(c);
    if (rc != 0)
        rc_verdict(c, PROBE_OFFLINE, rc == UV_ENOMEM ? PROBE_R_INTERNAL_ERROR : reason_of_uv(rc),
                   "connect after redirect: %s", uv_strerror(rc));
}

static void handle_redirect(struct rtsp_conn *c, const struct rtsp_msg *msg)
{
    size_t ll;
    const char *loc = rtsp_msg_header(msg, "Location", 0, &ll);
    if (!loc || ll == 0 || ll >= PROBE_URL_MAX) {
        fail_status(c, msg);
        return;
    }
    char where[PROBE_URL_MAX], shown[256];
    if (loc[0] == '/') {
        /* A path-only Location stays on this server. */
        const char *path = strstr(c->req_url, "://");
        path = path ? strchr(path + 3, '/') : NULL;
        size_t origin = path ? (size_t)(path - c->req_url) : strlen(c->req_url);
        if (origin + ll >= sizeof(where)) {
            fail_status(c, msg);
            return;
        }
        memcpy(where, c->req_url, origin);
        memcpy(where + origin, loc, ll);
        where[origin + ll] = '\0';
    } else {
        memcpy(where, loc, ll);
        where[ll] = '\0';
    }
    probe_url_redact(where, shown, sizeof(shown));
    if (++c->redirects > RC_REDIRECT_MAX) {
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_REDIRECT_LOOP, "more than %d redirects, last to %s",
                   RC_REDIRECT_MAX, shown);
        return;
    }
    struct probe_url nu;
    if (probe_url_parse(where, &nu) != 0 || nu.scheme != c->url.scheme) {
        memset(&nu, 0, sizeof(nu));
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_REDIRECT_LOOP, "%d redirect to %s: not an %s URL",
                   msg->status, shown, c->url.scheme_name);
        return;
    }
    bool same_host = strcmp(nu.host, c->url.host) == 0;
    if (!same_host && !nu.host_is_ipv4 && !nu.host_is_ipv6) {
        memset(&nu, 0, sizeof(nu));
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL,
                   "%d redirect to host name %s needs DNS", msg->status, shown);
        return;
    }
    if (!same_host) {
        struct sockaddr_storage ss = {0};
        int rc = nu.host_is_ipv6 ? uv_ip6_addr(nu.host, nu.port, (struct sockaddr_in6 *)&ss)
                                 : uv_ip4_addr(nu.host, nu.port, (struct sockaddr_in *)&ss);
        if (rc != 0) {
            memset(&nu, 0, sizeof(nu));
            rc_verdict(c, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL, "%d redirect to %s: bad address",
                       msg->status, shown);
            return;
        }
        c->addr = ss;
    } else {
        set_port(&c->addr, nu.port);
    }
    /* Our credentials go only to the scheme, host and port they were given
     * for: passwords are shared by hundreds of cameras, and a redirect
     * (even to another port of the same host, which may be another
     * program) must not collect them for somebody else. */
    bool same_origin = same_host && nu.port == c->url.port;
    if (!same_origin) {
        /* Nor any the Location names: tier 2 cannot pass them on either. */
        if (c->url.has_userinfo && c->url.user[0]) {
            c->creds_withheld = true;
            rc_log(c, "redirected to %s: credentials not sent", shown);
        }
        explicit_bzero(nu.user, sizeof(nu.user));
        explicit_bzero(nu.password, sizeof(nu.password));
        nu.has_userinfo = nu.has_password = false;
    } else if (!nu.has_userinfo) {
        memcpy(nu.user, c->url.user, sizeof(nu.user));
        memcpy(nu.password, c->url.password, sizeof(nu.password));
        nu.has_userinfo = c->url.has_userinfo;
    }
    memset(&c->url, 0, sizeof(c->url));
    c->url = nu;
    memset(&nu, 0, sizeof(nu));
    if (build_req_url(c) != 0) {
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_UNSUPPORTED_URL, "redirect URL too long");
        return;
    }
    rc_log(c, "redirected (%d)", msg->status);
    c->have_auth = false;
    c->auth_attempts = 0;
    rc_set_state(c, RC_RECONNECT);
    rc_close_sock(c, TCP_CLOSE_FIN);
}

/* ---- replies ---- */

static void handle_auth(struct rtsp_conn *c, const struct rtsp_msg *msg)
{
    const char *m = method_of(c->state);
    if (c->creds_withheld && (!c->url.has_userinfo || !c->url.user[0])) {
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_AUTH_FAILED,
                   "%s: 401 after a redirect to %s: credentials not sent (they are only for the "
                   "URL's own host and port)",
                   m, c->shown_url);
        return;
    }
    if (!c->url.has_userinfo || !c->url.user[0]) {
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_AUTH_FAILED, "%s: 401, and the URL has no credentials",
                   m);
        return;
    }
    struct rtsp_auth_challenge ch;
    int rc = rtsp_auth_choose(msg, &ch);
    if (rc != 0) {
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_AUTH_FAILED, "%s: 401 with %s", m,
                   rc == -ENOENT ? "no WWW-Authenticate" : "no supported auth scheme");
        return;
    }
    /* A camera that used Digest and now offers only Basic may be something
     * else answering in its place, collecting the password in clear; one
     * password opens hundreds of cameras. */
    if (ch.scheme == RTSP_AUTH_BASIC && c->digest_known && !c->opts.allow_basic_downgrade) {
        c->basic_refused = true;
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_AUTH_FAILED,
                   "%s: offers only Basic, but used Digest before: password not sent in clear "
                   "([probe] allow_basic_downgrade = true allows it)",
                   m);
        return;
    }
    if (ch.scheme == RTSP_AUTH_DIGEST)
        c->digest_known = true;
    /* One retry with credentials; a second only when the server says our
     * nonce went stale. Never more: cameras lock out after bad passwords. */
    bool retry = c->auth_attempts == 0 ||
                 (c->auth_attempts == 1 && ch.stale && ch.scheme == RTSP_AUTH_DIGEST);
    if (!retry) {
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_AUTH_FAILED, "%s: credentials refused (%s)", m,
                   c->auth.scheme == RTSP_AUTH_DIGEST ? "Digest" : "Basic");
        return;
    }
    c->auth_attempts++;
    c->auth = ch;
    c->have_auth = true;
    c->nc = 0;
    /* Only Digest with qop=auth or MD5-sess puts a cnonce in the hash. */
    if (ch.scheme == RTSP_AUTH_DIGEST && (ch.qop_auth || ch.algo == RTSP_DIGEST_MD5_SESS))
        new_cnonce(c);
    enum rc_state st = c->state;
    const char *extra = st == RC_DESCRIBE ? "Accept: application/sdp\r\n" : NULL;
    char extra_buf[256];
    if (st == RC_SETUP) {
        snprintf(extra_buf, sizeof(extra_buf),
                 "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n");
        extra = extra_buf;
    } else if (st == RC_PLAY) {
        snprintf(extra_buf, sizeof(extra_buf), "Range: npt=0.000-\r\n");
        extra = extra_buf;
    }
    rc_request(c, st, c->cur_url, extra);
}

static void copy_header(const struct rtsp_msg *msg, const char *name, char *out, size_t cap)
{
    size_t n;
    const char *v = rtsp_msg_header(msg, name, 0, &n);
    out[0] = '\0';
    if (v && n < cap) {
        memcpy(out, v, n);
        out[n] = '\0';
    }
}

static void on_describe_ok(struct rtsp_conn *c, const struct rtsp_msg *msg)
{
    static const char setup_extra[] = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n";
    struct sdp *s = malloc(sizeof(*s));
    if (!s) {
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_INTERNAL_ERROR, "out of memory for the SDP");
        return;
    }
    int rc = msg->body ? sdp_parse((const char *)msg->body, msg->body_len, s) : -EBADMSG;
    if (rc != 0) {
        free(s);
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_PROTOCOL_ERROR, "DESCRIBE: reply has no usable SDP");
        return;
    }
    const struct sdp_media *v = sdp_find_media(s, SDP_MEDIA_VIDEO);
    const struct sdp_media *a = sdp_find_media(s, SDP_MEDIA_AUDIO);
    if (a)
        c->result.audio_codec = sdp_media_codec(a);
    if (!v) {
        free(s);
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_NO_MEDIA, "DESCRIBE: the SDP has no video");
        return;
    }
    /* A dynamic payload type means nothing without its rtpmap: no player can
     * decode such a stream, whatever the camera sends afterwards. */
    if (v->payload < 0 || (v->payload >= 96 && !v->encoding[0])) {
        free(s);
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_NO_MEDIA,
                   "DESCRIBE: the SDP's video names no usable format");
        return;
    }
    struct probe_video *pv = &c->result.video;
    c->vcodec = sdp_media_codec(v);
    c->vpayload = v->payload;
    pv->codec = c->vcodec;
    pv->fps_milli = v->framerate_milli;
    pv->width = v->width;
    pv->height = v->height;
    uint32_t kbps = v->bandwidth_kbps ? v->bandwidth_kbps : s->bandwidth_kbps;
    pv->bitrate = kbps > UINT32_MAX / 1000 ? 0 : kbps * 1000;
    struct video_params vp;
    if (v->sps.len && video_parse_sps(c->vcodec, v->sps.data, v->sps.len, &vp) == 0) {
        video_params_to_probe(&vp, pv);
        c->have_size = true;
    }
    if (c->opts.depth == RTSP_DEPTH_DESCRIBE) {
        free(s);
        rc_verdict(c, PROBE_ONLINE, PROBE_R_NONE, NULL);
        return;
    }
    struct rc_media_urls *mu = c->media ? c->media : calloc(1, sizeof(*mu));
    if (!mu) {
        free(s);
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_INTERNAL_ERROR, "out of memory for the SETUP URL");
        return;
    }
    c->media = mu;
    char content_base[SDP_CONTROL_MAX], content_location[SDP_CONTROL_MAX];
    copy_header(msg, "Content-Base", content_base, sizeof(content_base));
    copy_header(msg, "Content-Location", content_location, sizeof(content_location));
    rc = sdp_resolve_control(c->req_url, content_base, content_location, s->control, v->control,
                             mu->setup_url, sizeof(mu->setup_url));
    if (rc == 0)
        rc = sdp_resolve_control(c->req_url, content_base, content_location, s->control, NULL,
                                 mu->play_url, sizeof(mu->play_url));
    free(s);
    if (rc != 0) {
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_PROTOCOL_ERROR,
                   "DESCRIBE: the SETUP URL would be too long");
        return;
    }
    rc_request(c, RC_SETUP, mu->setup_url, setup_extra);
}

static void on_setup_ok(struct rtsp_conn *c, const struct rtsp_msg *msg)
{
    size_t n;
    const char *v = rtsp_msg_header(msg, "Session", 0, &n);
    unsigned timeout;
    if (!v || rtsp_parse_session(v, n, c->session, sizeof(c->session), &timeout) != 0) {
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_PROTOCOL_ERROR,
                   "SETUP: reply without a usable Session");
        return;
    }
    c->has_session = true;
    int ch_rtp = 0, ch_rtcp = 1;
    v = rtsp_msg_header(msg, "Transport", 0, &n);
    int rc = v ? rtsp_parse_transport_interleaved(v, n, &ch_rtp, &ch_rtcp) : 0;
    if (rc != 0) {
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_PROTOCOL_ERROR,
                   "SETUP: server did not grant TCP interleaving");
        return;
    }
    c->ch_rtp = ch_rtp;
    c->ch_rtcp = ch_rtcp;
    rc_request(c, RC_PLAY, c->media->play_url, "Range: npt=0.000-\r\n");
}

static void on_success(struct rtsp_conn *c, const struct rtsp_msg *msg)
{
    switch (c->state) {
    case RC_OPTIONS:
        if (c->opts.depth == RTSP_DEPTH_OPTIONS)
            rc_verdict(c, PROBE_ONLINE, PROBE_R_NONE, NULL);
        else
            send_describe(c);
        break;
    case RC_DESCRIBE:
        on_describe_ok(c, msg);
        break;
    case RC_SETUP:
        on_setup_ok(c, msg);
        break;
    case RC_PLAY:
        if (c->got_keyframe)
            rc_verdict(c, PROBE_ONLINE, PROBE_R_NONE, NULL);
        else
            rc_set_state(c, c->got_rtp ? RC_WAIT_KEYFRAME : RC_WAIT_RTP);
        break;
    default:
        break;
    }
}

static void on_reply(struct rtsp_conn *c, const struct rtsp_msg *msg)
{
    if (msg->is_request)
        return; /* e.g. a server-side GET_PARAMETER keep-alive: not needed for a short probe */
    uint32_t cseq;
    int rc = rtsp_msg_cseq(msg, &cseq);
    if (rc == 0 && cseq != c->cseq) {
        if (cseq < c->cseq)
            return; /* a late reply to a request we gave up on */
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_PROTOCOL_ERROR, "reply CSeq %u to request %u",
                   (unsigned)cseq, (unsigned)c->cseq);
        return;
    }
    c->answered = rc == 0; /* a reply without CSeq is taken as ours, but not as proof */
    if (c->state == RC_TEARDOWN) {
        c->has_session = false; /* the camera has let it go */
        rc_close(c);
        return;
    }
    if (c->state < RC_OPTIONS || c->state > RC_PLAY)
        return; /* nothing asked */
    c->result.rtsp_status = msg->status;
    if (!c->result.server[0]) {
        size_t n;
        const char *v = rtsp_msg_header(msg, "Server", 0, &n);
        if (v)
            probe_result_set_server(&c->result, v, n);
    }
    int st = msg->status;
    /* 403 too: Dahua answers a refused login that way. */
    c->auth_ok = c->sent_auth && st != 401 && st != 403;
    if (st == 401)
        handle_auth(c, msg);
    else if (st >= 300 && st < 400 && st != 304)
        handle_redirect(c, msg);
    else if (st >= 200 && st < 300)
        on_success(c, msg);
    else if (c->state == RC_OPTIONS && (st == 405 || st == 501))
        /* Some servers do not implement OPTIONS; the port does speak RTSP. */
        on_success(c, msg);
    else
        fail_status(c, msg);
}

/* Our wall clock, the one the camera's is compared with. */
static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The clock look's part of an interleaved frame: sender reports on the
 * video's RTCP channel, and the video packets after the first one. */
static void clock_frame(struct rtsp_conn *c, const struct rtsp_frame *f)
{
    if (c->state < RC_PLAY || c->state > RC_WAIT_CLOCK)
        return;
    if (f->channel == c->ch_rtcp) {
        struct rtcp_sr sr;
        if (rtcp_find_sr(f->data, f->len, &sr) == 0)
            rtcp_clock_sr(&c->clock, &sr, wall_us());
        return;
    }
    struct rtp_packet p;
    if (!c->clock.have_sr || f->channel != c->ch_rtp ||
        rtp_parse_packet(f->data, f->len, &p) != 0 ||
        (c->vpayload >= 0 && p.payload_type != c->vpayload))
        return;
    int64_t now = wall_us();
    rtcp_clock_rtp(&c->clock, p.ssrc, p.timestamp, now);
    c->clock_after_sr++;
    if (c->state == RC_WAIT_CLOCK &&
        (clock_enough(c) || now - c->clock.sr_arrival_us >= RC_CLOCK_SPAN_US))
        rc_finish(c);
}

static void on_frame(struct rtsp_conn *c, const struct rtsp_frame *f)
{
    if (!c->has_session)
        return;
    if (c->opts.clock_ms)
        clock_frame(c, f);
    if (f->channel != c->ch_rtp || c->verdict)
        return;
    if (c->state != RC_PLAY && c->state != RC_WAIT_RTP && c->state != RC_WAIT_KEYFRAME)
        return;
    struct rtp_packet p;
    if (rtp_parse_packet(f->data, f->len, &p) != 0 ||
        (c->vpayload >= 0 && p.payload_type != c->vpayload))
        return;
    uint64_t now = uv_hrtime();
    if (!c->got_rtp) {
        c->got_rtp = true;
        uint64_t us = (now - c->play_sent) / 1000;
        c->result.phase_us[PROBE_PH_FIRST_RTP] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
        if (c->state == RC_WAIT_RTP)
            rc_set_state(c, RC_WAIT_KEYFRAME);
    }
    bool key = false;
    if (c->vcodec == PROBE_CODEC_H264 || c->vcodec == PROBE_CODEC_H265) {
        struct rtp_nal_info info;
        if (rtp_nal_scan(c->vcodec, p.payload, p.payload_len, &info) != 0)
            return;
        key = info.keyframe;
        struct video_params vp;
        if (!c->have_size && info.sps &&
            video_parse_sps(c->vcodec, info.sps, info.sps_len, &vp) == 0) {
            uint32_t fps = c->result.video.fps_milli;
            video_params_to_probe(&vp, &c->result.video);
            if (!vp.fps_milli)
                c->result.video.fps_milli = fps;
            c->have_size = true;
        }
    } else {
        /* MJPEG frames are all intra; for other codecs RTP is the best we
         * can check here and the deep probe looks further. */
        key = true;
    }
    if (!key)
        return;
    c->got_keyframe = true;
    uint64_t us = (now - c->play_sent) / 1000;
    c->result.phase_us[PROBE_PH_FIRST_KEYFRAME] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    if (c->state != RC_PLAY) /* otherwise the PLAY reply decides */
        rc_verdict(c, PROBE_ONLINE, PROBE_R_NONE, NULL);
}

/* ---- reading ---- */

/* Where reads land while a connection holds no partial item: one buffer
 * per thread (each loop runs on one), shared by all its connections, since
 * whatever arrives is parsed before the next read. Most replies arrive
 * whole, so most connections never allocate a buffer of their own; only an
 * incomplete item is kept, in c->in. */
#define RC_SCRATCH (64 * 1024)
static _Thread_local uint8_t rc_scratch[RC_SCRATCH];

/* Make room for at least `need` bytes in c->in. */
static int in_reserve(struct rtsp_conn *c, size_t need)
{
    if (need <= c->in_cap)
        return 0;
    size_t cap = c->in_cap ? c->in_cap : RC_BUF_INITIAL;
    while (cap < need)
        cap *= 2;
    if (cap > RC_BUF_MAX)
        cap = RC_BUF_MAX;
    if (cap < need)
        return -ENOBUFS;
    uint8_t *p = realloc(c->in, cap);
    if (!p)
        return -ENOMEM;
    c->in = p;
    c->in_cap = cap;
    return 0;
}

/* Reads per input event: a socket with more waiting is posted for another
 * turn (tcp_sock_read_again) so that one streaming camera cannot hold the
 * loop. */
#define RC_READS_PER_EVENT 8

/* Read what the socket has into the scratch buffer or c->in, and parse
 * every complete item. Returns true when the read filled its buffer (more
 * may wait) and the connection is still reading this socket. */
static bool rc_read_once(struct rtsp_conn *c)
{
    uint8_t *buf;
    size_t cap;
    bool scratch = c->in_len == 0;
    if (scratch) {
        buf = rc_scratch;
        cap = sizeof(rc_scratch);
    } else {
        /* Grow before the free space gets so small that reads crawl. */
        if (c->in_cap - c->in_len < 4096 && c->in_cap < RC_BUF_MAX)
            in_reserve(c, c->in_cap * 2 > RC_BUF_MAX ? RC_BUF_MAX : c->in_cap * 2);
        buf = c->in + c->in_len;
        cap = c->in_cap - c->in_len;
        if (cap == 0) {
            /* in_reserve keeps room for any item the parser accepts, so a
             * full buffer holds one it refused to finish. */
            c->in_len = 0;
            rc_verdict(c, PROBE_OFFLINE, PROBE_R_INTERNAL_ERROR, "%s reply: item too large",
                       method_of(c->state));
            return false;
        }
    }
    ssize_t nread = tcp_sock_read(c->sock, buf, cap);
    if (nread == -EAGAIN)
        return false;
    if (nread <= 0) {
        c->connected = false;
        if (c->state == RC_TEARDOWN || c->verdict) {
            rc_close(c);
            return false;
        }
        if (nread == 0)
            rc_verdict(c, PROBE_OFFLINE, PROBE_R_CONNECT_RESET,
                       "server closed the connection during %s", method_of(c->state));
        else
            rc_verdict(c, PROBE_OFFLINE, reason_of_uv((int)nread), "reading during %s: %s",
                       method_of(c->state), uv_strerror((int)nread));
        return false;
    }
    bool full = (size_t)nread == cap;
    const uint8_t *data;
    size_t len;
    if (scratch) {
        data = rc_scratch;
        len = (size_t)nread;
    } else {
        c->in_len += (size_t)nread;
        data = c->in;
        len = c->in_len;
    }
    size_t off = 0;
    while (off < len && c->sock) {
        struct rtsp_msg msg;
        struct rtsp_frame frame;
        size_t used;
        enum rtsp_perr perr;
        int rc = rtsp_parse(data + off, len - off, &msg, &frame, &used, &perr);
        if (rc == RTSP_NEED_MORE)
            break;
        if (rc < 0) {
            c->in_len = 0;
            if (c->verdict) {
                rc_close(c);
                return false;
            }
            rc_verdict(c, PROBE_OFFLINE, PROBE_R_PROTOCOL_ERROR, "%s reply: %s",
                       method_of(c->state), rtsp_perr_name(perr));
            return false;
        }
        if (rc == RTSP_FRAME)
            on_frame(c, &frame);
        else
            on_reply(c, &msg);
        off += used;
    }
    if (!c->sock) {
        c->in_len = 0; /* closed, or left for a redirect: nothing more is read */
        return false;
    }
    if (!scratch) {
        if (off) {
            memmove(c->in, c->in + off, c->in_len - off);
            c->in_len -= off;
        }
        return full;
    }
    /* Keep the incomplete item before the next read reuses the scratch. */
    size_t rest = len - off;
    if (rest == 0)
        return full;
    int rc = in_reserve(c, rest);
    if (rc != 0) {
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_INTERNAL_ERROR, "%s reply: %s", method_of(c->state),
                   rc == -ENOMEM ? "out of memory" : "item too large");
        return false;
    }
    memcpy(c->in, data + off, rest);
    c->in_len = rest;
    return full;
}

/* An input edge: read until the socket is drained (a short read), up to
 * RC_READS_PER_EVENT reads, then follow a redirect if one was met. */
static void rc_read(struct rtsp_conn *c)
{
    int reads = 0;
    while (rc_read_once(c)) {
        if (++reads == RC_READS_PER_EVENT) {
            tcp_sock_read_again(c->sock);
            break;
        }
    }
    if (c->state == RC_RECONNECT)
        rc_reconnect(c);
}

/* ---- public ---- */

/* Credentials on the first request, from the camera's last challenge. */
static void use_auth_memo(struct rtsp_conn *c)
{
    if (!c->url.has_userinfo || !c->url.user[0] ||
        rtsp_auth_memo_unpack(c->opts.auth_memo, c->opts.auth_memo_len, &c->auth, &c->nc) != 0)
        return;
    c->have_auth = true;
    c->digest_known = c->auth.scheme == RTSP_AUTH_DIGEST;
    if (c->auth.scheme == RTSP_AUTH_DIGEST && c->auth.qop_auth)
        new_cnonce(c);
    /* auth_attempts stays 0: a 401 to this still gets the usual retry. */
}

int rtsp_conn_auth_memo(const struct rtsp_conn *c, uint8_t *out, size_t cap)
{
    /* A refused downgrade keeps the Digest memo it came with, so the next
     * probe refuses too instead of sending Basic to a camera that forgot. */
    if (c->basic_refused && c->have_auth && c->auth.scheme == RTSP_AUTH_DIGEST && !c->redirects)
        return rtsp_auth_memo_pack(&c->auth, c->nc, out, cap);
    /* After a redirect the challenge is another server's. */
    if (!c->auth_ok || !c->have_auth || c->redirects)
        return 0;
    return rtsp_auth_memo_pack(&c->auth, c->nc, out, cap);
}

int rtsp_conn_clock(const struct rtsp_conn *c, int64_t *offset_us, uint32_t *samples)
{
    if (!c->clock_looked)
        return -ENODATA;
    int rc = rtcp_clock_offset(&c->clock, offset_us);
    if (rc == 0 && samples)
        *samples = c->clock.samples;
    return rc;
}

int rtsp_conn_start(uv_loop_t *loop, const struct sockaddr *addr, const char *url,
                    const struct rtsp_conn_opts *opts, rtsp_conn_cb cb, void *data,
                    struct rtsp_conn **out)
{
    if (!loop || !addr || !url || !cb ||
        (addr->sa_family != AF_INET && addr->sa_family != AF_INET6) ||
        (opts && opts->io && tcp_io_loop(opts->io) != loop))
        return -EINVAL;
    struct rtsp_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    int rc = probe_url_parse(url, &c->url);
    if (rc != 0 || probe_url_tier(&c->url) != PROBE_TIER_1 || build_req_url(c) != 0) {
        memset(&c->url, 0, sizeof(c->url));
        free(c);
        return -EINVAL;
    }
    if (opts)
        c->opts = *opts;
    if (!c->opts.connect_ms)
        c->opts.connect_ms = 3000;
    if (!c->opts.reply_ms)
        c->opts.reply_ms = 5000;
    if (!c->opts.first_rtp_ms)
        c->opts.first_rtp_ms = 5000;
    if (!c->opts.first_keyframe_ms)
        c->opts.first_keyframe_ms = 8000;
    if (!c->opts.teardown_ms)
        c->opts.teardown_ms = 1000;
    if (!c->opts.user_agent)
        c->opts.user_agent = "camdex";
    c->loop = loop;
    c->cb = cb;
    c->data = data;
    c->vpayload = -1;
    rtcp_clock_init(&c->clock, 90000);
    memcpy(&c->addr, addr,
           addr->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
    set_port(&c->addr, c->url.port);
    probe_result_init(&c->result);
    c->state_since = uv_hrtime();
    if (c->opts.total_ms) {
        uv_update_time(loop);
        c->total_deadline = uv_now(loop) + c->opts.total_ms;
    }
    c->io = c->opts.io;
    if (!c->io) {
        /* A one-off probe: a set of its own, closed with it. */
        rc = tcp_io_new(loop, 0, &c->io);
        if (rc != 0) {
            memset(&c->url, 0, sizeof(c->url));
            free(c);
            return rc;
        }
        c->own_io = true;
        c->handles++;
    }
    uv_timer_init(loop, &c->timer); /* cannot fail */
    c->timer.data = c;
    c->handles++;
    if (c->opts.auth_memo)
        use_auth_memo(c);
    c->opts.auth_memo = NULL; /* the caller's memory: not kept */
    c->opts.auth_memo_len = 0;
    rc = rc_connect(c);
    if (rc == -ECONNREFUSED) {
        /* Refused at once (a local port): the camera's answer, not a
         * failure to start; the callback reports it. */
        rc_verdict(c, PROBE_OFFLINE, PROBE_R_CONNECT_REFUSED, "TCP connect: %s", uv_strerror(rc));
        rc = 0;
    } else if (rc != 0) {
        /* The callback must not run when start fails: close quietly. */
        c->cb = NULL;
        rc_close(c);
        return rc;
    }
    if (out)
        *out = c;
    return 0;
}

void rtsp_conn_cancel(struct rtsp_conn *c)
{
    if (!c || c->state == RC_CLOSING)
        return;
    rc_verdict(c, PROBE_OFFLINE, PROBE_R_INTERNAL_ERROR, "cancelled");
}
