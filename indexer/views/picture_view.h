/* The JSON shapes of a camera's picture diagnosis and reference picture,
 * shared by `camdex show`, `camdex reference show` and the API. */
#ifndef CAMDEX_VIEWS_PICTURE_VIEW_H
#define CAMDEX_VIEWS_PICTURE_VIEW_H

#include <jansson.h>
#include <stdint.h>

#include "store.h"

/* {"time", "judged", "findings": [{"reason", "value", "limit"}]}, the most
 * severe finding first; an empty list is a healthy picture. */
json_t *view_diagnosis(int32_t tz_offset, const struct store_diagnosis *d);

/* {"time", "set_by": "operator" | "first_healthy_look", "width", "height"}:
 * the signature's samples stay in the index. */
json_t *view_reference(int32_t tz_offset, const struct store_reference *ref);

#endif
