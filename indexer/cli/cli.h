/* The camdex command line: global options, subcommand table, exit codes. */
#ifndef CAMDEX_CLI_H
#define CAMDEX_CLI_H

/* Exit codes every subcommand uses (documented in README). */
enum cli_exit {
    CLI_OK = 0,      /* done */
    CLI_FAIL = 1,    /* the command could not do its job */
    CLI_USAGE = 2,   /* bad command line */
    CLI_DEGRADED = 3, /* `probe`: stream degraded */
    CLI_OFFLINE = 4, /* `probe`: stream offline */
};

int cli_main(int argc, char **argv);

#endif
