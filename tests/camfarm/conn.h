/* Internal to camfarm's RTSP side: one client connection, shared by
 * server.c (sockets, state machine, deadlines, media pacing), camera.c
 * (checks before a method's handler), methods.c (the handlers) and reply.c
 * (reply heads). */
#ifndef CAMFARM_CONN_H
#define CAMFARM_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "packetizer.h"
#include "rtsp_req.h"
#include "server.h"
#include "session.h"

struct conn {
    uv_tcp_t tcp; /* first: a handle pointer is a conn pointer */
    uv_timer_t timer;
    struct farm *farm;
    struct conn *prev, *next;
    int cam; /* camera index, -1 until known */
    enum conn_state state;
    uint64_t state_since_ms; /* when it entered `state`, for the verbose log */
    enum sess_state sess;
    uint32_t session_id;
    uint32_t local_ip, peer_ip;
    uint16_t client_port; /* UDP transport: the client's RTP port */
    bool reading, has_session, described, udp, play_after_reply;
    bool optioned; /* the client has sent OPTIONS on this connection */
    int handles_open;
    char *in; /* bytes of a partial request, NULL when none */
    size_t in_len;
    char *out; /* reply held back ("slow") or dribbled ("slowloris") */
    size_t out_len, out_off;
    /* playing */
    int clip;
    uint64_t play_start_ms, last_req_ms;
    uint32_t frame_no, ts_base;
    uint64_t next_sr_ms; /* when the next RTCP sender report is due */
    struct pkt_stream pkt;
};

static inline struct cam *conn_cam(struct conn *c)
{
    return c->cam >= 0 ? &c->farm->fleet->cams[c->cam] : NULL;
}

static inline uint64_t farm_now_ms(const struct farm *f)
{
    return uv_now(f->loop);
}

/* server.c */
/* The one function that changes a connection's state (see session.h). */
void conn_set_state(struct conn *c, enum conn_state s);
/* Closes both handles; reset sends RST (SO_LINGER 0). Idempotent. */
void conn_close(struct conn *c, bool reset);
/* Writes now or queues a copy; counts bytes. Returns 0 or a uv error. */
int conn_write(struct conn *c, const char *data, size_t len);
/* Sends a reply through the "slow"/"slowloris" faults when they apply. */
void conn_reply(struct conn *c, const char *data, size_t len);
void conn_release_session(struct conn *c);
/* Enters CONN_PLAYING: frames start at once, paced by the clip's rate. */
void conn_start_media(struct conn *c);
/* Sends an RTCP sender report on the RTCP channel (interleaved only). */
void conn_send_sr(struct conn *c);
/* Sends the access unit due now (or drops it when the client lags). */
void conn_send_frame(struct conn *c);

/* camera.c */
/* Answers one parsed request as the connection's camera would. Called only
 * while the connection is reading (CONN_READING or CONN_PLAYING). */
void camera_request(struct conn *c, const struct rtsp_req *req);
/* True when the camera resets connections now (refused, killed, flap). */
bool camera_refuses(const struct farm *f, const struct cam *cam);
/* Clip the camera streams now: its own, or its video fault's. */
int camera_clip(const struct farm *f, const struct cam *cam);
/* A number fixed by the camera's inventory id (SDP origin, vendor realm). */
uint64_t camera_id_key(const struct farm *f, const struct cam *cam);
void camera_ip_str(uint32_t ip, char *out, size_t cap);
/* Resolves "/cam/REF/rest" to a camera and strips the prefix. Returns the
 * camera index or -ENOENT. */
int path_camera(struct farm *f, struct rtsp_span *path);

#endif
