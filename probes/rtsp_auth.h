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

#endif
