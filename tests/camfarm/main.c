/* camfarm: a whole city's cameras in one process. Loads the inventory and
 * clips, serves RTSP on one socket and the control channel on another,
 * reports readiness, exits 0 on SIGTERM after closing every handle. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <uv.h>

#include "clip.h"
#include "control.h"
#include "faults.h"
#include "fleet.h"
#include "server.h"

static const char usage[] =
    "usage: camfarm --inventory FLEET.csv --clips DIR [options]\n"
    "  --inventory FILE     inventory CSV (columns id and url are used)\n"
    "  --clips DIR          clips made by make_clips.sh (manifest.txt)\n"
    "  --fleet FILE         per-camera modes: \"ID MODE [ARG] [key=value...]\" lines\n"
    "  --faults SPEC        default | none | name=percent,... (default: none)\n"
    "  --seed N             seed for the fault mix and clip choice (default 1)\n"
    "  --listen IP:PORT     RTSP socket (default 0.0.0.0:8554; only 127/8 is served)\n"
    "  --control IP:PORT    control socket on loopback (default 127.0.0.1:8555)\n"
    "  --max-sessions N     session slots per camera (default 4)\n"
    "  --idle-timeout MS    deadline for a client's next request (default 60000)\n"
    "  --session-timeout S  advertised and enforced session timeout (default 60)\n"
    "  --ready-fd FD        also write the ready line to FD, then close it\n"
    "  --pidfile FILE       write the process id to FILE once ready\n"
    "  -v, --verbose        log connection state changes to stderr\n";

struct app {
    uv_loop_t *loop;
    struct farm *farm;
    struct control ctl;
    uv_signal_t sigterm, sigint;
};

static int split_addr(const char *s, char *ip, size_t cap, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= cap)
        return -EINVAL;
    memcpy(ip, s, (size_t)(colon - s));
    ip[colon - s] = 0;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || p < 0 || p > 65535)
        return -EINVAL;
    *port = (int)p;
    return 0;
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct app *app = s->data;
    (void)signum;
    farm_close(app->farm);
    control_close(&app->ctl);
    uv_close((uv_handle_t *)&app->sigterm, NULL);
    uv_close((uv_handle_t *)&app->sigint, NULL);
}

/* Nothing per camera holds a descriptor, but every client connection does:
 * take all the hard limit allows. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"inventory", required_argument, NULL, 'i'},
        {"clips", required_argument, NULL, 'c'},
        {"fleet", required_argument, NULL, 'f'},
        {"faults", required_argument, NULL, 'F'},
        {"seed", required_argument, NULL, 's'},
        {"listen", required_argument, NULL, 'l'},
        {"control", required_argument, NULL, 'C'},
        {"max-sessions", required_argument, NULL, 'm'},
        {"idle-timeout", required_argument, NULL, 'I'},
        {"session-timeout", required_argument, NULL, 'T'},
        {"ready-fd", required_argument, NULL, 'r'},
        {"pidfile", required_argument, NULL, 'p'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *inventory = NULL, *clips_dir = NULL, *fleet_file = NULL, *faults = "none";
    const char *listen_addr = "0.0.0.0:8554", *control_addr = "127.0.0.1:8555", *pidfile = NULL;
    unsigned long long seed = 1;
    long max_sessions = 4, ready_fd = -1;
    struct farm_opts fo = {.idle_timeout_ms = 60000, .session_timeout_s = 60};
    char err[1024];
    int c;
    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            inventory = optarg;
            break;
        case 'c':
            clips_dir = optarg;
            break;
        case 'f':
            fleet_file = optarg;
            break;
        case 'F':
            faults = optarg;
            break;
        case 's':
            seed = strtoull(optarg, NULL, 10);
            break;
        case 'l':
            listen_addr = optarg;
            break;
        case 'C':
            control_addr = optarg;
            break;
        case 'm':
            max_sessions = strtol(optarg, NULL, 10);
            break;
        case 'I':
            fo.idle_timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'T':
            fo.session_timeout_s = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'r':
            ready_fd = strtol(optarg, NULL, 10);
            break;
        case 'p':
            pidfile = optarg;
            break;
        case 'v':
            fo.verbose = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (!inventory || !clips_dir || optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    if (max_sessions < 0 || max_sessions > 255 || fo.idle_timeout_ms == 0 ||
        fo.session_timeout_s == 0) {
        fprintf(stderr, "camfarm: --max-sessions must be 0..255, timeouts above 0\n");
        return 2;
    }
    char lip[64], cip[64];
    int lport, cport;
    if (split_addr(listen_addr, lip, sizeof(lip), &lport) < 0 ||
        split_addr(control_addr, cip, sizeof(cip), &cport) < 0) {
        fprintf(stderr, "camfarm: addresses are IP:PORT, e.g. 0.0.0.0:8554\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();

    static struct clip_set clips;
    if (clip_set_load(&clips, clips_dir, err, sizeof(err)) < 0) {
        fprintf(stderr, "camfarm: %s\n", err);
        return 1;
    }
    struct fleet_defaults d = {.seed = seed,
                               .max_sessions = (uint8_t)max_sessions,
                               .clip_normal = clip_find(&clips, "normal"),
                               .clip_h265 = clip_find(&clips, "normal265"),
                               .clip_hd = clip_find(&clips, "hd")};
    if (d.clip_normal < 0)
        d.clip_normal = 0;
    if (fault_mix_parse(faults, &d.mix, err, sizeof(err)) < 0) {
        fprintf(stderr, "camfarm: %s\n", err);
        return 2;
    }
    static struct fleet fleet;
    fleet_init(&fleet);
    if (fleet_load_csv(&fleet, inventory, &d, err, sizeof(err)) < 0 ||
        (fleet_file && fleet_load_modes(&fleet, fleet_file, &clips, err, sizeof(err)) < 0)) {
        fprintf(stderr, "camfarm: %s\n", err);
        return 1;
    }

    if (fleet.skipped)
        fprintf(stderr, "camfarm: %s: skipped %u rows whose URL is not rtsp:// (not simulated)\n",
                inventory, fleet.skipped);

    struct app app = {.loop = uv_default_loop()};
    static struct farm farm;
    app.farm = &farm;
    int rc = farm_init(&farm, app.loop, &fleet, &clips, &fo);
    if (rc == 0 && (rc = farm_listen(&farm, lip, lport)) < 0)
        fprintf(stderr, "camfarm: RTSP socket %s: %s (port in use? choose --listen)\n", listen_addr,
                uv_strerror(rc));
    if (rc == 0 && (rc = control_listen(&app.ctl, app.loop, &farm, cip, cport)) < 0)
        fprintf(stderr, "camfarm: control socket %s: %s (must be 127.x.y.z:PORT, free)\n",
                control_addr, uv_strerror(rc));
    if (rc < 0)
        return 1;
    uv_signal_init(app.loop, &app.sigterm);
    uv_signal_init(app.loop, &app.sigint);
    app.sigterm.data = app.sigint.data = &app;
    uv_signal_start(&app.sigterm, on_signal, SIGTERM);
    uv_signal_start(&app.sigint, on_signal, SIGINT);

    char ready[256];
    snprintf(ready, sizeof(ready), "camfarm ready cameras=%u rtsp=%s:%u control=%s:%u\n",
             fleet.count, lip, farm.port, cip, app.ctl.port);
    if (pidfile) {
        FILE *p = fopen(pidfile, "w");
        if (!p || fprintf(p, "%ld\n", (long)getpid()) < 0 || fclose(p) != 0) {
            fprintf(stderr, "camfarm: pidfile %s: %s\n", pidfile, strerror(errno));
            return 1;
        }
    }
    fputs(ready, stdout);
    fflush(stdout);
    if (ready_fd >= 0) {
        if (write((int)ready_fd, ready, strlen(ready)) < 0)
            fprintf(stderr, "camfarm: --ready-fd %ld: %s\n", ready_fd, strerror(errno));
        close((int)ready_fd);
    }

    uv_run(app.loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(app.loop);
    if (rc < 0)
        fprintf(stderr, "camfarm: loop still has handles at exit: %s\n", uv_strerror(rc));
    fleet_free(&fleet);
    clip_set_free(&clips);
    if (pidfile)
        unlink(pidfile);
    return rc < 0 ? 1 : 0;
}
