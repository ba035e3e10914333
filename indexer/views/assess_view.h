/* The assessment (考核): per unit and for the fleet, the rates operations
 * staff are judged by over a range of days: online rate (在线率), intact
 * rate (完好率), clock accuracy (时钟准确率), label correctness (标注正确率)
 * and GB/T 28181 id conformance (国标编码规范), and every camera that failed
 * one of them, with its reasons. One reader for the CLI, the API, the
 * dashboard and the metrics. */
#ifndef CAMDEX_VIEWS_ASSESS_VIEW_H
#define CAMDEX_VIEWS_ASSESS_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "views/messages.h"
#include "views/out_col.h"

struct assess_params {
    const char *unit;   /* one unit, NULL: every unit */
    int32_t from, to;   /* days of the index's zone, inclusive */
    bool cameras;       /* also list each camera that failed something */
    enum msg_lang lang; /* of the cameras' `failed_text` */
};

/* {"from", "to", "units": [row...] (worst first), "total": row,
 *  "cameras": [camera...] (with p->cameras)}. A row: unit, name, cameras,
 * online_rate, intact_rate (null: nothing monitored), monitored_hours,
 * clock_checked, clock_ok, clock_rate, label_checked, label_ok,
 * label_rate (null: none checked), gbid_ok, gbid_rate. A camera: camera,
 * name, unit, unit_name, online_rate, intact_rate, clock_source
 * (osd|rtcp|unknown), clock_offset_s, failed (reason codes, comma
 * separated) and failed_text (the same for people, in p->lang).
 * 0, -ENOENT (no such unit), -ENOMEM or the store's error. */
int assess_build(struct store_read *r, const struct assess_params *p, json_t **out);

/* The range of a month "YYYY-MM": 0 or -EINVAL. */
int assess_month(const char *month, int32_t *from, int32_t *to);

/* Whether a camera id conforms to GB/T 28181 within its unit: 20 digits,
 * a video source's type code (DVR, video server, encoder, NVR, HVR,
 * camera, IPC), and a centre code inside the unit's (the unit's id names
 * its region: the camera's province, city, district and grassroots unit
 * match wherever the unit's are not zero). */
bool assess_gbid_ok(const char *camera_id, const char *unit_id);

/* Columns of the units' table and of the failed cameras' table. */
extern const struct out_col assess_unit_cols[];
extern const size_t assess_unit_ncols;
extern const struct out_col assess_camera_cols[];
extern const size_t assess_camera_ncols;

#endif
