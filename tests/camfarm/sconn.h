/* Internal to camfarm's platform streams: one client connection on the
 * HTTP or the RTMP socket, shared by streams.c (sockets, state machine,
 * deadlines, pacing of FLV tags), http_cam.c and rtmp_cam.c (what a camera
 * answers). */
#ifndef CAMFARM_SCONN_H
#define CAMFARM_SCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "conn.h"
#include "http_req.h"
#include "streams.h"

#define SCONN_IN_MAX (HTTP_REQ_HEAD_MAX + HTTP_REQ_BODY_MAX) /* input buffered at most */

enum sconn_state {
    /* Waiting for the next request (or RTMP chunk); the idle deadline runs. */
    SC_READING = 0,
    /* A reply is held back until the timer fires (fault "slow"). */
    SC_DELAYING,
    /* A reply goes out one byte per timer tick (fault "slowloris"). */
    SC_DRIBBLING,
    /* FLV tags paced by the timer; input is still read (RTMP control). */
    SC_STREAMING,
    /* Read and dropped, never answered; only the idle deadline ends it. */
    SC_SILENT,
    /* Everything written; closing once the queued bytes have left. */
    SC_FINISHING,
    /* Handles are closing; nothing else may happen. */
    SC_CLOSING,
    SC_STATE_COUNT
};

struct rtmp_sess;

struct sconn {
    uv_tcp_t tcp; /* first: a handle pointer is a connection pointer */
    uv_timer_t timer;
    uv_shutdown_t shut;
    struct streams *s;
    struct sconn *prev, *next;
    int cam;          /* camera index, -1 until known */
    uint8_t proto;    /* socket: PROTO_HLS (HTTP) or PROTO_RTMP */
    uint8_t state;    /* enum sconn_state */
    bool reading;     /* libuv delivers reads */
    bool by_path;     /* the camera was named by "/cam/N/" (after a redirect) */
    bool then_stream; /* start streaming once the held reply is out */
    bool then_close;  /* close once the held reply is out */
    bool waiting_key; /* a lagging client dropped tags: resume at a keyframe */
    int handles_open;
    char *in; /* input not yet consumed, NULL when none */
    size_t in_len;
    char *out; /* reply held back ("slow") or dribbled ("slowloris") */
    size_t out_len, out_off;
    /* streaming FLV tags */
    const struct media_flv *flv;
    size_t tag;             /* next tag of the loop */
    uint32_t loop;          /* loops of the clip done */
    uint64_t start_ms;      /* when tag 0 of loop 0 was due */
    struct rtmp_sess *rtmp; /* RTMP connection state, NULL until the handshake */
};

static inline struct cam *sconn_cam(const struct sconn *c)
{
    return c->cam >= 0 ? &c->s->farm->fleet->cams[c->cam] : NULL;
}

/* streams.c */
/* The one function that changes a connection's state. */
void sconn_set_state(struct sconn *c, enum sconn_state st);
/* Closes both handles; reset sends RST. Idempotent. */
void sconn_close(struct sconn *c, bool reset);
/* Writes now or queues a copy; counts bytes. Returns 0 or a uv error. */
int sconn_write(struct sconn *c, const void *data, size_t len);
/* Sends a whole reply through "slow"/"slowloris" when the camera has them,
 * then streams (then_stream), closes (then_close) or reads the next
 * request. Takes ownership of `data` (from malloc). */
void sconn_reply(struct sconn *c, char *data, size_t len, bool then_stream, bool then_close);
/* Starts pacing the tags of `flv` (SC_STREAMING). */
void sconn_start_stream(struct sconn *c, const struct media_flv *flv);

/* http_cam.c */
/* Parses and answers the requests buffered in c->in; returns the bytes
 * consumed, or a negative errno when the connection must close. */
int http_cam_input(struct sconn *c, const char *buf, size_t len);
/* Sends the tag (its head with timestamp `ts`, then body) as HTTP-FLV does. */
void http_cam_send_tag(struct sconn *c, const struct media_tag *t, uint32_t ts);

/* rtmp_cam.c */
int rtmp_cam_input(struct sconn *c, const char *buf, size_t len);
void rtmp_cam_send_tag(struct sconn *c, const struct media_tag *t, uint32_t ts);
void rtmp_cam_free(struct sconn *c);

#endif
