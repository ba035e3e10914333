/* OSD looks; see osd_look.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine/osd_look.h"
#include "osd_read.h"

/* The module's measured limits (probes/README.md, "The OSD"): sure
 * enough never to call a right OSD wrong on the labelled pictures. */
static const struct osd_limits limits_base = {
    .name_right = 0.75, .name_wrong = 0.4, .min_time_conf = 60, .min_label_conf = 75};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void civil(int64_t ms, int32_t tz_offset_s, struct osd_time *t)
{
    time_t s = (time_t)(ms / 1000) + tz_offset_s;
    struct tm tm;
    gmtime_r(&s, &tm);
    *t = (struct osd_time){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                           tm.tm_hour,        tm.tm_min,     tm.tm_sec};
}

void osd_look_run(struct osd_look *l, const struct deep_result *dr)
{
    memset(&l->v, 0, sizeof(l->v));
    l->lines = 0;
    l->text[0] = 0;
    /* The keyframe was decoded a moment ago, within the probe's window:
     * well inside a tolerance of seconds. */
    l->read_at_ms = wall_ms();
    if (!dr->full || !dr->full_w || !dr->full_h) {
        l->rc = -ENODATA;
        return;
    }
    struct osd_image img = {dr->full, dr->full_w, dr->full_h, dr->full_w};
    struct osd_reading rd;
    l->rc = osd_read(&img, &rd);
    if (l->rc)
        return;
    l->lines = rd.lines;
    l->cpu_us = rd.cpu_us;
    snprintf(l->text, sizeof(l->text), "%s", rd.text);
    struct osd_limits lim = limits_base;
    lim.time_tolerance_s = (int)l->tolerance_s;
    struct osd_time now;
    civil(l->read_at_ms, l->tz_offset_s, &now);
    osd_judge(rd.text, strlen(rd.text), rd.line_conf, rd.lines, l->name, &now, &lim, &l->v);
}

static uint8_t check_of(enum osd_check c)
{
    return c == OSD_RIGHT ? STORE_OSD_RIGHT : c == OSD_WRONG ? STORE_OSD_WRONG : STORE_OSD_UNKNOWN;
}

void osd_look_record(const struct osd_look *l, struct store_osd *out, char time_buf[32])
{
    bool read = l->rc == 0;
    time_buf[0] = 0;
    const struct osd_time *t = &l->v.read;
    if (read && t->year)
        snprintf(time_buf, 32, "%04d-%02d-%02d %02d:%02d:%02d", t->year, t->month, t->day, t->hour,
                 t->minute, t->second);
    *out = (struct store_osd){.checked_at = l->read_at_ms,
                              .time_check = read ? check_of(l->v.time) : STORE_OSD_UNKNOWN,
                              .label_check = read ? check_of(l->v.label) : STORE_OSD_UNKNOWN,
                              .offset_s = read && l->v.time != OSD_UNKNOWN ? l->v.offset_s : 0,
                              .similarity = read ? (float)l->v.similarity : 0,
                              .tolerance_s = l->tolerance_s,
                              .time_read = time_buf,
                              .text = read ? l->text : ""};
}

void osd_look_findings(const struct store_osd *o, struct store_diagnosis *d)
{
    if (o->time_check == STORE_OSD_WRONG && d->n < STORE_FINDINGS_MAX)
        d->f[d->n++] = (struct store_finding){probe_reason_name(PROBE_R_OSD_TIME_WRONG),
                                              (float)o->offset_s, (float)o->tolerance_s};
    if (o->label_check == STORE_OSD_WRONG && d->n < STORE_FINDINGS_MAX)
        d->f[d->n++] = (struct store_finding){probe_reason_name(PROBE_R_OSD_LABEL_WRONG),
                                              o->similarity, (float)limits_base.name_wrong};
}
