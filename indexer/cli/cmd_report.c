/* `camdex report online-rate`: time-weighted daily online and intact rates
 * per unit (and for all units together), beside the snapshot rate now. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timefmt.h"
#include "cli/cli_internal.h"
#include "views/report_view.h"

static void report_usage(FILE *f)
{
    fprintf(f, "usage: camdex report online-rate [--unit UNIT] [--from DAY] [--to DAY]\n"
               "                                 [--format table|json|csv|xlsx] [-o FILE]\n\n"
               "Per unit and day (DAY is YYYY-MM-DD in the index's time zone; default the\n"
               "last 7 days): online rate (在线率) = online+degraded time / monitored time,\n"
               "intact rate (完好率) = online time / monitored time, hours monitored, and\n"
               "the unit's snapshot online rate now. Maintenance time is not monitored.\n"
               "Without --unit a line ALL per day sums every unit.\n");
}

struct day_sum {
    int32_t day;
    uint64_t ms[STORE_STATE_COUNT];
};

struct report_ctx {
    struct cli *cli;
    struct store_read *r;
    int32_t from, to;
    json_t *rows;
    struct day_sum *all; /* indexed by day - from */
    int err;
};

struct unit_days {
    struct report_ctx *rc;
    const struct store_unit *u;
};

static int daily_cb(const struct store_daily *d, void *ctx)
{
    struct unit_days *ud = ctx;
    struct report_ctx *rc = ud->rc;
    json_t *row = view_report_day(d, ud->u->id, ud->u->name, store_unit_online_rate(ud->u));
    if (!row || json_array_append_new(rc->rows, row))
        return -ENOMEM;
    if (rc->all)
        for (int i = 0; i < STORE_STATE_COUNT; i++)
            rc->all[d->day - rc->from].ms[i] += d->ms[i];
    return 0;
}

static int unit_cb(const struct store_unit *u, void *ctx)
{
    struct report_ctx *rc = ctx;
    struct unit_days ud = {.rc = rc, .u = u};
    return store_daily_scan(rc->r, true, u->id, rc->from, rc->to, daily_cb, &ud);
}

static int parse_day_opt(const char *opt, const char *arg, int32_t *day)
{
    if (timefmt_parse_day(arg, day) == 0)
        return 0;
    cli_error("--%s: \"%s\" is not a day (use YYYY-MM-DD, e.g. 2026-11-27)", opt, arg);
    return CLI_USAGE;
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"unit", required_argument, NULL, 'u'}, {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},   {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *unit = NULL, *from_s = NULL, *to_s = NULL, *out_path = NULL;
    enum out_format fmt = OUT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            unit = optarg;
            break;
        case 'F':
            from_s = optarg;
            break;
        case 'T':
            to_s = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'f':
            if (cli_format(optarg, &fmt))
                return CLI_USAGE;
            break;
        case 'h':
            report_usage(stdout);
            return CLI_OK;
        default:
            report_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind >= argc || strcmp(argv[optind], "online-rate") != 0 || optind + 1 != argc) {
        cli_error("report: the report to make is `online-rate` (see `camdex report --help`)");
        return CLI_USAGE;
    }
    if (unit && strlen(unit) > STORE_ID_MAX) {
        cli_error("--unit: longer than any unit id (%d bytes)", STORE_ID_MAX);
        return CLI_USAGE;
    }
    struct store *s;
    if (cli_open(cli, false, &s))
        return CLI_FAIL;
    struct report_ctx rc = {.cli = cli};
    rc.to = store_day_of(s, timefmt_now_ms());
    rc.from = rc.to - 6;
    if ((from_s && parse_day_opt("from", from_s, &rc.from)) ||
        (to_s && parse_day_opt("to", to_s, &rc.to))) {
        store_close(&s);
        return CLI_USAGE;
    }
    if (rc.to < rc.from || rc.to - rc.from > 3660) {
        cli_error("--from/--to: the range must run forwards and span at most ten years");
        store_close(&s);
        return CLI_USAGE;
    }
    rc.rows = json_array();
    if (!unit)
        rc.all = calloc((size_t)(rc.to - rc.from + 1), sizeof(*rc.all));
    int err = store_read_begin(s, &rc.r);
    if (!err) {
        if (unit) {
            struct store_unit u;
            err = store_unit_get(rc.r, unit, &u);
            if (!err)
                err = unit_cb(&u, &rc);
        } else {
            err = rc.all ? store_units_scan(rc.r, unit_cb, &rc) : -ENOMEM;
        }
        store_read_end(&rc.r);
    }
    store_close(&s);
    if (err == -ENOENT && unit) {
        cli_error("no unit \"%s\" in %s (`camdex units` lists them)", unit, cli->db_dir);
    } else if (err) {
        cli_error("reading the index in %s: %s", cli->db_dir, store_strerror(err));
    } else {
        for (int32_t d = rc.from; rc.all && d <= rc.to; d++) {
            struct store_daily sum = {.day = d};
            memcpy(sum.ms, rc.all[d - rc.from].ms, sizeof(sum.ms));
            if (sum.ms[STORE_ONLINE] + sum.ms[STORE_DEGRADED] + sum.ms[STORE_OFFLINE] +
                    sum.ms[STORE_MAINTENANCE] + sum.ms[STORE_UNKNOWN] >
                0)
                json_array_append_new(rc.rows,
                                      view_report_day(&sum,
                                                      fmt == OUT_TABLE
                                                          ? msg_text("label.all_units", cli->lang)
                                                          : "ALL",
                                                      "", NAN));
        }
        static const struct out_col cols[] = {
            {"day", "col.day", OUT_DATE, 0},
            {"unit", "col.unit", OUT_TEXT, 0},
            {"name", "col.name", OUT_TEXT, 24},
            {"online_rate", "col.online_rate", OUT_PERCENT, 0},
            {"intact_rate", "col.intact_rate", OUT_PERCENT, 0},
            {"monitored_hours", "col.monitored_hours", OUT_INT, 0},
            {"offline_hours", "col.offline_hours", OUT_INT, 0},
            {"snapshot_rate", "col.snapshot_rate", OUT_PERCENT, 0},
        };
        err = cli_emit(cli, fmt, out_path, "sheet.online_rate", cols,
                       sizeof(cols) / sizeof(cols[0]), rc.rows);
    }
    free(rc.all);
    json_decref(rc.rows);
    return err > 0 ? err : err ? CLI_FAIL : CLI_OK;
}
