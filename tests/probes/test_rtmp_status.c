/* Tests for probes/rtmp_status.c: what an RTMP server's error text (as
 * libav logs it) says about a camera. */
#include <criterion/criterion.h>
#include <string.h>

#include "rtmp_status.h"

static enum probe_reason map(const char *text)
{
    return rtmp_error_reason(text, strlen(text));
}

Test(rtmp_status, servers_words_decide_the_reason)
{
    static const struct {
        const char *text;
        enum probe_reason want;
    } cases[] = {
        {"Connection rejected: authentication failed", PROBE_R_AUTH_FAILED},
        {"[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ",
         PROBE_R_AUTH_FAILED},
        {"Connection rejected: the number of connections has reached the upper limit",
         PROBE_R_SESSION_LIMIT},
        {"No such stream.", PROBE_R_NOT_FOUND},
        {"Failed to play 34010000001320000001; stream not found.", PROBE_R_NOT_FOUND},
        {"NetStream.Play.StreamNotFound", PROBE_R_NOT_FOUND},
        {"Access denied", PROBE_R_FORBIDDEN},
        {"Connection failed: server error", PROBE_R_SERVER_ERROR},
        {"", PROBE_R_SERVER_ERROR},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_expect_eq(map(cases[i].text), cases[i].want, "\"%s\"", cases[i].text);
    cr_expect_eq(rtmp_error_reason(NULL, 0), PROBE_R_SERVER_ERROR);
}

Test(rtmp_status, only_the_first_512_bytes_are_read)
{
    static char text[2048];
    memset(text, 'x', sizeof(text) - 1);
    memcpy(text + 1000, "no such stream", 14);
    cr_expect_eq(map(text), PROBE_R_SERVER_ERROR, "words past the limit are not looked at");
    cr_expect_eq(rtmp_error_reason("no such stream", 5), PROBE_R_SERVER_ERROR,
                 "nor past the length given");
}
