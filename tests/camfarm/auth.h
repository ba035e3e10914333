/* RTSP Basic and Digest (RFC 2617, MD5) checks for camfarm cameras, with
 * realms styled after Hikvision and Dahua firmware. No I/O. */
#ifndef CAMFARM_AUTH_H
#define CAMFARM_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "rtsp_req.h"

#define AUTH_REALM_MAX 64

/* Vendor-style realm for a camera: "IP Camera(XXXXX)" or "Login to SERIAL";
 * `key` is a stable per-camera number (e.g. a hash of its id). */
void auth_realm(int vendor, unsigned long long key, char *out, size_t cap);

/* Writes the WWW-Authenticate header line(s), CRLF-terminated, for a 401;
 * `stale` says the password was right but the nonce has expired.
 * Returns bytes written or -ENOSPC. */
int auth_challenge(int scheme, const char *realm, const char *nonce, bool stale, char *out,
                   size_t cap);

/* Checks req's Authorization against user/pass. A Digest answer must use
 * one of the `n_nonces` nonces still valid (NULL nonces: any, for tests of
 * the hash alone). Returns 0 when it proves them, -ESTALE when it would
 * with a nonce that has expired, -EACCES when it does not (or is absent). */
int auth_check(const struct rtsp_req *req, int scheme, const char *realm, const char *user,
               const char *pass, const char *const *nonces, int n_nonces);

/* Lower-case hex MD5 of buf, into out[33]. */
void auth_md5_hex(const void *buf, size_t len, char out[33]);

#endif
