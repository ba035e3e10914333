/* camfarm's RTSP server: one port for the whole fleet, one
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
#include "netmodel.h"
#include "syntrap.h"

struct conn;

#define FARM_LISTENERS 4 /* RTSP sockets sharing the port, 4096 queued connections each */

struct farm_opts {
    unsigned idle_timeout_ms;   /* deadline for a client to send its next request */
    unsigned session_timeout_s; /* advertised "timeout=", enforced while playing */
    int verbose;
    struct net_model net; /* latency, think time and loss on every socket */
};

struct farm {
    /* public, read-only */
    uint16_t port; /* RTSP port actually bound */
    uint16_t udp_port;
    uint64_t total_conns, open_conns, sessions_open, requests, bytes, rtp_packets, resets;
    uint64_t lost; /* connections the network model dropped */
    /* private */
    uv_loop_t *loop;
    struct fleet *fleet;
    const struct clip_set *clips;
    struct farm_opts opts;
    int mode_clip[FAULT_COUNT]; /* clip streamed by a video fault, -1 for others */
    /* The video fault's clip of the same picture size as the camera's own
     * clip ("lowfps_fhd" for a 1080p camera), else mode_clip. */
    uint8_t sized_clip[FAULT_COUNT][CLIP_MAX];
    uv_tcp_t listener[FARM_LISTENERS];
    uv_udp_t udp;
    int listening, udp_open; /* listening: listener[] handles initialised */
    struct conn *conns; /* every open connection, for kill and shutdown */
    uint64_t start_ms;
    uint32_t session_seq;
    struct syntrap_set traps; /* addresses of "syn_drop" cameras */
    /* Also resets a camera's connections on the other sockets (streams.c). */
    void (*drop_hook)(void *arg, int cam);
    void *drop_hook_arg;
    uint64_t net_rng;   /* the network model's draws, from --seed */
    uint64_t net_conns; /* connections numbered for the loss draw */
    uint8_t *scratch;   /* one packetized access unit */
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
/* The network model at accept, on every socket: when the connection's first
 * byte may go out (uv_hrtime ns: one round trip after now) and whether it
 * is lost (then it is never read nor answered). */
uint64_t farm_net_accept(struct farm *f, bool *lost);
/* How long to hold a reply: what is left of the first round trip, then a
 * round trip and a think time. 0 when the model is off. */
uint64_t farm_net_hold_ms(struct farm *f, uint64_t ready_ns);
/* Milliseconds until due_ns (uv_hrtime), rounded up; 0 once it passed. A
 * held reply's timer is re-armed with it until the time has really come:
 * libuv's loop clock may run a few milliseconds behind. */
uint64_t farm_ms_until(uint64_t due_ns);
/* JSON counters for camera `cam`, or the totals when cam < 0.
 * Returns bytes written or -ENOSPC. */
int farm_stats_json(const struct farm *f, int cam, char *out, size_t cap);

#endif
