/* What a deep (tier 2) look means for a camera's health: libav's verdict,
 * then the picture diagnosis (probes/picture_diag.h: signal lost, black,
 * occluded, frozen, too bright, blurred, stripes, noisy, colour cast,
 * shaking), then the stream against what the inventory expects
 * (resolution, frame rate). Pure. */
#ifndef CAMDEX_DEEP_VERDICT_H
#define CAMDEX_DEEP_VERDICT_H

#include <stdint.h>

#include "deep_probe.h"
#include "picture_diag.h"

struct deep_verdict_expect {
    uint16_t width, height; /* 0 = not given */
    uint16_t fps;           /* 0 = not given */
    const struct picq_limits *quality; /* [quality]; NULL = the defaults */
};

/* The pictures a deep result holds, as the diagnosis takes them (pointers
 * into `r`). */
void deep_verdict_input(const struct deep_result *r, struct picq_input *in);

/* Fills `out` from the deep result, turning an online verdict into
 * degraded with the first problem found; `findings` (may be NULL) gets
 * every picture fault found, most severe first. */
void deep_verdict_judge(const struct deep_result *r, const struct deep_verdict_expect *e,
                        struct probe_result *out, struct probe_findings *findings);

#endif
