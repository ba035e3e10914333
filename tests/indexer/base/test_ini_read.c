/* Tests for the INI reader (indexer/base/ini_read.c): the rules the
 * configuration files were written for, and its limits. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "base/ini_read.h"

struct seen {
    int n;
    char got[16][160];
};

static void record(void *user, int line, const char *section, const char *key, const char *value)
{
    struct seen *s = user;
    if (s->n < 16)
        snprintf(s->got[s->n++], sizeof(s->got[0]), "%d|%s|%s|%s", line, section, key ? key : "!",
                 value);
}

Test(ini_read, comments_separators_continuations_and_bom)
{
    struct seen s = {0};
    const char *text = "\xEF\xBB\xBF; note\n# note\n[a]\nk = v ; comment\nurl=x;y\n"
                       "  again\n\tk2 : w \r\n[b c]\nz=\n";
    cr_assert_eq(ini_read(text, record, &s), 0);
    const char *want[] = {"4|a|k|v", "5|a|url|x;y", "6|a|url|again", "7|a|url|k2 : w", "9|b c|z|"};
    cr_assert_eq(s.n, 5, "%d keys, first %s", s.n, s.got[0]);
    for (int i = 0; i < 5; i++)
        cr_assert_str_eq(s.got[i], want[i]);
}

Test(ini_read, unreadable_lines_are_each_reported_with_their_number)
{
    struct seen s = {0};
    const char *text = "[open\nno equals\n[ok]\nk=1\n";
    cr_assert_eq(ini_read(text, record, &s), 2);
    cr_assert_eq(s.n, 3);
    cr_assert(strncmp(s.got[0], "1||!|", 5) == 0, "%s", s.got[0]);
    cr_assert(strncmp(s.got[1], "2||!|not an INI line", 20) == 0, "%s", s.got[1]);
    cr_assert_str_eq(s.got[2], "4|ok|k|1");
}

Test(ini_read, names_have_a_limit)
{
    struct seen s = {0};
    char text[512];
    snprintf(text, sizeof(text), "[%0100d]\n%0100d = 1\n", 0, 0);
    cr_assert_eq(ini_read(text, record, &s), 2);
    cr_assert(strstr(s.got[0], "section name longer"), "%s", s.got[0]);
    cr_assert(strstr(s.got[1], "key longer"), "%s", s.got[1]);
}
