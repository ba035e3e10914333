/* GB/T 28181 20-digit code parsing and naming. */
#include "base/gbid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
    uint16_t code;
    const char *name;
} types[] = {
    {111, "DVR"},
    {112, "video server"},
    {113, "encoder"},
    {114, "decoder"},
    {115, "video switching matrix"},
    {116, "audio switching matrix"},
    {117, "alarm controller"},
    {118, "NVR"},
    {130, "HVR"},
    {131, "camera"},
    {132, "IPC"},
    {133, "display"},
    {134, "alarm input"},
    {135, "alarm output"},
    {136, "audio input"},
    {137, "audio output"},
    {138, "mobile transmitter"},
    {139, "other peripheral"},
    {200, "SIP server"},
    {201, "web application server"},
    {202, "media server"},
    {203, "proxy server"},
    {204, "security server"},
    {205, "alarm server"},
    {206, "database server"},
    {207, "GIS server"},
    {208, "management server"},
    {209, "access gateway"},
    {210, "media storage server"},
    {211, "signalling security gateway"},
    {215, "business group"},
    {216, "virtual organisation"},
    {300, "central user"},
    {400, "end user"},
};

static const char *const networks[] = {
    "monitoring private network", "monitoring private network",
    "monitoring private network", "monitoring private network",
    "monitoring private network", "public-security network",
    "government network",         "Internet",
    "social resources network",
};

/* 00..11 are the video-surveillance industries of appendix D; 40..59
 * follow the sections of GB/T 4754 (industries of the national economy),
 * which is how social resources are coded. */
static const struct {
    uint8_t code;
    const char *name;
} industries[] = {
    {0, "public security, road"},
    {1, "public security, community"},
    {2, "public security, indoor"},
    {3, "public security, other"},
    {4, "traffic, road"},
    {5, "traffic, checkpoint"},
    {6, "traffic, indoor"},
    {7, "traffic, other"},
    {8, "city management"},
    {9, "health and environment"},
    {10, "customs and inspection"},
    {11, "education"},
    {40, "agriculture"},
    {41, "mining"},
    {42, "manufacturing"},
    {43, "utilities"},
    {44, "construction"},
    {45, "wholesale and retail"},
    {46, "transport and logistics"},
    {47, "hotels and catering"},
    {48, "information technology"},
    {49, "finance"},
    {50, "real estate"},
    {51, "business services"},
    {52, "research"},
    {53, "water, environment and public facilities"},
    {54, "resident services"},
    {55, "education (social)"},
    {56, "health and social work"},
    {57, "culture, sports and entertainment"},
    {58, "public administration"},
    {59, "international organisations"},
};

/* Province-level codes of GB/T 2260 (mainland, Taiwan, Hong Kong, Macao). */
static int province_ok(unsigned p)
{
    static const uint8_t ok[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                 53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
    for (size_t i = 0; i < sizeof ok; i++)
        if (ok[i] == p)
            return 1;
    return 0;
}

static unsigned digits(const char *s, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

int gbid_parse(const char *id, struct gbid *out)
{
    if (!id || !out)
        return -EINVAL;
    for (size_t i = 0; i < GBID_LEN; i++)
        if (id[i] < '0' || id[i] > '9')
            return -EINVAL;
    if (id[GBID_LEN] != '\0')
        return -EINVAL;
    unsigned province = digits(id, 2);
    if (!province_ok(province))
        return -EINVAL;
    memset(out, 0, sizeof *out);
    memcpy(out->region, id, 6);
    out->province = (uint8_t)province;
    out->city = (uint8_t)digits(id + 2, 2);
    out->district = (uint8_t)digits(id + 4, 2);
    out->grassroots = (uint8_t)digits(id + 6, 2);
    out->industry = (uint8_t)digits(id + 8, 2);
    out->type = (uint16_t)digits(id + 10, 3);
    out->network = (uint8_t)digits(id + 13, 1);
    out->serial = digits(id + 14, 6);
    return 0;
}

const char *gbid_type_name(unsigned type)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i].code == type)
            return types[i].name;
    return "unknown";
}

const char *gbid_network_name(unsigned digit)
{
    return digit < sizeof networks / sizeof networks[0] ? networks[digit] : "unknown";
}

const char *gbid_industry_name(unsigned industry)
{
    for (size_t i = 0; i < sizeof industries / sizeof industries[0]; i++)
        if (industries[i].code == industry)
            return industries[i].name;
    return "unknown";
}

int gbid_describe(const struct gbid *g, char *out, size_t outlen)
{
    if (!g || (!out && outlen))
        return -EINVAL;
    return snprintf(out, outlen,
                    "region %s grassroots %02u, industry %02u, type %03u %s, network %u (%s), "
                    "serial %06u",
                    g->region, (unsigned)g->grassroots, (unsigned)g->industry, (unsigned)g->type,
                    gbid_type_name(g->type), (unsigned)g->network, gbid_network_name(g->network),
                    (unsigned)g->serial);
}
