/* `camdex units`: every unit with its cameras per state and online rate. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_internal.h"

static void units_usage(FILE *f)
{
    fprintf(f, "usage: camdex units [--sort id|rate|offline] [--format table|json|csv|xlsx]\n"
               "                    [-o FILE]\n\n"
               "Per unit: cameras, how many are online, degraded, offline, under\n"
               "maintenance or not yet probed, and the online rate now: online and\n"
               "degraded over monitored (maintenance and unknown are not monitored).\n"
               "--sort rate puts the worst unit first; --sort offline the most offline.\n");
}

static int unit_row_cb(const struct store_unit *u, void *ctx)
{
    double rate = store_unit_online_rate(u);
    json_t *row = json_pack(
        "{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:o}", "id", u->id, "name", u->name, "cameras",
        (json_int_t)u->cameras, "online", (json_int_t)u->count[STORE_ONLINE], "degraded",
        (json_int_t)u->count[STORE_DEGRADED], "offline", (json_int_t)u->count[STORE_OFFLINE],
        "maintenance", (json_int_t)u->count[STORE_MAINTENANCE], "unknown",
        (json_int_t)u->count[STORE_UNKNOWN], "online_rate",
        isnan(rate) ? json_null() : json_real(rate));
    return row && json_array_append_new(ctx, row) == 0 ? 0 : -ENOMEM;
}

static double rate_of(json_t *row)
{
    json_t *v = json_object_get(row, "online_rate");
    return json_is_real(v) ? json_real_value(v) : 2.0; /* unmonitored units last */
}

static int by_rate(const void *a, const void *b)
{
    double x = rate_of(*(json_t *const *)a), y = rate_of(*(json_t *const *)b);
    return x < y ? -1 : x > y;
}

static int by_offline(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "offline"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "offline"));
    return x < y ? 1 : x > y ? -1 : 0;
}

static void sort_rows(json_t *rows, int (*cmp)(const void *, const void *))
{
    size_t n = json_array_size(rows);
    json_t **v = malloc(n * sizeof(*v) + 1);
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(rows, i));
    qsort(v, n, sizeof(*v), cmp);
    json_array_clear(rows);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(rows, v[i]);
    free(v);
}

/* The TOTAL line of the table: sums, and the rate of the sums. */
static json_t *total_row(json_t *rows, enum msg_lang lang)
{
    static const char *keys[] = {"cameras", "online",      "degraded",
                                 "offline", "maintenance", "unknown"};
    json_int_t sum[6] = {0};
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        for (size_t k = 0; k < 6; k++)
            sum[k] += json_integer_value(json_object_get(row, keys[k]));
    }
    json_t *t = json_pack("{s:s, s:s}", "id", msg_text("label.total", lang), "name", "");
    for (size_t k = 0; k < 6; k++)
        json_object_set_new(t, keys[k], json_integer(sum[k]));
    json_int_t mon = sum[1] + sum[2] + sum[3];
    json_object_set_new(t, "online_rate",
                        mon ? json_real((double)(sum[1] + sum[2]) / (double)mon) : json_null());
    return t;
}

int cmd_units(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"sort", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    enum out_format fmt = OUT_TABLE;
    const char *sort = "id", *out_path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (cli_format(optarg, &fmt))
                return CLI_USAGE;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 's':
            sort = optarg;
            if (strcmp(sort, "id") && strcmp(sort, "rate") && strcmp(sort, "offline")) {
                cli_error("--sort: \"%s\" is not a sort order (use id, rate or offline)", optarg);
                return CLI_USAGE;
            }
            break;
        case 'h':
            units_usage(stdout);
            return CLI_OK;
        default:
            units_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("units: unexpected argument \"%s\"", argv[optind]);
        return CLI_USAGE;
    }
    struct store *s;
    struct store_read *r;
    if (cli_open(cli, false, &s))
        return CLI_FAIL;
    json_t *rows = json_array();
    int rc = store_read_begin(s, &r);
    if (!rc) {
        rc = store_units_scan(r, unit_row_cb, rows);
        store_read_end(&r);
    }
    store_close(&s);
    if (rc) {
        cli_error("reading the index in %s: %s", cli->db_dir, store_strerror(rc));
        json_decref(rows);
        return CLI_FAIL;
    }
    if (strcmp(sort, "rate") == 0)
        sort_rows(rows, by_rate);
    else if (strcmp(sort, "offline") == 0)
        sort_rows(rows, by_offline);
    if (fmt == OUT_TABLE && json_array_size(rows) > 1)
        json_array_append_new(rows, total_row(rows, cli->lang));
    static const struct out_col cols[] = {
        {"id", "col.unit", OUT_TEXT, 0},
        {"name", "col.name", OUT_TEXT, 30},
        {"cameras", "col.cameras", OUT_INT, 0},
        {"online", "col.online", OUT_INT, 0},
        {"degraded", "col.degraded", OUT_INT, 0},
        {"offline", "col.offline", OUT_INT, 0},
        {"maintenance", "col.maintenance", OUT_INT, 0},
        {"unknown", "col.unknown", OUT_INT, 0},
        {"online_rate", "col.online_rate", OUT_PERCENT, 0},
    };
    rc = cli_emit(cli, fmt, out_path, "sheet.units", cols, sizeof(cols) / sizeof(cols[0]), rows);
    json_decref(rows);
    return rc;
}
