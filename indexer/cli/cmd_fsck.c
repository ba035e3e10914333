/* `camdex fsck`: consistency check of the index, with optional repair. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli_internal.h"

static void fsck_usage(FILE *f)
{
    fprintf(f, "usage: camdex fsck [--repair]\n\n"
               "Recomputes unit counters and every secondary index from the camera and\n"
               "health records and prints each difference. Exit 0 when the index is\n"
               "consistent (or was repaired), 1 when problems remain.\n"
               "--repair rebuilds the derived data in one transaction; it needs write\n"
               "access and waits for a running service's current commit.\n");
}

static void problem_cb(const char *problem, void *ctx)
{
    (void)ctx;
    printf("problem: %s\n", problem);
}

int cmd_fsck(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"repair", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    bool repair = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            repair = true;
            break;
        case 'h':
            fsck_usage(stdout);
            return CLI_OK;
        default:
            fsck_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("fsck: unexpected argument \"%s\"", argv[optind]);
        return CLI_USAGE;
    }
    struct store *s;
    if (cli_open(cli, repair, &s))
        return CLI_FAIL;
    struct store_fsck_report rep;
    int rc = store_fsck(s, repair, &rep, problem_cb, NULL);
    if (rc) {
        cli_error("fsck of %s failed: %s", cli->db_dir, store_strerror(rc));
        store_close(&s);
        return CLI_FAIL;
    }
    printf("checked %u cameras, %u units, %u events: ", rep.cameras, rep.units, rep.events);
    if (rep.problems == 0) {
        printf("consistent\n");
    } else if (repair) {
        struct store_fsck_report again;
        rc = store_fsck(s, false, &again, problem_cb, NULL);
        if (!rc && again.problems == 0) {
            printf("%u problems, repaired\n", rep.problems);
        } else {
            printf("%u problems, %u remain after repair\n", rep.problems, again.problems);
            rc = -1;
        }
    } else {
        printf("%u problems (run `camdex fsck --repair` to rebuild derived data)\n",
               rep.problems);
        rc = -1;
    }
    store_close(&s);
    return rc ? CLI_FAIL : CLI_OK;
}
