/* The clock check: what a camera's measured clock offset means. Its own
 * check, beside the camera's state: a wrong clock does not make a picture
 * unusable (see README, "The clock check"). Pure. */
#ifndef CAMDEX_CLOCK_CHECK_H
#define CAMDEX_CLOCK_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

enum clock_verdict {
    CLOCK_UNKNOWN = 0, /* never measured, or the camera sends no sender reports */
    CLOCK_OK,          /* within the tolerance */
    CLOCK_SKEW,        /* beyond it: reason clock_skew */
};

/* `measured` false means no offset is known. */
enum clock_verdict clock_judge(bool measured, int64_t offset_ms, uint32_t tolerance_ms);

/* "unknown", "ok", "clock_skew" (the reason's name). */
const char *clock_verdict_name(enum clock_verdict v);

/* The verdict of a stored look, with the tolerance it was made under; NULL
 * (never looked at) is unknown. */
enum clock_verdict clock_record_verdict(const struct store_clock *k);

#endif
