/* Pure parts of camfarm's platform streams: the HTTP request parser and its
 * limits, platform URLs, the live HLS playlist and its segment names, the
 * FLV index of every clip and the timestamp rewriting that makes a looped
 * clip one live stream. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clip.h"
#include "fleet.h"
#include "http_req.h"
#include "media.h"
#include "stream_url.h"

/* ---- HTTP requests ---- */

static const char get_text[] = "GET /live/34010000001320000001.flv?token=x HTTP/1.1\r\n"
                               "Host: 127.1.0.3:8080\r\n"
                               "Authorization: Basic YWRtaW46cHc=\r\n"
                               "Connection: keep-alive\r\n"
                               "\r\n";

Test(http_req, request_line_and_headers)
{
    struct http_req r;
    cr_assert_eq(http_req_parse(get_text, strlen(get_text), &r), (int)strlen(get_text));
    cr_expect_eq(r.method.len, 3);
    cr_expect(strncmp(r.target.p, "/live/34010000001320000001.flv?token=x", r.target.len) == 0);
    cr_expect_eq(r.path.len, strlen("/live/34010000001320000001.flv"));
    cr_expect(strncmp(r.authorization.p, "Basic YWRtaW46cHc=", r.authorization.len) == 0);
    cr_expect_eq(r.minor, 1);
    cr_expect(r.keep_alive);
}

Test(http_req, every_prefix_needs_more)
{
    struct http_req r;
    for (size_t n = 0; n < strlen(get_text); n++)
        cr_expect_eq(http_req_parse(get_text, n, &r), 0, "prefix of %zu bytes", n);
}

Test(http_req, connection_persistence_follows_the_version)
{
    struct http_req r;
    const char *close11 = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
    const char *plain10 = "GET / HTTP/1.0\r\n\r\n";
    const char *keep10 = "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
    cr_assert_gt(http_req_parse(close11, strlen(close11), &r), 0);
    cr_expect_not(r.keep_alive);
    cr_assert_gt(http_req_parse(plain10, strlen(plain10), &r), 0);
    cr_expect_not(r.keep_alive);
    cr_assert_gt(http_req_parse(keep10, strlen(keep10), &r), 0);
    cr_expect(r.keep_alive);
}

Test(http_req, body_is_waited_for_and_consumed)
{
    struct http_req r;
    const char *post = "POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcdGET";
    size_t head = strlen(post) - 7;
    cr_expect_eq(http_req_parse(post, head + 3, &r), 0);
    cr_expect_eq(http_req_parse(post, strlen(post), &r), (int)head + 4);
}

Test(http_req, limits_and_garbage)
{
    struct http_req r;
    static char big[HTTP_REQ_HEAD_MAX + 64];
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET /", 5);
    cr_expect_eq(http_req_parse(big, sizeof(big), &r), -EMSGSIZE, "a head with no end");
    char uri[HTTP_REQ_TARGET_MAX + 64];
    snprintf(uri, sizeof(uri), "GET /%0*d HTTP/1.1\r\n\r\n", HTTP_REQ_TARGET_MAX, 0);
    cr_expect_eq(http_req_parse(uri, strlen(uri), &r), -EMSGSIZE, "target too long");
    char many[4096] = "GET / HTTP/1.1\r\n";
    for (int i = 0; i <= HTTP_REQ_HEADERS_MAX; i++)
        strcat(many, "X-A: b\r\n");
    strcat(many, "\r\n");
    cr_expect_eq(http_req_parse(many, strlen(many), &r), -EMSGSIZE, "too many headers");
    const char *bad[] = {
        "OPTIONS rtsp://127.1.0.1/a RTSP/1.0\r\n\r\n", /* RTSP, not HTTP */
        "GET /a HTTP/2.0\r\n\r\n",
        "GET http://127.1.0.1/a HTTP/1.1\r\n\r\n", /* absolute form: not from a media client */
        "\x16\x03\x01\x02\xfe\x01\r\n\r\n",        /* a TLS hello */
        "GET /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /a HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        "GET /a HTTP/1.1\r\nNo colon here\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(http_req_parse(bad[i], strlen(bad[i]), &r), -EBADMSG, "%s", bad[i]);
    const char *huge_body = "GET /a HTTP/1.1\r\nContent-Length: 4097\r\n\r\n";
    cr_expect_eq(http_req_parse(huge_body, strlen(huge_body), &r), -EMSGSIZE);
}

/* ---- platform URLs and playlists ---- */

Test(stream_url, protocol_by_scheme_and_file)
{
    cr_expect_eq(stream_url_proto("rtsp://127.1.0.1:8554/a"), PROTO_RTSP);
    cr_expect_eq(stream_url_proto("http://127.1.0.1:8080/hls/1.m3u8"), PROTO_HLS);
    cr_expect_eq(stream_url_proto("HTTP://127.1.0.1:8080/hls/1.M3U8?t=1"), PROTO_HLS);
    cr_expect_eq(stream_url_proto("http://127.1.0.1:8080/live/1.flv"), PROTO_FLV);
    cr_expect_eq(stream_url_proto("rtmp://127.1.0.1:1935/live/1"), PROTO_RTMP);
    cr_expect_eq(stream_url_proto("http://127.1.0.1:8080/index.html"), -ENOENT);
    cr_expect_eq(stream_url_proto("https://127.1.0.1/hls/1.m3u8"), -ENOENT);
}

Test(stream_url, fleet_loads_platform_cameras)
{
    char path[] = "/tmp/camfarm-streams-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *csv = "id,url\nA1,http://127.1.0.1:8080/hls/A1.m3u8\n"
                      "A2,http://127.1.0.2:8080/live/A2.flv\nA3,rtmp://127.1.0.3:1935/live/A3\n"
                      "A4,rtsp://admin:pw@127.1.0.4:8554/Streaming/Channels/101\n";
    cr_assert_eq(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
    close(fd);
    struct fleet f;
    struct fleet_defaults d = {.max_sessions = 4, .clip_h265 = -1, .clip_hd = -1};
    char err[512];
    fleet_init(&f);
    int rc = fleet_load_csv(&f, path, &d, err, sizeof(err));
    unlink(path);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(f.count, 4);
    cr_expect_eq(f.cams[0].proto, PROTO_HLS);
    cr_expect_str_eq(fleet_str(&f, f.cams[0].path), "/hls/A1.m3u8");
    cr_expect_eq(f.cams[1].proto, PROTO_FLV);
    cr_expect_eq(f.cams[2].proto, PROTO_RTMP);
    cr_expect_str_eq(fleet_str(&f, f.cams[2].path), "/live/A3");
    cr_expect_eq(f.cams[2].ip, (127u << 24) | (1u << 16) | 3);
    cr_expect_eq(f.cams[3].proto, PROTO_RTSP);
    cr_expect_eq(f.skipped, 0);
    fleet_free(&f);
}

Test(hls, playlist_slides_with_its_media_sequence)
{
    char out[1024];
    int n = hls_playlist(out, sizeof(out), "CAM", 3, 41, 1000);
    cr_assert_gt(n, 0);
    cr_expect(strstr(out, "#EXTM3U\n") == out, "%s", out);
    cr_expect(strstr(out, "#EXT-X-TARGETDURATION:1\n") != NULL, "%s", out);
    cr_expect(strstr(out, "#EXT-X-MEDIA-SEQUENCE:41\n") != NULL, "%s", out);
    cr_expect(strstr(out, "#EXTINF:1.000,\nCAM-41.ts\n") != NULL, "%s", out);
    char last[32];
    snprintf(last, sizeof(last), "CAM-%d.ts\n", 41 + HLS_WINDOW - 1);
    cr_expect(strstr(out, last) != NULL, "%s", out);
    cr_expect(strstr(out, "#EXT-X-ENDLIST") == NULL, "a live playlist has no end");
    cr_expect_eq(hls_playlist(out, 40, "CAM", 3, 41, 1000), -ENOSPC);
}

Test(hls, segment_names_parse_back)
{
    uint64_t seq = 0;
    const char *pl = "/hls/CAM1.m3u8";
    cr_expect_eq(hls_segment_seq(pl, "/hls/CAM1-42.ts", 15, &seq), 0);
    cr_expect_eq(seq, 42);
    const char *bad[] = {"/hls/CAM1-.ts",   "/hls/CAM2-1.ts", "/hls/CAM1-1x.ts",
                         "/hls/CAM1-1.mp4", "/hls/CAM1.m3u8", "/hls/CAM1-1234567890123456.ts"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(hls_segment_seq(pl, bad[i], strlen(bad[i]), &seq), -ENOENT, "%s", bad[i]);
}

/* ---- media ---- */

static struct clip_set clips;
static struct media_set media;

static void load_media(void)
{
    char err[4600];
    cr_assert_eq(clip_set_load(&clips, CAMFARM_CLIPS, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(media_set_load(&media, &clips, CAMFARM_CLIPS, err, sizeof(err)), 0, "%s", err);
}

static void free_media(void)
{
    media_set_free(&media);
    clip_set_free(&clips);
}

Test(media, every_h264_clip_has_flv_tags_one_per_frame, .init = load_media, .fini = free_media)
{
    for (int k = 0; k < clips.count; k++) {
        const struct clip *c = &clips.clips[k];
        const struct media *m = &media.m[k];
        cr_expect_geq(m->n_seg, 2, "%s: MPEG-TS segments", c->name);
        cr_expect_eq(m->seg_ms, 1000);
        if (c->codec == CLIP_H265) {
            cr_expect_null(m->flv.data, "%s: FLV has no H.265 in FFmpeg 5.1", c->name);
            cr_expect_eq(media_flv_of(&media, k), &media.m[clip_find(&clips, "normal")].flv);
            continue;
        }
        cr_assert_not_null(m->flv.data, "%s", c->name);
        cr_expect_eq(m->flv.n_tags, c->n_aus, "%s: one tag per picture", c->name);
        cr_expect(m->flv.tags[0].keyframe, "%s: the loop starts on a keyframe", c->name);
        cr_expect_eq(m->flv.loop_ms, 2000, "%s", c->name);
        cr_expect_gt(m->flv.prefix, 13, "%s: header and decoder configuration", c->name);
        for (size_t i = 1; i < m->flv.n_tags; i++)
            cr_expect_gt(m->flv.tags[i].ts, m->flv.tags[i - 1].ts, "%s tag %zu", c->name, i);
    }
}

Test(media, flv_index_refuses_what_is_not_flv)
{
    struct media_flv m = {0};
    uint8_t junk[64] = "FLV\x01\x01\x00\x00\x00\x09\0\0\0\0\x09\xff\xff\xff";
    m.data = junk;
    m.size = sizeof(junk);
    cr_expect_eq(media_flv_index(&m, 25), -EINVAL, "a tag running past the end");
    free(m.tags);
    memset(&m, 0, sizeof(m));
    m.data = (uint8_t *)"GIF89a..............";
    m.size = 20;
    cr_expect_eq(media_flv_index(&m, 25), -EINVAL);
    free(m.tags);
}

Test(media, flv_timestamps_take_32_bits)
{
    uint8_t head[FLV_TAG_HEAD] = {9};
    flv_tag_set_ts(head, 0x12345678);
    cr_expect_eq(head[4], 0x34);
    cr_expect_eq(head[5], 0x56);
    cr_expect_eq(head[6], 0x78);
    cr_expect_eq(head[7], 0x12, "the extended byte holds the top 8 bits");
}

/* Every PTS of a segment, in order. */
static size_t segment_pts(const uint8_t *seg, size_t len, uint64_t *pts, size_t cap)
{
    size_t n = 0;
    for (size_t off = 0; off + TS_PACKET <= len && n < cap; off += TS_PACKET) {
        const uint8_t *p = seg + off;
        size_t pos = (p[3] & 0x20) ? 5u + p[4] : 4u;
        if (!(p[1] & 0x40) || pos + 14 > TS_PACKET)
            continue;
        const uint8_t *e = p + pos;
        if (e[0] || e[1] || e[2] != 1 || e[3] < 0xc0 || !(e[7] & 0x80))
            continue;
        pts[n++] = ((uint64_t)(e[9] >> 1) & 7) << 30 | (uint64_t)e[10] << 22 |
                   (uint64_t)(e[11] >> 1) << 15 | (uint64_t)e[12] << 7 | (e[13] >> 1);
    }
    return n;
}

Test(media, ts_shift_moves_every_timestamp_by_one_loop, .init = load_media, .fini = free_media)
{
    const struct media *m = &media.m[clip_find(&clips, "normal")];
    uint8_t *copy = malloc(m->seg_len[0]);
    cr_assert_not_null(copy);
    memcpy(copy, m->seg[0], m->seg_len[0]);
    static uint64_t before[256], after[256];
    size_t n = segment_pts(m->seg[0], m->seg_len[0], before, 256);
    cr_assert_eq(n, 25, "one PES per picture in a second of 25 fps");
    cr_assert_eq(ts_shift(copy, m->seg_len[0], 180000), 0);
    cr_assert_eq(segment_pts(copy, m->seg_len[0], after, 256), n);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(after[i], before[i] + 180000, "picture %zu", i);
    /* Timestamps wrap at 33 bits, as MPEG-TS clocks do. */
    memcpy(copy, m->seg[0], m->seg_len[0]);
    cr_assert_eq(ts_shift(copy, m->seg_len[0], (1ull << 33) - before[0]), 0);
    segment_pts(copy, m->seg_len[0], after, 256);
    cr_expect_eq(after[0], 0);
    copy[TS_PACKET] = 0;
    cr_expect_eq(ts_shift(copy, m->seg_len[0], 1), -EINVAL, "a packet without its sync byte");
    free(copy);
}

/* ---- RTMP chunks and AMF0 ---- */

#include "rtmp_proto.h"

/* A "connect" command as a client sends it: chunk size 128, so it spans
 * chunks. */
static size_t client_connect(uint8_t *out, size_t cap)
{
    uint8_t body[512];
    struct amf_buf b = {body, 0, sizeof(body), false};
    amf0_put_string(&b, "connect");
    amf0_put_number(&b, 1);
    amf0_put_object_start(&b);
    amf0_put_prop_string(&b, "app", "live");
    amf0_put_prop_string(&b, "flashVer", "LNX 9,0,124,2");
    amf0_put_prop_string(&b, "tcUrl", "rtmp://127.1.0.9:1935/live");
    amf0_put_prop_number(&b, "capabilities", 15);
    amf0_put_prop_string(&b, "pageUrl",
                         "http://127.1.0.9/platform/player/live/34010000001320000009");
    amf0_put_object_end(&b);
    cr_assert_not(b.overflow);
    cr_assert_gt(b.len, 128, "long enough to span chunks");
    size_t o = 0;
    for (size_t off = 0; off < b.len; off += 128) {
        if (off == 0) {
            uint8_t h[12] = {3,
                             0,
                             0,
                             0,
                             (uint8_t)(b.len >> 16),
                             (uint8_t)(b.len >> 8),
                             (uint8_t)b.len,
                             RTMP_COMMAND_AMF0,
                             0,
                             0,
                             0,
                             0};
            memcpy(out + o, h, sizeof(h));
            o += sizeof(h);
        } else {
            out[o++] = 0xc3;
        }
        size_t n = b.len - off < 128 ? b.len - off : 128;
        memcpy(out + o, body + off, n);
        o += n;
    }
    cr_assert_leq(o, cap);
    return o;
}

Test(rtmp, a_command_in_chunks_reads_back)
{
    static uint8_t buf[1024];
    static struct rtmp_rx rx;
    size_t len = client_connect(buf, sizeof(buf));
    rtmp_rx_init(&rx);
    size_t off = 0;
    struct rtmp_msg m;
    bool done = false;
    int chunks = 0;
    while (!done) {
        int n = rtmp_chunk_parse(&rx, buf + off, len - off, &m, &done);
        cr_assert_gt(n, 0, "chunk %d", chunks);
        off += (size_t)n;
        chunks++;
    }
    cr_expect_eq(off, len);
    cr_expect_gt(chunks, 1);
    cr_expect_eq(m.type, RTMP_COMMAND_AMF0);
    const uint8_t *p = m.data, *end = m.data + m.len;
    char name[32], app[32];
    double txn = 0;
    cr_assert_eq(amf0_read_string(&p, end, name, sizeof(name)), 0);
    cr_expect_str_eq(name, "connect");
    cr_assert_eq(amf0_read_number(&p, end, &txn), 0);
    cr_expect(txn == 1.0);
    cr_assert_eq(amf0_object_string(p, end, "app", app, sizeof(app)), 0);
    cr_expect_str_eq(app, "live");
    cr_expect_eq(amf0_object_string(p, end, "nope", app, sizeof(app)), -ENOENT);
    cr_expect_eq(amf0_skip(&p, end), 0);
    cr_expect(p == end, "the object skips whole");
}

Test(rtmp, every_prefix_needs_more)
{
    static uint8_t buf[1024];
    static struct rtmp_rx rx;
    size_t len = client_connect(buf, sizeof(buf));
    /* The first chunk: 12 bytes of header and 128 of payload. */
    for (size_t n = 0; n < 12 + 128; n++) {
        struct rtmp_msg m;
        bool done;
        rtmp_rx_init(&rx);
        cr_expect_eq(rtmp_chunk_parse(&rx, buf, n, &m, &done), 0, "prefix of %zu", n);
        cr_expect_not(done);
    }
    (void)len;
}

Test(rtmp, written_chunks_parse_back_after_set_chunk_size)
{
    static uint8_t payload[10000], out[11000];
    static struct rtmp_rx rx;
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 7);
    rtmp_rx_init(&rx);
    /* The reader takes at most RTMP_MSG_MAX: check framing with a message
     * that fits, after the client's Set Chunk Size. */
    uint8_t set[4] = {0, 0, 0x10, 0};
    int n = rtmp_chunk_write(out, sizeof(out), 2, RTMP_SET_CHUNK_SIZE, 0, 0, set, 4);
    cr_assert_gt(n, 0);
    int m = rtmp_chunk_write(out + n, sizeof(out) - (size_t)n, 6, RTMP_COMMAND_AMF0, 0x1000000, 1,
                             payload, 4096);
    cr_assert_gt(m, 0);
    struct rtmp_msg msg;
    bool done;
    size_t off = 0;
    cr_assert_eq(rtmp_chunk_parse(&rx, out, (size_t)n, &msg, &done), n);
    cr_expect(done);
    cr_expect_eq(rx.chunk_size, 4096);
    cr_assert_eq(rtmp_chunk_parse(&rx, out + n, (size_t)m, &msg, &done), m,
                 "one chunk of 4096 with an extended timestamp");
    cr_expect(done);
    cr_expect_eq(msg.ts, 0x1000000);
    cr_expect_eq(msg.sid, 1);
    cr_expect_eq(memcmp(msg.data, payload, 4096), 0);
    (void)off;
    /* A long message is written as RTMP_OUT_CHUNK pieces. */
    int big = rtmp_chunk_write(out, sizeof(out), 6, RTMP_VIDEO, 40, 1, payload, sizeof(payload));
    cr_assert_gt(big, 0);
    cr_expect_eq((size_t)big, sizeof(payload) + 12 + 2, "two continuation headers");
    cr_expect_eq(out[12 + RTMP_OUT_CHUNK], 0xc6);
    cr_expect_eq(rtmp_chunk_write(out, 100, 6, RTMP_VIDEO, 0, 1, payload, 200), -ENOSPC);
}

Test(rtmp, limits_and_garbage)
{
    static struct rtmp_rx rx;
    struct rtmp_msg m;
    bool done;
    uint8_t big[12] = {3, 0, 0, 0, 0, 0x20, 0x01, RTMP_COMMAND_AMF0, 0, 0, 0, 0}; /* 8193 bytes */
    rtmp_rx_init(&rx);
    cr_expect_eq(rtmp_chunk_parse(&rx, big, sizeof(big), &m, &done), -EMSGSIZE);
    uint8_t compressed[4] = {0x43, 0, 0, 0}; /* format 1 with no header before */
    rtmp_rx_init(&rx);
    cr_expect_eq(rtmp_chunk_parse(&rx, compressed, sizeof(compressed), &m, &done), -EPROTO);
    uint8_t wide[3] = {0x00, 10, 0}; /* chunk stream 74: two-byte basic header */
    cr_expect_eq(rtmp_chunk_parse(&rx, wide, sizeof(wide), &m, &done), -EPROTO);
    uint8_t set[16] = {2, 0, 0, 0, 0, 0, 4, RTMP_SET_CHUNK_SIZE, 0, 0, 0, 0, 0x7f, 0, 0, 0};
    rtmp_rx_init(&rx);
    cr_expect_eq(rtmp_chunk_parse(&rx, set, sizeof(set), &m, &done), -EMSGSIZE,
                 "a chunk size beyond 4 KiB");
    /* Interleaving: a new message on another chunk stream before the first
     * one ended. */
    static uint8_t buf[1024];
    size_t len = client_connect(buf, sizeof(buf));
    rtmp_rx_init(&rx);
    int n = rtmp_chunk_parse(&rx, buf, len, &m, &done);
    cr_assert_gt(n, 0);
    cr_assert_not(done);
    uint8_t other[13] = {4, 0, 0, 0, 0, 0, 1, RTMP_COMMAND_AMF0, 0, 0, 0, 0, 5};
    cr_expect_eq(rtmp_chunk_parse(&rx, other, sizeof(other), &m, &done), -EPROTO);
    /* AMF0: truncated values and nesting beyond the limit. */
    const uint8_t trunc[] = {2, 0, 10, 'a', 'b'};
    const uint8_t *p = trunc;
    char s[32];
    cr_expect_eq(amf0_read_string(&p, trunc + sizeof(trunc), s, sizeof(s)), -EBADMSG);
    uint8_t deep[64];
    memset(deep, 3, sizeof(deep)); /* objects nested 64 deep, each "" : object */
    for (size_t i = 0; i + 3 <= sizeof(deep); i += 3) {
        deep[i] = 0;
        deep[i + 1] = 0;
        deep[i + 2] = 3;
    }
    uint8_t nest[65] = {3};
    memcpy(nest + 1, deep, sizeof(deep));
    p = nest;
    cr_expect_eq(amf0_skip(&p, nest + sizeof(nest)), -EBADMSG);
}
