/* RTMP as camfarm's RTMP cameras speak it: the chunk stream reader for what
 * clients send (pure, with hard limits), the chunk writer, and AMF0 values
 * read and written over buffers. */
#ifndef CAMFARM_RTMP_PROTO_H
#define CAMFARM_RTMP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTMP_HANDSHAKE  1536 /* C1, C2, S1, S2 */
#define RTMP_MSG_MAX    4096 /* a client's message (commands) at most */
#define RTMP_CHUNK_MAX  4096 /* chunk size a client may set, at most */
#define RTMP_CHUNK_HEAD 18   /* basic (3) + message (11) + extended timestamp (4) */
#define RTMP_AMF_DEPTH  8    /* nested objects read at most */
#define RTMP_OUT_CHUNK  4096 /* camfarm's own chunk size */

enum rtmp_type {
    RTMP_SET_CHUNK_SIZE = 1,
    RTMP_USER_CONTROL = 4,
    RTMP_WINDOW_ACK = 5,
    RTMP_PEER_BW = 6,
    RTMP_AUDIO = 8,
    RTMP_VIDEO = 9,
    RTMP_DATA_AMF0 = 18,
    RTMP_COMMAND_AMF0 = 20,
};

/* The reader's state between chunks: the previous header of each chunk
 * stream (later chunks may omit fields) and the one message being put
 * together. Clients send one message at a time; interleaving two is
 * refused. */
struct rtmp_rx {
    uint32_t chunk_size; /* 128 until the client sets it */
    struct rtmp_cs {
        uint32_t ts, len, sid;
        uint8_t type;
        bool known; /* a full header was seen */
        bool ext;   /* its timestamp field was 0xffffff: 4 more bytes follow */
    } cs[64];       /* chunk stream ids 2..63 (one-byte basic headers) */
    int partial_cs; /* chunk stream of the message in progress, -1 none */
    uint32_t got;   /* its bytes so far */
    uint8_t msg[RTMP_MSG_MAX];
};

struct rtmp_msg {
    uint8_t type;
    uint32_t ts, sid;
    const uint8_t *data; /* inside the reader's state, valid until the next call */
    uint32_t len;
};

void rtmp_rx_init(struct rtmp_rx *rx);
/* Reads one chunk at the start of buf[0..len). Returns the bytes it
 * occupies (> 0), 0 when more are needed, -EMSGSIZE beyond a limit,
 * -EPROTO when the bytes are not a chunk stream camfarm accepts. When the
 * chunk completes a message, *done is true and msg describes it (a Set
 * Chunk Size message also takes effect). */
int rtmp_chunk_parse(struct rtmp_rx *rx, const uint8_t *buf, size_t len, struct rtmp_msg *msg,
                     bool *done);

/* Writes message `type` on chunk stream `csid` (2..63) as chunks of
 * RTMP_OUT_CHUNK. Returns the bytes written or -ENOSPC. Never more than
 * rtmp_chunked_bound(len). */
int rtmp_chunk_write(uint8_t *out, size_t cap, int csid, uint8_t type, uint32_t ts, uint32_t sid,
                     const uint8_t *payload, size_t len);
size_t rtmp_chunked_bound(size_t len);

/* AMF0 reading: each returns 0 and advances *p, or -EBADMSG. */
int amf0_read_number(const uint8_t **p, const uint8_t *end, double *v);
/* A string (short or long) copied NUL-terminated into out (cap > 0);
 * longer ones are refused. */
int amf0_read_string(const uint8_t **p, const uint8_t *end, char *out, size_t cap);
/* Any value, nested up to RTMP_AMF_DEPTH. */
int amf0_skip(const uint8_t **p, const uint8_t *end);
/* The string property `name` of the object at *p (not advanced). */
int amf0_object_string(const uint8_t *p, const uint8_t *end, const char *name, char *out,
                       size_t cap);

/* AMF0 writing into a buffer that tracks its own overflow. */
struct amf_buf {
    uint8_t *p;
    size_t len, cap;
    bool overflow;
};
void amf0_put_number(struct amf_buf *b, double v);
void amf0_put_string(struct amf_buf *b, const char *s);
void amf0_put_null(struct amf_buf *b);
void amf0_put_object_start(struct amf_buf *b);
void amf0_put_prop_string(struct amf_buf *b, const char *name, const char *v);
void amf0_put_prop_number(struct amf_buf *b, const char *name, double v);
void amf0_put_object_end(struct amf_buf *b);

#endif
