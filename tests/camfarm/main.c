/* camfarm: a whole city's cameras in one process. Loads the inventory and
 * clips, serves RTSP on one socket and the control channel on another,
 * reports readiness, exits 0 on SIGTERM after closing every handle. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
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
#include "streams.h"
#include "truth.h"

static const char usage[] =
    "usage: camfarm --inventory FLEET.csv --clips DIR [options]\n"
    "  --inventory FILE     inventory CSV (columns id and url are used)\n"
    "  --clips DIR          clips made by make_clips.sh (manifest.txt)\n"
    "  --fleet FILE         per-camera modes: \"ID MODE [ARG] [key=value...]\" lines\n"
    "  --faults SPEC        default | none | name=percent,... (default: none)\n"
    "  --seed N             seed for the fault mix and clip choice (default 1)\n"
    "  --faults-out FILE    write each camera's mode and clip at start to FILE (CSV)\n"
    "  --listen IP:PORT     RTSP socket (default 0.0.0.0:8554; only 127/8 is served)\n"
    "  --control IP:PORT    control socket on loopback (default 127.0.0.1:8555)\n"
    "  --http-listen IP:PORT  HLS and HTTP-FLV socket (default 0.0.0.0:8080)\n"
    "  --rtmp-listen IP:PORT  RTMP socket (default 0.0.0.0:1935)\n"
    "  --max-sessions N     session slots per camera (default 4)\n"
    "  --idle-timeout MS    deadline for a client's next request (default 60000)\n"
    "  --session-timeout S  advertised and enforced session timeout (default 60)\n"
    "  --ready-fd FD        also write the ready line to FD, then close it\n"
    "  --pidfile FILE       write the process id to FILE once ready\n"
    "  -v, --verbose        log connection state changes to stderr\n";

/* What the command line asks for. */
struct options {
    const char *inventory, *clips_dir, *fleet_file, *faults, *pidfile, *faults_out;
    const char *listen_addr, *control_addr; /* as given, for messages */
    char listen_ip[64], control_ip[64];
    int listen_port, control_port;
    struct stream_opts streams;
    unsigned long long seed;
    long max_sessions, ready_fd;
    struct farm_opts farm;
    bool help; /* usage printed on stdout: exit 0 without serving */
};

/* Everything the process serves with. */
struct app {
    uv_loop_t *loop;
    struct clip_set clips;
    struct fleet fleet;
    struct farm farm;
    struct control ctl;
    uv_signal_t sigterm, sigint;
    struct media_set media;
    struct streams streams;
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

/* Checks ranges and splits the addresses. Returns 0 or -EINVAL. */
static int check_options(struct options *o)
{
    if (o->max_sessions < 0 || o->max_sessions > 255 || o->farm.idle_timeout_ms == 0 ||
        o->farm.session_timeout_s == 0) {
        fprintf(stderr, "camfarm: --max-sessions must be 0..255, timeouts above 0\n");
        return -EINVAL;
    }
    if (split_addr(o->listen_addr, o->listen_ip, sizeof(o->listen_ip), &o->listen_port) < 0 ||
        split_addr(o->control_addr, o->control_ip, sizeof(o->control_ip), &o->control_port) < 0 ||
        stream_opts_check(&o->streams) < 0) {
        fprintf(stderr, "camfarm: addresses are IP:PORT, e.g. 0.0.0.0:8554\n");
        return -EINVAL;
    }
    return 0;
}

/* Reads the command line into o. Returns 0, or -EINVAL once it has said
 * what is wrong (exit status 2). */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option opts[] = {
        {"inventory", required_argument, NULL, 'i'},
        {"clips", required_argument, NULL, 'c'},
        {"fleet", required_argument, NULL, 'f'},
        {"faults", required_argument, NULL, 'F'},
        {"seed", required_argument, NULL, 's'},
        {"faults-out", required_argument, NULL, 'o'},
        {"listen", required_argument, NULL, 'l'},
        {"control", required_argument, NULL, 'C'},
        {"max-sessions", required_argument, NULL, 'm'},
        {"idle-timeout", required_argument, NULL, 'I'},
        {"session-timeout", required_argument, NULL, 'T'},
        {"ready-fd", required_argument, NULL, 'r'},
        {"pidfile", required_argument, NULL, 'p'},
        {"verbose", no_argument, NULL, 'v'},
        {"http-listen", required_argument, NULL, 'H'},
        {"rtmp-listen", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct options){.faults = "none",
                          .listen_addr = "0.0.0.0:8554",
                          .control_addr = "127.0.0.1:8555",
                          .seed = 1,
                          .max_sessions = 4,
                          .ready_fd = -1,
                          .farm = {.idle_timeout_ms = 60000, .session_timeout_s = 60},
                          .streams = STREAM_OPTS_DEFAULT};
    int c;
    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            o->inventory = optarg;
            break;
        case 'c':
            o->clips_dir = optarg;
            break;
        case 'f':
            o->fleet_file = optarg;
            break;
        case 'F':
            o->faults = optarg;
            break;
        case 's':
            o->seed = strtoull(optarg, NULL, 10);
            break;
        case 'o':
            o->faults_out = optarg;
            break;
        case 'l':
            o->listen_addr = optarg;
            break;
        case 'C':
            o->control_addr = optarg;
            break;
        case 'm':
            o->max_sessions = strtol(optarg, NULL, 10);
            break;
        case 'I':
            o->farm.idle_timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'T':
            o->farm.session_timeout_s = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'r':
            o->ready_fd = strtol(optarg, NULL, 10);
            break;
        case 'p':
            o->pidfile = optarg;
            break;
        case 'v':
            o->farm.verbose = 1;
            break;
        case 'H':
        case 'R':
            stream_opts_set(&o->streams, c == 'H' ? PROTO_HLS : PROTO_RTMP, optarg);
            break;
        case 'h':
            fputs(usage, stdout);
            o->help = true;
            return 0;
        default:
            fputs(usage, stderr);
            return -EINVAL;
        }
    }
    if (!o->inventory || !o->clips_dir || optind != argc) {
        fputs(usage, stderr);
        return -EINVAL;
    }
    return check_options(o);
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

/* Loads the clips and fills the per-camera defaults that name them. Returns
 * 0 or a negative errno once it has said why. */
static int load_clips(struct app *app, const struct options *o, struct fleet_defaults *d)
{
    char err[1024];
    int rc = clip_set_load(&app->clips, o->clips_dir, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "camfarm: %s\n", err);
        return rc;
    }
    *d = (struct fleet_defaults){.seed = o->seed,
                                 .max_sessions = (uint8_t)o->max_sessions,
                                 .clip_normal = clip_find(&app->clips, "normal"),
                                 .clip_h265 = clip_find(&app->clips, "normal265"),
                                 .clip_hd = clip_find(&app->clips, "hd"),
                                 .clips = &app->clips};
    if (d->clip_normal < 0)
        d->clip_normal = 0;
    /* What a healthy camera may stream, by the inventory's picture size. */
    static const char *const healthy[] = {"normal", "normal265", "hd", "fhd", "qhd"};
    for (size_t i = 0; i < sizeof(healthy) / sizeof(healthy[0]); i++) {
        int k = clip_find(&app->clips, healthy[i]);
        if (k >= 0 && d->nhealthy < FLEET_HEALTHY_MAX)
            d->healthy[d->nhealthy++] = k;
    }
    return 0;
}

/* The --faults mix into d. Returns 0 or -EINVAL once it has said why. */
static int parse_mix(const struct options *o, struct fleet_defaults *d)
{
    char err[1024];
    int rc = fault_mix_parse(o->faults, &d->mix, err, sizeof(err));
    if (rc < 0)
        fprintf(stderr, "camfarm: %s\n", err);
    return rc;
}

/* Loads the inventory, then the fleet file over it. Returns 0 or a
 * negative errno once it has said why. */
static int load_fleet(struct app *app, const struct options *o, const struct fleet_defaults *d)
{
    char err[1024];
    fleet_init(&app->fleet);
    int rc = fleet_load_csv(&app->fleet, o->inventory, d, err, sizeof(err));
    if (rc == 0 && o->fleet_file)
        rc = fleet_load_modes(&app->fleet, o->fleet_file, &app->clips, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "camfarm: %s\n", err);
        return rc;
    }
    if (app->fleet.skipped)
        fprintf(stderr,
                "camfarm: %s: skipped %u rows whose URL camfarm does not serve "
                "(https, rtsps, ...)\n",
                o->inventory, app->fleet.skipped);
    if (app->fleet.unmatched)
        fprintf(stderr,
                "camfarm: %s: %u cameras expect a picture size or frame rate no healthy clip "
                "has; they stream the default clips (add one to make_clips.sh)\n",
                o->inventory, app->fleet.unmatched);
    return 0;
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct app *app = s->data;
    (void)signum;
    farm_close(&app->farm);
    streams_close(&app->streams);
    control_close(&app->ctl);
    uv_close((uv_handle_t *)&app->sigterm, NULL);
    uv_close((uv_handle_t *)&app->sigint, NULL);
}

/* Binds the RTSP and control sockets and takes SIGTERM and SIGINT. Returns
 * 0 or a negative errno (a socket's failure is reported). */
static int serve(struct app *app, const struct options *o)
{
    app->loop = uv_default_loop();
    int rc = farm_init(&app->farm, app->loop, &app->fleet, &app->clips, &o->farm);
    if (rc == 0 &&
        (rc = stream_serve(&app->streams, &app->media, &app->farm, o->clips_dir, &o->streams)) < 0)
        return rc; /* it said why */
    if (rc == 0 && (rc = farm_listen(&app->farm, o->listen_ip, o->listen_port)) < 0)
        fprintf(stderr, "camfarm: RTSP socket %s: %s (port in use? choose --listen)\n",
                o->listen_addr, uv_strerror(rc));
    if (rc == 0 &&
        (rc = control_listen(&app->ctl, app->loop, &app->farm, o->control_ip, o->control_port)) < 0)
        fprintf(stderr, "camfarm: control socket %s: %s (must be 127.x.y.z:PORT, free)\n",
                o->control_addr, uv_strerror(rc));
    if (rc < 0)
        return rc;
    uv_signal_init(app->loop, &app->sigterm);
    uv_signal_init(app->loop, &app->sigint);
    app->sigterm.data = app->sigint.data = app;
    uv_signal_start(&app->sigterm, on_signal, SIGTERM);
    uv_signal_start(&app->sigint, on_signal, SIGINT);
    return 0;
}

/* Writes the pidfile, then the ready line on stdout and --ready-fd.
 * Returns 0 or a negative errno (a pidfile that cannot be written). */
static int announce_ready(const struct app *app, const struct options *o)
{
    char ready[384];
    int n = snprintf(ready, sizeof(ready), "camfarm ready cameras=%u rtsp=%s:%u control=%s:%u",
                     app->fleet.count, o->listen_ip, app->farm.port, o->control_ip, app->ctl.port);
    stream_ready_words(&app->streams, &o->streams, ready + n, sizeof(ready) - (size_t)n);
    if (o->pidfile) {
        FILE *p = fopen(o->pidfile, "w");
        if (!p || fprintf(p, "%ld\n", (long)getpid()) < 0 || fclose(p) != 0) {
            int e = errno;
            fprintf(stderr, "camfarm: pidfile %s: %s\n", o->pidfile, strerror(e));
            return -e;
        }
    }
    fputs(ready, stdout);
    fflush(stdout);
    if (o->ready_fd >= 0) {
        if (write((int)o->ready_fd, ready, strlen(ready)) < 0)
            fprintf(stderr, "camfarm: --ready-fd %ld: %s\n", o->ready_fd, strerror(errno));
        close((int)o->ready_fd);
    }
    return 0;
}

/* Says the farm is ready, then serves until SIGTERM or SIGINT has closed
 * every handle. Returns 0 or a negative errno. */
static int run(struct app *app, const struct options *o)
{
    char err[4200];
    int rc = o->faults_out ? truth_write(&app->farm, o->faults_out, err, sizeof(err)) : 0;
    if (rc < 0) {
        fprintf(stderr, "camfarm: %s\n", err);
        return rc;
    }
    rc = announce_ready(app, o);
    if (rc < 0)
        return rc;
    uv_run(app->loop, UV_RUN_DEFAULT);
    return 0;
}

/* Returns 0, or the error of a loop that still had handles. */
static int teardown(struct app *app, const struct options *o)
{
    int rc = uv_loop_close(app->loop);
    if (rc < 0)
        fprintf(stderr, "camfarm: loop still has handles at exit: %s\n", uv_strerror(rc));
    fleet_free(&app->fleet);
    media_set_free(&app->media);
    clip_set_free(&app->clips);
    if (o->pidfile)
        unlink(o->pidfile);
    return rc;
}

int main(int argc, char **argv)
{
    static struct app app; /* the farm's read buffer is too large for the stack */
    struct options o;
    struct fleet_defaults d;
    if (parse_options(argc, argv, &o) < 0)
        return 2;
    if (o.help)
        return 0;
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    if (load_clips(&app, &o, &d) < 0)
        return 1;
    if (parse_mix(&o, &d) < 0)
        return 2;
    if (load_fleet(&app, &o, &d) < 0 || serve(&app, &o) < 0 || run(&app, &o) < 0)
        return 1;
    return teardown(&app, &o) < 0 ? 1 : 0;
}
