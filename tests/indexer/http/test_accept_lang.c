/* indexer/http/accept_lang.c: the language an Accept-Language value asks
 * for, with q-values honoured. */
#include <criterion/criterion.h>
#include <string.h>

#include "http/accept_lang.h"

static enum msg_lang pick(const char *v)
{
    return accept_lang_pick(v, strlen(v));
}

Test(accept_lang, chinese_tags_are_chinese)
{
    cr_assert_eq(pick("zh"), MSG_ZH);
    cr_assert_eq(pick("zh-CN"), MSG_ZH);
    cr_assert_eq(pick("ZH-hans-cn"), MSG_ZH);
    cr_assert_eq(pick("zh-TW"), MSG_ZH);
    cr_assert_eq(pick("zh-CN,zh;q=0.9,en;q=0.8"), MSG_ZH);
}

Test(accept_lang, the_highest_q_wins_whatever_the_order)
{
    cr_assert_eq(pick("en;q=0.5, zh-CN;q=0.8"), MSG_ZH);
    cr_assert_eq(pick("zh;q=0.3,en-GB;q=0.9"), MSG_EN);
    cr_assert_eq(pick("fr, de;q=0.9, zh;q=0.1"), MSG_ZH, "the only language camdex speaks");
    cr_assert_eq(pick("en-US,en;q=0.9,zh-CN;q=0.8"), MSG_EN);
    cr_assert_eq(pick("zh ; q=1.0 , en ; q=1"), MSG_ZH, "a tie goes to the earlier");
    cr_assert_eq(pick("zh;q=0.001,en;q=0"), MSG_ZH);
}

Test(accept_lang, q_zero_refuses_and_star_means_english)
{
    cr_assert_eq(pick("zh;q=0"), MSG_EN);
    cr_assert_eq(pick("zh;q=0.000, fr"), MSG_EN);
    cr_assert_eq(pick("*"), MSG_EN);
    cr_assert_eq(pick("zh;q=0.5, *"), MSG_EN);
    cr_assert_eq(pick("*;q=0.1, zh"), MSG_ZH);
}

Test(accept_lang, malformed_or_unknown_values_are_english)
{
    cr_assert_eq(pick(""), MSG_EN);
    cr_assert_eq(pick(",,, ,"), MSG_EN);
    cr_assert_eq(pick("fr-FR, de"), MSG_EN);
    cr_assert_eq(pick("zh;q=2"), MSG_EN);
    cr_assert_eq(pick("zh;q=1.5"), MSG_EN);
    cr_assert_eq(pick("zh;q=0.5x"), MSG_EN);
    cr_assert_eq(pick("zh;q="), MSG_EN);
    cr_assert_eq(pick("zhx, zhongwen"), MSG_EN);
    cr_assert_eq(pick("zh;q=0.8x, en;q=0.1"), MSG_EN, "the malformed range is skipped");
    cr_assert_eq(accept_lang_pick(NULL, 0), MSG_EN);
}

Test(accept_lang, only_the_first_ranges_and_bytes_are_read)
{
    char v[ACCEPT_LANG_MAX + 64] = "";
    /* ACCEPT_LANG_ITEMS ranges camdex does not speak, then Chinese. */
    for (int i = 0; i < ACCEPT_LANG_ITEMS; i++)
        strcat(v, "fr,");
    strcat(v, "zh");
    cr_assert_eq(pick(v), MSG_EN);
    /* Within the items, Chinese is found. */
    cr_assert_eq(pick(v + 3), MSG_ZH);
    memset(v, ' ', ACCEPT_LANG_MAX);
    memcpy(v + ACCEPT_LANG_MAX - 2, "zh", 3);
    cr_assert_eq(pick(v), MSG_ZH);
    memset(v, ' ', ACCEPT_LANG_MAX + 1);
    memcpy(v + ACCEPT_LANG_MAX - 1, "zh", 3);
    cr_assert_eq(pick(v), MSG_EN, "over ACCEPT_LANG_MAX bytes is not read");
}
