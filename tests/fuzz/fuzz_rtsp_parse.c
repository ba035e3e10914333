/* libFuzzer target for probes/rtsp_parse.c: parses the input as a stream of
 * replies and frames the way the connection does, and re-parses it split at
 * a byte chosen by the input to check that partial reads agree. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtsp_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *p, size_t left)
{
    while (left) {
        struct rtsp_msg msg;
        struct rtsp_frame frame;
        size_t used;
        int rc = rtsp_parse(p, left, &msg, &frame, &used, NULL);
        if (rc <= 0)
            return;
        if (used == 0 || used > left)
            abort();
        if (rc == RTSP_MESSAGE) {
            size_t vl;
            uint32_t cseq;
            rtsp_msg_cseq(&msg, &cseq);
            const char *v = rtsp_msg_header(&msg, "Session", 0, &vl);
            if (v) {
                char id[RTSP_SESSION_ID_MAX + 1];
                unsigned t;
                rtsp_parse_session(v, vl, id, sizeof(id), &t);
            }
            v = rtsp_msg_header(&msg, "Transport", 0, &vl);
            if (v) {
                int a, b;
                rtsp_parse_transport_interleaved(v, vl, &a, &b);
            }
            v = rtsp_msg_header(&msg, "Public", 0, &vl);
            if (v)
                rtsp_token_list_has(v, vl, "GET_PARAMETER");
            if (msg.body && (msg.body < p || msg.body + msg.body_len > p + left))
                abort();
        }
        p += used;
        left -= used;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk(data, size);
    /* A prefix must never yield a different complete first item. */
    if (size > 1) {
        size_t cut = data[0] % size;
        struct rtsp_msg m1, m2;
        struct rtsp_frame f1, f2;
        size_t u1, u2;
        int full = rtsp_parse(data, size, &m1, &f1, &u1, NULL);
        int part = rtsp_parse(data, cut, &m2, &f2, &u2, NULL);
        if (part > 0 && (part != full || u1 != u2))
            abort();
    }
    return 0;
}
