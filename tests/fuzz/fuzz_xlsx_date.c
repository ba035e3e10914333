/* libFuzzer target for indexer/views/xlsx_date.c: any bytes; it must never
 * read past the length it is given, and whatever it accepts must be a real
 * calendar date and time of day. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "views/xlsx_date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so reading one byte too far is caught. */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    struct xlsx_date d;
    if (xlsx_date_parse(s, size, &d) == 0) {
        if (d.year < 1900 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1 ||
            d.day > 31 || d.hour < 0 || d.hour > 23 || d.min < 0 || d.min > 59 || d.sec < 0 ||
            d.sec >= 60 || (!d.has_time && (d.hour || d.min || d.sec)))
            __builtin_trap();
    }
    free(s);
    return 0;
}
