/* The picture diagnosis; see picture_diag.h. */
#include "picture_diag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "picture_measure.h"

void picq_limits_default(struct picq_limits *l)
{
    *l = (struct picq_limits){
        .signal_lost_still = 75,
        .signal_lost_chroma = 40,
        .black_dark = 95,
        .too_bright_clip = 20,
        .too_bright_floor = 55,
        .occluded_flat = 45,
        .occluded_flat_var = 1.5f,
        .frozen_diff = 0.05f,
        .blur_sharpness = 60,
        .stripe_amplitude = 3,
        .noise_sigma = 6,
        .cast_white = 40,
        .cast_tint = 10,
        .cast_highlight = 20,
        .shake_jump = 1.25f,
    };
}

static struct picm_plane plane(const uint8_t *p, int w, int h)
{
    return (struct picm_plane){.p = p, .w = w, .h = h, .stride = w};
}

static int measure_still(const struct picq_input *in, const struct picq_limits *l,
                         struct picq_measures *m)
{
    struct picm_plane y = plane(in->luma[0], in->w, in->h);
    struct picm_levels lv;
    struct picm_blocks bl;
    struct picm_sharp sh;
    int rc;
    if ((rc = picm_levels(y, in->full_range, &lv)) < 0 ||
        (rc = picm_blocks(y, in->full_range, l->occluded_flat_var, &bl)) < 0 ||
        (rc = picm_sharpness(y, &sh)) < 0)
        return rc;
    m->mean = lv.mean;
    m->dark_pct = 100 * lv.dark_frac;
    m->clip_pct = 100 * lv.clip_frac;
    m->floor_pct = 100 * lv.floor;
    m->flat_pct = 100 * bl.flat_frac;
    m->still_pct = 100 * bl.still_frac;
    m->busy_centre = bl.busy_centre;
    m->busy_edge = bl.busy_edge;
    m->sharpness = 100 * sh.ratio;
    m->grad_mean = sh.grad_mean;
    struct picm_color c;
    m->has_color = in->cb && in->cr &&
                   picm_color(y, plane(in->cb, in->cw, in->ch), plane(in->cr, in->cw, in->ch),
                              in->full_range, &c) == 0;
    if (m->has_color) {
        m->chroma = c.chroma;
        m->cast_k = 10 * c.k;
        m->tint = c.tint;
        m->highlight = c.highlight;
        m->white = c.white;
        m->opposite = c.opposite;
        m->cast_d = c.d;
    }
    m->has_crop =
        in->ncrop > 0 && picm_noise(plane(in->crop[0], in->crop_w, in->crop_h), &m->noise) == 0;
    return 0;
}

/* A stripe's peak stands this many times above its spectral neighbourhood:
 * at 4 a scene's own rows (their harmonics in the neighbourhood) hid bars
 * near their period; whether every strip carries it is asked after. */
#define STRIPE_PROMINENCE 2

/* Stripes in every picture, the strongest: rolling bars meet the scene's
 * own rows at another phase in each, and where they cancel in one they
 * add up in another. The planes show bars, the crops lines too fine for
 * the box filter. */
static void measure_stripes(const struct picq_input *in, struct picq_measures *m)
{
    m->stripes = 0;
    for (int i = 0; i < in->npics; i++) {
        double a;
        if (picm_stripes(plane(in->luma[i], in->w, in->h), STRIPE_PROMINENCE, &a) == 0 &&
            a > m->stripes)
            m->stripes = a;
        if (i < in->ncrop &&
            picm_stripes(plane(in->crop[i], in->crop_w, in->crop_h), STRIPE_PROMINENCE, &a) == 0 &&
            a > m->stripes)
            m->stripes = a;
    }
}

/* Whether picture i was coded as next to nothing: a repeat of i - 1. */
static bool is_repeat(const struct picq_input *in, int i)
{
    uint32_t first = in->coded_bytes[0], b = in->coded_bytes[i];
    return i > 0 && first && b && (uint64_t)b * 100 < (uint64_t)first * PICQ_REPEAT_PCT;
}

/* Whether picture j is picture i carried over by repeats alone. */
static bool only_repeats(const struct picq_input *in, int i, int j)
{
    for (int k = i + 1; k <= j; k++)
        if (!is_repeat(in, k))
            return false;
    return true;
}

/* Frozen: the smallest difference between two of the pictures, at the
 * coded resolution where a live sensor's noise shows. An encoder fed one
 * picture over and over (a hung capture) refines it a little or codes it
 * anew as a keyframe, and otherwise repeats it. One that codes two of the
 * pictures after the first afresh, and differently by a live sensor's
 * noise (PICQ_LIVE_DIFF), keeps finding something new: a repeat among
 * them is its rate control running short (a still, busy scene at a low
 * bit rate), and pictures that only a repeat separates are not compared.
 * frozen_diff_small is the largest difference between consecutive
 * pictures (a drawn screen stays under a level). Shaking: the spread of
 * the moves between consecutive pictures (a pan moves them all alike). */
static void measure_motion(const struct picq_input *in, struct picq_measures *m)
{
    m->frozen_diff = m->frozen_diff_small = 0;
    m->repeats = 0;
    for (int i = 1; i < in->npics; i++) {
        double d;
        if (is_repeat(in, i))
            m->repeats++;
        if (picm_mad(plane(in->luma[i - 1], in->w, in->h), plane(in->luma[i], in->w, in->h), &d) ==
                0 &&
            d > m->frozen_diff_small)
            m->frozen_diff_small = d;
    }
    bool skip_repeats = m->repeats >= 1 && in->npics - 1 - m->repeats >= 2;
    /* Any two pictures the same: an encoder that codes its one picture
     * afresh now and then makes consecutive ones differ by its rounding,
     * but repeats it in between. The crops are the picture's centre: when
     * that is flat (a board over the lens there, the rest of the view
     * live), the encoder sends it unchanged and the crops tell nothing;
     * the whole pictures then judge. */
    struct picm_sharp centre = {0};
    bool crops_tell = in->ncrop >= 2 &&
                      picm_sharpness(plane(in->crop[0], in->crop_w, in->crop_h), &centre) == 0 &&
                      centre.grad_mean >= 1;
    double all = crops_tell ? 255 : m->frozen_diff_small;
    m->coded_diff = all;
    for (int i = 0; crops_tell && i < in->ncrop; i++)
        for (int j = i + 1; j < in->ncrop; j++) {
            double d;
            if (picm_mad(plane(in->crop[i], in->crop_w, in->crop_h),
                         plane(in->crop[j], in->crop_w, in->crop_h), &d) != 0)
                continue;
            all = d < all ? d : all;
            if (!only_repeats(in, i, j) && d < m->coded_diff)
                m->coded_diff = d;
        }
    m->frozen_diff = skip_repeats && m->coded_diff >= PICQ_LIVE_DIFF ? m->coded_diff : all;
    m->has_pair = in->npics >= 2;
    m->has_motion = in->npics >= 3;
    int dx[PICQ_PICS_MAX], dy[PICQ_PICS_MAX], n = 0, spread = 0;
    for (int i = 1; i < in->npics; i++)
        if (picm_shift(plane(in->luma[i - 1], in->w, in->h), plane(in->luma[i], in->w, in->h), 6,
                       &dx[n], &dy[n]) == 0)
            n++;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            int s =
                abs(dx[i] - dx[j]) > abs(dy[i] - dy[j]) ? abs(dx[i] - dx[j]) : abs(dy[i] - dy[j]);
            spread = s > spread ? s : spread;
        }
    m->jump_pct = n >= 2 ? 100.0 * spread / in->w : 0;
}

int picq_measure(const struct picq_input *in, const struct picq_limits *l,
                 struct picq_measures *out)
{
    if (!in || !l || !out || in->npics < 1 || in->npics > PICQ_PICS_MAX ||
        in->ncrop > PICQ_PICS_MAX || in->ncrop < 0)
        return -EINVAL;
    *out = (struct picq_measures){.full_range = in->full_range};
    int rc = measure_still(in, l, out);
    if (rc < 0)
        return rc;
    measure_stripes(in, out);
    measure_motion(in, out);
    return 0;
}

static void add(struct probe_findings *out, enum probe_reason why, double value, double limit)
{
    if (out->n < PROBE_FINDINGS_MAX)
        out->f[out->n++] = (struct probe_finding){
            .reason = (uint8_t)why, .value = (float)value, .limit = (float)limit};
}

/* A colour cast: the brightest parts' channels apart (a white balance gone
 * wrong scales one channel everywhere), with colour to show for it in the
 * grey parts or the highlights (a dim picture's ratios are its noise's).
 * Not when the grey parts and the highlights lean opposite ways: that is
 * two lights (a blue night sky, orange lamps), where one cast moves all
 * alike; a cast far past the limit is one whatever the scene's colours. */
static bool is_cast(const struct picq_measures *m, const struct picq_limits *l)
{
    bool coloured = m->tint >= l->cast_tint || m->highlight >= l->cast_highlight;
    bool two_lights = m->tint >= l->cast_tint && m->opposite && m->white < l->cast_white + 5;
    return m->white >= l->cast_white && coloured && !two_lights;
}

void picq_judge(const struct picq_measures *m, const struct picq_limits *l,
                struct probe_findings *out)
{
    *out = (struct probe_findings){.judged = true};
    /* An encoder's own screen: drawn flat, and either coloured (a blue
     * screen, colour bars) or black with its words in the middle (a black
     * camera's clock and name sit at the edges)... */
    /* ...and still: a moving test pattern is a camera's, not a screen's. */
    bool drawn =
        m->still_pct >= l->signal_lost_still && (!m->has_pair || m->frozen_diff_small <= 1);
    bool coloured = m->has_color && m->chroma >= l->signal_lost_chroma;
    bool black_words = m->dark_pct >= 50 && m->busy_centre > 0 && m->busy_edge == 0;
    if (drawn && (coloured || black_words)) {
        add(out, PROBE_R_SIGNAL_LOST, m->still_pct, l->signal_lost_still);
        return;
    }
    if (m->dark_pct >= l->black_dark) {
        add(out, PROBE_R_BLACK, m->dark_pct, l->black_dark);
        return;
    }
    if (m->flat_pct >= l->occluded_flat)
        add(out, PROBE_R_OCCLUDED, m->flat_pct, l->occluded_flat);
    /* Something must be left to move (below ~1 level a sample there are no
     * edges): a wholly covered lens is occluded, a white one too bright. */
    bool textured = m->grad_mean >= 1;
    if (m->has_pair && textured && m->frozen_diff <= l->frozen_diff)
        add(out, PROBE_R_FROZEN, m->frozen_diff, l->frozen_diff);
    /* Blown out, or washed out: a scene's shadows lifted to mid-grey
     * (backlight compensation, an IR-cut filter stuck open by day). */
    if (m->clip_pct >= l->too_bright_clip)
        add(out, PROBE_R_TOO_BRIGHT, m->clip_pct, l->too_bright_clip);
    else if (m->floor_pct >= l->too_bright_floor)
        add(out, PROBE_R_TOO_BRIGHT, m->floor_pct, l->too_bright_floor);
    /* Stripes first: bars across a picture also soften its edges. */
    if (m->stripes >= l->stripe_amplitude)
        add(out, PROBE_R_STRIPES, m->stripes, l->stripe_amplitude);
    if (textured && m->sharpness <= l->blur_sharpness)
        add(out, PROBE_R_BLURRED, m->sharpness, l->blur_sharpness);
    if (m->has_crop && m->noise >= l->noise_sigma)
        add(out, PROBE_R_NOISY, m->noise, l->noise_sigma);
    if (m->has_color && is_cast(m, l))
        add(out, PROBE_R_COLOR_CAST, m->white, l->cast_white);
    if (m->has_motion && textured && m->jump_pct >= l->shake_jump)
        add(out, PROBE_R_SHAKING, m->jump_pct, l->shake_jump);
}

int picq_describe(const struct probe_finding *f, char *buf, size_t cap)
{
    double v = f->value, lim = f->limit;
    switch ((enum probe_reason)f->reason) {
    case PROBE_R_SIGNAL_LOST:
        return snprintf(buf, cap,
                        "%.0f %% of the picture drawn flat, a test screen (limit %.0f %%)", v, lim);
    case PROBE_R_BLACK:
        return snprintf(buf, cap, "%.0f %% of the picture black (limit %.0f %%)", v, lim);
    case PROBE_R_OCCLUDED:
        return snprintf(buf, cap,
                        "%.0f %% of the picture covered by something flat (limit %.0f %%)", v, lim);
    case PROBE_R_FROZEN:
        return snprintf(buf, cap,
                        "two pictures differ by %.2f levels, below a live sensor's noise "
                        "(limit %.2f)",
                        v, lim);
    case PROBE_R_TOO_BRIGHT:
        /* One of two measures (picq_judge): the finding keeps only the
         * numbers, so the words name both. */
        return snprintf(buf, cap,
                        "%.0f %% (limit %.0f %%): blown out, or washed out up to its darkest parts",
                        v, lim);
    case PROBE_R_BLURRED:
        return snprintf(buf, cap, "sharpness %.0f (limit %.0f)", v, lim);
    case PROBE_R_STRIPES:
        return snprintf(buf, cap, "stripes of %.1f levels (limit %.1f)", v, lim);
    case PROBE_R_NOISY:
        return snprintf(buf, cap, "noise of %.1f levels (limit %.1f)", v, lim);
    case PROBE_R_COLOR_CAST:
        return snprintf(
            buf, cap,
            "the brightest parts' colours %.0f %% apart, the scene tinted (limit %.0f %%)", v, lim);
    case PROBE_R_SHAKING:
        return snprintf(buf, cap, "the picture jumps %.1f %% of its width (limit %.1f %%)", v, lim);
    default:
        return snprintf(buf, cap, "%s %.2f (limit %.2f)", probe_reason_name(f->reason), v, lim);
    }
}
