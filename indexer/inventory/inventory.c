/* Reading an inventory: the file, its text encoding, and which reader
 * (CSV or JSON) gets it. The rows themselves are built in
 * inventory_rows.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/text_encoding.h"
#include "inventory/inventory_internal.h"

/* Files larger than this are refused before reading: 1,000,000 rows of a
 * generous 500 bytes each. */
#define INV_FILE_MAX ((size_t)512 << 20)

/* ---- entry points ---------------------------------------------------- */

static enum inv_format sniff_format(const char *name, const char *text, size_t len)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (dot && strcasecmp(dot, ".json") == 0)
        return INV_FMT_JSON;
    if (dot && (strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".txt") == 0))
        return INV_FMT_CSV;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        return (c == '[' || c == '{') ? INV_FMT_JSON : INV_FMT_CSV;
    }
    return INV_FMT_CSV;
}

int inv_parse(const char *buf, size_t len, const char *name, enum inv_format fmt,
              enum inv_encoding enc, struct inventory *inv, struct inv_errors *errs)
{
    if ((!buf && len) || !inv || !errs)
        return -EINVAL;
    if (!buf)
        buf = "";
    errs->count = 0;
    struct inv_table ids = {0}, units = {0};
    struct inv_builder b = {
        .inv = inv,
        .errs = errs,
        .name = name ? name : "inventory",
        .what = "column",
        .ids = &ids,
        .units = &units,
    };

    const char *text;
    size_t tlen;
    char *owned = NULL;
    struct tenc_pos bad = {0};
    enum tenc_charset cs = enc == INV_ENC_UTF8      ? TENC_UTF8
                           : enc == INV_ENC_GB18030 ? TENC_GB18030
                                                    : TENC_AUTO;
    int rc = tenc_decode(buf, len, cs, &text, &tlen, &owned, NULL, &bad);
    if (rc == -EILSEQ) {
        inv_error(&b, bad.line, "byte %u of the line: %s; save the file as UTF-8 or GB18030",
                  (unsigned)bad.column, bad.what);
        return -EINVAL;
    }
    if (rc < 0)
        return rc;

    size_t i = 0;
    while (i < tlen && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    if (i == tlen) {
        inv_error(
            &b, 0,
            "the file is empty; expected a CSV header row (id,name,unit_id,unit_name,url,...) "
            "or a JSON list of cameras");
        free(owned);
        return -EINVAL;
    }

    if (fmt == INV_FMT_AUTO)
        fmt = sniff_format(name, text, tlen);
    if (fmt == INV_FMT_JSON) {
        b.what = "key";
        rc = inv_parse_json(&b, text, tlen);
    } else {
        rc = inv_parse_csv(&b, text, tlen);
    }
    free(ids.e);
    free(units.e);
    free(owned);
    if (rc < 0)
        return rc;
    return errs->count ? -EINVAL : 0;
}

int inv_load_file(const char *path, enum inv_format fmt, enum inv_encoding enc,
                  struct inventory *inv, struct inv_errors *errs)
{
    if (!path || !inv || !errs)
        return -EINVAL;
    errs->count = 0;
    /* "-" reads standard input, so `camdex generate | camdex import -` works. */
    int from_stdin = strcmp(path, "-") == 0;
    if (from_stdin)
        path = "stdin";
    struct inv_builder b = {.inv = inv, .errs = errs, .name = path};
    char eb[128];
    int fd =
        from_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        inv_error(&b, 0, "cannot open: %s", strerror_r(e, eb, sizeof eb));
        return -e;
    }
    struct stat st;
    int e = fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e) {
        inv_error(&b, 0, "cannot read: %s", strerror_r(e, eb, sizeof eb));
        close(fd);
        return -e;
    }
    if ((size_t)st.st_size > INV_FILE_MAX) {
        inv_error(&b, 0, "is %lld bytes; the limit is %zu MiB, split the inventory",
                  (long long)st.st_size, INV_FILE_MAX >> 20);
        close(fd);
        return -EFBIG;
    }
    /* Pipes and /dev/stdin report size 0: read until EOF whatever stat said. */
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536, got = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        if (got == cap) {
            char *n = cap < INV_FILE_MAX ? realloc(buf, cap * 2) : NULL;
            if (!n) {
                free(buf);
                close(fd);
                if (cap >= INV_FILE_MAX) {
                    inv_error(&b, 0, "is larger than %zu MiB; split the inventory",
                              INV_FILE_MAX >> 20);
                    return -EFBIG;
                }
                return -ENOMEM;
            }
            buf = n;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = errno;
            inv_error(&b, 0, "cannot read: %s", strerror_r(e, eb, sizeof eb));
            free(buf);
            close(fd);
            return -e;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    int rc = inv_parse(buf, got, path, fmt, enc, inv, errs);
    free(buf);
    return rc;
}
