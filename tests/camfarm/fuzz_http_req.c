/* libFuzzer target for the HTTP request parser of camfarm's HLS and
 * HTTP-FLV cameras and the segment names it resolves: any bytes in, no
 * crash, no read outside the buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_req.h"
#include "stream_url.h"

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
        struct http_req req;
        int n = http_req_parse(buf + off, size - off, &req);
        if (n <= 0)
            break;
        uint64_t seq;
        hls_segment_seq("/hls/34010000001320000001.m3u8", req.path.p, req.path.len, &seq);
        off += (size_t)n;
    }
    free(buf);
    return 0;
}
