/* The Accept-Language choice (accept_lang.h says why). RFC 9110 12.5.4: a
 * comma-separated list of language ranges, each with an optional ";q=". */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http/accept_lang.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* q-value "1", "1.000", "0", "0.8", "0.123" as thousandths; -1 when it is
 * none of those. */
static int qvalue(const char *p, size_t n)
{
    if (n == 0 || n > 5 || (p[0] != '0' && p[0] != '1'))
        return -1;
    int q = (p[0] - '0') * 1000;
    if (n == 1)
        return q;
    if (p[1] != '.')
        return -1;
    int scale = 100;
    for (size_t i = 2; i < n; i++, scale /= 10) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        q += (p[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/* One list item "tag[;q=x]" (spaces trimmed); its language and q, or q -1
 * when it names no catalogue language, -2 when it is malformed. */
static int item(const char *p, size_t n, enum msg_lang *lang)
{
    const char *semi = memchr(p, ';', n);
    size_t tlen = semi ? (size_t)(semi - p) : n;
    while (tlen && is_space(p[tlen - 1]))
        tlen--;
    if (tlen == 0 || tlen > ACCEPT_LANG_TAG_MAX)
        return -2;
    for (size_t i = 0; i < tlen; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '*'))
            return -2;
    }
    int q = 1000;
    if (semi) {
        const char *v = semi + 1, *end = p + n;
        while (v < end && is_space(*v))
            v++;
        if (end - v < 2 || (v[0] != 'q' && v[0] != 'Q') || v[1] != '=')
            return -2;
        v += 2;
        size_t vl = (size_t)(end - v);
        while (vl && is_space(v[vl - 1]))
            vl--;
        if ((q = qvalue(v, vl)) < 0)
            return -2;
    }
    char tag[ACCEPT_LANG_TAG_MAX + 1];
    memcpy(tag, p, tlen);
    tag[tlen] = 0;
    if (q == 0 || msg_lang_parse(tag, lang) != 0)
        return -1;
    return q;
}

int accept_lang_choose(const char *hdr, size_t len, enum msg_lang *out)
{
    if (!hdr || len > ACCEPT_LANG_MAX)
        return -EINVAL;
    int best = 0;
    const char *p = hdr, *end = hdr + len;
    while (p < end) {
        while (p < end && (is_space(*p) || *p == ','))
            p++;
        const char *start = p;
        while (p < end && *p != ',')
            p++;
        if (p == start)
            break;
        enum msg_lang lang;
        int q = item(start, (size_t)(p - start), &lang);
        if (q == -2)
            return -EINVAL;
        if (q > best) {
            best = q;
            *out = lang;
        }
    }
    return best > 0 ? 0 : -ENOENT;
}
