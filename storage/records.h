/* Versioned encodings of every stored value. Each value starts with a
 * version byte; later versions only append fields, so a reader decodes the
 * fields it knows and ignores the rest. Never a raw struct dump. */
#ifndef CAMDEX_STORE_RECORDS_H
#define CAMDEX_STORE_RECORDS_H

#include "codec.h"
#include "store.h"

#define REC_CAMERA_V 1
#define REC_HEALTH_V 1
#define REC_UNIT_V   1
#define REC_EVENT_V  1
#define REC_DAILY_V  1
#define REC_HINT_V   1
#define REC_CLOCK_V  1
#define REC_DIAG_V   1
#define REC_REF_V    1

void rec_camera_encode(struct enc *e, const struct store_camera *c);
int rec_camera_decode(const void *buf, size_t len, const char *id, struct store_camera *c);

void rec_health_encode(struct enc *e, const struct store_health *h);
int rec_health_decode(const void *buf, size_t len, struct store_health *h);
void rec_health_unknown(struct store_health *h);

void rec_unit_encode(struct enc *e, const struct store_unit *u);
int rec_unit_decode(const void *buf, size_t len, const char *id, struct store_unit *u);

void rec_event_encode(struct enc *e, const struct store_event *ev);
int rec_event_decode(const void *buf, size_t len, uint64_t key, struct store_event *ev);

void rec_daily_encode(struct enc *e, const struct store_daily *d);
int rec_daily_decode(const void *buf, size_t len, struct store_daily *d);

/* A picture diagnosis and a reference picture. Decoded strings and the
 * signature point into buf; a decoder refuses a finding with an empty or
 * over-long reason, more than STORE_FINDINGS_MAX findings, and a signature
 * whose size is not its width times its height within the limits. */
void rec_diagnosis_encode(struct enc *e, const struct store_diagnosis *d);
int rec_diagnosis_decode(const void *buf, size_t len, struct store_diagnosis *d);
void rec_reference_encode(struct enc *e, const struct store_reference *ref);
int rec_reference_decode(const void *buf, size_t len, struct store_reference *ref);
/* A signature's size is valid: both 0 (none, only in a diagnosis) or each
 * 1..STORE_SIG_DIM_MAX with a product up to STORE_SIG_MAX. */
bool rec_sig_size_ok(unsigned w, unsigned h);

/* An authentication hint: the version byte, then 1..STORE_HINT_MAX opaque
 * bytes. *hint points into buf. A value of another version is -ENOENT
 * (reads as no hint), one of a wrong size -EBADMSG. */
int rec_hint_decode(const void *buf, size_t len, const void **hint, size_t *hint_len);

/* The clock check's record (store_clock). */
void rec_clock_encode(struct enc *e, const struct store_clock *c);
int rec_clock_decode(const void *buf, size_t len, struct store_clock *c);

#endif
