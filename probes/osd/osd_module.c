/* camdex-osd.so: the OSD's text lines found by osd_locate.c, each drawn
 * black on white and read by Tesseract as one line, in Simplified Chinese
 * and English (chi_sim+eng: names are Chinese, times digits). One engine
 * per thread, made at its first reading: Tesseract's API object is not
 * shared between threads. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>
#include <time.h>

#include "osd_api.h"
#include "text_clean.h"

/* Two engines a thread: Chinese and English together for names, English
 * alone for a line that holds digits but no time (the Chinese model reads
 * 2026年09月 as digits run together; the English one keeps them apart). */
static _Thread_local TessBaseAPI *engine[2];
static const char *const engine_langs[2] = {"chi_sim+eng", "eng"};

static uint32_t thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint32_t)(ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static int engine_get(int which, TessBaseAPI **out)
{
    if (!engine[which]) {
        TessBaseAPI *e = TessBaseAPICreate();
        if (!e)
            return -ENOMEM;
        /* NULL: the data directory Debian's Tesseract was built with
         * (tesseract-ocr-chi-sim and tesseract-ocr-eng install there). */
        if (TessBaseAPIInit3(e, NULL, engine_langs[which]) != 0) {
            TessBaseAPIDelete(e);
            return -EIO;
        }
        TessBaseAPISetPageSegMode(e, PSM_SINGLE_LINE);
        /* Quiet: Tesseract prints its guesses about resolution on stderr. */
        TessBaseAPISetVariable(e, "debug_file", "/dev/null");
        engine[which] = e;
    }
    *out = engine[which];
    return 0;
}

/* Appends one line's text (cleaned: OCR output is untrusted too) and its
 * confidence; a line that reads as nothing is left out. */
static void append_line(struct osd_reading *out, size_t *len, const char *text, int conf,
                        bool same_row)
{
    char clean[512];
    size_t n = text_clean_str(clean, sizeof(clean), text);
    while (n && clean[n - 1] == ' ')
        clean[--n] = 0; /* the line's own break, cleaned to a space */
    size_t skip = strspn(clean, " ");
    n -= skip;
    if (!n || *len + n + 2 > sizeof(out->text))
        return;
    if (out->lines)
        out->text[(*len)++] = same_row ? ' ' : '\n';
    memcpy(out->text + *len, clean + skip, n + 1);
    *len += n;
    if (same_row) {
        /* One line read in pieces: as sure as its least sure piece. */
        int *c = &out->line_conf[out->lines - 1];
        *c = conf < *c ? conf : *c;
        return;
    }
    out->line_conf[out->lines++] = conf;
}

/* One line's text (malloc'd) and its confidence. */
static char *read_line(TessBaseAPI *e, const uint8_t *line, int w, int h, int *conf)
{
    TessBaseAPISetImage(e, line, w, h, 1, w);
    TessBaseAPISetSourceResolution(e, 300);
    char *t = TessBaseAPIGetUTF8Text(e);
    *conf = TessBaseAPIMeanTextConf(e);
    char *copy = t ? strdup(t) : NULL;
    if (t)
        TessDeleteText(t);
    TessBaseAPIClear(e);
    return copy;
}

static bool has_digit_but_no_time(const char *t)
{
    struct osd_time tm;
    return t && strpbrk(t, "0123456789") && osd_parse_time(t, strlen(t), &tm) != 0;
}

static int osdm_read(const struct osd_image *img, struct osd_reading *out)
{
    if (!img || !out || !img->luma)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    uint32_t cpu0 = thread_cpu_us();
    size_t pixels = (size_t)img->width * (size_t)img->height;
    if (img->width < 8 || img->height < 8 || img->width > OSD_MAX_SIDE ||
        img->height > OSD_MAX_SIDE)
        return -EINVAL;
    uint8_t *mask = malloc(pixels);
    if (!mask)
        return -ENOMEM;
    int rc = osd_ink_mask(img->luma, img->width, img->height, img->stride, mask);
    int n = rc ? rc : osd_find_lines(mask, img->width, img->height, out->box, OSD_MAX_BOXES);
    TessBaseAPI *e = NULL, *digits = NULL;
    if (n > 0)
        rc = engine_get(0, &e);
    size_t len = 0;
    int conf_sum = 0;
    for (int i = 0; !rc && i < n; i++) {
        int w, h;
        osd_render_size(&out->box[i], &w, &h);
        uint8_t *line = malloc((size_t)w * h);
        if (!line) {
            rc = -ENOMEM;
            break;
        }
        osd_render_line(mask, img->width, img->height, &out->box[i], line, w, h);
        int conf;
        char *text = read_line(e, line, w, h, &conf);
        if (has_digit_but_no_time(text) && (digits || engine_get(1, &digits) == 0)) {
            int conf2;
            char *again = read_line(digits, line, w, h, &conf2);
            struct osd_time tm;
            if (again && osd_parse_time(again, strlen(again), &tm) == 0) {
                free(text);
                text = again, conf = conf2;
            } else {
                free(again);
            }
        }
        if (text) {
            bool same_row = i > 0 && out->box[i].y == out->box[i - 1].y && out->lines > 0;
            int before = out->lines;
            append_line(out, &len, text, conf, same_row);
            if (out->lines > before || same_row)
                conf_sum += conf;
            free(text);
        }
        free(line);
    }
    free(mask);
    if (n < 0)
        rc = n;
    out->confidence = out->lines ? conf_sum / out->lines : 0;
    out->cpu_us = thread_cpu_us() - cpu0;
    return rc;
}

static void osdm_thread_done(void)
{
    for (int i = 0; i < 2; i++)
        if (engine[i]) {
            TessBaseAPIEnd(engine[i]);
            TessBaseAPIDelete(engine[i]);
            engine[i] = NULL;
        }
}

static const struct osd_api table = {
    .version = OSD_API_VERSION,
    .read = osdm_read,
    .thread_done = osdm_thread_done,
};

__attribute__((visibility("default"))) const struct osd_api *camdex_osd_api(void);
const struct osd_api *camdex_osd_api(void)
{
    return &table;
}
