/* Which language of the message catalogue a browser asks for in its
 * Accept-Language header ("zh-CN,zh;q=0.9,en;q=0.8"): the dashboard's first
 * page speaks it until the person picks one. A pure function over the
 * header's bytes. */
#ifndef CAMDEX_HTTP_ACCEPT_LANG_H
#define CAMDEX_HTTP_ACCEPT_LANG_H

#include <stddef.h>

#include "views/messages.h"

#define ACCEPT_LANG_MAX     512 /* longer headers are not read (no browser sends one) */
#define ACCEPT_LANG_TAG_MAX 35  /* BCP 47's longest useful tag */

/* The catalogue language with the highest q of the languages named (a tag
 * "zh", "zh-CN", "zh-Hans-CN" is Chinese, "en..." English; the first named
 * wins a tie; "*" and q=0 name nothing). 0, or -ENOENT when the header
 * names neither, -EINVAL when it is malformed or longer than
 * ACCEPT_LANG_MAX. */
int accept_lang_choose(const char *hdr, size_t len, enum msg_lang *out);

#endif
