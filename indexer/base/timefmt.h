/* Times as people read and type them: RFC 3339 with the index's UTC
 * offset, calendar days, and relative spans like "24h" or "7d". */
#ifndef CAMDEX_TIMEFMT_H
#define CAMDEX_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* "2026-11-27T16:16:08+08:00"; "" for 0 (never). Needs 32 bytes. */
void timefmt_rfc3339(int64_t ms, int32_t offset_s, char *buf, size_t len);
/* "2026-11-27" for a day number (days since 1970-01-01). Needs 11 bytes. */
void timefmt_day(int32_t day, char *buf, size_t len);
/* Parses "YYYY-MM-DD" into a day number. Returns 0 or -EINVAL. */
int timefmt_parse_day(const char *s, int32_t *day);
/* Parses an RFC 3339 time, a day ("YYYY-MM-DD", its local midnight) or a
 * span back from now_ms ("90s", "15m", "24h", "7d"). Returns 0 or -EINVAL. */
int timefmt_parse_time(const char *s, int64_t now_ms, int32_t offset_s, int64_t *ms);
/* "3d 4h", "12m 5s": how long something has lasted. */
void timefmt_duration(int64_t ms, char *buf, size_t len);
int64_t timefmt_now_ms(void);

#endif
