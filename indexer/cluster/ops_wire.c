/* The rule for operations passed on to a prober's API; see ops_wire.h. */
#include <stdio.h>
#include <string.h>

#include "cluster/ops_wire.h"

void ops_subject(char *out, size_t cap, const char *zone)
{
    snprintf(out, cap, "camdex.%s.ctl.op", zone);
}

static bool prefix(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && memcmp(s, p, n) == 0;
}

/* Which methods each action takes. */
static bool action_ok(const char *method, const char *action, size_t len)
{
    static const struct {
        const char *action, *methods; /* " M1 M2 " */
    } table[] = {
        {"maintenance", " PUT POST "}, {"probe", " POST "},    {"reference", " GET PUT DELETE "},
        {"reference.png", " GET "},    {"thumbnail", " GET "},
    };
    char m[12];
    if (strlen(method) > 8)
        return false;
    snprintf(m, sizeof(m), " %s ", method);
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strlen(table[i].action) == len && memcmp(table[i].action, action, len) == 0)
            return strstr(table[i].methods, m) != NULL;
    return false;
}

bool ops_target_ok(const char *method, const char *target, size_t len)
{
    static const char base[] = "/api/v1/cameras/";
    if (!method || !target || len > OPS_TARGET_MAX || !prefix(target, len, base))
        return false;
    for (size_t i = 0; i < len; i++)
        if (target[i] <= ' ' || target[i] >= 0x7f || target[i] == '#')
            return false;
    const char *q = memchr(target, '?', len);
    size_t plen = q ? (size_t)(q - target) : len;
    const char *id = target + sizeof(base) - 1;
    const char *slash = memchr(id, '/', plen - (sizeof(base) - 1));
    if (!slash || slash == id)
        return false;
    size_t idlen = (size_t)(slash - id);
    /* The id as a whole segment: not "." or "..", which would climb. */
    if ((idlen == 1 && id[0] == '.') || (idlen == 2 && id[0] == '.' && id[1] == '.'))
        return false;
    const char *action = slash + 1;
    size_t alen = plen - (size_t)(action - target);
    if (memchr(action, '/', alen))
        return false;
    return action_ok(method, action, alen);
}
