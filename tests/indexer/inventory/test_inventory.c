/* Tests for reading an inventory file (indexer/inventory/inventory.c): a
 * regular UTF-8 CSV file is parsed a chunk at a time, and reads exactly as
 * the same bytes parsed whole; anything else starts over the whole-file
 * way. */
#include <criterion/criterion.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory.h"
#include "testutil.h"

#define CHUNK (1u << 20) /* inventory.c reads files in chunks of 1 MiB */

static char *dir;
static char path[512];
static struct inventory whole, streamed;
static struct inv_errors errs_whole, errs_streamed;

static void setup(void)
{
    dir = testutil_mkdtemp();
    snprintf(path, sizeof path, "%s/fleet.csv", dir);
    inv_init(&whole);
    inv_init(&streamed);
    memset(&errs_whole, 0, sizeof errs_whole);
    memset(&errs_streamed, 0, sizeof errs_streamed);
}

static void teardown(void)
{
    inv_free(&whole);
    inv_free(&streamed);
    testutil_rmdir(dir);
}

TestSuite(inventory_file, .init = setup, .fini = teardown);

struct text {
    char *s;
    size_t len, cap;
};

static void add(struct text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        cr_assert_not_null(t->s);
    }
    memcpy(t->s + t->len, s, n + 1);
    t->len += n;
}

/* A fleet of `rows` cameras, larger than a chunk: Chinese names, a quoted
 * name with a line break in it every 100 rows, CRLF when asked. The first
 * row's address is padded until the chunk boundary falls inside a Chinese
 * character. */
static struct text fleet(int rows, bool crlf)
{
    const char *eol = crlf ? "\r\n" : "\n";
    static char dots[301];
    memset(dots, '.', 300);
    for (int pad = 0;; pad++) {
        struct text t = {0};
        char line[512], name[64];
        add(&t, "\xEF\xBB\xBFid,name,unit_id,unit_name,url,address\n");
        for (int i = 0; i < rows; i++) {
            snprintf(name, sizeof name,
                     i % 100 == 7 ? "\"北门\n入口%d\"" : "中山路与解放路交叉口%d", i);
            snprintf(line, sizeof line,
                     "3201%016d,%s,u%02d,单位%02d,"
                     "rtsp://admin:pw@127.1.%d.%d:8554/Streaming/Channels/101,%.*s南京市%d号%s",
                     i, name, i % 17, i % 17, i / 250, i % 250 + 1, i == 0 ? pad : 0, dots, i, eol);
            add(&t, line);
        }
        if (t.len > CHUNK && (t.s[CHUNK] & 0xC0) == 0x80)
            return t;
        free(t.s);
        cr_assert_lt(pad, 300, "no padding puts the boundary inside a character");
    }
}

static void write_file(const struct text *t)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(t->s, 1, t->len, f), t->len);
    cr_assert_eq(fclose(f), 0);
}

static void same_inventories(void)
{
    cr_assert_eq(streamed.count, whole.count);
    for (size_t i = 0; i < whole.count; i++) {
        const struct inv_camera *a = &whole.cams[i], *b = &streamed.cams[i];
        cr_assert_str_eq(a->id, b->id);
        cr_assert_str_eq(a->name, b->name, "row %zu", i);
        cr_assert_str_eq(a->unit_name, b->unit_name);
        cr_assert_str_eq(a->url, b->url);
        cr_assert_str_eq(a->address, b->address);
        cr_assert_eq(a->line, b->line, "row %zu: line %u against %u", i, a->line, b->line);
    }
}

static void load_both(const struct text *t)
{
    write_file(t);
    int rw = inv_parse(t->s, t->len, path, INV_FMT_AUTO, INV_ENC_AUTO, &whole, &errs_whole);
    int rs = inv_load_file(path, INV_FMT_AUTO, INV_ENC_AUTO, &streamed, &errs_streamed);
    cr_assert_eq(rs, rw, "file %d, buffer %d: %s", rs, rw, errs_streamed.msg[0]);
}

Test(inventory_file, a_file_of_several_chunks_reads_as_the_same_bytes_whole)
{
    struct text t = fleet(12000, false);
    load_both(&t);
    cr_assert_eq(whole.count, 12000, "%s", errs_whole.msg[0]);
    cr_assert_eq(whole.breaks.cells, 120);
    same_inventories();
    cr_assert_str_eq(streamed.cams[0].name, "中山路与解放路交叉口0");
    cr_assert_eq(streamed.breaks.cells, 120);
    free(t.s);
}

Test(inventory_file, crlf_files_of_several_chunks_keep_their_line_numbers)
{
    struct text t = fleet(12000, true);
    load_both(&t);
    cr_assert_eq(whole.count, 12000, "%s", errs_whole.msg[0]);
    same_inventories();
    /* 120 names hold a line break before row 12000: its line is 12000 + 1 + 120. */
    cr_assert_eq(streamed.cams[11999].line, 12000 + 1 + 120);
    free(t.s);
}

Test(inventory_file, an_error_past_the_first_chunk_is_reported_as_for_the_whole_text)
{
    struct text t = fleet(12000, false);
    /* Row 11,000 takes row 3's id. */
    char from[64], to[64];
    snprintf(from, sizeof from, "\n3201%016d,", 11000);
    snprintf(to, sizeof to, "\n3201%016d,", 3);
    char *p = strstr(t.s, from);
    cr_assert_not_null(p);
    memcpy(p, to, strlen(to));
    load_both(&t);
    cr_assert_eq(errs_streamed.count, 1);
    cr_assert_str_eq(errs_streamed.msg[0], errs_whole.msg[0]);
    cr_assert_not_null(strstr(errs_streamed.msg[0], "duplicate id"), "%s", errs_streamed.msg[0]);
    free(t.s);
}

Test(inventory_file, invalid_utf8_past_the_first_chunk_is_reported_as_for_the_whole_text)
{
    struct text t = fleet(12000, false);
    char *p = strstr(t.s + CHUNK + 1000, "中山路");
    cr_assert_not_null(p);
    p[1] = 'x'; /* a lead byte without its continuation */
    load_both(&t);
    cr_assert_eq(errs_streamed.count, 1);
    cr_assert_str_eq(errs_streamed.msg[0], errs_whole.msg[0]);
    free(t.s);
}

Test(inventory_file, a_gb18030_file_of_several_chunks_is_converted)
{
    struct text t = fleet(12000, false);
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    cr_assert_neq(cd, (iconv_t)-1);
    size_t cap = t.len * 2, left = cap, inleft = t.len - 3;
    char *gb = malloc(cap), *in = t.s + 3, *out = gb; /* without the UTF-8 BOM */
    cr_assert_neq(iconv(cd, &in, &inleft, &out, &left), (size_t)-1);
    iconv_close(cd);
    struct text g = {.s = gb, .len = cap - left};
    write_file(&g);
    int rc = inv_load_file(path, INV_FMT_AUTO, INV_ENC_AUTO, &streamed, &errs_streamed);
    cr_assert_eq(rc, 0, "%s", errs_streamed.msg[0]);
    cr_assert_eq(streamed.count, 12000);
    cr_assert_str_eq(streamed.cams[11999].name, "中山路与解放路交叉口11999");
    free(gb);
    free(t.s);
}
