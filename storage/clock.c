/* The clock check's records: one per camera, its last clock look (see
 * store.h). A table of its own, optional: an index written before it
 * existed reads as "never looked at". */
#include <errno.h>

#include "apply.h"
#include "records.h"

int apply_clock_put(struct wtxn *t, const char *id, const void *rec, size_t len)
{
    int rc;
    if (len == 0) {
        if (t->s->absent[DB_CLOCK])
            return 0;
        rc = wtxn_del(t, DB_CLOCK, mstr(id), NULL);
        return rc == -ENOENT ? 0 : rc;
    }
    MDB_val cam;
    if ((rc = wtxn_get(t, DB_CAMERAS, mstr(id), &cam)))
        return rc == -ENOENT ? 0 : rc; /* the camera left meanwhile */
    return wtxn_put(t, DB_CLOCK, mstr(id), mval(rec, len), 0);
}

int store_clock_get(struct store_read *r, const char *id, struct store_clock *out)
{
    if (!id || !*id || strlen(id) > STORE_ID_MAX)
        return -EINVAL;
    if (r->s->absent[DB_CLOCK])
        return -ENOENT;
    MDB_val k = mstr(id), v;
    int rc = store_err(r->s, mdb_get(r->txn, r->s->dbi[DB_CLOCK], &k, &v));
    if (rc)
        return rc;
    return rec_clock_decode(v.mv_data, v.mv_size, out);
}
