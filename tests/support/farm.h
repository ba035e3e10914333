/* camfarm for end-to-end tests: a generated fleet and the simulator serving
 * it on free ports. Needs CAMDEX_BIN, CAMFARM_BIN and CAMFARM_CLIPS, which
 * the build defines for the integration tests. */
#ifndef CAMDEX_TEST_FARM_H
#define CAMDEX_TEST_FARM_H

#include <jansson.h>

#include "procs.h"
#include "runcmd.h"

/* Writes `cameras` generated cameras (deterministic for `seed`) whose URLs
 * dial `rtsp_port` into `path`. */
static inline void farm_generate(const char *path, int cameras, int seed, int rtsp_port)
{
    char port[16], cams[16], sd[16];
    snprintf(port, sizeof(port), "%d", rtsp_port);
    snprintf(cams, sizeof(cams), "%d", cameras);
    snprintf(sd, sizeof(sd), "%d", seed);
    char *gen[] = {CAMDEX_BIN, "generate", "--cameras", cams, "--seed", sd, "--port", port, NULL};
    run_to_file(gen, path);
}

/* Starts camfarm without faults on `fleet` and the two ports, with up to
 * eight more arguments (`extra`, NULL-terminated, may be NULL), and waits
 * for its ready line. */
static inline void farm_start(struct proc *farm, const char *fleet, int rtsp_port,
                              int control_port, const char *const *extra)
{
    char listen[32], control[32];
    snprintf(listen, sizeof(listen), "0.0.0.0:%d", rtsp_port);
    snprintf(control, sizeof(control), "127.0.0.1:%d", control_port);
    /* The fleet's HLS, HTTP-FLV and RTMP cameras on free ports too, never
     * on the defaults another farm may hold (farm_platform_ports reads them). */
    char *argv[40] = {CAMFARM_BIN, "--inventory",   (char *)fleet, "--clips",       CAMFARM_CLIPS,
                      "--faults",  "none",          "--listen",    listen,          "--control",
                      control,     "--http-listen", "0.0.0.0:0",   "--rtmp-listen", "0.0.0.0:0"};
    int n = 15;
    for (int i = 0; extra && extra[i] && n < 39; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    proc_start(farm, 1, argv);
    /* Generous: a loaded machine has taken over 30 s to load the clips. */
    cr_assert(proc_wait_line(farm, 90000, "camfarm ready", NULL), "camfarm did not start");
}

/* The id of the first camera of index `db` with an RTSP URL after `skip` of
 * them (the generator mixes in HLS and RTMP cameras), into id[n]. */
static inline void farm_rtsp_camera(const char *db, int skip, char *id, size_t n)
{
    char *argv[] = {CAMDEX_BIN, "--db", (char *)db, "list", "--format", "json", NULL};
    struct run r = runv(argv);
    json_t *rows = json_loads(r.out, 0, NULL);
    cr_assert(json_is_array(rows), "%s", r.err);
    size_t i;
    json_t *row;
    id[0] = 0;
    json_array_foreach(rows, i, row)
    {
        const char *url = json_string_value(json_object_get(row, "url"));
        if (strncmp(url, "rtsp://", 7) == 0 && skip-- == 0) {
            snprintf(id, n, "%s", json_string_value(json_object_get(row, "id")));
            break;
        }
    }
    json_decref(rows);
    run_free(&r);
    cr_assert(id[0], "no RTSP camera in the fleet");
}

#endif
