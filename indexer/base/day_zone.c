/* Day zones: offsets, "local" and tz database names; see day_zone.h.
 * A name is resolved from its TZif file's footer, the POSIX rule that
 * says how the zone's clocks run now (RFC 8536, section 3.3), rather than
 * through setenv("TZ") and tzset, which would change the zone of a whole
 * process whose other threads format times. */
#include "base/day_zone.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A TZif file is a few kilobytes; its footer is its last line. */
#define TZIF_READ_MAX (256 * 1024)

/* [+-]hh[:mm[:ss]] or [+-]hh[mm]; the sign is required when `signed_only`.
 * Returns the characters read, 0 when there is no offset there. */
static size_t parse_hms(const char *s, size_t len, bool signed_only, int32_t *out)
{
    size_t i = 0;
    int sign = 1;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        sign = s[i++] == '-' ? -1 : 1;
    else if (signed_only)
        return 0;
    int32_t part[3] = {0, 0, 0};
    int n = 0;
    while (n < 3 && i < len && isdigit((unsigned char)s[i])) {
        int digits = 0, v = 0;
        while (i < len && isdigit((unsigned char)s[i]) && digits < 2) {
            v = v * 10 + (s[i++] - '0');
            digits++;
        }
        part[n++] = v;
        if (i < len && s[i] == ':' && n < 3)
            i++;
        else if (!(i < len && isdigit((unsigned char)s[i])))
            break;
    }
    if (n == 0 || (i > 0 && s[i - 1] == ':') || part[1] > 59 || part[2] > 59 || part[0] > 24)
        return 0;
    *out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    return i;
}

int day_zone_posix(const char *rule, size_t len, int32_t *offset_s)
{
    size_t i = 0;
    if (i < len && rule[i] == '<') { /* a quoted name: <+0530> */
        while (++i < len && rule[i] != '>')
            if (!isalnum((unsigned char)rule[i]) && rule[i] != '+' && rule[i] != '-')
                return -EINVAL;
        if (i >= len || i < 4)
            return -EINVAL;
        i++;
    } else {
        while (i < len && isalpha((unsigned char)rule[i]))
            i++;
        if (i < 3)
            return -EINVAL;
    }
    int32_t west;
    size_t n = parse_hms(rule + i, len - i, false, &west);
    if (n == 0)
        return -EINVAL;
    i += n;
    /* POSIX counts hours west of Greenwich: CST-8 is eight hours east. */
    *offset_s = -west;
    return i < len ? -EDOM : 0; /* a daylight-saving name and its rules follow */
}

static bool name_ok(const char *zone, size_t len)
{
    if (len == 0 || len > DAY_ZONE_NAME_MAX || zone[0] == '/' || strstr(zone, ".."))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)zone[i]) && !strchr("/_+-", zone[i]))
            return false;
    return true;
}

/* The footer of the zone's TZif file, version 2 or later (a version 1 file
 * has none). */
static int read_footer(const char *zone, char *rule, size_t cap, char *err, size_t errlen)
{
    const char *dir = getenv("TZDIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen,
                 "\"%s\" is not a zone of the tz database (%s: %s; install tzdata, or give the "
                 "offset, e.g. +08:00)",
                 zone, path, strerror(errno));
        return -EINVAL;
    }
    char *buf = malloc(TZIF_READ_MAX);
    ssize_t got = buf ? read(fd, buf, TZIF_READ_MAX) : -1;
    close(fd);
    int rc = -EINVAL;
    if (got > 6 && memcmp(buf, "TZif", 4) == 0 && buf[4] >= '2' && buf[got - 1] == '\n') {
        ssize_t start = got - 1;
        while (start > 0 && buf[start - 1] != '\n')
            start--;
        size_t n = (size_t)(got - 1 - start);
        if (start > 0 && n > 0 && n < cap) {
            memcpy(rule, buf + start, n);
            rule[n] = '\0';
            rc = 0;
        }
    }
    free(buf);
    if (rc)
        snprintf(err, errlen,
                 "%s is not a tz database file of version 2 or later; give the "
                 "offset instead, e.g. +08:00",
                 path);
    return rc;
}

static int by_name(const char *zone, int32_t *offset_s, char *err, size_t errlen)
{
    char rule[128];
    int rc = read_footer(zone, rule, sizeof(rule), err, errlen);
    if (rc)
        return rc;
    rc = day_zone_posix(rule, strlen(rule), offset_s);
    if (rc == -EDOM) {
        char std[16];
        day_zone_format(*offset_s, std, sizeof(std));
        snprintf(err, errlen,
                 "%s has daylight saving time, so some of its days are 23 or 25 hours long and "
                 "their rates would be wrong; give the offset days should roll at, e.g. its "
                 "standard time %s",
                 zone, std);
    } else if (rc)
        snprintf(err, errlen,
                 "%s: the zone's rule \"%.40s\" cannot be read; give the offset "
                 "instead, e.g. +08:00",
                 zone, rule);
    return rc ? -EINVAL : 0;
}

int day_zone_offset(const char *zone, int32_t *offset_s, char *err, size_t errlen)
{
    size_t len = strnlen(zone, DAY_ZONE_NAME_MAX + 1);
    int32_t off = 0;
    int rc = 0;
    if (strcmp(zone, "UTC") == 0 || strcmp(zone, "Z") == 0) {
        off = 0;
    } else if (strcmp(zone, "local") == 0) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        off = (int32_t)tm.tm_gmtoff;
    } else if (zone[0] == '+' || zone[0] == '-') {
        if (parse_hms(zone, len, true, &off) != len || len > 9) {
            snprintf(err, errlen, "\"%.*s\" is not an offset (use e.g. +08:00 or -05:30)",
                     (int)(len > 16 ? 16 : len), zone);
            return -EINVAL;
        }
    } else if (name_ok(zone, len)) {
        rc = by_name(zone, &off, err, errlen);
    } else {
        snprintf(err, errlen,
                 "\"%.*s\" is not a zone (use a tz database name such as Asia/Shanghai, an "
                 "offset such as +08:00, UTC or local)",
                 (int)(len > 64 ? 64 : len), zone);
        return -EINVAL;
    }
    if (!rc && (off < DAY_ZONE_WEST_MAX_S || off > DAY_ZONE_EAST_MAX_S)) {
        snprintf(err, errlen, "%.*s is outside -12:00 to +14:00", (int)(len > 16 ? 16 : len), zone);
        rc = -EINVAL;
    }
    if (!rc)
        *offset_s = off;
    return rc;
}

void day_zone_format(int32_t offset_s, char *buf, size_t len)
{
    int32_t a = offset_s < 0 ? -offset_s : offset_s;
    snprintf(buf, len, "%c%02d:%02d", offset_s < 0 ? '-' : '+', (int)(a / 3600),
             (int)(a % 3600 / 60));
}
