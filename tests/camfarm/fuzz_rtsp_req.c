/* libFuzzer target for camfarm's request parser, header parameter lookup
 * and auth check: any bytes in, no crash, no read outside the buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "fleet.h"
#include "rtsp_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly `size` bytes, so ASan sees any overread. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    size_t off = 0;
    while (off < size) {
        struct rtsp_req req;
        int n = rtsp_req_parse(buf + off, size - off, &req);
        if (n <= 0)
            break;
        if (req.kind == RTSP_KIND_REQUEST) {
            struct rtsp_span v;
            rtsp_param(req.transport, "interleaved", &v);
            rtsp_param(req.authorization, "nonce", &v);
            auth_check(&req, AUTH_DIGEST, "IP Camera(A00001)", "admin", "pw",
                       (const char *const[]){"0123456789abcdef0123456789abcdef"}, 1);
            auth_check(&req, AUTH_BASIC, "r", "admin", "pw", NULL, 0);
        }
        off += (size_t)n;
    }
    free(buf);
    return 0;
}
