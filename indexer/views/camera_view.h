/* The JSON shapes that people and programs read, written once: the CLI's
 * JSON and CSV, the HTTP API, the event stream and webhooks all build their
 * rows here, so a script can move between them without translating. Times
 * are RFC 3339 in the index's day zone `tz_offset` (seconds east of UTC). */
#ifndef CAMDEX_VIEWS_CAMERA_VIEW_H
#define CAMDEX_VIEWS_CAMERA_VIEW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* id, name, unit, unit_name, state, reason, detail, since, last_probe, url
 * (redacted): the row `camdex list` prints and GET /cameras lists. */
json_t *view_camera_row(int32_t tz_offset, const struct store_camera *cam,
                        const struct store_health *h, const char *unit_name);

/* The row plus what `camdex show` and GET /cameras/{id} add: last success,
 * failures, RTSP status, latency, address, tags, location, the expected and
 * the seen stream, and what the GB/T 28181 code says. */
json_t *view_camera_detail(int32_t tz_offset, const struct store_camera *cam,
                           const struct store_health *h, const char *unit_name);

/* Adds the clock check to a camera's detail: "clock": {"status":
 * "measured"|"no_sender_report"|"never", "offset_ms" (null unless
 * measured), "checked_at", "source", "tolerance_ms", "verdict" (given by the
 * caller: "ok", "clock_skew" or "unknown")}. `k` NULL: never looked at. */
void view_camera_clock(json_t *o, int32_t tz_offset, const struct store_clock *k,
                       const char *verdict);

/* A unit with its counts per state and its online rate (null: nothing
 * monitored). */
json_t *view_unit(const struct store_unit *u);

/* Writes the URL with its credentials replaced into buf; an unparsable URL
 * is hidden whole, since we cannot tell where its secrets are. */
void view_redact_url(const char *url, char *buf, size_t len);

#endif
