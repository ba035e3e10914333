/* RTSPS cameras through `camdex probe`, against GStreamer's gst-rtsp-server
 * speaking RTSP over TLS with a self-signed certificate made here: what
 * tier 2 (the only tier with TLS) finds must match ffprobe, Digest works
 * inside TLS, and a port that does not speak what the URL says ends in a
 * clear verdict, not a hang. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <sys/stat.h>

#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define GST_SCRIPT CAMDEX_TEST_DATA "/../integration/gst_rtsp_server.py"
#define USER       "admin"
#define PASS       "Tls-pw-4417"

static char *tmp;
static struct proc tls_srv, plain_srv;
static int tls_open, tls_digest, plain_open;

/* Start the harness (with --tls PEM when pem is not NULL) and read its
 * ports from its READY line. */
static void gst_start(struct proc *p, const char *pem, int *open_port, int *digest_port)
{
    char *argv[] = {"/usr/bin/python3", GST_SCRIPT, "--user", USER, "--password", PASS,
                    pem ? "--tls" : NULL, (char *)pem, NULL};
    proc_start(p, 1, argv);
    cr_assert(proc_wait_line(p, 30000, "READY", NULL),
              "gst_rtsp_server.py did not get ready; it needs python3-gi, "
              "gir1.2-gst-rtsp-server-1.0 and gstreamer1.0-plugins-{base,good,ugly,bad}");
    cr_assert_eq(sscanf(p->last, "READY %d %d", open_port, digest_port), 2, "%s", p->last);
}

/* A self-signed certificate, as cameras have: nothing to verify it by. */
static void make_certificate(char *pem, size_t n)
{
    char key[4200], cert[4200];
    snprintf(key, sizeof(key), "%s/key.pem", tmp);
    snprintf(cert, sizeof(cert), "%s/cert.pem", tmp);
    snprintf(pem, n, "%s/camera.pem", tmp);
    char *argv[] = {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=camera.test",
                    NULL};
    run_ok(argv);
    FILE *out = fopen(pem, "w");
    cr_assert_not_null(out);
    const char *parts[] = {cert, key};
    for (int i = 0; i < 2; i++) {
        FILE *in = fopen(parts[i], "r");
        cr_assert_not_null(in, "%s", parts[i]);
        char buf[4096];
        size_t got;
        while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
            fwrite(buf, 1, got, out);
        fclose(in);
    }
    fclose(out);
}

static void setup(void)
{
    tmp = testutil_mkdtemp();
    char pem[4200];
    make_certificate(pem, sizeof(pem));
    gst_start(&tls_srv, pem, &tls_open, &tls_digest);
    int unused;
    gst_start(&plain_srv, NULL, &plain_open, &unused);
}

static void teardown(void)
{
    proc_stop(&tls_srv, SIGTERM, 10000);
    proc_stop(&plain_srv, SIGTERM, 10000);
    testutil_rmdir(tmp);
}

TestSuite(rtsps, .init = setup, .fini = teardown, .timeout = 120);

struct verdict {
    json_t *o;
    int rc;
    uint64_t took_ms;
    char out[4096];
};

/* The deadline is far above what any verdict here takes, so that "at
 * once" (under half of it) holds on a loaded machine too. */
#define PROBE_DEADLINE_MS 20000

static void probe(const char *url, const char *depth, struct verdict *v)
{
    char *argv[] = {CAMDEX_BIN, "probe", (char *)url, "--depth", (char *)depth, "--timeout", "20s",
                    "--format", "json", NULL};
    uint64_t t0 = procs_now_ms();
    struct run r = runv(argv);
    v->took_ms = procs_now_ms() - t0;
    v->rc = r.rc;
    snprintf(v->out, sizeof(v->out), "%s%s", r.out, r.err);
    v->o = json_loads(r.out, 0, NULL);
    run_free(&r);
    cr_assert_not_null(v->o, "no JSON from camdex probe %s: %s", url, v->out);
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(none)";
}

static json_int_t num(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* Codec and picture size of the first video stream, as ffprobe reads it. */
static void ffprobe_video(const char *url, char *codec, size_t n, json_int_t *w, json_int_t *h)
{
    char *argv[] = {"/usr/bin/ffprobe", "-v", "error", "-rtsp_transport", "tcp",
                    "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height",
                    "-of", "json", (char *)url, NULL};
    struct run r = runv(argv);
    cr_assert_eq(r.rc, 0, "ffprobe %s: %s", url, r.err);
    json_t *o = json_loads(r.out, 0, NULL);
    json_t *s = json_array_get(json_object_get(o, "streams"), 0);
    cr_assert_not_null(s, "ffprobe: %s", r.out);
    snprintf(codec, n, "%s", str(s, "codec_name"));
    *w = num(s, "width");
    *h = num(s, "height");
    json_decref(o);
    run_free(&r);
}

static void expect_like_ffprobe(const char *url, const struct verdict *v)
{
    char codec[32];
    json_int_t w, h;
    ffprobe_video(url, codec, sizeof(codec), &w, &h);
    json_t *video = json_object_get(v->o, "video");
    cr_expect_str_eq(str(video, "codec"), codec, "%s", v->out);
    cr_expect_eq(num(video, "width"), w, "ffprobe says %lldx%lld: %s", (long long)w,
                 (long long)h, v->out);
    cr_expect_eq(num(video, "height"), h, "%s", v->out);
}

Test(rtsps, a_healthy_rtsps_camera_is_online_with_what_ffprobe_sees)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsps://127.0.0.1:%d/h264", tls_open);
    struct verdict v;
    probe(url, "deep", &v);
    cr_assert_str_eq(str(v.o, "state"), "online", "%s", v.out);
    cr_expect_eq(v.rc, 0);
    expect_like_ffprobe(url, &v);
    /* Measured by the deep probe: a frame rate, and a first keyframe. */
    cr_expect_gt(json_real_value(json_object_get(json_object_get(v.o, "video"), "fps")), 0,
                 "%s", v.out);
    json_decref(v.o);
}

/* Tier 1 has no TLS: whatever depth is asked for, an rtsps URL goes to the
 * deep probe, never to a plaintext handshake on the TLS port. */
Test(rtsps, a_handshake_depth_is_probed_deep_all_the_same)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsps://127.0.0.1:%d/h264-720", tls_open);
    struct verdict v;
    probe(url, "describe", &v);
    cr_assert_str_eq(str(v.o, "state"), "online", "%s", v.out);
    json_t *t = json_object_get(v.o, "timings_ms");
    cr_expect_null(json_object_get(t, "describe"), "a tier-1 handshake ran: %s", v.out);
    cr_expect_not_null(json_object_get(t, "first_keyframe"), "no deep probe: %s", v.out);
    expect_like_ffprobe(url, &v);
    json_decref(v.o);
}

Test(rtsps, digest_inside_tls_plays_with_the_right_password_and_fails_with_a_wrong_one)
{
    char url[160];
    snprintf(url, sizeof(url), "rtsps://" USER ":" PASS "@127.0.0.1:%d/h264-720", tls_digest);
    struct verdict v;
    probe(url, "deep", &v);
    cr_expect_str_eq(str(v.o, "state"), "online", "%s", v.out);
    expect_like_ffprobe(url, &v);
    cr_expect_null(strstr(v.out, PASS), "the password is in the output: %s", v.out);
    json_decref(v.o);

    snprintf(url, sizeof(url), "rtsps://" USER ":Wrong-%s@127.0.0.1:%d/h264-720", PASS,
             tls_digest);
    probe(url, "deep", &v);
    cr_expect_str_eq(str(v.o, "state"), "offline", "%s", v.out);
    cr_expect_str_eq(str(v.o, "reason"), "auth_failed", "%s", v.out);
    cr_expect_eq(num(v.o, "status"), 401, "%s", v.out);
    cr_expect_eq(v.rc, 4);
    cr_expect_null(strstr(v.out, PASS), "the password is in the output: %s", v.out);
    json_decref(v.o);
}

/* A camera whose URL says rtsps but which speaks plain RTSP answers the
 * TLS hello with an RTSP error: a protocol error that says TLS, at once. */
Test(rtsps, a_plain_rtsp_server_dialled_as_rtsps_is_a_tls_protocol_error)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsps://127.0.0.1:%d/h264", plain_open);
    struct verdict v;
    probe(url, "deep", &v);
    cr_expect_str_eq(str(v.o, "state"), "offline", "%s", v.out);
    cr_expect_str_eq(str(v.o, "reason"), "protocol_error", "%s", v.out);
    cr_expect_not_null(strstr(str(v.o, "detail"), "TLS"), "detail: %s", str(v.o, "detail"));
    cr_expect_lt(v.took_ms, PROBE_DEADLINE_MS / 2, "verdict after %llu ms (deadline 20 s)",
                 (unsigned long long)v.took_ms);
    cr_expect_eq(v.rc, 4);
    json_decref(v.o);
}

/* The other way round: an RTSPS port dialled as rtsp gets tier 1's
 * plaintext OPTIONS, which the TLS server drops. */
Test(rtsps, an_rtsps_port_dialled_as_rtsp_is_offline_at_once)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/h264", tls_open);
    struct verdict v;
    probe(url, "describe", &v);
    cr_expect_str_eq(str(v.o, "state"), "offline", "%s", v.out);
    cr_expect_str_eq(str(v.o, "reason"), "connect_reset", "%s", v.out);
    cr_expect_lt(v.took_ms, PROBE_DEADLINE_MS / 2, "verdict after %llu ms (deadline 20 s)",
                 (unsigned long long)v.took_ms);
    json_decref(v.o);
}

/* Without the tier-2 module nothing here can speak TLS: `camdex probe`
 * says so and exits 1 (a failure of camdex, not a verdict on the camera). */
Test(rtsps_without_tier2, an_rtsps_url_is_refused_with_what_to_install)
{
    if (access(CAMDEX_DEEP_INSTALL_PATH, F_OK) == 0)
        cr_skip_test("%s is installed: the module would load from there",
                     CAMDEX_DEEP_INSTALL_PATH);
    char *dir = testutil_mkdtemp();
    char bin[4200];
    snprintf(bin, sizeof(bin), "%s/camdex", dir);
    /* A copy of the program alone: no camdex-deep.so beside it. */
    FILE *in = fopen(CAMDEX_BIN, "rb"), *out = fopen(bin, "wb");
    cr_assert(in && out);
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
    chmod(bin, 0755);
    setenv("CAMDEX_DEEP_MODULE", "/nonexistent/camdex-deep.so", 1);
    char *argv[] = {bin, "probe", "rtsps://admin:Secret-77@127.0.0.1:1/x", NULL};
    struct run r = runv(argv);
    cr_expect_eq(r.rc, 1, "exit %d: %s %s", r.rc, r.out, r.err);
    cr_expect_not_null(strstr(r.err, "rtsps URLs need the deep probe"), "%s", r.err);
    cr_expect_not_null(strstr(r.err, "camdex-deep.so"), "%s", r.err);
    cr_expect_null(strstr(r.err, "Secret-77"), "the password is in the error: %s", r.err);
    run_free(&r);
    testutil_rmdir(dir);
}
