/* Private to storage/: applying single changes inside a write transaction,
 * keeping the derived data in step (apply.c; authentication hints in
 * hints.c; diagnoses and references in picture.c). Each returns the transaction's error, 0 if none. */
#ifndef CAMDEX_STORE_APPLY_H
#define CAMDEX_STORE_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "wtxn.h"

int apply_camera_put(struct wtxn *t, const struct store_camera *cam, const char *unit_name);
int apply_camera_del(struct wtxn *t, const char *id);
int apply_health_put(struct wtxn *t, const char *id, const struct store_health *h,
                     bool keep_detail, int64_t now_ms);
int apply_maintenance(struct wtxn *t, const char *id, bool on, const char *note, int64_t now_ms);
int apply_auth_hint_put(struct wtxn *t, const char *id, const void *hint, size_t len);
/* clock.c: an encoded clock record, or len 0 to forget it. */
int apply_clock_put(struct wtxn *t, const char *id, const void *rec, size_t len);
int apply_diagnosis_put(struct wtxn *t, const char *id, const struct store_diagnosis *d);
/* ref NULL clears it. */
int apply_reference_put(struct wtxn *t, const char *id, const struct store_reference *ref);
/* The latest diagnosis' signature becomes the reference; without one the
 * transaction fails with -ENOENT. */
int apply_reference_adopt(struct wtxn *t, const char *id, int64_t now_ms);

/* Writes the batch's unit-day credit; call once before committing. */
int apply_flush(struct wtxn *t);

#endif
