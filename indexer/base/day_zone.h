/* The zone in which the index's days roll ([camdex] day_zone): daily
 * rollups, online rates and reports count days from midnight there. The
 * index keeps it as a fixed offset east of UTC (storage's store_day_of is
 * the one definition of a day), so a zone is taken only if its clocks
 * never change: a zone with daylight saving would make some days 23 or
 * 25 hours long and the rates of those days wrong. */
#ifndef CAMDEX_DAY_ZONE_H
#define CAMDEX_DAY_ZONE_H

#include <stddef.h>
#include <stdint.h>

#define DAY_ZONE_NAME_MAX 64
/* Offsets the world's clocks use: UTC-12:00 to UTC+14:00. */
#define DAY_ZONE_WEST_MAX_S (-12 * 3600)
#define DAY_ZONE_EAST_MAX_S (14 * 3600)

/* The offset of a zone given as "UTC" (or "Z"), "+08:00" / "-05:30" /
 * "+8" / "+0800", "local" (this machine's offset now), or a tz database
 * name ("Asia/Shanghai") read from $TZDIR or /usr/share/zoneinfo.
 * Returns 0, or -EINVAL with the reason in err. */
int day_zone_offset(const char *zone, int32_t *offset_s, char *err, size_t errlen);

/* The offset a POSIX TZ rule gives ("CST-8", "<+0530>-5:30"), the last
 * line of a TZif file. Pure. Returns 0, -EINVAL when it is not a rule,
 * -EDOM when the rule has daylight saving (offset_s is then its standard
 * time's). */
int day_zone_posix(const char *rule, size_t len, int32_t *offset_s);

/* "+08:00", "-05:30", "+00:00". */
void day_zone_format(int32_t offset_s, char *buf, size_t len);

#endif
