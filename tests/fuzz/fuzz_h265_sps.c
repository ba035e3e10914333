/* libFuzzer target for probes/h265_sps.c (SPS and VPS) and the Annex B
 * scans in probes/video_params.c and probes/video_nal.c. */
#include <stddef.h>
#include <stdint.h>

#include "h265_sps.h"
#include "video_nal.h"
#include "video_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct video_params vp;
    if (h265_parse_sps(data, size, &vp) == 0) {
        if (vp.width <= 0 || vp.height <= 0 || vp.width > 16888 || vp.height > 16888)
            __builtin_trap();
        struct probe_video pv;
        video_params_to_probe(&vp, &pv);
    }
    h265_parse_vps(data, size, &vp);
    /* The same bytes as an Annex B stream, as the deep probe scans
     * extradata and keyframe packets. */
    if (video_params_from_annexb(PROBE_CODEC_H265, data, size, &vp) == 0 &&
        (vp.width <= 0 || vp.height <= 0 || vp.width > 16888 || vp.height > 16888))
        __builtin_trap();
    video_annexb_has_irap(PROBE_CODEC_H265, data, size);
    return 0;
}
