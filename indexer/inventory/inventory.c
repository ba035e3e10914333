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

/* Chunks a regular file is read in: a multiple of the page size, large
 * enough that the per-chunk work is noise. */
#define INV_CHUNK ((size_t)1 << 20)

struct stream {
    int fd;
    char *buf;
    size_t carry; /* bytes of a cut-off UTF-8 sequence kept for the next chunk */
    struct inv_builder *b;
    struct inv_csv *csv;
};

/* One chunk: 1 = parsed, 0 = end of file, 2 = not plain UTF-8 CSV (start
 * over), or a negative errno. */
static int stream_chunk(struct stream *st, enum inv_format fmt, size_t size)
{
    ssize_t n;
    do
        n = read(st->fd, st->buf + st->carry, INV_CHUNK - st->carry);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    size_t have = st->carry + (size_t)n;
    if (n == 0)
        return st->carry || !st->csv ? 2 : 0; /* a sequence cut off, or an empty file */
    size_t ok = tenc_utf8_complete(st->buf, have);
    if (memchr(st->buf, '\0', have) || !tenc_is_utf8(st->buf, ok))
        return 2;
    const char *text = st->buf;
    size_t len = ok;
    if (!st->csv) {
        size_t bom = 0, one;
        while ((one = tenc_bom_len(text + bom, len - bom)) != 0)
            bom += one;
        text += bom;
        len -= bom;
        if (fmt == INV_FMT_AUTO && sniff_format(st->b->name, text, len) != INV_FMT_CSV)
            return 2;
        /* The line end is the whole file's choice: decided here only when
         * this chunk holds a LF or is the whole file. */
        if (!memchr(text, '\n', len) && size > have)
            return 2;
        int rc = inv_csv_begin(st->b, inv_csv_eol(text, len), &st->csv);
        if (rc)
            return rc;
    }
    int rc = inv_csv_feed(st->csv, text, len);
    if (rc)
        return rc;
    if (st->b->stop || st->b->errs->count)
        return 2;
    memmove(st->buf, st->buf + ok, have - ok);
    st->carry = have - ok;
    return 1;
}

/* A regular file of UTF-8 CSV is parsed as it is read, a chunk at a time,
 * so a million-row inventory is never held as text beside the rows built
 * from it. Anything else (another encoding, JSON, a NUL byte, any error in
 * the rows) starts over the whole-file way, which works out the encoding
 * and words every error exactly as for a pipe. Returns 0 (read), 1 (start
 * over: inv emptied, the file back where it was) or a negative errno. */
static int load_csv_streamed(int fd, const char *path, size_t size, enum inv_format fmt,
                             struct inventory *inv, struct inv_errors *errs)
{
    off_t start = lseek(fd, 0, SEEK_CUR);
    if (start < 0)
        return 1;
    struct inv_table ids = {0}, units = {0};
    struct inv_builder b = {
        .inv = inv, .errs = errs, .name = path, .what = "column", .ids = &ids, .units = &units};
    struct stream st = {.fd = fd, .b = &b, .buf = malloc(INV_CHUNK)};
    /* Rows are 100-300 bytes: sized for the file, the id table never grows. */
    int rc = st.buf ? inv_table_reserve(&ids, size / 256) : -ENOMEM;
    if (rc == 0)
        while ((rc = stream_chunk(&st, fmt, size)) == 1)
            continue;
    /* rc: 0 the end of the file, 2 start over, or an error */
    if (st.csv) {
        int end = inv_csv_end(st.csv); /* what only the end can tell */
        if (rc == 0)
            rc = end;
    }
    if (rc == 0 && errs->count)
        rc = 2;
    free(st.buf);
    free(ids.e);
    free(units.e);
    if (rc != 2)
        return rc;
    inv_free(inv);
    inv_init(inv);
    errs->count = 0;
    return lseek(fd, start, SEEK_SET) < 0 ? -errno : 1;
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
    if (S_ISREG(st.st_mode) && enc != INV_ENC_GB18030 && fmt != INV_FMT_JSON) {
        int rc = load_csv_streamed(fd, path, (size_t)st.st_size, fmt, inv, errs);
        if (rc <= 0) {
            close(fd);
            return rc;
        }
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
