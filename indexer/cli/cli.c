/* The camdex command line: global options and the subcommand table. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timefmt.h"
#include "cli/cli_internal.h"
#include "deep_probe.h"
#include "url.h"

static const struct cli_command commands[] = {
    {"import", "load an inventory (CSV or JSON) into the index", cmd_import},
    {"list", "list cameras by unit, state or reason", cmd_list},
    {"units", "per-unit camera counts and online rates", cmd_units},
    {"show", "everything about one camera", cmd_show},
    {"history", "state changes of a camera, a unit or all", cmd_history},
    {"report", "online-rate report per unit and day", cmd_report},
    {"maintenance", "put a camera under maintenance or take it out", cmd_maintenance},
    {"reference", "show, set or clear a camera's reference picture", cmd_reference},
    {"probe", "probe one stream URL now and print what it is", cmd_probe},
    {"sweep", "probe every camera once and write the index", cmd_sweep},
    {"serve", "run the monitoring service", cmd_serve},
    {"config", "check a configuration file", cmd_config},
    {"fsck", "check the index for consistency (and repair it)", cmd_fsck},
    {"generate", "write a Sharp-Eyes-like test fleet inventory", cmd_generate},
    {"demo", "generate a fleet, import it, show the summary", cmd_demo},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: camdex [--db DIR] [--lang en|zh] COMMAND [ARGS]\n\n"
               "Camera stream health index for video aggregation platforms.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\noptions:\n"
               "  --db DIR      index directory (default $CAMDEX_DB, else %s)\n"
               "  --lang en|zh  language of tables and summaries (default from LC_ALL,\n"
               "                LC_MESSAGES or LANG: zh... is Chinese, else English)\n"
               "  -h, --help    this help; `camdex COMMAND --help` for a command\n"
               "  --version     print the version\n\n"
               "exit codes: 0 ok, 1 failure, 2 usage error; `probe`: 3 degraded, 4 offline\n",
            CLI_DEFAULT_DB);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("camdex: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_config_renamed_warning(const struct config *cfg)
{
    char where[32] = "";
    if (cfg->deep_interval_old_line > 0)
        snprintf(where, sizeof(where), "line %d: ", cfg->deep_interval_old_line);
    cli_error("warning: %s[deep] interval is now [quality] interval (deep looks read the "
              "metadata and diagnose the picture on one schedule); the value was taken, rename "
              "the key",
              where);
}

void cli_say(enum msg_lang lang, const char *key, ...)
{
    va_list ap;
    va_start(ap, key);
    vprintf(msg_text(key, lang), ap);
    va_end(ap);
}

int cli_open(struct cli *cli, bool writer, struct store **s)
{
    struct store_options o;
    store_options_default(&o);
    o.read_only = !writer;
    int rc = store_open(cli->db_dir, &o, s);
    if (rc) {
        const char *why = store_last_error(*s);
        if (rc == -ENOENT && !writer)
            cli_error("no index in %s (create one with `camdex --db %s import FILE`, or "
                      "point --db or CAMDEX_DB at an existing one)",
                      cli->db_dir, cli->db_dir);
        else if (rc == -EACCES)
            cli_error("cannot open the index in %s: permission denied (run as the service "
                      "user or root)",
                      cli->db_dir);
        else
            cli_error("cannot open the index in %s: %s%s%s", cli->db_dir, store_strerror(rc),
                      *why ? ": " : "", why);
        store_close(s);
        return CLI_FAIL;
    }
    struct store_info info;
    if (store_info(*s, &info) == 0)
        cli->tz_offset = info.day_offset_s;
    return 0;
}

/* The language people read, from the environment as POSIX orders it
 * (LC_ALL, then LC_MESSAGES, then LANG; an empty one does not count). Read
 * directly, not through setlocale: a machine without a zh_CN locale
 * installed still gets Chinese for LANG=zh_CN.UTF-8. */
static enum msg_lang lang_from_env(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) {
            enum msg_lang l;
            return msg_lang_parse(v, &l) == 0 ? l : MSG_EN;
        }
    }
    return MSG_EN;
}

int cli_format(const char *arg, enum out_format *f)
{
    if (out_format_parse(arg, f) == 0)
        return 0;
    cli_error("--format: \"%s\" is not a format (use table, json, csv or xlsx)", arg);
    return CLI_USAGE;
}

/* JSON rows live as long as the command: a bump allocator whose free does
 * nothing makes building tens of thousands of them cheap, and the process
 * exit returns the memory. Blocks are kept on a list so leak checkers see
 * them as reachable. */
struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
};
static struct arena_block *arena;

static void *arena_malloc(size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    if (!arena || arena->cap - arena->used < n) {
        size_t cap = n > (1 << 20) ? n : (1 << 20);
        struct arena_block *b = malloc(sizeof(*b) + cap);
        if (!b)
            return NULL;
        b->next = arena;
        b->used = 0;
        b->cap = cap;
        arena = b;
    }
    void *p = (char *)arena->data + arena->used;
    arena->used += n;
    return p;
}

static void arena_free(void *p)
{
    (void)p;
}

static void arena_release(void)
{
    while (arena) {
        struct arena_block *next = arena->next;
        free(arena);
        arena = next;
    }
}

void cli_json_heap(void)
{
    json_set_alloc_funcs(malloc, free);
}

int cli_main(int argc, char **argv)
{
    /* A log reader that goes away (`camdex serve 2>&1 | head`, a restarted
     * journald) must not kill the program: a failed write is an EPIPE that
     * the writer ignores, and probing goes on. */
    signal(SIGPIPE, SIG_IGN);
    json_set_alloc_funcs(arena_malloc, arena_free);
    atexit(arena_release);
    struct cli cli = {.db_dir = getenv("CAMDEX_DB"), .lang = lang_from_env()};
    cli.db_explicit = cli.db_dir && *cli.db_dir;
    if (!cli.db_explicit)
        cli.db_dir = CLI_DEFAULT_DB;

    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"lang", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            cli.db_dir = optarg;
            cli.db_explicit = true;
            break;
        case 'l':
            if (strcmp(optarg, "en") && strcmp(optarg, "zh")) {
                cli_error("--lang: \"%s\" is not a language (use en or zh)", optarg);
                return CLI_USAGE;
            }
            msg_lang_parse(optarg, &cli.lang);
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        case 'V':
            printf("camdex %s\n", CAMDEX_VERSION);
            /* Where tier 2 comes from: what an installation check wants. */
            if (deep_module_path())
                printf("tier 2 module: %s\n", deep_module_path());
            else
                printf("tier 2 module: not loaded (%s)\n", deep_module_error());
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0) {
            /* Each command parses its own options from a fresh getopt state. */
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            optind = 0;
            return commands[i].run(&cli, sub_argc, sub_argv);
        }
    }
    cli_error("unknown command \"%s\" (see `camdex --help`)", name);
    return CLI_USAGE;
}
