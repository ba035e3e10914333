/* Tests for the inventory JSON reader (indexer/inventory/inventory_json.c): both
 * document shapes, value types, and errors located at the object's line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>

#include "inventory/inventory.h"

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

TestSuite(inventory_json, .init = setup, .fini = teardown);

static void reset(void)
{
    teardown();
    setup();
}

static int parse(const char *json)
{
    return inv_parse(json, strlen(json), "cameras.json", INV_FMT_AUTO, INV_ENC_AUTO, &inv, &errs);
}

static void only_error(int rc, const char *want)
{
    cr_assert_eq(rc, -EINVAL, "accepted; expected error: %s", want);
    cr_assert_eq(errs.count, 1, "%zu errors, first: %s", errs.count, errs.msg[0]);
    cr_assert_str_eq(errs.msg[0], want);
}

#define CAM(id, url)                                                                               \
    "{\"id\":\"" id "\",\"name\":\"北门\",\"unit_id\":\"u1\",\"unit_name\":\"U\",\"url\":\"" url   \
    "\"}"

Test(inventory_json, reads_a_top_level_list)
{
    int rc = parse("[" CAM("c1", "rtsp://h/1") "," CAM("c2", "rtsp://h/2") "]");
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_eq(inv.count, 2);
    cr_assert_str_eq(inv.cams[1].id, "c2");
    cr_assert_str_eq(inv.cams[1].name, "北门");
    cr_assert_eq(inv.cams[1].line, 1);
}

Test(inventory_json, reads_the_cameras_key_and_typed_values)
{
    int rc = inv_load_file(CAMDEX_TEST_DATA "/inventory_small.json", INV_FMT_AUTO, INV_ENC_AUTO,
                           &inv, &errs);
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_eq(inv.count, 2);
    const struct inv_camera *c = &inv.cams[0];
    cr_assert_eq(c->line, 3);
    cr_assert(c->has_location);
    cr_assert_float_eq(c->lat, 32.0415, 1e-9);
    cr_assert_float_eq(c->lon, 118.784, 1e-9);
    cr_assert_str_eq(c->tags, "路口,高清");
    cr_assert_eq(c->width, 1920);
    cr_assert_eq(c->fps, 25);
    c = &inv.cams[1];
    cr_assert_eq(c->line, 15);
    cr_assert_str_eq(c->id, "32010500001320000002", "Chinese keys are aliases too");
    cr_assert_str_eq(c->unit_name, "建邺区第一中学");
}

Test(inventory_json, other_top_level_keys_are_ignored_and_null_means_absent)
{
    int rc = parse("{\"version\": 1, \"cameras\": [{\"id\":\"c1\",\"name\":\"n\",\"unit_id\":\"u\","
                   "\"unit_name\":\"U\",\"url\":\"rtsp://h/x\",\"lat\":null,\"lon\":null,"
                   "\"fps\":\"25\",\"lat\":null}]}");
    /* the duplicate "lat" is refused by jansson */
    cr_assert_eq(rc, -EINVAL);
    cr_assert_not_null(strstr(errs.msg[0], "cameras.json:1: column "), "%s", errs.msg[0]);
    cr_assert_not_null(strstr(errs.msg[0], "invalid JSON: duplicate object key"), "%s",
                       errs.msg[0]);
    reset();
    rc = parse("{\"version\": 1, \"cameras\": [{\"id\":\"c1\",\"name\":\"n\",\"unit_id\":\"u\","
               "\"unit_name\":\"U\",\"url\":\"rtsp://h/x\",\"lat\":null,\"fps\":\"25\"}]}");
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_not(inv.cams[0].has_location);
    cr_assert_eq(inv.cams[0].fps, 25);
}

Test(inventory_json, syntax_errors_carry_jansson_line_and_column)
{
    int rc = parse("[\n  {\"id\": \"c1\",\n   \"name\": \"n\" \"x\"}\n]\n");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 1);
    cr_assert_eq(strncmp(errs.msg[0], "cameras.json:3: column ", 23), 0, "%s", errs.msg[0]);
    cr_assert_not_null(strstr(errs.msg[0], "invalid JSON: "));
}

Test(inventory_json, lines_of_objects_survive_tricky_strings)
{
    int rc = parse(
        "{\"note\": \"[{,}]\\\"\",\n"
        " \"cameras\": [\n"
        "  {\"id\": \"c1\", \"name\": \"a]{\\\"\", \"unit_id\": \"u\", \"unit_name\": \"U\",\n"
        "   \"url\": \"rtsp://h/1\", \"tags\": [\"x\", \"y\"]},\n"
        "\n"
        "  {\"id\": \"c2\", \"name\": \"b\", \"unit_id\": \"u\", \"unit_name\": \"U\",\n"
        "   \"url\": \"rtps://admin:S3cr3t@h/2\"}\n"
        " ]\n"
        "}\n");
    only_error(rc, "cameras.json:6: key \"url\": \"rtps://***@h/2\" is not a supported scheme (use "
                   "rtsp, rtsps, http, https, rtmp)");
    cr_assert_eq(inv.cams[0].line, 3);
    cr_assert_str_eq(inv.cams[0].name, "a]{\"");
    cr_assert_str_eq(inv.cams[0].tags, "x,y");
}

Test(inventory_json, duplicate_ids_name_the_earlier_line)
{
    int rc = parse("[\n" CAM("c1", "rtsp://h/1") ",\n" CAM("c2", "rtsp://h/2") ",\n" CAM(
        "c1", "rtsp://h/3") "\n]");
    only_error(rc, "cameras.json:4: key \"id\": duplicate id \"c1\" (first used on line 2); ids "
                   "must be unique");
}

Test(inventory_json, missing_and_unknown_keys)
{
    int rc = parse("[\n{\"id\":\"c1\",\"name\":\"n\",\"unit_id\":\"u\",\"unit_name\":\"U\"},\n"
                   "{\"id\":\"c2\",\"name\":\"n\",\"unit_id\":\"u\",\"unit_name\":\"U\",\"url\":"
                   "\"rtsp://h/\",\"vendor\":\"hik\"}\n]");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 2);
    cr_assert_str_eq(errs.msg[0],
                     "cameras.json:2: key \"url\": is missing; every camera needs a stream URL");
    cr_assert_str_eq(errs.msg[1], "cameras.json:3: key \"vendor\": unknown; accepted keys: id, "
                                  "name, unit_id, unit_name, url, lat, lon, address, tags, "
                                  "resolution, fps (Chinese headers such as 设备编码, 设备名称, "
                                  "单位编码, 单位名称, 视频流地址 work too)");
}

Test(inventory_json, wrong_value_types_are_explained)
{
    int rc = parse("[\n{\"id\":1234,\"name\":\"n\",\"unit_id\":\"u\","
                   "\"unit_name\":\"U\",\"url\":\"rtsp://h/\"},\n"
                   "{\"id\":\"c2\",\"name\":[\"n\"],\"unit_id\":\"u\",\"unit_name\":\"U\","
                   "\"url\":\"rtsp://h/\"},\n"
                   "{\"id\":\"c3\",\"name\":\"n\",\"unit_id\":\"u\",\"unit_name\":\"U\","
                   "\"url\":\"rtsp://h/\",\"tags\":[\"a\",1]},\n"
                   "{\"id\":\"c4\",\"name\":\"n\",\"unit_id\":\"u\",\"unit_name\":\"U\","
                   "\"url\":\"rtsp://h/\",\"fps\":true},\n"
                   "\"c5\"\n]");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 5, "%zu: %s / %s", errs.count, errs.msg[0], errs.msg[errs.count - 1]);
    cr_assert_str_eq(errs.msg[0], "cameras.json:2: key \"id\": is a number; expected a string "
                                  "(quote ids so 20-digit codes keep every digit)");
    cr_assert_str_eq(errs.msg[1], "cameras.json:3: key \"name\": is a list; expected a string");
    cr_assert_str_eq(errs.msg[2], "cameras.json:4: key \"tags\": tag 2 is a number; tags are "
                                  "strings");
    cr_assert_str_eq(errs.msg[3], "cameras.json:5: key \"fps\": is true/false; expected a string");
    cr_assert_str_eq(errs.msg[4], "cameras.json:6: camera 5 is a string; expected an object like "
                                  "{\"id\": ..., \"url\": ...}");
}

Test(inventory_json, syntax_errors_never_quote_credentials)
{
    int rc = parse("[{\"id\": \"c1\", \"url\": \"rtsp://admin:S3cr3t@10.1.2.3/x");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 1);
    cr_assert_null(strstr(errs.msg[0], "S3cr3t"), "%s", errs.msg[0]);
    cr_assert_not_null(strstr(errs.msg[0], "cameras.json:1: column "), "%s", errs.msg[0]);
    reset();
    rc = parse("[{\"id\": \"c1\", \"url\" \"rtsp://admin:S3cr3t@10.1.2.3/x\"}]");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_null(strstr(errs.msg[0], "S3cr3t"), "%s", errs.msg[0]);
    cr_assert_not_null(strstr(errs.msg[0], "cameras.json:1: column "), "%s", errs.msg[0]);
}

/* jansson quotes a short token near an error; in a file cut short, that
 * may be a URL whose '@' never came, so nothing marks the password. */
Test(inventory_json, syntax_errors_never_quote_a_cut_credential)
{
    int rc = parse("[{\"id\": \"c1\", \"url\": \"rtsp://a:S3cr3t");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 1);
    cr_expect(strstr(errs.msg[0], "invalid JSON"), "%s", errs.msg[0]);
    cr_expect_null(strstr(errs.msg[0], "S3cr3t"), "%s", errs.msg[0]);
}

Test(inventory_json, twenty_digit_numeric_ids_get_a_hint)
{
    int rc = parse("[{\"id\": 32010500001320000001}]");
    only_error(rc, "cameras.json:1: column 28: invalid JSON: too big integer near "
                   "'32010500001320000001'; quote ids so 20-digit codes keep every digit");
}

Test(inventory_json, numeric_coordinates_and_fps_are_checked)
{
    int rc = parse("[{\"id\":\"c1\",\"name\":\"n\",\"unit_id\":\"u\",\"unit_name\":\"U\","
                   "\"url\":\"rtsp://h/\",\"lat\":118.5,\"lon\":32,\"fps\":300}]");
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(errs.count, 2);
    cr_assert_str_eq(errs.msg[0], "cameras.json:1: key \"lat\": \"118.500000000\" is outside "
                                  "-90..90; are lat and lon swapped?");
    cr_assert_str_eq(errs.msg[1], "cameras.json:1: key \"fps\": \"300\" is not a frame rate; "
                                  "expected a whole number from 1 to 240, e.g. 25");
}

Test(inventory_json, lat_without_lon_says_the_key_is_missing)
{
    int rc = parse("[{\"id\":\"c1\",\"name\":\"n\",\"unit_id\":\"u\",\"unit_name\":\"U\","
                   "\"url\":\"rtsp://h/\",\"lat\":32.1}]");
    only_error(rc, "cameras.json:1: key \"lon\": is missing while \"lat\" is given; give both lat "
                   "and lon or neither");
}

Test(inventory_json, alias_keys_may_not_repeat_a_column)
{
    int rc = parse("[{\"id\":\"c1\",\"camera_id\":\"c1\",\"name\":\"n\",\"unit_id\":\"u\","
                   "\"unit_name\":\"U\",\"url\":\"rtsp://h/\"}]");
    only_error(rc, "cameras.json:1: key \"camera_id\" repeats key \"id\", both mean \"id\"; keep "
                   "one");
}

Test(inventory_json, wrong_document_shapes)
{
    only_error(parse("[]"), "cameras.json:1: no cameras in the list");
    reset();
    only_error(parse("{\"cameras\": []}"), "cameras.json:1: no cameras in the list");
    reset();
    only_error(parse("{\"devices\": []}"), "cameras.json:1: no \"cameras\" key; expected [{...}, "
                                           "...] or {\"cameras\": [...]}");
    reset();
    only_error(parse("{\"cameras\": {}}"),
               "cameras.json:1: \"cameras\" is an object; expected a list of camera objects");
    reset();
    only_error(parse("\"x\""),
               "cameras.json:1: the document is a string; expected a list of camera "
               "objects");
}

Test(inventory_json, gb18030_json_is_decoded_first)
{
    /* "名称" in GB18030 is C3 FB B3 C6 */
    const char gb[] = "[{\"id\":\"c1\",\"name\":\"\xC3\xFB\xB3\xC6\",\"unit_id\":\"u\","
                      "\"unit_name\":\"U\",\"url\":\"rtsp://h/\"}]";
    int rc = inv_parse(gb, sizeof gb - 1, "cameras.json", INV_FMT_JSON, INV_ENC_AUTO, &inv, &errs);
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_str_eq(inv.cams[0].name, "名称");
}

Test(inventory_json, format_is_sniffed_when_the_name_does_not_say)
{
    const char *j = "  [" CAM("c1", "rtsp://h/1") "]";
    int rc = inv_parse(j, strlen(j), "-", INV_FMT_AUTO, INV_ENC_AUTO, &inv, &errs);
    cr_assert_eq(rc, 0, "%s", errs.msg[0]);
    cr_assert_eq(inv.count, 1);
}
