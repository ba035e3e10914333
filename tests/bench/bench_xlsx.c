/* Workbook export benchmark: streams N state-change rows (the shape of
 * `camdex history`, Chinese detail text, a date-time column) through the
 * workbook writer one at a time, as an export of a long outage log would,
 * and prints the time, the rows a second, the peak RSS of the process and
 * the file's size. The peak RSS is the figure that matters: libxlsxwriter's
 * constant-memory mode must keep it flat however many rows are written. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "views/xlsx_table.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

static const struct out_col cols[] = {
    {"time", "col.time", OUT_DATETIME, 0}, {"camera", "col.camera", OUT_TEXT, 0},
    {"unit", "col.unit", OUT_TEXT, 0},     {"from", "col.from", OUT_TEXT, 0},
    {"to", "col.to", OUT_TEXT, 0},         {"reason", "col.reason", OUT_TEXT, 0},
    {"detail", "col.detail", OUT_TEXT, 0},
};

static json_t *event_row(long i)
{
    char t[40], cam[32];
    snprintf(t, sizeof(t), "2026-11-%02ldT%02ld:%02ld:%02ld+08:00", 1 + i / 86400 % 28,
             i / 3600 % 24, i / 60 % 60, i % 60);
    snprintf(cam, sizeof(cam), "320102000013150%05ld", i % 43000);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "time", t, "camera", cam, "unit",
                     "32010000002165000001", "from", i % 2 ? "online" : "offline", "to",
                     i % 2 ? "offline" : "online", "reason", i % 2 ? "connect_timeout" : "",
                     "detail", i % 2 ? "TCP connect: 连接超时 (3 s)" : "");
}

int main(int argc, char **argv)
{
    long rows = 1000000, sheet_rows = 0;
    const char *out = NULL;
    static const struct option opts[] = {{"rows", required_argument, NULL, 'n'},
                                         {"sheet-rows", required_argument, NULL, 's'},
                                         {"out", required_argument, NULL, 'o'},
                                         {0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            rows = atol(optarg);
        else if (c == 's')
            sheet_rows = atol(optarg);
        else if (c == 'o')
            out = optarg;
        else {
            fprintf(stderr, "usage: bench_xlsx [--rows N] [--sheet-rows N] [--out FILE]\n");
            return 2;
        }
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s", out ? out : "");
    if (!out)
        snprintf(path, sizeof(path), "%s/bench-xlsx-%d.xlsx", xlsx_tmpdir(NULL), (int)getpid());
    struct xlsx_options o = {.lang = MSG_ZH, .sheet_rows = (uint32_t)sheet_rows};
    double rss0 = peak_rss_mib(), t0 = now_s();
    struct xlsx_book *b;
    int rc = xlsx_book_new(path, &o, &b);
    if (!rc)
        rc = xlsx_book_table(b, "sheet.events", cols, sizeof(cols) / sizeof(cols[0]));
    for (long i = 0; !rc && i < rows; i++) {
        json_t *row = event_row(i);
        rc = row ? xlsx_book_row(b, row) : -ENOMEM;
        json_decref(row);
    }
    double t_rows = now_s() - t0;
    if (!rc)
        rc = xlsx_book_close(&b);
    xlsx_book_discard(&b);
    double t = now_s() - t0;
    struct stat st = {0};
    stat(path, &st);
    if (!out)
        unlink(path);
    if (rc) {
        fprintf(stderr, "bench_xlsx: %s: %s\n", path, strerror(-rc));
        return 1;
    }
    long per_sheet = (sheet_rows ? sheet_rows : XLSX_SHEET_ROWS_MAX) - 1;
    printf("rows %ld, sheets %ld\n", rows, rows ? (rows + per_sheet - 1) / per_sheet : 1);
    printf("time %.2f s (rows %.2f s, closing the file %.2f s), %.0f rows/s\n", t, t_rows,
           t - t_rows, rows / t);
    printf("peak RSS %.1f MiB (%.1f MiB before the first row)\n", peak_rss_mib(), rss0);
    printf("file %.1f MiB\n", st.st_size / 1048576.0);
    return 0;
}
