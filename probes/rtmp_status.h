/* What an RTMP server's error text says about a camera, as a probe reason.
 * RTMP has no status codes a client library passes on: libavformat reports
 * a rejected connect or a failed play only as a generic error and logs the
 * server's description ("Server error: …"), so the words decide. Pure: no
 * I/O. */
#ifndef CAMDEX_RTMP_STATUS_H
#define CAMDEX_RTMP_STATUS_H

#include <stddef.h>

#include "probe_result.h"

/* At most this much of the text is looked at. */
#define RTMP_STATUS_TEXT_MAX 512

/* The reason for an RTMP server's error `text` (its description or code):
 * a named limit on connections or sessions is session_limit; a stream or
 * application that does not exist ("not found", "no such") not_found;
 * authentication or a rejected connect auth_failed; "forbidden" or
 * "denied" forbidden; anything else the server reports server_error. */
enum probe_reason rtmp_error_reason(const char *text, size_t len);

#endif
