/* libFuzzer target for probes/osd_text.c: any bytes as what OCR read. A
 * time found must be a valid civil time; a similarity is within 0..1 and
 * a name always matches itself; the judge's verdicts are in range. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "osd_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > OSD_TEXT_MAX + 64)
        return 0;
    const char *text = (const char *)data;
    struct osd_time t;
    if (osd_parse_time(text, size, &t) == 0 &&
        (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 ||
         t.minute > 59 || t.second > 59 || t.year < 1970))
        __builtin_trap();
    /* The first bytes (up to a NUL) as a name, the rest as the text. */
    char name[64];
    size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
    memcpy(name, data, n);
    name[n] = 0;
    double s = osd_name_similarity(name, text, size);
    if (s < 0 || s > 1)
        __builtin_trap();
    int conf[4] = {90, 90, 30, 80};
    struct osd_time now = {2026, 12, 7, 13, 22, 50};
    struct osd_limits l = {10, 0.75, 0.4, 60, 75};
    struct osd_verdict v;
    osd_judge(text, size, conf, 4, name, &now, &l, &v);
    if ((unsigned)v.time > OSD_WRONG || (unsigned)v.label > OSD_WRONG || v.similarity > 1)
        __builtin_trap();
    return 0;
}
