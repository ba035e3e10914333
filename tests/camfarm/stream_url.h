/* The platform stream URLs camfarm serves besides RTSP (HLS, HTTP-FLV,
 * RTMP): which protocol a URL speaks, and the live HLS playlist's text. */
#ifndef CAMFARM_STREAM_URL_H
#define CAMFARM_STREAM_URL_H

#include <stddef.h>
#include <stdint.h>

/* PROTO_RTSP for rtsp://, PROTO_HLS for http://….m3u8, PROTO_FLV for
 * http://….flv (query ignored), PROTO_RTMP for rtmp://; -ENOENT for any
 * other URL. */
int stream_url_proto(const char *url);

/* Segments a live playlist lists at a time. */
#define HLS_WINDOW 4

/* Writes a live HLS playlist of HLS_WINDOW segments starting at media
 * sequence `first`, each seg_ms long, named "<stem>-<N>.ts" (stem: the
 * playlist's file name without ".m3u8"). Returns its length or -ENOSPC. */
int hls_playlist(char *out, size_t cap, const char *stem, size_t stem_len, uint64_t first,
                 unsigned seg_ms);

/* Parses a segment name "<stem>-<N>.ts" against the camera's playlist
 * path ("/hls/ID.m3u8"). Returns 0 and sets *seq, or -ENOENT. */
int hls_segment_seq(const char *playlist_path, const char *path, size_t len, uint64_t *seq);

#endif
