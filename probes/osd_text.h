/* What the text burned into a camera's picture (the OSD) says, from the
 * words OCR read off it: the date and time, and whether the camera's name
 * is there. Pure functions over UTF-8 text with hard limits; OCR noise is
 * expected (a "0" read as "O", a missing character), so times are parsed
 * leniently and names matched by similarity, never by equality. */
#ifndef CAMDEX_OSD_TEXT_H
#define CAMDEX_OSD_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest text looked at (bytes): an OSD holds a line or two. */
#define OSD_TEXT_MAX 4096
/* Longest name compared (characters). */
#define OSD_NAME_MAX 128

/* A civil date and time as the camera shows it (its own zone, unknown). */
struct osd_time {
    int year, month, day, hour, minute, second;
};

/* Finds the first date-and-time in `text` (len bytes): year-month-day in
 * the forms cameras use ("2026-12-07", "2026/12/07", "2026.12.07",
 * "2026年12月07日", and month-day-year "12-07-2026"), then within the same
 * run of text a time "13:22:45" (a weekday "星期一" / "Mon" between them
 * is skipped). Full-width digits and colons count; inside a run of digits
 * the letters OCR mistakes for digits (O o D Q → 0, l I | i → 1, Z z → 2,
 * S s → 5, B → 8, g → 9) count as those digits. Returns 0 and fills *t
 * with a valid date and time, or -ENOENT. */
int osd_parse_time(const char *text, size_t len, struct osd_time *t);

/* Seconds from 0000-03-01 of a valid civil time (days_from_civil): two
 * times' difference in seconds. */
long long osd_time_seconds(const struct osd_time *t);

/* How well `name` appears somewhere in `text`, 0..1: 1 - (edits needed to
 * turn `name` into the best-matching stretch of `text`) / (characters of
 * `name`), comparing code points with white space and punctuation (ASCII
 * and CJK) left out and ASCII letters folded to lower case. An empty name
 * scores 0. */
double osd_name_similarity(const char *name, const char *text, size_t len);

/* The OSD judged against the camera's record. A picture whose OSD could not
 * be read is unknown for both checks, never wrong, so each verdict needs
 * evidence OCR was sure of:
 * - the time is judged from the first line that holds a date and time and
 *   that OCR read with at least `min_time_conf`; a year after next year is
 *   a misread digit (a camera whose clock was reset shows an earlier year,
 *   1970 or 2000), so such a time stays unknown;
 * - the name is right when it scores at least `name_right` against any
 *   line; it is wrong only when the time was read (so the text is the
 *   OSD's), it scores below `name_wrong` everywhere, and another line was
 *   read with at least `min_label_conf` (so a name is there, and not ours).
 *   Anything between is unknown. */
enum osd_check { OSD_UNKNOWN = 0, OSD_RIGHT, OSD_WRONG };

struct osd_limits {
    int time_tolerance_s; /* |OSD time - our clock| beyond this is wrong */
    double name_right;    /* similarity at or above: the name is right */
    double name_wrong;    /* below: another name (between: unknown) */
    int min_time_conf;    /* OCR confidence (0..100) a time line needs */
    int min_label_conf;   /* and a line that shows another name */
};

struct osd_verdict {
    enum osd_check time, label;
    long long offset_s; /* OSD time - our clock, when the time was judged */
    double similarity;  /* best similarity of the expected name */
    struct osd_time read;
};

/* Judges what OCR read — `nlines` lines separated by '\n' in text[0..len),
 * line i read with confidence line_conf[i] — against the camera's `name`
 * and our clock `now` (a civil time in the zone the OSD should show). */
void osd_judge(const char *text, size_t len, const int *line_conf, int nlines, const char *name,
               const struct osd_time *now, const struct osd_limits *l, struct osd_verdict *v);

#endif
