/* indexer/http/accept_lang.c: which catalogue language an Accept-Language
 * header asks for. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "http/accept_lang.h"

static int choose(const char *h, enum msg_lang *l)
{
    return accept_lang_choose(h, strlen(h), l);
}

Test(accept_lang, the_highest_q_of_the_named_languages_wins)
{
    enum msg_lang l = MSG_EN;
    cr_assert_eq(choose("zh-CN,zh;q=0.9,en;q=0.8", &l), 0);
    cr_assert_eq(l, MSG_ZH);
    cr_assert_eq(choose("en-US,en;q=0.9,zh-CN;q=0.8", &l), 0);
    cr_assert_eq(l, MSG_EN);
    cr_assert_eq(choose("en;q=0.5, zh-Hans-CN;q=0.7", &l), 0);
    cr_assert_eq(l, MSG_ZH);
    cr_assert_eq(choose("fr, de;q=0.9, zh-TW;q=0.3, en;q=0.2", &l), 0);
    cr_assert_eq(l, MSG_ZH);
    /* A tie goes to the first named. */
    cr_assert_eq(choose("en;q=0.5,zh;q=0.5", &l), 0);
    cr_assert_eq(l, MSG_EN);
    cr_assert_eq(choose("  zh ;  q=1.000 ", &l), 0);
    cr_assert_eq(l, MSG_ZH);
}

Test(accept_lang, headers_naming_neither_language_choose_nothing)
{
    enum msg_lang l = MSG_ZH;
    cr_assert_eq(choose("fr-FR,fr;q=0.9", &l), -ENOENT);
    cr_assert_eq(choose("*", &l), -ENOENT);
    cr_assert_eq(choose("zh;q=0", &l), -ENOENT);
    cr_assert_eq(choose("", &l), -ENOENT);
    cr_assert_eq(choose("zhx, eng", &l), -ENOENT);
    cr_assert_eq(l, MSG_ZH, "nothing chosen, nothing written");
}

Test(accept_lang, malformed_or_oversized_headers_are_refused)
{
    enum msg_lang l;
    cr_assert_eq(choose("zh;q=2", &l), -EINVAL);
    cr_assert_eq(choose("zh;q=0.1234", &l), -EINVAL);
    cr_assert_eq(choose("zh;x=1", &l), -EINVAL);
    cr_assert_eq(choose("zh\"CN", &l), -EINVAL);
    cr_assert_eq(choose("zh-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &l), -EINVAL);
    char big[ACCEPT_LANG_MAX + 8];
    memset(big, ' ', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    memcpy(big, "zh", 2);
    cr_assert_eq(choose(big, &l), -EINVAL);
    /* Not NUL-terminated: only the given length is read. */
    cr_assert_eq(accept_lang_choose("zh-CN,fr", 5, &l), 0);
    cr_assert_eq(l, MSG_ZH);
}
