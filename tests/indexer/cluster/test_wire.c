/* indexer/cluster/wire.c, wire_enc.c: what a prober encodes the central
 * decodes unchanged, and the decoder refuses what breaks its rules. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/wire.h"

#define T0 1796000000000LL /* 2026-12 */

static char *encode_events(size_t n, size_t *len)
{
    struct wire_enc *e;
    cr_assert_eq(wire_enc_begin(WIRE_EVENTS, "east-1", T0, &e), 0);
    for (size_t i = 0; i < n; i++) {
        struct store_event ev = {.key = ((uint64_t)T0 << 12) + i,
                                 .time_ms = T0 + (int64_t)i,
                                 .camera_id = "32010200001315000023",
                                 .unit_id = "3201020000",
                                 .from = STORE_ONLINE,
                                 .to = STORE_OFFLINE,
                                 .reason = "connect_timeout",
                                 .detail = "no SYN-ACK in 3 s"};
        cr_assert_eq(wire_enc_event(e, &ev), 0);
    }
    return wire_enc_finish(&e, len);
}

static int decode_text(const char *text, struct wire_msg *m, char *err)
{
    return wire_decode(text, strlen(text), m, err, 256);
}

Test(wire, events_come_back_as_they_were_sent)
{
    size_t len;
    char *text = encode_events(3, &len);
    struct wire_msg m;
    char err[256];
    cr_assert_eq(wire_decode(text, len, &m, err, sizeof(err)), 0, "%s", err);
    cr_expect_eq(m.kind, WIRE_EVENTS);
    cr_expect_str_eq(m.zone, "east-1");
    cr_expect_eq(m.sent_ms, T0);
    cr_assert_eq(m.n, 3);
    cr_expect_eq(m.ev[2].key, ((uint64_t)T0 << 12) + 2);
    cr_expect_str_eq(m.ev[1].camera_id, "32010200001315000023");
    cr_expect_eq(m.ev[1].from, STORE_ONLINE);
    cr_expect_eq(m.ev[1].to, STORE_OFFLINE);
    cr_expect_str_eq(m.ev[1].reason, "connect_timeout");
    cr_expect_str_eq(m.ev[1].detail, "no SYN-ACK in 3 s");
    wire_msg_free(&m);
    free(text);
}

Test(wire, health_and_cameras_round_trip)
{
    struct wire_enc *e;
    cr_assert_eq(wire_enc_begin(WIRE_HEALTH, "z", T0, &e), 0);
    struct store_health h = {
        .state = STORE_DEGRADED,
        .reason = "low_fps",
        .detail = "4 fps",
        .last_probe = T0,
        .rtsp_status = 200,
        .latency_us = 1234,
        .media = {.codec = "h265", .width = 1920, .height = 1080, .fps_milli = 4000}};
    cr_assert_eq(wire_enc_health(e, "cam1", T0, &h), 0);
    size_t len;
    char *text = wire_enc_finish(&e, &len);
    struct wire_msg m;
    char err[256];
    cr_assert_eq(wire_decode(text, len, &m, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(m.n, 1);
    cr_expect_eq(m.health[0].h.state, STORE_DEGRADED);
    cr_expect_str_eq(m.health[0].h.reason, "low_fps");
    cr_expect_eq(m.health[0].h.rtsp_status, 200);
    cr_expect_str_eq(m.health[0].h.media.codec, "h265");
    cr_expect_eq(m.health[0].h.media.height, 1080);
    wire_msg_free(&m);
    free(text);

    cr_assert_eq(wire_enc_begin(WIRE_CAMERAS, "z", T0, &e), 0);
    struct store_camera c = {.id = "cam1",
                             .name = "东门",
                             .unit_id = "u1",
                             .url = "ignored",
                             .has_location = true,
                             .lat = 32.1,
                             .lon = 118.8};
    cr_assert_eq(wire_enc_camera(e, &c, "rtsp://***@10.1.2.3/ch1", "某单位"), 0);
    text = wire_enc_finish(&e, &len);
    cr_assert_eq(wire_decode(text, len, &m, err, sizeof(err)), 0, "%s", err);
    cr_expect_str_eq(m.cam[0].cam.url, "rtsp://***@10.1.2.3/ch1");
    cr_expect_str_eq(m.cam[0].cam.name, "东门");
    cr_expect_str_eq(m.cam[0].unit_name, "某单位");
    cr_expect(m.cam[0].cam.has_location);
    wire_msg_free(&m);
    free(text);
}

Test(wire, a_url_with_credentials_is_refused)
{
    struct wire_msg m;
    char err[256];
    const char *text = "{\"v\":1,\"kind\":\"inv\",\"zone\":\"z\",\"sent\":1796000000000,"
                       "\"items\":[{\"cam\":\"c\",\"unit\":\"u\",\"url\":"
                       "\"rtsp://admin:secret@10.0.0.1/\"}]}";
    cr_expect_eq(decode_text(text, &m, err), -EBADMSG);
    cr_expect(strstr(err, "credentials") != NULL, "%s", err);
    cr_expect(strstr(err, "secret") == NULL, "the error quotes the password: %s", err);
}

Test(wire, another_version_is_refused_as_such)
{
    struct wire_msg m;
    char err[256];
    cr_expect_eq(
        decode_text("{\"v\":2,\"kind\":\"hb\",\"zone\":\"z\",\"sent\":1796000000000}", &m, err),
        -EPROTO);
    cr_expect(strstr(err, "version 2") != NULL, "%s", err);
}

Test(wire, broken_rules_are_refused)
{
    static const char *const bad[] = {
        "not json",
        "[]",
        "{\"kind\":\"hb\",\"zone\":\"z\",\"sent\":1796000000000}", /* no version */
        "{\"v\":1,\"kind\":\"nope\",\"zone\":\"z\",\"sent\":1796000000000}",
        "{\"v\":1,\"kind\":\"hb\",\"zone\":\"Z.*\",\"sent\":1796000000000,"
        "\"hb\":{\"last_key\":1,\"cameras\":1,\"started\":1796000000000}}",
        "{\"v\":1,\"kind\":\"hb\",\"zone\":\"z\",\"sent\":5}", /* absurd time */
        "{\"v\":1,\"kind\":\"ev\",\"zone\":\"z\",\"sent\":1796000000000,\"items\":[]}",
        "{\"v\":1,\"kind\":\"ev\",\"zone\":\"z\",\"sent\":1796000000000,\"items\":[{\"key\":9,"
        "\"t\":1796000000000,\"cam\":\"c\",\"unit\":\"u\",\"from\":\"online\",\"to\":\"gone\"}]}",
        "{\"v\":1,\"kind\":\"ev\",\"zone\":\"z\",\"sent\":1796000000000,\"items\":[{\"key\":9,"
        "\"t\":1796000000000,\"cam\":\"c\",\"unit\":\"u\",\"from\":\"online\",\"to\":\"offline\"},"
        "{\"key\":8,\"t\":1796000000000,\"cam\":\"c\",\"unit\":\"u\",\"from\":\"offline\","
        "\"to\":\"online\"}]}", /* key going backwards */
        "{\"v\":1,\"kind\":\"health\",\"zone\":\"z\",\"sent\":1796000000000,\"items\":[{\"cam\":"
        "\"c\",\"t\":1796000000000,\"state\":\"online\",\"reason\":\"Bad Token\"}]}",
        "{\"v\":1,\"kind\":\"health\",\"zone\":\"z\",\"sent\":1796000000000,\"items\":[{\"cam\":"
        "\"c\\u0000d\",\"t\":1796000000000,\"state\":\"online\"}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct wire_msg m;
        char err[256];
        int rc = decode_text(bad[i], &m, err);
        cr_expect_eq(rc, -EBADMSG, "case %zu decoded (%d)", i, rc);
        cr_expect(err[0], "case %zu has no explanation", i);
    }
}

Test(wire, limits_hold)
{
    /* An id one byte over the index's limit. */
    char text[1024], id[STORE_ID_MAX + 2];
    memset(id, 'a', sizeof(id) - 1);
    id[sizeof(id) - 1] = 0;
    snprintf(text, sizeof(text),
             "{\"v\":1,\"kind\":\"health\",\"zone\":\"z\",\"sent\":1796000000000,\"items\":[{"
             "\"cam\":\"%s\",\"t\":1796000000000,\"state\":\"online\"}]}",
             id);
    struct wire_msg m;
    char err[256];
    cr_expect_eq(decode_text(text, &m, err), -EBADMSG);
    /* An encoder stops at WIRE_ITEMS_MAX records. */
    struct wire_enc *e;
    cr_assert_eq(wire_enc_begin(WIRE_EVENTS, "z", T0, &e), 0);
    struct store_event ev = {
        .time_ms = T0, .camera_id = "c", .unit_id = "u", .reason = "", .detail = ""};
    int rc = 0;
    size_t n = 0;
    for (; n <= WIRE_ITEMS_MAX && !rc; n++) {
        ev.key = n + 1;
        rc = wire_enc_event(e, &ev);
    }
    cr_expect_eq(rc, -E2BIG);
    cr_expect_eq(wire_enc_count(e), WIRE_ITEMS_MAX);
    wire_enc_free(&e);
    /* Over the size limit, refused before parsing. */
    char *big = malloc(WIRE_MSG_MAX + 2);
    memset(big, ' ', WIRE_MSG_MAX + 1);
    big[WIRE_MSG_MAX + 1] = 0;
    cr_expect_eq(wire_decode(big, WIRE_MSG_MAX + 1, &m, err, sizeof(err)), -EBADMSG);
    free(big);
}

Test(wire, subjects_and_streams_name_the_zone)
{
    char s[64];
    cr_assert_eq(wire_subject(s, sizeof(s), "east-1", WIRE_HEARTBEAT), 0);
    cr_expect_str_eq(s, "camdex.east-1.hb");
    cr_assert_eq(wire_stream_name(s, sizeof(s), "east-1"), 0);
    cr_expect_str_eq(s, "CAMDEX_east-1");
    cr_expect_eq(wire_subject(s, 8, "east-1", WIRE_EVENTS), -ENAMETOOLONG);
}

Test(wire, an_inventory_walk_is_tagged_and_its_end_counts_it)
{
    struct wire_enc *e;
    cr_assert_eq(wire_enc_begin(WIRE_CAMERAS, "z1", 1700000000000LL, &e), 0);
    cr_assert_eq(wire_enc_walk(e, 1700000000001LL, true, 0), 0);
    size_t len;
    char *text = wire_enc_finish(&e, &len);
    struct wire_msg m;
    char err[256];
    /* The end of a walk may name no camera (an empty zone). */
    cr_assert_eq(wire_decode(text, len, &m, err, sizeof(err)), 0, "%s", err);
    cr_expect_eq(m.walk, 1700000000001LL);
    cr_expect(m.walk_end);
    cr_expect_eq(m.walk_total, 0);
    cr_expect_eq(m.n, 0);
    wire_msg_free(&m);
    free(text);
    static const char *const bad[] = {
        /* no camera and not a walk's end */
        "{\"v\":1,\"kind\":\"inv\",\"zone\":\"z\",\"sent\":1700000000000,\"walk\":1700000000000,"
        "\"items\":[]}",
        /* an end without its count */
        "{\"v\":1,\"kind\":\"inv\",\"zone\":\"z\",\"sent\":1700000000000,\"walk\":1700000000000,"
        "\"end\":true,\"items\":[]}",
        /* an end without its walk */
        "{\"v\":1,\"kind\":\"inv\",\"zone\":\"z\",\"sent\":1700000000000,\"end\":true,\"total\":0,"
        "\"items\":[]}",
        "{\"v\":1,\"kind\":\"inv\",\"zone\":\"z\",\"sent\":1700000000000,\"walk\":1700000000000,"
        "\"end\":1,\"total\":0,\"items\":[]}",
        "{\"v\":1,\"kind\":\"inv\",\"zone\":\"z\",\"sent\":1700000000000,\"walk\":1700000000000,"
        "\"end\":true,\"total\":-1,\"items\":[]}",
        "{\"v\":1,\"kind\":\"inv\",\"zone\":\"z\",\"sent\":1700000000000,\"walk\":5,"
        "\"end\":true,\"total\":0,\"items\":[]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(wire_decode(bad[i], strlen(bad[i]), &m, err, sizeof(err)), -EBADMSG, "%s",
                     bad[i]);
    /* A v1 inventory without a walk (an older prober's) still decodes. */
    static const char old[] =
        "{\"v\":1,\"kind\":\"inv\",\"zone\":\"z\",\"sent\":1700000000000,\"items\":[{\"cam\":"
        "\"c1\",\"unit\":\"u1\",\"unit_name\":\"U\",\"url\":\"rtsp://h/\"}]}";
    cr_assert_eq(wire_decode(old, strlen(old), &m, err, sizeof(err)), 0, "%s", err);
    cr_expect_eq(m.walk, 0);
    cr_expect(!m.walk_end);
    wire_msg_free(&m);
}

Test(wire, picture_clock_and_osd_looks_round_trip_and_absurd_ones_are_refused)
{
    struct store_diagnosis g = {.time_ms = 1700000000000LL, .judged = true, .n = 2};
    g.f[0] = (struct store_finding){.reason = "picture_black", .value = 0.97f, .limit = 0.9f};
    g.f[1] = (struct store_finding){.reason = "picture_blurred", .value = 12.5f, .limit = 40};
    struct store_clock c = {.measured = true, .offset_ms = -73000, .checked_at = 1700000001000LL,
                            .source = "rtcp", .tolerance_ms = 30000};
    struct store_osd o = {.checked_at = 1700000002000LL, .time_check = STORE_OSD_WRONG,
                          .label_check = STORE_OSD_RIGHT, .offset_s = 3600, .similarity = 0.875f,
                          .tolerance_s = 60, .time_read = "2023-11-14 23:13:22",
                          .text = "2023-11-14 23:13:22\n东门 入口"};
    struct wire_enc *e;
    cr_assert_eq(wire_enc_begin(WIRE_PICTURE, "z", 1700000003000LL, &e), 0);
    cr_assert_eq(wire_enc_picture(e, "c1", &g, &c, &o), 0);
    cr_assert_eq(wire_enc_picture(e, "c2", NULL, &c, NULL), 0);
    size_t len;
    char *text = wire_enc_finish(&e, &len);
    struct wire_msg m;
    char err[256];
    cr_assert_eq(wire_decode(text, len, &m, err, sizeof(err)), 0, "%s", err);
    free(text);
    cr_assert_eq(m.kind, WIRE_PICTURE);
    cr_assert_eq(m.n, 2);
    const struct wire_picture *p = &m.pic[0];
    cr_expect_str_eq(p->camera_id, "c1");
    cr_assert(p->has_diag && p->has_clock && p->has_osd);
    cr_expect_eq(p->diag.time_ms, g.time_ms);
    cr_expect(p->diag.judged);
    cr_assert_eq(p->diag.n, 2);
    cr_expect_str_eq(p->diag.f[1].reason, "picture_blurred");
    cr_expect_eq(p->diag.f[0].value, 0.97f);
    cr_expect_eq(p->diag.f[1].limit, 40.0f);
    cr_expect(p->clock.measured);
    cr_expect_eq(p->clock.offset_ms, -73000);
    cr_expect_str_eq(p->clock.source, "rtcp");
    cr_expect_eq(p->clock.tolerance_ms, 30000);
    cr_expect_eq(p->osd.time_check, STORE_OSD_WRONG);
    cr_expect_eq(p->osd.label_check, STORE_OSD_RIGHT);
    cr_expect_eq(p->osd.offset_s, 3600);
    cr_expect_eq(p->osd.similarity, 0.875f);
    cr_expect_str_eq(p->osd.text, o.text);
    cr_expect(!m.pic[1].has_diag && m.pic[1].has_clock && !m.pic[1].has_osd);
    wire_msg_free(&m);
    static const char *const bad[] = {
        "{\"cam\":\"c\",\"diag\":{\"t\":1700000000000,\"f\":[{\"value\":1}]}}",
        "{\"cam\":\"c\",\"diag\":{\"t\":1700000000000,\"f\":[{\"reason\":\"Black!\"}]}}",
        "{\"cam\":\"c\",\"diag\":{\"t\":5}}",
        "{\"cam\":\"c\",\"diag\":{\"t\":1700000000000,\"f\":[{\"reason\":\"x\",\"value\":\"1\"}]}}",
        "{\"cam\":\"c\",\"diag\":{\"t\":1700000000000,\"f\":[{\"reason\":\"a\"},{\"reason\":\"a\"},"
        "{\"reason\":\"a\"},{\"reason\":\"a\"},{\"reason\":\"a\"},{\"reason\":\"a\"},"
        "{\"reason\":\"a\"},{\"reason\":\"a\"},{\"reason\":\"a\"}]}}",
        "{\"cam\":\"c\",\"clock\":{\"t\":1700000000000,\"off\":99999999999999}}",
        "{\"cam\":\"c\",\"clock\":{\"t\":1700000000000,\"src\":\"a-source-name-too-long\"}}",
        "{\"cam\":\"c\",\"osd\":{\"t\":1700000000000,\"tc\":3}}",
        "{\"cam\":\"c\",\"osd\":{\"t\":1700000000000,\"sim\":1.5}}",
        "{\"cam\":\"c\",\"osd\":\"right\"}",
        "{\"diag\":{\"t\":1700000000000}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char msg[1024];
        snprintf(msg, sizeof(msg),
                 "{\"v\":1,\"kind\":\"pic\",\"zone\":\"z\",\"sent\":1700000000000,\"items\":[%s]}",
                 bad[i]);
        cr_expect_eq(wire_decode(msg, strlen(msg), &m, err, sizeof(err)), -EBADMSG, "%s", bad[i]);
    }
}
