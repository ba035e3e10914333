/* Text from outside made safe to store and show; see text_clean.h. */
#include "text_clean.h"

#include <stdint.h>
#include <string.h>

static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one;
 * *bad then holds the length of its maximal invalid subpart (>= 1), the
 * bytes that together become one U+FFFD (Unicode's recommended practice,
 * so a cut sequence costs one replacement, not one per byte). */
static size_t utf8_seq(const unsigned char *s, size_t len, size_t *bad)
{
    unsigned c = s[0];
    *bad = 1;
    if (c < 0x80)
        return 1;
    size_t need;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : lo; /* overlong */
        hi = c == 0xED ? 0x9F : hi; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : lo; /* overlong */
        hi = c == 0xF4 ? 0x8F : hi; /* above U+10FFFF */
    } else {
        return 0; /* a continuation byte, C0/C1 (overlong) or F5..FF */
    }
    for (size_t k = 1; k <= need; k++) {
        unsigned b = k < len ? s[k] : 0;
        unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (b < l || b > h) {
            *bad = k;
            return 0;
        }
    }
    return need + 1;
}

/* What a valid character of `n` bytes at s becomes: 0 itself, 1 a space,
 * 2 U+FFFD. */
static int control_class(const unsigned char *s, size_t n)
{
    if (n == 1) {
        if (s[0] == '\t' || s[0] == '\n' || s[0] == '\r' || s[0] == '\v' || s[0] == '\f')
            return 1;
        return s[0] < 0x20 || s[0] == 0x7F ? 2 : 0;
    }
    /* C1 controls, U+0080..U+009F, are C2 80..C2 9F; some terminals obey
     * them as escapes (CSI is U+009B). */
    return n == 2 && s[0] == 0xC2 && s[1] < 0xA0 ? 2 : 0;
}

size_t text_clean(char *dst, size_t cap, const char *src, size_t len, struct text_clean_count *n)
{
    struct text_clean_count dummy;
    if (!n)
        n = &dummy;
    memset(n, 0, sizeof(*n));
    const unsigned char *s = (const unsigned char *)(src ? src : "");
    if (!src)
        len = 0;
    size_t o = 0, i = 0;
    while (i < len) {
        size_t bad, k = utf8_seq(s + i, len - i, &bad);
        const char *out = (const char *)s + i;
        size_t outlen = k;
        int cls = k ? control_class(s + i, k) : 2;
        if (cls == 1) {
            if (s[i] == '\r' || s[i] == '\n')
                n->breaks++;
            if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
                k = 2; /* CRLF is one break */
            out = " ";
            outlen = 1;
        } else if (cls == 2) {
            n->replaced++;
            k = k ? k : bad;
            out = REPLACEMENT;
            outlen = sizeof(REPLACEMENT) - 1;
        }
        if (o + outlen >= cap) {
            n->cut = 1;
            break;
        }
        memcpy(dst + o, out, outlen);
        o += outlen;
        i += k;
    }
    if (cap)
        dst[o] = '\0';
    return o;
}

size_t text_clean_str(char *dst, size_t cap, const char *src)
{
    return text_clean(dst, cap, src, src ? strlen(src) : 0, NULL);
}

int text_is_clean(const char *src, size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    for (size_t i = 0; i < len;) {
        if (s[i] >= 0x20 && s[i] < 0x7F) { /* most stored text is ASCII */
            i++;
            continue;
        }
        size_t bad, k = utf8_seq(s + i, len - i, &bad);
        if (!k || control_class(s + i, k))
            return 0;
        i += k;
    }
    return 1;
}
