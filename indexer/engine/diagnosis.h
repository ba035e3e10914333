/* What one deep look learnt about a camera's picture, in the shape the
 * index keeps (store_diagnosis): every finding of the verdict, most severe
 * first, plus scene_changed when the picture is not the scene of the
 * camera's reference picture, and the picture's signature (which becomes
 * the reference when an operator accepts the scene). Pure. */
#ifndef CAMDEX_DIAGNOSIS_H
#define CAMDEX_DIAGNOSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "deep_probe.h"
#include "scene_ref.h"
#include "store.h"

struct diagnosis {
    struct store_diagnosis d; /* reasons are static names; d.sig points into sig */
    uint8_t sig[SCENE_SIG_LEN];
    double similarity; /* to the reference; NAN when not compared */
};

/* From a deep look and its verdict (deep_verdict_judge's `verdict` and
 * `findings`): false when no picture was looked at (the stream failed, or
 * nothing decoded), which leaves the last diagnosis standing. `ref` is the
 * camera's reference signature, NULL when it has none. A picture of
 * another scene adds scene_changed (value: the similarity, limit:
 * `scene_min`) and, unless the picture has another fault, makes `verdict`
 * degraded for it. */
bool diagnosis_make(const struct deep_result *dr, struct probe_result *verdict,
                    const struct probe_findings *findings, const uint8_t *ref, double scene_min,
                    int64_t now_ms, struct diagnosis *out);

/* The picture may serve as the camera's first reference: it was looked at
 * and nothing was wrong with the picture (the stream may still differ
 * from the inventory). */
bool diagnosis_healthy(const struct diagnosis *dg);

#endif
