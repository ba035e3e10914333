/* Private to the tier-2 module: libav's log lines, routed and redacted
 * (deep_av_log_setup in deep_probe.h), and what they alone tell about the
 * probe running on the calling thread. */
#ifndef CAMDEX_DEEP_LOG_H
#define CAMDEX_DEEP_LOG_H

/* libavformat turns an RTSP error status into a generic AVERROR (453 is
 * "4XX" like any 4xx, 503 "5XX"; a TLS failure is EIO) and says the rest
 * only in a log line: "method SETUP failed: 453 Not Enough Bandwidth",
 * "[tls] An unexpected TLS packet was received.". The log callback copies
 * those lines of one probe here. */
struct deep_said {
    const void *fc;  /* the probe's AVFormatContext: RTSP lines come from it */
    int status;      /* the last status > 400 a request failed with, 0 if none */
    char method[16]; /* of that request */
    char phrase[64]; /* its reason phrase */
    char tls[96];    /* the last TLS error, "" if none */
    char last[128];  /* the last error line of any context, redacted, "" if none */
};

/* From now on, lines of `fc` (and TLS lines) logged on this thread go into
 * *s, zeroed first, until deep_said_end. Installs the log callback if the
 * program has not (lines then go where libav's default would put them). */
void deep_said_begin(struct deep_said *s, const void *fc);
void deep_said_end(void);

#endif
