/* GB/T 28181 device and organisation codes: 20 digits naming the centre
 * (region + grassroots unit), industry, device type, network and serial. */
#ifndef CAMDEX_GBID_H
#define CAMDEX_GBID_H

#include <stddef.h>
#include <stdint.h>

#define GBID_LEN 20

/* Common type codes (GB/T 28181-2016 appendix D). */
enum {
    GBID_TYPE_DVR = 111,
    GBID_TYPE_VIDEO_SERVER = 112,
    GBID_TYPE_ENCODER = 113,
    GBID_TYPE_NVR = 118,
    GBID_TYPE_CAMERA = 131,
    GBID_TYPE_IPC = 132,
    GBID_TYPE_SIP_SERVER = 200,
    GBID_TYPE_BUSINESS_GROUP = 215,
    GBID_TYPE_VIRTUAL_ORG = 216,
};

struct gbid {
    char region[7];     /* province 2 + city 2 + district 2, e.g. "320105" */
    uint8_t province;   /* 11..82 */
    uint8_t city;       /* 0 when the code names a whole province */
    uint8_t district;   /* 0 when the code names a whole city */
    uint8_t grassroots; /* grassroots unit (基层接入单位), 2 digits */
    uint8_t industry;   /* 2 digits, e.g. 00 public security road */
    uint16_t type;      /* 3 digits, e.g. 132 IPC */
    uint8_t network;    /* 1 digit, see gbid_network_name */
    uint32_t serial;    /* 6 digits */
};

/* Parse a 20-digit code. Returns 0, or -EINVAL when `id` is not exactly 20
 * ASCII digits or its province code is not one of China's. */
int gbid_parse(const char *id, struct gbid *out);

/* Short English names; "unknown" for codes without one. */
const char *gbid_type_name(unsigned type);
const char *gbid_network_name(unsigned digit);
const char *gbid_industry_name(unsigned industry);

/* "region 320105 grassroots 00, industry 00, type 132 IPC, network 0
 * (monitoring private network), serial 000123". Returns what snprintf
 * returns (the length it needed), or -EINVAL. */
int gbid_describe(const struct gbid *g, char *out, size_t outlen);

#endif
