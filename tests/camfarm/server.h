/* camfarm's RTSP server: one listening socket for the whole fleet, one
 * connection state machine per client, media paced by a timer per playing
 * session. Identity comes from the connection's local address (127.x.y.z)
 * or from a "/cam/ID/" path prefix. */
#ifndef CAMFARM_SERVER_H
#define CAMFARM_SERVER_H

#include <stdint.h>
#include <uv.h>

#include "clip.h"
#include "faults.h"
#include "fleet.h"
#include "syntrap.h"

struct conn;

struct farm_opts {
    unsigned idle_timeout_ms;   /* deadline for a client to send its next request */
    unsigned session_timeout_s; /* advertised "timeout=", enforced while playing */
    int verbose;
};

struct farm {
    /* public, read-only */
    uint16_t port; /* RTSP port actually bound */
    uint16_t udp_port;
    uint64_t total_conns, open_conns, sessions_open, requests, bytes, rtp_packets, resets;
    /* private */
    uv_loop_t *loop;
    struct fleet *fleet;
    const struct clip_set *clips;
    struct farm_opts opts;
    int mode_clip[FAULT_COUNT]; /* clip streamed by a video fault, -1 for others */
    /* The video fault's clip of the same picture size as the camera's own
     * clip ("lowfps_fhd" for a 1080p camera), else mode_clip. */
    uint8_t sized_clip[FAULT_COUNT][CLIP_MAX];
    uv_tcp_t listener;
    uv_udp_t udp;
    int listening, udp_open;
    struct conn *conns; /* every open connection, for kill and shutdown */
    uint64_t start_ms;
    uint32_t session_seq;
    struct syntrap_set traps; /* addresses of "syn_drop" cameras */
    /* Also resets a camera's connections on the other sockets (streams.c). */
    void (*drop_hook)(void *arg, int cam);
    void *drop_hook_arg;
    uint8_t *scratch; /* one packetized access unit */
    size_t scratch_cap;
    char rdbuf[65536]; /* shared read buffer: libuv reads into it synchronously */
};

/* Returns 0, or -ENOENT when a clip a video fault needs is missing. */
int farm_init(struct farm *f, uv_loop_t *loop, struct fleet *fleet, const struct clip_set *clips,
              const struct farm_opts *opts);
/* Binds ip:port (port 0 picks one) and starts accepting. */
int farm_listen(struct farm *f, const char *ip, int port);
/* Makes the address of camera `cam` drop SYNs when its mode is syn_drop,
 * and answer again otherwise. Returns 0 or a negative errno (the camera
 * then behaves as "blackhole"). */
int farm_sync_camera(struct farm *f, int cam);
/* Resets every connection of camera `cam` (used by "kill"). */
void farm_drop_camera(struct farm *f, int cam);
/* Closes the listener and every connection; the loop then ends. */
void farm_close(struct farm *f);
/* JSON counters for camera `cam`, or the totals when cam < 0.
 * Returns bytes written or -ENOSPC. */
int farm_stats_json(const struct farm *f, int cam, char *out, size_t cap);

#endif
