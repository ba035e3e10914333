/* `camdex reference ID show|set|clear`: a camera's reference picture, the
 * healthy scene its later pictures are compared with (scene_changed). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/timefmt.h"
#include "cli/cli_internal.h"
#include "views/picture_view.h"

static void ref_usage(FILE *f)
{
    fprintf(f, "usage: camdex reference ID show|set|clear [--format table|json]\n\n"
               "show:  when the camera's reference picture was taken, and by whom.\n"
               "set:   accept the scene the camera shows now: the picture of its latest\n"
               "       diagnosis becomes the reference (after a camera was moved on\n"
               "       purpose). Its state follows at its next deep look.\n"
               "clear: forget the reference; the camera's next healthy picture becomes\n"
               "       the new one.\n");
}

static int ref_show(struct cli *cli, struct store *s, const char *id, enum out_format fmt)
{
    struct store_read *r;
    struct store_camera cam;
    struct store_reference ref;
    json_t *o = NULL;
    int rc = store_read_begin(s, &r);
    if (!rc)
        rc = store_camera_get(r, id, &cam);
    if (!rc) {
        int rrc = store_reference_get(r, id, &ref);
        if (rrc && rrc != -ENOENT)
            rc = rrc;
        o = rrc ? json_null() : view_reference(cli->tz_offset, &ref);
    }
    store_read_end(&r);
    if (rc)
        return rc;
    if (fmt == OUT_JSON) {
        json_t *out = json_pack("{s:s, s:o}", "id", id, "reference", o);
        json_dumpf(out, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(out);
    } else if (json_is_null(o)) {
        printf("%s: no reference picture yet (its next healthy picture becomes one)\n", id);
        json_decref(o);
    } else {
        printf("%s: reference picture of %s, set by %s\n", id,
               json_string_value(json_object_get(o, "time")),
               json_string_value(json_object_get(o, "set_by")));
        json_decref(o);
    }
    return 0;
}

static int ref_change(struct store *s, const char *id, bool set)
{
    struct store_read *r;
    struct store_camera cam;
    int rc = store_read_begin(s, &r);
    if (!rc)
        rc = store_camera_get(r, id, &cam);
    store_read_end(&r); /* before the commit below: never overlap them */
    if (rc)
        return rc;
    struct store_batch *b = NULL;
    rc = store_batch_new(&b);
    if (!rc)
        rc = set ? store_batch_reference_adopt(b, id, timefmt_now_ms())
                 : store_batch_reference_put(b, id, NULL);
    if (!rc)
        rc = store_batch_commit(s, b, NULL, NULL, NULL);
    store_batch_free(&b);
    /* The camera exists, so -ENOENT from the commit is a missing picture. */
    return rc == -ENOENT && set ? -ENODATA : rc;
}

int cmd_reference(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    enum out_format fmt = OUT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'f' && !cli_format(optarg, &fmt) && fmt != OUT_CSV)
            continue;
        if (c == 'h') {
            ref_usage(stdout);
            return CLI_OK;
        }
        if (c == 'f')
            cli_error("reference: --format is table or json");
        ref_usage(stderr);
        return CLI_USAGE;
    }
    const char *id = argc - optind == 2 ? argv[optind] : NULL;
    const char *what = id ? argv[optind + 1] : "";
    if (!id || (strcmp(what, "show") && strcmp(what, "set") && strcmp(what, "clear"))) {
        cli_error("reference: give a camera id and show, set or clear (see `camdex reference "
                  "--help`)");
        return CLI_USAGE;
    }
    if (strlen(id) > STORE_ID_MAX) {
        cli_error("reference: the id is longer than any camera id (%d bytes)", STORE_ID_MAX);
        return CLI_USAGE;
    }
    bool show = strcmp(what, "show") == 0, set = strcmp(what, "set") == 0;
    struct store *s;
    if (cli_open(cli, !show, &s))
        return CLI_FAIL;
    int rc = show ? ref_show(cli, s, id, fmt) : ref_change(s, id, set);
    store_close(&s);
    if (rc == -ENOENT) {
        cli_error("no camera \"%s\" in %s (`camdex list` shows the ids)", id, cli->db_dir);
        return CLI_FAIL;
    }
    if (rc == -ENODATA) {
        cli_error("%s: no picture of this camera has been diagnosed yet, so there is nothing "
                  "to accept; wait for its next deep look (`camdex show %s` gives the "
                  "diagnosis) and set it again",
                  id, id);
        return CLI_FAIL;
    }
    if (rc) {
        cli_error("reference of %s: %s", id, store_strerror(rc));
        return CLI_FAIL;
    }
    if (!show)
        printf("%s: %s\n", id,
               set ? "reference set to the picture of its latest diagnosis; its state follows "
                     "at its next deep look"
                   : "reference cleared; its next healthy picture becomes the new one");
    return CLI_OK;
}
