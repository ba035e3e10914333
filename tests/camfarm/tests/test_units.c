/* camfarm's pure parts without sockets: request parser and its limits,
 * session rules, packetizer, clip splitting, fault mix, fleet loading,
 * authentication, the benchmark clients' reply check. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "bench_reply.h"
#include "clip.h"
#include "faults.h"
#include "fleet.h"
#include "packetizer.h"
#include "rtsp_req.h"
#include "session.h"

/* ---- request parser ---- */

static const char req_text[] =
    "DESCRIBE rtsp://127.1.0.5:8554/Streaming/Channels/101 RTSP/1.0\r\n"
    "CSeq: 7\r\n"
    "Session: 12345678;timeout=60\r\n"
    "Authorization: Digest username=\"admin\", realm=\"IP Camera(A00001)\"\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "abcd";

Test(parser, whole_request_fields)
{
    struct rtsp_req r;
    int n = rtsp_req_parse(req_text, sizeof(req_text) - 1, &r);
    cr_assert_eq(n, (int)sizeof(req_text) - 1);
    cr_expect_eq(r.kind, RTSP_KIND_REQUEST);
    cr_expect_eq(r.method, RTSP_M_DESCRIBE);
    cr_expect_eq(r.cseq, 7);
    cr_expect(r.uri.len == 44 &&
              memcmp(r.uri.p, "rtsp://127.1.0.5:8554/Streaming/Channels/101", 44) == 0);
    cr_expect(r.session.len == 8 && memcmp(r.session.p, "12345678", 8) == 0);
    cr_expect(r.body.len == 4 && memcmp(r.body.p, "abcd", 4) == 0);
    struct rtsp_span v;
    cr_assert_eq(rtsp_param(r.authorization, "realm", &v), 0);
    cr_expect(v.len == 17 && memcmp(v.p, "IP Camera(A00001)", 17) == 0);
    cr_expect_eq(rtsp_param(r.authorization, "nonce", &v), -ENOENT);
}

Test(parser, every_prefix_needs_more)
{
    struct rtsp_req r;
    for (size_t len = 0; len < sizeof(req_text) - 1; len++)
        cr_assert_eq(rtsp_req_parse(req_text, len, &r), 0, "prefix of %zu bytes", len);
}

Test(parser, pipelined_requests_parse_one_at_a_time)
{
    const char two[] = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 2\r\n\r\n";
    struct rtsp_req r;
    int n = rtsp_req_parse(two, sizeof(two) - 1, &r);
    cr_assert_eq(n, (int)(sizeof(two) - 1) / 2);
    cr_expect_eq(r.cseq, 1);
    cr_assert_eq(rtsp_req_parse(two + n, sizeof(two) - 1 - (size_t)n, &r), n);
    cr_expect_eq(r.cseq, 2);
}

Test(parser, interleaved_frames_are_skipped_whole)
{
    const char f[] = "$\x01\x00\x03xyzOPTIONS";
    struct rtsp_req r;
    cr_expect_eq(rtsp_req_parse(f, 6, &r), 0);
    cr_assert_eq(rtsp_req_parse(f, sizeof(f) - 1, &r), 7);
    cr_expect_eq(r.kind, RTSP_KIND_INTERLEAVED);
}

Test(parser, limits_and_garbage)
{
    struct rtsp_req r;
    char *big = malloc(RTSP_REQ_HEAD_MAX + 100);
    memset(big, 'a', RTSP_REQ_HEAD_MAX + 100);
    memcpy(big, "OPTIONS * RTSP/1.0\r\nX: ", 23);
    cr_expect_eq(rtsp_req_parse(big, RTSP_REQ_HEAD_MAX + 100, &r), -EMSGSIZE, "endless head");
    free(big);
    cr_expect_eq(rtsp_req_parse("\x16\x03\x01\x00", 4, &r), -EBADMSG, "TLS hello");
    cr_expect_eq(rtsp_req_parse("GET / HTTP/1.1\r\n\r\n", 18, &r), -EBADMSG, "HTTP");
    const char cl[] = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 99999\r\n\r\n";
    cr_expect_eq(rtsp_req_parse(cl, sizeof(cl) - 1, &r), -EMSGSIZE, "body too large");
    const char cs[] = "OPTIONS * RTSP/1.0\r\nCSeq: 12x\r\n\r\n";
    cr_expect_eq(rtsp_req_parse(cs, sizeof(cs) - 1, &r), -EBADMSG, "CSeq not a number");
    char many[4096];
    size_t n = (size_t)sprintf(many, "OPTIONS * RTSP/1.0\r\n");
    for (int i = 0; i < RTSP_REQ_HEADERS_MAX + 2; i++)
        n += (size_t)sprintf(many + n, "X-%d: y\r\n", i);
    n += (size_t)sprintf(many + n, "\r\n");
    cr_expect_eq(rtsp_req_parse(many, n, &r), -EMSGSIZE, "too many headers");
}

Test(parser, unknown_method_is_parsed_not_rejected)
{
    const char m[] = "FROB rtsp://x/ RTSP/1.0\r\nCSeq: 3\r\n\r\n";
    struct rtsp_req r;
    cr_assert_gt(rtsp_req_parse(m, sizeof(m) - 1, &r), 0);
    cr_expect_eq(r.method, RTSP_M_UNKNOWN);
    cr_expect_str_eq(rtsp_method_name(RTSP_M_GET_PARAMETER), "GET_PARAMETER");
}

/* ---- session rules ---- */

Test(session, transitions_follow_rfc2326)
{
    enum sess_state s;
    cr_expect_eq(sess_next(SESS_INIT, RTSP_M_PLAY, &s), -EPROTO);
    cr_assert_eq(sess_next(SESS_INIT, RTSP_M_SETUP, &s), 0);
    cr_expect_eq(s, SESS_READY);
    cr_assert_eq(sess_next(SESS_READY, RTSP_M_PLAY, &s), 0);
    cr_expect_eq(s, SESS_PLAYING);
    cr_expect_eq(sess_next(SESS_PLAYING, RTSP_M_SETUP, &s), -EPROTO);
    cr_assert_eq(sess_next(SESS_PLAYING, RTSP_M_GET_PARAMETER, &s), 0);
    cr_expect_eq(s, SESS_PLAYING);
    cr_assert_eq(sess_next(SESS_PLAYING, RTSP_M_PAUSE, &s), 0);
    cr_expect_eq(s, SESS_READY);
    cr_assert_eq(sess_next(SESS_PLAYING, RTSP_M_TEARDOWN, &s), 0);
    cr_expect_eq(s, SESS_INIT);
    cr_expect_eq(sess_next(SESS_READY, RTSP_M_RECORD, &s), -EPROTO);
    for (int i = 0; i < CONN_STATE_COUNT; i++)
        cr_expect_str_neq(conn_state_name((enum conn_state)i), "invalid");
    cr_expect_str_eq(sess_state_name(SESS_PLAYING), "playing");
}

/* ---- clips and packetizer ---- */

/* Builds "00 00 00 01 NAL" units into buf; returns its length. */
static size_t annexb(uint8_t *buf, const uint8_t *const *nals, const size_t *lens, int n)
{
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        memcpy(buf + off, "\0\0\0\1", 4);
        memcpy(buf + off + 4, nals[i], lens[i]);
        off += 4 + lens[i];
    }
    return off;
}

static uint8_t *fill_nal(size_t len, uint8_t h0, uint8_t h1, int hdr)
{
    uint8_t *n = malloc(len);
    for (size_t i = 0; i < len; i++)
        n[i] = (uint8_t)(0x10 + i % 200); /* never 0x00: no false start codes */
    n[0] = h0;
    if (hdr == 2)
        n[1] = h1;
    n[hdr] |= 0x80; /* first slice of a picture */
    return n;
}

/* Reassembles the NAL units carried by interleaved packets in out. */
static size_t depacketize(const uint8_t *out, size_t len, int h265, uint8_t *nal_out,
                          size_t *nal_lens, int *n_nals, int *markers)
{
    size_t o = 0, p = 0;
    *n_nals = 0;
    *markers = 0;
    uint16_t seq = 0;
    int first = 1;
    while (p < len) {
        cr_assert_eq(out[p], '$');
        size_t plen = ((size_t)out[p + 2] << 8) | out[p + 3];
        const uint8_t *rtp = out + p + 4;
        uint16_t s = (uint16_t)(rtp[2] << 8 | rtp[3]);
        if (!first)
            cr_assert_eq(s, (uint16_t)(seq + 1));
        first = 0;
        seq = s;
        if (rtp[1] & 0x80)
            (*markers)++;
        const uint8_t *pl = rtp + 12;
        size_t pll = plen - 12;
        cr_assert_leq(pll, PKT_MTU_PAYLOAD);
        int type = h265 ? (pl[0] >> 1) & 0x3f : pl[0] & 0x1f;
        if ((!h265 && type == 28) || (h265 && type == 49)) {
            size_t fh = h265 ? 2 : 1;
            uint8_t fu = pl[fh];
            if (fu & 0x80) {
                nal_lens[*n_nals] = 0;
                if (h265) {
                    nal_out[o++] = (uint8_t)((pl[0] & 0x81) | ((fu & 0x3f) << 1));
                    nal_out[o++] = pl[1];
                    nal_lens[*n_nals] = 2;
                } else {
                    nal_out[o++] = (uint8_t)((pl[0] & 0xe0) | (fu & 0x1f));
                    nal_lens[*n_nals] = 1;
                }
            }
            memcpy(nal_out + o, pl + fh + 1, pll - fh - 1);
            o += pll - fh - 1;
            nal_lens[*n_nals] += pll - fh - 1;
            if (fu & 0x40)
                (*n_nals)++;
        } else {
            memcpy(nal_out + o, pl, pll);
            o += pll;
            nal_lens[(*n_nals)++] = pll;
        }
        p += 4 + plen;
    }
    return o;
}

static void roundtrip(enum clip_codec codec)
{
    int h265 = codec == CLIP_H265;
    size_t lens[4];
    uint8_t *nals[4];
    int n;
    if (h265) {
        nals[0] = fill_nal(lens[0] = 24, 32 << 1, 1, 2);   /* VPS */
        nals[1] = fill_nal(lens[1] = 40, 33 << 1, 1, 2);   /* SPS */
        nals[2] = fill_nal(lens[2] = 8, 34 << 1, 1, 2);    /* PPS */
        nals[3] = fill_nal(lens[3] = 5000, 19 << 1, 1, 2); /* IDR */
        n = 4;
    } else {
        nals[0] = fill_nal(lens[0] = 20, 0x67, 0, 1);   /* SPS */
        nals[1] = fill_nal(lens[1] = 6, 0x68, 0, 1);    /* PPS */
        nals[2] = fill_nal(lens[2] = 5000, 0x65, 0, 1); /* IDR */
        n = 3;
    }
    uint8_t *buf = malloc(8000);
    size_t blen = annexb(buf, (const uint8_t *const *)nals, lens, n);
    struct clip c = {.codec = codec, .fps = 25};
    cr_assert_eq(clip_parse(&c, buf, blen), 0);
    cr_assert_eq(c.n_nals, (size_t)n);
    cr_assert_eq(c.n_aus, 1);
    cr_expect(strstr(c.fmtp, h265 ? "sprop-vps=" : "sprop-parameter-sets=") != NULL, "%s", c.fmtp);

    size_t cap = pkt_au_bound(c.max_au_bytes);
    uint8_t *out = malloc(cap), *re = malloc(8000);
    struct pkt_stream s = {.seq = 65534, .ssrc = 0x1234, .channel = 0};
    unsigned npkts;
    int len = pkt_au(&c, 0, 90000, &s, out, cap, &npkts);
    cr_assert_gt(len, 0);
    cr_expect_eq(npkts, (unsigned)(n - 1) + 4, "1400-byte FUs for 5000 bytes: 4 packets");
    size_t relens[8];
    int got, markers;
    depacketize(out, (size_t)len, h265, re, relens, &got, &markers);
    cr_assert_eq(got, n);
    cr_expect_eq(markers, 1, "marker only on the access unit's last packet");
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        cr_assert_eq(relens[i], lens[i], "NAL %d length", i);
        cr_assert(memcmp(re + off, nals[i], lens[i]) == 0, "NAL %d bytes", i);
        off += lens[i];
        free(nals[i]);
    }
    cr_expect_eq(pkt_au(&c, 0, 0, &s, out, 100, &npkts), -ENOSPC);
    free(out);
    free(re);
    free(c.data);
    free(c.nals);
    free(c.aus);
}

Test(packetizer, h264_fu_a_and_single_nal_roundtrip)
{
    roundtrip(CLIP_H264);
}

Test(packetizer, h265_fu_and_single_nal_roundtrip)
{
    roundtrip(CLIP_H265);
}

Test(clip, generated_clips_split_into_one_access_unit_per_frame)
{
    struct clip_set set;
    char err[512];
    cr_assert_eq(clip_set_load(&set, CAMFARM_CLIPS, err, sizeof(err)), 0, "%s", err);
    cr_expect_geq(set.count, 9);
    for (int i = 0; i < set.count; i++) {
        const struct clip *c = &set.clips[i];
        cr_expect_eq(c->n_aus, (size_t)(2 * c->fps), "%s: %zu access units", c->name, c->n_aus);
    }
    cr_expect_geq(clip_find(&set, "normal265"), 0);
    cr_expect_eq(clip_find(&set, "nope"), -ENOENT);
    clip_set_free(&set);
    cr_expect_lt(clip_set_load(&set, "/nonexistent-camfarm-dir", err, sizeof(err)), 0);
    cr_expect(strstr(err, "make_clips.sh") != NULL, "%s", err);
}

/* ---- faults ---- */

Test(faults_mix, names_round_trip)
{
    for (int f = 0; f < FAULT_COUNT; f++)
        cr_expect_eq(fault_from_name(fault_name((enum fault)f)), f);
    cr_expect_eq(fault_from_name("meltdown"), -ENOENT);
}

Test(faults_mix, default_is_about_7_percent_and_deterministic)
{
    struct fault_mix mix;
    char err[256];
    cr_assert_eq(fault_mix_parse("default", &mix, err, sizeof(err)), 0);
    int counts[FAULT_COUNT] = {0};
    for (uint32_t i = 0; i < 43000; i++)
        counts[fault_pick(&mix, 42, i)]++;
    double faulty = 1.0 - counts[FAULT_OK] / 43000.0;
    cr_expect(faulty > 0.06 && faulty < 0.08, "faulty share %f", faulty);
    for (int f = 1; f < FAULT_COUNT; f++)
        /* Opt-in only: syn_drop holds descriptors; options_first is a
         * strict server that only tests of OPTIONS handling want. */
        if (f != FAULT_SYN_DROP && f != FAULT_OPTIONS_FIRST)
            cr_expect_gt(counts[f], 0, "no camera got %s", fault_name((enum fault)f));
    cr_expect_eq(counts[FAULT_SYN_DROP], 0);
    cr_expect_eq(counts[FAULT_OPTIONS_FIRST], 0);
    for (uint32_t i = 0; i < 100; i++)
        cr_assert_eq(fault_pick(&mix, 42, i), fault_pick(&mix, 42, i));
}

Test(faults_mix, custom_specs_and_errors)
{
    struct fault_mix mix;
    char err[256];
    cr_assert_eq(fault_mix_parse("refused=50,slow=50", &mix, err, sizeof(err)), 0);
    int refused = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        enum fault f = fault_pick(&mix, 1, i);
        cr_assert(f == FAULT_REFUSED || f == FAULT_SLOW);
        refused += f == FAULT_REFUSED;
    }
    cr_expect(refused > 400 && refused < 600);
    cr_expect_eq(fault_mix_parse("exploded=3", &mix, err, sizeof(err)), -EINVAL);
    cr_expect(strstr(err, "unknown fault \"exploded\"") != NULL, "%s", err);
    cr_expect_eq(fault_mix_parse("refused=70,slow=40", &mix, err, sizeof(err)), -EINVAL);
    cr_expect_eq(fault_mix_parse("refused", &mix, err, sizeof(err)), -EINVAL);
    cr_assert_eq(fault_mix_parse("none", &mix, err, sizeof(err)), 0);
    cr_expect_eq(fault_pick(&mix, 1, 1), FAULT_OK);
}

/* ---- fleet ---- */

Test(fleet, url_parsing)
{
    char u[64], p[64];
    uint32_t ip;
    uint16_t port;
    const char *path;
    cr_assert_eq(
        fleet_parse_url("rtsp://admin:p%40ss@w0rd@127.1.2.3:8554/cam/realmonitor?channel=1", u,
                        sizeof(u), p, sizeof(p), &ip, &port, &path),
        0);
    cr_expect_str_eq(u, "admin");
    cr_expect_str_eq(p, "p@ss@w0rd");
    cr_expect_eq(ip, (127u << 24) | (1u << 16) | (2u << 8) | 3u);
    cr_expect_eq(port, 8554);
    cr_expect_str_eq(path, "/cam/realmonitor?channel=1");
    cr_assert_eq(
        fleet_parse_url("rtsp://10.0.0.1/x", u, sizeof(u), p, sizeof(p), &ip, &port, &path), 0);
    cr_expect_eq(port, 554);
    cr_expect_str_eq(u, "");
    cr_expect_eq(
        fleet_parse_url("https://127.0.0.1/", u, sizeof(u), p, sizeof(p), &ip, &port, &path),
        -EINVAL);
    cr_assert_eq(fleet_parse_url("rtmp://127.1.0.9:1935/live/9", u, sizeof(u), p, sizeof(p), &ip,
                                 &port, &path),
                 0, "platform URLs split the same way");
    cr_expect_eq(port, 1935);
    cr_expect_str_eq(path, "/live/9");
    cr_expect_eq(
        fleet_parse_url("rtsp://cam.example/", u, sizeof(u), p, sizeof(p), &ip, &port, &path),
        -EINVAL);
    cr_expect_eq(
        fleet_parse_url("rtsp://127.0.0.1:99999/", u, sizeof(u), p, sizeof(p), &ip, &port, &path),
        -EINVAL);
}

static char tmpdir[64];
static char written[8][128];
static int n_written;

/* Removes what write_tmp() wrote: tests leave nothing behind. */
static void remove_tmp(void)
{
    for (int i = 0; i < n_written; i++)
        unlink(written[i]);
    if (tmpdir[0])
        rmdir(tmpdir);
}

TestSuite(fleet, .fini = remove_tmp);

static const char *write_tmp(const char *name, const char *text)
{
    static char path[128];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof(tmpdir), "%s/camfarm-unit-XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        cr_assert_not_null(mkdtemp(tmpdir));
    }
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    if (n_written < 8)
        snprintf(written[n_written++], sizeof(written[0]), "%s", path);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

Test(fleet, csv_loads_quoted_rows_and_interns_strings)
{
    const char *csv =
        "id,name,unit_id,unit_name,url,lat,lon,address,tags,resolution,fps\n"
        "A1,\"Gate, "
        "north\",U1,Unit,rtsp://admin:pw@127.1.0.5:8554/Streaming/Channels/101,1,2,,,1920x1080,25\n"
        "A2,\"Say "
        "\"\"hi\"\"\",U1,Unit,rtsp://admin:pw@127.1.0.6:8554/cam/"
        "realmonitor?channel=1&subtype=0,1,2,,,,\n"
        "A3,x,U1,Unit,rtsp://127.0.0.9/Streaming/Channels/101,1,2,,,,\n";
    struct fleet f;
    struct fleet_defaults d = {.seed = 1, .max_sessions = 4, .clip_h265 = -1, .clip_hd = -1};
    char err[512];
    fleet_init(&f);
    cr_assert_eq(fleet_load_csv(&f, write_tmp("a.csv", csv), &d, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(f.count, 3);
    cr_expect_eq(fleet_by_ip(&f, (127u << 24) | (1u << 16) | 6), 1);
    cr_expect_eq(fleet_by_id(&f, "A3", 2), 2);
    cr_expect_eq(fleet_resolve(&f, "#1"), 0);
    cr_expect_eq(fleet_resolve(&f, "#4"), -ENOENT);
    cr_expect_eq(f.cams[0].vendor, VENDOR_HIK);
    cr_expect_eq(f.cams[1].vendor, VENDOR_DAHUA);
    cr_expect_eq(f.cams[0].auth, AUTH_DIGEST);
    cr_expect_eq(f.cams[2].auth, AUTH_NONE);
    cr_expect_eq(f.cams[0].path, f.cams[2].path, "equal paths share one interned string");
    cr_expect_eq(f.cams[0].pass, f.cams[1].pass);
    cr_expect_eq(sizeof(struct cam), 48);

    const char *modes = "# comment\n#1 slow 250 sessions=2\nA2 bad_auth # trailing comment\n\n";
    cr_assert_eq(fleet_load_modes(&f, write_tmp("m.txt", modes), NULL, err, sizeof(err)), 0, "%s",
                 err);
    cr_expect_eq(f.cams[0].mode, FAULT_SLOW);
    cr_expect_eq(f.cams[0].arg, 250);
    cr_expect_eq(f.cams[0].max_sessions, 2);
    cr_expect_eq(f.cams[1].mode, FAULT_BAD_AUTH);
    cr_expect_lt(
        fleet_load_modes(&f, write_tmp("m2.txt", "#1 ok\nZZ ok\n"), NULL, err, sizeof(err)), 0);
    cr_expect(strstr(err, "m2.txt:2: camera \"ZZ\"") != NULL, "%s", err);
    cr_expect_lt(
        fleet_load_modes(&f, write_tmp("m3.txt", "#1 slow fast\n"), NULL, err, sizeof(err)), 0);
    cr_expect(strstr(err, "m3.txt:1: argument \"fast\"") != NULL, "%s", err);
    fleet_free(&f);

    fleet_init(&f);
    const char *bad = "id,url\nB1,rtsp://127.1.0.1/a\nB2,https://127.1.0.2/a.m3u8\n"
                      "B3,rtsp://camera.example/a\n";
    cr_expect_lt(fleet_load_csv(&f, write_tmp("b.csv", bad), &d, err, sizeof(err)), 0);
    cr_expect(strstr(err, "b.csv:4: column \"url\"") != NULL, "%s", err);
    cr_expect_eq(f.skipped, 1, "the HTTPS row is skipped, not an error");
    fleet_free(&f);
    fleet_init(&f);
    cr_expect_lt(
        fleet_load_csv(&f, write_tmp("c.csv", "name,address\nx,y\n"), &d, err, sizeof(err)), 0);
    cr_expect(strstr(err, "header must name columns") != NULL, "%s", err);
    fleet_free(&f);
}

/* A clip set with sizes only: the clip choice reads nothing else. */
static void sized_clips(struct clip_set *set)
{
    static const struct {
        const char *name;
        enum clip_codec codec;
        int w, h, fps;
    } k[] = {{"normal", CLIP_H264, 640, 360, 25},      {"normal265", CLIP_H265, 640, 360, 25},
             {"hd", CLIP_H264, 1280, 720, 25},         {"fhd", CLIP_H264, 1920, 1080, 25},
             {"lowfps", CLIP_H264, 640, 360, 5},       {"lowfps_fhd", CLIP_H264, 1920, 1080, 5},
             {"black", CLIP_H264, 640, 360, 25}};
    memset(set, 0, sizeof(*set));
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        struct clip *c = &set->clips[set->count++];
        snprintf(c->name, sizeof(c->name), "%s", k[i].name);
        c->codec = k[i].codec;
        c->width = k[i].w;
        c->height = k[i].h;
        c->fps = k[i].fps;
    }
}

/* A row naming its picture size and rate streams a healthy clip of that
 * size and rate; a row asking for one no clip has is counted (camdex will
 * call it a mismatch), and a malformed size is an error with its line. */
Test(fleet, inventory_size_and_rate_choose_the_clip)
{
    struct clip_set set;
    sized_clips(&set);
    struct fleet_defaults d = {.seed = 1, .max_sessions = 4, .clip_normal = 0, .clip_h265 = 1,
                               .clip_hd = 2, .clips = &set, .healthy = {0, 1, 2, 3},
                               .nhealthy = 4};
    const char *csv = "id,url,resolution,fps\n"
                      "F1,rtsp://127.1.0.1/a,1920x1080,25\n"
                      "F2,rtsp://127.1.0.2/a,1280x720,25\n"
                      "F3,rtsp://127.1.0.3/a,704x576,25\n"
                      "F4,rtsp://127.1.0.4/a,1920x1080,30\n"
                      "F5,rtsp://127.1.0.5/a,1920X1080,\n";
    struct fleet f;
    char err[512];
    fleet_init(&f);
    cr_assert_eq(fleet_load_csv(&f, write_tmp("s.csv", csv), &d, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(f.count, 5);
    cr_expect_str_eq(set.clips[f.cams[0].clip].name, "fhd");
    cr_expect_str_eq(set.clips[f.cams[1].clip].name, "hd");
    cr_expect_str_eq(set.clips[f.cams[4].clip].name, "fhd", "a size without a rate");
    cr_expect_eq(f.unmatched, 2, "704x576 and 30 fps have no clip");
    cr_expect_leq(set.clips[f.cams[2].clip].width, 1280, "an unmatched row streams a default");
    fleet_free(&f);

    /* Without the columns, the seeded 640x360 / H.265 / 720p mix. */
    fleet_init(&f);
    cr_assert_eq(fleet_load_csv(&f, write_tmp("t.csv", "id,url\nG1,rtsp://127.1.0.1/a\n"), &d,
                                err, sizeof(err)),
                 0, "%s", err);
    cr_expect_leq(f.cams[0].clip, 2);
    cr_expect_eq(f.unmatched, 0);
    fleet_free(&f);

    fleet_init(&f);
    cr_expect_lt(fleet_load_csv(&f,
                                write_tmp("u.csv", "id,url,resolution\nH1,rtsp://127.1.0.1/a,"
                                                   "1920x\n"),
                                &d, err, sizeof(err)),
                 0);
    cr_expect(strstr(err, "u.csv:2: column \"resolution\": \"1920x\"") != NULL, "%s", err);
    fleet_free(&f);
    fleet_init(&f);
    cr_expect_lt(fleet_load_csv(&f, write_tmp("v.csv", "id,url,fps\nH1,rtsp://127.1.0.1/a,0\n"),
                                &d, err, sizeof(err)),
                 0);
    cr_expect(strstr(err, "v.csv:2: column \"fps\"") != NULL, "%s", err);
    fleet_free(&f);

    /* A video fault keeps the camera's size when a clip of it exists. */
    cr_expect_eq(clip_find_sized(&set, "lowfps", 1920, 1080, -7), 5);
    cr_expect_eq(clip_find_sized(&set, "lowfps", 640, 360, -7), 4);
    cr_expect_eq(clip_find_sized(&set, "lowfps", 1280, 720, -7), -7);
    cr_expect_eq(clip_find_sized(&set, "low", 1920, 1080, -7), -7, "a prefix is not a name");
}

/* ---- auth ---- */

Test(auth, digest_rfc2617_example_with_qop)
{
    const char req[] =
        "GET_PARAMETER /dir/index.html RTSP/1.0\r\nCSeq: 1\r\n"
        "Authorization: Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, "
        "nc=00000001, cnonce=\"0a4f113b\", response=\"%s\", "
        "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n\r\n";
    char text[1024], ha1[33], ha2[33], resp[33], buf[512];
    /* RFC 2617 3.5 with method GET gives 6629fae4...; recompute for this method. */
    snprintf(buf, sizeof(buf), "Mufasa:testrealm@host.com:Circle Of Life");
    auth_md5_hex(buf, strlen(buf), ha1);
    cr_expect_str_eq(ha1, "939e7578ed9e3c518a452acee763bce9");
    snprintf(buf, sizeof(buf), "GET_PARAMETER:/dir/index.html");
    auth_md5_hex(buf, strlen(buf), ha2);
    snprintf(buf, sizeof(buf), "%s:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:%s",
             ha1, ha2);
    auth_md5_hex(buf, strlen(buf), resp);
    snprintf(text, sizeof(text), req, resp);
    struct rtsp_req r;
    cr_assert_gt(rtsp_req_parse(text, strlen(text), &r), 0);
    cr_expect_eq(
        auth_check(&r, AUTH_DIGEST, "testrealm@host.com", "Mufasa", "Circle Of Life", NULL, 0), 0);
    cr_expect_eq(
        auth_check(&r, AUTH_DIGEST, "testrealm@host.com", "Mufasa", "circle of life", NULL, 0),
        -EACCES);
    cr_expect_eq(auth_check(&r, AUTH_DIGEST, "other realm", "Mufasa", "Circle Of Life", NULL, 0),
                 -EACCES);
    cr_expect_eq(
        auth_check(&r, AUTH_BASIC, "testrealm@host.com", "Mufasa", "Circle Of Life", NULL, 0),
        -EACCES);
    /* The nonce must still be one the camera honours. */
    const char *valid[] = {"fresh", "dcd98b7102dd2f0e8b11d0f600bfb0c093"};
    cr_expect_eq(
        auth_check(&r, AUTH_DIGEST, "testrealm@host.com", "Mufasa", "Circle Of Life", valid, 2),
        0);
    cr_expect_eq(
        auth_check(&r, AUTH_DIGEST, "testrealm@host.com", "Mufasa", "Circle Of Life", valid, 1),
        -ESTALE, "right password, expired nonce");
    cr_expect_eq(
        auth_check(&r, AUTH_DIGEST, "testrealm@host.com", "Mufasa", "circle of life", valid, 1),
        -EACCES, "a wrong password is not stale");
    char ch[256];
    cr_assert_gt(auth_challenge(AUTH_DIGEST, "r", "n1", true, ch, sizeof(ch)), 0);
    cr_expect(strstr(ch, "stale=\"TRUE\""), "%s", ch);
}

Test(auth, basic_and_realms)
{
    const char req[] =
        "DESCRIBE rtsp://x/ RTSP/1.0\r\nCSeq: 1\r\nAuthorization: Basic YWRtaW46cHc=\r\n\r\n";
    struct rtsp_req r;
    cr_assert_gt(rtsp_req_parse(req, sizeof(req) - 1, &r), 0);
    cr_expect_eq(auth_check(&r, AUTH_BASIC, "r", "admin", "pw", NULL, 0), 0);
    cr_expect_eq(auth_check(&r, AUTH_BASIC, "r", "admin", "pw2", NULL, 0), -EACCES);
    char realm[AUTH_REALM_MAX];
    auth_realm(VENDOR_HIK, 12345, realm, sizeof(realm));
    cr_expect(strncmp(realm, "IP Camera(", 10) == 0 && realm[strlen(realm) - 1] == ')', "%s",
              realm);
    auth_realm(VENDOR_DAHUA, 12345, realm, sizeof(realm));
    cr_expect(strncmp(realm, "Login to ", 9) == 0 && strlen(realm) == 24, "%s", realm);
}

/* ---- benchmark clients' reply check ---- */

static const char options_reply[] =
    "RTSP/1.0 200 OK\r\nCSeq: 4711\r\nServer: Hikvision-Webs\r\n"
    "Date: Mon, Jan 01 2024 00:00:00 GMT\r\n"
    "Public: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\n"
    "\r\n";

Test(bench_reply, whole_reply_with_its_cseq_counts)
{
    size_t n = sizeof(options_reply) - 1;
    cr_expect_eq(bench_reply_check(options_reply, n, 4711), (int)n);
    /* Bytes after the reply (a pipelined next one) are not part of it. */
    char two[512];
    snprintf(two, sizeof(two), "%sRTSP/1.0 200 OK\r\n", options_reply);
    cr_expect_eq(bench_reply_check(two, strlen(two), 4711), (int)n);
    const char lower[] = "RTSP/1.0 200 OK\r\ncseq:7   \r\n\r\n";
    cr_expect_eq(bench_reply_check(lower, sizeof(lower) - 1, 7), (int)sizeof(lower) - 1);
}

Test(bench_reply, every_prefix_needs_more)
{
    for (size_t len = 0; len < sizeof(options_reply) - 1; len++)
        cr_expect_eq(bench_reply_check(options_reply, len, 4711), 0, "prefix of %zu bytes", len);
}

Test(bench_reply, body_is_waited_for)
{
    const char r[] = "RTSP/1.0 200 OK\r\nContent-Length: 5\r\nCSeq: 3\r\n\r\nhello";
    size_t n = sizeof(r) - 1;
    cr_expect_eq(bench_reply_check(r, n - 1, 3), 0);
    cr_expect_eq(bench_reply_check(r, n, 3), (int)n);
}

Test(bench_reply, wrong_status_or_cseq_is_a_bad_reply)
{
    char r[512];
    snprintf(r, sizeof(r), "%s", options_reply);
    cr_expect_eq(bench_reply_check(r, strlen(r), 4712), -EBADMSG, "another request's reply");
    memcpy(r + 9, "401", 3);
    cr_expect_eq(bench_reply_check(r, strlen(r), 4711), -EBADMSG, "not 200");
    const char no_cseq[] = "RTSP/1.0 200 OK\r\nServer: x\r\n\r\n";
    cr_expect_eq(bench_reply_check(no_cseq, sizeof(no_cseq) - 1, 1), -EBADMSG);
    const char junk_cseq[] = "RTSP/1.0 200 OK\r\nCSeq: 1x\r\n\r\n";
    cr_expect_eq(bench_reply_check(junk_cseq, sizeof(junk_cseq) - 1, 1), -EBADMSG);
}

Test(bench_reply, not_rtsp_or_too_long_is_refused)
{
    cr_expect_eq(bench_reply_check("HTTP/1.1 200 OK\r\n\r\n", 19, 1), -EPROTO);
    cr_expect_eq(bench_reply_check("\x16\x03\x01", 3, 1), -EPROTO, "a TLS hello, partial");
    cr_expect_eq(bench_reply_check("RTSP/1.0 2x0 OK\r\n\r\n", 19, 1), -EPROTO);
    const char bad_len[] = "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: -1\r\n\r\n";
    cr_expect_eq(bench_reply_check(bad_len, sizeof(bad_len) - 1, 1), -EPROTO);
    const char huge[] = "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 999999\r\n\r\n";
    cr_expect_eq(bench_reply_check(huge, sizeof(huge) - 1, 1), -EMSGSIZE);
    static char endless[BENCH_REPLY_MAX];
    memset(endless, 'X', sizeof(endless));
    const char start[] = "RTSP/1.0 200 OK\r\nX-Pad: ";
    memcpy(endless, start, sizeof(start) - 1);
    cr_expect_eq(bench_reply_check(endless, sizeof(endless), 1), -EMSGSIZE);
    cr_expect_eq(bench_reply_check(endless, sizeof(endless) - 1, 1), 0);
}
