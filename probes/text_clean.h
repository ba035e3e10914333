/* The one sanitiser of text that comes from outside (cameras, libav,
 * inventories, API clients) before it is stored or shown: the result is
 * valid UTF-8, one line, free of control characters, and cut only between
 * characters. It lives in probes/ because both tiers need it and probes/
 * cannot use indexer/; every indexer/ library links probes/ and uses it
 * too, so there is exactly one set of rules. */
#ifndef CAMDEX_TEXT_CLEAN_H
#define CAMDEX_TEXT_CLEAN_H

#include <stddef.h>

/* What text_clean changed, for callers that report it (an inventory's
 * warnings). */
struct text_clean_count {
    unsigned breaks;   /* line breaks (CR, LF, CRLF) turned into a space */
    unsigned replaced; /* invalid sequences and control characters turned into U+FFFD */
    unsigned cut;      /* 1 when the text did not fit in dst */
};

/* Copies src[0..len) into dst (cap bytes, cap >= 1), always NUL-terminated:
 * - each maximal invalid UTF-8 subpart (bad lead, truncated sequence,
 *   overlong form, surrogate, above U+10FFFF) becomes U+FFFD;
 * - CR, LF and CRLF become one space, tab, vertical tab and form feed a
 *   space;
 * - every other C0 control (ESC among them), DEL and the C1 controls
 *   (U+0080..U+009F) become U+FFFD, so nothing reaches a terminal as a
 *   command;
 * - the text is cut before the first character that does not fit whole.
 * Returns the length written (excluding the NUL). `n` may be NULL. A pure
 * function: src and dst must not overlap. */
size_t text_clean(char *dst, size_t cap, const char *src, size_t len, struct text_clean_count *n);

/* text_clean of a NUL-terminated string (NULL reads as ""). */
size_t text_clean_str(char *dst, size_t cap, const char *src);

/* 1 when text_clean would return src unchanged (valid UTF-8 with no
 * control character), else 0: lets readers skip a copy for clean text. */
int text_is_clean(const char *src, size_t len);

#endif
