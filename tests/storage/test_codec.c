/* Tests for storage/codec.c: varints, strings and big-endian keys. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

#include "codec.h"

Test(codec, varints_round_trip_at_every_width)
{
    static const uint64_t values[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX};
    struct enc e;
    enc_init(&e);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        enc_uvar(&e, values[i]);
        enc_svar(&e, -(int64_t)(values[i] >> 1));
    }
    cr_assert_eq(e.err, 0);
    struct dec d;
    dec_init(&d, e.buf, e.len);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        cr_assert_eq(dec_uvar(&d), values[i]);
        cr_assert_eq(dec_svar(&d), -(int64_t)(values[i] >> 1));
    }
    cr_assert(dec_done(&d));
    cr_assert_eq(d.err, 0);
    enc_free(&e);
}

Test(codec, strings_decode_in_place_with_terminator)
{
    struct enc e;
    enc_init(&e);
    enc_str(&e, "市公安局", 64);
    enc_str(&e, NULL, 64);
    struct dec d;
    dec_init(&d, e.buf, e.len);
    cr_assert_str_eq(dec_str(&d), "市公安局");
    cr_assert_str_eq(dec_str(&d), "");
    cr_assert_eq(d.err, 0);
    enc_free(&e);
}

Test(codec, too_long_string_is_an_encoding_error)
{
    struct enc e;
    enc_init(&e);
    enc_str(&e, "abcdef", 5);
    cr_assert_eq(e.err, -EINVAL);
    enc_free(&e);
}

Test(codec, truncated_input_is_rejected_not_overread)
{
    struct enc e;
    enc_init(&e);
    enc_str(&e, "hello", 64);
    enc_uvar(&e, 300);
    for (size_t cut = 0; cut < e.len; cut++) {
        struct dec d;
        dec_init(&d, e.buf, cut);
        dec_str(&d);
        dec_uvar(&d);
        cr_assert_eq(d.err, -EBADMSG, "cut at %zu accepted", cut);
    }
    enc_free(&e);
}

Test(codec, string_without_stored_terminator_is_rejected)
{
    const uint8_t bad[] = {3, 'a', 'b', 'c', 'd'};
    struct dec d;
    dec_init(&d, bad, sizeof(bad));
    cr_assert_str_eq(dec_str(&d), "");
    cr_assert_eq(d.err, -EBADMSG);
}

Test(codec, string_over_its_limit_or_with_a_nul_inside_is_rejected)
{
    const uint8_t six[] = {6, 'a', 'b', 'c', 'd', 'e', 'f', 0};
    struct dec d;
    dec_init(&d, six, sizeof(six));
    cr_assert_str_eq(dec_str_max(&d, 6), "abcdef");
    cr_assert_eq(d.err, 0);
    dec_init(&d, six, sizeof(six));
    cr_assert_str_eq(dec_str_max(&d, 5), "");
    cr_assert_eq(d.err, -EBADMSG, "a 6-byte string read with a 5-byte limit");

    const uint8_t inner[] = {3, 'a', 0, 'c', 0};
    dec_init(&d, inner, sizeof(inner));
    cr_assert_str_eq(dec_str_max(&d, 64), "");
    cr_assert_eq(d.err, -EBADMSG, "a NUL inside the stored length");
}

Test(codec, overlong_varint_is_rejected)
{
    uint8_t bad[11];
    memset(bad, 0xff, sizeof(bad));
    struct dec d;
    dec_init(&d, bad, sizeof(bad));
    dec_uvar(&d);
    cr_assert_eq(d.err, -EBADMSG);
}

Test(codec, big_endian_keys_sort_like_numbers)
{
    uint8_t a[8], b[8];
    be64_put(a, 255);
    be64_put(b, 256);
    cr_assert_lt(memcmp(a, b, 8), 0);
    cr_assert_eq(be64_get(b), 256);
    be32_put(a, 0xdeadbeef);
    cr_assert_eq(be32_get(a), 0xdeadbeef);
}
