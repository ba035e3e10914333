/* Test helpers for camfarm: start it as a subprocess and wait for its ready
 * line, a blocking RTSP client where every call has a deadline, and the
 * control channel. Shared by the camfarm Criterion tests. */
#ifndef CAMFARM_FARMCLIENT_H
#define CAMFARM_FARMCLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FC_TEST_CAMERAS 64

/* The fleet file every camfarm test uses: one camera per behaviour, so
 * tests running in parallel never share a camera. */
#define FC_FLEET                                                                                   \
    "# camera  mode  [arg]  [options]\n"                                                           \
    "#1 ok clip=normal\n"                                                                          \
    "#2 ok clip=normal265\n"                                                                       \
    "#3 ok clip=normal\n"                                                                          \
    "#4 ok auth=basic clip=normal\n"                                                               \
    "#5 refused\n"                                                                                 \
    "#6 blackhole\n"                                                                               \
    "#7 silent\n"                                                                                  \
    "#8 slow 700\n"                                                                                \
    "#9 stall_describe\n"                                                                          \
    "#10 no_rtp\n"                                                                                 \
    "#11 rtp_stop 1\n"                                                                             \
    "#13 bad_auth\n"                                                                               \
    "#14 not_found\n"                                                                              \
    "#16 error_500\n"                                                                              \
    "#17 error_503\n"                                                                              \
    "#19 session_limit\n"                                                                          \
    "#18 session_limit\n"                                                                          \
    "#20 redirect 1\n"                                                                             \
    "#22 redirect_loop\n"                                                                          \
    "#23 flap 1\n"                                                                                 \
    "#25 garbage\n"                                                                                \
    "#26 big_headers 64\n"                                                                         \
    "#28 slowloris\n"                                                                              \
    "#29 bad_sdp\n"                                                                                \
    "#31 truncated_sdp\n"                                                                          \
    "#32 bad_length\n"                                                                             \
    "#34 early_rtp\n"                                                                              \
    "#35 black\n"                                                                                  \
    "#37 frozen\n"                                                                                 \
    "#38 low_fps\n"                                                                                \
    "#40 resolution\n"                                                                             \
    "#41 ok sessions=2 clip=normal\n"                                                              \
    "#42 ok sessions=1 clip=normal\n"                                                              \
    "#43 ok udp=1 clip=normal\n"                                                                   \
    "#44 ok clip=normal\n"                                                                         \
    "#46 ok clip=normal\n"                                                                         \
    "#47 blurred\n"                                                                                \
    "#49 noisy\n"                                                                                  \
    "#50 ok auth=none clip=normal\n"                                                               \
    "#52 ok clip=normal\n"                                                                         \
    "#53 syn_drop\n"

struct fc_farm {
    pid_t pid;
    int pidfd;
    int out_fd; /* camfarm's stdout */
    uint16_t rtsp_port, control_port;
    uint16_t http_port, rtmp_port; /* HLS/HTTP-FLV and RTMP sockets */
    char dir[64]; /* temporary directory holding inventory and fleet file */
    char ready[256];
};

/* Writes an inventory of FC_TEST_CAMERAS cameras (camera #N at 127.1.0.N;
 * #N Dahua-style when N % 3 == 0, else Hikvision-style; password
 * fc_password(N)), the given fleet file text, and starts camfarm with the
 * extra arguments (NULL-terminated). Returns 0 once the ready line arrived
 * within the deadline. */
int fc_start(struct fc_farm *f, const char *fleet_text, const char *const *extra_args);
/* Same with the inventory CSV text given whole (platform cameras). */
int fc_start_csv(struct fc_farm *f, const char *csv, const char *fleet_text,
                 const char *const *extra_args);
/* SIGTERM and wait (deadline 10 s). Returns the exit status, or -1. */
int fc_stop(struct fc_farm *f);

const char *fc_password(int n);
/* "rtsp://127.1.0.N:PORT/path" (no credentials) for camera #N. */
void fc_url(const struct fc_farm *f, int n, char *out, size_t cap);
/* Same with credentials, for ffmpeg/ffprobe. */
void fc_url_auth(const struct fc_farm *f, int n, char *out, size_t cap);
uint32_t fc_ip(int n);

/* Connects to ip:port within deadline_ms. Returns fd or negative errno. */
int fc_connect(uint32_t ip, uint16_t port, int deadline_ms);
int fc_send(int fd, const char *data, size_t len);

struct fc_reply {
    int status; /* 0 if the status line was not RTSP */
    long cseq;
    char head[70000];
    size_t head_len;
    char body[8192];
    size_t body_len;
    size_t content_length;
    int early_frames; /* interleaved frames seen before the reply */
};

/* Reads one reply (head and Content-Length body) within deadline_ms.
 * Returns 0, -ETIMEDOUT, -ECONNRESET, -EPIPE (closed), -EBADMSG (not RTSP;
 * the bytes read are in head). */
int fc_read_reply(int fd, struct fc_reply *r, int deadline_ms);
/* Copies header `name`'s value into out. Returns 0 or -ENOENT. */
int fc_header(const struct fc_reply *r, const char *name, char *out, size_t cap);

/* Sends `method` for camera URL with CSeq and extra header lines, adding a
 * Digest or Basic Authorization answering `challenge` (a previous 401) when
 * given. */
int fc_request(int fd, const char *method, const char *url, int cseq, const char *extra,
               const char *user, const char *pass, const struct fc_reply *challenge);

/* OPTIONS, DESCRIBE(+auth), SETUP (TCP interleaved) and PLAY on camera #n.
 * Fills session. Returns 0 or the first failing status / negative errno. */
int fc_play(const struct fc_farm *f, int n, int fd, char *session, size_t cap, int *cseq);

/* Interleaved frames fc_play() saw before the PLAY reply. */
extern int fc_play_early_frames;
/* Bytes received on fd but not yet consumed by a reader. */
size_t fc_pending(int fd);

/* Reads one interleaved frame within deadline_ms: channel, payload. */
int fc_read_frame(int fd, int *channel, uint8_t *buf, size_t cap, size_t *len, int deadline_ms);

/* Closes a client socket and forgets its buffered bytes. */
void fc_close(int fd);

/* One control command; the reply line (without newline) in out. */
int fc_control(const struct fc_farm *f, const char *cmd, char *out, size_t cap);

/* Runs a command line with a deadline, capturing stdout+stderr. Returns
 * its exit status or negative errno. */
int fc_run(const char *const *argv, char *out, size_t cap, int deadline_ms);

uint64_t fc_now_ms(void);

#endif
