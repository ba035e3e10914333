/* MSB-first bit reader for H.264/H.265 parameter sets. Reading past the end
 * yields zeros and sets `overrun`, so parsers check once per section instead
 * of after every field. */
#ifndef CAMDEX_BITREADER_H
#define CAMDEX_BITREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bitreader {
    const uint8_t *buf;
    size_t bits; /* size in bits */
    size_t pos;  /* next bit to read */
    bool overrun;
};

static inline void br_init(struct bitreader *br, const uint8_t *buf, size_t len)
{
    br->buf = buf;
    br->bits = len * 8;
    br->pos = 0;
    br->overrun = false;
}

static inline uint32_t br_bit(struct bitreader *br)
{
    if (br->pos >= br->bits) {
        br->overrun = true;
        return 0;
    }
    uint32_t b = (br->buf[br->pos >> 3] >> (7 - (br->pos & 7))) & 1u;
    br->pos++;
    return b;
}

/* n <= 32 */
static inline uint32_t br_bits(struct bitreader *br, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 1) | br_bit(br);
    return v;
}

static inline void br_skip(struct bitreader *br, size_t n)
{
    if (n > br->bits - (br->pos < br->bits ? br->pos : br->bits)) {
        br->pos = br->bits;
        br->overrun = true;
        return;
    }
    br->pos += n;
}

/* Exp-Golomb ue(v). Codes longer than 32 bits cannot be valid in a
 * parameter set; they flag overrun so the caller rejects the unit. */
static inline uint32_t br_ue(struct bitreader *br)
{
    unsigned zeros = 0;
    while (br_bit(br) == 0) {
        if (br->overrun || ++zeros > 31) {
            br->overrun = true;
            return 0;
        }
    }
    if (zeros == 0)
        return 0;
    return (uint32_t)((1ull << zeros) - 1 + br_bits(br, zeros));
}

/* Exp-Golomb se(v). */
static inline int32_t br_se(struct bitreader *br)
{
    uint32_t k = br_ue(br);
    if (k & 1)
        return (int32_t)((k + 1) / 2);
    return -(int32_t)(k / 2);
}

#endif
