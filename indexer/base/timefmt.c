/* Time formatting and parsing for the CLI and reports; see timefmt.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/timefmt.h"

int64_t timefmt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since the epoch <-> civil date, proleptic Gregorian, no time zone
 * database involved (the offset is the index's own). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

void timefmt_day(int32_t day, char *buf, size_t len)
{
    int y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(buf, len, "%04d-%02u-%02u", y, m, d);
}

void timefmt_rfc3339(int64_t ms, int32_t offset_s, char *buf, size_t len)
{
    if (ms <= 0) {
        snprintf(buf, len, "%s", "");
        return;
    }
    int64_t local = ms / 1000 + offset_s;
    int64_t days = local / 86400, secs = local % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int off = offset_s / 60;
    if (off == 0)
        snprintf(buf, len, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(secs / 3600),
                 (int)(secs / 60 % 60), (int)(secs % 60));
    else
        snprintf(buf, len, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", y, m, d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
                 off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
}

static int parse_num(const char **p, int digits, int *out)
{
    int v = 0;
    for (int i = 0; i < digits; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -EINVAL;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : dm[m - 1];
}

static int parse_date(const char **p, int32_t *day)
{
    int y, m, d;
    if (parse_num(p, 4, &y) || *(*p)++ != '-' || parse_num(p, 2, &m) || *(*p)++ != '-' ||
        parse_num(p, 2, &d))
        return -EINVAL;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -EINVAL;
    *day = (int32_t)days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

int timefmt_parse_day(const char *s, int32_t *day)
{
    const char *p = s;
    return parse_date(&p, day) || *p ? -EINVAL : 0;
}

int timefmt_parse_time(const char *s, int64_t now_ms, int32_t offset_s, int64_t *ms)
{
    const char *p = s;
    int32_t day;
    if (!*s)
        return -EINVAL;
    /* A span back from now: digits then one unit letter. */
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end != s && n >= 0 && end[0] && !end[1] && strchr("smhd", end[0])) {
        static const struct {
            char unit;
            int64_t ms;
        } units[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}};
        for (size_t i = 0; i < 4; i++)
            if (units[i].unit == end[0] && n < INT64_MAX / units[i].ms) {
                *ms = now_ms - n * units[i].ms;
                return 0;
            }
        return -EINVAL;
    }
    if (parse_date(&p, &day))
        return -EINVAL;
    if (!*p) {
        *ms = (int64_t)day * 86400000 - (int64_t)offset_s * 1000;
        return 0;
    }
    int hh, mm, ss = 0;
    if ((*p != 'T' && *p != ' ') || (p++, parse_num(&p, 2, &hh)) || *p++ != ':' ||
        parse_num(&p, 2, &mm))
        return -EINVAL;
    if (*p == ':' && (p++, parse_num(&p, 2, &ss)))
        return -EINVAL;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    int32_t off = offset_s;
    if (*p == 'Z' || *p == 'z') {
        off = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (parse_num(&p, 2, &oh) || *p++ != ':' || parse_num(&p, 2, &om))
            return -EINVAL;
        off = sign * (oh * 3600 + om * 60);
    }
    if (*p || hh > 23 || mm > 59 || ss > 60)
        return -EINVAL;
    *ms = ((int64_t)day * 86400 + hh * 3600 + mm * 60 + ss - off) * 1000;
    return 0;
}

void timefmt_duration(int64_t ms, char *buf, size_t len)
{
    int64_t s = ms / 1000;
    if (s < 0)
        s = 0;
    if (s >= 86400)
        snprintf(buf, len, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
    else if (s >= 3600)
        snprintf(buf, len, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(buf, len, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(buf, len, "%llds", (long long)s);
}
