/* indexer/cli/cli_emit.c and --format xlsx end to end: `camdex list`,
 * `units`, `history` and `report online-rate` as workbooks read back with
 * openpyxl, cell for cell equal to what --format json prints; -o FILE,
 * standard output redirected, and no workbook on a terminal; no
 * temporary file left behind. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runcmd.h"
#include "testutil.h"
#include "xlsxread.h"

static char *tmp;
static char db[4200], tmpdir[4200], book[4200];

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
    snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", tmp);
    snprintf(book, sizeof(book), "%s/out.xlsx", tmp);
    cr_assert_eq(mkdir(tmpdir, 0700), 0);
    /* Every temporary file of the commands goes here: the tests check it
     * is empty afterwards. */
    setenv("TMPDIR", tmpdir, 1);
}

static void teardown(void)
{
    testutil_rmdir(tmp);
}

TestSuite(cli_emit, .init = setup, .fini = teardown, .timeout = 120);

static void assert_tmpdir_empty(void)
{
    DIR *d = opendir(tmpdir);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        cr_assert(e->d_name[0] == '.', "left behind in $TMPDIR: %s", e->d_name);
    closedir(d);
}

/* A small fleet, swept once: its cameras at 127.1.x.y refuse connections,
 * which gives states, events, rates and a day of the report. */
static void fleet(int cameras, bool sweep)
{
    char n[16], path[4300];
    snprintf(n, sizeof(n), "%d", cameras);
    snprintf(path, sizeof(path), "%s/fleet.csv", tmp);
    char *gen[] = {CAMDEX_BIN, "generate", "--cameras", n, "--seed", "3", NULL};
    run_to_file(gen, path);
    struct run r = CAMDEX("import", path);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    if (!sweep)
        return;
    r = CAMDEX("sweep");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
}

static json_t *json_of(const char **args)
{
    struct run r = run_camdex(db, args);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    json_t *rows = json_loads(r.out, 0, NULL);
    cr_assert(json_is_array(rows), "%s", r.out);
    run_free(&r);
    return rows;
}

/* Column c of every row of the sheet equals member `key` of the JSON rows:
 * text as text (an empty text is a blank cell), numbers as numbers, and
 * times as the date-time cell of the wall time they show. */
static void assert_column(json_t *sheet, size_t c, json_t *rows, const char *key)
{
    cr_assert_eq(xlsx_nrows(sheet), json_array_size(rows) + 1);
    for (size_t r = 0; r < json_array_size(rows); r++) {
        json_t *want = json_object_get(json_array_get(rows, r), key);
        json_t *got = xlsx_value(sheet, r + 1, c);
        if (json_is_number(want)) {
            cr_assert_float_eq(json_number_value(got), json_number_value(want), 1e-9, "row %zu %s",
                               r + 1, key);
        } else if (json_is_null(want) || !*json_string_value(want)) {
            cr_assert(json_is_null(got), "row %zu %s is not blank", r + 1, key);
        } else if (strcmp(xlsx_format(sheet, r + 1, c), "yyyy-mm-dd hh:mm:ss") == 0) {
            cr_assert(strncmp(json_string_value(got), json_string_value(want), 19) == 0,
                      "row %zu %s: %s for %s", r + 1, key, json_string_value(got),
                      json_string_value(want));
        } else {
            cr_assert_str_eq(json_string_value(got), json_string_value(want), "row %zu %s", r + 1,
                             key);
        }
    }
}

Test(cli_emit, list_as_a_workbook_equals_the_json)
{
    fleet(30, true);
    json_t *rows = json_of((const char *[]){"list", "--format", "json", NULL});
    struct run r = CAMDEX("list", "--format", "xlsx", "-o", book);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "", "-o FILE prints nothing");
    run_free(&r);
    assert_tmpdir_empty();
    json_t *b = xlsx_read(book);
    json_t *s = xlsx_sheet(b, 0);
    cr_assert_str_eq(xlsx_sheet_name(s), "Cameras");
    cr_assert_str_eq(json_string_value(json_object_get(s, "freeze")), "A2");
    static const char *const keys[] = {"id",     "name",  "unit_name", "state",
                                       "reason", "since", "url"};
    for (size_t c = 0; c < 7; c++)
        assert_column(s, c, rows, keys[c]);
    cr_assert_str_eq(xlsx_text(s, 0, 5), "SINCE");
    cr_assert_str_eq(xlsx_format(s, 1, 5), "yyyy-mm-dd hh:mm:ss");
    char *all = json_dumps(b, 0);
    /* The generated fleet's passwords (admin123, Dh123456, ...) stay out. */
    cr_assert(strstr(all, "rtsp://***@127.1."), "no redacted URL in: %.300s", all);
    cr_assert_null(strstr(all, "admin123"), "a password reached the workbook");
    cr_assert_null(strstr(all, "Dh123456"), "a password reached the workbook");
    free(all);
    json_decref(b);
    json_decref(rows);
}

Test(cli_emit, units_history_and_report_as_workbooks)
{
    fleet(20, true);
    json_t *units = json_of((const char *[]){"units", "--format", "json", NULL});
    struct run r = CAMDEX("units", "--format", "xlsx", "-o", book);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    json_t *b = xlsx_read(book);
    json_t *s = xlsx_sheet(b, 0);
    cr_assert_str_eq(xlsx_sheet_name(s), "Units");
    assert_column(s, 0, units, "id");
    assert_column(s, 5, units, "offline");
    assert_column(s, 8, units, "online_rate");
    cr_assert_str_eq(xlsx_format(s, 1, 8), "0.0%");
    json_decref(b);
    json_decref(units);

    json_t *events = json_of((const char *[]){"history", "--format", "json", NULL});
    cr_assert_gt(json_array_size(events), 0);
    r = CAMDEX("history", "--format", "xlsx", "-o", book);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    b = xlsx_read(book);
    s = xlsx_sheet(b, 0);
    cr_assert_str_eq(xlsx_sheet_name(s), "State changes");
    assert_column(s, 0, events, "time");
    cr_assert_str_eq(xlsx_format(s, 1, 0), "yyyy-mm-dd hh:mm:ss");
    assert_column(s, 1, events, "camera");
    assert_column(s, 6, events, "detail");
    json_decref(b);
    json_decref(events);

    json_t *days = json_of((const char *[]){"report", "online-rate", "--format", "json", NULL});
    cr_assert_gt(json_array_size(days), 0);
    r = CAMDEX("report", "online-rate", "--format", "xlsx", "-o", book);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    b = xlsx_read(book);
    s = xlsx_sheet(b, 0);
    cr_assert_str_eq(xlsx_sheet_name(s), "Online rate");
    cr_assert_str_eq(xlsx_format(s, 1, 0), "yyyy-mm-dd");
    for (size_t i = 0; i < json_array_size(days); i++) {
        const char *day = json_string_value(json_object_get(json_array_get(days, i), "day"));
        cr_assert(strncmp(xlsx_text(s, i + 1, 0), day, 10) == 0);
    }
    assert_column(s, 1, days, "unit");
    assert_column(s, 7, days, "snapshot_rate");
    cr_assert_str_eq(xlsx_format(s, 1, 7), "0.0%");
    json_decref(b);
    json_decref(days);
    assert_tmpdir_empty();
}

Test(cli_emit, a_redirected_standard_output_gets_the_workbook)
{
    fleet(5, false);
    char cmd[13000];
    snprintf(cmd, sizeof(cmd), "'%s' --db '%s' list --format xlsx > '%s'", CAMDEX_BIN, db, book);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    run_ok(argv);
    json_t *b = xlsx_read(book);
    cr_assert_eq(xlsx_nrows(xlsx_sheet(b, 0)), 6);
    json_decref(b);
    assert_tmpdir_empty();
}

Test(cli_emit, no_workbook_on_a_terminal)
{
    fleet(5, false);
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert_geq(master, 0);
    cr_assert_eq(grantpt(master), 0);
    cr_assert_eq(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    cr_assert_geq(slave, 0);
    char *argv[] = {CAMDEX_BIN, "--db", db, "units", "--format", "xlsx", NULL};
    struct run r = runv_out(argv, slave);
    close(slave);
    cr_assert_eq(r.rc, 2, "exit %d: %s", r.rc, r.err);
    cr_assert(strstr(r.err, "-o FILE") && strstr(r.err, "redirect"), "%s", r.err);
    run_free(&r);
    /* Nothing reached the terminal. */
    fcntl(master, F_SETFL, O_NONBLOCK);
    char out[256];
    cr_assert_leq(read(master, out, sizeof(out)), 0, "bytes reached the terminal");
    close(master);
    assert_tmpdir_empty();
}

Test(cli_emit, an_export_that_cannot_be_written_leaves_nothing)
{
    fleet(5, false);
    char bad[4300];
    snprintf(bad, sizeof(bad), "%s/missing/out.xlsx", tmp);
    struct run r = CAMDEX("list", "--format", "xlsx", "-o", bad);
    cr_assert_eq(r.rc, 1);
    cr_assert(strstr(r.err, bad) && strstr(r.err, "nothing was written"), "%s", r.err);
    run_free(&r);
    /* -o works for every format, written whole. */
    r = CAMDEX("list", "--format", "csv", "-o", book);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    FILE *f = fopen(book, "r");
    char line[256];
    cr_assert_not_null(fgets(line, sizeof(line), f));
    cr_assert(strncmp(line, "id,name,", 8) == 0, "%s", line);
    fclose(f);
    DIR *d = opendir(tmp);
    struct dirent *e;
    while ((e = readdir(d)))
        cr_assert_null(strstr(e->d_name, "out.xlsx."), "temporary %s left", e->d_name);
    closedir(d);
    assert_tmpdir_empty();
}

Test(cli_emit, show_refuses_xlsx)
{
    struct run r = CAMDEX("show", "--format", "xlsx", "x");
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "for lists"), "%s", r.err);
    run_free(&r);
}
