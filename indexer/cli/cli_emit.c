/* Where a command's rows go: standard output, or -o FILE, which is written
 * whole or not at all (a temporary name beside it, renamed when complete),
 * so an export cut short by a full disk never passes for a finished one. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_internal.h"

static int render(FILE *f, struct cli *cli, enum out_format fmt, const char *sheet_key,
                  const struct out_col *cols, size_t ncols, json_t *rows)
{
    if (fmt == OUT_XLSX)
        return out_render_xlsx(f, cli->lang, sheet_key, cols, ncols, rows);
    int rc = out_render(f, fmt, cli->lang, cols, ncols, rows);
    return rc ? rc : fflush(f) ? -errno : 0;
}

/* Into a new file named `path` by way of a temporary one beside it. */
static int render_to_file(const char *path, struct cli *cli, enum out_format fmt,
                          const char *sheet_key, const struct out_col *cols, size_t ncols,
                          json_t *rows)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* A device or a pipe (/dev/stdout, a FIFO) cannot be replaced:
         * written to as it is. */
        FILE *f = fopen(path, "w");
        if (!f)
            return -errno;
        int rc = render(f, cli, fmt, sheet_key, cols, ncols, rows);
        return fclose(f) && !rc ? -errno : rc;
    }
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -errno;
    /* mkstemp makes the file 0600; an export gets the usual permissions. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = -errno;
        close(fd);
        unlink(tmp);
        return e;
    }
    int rc = render(f, cli, fmt, sheet_key, cols, ncols, rows);
    if (fclose(f) && !rc)
        rc = -errno;
    if (!rc && rename(tmp, path))
        rc = -errno;
    if (rc)
        unlink(tmp);
    return rc;
}

int cli_emit(struct cli *cli, enum out_format fmt, const char *path, const char *sheet_key,
             const struct out_col *cols, size_t ncols, json_t *rows)
{
    bool to_stdout = !path || strcmp(path, "-") == 0;
    int rc = to_stdout ? render(stdout, cli, fmt, sheet_key, cols, ncols, rows)
                       : render_to_file(path, cli, fmt, sheet_key, cols, ncols, rows);
    if (rc == -ENOTTY) {
        cli_error("a workbook is binary and would garble the terminal: write it to a file "
                  "with -o FILE.xlsx, or redirect the output (> FILE.xlsx)");
        return CLI_USAGE;
    }
    if (rc && to_stdout)
        cli_error("writing the output: %s", strerror(-rc));
    else if (rc)
        cli_error("-o %s: cannot write it: %s (nothing was written; choose a place you can "
                  "write to, with room)",
                  path, strerror(-rc));
    return rc ? CLI_FAIL : CLI_OK;
}
