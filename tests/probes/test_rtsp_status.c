/* Tests for probes/rtsp_status.c: the one RTSP status mapping both tiers
 * use, with the ways cameras say "no free session". */
#include <criterion/criterion.h>
#include <string.h>

#include "rtsp_status.h"

struct status_case {
    int status;
    const char *method;
    const char *phrase;
    const char *body;
    enum probe_reason want;
};

static enum probe_reason map(const struct status_case *c)
{
    return rtsp_status_reason(c->status, c->method, c->phrase, c->phrase ? strlen(c->phrase) : 0,
                              c->body, c->body ? strlen(c->body) : 0);
}

Test(rtsp_status, each_status_maps_to_its_reason)
{
    static const struct status_case cases[] = {
        {401, "DESCRIBE", "Unauthorized", NULL, PROBE_R_AUTH_FAILED},
        {403, "DESCRIBE", "Forbidden", NULL, PROBE_R_FORBIDDEN},
        {403, "PLAY", "Forbidden", NULL, PROBE_R_FORBIDDEN},
        {403, NULL, "Forbidden", NULL, PROBE_R_FORBIDDEN},
        {404, "DESCRIBE", "Stream Not Found", NULL, PROBE_R_NOT_FOUND},
        {453, "SETUP", "Not Enough Bandwidth", NULL, PROBE_R_SESSION_LIMIT},
        {453, "DESCRIBE", "", NULL, PROBE_R_SESSION_LIMIT},
        {461, "SETUP", "Unsupported Transport", NULL, PROBE_R_PROTOCOL_ERROR},
        {400, "OPTIONS", "Bad Request", NULL, PROBE_R_SERVER_ERROR},
        {454, "PLAY", "Session Not Found", NULL, PROBE_R_SERVER_ERROR},
        {500, "DESCRIBE", "Internal Server Error", NULL, PROBE_R_SERVER_ERROR},
        {503, "DESCRIBE", "Service Unavailable", NULL, PROBE_R_SERVER_ERROR},
        {503, "SETUP", "Session limit reached", NULL, PROBE_R_SESSION_LIMIT},
        {503, "SETUP", "Server Busy", NULL, PROBE_R_SESSION_LIMIT},
        {503, "SETUP", "Service Unavailable", "too many sessions", PROBE_R_SESSION_LIMIT},
        {150, "OPTIONS", "Odd", NULL, PROBE_R_PROTOCOL_ERROR},
        {302, "DESCRIBE", "Found", NULL, PROBE_R_PROTOCOL_ERROR},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_expect_eq(map(&cases[i]), cases[i].want, "%d %s to %s: %s, expected %s", cases[i].status,
                     cases[i].phrase, cases[i].method ? cases[i].method : "-",
                     probe_reason_name(map(&cases[i])), probe_reason_name(cases[i].want));
}

/* Dahua-style firmware answers a SETUP beyond its slots with 403 and says
 * why only in the body; libavformat drops bodies, so the deep probe has
 * the method alone, and must come to the same verdict. */
Test(rtsp_status, dahua_403_to_setup_is_a_session_limit_with_or_without_the_body)
{
    struct status_case with_body = {
        403, "SETUP", "Forbidden",
        "Forbidden: the number of connections has reached the upper limit", 0};
    struct status_case without = {403, "SETUP", "Forbidden", NULL, 0};
    cr_expect_eq(map(&with_body), PROBE_R_SESSION_LIMIT);
    cr_expect_eq(map(&without), PROBE_R_SESSION_LIMIT);
    /* The same words at DESCRIBE still name the limit. */
    with_body.method = "DESCRIBE";
    cr_expect_eq(map(&with_body), PROBE_R_SESSION_LIMIT);
}

Test(rtsp_status, phrase_and_body_are_read_only_within_their_lengths)
{
    /* "limit" lies past the given length: not read. */
    const char phrase[] = "Service Unavailable limit";
    cr_expect_eq(rtsp_status_reason(503, "SETUP", phrase, 19, NULL, 0), PROBE_R_SERVER_ERROR);
    cr_expect_eq(rtsp_status_reason(503, "SETUP", phrase, sizeof(phrase) - 1, NULL, 0),
                 PROBE_R_SESSION_LIMIT);
    cr_expect_eq(rtsp_status_reason(403, "PLAY", NULL, 5, NULL, 7), PROBE_R_FORBIDDEN);
}
