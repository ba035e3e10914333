/* Inventory text decoding: BOM, strict UTF-8, GB18030 via glibc iconv. */
#include "base/text_encoding.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Damaged UTF-8 should be reported as such rather than silently read as
 * GB18030 mojibake. Chinese GB text rarely forms even a couple of valid UTF-8
 * multi-byte sequences in a row, so this many before the first bad byte means
 * the file is UTF-8 with a defect. */
#define UTF8_EVIDENCE 4

size_t tenc_bom_len(const char *buf, size_t len)
{
    const unsigned char *b = (const unsigned char *)buf;
    return (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) ? 3 : 0;
}

/* Every BOM at the start: tools that add one without looking add a second
 * to a file that had one, and a BOM left in the text would become part of
 * the first column's name. */
static size_t boms_len(const char *buf, size_t len)
{
    size_t n = 0, one;
    while ((one = tenc_bom_len(buf + n, len - n)) != 0)
        n += one;
    return n;
}

void tenc_locate(const char *buf, size_t len, struct tenc_pos *pos)
{
    uint32_t line = 1;
    size_t bol = 0;
    size_t end = pos->offset < len ? pos->offset : len;
    /* Count lines the way the CSV reader does: LF, or CR in LF-less files. */
    char eol = memchr(buf, '\n', len) || !memchr(buf, '\r', len) ? '\n' : '\r';
    for (size_t i = 0; i < end; i++) {
        if (buf[i] == eol) {
            line++;
            bol = i + 1;
        }
    }
    pos->line = line;
    pos->column = (uint32_t)(end - bol + 1);
}

static void set_bad(struct tenc_pos *bad, const char *buf, size_t len, size_t off, const char *what)
{
    if (!bad)
        return;
    bad->offset = off;
    bad->what = what;
    tenc_locate(buf, len, bad);
}

/* Validate; *multi counts the valid multi-byte sequences seen before a
 * failure, which tenc_decode uses as evidence the text meant to be UTF-8. */
static int utf8_scan(const char *buf, size_t len, size_t *bad_off, size_t *multi)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0;
    *multi = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            /* Inventories are mostly ASCII: skip 8 bytes at a time. */
            uint64_t w;
            while (i + 8 <= len && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ull) == 0))
                i += 8;
            if (i < len && s[i] < 0x80)
                i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            if (c == 0xED)
                hi = 0x9F; /* UTF-16 surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            *bad_off = i; /* continuation byte, C0/C1 overlong lead, F5..FF */
            return -EILSEQ;
        }
        if (i + need >= len) { /* truncated at the end */
            *bad_off = i;
            return -EILSEQ;
        }
        if (s[i + 1] < lo || s[i + 1] > hi) {
            *bad_off = i;
            return -EILSEQ;
        }
        for (size_t k = 2; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                *bad_off = i;
                return -EILSEQ;
            }
        }
        i += need + 1;
        (*multi)++;
    }
    return 0;
}

int tenc_utf8_check(const char *buf, size_t len, struct tenc_pos *bad)
{
    size_t off = 0, multi;
    int rc = utf8_scan(buf, len, &off, &multi);
    if (rc < 0)
        set_bad(bad, buf, len, off, "invalid UTF-8 sequence");
    return rc;
}

size_t tenc_utf8_complete(const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf;
    for (size_t back = 1; back <= 4 && back <= len; back++) {
        unsigned c = s[len - back];
        if ((c & 0xC0) == 0x80)
            continue; /* a continuation byte: its lead is further back */
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return need > back ? len - back : len;
    }
    return len; /* no lead in reach: not UTF-8, which the check will say */
}

bool tenc_is_utf8(const char *buf, size_t len)
{
    size_t off = 0, multi;
    return utf8_scan(buf, len, &off, &multi) == 0;
}

int tenc_gb18030_to_utf8(const char *buf, size_t len, char **out, size_t *outlen,
                         struct tenc_pos *bad)
{
    *out = NULL;
    *outlen = 0;
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return -errno;
    /* Two GB bytes become at most three UTF-8 bytes, four stay four. */
    size_t cap = len + len / 2 + 16;
    char *dst = malloc(cap);
    if (!dst) {
        iconv_close(cd);
        return -ENOMEM;
    }
    char *in = (char *)buf;
    size_t inleft = len;
    char *o = dst;
    size_t oleft = cap - 1;
    int rc = 0;
    while (inleft > 0) {
        if (iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1)
            break;
        if (errno == E2BIG) {
            size_t used = (size_t)(o - dst);
            char *n = realloc(dst, cap * 2);
            if (!n) {
                rc = -ENOMEM;
                break;
            }
            dst = n;
            cap *= 2;
            o = dst + used;
            oleft = cap - used - 1;
            continue;
        }
        /* EILSEQ: not GB18030; EINVAL: a sequence cut off at the end. */
        set_bad(bad, buf, len, (size_t)(in - buf),
                errno == EINVAL ? "truncated GB18030 sequence at end of file"
                                : "invalid GB18030 sequence");
        rc = -EILSEQ;
        break;
    }
    iconv_close(cd);
    if (rc < 0) {
        free(dst);
        return rc;
    }
    *o = '\0';
    *out = dst;
    *outlen = (size_t)(o - dst);
    return 0;
}

int tenc_decode(const char *buf, size_t len, enum tenc_charset cs, const char **text,
                size_t *textlen, char **owned, enum tenc_charset *used, struct tenc_pos *bad)
{
    *text = NULL;
    *textlen = 0;
    *owned = NULL;
    const unsigned char *b = (const unsigned char *)buf;
    if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        set_bad(bad, buf, len, 0, "UTF-16 text (save the file as UTF-8 or GB18030)");
        return -EILSEQ;
    }
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        set_bad(bad, buf, len, (size_t)(nul - buf), "NUL byte (is this a text file?)");
        return -EILSEQ;
    }

    size_t bom = boms_len(buf, len);
    size_t off = 0, multi = 0;
    if (cs != TENC_GB18030) {
        int rc = utf8_scan(buf + bom, len - bom, &off, &multi);
        if (rc == 0) {
            *text = buf + bom;
            *textlen = len - bom;
            if (used)
                *used = TENC_UTF8;
            return 0;
        }
        /* A BOM or plenty of good UTF-8 says the file is UTF-8, just damaged. */
        if (cs == TENC_UTF8 || bom || multi >= UTF8_EVIDENCE) {
            set_bad(bad, buf, len, bom + off, "invalid UTF-8 sequence");
            return rc;
        }
    }

    char *conv;
    size_t convlen;
    struct tenc_pos gbbad = {0};
    int rc = tenc_gb18030_to_utf8(buf, len, &conv, &convlen, &gbbad);
    if (rc == -EILSEQ) {
        if (cs == TENC_GB18030 && bad)
            *bad = gbbad;
        else
            set_bad(bad, buf, len, bom + off, "neither valid UTF-8 nor GB18030");
        return rc;
    }
    if (rc < 0)
        return rc;
    /* A GB18030 BOM (84 31 95 33) converts to U+FEFF; drop it. */
    size_t skip = boms_len(conv, convlen);
    if (skip)
        memmove(conv, conv + skip, convlen - skip + 1);
    *owned = conv;
    *text = conv;
    *textlen = convlen - skip;
    if (used)
        *used = TENC_GB18030;
    return 0;
}
