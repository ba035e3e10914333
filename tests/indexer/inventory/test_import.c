/* Tests for bringing an inventory into the index (indexer/inventory/import.c):
 * the first import, written in slices beside the index and moved in at
 * once, gives the same index as the one-transaction import, and never
 * writes over an index that exists. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/import.h"
#include "inventory/inventory.h"
#include "store.h"
#include "testutil.h"

static char *tmp;
static char db[512];
static struct inventory inv;

/* 50 cameras in 3 units, in an order that is not the ids'. */
static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
    char csv[16384];
    size_t n = (size_t)snprintf(csv, sizeof(csv), "id,name,unit_id,unit_name,url\n");
    for (int i = 0; i < 50; i++) {
        int k = (i * 17) % 50;
        n += (size_t)snprintf(csv + n, sizeof(csv) - n,
                              "cam%03d,摄像机%d,u%d,单位%d,rtsp://admin:pw@127.1.0.%d:8554/ch1\n",
                              k, k, k % 3, k % 3, k + 1);
    }
    struct inv_errors errs = {0};
    inv_init(&inv);
    cr_assert_eq(inv_parse(csv, n, "fleet.csv", INV_FMT_CSV, INV_ENC_UTF8, &inv, &errs), 0, "%s",
                 errs.msg[0]);
}

static void teardown(void)
{
    inv_free(&inv);
    testutil_rmdir(tmp);
}

TestSuite(import, .init = setup, .fini = teardown);

static struct store *open_db(bool read_only)
{
    struct store_options o;
    store_options_default(&o);
    o.read_only = read_only;
    o.no_sync = true;
    struct store *s;
    int rc = store_open(db, &o, &s);
    cr_assert_eq(rc, 0, "%s", store_strerror(rc));
    return s;
}

static uint32_t unit_cameras(struct store *s, const char *unit)
{
    struct store_read *r;
    struct store_unit u = {0};
    cr_assert_eq(store_read_begin(s, &r), 0);
    int rc = store_unit_get(r, unit, &u);
    store_read_end(&r);
    return rc ? 0 : u.cameras;
}

static int entries(const char *path)
{
    DIR *d = opendir(path);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

Test(import, a_first_import_in_slices_is_whole_consistent_and_leaves_only_the_index)
{
    struct import_result res;
    cr_assert_eq(import_fresh(db, &inv, 7, &res), 0); /* 8 slices */
    cr_assert_eq(res.added, 50);
    cr_assert_eq(entries(db), 1, "the index file alone: no slice directory left");

    struct store *s = open_db(false);
    cr_assert_eq(unit_cameras(s, "u0"), 17);
    cr_assert_eq(unit_cameras(s, "u1"), 17);
    cr_assert_eq(unit_cameras(s, "u2"), 16);
    struct store_read *r;
    const void *rev;
    size_t len;
    cr_assert_eq(store_read_begin(s, &r), 0);
    cr_assert_eq(store_meta_get(r, IMPORT_REV_KEY, &rev, &len), 0, "a running service notices");
    store_read_end(&r);
    struct store_fsck_report rep;
    cr_assert_eq(store_fsck(s, false, &rep, NULL, NULL), 0);
    cr_assert_eq(rep.problems, 0);
    /* The same file again through the usual import changes nothing. */
    cr_assert_eq(import_apply(s, &inv, false, false, &res), 0);
    cr_assert_eq(res.unchanged, 50);
    cr_assert_eq(res.added + res.changed, 0);
    store_close(&s);
}

Test(import, a_first_import_never_writes_over_an_index)
{
    struct store *s = open_db(false); /* an empty index: still an index */
    store_close(&s);
    struct import_result res;
    cr_assert_eq(import_fresh(db, &inv, 0, &res), -EEXIST);
    cr_assert_eq(res.added, 0);
    s = open_db(true);
    cr_assert_eq(unit_cameras(s, "u0"), 0, "nothing written");
    store_close(&s);
}

Test(import, an_existing_empty_directory_takes_the_first_import)
{
    cr_assert_eq(mkdir(db, 0750), 0); /* as a package makes /var/lib/camdex */
    struct import_result res;
    cr_assert_eq(import_fresh(db, &inv, 0, &res), 0);
    cr_assert_eq(res.added, 50);
    struct store *s = open_db(true);
    cr_assert_eq(unit_cameras(s, "u2"), 16);
    store_close(&s);
}
