/* The JSON shape of one probe result, shared by `camdex probe --format json`
 * and POST /api/v1/cameras/{id}/probe, so both speak the same fields. */
#ifndef CAMDEX_PROBE_JSON_H
#define CAMDEX_PROBE_JSON_H

#include <jansson.h>

#include "probe_result.h"

/* url (already redacted), state, reason ("" when online), status (RTSP),
 * detail, server, timings_ms per phase that ran, and video / audio when the
 * probe saw them. A new reference, or NULL when out of memory. */
json_t *probe_result_json(const char *redacted_url, const struct probe_result *r);

#endif
