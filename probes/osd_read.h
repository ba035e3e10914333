/* Reading a camera's OSD text (time and name burned into the picture) with
 * the OSD module, loaded on first use (module_load.c). Blocking and
 * CPU-heavy (0.1-0.5 s a picture): call it on a worker thread. */
#ifndef CAMDEX_OSD_READ_H
#define CAMDEX_OSD_READ_H

#include "osd_api.h"

/* Finds the OSD's text lines and reads them. 0 with out filled (lines may
 * be 0: nothing that looks like OSD text), -EINVAL for a bad picture,
 * -ENOSYS when the module is not available, -ENOMEM, -EIO when Tesseract
 * cannot start (its language data missing: the error says which). */
int osd_read(const struct osd_image *img, struct osd_reading *out);

/* Frees this thread's OCR engine (each thread that reads keeps one, ~100 MB
 * of model state shared read-only between them). */
void osd_thread_done(void);

/* Why the module is unavailable, or NULL; the file it was loaded from. */
const char *osd_module_error(void);
const char *osd_module_path(void);

#endif
