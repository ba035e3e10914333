/* `camdex config check FILE`: every problem of a configuration file with
 * its line, before a service is started with it. */
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "cli/cli_internal.h"

int cmd_config(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: camdex config check FILE\n\n"
               "Reads a configuration file and reports every problem with its line.\n"
               "Exit 0 when the file is valid.\n");
        return CLI_OK;
    }
    if (argc != 3 || strcmp(argv[1], "check") != 0) {
        cli_error("config: use `camdex config check FILE`");
        return CLI_USAGE;
    }
    struct config cfg;
    static struct config_errors errs;
    memset(&errs, 0, sizeof(errs));
    config_default(&cfg);
    if (config_load(argv[2], &cfg, &errs)) {
        for (size_t e = 0; e < errs.count && e < CONFIG_ERRORS_KEPT; e++)
            fprintf(stderr, "%s\n", errs.msg[e]);
        cli_error("%s: %zu problem%s", argv[2], errs.count, errs.count == 1 ? "" : "s");
        return CLI_FAIL;
    }
    if (cfg.deep_interval_old_line)
        cli_config_renamed_warning(&cfg);
    printf("%s: valid (db %s, interval %.3g s, depth %s, listen %s, %u webhook%s)\n", argv[2],
           cfg.db, cfg.interval_ms / 1000.0, config_depth_name(cfg.depth), cfg.listen,
           cfg.nwebhooks, cfg.nwebhooks == 1 ? "" : "s");
    return CLI_OK;
}
