/* indexer/cli/output.c: display widths come from utf8proc's tables, so
 * they are right in a process that never set a locale (the "C" locale, as
 * on a machine with no zh_CN or C.UTF-8 locale installed). */
#include <criterion/criterion.h>
#include <locale.h>
#include <string.h>

#include "cli/output.h"

Test(output, display_width_needs_no_locale)
{
    setlocale(LC_ALL, "C");
    cr_assert_eq(out_display_width(""), 0);
    cr_assert_eq(out_display_width("STATE"), 5);
    cr_assert_eq(out_display_width("状态"), 4);
    cr_assert_eq(out_display_width("监测时长(时)"), 12);
    cr_assert_eq(out_display_width("停车场2号"), 9);
    cr_assert_eq(out_display_width("在线率：93%"), 11, "fullwidth colon counts two");
    cr_assert_eq(out_display_width("…"), 1);
    cr_assert_eq(out_display_width("e\xcc\x81"), 1, "a combining accent takes no column");
    cr_assert_eq(out_display_width("\xe2\x80\x8b"), 0, "a zero-width space takes none");
    cr_assert_eq(out_display_width("\xf0\xa0\x80\x80"), 2, "CJK extension B is wide");
    cr_assert_eq(out_display_width("\xff"), 1, "an invalid byte shows as one U+FFFD");
}

/* A heading in Chinese sets the column's width by its display width. */
Test(output, table_headings_in_chinese_pad_by_display_width)
{
    setlocale(LC_ALL, "C");
    json_t *rows =
        json_pack("[{s:s, s:i}, {s:s, s:i}]", "name", "北门入口", "n", 7, "name", "ab", "n", 12345);
    static const struct out_col cols[] = {
        {"name", "col.name", OUT_TEXT, 0},
        {"n", "col.cameras", OUT_INT, 0},
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(out_render(f, OUT_TABLE, MSG_ZH, cols, 2, rows), 0);
    fclose(f);
    cr_assert_str_eq(buf, "名称      摄像机数\n"
                          "北门入口         7\n"
                          "ab           12345\n");
    free(buf);
    json_decref(rows);
}
