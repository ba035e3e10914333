/* Subcommand dispatch for the camdex program. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "camdex: no commands yet\n");
    return CLI_USAGE;
}
