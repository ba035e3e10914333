/* End-to-end tests of the camdex command line: import rules (atomic,
 * idempotent, dry run, prune, encodings), queries and their formats, exit
 * codes, credential redaction, maintenance and fsck. */
#include <criterion/criterion.h>
#include <iconv.h>
#include <stdio.h>

#include "cli/output.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

static char *tmp;
static char db[4200];

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
}

static void teardown(void)
{
    testutil_rmdir(tmp);
}

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 120);

/* camdex --db <db> args... */
static const char *write_file(const char *name, const char *text)
{
    static char path[4300];
    snprintf(path, sizeof(path), "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

#define HEADER "id,name,unit_id,unit_name,url,lat,lon,address,tags,resolution,fps\r\n"
static const char *three_cameras =
    HEADER "32010200001320000001,北门入口,32010000002160000001,市公安局,"
           "rtsp://admin:s3cretpw@127.1.0.1:8554/Streaming/Channels/101,32.06,118.79,"
           "\"中山路1号, 北门\",\"出入口,重点部位\",1920x1080,25\r\n"
           "32010200001320000002,停车场2号,32010000002160000001,市公安局,"
           "rtsp://127.1.0.2:8554/cam/realmonitor?channel=1&subtype=0,,,,,,\r\n"
           "32010200001320000003,南门广场,32011800562160000032,高淳区中医院,"
           "rtsp://admin:s3cretpw@127.1.0.3:8554/Streaming/Channels/101,,,"
           "\"淳溪镇\r\n南门广场\",,,\r\n";

static void import_three(void)
{
    struct run r = CAMDEX("import", write_file("inv.csv", three_cameras));
    cr_assert_eq(r.rc, 0, "import failed: %s", r.err);
    cr_assert(strstr(r.out, "added 3"), "%s", r.out);
    run_free(&r);
}

Test(cli, import_then_reimport_is_idempotent)
{
    import_three();
    struct run r = CAMDEX("import", write_file("inv.csv", three_cameras));
    cr_assert_eq(r.rc, 0);
    cr_assert(strstr(r.out, "added 0, changed 0, unchanged 3"), "%s", r.out);
    run_free(&r);
}

Test(cli, file_with_an_error_writes_nothing_and_says_where)
{
    import_three();
    const char *bad = HEADER
        "32010200001320000004,新摄像机,32010000002160000001,市公安局,"
        "rtsp://127.1.0.4:8554/a,,,,,,\r\n"
        "32010200001320000005,坏地址,32010000002160000001,市公安局,"
        "rtps://admin:hunter2@127.1.0.5/x,,,,,,\r\n";
    struct run r = CAMDEX("import", write_file("bad.csv", bad));
    cr_assert_eq(r.rc, 1);
    cr_assert(strstr(r.err, "bad.csv:3:"), "no file:line in: %s", r.err);
    cr_assert(strstr(r.err, "url"), "no column in: %s", r.err);
    cr_assert(strstr(r.err, "nothing was written"), "%s", r.err);
    cr_assert_null(strstr(r.err, "hunter2"), "password leaked: %s", r.err);
    run_free(&r);
    r = CAMDEX("list", "--format", "csv");
    cr_assert_eq(r.rc, 0);
    cr_assert_null(strstr(r.out, "32010200001320000004"), "the valid row was written");
    run_free(&r);
}

Test(cli, dry_run_reports_changes_without_writing)
{
    import_three();
    char changed[4096];
    snprintf(changed, sizeof(changed), "%s", three_cameras);
    memcpy(strstr(changed, "停车场2号"), "停车场9号", strlen("停车场9号"));
    struct run r = CAMDEX("import", "--dry-run", write_file("changed.csv", changed));
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "dry run"), "%s", r.out);
    cr_assert(strstr(r.out, "changed 1"), "%s", r.out);
    run_free(&r);
    r = CAMDEX("show", "32010200001320000002");
    cr_assert(strstr(r.out, "停车场2号"), "dry run wrote: %s", r.out);
    run_free(&r);
}

Test(cli, cameras_missing_from_the_file_are_removed_only_with_prune)
{
    import_three();
    const char *two = HEADER "32010200001320000001,北门入口,32010000002160000001,市公安局,"
                             "rtsp://127.1.0.1:8554/a,,,,,,\r\n";
    struct run r = CAMDEX("import", write_file("one.csv", two));
    cr_assert_eq(r.rc, 0);
    cr_assert(strstr(r.out, "2 cameras in the index are not in the file"), "%s", r.out);
    run_free(&r);
    r = CAMDEX("list", "--format", "csv");
    cr_assert(strstr(r.out, "32010200001320000003"));
    run_free(&r);
    r = CAMDEX("import", "--prune", write_file("one.csv", two));
    cr_assert(strstr(r.out, "removed 2"), "%s", r.out);
    run_free(&r);
    r = CAMDEX("list", "--format", "csv");
    cr_assert_null(strstr(r.out, "32010200001320000003"));
    run_free(&r);
    r = CAMDEX("fsck");
    cr_assert_eq(r.rc, 0, "%s", r.out);
    run_free(&r);
}

Test(cli, list_json_carries_the_fields_and_never_a_password)
{
    import_three();
    struct run r = CAMDEX("list", "--format", "json");
    cr_assert_eq(r.rc, 0);
    json_error_t je;
    json_t *rows = json_loads(r.out, 0, &je);
    cr_assert_not_null(rows, "not JSON: %s", je.text);
    cr_assert_eq(json_array_size(rows), 3);
    json_t *row = json_array_get(rows, 0);
    static const char *keys[] = {"id", "name", "unit", "unit_name", "state", "reason",
                                 "since", "url"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        cr_assert_not_null(json_object_get(row, keys[i]), "row lacks %s", keys[i]);
    cr_assert_str_eq(json_string_value(json_object_get(row, "url")),
                     "rtsp://***@127.1.0.1:8554/Streaming/Channels/101");
    json_decref(rows);
    run_free(&r);
    const char *formats[] = {"table", "csv", "json"};
    for (int i = 0; i < 3; i++) {
        r = CAMDEX("list", "--format", formats[i]);
        cr_assert_null(strstr(r.out, "s3cretpw"), "password in %s output", formats[i]);
        run_free(&r);
        r = CAMDEX("show", "32010200001320000001", "--format", i == 1 ? "table" : formats[i]);
        cr_assert_null(strstr(r.out, "s3cretpw"), "password in show");
        run_free(&r);
    }
}

Test(cli, table_columns_line_up_with_chinese_text)
{
    import_three();
    struct run r = CAMDEX("list");
    cr_assert_eq(r.rc, 0);
    /* Every line has STATE's column at the same display position. */
    int col = -1, lines = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        char *at = strstr(line, lines == 0 ? "STATE" : "unknown");
        cr_assert_not_null(at, "line %d: %s", lines, line);
        char saved = *at;
        *at = 0;
        int w = out_display_width(line);
        *at = saved;
        if (col < 0)
            col = w;
        cr_assert_eq(w, col, "line %d misaligned: %s", lines, line);
        lines++;
    }
    cr_assert_eq(lines, 4);
    run_free(&r);
}

Test(cli, units_count_cameras_per_state)
{
    import_three();
    struct run r = CAMDEX("units", "--format", "json");
    cr_assert_eq(r.rc, 0);
    json_t *rows = json_loads(r.out, 0, NULL);
    cr_assert_eq(json_array_size(rows), 2);
    json_t *u = json_array_get(rows, 0);
    cr_assert_str_eq(json_string_value(json_object_get(u, "name")), "市公安局");
    cr_assert_eq(json_integer_value(json_object_get(u, "cameras")), 2);
    cr_assert_eq(json_integer_value(json_object_get(u, "unknown")), 2);
    cr_assert(json_is_null(json_object_get(u, "online_rate")), "no rate before any probe");
    json_decref(rows);
    run_free(&r);
}

Test(cli, maintenance_is_a_state_with_an_event_and_can_be_lifted)
{
    import_three();
    struct run r = CAMDEX("maintenance", "32010200001320000002", "on", "--note", "镜头更换");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    r = CAMDEX("list", "--state", "maintenance", "--format", "csv");
    cr_assert(strstr(r.out, "32010200001320000002"));
    cr_assert_null(strstr(r.out, "32010200001320000001"));
    run_free(&r);
    r = CAMDEX("history", "32010200001320000002", "--format", "json");
    json_t *evs = json_loads(r.out, 0, NULL);
    cr_assert_eq(json_array_size(evs), 1, "%s", r.out);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(evs, 0), "to")),
                     "maintenance");
    json_decref(evs);
    run_free(&r);
    r = CAMDEX("maintenance", "32010200001320000002", "off");
    cr_assert_eq(r.rc, 0);
    run_free(&r);
    r = CAMDEX("list", "--state", "maintenance", "--format", "csv");
    cr_assert_null(strstr(r.out, "32010200001320000002"));
    run_free(&r);
    r = CAMDEX("fsck");
    cr_assert_eq(r.rc, 0, "%s", r.out);
    run_free(&r);
}

/* A note with terminal escapes is stored cleaned, and what the table
 * output prints holds no escape either. */
Test(cli, free_text_reaches_the_terminal_without_escapes)
{
    import_three();
    struct run r = CAMDEX("maintenance", "32010200001320000002", "on", "--note",
                          "\x1b[2J\x1b]0;owned\x07\xc2\x9b" "31m lens\nchanged");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    const char *views[][4] = {{"show", "32010200001320000002", NULL},
                              {"history", "32010200001320000002", NULL},
                              {"list", "--state", "maintenance", NULL}};
    for (size_t i = 0; i < 3; i++) {
        r = CAMDEX(views[i][0], views[i][1], views[i][2]);
        cr_assert_eq(r.rc, 0, "%s: %s", views[i][0], r.err);
        cr_assert_null(strchr(r.out, '\x1b'), "%s printed an escape: %s", views[i][0], r.out);
        cr_assert_null(strchr(r.out, '\x07'), "%s: %s", views[i][0], r.out);
        cr_assert_null(strstr(r.out, "\xc2\x9b"), "%s: %s", views[i][0], r.out);
        run_free(&r);
    }
    r = CAMDEX("show", "32010200001320000002");
    cr_assert(strstr(r.out, "[2J"), "%s", r.out);
    cr_assert(strstr(r.out, "lens changed"), "%s", r.out);
    run_free(&r);
}

Test(cli, gb18030_file_from_office_software_is_detected)
{
    char utf8[4096];
    snprintf(utf8, sizeof(utf8), "%s", three_cameras);
    char gbk[8192];
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    cr_assert_neq(cd, (iconv_t)-1);
    char *in = utf8, *out = gbk;
    size_t inleft = strlen(utf8), outleft = sizeof(gbk);
    cr_assert_neq(iconv(cd, &in, &inleft, &out, &outleft), (size_t)-1);
    iconv_close(cd);
    *out = 0;
    struct run r = CAMDEX("import", write_file("gbk.csv", gbk));
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    r = CAMDEX("show", "32010200001320000001");
    cr_assert(strstr(r.out, "北门入口"), "%s", r.out);
    cr_assert(strstr(r.out, "市公安局"), "%s", r.out);
    run_free(&r);
}

Test(cli, usage_errors_exit_2_and_failures_exit_1)
{
    import_three();
    struct run r = CAMDEX("list", "--state", "sideways");
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "not a state"), "%s", r.err);
    run_free(&r);
    r = CAMDEX("frobnicate");
    cr_assert_eq(r.rc, 2);
    run_free(&r);
    r = CAMDEX("show", "no-such-camera");
    cr_assert_eq(r.rc, 1);
    cr_assert(strstr(r.err, "no camera"), "%s", r.err);
    run_free(&r);
    r = CAMDEX("history", "--since", "yesterday-ish");
    cr_assert_eq(r.rc, 2);
    run_free(&r);
    r = CAMDEX("list", "--help");
    cr_assert_eq(r.rc, 0);
    cr_assert(strstr(r.out, "usage: camdex list"));
    run_free(&r);
    snprintf(db, sizeof(db), "%s/absent", tmp);
    r = CAMDEX("units");
    cr_assert_eq(r.rc, 1);
    cr_assert(strstr(r.err, "no index"), "%s", r.err);
    run_free(&r);
}

Test(cli, report_and_history_run_on_an_unprobed_index)
{
    import_three();
    struct run r = CAMDEX("report", "online-rate", "--format", "json");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    json_t *rows = json_loads(r.out, 0, NULL);
    cr_assert(json_is_array(rows), "%s", r.out);
    json_decref(rows);
    run_free(&r);
    r = CAMDEX("report", "online-rate", "--from", "2026-02-30");
    cr_assert_eq(r.rc, 2);
    run_free(&r);
    r = CAMDEX("history", "--since", "30d");
    cr_assert_eq(r.rc, 0);
    run_free(&r);
}

Test(cli, generated_fleet_imports_cleanly)
{
    char *argv[] = {CAMDEX_BIN, "generate", "--cameras", "500", "--seed", "7", NULL};
    struct run g = runv(argv);
    cr_assert_eq(g.rc, 0);
    struct run r = CAMDEX("import", write_file("fleet.csv", g.out));
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "added 500"), "%s", r.out);
    run_free(&r);
    run_free(&g);
}

/* The platform URLs carry the ports camfarm listens on; the RTSP ones are
 * left alone. */
Test(cli, generate_writes_platform_ports)
{
    char *argv[] = {CAMDEX_BIN, "generate", "--cameras", "2000", "--http-port", "18080",
                    "--rtmp-port", "11935", NULL};
    struct run g = runv(argv);
    cr_assert_eq(g.rc, 0, "%s", g.err);
    cr_expect(strstr(g.out, ":18080/hls/") && strstr(g.out, ":18080/live/"), "HLS and FLV");
    cr_expect(strstr(g.out, ":11935/live/") != NULL, "RTMP");
    cr_expect(strstr(g.out, ":8554/") != NULL, "RTSP keeps its default");
    cr_expect(strstr(g.out, ":8080/") == NULL && strstr(g.out, ":1935/") == NULL);
    run_free(&g);
    char *bad[] = {CAMDEX_BIN, "generate", "--http-port", "70000", NULL};
    g = runv(bad);
    cr_expect_eq(g.rc, 2);
    cr_expect(strstr(g.err, "--http-port") != NULL, "%s", g.err);
    run_free(&g);
}

/* A province's size is accepted; the limit (where the loopback layout ends)
 * is a usage error naming it. */
Test(cli, generate_counts_past_a_million)
{
    char *bad[] = {CAMDEX_BIN, "generate", "--cameras", "16000001", NULL};
    struct run g = runv(bad);
    cr_expect_eq(g.rc, 2);
    cr_expect(strstr(g.err, "0 to 16000000") != NULL, "%s", g.err);
    run_free(&g);
}

/* CSV output guards cells a spreadsheet would run as formulas with an
 * apostrophe; numbers and ordinary text are left alone. */
Test(cli, csv_output_neutralises_formula_cells)
{
    struct run r = CAMDEX(
        "import",
        write_file("f.csv", HEADER
                   "32010200001320000009,\"=HYPERLINK(\"\"http://x\"\")\",32010000002160000001,"
                   "@单位,rtsp://127.1.0.9:8554/x,,,,,,\r\n"
                   "32010200001320000008,+1 东门,32010000002160000001,@单位,"
                   "rtsp://127.1.0.8:8554/x,,,,,,\r\n"));
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    r = CAMDEX("list", "--format", "csv");
    cr_assert(strstr(r.out, "32010200001320000009,\"'=HYPERLINK(\"\"http://x\"\")\","), "%s",
              r.out);
    cr_assert(strstr(r.out, "32010200001320000008,'+1 东门,'@单位,"), "%s",
              r.out);
    run_free(&r);
    r = CAMDEX("units", "--format", "csv");
    cr_assert(strstr(r.out, ",'@单位,"), "%s", r.out);
    run_free(&r);
}

/* Alt+Enter in a spreadsheet cell: the import goes through, the line break
 * is stored as a space and a warning names the lines. */
Test(cli, line_breaks_in_names_import_with_a_warning)
{
    struct run r = CAMDEX("import", write_file("br.csv", HEADER
                          "32010200001320000011,\"北门\n主入口\",32010000002160000001,市公安局,"
                          "rtsp://127.1.0.11:8554/x,,,,,,\r\n"));
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.err, "warning: "), "%s", r.err);
    cr_assert(strstr(r.err, "br.csv: line breaks in 1 free-text cell were stored as spaces (line 2)"),
              "%s", r.err);
    run_free(&r);
    r = CAMDEX("list", "--format", "csv");
    cr_assert(strstr(r.out, "32010200001320000011,北门 主入口,"), "%s", r.out);
    run_free(&r);
}

/* A stream libav cannot open: its error lines go into the probe's detail,
 * and into the log at debug level only (a fleet of unreachable HLS
 * cameras made ten warn lines a second). */
Test(cli, libav_lines_are_not_warnings)
{
    char url[96];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/live.m3u8", procs_free_port());
    struct run r = CAMDEX("probe", url);
    cr_assert_eq(r.rc, 4, "offline expected: %s %s", r.out, r.err);
    cr_assert_null(strstr(r.err, "msg=libav"), "%s", r.err);
    run_free(&r);
}
