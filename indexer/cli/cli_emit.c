/* Where a command's rows go: standard output, or -o FILE, which is written
 * whole or not at all (a temporary name beside it, renamed when complete),
 * so an export cut short by a full disk never passes for a finished one.
 * Rows are written as the command reads them (out_stream in output.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_internal.h"
#include "views/xlsx_table.h"

struct cli_out {
    struct out_stream *s;
    FILE *f;            /* stdout, or the file opened for -o */
    const char *path;   /* -o FILE; NULL: standard output */
    char tmp[PATH_MAX]; /* the temporary name beside it; "" when written in place */
    int werr;           /* the first write error */
};

/* Opens -o FILE by way of a temporary name beside it; a device or a pipe
 * (/dev/stdout, a FIFO) cannot be replaced and is written as it is. */
static int open_file(struct cli_out *o)
{
    struct stat st;
    if (stat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        o->f = fopen(o->path, "w");
        return o->f ? 0 : -errno;
    }
    if (snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", o->path) >= (int)sizeof(o->tmp))
        return -ENAMETOOLONG;
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        o->tmp[0] = 0;
        return -errno;
    }
    /* mkstemp makes the file 0600; an export gets the usual permissions. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        int e = -errno;
        close(fd);
        return e;
    }
    return 0;
}

static void say_write_error(const struct cli_out *o, int rc)
{
    if (!o->path)
        cli_error("writing the output: %s", strerror(-rc));
    else
        cli_error("-o %s: cannot write it: %s (nothing was written; choose a place you can "
                  "write to, with room)",
                  o->path, strerror(-rc));
}

/* Closes the file and, on success, gives it its name; on failure nothing
 * of it is left. */
static int close_file(struct cli_out *o, int rc)
{
    if (o->f && o->f != stdout && fclose(o->f) && !rc)
        rc = -errno;
    o->f = NULL;
    if (o->tmp[0] && !rc && rename(o->tmp, o->path))
        rc = -errno;
    if (o->tmp[0] && rc)
        unlink(o->tmp);
    return rc;
}

static void out_free(struct cli_out *o)
{
    out_stream_discard(&o->s);
    free(o);
}

int cli_out_begin(struct cli *cli, enum out_format fmt, const char *path, const char *sheet_key,
                  const struct out_col *cols, size_t ncols, struct cli_out **out)
{
    *out = NULL;
    struct cli_out *o = calloc(1, sizeof(*o));
    if (!o) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    o->path = path && strcmp(path, "-") != 0 ? path : NULL;
    int rc = 0;
    if (o->path)
        rc = open_file(o);
    else
        o->f = stdout;
    if (!rc)
        rc = out_stream_open(o->f, fmt, cli->lang, sheet_key, cols, ncols, &o->s);
    if (rc) {
        close_file(o, rc);
        if (rc == -ENOTTY) {
            cli_error("a workbook is binary and would garble the terminal: write it to a file "
                      "with -o FILE.xlsx, or redirect the output (> FILE.xlsx)");
            out_free(o);
            return CLI_USAGE;
        }
        say_write_error(o, rc);
        out_free(o);
        return CLI_FAIL;
    }
    *out = o;
    return CLI_OK;
}

int cli_out_row(struct cli_out *o, json_t *row)
{
    int rc = out_stream_row(o->s, row);
    if (rc && !o->werr)
        o->werr = rc;
    return rc;
}

int cli_out_end(struct cli_out **op, struct cli *cli, int scan_rc, const char *what)
{
    struct cli_out *o = *op;
    *op = NULL;
    int rc = o->werr;
    if (!rc && scan_rc) {
        cli_error("%s in %s: %s", what, cli->db_dir, store_strerror(scan_rc));
        close_file(o, scan_rc);
        out_free(o);
        return CLI_FAIL;
    }
    if (!rc)
        rc = out_stream_close(&o->s);
    rc = close_file(o, rc);
    if (rc)
        say_write_error(o, rc);
    out_free(o);
    return rc ? CLI_FAIL : CLI_OK;
}

int cli_emit(struct cli *cli, enum out_format fmt, const char *path, const char *sheet_key,
             const struct out_col *cols, size_t ncols, json_t *rows)
{
    struct cli_out *o;
    int rc = cli_out_begin(cli, fmt, path, sheet_key, cols, ncols, &o);
    if (rc)
        return rc;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (cli_out_row(o, row))
            break;
    }
    return cli_out_end(&o, cli, 0, "");
}

/* Several tables (a workbook has a sheet each, a terminal table shows each
 * non-empty one after the first under its sheet's name, CSV the first
 * only) and, for JSON, the whole answer when there is one. They are held
 * whole, not streamed: the assessment's are a row per unit. */
struct emit {
    enum out_format fmt;
    const struct xlsx_sheet *sheets;
    size_t n;
    json_t *whole;
};

static int render(FILE *f, struct cli *cli, const struct emit *e)
{
    if (e->fmt == OUT_XLSX)
        return out_render_xlsx_sheets(f, cli->lang, e->sheets, e->n);
    int rc = 0;
    if (e->fmt == OUT_JSON && e->whole) {
        rc = json_dumpf(e->whole, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                         JSON_REAL_PRECISION(6)) ? -EIO : 0;
        fputc('\n', f);
    }
    for (size_t i = 0; !e->whole && i < (e->fmt == OUT_TABLE ? e->n : 1) && !rc; i++) {
        if (i && json_array_size(e->sheets[i].rows) == 0)
            continue;
        if (i)
            fprintf(f, "\n%s\n", msg_text(e->sheets[i].sheet_key, cli->lang));
        rc = out_render(f, e->fmt, cli->lang, e->sheets[i].cols, e->sheets[i].ncols,
                        e->sheets[i].rows);
    }
    return rc ? rc : fflush(f) ? -errno : 0;
}

int cli_emit_sheets(struct cli *cli, enum out_format fmt, const char *path,
                    const struct xlsx_sheet *sheets, size_t n, json_t *whole)
{
    struct cli_out o = {.path = path && strcmp(path, "-") != 0 ? path : NULL};
    int rc = 0;
    if (o.path)
        rc = open_file(&o);
    else
        o.f = stdout;
    if (!rc)
        rc = render(o.f, cli, &(struct emit){fmt, sheets, n, whole});
    rc = close_file(&o, rc);
    if (rc == -ENOTTY) {
        cli_error("a workbook is binary and would garble the terminal: write it to a file "
                  "with -o FILE.xlsx, or redirect the output (> FILE.xlsx)");
        return CLI_USAGE;
    }
    if (rc)
        say_write_error(&o, rc);
    return rc ? CLI_FAIL : CLI_OK;
}
