/* `camdex show ID`: one camera's record, health, stream metadata, what its
 * GB/T 28181 code says, and its recent state changes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_internal.h"
#include "gbid.h"
#include "timefmt.h"

#define SHOW_EVENTS 10

static void show_usage(FILE *f)
{
    fprintf(f, "usage: camdex show ID [--format table|json]\n\n"
               "Shows a camera: inventory record (URL redacted), health with reason and\n"
               "detail, stream metadata from the last probes, the meaning of its GB/T 28181\n"
               "code, and its last %d state changes.\n",
            SHOW_EVENTS);
}

struct show_ctx {
    struct cli *cli;
    json_t *events;
};

static json_t *event_row(struct cli *cli, const struct store_event *ev)
{
    char t[40];
    timefmt_rfc3339(ev->time_ms, cli->tz_offset, t, sizeof(t));
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "time", t, "key",
                     (json_int_t)ev->key, "camera", ev->camera_id, "unit", ev->unit_id, "from",
                     store_state_name(ev->from), "to", store_state_name(ev->to), "reason",
                     ev->reason, "detail", ev->detail);
}

/* Keeps the newest SHOW_EVENTS: events arrive oldest first. */
static int keep_recent(const struct store_event *ev, void *ctx)
{
    struct show_ctx *sc = ctx;
    if (json_array_size(sc->events) == SHOW_EVENTS)
        json_array_remove(sc->events, 0);
    return json_array_append_new(sc->events, event_row(sc->cli, ev)) ? -ENOMEM : 0;
}

static json_t *build(struct cli *cli, struct store_read *r, const char *id, int *rc)
{
    struct store_camera cam;
    struct store_health h;
    struct store_unit u;
    if ((*rc = store_camera_get(r, id, &cam)) || (*rc = store_health_get(r, id, &h)))
        return NULL;
    const char *uname = store_unit_get(r, cam.unit_id, &u) == 0 ? u.name : "";
    json_t *o = cli_camera_row(cli, &cam, &h, uname);
    char t[40];
    timefmt_rfc3339(h.last_success, cli->tz_offset, t, sizeof(t));
    json_object_set_new(o, "last_success", json_string(t));
    json_object_set_new(o, "consecutive_failures", json_integer(h.consec_fail));
    json_object_set_new(o, "flapping", json_boolean(h.flapping));
    if (h.rtsp_status)
        json_object_set_new(o, "rtsp_status", json_integer(h.rtsp_status));
    if (h.latency_us)
        json_object_set_new(o, "latency_ms", json_real(h.latency_us / 1000.0));
    json_object_set_new(o, "address", json_string(cam.address));
    json_object_set_new(o, "tags", json_string(cam.tags));
    if (cam.has_location)
        json_object_set_new(o, "location", json_pack("{s:f, s:f}", "lat", cam.lat, "lon",
                                                     cam.lon));
    if (cam.width)
        json_object_set_new(o, "expected",
                            json_pack("{s:i, s:i, s:i}", "width", cam.width, "height",
                                      cam.height, "fps", cam.fps));
    if (h.media.codec[0] || h.media.width)
        json_object_set_new(o, "video",
                            json_pack("{s:s, s:s, s:i, s:i, s:f, s:i}", "codec", h.media.codec,
                                      "profile", h.media.profile, "width", h.media.width,
                                      "height", h.media.height, "fps",
                                      h.media.fps_milli / 1000.0, "bitrate_kbps",
                                      h.media.bitrate_kbps));
    if (h.media.audio[0])
        json_object_set_new(o, "audio", json_pack("{s:s}", "codec", h.media.audio));
    if (h.media.server[0])
        json_object_set_new(o, "server", json_string(h.media.server));
    struct gbid g;
    if (gbid_parse(id, &g) == 0) {
        char desc[256];
        gbid_describe(&g, desc, sizeof(desc));
        json_object_set_new(o, "gb28181",
                            json_pack("{s:s, s:i, s:s, s:i, s:s, s:s}", "region", g.region,
                                      "type", g.type, "type_name", gbid_type_name(g.type),
                                      "network", g.network, "network_name",
                                      gbid_network_name(g.network), "description", desc));
    }
    struct show_ctx sc = {.cli = cli, .events = json_array()};
    *rc = store_events_scan(r, id, NULL, 0, INT64_MAX, keep_recent, &sc);
    json_object_set_new(o, "events", sc.events);
    return o;
}

static void print_field(const char *label, const char *value)
{
    if (value && *value)
        printf("%-14s %s\n", label, value);
}

static void print_text(struct cli *cli, json_t *o)
{
    const char *s;
    char buf[512];
#define STR(k) json_string_value(json_object_get(o, k))
    print_field("id", STR("id"));
    print_field("name", STR("name"));
    snprintf(buf, sizeof(buf), "%s %s", STR("unit"), STR("unit_name"));
    print_field("unit", buf);
    print_field("url", STR("url"));
    print_field("address", STR("address"));
    print_field("tags", STR("tags"));
    json_t *gb = json_object_get(o, "gb28181");
    if (gb)
        print_field("gb28181", json_string_value(json_object_get(gb, "description")));
    s = STR("reason");
    snprintf(buf, sizeof(buf), "%s%s%s", STR("state"), *s ? " — " : "", s);
    print_field("state", buf);
    print_field("detail", STR("detail"));
    print_field("since", STR("since"));
    print_field("last probe", STR("last_probe"));
    print_field("last success", STR("last_success"));
    if (json_is_true(json_object_get(o, "flapping")))
        print_field("flapping", "yes: too many state changes recently");
    json_t *v = json_object_get(o, "video");
    if (v) {
        snprintf(buf, sizeof(buf), "%s %s %lldx%lld %.2f fps %lld kbit/s",
                 json_string_value(json_object_get(v, "codec")),
                 json_string_value(json_object_get(v, "profile")),
                 (long long)json_integer_value(json_object_get(v, "width")),
                 (long long)json_integer_value(json_object_get(v, "height")),
                 json_real_value(json_object_get(v, "fps")),
                 (long long)json_integer_value(json_object_get(v, "bitrate_kbps")));
        print_field("video", buf);
    }
    print_field("server", STR("server"));
    json_t *evs = json_object_get(o, "events");
    if (json_array_size(evs)) {
        printf("\nrecent state changes:\n");
        size_t i;
        json_t *e;
        json_array_foreach(evs, i, e)
        {
            printf("  %s  %s -> %s  %s  %s\n", json_string_value(json_object_get(e, "time")),
                   json_string_value(json_object_get(e, "from")),
                   json_string_value(json_object_get(e, "to")),
                   json_string_value(json_object_get(e, "reason")),
                   json_string_value(json_object_get(e, "detail")));
        }
    }
#undef STR
    (void)cli;
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    enum out_format fmt = OUT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (cli_format(optarg, &fmt))
                return CLI_USAGE;
            break;
        case 'h':
            show_usage(stdout);
            return CLI_OK;
        default:
            show_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (fmt == OUT_CSV) {
        cli_error("show: --format csv is for lists; use table or json");
        return CLI_USAGE;
    }
    if (optind + 1 != argc) {
        cli_error("show: give exactly one camera id (see `camdex show --help`)");
        return CLI_USAGE;
    }
    const char *id = argv[optind];
    if (strlen(id) > STORE_ID_MAX) {
        cli_error("show: \"%.20s...\" is longer than any camera id (%d bytes at most)", id,
                  STORE_ID_MAX);
        return CLI_USAGE;
    }
    struct store *s;
    struct store_read *r;
    if (cli_open(cli, false, &s))
        return CLI_FAIL;
    int rc = store_read_begin(s, &r);
    json_t *o = rc ? NULL : build(cli, r, id, &rc);
    store_read_end(&r);
    store_close(&s);
    if (rc == -ENOENT) {
        cli_error("no camera \"%s\" in %s (`camdex list` shows the ids)", id, cli->db_dir);
        json_decref(o);
        return CLI_FAIL;
    }
    if (rc) {
        cli_error("reading camera %s: %s", id, store_strerror(rc));
        json_decref(o);
        return CLI_FAIL;
    }
    if (fmt == OUT_JSON) {
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
        putchar('\n');
    } else {
        print_text(cli, o);
    }
    json_decref(o);
    return CLI_OK;
}
