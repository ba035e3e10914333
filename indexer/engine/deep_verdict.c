/* Deep-probe verdicts; see deep_verdict.h. */
#include <stdio.h>
#include <string.h>

#include "engine/deep_verdict.h"
#include "picture_diag.h"
#include "picture_measure.h"

void deep_verdict_input(const struct deep_result *r, struct picq_input *in)
{
    *in = (struct picq_input){
        .w = r->luma.width, .h = r->luma.height, .full_range = r->luma.full_range};
    in->coded_bytes[0] = r->pic_bytes[0];
    in->luma[in->npics++] = r->luma.data;
    for (int i = 1; i < r->npics && i < PICQ_PICS_MAX; i++) {
        const struct deep_luma *n = &r->next[i - 1];
        if (n->width != r->luma.width || n->height != r->luma.height)
            break;
        in->coded_bytes[in->npics] = r->pic_bytes[i];
        in->luma[in->npics++] = n->data;
    }
    if (r->chroma.width && r->chroma.height) {
        in->cb = r->chroma.cb;
        in->cr = r->chroma.cr;
        in->cw = r->chroma.width;
        in->ch = r->chroma.height;
    }
    in->crop_w = r->crop[0].width;
    in->crop_h = r->crop[0].height;
    for (int i = 0; i < in->npics && r->crop[i].width == in->crop_w && in->crop_w &&
                    r->crop[i].height == in->crop_h;
         i++)
        in->crop[in->ncrop++] = r->crop[i].data;
}

/* The camera's reason and its detail from the findings: the first, in
 * words, and the names of the others. */
static void picture_verdict(const struct probe_findings *f, struct probe_result *out)
{
    char what[PROBE_DETAIL_MAX], also[PROBE_DETAIL_MAX] = "";
    picq_describe(&f->f[0], what, sizeof(what));
    size_t at = 0;
    for (int i = 1; i < f->n && at < sizeof(also); i++) {
        int n = snprintf(also + at, sizeof(also) - at, "%s%s", i == 1 ? "; also " : ", ",
                         probe_reason_name(f->f[i].reason));
        if (n < 0)
            break;
        at += (size_t)n;
    }
    probe_result_set(out, PROBE_DEGRADED, f->f[0].reason, "picture: %s%s", what, also);
}

void deep_verdict_judge(const struct deep_result *r, const struct deep_verdict_expect *e,
                        struct probe_result *out, struct probe_findings *findings)
{
    *out = r->base;
    struct probe_findings local;
    struct probe_findings *f = findings ? findings : &local;
    memset(f, 0, sizeof(*f));
    if (out->state != PROBE_ONLINE)
        return; /* libav already said what is wrong */

    struct picq_limits defaults;
    picq_limits_default(&defaults);
    const struct picq_limits *l = e->quality ? e->quality : &defaults;
    struct picq_input in;
    struct picq_measures m;
    deep_verdict_input(r, &in);
    if (in.w >= PICM_MIN && in.h >= PICM_MIN && picq_measure(&in, l, &m) == 0) {
        picq_judge(&m, l, f);
        if (f->n) {
            picture_verdict(f, out);
            return;
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
