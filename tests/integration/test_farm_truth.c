/* camdex's verdicts against camfarm's truth, camera by camera: a generated
 * fleet with camfarm's default fault mix plus every mode of the mapping
 * table on cameras of their own, swept (tier 1) and swept --deep (tier 2
 * too); tests/camfarm/farmtruth.py holds the table of what each mode must
 * come out as and compares. Nothing is timed: each sweep is awaited to its
 * last line with a deadline far beyond its length. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "farm.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define CAMERAS  300
#define PER_MODE 2 /* cameras given each mode of the table, besides the mix */

static char *tmp;
static char fleet[4200], modes[4200], truth[4200], db[4200], verdicts[4200];
static int rtsp_port, control_port;
static struct proc farm;

/* The modes of the table, from the table itself. */
static json_t *table_modes(void)
{
    char *argv[] = {"/usr/bin/python3", FARMTRUTH, "--modes", NULL};
    struct run r = runv(argv);
    cr_assert_eq(r.rc, 0, "farmtruth --modes: %s", r.err);
    json_t *list = json_loads(r.out, 0, NULL);
    cr_assert(json_is_array(list) && json_array_size(list) > 20, "%s", r.out);
    run_free(&r);
    return list;
}

/* Cameras #1.. get each mode of the table PER_MODE times (one Hikvision-,
 * one Dahua-style where the fleet alternates); the mix covers the rest. */
static void write_modes(json_t *list)
{
    FILE *f = fopen(modes, "w");
    cr_assert_not_null(f);
    size_t i;
    json_t *m;
    int n = 1;
    json_array_foreach(list, i, m)
    {
        for (int k = 0; k < PER_MODE; k++)
            fprintf(f, "#%d %s\n", n++, json_string_value(m));
    }
    fclose(f);
    cr_assert_lt(n, CAMERAS / 2, "the mix needs cameras of its own");
}

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(fleet, sizeof(fleet), "%s/fleet.csv", tmp);
    snprintf(modes, sizeof(modes), "%s/modes.txt", tmp);
    snprintf(truth, sizeof(truth), "%s/truth.csv", tmp);
    snprintf(db, sizeof(db), "%s/db", tmp);
    snprintf(verdicts, sizeof(verdicts), "%s/verdicts.json", tmp);
    rtsp_port = procs_free_port();
    control_port = procs_free_port();
    farm_generate(fleet, CAMERAS, 11, rtsp_port);
    json_t *list = table_modes();
    write_modes(list);
    json_decref(list);
    farm_start(&farm, fleet, rtsp_port, control_port,
               (const char *const[]){"--faults", "default", "--fleet", modes, "--faults-out", truth,
                                     NULL});
    char *imp[] = {CAMDEX_BIN, "--db", db, "import", fleet, NULL};
    run_ok(imp);
}

static void teardown(void)
{
    proc_stop(&farm, SIGTERM, 10000);
    testutil_rmdir(tmp);
}

/* Runs `camdex sweep` (with --deep when asked) to its end. The sweep's 1 s
 * connect deadline is one SYN retransmission: on a machine busy enough
 * that camfarm's accept queue overflows, a healthy camera misses it; its
 * 3 s reply deadline is missed by a camfarm starved of CPU. The test gives
 * 5 s (two retransmissions) and 10 s. No verdict of the table depends on
 * them: the silent faults time out whatever the deadline, and `slow`
 * (2 s a reply) may be online at tier 1. */
static void sweep(bool deep)
{
    char *argv[] = {CAMDEX_BIN,
                    "--db",
                    db,
                    "sweep",
                    "--connect-timeout",
                    "5s",
                    "--reply-timeout",
                    "10s",
                    deep ? "--deep" : NULL,
                    NULL};
    struct proc p;
    proc_start(&p, 1, argv);
    /* A deep look holds a worker about a second: 300 cameras on 8 workers
     * take under a minute on a quiet machine; the bound rules out a hang. */
    cr_assert(proc_wait_line(&p, 540000, "swept ", NULL), "sweep%s did not end: %s",
              deep ? " --deep" : "", p.last);
    cr_assert_eq(proc_stop(&p, 0, 120000), 0, "sweep exit status");
    char *list[] = {CAMDEX_BIN, "--db", db, "list", "--format", "json", NULL};
    run_to_file(list, verdicts);
}

/* farmtruth's comparison: exit 0 and no mismatch, every mode of the table
 * seen, and as many cameras compared as camfarm serves. */
static void compare(bool deep)
{
    char *argv[] = {"/usr/bin/python3",
                    FARMTRUTH,
                    "--truth",
                    truth,
                    "--inventory",
                    fleet,
                    "--verdicts",
                    verdicts,
                    deep ? "--deep" : "--json",
                    deep ? "--json" : NULL,
                    NULL};
    struct run r = runv(argv);
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert_not_null(o, "farmtruth: %s %s", r.out, r.err);
    json_t *mism = json_object_get(o, "mismatches");
    char *text = json_dumps(mism, JSON_INDENT(1) | JSON_ENSURE_ASCII);
    cr_expect_eq(json_array_size(mism), 0, "%s: verdicts camfarm did not cause: %s",
                 deep ? "sweep --deep" : "sweep", text);
    free(text);
    cr_expect_eq(r.rc, json_array_size(mism) ? 1 : 0);

    json_t *by_mode = json_object_get(o, "by_mode");
    json_t *list = table_modes();
    size_t i;
    json_t *m;
    json_array_foreach(list, i, m)
    {
        cr_expect_not_null(json_object_get(by_mode, json_string_value(m)), "no camera in mode %s",
                           json_string_value(m));
    }
    json_decref(list);
    /* Every camera camfarm serves was compared (its rows are in truth). */
    const char *k;
    json_t *v;
    json_int_t compared = 0;
    json_object_foreach(by_mode, k, v)
    {
        const char *g;
        json_t *n;
        json_object_foreach(v, g, n) compared += json_integer_value(n);
    }
    FILE *f = fopen(truth, "r");
    cr_assert_not_null(f);
    char line[512];
    json_int_t rows = -1; /* the header */
    while (fgets(line, sizeof(line), f))
        rows++;
    fclose(f);
    cr_expect_eq(compared, rows, "compared %lld of camfarm's %lld cameras", (long long)compared,
                 (long long)rows);
    cr_expect_gt(rows, CAMERAS * 9 / 10);
    json_decref(o);
    run_free(&r);
}

/* Tier 1 first (the handshake says nothing of the picture), then the deep
 * round over the same index: picture faults appear, nothing else moves. */
Test(farm_truth, every_verdict_is_the_fault_camfarm_gave, .init = setup, .fini = teardown,
     .timeout = 1300)
{
    sweep(false);
    compare(false);
    sweep(true);
    compare(true);
}
