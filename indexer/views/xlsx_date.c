/* Reading our own day and RFC 3339 texts into calendar fields; see
 * xlsx_date.h. */
#include <errno.h>
#include <string.h>

#include "views/xlsx_date.h"

/* n ASCII digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int month_days(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* "Z", or "+hh:mm" / "-hh:mm" with a real offset, and nothing after it. */
static bool zone_ok(const char *s, size_t len)
{
    if (len == 1)
        return s[0] == 'Z' || s[0] == 'z';
    if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
        return false;
    int h = digits(s + 1, 2), m = digits(s + 4, 2);
    return h >= 0 && h <= 23 && m >= 0 && m <= 59;
}

static int parse_time(const char *s, size_t len, struct xlsx_date *d)
{
    /* "hh:mm:ss" at least, then an optional fraction, then the zone. */
    if (len < 9 || s[2] != ':' || s[5] != ':')
        return -EINVAL;
    d->hour = digits(s, 2);
    d->min = digits(s + 3, 2);
    int sec = digits(s + 6, 2);
    if (d->hour < 0 || d->hour > 23 || d->min < 0 || d->min > 59 || sec < 0 || sec > 59)
        return -EINVAL;
    d->sec = sec;
    size_t i = 8;
    if (s[i] == '.') {
        /* Nanoseconds at most, cut, not rounded: summed as a double, a
         * long run of nines after 59 came to 60.0, a second that does not
         * exist. */
        long nanos = 0, unit = 100000000;
        size_t start = ++i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, unit /= 10)
            nanos += (s[i] - '0') * unit;
        if (i == start)
            return -EINVAL;
        d->sec += (double)nanos / 1e9;
    }
    d->has_time = true;
    return zone_ok(s + i, len - i) ? 0 : -EINVAL;
}

int xlsx_date_parse(const char *s, size_t len, struct xlsx_date *d)
{
    memset(d, 0, sizeof(*d));
    if (!s || len < 10 || len > XLSX_DATE_TEXT_MAX || s[4] != '-' || s[7] != '-')
        return -EINVAL;
    d->year = digits(s, 4);
    d->month = digits(s + 5, 2);
    d->day = digits(s + 8, 2);
    if (d->year < 1900 || d->month < 1 || d->month > 12 || d->day < 1 ||
        d->day > month_days(d->year, d->month))
        return -EINVAL;
    if (len == 10)
        return 0;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return -EINVAL;
    return parse_time(s + 11, len - 11, d);
}
