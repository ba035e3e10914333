/* libFuzzer target for probes/text_clean.c: any bytes, into buffers of
 * every small size and one large enough; the result must always be clean,
 * NUL-terminated, within the buffer and idempotent. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text_clean.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    size_t big = size * 3 + 1;
    char *out = malloc(big), *again = malloc(big);
    if (!out || !again)
        goto done;
    for (size_t cap = 1; cap <= big; cap = cap < 16 ? cap + 1 : big) {
        struct text_clean_count n;
        size_t len = text_clean(out, cap, (const char *)data, size, &n);
        if (len >= cap || out[len] != '\0' || strlen(out) != len || !text_is_clean(out, len))
            __builtin_trap();
        if (cap == big && n.cut)
            __builtin_trap(); /* three bytes per input byte always suffice */
        /* Clean text goes through unchanged. */
        if (text_clean(again, big, out, len, NULL) != len || memcmp(again, out, len))
            __builtin_trap();
        if (cap == big)
            break;
    }
done:
    free(out);
    free(again);
    return 0;
}
