/* `camdex report assessment`: the assessment (考核) per unit, worst first,
 * and for the fleet over a month or a range of days, with each camera that
 * failed something (views/assess_view.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/timefmt.h"
#include "cli/cli_internal.h"
#include "views/assess_view.h"
#include "views/xlsx_table.h"

static void assess_usage(FILE *f)
{
    fprintf(
        f, "usage: camdex report assessment [--unit UNIT] [--month YYYY-MM | --from DAY --to DAY]\n"
           "                                [--format table|json|csv|xlsx] [-o FILE]\n\n"
           "The assessment (考核) per unit, worst intact rate first, and a line ALL for the\n"
           "fleet: cameras, online rate (在线率), intact rate (完好率: time with a usable\n"
           "picture), clock accuracy (时钟准确率: cameras within tolerance / checked),\n"
           "label correctness (标注正确率) and GB/T 28181 id conformance (国标编码规范).\n"
           "Default: the current month so far. DAY is YYYY-MM-DD in the index's zone.\n"
           "The table and the workbook (two sheets, Chinese headings unless --lang or\n"
           "the locale names a language) also list each camera that failed something,\n"
           "with its reasons; CSV has the units; JSON has everything.\n");
}

struct assess_opts {
    const char *unit, *month, *from, *to, *out_path;
    enum out_format fmt;
};

/* 0 to go on, 1 after --help (done), or CLI_USAGE. */
static int parse_opts(int argc, char **argv, struct assess_opts *o)
{
    static const struct option opts[] = {
        {"unit", required_argument, NULL, 'u'},   {"month", required_argument, NULL, 'm'},
        {"from", required_argument, NULL, 'F'},   {"to", required_argument, NULL, 'T'},
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},         {0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            o->unit = optarg;
            break;
        case 'm':
            o->month = optarg;
            break;
        case 'F':
            o->from = optarg;
            break;
        case 'T':
            o->to = optarg;
            break;
        case 'o':
            o->out_path = optarg;
            break;
        case 'f':
            if (cli_format(optarg, &o->fmt))
                return CLI_USAGE;
            break;
        case 'h':
            assess_usage(stdout);
            return 1;
        default:
            assess_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind != argc) {
        cli_error("report assessment: unexpected \"%s\" (see `camdex report assessment --help`)",
                  argv[optind]);
        return CLI_USAGE;
    }
    if (o->unit && strlen(o->unit) > STORE_ID_MAX) {
        cli_error("--unit: longer than any unit id (%d bytes)", STORE_ID_MAX);
        return CLI_USAGE;
    }
    if (o->month && (o->from || o->to)) {
        cli_error("--month and --from/--to both name the range: give one of them");
        return CLI_USAGE;
    }
    return 0;
}

/* The range of days: --month, --from/--to, else this month so far. */
static int parse_range(struct store *s, const struct assess_opts *o, struct assess_params *p)
{
    char month[16];
    timefmt_day(store_day_of(s, timefmt_now_ms()), month, sizeof(month));
    month[7] = 0;
    if (assess_month(o->month ? o->month : month, &p->from, &p->to)) {
        cli_error("--month: \"%s\" is not a month (use YYYY-MM, e.g. 2026-11)", o->month);
        return CLI_USAGE;
    }
    if (!o->month)
        p->to = store_day_of(s, timefmt_now_ms());
    if (o->from && timefmt_parse_day(o->from, &p->from)) {
        cli_error("--from: \"%s\" is not a day (use YYYY-MM-DD, e.g. 2026-11-01)", o->from);
        return CLI_USAGE;
    }
    if (o->to && timefmt_parse_day(o->to, &p->to)) {
        cli_error("--to: \"%s\" is not a day (use YYYY-MM-DD, e.g. 2026-11-30)", o->to);
        return CLI_USAGE;
    }
    if (p->to < p->from || p->to - p->from > 3660) {
        cli_error("--from/--to: the range must run forwards and span at most ten years");
        return CLI_USAGE;
    }
    return 0;
}

static int emit(struct cli *cli, const struct assess_opts *o, json_t *a)
{
    json_t *units = json_array();
    json_array_extend(units, json_object_get(a, "units"));
    json_t *total = json_deep_copy(json_object_get(a, "total"));
    if (o->fmt == OUT_TABLE)
        json_object_set_new(total, "unit", json_string(msg_text("label.all_units", cli->lang)));
    json_array_append_new(units, total);
    const struct xlsx_sheet sheets[] = {
        {"sheet.assessment", assess_unit_cols, assess_unit_ncols, units},
        {"sheet.assess_cameras", assess_camera_cols, assess_camera_ncols,
         json_object_get(a, "cameras")},
    };
    int rc = cli_emit_sheets(cli, o->fmt, o->out_path, sheets, 2, o->fmt == OUT_JSON ? a : NULL);
    json_decref(units);
    return rc;
}

int cmd_report_assessment(struct cli *cli, int argc, char **argv)
{
    struct assess_opts o = {.fmt = OUT_TABLE};
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc == 1 ? CLI_OK : rc;
    struct store *s;
    if (cli_open(cli, false, &s))
        return CLI_FAIL;
    /* A workbook goes to the assessors: Chinese unless a language was asked. */
    if (o.fmt == OUT_XLSX && !cli->lang_chosen)
        cli->lang = MSG_ZH;
    struct assess_params p = {.unit = o.unit, .cameras = true, .lang = cli->lang};
    if ((rc = parse_range(s, &o, &p))) {
        store_close(&s);
        return rc;
    }
    struct store_read *r;
    json_t *a = NULL;
    int err = store_read_begin(s, &r);
    if (!err) {
        err = assess_build(r, &p, &a);
        store_read_end(&r);
    }
    store_close(&s);
    if (err == -ENOENT && o.unit) {
        cli_error("no unit \"%s\" in %s (`camdex units` lists them)", o.unit, cli->db_dir);
        return CLI_FAIL;
    }
    if (err) {
        cli_error("reading the index in %s: %s", cli->db_dir, store_strerror(err));
        return CLI_FAIL;
    }
    rc = emit(cli, &o, a);
    json_decref(a);
    return rc;
}
