/* libFuzzer target for probes/rtsp_auth.c: parse a challenge and answer it;
 * the answer must never carry a line break (header injection). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rtsp_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rtsp_auth_challenge ch;
    if (rtsp_auth_parse((const char *)data, size, &ch) != 0)
        return 0;
    char hdr[RTSP_AUTH_HEADER_MAX];
    if (rtsp_auth_header(&ch, "admin", "12345", "DESCRIBE", "rtsp://10.1.2.3/live", 1, "0a4f113b",
                         hdr, sizeof(hdr)) == 0) {
        if (strpbrk(hdr, "\r\n"))
            __builtin_trap();
    }
    return 0;
}
