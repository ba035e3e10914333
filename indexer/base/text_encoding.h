/* Text encodings of inventory files: BOM stripping, strict UTF-8 checking
 * and GB18030/GBK to UTF-8 conversion, so parsers only ever see UTF-8. */
#ifndef CAMDEX_TEXT_ENCODING_H
#define CAMDEX_TEXT_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tenc_charset {
    TENC_AUTO = 0, /* UTF-8 when the bytes are valid UTF-8, else GB18030 */
    TENC_UTF8,
    TENC_GB18030, /* a superset of GBK and GB2312 */
};

/* Where decoding stopped and why. Lines and columns count from 1; columns
 * are in bytes of the original input. */
struct tenc_pos {
    size_t offset;
    uint32_t line;
    uint32_t column;
    const char *what; /* e.g. "invalid UTF-8 sequence", static */
};

/* Length of a UTF-8 BOM at the start of buf (3), else 0. */
size_t tenc_bom_len(const char *buf, size_t len);

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF,
 * no truncated sequence. Returns 0, or -EILSEQ with *bad (may be NULL)
 * set to the first bad sequence. */
int tenc_utf8_check(const char *buf, size_t len, struct tenc_pos *bad);

/* Length of buf without a multibyte sequence cut off at its end (at most
 * 3 bytes shorter): what a reader of a file in chunks can check now, the
 * rest waiting for the next chunk. */
size_t tenc_utf8_complete(const char *buf, size_t len);

/* The same check as a yes or no. */
bool tenc_is_utf8(const char *buf, size_t len);

/* Convert GB18030 (or GBK/GB2312) to UTF-8 into a malloc'd, NUL-terminated
 * buffer. Returns 0, -EILSEQ with *bad set, or -ENOMEM. */
int tenc_gb18030_to_utf8(const char *buf, size_t len, char **out, size_t *outlen,
                         struct tenc_pos *bad);

/* The text of buf as UTF-8 without BOM: *text points either into buf or
 * into *owned (which the caller frees; NULL when nothing was allocated).
 * `cs` selects the input charset; *used (may be NULL) says which one was
 * used. NUL bytes and UTF-16 files are refused. Returns 0, -EILSEQ with
 * *bad set, or -ENOMEM. */
int tenc_decode(const char *buf, size_t len, enum tenc_charset cs, const char **text,
                size_t *textlen, char **owned, enum tenc_charset *used, struct tenc_pos *bad);

/* Fill line/column of *pos from pos->offset within buf. */
void tenc_locate(const char *buf, size_t len, struct tenc_pos *pos);

#endif
