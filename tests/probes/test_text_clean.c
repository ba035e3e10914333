/* probes/text_clean.c: text from outside made valid, one-line UTF-8, cut
 * only between characters. */
#include <criterion/criterion.h>
#include <string.h>

#include "text_clean.h"

#define FFFD "\xEF\xBF\xBD"

static const char *clean(const char *in, size_t cap, struct text_clean_count *n)
{
    static char out[1024];
    text_clean(out, cap, in, strlen(in), n);
    return out;
}

Test(text_clean, invalid_bytes_become_replacement_characters)
{
    struct text_clean_count n;
    /* A German phrase in Latin-1 behind stray bytes. */
    cr_assert_str_eq(clean("404 \xff\xfe\xc3 Nicht gef\xfcnden", 1024, &n),
                     "404 " FFFD FFFD FFFD " Nicht gef" FFFD "nden");
    cr_assert_eq(n.replaced, 4);
    /* A surrogate, above U+10FFFF, an overlong '/'. */
    const char *out = clean("\xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf", 1024, NULL);
    cr_assert_str_eq(out, FFFD FFFD FFFD " " FFFD FFFD FFFD FFFD " " FFFD FFFD);
}

Test(text_clean, a_truncated_sequence_is_one_replacement)
{
    /* 找 is E6 89 BE: its first two bytes, then ASCII or the end. */
    cr_assert_str_eq(clean("a\xe6\x89z", 1024, NULL), "a" FFFD "z");
    cr_assert_str_eq(clean("a\xe6\x89", 1024, NULL), "a" FFFD);
}

Test(text_clean, chinese_is_cut_between_characters)
{
    const char *in = "x找不到这个摄像机的视频流请检查配置是否正确谢谢合作";
    struct text_clean_count n;
    /* 61 bytes of room: 60 of text at most, and 1 + 3k is never 60. */
    const char *out = clean(in, 61, &n);
    cr_assert_eq(strlen(out), 58);
    cr_assert(text_is_clean(out, strlen(out)));
    cr_assert_eq(strncmp(out, in, 58), 0);
    cr_assert_eq(n.cut, 1);
    cr_assert_eq(n.replaced, 0);
}

Test(text_clean, line_breaks_become_one_space_each_and_are_counted)
{
    struct text_clean_count n;
    cr_assert_str_eq(clean("北门\r\n主入口\n东\r西\t南", 1024, &n), "北门 主入口 东 西 南");
    cr_assert_eq(n.breaks, 3);
    cr_assert_eq(n.replaced, 0);
}

Test(text_clean, terminal_escapes_and_c1_controls_are_replaced)
{
    struct text_clean_count n;
    cr_assert_str_eq(clean("\x1b[2Jlens\x07 \xc2\x9b"
                           "31m\x7f",
                           1024, &n),
                     FFFD "[2Jlens" FFFD " " FFFD "31m" FFFD);
    cr_assert_eq(n.replaced, 4);
    cr_assert_not(text_is_clean("\x1b[2J", 4));
    cr_assert(text_is_clean("镜头更换 ok", strlen("镜头更换 ok")));
}

Test(text_clean, a_replacement_that_does_not_fit_is_left_out_whole)
{
    char out[4];
    cr_assert_eq(text_clean(out, sizeof(out), "ab\xff", 3, NULL), 2);
    cr_assert_str_eq(out, "ab");
    cr_assert_eq(text_clean(out, 1, "abc", 3, NULL), 0);
    cr_assert_str_eq(out, "");
    cr_assert_eq(text_clean_str(out, sizeof(out), NULL), 0);
}
