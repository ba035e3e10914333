/* A real Prometheus (Debian's package) scrapes `camdex serve` with a bearer
 * token, loads the shipped alert rules, and gives back through its own query
 * API the values camdex exported: the scrape works end to end, not only the
 * text format. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "farm.h"
#include "httpget.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define CAMERAS 30
#define TOKEN   "prom-read-token"

static char *tmp;
static struct proc farm, serve, prom;
static int api_port, prom_port;

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static bool have(const char *prog)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "command -v %s", prog);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    struct run w = runv(argv);
    bool found = w.rc == 0;
    run_free(&w);
    return found;
}

static void start_all(void)
{
    tmp = testutil_mkdtemp();
    char db[4200], fleet[4200];
    snprintf(db, sizeof(db), "%s/index", tmp);
    snprintf(fleet, sizeof(fleet), "%s/fleet.csv", tmp);
    int rtsp_port = procs_free_port();
    farm_generate(fleet, CAMERAS, 5, rtsp_port);
    char *imp[] = {CAMDEX_BIN, "--db", db, "import", fleet, NULL};
    run_ok(imp);

    farm_start(&farm, fleet, rtsp_port, procs_free_port(), NULL);

    char *sv[] = {CAMDEX_BIN, "--db", db, "serve", "--interval", "2s", "--set",
                  "http.listen=127.0.0.1:0", "--set", "http.token_ro=" TOKEN, "--log-level",
                  "info", NULL};
    proc_start(&serve, 2, sv);
    api_port = serve_http_port(&serve);

    /* The shipped rules file beside a scrape job for this camdex. */
    char cfg[4200], token_file[4200], data[4200], text[8192];
    snprintf(cfg, sizeof(cfg), "%s/prometheus.yml", tmp);
    snprintf(token_file, sizeof(token_file), "%s/token", tmp);
    snprintf(data, sizeof(data), "%s/tsdb", tmp);
    write_text(token_file, TOKEN);
    snprintf(text, sizeof(text),
             "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
             "rule_files:\n  - %s/../../deploy/prometheus/camdex-rules.yml\n"
             "scrape_configs:\n  - job_name: camdex\n    authorization:\n"
             "      type: Bearer\n      credentials_file: %s\n"
             "    static_configs:\n      - targets: [\"127.0.0.1:%d\"]\n"
             /* The same target with a wrong token: camdex must refuse it. */
             "  - job_name: camdex-wrong-token\n    authorization:\n"
             "      type: Bearer\n      credentials: not-the-token\n"
             "    static_configs:\n      - targets: [\"127.0.0.1:%d\"]\n",
             CAMDEX_TEST_DATA, token_file, api_port, api_port);
    write_text(cfg, text);
    prom_port = procs_free_port();
    char cfg_arg[4300], data_arg[4300], web_arg[64];
    snprintf(cfg_arg, sizeof(cfg_arg), "--config.file=%s", cfg);
    snprintf(data_arg, sizeof(data_arg), "--storage.tsdb.path=%s", data);
    snprintf(web_arg, sizeof(web_arg), "--web.listen-address=127.0.0.1:%d", prom_port);
    char *pa[] = {"/usr/bin/prometheus", cfg_arg, data_arg, web_arg, NULL};
    proc_start(&prom, 2, pa);
    cr_assert(proc_wait_line(&prom, 60000, "Server is ready to receive web requests", NULL),
              "prometheus did not start: %s", prom.last);
}

static void stop_all(void)
{
    if (prom.pid > 0)
        proc_stop(&prom, SIGTERM, 15000);
    if (serve.pid > 0)
        proc_stop(&serve, SIGTERM, 15000);
    if (farm.pid > 0)
        proc_stop(&farm, SIGTERM, 10000);
    if (tmp)
        testutil_rmdir(tmp);
}

TestSuite(prometheus, .fini = stop_all, .timeout = 180);

/* The first sample of an instant query, as a number; NAN when the result
 * is empty or Prometheus does not answer. */
static double query(const char *promql)
{
    char path[1024] = "/api/v1/query?query=";
    size_t n = strlen(path);
    for (const unsigned char *c = (const unsigned char *)promql; *c && n + 4 < sizeof(path); c++)
        n += (size_t)snprintf(path + n, sizeof(path) - n,
                              strchr("-_.~", *c) || (*c >= '0' && *c <= '9') ||
                                      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
                                  ? "%c"
                                  : "%%%02X",
                              *c);
    int status;
    char *body = http_get(prom_port, path, NULL, 5000, &status);
    if (!body)
        return NAN;
    cr_assert_eq(status, 200, "%s: %s", promql, body);
    json_t *j = json_loads(body, 0, NULL);
    free(body);
    cr_assert_not_null(j);
    json_t *res = json_object_get(json_object_get(j, "data"), "result");
    double v = NAN;
    if (json_array_size(res))
        v = atof(json_string_value(json_array_get(json_object_get(json_array_get(res, 0), "value"), 1)));
    json_decref(j);
    return v;
}

/* Polls `promql` until it equals `want` (within 60 s, scrapes every 1 s). */
static double await(const char *promql, double want)
{
    double v = NAN;
    uint64_t end = procs_now_ms() + 60000;
    while (procs_now_ms() < end) {
        v = query(promql);
        if (v == want)
            return v;
        usleep(250000);
    }
    return v;
}

Test(prometheus, scrapes_camdex_and_answers_queries)
{
    if (!have("prometheus"))
        cr_skip_test("prometheus is not installed (Debian package prometheus)");
    start_all();
    /* The token works: the target is up; the wrong one is refused. */
    cr_assert_eq(await("up{job=\"camdex\"}", 1), 1, "camdex's target is not up");
    cr_assert_eq(await("up{job=\"camdex-wrong-token\"}", 0), 0,
                 "a scrape with a wrong token was not refused");
    cr_assert_eq(await("camdex_monitored_cameras", CAMERAS), CAMERAS);
    cr_assert_eq(await("sum(camdex_cameras)", CAMERAS), CAMERAS);
    /* Probes run and their phases are timed: the histogram has counts. */
    uint64_t end = procs_now_ms() + 60000;
    double connects = 0;
    while (procs_now_ms() < end &&
           !((connects = query("camdex_probe_phase_seconds_count{phase=\"connect\"}")) > 0))
        usleep(250000);
    cr_assert_gt(connects, 0, "no connect phase timed");
    cr_assert_gt(query("sum(camdex_probe_verdicts_total{state=\"online\"})"), 0);
    /* The figures agree with what camdex's own API says. */
    int status;
    char *sum = http_get(api_port, "/api/v1/summary", TOKEN, 5000, &status);
    cr_assert_eq(status, 200);
    json_t *j = json_loads(sum, 0, NULL);
    free(sum);
    cr_assert_eq(json_integer_value(json_object_get(j, "cameras")), CAMERAS);
    json_decref(j);
    /* The shipped rules loaded: Prometheus lists the group. */
    char *rules = http_get(prom_port, "/api/v1/rules", NULL, 5000, &status);
    cr_assert_eq(status, 200);
    cr_assert_not_null(strstr(rules, "CamdexUnitOnlineRateLow"), "%.300s", rules);
    free(rules);
    /* Neither token is ever exported. */
    char *m = http_get(api_port, "/metrics", TOKEN, 5000, &status);
    cr_assert_eq(status, 200);
    cr_assert_null(strstr(m, TOKEN));
    cr_assert_null(strstr(m, "not-the-token"));
    free(m);
}
