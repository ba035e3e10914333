/* Tests for indexer/base/gbid.c: recognising and describing GB/T 28181 codes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "base/gbid.h"

Test(gbid, splits_a_camera_code_into_its_fields)
{
    struct gbid g;
    cr_assert_eq(gbid_parse("32010500001320000123", &g), 0);
    cr_assert_str_eq(g.region, "320105");
    cr_assert_eq(g.province, 32);
    cr_assert_eq(g.city, 1);
    cr_assert_eq(g.district, 5);
    cr_assert_eq(g.grassroots, 0);
    cr_assert_eq(g.industry, 0);
    cr_assert_eq(g.type, GBID_TYPE_IPC);
    cr_assert_eq(g.network, 0);
    cr_assert_eq(g.serial, 123);
}

Test(gbid, describes_a_code_in_words)
{
    struct gbid g;
    char out[160];
    cr_assert_eq(gbid_parse("32010500001320000123", &g), 0);
    int n = gbid_describe(&g, out, sizeof out);
    cr_assert_str_eq(out, "region 320105 grassroots 00, industry 00, type 132 IPC, network 0 "
                          "(monitoring private network), serial 000123");
    cr_assert_eq((size_t)n, strlen(out));
    cr_assert_eq(gbid_parse("11010203552168999999", &g), 0);
    gbid_describe(&g, out, sizeof out);
    cr_assert_str_eq(out, "region 110102 grassroots 03, industry 55, type 216 virtual "
                          "organisation, network 8 (social resources network), serial 999999");
}

Test(gbid, describe_reports_the_length_it_needs_when_cut)
{
    struct gbid g;
    char small[10];
    cr_assert_eq(gbid_parse("32010500001320000123", &g), 0);
    int n = gbid_describe(&g, small, sizeof small);
    cr_assert_gt(n, (int)sizeof small);
    cr_assert_eq(strlen(small), sizeof small - 1);
    cr_assert_eq(gbid_describe(NULL, small, sizeof small), -EINVAL);
}

Test(gbid, rejects_anything_but_twenty_digits_of_a_real_province)
{
    struct gbid g;
    static const char *bad[] = {
        "3201050000132000012",   /* 19 digits */
        "320105000013200001234", /* 21 digits */
        "3201050000132000012a",  " 32010500001320000123",
        "99010500001320000123", /* no province 99 */
        "00010500001320000123",  "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(gbid_parse(bad[i], &g), -EINVAL, "accepted \"%s\"", bad[i]);
    cr_assert_eq(gbid_parse(NULL, &g), -EINVAL);
    cr_assert_eq(gbid_parse("32010500001320000123", NULL), -EINVAL);
}

Test(gbid, names_device_types)
{
    static const struct {
        unsigned code;
        const char *name;
    } t[] = {
        {111, "DVR"},        {112, "video server"},   {113, "encoder"},
        {118, "NVR"},        {131, "camera"},         {132, "IPC"},
        {200, "SIP server"}, {215, "business group"}, {216, "virtual organisation"},
        {999, "unknown"},    {0, "unknown"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        cr_assert_str_eq(gbid_type_name(t[i].code), t[i].name, "type %u", t[i].code);
}

Test(gbid, names_networks)
{
    for (unsigned d = 0; d <= 4; d++)
        cr_assert_str_eq(gbid_network_name(d), "monitoring private network");
    cr_assert_str_eq(gbid_network_name(5), "public-security network");
    cr_assert_str_eq(gbid_network_name(6), "government network");
    cr_assert_str_eq(gbid_network_name(7), "Internet");
    cr_assert_str_eq(gbid_network_name(8), "social resources network");
    cr_assert_str_eq(gbid_network_name(9), "unknown");
}

Test(gbid, names_industries)
{
    cr_assert_str_eq(gbid_industry_name(0), "public security, road");
    cr_assert_str_eq(gbid_industry_name(4), "traffic, road");
    cr_assert_str_eq(gbid_industry_name(11), "education");
    cr_assert_str_eq(gbid_industry_name(49), "finance");
    cr_assert_str_eq(gbid_industry_name(99), "unknown");
}
