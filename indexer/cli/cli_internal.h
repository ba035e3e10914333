/* Shared by the subcommands (cmd_*.c): the parsed global options, opening
 * the index with errors people can act on, and the camera row shape. */
#ifndef CAMDEX_CLI_INTERNAL_H
#define CAMDEX_CLI_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "cli/cli.h"
#include "base/config.h"
#include "cli/output.h"
#include "store.h"

struct cli {
    const char *db_dir; /* --db, $CAMDEX_DB, or the default */
    bool db_explicit;   /* --db or $CAMDEX_DB given: wins over a config file */
    int32_t tz_offset;  /* the index's day zone once opened */
    enum msg_lang lang; /* language of texts for people (tables) */
    bool lang_chosen;   /* by --lang or a language in the environment */
};

#define CLI_DEFAULT_DB "/var/lib/camdex"

struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(struct cli *cli, int argc, char **argv);
};

/* Prints the catalogue's text `key` in `lang` as a printf format with the
 * arguments: only for keys whose conversions are the same in every
 * language (tests/indexer/views/test_messages.c checks the sweep.* keys). */
void cli_say(enum msg_lang lang, const char *key, ...);

/* "camdex: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The configuration used "[deep] interval", the former name of
 * "[quality] interval": the value was taken; say what to write instead. */
void cli_config_renamed_warning(const struct config *cfg);

/* Commands build their JSON in an arena that is never freed before exit
 * (cli.c). A service runs for months and builds JSON on several threads:
 * it calls this first, before any thread starts, to use malloc and free. */
void cli_json_heap(void);

/* Streaming listings build each row, write it and give its JSON back:
 * take a mark before building a row and release it once the row is
 * written and json_decref'd. Everything allocated after the mark must be
 * the row's own (nothing kept, nothing added to older objects). */
struct cli_json_mark {
    void *block;
    size_t used;
};
struct cli_json_mark cli_json_mark(void);
void cli_json_release(struct cli_json_mark m);

/* Opens the index; on failure says what and what to do, returns non-zero. */
int cli_open(struct cli *cli, bool writer, struct store **s);

/* Parses --format's argument, printing the error. */
int cli_format(const char *arg, enum out_format *f);

/* Renders a listing's rows in `fmt` to standard output, or to `path` (-o
 * FILE; "-" is standard output), which is then written whole or not at
 * all. A workbook (its one sheet named by catalogue key `sheet_key`) is
 * refused on a terminal. Prints what went wrong; returns an exit code. */
int cli_emit(struct cli *cli, enum out_format fmt, const char *path, const char *sheet_key,
             const struct out_col *cols, size_t ncols, json_t *rows);
/* As cli_emit with several tables: a workbook gets a sheet each, a table
 * shows each in turn, CSV the first; JSON shows `whole` (may be NULL: the
 * first table's rows). */
struct xlsx_sheet;
int cli_emit_sheets(struct cli *cli, enum out_format fmt, const char *path,
                    const struct xlsx_sheet *sheets, size_t n, json_t *whole);

/* The same, row by row as a scan reads them: begin (prints what went
 * wrong and returns an exit code, CLI_OK with *o set), a row at a time
 * (a negative errno once a write failed: stop the scan and pass on), then
 * end with the scan's result (0 or a negative store error, said as "WHAT
 * in DB: error"), which finishes the output, or on any failure leaves no
 * -o FILE, and returns the exit code. */
struct cli_out;
int cli_out_begin(struct cli *cli, enum out_format fmt, const char *path, const char *sheet_key,
                  const struct out_col *cols, size_t ncols, struct cli_out **o);
int cli_out_row(struct cli_out *o, json_t *row);
int cli_out_end(struct cli_out **o, struct cli *cli, int scan_rc, const char *what);

int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_report_assessment(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_units(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_history(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_fsck(struct cli *cli, int argc, char **argv);
int cmd_generate(struct cli *cli, int argc, char **argv);
int cmd_maintenance(struct cli *cli, int argc, char **argv);
int cmd_reference(struct cli *cli, int argc, char **argv);
int cmd_demo(struct cli *cli, int argc, char **argv);
int cmd_sweep(struct cli *cli, int argc, char **argv);
int cmd_probe(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_config(struct cli *cli, int argc, char **argv);

/* Options shared by serve and sweep: --config FILE, --set SECTION.KEY=VALUE
 * and shortcuts for the common keys. Parses argv from optind; fills `cfg`
 * (`defaults` or config_default(), then the file, then flags). Returns 0,
 * -1 after --help, or an exit code after printing what is wrong. */
struct config;
int cli_service_options(struct cli *cli, int argc, char **argv, struct config *cfg,
                        const struct config *defaults, const char *usage_text);
/* Opens the index for serve and sweep (cli_open, as a writer) and makes
 * days roll in the configured [camdex] day_zone when it is set and the
 * index rolls them elsewhere, with a warning saying so. Returns 0 or an
 * exit code after printing what is wrong. */
int cli_open_service(struct cli *cli, const struct config *cfg, struct store **s);

/* Routes libav's own log lines (deep probes, worker threads) to the log,
 * redacted, at warning level and above. Once, at the program's edge. */
void cli_libav_log_setup(void);

#endif
