/* Tests for picture diagnoses and reference pictures (storage/picture.c,
 * their records in records.c): kept per camera with every finding, listed
 * by finding, adopted as the reference, gone with their camera, and an
 * index of schema 1 read without them and migrated by a writer. */
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

TestSuite(picture, .init = store_fixture_setup, .fini = store_fixture_teardown);


static int commit_rc(struct store_batch **b)
{
    int rc = store_batch_commit(st, *b, NULL, NULL, NULL);
    store_batch_free(b);
    return rc;
}

static void commit(struct store_batch **b)
{
    int rc = commit_rc(b);
    cr_assert_eq(rc, 0, "commit: %s (%s)", store_strerror(rc), store_last_error(st));
}

static void put_camera(const char *id, const char *unit)
{
    struct store_camera c = {.id = id, .name = id, .unit_id = unit, .url = "rtsp://127.1.0.1/a"};
    struct store_batch *b = batch();
    cr_assert_eq(store_batch_camera_put(b, &c, unit), 0);
    commit(&b);
}

static uint8_t sig[32 * 18];

static void put_diag(const char *id, int64_t t, const char *r1, const char *r2, bool with_sig)
{
    struct store_diagnosis d = {.time_ms = t, .judged = true};
    if (r1)
        d.f[d.n++] = (struct store_finding){r1, 12.5f, 30.0f};
    if (r2)
        d.f[d.n++] = (struct store_finding){r2, 0.25f, 0.5f};
    if (with_sig) {
        d.sig_w = 32;
        d.sig_h = 18;
        d.sig = sig;
    }
    struct store_batch *b = batch();
    cr_assert_eq(store_batch_diagnosis_put(b, id, &d), 0);
    commit(&b);
}

struct ids {
    int n;
    char id[8][32];
};

static int ids_cb(const struct store_camera *cam, const struct store_health *h, void *ctx)
{
    (void)h;
    struct ids *s = ctx;
    cr_assert_lt(s->n, 8);
    snprintf(s->id[s->n++], 32, "%s", cam->id);
    return 0;
}

static struct ids list(struct store_filter f)
{
    struct ids s = {0};
    struct store_read *r;
    cr_assert_eq(store_read_begin(st, &r), 0);
    int rc = store_cameras_scan(r, &f, ids_cb, &s);
    store_read_end(&r);
    cr_assert_eq(rc, 0, "scan: %s", store_strerror(rc));
    return s;
}

Test(picture, a_diagnosis_keeps_every_finding_with_value_and_limit)
{
    for (size_t i = 0; i < sizeof(sig); i++)
        sig[i] = (uint8_t)(i * 7);
    put_camera("cam1", "u1");
    put_diag("cam1", 1000, "blurred", "noisy", true);
    struct store_read *r;
    cr_assert_eq(store_read_begin(st, &r), 0);
    struct store_diagnosis d;
    cr_assert_eq(store_diagnosis_get(r, "cam1", &d), 0);
    cr_expect_eq(d.time_ms, 1000);
    cr_expect(d.judged);
    cr_assert_eq(d.n, 2);
    cr_expect_str_eq(d.f[0].reason, "blurred");
    cr_expect_float_eq(d.f[0].value, 12.5f, 1e-6);
    cr_expect_float_eq(d.f[0].limit, 30.0f, 1e-6);
    cr_expect_str_eq(d.f[1].reason, "noisy");
    cr_expect_float_eq(d.f[1].value, 0.25f, 1e-6);
    cr_assert_eq(d.sig_w, 32);
    cr_assert_eq(d.sig_h, 18);
    cr_expect_eq(memcmp(d.sig, sig, sizeof(sig)), 0);
    cr_expect_eq(store_diagnosis_get(r, "cam2", &d), -ENOENT);
    store_read_end(&r);

    /* The next diagnosis replaces it whole: a healthy look has none. */
    put_diag("cam1", 2000, NULL, NULL, false);
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_diagnosis_get(r, "cam1", &d), 0);
    cr_expect_eq(d.time_ms, 2000);
    cr_expect_eq(d.n, 0);
    cr_expect_null(d.sig);
    store_read_end(&r);
}

Test(picture, cameras_are_listed_by_any_finding_with_other_filters)
{
    put_camera("a1", "u1");
    put_camera("a2", "u1");
    put_camera("b1", "u2");
    put_diag("a1", 1, "too_bright", "noisy", false);
    put_diag("a2", 1, "blurred", NULL, false);
    put_diag("b1", 1, "noisy", NULL, false);
    struct ids s = list((struct store_filter){.state = -1, .finding = "noisy"});
    cr_assert_eq(s.n, 2);
    cr_expect_str_eq(s.id[0], "a1");
    cr_expect_str_eq(s.id[1], "b1");
    s = list((struct store_filter){.state = -1, .finding = "noisy", .unit_id = "u2"});
    cr_assert_eq(s.n, 1);
    cr_expect_str_eq(s.id[0], "b1");
    s = list((struct store_filter){.state = STORE_UNKNOWN, .finding = "blurred"});
    cr_assert_eq(s.n, 1);
    cr_expect_str_eq(s.id[0], "a2");
    cr_expect_eq(list((struct store_filter){.state = -1, .finding = "stripes"}).n, 0);
}

Test(picture, the_operator_adopts_the_last_picture_as_reference)
{
    for (size_t i = 0; i < sizeof(sig); i++)
        sig[i] = (uint8_t)(255 - i);
    put_camera("cam1", "u1");
    struct store_batch *b = batch();
    cr_assert_eq(store_batch_reference_adopt(b, "cam1", 5000), 0);
    cr_expect_eq(commit_rc(&b), -ENOENT, "nothing diagnosed yet");

    put_diag("cam1", 4000, "scene_changed", NULL, true);
    b = batch();
    cr_assert_eq(store_batch_reference_adopt(b, "cam1", 5000), 0);
    commit(&b);
    struct store_read *r;
    struct store_reference ref;
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_reference_get(r, "cam1", &ref), 0);
    cr_expect_eq(ref.time_ms, 5000);
    cr_expect(ref.by_operator);
    cr_assert_eq(ref.sig_w * ref.sig_h, (int)sizeof(sig));
    cr_expect_eq(memcmp(ref.sig, sig, sizeof(sig)), 0);
    store_read_end(&r);

    b = batch();
    cr_assert_eq(store_batch_reference_put(b, "cam1", NULL), 0);
    commit(&b);
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_expect_eq(store_reference_get(r, "cam1", &ref), -ENOENT);
    store_read_end(&r);
}

Test(picture, both_go_with_their_camera)
{
    put_camera("cam1", "u1");
    put_diag("cam1", 1, "black", NULL, true);
    struct store_reference in = {.time_ms = 1, .sig_w = 32, .sig_h = 18, .sig = sig};
    struct store_batch *b = batch();
    cr_assert_eq(store_batch_reference_put(b, "cam1", &in), 0);
    cr_assert_eq(store_batch_camera_del(b, "cam1"), 0);
    commit(&b);
    struct store_read *r;
    struct store_diagnosis d;
    struct store_reference ref;
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_expect_eq(store_diagnosis_get(r, "cam1", &d), -ENOENT);
    cr_expect_eq(store_reference_get(r, "cam1", &ref), -ENOENT);
    store_read_end(&r);
    struct store_fsck_report rep;
    cr_expect_eq(store_fsck(st, false, &rep, NULL, NULL), 0);
    cr_expect_eq(rep.problems, 0);
}

Test(picture, bad_arguments_are_refused)
{
    struct store_batch *b = batch();
    struct store_diagnosis d = {.n = STORE_FINDINGS_MAX + 1};
    cr_expect_eq(store_batch_diagnosis_put(b, "cam1", &d), -EINVAL);
    d = (struct store_diagnosis){.n = 1, .f = {{"", 1, 2}}};
    cr_expect_eq(store_batch_diagnosis_put(b, "cam1", &d), -EINVAL);
    d = (struct store_diagnosis){.sig_w = 65, .sig_h = 1, .sig = sig};
    cr_expect_eq(store_batch_diagnosis_put(b, "cam1", &d), -EINVAL);
    d = (struct store_diagnosis){.sig_w = 32, .sig_h = 18};
    cr_expect_eq(store_batch_diagnosis_put(b, "cam1", &d), -EINVAL, "a size without samples");
    struct store_reference ref = {.sig_w = 32, .sig_h = 18};
    cr_expect_eq(store_batch_reference_put(b, "cam1", &ref), -EINVAL);
    store_batch_free(&b);
}

Test(picture, decoders_refuse_what_encoders_never_write)
{
    struct store_diagnosis d = {.time_ms = 7,
                                .judged = true,
                                .n = 1,
                                .f = {{"black", 1, 2}},
                                .sig_w = 4,
                                .sig_h = 2,
                                .sig = sig};
    struct enc e;
    enc_init(&e);
    rec_diagnosis_encode(&e, &d);
    struct store_diagnosis back;
    cr_assert_eq(rec_diagnosis_decode(e.buf, e.len, &back), 0);
    cr_expect_eq(back.sig_w, 4);
    /* Cut short inside the signature. */
    cr_expect_eq(rec_diagnosis_decode(e.buf, e.len - 1, &back), -EBADMSG);
    enc_reset(&e);
    struct store_reference ref = {.time_ms = 1, .sig_w = 2, .sig_h = 2, .sig = sig};
    rec_reference_encode(&e, &ref);
    struct store_reference rb;
    cr_assert_eq(rec_reference_decode(e.buf, e.len, &rb), 0);
    e.buf[e.len - 5] = 0; /* the height: a reference without samples */
    e.buf[e.len - 6] = 0;
    cr_expect_eq(rec_reference_decode(e.buf, e.len - 4, &rb), -EBADMSG);
    enc_free(&e);
}

/* Makes the index look as a schema-1 writer left it. */
static void make_schema_1(void)
{
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_drop(txn, st->dbi[DB_DIAGNOSIS], 1), 0);
    cr_assert_eq(mdb_drop(txn, st->dbi[DB_REFERENCE], 1), 0);
    uint8_t v[4];
    be32_put(v, 1);
    MDB_val k = mstr("schema"), val = mval(v, 4);
    cr_assert_eq(mdb_put(txn, st->dbi[DB_META], &k, &val, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    store_close(&st);
}

Test(picture, a_schema_1_index_is_read_without_pictures_and_migrated_by_a_writer)
{
    put_camera("cam1", "u1");
    put_diag("cam1", 1, "black", NULL, true);
    make_schema_1();

    struct store *ro;
    struct store_options o;
    store_options_default(&o);
    o.read_only = true;
    int rc = store_open(dir, &o, &ro);
    cr_assert_eq(rc, 0, "read-only open: %s (%s)", store_strerror(rc), store_last_error(ro));
    struct store_info info;
    cr_assert_eq(store_info(ro, &info), 0);
    cr_expect_eq(info.schema, 1, "a reader does not migrate");
    struct store_read *r;
    struct store_diagnosis d;
    struct store_camera cam;
    cr_assert_eq(store_read_begin(ro, &r), 0);
    cr_expect_eq(store_camera_get(r, "cam1", &cam), 0);
    cr_expect_eq(store_diagnosis_get(r, "cam1", &d), -ENOENT);
    store_read_end(&r);
    struct ids s = {0};
    cr_assert_eq(store_read_begin(ro, &r), 0);
    cr_expect_eq(
        store_cameras_scan(r, &(struct store_filter){.state = -1, .finding = "black"}, ids_cb, &s),
        0);
    store_read_end(&r);
    cr_expect_eq(s.n, 0);
    store_close(&ro);

    open_rw();
    cr_assert_eq(store_info(st, &info), 0);
    cr_expect_eq(info.schema, STORE_SCHEMA_VERSION);
    put_diag("cam1", 2, "noisy", NULL, false);
    cr_expect_eq(list((struct store_filter){.state = -1, .finding = "noisy"}).n, 1);
}

Test(picture, a_newer_schema_is_refused)
{
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
    uint8_t v[4];
    be32_put(v, STORE_SCHEMA_VERSION + 1);
    MDB_val k = mstr("schema"), val = mval(v, 4);
    cr_assert_eq(mdb_put(txn, st->dbi[DB_META], &k, &val, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    store_close(&st);
    struct store_options o;
    store_options_default(&o);
    cr_expect_eq(store_open(dir, &o, &st), -EPROTO);
    cr_expect(strstr(store_last_error(st), "schema version 3") != NULL, "%s", store_last_error(st));
    store_close(&st);
}
