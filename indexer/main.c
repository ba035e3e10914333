/* camdex: entry point; dispatches to the subcommands in cmd_*.c. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
