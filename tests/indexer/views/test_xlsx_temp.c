/* indexer/views/xlsx_temp.c: a workbook made in a temporary file comes back
 * as an open descriptor, with no file left in the directory, also when
 * making it fails. */
#include <criterion/criterion.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "testutil.h"
#include "views/xlsx_table.h"
#include "xlsxread.h"

static char *tmp;

static void setup(void)
{
    tmp = testutil_mkdtemp();
}

static void teardown(void)
{
    testutil_rmdir(tmp);
}

TestSuite(xlsx_temp, .init = setup, .fini = teardown, .timeout = 60);

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static const struct out_col cols[] = {
    {"id", "col.id", OUT_TEXT, 0},
    {"time", "col.time", OUT_DATETIME, 0},
};

Test(xlsx_temp, the_workbook_is_an_open_descriptor_and_no_file_is_left)
{
    json_t *rows = json_pack("[{s:s, s:s}]", "id", "cam-1", "time", "2026-11-27T16:16:08+08:00");
    struct xlsx_options o = {.lang = MSG_ZH, .tmpdir = tmp};
    int fd;
    cr_assert_eq(xlsx_table_temp(&o, "sheet.events", cols, 2, rows, &fd), 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(entries(tmp), 0, "a temporary file was left in the directory");
    /* Copy it out, as the CLI and the API do, and read it. */
    char out[4300];
    snprintf(out, sizeof(out), "%s.xlsx", tmp);
    int w = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char buf[8192];
    ssize_t n, total = 0;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        total += write(w, buf, (size_t)n);
    close(w);
    close(fd);
    cr_assert_gt(total, 1000);
    json_t *book = xlsx_read(out);
    json_t *s = xlsx_sheet(book, 0);
    cr_assert_str_eq(xlsx_sheet_name(s), "状态变化");
    cr_assert_str_eq(xlsx_text(s, 1, 0), "cam-1");
    cr_assert_str_eq(xlsx_text(s, 1, 1), "2026-11-27T16:16:08");
    unlink(out);
    json_decref(book);
    json_decref(rows);
}

Test(xlsx_temp, a_failure_leaves_nothing_behind)
{
    json_t *rows = json_pack("[{s:s}]", "id", "cam-1");
    struct xlsx_options o = {.lang = MSG_EN, .tmpdir = tmp};
    int fd = 7;
    /* A sheet name Excel refuses fails the table after the file exists. */
    cr_assert_eq(xlsx_table_temp(&o, "sheet/with:bad*chars", cols, 2, rows, &fd), -EINVAL);
    cr_assert_eq(fd, -1);
    cr_assert_eq(entries(tmp), 0, "a temporary file was left in the directory");
    char missing[4300];
    snprintf(missing, sizeof(missing), "%s/gone", tmp);
    o.tmpdir = missing;
    cr_assert_eq(xlsx_table_temp(&o, "sheet.events", cols, 2, rows, &fd), -ENOENT);
    json_decref(rows);
}
