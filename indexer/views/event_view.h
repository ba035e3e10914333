/* A state change as every reader shows it: time, key, camera, unit, from,
 * to, reason, detail (see camera_view.h for the zone of times). */
#ifndef CAMDEX_VIEWS_EVENT_VIEW_H
#define CAMDEX_VIEWS_EVENT_VIEW_H

#include <jansson.h>
#include <stdint.h>

#include "store.h"

json_t *view_event(int32_t tz_offset, const struct store_event *ev);

#endif
