/* Column values of a row; see out_col.h. */
#include <string.h>

#include "views/out_col.h"

json_t *out_col_value(json_t *row, const char *key)
{
    const char *dot = strchr(key, '.');
    if (!dot)
        return json_object_get(row, key);
    /* Keys are our own short literals; a longer one is a programming error
     * that shows as an empty column, not a crash. */
    char outer[64];
    size_t n = (size_t)(dot - key);
    if (n >= sizeof(outer))
        return NULL;
    memcpy(outer, key, n);
    outer[n] = 0;
    return json_object_get(json_object_get(row, outer), dot + 1);
}
