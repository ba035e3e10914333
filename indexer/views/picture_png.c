/* Grey PNG files; see picture_png.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "views/picture_png.h"

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Length, type, data, CRC over type and data; returns the bytes written. */
static size_t chunk(uint8_t *p, const char type[4], const uint8_t *data, size_t n)
{
    be32(p, (uint32_t)n);
    memcpy(p + 4, type, 4);
    if (n)
        memmove(p + 8, data, n);
    uLong crc = crc32(0L, p + 4, (uInt)(4 + n));
    be32(p + 8 + n, (uint32_t)crc);
    return 12 + n;
}

int view_gray_png(const uint8_t *px, unsigned w, unsigned h, size_t stride, uint8_t **out,
                  size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!px || !w || !h || w > VIEW_PNG_DIM_MAX || h > VIEW_PNG_DIM_MAX || stride < w)
        return -EINVAL;
    /* Each row starts with its filter type: 0, none. */
    size_t raw_len = (size_t)(w + 1) * h;
    uint8_t *raw = malloc(raw_len);
    uLong zcap = compressBound((uLong)raw_len);
    uint8_t *png = malloc(8 + 25 + 12 + zcap + 12);
    if (!raw || !png) {
        free(raw);
        free(png);
        return -ENOMEM;
    }
    for (unsigned y = 0; y < h; y++) {
        raw[(size_t)y * (w + 1)] = 0;
        memcpy(raw + (size_t)y * (w + 1) + 1, px + (size_t)y * stride, w);
    }
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(png, sig, 8);
    size_t n = 8;
    uint8_t ihdr[13];
    be32(ihdr, w);
    be32(ihdr + 4, h);
    ihdr[8] = 8;  /* bits a sample */
    ihdr[9] = 0;  /* grey */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering (every row: none) */
    ihdr[12] = 0; /* not interlaced */
    n += chunk(png + n, "IHDR", ihdr, sizeof(ihdr));
    /* The compressed rows go straight where the IDAT chunk's data sits. */
    uLongf zlen = zcap;
    int zrc = compress2(png + n + 8, &zlen, raw, (uLong)raw_len, Z_BEST_COMPRESSION);
    free(raw);
    if (zrc != Z_OK) {
        free(png);
        return -ENOMEM;
    }
    n += chunk(png + n, "IDAT", png + n + 8, zlen);
    n += chunk(png + n, "IEND", NULL, 0);
    *out = png;
    *len = n;
    return 0;
}
