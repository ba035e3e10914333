/* The API's pictures (indexer/http/api_picture.c) end to end: a kept
 * thumbnail comes back as image/jpeg byte for byte, a camera without one
 * is 404, the reference signature is a grey PNG of its size, and
 * /thumbnails lists the faulty cameras filtered by fault and unit. The
 * pictures are written into the index as a deep look would have. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <zlib.h>

#include "api_serve.h"
#include "store.h"

static char cam1[STORE_ID_MAX + 1], cam2[STORE_ID_MAX + 1], unit1[STORE_ID_MAX + 1];
static uint8_t jpeg[3000];
static uint8_t sig[32 * 18];

/* The first camera: diagnosed blurred, with its thumbnail and a
 * reference; the second has neither. */
static void seed_pictures(void)
{
    struct store *s = api_store_open();
    api_first_two(s, cam1, cam2, unit1);
    for (size_t i = 0; i < sizeof(jpeg); i++)
        jpeg[i] = (uint8_t)(i * 7 + 3);
    jpeg[0] = 0xff, jpeg[1] = 0xd8;
    for (size_t i = 0; i < sizeof(sig); i++)
        sig[i] = (uint8_t)(16 + (i % 32) * 7); /* a ramp, left to right */
    struct store_diagnosis d = {
        .time_ms = 1765000000000, .judged = true, .n = 1, .f = {{"blurred", 12, 40}}};
    struct store_thumbnail th = {
        .time_ms = 1765000000000, .width = 320, .height = 180, .jpeg = jpeg, .len = sizeof(jpeg)};
    struct store_reference ref = {.time_ms = 1764000000000, .sig_w = 32, .sig_h = 18, .sig = sig};
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_diagnosis_put(b, cam1, &d), 0);
    cr_assert_eq(store_batch_thumbnail_put(b, cam1, &th), 0);
    cr_assert_eq(store_batch_reference_put(b, cam1, &ref), 0);
    api_store_commit_close(s, &b);
}

static void setup(void)
{
    api_index(20, 5);
    seed_pictures();
    /* A probe interval longer than the test: nothing probes the cameras. */
    api_serve("--interval", "1h", "--set", "http.token_ro=" API_RO, "--set", "deep.workers=0",
              "--log-level", "info", NULL);
}

TestSuite(api_picture, .init = setup, .fini = api_teardown, .timeout = 120);

static bool has_header(const struct resp *r, const char *line)
{
    return strcasestr(r->head, line) != NULL;
}

Test(api_picture, the_thumbnail_is_the_kept_jpeg_byte_for_byte)
{
    struct resp r = api_call("GET", "/api/v1/cameras/%s/thumbnail", cam1, API_RO);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(has_header(&r, "\ncontent-type: image/jpeg"), "%s", r.head);
    cr_expect(has_header(&r, "\nx-content-type-options: nosniff"), "%s", r.head);
    cr_assert_eq(r.body_len, sizeof(jpeg));
    cr_expect(memcmp(r.body, jpeg, sizeof(jpeg)) == 0);
    resp_free(&r);

    r = api_call("GET", "/api/v1/cameras/%s", cam1, API_RO);
    cr_assert_eq(r.status, 200);
    json_t *th = json_object_get(r.json, "thumbnail");
    cr_expect_eq(json_integer_value(json_object_get(th, "width")), 320, "%s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(th, "bytes")), (json_int_t)sizeof(jpeg));
    char url[128];
    snprintf(url, sizeof(url), "/api/v1/cameras/%s/thumbnail", cam1);
    cr_expect_str_eq(json_string_value(json_object_get(th, "url")), url);
    resp_free(&r);
}

Test(api_picture, no_thumbnail_no_reference_and_no_camera_are_404)
{
    struct resp r = api_call("GET", "/api/v1/cameras/%s/thumbnail", cam2, API_RO);
    cr_expect_eq(r.status, 404, "%s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "error"), "code")),
                     "no_thumbnail");
    resp_free(&r);
    r = api_call("GET", "/api/v1/cameras/%s/reference.png", cam2, API_RO);
    cr_expect_eq(r.status, 404, "%s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "error"), "code")),
                     "no_reference");
    resp_free(&r);
    r = api_call("GET", "/api/v1/cameras/%s/thumbnail", "32010200009999999999", API_RO);
    cr_expect_eq(r.status, 404);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "error"), "code")),
                     "not_found");
    resp_free(&r);
    r = api_call("GET", "/api/v1/cameras/%s", cam2, API_RO);
    cr_expect(json_is_null(json_object_get(r.json, "thumbnail")), "%s", r.body);
    resp_free(&r);
    r = request("GET", "/api/v1/cameras/x/thumbnail", NULL, NULL);
    cr_expect_eq(r.status, 401, "pictures need a token like the rest");
    resp_free(&r);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

Test(api_picture, the_reference_is_a_grey_png_of_its_samples)
{
    struct resp r = api_call("GET", "/api/v1/cameras/%s/reference.png", cam1, API_RO);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(has_header(&r, "\ncontent-type: image/png"), "%s", r.head);
    const uint8_t *p = (const uint8_t *)r.body;
    cr_assert_gt(r.body_len, 8 + 25 + 12 + 12);
    cr_assert(memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0);
    cr_assert(memcmp(p + 12, "IHDR", 4) == 0);
    cr_expect_eq(be32(p + 16), 32);
    cr_expect_eq(be32(p + 20), 18);
    cr_expect_eq(p[24], 8, "8 bits");
    cr_expect_eq(p[25], 0, "grey");
    /* IDAT inflates to the rows, each after its filter byte (0). */
    const uint8_t *idat = p + 33;
    cr_assert(memcmp(idat + 4, "IDAT", 4) == 0);
    uLongf n = (32 + 1) * 18 + 16;
    uint8_t rows[(32 + 1) * 18 + 16];
    cr_assert_eq(uncompress(rows, &n, idat + 8, be32(idat)), Z_OK);
    cr_assert_eq(n, (32 + 1) * 18);
    for (int y = 0; y < 18; y++) {
        cr_expect_eq(rows[y * 33], 0);
        cr_expect(memcmp(rows + y * 33 + 1, sig + y * 32, 32) == 0, "row %d", y);
    }
    /* Every chunk's CRC is right: browsers refuse the picture otherwise. */
    for (size_t off = 8; off + 12 <= r.body_len;) {
        uint32_t len = be32(p + off);
        cr_assert_leq(off + 12 + len, r.body_len);
        uint32_t crc = (uint32_t)crc32(0L, p + off + 4, len + 4);
        cr_expect_eq(be32(p + off + 8 + len), crc, "chunk %.4s", (const char *)p + off + 4);
        off += 12 + len;
    }
    resp_free(&r);
}

Test(api_picture, the_wall_lists_faulty_cameras_by_fault_and_unit)
{
    struct resp r = request("GET", "/api/v1/thumbnails", API_RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "count")), 1, "%s", r.body);
    json_t *row = json_array_get(json_object_get(r.json, "thumbnails"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(row, "id")), cam1);
    json_t *f0 = json_array_get(json_object_get(json_object_get(row, "diagnosis"), "findings"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(f0, "reason")), "blurred");
    resp_free(&r);

    char path[256];
    snprintf(path, sizeof(path), "/api/v1/thumbnails?reason=blurred&unit=%s", unit1);
    r = request("GET", path, API_RO, NULL);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "count")), 1, "%s", r.body);
    resp_free(&r);
    r = request("GET", "/api/v1/thumbnails?reason=black", API_RO, NULL);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "count")), 0, "%s", r.body);
    resp_free(&r);
    r = request("GET", "/api/v1/thumbnails?unit=32019999999999999999", API_RO, NULL);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "count")), 0, "%s", r.body);
    resp_free(&r);
    r = request("GET", "/api/v1/thumbnails?colour=red", API_RO, NULL);
    cr_expect_eq(r.status, 400, "%s", r.body);
    resp_free(&r);
}
