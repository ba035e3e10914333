/* RTSP authentication: parse WWW-Authenticate challenges (Basic, Digest
 * with MD5 / MD5-sess, qop=auth or none, opaque, stale), pick the strongest,
 * and build the Authorization value for a request. No I/O. */
#ifndef CAMDEX_RTSP_AUTH_H
#define CAMDEX_RTSP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtsp_parse.h"

#define RTSP_AUTH_REALM_MAX  128
#define RTSP_AUTH_NONCE_MAX  256
#define RTSP_AUTH_OPAQUE_MAX 256
#define RTSP_AUTH_CRED_MAX   256 /* user name or password */
#define RTSP_AUTH_HEADER_MAX 1536

enum rtsp_auth_scheme {
    RTSP_AUTH_NONE = 0,
    RTSP_AUTH_BASIC,
    RTSP_AUTH_DIGEST, /* stronger: the password never crosses the wire */
};

enum rtsp_digest_algo { RTSP_DIGEST_MD5 = 0, RTSP_DIGEST_MD5_SESS };

struct rtsp_auth_challenge {
    enum rtsp_auth_scheme scheme;
    enum rtsp_digest_algo algo;
    bool qop_auth; /* server offered qop=auth */
    bool stale;    /* the nonce expired; the password itself was fine */
    bool has_opaque;
    char realm[RTSP_AUTH_REALM_MAX];
    char nonce[RTSP_AUTH_NONCE_MAX];
    char opaque[RTSP_AUTH_OPAQUE_MAX];
};

/* Parse the first usable challenge in one WWW-Authenticate value (a value
 * may hold several, comma-separated). Unusable ones (SHA-256, qop=auth-int
 * only, unknown schemes, oversized fields) are skipped. 0, or -ENOTSUP when
 * none is usable, -EBADMSG when malformed. */
int rtsp_auth_parse(const char *v, size_t len, struct rtsp_auth_challenge *out);

/* Look at every WWW-Authenticate header of a reply and keep the strongest
 * usable challenge: Digest over Basic. Same errors as rtsp_auth_parse, or
 * -ENOENT when there is no such header. */
int rtsp_auth_choose(const struct rtsp_msg *msg, struct rtsp_auth_challenge *out);

/* Build the Authorization header value (without "Authorization: ") for
 * method + uri into out[cap]. `nc` is the nonce count to use (start at 1 per
 * nonce); `cnonce` is the client nonce (hex, up to 32 chars) which the caller
 * makes random. -EINVAL when a credential or the uri holds CR, LF or NUL
 * (header injection) or is too long, -ENOSPC when out is too small. */
int rtsp_auth_header(const struct rtsp_auth_challenge *ch, const char *user, const char *pass,
                     const char *method, const char *uri, uint32_t nc, const char *cnonce,
                     char *out, size_t cap);

/* A challenge kept between probes of one camera, packed small (a realm and
 * a nonce, ~60 bytes, instead of the 650-byte struct): the next probe sends
 * credentials with its first request instead of waiting for a 401.
 * Layout: flags byte (scheme, qop, opaque), next nonce count (4 bytes, little
 * endian), then realm, nonce and opaque, each NUL-terminated. */
#define RTSP_AUTH_MEMO_MAX (5 + RTSP_AUTH_REALM_MAX + RTSP_AUTH_NONCE_MAX + RTSP_AUTH_OPAQUE_MAX)

/* Pack `ch` with the nonce count already used into out[cap]. Returns the
 * length, 0 when the challenge is not worth keeping (no scheme, or
 * MD5-sess, whose session key is bound to one client nonce), -ENOSPC. */
int rtsp_auth_memo_pack(const struct rtsp_auth_challenge *ch, uint32_t nc, uint8_t *out,
                        size_t cap);

/* The reverse; *nc is the count used last. 0, or -EBADMSG when `in` is not
 * a packed challenge (wrong flags, missing terminators, oversized fields). */
int rtsp_auth_memo_unpack(const uint8_t *in, size_t len, struct rtsp_auth_challenge *ch,
                          uint32_t *nc);

#endif
