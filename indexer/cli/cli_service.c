/* What `camdex serve` and `camdex sweep` share: their options (a
 * configuration file, then flags, over the defaults) and libav's log. */
#include <getopt.h>
#include <libavutil/log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/day_zone.h"
#include "base/log.h"
#include "cli/cli_internal.h"
#include "deep_probe.h"

/* Shortcut flags: --interval 10s is --set probe.interval=10s. */
static const struct shortcut {
    const char *flag, *section, *key;
} shortcuts[] = {
    {"interval", "probe", "interval"},
    {"depth", "probe", "depth"},
    {"connect-timeout", "probe", "connect_timeout"},
    {"reply-timeout", "probe", "reply_timeout"},
    {"total-timeout", "probe", "total_timeout"},
    {"fail-threshold", "probe", "fail_threshold"},
    {"recover-threshold", "probe", "recover_threshold"},
    {"recheck-delay", "probe", "recheck_delay"},
    {"max-in-flight", "probe", "max_in_flight"},
    {"max-per-host", "probe", "max_per_host"},
    {"log-level", "camdex", "log_level"},
    {"status-log", "camdex", "status_log"},
    {"listen", "http", "listen"},
    {"inventory", "camdex", "inventory"},
};
#define NSHORT (sizeof(shortcuts) / sizeof(shortcuts[0]))

static int set_one(struct config *cfg, const char *assignment)
{
    char section[64], key[64];
    const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');
    if (!dot || !eq || dot > eq || (size_t)(dot - assignment) >= sizeof(section) ||
        (size_t)(eq - dot - 1) >= sizeof(key)) {
        cli_error("--set: \"%s\" is not SECTION.KEY=VALUE (e.g. probe.interval=10s)",
                  assignment);
        return CLI_USAGE;
    }
    snprintf(section, sizeof(section), "%.*s", (int)(dot - assignment), assignment);
    snprintf(key, sizeof(key), "%.*s", (int)(eq - dot - 1), dot + 1);
    char err[256];
    if (config_set(cfg, section, key, eq + 1, err, sizeof(err))) {
        cli_error("--set %s.%s: %s", section, key, err);
        return CLI_USAGE;
    }
    return 0;
}

int cli_service_options(struct cli *cli, int argc, char **argv, struct config *cfg,
                        const struct config *defaults, const char *usage_text)
{
    struct option opts[NSHORT + 4];
    for (size_t i = 0; i < NSHORT; i++)
        opts[i] = (struct option){shortcuts[i].flag, required_argument, NULL, 1000 + (int)i};
    opts[NSHORT] = (struct option){"config", required_argument, NULL, 'c'};
    opts[NSHORT + 1] = (struct option){"set", required_argument, NULL, 's'};
    opts[NSHORT + 2] = (struct option){"help", no_argument, NULL, 'h'};
    opts[NSHORT + 3] = (struct option){0};

    /* The file first, wherever --config stands, so flags override it. */
    if (defaults)
        *cfg = *defaults;
    else
        config_default(cfg);
    for (int i = 1; i < argc; i++) {
        const char *path = NULL;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
        if (path) {
            static struct config_errors errs;
            memset(&errs, 0, sizeof(errs));
            if (config_load(path, cfg, &errs)) {
                for (size_t e = 0; e < errs.count && e < CONFIG_ERRORS_KEPT; e++)
                    fprintf(stderr, "%s\n", errs.msg[e]);
                cli_error("%s: %zu problem%s in the configuration; nothing was started", path,
                          errs.count, errs.count == 1 ? "" : "s");
                return CLI_FAIL;
            }
        }
    }
    int c, rc;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c >= 1000 && c < 1000 + (int)NSHORT) {
            char err[256];
            const struct shortcut *sc = &shortcuts[c - 1000];
            if (config_set(cfg, sc->section, sc->key, optarg, err, sizeof(err))) {
                cli_error("--%s: %s", sc->flag, err);
                return CLI_USAGE;
            }
        } else if (c == 's') {
            if ((rc = set_one(cfg, optarg)))
                return rc;
        } else if (c == 'c') {
            continue; /* read above */
        } else if (c == 'h') {
            fputs(usage_text, stdout);
            return -1;
        } else {
            fputs(usage_text, stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("unexpected argument \"%s\"", argv[optind]);
        return CLI_USAGE;
    }
    /* Secret files set by flags; the configuration file's were read with it. */
    static struct config_errors errs;
    memset(&errs, 0, sizeof(errs));
    if (config_read_secrets(cfg, "", getenv("CREDENTIALS_DIRECTORY"), &errs)) {
        for (size_t e = 0; e < errs.count && e < CONFIG_ERRORS_KEPT; e++)
            fprintf(stderr, "%s\n", errs.msg[e]);
        cli_error("%zu problem%s with secret files; nothing was started", errs.count,
                  errs.count == 1 ? "" : "s");
        return CLI_FAIL;
    }
    if (cfg->deep_interval_old_line)
        cli_config_renamed_warning(cfg);
    if (cli->db_explicit)
        snprintf(cfg->db, sizeof(cfg->db), "%s", cli->db_dir);
    return 0;
}

int cli_open_service(struct cli *cli, const struct config *cfg, struct store **s)
{
    if (cli_open(cli, true, s))
        return CLI_FAIL;
    if (!cfg->day_zone[0])
        return 0;
    int32_t was;
    int rc = store_day_zone_set(*s, cfg->day_zone_s, &was);
    if (rc) {
        cli_error("cannot keep [camdex] day_zone = %s in the index in %s: %s", cfg->day_zone,
                  cli->db_dir, store_strerror(rc));
        store_close(s);
        return CLI_FAIL;
    }
    if (was != cfg->day_zone_s) {
        char from[16], to[16];
        day_zone_format(was, from, sizeof(from));
        day_zone_format(cfg->day_zone_s, to, sizeof(to));
        /* Today is as much shorter or longer as midnight moved; past
         * days keep theirs. */
        log_kv(LEVEL_WARN, "day zone changed: days now roll at midnight of day_zone",
               "day_zone", cfg->day_zone, "offset", to, "was", from, NULL);
    }
    cli->tz_offset = cfg->day_zone_s;
    return 0;
}

/* Called from deep-probe worker threads: log_kv writes each line with one
 * fwrite, which stdio serialises. The line is already redacted. Debug
 * only, whatever libav's level: a fleet of unreachable HLS cameras made
 * ten libav lines a second at warn, and journald's rate limit then dropped
 * real events. What a line says about a failed probe is in its detail
 * (and the state change that goes with it); the rest helps debugging. */
static void libav_line(void *opaque, int av_level, const char *line)
{
    (void)opaque;
    (void)av_level;
    log_kv(LEVEL_DEBUG, "libav", "line", line, NULL);
}

void cli_libav_log_setup(void)
{
    /* Below debug, libav's lines are not even formatted. */
    deep_av_log_setup(libav_line, NULL, log_enabled(LEVEL_DEBUG) ? AV_LOG_WARNING : AV_LOG_QUIET);
}
