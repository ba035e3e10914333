/* End-to-end tests of `camdex reference ID show|set|clear` and of what the
 * CLI shows of picture diagnoses (`camdex show`, `camdex list --finding`),
 * on an index whose diagnoses a deep look would have written. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "runcmd.h"
#include "store.h"
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

TestSuite(cmd_reference, .init = setup, .fini = teardown, .timeout = 120);

#define CAM1 "32010200001320000001"
#define CAM2 "32010200001320000002"

/* Two cameras; CAM1 diagnosed dark and noisy, with the picture's signature. */
static void index_with_a_diagnosis(void)
{
    char inv[4300];
    snprintf(inv, sizeof(inv), "%s/inv.csv", tmp);
    FILE *f = fopen(inv, "w");
    cr_assert_not_null(f);
    fputs("id,name,unit_id,unit_name,url\r\n" CAM1 ",北门,32010000002160000001,市公安局,"
          "rtsp://127.1.0.1:8554/a\r\n" CAM2 ",南门,32010000002160000001,市公安局,"
          "rtsp://127.1.0.2:8554/a\r\n",
          f);
    fclose(f);
    struct run r = CAMDEX("import", inv);
    cr_assert_eq(r.rc, 0, "import: %s", r.err);
    run_free(&r);

    struct store *s;
    struct store_options o;
    store_options_default(&o);
    cr_assert_eq(store_open(db, &o, &s), 0);
    static uint8_t sig[32 * 18];
    for (size_t i = 0; i < sizeof(sig); i++)
        sig[i] = (uint8_t)(i % 32 * 8);
    struct store_diagnosis d = {.time_ms = 1765000000000,
                                .judged = true,
                                .n = 2,
                                .f = {{"black", 20.5f, 28}, {"noisy", 9.25f, 6}},
                                .sig_w = 32,
                                .sig_h = 18,
                                .sig = sig};
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_diagnosis_put(b, CAM1, &d), 0);
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
    store_close(&s);
}

Test(cmd_reference, show_and_list_carry_the_diagnosis)
{
    index_with_a_diagnosis();
    struct run r = CAMDEX("show", CAM1, "--format", "json");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"diagnosis\"") && strstr(r.out, "\"reason\": \"black\"") &&
                  strstr(r.out, "\"value\": 20.5") && strstr(r.out, "\"limit\": 28") &&
                  strstr(r.out, "\"reason\": \"noisy\""),
              "%s", r.out);
    cr_expect(strstr(r.out, "\"reference\": null"), "%s", r.out);
    run_free(&r);
    r = CAMDEX("show", CAM1);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_expect(strstr(r.out, "black picture (20.5, limit 28), noisy picture (9.25, limit 6)"), "%s",
              r.out);
    run_free(&r);
    r = CAMDEX("show", CAM2, "--format", "json");
    cr_expect(strstr(r.out, "\"diagnosis\": null"), "%s", r.out);
    run_free(&r);

    r = CAMDEX("list", "--finding", "noisy", "--format", "csv");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_expect(strstr(r.out, CAM1) && !strstr(r.out, CAM2), "%s", r.out);
    run_free(&r);
    r = CAMDEX("list", "--finding", "stripes", "--format", "csv");
    cr_expect(!strstr(r.out, CAM1) && !strstr(r.out, CAM2), "%s", r.out);
    run_free(&r);
}

Test(cmd_reference, set_adopts_the_diagnosed_picture_and_clear_forgets_it)
{
    index_with_a_diagnosis();
    struct run r = CAMDEX("reference", CAM1, "show");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_expect(strstr(r.out, "no reference picture yet"), "%s", r.out);
    run_free(&r);

    r = CAMDEX("reference", CAM1, "set");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_expect(strstr(r.out, "reference set"), "%s", r.out);
    run_free(&r);
    r = CAMDEX("reference", CAM1, "show", "--format", "json");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_expect(strstr(r.out, "\"set_by\": \"operator\"") && strstr(r.out, "\"width\": 32"), "%s",
              r.out);
    run_free(&r);
    r = CAMDEX("show", CAM1, "--format", "json");
    cr_expect(strstr(r.out, "\"set_by\": \"operator\""), "%s", r.out);
    run_free(&r);

    r = CAMDEX("reference", CAM1, "clear");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    r = CAMDEX("reference", CAM1, "show");
    cr_expect(strstr(r.out, "no reference picture yet"), "%s", r.out);
    run_free(&r);
}

Test(cmd_reference, nothing_to_accept_and_wrong_use_are_explained)
{
    index_with_a_diagnosis();
    struct run r = CAMDEX("reference", CAM2, "set");
    cr_expect_eq(r.rc, 1);
    cr_expect(strstr(r.err, "no picture of this camera has been diagnosed yet"), "%s", r.err);
    run_free(&r);
    r = CAMDEX("reference", "32010200001320000009", "set");
    cr_expect_eq(r.rc, 1);
    cr_expect(strstr(r.err, "no camera"), "%s", r.err);
    run_free(&r);
    r = CAMDEX("reference", CAM1, "replace");
    cr_expect_eq(r.rc, 2);
    run_free(&r);
    r = CAMDEX("list", "--finding", "");
    cr_expect_eq(r.rc, 2);
    run_free(&r);
}
