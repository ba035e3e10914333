/* `camdex maintenance ID on|off`: operations take a camera out of
 * monitoring (excluded from online rates and alerts) and put it back. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/timefmt.h"
#include "cli/central_op.h"
#include "cli/cli_internal.h"
#include "inventory/import.h"
#include "text_clean.h"

static void maint_usage(FILE *f)
{
    fprintf(f, "usage: camdex maintenance ID on|off [--note TEXT] [--config FILE]\n\n"
               "on:  the camera enters state maintenance: it no longer counts in online\n"
               "     rates or raises alerts. --note says why (shown as the detail).\n"
               "off: the camera returns to state unknown and is probed again.\n"
               "At a central the camera's zone's prober makes the change, reached through\n"
               "NATS as [cluster] in --config FILE (default " CENTRAL_OP_CONFIG ") says.\n");
}

/* At a central: the zone's prober does it, and says what it did. */
static int central_maintenance(const char *config_path, const char *zone, const char *id, bool on,
                               const char *note)
{
    json_t *body = json_pack("{s:b, s:s}", "on", on, "note", note), *answer = NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        cli_error("maintenance of %s: out of memory", id);
        return CLI_FAIL;
    }
    /* text is the command's JSON arena's (cli.c), never freed before exit. */
    int rc = central_op_call(config_path, zone, id, "PUT", "maintenance", text, &answer);
    if (rc != CLI_OK)
        return rc;
    bool changed = json_is_true(json_object_get(answer, "changed"));
    json_decref(answer);
    if (!changed)
        printf("%s: %s\n", id, on ? "was already under maintenance" : "was not under maintenance");
    else
        printf("%s: %s (by zone %s's prober; the central shows it once the zone's event "
               "arrives)\n",
               id, on ? "now under maintenance" : "back in monitoring (state unknown)", zone);
    return CLI_OK;
}

int cmd_maintenance(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"note", required_argument, NULL, 'n'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *note = "", *config_path = CENTRAL_OP_CONFIG;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            note = optarg;
            break;
        case 'c':
            config_path = optarg;
            break;
        case 'h':
            maint_usage(stdout);
            return CLI_OK;
        default:
            maint_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (argc - optind != 2 || (strcmp(argv[optind + 1], "on") && strcmp(argv[optind + 1], "off"))) {
        cli_error("maintenance: give a camera id and on or off (see `camdex maintenance --help`)");
        return CLI_USAGE;
    }
    const char *id = argv[optind];
    bool on = strcmp(argv[optind + 1], "on") == 0;
    if (strlen(id) > STORE_ID_MAX) {
        cli_error("maintenance: the id is longer than any camera id (%d bytes)", STORE_ID_MAX);
        return CLI_USAGE;
    }
    /* As the API does: no escapes or line breaks stored, cut between
     * characters at the index's 255 bytes. */
    char clean_note[256];
    text_clean_str(clean_note, sizeof(clean_note), note);
    note = clean_note;
    struct store *s;
    if (cli_open(cli, true, &s))
        return CLI_FAIL;
    char zone[STORE_ZONE_MAX + 1];
    if (central_op_zone(s, id, zone) == 0) {
        store_close(&s);
        return central_maintenance(config_path, zone, id, on, note);
    }
    struct store_read *r;
    struct store_health h;
    int rc = store_read_begin(s, &r);
    if (!rc) {
        rc = store_health_get(r, id, &h);
        bool already = !rc && on == (h.state == STORE_MAINTENANCE);
        store_read_end(&r); /* before the commit below: never overlap them */
        if (already) {
            store_close(&s);
            printf("%s: %s\n", id, on ? "was already under maintenance" : "was not under maintenance");
            return CLI_OK;
        }
    }
    struct store_batch *b = NULL;
    if (!rc)
        rc = store_batch_new(&b);
    if (!rc)
        rc = store_batch_maintenance(b, id, on, note, timefmt_now_ms());
    /* A running service re-reads the index when this key changes. */
    uint64_t rev = (uint64_t)timefmt_now_ms();
    if (!rc)
        rc = store_batch_meta_put(b, IMPORT_REV_KEY, &rev, sizeof(rev));
    if (!rc)
        rc = store_batch_commit(s, b, NULL, NULL, NULL);
    store_batch_free(&b);
    store_close(&s);
    if (rc == -ENOENT) {
        cli_error("no camera \"%s\" in %s (`camdex list` shows the ids)", id, cli->db_dir);
        return CLI_FAIL;
    }
    if (rc) {
        cli_error("maintenance of %s: %s", id, store_strerror(rc));
        return CLI_FAIL;
    }
    printf("%s: %s\n", id, on ? "now under maintenance" : "back in monitoring (state unknown)");
    return CLI_OK;
}
