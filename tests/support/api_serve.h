/* `camdex serve` for the HTTP API's tests: a scratch directory with an
 * index (generated and imported, or seeded by the test), the service on a
 * port the kernel picks, and httpc.h's client pointed at it. A suite's
 * set-up calls api_index (or api_scratch and seeds db itself), does what
 * its tests need done to the index before the service opens it, then
 * api_serve; its teardown is api_teardown. */
#ifndef CAMDEX_API_SERVE_H
#define CAMDEX_API_SERVE_H

#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "httpc.h"
#include "procs.h"
#include "runcmd.h"
#include "store.h"
#include "testutil.h"

/* The tokens the suites configure (read-only, read-write). */
#define API_RO "ro-token-5f1c9e"
#define API_RW "rw-token-a73d02"
/* api_serve's arguments for both tokens. */
#define API_TOKENS "--set", "http.token_ro=" API_RO, "--set", "http.token_rw=" API_RW

#define API_SERVE_ARGS_MAX 32

static struct {
    char *tmp;        /* scratch directory, removed by api_teardown */
    char db[4200];    /* tmp/index */
    char fleet[4200]; /* tmp/fleet.csv, the inventory api_index generates */
    struct proc serve;
} api;

/* The scratch directory and the paths in it; nothing written yet. */
static inline void api_scratch(void)
{
    api.tmp = testutil_mkdtemp();
    snprintf(api.db, sizeof(api.db), "%s/index", api.tmp);
    snprintf(api.fleet, sizeof(api.fleet), "%s/fleet.csv", api.tmp);
}

/* The scratch directory and an index of `cameras` generated cameras
 * (deterministic for `seed`; nothing answers at their addresses). */
static inline void api_index(int cameras, int seed)
{
    api_scratch();
    char n[16], s[16];
    snprintf(n, sizeof(n), "%d", cameras);
    snprintf(s, sizeof(s), "%d", seed);
    char *gen[] = {CAMDEX_BIN, "generate", "--cameras", n, "--seed", s, NULL};
    run_to_file(gen, api.fleet);
    char *imp[] = {CAMDEX_BIN, "--db", api.db, "import", api.fleet, NULL};
    run_ok(imp);
}

/* For a set-up that writes into the index before the service opens it
 * (records a deep look would have written): the index, opened to write. */
static inline struct store *api_store_open(void)
{
    struct store_options o;
    store_options_default(&o);
    struct store *s;
    cr_assert_eq(store_open(api.db, &o, &s), 0);
    return s;
}

static inline int api_first_two_row(const struct store_camera *c, const struct store_health *h,
                                    void *ctx)
{
    (void)h;
    char(*ids)[STORE_ID_MAX + 1] = ctx; /* camera, camera, the first's unit */
    if (!ids[0][0])
        snprintf(ids[2], STORE_ID_MAX + 1, "%s", c->unit_id);
    snprintf(ids[0][0] ? ids[1] : ids[0], STORE_ID_MAX + 1, "%s", c->id);
    return ids[1][0] ? 1 : 0;
}

/* The index's first two cameras by id, and the first one's unit (unit1
 * may be NULL). */
static inline void api_first_two(struct store *s, char cam1[STORE_ID_MAX + 1],
                                 char cam2[STORE_ID_MAX + 1], char unit1[STORE_ID_MAX + 1])
{
    char ids[3][STORE_ID_MAX + 1] = {{0}};
    struct store_read *r;
    cr_assert_eq(store_read_begin(s, &r), 0);
    cr_assert_eq(store_cameras_scan(r, NULL, api_first_two_row, ids), 0);
    store_read_end(&r);
    cr_assert(ids[1][0], "the index has fewer than two cameras");
    memcpy(cam1, ids[0], sizeof(ids[0]));
    memcpy(cam2, ids[1], sizeof(ids[1]));
    if (unit1)
        memcpy(unit1, ids[2], sizeof(ids[2]));
}

/* Commits the batch, frees it and closes the index. */
static inline void api_store_commit_close(struct store *s, struct store_batch **b)
{
    cr_assert_eq(store_batch_commit(s, *b, NULL, NULL, NULL), 0);
    store_batch_free(b);
    store_close(&s);
}

/* Starts `camdex --db DB serve ARGS --set http.listen=127.0.0.1:0` (ARGS:
 * the `n` arguments in `args`: interval, tokens, settings) and waits until
 * it listens; the client's requests then go to it. */
static inline void api_serve_argv(const char *const *args, size_t n)
{
    char *argv[API_SERVE_ARGS_MAX + 8] = {CAMDEX_BIN, "--db", api.db, "serve"};
    size_t k = 4;
    cr_assert_leq(n, API_SERVE_ARGS_MAX, "too many arguments for api_serve");
    for (size_t i = 0; i < n; i++)
        argv[k++] = (char *)args[i];
    argv[k++] = "--set";
    argv[k++] = "http.listen=127.0.0.1:0";
    argv[k] = NULL;
    proc_start(&api.serve, 2, argv);
    http_port = serve_http_port(&api.serve);
}

/* api_serve_argv with the arguments listed, NULL after the last. */
static inline void api_serve(const char *arg, ...)
{
    const char *args[API_SERVE_ARGS_MAX + 1];
    size_t n = 0;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a; a = va_arg(ap, const char *)) {
        cr_assert_lt(n, API_SERVE_ARGS_MAX, "too many arguments for api_serve");
        args[n++] = a;
    }
    va_end(ap);
    api_serve_argv(args, n);
}

/* `method` on the path `fmt` (one %s: the id) with `token`, no body. */
static inline struct resp api_call(const char *method, const char *fmt, const char *id,
                                   const char *token)
{
    char path[512];
    snprintf(path, sizeof(path), fmt, id);
    return request(method, path, token, NULL);
}

/* Stops the service (SIGTERM) if it runs: its exit code, 0 when it was
 * not running. */
static inline int api_stop(void)
{
    return api.serve.pid > 0 ? proc_stop(&api.serve, SIGTERM, 15000) : 0;
}

/* Stops the service, removes the scratch directory, and fails the test
 * when the service did not exit cleanly. */
static inline void api_teardown(void)
{
    int rc = api_stop();
    testutil_rmdir(api.tmp);
    api.tmp = NULL;
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

#endif
