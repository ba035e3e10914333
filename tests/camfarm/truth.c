/* The --faults-out file: which mode and clip each camera got. */
#include "truth.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"

static int write_rows(const struct farm *f, FILE *out)
{
    if (fputs("id,index,mode,arg,clip,width,height,fps\n", out) < 0)
        return -EIO;
    for (uint32_t i = 0; i < f->fleet->count; i++) {
        const struct cam *c = &f->fleet->cams[i];
        const struct clip *k = &f->clips->clips[camera_clip(f, c)];
        /* Ids come from the inventory; the loader accepts any bytes but a
         * CSV separator would shift the columns, so such ids are quoted. */
        const char *id = fleet_str(f->fleet, c->id);
        bool quote = strpbrk(id, ",\"\r\n") != NULL;
        if (quote) {
            fputc('"', out);
            for (const char *p = id; *p; p++) {
                if (*p == '"')
                    fputc('"', out);
                fputc(*p, out);
            }
            fputc('"', out);
        } else {
            fputs(id, out);
        }
        if (fprintf(out, ",%u,%s,%u,%s,%d,%d,%d\n", i + 1, fault_name((enum fault)c->mode),
                    (unsigned)c->arg, k->name, k->width, k->height, k->fps) < 0)
            return -EIO;
    }
    return 0;
}

int truth_write(const struct farm *f, const char *path, char *err, size_t errlen)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        snprintf(err, errlen, "--faults-out: path longer than %zu bytes", sizeof(tmp) - 5);
        return -ENAMETOOLONG;
    }
    FILE *out = fopen(tmp, "w");
    if (!out) {
        int e = errno;
        snprintf(err, errlen, "--faults-out %s: %s (is the directory writable?)", tmp, strerror(e));
        return -e;
    }
    int rc = write_rows(f, out);
    if (fclose(out) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc < 0) {
        snprintf(err, errlen, "--faults-out %s: %s", path, strerror(-rc));
        remove(tmp);
    }
    return rc;
}
