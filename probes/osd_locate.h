/* Where the OSD's text lines are in a picture, and each line drawn the way
 * OCR reads best. Camera OSDs draw white (or light) characters with a dark
 * outline so they read on any scene: a pixel is ink when it is light and a
 * dark pixel lies within two pixels of it, which keeps the characters and
 * drops bright sky, lamps and walls. Lines are runs of rows holding ink in
 * the top and bottom fifths of the picture (where cameras put the time and
 * the name), split where the ink leaves a gap wider than the line's height
 * (date, weekday and time; the name on the other side): OCR reads short
 * pieces better, and the program joins the pieces of a row again. Pure functions with hard
 * limits; no OCR here (probes/osd/ holds the module that runs Tesseract). */
#ifndef CAMDEX_OSD_LOCATE_H
#define CAMDEX_OSD_LOCATE_H

#include <stddef.h>
#include <stdint.h>

#define OSD_MAX_SIDE  8192 /* larger pictures are refused */
#define OSD_MAX_BOXES 16   /* pieces of text looked at in one picture */

struct osd_box {
    int x, y, width, height;
};

/* The ink mask of a width x height luma plane (`stride` bytes a row) into
 * `mask` (width * height bytes, 1 = ink). 0, or -EINVAL. */
int osd_ink_mask(const uint8_t *luma, int width, int height, int stride, uint8_t *mask);

/* Up to `cap` (<= OSD_MAX_BOXES) text lines of a mask, top strip first,
 * each left to right. Returns how many, or -EINVAL. */
int osd_find_lines(const uint8_t *mask, int width, int height, struct osd_box *boxes, int cap);

/* The size osd_render_line draws `b` at: scaled so characters are about
 * 48 pixels tall (at most 4x up), with a margin. */
void osd_render_size(const struct osd_box *b, int *out_w, int *out_h);

/* Draws the ink of box `b` black on white into `out` (out_w x out_h from
 * osd_render_size, rows packed), the form OCR reads best. */
void osd_render_line(const uint8_t *mask, int width, int height, const struct osd_box *b,
                     uint8_t *out, int out_w, int out_h);

#endif
