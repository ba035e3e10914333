/* libFuzzer target for probes/rtmp_status.c: an RTMP server's error text
 * (untrusted bytes from a camera) in, a valid reason out, no read past the
 * bytes given. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtmp_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1); /* exactly `size` bytes: ASan sees an overread */
    if (!text)
        return 0;
    memcpy(text, data, size);
    enum probe_reason r = rtmp_error_reason(text, size);
    if (r <= PROBE_R_NONE || r >= PROBE_R_COUNT)
        __builtin_trap();
    free(text);
    return 0;
}
