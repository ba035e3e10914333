/* The times camdex prints, read back as calendar fields for a workbook's
 * date cells: a spreadsheet date has no zone, so the wall time a person
 * reads in the text is kept and the UTC offset dropped. */
#ifndef CAMDEX_VIEWS_XLSX_DATE_H
#define CAMDEX_VIEWS_XLSX_DATE_H

#include <stdbool.h>
#include <stddef.h>

#define XLSX_DATE_TEXT_MAX 40 /* longer text is not one of our times */

struct xlsx_date {
    int year, month, day; /* 1900..9999 (a workbook's calendar starts in 1900) */
    int hour, min;
    double sec; /* with the fraction, if the text had one */
    bool has_time;
};

/* Parses "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ss[.f...](Z|+hh:mm|-hh:mm)" (a
 * space may stand for the T) from s[0..len). A pure function: 0, or
 * -EINVAL for anything else, including impossible dates (2026-02-30). */
int xlsx_date_parse(const char *s, size_t len, struct xlsx_date *d);

#endif
