/* `camdex import FILE`: validate an inventory and bring the index in line
 * with it, atomically. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_internal.h"
#include "cluster/cluster.h"
#include "inventory/import.h"
#include "inventory/inventory.h"

static void import_usage(FILE *f)
{
    fprintf(f, "usage: camdex import FILE [--format csv|json] [--encoding auto|utf-8|gb18030]\n"
               "                     [--dry-run] [--prune]\n\n"
               "Reads a camera inventory and writes it to the index in one transaction:\n"
               "a file with any error writes nothing. Importing the same file again\n"
               "changes nothing. Prints how many cameras were added, changed, unchanged,\n"
               "and how many in the index are missing from the file.\n\n"
               "CSV needs a header row; columns (English or Chinese names): id, name,\n"
               "unit_id, unit_name, url, and optionally lat, lon, address, tags,\n"
               "resolution (1920x1080), fps. JSON: an array of objects with those keys,\n"
               "or {\"cameras\": [...]}. The format follows the file name unless given.\n\n"
               "  --encoding  auto (default) takes UTF-8 with or without BOM, else GB18030\n"
               "              (GBK files from Chinese office software)\n"
               "  --dry-run   only report what would change\n"
               "  --prune     remove cameras that are not in the file (history is kept)\n");
}

static void print_errors(const struct inv_errors *errs)
{
    size_t shown = errs->count < INV_ERRORS_KEPT ? errs->count : INV_ERRORS_KEPT;
    for (size_t i = 0; i < shown; i++)
        fprintf(stderr, "%s\n", errs->msg[i]);
    if (errs->count > shown)
        fprintf(stderr, "... and %zu more errors\n", errs->count - shown);
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"encoding", required_argument, NULL, 'e'},
        {"dry-run", no_argument, NULL, 'n'},      {"prune", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},         {0},
    };
    enum inv_format fmt = INV_FMT_AUTO;
    enum inv_encoding enc = INV_ENC_AUTO;
    bool dry_run = false, prune = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "csv") == 0) {
                fmt = INV_FMT_CSV;
            } else if (strcmp(optarg, "json") == 0) {
                fmt = INV_FMT_JSON;
            } else {
                cli_error("--format: \"%s\" is not an inventory format (use csv or json)",
                          optarg);
                return CLI_USAGE;
            }
            break;
        case 'e':
            if (strcmp(optarg, "auto") == 0) {
                enc = INV_ENC_AUTO;
            } else if (strcasecmp(optarg, "utf-8") == 0 || strcasecmp(optarg, "utf8") == 0) {
                enc = INV_ENC_UTF8;
            } else if (strcasecmp(optarg, "gb18030") == 0 || strcasecmp(optarg, "gbk") == 0 ||
                       strcasecmp(optarg, "gb2312") == 0) {
                enc = INV_ENC_GB18030;
            } else {
                cli_error("--encoding: \"%s\" is not supported (use auto, utf-8 or gb18030)",
                          optarg);
                return CLI_USAGE;
            }
            break;
        case 'n':
            dry_run = true;
            break;
        case 'p':
            prune = true;
            break;
        case 'h':
            import_usage(stdout);
            return CLI_OK;
        default:
            import_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (argc - optind != 1) {
        cli_error("import: give exactly one inventory file (see `camdex import --help`)");
        return CLI_USAGE;
    }
    const char *path = argv[optind];

    struct inventory inv;
    static struct inv_errors errs; /* large: keep it off the stack */
    memset(&errs, 0, sizeof(errs));
    inv_init(&inv);
    int rc = inv_load_file(path, fmt, enc, &inv, &errs);
    if (rc) {
        print_errors(&errs);
        if (errs.count == 0)
            cli_error("%s: cannot read the inventory: %s", path, strerror(-rc));
        cli_error("%s: %zu error%s; nothing was written", path, errs.count,
                  errs.count == 1 ? "" : "s");
        inv_free(&inv);
        return CLI_FAIL;
    }

    char warning[INV_ERROR_MAX];
    if (inv_breaks_warning(&inv, path, warning, sizeof(warning)))
        fprintf(stderr, "warning: %s\n", warning);

    struct import_result res;
    /* An index's first import is written beside it and moved in at once
     * (import.h); any trouble there leaves the usual way to say what. */
    if (!dry_run && import_fresh(cli->db_dir, &inv, 0, &res) == 0)
        goto imported;
    struct store *s;
    if (cli_open(cli, !dry_run, &s)) {
        inv_free(&inv);
        return CLI_FAIL;
    }
    rc = import_apply(s, &inv, prune, dry_run, &res);
    char zones[256] = "";
    if (rc == -EROFS)
        cluster_central_zones(s, zones, sizeof(zones));
    store_close(&s);
    if (rc == -EROFS) {
        cli_error("%s: not imported: this index is the central of zones %s, whose cameras come "
                  "from each zone's prober; import the inventory at the prober of its zone",
                  path, zones);
        inv_free(&inv);
        return CLI_FAIL;
    }
    if (rc) {
        cli_error("%s: import failed, nothing was written: %s", path, store_strerror(rc));
        inv_free(&inv);
        return CLI_FAIL;
    }
imported:
    printf("%s%s: %zu cameras read; added %u, changed %u, unchanged %u", dry_run ? "dry run: " : "",
           path, inv.count, res.added, res.changed, res.unchanged);
    if (prune)
        printf(", removed %u", res.removed);
    if (res.units_renamed)
        printf(", units renamed %u", res.units_renamed);
    printf("\n");
    if (res.missing && !prune)
        printf("%u cameras in the index are not in the file; `--prune` removes them\n",
               res.missing);
    inv_free(&inv);
    return CLI_OK;
}
