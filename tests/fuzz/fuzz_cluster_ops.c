/* libFuzzer target for the rule a prober applies to an operation the
 * central asks of it (indexer/cluster/ops_wire.c): method, a NUL, then the
 * target. What passes must be one of the routed operations under
 * /api/v1/cameras/ID/, with no byte that could change the request the
 * prober makes of its own API (space, control, '#', non-ASCII) and no
 * segment that climbs. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cluster/ops_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void trap_unless(int ok)
{
    if (!ok)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[OPS_TARGET_MAX + 64];
    if (size >= sizeof(buf))
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    const char *method = buf;
    size_t mlen = strlen(method);
    if (mlen == size)
        return 0;
    const char *target = buf + mlen + 1;
    size_t tlen = size - mlen - 1;
    if (memchr(target, 0, tlen))
        return 0;
    if (!ops_target_ok(method, target, tlen))
        return 0;
    trap_unless(strncmp(target, "/api/v1/cameras/", 16) == 0);
    for (size_t i = 0; i < tlen; i++)
        trap_unless(target[i] > ' ' && target[i] < 0x7f && target[i] != '#');
    const char *q = memchr(target, '?', tlen);
    size_t plen = q ? (size_t)(q - target) : tlen;
    /* Exactly /api/v1/cameras/ID/ACTION: five slashes before the query. */
    int slashes = 0;
    for (size_t i = 0; i < plen; i++)
        slashes += target[i] == '/';
    trap_unless(slashes == 5);
    /* No segment of the path climbs (the query is the API's to read). */
    char path[OPS_TARGET_MAX + 2];
    memcpy(path, target, plen);
    memcpy(path + plen, "/", 2);
    trap_unless(!strstr(path, "/../") && !strstr(path, "/./"));
    trap_unless(!strcmp(method, "GET") || !strcmp(method, "PUT") || !strcmp(method, "POST") ||
                !strcmp(method, "DELETE"));
    return 0;
}
