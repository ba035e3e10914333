/* libFuzzer target for indexer/base/text_encoding.c: the strict UTF-8
 * check, GB18030 conversion and tenc_decode, over any bytes an inventory
 * file can hold. The UTF-8 check must agree with a plain byte-by-byte
 * reading of RFC 3629; whatever converts or decodes must be valid UTF-8
 * without NUL or BOM (parsers rely on it); a reported position must lie in
 * the input. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/text_encoding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void trap_unless(bool ok)
{
    if (!ok)
        __builtin_trap();
}

/* RFC 3629, section 4, one code point at a time: the reference the fast
 * check is held to. */
static bool utf8_reference(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t need;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            need = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (len - i <= need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += need + 1;
    }
    return true;
}

static void check_pos(const struct tenc_pos *p, size_t len)
{
    trap_unless(p->what != NULL && p->offset <= len && p->line >= 1 && p->column >= 1);
}

static void check_text(const char *t, size_t n)
{
    trap_unless(t != NULL && utf8_reference((const uint8_t *)t, n));
    trap_unless(memchr(t, 0, n) == NULL && tenc_bom_len(t, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* The first byte picks the declared charset, the rest is the file, in
     * an exact-size copy so that ASan sees any read past its end. */
    enum tenc_charset cs = (enum tenc_charset)(data[0] % 3);
    size_t n = size - 1;
    char *buf = malloc(n ? n : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, n);

    struct tenc_pos bad = {0};
    bool ok = tenc_utf8_check(buf, n, &bad) == 0;
    trap_unless(ok == utf8_reference((const uint8_t *)buf, n));
    trap_unless(ok == tenc_is_utf8(buf, n));
    if (!ok)
        check_pos(&bad, n);

    char *conv;
    size_t convlen;
    memset(&bad, 0, sizeof(bad));
    int rc = tenc_gb18030_to_utf8(buf, n, &conv, &convlen, &bad);
    if (rc == 0) {
        trap_unless(conv[convlen] == 0);
        trap_unless(utf8_reference((const uint8_t *)conv, convlen));
        free(conv);
    } else if (rc == -EILSEQ) {
        check_pos(&bad, n);
    }

    const char *text;
    size_t textlen;
    char *owned;
    enum tenc_charset used = TENC_AUTO;
    memset(&bad, 0, sizeof(bad));
    rc = tenc_decode(buf, n, cs, &text, &textlen, &owned, &used, &bad);
    if (rc == 0) {
        check_text(text, textlen);
        trap_unless(used == TENC_UTF8 || used == TENC_GB18030);
        trap_unless(used != TENC_UTF8 ||
                    (owned == NULL && text >= buf && text + textlen <= buf + n));
        trap_unless(cs == TENC_AUTO || used == cs);
        free(owned);
    } else if (rc == -EILSEQ) {
        check_pos(&bad, n);
    }
    free(buf);
    return 0;
}
