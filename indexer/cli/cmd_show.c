/* `camdex show ID`: one camera's record, health, stream metadata, what its
 * GB/T 28181 code says, and its recent state changes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/timefmt.h"
#include "cli/cli_internal.h"
#include "engine/clock_check.h"
#include "views/camera_view.h"
#include "views/event_view.h"
#include "views/picture_view.h"
#include "views/view_lang.h"

#define SHOW_EVENTS 10

static void show_usage(FILE *f)
{
    fprintf(f, "usage: camdex show ID [--format table|json]\n\n"
               "Shows a camera: inventory record (URL redacted), health with reason and\n"
               "detail, stream metadata from the last probes, the meaning of its GB/T 28181\n"
               "code, its latest picture diagnosis and reference picture, and its last %d\n"
               "state changes.\n",
            SHOW_EVENTS);
}

struct show_ctx {
    struct cli *cli;
    json_t *events;
};

/* Keeps the newest SHOW_EVENTS: events arrive oldest first. */
static int keep_recent(const struct store_event *ev, void *ctx)
{
    struct show_ctx *sc = ctx;
    if (json_array_size(sc->events) == SHOW_EVENTS)
        json_array_remove(sc->events, 0);
    json_t *e = view_event(sc->cli->tz_offset, ev);
    if (e && view_add_texts(e, sc->cli->lang)) {
        json_decref(e);
        e = NULL;
    }
    return json_array_append_new(sc->events, e) ? -ENOMEM : 0;
}

static json_t *build(struct cli *cli, struct store_read *r, const char *id, int *rc)
{
    struct store_camera cam;
    struct store_health h;
    struct store_unit u;
    if ((*rc = store_camera_get(r, id, &cam)) || (*rc = store_health_get(r, id, &h)))
        return NULL;
    const char *uname = store_unit_get(r, cam.unit_id, &u) == 0 ? u.name : "";
    json_t *o = view_camera_detail(cli->tz_offset, &cam, &h, uname);
    if (o && view_add_texts(o, cli->lang)) {
        json_decref(o);
        o = NULL;
    }
    if (!o) {
        *rc = -ENOMEM;
        return NULL;
    }
    struct store_clock k;
    bool have_clock = store_clock_get(r, id, &k) == 0;
    const struct store_clock *kp = have_clock ? &k : NULL;
    view_camera_clock(o, cli->tz_offset, kp, clock_verdict_name(clock_record_verdict(kp)));
    struct store_diagnosis d;
    struct store_reference ref;
    /* null: never diagnosed, or no reference (yet). */
    json_object_set_new(o, "diagnosis",
                        store_diagnosis_get(r, id, &d) == 0 ? view_diagnosis(cli->tz_offset, &d)
                                                            : json_null());
    json_object_set_new(o, "reference", store_reference_get(r, id, &ref) == 0
                                            ? view_reference(cli->tz_offset, &ref)
                                            : json_null());
    struct show_ctx sc = {.cli = cli, .events = json_array()};
    *rc = store_events_scan(r, id, NULL, 0, INT64_MAX, keep_recent, &sc);
    json_object_set_new(o, "events", sc.events);
    return o;
}

/* Values are free text (names, notes, a camera's words): cleaned of
 * terminal escapes and invalid bytes on the way out. The label (catalogue
 * key `label`) is padded to 14 columns by display width, so Chinese labels
 * line their values up too. */
static void print_field(enum msg_lang lang, const char *label, const char *value)
{
    if (value && *value) {
        const char *l = msg_text(label, lang);
        int pad = 14 - out_display_width(l);
        printf("%s%*s ", l, pad > 0 ? pad : 0, "");
        out_put_text(stdout, value);
        putchar('\n');
    }
}

/* The clock check: the offset and its verdict, or why it is unknown. */
static void print_clock(enum msg_lang lang, json_t *k)
{
    const char *status = json_string_value(json_object_get(k, "status"));
    const char *at = json_string_value(json_object_get(k, "checked_at"));
    char buf[256];
    if (!status || strcmp(status, "never") == 0)
        snprintf(buf, sizeof(buf), "unknown (not looked at yet)");
    else if (strcmp(status, "measured") == 0)
        snprintf(buf, sizeof(buf), "%+.3f s, %s (tolerance %.3g s; rtcp, %s)",
                 (double)json_integer_value(json_object_get(k, "offset_ms")) / 1000.0,
                 json_string_value(json_object_get(k, "verdict")),
                 (double)json_integer_value(json_object_get(k, "tolerance_ms")) / 1000.0, at);
    else
        snprintf(buf, sizeof(buf), "unknown (no RTCP sender report, %s)", at);
    print_field(lang, "label.clock", buf);
}

/* "diagnosis  TIME  blurred picture (12.5, limit 30), ..." and the reference. */
static void print_picture(struct cli *cli, json_t *o)
{
    char buf[1024];
    json_t *d = json_object_get(o, "diagnosis"), *ref = json_object_get(o, "reference");
    if (json_is_object(d)) {
        json_t *f = json_object_get(d, "findings"), *x;
        size_t i, n = (size_t)snprintf(buf, sizeof(buf), "%s  ",
                                       json_string_value(json_object_get(d, "time")));
        if (!json_array_size(f))
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s",
                                  msg_reason_text("none", cli->lang));
        json_array_foreach(f, i, x)
        {
            if (n >= sizeof(buf))
                break;
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s (%g, limit %g)", i ? ", " : "",
                                  msg_reason_text(json_string_value(json_object_get(x, "reason")),
                                                  cli->lang),
                                  json_number_value(json_object_get(x, "value")),
                                  json_number_value(json_object_get(x, "limit")));
        }
        print_field(cli->lang, "label.diagnosis", buf);
    }
    if (json_is_object(ref)) {
        snprintf(buf, sizeof(buf), "%s, set by %s", json_string_value(json_object_get(ref, "time")),
                 json_string_value(json_object_get(ref, "set_by")));
        print_field(cli->lang, "label.reference", buf);
    }
}

static void print_video(enum msg_lang lang, json_t *v)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s %s %lldx%lld %.2f fps %lld kbit/s",
             json_string_value(json_object_get(v, "codec")),
             json_string_value(json_object_get(v, "profile")),
             (long long)json_integer_value(json_object_get(v, "width")),
             (long long)json_integer_value(json_object_get(v, "height")),
             json_real_value(json_object_get(v, "fps")),
             (long long)json_integer_value(json_object_get(v, "bitrate_kbps")));
    print_field(lang, "label.video", buf);
}

static void print_events(enum msg_lang lang, json_t *evs)
{
    printf("\n%s\n", msg_text("label.recent_events", lang));
    size_t i;
    json_t *e;
    json_array_foreach(evs, i, e)
    {
        printf("  %s  %s -> %s  ", json_string_value(json_object_get(e, "time")),
               msg_state_text(json_string_value(json_object_get(e, "from")), lang),
               msg_state_text(json_string_value(json_object_get(e, "to")), lang));
        const char *reason = json_string_value(json_object_get(e, "reason"));
        out_put_text(stdout, lang == MSG_EN ? reason : msg_reason_text(reason, lang));
        fputs("  ", stdout);
        out_put_text(stdout, json_string_value(json_object_get(e, "detail")));
        putchar('\n');
    }
}

/* English shows the codes (what --state and --reason take), other
 * languages the catalogue's texts; dates stay RFC 3339. */
static void print_text(struct cli *cli, json_t *o)
{
    enum msg_lang lang = cli->lang;
    char buf[512];
#define STR(k) json_string_value(json_object_get(o, k))
    print_field(lang, "label.id", STR("id"));
    print_field(lang, "label.name", STR("name"));
    snprintf(buf, sizeof(buf), "%s %s", STR("unit"), STR("unit_name"));
    print_field(lang, "label.unit", buf);
    print_field(lang, "label.url", STR("url"));
    print_field(lang, "label.address", STR("address"));
    print_field(lang, "label.tags", STR("tags"));
    json_t *gb = json_object_get(o, "gb28181");
    if (gb)
        print_field(lang, "label.gb28181", json_string_value(json_object_get(gb, "description")));
    const char *state = STR("state"), *reason = STR("reason");
    if (lang != MSG_EN) {
        state = msg_state_text(state, lang);
        reason = msg_reason_text(reason, lang);
    }
    snprintf(buf, sizeof(buf), "%s%s%s", state, *reason ? " — " : "", reason);
    print_field(lang, "label.state", buf);
    print_field(lang, "label.detail", STR("detail"));
    print_field(lang, "label.since", STR("since"));
    print_field(lang, "label.last_probe", STR("last_probe"));
    print_field(lang, "label.last_success", STR("last_success"));
    if (json_is_true(json_object_get(o, "flapping")))
        print_field(lang, "label.flapping", msg_text("label.flapping_yes", lang));
    json_t *v = json_object_get(o, "video");
    if (v)
        print_video(lang, v);
    print_field(lang, "label.server", STR("server"));
    print_clock(lang, json_object_get(o, "clock"));
    print_picture(cli, o);
    json_t *evs = json_object_get(o, "events");
    if (json_array_size(evs))
        print_events(lang, evs);
#undef STR
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
    if (fmt == OUT_CSV || fmt == OUT_XLSX) {
        cli_error("show: --format csv and xlsx are for lists; use table or json");
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
