/* libFuzzer target for probes/rtp_nal.c: the first byte picks the codec,
 * the rest is an RTP packet whose payload is scanned. */
#include <stddef.h>
#include <stdint.h>

#include "rtp_nal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum probe_codec codec = data[0] & 1 ? PROBE_CODEC_H265 : PROBE_CODEC_H264;
    struct rtp_packet p;
    if (rtp_parse_packet(data + 1, size - 1, &p) != 0)
        return 0;
    if (p.payload < data + 1 || p.payload + p.payload_len > data + size)
        __builtin_trap();
    struct rtp_nal_info info;
    if (rtp_nal_scan(codec, p.payload, p.payload_len, &info) == 0 && info.sps &&
        (info.sps < p.payload || info.sps + info.sps_len > p.payload + p.payload_len))
        __builtin_trap();
    return 0;
}
