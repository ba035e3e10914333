/* Composite key layouts of the secondary tables, built and parsed in one
 * place so every user agrees on them. */
#include <string.h>

#include "codec.h"
#include "internal.h"

static size_t put_str(uint8_t *p, const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    memcpy(p, s, n);
    return n;
}

size_t key_by_state(uint8_t *buf, uint8_t state, const char *unit_id)
{
    buf[0] = state;
    return 1 + put_str(buf + 1, unit_id, STORE_ID_MAX);
}

size_t key_by_reason(uint8_t *buf, const char *reason, const char *unit_id)
{
    size_t n = put_str(buf, reason, STORE_REASON_MAX);
    buf[n++] = 0;
    return n + put_str(buf + n, unit_id, STORE_ID_MAX);
}

/* Days are offset by 2^31 so that negative days still sort first. */
size_t key_daily(uint8_t *buf, bool is_unit, const char *id, int32_t day)
{
    buf[0] = is_unit ? 'u' : 'c';
    size_t n = 1 + put_str(buf + 1, id, STORE_ID_MAX);
    buf[n++] = 0;
    be32_put(buf + n, (uint32_t)day ^ 0x80000000u);
    return n + 4;
}

int32_t key_daily_day(const uint8_t *key, size_t len)
{
    return (int32_t)(be32_get(key + len - 4) ^ 0x80000000u);
}
