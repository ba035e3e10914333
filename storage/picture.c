/* Picture diagnoses and reference pictures: one small record each per
 * camera (see store.h), in tables of their own so that the health record,
 * written at every probe, does not carry a kilobyte of signature. */
#include <errno.h>

#include "apply.h"
#include "records.h"

int apply_diagnosis_put(struct wtxn *t, const char *id, const struct store_diagnosis *d)
{
    MDB_val cam;
    int rc = wtxn_get(t, DB_CAMERAS, mstr(id), &cam);
    if (rc)
        return rc == -ENOENT ? 0 : rc; /* the camera left meanwhile */
    enc_reset(&t->scratch);
    rec_diagnosis_encode(&t->scratch, d);
    if (t->scratch.err)
        return wtxn_fail(t, t->scratch.err);
    return wtxn_put(t, DB_DIAGNOSIS, mstr(id), mval(t->scratch.buf, t->scratch.len), 0);
}

int apply_reference_put(struct wtxn *t, const char *id, const struct store_reference *ref)
{
    int rc;
    if (!ref) {
        rc = wtxn_del(t, DB_REFERENCE, mstr(id), NULL);
        return rc == -ENOENT ? 0 : rc;
    }
    MDB_val cam;
    if ((rc = wtxn_get(t, DB_CAMERAS, mstr(id), &cam)))
        return rc == -ENOENT ? 0 : rc;
    enc_reset(&t->scratch);
    rec_reference_encode(&t->scratch, ref);
    if (t->scratch.err)
        return wtxn_fail(t, t->scratch.err);
    return wtxn_put(t, DB_REFERENCE, mstr(id), mval(t->scratch.buf, t->scratch.len), 0);
}

int apply_reference_adopt(struct wtxn *t, const char *id, int64_t now_ms)
{
    MDB_val v;
    struct store_diagnosis d;
    int rc = wtxn_get(t, DB_DIAGNOSIS, mstr(id), &v);
    if (rc == -ENOENT)
        return wtxn_fail(t, -ENOENT);
    if (rc || (rc = rec_diagnosis_decode(v.mv_data, v.mv_size, &d)))
        return wtxn_fail(t, rc);
    if (!d.sig)
        return wtxn_fail(t, -ENOENT);
    /* The value sits in a page the put below may rewrite: copy it out. */
    uint8_t sig[STORE_SIG_MAX];
    memcpy(sig, d.sig, (size_t)d.sig_w * d.sig_h);
    struct store_reference ref = {
        .time_ms = now_ms, .by_operator = true, .sig_w = d.sig_w, .sig_h = d.sig_h, .sig = sig};
    return apply_reference_put(t, id, &ref);
}

static int get_rec(struct store_read *r, enum store_db db, const char *id, MDB_val *v)
{
    if (r->s->absent[db])
        return -ENOENT; /* an index from before the table */
    return store_err(r->s, mdb_get(r->txn, r->s->dbi[db], &(MDB_val){strlen(id), (void *)id}, v));
}

int store_diagnosis_get(struct store_read *r, const char *id, struct store_diagnosis *d)
{
    MDB_val v;
    int rc = get_rec(r, DB_DIAGNOSIS, id, &v);
    return rc ? rc : rec_diagnosis_decode(v.mv_data, v.mv_size, d);
}

int store_reference_get(struct store_read *r, const char *id, struct store_reference *ref)
{
    MDB_val v;
    int rc = get_rec(r, DB_REFERENCE, id, &v);
    return rc ? rc : rec_reference_decode(v.mv_data, v.mv_size, ref);
}
