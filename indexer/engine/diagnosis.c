/* The diagnosis of one deep look; see diagnosis.h. */
#include <math.h>
#include <string.h>

#include "engine/diagnosis.h"

/* Reasons that speak of the picture itself (not of the stream against the
 * inventory, like resolution_mismatch): what a verdict that lists no
 * findings is kept as. */
static bool picture_reason(enum probe_reason why)
{
    switch (why) {
    case PROBE_R_BLACK:
    case PROBE_R_FROZEN:
    case PROBE_R_BLURRED:
    case PROBE_R_OCCLUDED:
    case PROBE_R_SIGNAL_LOST:
    case PROBE_R_TOO_BRIGHT:
    case PROBE_R_COLOR_CAST:
    case PROBE_R_NOISY:
    case PROBE_R_STRIPES:
    case PROBE_R_SCENE_CHANGED:
    case PROBE_R_SHAKING:
        return true;
    default:
        return false;
    }
}

static void add(struct store_diagnosis *d, enum probe_reason why, float value, float limit)
{
    if (d->n < STORE_FINDINGS_MAX)
        d->f[d->n++] = (struct store_finding){probe_reason_name(why), value, limit};
}

bool diagnosis_make(const struct deep_result *dr, struct probe_result *verdict,
                    const struct probe_findings *findings, const uint8_t *ref, double scene_min,
                    int64_t now_ms, struct diagnosis *out)
{
    memset(out, 0, sizeof(*out));
    out->similarity = NAN;
    const struct deep_luma *l = &dr->luma;
    bool decoded =
        dr->base.state == PROBE_ONLINE && l->width >= SCENE_SIG_W && l->height >= SCENE_SIG_H;
    if (!(findings && findings->judged) && !decoded)
        return false;
    struct store_diagnosis *d = &out->d;
    d->time_ms = now_ms;
    d->judged = true;
    for (uint8_t i = 0; findings && i < findings->n && i < PROBE_FINDINGS_MAX; i++)
        if (findings->f[i].reason > PROBE_R_NONE && findings->f[i].reason < PROBE_R_COUNT)
            add(d, findings->f[i].reason, findings->f[i].value, findings->f[i].limit);
    /* A verdict that named a picture fault without listing it: kept with
     * no measure (value and limit 0). */
    if (d->n == 0 && verdict->state == PROBE_DEGRADED && picture_reason(verdict->reason))
        add(d, verdict->reason, 0, 0);
    if (!decoded || scene_sig_make(l->data, l->width, l->height, l->width, out->sig))
        return true;
    d->sig_w = SCENE_SIG_W;
    d->sig_h = SCENE_SIG_H;
    d->sig = out->sig;
    if (!ref)
        return true;
    out->similarity = scene_similarity(ref, out->sig);
    if (isnan(out->similarity) || out->similarity >= scene_min)
        return true;
    add(d, PROBE_R_SCENE_CHANGED, (float)out->similarity, (float)scene_min);
    /* Picture faults come before the stream's (deep_verdict.c): another
     * scene outranks a resolution or frame rate that differs, not a fault
     * of the picture itself. */
    if (verdict->state == PROBE_ONLINE ||
        (verdict->state == PROBE_DEGRADED && !picture_reason(verdict->reason)))
        probe_result_set(verdict, PROBE_DEGRADED, PROBE_R_SCENE_CHANGED,
                         "the picture is not the scene of the reference picture (similarity "
                         "%.2f, below %.2f)",
                         out->similarity, scene_min);
    return true;
}

bool diagnosis_healthy(const struct diagnosis *dg)
{
    /* A stream fault (resolution, frame rate) says nothing of the scene. */
    return dg->d.judged && dg->d.n == 0 && dg->d.sig;
}
