/* RTSP error status -> probe reason (see rtsp_status.h). */
#include "rtsp_status.h"

#include <stdbool.h>
#include <string.h>

static bool icontains(const char *s, size_t n, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 0; s && i + wl <= n; i++) {
        size_t k = 0;
        while (k < wl && (s[i + k] | 0x20) == (word[k] | 0x20))
            k++;
        if (k == wl)
            return true;
    }
    return false;
}

/* Words firmware uses for "every session slot is taken". */
static bool names_a_limit(const char *s, size_t n)
{
    static const char *const words[] = {"session", "bandwidth", "limit", "busy"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (icontains(s, n, words[i]))
            return true;
    return false;
}

enum probe_reason rtsp_status_reason(int status, const char *method, const char *phrase,
                                     size_t phrase_len, const char *body, size_t body_len)
{
    bool limit_named = names_a_limit(phrase, phrase_len) || names_a_limit(body, body_len);
    switch (status) {
    case 401:
        return PROBE_R_AUTH_FAILED;
    case 403:
        return limit_named || (method && strcmp(method, "SETUP") == 0) ? PROBE_R_SESSION_LIMIT
                                                                       : PROBE_R_FORBIDDEN;
    case 404:
        return PROBE_R_NOT_FOUND;
    case 453:
        return PROBE_R_SESSION_LIMIT;
    case 461:
        return PROBE_R_PROTOCOL_ERROR;
    case 503:
        return limit_named ? PROBE_R_SESSION_LIMIT : PROBE_R_SERVER_ERROR;
    default:
        break;
    }
    if (status < 200 || (status >= 300 && status < 400))
        return PROBE_R_PROTOCOL_ERROR;
    return PROBE_R_SERVER_ERROR;
}
