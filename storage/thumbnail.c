/* Thumbnails: the latest picture of each camera whose picture has a fault
 * (see store.h), one record per camera in a table of its own, so that the
 * health record written at every probe never carries kilobytes of JPEG. */
#include <errno.h>

#include "apply.h"
#include "records.h"

int apply_thumbnail_put(struct wtxn *t, const char *id, const void *rec, size_t len)
{
    int rc;
    if (len == 0) {
        if (t->s->absent[DB_THUMBNAIL])
            return 0;
        rc = wtxn_del(t, DB_THUMBNAIL, mstr(id), NULL);
        return rc == -ENOENT ? 0 : rc;
    }
    MDB_val cam, old;
    if ((rc = wtxn_get(t, DB_CAMERAS, mstr(id), &cam)))
        return rc == -ENOENT ? 0 : rc; /* the camera left meanwhile */
    rc = wtxn_get(t, DB_THUMBNAIL, mstr(id), &old);
    if (rc && rc != -ENOENT)
        return rc;
    if (rc == -ENOENT) {
        /* A new one past the cap is not kept: what bounds the table. The
         * count is LMDB's own (no scan, no counter to keep in step). */
        MDB_stat st;
        if ((rc = mdb_stat(t->txn, t->s->dbi[DB_THUMBNAIL], &st)))
            return wtxn_fail(t, store_err(t->s, rc));
        if (st.ms_entries >= t->s->thumbnails_max) {
            if (t->stats)
                t->stats->thumbnails_dropped++;
            return 0;
        }
    }
    return wtxn_put(t, DB_THUMBNAIL, mstr(id), mval(rec, len), 0);
}

int store_thumbnail_get(struct store_read *r, const char *id, struct store_thumbnail *th)
{
    if (!id || !*id || strlen(id) > STORE_ID_MAX)
        return -EINVAL;
    if (r->s->absent[DB_THUMBNAIL])
        return -ENOENT; /* an index from before the table */
    MDB_val k = mstr(id), v;
    int rc = store_err(r->s, mdb_get(r->txn, r->s->dbi[DB_THUMBNAIL], &k, &v));
    return rc ? rc : rec_thumbnail_decode(v.mv_data, v.mv_size, th);
}

int store_thumbnails_scan(struct store_read *r, store_thumbnail_cb cb, void *ctx)
{
    if (r->s->absent[DB_THUMBNAIL])
        return 0;
    MDB_cursor *c;
    int mrc = mdb_cursor_open(r->txn, r->s->dbi[DB_THUMBNAIL], &c);
    if (mrc)
        return store_err(r->s, mrc);
    MDB_val k, v;
    int rc = 0;
    char id[STORE_ID_MAX + 1];
    for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !mrc && !rc;
         mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        struct store_thumbnail th;
        if (k.mv_size == 0 || k.mv_size > STORE_ID_MAX ||
            rec_thumbnail_decode(v.mv_data, v.mv_size, &th))
            continue; /* fsck reports it; a reader shows the rest */
        memcpy(id, k.mv_data, k.mv_size);
        id[k.mv_size] = 0;
        rc = cb(id, &th, ctx);
    }
    return cursor_walk_end(r->s, c, rc, mrc);
}
