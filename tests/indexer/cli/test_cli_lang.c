/* The command line's language end to end: LANG, LC_MESSAGES and LC_ALL
 * starting with zh give Chinese headings, states, reasons and labels
 * (read without any zh_CN locale installed), --lang wins over them, JSON
 * and CSV keep the codes, and columns line up by display width. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/output.h"
#include "runcmd.h"
#include "testutil.h"

static char *tmp;
static char db[4200];

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
    /* Each test sets the language it means; Criterion runs each test in
     * its own process, so this environment is the test's alone. */
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    setenv("LANG", "C.UTF-8", 1);
}

static void teardown(void)
{
    testutil_rmdir(tmp);
}

TestSuite(cli_lang, .init = setup, .fini = teardown, .timeout = 120);

#define HEADER "id,name,unit_id,unit_name,url,lat,lon,address,tags,resolution,fps\r\n"
static const char *three_cameras =
    HEADER "32010200001320000001,北门入口,32010000002160000001,市公安局,"
           "rtsp://admin:s3cretpw@127.1.0.1:8554/Streaming/Channels/101,,,,,,\r\n"
           "32010200001320000002,停车场2号,32010000002160000001,市公安局,"
           "rtsp://127.1.0.2:8554/cam/realmonitor?channel=1&subtype=0,,,,,,\r\n"
           "32010200001320000003,南门广场,32011800562160000032,高淳区中医院,"
           "rtsp://127.1.0.3:8554/Streaming/Channels/101,,,,,,\r\n";

/* Three cameras, the second under maintenance (state and reason
 * "maintenance", with an event). */
static void import_three(void)
{
    char path[4300];
    snprintf(path, sizeof(path), "%s/inv.csv", tmp);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(three_cameras, f);
    fclose(f);
    struct run r = CAMDEX("import", path);
    cr_assert_eq(r.rc, 0, "import failed: %s", r.err);
    run_free(&r);
    r = CAMDEX("maintenance", "32010200001320000002", "on", "--note", "镜头更换");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
}

/* Display columns before `needle` in `line`, or -1 when it is not there. */
static int column_of(const char *line, const char *needle)
{
    const char *at = strstr(line, needle);
    if (!at)
        return -1;
    char *head = strndup(line, (size_t)(at - line));
    int w = out_display_width(head);
    free(head);
    return w;
}

/* Splits the output into lines (in place); returns how many. */
static int split_lines(char *out, char **lines, int max)
{
    int n = 0;
    for (char *l = strtok(out, "\n"); l && n < max; l = strtok(NULL, "\n"))
        lines[n++] = l;
    return n;
}

/* `camdex list` in Chinese: headings, states and reasons from the
 * catalogue, and the state and URL columns start at the same display
 * column on every line. */
static void assert_chinese_list(struct run *r)
{
    cr_assert_eq(r->rc, 0, "%s", r->err);
    char *lines[8];
    int n = split_lines(r->out, lines, 8);
    cr_assert_eq(n, 4, "expected a heading and 3 rows:\n%s", r->out);
    cr_assert(strstr(lines[0], "编号") && strstr(lines[0], "名称") && strstr(lines[0], "状态") &&
                  strstr(lines[0], "原因") && strstr(lines[0], "码流地址"),
              "headings are not Chinese: %s", lines[0]);
    cr_assert_null(strstr(lines[0], "STATE"), "%s", lines[0]);
    int state_col = column_of(lines[0], "状态"), url_col = column_of(lines[0], "码流地址");
    for (int i = 1; i < n; i++) {
        const char *state = i == 2 ? "维护中" : "未知";
        cr_assert_null(strstr(lines[i], "maintenance"), "a code in the table: %s", lines[i]);
        cr_assert_null(strstr(lines[i], "unknown"), "a code in the table: %s", lines[i]);
        cr_assert_eq(column_of(lines[i], state), state_col,
                     "line %d: the state does not start under its heading:\n%s\n%s", i, lines[0],
                     lines[i]);
        cr_assert_eq(column_of(lines[i], "rtsp://"), url_col,
                     "line %d: the URL does not start under its heading:\n%s\n%s", i, lines[0],
                     lines[i]);
    }
    /* The maintenance row: state and reason both as texts. */
    const char *st = strstr(lines[2], "维护中");
    cr_assert(st && strstr(st + 1, "维护中"), "reason text missing: %s", lines[2]);
}

Test(cli_lang, lang_zh_gives_chinese_tables_that_line_up)
{
    import_three();
    setenv("LANG", "zh_CN.UTF-8", 1);
    struct run r = CAMDEX("list");
    assert_chinese_list(&r);
    run_free(&r);
}

Test(cli_lang, option_lang_zh_gives_chinese_under_lang_c)
{
    import_three();
    setenv("LANG", "C", 1);
    struct run r = CAMDEX("--lang", "zh", "list");
    assert_chinese_list(&r);
    run_free(&r);
}

Test(cli_lang, option_lang_en_wins_over_lang_zh)
{
    import_three();
    setenv("LANG", "zh_CN.UTF-8", 1);
    setenv("LC_ALL", "zh_CN.UTF-8", 1);
    struct run r = CAMDEX("--lang", "en", "list");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "STATE") && strstr(r.out, "maintenance"), "%s", r.out);
    cr_assert_null(strstr(r.out, "状态"), "%s", r.out);
    run_free(&r);
}

Test(cli_lang, lc_all_wins_over_lc_messages_which_wins_over_lang)
{
    import_three();
    setenv("LANG", "zh_CN.UTF-8", 1);
    setenv("LC_ALL", "C", 1);
    struct run r = CAMDEX("list");
    cr_assert(strstr(r.out, "STATE"), "LC_ALL=C did not win: %s", r.out);
    run_free(&r);

    unsetenv("LC_ALL");
    setenv("LANG", "en_US.UTF-8", 1);
    setenv("LC_MESSAGES", "zh_CN.UTF-8", 1);
    r = CAMDEX("list");
    cr_assert(strstr(r.out, "状态"), "LC_MESSAGES=zh_CN did not win over LANG: %s", r.out);
    run_free(&r);

    /* An empty variable does not count. */
    setenv("LC_ALL", "", 1);
    r = CAMDEX("list");
    cr_assert(strstr(r.out, "状态"), "an empty LC_ALL counted: %s", r.out);
    run_free(&r);
}

Test(cli_lang, an_unknown_language_is_a_usage_error)
{
    struct run r = CAMDEX("--lang", "fr", "list");
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "--lang") && strstr(r.err, "en or zh"), "%s", r.err);
    run_free(&r);
}

Test(cli_lang, json_and_csv_keep_the_codes_under_lang_zh)
{
    import_three();
    setenv("LANG", "zh_CN.UTF-8", 1);
    struct run r = CAMDEX("list", "--format", "csv");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strncmp(r.out, "id,name,unit_name,state,reason,since,url\r\n", 40) == 0, "%s", r.out);
    cr_assert(strstr(r.out, ",maintenance,maintenance,"), "%s", r.out);
    cr_assert_null(strstr(r.out, "维护中"), "%s", r.out);
    run_free(&r);

    r = CAMDEX("history", "32010200001320000002", "--format", "json");
    json_t *evs = json_loads(r.out, 0, NULL);
    json_t *e = json_array_get(evs, 0);
    cr_assert_not_null(e, "%s", r.out);
    cr_assert_str_eq(json_string_value(json_object_get(e, "to")), "maintenance");
    cr_assert_str_eq(json_string_value(json_object_get(e, "reason")), "maintenance");
    cr_assert_str_eq(json_string_value(json_object_get(e, "to_text")), "维护中");
    cr_assert_str_eq(json_string_value(json_object_get(e, "from_text")), "未知");
    json_decref(evs);
    run_free(&r);
}

Test(cli_lang, history_units_and_report_tables_in_chinese)
{
    import_three();
    setenv("LANG", "zh_CN.UTF-8", 1);
    struct run r = CAMDEX("history");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    char *lines[8];
    int n = split_lines(r.out, lines, 8);
    cr_assert_eq(n, 2, "%s", r.out);
    cr_assert(strstr(lines[0], "原状态") && strstr(lines[0], "新状态"), "%s", lines[0]);
    cr_assert_eq(column_of(lines[1], "未知"), column_of(lines[0], "原状态"), "%s\n%s", lines[0],
                 lines[1]);
    cr_assert_eq(column_of(lines[1], "镜头更换"), column_of(lines[0], "详情"), "%s\n%s", lines[0],
                 lines[1]);
    run_free(&r);

    /* Numbers are right-aligned: every line of `units` is as wide. */
    r = CAMDEX("units");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    n = split_lines(r.out, lines, 8);
    cr_assert_eq(n, 4, "%s", r.out);
    cr_assert(strstr(lines[0], "摄像机数") && strstr(lines[0], "在线率"), "%s", lines[0]);
    cr_assert(strncmp(lines[3], "合计", strlen("合计")) == 0, "%s", lines[3]);
    for (int i = 1; i < n; i++)
        cr_assert_eq(out_display_width(lines[i]), out_display_width(lines[0]),
                     "line %d is not as wide as the heading:\n%s\n%s", i, lines[0], lines[i]);
    run_free(&r);

    r = CAMDEX("report", "online-rate");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "完好率") && strstr(r.out, "全部"), "%s", r.out);
    run_free(&r);
    r = CAMDEX("report", "online-rate", "--format", "csv");
    cr_assert(strstr(r.out, ",ALL,") && !strstr(r.out, "全部"), "%s", r.out);
    run_free(&r);
}

Test(cli_lang, show_labels_and_states_in_chinese_line_up)
{
    import_three();
    setenv("LANG", "zh_CN.UTF-8", 1);
    struct run r = CAMDEX("show", "32010200001320000002");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "名称           停车场2号\n"), "%s", r.out);
    cr_assert(strstr(r.out, "状态           维护中 — 维护中\n"), "%s", r.out);
    cr_assert(strstr(r.out, "最近的状态变化：\n"), "%s", r.out);
    cr_assert(strstr(r.out, "未知 -> 维护中  维护中  镜头更换"), "%s", r.out);
    cr_assert_null(strstr(r.out, "maintenance"), "%s", r.out);
    /* Every labelled line has its value at display column 15. */
    char *lines[32];
    int n = split_lines(r.out, lines, 32);
    int labelled = 0;
    for (int i = 0; i < n && lines[i][0] != ' '; i++) {
        if (strstr(lines[i], "：")) /* the events' heading */
            break;
        char *l = lines[i];
        char *value = l;
        while (*value && *value != ' ')
            value++;
        while (*value == ' ')
            value++;
        char *label = strndup(l, (size_t)(value - l));
        cr_assert_eq(out_display_width(label), 15, "value not at column 15: %s", l);
        free(label);
        labelled++;
    }
    cr_assert_geq(labelled, 6, "%s", r.out);
    run_free(&r);

    setenv("LANG", "C.UTF-8", 1);
    r = CAMDEX("show", "32010200001320000002");
    cr_assert(strstr(r.out, "state          maintenance — maintenance\n"), "%s", r.out);
    run_free(&r);
}

/* Nothing listens on port 1 of the loopback address: refused at once. */
Test(cli_lang, probe_prints_chinese_labels_state_and_reason)
{
    struct run r = CAMDEX("--lang", "zh", "probe", "rtsp://127.0.0.1:1/x", "--timeout", "5s");
    cr_assert_eq(r.rc, 4, "offline is exit 4: %s", r.err);
    cr_assert(strstr(r.out, "码流地址  rtsp://127.0.0.1:1/x\n"), "%s", r.out);
    cr_assert(strstr(r.out, "状态      离线\n"), "%s", r.out);
    cr_assert(strstr(r.out, "原因      连接被拒绝\n"), "%s", r.out);
    run_free(&r);
    r = CAMDEX("probe", "rtsp://127.0.0.1:1/x", "--timeout", "5s", "--format", "json");
    json_t *j = json_loads(r.out, 0, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(j, "reason")), "connect_refused", "%s",
                     r.out);
    cr_assert_str_eq(json_string_value(json_object_get(j, "reason_text")), "connection refused",
                     "%s", r.out);
    json_decref(j);
    run_free(&r);
}

/* The three cameras' addresses (127.1.0.1-3:8554) refuse connections. */
Test(cli_lang, sweep_summary_in_chinese)
{
    import_three();
    setenv("LANG", "zh_CN.UTF-8", 1);
    struct run r = CAMDEX("sweep", "--connect-timeout", "5s", "--recheck-delay", "10ms");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "已探测 3 台摄像机"), "%s", r.out);
    cr_assert(strstr(r.out, "离线摄像机（按原因）：\n  连接被拒绝"), "%s", r.out);
    cr_assert(strstr(r.out, "前几台离线摄像机"), "%s", r.out);
    cr_assert(strstr(r.out, "合计"), "%s", r.out);
    cr_assert_null(strstr(r.out, "connect_refused"), "%s", r.out);
    run_free(&r);
}
