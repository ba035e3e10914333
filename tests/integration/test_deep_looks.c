/* Tier-2-only cameras (HLS here, made by ffmpeg at test time) are probed
 * deep at every interval for their liveness, but their picture is diagnosed
 * only at a full deep look: on demand, while not known online, once per
 * [quality] interval (indexer/engine/monitor.c, full_deep_look); the
 * routine looks decode nothing. A camera whose picture freezes or goes black
 * while it is online stays online through its routine probes, and a probe on
 * demand finds what is wrong. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "httpc.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define ID "32010500001320000099"
#define RO "ro-token-5c1d"
#define RW "rw-token-e27a"

static char *tmp;
static struct proc web, serve;

/* A static file server that prints one line per request, so the test can
 * wait for each probe's playlist fetch instead of sleeping. */
static const char WEB_SCRIPT[] =
    "import functools, http.server, sys\n"
    "class H(http.server.SimpleHTTPRequestHandler):\n"
    "    def log_message(self, fmt, *args): print('served ' + self.path, flush=True)\n"
    "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0),\n"
    "                                    functools.partial(H, directory=sys.argv[1]))\n"
    "print('READY %d' % s.server_address[1], flush=True)\n"
    "s.serve_forever()\n";

/* Four seconds of 320x180 H.264 in 2 s HLS segments, a keyframe a second,
 * from a photograph (python3-skimage's): `moving`, a live camera (its view
 * swaying 2 pixels a picture, sensor noise), `frozen` (one picture
 * repeated, as camfarm's frozen clip) and `black` (the picture gone dark
 * but for the sensor's noise). A test pattern would not do: the picture
 * diagnosis faults its colours. */
#define PHOTO "/usr/lib/python3/dist-packages/skimage/data/motorcycle_left.png"
#define FIT   "scale=352:212:force_original_aspect_ratio=increase,crop=352:212"
#define MOVING FIT ",crop=320:180:x='16+16*sin(PI*t)':y='16+16*cos(PI*t)',noise=alls=6:allf=t"
#define FROZEN FIT ",crop=320:180,noise=alls=6,loop=loop=-1:size=1"
#define BLACK  FIT ",crop=320:180,lutyuv=y=16:u=128:v=128,noise=alls=2:allf=t"
/* Segments are named after the first letter of `name`. */
static void make_hls(const char *name, const char *graph)
{
    char seg[4200], list[4200];
    snprintf(seg, sizeof(seg), "%s/%c%%d.ts", tmp, name[0]);
    snprintf(list, sizeof(list), "%s/%s.m3u8", tmp, name);
    char *argv[] = {"/usr/bin/ffmpeg",
                    "-v",
                    "error",
                    "-loop",
                    "1",
                    "-i",
                    PHOTO,
                    "-vf",
                    (char *)graph,
                    "-r",
                    "25",
                    "-t",
                    "4",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-bf",
                    "0",
                    "-g",
                    "25",
                    "-pix_fmt",
                    "yuv420p",
                    "-f",
                    "hls",
                    "-hls_time",
                    "2",
                    "-hls_list_size",
                    "0",
                    "-hls_playlist_type",
                    "vod",
                    "-hls_segment_filename",
                    seg,
                    list,
                    NULL};
    run_ok(argv);
}

/* The camera's playlist becomes `name`'s, in one rename. */
static void show(const char *name)
{
    char from[4200], to[4200], part[4200];
    snprintf(from, sizeof(from), "%s/%s.m3u8", tmp, name);
    snprintf(part, sizeof(part), "%s/cam.m3u8.part", tmp);
    snprintf(to, sizeof(to), "%s/cam.m3u8", tmp);
    FILE *in = fopen(from, "r"), *out = fopen(part, "w");
    cr_assert(in && out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
    cr_assert_eq(rename(part, to), 0);
}

static void setup(void)
{
    tmp = testutil_mkdtemp();
    make_hls("moving", MOVING);
    make_hls("frozen", FROZEN);
    make_hls("black", BLACK);
    show("moving");
    char *wargv[] = {"/usr/bin/python3", "-c", (char *)WEB_SCRIPT, tmp, NULL};
    proc_start(&web, 1, wargv);
    cr_assert(proc_wait_line(&web, 20000, "READY", NULL), "the HLS web server did not start");
    int port = 0;
    cr_assert_eq(sscanf(web.last, "READY %d", &port), 1, "%s", web.last);

    char csv[4200], db[4200];
    snprintf(csv, sizeof(csv), "%s/inventory.csv", tmp);
    snprintf(db, sizeof(db), "%s/index", tmp);
    FILE *f = fopen(csv, "w");
    cr_assert_not_null(f);
    fprintf(f, "id,name,unit_id,unit_name,url\n" ID ",HLS camera,32010000002165000001,unit,"
               "http://127.0.0.1:%d/cam.m3u8\n",
            port);
    fclose(f);
    char *imp[] = {CAMDEX_BIN, "--db", db, "import", csv, NULL};
    run_ok(imp);
    /* Probes every second; a full deep look once an hour, so after the
     * first one (the camera was not known online) only on demand. */
    char *argv[] = {CAMDEX_BIN, "--db", db, "serve", "--interval", "1s", "--fail-threshold", "1",
                    "--recover-threshold", "1", "--set", "quality.interval=1h", "--set",
                    "writer.commit_interval=50ms", "--set", "http.listen=127.0.0.1:0", "--set",
                    "http.token_ro=" RO, "--set", "http.token_rw=" RW, "--log-level", "debug",
                    NULL};
    proc_start(&serve, 2, argv);
    http_port = serve_http_port(&serve);
}

static void teardown(void)
{
    int rc = serve.pid > 0 ? proc_stop(&serve, SIGTERM, 15000) : 0;
    proc_stop(&web, SIGTERM, 5000);
    testutil_rmdir(tmp);
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

TestSuite(deep_looks, .init = setup, .fini = teardown, .timeout = 120);

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(none)";
}

Test(deep_looks, a_frozen_picture_is_found_at_a_full_look_not_at_routine_probes)
{
    /* The first look is a full one: moving, online. */
    cr_assert(proc_wait_line(&serve, 30000, "state change", ID, "to=online", NULL), "%s",
              serve.last);
    show("frozen");
    /* The first frozen segment served belongs to the first probe of the
     * frozen stream. Each probe fetches the playlist once and a camera has
     * one probe at a time: three fetches after it mean three probes of the
     * frozen stream have ended. Had one of them checked for frozen
     * pictures, the camera would be degraded by now (commits every 50 ms). */
    cr_assert(proc_wait_line(&web, 20000, "served /f0.ts", NULL), "%s", web.last);
    for (int i = 0; i < 3; i++)
        cr_assert(proc_wait_line(&web, 20000, "served /cam.m3u8", NULL), "probe %d: %s", i + 2,
                  web.last);
    struct resp r = request("GET", "/api/v1/cameras/" ID, RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect_str_eq(str(r.json, "state"), "online",
                     "routine probes judged the picture: %s (%s)", str(r.json, "reason"),
                     str(r.json, "detail"));
    resp_free(&r);

    /* A probe on demand is a full look: the same stream is frozen. */
    r = request("POST", "/api/v1/cameras/" ID "/probe", RW, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect_str_eq(str(r.json, "state"), "degraded", "%s", r.body);
    cr_expect_str_eq(str(r.json, "reason"), "frozen", "%s", r.body);
    cr_expect_str_eq(str(json_object_get(r.json, "health"), "state"), "degraded", "%s", r.body);
    resp_free(&r);
}

Test(deep_looks, routine_probes_decode_nothing_a_black_picture_waits_for_a_full_look)
{
    cr_assert(proc_wait_line(&serve, 30000, "state change", ID, "to=online", NULL), "%s",
              serve.last);
    show("black");
    /* As above: three playlist fetches after the first black segment are
     * three routine probes of the black stream. */
    cr_assert(proc_wait_line(&web, 20000, "served /b0.ts", NULL), "%s", web.last);
    for (int i = 0; i < 3; i++)
        cr_assert(proc_wait_line(&web, 20000, "served /cam.m3u8", NULL), "probe %d: %s", i + 2,
                  web.last);
    struct resp r = request("GET", "/api/v1/cameras/" ID, RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect_str_eq(str(r.json, "state"), "online",
                     "a routine probe judged the picture: %s (%s)", str(r.json, "reason"),
                     str(r.json, "detail"));
    resp_free(&r);

    r = request("POST", "/api/v1/cameras/" ID "/probe", RW, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect_str_eq(str(r.json, "state"), "degraded", "%s", r.body);
    cr_expect_str_eq(str(r.json, "reason"), "black", "%s", r.body);
    resp_free(&r);
}
