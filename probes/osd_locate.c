/* OSD text lines; see osd_locate.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "osd_locate.h"

enum {
    INK_LIGHT = 190, /* at or above: light enough to be OSD fill */
    INK_DARK = 70,   /* at or below: the outline around it */
    INK_REACH = 2,   /* outline this close (pixels) */
    LINE_MIN_ROWS = 6,
};

int osd_ink_mask(const uint8_t *luma, int width, int height, int stride, uint8_t *mask)
{
    if (!luma || !mask || width < 8 || height < 8 || width > OSD_MAX_SIDE ||
        height > OSD_MAX_SIDE || stride < width)
        return -EINVAL;
    /* dark_near[x] for the current row: a dark pixel within INK_REACH
     * columns in rows y-INK_REACH..y+INK_REACH, computed per row from a
     * column-wise count so the cost is O(pixels), not O(pixels * 25). */
    int *dark_cols = calloc((size_t)width, sizeof(int));
    if (!dark_cols)
        return -ENOMEM;
    for (int y = 0; y < INK_REACH && y < height; y++)
        for (int x = 0; x < width; x++)
            dark_cols[x] += luma[(size_t)y * stride + x] <= INK_DARK;
    for (int y = 0; y < height; y++) {
        int add = y + INK_REACH, drop = y - INK_REACH - 1;
        if (add < height)
            for (int x = 0; x < width; x++)
                dark_cols[x] += luma[(size_t)add * stride + x] <= INK_DARK;
        if (drop >= 0)
            for (int x = 0; x < width; x++)
                dark_cols[x] -= luma[(size_t)drop * stride + x] <= INK_DARK;
        int window = 0; /* dark pixels in columns x-INK_REACH..x+INK_REACH */
        for (int x = 0; x < INK_REACH && x < width; x++)
            window += dark_cols[x];
        const uint8_t *row = luma + (size_t)y * stride;
        for (int x = 0; x < width; x++) {
            if (x + INK_REACH < width)
                window += dark_cols[x + INK_REACH];
            if (x - INK_REACH - 1 >= 0)
                window -= dark_cols[x - INK_REACH - 1];
            mask[(size_t)y * width + x] = row[x] >= INK_LIGHT && window > 0;
        }
    }
    free(dark_cols);
    return 0;
}

static int column_ink(const uint8_t *mask, int width, int x, int y0, int y1)
{
    int n = 0;
    for (int y = y0; y < y1; y++)
        n += mask[(size_t)y * width + x];
    return n;
}

/* Splits the line of rows [y0, y1) into groups of ink columns. */
static int split_line(const uint8_t *mask, int width, int y0, int y1, struct osd_box *boxes, int n,
                      int cap)
{
    int h = y1 - y0, gap = h;
    for (int x = 0; x < width && n < cap;) {
        if (!column_ink(mask, width, x, y0, y1)) {
            x++;
            continue;
        }
        int first = x, last = x;
        while (x < width && x - last <= gap) {
            if (column_ink(mask, width, x, y0, y1))
                last = x;
            x++;
        }
        /* Narrower than its height: a lamp or an edge, not a line of text. */
        if (last - first + 1 > h)
            boxes[n++] = (struct osd_box){first, y0, last - first + 1, h};
    }
    return n;
}

int osd_find_lines(const uint8_t *mask, int width, int height, struct osd_box *boxes, int cap)
{
    if (!mask || !boxes || cap < 0 || width < 8 || height < 8 || width > OSD_MAX_SIDE ||
        height > OSD_MAX_SIDE)
        return -EINVAL;
    if (cap > OSD_MAX_BOXES)
        cap = OSD_MAX_BOXES;
    int strip = height / 5, min_ink = width / 200 + 2, n = 0;
    /* A line is at most a sixth of the strip tall: taller runs are scenery. */
    int max_rows = strip / 2 > LINE_MIN_ROWS ? strip / 2 : LINE_MIN_ROWS;
    for (int s = 0; s < 2 && n < cap; s++) {
        int y0 = s ? height - strip : 0, y1 = s ? height : strip;
        for (int y = y0; y < y1 && n < cap;) {
            int ink = 0;
            for (int x = 0; x < width; x++)
                ink += mask[(size_t)y * width + x];
            if (ink < min_ink) {
                y++;
                continue;
            }
            int top = y;
            while (y < y1) {
                int k = 0;
                for (int x = 0; x < width; x++)
                    k += mask[(size_t)y * width + x];
                if (k < min_ink)
                    break;
                y++;
            }
            if (y - top >= LINE_MIN_ROWS && y - top <= max_rows)
                n = split_line(mask, width, top, y, boxes, n, cap);
        }
    }
    return n;
}

static double scale_of(const struct osd_box *b)
{
    double s = 48.0 / b->height;
    return s < 1 ? 1 : s > 4 ? 4 : s;
}

static int margin_of(const struct osd_box *b)
{
    return b->height / 2 + 4;
}

void osd_render_size(const struct osd_box *b, int *out_w, int *out_h)
{
    double s = scale_of(b);
    int m = margin_of(b);
    *out_w = (int)((b->width + 2 * m) * s);
    *out_h = (int)((b->height + 2 * m) * s);
}

void osd_render_line(const uint8_t *mask, int width, int height, const struct osd_box *b,
                     uint8_t *out, int out_w, int out_h)
{
    double s = scale_of(b);
    int m = margin_of(b);
    for (int r = 0; r < out_h; r++) {
        int sy = b->y - m + (int)(r / s);
        for (int c = 0; c < out_w; c++) {
            int sx = b->x - m + (int)(c / s);
            bool ink =
                sy >= 0 && sy < height && sx >= 0 && sx < width && mask[(size_t)sy * width + sx];
            out[(size_t)r * out_w + c] = ink ? 0 : 255;
        }
    }
}
