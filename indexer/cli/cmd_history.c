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
               "State changes, oldest first (the index's key order), written as they\n"
               "are read; with --limit only the newest N.\n"
               "TIME is RFC 3339 (2026-11-27T08:00:00+08:00), a day (2026-11-27, from its\n"
               "midnight in the index's time zone) or a span back from now (90m, 24h, 7d).\n"
               "Default: --since 7d.\n");
}

/* Rows between giving back the index pages the scan mapped in. */
#define FORGET_EVERY 16384

struct hist_ctx {
    struct cli *cli;
    struct store *s;
    struct cli_out *out;
    enum out_format fmt;
    long skip; /* with --limit: the older events the first pass counted */
    long count, n;
};

static int count_cb(const struct store_event *ev, void *ctx)
{
    (void)ev;
    struct hist_ctx *hc = ctx;
    if (++hc->count % FORGET_EVERY == 0)
        store_forget_pages(hc->s);
    return 0;
}

/* Each event is written as the scan reads it, and its row's memory goes
 * back before the next. */
static int hist_cb(const struct store_event *ev, void *ctx)
{
    struct hist_ctx *hc = ctx;
    if (hc->skip > 0) {
        hc->skip--;
        return 0;
    }
    struct cli_json_mark mark = cli_json_mark();
    json_t *row = view_event(hc->cli->tz_offset, ev);
    /* JSON: from_text, to_text and reason_text beside the codes; a table:
     * texts in place of the codes. */
    int rc = !row                                                    ? -ENOMEM
             : hc->fmt == OUT_JSON && view_add_texts(row, hc->cli->lang) ? -ENOMEM
                                                                     : 0;
    if (!rc && hc->fmt == OUT_TABLE)
        view_row_codes_to_texts(row, hc->cli->lang);
    if (!rc)
        rc = cli_out_row(hc->out, row);
    json_decref(row);
    cli_json_release(mark);
    if (++hc->n % FORGET_EVERY == 0)
        store_forget_pages(hc->s);
    return rc;
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
    struct hist_ctx hc = {.cli = cli};
    long limit = -1;
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
            limit = strtol(optarg, &end, 10);
            if (*end || limit < 0) {
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
    static const struct out_col cols[] = {
        {"time", "col.time", OUT_DATETIME, 0},      {"camera", "col.camera", OUT_TEXT, 0},
        {"unit", "col.unit", OUT_TEXT, 0},      {"from", "col.from", OUT_TEXT, 0},
        {"to", "col.to", OUT_TEXT, 0},          {"reason", "col.reason", OUT_TEXT, 0},
        {"detail", "col.detail", OUT_TEXT, 50},
    };
    hc.fmt = fmt;
    hc.s = s;
    int rc = store_read_begin(s, &r);
    /* --limit N: the newest N, oldest first. A first pass in the same read
     * transaction counts the events, so the second skips the older ones
     * without holding any. */
    if (!rc && limit >= 0) {
        rc = store_events_scan(r, camera, unit, from, to, count_cb, &hc);
        hc.skip = hc.count > limit ? hc.count - limit : 0;
    }
    if (rc) {
        cli_error("reading events in %s: %s", cli->db_dir, store_strerror(rc));
        store_read_end(&r);
        store_close(&s);
        return CLI_FAIL;
    }
    rc = cli_out_begin(cli, fmt, out_path, "sheet.events", cols, sizeof(cols) / sizeof(cols[0]),
                       &hc.out);
    if (rc == CLI_OK) {
        int scan = store_events_scan(r, camera, unit, from, to, hist_cb, &hc);
        rc = cli_out_end(&hc.out, cli, scan < 0 ? scan : 0, "reading events");
    }
    store_read_end(&r);
    store_close(&s);
    return rc;
}
