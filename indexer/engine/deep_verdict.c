/* Deep-probe verdicts; see deep_verdict.h. */
#include <string.h>

#include "engine/deep_verdict.h"
#include "frame_quality.h"

void deep_verdict_judge(const struct deep_result *r, const struct deep_verdict_expect *e,
                        struct probe_result *out, struct probe_findings *findings)
{
    *out = r->base;
    if (findings)
        memset(findings, 0, sizeof(*findings));
    if (out->state != PROBE_ONLINE)
        return; /* libav already said what is wrong */

    if (r->luma.width >= 3 && r->luma.height >= 3) {
        struct frameq_stats s;
        struct frameq_limits l;
        frameq_limits_default(&l, r->luma.full_range);
        if (frameq_compute(r->luma.data, r->luma.width, r->luma.height, r->luma.width, &s) == 0) {
            enum probe_reason why = frameq_judge(&s, &l);
            /* A black or covered picture is the same every time too: say
             * what is wrong with it rather than that it does not move. */
            if (why == PROBE_R_BLACK || why == PROBE_R_OCCLUDED) {
                probe_result_set(out, PROBE_DEGRADED, why,
                                 "keyframe: mean luma %.0f, contrast %.0f, sharpness %.0f",
                                 s.mean, s.variance, s.lap_var);
                return;
            }
            double mad;
            if (r->luma2.width == r->luma.width && r->luma2.height == r->luma.height &&
                frameq_diff(r->luma.data, r->luma2.data, r->luma.width, r->luma.height,
                            r->luma.width, &mad) == 0 &&
                frameq_frozen(mad, &l)) {
                probe_result_set(out, PROBE_DEGRADED, PROBE_R_FROZEN,
                                 "two keyframes %.1f s apart are the same picture (mean "
                                 "difference %.2f)",
                                 r->luma2_gap_ms / 1000.0, mad);
                return;
            }
            if (why != PROBE_R_NONE) {
                probe_result_set(out, PROBE_DEGRADED, why,
                                 "keyframe: mean luma %.0f, contrast %.0f, sharpness %.0f",
                                 s.mean, s.variance, s.lap_var);
                return;
            }
        }
    }
    const struct probe_video *v = &r->base.video;
    if (e->width && e->height && v->width && v->height &&
        (v->width != e->width || v->height != e->height)) {
        probe_result_set(out, PROBE_DEGRADED, PROBE_R_RESOLUTION_MISMATCH,
                         "stream is %ux%u, the inventory expects %ux%u", v->width, v->height,
                         e->width, e->height);
        return;
    }
    /* Below two thirds of the expected rate: encoders drop frames under
     * load or when misconfigured; a few percent is normal jitter. */
    if (e->fps && v->fps_milli && v->fps_milli * 3 < (uint32_t)e->fps * 2000) {
        probe_result_set(out, PROBE_DEGRADED, PROBE_R_LOW_FPS,
                         "measured %.1f fps, the inventory expects %u", v->fps_milli / 1000.0,
                         e->fps);
        return;
    }
}
