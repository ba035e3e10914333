/* Tests for thumbnails (storage/thumbnail.c, the record in records.c):
 * kept byte for byte, replaced, dropped, listed, capped in number, gone
 * with their camera, refused when empty or over-long, and an index of
 * schema 2 read without them and migrated by a writer. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "internal.h"
#include "records.h"
#include "store.h"
#include "store_fixture.h"
#include "testutil.h"

TestSuite(thumbnail, .init = store_fixture_setup, .fini = store_fixture_teardown);

static void commit(struct store_batch **b, struct store_commit_stats *stats)
{
    int rc = store_batch_commit(st, *b, stats, NULL, NULL);
    store_batch_free(b);
    cr_assert_eq(rc, 0, "commit: %s (%s)", store_strerror(rc), store_last_error(st));
}

static void put_camera(const char *id)
{
    struct store_camera c = {.id = id, .name = id, .unit_id = "u1", .url = "rtsp://127.1.0.1/a"};
    struct store_batch *b = batch();
    cr_assert_eq(store_batch_camera_put(b, &c, "u1"), 0);
    commit(&b, NULL);
}

/* A stand-in JPEG: bytes that differ by `seed`, SOI to EOI. */
static void fake_jpeg(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + seed);
    p[0] = 0xff, p[1] = 0xd8, p[n - 2] = 0xff, p[n - 1] = 0xd9;
}

static struct store_commit_stats put_thumb(const char *id, int64_t t, const uint8_t *jpeg,
                                           size_t len)
{
    struct store_thumbnail th = {
        .time_ms = t, .width = 320, .height = 180, .jpeg = jpeg, .len = len};
    struct store_batch *b = batch();
    cr_assert_eq(store_batch_thumbnail_put(b, id, jpeg ? &th : NULL), 0);
    struct store_commit_stats stats = {0};
    commit(&b, &stats);
    return stats;
}

/* The camera's thumbnail copied out, or len 0 when it has none. */
static size_t get_thumb(struct store *s, const char *id, uint8_t *out, struct store_thumbnail *th)
{
    struct store_read *r;
    cr_assert_eq(store_read_begin(s, &r), 0);
    int rc = store_thumbnail_get(r, id, th);
    size_t n = 0;
    if (rc == 0) {
        memcpy(out, th->jpeg, th->len);
        n = th->len;
    } else {
        cr_expect_eq(rc, -ENOENT, "get: %s", store_strerror(rc));
    }
    store_read_end(&r);
    return n;
}

Test(thumbnail, kept_byte_for_byte_replaced_and_dropped)
{
    static uint8_t a[12000], b[STORE_THUMB_MAX], got[STORE_THUMB_MAX];
    fake_jpeg(a, sizeof(a), 1);
    fake_jpeg(b, sizeof(b), 2);
    put_camera("cam1");
    struct store_thumbnail th;
    cr_expect_eq(get_thumb(st, "cam1", got, &th), 0, "none before");

    put_thumb("cam1", 1000, a, sizeof(a));
    cr_assert_eq(get_thumb(st, "cam1", got, &th), sizeof(a));
    cr_expect(memcmp(got, a, sizeof(a)) == 0);
    cr_expect_eq(th.time_ms, 1000);
    cr_expect_eq(th.width, 320);
    cr_expect_eq(th.height, 180);

    put_thumb("cam1", 2000, b, sizeof(b)); /* the largest allowed */
    cr_assert_eq(get_thumb(st, "cam1", got, &th), sizeof(b));
    cr_expect(memcmp(got, b, sizeof(b)) == 0);
    cr_expect_eq(th.time_ms, 2000);

    put_thumb("cam1", 3000, NULL, 0);
    cr_expect_eq(get_thumb(st, "cam1", got, &th), 0, "dropped");
    put_thumb("cam1", 4000, NULL, 0); /* dropping none is fine */
}

struct seen {
    int n;
    char id[8][16];
    size_t len[8];
};

static int seen_cb(const char *id, const struct store_thumbnail *th, void *ctx)
{
    struct seen *s = ctx;
    cr_assert_lt(s->n, 8);
    snprintf(s->id[s->n], sizeof(s->id[0]), "%s", id);
    s->len[s->n++] = th->len;
    return 0;
}

Test(thumbnail, listed_by_camera_capped_in_number_and_gone_with_their_camera)
{
    store_close(&st);
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    o.thumbnails_max = 2;
    cr_assert_eq(store_open(dir, &o, &st), 0);
    uint8_t j[100];
    fake_jpeg(j, sizeof(j), 3);
    put_camera("cam1");
    put_camera("cam2");
    put_camera("cam3");
    cr_expect_eq(put_thumb("cam2", 1, j, 50).thumbnails_dropped, 0);
    cr_expect_eq(put_thumb("cam1", 1, j, 60).thumbnails_dropped, 0);
    cr_expect_eq(put_thumb("cam3", 1, j, 70).thumbnails_dropped, 1, "a third is past the cap");
    cr_expect_eq(put_thumb("cam1", 2, j, 80).thumbnails_dropped, 0, "a kept one is replaced");
    cr_expect_eq(put_thumb("ghost", 1, j, 80).thumbnails_dropped, 0, "no camera: not kept");

    struct seen s = {0};
    struct store_read *r;
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_thumbnails_scan(r, seen_cb, &s), 0);
    store_read_end(&r);
    cr_assert_eq(s.n, 2);
    cr_expect_str_eq(s.id[0], "cam1");
    cr_expect_eq(s.len[0], 80);
    cr_expect_str_eq(s.id[1], "cam2");
    cr_expect_eq(s.len[1], 50);

    struct store_batch *b = batch();
    cr_assert_eq(store_batch_camera_del(b, "cam1"), 0);
    commit(&b, NULL);
    uint8_t got[100];
    struct store_thumbnail th;
    cr_expect_eq(get_thumb(st, "cam1", got, &th), 0, "gone with its camera");
    cr_expect_eq(put_thumb("cam3", 1, j, 70).thumbnails_dropped, 0, "room again");
    struct store_fsck_report rep;
    cr_assert_eq(store_fsck(st, false, &rep, NULL, NULL), 0);
    cr_expect_eq(rep.problems, 0);
}

Test(thumbnail, bad_arguments_and_records_are_refused)
{
    static uint8_t big[STORE_THUMB_MAX + 1];
    struct store_batch *b = batch();
    struct store_thumbnail th = {.jpeg = big, .len = 0};
    cr_expect_eq(store_batch_thumbnail_put(b, "cam1", &th), -EINVAL, "empty");
    th.len = sizeof(big);
    cr_expect_eq(store_batch_thumbnail_put(b, "cam1", &th), -EINVAL, "too long");
    th.jpeg = NULL;
    th.len = 10;
    cr_expect_eq(store_batch_thumbnail_put(b, "cam1", &th), -EINVAL, "no bytes");
    cr_expect_eq(store_batch_thumbnail_put(b, "", NULL), -EINVAL, "no id");
    store_batch_free(&b);

    struct store_thumbnail ok = {.time_ms = 5, .width = 2, .height = 2, .jpeg = big, .len = 4};
    struct enc e;
    enc_init(&e);
    rec_thumbnail_encode(&e, &ok);
    struct store_thumbnail back;
    cr_assert_eq(rec_thumbnail_decode(e.buf, e.len, &back), 0);
    cr_expect_eq(back.len, 4);
    cr_expect_eq(back.time_ms, 5);
    cr_expect_eq(rec_thumbnail_decode(e.buf, e.len - 1, &back), -EBADMSG, "cut short");
    uint8_t zero[] = {REC_THUMB_V, 0, 0, 0, 0};
    cr_expect_eq(rec_thumbnail_decode(zero, sizeof(zero), &back), -EBADMSG, "empty JPEG");
    enc_reset(&e);
    enc_u8(&e, REC_THUMB_V);
    enc_svar(&e, 1);
    enc_uvar(&e, 1);
    enc_uvar(&e, 1);
    enc_uvar(&e, STORE_THUMB_MAX + 1);
    enc_bytes(&e, big, sizeof(big));
    cr_expect_eq(rec_thumbnail_decode(e.buf, e.len, &back), -EBADMSG, "over the limit");
    enc_free(&e);
}

Test(thumbnail, a_schema_2_index_is_read_without_them_and_migrated_by_a_writer)
{
    put_camera("cam1");
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_drop(txn, st->dbi[DB_THUMBNAIL], 1), 0);
    uint8_t v[4];
    be32_put(v, 2);
    MDB_val k = mstr("schema"), val = mval(v, 4);
    cr_assert_eq(mdb_put(txn, st->dbi[DB_META], &k, &val, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    store_close(&st);

    struct store *ro;
    struct store_options o;
    store_options_default(&o);
    o.read_only = true;
    cr_assert_eq(store_open(dir, &o, &ro), 0);
    struct store_info info;
    cr_assert_eq(store_info(ro, &info), 0);
    cr_expect_eq(info.schema, 2);
    uint8_t got[16];
    struct store_thumbnail th;
    cr_expect_eq(get_thumb(ro, "cam1", got, &th), 0);
    struct seen s = {0};
    struct store_read *r;
    cr_assert_eq(store_read_begin(ro, &r), 0);
    cr_expect_eq(store_thumbnails_scan(r, seen_cb, &s), 0);
    store_read_end(&r);
    cr_expect_eq(s.n, 0);
    store_close(&ro);

    open_rw();
    cr_assert_eq(store_info(st, &info), 0);
    cr_expect_eq(info.schema, STORE_SCHEMA_VERSION);
    uint8_t j[16];
    fake_jpeg(j, sizeof(j), 4);
    put_thumb("cam1", 1, j, sizeof(j));
    cr_expect_eq(get_thumb(st, "cam1", got, &th), sizeof(j));
}
