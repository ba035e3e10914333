/* The interface between the program and the OSD module (camdex-osd.so,
 * built from probes/osd/): reading the text burned into a camera's picture
 * with Tesseract. Tesseract and its language data (~50 MB mapped, libstdc++,
 * leptonica) load only when a look at the OSD is due, never for a CLI query.
 * osd_read.h is what the program calls; osdm_* in the module implements it. */
#ifndef CAMDEX_OSD_API_H
#define CAMDEX_OSD_API_H

#include <stdint.h>

#include "osd_locate.h"
#include "osd_text.h"

#define OSD_API_VERSION 1

/* A picture's luma plane at the size the camera streams (OSD characters are
 * a few pixels wide: a downscaled picture loses them). */
struct osd_image {
    const uint8_t *luma;
    int width, height, stride;
};

/* What OCR read off the picture. */
struct osd_reading {
    int lines;                         /* text lines found and read */
    char text[OSD_TEXT_MAX / 2];       /* those lines, '\n' between, clean UTF-8 */
    int confidence;                    /* Tesseract's mean word confidence, 0..100 */
    int line_conf[OSD_MAX_BOXES];      /* each line's, in the order of text */
    struct osd_box box[OSD_MAX_BOXES]; /* where each line was */
    uint32_t cpu_us;                   /* CPU time of this thread for the reading */
};

struct osd_api {
    int version; /* OSD_API_VERSION */
    int (*read)(const struct osd_image *img, struct osd_reading *out);
    void (*thread_done)(void);
};

#define OSD_API_SYMBOL "camdex_osd_api"

#endif
