/* An OSD look: the text burned into a camera's picture (its time and its
 * name) read by the OSD module off the full-size keyframe a deep look
 * decoded, and judged against camdex's clock and the camera's name. It
 * runs on the deep worker that made the look (osd_look_run), so neither
 * the loop thread nor liveness probes wait for OCR; the loop then keeps
 * it (osd_look_record) and adds its findings to the camera's diagnosis
 * (osd_look_findings). A picture whose OSD cannot be read is unknown for
 * both checks, never wrong. */
#ifndef CAMDEX_OSD_LOOK_H
#define CAMDEX_OSD_LOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "deep_probe.h"
#include "osd_text.h"
#include "store.h"

struct osd_look {
    /* in, set on the loop thread before the look */
    char name[STORE_TEXT_MAX + 1]; /* the camera's name in the inventory */
    int32_t tz_offset_s;           /* the zone cameras show their time in (the index's day zone) */
    uint32_t tolerance_s;          /* OSD time against our clock */
    /* out, set on the worker */
    int rc; /* 0 read (lines may be 0), -ENODATA no full-size picture, else osd_read's error */
    int lines;
    char text[OSD_TEXT_MAX / 2];
    struct osd_verdict v;
    int64_t read_at_ms; /* our clock when the picture was read */
    uint32_t cpu_us;
};

/* On the worker: reads and judges the picture of `dr` (dr->full). */
void osd_look_run(struct osd_look *l, const struct deep_result *dr);

/* The look as the index keeps it; strings point into `l` and `time_buf`. */
void osd_look_record(const struct osd_look *l, struct store_osd *out, char time_buf[32]);

/* The stored look's findings, osd_time_wrong (value: the offset in s,
 * limit: the tolerance) and osd_label_wrong (value: the name's
 * similarity), appended to `d` while it has room. */
void osd_look_findings(const struct store_osd *o, struct store_diagnosis *d);

#endif
