/* [cluster] end to end: a real nats-server, camfarm, two zones' `camdex
 * serve --set cluster.role=prober` and one `cluster.role=central`. The
 * central lists what the zones list; a camera killed in a zone goes
 * offline at the central; a prober killed leaves its zone's cameras
 * unknown / prober_lost (not offline) within stale_after + 30 s and a
 * restart brings them back; the central refuses an import, naming where
 * it belongs. Operations on a camera asked at the central (API and CLI)
 * are done by its zone's prober and answered as the prober answers; a
 * zone whose prober is down is named in the answer. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <sys/stat.h>

#include "farm.h"
#include "httpc.h"
#include "httpget.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define CAMERAS    40
#define RW_PROBER  "rw-prober-6c1a"
#define RW_CENTRAL "rw-central-09d3"

static char *tmp;
static char fleet[4200], inv[2][4200], db[3][4200], nats_url[64];
static int rtsp_port, control_port, central_http, prober_http[2];
static struct proc farm, natsd, serve[3]; /* zones a, b, the central */
static const char *const zone_name[2] = {"a", "b"};

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* The fleet's header and rows [from, to) into path. */
static void split(const char *text, const char *path, int from, int to)
{
    const char *row = strchr(text, '\n') + 1;
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fwrite(text, 1, (size_t)(row - text), f);
    for (int i = 0; i < to && *row; i++) {
        const char *end = strchr(row, '\n');
        end = end ? end + 1 : row + strlen(row);
        if (i >= from)
            fwrite(row, 1, (size_t)(end - row), f);
        row = end;
    }
    fclose(f);
}

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(fleet, sizeof(fleet), "%s/fleet.csv", tmp);
    rtsp_port = procs_free_port();
    control_port = procs_free_port();
    char port[16], cams[16];
    snprintf(port, sizeof(port), "%d", rtsp_port);
    snprintf(cams, sizeof(cams), "%d", CAMERAS);
    char *gen[] = {CAMDEX_BIN, "generate", "--cameras", cams, "--seed", "17", "--port", port, NULL};
    struct run g = runv(gen);
    cr_assert_eq(g.rc, 0);
    write_text(fleet, g.out);
    for (int z = 0; z < 2; z++) {
        snprintf(inv[z], sizeof(inv[z]), "%s/zone-%s.csv", tmp, zone_name[z]);
        split(g.out, inv[z], z * CAMERAS / 2, (z + 1) * CAMERAS / 2);
    }
    run_free(&g);
    for (int i = 0; i < 3; i++)
        snprintf(db[i], sizeof(db[i]), "%s/index-%d", tmp, i);
    int nport = procs_free_port();
    snprintf(nats_url, sizeof(nats_url), "nats://127.0.0.1:%d", nport);
    char np[16], sd[4200];
    snprintf(np, sizeof(np), "%d", nport);
    snprintf(sd, sizeof(sd), "%s/nats", tmp);
    char *nargv[] = {"/usr/sbin/nats-server", "-js", "-a", "127.0.0.1", "-p", np, "-sd", sd, NULL};
    proc_start(&natsd, 2, nargv);
    cr_assert(proc_wait_line(&natsd, 20000, "Server is ready", NULL), "%s", natsd.last);
    farm_start(&farm, fleet, rtsp_port, control_port, NULL);
}

static void teardown(void)
{
    for (int i = 0; i < 3; i++)
        proc_stop(&serve[i], SIGTERM, 15000);
    proc_stop(&farm, SIGTERM, 10000);
    proc_stop(&natsd, SIGTERM, 10000);
    testutil_rmdir(tmp);
}

TestSuite(cluster, .init = setup, .fini = teardown, .timeout = 300);

static void start_prober(int z)
{
    char zone[32], nats[96];
    snprintf(zone, sizeof(zone), "cluster.zone=%s", zone_name[z]);
    snprintf(nats, sizeof(nats), "cluster.nats=%s", nats_url);
    char *argv[] = {CAMDEX_BIN,
                    "--db",
                    db[z],
                    "serve",
                    "--interval",
                    "2s",
                    "--depth",
                    "describe",
                    "--fail-threshold",
                    "1",
                    "--recover-threshold",
                    "1",
                    "--connect-timeout",
                    "500ms",
                    "--reply-timeout",
                    "500ms",
                    "--set",
                    "http.listen=127.0.0.1:0",
                    "--set",
                    "http.token_rw=" RW_PROBER,
                    "--set",
                    "cluster.role=prober",
                    "--set",
                    zone,
                    "--set",
                    nats,
                    "--set",
                    "cluster.heartbeat=200ms",
                    NULL};
    proc_start(&serve[z], 2, argv);
    prober_http[z] = serve_http_port(&serve[z]);
    cr_assert(proc_wait_line(&serve[z], 15000, "msg=serving", NULL), "prober %s: %s", zone_name[z],
              serve[z].last);
}

static void start_central(void)
{
    char nats[96];
    snprintf(nats, sizeof(nats), "cluster.nats=%s", nats_url);
    char *argv[] = {CAMDEX_BIN, "--db",
                    db[2],      "serve",
                    "--set",    "http.listen=127.0.0.1:0",
                    "--set",    "http.token_rw=" RW_CENTRAL,
                    "--set",    "cluster.role=central",
                    "--set",    "cluster.zones=a,b",
                    "--set",    nats,
                    "--set",    "cluster.stale_after=2s",
                    NULL};
    proc_start(&serve[2], 2, argv);
    central_http = serve_http_port(&serve[2]);
    cr_assert(proc_wait_line(&serve[2], 15000, "msg=serving", NULL), "central: %s", serve[2].last);
}

/* "id state reason\n" per camera of an index, in id order. */
static char *listing(const char *dbdir)
{
    char *argv[] = {CAMDEX_BIN, "--db", (char *)dbdir, "list", "--format", "json", NULL};
    struct run r = runv(argv);
    json_t *rows = json_loads(r.out, 0, NULL);
    run_free(&r);
    if (!json_is_array(rows)) {
        json_decref(rows);
        return strdup("");
    }
    size_t cap = 64 * json_array_size(rows) + 1, len = 0, i;
    char *out = calloc(1, cap);
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        len += (size_t)snprintf(out + len, cap - len, "%s %s %s\n",
                                json_string_value(json_object_get(row, "id")),
                                json_string_value(json_object_get(row, "state")),
                                json_string_value(json_object_get(row, "reason")));
    }
    json_decref(rows);
    return out;
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The zones' listings merged in id order. */
static char *union_of_zones(void)
{
    char *a = listing(db[0]), *b = listing(db[1]);
    size_t n = strlen(a) + strlen(b);
    char *all = malloc(n + 1), *lines[2 * CAMERAS + 2];
    snprintf(all, n + 1, "%s%s", a, b);
    free(a);
    free(b);
    size_t k = 0;
    for (char *save = NULL, *t = strtok_r(all, "\n", &save); t && k < 2 * CAMERAS + 2;
         t = strtok_r(NULL, "\n", &save))
        lines[k++] = t;
    qsort(lines, k, sizeof(*lines), cmp_lines);
    char *out = calloc(1, n + 2);
    for (size_t i = 0; i < k; i++)
        strcat(strcat(out, lines[i]), "\n");
    free(all);
    return out;
}

/* The first line where the zones and the central differ, for messages. */
static char first_difference[256];

static void note_difference(const char *zones, const char *central)
{
    size_t i = 0, line = 0;
    while (zones[i] && zones[i] == central[i]) {
        if (zones[i] == '\n')
            line = i + 1;
        i++;
    }
    snprintf(first_difference, sizeof(first_difference), "zones \"%.*s\", central \"%.*s\"",
             (int)strcspn(zones + line, "\n"), zones + line, (int)strcspn(central + line, "\n"),
             central + line);
}

static bool central_equals_zones(int ms)
{
    uint64_t deadline = procs_now_ms() + (uint64_t)ms;
    bool same = false;
    while (!same && procs_now_ms() < deadline) {
        char *u = union_of_zones(), *c = listing(db[2]);
        same = *u && strcmp(u, c) == 0;
        if (!same)
            note_difference(u, c);
        free(u);
        free(c);
    }
    return same;
}

/* Cameras of the central in `state` with `reason`. */
static int central_count(const char *state, const char *reason)
{
    char *c = listing(db[2]), needle[64];
    snprintf(needle, sizeof(needle), " %s %s\n", state, reason);
    int n = 0;
    for (const char *p = c; (p = strstr(p, needle)); p++)
        n++;
    free(c);
    return n;
}

Test(cluster, the_central_adds_up_the_zones_and_a_silent_zone_goes_stale)
{
    for (int z = 0; z < 2; z++) {
        char *argv[] = {CAMDEX_BIN, "--db", db[z], "import", inv[z], NULL};
        run_ok(argv);
        start_prober(z);
    }
    start_central();
    cr_assert(central_equals_zones(60000), "the central's list is not the zones' union: %s",
              first_difference);
    /* Zone is a filter and a column at the central. */
    char *zl[] = {CAMDEX_BIN, "--db", db[2], "list", "--zone", "b", "--format", "json", NULL};
    struct run lr = runv(zl);
    json_t *rows = json_loads(lr.out, 0, NULL);
    cr_assert_eq(json_array_size(rows), CAMERAS / 2, "%s", lr.err);
    for (size_t i = 0; i < json_array_size(rows); i++)
        cr_expect_str_eq(json_string_value(json_object_get(json_array_get(rows, i), "zone")), "b");
    json_decref(rows);
    run_free(&lr);

    /* The central refuses an inventory, saying where it goes. */
    char *imp[] = {CAMDEX_BIN, "--db", db[2], "import", inv[0], NULL};
    struct run r = runv(imp);
    cr_expect_eq(r.rc, 1);
    cr_expect(strstr(r.err, "prober") && strstr(r.err, "a,b"), "%s", r.err);
    run_free(&r);

    /* A camera killed in zone b goes offline at the central. */
    char id[64], reply[256], cmd[128];
    farm_rtsp_camera(db[1], 0, id, sizeof(id));
    snprintf(cmd, sizeof(cmd), "kill %s", id);
    farm_control(control_port, cmd, reply, sizeof(reply));
    cr_assert_str_eq(reply, "ok");
    char cam[80];
    snprintf(cam, sizeof(cam), "camera=%s", id);
    cr_assert(proc_wait_line(&serve[1], 15000, "state change", cam, "to=offline", NULL), "%s",
              serve[1].last);
    cr_assert(central_equals_zones(30000), "the kill did not reach the central: %s",
              first_difference);

    /* Zone a's prober dies: its cameras are unknown / prober_lost, not
     * offline, within stale_after (2 s) + 30 s; zone b's stay as they are. */
    int online_b_before = 0;
    {
        char *b = listing(db[1]);
        for (const char *p = b; (p = strstr(p, " online ")); p++)
            online_b_before++;
        free(b);
    }
    proc_stop(&serve[0], SIGKILL, 5000);
    cr_assert(proc_wait_line(&serve[2], 32000, "zone stale", "zone=a", NULL), "%s", serve[2].last);
    uint64_t deadline = procs_now_ms() + 10000;
    while (central_count("unknown", "prober_lost") < CAMERAS / 2 && procs_now_ms() < deadline)
        ;
    cr_expect_eq(central_count("unknown", "prober_lost"), CAMERAS / 2);
    cr_expect_eq(central_count("online", ""), online_b_before,
                 "zone b's cameras changed with zone a");
    int status = 0;
    char *m = http_get(central_http, "/metrics", RW_CENTRAL, 5000, &status);
    cr_assert_eq(status, 200);
    cr_expect(strstr(m, "camdex_cluster_zone_stale{zone=\"a\"} 1\n") &&
                  strstr(m, "camdex_cluster_zone_stale{zone=\"b\"} 0\n"),
              "%s", m);
    free(m);

    /* Back: the real state again. */
    start_prober(0);
    cr_assert(central_equals_zones(60000), "zone a did not come back at the central: %s",
              first_difference);
    cr_expect_eq(central_count("unknown", "prober_lost"), 0);
    cr_expect_eq(proc_stop(&serve[2], SIGTERM, 15000), 0, "the central did not stop cleanly");
    cr_expect_eq(proc_stop(&serve[0], SIGTERM, 15000), 0, "the prober did not stop cleanly");
}

/* One request to the API on `port`. */
static struct resp api_at(int port, const char *method, const char *path, const char *token,
                          const char *body)
{
    http_port = port;
    return request_with(method, path, token, body ? "application/json" : NULL, body,
                        body ? strlen(body) : 0);
}

static bool central_shows(const char *id, const char *state, int ms)
{
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s", id);
    uint64_t deadline = procs_now_ms() + (uint64_t)ms;
    while (procs_now_ms() < deadline) {
        struct resp r = api_at(central_http, "GET", path, RW_CENTRAL, NULL);
        const char *s = json_string_value(json_object_get(r.json, "state"));
        bool same = s && strcmp(s, state) == 0;
        resp_free(&r);
        if (same)
            return true;
    }
    return false;
}

Test(cluster, operations_at_the_central_are_done_by_the_cameras_zone)
{
    http_wait_ms = 60000; /* beyond the central's own waits for a zone (15 s) */
    for (int z = 0; z < 2; z++) {
        char *argv[] = {CAMDEX_BIN, "--db", db[z], "import", inv[z], NULL};
        run_ok(argv);
        start_prober(z);
    }
    start_central();
    cr_assert(central_equals_zones(60000), "the central's list is not the zones' union: %s",
              first_difference);
    char a_id[64], b_id[64], path[200];
    farm_rtsp_camera(db[0], 0, a_id, sizeof(a_id));
    farm_rtsp_camera(db[1], 0, b_id, sizeof(b_id));

    /* Maintenance on, at the central's API: the zone's prober does it and
     * answers as its own API does; the central then shows it. */
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/maintenance", a_id);
    struct resp r =
        api_at(central_http, "PUT", path, RW_CENTRAL, "{\"on\": true, \"note\": \"lens\"}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(json_is_true(json_object_get(r.json, "changed")), "%s", r.body);
    cr_expect(json_is_true(json_object_get(r.json, "maintenance")), "%s", r.body);
    resp_free(&r);
    char *zone_a = listing(db[0]);
    cr_expect(strstr(zone_a, " maintenance ") != NULL, "zone a's index: %s", zone_a);
    free(zone_a);
    cr_assert(central_shows(a_id, "maintenance", 30000), "the central does not show it");
    /* Again: the same answer as the prober's own API gives. */
    struct resp c = api_at(central_http, "PUT", path, RW_CENTRAL, "{\"on\": true}");
    struct resp p = api_at(prober_http[0], "PUT", path, RW_PROBER, "{\"on\": true}");
    cr_expect_eq(c.status, p.status);
    cr_expect_str_eq(c.body, p.body);
    cr_expect(json_is_false(json_object_get(c.json, "changed")), "%s", c.body);
    resp_free(&c);
    resp_free(&p);
    /* The central's token is the central's: a wrong one is refused there. */
    r = api_at(central_http, "PUT", path, RW_PROBER, "{\"on\": false}");
    cr_expect_eq(r.status, 401, "%s", r.body);
    resp_free(&r);

    /* Reading the reference picture and the thumbnail: what the prober says. */
    static const char *const reads[] = {"reference", "reference.png", "thumbnail"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "/api/v1/cameras/%s/%s", a_id, reads[i]);
        c = api_at(central_http, "GET", path, RW_CENTRAL, NULL);
        p = api_at(prober_http[0], "GET", path, RW_PROBER, NULL);
        cr_expect_eq(c.status, p.status, "%s", path);
        cr_expect_eq(c.body_len, p.body_len, "%s", path);
        cr_expect(c.body_len == p.body_len && memcmp(c.body, p.body, c.body_len) == 0, "%s: %s",
                  path, c.body);
        resp_free(&c);
        resp_free(&p);
    }

    /* A probe on demand of a zone b camera, from the central. */
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/probe?depth=describe", b_id);
    r = api_at(central_http, "POST", path, RW_CENTRAL, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "id")), b_id);
    /* The central probes nothing itself: 200 with a result is the prober's. */
    cr_expect(json_is_string(json_object_get(r.json, "state")), "%s", r.body);
    cr_expect(json_is_object(json_object_get(r.json, "health")), "%s", r.body);
    cr_expect(strstr(r.body, "***@") || !strstr(r.body, "@"), "credentials in %s", r.body);
    resp_free(&r);

    /* The CLI at the central: maintenance off, done by zone a's prober. */
    char conf[4300], text[200];
    snprintf(conf, sizeof(conf), "%s/central.ini", tmp);
    snprintf(text, sizeof(text), "[cluster]\nrole = central\nzones = a,b\nnats = %s\n", nats_url);
    write_text(conf, text);
    char *off[] = {CAMDEX_BIN, "--db", db[2], "maintenance", a_id, "off", "--config", conf, NULL};
    struct run m = runv(off);
    cr_expect_eq(m.rc, 0, "%s", m.err);
    cr_expect(strstr(m.out, "back in monitoring") && strstr(m.out, "zone a"), "%s", m.out);
    run_free(&m);
    uint64_t deadline = procs_now_ms() + 30000;
    bool back = false;
    while (!back && procs_now_ms() < deadline) {
        snprintf(path, sizeof(path), "/api/v1/cameras/%s", a_id);
        r = api_at(central_http, "GET", path, RW_CENTRAL, NULL);
        const char *s = json_string_value(json_object_get(r.json, "state"));
        back = s && strcmp(s, "maintenance") != 0;
        resp_free(&r);
    }
    cr_expect(back, "the central still shows maintenance after the CLI turned it off");

    /* Zone b's prober is down: the answer names zone b and what to do. */
    proc_stop(&serve[1], SIGKILL, 5000);
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/maintenance", b_id);
    /* NATS drops the dead prober's interest as soon as it sees its socket
     * close; a request racing that is answered 504 at worst. */
    for (int i = 0; i < 3; i++) {
        r = api_at(central_http, "PUT", path, RW_CENTRAL, "{\"on\": true}");
        if (r.status == 503 || i == 2)
            break;
        resp_free(&r);
    }
    cr_expect_eq(r.status, 503, "%s", r.body);
    cr_expect(strstr(r.body, "\"zone_unreachable\"") && strstr(r.body, "zone b") &&
                  strstr(r.body, "camdex serve"),
              "%s", r.body);
    resp_free(&r);
    char *on[] = {CAMDEX_BIN, "--db", db[2], "maintenance", b_id, "on", "--config", conf, NULL};
    m = runv(on);
    cr_expect_eq(m.rc, 1);
    cr_expect(strstr(m.err, "zone b") && strstr(m.err, "not listening"), "%s", m.err);
    run_free(&m);
    /* An unknown camera is the central's own 404. */
    r = api_at(central_http, "PUT", "/api/v1/cameras/no-such-camera/maintenance", RW_CENTRAL,
               "{\"on\": true}");
    cr_expect_eq(r.status, 404, "%s", r.body);
    resp_free(&r);
}
