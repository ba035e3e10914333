/* A grey picture as a PNG file in memory: how a camera's reference
 * signature (a small luma plane) reaches a browser, which shows PNG but no
 * raw samples. zlib deflates the rows and sums the chunks; the few bytes
 * of PNG framing around them are written here. */
#ifndef CAMDEX_VIEWS_PICTURE_PNG_H
#define CAMDEX_VIEWS_PICTURE_PNG_H

#include <stddef.h>
#include <stdint.h>

#define VIEW_PNG_DIM_MAX 4096 /* width and height, samples */

/* Encodes `w` x `h` 8-bit grey samples (rows `stride` bytes apart) as a
 * PNG; *out is malloc'd (the caller frees it). 0, -EINVAL for a size of 0
 * or over VIEW_PNG_DIM_MAX, -ENOMEM. */
int view_gray_png(const uint8_t *px, unsigned w, unsigned h, size_t stride, uint8_t **out,
                  size_t *len);

#endif
