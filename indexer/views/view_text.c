/* Stored text as JSON strings that always build; see view_text.h. */
#include "views/view_text.h"

#include <stdlib.h>
#include <string.h>

#include "text_clean.h"

json_t *view_text(const char *s)
{
    if (!s)
        s = "";
    size_t len = strlen(s);
    /* The common case, and jansson's own check is what we just did. */
    if (text_is_clean(s, len))
        return json_stringn_nocheck(s, len);
    /* Each byte becomes at most one U+FFFD (3 bytes). */
    size_t cap = len * 3 + 1;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    size_t n = text_clean(buf, cap, s, len, NULL);
    json_t *v = json_stringn_nocheck(buf, n);
    free(buf);
    return v;
}
