/* What travels on camdex.<zone>.ctl.op: the request is the API request's
 * body with its method, target and languages in NATS headers; the answer
 * is the API's body with its status and content type in headers. The one
 * rule the prober applies to a request it is asked to pass on is here, a
 * pure function (fuzzed by tests/fuzz/fuzz_cluster_ops.c). */
#ifndef CAMDEX_CLUSTER_OPS_WIRE_H
#define CAMDEX_CLUSTER_OPS_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#define OPS_HDR_METHOD "Camdex-Method"
#define OPS_HDR_TARGET "Camdex-Target"
#define OPS_HDR_LANG   "Accept-Language"
#define OPS_HDR_CTYPE  "Content-Type"
#define OPS_HDR_STATUS "Camdex-Status"
#define OPS_TARGET_MAX 2048
#define OPS_BODY_MAX   (64 * 1024)  /* a maintenance note is 255 bytes */
#define OPS_REPLY_MAX  (900 * 1024) /* under NATS's 1 MiB payload */

/* "camdex.<zone>.ctl.op": outside the stream's camdex.<zone>.* (one token
 * more), so nothing of it is stored. */
void ops_subject(char *out, size_t cap, const char *zone);

/* True when `method` `target` (up to OPS_TARGET_MAX bytes, NUL-free) is one
 * of the operations a central may route: PUT or POST .../maintenance, POST
 * .../probe, GET PUT DELETE .../reference, GET .../reference.png, GET
 * .../thumbnail, each under /api/v1/cameras/ID with an optional query; the
 * target printable ASCII without spaces, no dot segment, no '#'. */
bool ops_target_ok(const char *method, const char *target, size_t len);

#endif
