/* Tests for the inventory CSV reader (indexer/inventory/inventory_csv.c and the row
 * checks in indexer/inventory/inventory.c): every error names file:line and column. */
#include <criterion/criterion.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory.h"

#define HDR "id,name,unit_id,unit_name,url,lat,lon,address,tags,resolution,fps\n"
#define ROW1                                                                                       \
    "c1,北门入口,u1,市公安局,rtsp://admin:S3cr3t@10.1.2.3:554/Streaming/Channels/101,,,,,,\n"

static struct inventory inv;
static struct inv_errors errs;

static void setup(void)
{
    inv_init(&inv);
    memset(&errs, 0, sizeof errs);
}

static void teardown(void)
{
    inv_free(&inv);
}

TestSuite(inventory_csv, .init = setup, .fini = teardown);

/* Start over within one test. */
static void reset(void)
{
    teardown();
    setup();
}

static int parse(const char *csv)
{
    return inv_parse(csv, strlen(csv), "inventory.csv", INV_FMT_CSV, INV_ENC_AUTO, &inv, &errs);
}

static int parse_n(const char *buf, size_t len)
{
    return inv_parse(buf, len, "inventory.csv", INV_FMT_CSV, INV_ENC_AUTO, &inv, &errs);
}

/* The inventory was refused with exactly `want` as its only error. */
static void only_error(int rc, const char *want)
{
    cr_assert_eq(rc, -EINVAL, "accepted; expected error: %s", want);
    cr_assert_eq(errs.count, 1, "%zu errors, first: %s", errs.count, errs.msg[0]);
    cr_assert_str_eq(errs.msg[0], want);
}

static int has_error(const char *want)
{
    for (size_t i = 0; i < errs.count && i < INV_ERRORS_KEPT; i++)
        if (strcmp(errs.msg[i], want) == 0)
            return 1;
    return 0;
}

static void no_secret_in_errors(const char *secret)
{
    for (size_t i = 0; i < errs.count && i < INV_ERRORS_KEPT; i++)
        cr_assert_null(strstr(errs.msg[i], secret), "\"%s\" leaked: %s", secret, errs.msg[i]);
}

/* ---- what valid files give ------------------------------------------- */

Test(inventory_csv, reads_all_columns_of_a_valid_row)
{
    int rc = parse(HDR "32010500001320000001,中山路与解放路交叉口东向西,u1,市公安局,"
                       "rtsp://admin:pw@10.1.2.3:554/Streaming/Channels/101,32.0415,118.784,"
                       "南京市建邺区江东中路188号,\"路口,高清\",1920x1080,25\n" ROW1
                       "c9,南门,u1,市公安局,rtsp://10.1.2.4/x,,,,,,\n");
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_eq(errs.count, 0);
    cr_assert_eq(inv.count, 3);
    const struct inv_camera *c = &inv.cams[0];
    cr_assert_str_eq(c->id, "32010500001320000001");
    cr_assert_str_eq(c->name, "中山路与解放路交叉口东向西");
    cr_assert_str_eq(c->unit_id, "u1");
    cr_assert_str_eq(c->unit_name, "市公安局");
    cr_assert_str_eq(c->url, "rtsp://admin:pw@10.1.2.3:554/Streaming/Channels/101");
    cr_assert(c->has_location);
    cr_assert_float_eq(c->lat, 32.0415, 1e-9);
    cr_assert_float_eq(c->lon, 118.784, 1e-9);
    cr_assert_str_eq(c->address, "南京市建邺区江东中路188号");
    cr_assert_str_eq(c->tags, "路口,高清");
    cr_assert_eq(c->width, 1920);
    cr_assert_eq(c->height, 1080);
    cr_assert_eq(c->fps, 25);
    cr_assert_eq(c->line, 2);
    c = &inv.cams[1];
    cr_assert_not(c->has_location);
    cr_assert_str_eq(c->address, "");
    cr_assert_str_eq(c->tags, "");
    cr_assert_eq(c->width, 0);
    cr_assert_eq(c->fps, 0);
    cr_assert_eq(c->line, 3);
    cr_assert_eq(inv.cams[2].line, 4);
}

Test(inventory_csv, header_is_case_insensitive_and_accepts_chinese_aliases)
{
    /* the URL header is quoted and padded with ideographic spaces (U+3000) */
    int rc = parse(" ID ,设备名称,单位编码,所属单位,\"　视频流地址　\",纬度,经度,安装地址,标签,"
                   "分辨率,帧率\n"
                   "c1,北门,u1,某小区,rtsp://h/x,32.1,118.8,地址,周界,2560x1440,25\n");
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_eq(inv.count, 1);
    cr_assert_eq(inv.cams[0].height, 1440);
    reset();
    rc = parse("Camera_ID,名称,UNIT_ID,单位名称,Stream_URL,摄像机编码\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_str_eq(errs.msg[0], "inventory.csv:1: column \"摄像机编码\" (column 6) repeats "
                                  "column 1, both mean \"id\"; keep one");
}

Test(inventory_csv, columns_may_come_in_any_order_and_optional_ones_may_be_absent)
{
    int rc = parse("url,unit_name,unit_id,name,id\nrtsp://h/x,U,u,N,c1\n");
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_str_eq(inv.cams[0].id, "c1");
    cr_assert_str_eq(inv.cams[0].url, "rtsp://h/x");
}

Test(inventory_csv, strips_utf8_bom)
{
    int rc = parse("\xEF\xBB\xBF" HDR ROW1);
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_str_eq(inv.cams[0].id, "c1");
}

Test(inventory_csv, reads_crlf_line_endings)
{
    int rc = parse("id,name,unit_id,unit_name,url\r\nc1,a,u,U,rtsp://h/x\r\nc2,b,u,U,rtsp://h/y\r\n"
                   "c3,c,u,U,rtps://h/z\r\n");
    cr_assert_eq(inv.count, 2);
    cr_assert_str_eq(inv.cams[1].url, "rtsp://h/y");
    cr_assert_eq(inv.cams[1].line, 3);
    only_error(rc, "inventory.csv:4: column \"url\": \"rtps://h/z\" is not a supported scheme "
                   "(use rtsp, rtsps, http, https, rtmp)");
}

Test(inventory_csv, reads_lone_cr_line_endings_of_old_mac_exports)
{
    int rc = parse("id,name,unit_id,unit_name,url\rc1,a,u,U,rtsp://h/x\rc2,b,u,U,rtps://h/y\r");
    cr_assert_eq(inv.count, 1);
    only_error(rc, "inventory.csv:3: column \"url\": \"rtps://h/y\" is not a supported scheme "
                   "(use rtsp, rtsps, http, https, rtmp)");
}

Test(inventory_csv, tab_or_semicolon_separated_files_get_a_hint)
{
    only_error(parse("id\tname\tunit_id\tunit_name\turl\nc1\ta\tu\tU\trtsp://h/x\n"),
               "inventory.csv:1: the header is one column; the file seems to be separated by tabs "
               "or ';' - save it as comma-separated CSV");
    reset();
    only_error(parse("id;name;unit_id;unit_name;url\n"),
               "inventory.csv:1: the header is one column; the file seems to be separated by tabs "
               "or ';' - save it as comma-separated CSV");
}

Test(inventory_csv, embedded_newlines_keep_line_numbers_of_later_rows)
{
    int rc = parse(HDR "c1,a,u,U,rtsp://h/1,,,\"南京市建邺区\n集庆门大街1号\n3楼\",,,\n"
                       "c2,\"say \"\"hi\"\"\",u,U,rtsp://h/2,,,,,,\n"
                       "c3,b,u,U,rtsp://h/3,,,\"x\r\ny\",,,\n"
                       "c4,c,u,U,ftp://h/4,,,,,,\n");
    cr_assert_eq(inv.count, 3);
    cr_assert_str_eq(inv.cams[0].address, "南京市建邺区 集庆门大街1号 3楼");
    cr_assert_eq(inv.cams[0].line, 2);
    cr_assert_str_eq(inv.cams[1].name, "say \"hi\"");
    cr_assert_eq(inv.cams[1].line, 5);
    cr_assert_eq(inv.cams[2].line, 6);
    only_error(rc, "inventory.csv:8: column \"url\": \"ftp://h/4\" is not a supported scheme "
                   "(use rtsp, rtsps, http, https, rtmp)");
}

Test(inventory_csv, blank_lines_and_rows_of_empty_cells_are_skipped)
{
    int rc =
        parse("\n" HDR "\n" ROW1 ",,,,,,,,,,\n\nc2,x,u1,市公安局,rtsp://h/2,,,,,,\n,,,,,,,,,,\n");
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_eq(inv.count, 2);
    cr_assert_eq(inv.cams[0].line, 4);
    cr_assert_eq(inv.cams[1].line, 7);
}

Test(inventory_csv, trailing_unnamed_columns_are_ignored_when_empty)
{
    int rc = parse("id,name,unit_id,unit_name,url,,\nc1,a,u,U,rtsp://h/x,,\n");
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    reset();
    rc = parse("id,name,unit_id,unit_name,url,\nc1,a,u,U,rtsp://h/x,oops\n"
               "c2,a,u,U,rtsp://h/y,rtsp://admin:S3cr3t@h/z\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 2);
    cr_assert_str_eq(errs.msg[0],
                     "inventory.csv:2: column 6 has no header but holds \"oops\"; name "
                     "the column or empty it");
    cr_assert_str_eq(errs.msg[1], "inventory.csv:3: column 6 has no header but holds "
                                  "\"rtsp://***@h/z\"; name the column or empty it");
}

Test(inventory_csv, reads_gb18030_fixture_with_chinese_headers_and_crlf)
{
    FILE *f = fopen(CAMDEX_TEST_DATA "/inventory_gb18030.csv", "rb");
    cr_assert_not_null(f);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    /* really GB18030: not valid UTF-8 */
    int rc = inv_parse(buf, n, "inventory.csv", INV_FMT_CSV, INV_ENC_UTF8, &inv, &errs);
    cr_assert_eq(rc, -EINVAL);
    cr_assert_not_null(strstr(errs.msg[0], "inventory.csv:1: "));
    reset();
    rc = parse_n(buf, n);
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_eq(inv.count, 3);
    cr_assert_str_eq(inv.cams[0].name, "中山路与解放路交叉口东向西");
    cr_assert_str_eq(inv.cams[0].unit_name, "市公安局");
    cr_assert_str_eq(inv.cams[0].tags, "路口,高清");
    cr_assert_str_eq(inv.cams[1].unit_name, "建邺区第一中学");
    cr_assert_str_eq(inv.cams[2].address, "南京市建邺区 集庆门大街1号");
    cr_assert_eq(inv.cams[2].line, 4);
}

Test(inventory_csv, reads_gb18030_made_with_iconv_and_reports_lines)
{
    const char *utf8 = HDR "c1,北门入口,u1,建邺区第一中学,rtsp://h/1,,,,,,\n"
                           "c2,南门,u1,建邺区第二中学,rtsp://h/2,,,,,,\n";
    char gb[1024];
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    char *in = (char *)utf8, *o = gb;
    size_t inleft = strlen(utf8), oleft = sizeof gb;
    cr_assert_neq(iconv(cd, &in, &inleft, &o, &oleft), (size_t)-1);
    iconv_close(cd);
    int rc = inv_parse(gb, sizeof gb - oleft, "inventory.csv", INV_FMT_CSV, INV_ENC_GB18030, &inv,
                       &errs);
    only_error(rc, "inventory.csv:3: column \"unit_name\": unit \"u1\" is named \"建邺区第二中学\" "
                   "here but \"建邺区第一中学\" on line 2; use one name per unit id");
    cr_assert_str_eq(inv.cams[0].name, "北门入口");
}

Test(inventory_csv, load_file_reads_a_file_and_reports_missing_ones)
{
    int rc = inv_load_file(CAMDEX_TEST_DATA "/inventory_small.csv", INV_FMT_AUTO, INV_ENC_AUTO,
                           &inv, &errs);
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_eq(inv.count, 2);
    reset();
    rc = inv_load_file(CAMDEX_TEST_DATA "/no-such-inventory.csv", INV_FMT_AUTO, INV_ENC_AUTO, &inv,
                       &errs);
    cr_assert_eq(rc, -ENOENT);
    cr_assert_eq(errs.count, 1);
    cr_assert_not_null(strstr(errs.msg[0], "no-such-inventory.csv: cannot open: No such file"));
    reset();
    rc = inv_load_file(CAMDEX_TEST_DATA, INV_FMT_AUTO, INV_ENC_AUTO, &inv, &errs);
    cr_assert_eq(rc, -EISDIR);
}

Test(inventory_csv, load_file_reads_standard_input_for_a_dash)
{
    cr_assert_not_null(freopen(CAMDEX_TEST_DATA "/inventory_gb18030.csv", "rb", stdin));
    int rc = inv_load_file("-", INV_FMT_AUTO, INV_ENC_AUTO, &inv, &errs);
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_eq(inv.count, 3);
    reset();
    cr_assert_not_null(freopen(CAMDEX_TEST_DATA "/inventory_small.json", "rb", stdin));
    rc = inv_load_file("-", INV_FMT_CSV, INV_ENC_AUTO, &inv, &errs);
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(strncmp(errs.msg[0], "stdin:1: ", 9), 0, "%s", errs.msg[0]);
}

/* ---- malformed CSV --------------------------------------------------- */

Test(inventory_csv, unterminated_quote_names_the_row_start)
{
    int rc = parse(HDR ROW1 "c2,\"北门,u1,U,rtsp://h/x,,,,,,\nc3,b,u1,U,rtsp://h/y,,,,,,\n");
    only_error(rc, "inventory.csv:3: malformed CSV: the row starting here has a quoted field that "
                   "is never closed; add the missing '\"'");
}

Test(inventory_csv, quote_inside_unquoted_field_is_malformed)
{
    int rc = parse(HDR ROW1 ROW1 "c2,北\"门,u1,U,rtsp://h/x,,,,,,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_str_eq(errs.msg[errs.count - 1],
                     "inventory.csv:4: malformed CSV: a quote inside an unquoted field or text "
                     "after a closing quote; quote the whole field and double quotes inside it "
                     "(\"\")");
}

Test(inventory_csv, text_after_closing_quote_is_malformed)
{
    int rc = parse(HDR "c2,\"a\nb\"x,u1,U,rtsp://h/x,,,,,,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_not_null(strstr(errs.msg[0], "inventory.csv:3: malformed CSV"), "%s", errs.msg[0]);
}

Test(inventory_csv, wrong_field_count_is_reported_per_row)
{
    int rc = parse(HDR ROW1 "c2,a,u1,市公安局,rtsp://h/x,,,,\n"
                            "c3,a,b,u1,市公安局,rtsp://h/x,,,,,,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 2);
    cr_assert_str_eq(errs.msg[0], "inventory.csv:3: row has 9 fields but the header (line 1) has "
                                  "11; quote fields that contain commas");
    cr_assert_str_eq(errs.msg[1], "inventory.csv:4: row has 12 fields but the header (line 1) has "
                                  "11; quote fields that contain commas");
}

/* ---- header problems ------------------------------------------------- */

Test(inventory_csv, unknown_column_is_named_with_the_accepted_ones)
{
    int rc = parse("id,name,unit_id,unit_name,url,vendor\n");
    only_error(rc, "inventory.csv:1: unknown column \"vendor\"; the first row must name the "
                   "columns: id, name, unit_id, unit_name, url, lat, lon, address, tags, "
                   "resolution, fps (Chinese headers such as 设备编码, 设备名称, 单位编码, "
                   "单位名称, 视频流地址 work too)");
}

Test(inventory_csv, missing_required_column_lists_its_aliases)
{
    int rc = parse("id,name,unit_id,unit_name\nc1,a,u,U\n");
    only_error(rc,
               "inventory.csv:1: missing column \"url\" (also accepted: stream_url, 视频流地址, "
               "取流地址)");
}

Test(inventory_csv, file_without_header_is_refused)
{
    int rc = parse("c1,a,u,U,rtsp://h/x\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(strncmp(errs.msg[0], "inventory.csv:1: unknown column \"c1\"", 36), 0, "%s",
                 errs.msg[0]);
}

Test(inventory_csv, empty_inputs_are_refused)
{
    only_error(parse(""), "inventory.csv: the file is empty; expected a CSV header row "
                          "(id,name,unit_id,unit_name,url,...) or a JSON list of cameras");
    reset();
    only_error(parse("\xEF\xBB\xBF \r\n\n"),
               "inventory.csv: the file is empty; expected a CSV header row "
               "(id,name,unit_id,unit_name,url,...) or a JSON list of cameras");
    reset();
    only_error(parse(HDR), "inventory.csv:1: no cameras after the header row");
    reset();
    only_error(parse("\n\n" HDR ",,,,,,,,,,\n"),
               "inventory.csv:3: no cameras after the header row");
}

/* ---- row checks ------------------------------------------------------ */

Test(inventory_csv, duplicate_id_names_the_earlier_line)
{
    int rc = parse(HDR ROW1 "c2,b,u1,市公安局,rtsp://h/2,,,,,,\n" ROW1);
    only_error(rc,
               "inventory.csv:4: column \"id\": duplicate id \"c1\" (first used on line 2); ids "
               "must be unique");
}

Test(inventory_csv, missing_required_values_are_named)
{
    int rc = parse(HDR ",a,u,U,rtsp://h/1,,,,,,\n"
                       "c2,  ,u,U,rtsp://h/2,,,,,,\n"
                       "c3,a,,U,rtsp://h/3,,,,,,\n"
                       "c4,a,u,,rtsp://h/4,,,,,,\n"
                       "c5,a,u,U,,,,,,,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 5);
    cr_assert_str_eq(errs.msg[0],
                     "inventory.csv:2: column \"id\": is empty; every camera needs a unique id");
    cr_assert_str_eq(errs.msg[1],
                     "inventory.csv:3: column \"name\": is empty; every camera needs a "
                     "name");
    cr_assert_str_eq(errs.msg[2], "inventory.csv:4: column \"unit_id\": is empty; every camera "
                                  "needs the id of its unit");
    cr_assert_str_eq(errs.msg[3], "inventory.csv:5: column \"unit_name\": is empty; every camera "
                                  "needs the name of its unit");
    cr_assert_str_eq(errs.msg[4],
                     "inventory.csv:6: column \"url\": is empty; every camera needs a stream URL");
}

Test(inventory_csv, column_names_in_messages_follow_the_header_spelling)
{
    int rc = parse("设备编码,设备名称,单位编码,单位名称,视频流地址\nc1,a,u,U,rtsp://h:99999/x\n");
    only_error(rc, "inventory.csv:2: column \"视频流地址\": \"rtsp://h:99999/x\" has a port above "
                   "65535; expected e.g. rtsp://user:pass@10.1.2.3:554/Streaming/Channels/101");
}

Test(inventory_csv, unsupported_scheme_is_redacted_and_names_the_schemes)
{
    int rc = parse(HDR "c1,a,u,U,rtps://admin:S3cr3t@10.1.2.3:554/Streaming/Channels/101,,,,,,\n");
    only_error(rc, "inventory.csv:2: column \"url\": \"rtps://***@10.1.2.3:554/Streaming/Channels/"
                   "101\" is not a supported scheme (use rtsp, rtsps, http, https, rtmp)");
}

Test(inventory_csv, unparsable_urls_are_explained)
{
    int rc = parse(HDR "c1,a,u,U,10.1.2.3:554/live,,,,,,\n"
                       "c2,a,u,U,rtsp:///live,,,,,,\n"
                       "c3,a,u,U,rtsp://300.1.2.3/live,,,,,,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 3);
    cr_assert_str_eq(errs.msg[0], "inventory.csv:2: column \"url\": \"10.1.2.3:554/live\" is not a "
                                  "URL (expected scheme://host/path); expected e.g. "
                                  "rtsp://user:pass@10.1.2.3:554/Streaming/Channels/101");
    cr_assert_str_eq(errs.msg[1], "inventory.csv:3: column \"url\": \"rtsp:///live\" has no host; "
                                  "expected e.g. rtsp://user:pass@10.1.2.3:554/Streaming/Channels/"
                                  "101");
    cr_assert_not_null(strstr(errs.msg[2], "inventory.csv:4: column \"url\": \"rtsp://300.1.2.3/"
                                           "live\" has an invalid IPv4 address"));
}

Test(inventory_csv, credentials_never_appear_in_any_error)
{
    int rc = parse(HDR "c1,a,u,U,rtps://admin:S3cr3t@10.1.2.3/x,,,,,,\n"
                       "c2,a,u,U,rtsp://admin:S3cr3t@10.1.2.3:0/x,,,,,,\n"
                       "c3,a,u,U,rtsp://admin:S3cr3t@12/34@10.1.2.3/x,,,,,,\n"
                       "c4,a,u,U,rtsp://admin:S3cr3t@@h/x y,,,,,,\n"
                       "c5,a,u,U,admin:S3cr3t@10.1.2.3/x,,,,,,\n"
                       "c6,a,u,U,rtsp://adm%zzin:S3cr3t@h/x,,,,,,\n"
                       "c7,a,u,U,\"rtsp://admin:S3cr3t\n@h/x\",,,,,,\n"
                       "c8,a,u,U,http://h/live/a.flv?token=S3cr3t&x=\x01,,,,,,\n"
                       "c9,a,u,U,rtsp://admin:S3cr3t@h/x,oops,,,,,\n"
                       "c1,a,u,U,rtsp://admin:S3cr3t@h/x,,,,,,,\n"
                       "rtsp://admin:S3cr3t@h/x,a,u,U,c11,,,,,,\n"
                       "rtsp://admin:S3cr3t@h/x,a,u,U,rtsp://h/12,,,,,,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 13, "%zu", errs.count);
    no_secret_in_errors("S3cr3t");
    no_secret_in_errors("3cr3");
}

Test(inventory_csv, over_long_fields_are_refused_with_the_limit)
{
    char id[INV_ID_MAX + 2], name[INV_NAME_MAX + 2], addr[INV_ADDRESS_MAX + 2],
        tags[INV_TAGS_MAX + 2];
    static char url[INV_URL_MAX + 64];
    memset(id, 'i', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    memset(addr, 'a', sizeof addr - 1);
    addr[sizeof addr - 1] = '\0';
    memset(tags, 't', sizeof tags - 1);
    tags[sizeof tags - 1] = '\0';
    strcpy(url, "rtsp://h/");
    memset(url + 9, 'p', INV_URL_MAX);
    url[INV_URL_MAX + 1] = '\0';
    static char csv[8192];
    snprintf(csv, sizeof csv,
             HDR "%s,a,u,U,rtsp://h/1,,,,,,\n"
                 "c2,%s,u,U,rtsp://h/2,,,,,,\n"
                 "c3,a,u,U,%s,,,,,,\n"
                 "c4,a,u,U,rtsp://h/4,,,%s,,,\n"
                 "c5,a,u,U,rtsp://h/5,,,,%s,,\n",
             id, name, url, addr, tags);
    int rc = parse(csv);
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 5);
    cr_assert_str_eq(errs.msg[0],
                     "inventory.csv:2: column \"id\": is 65 bytes long; the limit is 64");
    cr_assert_str_eq(errs.msg[1],
                     "inventory.csv:3: column \"name\": is 257 bytes long; the limit is 256");
    cr_assert_str_eq(errs.msg[2],
                     "inventory.csv:4: column \"url\": is 2049 bytes long; the limit is 2048");
    cr_assert_str_eq(errs.msg[3],
                     "inventory.csv:5: column \"address\": is 513 bytes long; the limit is 512");
    cr_assert_str_eq(errs.msg[4],
                     "inventory.csv:6: column \"tags\": is 513 bytes long; the limit is 512");
    /* exactly at the limit is fine */
    reset();
    id[INV_ID_MAX] = '\0';
    snprintf(csv, sizeof csv, HDR "%s,a,u,U,rtsp://h/1,,,,,,\n", id);
    cr_assert_eq(parse(csv), 0, "%s", errs.msg[0]);
}

Test(inventory_csv, ids_must_be_printable_ascii_without_spaces)
{
    int rc = parse(HDR "c 1,a,u,U,rtsp://h/1,,,,,,\n"
                       "摄像机1,a,u,U,rtsp://h/2,,,,,,\n"
                       "c3,a,u 1,U,rtsp://h/3,,,,,,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 3);
    cr_assert_str_eq(errs.msg[0], "inventory.csv:2: column \"id\": \"c 1\" contains a space; ids "
                                  "are printable ASCII without spaces, at most 64 bytes");
    cr_assert_str_eq(errs.msg[1],
                     "inventory.csv:3: column \"id\": \"摄像机1\" contains a non-ASCII "
                     "character; ids are printable ASCII without spaces, at most 64 "
                     "bytes");
    cr_assert_str_eq(errs.msg[2], "inventory.csv:4: column \"unit_id\": \"u 1\" contains a space; "
                                  "ids are printable ASCII without spaces, at most 64 bytes");
}

Test(inventory_csv, ids_mangled_into_scientific_notation_are_explained)
{
    int rc = parse(HDR "3.20105E+19,a,u,U,rtsp://h/1,,,,,,\n"
                       "c2,a,3.2E+19,U,rtsp://h/2,,,,,,\n"
                       "1E+5x,a,u,U,rtsp://h/3,,,,,,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 2);
    cr_assert_str_eq(errs.msg[0], "inventory.csv:2: column \"id\": \"3.20105E+19\" is a number in "
                                  "scientific notation; format the column as text in the "
                                  "spreadsheet and export again");
    cr_assert_str_eq(errs.msg[1], "inventory.csv:3: column \"unit_id\": \"3.2E+19\" is a number in "
                                  "scientific notation; format the column as text in the "
                                  "spreadsheet and export again");
    cr_assert_eq(inv.count, 1, "\"1E+5x\" is an ordinary id");
}

/* Alt+Enter in a spreadsheet cell: accepted in free text, stored as a
 * space and counted with its line; ids and URLs still refuse it. */
Test(inventory_csv, line_breaks_in_free_text_become_spaces_and_a_warning)
{
    int rc = parse(HDR "c1,\"北门\n主入口\",u,\"市公安局\r\n指挥中心\",rtsp://h/1,,,"
                       "\"中山路\n1号\n\",\"a\tb\",,\n"
                       "c2,南门,u,市公安局 指挥中心,rtsp://h/2,,,,,,\n"
                       "c3,\"东\n门\",u,市公安局 指挥中心,rtsp://h/3,,,,,,\n");
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_str_eq(inv.cams[0].name, "北门 主入口");
    cr_assert_str_eq(inv.cams[0].unit_name, "市公安局 指挥中心");
    cr_assert_str_eq(inv.cams[0].address, "中山路 1号");
    cr_assert_str_eq(inv.cams[0].tags, "a b");
    cr_assert_str_eq(inv.cams[2].name, "东 门");
    cr_assert_eq(inv.breaks.cells, 4);
    cr_assert_eq(inv.breaks.rows, 2);
    char w[INV_ERROR_MAX];
    cr_assert(inv_breaks_warning(&inv, "inventory.csv", w, sizeof w));
    cr_assert_str_eq(w, "inventory.csv: line breaks in 4 free-text cells were stored as spaces "
                        "(lines 2, 8)");
}

Test(inventory_csv, ids_refuse_line_breaks_and_free_text_other_controls)
{
    int rc = parse(HDR "\"c\n1\",a,u,U,rtsp://h/1,,,,,,\n"
                       "c2,\"a\x1b[2J\",u,U,rtsp://h/2,,,,,,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 2, "%zu: %s", errs.count, errs.msg[0]);
    cr_assert(strstr(errs.msg[0], "inventory.csv:2: column \"id\": \"c\\x0a1\" contains a line "
                                  "break or tab; keep it on one line"),
              "%s", errs.msg[0]);
    cr_assert_str_eq(errs.msg[1], "inventory.csv:4: column \"name\": \"a\\x1b[2J\" contains a "
                                  "control character; remove it");
    cr_assert_eq(inv.breaks.cells, 0);
}

Test(inventory_csv, bad_coordinates_are_explained)
{
    int rc = parse(HDR "c1,a,u,U,rtsp://h/1,north,118.7,,,,\n"
                       "c2,a,u,U,rtsp://h/2,32.1,,,,,\n"
                       "c3,a,u,U,rtsp://h/3,118.7,32.1,,,,\n"
                       "c4,a,u,U,rtsp://h/4,32.1,181,,,,\n"
                       "c5,a,u,U,rtsp://h/5,3.2e1,118.7,,,,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 5, "%zu", errs.count);
    cr_assert_str_eq(errs.msg[0], "inventory.csv:2: column \"lat\": \"north\" is not a number; "
                                  "expected decimal degrees like 32.0603");
    cr_assert_str_eq(errs.msg[1], "inventory.csv:3: column \"lon\": is empty while \"lat\" is "
                                  "given; give both lat and lon or neither");
    cr_assert_str_eq(errs.msg[2], "inventory.csv:4: column \"lat\": \"118.7\" is outside -90..90; "
                                  "are lat and lon swapped?");
    cr_assert_str_eq(errs.msg[3], "inventory.csv:5: column \"lon\": \"181\" is outside -180..180");
    cr_assert_str_eq(errs.msg[4], "inventory.csv:6: column \"lat\": \"3.2e1\" is not a number; "
                                  "expected decimal degrees like 32.0603");
}

Test(inventory_csv, zero_zero_location_means_not_surveyed)
{
    int rc = parse(HDR "c1,a,u,U,rtsp://h/1,0,0,,,,\nc2,a,u,U,rtsp://h/2,-33.5,-70.25,,,,\n");
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_not(inv.cams[0].has_location);
    cr_assert(inv.cams[1].has_location);
    cr_assert_float_eq(inv.cams[1].lat, -33.5, 1e-12);
    cr_assert_float_eq(inv.cams[1].lon, -70.25, 1e-12);
}

Test(inventory_csv, resolution_forms_and_errors)
{
    int rc = parse(HDR "c1,a,u,U,rtsp://h/1,,,,,1280X720,\n"
                       "c2,a,u,U,rtsp://h/2,,,,,2560*1440,\n"
                       "c3,a,u,U,rtsp://h/3,,,,,1920×1080,\n"
                       "c4,a,u,U,rtsp://h/4,,,,,1080P,\n"
                       "c5,a,u,U,rtsp://h/5,,,,,4K,\n");
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_eq(inv.cams[0].width, 1280);
    cr_assert_eq(inv.cams[1].height, 1440);
    cr_assert_eq(inv.cams[2].width, 1920);
    cr_assert_eq(inv.cams[3].height, 1080);
    cr_assert_eq(inv.cams[4].width, 3840);
    reset();
    rc = parse(HDR "c1,a,u,U,rtsp://h/1,,,,,1920-1080,\n"
                   "c2,a,u,U,rtsp://h/2,,,,,99999x1080,\n"
                   "c3,a,u,U,rtsp://h/3,,,,,x1080,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 3);
    cr_assert_str_eq(errs.msg[0], "inventory.csv:2: column \"resolution\": \"1920-1080\" is not a "
                                  "resolution; expected WIDTHxHEIGHT like 1920x1080 (16..16384)");
    cr_assert_not_null(
        strstr(errs.msg[1], "inventory.csv:3: column \"resolution\": \"99999x1080\""));
    cr_assert_not_null(strstr(errs.msg[2], "inventory.csv:4: column \"resolution\": \"x1080\""));
}

Test(inventory_csv, fps_must_be_a_whole_number_from_1_to_240)
{
    int rc = parse(HDR "c1,a,u,U,rtsp://h/1,,,,,,0\n"
                       "c2,a,u,U,rtsp://h/2,,,,,,25.5\n"
                       "c3,a,u,U,rtsp://h/3,,,,,,241\n"
                       "c4,a,u,U,rtsp://h/4,,,,,,30\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 3);
    cr_assert_str_eq(errs.msg[0], "inventory.csv:2: column \"fps\": \"0\" is not a frame rate; "
                                  "expected a whole number from 1 to 240, e.g. 25");
    cr_assert(has_error("inventory.csv:3: column \"fps\": \"25.5\" is not a frame rate; expected a "
                        "whole number from 1 to 240, e.g. 25"));
    cr_assert(has_error("inventory.csv:4: column \"fps\": \"241\" is not a frame rate; expected a "
                        "whole number from 1 to 240, e.g. 25"));
    cr_assert_eq(inv.count, 1);
    cr_assert_eq(inv.cams[0].fps, 30);
}

Test(inventory_csv, invalid_encoding_names_the_line)
{
    int rc = parse(HDR "c1,北门入口,u,市公安局,rtsp://h/1,,,,,,\n"
                       "c2,南门入口,u,市公安局,rtsp://h/2,,,,,,\n"
                       "c3,东门\xE5\x85入口,u,市公安局,rtsp://h/3,,,,,,\n");
    only_error(rc, "inventory.csv:4: byte 10 of the line: invalid UTF-8 sequence; save the file as "
                   "UTF-8 or GB18030");
    reset();
    rc = parse("id,name\n\x80\x80\n");
    only_error(rc, "inventory.csv:2: byte 1 of the line: neither valid UTF-8 nor GB18030; save the "
                   "file as UTF-8 or GB18030");
}

Test(inventory_csv, unit_id_with_two_names_is_refused)
{
    int rc = parse(HDR "c1,a,u1,市公安局,rtsp://h/1,,,,,,\n"
                       "c2,a,u2,市教育局,rtsp://h/2,,,,,,\n"
                       "c3,a,u1,市公安局,rtsp://h/3,,,,,,\n"
                       "c4,a,u1,市交通运输局,rtsp://h/4,,,,,,\n");
    only_error(rc,
               "inventory.csv:5: column \"unit_name\": unit \"u1\" is named \"市交通运输局\" here "
               "but \"市公安局\" on line 2; use one name per unit id");
    cr_assert_eq(inv.cams[2].unit_name, inv.cams[0].unit_name, "units share one string");
}

Test(inventory_csv, errors_are_kept_up_to_the_limit_and_all_counted)
{
    size_t n = 120;
    char *csv = malloc(64 * n + 128), *p = csv;
    p += sprintf(p, HDR);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "c%zu,a,u,U,ftp://h/%zu,,,,,,\n", i, i);
    int rc = parse(csv);
    free(csv);
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, n);
    cr_assert_str_eq(errs.msg[INV_ERRORS_KEPT - 1],
                     "inventory.csv:51: column \"url\": \"ftp://h/49\" is not a supported scheme "
                     "(use rtsp, rtsps, http, https, rtmp)");
}

Test(inventory_csv, too_many_rows_are_refused, .timeout = 120)
{
    size_t n = INV_ROWS_MAX + 1;
    char *csv = malloc(32 * n + 64), *p = csv;
    p += sprintf(p, "id,name,unit_id,unit_name,url\n");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%zu,a,u,U,rtsp://h/\n", i);
    int rc = parse_n(csv, (size_t)(p - csv));
    free(csv);
    only_error(rc, "inventory.csv:1000002: more than 1000000 cameras; split the inventory into "
                   "several files");
    cr_assert_eq(inv.count, INV_ROWS_MAX);
}

/* camdex's own CSV puts an apostrophe before cells a spreadsheet would run
 * as formulas; an exported list imports back with the cells as they were.
 * Other apostrophes stay. */
Test(inventory_csv, the_formula_guard_of_an_export_is_taken_off)
{
    int rc = parse(HDR "c1,\"'=HYPERLINK(\"\"x\"\")\",u1,'-unit,rtsp://h/1,,,'@home,'+tag,,\n"
                       "c2,'t Hoff,u1,'-unit,rtsp://h/2,,,',,,\n");
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_str_eq(inv.cams[0].name, "=HYPERLINK(\"x\")");
    cr_assert_str_eq(inv.cams[0].unit_name, "-unit");
    cr_assert_str_eq(inv.cams[0].address, "@home");
    cr_assert_str_eq(inv.cams[0].tags, "+tag");
    cr_assert_str_eq(inv.cams[1].name, "'t Hoff");
    cr_assert_str_eq(inv.cams[1].address, "'");
}

/* An id is a segment of API and dashboard addresses, where the HTTP server
 * refuses slashes, backslashes and dot segments: refused at import. */
Test(inventory_csv, ids_that_no_address_could_reach_are_refused)
{
    int rc = parse(HDR "a/b,n,u,U,rtsp://h/1,,,,,,\n"
                       "a\\b,n,u,U,rtsp://h/2,,,,,,\n"
                       "..,n,u,U,rtsp://h/3,,,,,,\n"
                       ".,n,u,U,rtsp://h/4,,,,,,\n"
                       "c5,n,x/../y,U,rtsp://h/5,,,,,,\n"
                       "a.b-c_d,n,u,U,rtsp://h/6,,,,,,\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 5, "%zu", errs.count);
    cr_assert_str_eq(errs.msg[0], "inventory.csv:2: column \"id\": \"a/b\" contains a slash (/), so "
                                  "the API and the dashboard could never reach it "
                                  "(/api/v1/cameras/ID); use ids without /, \\ or ..");
    cr_assert(strstr(errs.msg[1], "inventory.csv:3: column \"id\":"), "%s", errs.msg[1]);
    cr_assert(strstr(errs.msg[1], "contains a backslash (\\)"), "%s", errs.msg[1]);
    cr_assert(strstr(errs.msg[2], "inventory.csv:4: column \"id\": \"..\" contains \"..\""), "%s",
              errs.msg[2]);
    cr_assert(strstr(errs.msg[3], "inventory.csv:5: column \"id\": \".\" contains only \".\""),
              "%s", errs.msg[3]);
    cr_assert(strstr(errs.msg[4], "inventory.csv:6: column \"unit_id\": \"x/../y\" contains a "
                                  "slash (/)"),
              "%s", errs.msg[4]);
    cr_assert(strstr(errs.msg[4], "(/api/v1/units/ID)"), "%s", errs.msg[4]);
    cr_assert_eq(inv.count, 1, "a.b-c_d is an ordinary id");
}
