/* `camdex demo`: the main job on an embedded default. Generates the
 * Sharp-Eyes-like fleet, imports it into a fresh index through the same
 * parser and import path as a real inventory, and shows the per-unit view. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/timefmt.h"
#include "cli/cli_internal.h"
#include "inventory/import.h"
#include "inventory/synth_fleet.h"

#define DEMO_DB     "camdex-demo.db"
#define DEMO_MARKER "demo"

static void demo_usage(FILE *f)
{
    fprintf(f, "usage: camdex demo [--cameras N] [--seed S] [--dir DIR]\n\n"
               "Generates a fleet (default 43000 cameras in 212 units), imports it into a\n"
               "fresh index in DIR (default ./%s, recreated on every run; a directory\n"
               "holding anything but a previous demo index is refused) and prints the\n"
               "per-unit summary.\n",
            DEMO_DB);
}

/* Only a directory that is absent, empty or a previous demo may be wiped. */
static int prepare_dir(const char *dir)
{
    char path[4096];
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return 0;
    struct store *s;
    struct store_options o;
    store_options_default(&o);
    o.read_only = true;
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    if (stat(path, &sb) != 0)
        return 0;
    int demo = 0;
    if (store_open(dir, &o, &s) == 0) {
        struct store_read *r;
        const void *v;
        size_t n;
        if (store_read_begin(s, &r) == 0) {
            demo = store_meta_get(r, DEMO_MARKER, &v, &n) == 0;
            store_read_end(&r);
        }
    }
    store_close(&s);
    if (!demo) {
        cli_error("demo: %s holds an index that is not a demo; choose another --dir", dir);
        return -EEXIST;
    }
    unlink(path);
    snprintf(path, sizeof(path), "%s/lock.mdb", dir);
    unlink(path);
    return 0;
}

int cmd_demo(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"cameras", required_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 's'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct synth_fleet_opts fo = {0};
    const char *dir = DEMO_DB;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            fo.cameras = (uint32_t)strtoul(optarg, NULL, 10);
            if (fo.cameras == 0 || fo.cameras > SYNTH_FLEET_CAMERAS_MAX) {
                cli_error("--cameras: \"%s\" is not a fleet size (1 to %d)", optarg,
                          SYNTH_FLEET_CAMERAS_MAX);
                return CLI_USAGE;
            }
            break;
        case 's':
            fo.seed = strtoull(optarg, NULL, 10);
            break;
        case 'd':
            dir = optarg;
            break;
        case 'h':
            demo_usage(stdout);
            return CLI_OK;
        default:
            demo_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("demo: unexpected argument \"%s\"", argv[optind]);
        return CLI_USAGE;
    }
    if (prepare_dir(dir))
        return CLI_FAIL;

    int64_t t0 = timefmt_now_ms();
    char *csv = NULL;
    size_t csv_len = 0;
    FILE *mem = open_memstream(&csv, &csv_len);
    if (!mem || synth_fleet_write_csv(mem, &fo) != 0 || fclose(mem) != 0) {
        cli_error("demo: generating the fleet failed");
        free(csv);
        return CLI_FAIL;
    }
    struct inventory inv;
    static struct inv_errors errs;
    inv_init(&inv);
    int rc = inv_parse(csv, csv_len, "generated.csv", INV_FMT_CSV, INV_ENC_UTF8, &inv, &errs);
    free(csv);
    if (rc) {
        cli_error("demo: the generated inventory did not parse (%zu errors, first: %s)",
                  errs.count, errs.count ? errs.msg[0] : "-");
        inv_free(&inv);
        return CLI_FAIL;
    }
    int64_t t1 = timefmt_now_ms();
    printf("generated %zu cameras in %lld ms\n", inv.count, (long long)(t1 - t0));

    struct cli demo_cli = *cli;
    demo_cli.db_dir = dir;
    struct store *s;
    if (cli_open(&demo_cli, true, &s)) {
        inv_free(&inv);
        return CLI_FAIL;
    }
    struct import_result res;
    rc = import_apply(s, &inv, false, false, &res);
    struct store_batch *b = NULL;
    if (!rc)
        rc = store_batch_new(&b);
    if (!rc)
        rc = store_batch_meta_put(b, DEMO_MARKER, "1", 1);
    if (!rc)
        rc = store_batch_commit(s, b, NULL, NULL, NULL);
    store_batch_free(&b);
    store_close(&s);
    inv_free(&inv);
    if (rc) {
        cli_error("demo: import into %s failed: %s", dir, store_strerror(rc));
        return CLI_FAIL;
    }
    printf("imported into %s in %lld ms: added %u cameras\n\n", dir,
           (long long)(timefmt_now_ms() - t1), res.added);

    char *units_argv[] = {"units", NULL};
    optind = 0;
    rc = cmd_units(&demo_cli, 1, units_argv);
    printf("\nNot probed yet, so every camera is `unknown`. Try:\n"
           "  camdex --db %s list --unit <UNIT> --format json\n"
           "  camdex --db %s show <CAMERA-ID>\n"
           "  camdex --db %s fsck\n",
           dir, dir, dir);
    return rc;
}
