/* libFuzzer target for probes/rtsp_auth.c. The same bytes are read two
 * ways: as a WWW-Authenticate challenge from a camera, and as a packed
 * memo from the index (which a damaged or foreign file can hold). Whatever
 * either yields, the Authorization header built from it must never carry a
 * line break (header injection), and a memo that unpacks must pack back to
 * the same challenge. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rtsp_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void answer(const struct rtsp_auth_challenge *ch, uint32_t nc)
{
    char hdr[RTSP_AUTH_HEADER_MAX];
    if (rtsp_auth_header(ch, "admin", "12345", "DESCRIBE", "rtsp://10.1.2.3/live", nc, "0a4f113b",
                         hdr, sizeof(hdr)) == 0) {
        if (strpbrk(hdr, "\r\n"))
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rtsp_auth_challenge ch;
    if (rtsp_auth_parse((const char *)data, size, &ch) == 0)
        answer(&ch, 1);

    uint32_t nc;
    if (rtsp_auth_memo_unpack(data, size, &ch, &nc) == 0) {
        answer(&ch, nc + 1);
        uint8_t packed[RTSP_AUTH_MEMO_MAX];
        int n = rtsp_auth_memo_pack(&ch, nc, packed, sizeof(packed));
        struct rtsp_auth_challenge back;
        uint32_t nc_back;
        if (n > 0) {
            if (rtsp_auth_memo_unpack(packed, (size_t)n, &back, &nc_back) != 0 || nc_back != nc ||
                back.scheme != ch.scheme || strcmp(back.realm, ch.realm) != 0 ||
                strcmp(back.nonce, ch.nonce) != 0 || strcmp(back.opaque, ch.opaque) != 0)
                __builtin_trap();
        }
    }
    return 0;
}
