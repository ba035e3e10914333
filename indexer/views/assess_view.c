/* The assessment's figures from one read snapshot; see assess_view.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/gbid.h"
#include "base/timefmt.h"
#include "views/assess_view.h"
#include "views/view_text.h"

/* What a unit (or the fleet) adds up to. */
struct tally {
    uint32_t cameras, clock_checked, clock_ok, label_checked, label_ok, gbid_ok;
    uint64_t ms[STORE_STATE_COUNT];
    uint64_t picture_ms;
};

struct walk {
    struct store_read *r;
    const struct assess_params *p;
    const struct store_unit *u;
    struct tally unit, fleet;
    json_t *units, *cameras;
};

/* The clock look of one camera: the OSD time where its last OSD look read
 * and judged one, else the RTCP sender reports. */
struct clock_verdict {
    const char *source; /* "osd", "rtcp", "unknown" */
    bool checked, ok;
    double offset_s; /* NAN when not measured */
};

static json_t *rate(uint64_t part, uint64_t whole)
{
    return whole ? json_real((double)part / (double)whole) : json_null();
}

static void add_days(struct tally *t, const struct store_daily *d)
{
    for (int i = 0; i < STORE_STATE_COUNT; i++)
        t->ms[i] += d->ms[i];
    t->picture_ms += d->picture_ms;
}

static int days_cb(const struct store_daily *d, void *ctx)
{
    add_days(ctx, d);
    return 0;
}

static void add_tally(struct tally *to, const struct tally *t)
{
    to->cameras += t->cameras;
    to->clock_checked += t->clock_checked;
    to->clock_ok += t->clock_ok;
    to->label_checked += t->label_checked;
    to->label_ok += t->label_ok;
    to->gbid_ok += t->gbid_ok;
    struct store_daily d = {.picture_ms = t->picture_ms};
    memcpy(d.ms, t->ms, sizeof(d.ms));
    add_days(to, &d);
}

static struct store_daily as_daily(const struct tally *t)
{
    struct store_daily d = {.picture_ms = t->picture_ms};
    memcpy(d.ms, t->ms, sizeof(d.ms));
    return d;
}

static json_t *rate_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *row_json(const char *id, const char *name, const struct tally *t)
{
    struct store_daily d = as_daily(t);
    uint64_t mon = d.ms[STORE_ONLINE] + d.ms[STORE_DEGRADED] + d.ms[STORE_OFFLINE];
    return json_pack("{s:o, s:o, s:I, s:o, s:o, s:f, s:I, s:I, s:o, s:I, s:I, s:o, s:I, s:o}",
                     "unit", view_text(id), "name", view_text(name), "cameras",
                     (json_int_t)t->cameras, "online_rate",
                     rate_or_null(store_daily_online_rate(&d)), "intact_rate",
                     rate_or_null(store_daily_intact_rate(&d)), "monitored_hours", mon / 3600000.0,
                     "clock_checked", (json_int_t)t->clock_checked, "clock_ok",
                     (json_int_t)t->clock_ok, "clock_rate", rate(t->clock_ok, t->clock_checked),
                     "label_checked", (json_int_t)t->label_checked, "label_ok",
                     (json_int_t)t->label_ok, "label_rate", rate(t->label_ok, t->label_checked),
                     "gbid_ok", (json_int_t)t->gbid_ok, "gbid_rate", rate(t->gbid_ok, t->cameras));
}

bool assess_gbid_ok(const char *camera_id, const char *unit_id)
{
    static const unsigned video_types[] = {
        GBID_TYPE_DVR, GBID_TYPE_VIDEO_SERVER, GBID_TYPE_ENCODER, GBID_TYPE_NVR,
        130 /* HVR */, GBID_TYPE_CAMERA,       GBID_TYPE_IPC,
    };
    struct gbid c, u;
    if (gbid_parse(camera_id, &c) || gbid_parse(unit_id, &u))
        return false;
    bool type_ok = false;
    for (size_t i = 0; i < sizeof(video_types) / sizeof(video_types[0]); i++)
        type_ok |= c.type == video_types[i];
    /* A unit's code names its place in the hierarchy: zeros below the
     * level it stands for ("320100": the whole city). */
    return type_ok && c.province == u.province && (!u.city || c.city == u.city) &&
           (!u.district || c.district == u.district) &&
           (!u.grassroots || c.grassroots == u.grassroots);
}

static struct clock_verdict clock_of(struct walk *w, const char *id, const struct store_osd *osd)
{
    struct clock_verdict v = {.source = "unknown", .offset_s = NAN};
    struct store_clock c;
    bool rtcp = store_clock_get(w->r, id, &c) == 0 && c.measured;
    if (rtcp)
        v.offset_s = (double)c.offset_ms / 1000.0;
    if (osd && osd->time_check != STORE_OSD_UNKNOWN) {
        v.source = "osd";
        v.checked = true;
        v.ok = osd->time_check == STORE_OSD_RIGHT;
        v.offset_s = (double)osd->offset_s;
    } else if (rtcp) {
        int64_t off = c.offset_ms < 0 ? -c.offset_ms : c.offset_ms;
        v.source = "rtcp";
        v.checked = true;
        v.ok = off <= (int64_t)c.tolerance_ms;
    }
    return v;
}

/* Appends `code` to the failed lists (codes, and texts for people). */
static void failed_add(char *codes, char *text, size_t cap, const char *code, bool state,
                       enum msg_lang lang)
{
    const char *t = state ? msg_state_text(code, lang) : msg_reason_text(code, lang);
    const char *sep = lang == MSG_ZH ? "、" : ", ";
    size_t n = strlen(codes), m = strlen(text);
    snprintf(codes + n, cap - n, "%s%s", n ? "," : "", code);
    snprintf(text + m, cap - m, "%s%s", m ? sep : "", t);
}

/* The camera's row when it failed something; NULL (and 0) when not. */
static int camera_row(struct walk *w, const struct store_camera *cam, bool gbid_ok,
                      const struct clock_verdict *cv, bool label_wrong,
                      const struct store_diagnosis *diag)
{
    struct tally t = {0};
    int rc = store_daily_scan(w->r, false, cam->id, w->p->from, w->p->to, days_cb, &t);
    if (rc)
        return rc;
    char codes[512] = "", text[512] = "";
    enum msg_lang lang = w->p->lang;
    if (t.ms[STORE_OFFLINE])
        failed_add(codes, text, sizeof(codes), "offline", true, lang);
    if (t.picture_ms) {
        bool named = false;
        for (uint8_t i = 0; diag && i < diag->n; i++)
            if (store_reason_is_picture_fault(diag->f[i].reason)) {
                failed_add(codes, text, sizeof(codes), diag->f[i].reason, false, lang);
                named = true;
            }
        if (!named) /* the fault has gone since; the time stays */
            failed_add(codes, text, sizeof(codes), "picture_fault", false, lang);
    }
    if (cv->checked && !cv->ok)
        failed_add(codes, text, sizeof(codes),
                   strcmp(cv->source, "osd") == 0 ? "osd_time_wrong" : "clock_skew", false, lang);
    if (label_wrong)
        failed_add(codes, text, sizeof(codes), "osd_label_wrong", false, lang);
    if (!gbid_ok)
        failed_add(codes, text, sizeof(codes), "gbid_invalid", false, lang);
    if (!codes[0])
        return 0;
    struct store_daily d = as_daily(&t);
    json_t *row = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:s, s:o}", "camera", view_text(cam->id), "name",
        view_text(cam->name), "unit", view_text(w->u->id), "unit_name", view_text(w->u->name),
        "online_rate", rate_or_null(store_daily_online_rate(&d)), "intact_rate",
        rate_or_null(store_daily_intact_rate(&d)), "clock_source", cv->source, "clock_offset_s",
        rate_or_null(cv->offset_s), "failed", codes, "failed_text", view_text(text));
    return row && !json_array_append_new(w->cameras, row) ? 0 : -ENOMEM;
}

static int camera_cb(const struct store_camera *cam, const struct store_health *h, void *ctx)
{
    (void)h;
    struct walk *w = ctx;
    struct store_diagnosis diag;
    bool has_diag = store_diagnosis_get(w->r, cam->id, &diag) == 0;
    /* The last OSD look judged the time and the name each right, wrong or
     * unknown (not read): unknown is not checked, never wrong. */
    struct store_osd osd;
    bool has_osd = store_osd_get(w->r, cam->id, &osd) == 0;
    struct clock_verdict cv = clock_of(w, cam->id, has_osd ? &osd : NULL);
    uint8_t label = has_osd ? osd.label_check : STORE_OSD_UNKNOWN;
    bool label_wrong = label == STORE_OSD_WRONG;
    bool gbid_ok = assess_gbid_ok(cam->id, w->u->id);
    w->unit.cameras++;
    w->unit.clock_checked += cv.checked;
    w->unit.clock_ok += cv.checked && cv.ok;
    w->unit.label_checked += label != STORE_OSD_UNKNOWN;
    w->unit.label_ok += label == STORE_OSD_RIGHT;
    w->unit.gbid_ok += gbid_ok;
    if (!w->p->cameras)
        return 0;
    return camera_row(w, cam, gbid_ok, &cv, label_wrong, has_diag ? &diag : NULL);
}

static int unit_cb(const struct store_unit *u, void *ctx)
{
    struct walk *w = ctx;
    w->u = u;
    memset(&w->unit, 0, sizeof(w->unit));
    int rc = store_daily_scan(w->r, true, u->id, w->p->from, w->p->to, days_cb, &w->unit);
    if (!rc)
        rc = store_cameras_scan(w->r, &(struct store_filter){.unit_id = u->id, .state = -1},
                                camera_cb, w);
    if (rc)
        return rc;
    add_tally(&w->fleet, &w->unit);
    json_t *row = row_json(u->id, u->name, &w->unit);
    return row && !json_array_append_new(w->units, row) ? 0 : -ENOMEM;
}

/* Worst first: the lower intact rate, then the lower online rate (a unit
 * with nothing monitored last), then by id. */
static double sort_rate(json_t *row, const char *key)
{
    json_t *v = json_object_get(row, key);
    return json_is_number(v) ? json_number_value(v) : 2.0;
}

static int worst_first(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    static const char *const keys[] = {"intact_rate", "online_rate"};
    for (size_t i = 0; i < 2; i++) {
        double p = sort_rate(x, keys[i]), q = sort_rate(y, keys[i]);
        if (p != q)
            return p < q ? -1 : 1;
    }
    return strcmp(json_string_value(json_object_get(x, "unit")),
                  json_string_value(json_object_get(y, "unit")));
}

static json_t *sorted(json_t *rows)
{
    size_t n = json_array_size(rows);
    json_t **v = calloc(n ? n : 1, sizeof(*v));
    json_t *out = json_array();
    if (!v || !out) {
        free(v);
        json_decref(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(rows, i);
    qsort(v, n, sizeof(*v), worst_first);
    for (size_t i = 0; i < n; i++)
        json_array_append(out, v[i]);
    free(v);
    return out;
}

int assess_build(struct store_read *r, const struct assess_params *p, json_t **out)
{
    *out = NULL;
    struct walk w = {.r = r, .p = p, .units = json_array(), .cameras = json_array()};
    int rc = w.units && w.cameras ? 0 : -ENOMEM;
    if (!rc && p->unit) {
        struct store_unit u;
        rc = store_unit_get(r, p->unit, &u);
        if (!rc)
            rc = unit_cb(&u, &w);
    } else if (!rc) {
        rc = store_units_scan(r, unit_cb, &w);
    }
    json_t *units = rc ? NULL : sorted(w.units);
    json_decref(w.units);
    if (!rc && !units)
        rc = -ENOMEM;
    if (rc) {
        json_decref(w.cameras);
        return rc < 0 ? rc : -EIO;
    }
    char from[16], to[16];
    timefmt_day(p->from, from, sizeof(from));
    timefmt_day(p->to, to, sizeof(to));
    *out = json_pack("{s:s, s:s, s:o, s:o}", "from", from, "to", to, "units", units, "total",
                     row_json("ALL", "", &w.fleet));
    if (!p->cameras || !*out) {
        json_decref(w.cameras);
        return *out ? 0 : -ENOMEM;
    }
    if (json_object_set_new(*out, "cameras", w.cameras)) { /* stolen either way */
        json_decref(*out);
        *out = NULL;
        return -ENOMEM;
    }
    return 0;
}

int assess_month(const char *month, int32_t *from, int32_t *to)
{
    unsigned y, m;
    char tail;
    if (!month || strlen(month) != 7 || sscanf(month, "%4u-%2u%c", &y, &m, &tail) != 2 ||
        month[4] != '-' || m < 1 || m > 12)
        return -EINVAL;
    char day[16];
    snprintf(day, sizeof(day), "%04u-%02u-01", y, m);
    if (timefmt_parse_day(day, from))
        return -EINVAL;
    snprintf(day, sizeof(day), "%04u-%02u-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    if (timefmt_parse_day(day, to))
        return -EINVAL;
    (*to)--;
    return 0;
}

const struct out_col assess_unit_cols[] = {
    {"unit", "col.unit", OUT_TEXT, 0},
    {"name", "col.name", OUT_TEXT, 24},
    {"cameras", "col.cameras", OUT_INT, 0},
    {"online_rate", "col.online_rate", OUT_PERCENT, 0},
    {"intact_rate", "col.intact_rate", OUT_PERCENT, 0},
    {"clock_checked", "col.clock_checked", OUT_INT, 0},
    {"clock_ok", "col.clock_ok", OUT_INT, 0},
    {"clock_rate", "col.clock_rate", OUT_PERCENT, 0},
    {"label_checked", "col.label_checked", OUT_INT, 0},
    {"label_ok", "col.label_ok", OUT_INT, 0},
    {"label_rate", "col.label_rate", OUT_PERCENT, 0},
    {"gbid_ok", "col.gbid_ok", OUT_INT, 0},
    {"gbid_rate", "col.gbid_rate", OUT_PERCENT, 0},
};
const size_t assess_unit_ncols = sizeof(assess_unit_cols) / sizeof(assess_unit_cols[0]);

const struct out_col assess_camera_cols[] = {
    {"camera", "col.camera", OUT_TEXT, 0},
    {"name", "col.name", OUT_TEXT, 24},
    {"unit", "col.unit", OUT_TEXT, 0},
    {"online_rate", "col.online_rate", OUT_PERCENT, 0},
    {"intact_rate", "col.intact_rate", OUT_PERCENT, 0},
    {"clock_source", "col.clock_source", OUT_TEXT, 0},
    {"clock_offset_s", "col.clock_offset_s", OUT_INT, 0},
    {"failed_text", "col.failed", OUT_TEXT, 0},
};
const size_t assess_camera_ncols = sizeof(assess_camera_cols) / sizeof(assess_camera_cols[0]);
