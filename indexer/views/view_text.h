/* A stored text as a JSON string that never fails to build. Text entered
 * the index cleaned (text_clean.h), but an index written by an older
 * version may hold a camera's invalid UTF-8 or a line cut inside a
 * character; jansson refuses those, which used to fail whole pages, event
 * streams and webhook batches over one bad event. */
#ifndef CAMDEX_VIEWS_VIEW_TEXT_H
#define CAMDEX_VIEWS_VIEW_TEXT_H

#include <jansson.h>

/* s (NULL reads as "") as a JSON string, with invalid bytes and control
 * characters replaced the way text_clean does. NULL only when out of
 * memory. */
json_t *view_text(const char *s);

#endif
