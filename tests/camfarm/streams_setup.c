/* Start-up of the platform streams: options, which sockets the fleet
 * needs, loading the clips' FLV and MPEG-TS forms, the ready line's
 * words. */
#include "streams.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int split(const char *s, char *ip, size_t cap, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= cap)
        return -EINVAL;
    memcpy(ip, s, (size_t)(colon - s));
    ip[colon - s] = 0;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || p < 0 || p > 65535)
        return -EINVAL;
    *port = (int)p;
    return 0;
}

void stream_opts_set(struct stream_opts *o, int proto, const char *addr)
{
    if (proto == PROTO_RTMP) {
        o->rtmp_addr = addr;
        o->rtmp_given = true;
    } else {
        o->http_addr = addr;
        o->http_given = true;
    }
}

int stream_opts_check(struct stream_opts *o)
{
    if (split(o->http_addr, o->http_ip, sizeof(o->http_ip), &o->http_port) < 0 ||
        split(o->rtmp_addr, o->rtmp_ip, sizeof(o->rtmp_ip), &o->rtmp_port) < 0)
        return -EINVAL;
    return 0;
}

int stream_serve(struct streams *s, struct media_set *media, struct farm *farm,
                 const char *clips_dir, const struct stream_opts *o)
{
    uint32_t http = 0, rtmp = 0;
    for (uint32_t i = 0; i < farm->fleet->count; i++) {
        uint8_t p = farm->fleet->cams[i].proto;
        http += p == PROTO_HLS || p == PROTO_FLV;
        rtmp += p == PROTO_RTMP;
    }
    bool want_http = http || o->http_given, want_rtmp = rtmp || o->rtmp_given;
    media->flv_fallback = -1;
    streams_init(s, farm, media);
    if (!want_http && !want_rtmp)
        return 0; /* an RTSP-only fleet binds nothing more */
    char err[4600];
    int rc = 0;
    /* Sockets named for an RTSP-only fleet serve nobody: no clips to load. */
    if ((http || rtmp) &&
        (rc = media_set_load(media, farm->clips, clips_dir, err, sizeof(err))) < 0) {
        fprintf(stderr, "camfarm: %s\n", err);
        return rc;
    }
    if (want_http && (rc = streams_listen(s, PROTO_HLS, o->http_ip, o->http_port)) < 0) {
        fprintf(stderr, "camfarm: HTTP socket %s: %s (port in use? choose --http-listen)\n",
                o->http_addr, uv_strerror(rc));
        return rc;
    }
    if (want_rtmp && (rc = streams_listen(s, PROTO_RTMP, o->rtmp_ip, o->rtmp_port)) < 0) {
        fprintf(stderr, "camfarm: RTMP socket %s: %s (port in use? choose --rtmp-listen)\n",
                o->rtmp_addr, uv_strerror(rc));
        return rc;
    }
    farm->drop_hook = streams_drop_camera;
    farm->drop_hook_arg = s;
    return 0;
}

void stream_ready_words(const struct streams *s, const struct stream_opts *o, char *out, size_t cap)
{
    int n = 0;
    if (s->http_open && n >= 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, " http=%s:%u", o->http_ip, s->http_port);
    if (s->rtmp_open && n >= 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, " rtmp=%s:%u", o->rtmp_ip, s->rtmp_port);
    if (n >= 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, "\n");
}
