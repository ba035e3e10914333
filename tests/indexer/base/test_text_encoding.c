/* Tests for indexer/base/text_encoding.c: BOM, strict UTF-8, GB18030 decoding. */
#include <criterion/criterion.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "base/text_encoding.h"

/* UTF-8 -> GB18030 with glibc, so tests hold real GB bytes. */
static size_t to_gb(const char *utf8, char *out, size_t cap)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    cr_assert_neq(cd, (iconv_t)-1);
    char *in = (char *)utf8, *o = out;
    size_t inleft = strlen(utf8), oleft = cap;
    cr_assert_neq(iconv(cd, &in, &inleft, &o, &oleft), (size_t)-1);
    iconv_close(cd);
    return cap - oleft;
}

Test(tenc_bom, detects_only_a_complete_utf8_bom)
{
    cr_assert_eq(tenc_bom_len("\xEF\xBB\xBFid", 5), 3);
    cr_assert_eq(tenc_bom_len("\xEF\xBB", 2), 0);
    cr_assert_eq(tenc_bom_len("id", 2), 0);
}

Test(tenc_utf8, accepts_ascii_chinese_and_four_byte_characters)
{
    const char *s = "id,名称\n1,北门入口 \xF0\x9F\x93\xB7 \xF4\x8F\xBF\xBF\n";
    cr_assert_eq(tenc_utf8_check(s, strlen(s), NULL), 0);
}

Test(tenc_utf8, rejects_overlongs_surrogates_and_out_of_range)
{
    static const struct {
        const char *s;
        size_t len;
    } bad[] = {
        {"\xC0\x80", 2},         /* overlong NUL */
        {"\xC1\xBF", 2},         /* overlong ASCII */
        {"\xE0\x80\x80", 3},     /* overlong 3-byte */
        {"\xE0\x9F\xBF", 3},     /* overlong 3-byte, top */
        {"\xF0\x80\x80\x80", 4}, /* overlong 4-byte */
        {"\xF0\x8F\xBF\xBF", 4}, /* overlong 4-byte, top */
        {"\xED\xA0\x80", 3},     /* U+D800 surrogate */
        {"\xED\xBF\xBF", 3},     /* U+DFFF surrogate */
        {"\xF4\x90\x80\x80", 4}, /* U+110000 */
        {"\xF5\x80\x80\x80", 4}, /* lead byte beyond F4 */
        {"\xFF", 1},
        {"\x80", 1},         /* lone continuation */
        {"\xE5\xA4", 2},     /* truncated at end */
        {"\xE5\x41\x80", 3}, /* continuation missing */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tenc_pos p = {0};
        cr_assert_eq(tenc_utf8_check(bad[i].s, bad[i].len, &p), -EILSEQ, "case %zu", i);
        cr_assert_eq(p.offset, 0, "case %zu", i);
        cr_assert_eq(p.line, 1);
        cr_assert_eq(p.column, 1);
    }
}

Test(tenc_utf8, reports_line_and_column_of_first_bad_sequence)
{
    const char *s = "id,name\n1,ok\n2,ab\xC3\x28zz\n3,\xFF\n";
    struct tenc_pos p = {0};
    cr_assert_eq(tenc_utf8_check(s, strlen(s), &p), -EILSEQ);
    cr_assert_eq(p.line, 3);
    cr_assert_eq(p.column, 5);
    cr_assert_eq(p.offset, 17);
    cr_assert_str_eq(p.what, "invalid UTF-8 sequence");
}

Test(tenc_utf8, counts_lone_cr_lines_in_files_without_lf)
{
    struct tenc_pos p = {0};
    cr_assert_eq(tenc_utf8_check("a\rb\rc\xFF", 7, &p), -EILSEQ);
    cr_assert_eq(p.line, 3);
    cr_assert_eq(p.column, 2);
    cr_assert_eq(tenc_utf8_check("a\r\nb\xFF", 6, &p), -EILSEQ);
    cr_assert_eq(p.line, 2);
    cr_assert_eq(p.column, 2);
}

Test(tenc_gb18030, converts_gbk_text_and_four_byte_sequences)
{
    char gb[128];
    size_t n = to_gb("市公安局,中山路与解放路交叉口东向西,\xF0\xA0\x80\x80\n", gb, sizeof gb);
    cr_assert_lt(n, strlen("市公安局,中山路与解放路交叉口东向西,\xF0\xA0\x80\x80\n"));
    char *out;
    size_t outlen;
    cr_assert_eq(tenc_gb18030_to_utf8(gb, n, &out, &outlen, NULL), 0);
    cr_assert_str_eq(out, "市公安局,中山路与解放路交叉口东向西,\xF0\xA0\x80\x80\n");
    cr_assert_eq(outlen, strlen(out));
    free(out);
}

Test(tenc_gb18030, reports_invalid_and_truncated_sequences)
{
    struct tenc_pos p = {0};
    char *out = (char *)1;
    size_t outlen;
    cr_assert_eq(tenc_gb18030_to_utf8("ab\n\xFF\xFF", 5, &out, &outlen, &p), -EILSEQ);
    cr_assert_null(out);
    cr_assert_eq(p.line, 2);
    cr_assert_eq(p.column, 1);
    cr_assert_eq(tenc_gb18030_to_utf8("ab\xB1", 3, &out, &outlen, &p), -EILSEQ);
    cr_assert_eq(p.offset, 2);
    cr_assert_not_null(strstr(p.what, "truncated"));
}

Test(tenc_decode, valid_utf8_is_used_in_place_without_bom)
{
    const char *s = "\xEF\xBB\xBFid,名称\n";
    const char *text;
    size_t len;
    char *owned;
    enum tenc_charset used;
    cr_assert_eq(tenc_decode(s, strlen(s), TENC_AUTO, &text, &len, &owned, &used, NULL), 0);
    cr_assert_null(owned, "no copy for UTF-8");
    cr_assert_eq(text, s + 3);
    cr_assert_eq(len, strlen(s) - 3);
    cr_assert_eq(used, TENC_UTF8);
}

Test(tenc_decode, auto_falls_back_to_gb18030)
{
    char gb[128];
    size_t n = to_gb("设备编码,设备名称\n1,北门入口\n", gb, sizeof gb);
    const char *text;
    size_t len;
    char *owned;
    enum tenc_charset used;
    cr_assert_eq(tenc_decode(gb, n, TENC_AUTO, &text, &len, &owned, &used, NULL), 0);
    cr_assert_eq(used, TENC_GB18030);
    cr_assert_not_null(owned);
    cr_assert_eq(len, strlen("设备编码,设备名称\n1,北门入口\n"));
    cr_assert_eq(memcmp(text, "设备编码,设备名称\n1,北门入口\n", len), 0);
    free(owned);
}

Test(tenc_decode, gb18030_bom_is_dropped)
{
    char gb[64] = "\x84\x31\x95\x33";
    size_t n = 4 + to_gb("单位\n", gb + 4, sizeof gb - 4);
    const char *text;
    size_t len;
    char *owned;
    cr_assert_eq(tenc_decode(gb, n, TENC_GB18030, &text, &len, &owned, NULL, NULL), 0);
    cr_assert_eq(len, strlen("单位\n"));
    cr_assert_eq(memcmp(text, "单位\n", len), 0);
    free(owned);
}

/* Found by fuzz_text_encoding: a second BOM was left in the text, where
 * it became part of the first column's name. */
Test(tenc_decode, every_leading_bom_is_dropped)
{
    const char *s = "\xEF\xBB\xBF\xEF\xBB\xBFid\n";
    const char *text;
    size_t len;
    char *owned;
    cr_assert_eq(tenc_decode(s, strlen(s), TENC_UTF8, &text, &len, &owned, NULL, NULL), 0);
    cr_expect_eq(len, 3);
    cr_expect_eq(memcmp(text, "id\n", 3), 0);

    char gb[64] = "\x84\x31\x95\x33\x84\x31\x95\x33";
    size_t n = 8 + to_gb("单位\n", gb + 8, sizeof gb - 8);
    cr_assert_eq(tenc_decode(gb, n, TENC_GB18030, &text, &len, &owned, NULL, NULL), 0);
    cr_expect_eq(len, strlen("单位\n"));
    cr_expect_eq(memcmp(text, "单位\n", strlen("单位\n")), 0);
    free(owned);
}

Test(tenc_decode, damaged_utf8_is_not_misread_as_gb18030)
{
    /* Lots of good UTF-8, then one stray byte on line 3. */
    const char *s = "id,名称\n1,北门入口\n2,南门\xFF入口\n";
    const char *text;
    size_t len;
    char *owned;
    struct tenc_pos p = {0};
    cr_assert_eq(tenc_decode(s, strlen(s), TENC_AUTO, &text, &len, &owned, NULL, &p), -EILSEQ);
    cr_assert_eq(p.line, 3);
    cr_assert_eq(p.column, 9);
    cr_assert_str_eq(p.what, "invalid UTF-8 sequence");
}

Test(tenc_decode, neither_utf8_nor_gb18030_reports_the_line)
{
    const char *s = "id,name\nx,y\nz,\x80\n";
    const char *text;
    size_t len;
    char *owned;
    struct tenc_pos p = {0};
    cr_assert_eq(tenc_decode(s, strlen(s), TENC_AUTO, &text, &len, &owned, NULL, &p), -EILSEQ);
    cr_assert_eq(p.line, 3);
    cr_assert_str_eq(p.what, "neither valid UTF-8 nor GB18030");
}

Test(tenc_decode, forced_utf8_refuses_gb_bytes)
{
    char gb[64];
    size_t n = to_gb("a\n名称\n", gb, sizeof gb);
    const char *text;
    size_t len;
    char *owned;
    struct tenc_pos p = {0};
    cr_assert_eq(tenc_decode(gb, n, TENC_UTF8, &text, &len, &owned, NULL, &p), -EILSEQ);
    cr_assert_eq(p.line, 2);
}

Test(tenc_decode, refuses_utf16_and_nul_bytes)
{
    const char *text;
    size_t len;
    char *owned;
    struct tenc_pos p = {0};
    cr_assert_eq(tenc_decode("\xFF\xFEi\0d\0", 6, TENC_AUTO, &text, &len, &owned, NULL, &p),
                 -EILSEQ);
    cr_assert_not_null(strstr(p.what, "UTF-16"));
    cr_assert_eq(tenc_decode("id\nab\0c", 7, TENC_AUTO, &text, &len, &owned, NULL, &p), -EILSEQ);
    cr_assert_eq(p.line, 2);
    cr_assert_eq(p.column, 3);
    cr_assert_not_null(strstr(p.what, "NUL"));
}


/* ---- the UTF-8 check every parameter and path segment goes through ---- */

Test(tenc_utf8, is_utf8_accepts_utf8_and_refuses_everything_else)
{
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"", true},
        {"plain ascii", true},
        {"\xe5\xb8\x82\xe5\x85\xac\xe5\xae\x89\xe5\xb1\x80", true}, /* 市公安局 */
        {"\xf0\x9f\x93\xb7", true},                                 /* U+1F4F7 */
        {"\xff", false},
        {"\xc0\xaf", false},         /* overlong '/' */
        {"\xe0\x80\xaf", false},     /* overlong '/' in three bytes */
        {"\xed\xa0\x80", false},     /* a surrogate */
        {"\xf4\x90\x80\x80", false}, /* past U+10FFFF */
        {"\xe5\xb8", false},         /* cut short */
        {"a\x80", false},            /* a lone continuation byte */
        {"\xe5\x41\x41", false},     /* a continuation that is not one */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_assert_eq(tenc_is_utf8(cases[i].s, strlen(cases[i].s)), cases[i].ok, "case %zu", i);
}

Test(tenc_utf8, complete_leaves_out_only_a_sequence_cut_off_at_the_end)
{
    const char *s = "ab中文𠀀"; /* 2 ASCII, two 3-byte, one 4-byte character */
    size_t len = strlen(s);
    cr_assert_eq(len, 2 + 3 + 3 + 4);
    cr_assert_eq(tenc_utf8_complete(s, len), len);
    /* Cut inside the 4-byte character: it waits for the next chunk. */
    for (size_t cut = 1; cut <= 3; cut++)
        cr_assert_eq(tenc_utf8_complete(s, len - cut), 8, "cut %zu", cut);
    /* Cut inside the second 3-byte character. */
    cr_assert_eq(tenc_utf8_complete(s, 6), 5);
    cr_assert_eq(tenc_utf8_complete(s, 7), 5);
    cr_assert_eq(tenc_utf8_complete(s, 5), 5);
    cr_assert_eq(tenc_utf8_complete(s, 0), 0);
    /* Bytes that are no UTF-8 are left for the check to refuse. */
    cr_assert_eq(tenc_utf8_complete("\x80\x80\x80\x80\x80", 5), 5);
}
