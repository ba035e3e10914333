/* The tier-1 RTSP probe: one TCP connection to an already-resolved
 * address that walks OPTIONS, DESCRIBE, SETUP (TCP interleaved) and PLAY as
 * deep as asked, waits for the first RTP packet and keyframe, always sends
 * TEARDOWN once a session exists, and reports one probe_result. */
#ifndef CAMDEX_RTSP_CONN_H
#define CAMDEX_RTSP_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "probe_result.h"
#include "tcp_io.h"

enum rtsp_depth {
    RTSP_DEPTH_OPTIONS = 0, /* TCP connect + OPTIONS */
    RTSP_DEPTH_DESCRIBE,    /* + DESCRIBE with auth: codecs, size, profile */
    RTSP_DEPTH_PLAY,        /* + SETUP, PLAY, first RTP, first keyframe, TEARDOWN */
};

/* Every deadline in milliseconds; 0 picks the default in brackets. */
struct rtsp_conn_opts {
    enum rtsp_depth depth;
    uint32_t connect_ms;        /* TCP connect [3000] */
    uint32_t reply_ms;          /* each RTSP reply [5000] */
    uint32_t first_rtp_ms;      /* first RTP packet after PLAY [5000] */
    uint32_t first_keyframe_ms; /* first keyframe after the first RTP packet [8000] */
    uint32_t teardown_ms;       /* TEARDOWN reply before we just close [1000] */
    /* The whole probe, from start to verdict, across phases, redirects and
     * retries; 0 = no cap beyond the phases' own. A TEARDOWN still follows
     * within teardown_ms. */
    uint32_t total_ms;
    /* At depth describe or play, start with DESCRIBE: OPTIONS tells a
     * prober nothing DESCRIBE does not, and costs a round trip (about a
     * sixth of a describe probe's CPU). */
    bool skip_options;
    /* Optional: the challenge this camera's last probe authenticated with
     * (rtsp_conn_auth_memo), so that the first request already carries
     * credentials and the camera need not answer 401 first: one request
     * fewer per probe. A memo that went stale costs nothing more than none:
     * the 401 it draws is answered as usual. Read only by rtsp_conn_start. */
    const uint8_t *auth_memo;
    size_t auth_memo_len;
    /* A camera known to use Digest (from the memo, or earlier in this
     * probe) that offers only Basic would get the password in clear: the
     * probe refuses (auth_failed, saying why) and keeps the Digest memo,
     * unless this is set. */
    bool allow_basic_downgrade;
    /* Optional, on the same loop: the socket set connections share, which
     * also keeps the sockets of finished exchanges for the next ones
     * (tcp_io.h). Without one a connection makes a set of its own, which
     * suits a one-off probe but costs two system calls more per probe and
     * reuses nothing. */
    struct tcp_io *io;
    /* At depth play, the clock look: once the stream is judged online,
     * keep playing up to this long for the camera's RTCP sender report and
     * a few packets after it, to measure the camera's clock
     * (rtsp_conn_clock); 0 = no clock look. */
    uint32_t clock_ms;
    const char *user_agent; /* [camdex] */
    /* Optional: called on every state change with one line for the log
     * (URL redacted, no credentials). The library itself never prints. */
    void (*log)(void *data, const char *line);
};

struct rtsp_conn;

/* Called exactly once, after every handle is closed; `r` is valid only
 * during the call. The connection's memory is freed after it returns. */
typedef void (*rtsp_conn_cb)(struct rtsp_conn *c, const struct probe_result *r, void *data);

/* Start probing `url` (rtsp://[user[:pass]@]host[:port]/path, credentials
 * percent-encoded) at `addr` (IPv4 or IPv6; its port is replaced by the
 * URL's). On success *out (may be NULL) is the connection, usable with
 * rtsp_conn_cancel until the callback runs. Returns 0, or a negative errno
 * and then the callback is never called: -EINVAL for a URL that is not
 * rtsp:// (or an io on another loop), -ENOMEM, or an error of the connect
 * itself other than a refusal (-ENETUNREACH, -EMFILE, ...). */
int rtsp_conn_start(uv_loop_t *loop, const struct sockaddr *addr, const char *url,
                    const struct rtsp_conn_opts *opts, rtsp_conn_cb cb, void *data,
                    struct rtsp_conn **out);

/* Stop early (e.g. at shutdown): a session that exists still gets its
 * TEARDOWN within teardown_ms; the callback reports internal_error
 * "cancelled" unless a verdict was already reached. */
void rtsp_conn_cancel(struct rtsp_conn *c);

/* Inside the callback: the challenge this probe's credentials were
 * accepted with, packed (rtsp_auth_memo_pack) into out[cap] for the
 * camera's next probe. Returns its length; 0 when there is nothing to keep
 * (no authentication, credentials refused, or MD5-sess); -ENOSPC. */
int rtsp_conn_auth_memo(const struct rtsp_conn *c, uint8_t *out, size_t cap);

/* Inside the callback, after a clock look (opts.clock_ms): the camera's
 * clock minus ours in microseconds (positive: the camera is ahead), from
 * its RTCP sender report and the RTP packets after it (rtcp_sr.h), and
 * how many samples it rests on. Returns 0; -ENOENT when no sender report
 * came (the camera sends none, or not within clock_ms: its clock is
 * unknown, not wrong); -ENODATA when no clock look was made (not asked,
 * or the stream was not online). */
int rtsp_conn_clock(const struct rtsp_conn *c, int64_t *offset_us, uint32_t *samples);

/* The state names, for logs and tests. */
const char *rtsp_conn_state_name(int state);

#endif
