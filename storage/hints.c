/* Authentication hints: a small opaque value per camera that the service
 * writes when it stops and reads when it starts (see store.h). Values carry
 * a version byte so that the layout inside can change without a schema
 * bump: a value of another version reads as no hint. */
#include <errno.h>

#include "apply.h"
#include "records.h"

int apply_auth_hint_put(struct wtxn *t, const char *id, const void *hint, size_t len)
{
    int rc;
    if (len == 0) { /* no camera needed to forget: none had one, or it left */
        rc = wtxn_del(t, DB_AUTH_HINTS, mstr(id), NULL);
        return rc == -ENOENT ? 0 : rc;
    }
    MDB_val cam;
    if ((rc = wtxn_get(t, DB_CAMERAS, mstr(id), &cam)))
        return rc == -ENOENT ? 0 : rc; /* the camera left meanwhile */
    uint8_t buf[1 + STORE_HINT_MAX];
    buf[0] = REC_HINT_V;
    memcpy(buf + 1, hint, len);
    return wtxn_put(t, DB_AUTH_HINTS, mstr(id), mval(buf, 1 + len), 0);
}

int store_auth_hints_scan(struct store_read *r, store_hint_cb cb, void *ctx)
{
    if (r->s->absent[DB_AUTH_HINTS])
        return 0;
    MDB_cursor *c;
    int rc = store_err(r->s, mdb_cursor_open(r->txn, r->s->dbi[DB_AUTH_HINTS], &c));
    if (rc)
        return rc;
    MDB_val k, v;
    int mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    while (mrc == 0) {
        const void *hint;
        size_t len;
        if (k.mv_size > 0 && k.mv_size <= STORE_ID_MAX &&
            rec_hint_decode(v.mv_data, v.mv_size, &hint, &len) == 0) {
            char id[STORE_ID_MAX + 1];
            memcpy(id, k.mv_data, k.mv_size);
            id[k.mv_size] = 0;
            rc = cb(id, hint, len, ctx);
            if (rc)
                break;
        }
        mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    return cursor_walk_end(r->s, c, rc, mrc);
}
