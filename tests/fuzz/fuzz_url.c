/* libFuzzer target for probes/url.c: parse any string, redact it into
 * buffers of every small size, and check what redaction promises. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * PROBE_URL_MAX)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    static struct probe_url u;
    if (probe_url_parse(s, &u) == 0) {
        if (u.port == 0 || u.host[0] == '\0' || u.path[0] != '/' || u.error)
            __builtin_trap();
    } else if (!u.error || u.password[0]) {
        __builtin_trap(); /* a failure explains itself and keeps no password */
    }

    const char *sep = strstr(s, "://");
    int has_at = sep && strchr(sep + 3, '@');
    size_t sizes[] = {8, 9, 16, 40, 200, PROBE_URL_MAX + 8};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *out = malloc(sizes[i]);
        int n = probe_url_redact(s, out, sizes[i]);
        if (n < 0 || (size_t)n != strlen(out) || (size_t)n >= sizes[i])
            __builtin_trap();
        for (int k = 0; k < n; k++)
            if ((unsigned char)out[k] < 0x20 || out[k] == 0x7f)
                __builtin_trap();
        /* Whenever credentials may be present, the marker must replace them. */
        if (has_at && sizes[i] >= 200 && !strstr(out, "***"))
            __builtin_trap();
        free(out);
    }
    free(s);
    return 0;
}
