/* RTMP server error text -> probe reason (see rtmp_status.h). */
#include "rtmp_status.h"

#include <stdbool.h>
#include <string.h>

static bool icontains(const char *s, size_t n, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 0; i + wl <= n; i++) {
        size_t k = 0;
        while (k < wl && (s[i + k] | 0x20) == (word[k] | 0x20))
            k++;
        if (k == wl)
            return true;
    }
    return false;
}

static bool any(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (icontains(s, n, *words))
            return true;
    return false;
}

enum probe_reason rtmp_error_reason(const char *text, size_t len)
{
    static const char *const limit[] = {"limit", "too many", "busy", "session", "bandwidth", NULL};
    static const char *const missing[] = {"not found", "notfound", "no such", NULL};
    static const char *const auth[] = {"auth", "password", "credential", "reject", NULL};
    static const char *const denied[] = {"forbidden", "denied", NULL};
    if (!text)
        return PROBE_R_SERVER_ERROR;
    size_t n = strnlen(text, len < RTMP_STATUS_TEXT_MAX ? len : RTMP_STATUS_TEXT_MAX);
    if (any(text, n, limit))
        return PROBE_R_SESSION_LIMIT;
    if (any(text, n, missing))
        return PROBE_R_NOT_FOUND;
    if (any(text, n, auth))
        return PROBE_R_AUTH_FAILED;
    if (any(text, n, denied))
        return PROBE_R_FORBIDDEN;
    return PROBE_R_SERVER_ERROR;
}
