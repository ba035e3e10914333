/* camfarm's platform streams: one HTTP socket (HLS and HTTP-FLV cameras)
 * and one RTMP socket for the whole fleet, cameras told apart by the
 * connection's local address as on the RTSP socket. Shares the fleet, the
 * clips and the counters of the RTSP farm. */
#ifndef CAMFARM_STREAMS_H
#define CAMFARM_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "media.h"
#include "server.h"

struct sconn;

struct streams {
    /* public, read-only */
    uint16_t http_port, rtmp_port; /* bound, 0 when that socket is closed */
    /* private */
    uv_loop_t *loop;
    struct farm *farm;
    const struct media_set *media;
    uv_tcp_t http, rtmp;
    int http_open, rtmp_open;
    struct sconn *conns; /* every open connection, for kill and shutdown */
    uint8_t *scratch;    /* one tag as RTMP chunks */
    size_t scratch_cap;
    char rdbuf[65536]; /* shared read buffer: libuv reads into it synchronously */
};

void streams_init(struct streams *s, struct farm *farm, const struct media_set *media);
/* Binds ip:port (port 0 picks one) for HTTP (proto PROTO_HLS) or RTMP
 * (PROTO_RTMP) and starts accepting. Returns 0 or a libuv error. */
int streams_listen(struct streams *s, int proto, const char *ip, int port);
/* Resets every connection of camera `cam` (kill, mode). */
void streams_drop_camera(void *s, int cam);
/* Closes the listeners and every connection. */
void streams_close(struct streams *s);

/* Where the HTTP and RTMP sockets listen (main.c's options). */
struct stream_opts {
    const char *http_addr, *rtmp_addr; /* IP:PORT as given */
    bool http_given, rtmp_given;       /* named on the command line */
    char http_ip[64], rtmp_ip[64];
    int http_port, rtmp_port;
};

/* The ports `camdex generate` writes into HLS, HTTP-FLV and RTMP URLs. */
#define STREAM_OPTS_DEFAULT                                                                        \
    {                                                                                              \
        .http_addr = "0.0.0.0:8080", .rtmp_addr = "0.0.0.0:1935"                                   \
    }

void stream_opts_set(struct stream_opts *o, int proto, const char *addr);
/* Splits the addresses. Returns 0 or -EINVAL. */
int stream_opts_check(struct stream_opts *o);
/* Opens each socket the fleet needs (it has cameras of that kind) or the
 * command line names, after loading the clips' stream forms from
 * clips_dir. Returns 0, or a negative errno once it has said why on
 * stderr. */
int stream_serve(struct streams *s, struct media_set *media, struct farm *farm,
                 const char *clips_dir, const struct stream_opts *o);
/* " http=IP:PORT rtmp=IP:PORT\n" for the sockets open, into out. */
void stream_ready_words(const struct streams *s, const struct stream_opts *o, char *out,
                        size_t cap);

#endif
