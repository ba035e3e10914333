/* `camdex list`: cameras filtered by unit, state, reason and picture finding. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_internal.h"
#include "views/camera_view.h"
#include "views/view_lang.h"

static void list_usage(FILE *f)
{
    fprintf(f, "usage: camdex list [--unit ID] [--state STATE] [--reason REASON]\n"
               "                   [--finding REASON] [--limit N]\n"
               "                   [--format table|json|csv|xlsx] [-o FILE]\n\n"
               "Lists cameras with their state, reason and since when, ordered by unit\n"
               "and camera id. STATE is one of unknown, online, degraded, offline,\n"
               "maintenance. --reason matches the reason of the state (the most severe\n"
               "finding of a degraded picture); --finding any finding of the latest\n"
               "picture diagnosis (e.g. --finding noisy also lists a dark, noisy camera\n"
               "degraded as black). URLs are shown with credentials redacted. -o writes\n"
               "FILE (whole or not at all) instead of standard output.\n");
}

struct list_ctx {
    struct cli *cli;
    json_t *rows, *unit_names;
    long limit;
    bool texts; /* JSON: state_text and reason_text beside the codes */
};

static int unit_name_cb(const struct store_unit *u, void *ctx)
{
    return json_object_set_new(ctx, u->id, json_string(u->name)) ? -ENOMEM : 0;
}

static int list_cb(const struct store_camera *cam, const struct store_health *h, void *ctx)
{
    struct list_ctx *l = ctx;
    if (l->limit >= 0 && (long)json_array_size(l->rows) >= l->limit)
        return 1;
    const char *uname = json_string_value(json_object_get(l->unit_names, cam->unit_id));
    json_t *row = view_camera_row(l->cli->tz_offset, cam, h, uname);
    if (row && l->texts && view_add_texts(row, l->cli->lang)) {
        json_decref(row);
        row = NULL;
    }
    return row && json_array_append_new(l->rows, row) == 0 ? 0 : -ENOMEM;
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"unit", required_argument, NULL, 'u'},
        {"state", required_argument, NULL, 's'},
        {"reason", required_argument, NULL, 'r'},
        {"finding", required_argument, NULL, 'g'},
        {"format", required_argument, NULL, 'f'},
        {"limit", required_argument, NULL, 'n'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct store_filter filter = {.state = -1};
    enum out_format fmt = OUT_TABLE;
    const char *out_path = NULL;
    struct list_ctx l = {.cli = cli, .limit = -1};
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            filter.unit_id = optarg;
            break;
        case 's':
            filter.state = store_state_parse(optarg);
            if (filter.state < 0) {
                cli_error("--state: \"%s\" is not a state (use unknown, online, degraded, "
                          "offline or maintenance)",
                          optarg);
                return CLI_USAGE;
            }
            break;
        case 'r':
            filter.reason = optarg;
            break;
        case 'g':
            filter.finding = optarg;
            break;
        case 'f':
            if (cli_format(optarg, &fmt))
                return CLI_USAGE;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'n': {
            char *end;
            l.limit = strtol(optarg, &end, 10);
            if (*end || l.limit < 0) {
                cli_error("--limit: \"%s\" is not a count (use a number >= 0)", optarg);
                return CLI_USAGE;
            }
            break;
        }
        case 'h':
            list_usage(stdout);
            return CLI_OK;
        default:
            list_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("list: unexpected argument \"%s\"", argv[optind]);
        return CLI_USAGE;
    }
    if ((filter.unit_id && strlen(filter.unit_id) > STORE_ID_MAX) ||
        (filter.reason && strlen(filter.reason) > STORE_REASON_MAX) ||
        (filter.finding && (!*filter.finding || strlen(filter.finding) > STORE_REASON_MAX))) {
        cli_error("--unit, --reason or --finding is empty or longer than any stored id or "
                  "reason");
        return CLI_USAGE;
    }

    struct store *s;
    struct store_read *r;
    if (cli_open(cli, false, &s))
        return CLI_FAIL;
    int rc = store_read_begin(s, &r);
    l.texts = fmt == OUT_JSON;
    l.rows = json_array();
    l.unit_names = json_object();
    if (!rc)
        rc = store_units_scan(r, unit_name_cb, l.unit_names);
    if (!rc)
        rc = store_cameras_scan(r, &filter, list_cb, &l);
    /* Rows copied every string: end the snapshot before printing. */
    store_read_end(&r);
    if (rc) {
        cli_error("reading the index in %s: %s", cli->db_dir, store_strerror(rc));
    } else {
        static const struct out_col cols[] = {
            {"id", "col.id", OUT_TEXT, 0},
            {"name", "col.name", OUT_TEXT, 28},
            {"unit_name", "col.unit_name", OUT_TEXT, 20},
            {"state", "col.state", OUT_TEXT, 0},
            {"reason", "col.reason", OUT_TEXT, 0},
            {"since", "col.since", OUT_DATETIME, 0},
            {"url", "col.url", OUT_TEXT, 60},
        };
        if (fmt == OUT_TABLE)
            view_codes_to_texts(l.rows, cli->lang);
        rc = cli_emit(cli, fmt, out_path, "sheet.cameras", cols, sizeof(cols) / sizeof(cols[0]),
                      l.rows);
    }
    store_close(&s);
    json_decref(l.rows);
    json_decref(l.unit_names);
    return rc > 0 ? rc : rc ? CLI_FAIL : CLI_OK;
}
