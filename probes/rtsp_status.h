/* What an RTSP error status says about a camera, as a probe reason: one
 * mapping for both tiers, so a camera gets the same verdict whichever
 * looked. Pure: no I/O. */
#ifndef CAMDEX_RTSP_STATUS_H
#define CAMDEX_RTSP_STATUS_H

#include <stddef.h>

#include "probe_result.h"

/* The reason for a final `status` (not 2xx) to `method` ("DESCRIBE",
 * "SETUP", ...; may be NULL), given the reason phrase and the body when the
 * caller has them (NULL / 0 when not: libavformat drops bodies).
 *
 * 401 is auth_failed, 404 not_found, 453 session_limit, 461 and anything
 * below 200 or in 3xx protocol_error, other 4xx and 5xx server_error.
 * Cameras say "no free session" in more ways than 453: a 503 whose phrase
 * or body names a session, bandwidth or connection limit, and Dahua-style
 * firmware's 403 to SETUP ("the number of connections has reached the
 * upper limit" in the body). A 403 to SETUP comes after DESCRIBE accepted
 * the credentials and the path, so it is taken for the limit even without
 * the body; any other 403 is forbidden unless its text names a limit. */
enum probe_reason rtsp_status_reason(int status, const char *method, const char *phrase,
                                     size_t phrase_len, const char *body, size_t body_len);

#endif
