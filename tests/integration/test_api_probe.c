/* POST /api/v1/cameras/{id}/probe against `camdex serve` and camfarm: a
 * probe on demand answers with its result, counts like a scheduled probe
 * (hysteresis, events, index), is refused for unknown cameras and
 * read-only tokens, is limited in number and in time, survives clients that
 * leave, and is answered when the service stops. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "farm.h"
#include "httpc.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define CAMERAS 48
#define RO      "ro-token-0b5e"
#define RW      "rw-token-91fd"

static char *tmp;
static char db[4200], fleet[4200];
static int rtsp_port, control_port;
static struct proc farm, serve;
static json_t *rtsp_ids; /* the fleet's RTSP cameras, in inventory order */

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
    snprintf(fleet, sizeof(fleet), "%s/fleet.csv", tmp);
    rtsp_port = procs_free_port();
    control_port = procs_free_port();
    farm_generate(fleet, CAMERAS, 17, rtsp_port);
    char *imp[] = {CAMDEX_BIN, "--db", db, "import", fleet, NULL};
    run_ok(imp);
    char *list[] = {CAMDEX_BIN, "--db", db, "list", "--format", "json", NULL};
    struct run r = runv(list);
    json_t *rows = json_loads(r.out, 0, NULL);
    cr_assert(json_is_array(rows));
    rtsp_ids = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (strncmp(json_string_value(json_object_get(row, "url")), "rtsp://", 7) == 0)
            json_array_append(rtsp_ids, json_object_get(row, "id"));
    }
    json_decref(rows);
    run_free(&r);
    cr_assert_geq(json_array_size(rtsp_ids), 40, "too few RTSP cameras in the fleet");

    farm_start(&farm, fleet, rtsp_port, control_port, NULL);
}

static void teardown(void)
{
    int rc = serve.pid > 0 ? proc_stop(&serve, SIGTERM, 15000) : 0;
    proc_stop(&farm, SIGTERM, 10000);
    json_decref(rtsp_ids);
    testutil_rmdir(tmp);
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

TestSuite(api_probe, .init = setup, .fini = teardown, .timeout = 180);

static const char *rtsp_id(size_t i)
{
    return json_string_value(json_array_get(rtsp_ids, i));
}

/* The schedule is an hour long, so no scheduled probe (spread over it by
 * camera id) is likely to land inside a test: what changes a camera's
 * health here is the probes the test asks for. Offline after 2 failures;
 * the re-check a first failure schedules comes only after 10 minutes. */
static void start_serve_with(const char *extra, const char *extra2)
{
    char *argv[32] = {CAMDEX_BIN, "--db", db, "serve", "--interval", "1h", "--depth",
                      "describe", "--fail-threshold", "2", "--recover-threshold", "1",
                      "--recheck-delay", "10m", "--connect-timeout", "1s", "--reply-timeout",
                      "1s", "--set", "http.listen=127.0.0.1:0", "--set",
                      "http.token_ro=" RO, "--set", "http.token_rw=" RW, "--log-level", "debug"};
    int n = 26;
    if (extra) {
        argv[n++] = "--set";
        argv[n++] = (char *)extra;
    }
    if (extra2) {
        argv[n++] = "--set";
        argv[n++] = (char *)extra2;
    }
    argv[n] = NULL;
    proc_start(&serve, 2, argv);
    http_port = serve_http_port(&serve);
}

static void start_serve(const char *extra)
{
    start_serve_with(extra, NULL);
}

static void control(const char *fmt, const char *id)
{
    char cmd[256], reply[256];
    snprintf(cmd, sizeof(cmd), fmt, id);
    farm_control(control_port, cmd, reply, sizeof(reply));
    cr_assert_str_eq(reply, "ok", "%s: %s", cmd, reply);
}

static struct resp probe(const char *id, const char *query, const char *token)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/probe%s", id, query ? query : "");
    return request("POST", path, token, NULL);
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    cr_assert_not_null(s, "no %s in the answer", key);
    return s;
}

Test(api_probe, a_healthy_camera_is_online_with_its_metadata)
{
    start_serve(NULL);
    const char *id = rtsp_id(0);
    struct resp r = probe(id, NULL, RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(str(r.json, "id"), id);
    cr_assert_str_eq(str(r.json, "state"), "online", "%s", r.body);
    cr_assert_str_eq(str(r.json, "reason"), "");
    cr_assert_str_eq(str(r.json, "depth"), "describe");
    cr_assert_eq(json_integer_value(json_object_get(r.json, "status")), 200);
    json_t *video = json_object_get(r.json, "video");
    cr_assert_str_eq(str(video, "codec"), "h264", "%s", r.body);
    cr_assert_gt(json_integer_value(json_object_get(video, "width")), 0);
    json_t *t = json_object_get(r.json, "timings_ms");
    cr_assert(json_is_number(json_object_get(t, "connect")), "%s", r.body);
    cr_assert(json_is_number(json_object_get(t, "describe")), "%s", r.body);
    /* The URL is shown without its credentials. */
    const char *url = str(r.json, "url");
    cr_assert(strncmp(url, "rtsp://", 7) == 0, "%s", url);
    cr_assert(strstr(url, "***@") || !strchr(url, '@'), "credentials in %s", url);
    json_t *h = json_object_get(r.json, "health");
    cr_assert_str_eq(str(h, "state"), "online", "%s", r.body);
    cr_assert(json_is_false(json_object_get(r.json, "maintenance")));
    resp_free(&r);
    /* The index has the camera online: the probe counted like any other. */
    cr_assert(proc_wait_line(&serve, 10000, "state change", id, "to=online", NULL), "%s",
              serve.last);

    /* depth=deep runs the libav probe: measured metadata. */
    r = probe(id, "?depth=deep", RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(str(r.json, "depth"), "deep");
    cr_assert_neq(strcmp(str(r.json, "state"), "offline"), 0, "%s", r.body);
    video = json_object_get(r.json, "video");
    cr_assert_gt(json_integer_value(json_object_get(video, "width")), 0, "%s", r.body);
    cr_assert_gt(json_real_value(json_object_get(video, "fps")), 0, "%s", r.body);
    cr_assert_null(json_object_get(r.json, "thumbnail"), "a thumbnail nobody asked for");
    resp_free(&r);

    /* thumbnail=true: the keyframe as a JPEG in a data: URL (implies deep). */
    r = probe(id, "?thumbnail=true", RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(str(r.json, "depth"), "deep");
    const char *thumb = str(r.json, "thumbnail");
    static const char prefix[] = "data:image/jpeg;base64,";
    cr_assert(thumb && strncmp(thumb, prefix, sizeof(prefix) - 1) == 0, "%.80s", r.body);
    /* Base64 of FF D8 FF (a JPEG's start) is "/9j/". */
    cr_assert(strncmp(thumb + sizeof(prefix) - 1, "/9j/", 4) == 0, "%.60s", thumb);
    size_t b64 = strlen(thumb) - (sizeof(prefix) - 1);
    cr_assert_gt(b64, 1000);
    cr_assert_lt(b64, 100 * 1024);
    resp_free(&r);
}

Test(api_probe, a_killed_camera_goes_offline_after_fail_threshold_probes)
{
    /* Tier 1 only: a deep look started when the camera comes up would be a
     * probe the test did not ask for. */
    start_serve("deep.workers=0");
    const char *id = rtsp_id(1);
    char cam[96];
    snprintf(cam, sizeof(cam), "camera=%s", id);
    struct resp r = probe(id, NULL, RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(str(json_object_get(r.json, "health"), "state"), "online", "%s", r.body);
    resp_free(&r);

    control("kill %s", id);
    /* First failure: the result says offline, the camera is not yet. */
    r = probe(id, NULL, RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(str(r.json, "state"), "offline", "%s", r.body);
    char why[32];
    snprintf(why, sizeof(why), "%s", str(r.json, "reason"));
    cr_assert(strcmp(why, "connect_reset") == 0 || strcmp(why, "connect_refused") == 0, "%s",
              r.body);
    /* Without lang or Accept-Language the texts are English. */
    cr_assert_str_eq(str(r.json, "reason_text"),
                     strcmp(why, "connect_reset") == 0 ? "connection reset" : "connection refused",
                     "%s", r.body);
    json_t *h = json_object_get(r.json, "health");
    cr_assert_str_eq(str(h, "state"), "online", "one failure is not an outage: %s", r.body);
    cr_assert_eq(json_integer_value(json_object_get(h, "consec_fail")), 1);
    cr_assert(json_is_true(json_object_get(h, "recheck")));
    resp_free(&r);
    /* Second failure: fail_threshold (2) reached, the transition happens;
     * asked in Chinese, the texts beside the codes are. */
    r = probe(id, "?depth=options&lang=zh", RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(str(r.json, "depth"), "options");
    cr_assert_str_eq(str(r.json, "state_text"), "离线", "%s", r.body);
    cr_assert(strcmp(str(r.json, "reason_text"), "连接被重置") == 0 ||
                  strcmp(str(r.json, "reason_text"), "连接被拒绝") == 0,
              "%s", r.body);
    h = json_object_get(r.json, "health");
    cr_assert_str_eq(str(h, "from_text"), "在线", "%s", r.body);
    cr_assert_str_eq(str(h, "state_text"), "离线", "%s", r.body);
    cr_assert_str_eq(str(h, "state"), "offline", "%s", r.body);
    cr_assert(json_is_true(json_object_get(h, "changed")));
    cr_assert_str_eq(str(h, "from"), "online");
    cr_assert_eq(json_integer_value(json_object_get(h, "consec_fail")), 2);
    resp_free(&r);
    /* Logged after the commit: the index has the transition. */
    cr_assert(proc_wait_line(&serve, 10000, "state change", cam, "to=offline", NULL), "%s",
              serve.last);
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/events", id);
    r = request("GET", path, RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *evs = json_object_get(r.json, "events");
    json_t *last = json_array_get(evs, json_array_size(evs) - 1);
    cr_assert_str_eq(str(last, "to"), "offline", "%s", r.body);
    cr_assert_str_eq(str(last, "reason"), why, "%s", r.body);
    resp_free(&r);

    control("revive %s", id);
    r = probe(id, NULL, RW);
    cr_assert_str_eq(str(json_object_get(r.json, "health"), "state"), "online", "%s", r.body);
    resp_free(&r);
}

Test(api_probe, unknown_cameras_read_only_tokens_and_bad_depths_are_refused)
{
    start_serve(NULL);
    struct resp r = probe("NO-SUCH-CAMERA", NULL, RW);
    assert_error(&r, 404, "not_found", "NO-SUCH-CAMERA");
    resp_free(&r);
    r = probe(rtsp_id(2), NULL, RO);
    assert_error(&r, 403, "forbidden", "only read");
    resp_free(&r);
    r = probe(rtsp_id(2), NULL, NULL);
    assert_error(&r, 401, "unauthorized", "Bearer");
    resp_free(&r);
    r = probe(rtsp_id(2), "?depth=deepest", RW);
    assert_error(&r, 400, "bad_parameter", "depth");
    resp_free(&r);
    r = probe(rtsp_id(2), "?colour=red", RW);
    assert_error(&r, 400, "bad_parameter", "colour");
    resp_free(&r);
    r = probe(rtsp_id(2), "?thumbnail=yes", RW);
    assert_error(&r, 400, "bad_parameter", "thumbnail");
    resp_free(&r);
    r = probe(rtsp_id(2), "?thumbnail=true&depth=play", RW);
    assert_error(&r, 400, "bad_parameter", "depth=deep");
    resp_free(&r);
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/probe", rtsp_id(2));
    r = request("GET", path, RO, NULL);
    assert_error(&r, 405, "method_not_allowed", "POST");
    resp_free(&r);
}

Test(api_probe, a_camera_under_maintenance_is_probed_without_changing_state)
{
    start_serve("deep.workers=0");
    const char *id = rtsp_id(3);
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/maintenance", id);
    struct resp r = request("PUT", path, RW, "{\"on\": true}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    cr_assert(proc_wait_line(&serve, 10000, "inventory reloaded", NULL), "%s", serve.last);
    control("kill %s", id);
    for (int i = 0; i < 3; i++) {
        r = probe(id, NULL, RW);
        cr_assert_eq(r.status, 200, "%s", r.body);
        cr_assert_str_eq(str(r.json, "state"), "offline", "%s", r.body);
        cr_assert(json_is_true(json_object_get(r.json, "maintenance")), "%s", r.body);
        cr_assert_str_eq(str(json_object_get(r.json, "health"), "state"), "maintenance");
        resp_free(&r);
    }
}

/* Waits until camfarm has seen a connection to the camera: the proof that
 * a probe of it is in flight. */
static void wait_connection(const char *id)
{
    uint64_t end = procs_now_ms() + 10000;
    for (;;) {
        char cmd[128], reply[2048];
        snprintf(cmd, sizeof(cmd), "stats %s", id);
        farm_control(control_port, cmd, reply, sizeof(reply));
        json_t *st = json_loads(reply, 0, NULL);
        json_int_t conns = json_integer_value(json_object_get(st, "connections"));
        json_decref(st);
        if (conns > 0)
            return;
        cr_assert_lt(procs_now_ms(), end, "no probe reached camera %s", id);
        poll(NULL, 0, 20);
    }
}

/* Opens a connection and sends a probe request without reading. */
static int send_probe(const char *id)
{
    char raw[512];
    int n = snprintf(raw, sizeof(raw),
                     "POST /api/v1/cameras/%s/probe HTTP/1.1\r\nHost: x\r\n"
                     "Authorization: Bearer " RW "\r\nConnection: close\r\n"
                     "Content-Length: 0\r\n\r\n",
                     id);
    int fd = connect_api();
    send_all(fd, raw, (size_t)n);
    return fd;
}

static int status_of(int fd, char **head)
{
    size_t n;
    char *all = read_all(fd, 20000, &n);
    close(fd);
    cr_assert_not_null(all, "no answer within 20 s");
    int status = 0;
    sscanf(all, "HTTP/1.%*d %d", &status);
    *head = all;
    return status;
}

Test(api_probe, more_than_32_waiting_probes_get_429)
{
    start_serve("deep.workers=0");
    /* 40 cameras that accept and never answer: each probe lasts the 1 s
     * reply deadline, far longer than sending 40 requests takes. */
    enum { N = 40 };
    for (size_t i = 0; i < N; i++)
        control("mode %s silent", rtsp_id(i));
    int fds[N];
    for (size_t i = 0; i < N; i++)
        fds[i] = send_probe(rtsp_id(i));
    int ok = 0, limited = 0;
    for (size_t i = 0; i < N; i++) {
        char *all;
        int st = status_of(fds[i], &all);
        if (st == 429) {
            limited++;
            cr_assert(strcasestr(all, "\r\nretry-after: 1\r\n"), "%s", all);
            cr_assert(strstr(all, "too_many_probes"), "%s", all);
        } else {
            cr_assert_eq(st, 200, "%s", all);
            cr_assert(strstr(all, "\"reason\":\"rtsp_timeout\""), "%s", all);
            ok++;
        }
        free(all);
    }
    cr_assert_eq(ok, 32, "%d answered, %d refused", ok, limited);
    cr_assert_eq(limited, N - 32);
    /* Once they have ended, there is room again. */
    struct resp r = probe(rtsp_id(0), NULL, RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
}

Test(api_probe, clients_that_leave_mid_probe_harm_nothing)
{
    start_serve(NULL);
    for (size_t i = 0; i < 6; i++)
        control("mode %s silent", rtsp_id(10 + i));
    /* Each client leaves while its probe runs; the probe still ends and
     * its answer has nowhere to go. Half ask for the deep probe. */
    for (size_t i = 0; i < 6; i++) {
        char raw[512];
        int n = snprintf(raw, sizeof(raw),
                         "POST /api/v1/cameras/%s/probe%s HTTP/1.1\r\nHost: x\r\n"
                         "Authorization: Bearer " RW "\r\nContent-Length: 0\r\n\r\n",
                         rtsp_id(10 + i), i % 2 ? "?depth=deep" : "");
        int fd = connect_api();
        send_all(fd, raw, (size_t)n);
        wait_connection(rtsp_id(10 + i));
        /* An RST, not a polite FIN. */
        struct linger lg = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(fd);
    }
    /* Their probes end (1 s reply deadline) and count: each camera's first
     * failure is in the index as a failed probe, and the service answers. */
    struct resp r = probe(rtsp_id(20), NULL, RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(str(r.json, "state"), "online", "%s", r.body);
    resp_free(&r);
    for (size_t i = 0; i < 6; i += 2) {
        /* A second probe of the same camera waits for the one whose client
         * left, then runs: its failure is the camera's second. */
        r = probe(rtsp_id(10 + i), NULL, RW);
        cr_assert_eq(r.status, 200, "%s", r.body);
        json_t *h = json_object_get(r.json, "health");
        cr_assert_eq(json_integer_value(json_object_get(h, "consec_fail")), 2, "%s", r.body);
        resp_free(&r);
    }
    /* teardown: serve exits 0, so AddressSanitizer found nothing. */
}

Test(api_probe, a_stopping_service_answers_waiting_probes)
{
    start_serve("probe.reply_timeout=20s");
    const char *id = rtsp_id(30);
    control("mode %s silent", id);
    int fd = send_probe(id);
    wait_connection(id);
    cr_assert_eq(kill(serve.pid, SIGTERM), 0);
    char *all;
    int st = status_of(fd, &all);
    cr_assert_eq(st, 503, "%s", all);
    cr_assert(strstr(all, "\"stopping\""), "%s", all);
    free(all);
    int rc = proc_stop(&serve, SIGTERM, 15000);
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

Test(api_probe, a_probe_that_outlasts_probe_wait_gets_504_and_still_counts)
{
    /* A silent camera: the probe ends at its 3 s reply deadline, after the
     * 1 s an API client is kept waiting. */
    start_serve_with("http.probe_wait=1s", "probe.reply_timeout=3s");
    const char *id = rtsp_id(31);
    control("mode %s silent", id);
    uint64_t t0 = procs_now_ms();
    struct resp r = probe(id, "?depth=options", RW);
    uint64_t took = procs_now_ms() - t0;
    assert_error(&r, 504, "timeout", id);
    cr_assert_geq(took, 1000, "answered after %llu ms", (unsigned long long)took);
    resp_free(&r);
    /* The probe went on and counted: the next one is the camera's second
     * failure. */
    r = probe(id, "?depth=options", RW);
    assert_error(&r, 504, "timeout", id);
    resp_free(&r);
    cr_assert(proc_wait_line(&serve, 15000, "state change", id, "to=offline",
                             "reason=rtsp_timeout", NULL),
              "%s", serve.last);
}
