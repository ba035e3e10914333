/* Explicit, bounds-checked encoding of stored values: LEB128 varints,
 * zigzag signed varints, length-prefixed NUL-terminated strings (so decoded
 * strings can be used in place, without copies), big-endian fixed-width
 * integers for ordered keys. Errors stick: check once at the end. */
#ifndef CAMDEX_STORE_CODEC_H
#define CAMDEX_STORE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct enc {
    uint8_t *buf;
    size_t len, cap;
    int err; /* first error, 0 if none */
};

void enc_init(struct enc *e);
void enc_reset(struct enc *e);
void enc_free(struct enc *e);
void enc_u8(struct enc *e, uint8_t v);
void enc_uvar(struct enc *e, uint64_t v);
void enc_svar(struct enc *e, int64_t v);
void enc_f64(struct enc *e, double v);
/* NULL is encoded as "". Longer than `max` bytes sets -EINVAL. */
void enc_str(struct enc *e, const char *s, size_t max);
void enc_bytes(struct enc *e, const void *p, size_t n);

struct dec {
    const uint8_t *p, *end;
    int err; /* first error, 0 if none */
};

void dec_init(struct dec *d, const void *buf, size_t len);
uint8_t dec_u8(struct dec *d);
uint64_t dec_uvar(struct dec *d);
int64_t dec_svar(struct dec *d);
double dec_f64(struct dec *d);
/* Points into the buffer; "" on error. */
const char *dec_str(struct dec *d);
/* The same, refusing what enc_str(max) never writes: a string longer than
 * `max` bytes or with a NUL inside. */
const char *dec_str_max(struct dec *d, size_t max);
/* True when nothing is left: fields added by later versions are appended,
 * so a decoder reads the fields it knows and stops when the value ends. */
bool dec_done(const struct dec *d);

void be64_put(uint8_t *p, uint64_t v);
uint64_t be64_get(const uint8_t *p);
void be32_put(uint8_t *p, uint32_t v);
uint32_t be32_get(const uint8_t *p);

#endif
