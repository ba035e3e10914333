/* libFuzzer target for what an RTMP client sends camfarm: the chunk stream
 * reader (after a handshake's worth of bytes) and the AMF0 readers over
 * every message it completes. Any bytes in, no crash, no read outside the
 * buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtmp_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_command(const struct rtmp_msg *m)
{
    const uint8_t *p = m->data, *end = m->data + m->len;
    char name[64], app[256];
    double txn;
    if (amf0_read_string(&p, end, name, sizeof(name)) < 0)
        return;
    amf0_read_number(&p, end, &txn);
    amf0_object_string(p, end, "app", app, sizeof(app));
    while (p < end && amf0_skip(&p, end) == 0)
        ;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    static struct rtmp_rx rx;
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    rtmp_rx_init(&rx);
    size_t off = 0;
    while (off < size) {
        struct rtmp_msg m;
        bool done;
        int n = rtmp_chunk_parse(&rx, buf + off, size - off, &m, &done);
        if (n <= 0)
            break;
        if (done && m.type == RTMP_COMMAND_AMF0)
            read_command(&m);
        off += (size_t)n;
    }
    free(buf);
    return 0;
}
