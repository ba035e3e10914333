/* The head of every reply a simulated camera sends: status line, CSeq, the
 * vendor's Server header and Date. Internal to camfarm's RTSP side. */
#ifndef CAMFARM_REPLY_H
#define CAMFARM_REPLY_H

#include <stddef.h>

struct conn;

/* Writes a reply head without its closing blank line into out; cseq < 0
 * leaves CSeq out (the request had none). Returns its length or -ENOSPC. */
int reply_head(struct conn *c, char *out, size_t cap, int code, long cseq);

/* Appends to the `used` bytes of out; a negative `used` (an earlier
 * failure) is passed on. Returns the new length or -ENOSPC. */
int reply_append(char *out, size_t cap, int used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sends a reply without a body: the head, `extra` (header lines each ending
 * in CRLF, or NULL) and the blank line. */
void reply_simple(struct conn *c, int code, long cseq, const char *extra);

#endif
