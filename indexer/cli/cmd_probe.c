/* `camdex probe URL`: probe one stream now and say what it is, like
 * ffprobe for liveness. Exit code says the verdict. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/config.h"
#include "base/log.h"
#include "cli/cli_internal.h"
#include "deep_probe.h"
#include "engine/clock_check.h"
#include "engine/deep_verdict.h"
#include "engine/osd_look.h"
#include "osd_read.h"
#include "resolver.h"
#include "rtsp_conn.h"
#include "url.h"
#include "views/picture_view.h"
#include "views/probe_json.h"
#include "views/view_lang.h"

static void probe_usage(FILE *f)
{
    fprintf(f, "usage: camdex probe URL [--depth options|describe|play|deep] [--timeout T]\n"
               "                        [--total-timeout T] [--format text|json]\n"
               "                        [--thumbnail FILE] [--dns-server ADDR[:PORT],...]\n"
               "                        [--clock[=WAIT]] [--config FILE]\n"
               "       camdex probe --osd ID|URL [--timeout T] [--format text|json]\n"
               "                        [--config FILE]\n\n"
               "Probes one stream and prints its state, the reason when it is not online,\n"
               "the RTSP status, the time of every phase and what the stream carries.\n"
               "Depths options, describe (default) and play are the RTSP handshake;\n"
               "deep opens the stream with libav, measures frame rate and bitrate and looks\n"
               "at a decoded keyframe (black, occluded, blurred) and at the next keyframe\n"
               "about a second later (frozen: the same picture). HLS, HTTP-FLV, RTMP and\n"
               "RTSPS URLs are always probed deep.\n"
               "--timeout is the deadline of each phase, or of the whole deep probe\n"
               "(default 5s); --total-timeout caps the whole handshake (default: no cap\n"
               "beyond the phases'). --thumbnail FILE (implies deep) writes the keyframe\n"
               "there as a JPEG of at most 320x180, to see what the camera shows.\n"
               "--dns-server asks these DNS servers instead of /etc/resolv.conf's\n"
               "(/etc/hosts still comes first); the lookup's deadline is --timeout.\n"
               "--clock (implies --depth play) keeps playing up to WAIT (default 6s) for\n"
               "the camera's RTCP sender report and prints its clock's offset from this\n"
               "machine's (positive: the camera is ahead), or unknown when none came.\n"
               "--osd (implies deep; needs the OSD module, camdex-osd.so) reads the time\n"
               "and name burned into the picture and judges them against this machine's\n"
               "clock and, given a camera ID instead of a URL, the camera's name in the\n"
               "index (its URL is taken from there); nothing is stored.\n"
               "--config FILE judges the picture and the clock with its [quality] limits,\n"
               "as the service started with that file does (default: the built-in ones).\n"
               "The URL is shown with its credentials redacted.\n"
               "Exit: 0 online, 3 degraded, 4 offline, 1 failure, 2 usage error.\n");
}

struct probe_run {
    uv_loop_t loop;
    struct resolver *resolver;
    const char *url;
    struct rtsp_conn_opts opts;
    struct probe_result result;
    uint64_t dns_us;
    bool done;
    int clock_rc; /* rtsp_conn_clock's answer */
    int64_t clock_us;
    uint32_t clock_samples;
};

static void on_result(struct rtsp_conn *c, const struct probe_result *r, void *data)
{
    struct probe_run *p = data;
    p->result = *r;
    p->clock_rc = rtsp_conn_clock(c, &p->clock_us, &p->clock_samples);
    if (p->dns_us)
        p->result.phase_us[PROBE_PH_DNS] = (uint32_t)p->dns_us;
    p->done = true;
}

static void fail(struct probe_run *p, enum probe_reason why, const char *detail)
{
    probe_result_init(&p->result);
    probe_result_set(&p->result, PROBE_OFFLINE, why, "%s", detail);
    p->done = true;
}

/* The limits a verdict is judged with: [quality] of --config, so that a
 * camera probed by hand is judged as the service judges it. */
static struct config limits;

static int load_limits(const char *path)
{
    config_default(&limits);
    if (!path)
        return CLI_OK;
    static struct config_errors errs;
    memset(&errs, 0, sizeof(errs));
    if (config_load(path, &limits, &errs)) {
        for (size_t e = 0; e < errs.count && e < CONFIG_ERRORS_KEPT; e++)
            fprintf(stderr, "%s\n", errs.msg[e]);
        cli_error("probe: %s: %zu problem%s in the configuration; nothing was probed", path,
                  errs.count, errs.count == 1 ? "" : "s");
        return CLI_FAIL;
    }
    return CLI_OK;
}

static uint64_t dns_start;
static bool deep_mode;
static uint32_t deep_timeout;
static const char *thumb_path; /* --thumbnail FILE, or NULL */
static struct deep_result deep_res;
static struct osd_look *osd_look; /* --osd: the look, or NULL */

/* Tier 2 blocks: acceptable in a one-shot command, and libav needs the
 * numeric address the resolver just found. */
static void run_deep(struct probe_run *p, const struct sockaddr_storage *sa)
{
    char host[48] = "";
    if (sa->ss_family == AF_INET6)
        uv_ip6_name((const struct sockaddr_in6 *)sa, host, sizeof(host));
    else
        uv_ip4_name((const struct sockaddr_in *)sa, host, sizeof(host));
    struct deep_opts o;
    deep_opts_default(&o);
    o.deadline_ms = deep_timeout;
    o.thumbnail = thumb_path != NULL;
    o.full_luma = osd_look != NULL;
    deep_result_init(&deep_res);
    int rc = deep_probe_run(p->url, host, &o, NULL, &deep_res);
    if (rc == 0 && osd_look)
        osd_look_run(osd_look, &deep_res);
    if (rc) {
        fail(p, PROBE_R_INTERNAL_ERROR, strerror(-rc));
        return;
    }
    struct deep_verdict_expect none = {.quality = &limits.quality};
    deep_verdict_judge(&deep_res, &none, &p->result, NULL);
    if (p->dns_us)
        p->result.phase_us[PROBE_PH_DNS] = (uint32_t)p->dns_us;
    p->done = true;
}

static void on_resolved(void *data, int status, const struct sockaddr_storage *addr)
{
    struct probe_run *p = data;
    p->dns_us = (uv_hrtime() - dns_start) / 1000;
    if (status) {
        char d[160];
        snprintf(d, sizeof(d), "cannot resolve the host: %s",
                 status == -ETIMEDOUT ? "timed out" : strerror(-status));
        fail(p, PROBE_R_DNS_FAILED, d);
        return;
    }
    struct sockaddr_storage sa = *addr;
    if (deep_mode) {
        run_deep(p, &sa);
        return;
    }
    int rc = rtsp_conn_start(&p->loop, (struct sockaddr *)&sa, p->url, &p->opts, on_result, p,
                             NULL);
    if (rc)
        fail(p, PROBE_R_INTERNAL_ERROR, uv_strerror(rc));
}

/* The lookup runs on the probe's loop with the phase deadline; a malformed
 * server list is a usage error. */
static int start_resolve(struct probe_run *p, const char *host, uint32_t timeout,
                         const char *servers)
{
    struct resolver_opts ro = {.timeout_ms = timeout, .servers = servers};
    int rc = resolver_new(&p->loop, &ro, &p->resolver);
    if (rc == -EINVAL && servers) {
        cli_error("--dns-server: \"%s\" is not a list of DNS servers (use ADDR[:PORT] "
                  "separated by commas, an IPv6 address with a port in brackets)",
                  servers);
        return CLI_USAGE;
    }
    if (rc) {
        cli_error("probe: %s", strerror(-rc));
        return CLI_FAIL;
    }
    dns_start = uv_hrtime();
    if (resolver_lookup(p->resolver, host, on_resolved, p) != 0)
        fail(p, PROBE_R_DNS_FAILED, "the host name cannot be resolved");
    return CLI_OK;
}

/* --clock's line: the offset, or why there is none. */
static void print_clock_text(const struct probe_run *p)
{
    if (!p->opts.clock_ms)
        return;
    const struct config def = limits;
    if (p->clock_rc == 0)
        printf("%-9s %+.3f s, %s (the camera's clock minus this machine's; rtcp, %u samples; "
               "tolerance %.3g s)\n",
               "clock", p->clock_us / 1e6,
               clock_verdict_name(clock_judge(true, p->clock_us / 1000, def.clock_tolerance_ms)),
               p->clock_samples, def.clock_tolerance_ms / 1000.0);
    else if (p->clock_rc == -ENOENT)
        printf("%-9s unknown (no RTCP sender report within %.3g s)\n", "clock",
               p->opts.clock_ms / 1000.0);
    else
        printf("%-9s unknown (not measured: the stream is not online)\n", "clock");
}

static void add_clock_json(json_t *o, const struct probe_run *p)
{
    if (!p->opts.clock_ms)
        return;
    json_t *k = json_object();
    json_object_set_new(k, "source", json_string("rtcp"));
    json_object_set_new(k, "offset_ms",
                        p->clock_rc == 0 ? json_real((double)p->clock_us / 1000.0) : json_null());
    json_object_set_new(k, "samples", json_integer(p->clock_rc == 0 ? p->clock_samples : 0));
    json_object_set_new(k, "status",
                        json_string(p->clock_rc == 0         ? "measured"
                                    : p->clock_rc == -ENOENT ? "no_sender_report"
                                                             : "not_online"));
    enum clock_verdict v =
        clock_judge(p->clock_rc == 0, p->clock_us / 1000, limits.clock_tolerance_ms);
    json_object_set_new(k, "verdict", json_string(clock_verdict_name(v)));
    json_object_set_new(o, "clock", k);
}

/* A label (catalogue key) padded to 9 columns by display width. */
static void label(enum msg_lang lang, const char *key)
{
    const char *l = msg_text(key, lang);
    int pad = 9 - out_display_width(l);
    printf("%s%*s", l, pad > 0 ? pad : 0, "");
}

/* A line of the text output: its label, then the value. */
static void field(enum msg_lang lang, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void field(enum msg_lang lang, const char *key, const char *fmt, ...)
{
    va_list ap;
    label(lang, key);
    putchar(' ');
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

/* English shows the codes (what `camdex list --reason` takes), other
 * languages the catalogue's texts. */
static void print_text(enum msg_lang lang, const char *redacted, const struct probe_result *r,
                       int thumb)
{
    const char *state = probe_state_name(r->state), *reason = probe_reason_name(r->reason);
    if (lang != MSG_EN) {
        state = msg_state_text(state, lang);
        reason = msg_reason_text(reason, lang);
    }
    field(lang, "label.url", "%s\n", redacted);
    field(lang, "label.state", "%s\n", state);
    if (r->state != PROBE_ONLINE)
        field(lang, "label.reason", "%s\n", reason);
    if (r->detail[0])
        field(lang, "label.detail", "%s\n", r->detail);
    if (r->rtsp_status)
        field(lang, "label.status", "%d\n", r->rtsp_status);
    if (r->server[0])
        field(lang, "label.server", "%s\n", r->server);
    if (r->video.codec) {
        field(lang, "label.video", "%s", probe_codec_name(r->video.codec));
        if (r->video.profile[0])
            printf(" %s", r->video.profile);
        if (r->video.width)
            printf(" %ux%u", r->video.width, r->video.height);
        if (r->video.fps_milli)
            printf(" %.3g fps", r->video.fps_milli / 1000.0);
        if (r->video.bitrate)
            printf(" %u kbit/s", r->video.bitrate / 1000);
        printf("\n");
    }
    if (r->audio_codec)
        field(lang, "label.audio", "%s\n", probe_codec_name(r->audio_codec));
    label(lang, "label.timings");
    for (int i = 0; i < PROBE_PH_COUNT; i++)
        if (r->phase_us[i])
            printf(" %s %.1f ms", probe_phase_name(i), r->phase_us[i] / 1000.0);
    printf("\n");
    if (thumb_path)
        field(lang, "label.thumbnail", "%s\n", thumb == 0  ? thumb_path
                            : thumb > 0 ? msg_text("label.thumbnail_none", lang)
                                        : msg_text("label.thumbnail_not_written", lang));
}

/* Writes the thumbnail to --thumbnail's file (through a temporary file in
 * the same directory, so a reader never sees half a picture). 0 when
 * written, 1 when there was no picture, -1 after an error (said). */
static int write_thumbnail(void)
{
    if (!deep_res.jpeg || !deep_res.jpeg_len)
        return 1;
    char tmp[4200];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", thumb_path) >= (int)sizeof(tmp)) {
        cli_error("probe: --thumbnail: the path is too long");
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(deep_res.jpeg, 1, deep_res.jpeg_len, f) == deep_res.jpeg_len;
    if (f && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, thumb_path) == 0)
        return 0;
    cli_error("probe: --thumbnail: cannot write %s: %s; check the directory exists and is "
              "writable", thumb_path, strerror(errno));
    remove(tmp);
    return -1;
}

/* --osd's line and JSON: the look as the service would keep it. */
static void print_osd(bool json, json_t *o)
{
    if (!osd_look)
        return;
    struct store_osd k;
    char when[32];
    osd_look_record(osd_look, &k, when);
    if (json) {
        json_object_set_new(o, "osd", view_osd(0, &k));
        return;
    }
    static const char *const check[] = {"unknown", "right", "wrong"};
    if (osd_look->rc && osd_look->rc != -ENODATA)
        printf("%-9s unknown (not read: %s)\n", "osd", strerror(-osd_look->rc));
    else
        printf("%-9s time %s (read %s), label %s (similarity %.2f)\n", "osd",
               check[k.time_check % 3], when[0] ? when : "nothing", check[k.label_check % 3],
               k.similarity);
}

static void print_json(enum msg_lang lang, const char *redacted, const struct probe_run *p,
                       int thumb)
{
    const struct probe_result *r = &p->result;
    json_t *o = probe_result_json(redacted, r);
    add_clock_json(o, p);
    print_osd(true, o);
    view_add_texts(o, lang);
    if (thumb_path && thumb == 0)
        json_object_set_new(o, "thumbnail", json_pack("{s:s, s:I}", "file", thumb_path, "bytes",
                                                      (json_int_t)deep_res.jpeg_len));
    json_dumpf(o, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    putchar('\n');
    json_decref(o);
}

/* Every local user can read a command line (ps, /proc/PID/cmdline) for as
 * long as the probe runs: the probe works on a copy, and the original
 * loses everything that may be a credential, the userinfo and the query. */
/* --osd ID: the camera's URL (into url) and name from the index. */
static int osd_camera(struct cli *cli, const char *id, char *url, size_t n)
{
    struct store *s;
    if (cli_open(cli, false, &s))
        return CLI_FAIL;
    struct store_read *r;
    struct store_camera cam;
    struct store_info info;
    int rc = store_read_begin(s, &r);
    if (!rc) {
        if (!(rc = store_camera_get(r, id, &cam))) {
            snprintf(url, n, "%s", cam.url);
            snprintf(osd_look->name, sizeof(osd_look->name), "%s", cam.name);
        }
        store_read_end(&r);
    }
    if (!rc && store_info(s, &info) == 0)
        osd_look->tz_offset_s = info.day_offset_s;
    store_close(&s);
    if (rc == -ENOENT)
        cli_error("probe: --osd: no camera \"%s\" in the index (camdex list shows them; or give "
                  "a URL)",
                  id);
    else if (rc)
        cli_error("probe: --osd: cannot read camera \"%s\": %s", id, store_strerror(rc));
    return rc ? CLI_FAIL : CLI_OK;
}

/* --osd: the module must load; a URL is judged in this machine's zone. */
static int osd_begin(struct cli *cli, char *arg, char *url, size_t n)
{
    const char *why = osd_module_error();
    if (why) {
        cli_error("probe: --osd needs the OSD module (camdex-osd.so), which did not load: %s; "
                  "install the camdex-osd package",
                  why);
        return CLI_FAIL;
    }
    static struct osd_look look;
    memset(&look, 0, sizeof(look));
    osd_look = &look;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    look.tz_offset_s = (int32_t)tm.tm_gmtoff;
    look.tolerance_s = (int32_t)(limits.clock_tolerance_ms / 1000);
    look.rc = -ENODATA;
    if (strstr(arg, "://"))
        return CLI_OK;
    return osd_camera(cli, arg, url, n);
}

static const char *take_url(char *arg)
{
    static char copy[PROBE_URL_MAX + 64];
    snprintf(copy, sizeof(copy), "%s", arg);
    char *from = strstr(arg, "://");
    from = from ? from + 3 : arg;
    char *at = strrchr(from, '@');
    if (at)
        memset(from, '*', (size_t)(at - from));
    char *q = strchr(from, '?');
    if (q)
        memset(q + 1, '*', strlen(q + 1));
    return copy;
}

int cmd_probe(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    static const struct option opts[] = {
        {"depth", required_argument, NULL, 'd'},
        {"timeout", required_argument, NULL, 't'},
        {"total-timeout", required_argument, NULL, 'T'},
        {"format", required_argument, NULL, 'f'},
        {"thumbnail", required_argument, NULL, 'j'},
        {"dns-server", required_argument, NULL, 's'},
        {"clock", optional_argument, NULL, 'k'},
        {"osd", no_argument, NULL, 'o'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    static struct probe_run p;
    memset(&p, 0, sizeof(p));
    p.opts.depth = RTSP_DEPTH_DESCRIBE;
    bool json = false, deep = false;
    uint32_t timeout = 5000;
    thumb_path = NULL;
    osd_look = NULL;
    int rc;
    bool osd = false;
    const char *dns_servers = NULL, *config_path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (strcmp(optarg, "options") == 0)
                p.opts.depth = RTSP_DEPTH_OPTIONS;
            else if (strcmp(optarg, "describe") == 0)
                p.opts.depth = RTSP_DEPTH_DESCRIBE;
            else if (strcmp(optarg, "play") == 0)
                p.opts.depth = RTSP_DEPTH_PLAY;
            else if (strcmp(optarg, "deep") == 0)
                deep = true;
            else {
                cli_error("--depth: \"%s\" is not a depth (use options, describe, play or deep)",
                          optarg);
                return CLI_USAGE;
            }
            break;
        case 't':
            if (config_parse_duration(optarg, &timeout) || timeout < 10 || timeout > 600000) {
                cli_error("--timeout: \"%s\" is not a duration from 10ms to 10m", optarg);
                return CLI_USAGE;
            }
            break;
        case 'T':
            if (config_parse_duration(optarg, &p.opts.total_ms) || p.opts.total_ms < 10 ||
                p.opts.total_ms > 600000) {
                cli_error("--total-timeout: \"%s\" is not a duration from 10ms to 10m", optarg);
                return CLI_USAGE;
            }
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") != 0) {
                cli_error("--format: \"%s\" is not a format (use text or json)", optarg);
                return CLI_USAGE;
            }
            break;
        case 'j':
            if (!*optarg) {
                cli_error("--thumbnail: give the file to write the JPEG to");
                return CLI_USAGE;
            }
            thumb_path = optarg;
            deep = true; /* only the deep probe decodes a picture */
            break;
        case 's':
            dns_servers = optarg;
            break;
        case 'k':
            p.opts.clock_ms = 6000;
            if (optarg && (config_parse_duration(optarg, &p.opts.clock_ms) ||
                           p.opts.clock_ms < 10 || p.opts.clock_ms > 600000)) {
                cli_error("--clock: \"%s\" is not a duration from 10ms to 10m", optarg);
                return CLI_USAGE;
            }
            p.opts.depth = RTSP_DEPTH_PLAY;
            break;
        case 'o':
            osd = deep = true; /* the OSD is read off a decoded picture */
            break;
        case 'c':
            config_path = optarg;
            break;
        case 'h':
            probe_usage(stdout);
            return CLI_OK;
        default:
            probe_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (argc - optind != 1) {
        cli_error("probe: give exactly one stream URL (see `camdex probe --help`)");
        return CLI_USAGE;
    }
    if ((rc = load_limits(config_path)) != CLI_OK)
        return rc;
    static char by_id[PROBE_URL_MAX + 64];
    by_id[0] = 0;
    if (osd && (rc = osd_begin(cli, argv[optind], by_id, sizeof(by_id))) != CLI_OK)
        return rc;
    p.url = take_url(by_id[0] ? by_id : argv[optind]);
    char redacted[2100];
    if (probe_url_redact(p.url, redacted, sizeof(redacted)) < 0)
        snprintf(redacted, sizeof(redacted), "(unparsable URL)");
    static struct probe_url u;
    rc = probe_url_parse(p.url, &u);
    if (rc) {
        cli_error("probe: %s: %s", redacted, u.error ? u.error : "not a stream URL");
        return CLI_USAGE;
    }
    /* Tier 1 speaks plain RTSP only: RTSPS (TLS), HLS, HTTP-FLV and RTMP
     * are for libav. */
    if (probe_url_tier(&u) == PROBE_TIER_2)
        deep = true;
    if (p.opts.clock_ms && deep) {
        cli_error("probe: --clock reads RTCP over the RTSP handshake: give an rtsp:// URL "
                  "and leave out --depth deep and --thumbnail");
        explicit_bzero(u.password, sizeof(u.password));
        return CLI_USAGE;
    }
    if (p.opts.clock_ms) /* whatever --depth said: the clock needs the stream */
        p.opts.depth = RTSP_DEPTH_PLAY;
    const char *no_deep = deep ? deep_module_error() : NULL;
    if (no_deep) {
        const char *sep = strstr(redacted, "://");
        char what[32];
        if (probe_url_tier(&u) == PROBE_TIER_1 || !sep)
            snprintf(what, sizeof(what), "--depth deep needs");
        else
            snprintf(what, sizeof(what), "%.*s URLs need", (int)(sep - redacted), redacted);
        cli_error("probe: %s: %s the deep probe (libav, camdex-deep.so), which did not load: "
                  "%s; install camdex-deep.so beside camdex or in lib/camdex/",
                  redacted, what, no_deep);
        explicit_bzero(u.password, sizeof(u.password));
        return CLI_FAIL;
    }
    p.opts.connect_ms = p.opts.reply_ms = p.opts.first_rtp_ms = p.opts.first_keyframe_ms =
        timeout;
    deep_mode = deep;
    deep_timeout = timeout;
    if (deep) {
        log_set_level(LEVEL_WARN);
        cli_libav_log_setup();
    }
    uv_loop_init(&p.loop);
    rc = start_resolve(&p, u.host, timeout, dns_servers);
    explicit_bzero(u.password, sizeof(u.password));
    if (rc != CLI_OK) {
        uv_loop_close(&p.loop);
        return rc;
    }
    uv_run(&p.loop, UV_RUN_DEFAULT);
    resolver_free(&p.resolver);
    uv_run(&p.loop, UV_RUN_DEFAULT);
    uv_loop_close(&p.loop);
    if (!p.done) {
        cli_error("probe: no result (internal error)");
        return CLI_FAIL;
    }
    int thumb = thumb_path ? write_thumbnail() : 1;
    if (json)
        print_json(cli->lang, redacted, &p, thumb);
    else {
        print_text(cli->lang, redacted, &p.result, thumb);
        print_clock_text(&p);
        print_osd(false, NULL);
    }
    deep_result_clear(&deep_res);
    if (thumb < 0)
        return CLI_FAIL;
    return p.result.state == PROBE_ONLINE     ? CLI_OK
           : p.result.state == PROBE_DEGRADED ? CLI_DEGRADED
                                              : CLI_OFFLINE;
}
