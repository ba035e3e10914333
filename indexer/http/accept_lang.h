/* The language an API client asks for in an Accept-Language header
 * (RFC 9110, 12.5.4): a pure function over the header's bytes. */
#ifndef CAMDEX_HTTP_ACCEPT_LANG_H
#define CAMDEX_HTTP_ACCEPT_LANG_H

#include <stddef.h>

#include "views/messages.h"

#define ACCEPT_LANG_MAX   1024 /* longer values are not read: English */
#define ACCEPT_LANG_ITEMS 32   /* language ranges read; the rest are ignored */

/* Of the languages camdex speaks, the one the value prefers: the highest
 * q (an earlier range wins a tie); zh, zh-CN, zh-Hans, zh-TW... are
 * Chinese, en... English, "*" any (English); q=0 refuses. A range with a
 * malformed q is skipped. English when nothing camdex speaks is asked for,
 * and for an empty or over-long value. */
enum msg_lang accept_lang_pick(const char *value, size_t len);

#endif
