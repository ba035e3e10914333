/* The network model's figures: parsing and seeded draws (see netmodel.h). */
#include "netmodel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64: small, well mixed, the same on every machine. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t next(uint64_t *s)
{
    return mix(*s += 0x9E3779B97F4A7C15ull);
}

bool net_model_active(const struct net_model *m)
{
    return m->latency_ms || m->think_max_ms || m->loss_ppm;
}

/* A whole number of milliseconds, 0..NET_DELAY_MAX_MS; *end after it. */
static int parse_ms(const char *s, char **end, uint32_t *out)
{
    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(s, end, 10);
    if (errno || v > NET_DELAY_MAX_MS)
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

/* "A" or "A:B" into a, b (b = second when absent). */
static int parse_pair(const char *s, uint32_t *a, uint32_t *b, uint32_t second)
{
    char *end;
    if (parse_ms(s, &end, a) < 0)
        return -EINVAL;
    *b = second;
    if (*end == ':' && parse_ms(end + 1, &end, b) < 0)
        return -EINVAL;
    return *end ? -EINVAL : 0;
}

int net_model_parse_latency(struct net_model *m, const char *s)
{
    uint32_t lat, jit;
    if (parse_pair(s, &lat, &jit, 0) < 0 || jit > lat)
        return -EINVAL;
    m->latency_ms = lat;
    m->jitter_ms = jit;
    return 0;
}

int net_model_parse_think(struct net_model *m, const char *s)
{
    uint32_t lo, hi;
    if (parse_pair(s, &lo, &hi, UINT32_MAX) < 0)
        return -EINVAL;
    if (hi == UINT32_MAX)
        hi = lo;
    if (hi < lo)
        return -EINVAL;
    m->think_min_ms = lo;
    m->think_max_ms = hi;
    return 0;
}

int net_model_parse_loss(struct net_model *m, const char *s)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s)
        return -EINVAL;
    if (*end == '%') {
        v /= 100;
        end++;
    }
    if (*end || v < 0 || v > 1)
        return -EINVAL;
    m->loss_ppm = (uint32_t)(v * 1e6 + 0.5);
    return 0;
}

uint32_t net_model_rtt_ms(const struct net_model *m, uint64_t *rng)
{
    if (!m->jitter_ms)
        return m->latency_ms;
    uint32_t span = 2 * m->jitter_ms + 1;
    return m->latency_ms - m->jitter_ms + (uint32_t)(next(rng) % span);
}

uint32_t net_model_think_ms(const struct net_model *m, uint64_t *rng)
{
    if (m->think_max_ms == m->think_min_ms)
        return m->think_min_ms;
    uint32_t span = m->think_max_ms - m->think_min_ms + 1;
    return m->think_min_ms + (uint32_t)(next(rng) % span);
}

bool net_model_lost(const struct net_model *m, uint64_t n)
{
    if (!m->loss_ppm)
        return false;
    return mix(m->seed * 0x9E3779B97F4A7C15ull + n + 1) % 1000000 < m->loss_ppm;
}
