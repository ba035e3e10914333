/* `camdex history`: the outage log of a camera, a unit or everything. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timefmt.h"
#include "cli/cli_internal.h"
#include "views/event_view.h"
#include "views/view_lang.h"

static void history_usage(FILE *f)
{
    fprintf(f, "usage: camdex history [ID | --unit UNIT] [--since TIME] [--until TIME]\n"
               "                      [--limit N] [--format table|json|csv|xlsx] [-o FILE]\n\n"
               "State changes, oldest first; with --limit only the newest N.\n"
               "TIME is RFC 3339 (2026-11-27T08:00:00+08:00), a day (2026-11-27, from its\n"
               "midnight in the index's time zone) or a span back from now (90m, 24h, 7d).\n"
               "Default: --since 7d.\n");
}

struct hist_ctx {
    struct cli *cli;
    json_t *rows;
    long limit;
    bool texts; /* JSON: from_text, to_text and reason_text beside the codes */
};

static int hist_cb(const struct store_event *ev, void *ctx)
{
    struct hist_ctx *hc = ctx;
    json_t *row = view_event(hc->cli->tz_offset, ev);
    if (row && hc->texts && view_add_texts(row, hc->cli->lang)) {
        json_decref(row);
        row = NULL;
    }
    if (!row || json_array_append_new(hc->rows, row))
        return -ENOMEM;
    /* Only the newest `limit` are kept; older ones fall off the front. */
    if (hc->limit >= 0 && (long)json_array_size(hc->rows) > hc->limit)
        json_array_remove(hc->rows, 0);
    return 0;
}

int cmd_history(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"unit", required_argument, NULL, 'u'},
        {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 't'},
        {"limit", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *unit = NULL, *since = "7d", *until = NULL, *out_path = NULL;
    enum out_format fmt = OUT_TABLE;
    struct hist_ctx hc = {.cli = cli, .limit = -1};
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            unit = optarg;
            break;
        case 's':
            since = optarg;
            break;
        case 't':
            until = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'n': {
            char *end;
            hc.limit = strtol(optarg, &end, 10);
            if (*end || hc.limit < 0) {
                cli_error("--limit: \"%s\" is not a count (use a number >= 0)", optarg);
                return CLI_USAGE;
            }
            break;
        }
        case 'f':
            if (cli_format(optarg, &fmt))
                return CLI_USAGE;
            break;
        case 'h':
            history_usage(stdout);
            return CLI_OK;
        default:
            history_usage(stderr);
            return CLI_USAGE;
        }
    }
    const char *camera = optind < argc ? argv[optind++] : NULL;
    if (optind < argc || (camera && unit)) {
        cli_error("history: give one camera id or --unit, not both or more");
        return CLI_USAGE;
    }
    if ((camera && strlen(camera) > STORE_ID_MAX) || (unit && strlen(unit) > STORE_ID_MAX)) {
        cli_error("history: the id is longer than any stored id (%d bytes)", STORE_ID_MAX);
        return CLI_USAGE;
    }
    struct store *s;
    struct store_read *r;
    if (cli_open(cli, false, &s))
        return CLI_FAIL;
    int64_t now = timefmt_now_ms(), from, to = INT64_MAX;
    const char *bad = timefmt_parse_time(since, now, cli->tz_offset, &from)          ? "since"
                      : until && timefmt_parse_time(until, now, cli->tz_offset, &to) ? "until"
                                                                                     : NULL;
    if (bad) {
        cli_error("--%s: \"%s\" is not a time (use 2026-11-27T08:00:00+08:00, 2026-11-27 or "
                  "a span such as 24h or 7d)",
                  bad, bad[0] == 's' ? since : until);
        store_close(&s);
        return CLI_USAGE;
    }
    hc.rows = json_array();
    hc.texts = fmt == OUT_JSON;
    int rc = store_read_begin(s, &r);
    if (!rc) {
        rc = store_events_scan(r, camera, unit, from, to, hist_cb, &hc);
        store_read_end(&r);
    }
    store_close(&s);
    if (rc) {
        cli_error("reading events in %s: %s", cli->db_dir, store_strerror(rc));
        json_decref(hc.rows);
        return CLI_FAIL;
    }
    static const struct out_col cols[] = {
        {"time", "col.time", OUT_DATETIME, 0},      {"camera", "col.camera", OUT_TEXT, 0},
        {"unit", "col.unit", OUT_TEXT, 0},      {"from", "col.from", OUT_TEXT, 0},
        {"to", "col.to", OUT_TEXT, 0},          {"reason", "col.reason", OUT_TEXT, 0},
        {"detail", "col.detail", OUT_TEXT, 50},
    };
    if (fmt == OUT_TABLE)
        view_codes_to_texts(hc.rows, cli->lang);
    rc = cli_emit(cli, fmt, out_path, "sheet.events", cols, sizeof(cols) / sizeof(cols[0]),
                  hc.rows);
    json_decref(hc.rows);
    return rc;
}
