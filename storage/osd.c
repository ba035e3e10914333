/* The OSD check's records: one per camera, its last OSD look (see
 * store.h). A table of its own, optional: an index written before it
 * existed reads as "never looked at". */
#include <errno.h>

#include "apply.h"
#include "records.h"

int apply_osd_put(struct wtxn *t, const char *id, const void *rec, size_t len)
{
    int rc;
    if (len == 0) {
        if (t->s->absent[DB_OSD])
            return 0;
        rc = wtxn_del(t, DB_OSD, mstr(id), NULL);
        return rc == -ENOENT ? 0 : rc;
    }
    MDB_val cam;
    if ((rc = wtxn_get(t, DB_CAMERAS, mstr(id), &cam)))
        return rc == -ENOENT ? 0 : rc; /* the camera left meanwhile */
    return wtxn_put(t, DB_OSD, mstr(id), mval(rec, len), 0);
}

int store_osd_get(struct store_read *r, const char *id, struct store_osd *out)
{
    if (!id || !*id || strlen(id) > STORE_ID_MAX)
        return -EINVAL;
    if (r->s->absent[DB_OSD])
        return -ENOENT;
    MDB_val k = mstr(id), v;
    int rc = store_err(r->s, mdb_get(r->txn, r->s->dbi[DB_OSD], &k, &v));
    return rc ? rc : rec_osd_decode(v.mv_data, v.mv_size, out);
}
