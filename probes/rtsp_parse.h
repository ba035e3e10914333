/* Incremental RTSP response parser: no I/O, no allocation. The caller keeps
 * received bytes in its own buffer and calls rtsp_parse() after each read;
 * results point into that buffer and stay valid until the caller drops the
 * consumed bytes. */
#ifndef CAMDEX_RTSP_PARSE_H
#define CAMDEX_RTSP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTSP_HEADER_BLOCK_MAX (16 * 1024) /* status line + headers + blank line */
#define RTSP_BODY_MAX         (64 * 1024)
#define RTSP_HEADERS_MAX      64
#define RTSP_SESSION_ID_MAX   128

/* rtsp_parse() return values; negative values are errors (see below). */
enum rtsp_parse_kind {
    RTSP_NEED_MORE = 0, /* the buffer holds only part of a message or frame */
    RTSP_MESSAGE = 1,   /* *msg holds a complete reply (or server request) */
    RTSP_FRAME = 2,     /* *frame holds one '$'-interleaved binary frame */
};

/* Why parsing failed; the return value is -EMSGSIZE for the size limits,
 * -EPROTO for an HTTP reply and -EBADMSG for everything else. */
enum rtsp_perr {
    RTSP_PERR_NONE = 0,
    RTSP_PERR_HEADER_TOO_LARGE,
    RTSP_PERR_BODY_TOO_LARGE,
    RTSP_PERR_TOO_MANY_HEADERS,
    RTSP_PERR_BAD_STATUS_LINE,
    RTSP_PERR_BAD_HEADER,
    RTSP_PERR_BAD_CONTENT_LENGTH,
    RTSP_PERR_HTTP_REPLY, /* the port speaks HTTP, not RTSP */
    RTSP_PERR_COUNT
};

struct rtsp_header {
    const char *name;
    size_t name_len;
    const char *value; /* leading/trailing blanks trimmed */
    size_t value_len;
};

struct rtsp_msg {
    bool is_request;    /* a request from the server (e.g. GET_PARAMETER, ANNOUNCE) */
    int status;         /* replies: 100..999 */
    const char *reason; /* replies: reason phrase, may be empty */
    size_t reason_len;
    const char *method; /* requests only */
    size_t method_len;
    struct rtsp_header headers[RTSP_HEADERS_MAX];
    size_t nheaders;
    const uint8_t *body; /* Content-Length bytes, NULL when there is no body */
    size_t body_len;
};

struct rtsp_frame {
    uint8_t channel;
    uint16_t len;
    const uint8_t *data;
};

/* Parse the message or interleaved frame at the start of buf[0..len).
 * On RTSP_MESSAGE or RTSP_FRAME, *consumed is its full length in bytes.
 * On error, *err (if not NULL) says why; the connection cannot be resynced
 * and should be dropped. */
int rtsp_parse(const uint8_t *buf, size_t len, struct rtsp_msg *msg, struct rtsp_frame *frame,
               size_t *consumed, enum rtsp_perr *err);

const char *rtsp_perr_name(enum rtsp_perr e);

/* The idx-th (0-based) header called `name` (case-insensitive), or NULL. */
const char *rtsp_msg_header(const struct rtsp_msg *msg, const char *name, size_t idx,
                            size_t *value_len);

/* CSeq as a number: 0, -ENOENT when absent, -EBADMSG when not a number. */
int rtsp_msg_cseq(const struct rtsp_msg *msg, uint32_t *cseq);

/* Split a Session header value "id;timeout=60". The id is copied NUL-
 * terminated into id[idcap]; *timeout_s is 0 when absent. -EBADMSG when the
 * id is empty, too long or has characters outside the RFC 2326 set. */
int rtsp_parse_session(const char *v, size_t len, char *id, size_t idcap, unsigned *timeout_s);

/* Whether a comma-separated token list (Public, Require) holds `token`,
 * case-insensitively. */
bool rtsp_token_list_has(const char *v, size_t len, const char *token);

/* From a Transport value, the "interleaved=a-b" channels; -ENOENT when the
 * server did not grant interleaving, -EBADMSG when malformed. */
int rtsp_parse_transport_interleaved(const char *v, size_t len, int *ch_rtp, int *ch_rtcp);

#endif
