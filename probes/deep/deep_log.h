/* Private to the tier-2 module: libav's log lines, routed and redacted
 * (deep_av_log_setup in deep_probe.h), and what they alone tell about the
 * probe running on the calling thread. */
#ifndef CAMDEX_DEEP_LOG_H
#define CAMDEX_DEEP_LOG_H

#include <stdbool.h>

#include "url.h"

/* libavformat turns an RTSP error status into a generic AVERROR (453 is
 * "4XX" like any 4xx, 503 "5XX"; a TLS failure is EIO) and says the rest
 * only in a log line: "method SETUP failed: 453 Not Enough Bandwidth",
 * "[tls] An unexpected TLS packet was received.". The log callback copies
 * those lines of one probe here. */
struct deepm_said {
    const void *fc;  /* the probe's AVFormatContext: RTSP lines come from it */
    int status;      /* the last status > 400 a request failed with, 0 if none */
    char method[16]; /* of that request */
    char phrase[64]; /* its reason phrase */
    char tls[96];    /* the last TLS error, "" if none */
    /* Credentials go only to the scheme, host and port they were given
     * for. libavformat's RTSP demuxer follows a 3xx to any URL and keeps
     * the original credentials, answering the new server's Basic challenge
     * with them; it announces the redirect in a log line first. When
     * `origin` is set (its URL carries credentials) and that line names
     * another origin, `left_origin` is set and `redirect` holds the URL:
     * the probe's interrupt callback then stops libav before it writes a
     * byte to the new server. */
    const struct probe_url *origin;
    const char *origin_addr; /* the numeric address dialled for origin->host, or NULL */
    bool left_origin;
    char redirect[PROBE_URL_MAX]; /* may carry the camera's userinfo: never show it unredacted */
    /* libav answers a 401 offering only Basic with the password in clear.
     * It logs every reply line (at trace level, which the callback sees
     * whatever the level); with `refuse_basic` set by the caller, such a
     * reply sets `basic_refused`, and the interrupt callback stops libav
     * before its retry is written. */
    bool refuse_basic;
    bool basic_refused;
    int reply_status;                 /* of the reply being read */
    bool offers_basic, offers_digest; /* its WWW-Authenticate schemes */
    char last[128]; /* the last error line of any context, redacted, "" if none */
};

/* From now on, lines of `fc` (and TLS lines) logged on this thread go into
 * *s, zeroed first, until deepm_said_end. Installs the log callback if the
 * program has not (lines then go where libav's default would put them). */
void deepm_said_begin(struct deepm_said *s, const void *fc);
void deepm_said_end(void);

/* Whether `url` has the scheme, host and port of `origin` (whose host was
 * dialled as `origin_addr` when that is not NULL). Pure. */
bool deep_same_origin(const struct probe_url *origin, const char *origin_addr, const char *url);

#endif
