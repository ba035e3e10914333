/* The benchmark clients' check of a camera's reply: a pure function over a
 * buffer that may hold a partial reply, so a handshake counts only when a
 * whole "200" reply to the request just sent (same CSeq) has been read. */
#ifndef CAMFARM_BENCH_REPLY_H
#define CAMFARM_BENCH_REPLY_H

#include <stddef.h>

/* Longest reply (head and body) a client buffers; camfarm's OPTIONS reply
 * is about 200 bytes. */
#define BENCH_REPLY_MAX 2048

/* Checks the RTSP reply at the start of buf[0..len).
 * Returns its length (> 0) when it is complete, has status 200 and carries
 * `CSeq: cseq`; 0 when more bytes are needed; -EMSGSIZE when it would exceed
 * BENCH_REPLY_MAX; -EPROTO when the bytes are not an RTSP reply; -EBADMSG
 * when it is complete but its status is not 200 or its CSeq is missing or
 * another one. */
int bench_reply_check(const char *buf, size_t len, long cseq);

#endif
