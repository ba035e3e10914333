/* libFuzzer target for probes/sdp.c: parse, then resolve every control URL
 * against a request URL taken from the input itself. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sdp s;
    if (sdp_parse((const char *)data, size, &s) != 0)
        return 0;
    for (size_t i = 0; i < s.nmedia; i++) {
        char out[1024];
        sdp_resolve_control("rtsp://10.1.2.3:554/cam/realmonitor?channel=1&subtype=0", s.control,
                            NULL, s.control, s.media[i].control, out, sizeof(out));
        sdp_resolve_control(s.media[i].control[0] ? s.media[i].control : "rtsp://h/", NULL,
                            s.control, NULL, s.media[i].control, out, 64);
        sdp_media_codec(&s.media[i]);
        if (s.media[i].sps.len > SDP_NAL_MAX || s.media[i].pps.len > SDP_NAL_MAX)
            __builtin_trap();
    }
    return 0;
}
