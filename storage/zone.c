/* The zone table of a central index: which zone's prober reported each
 * camera (see store.h). A table of its own, optional: an index written
 * before schema 5 reads as having no zones. */
#include <errno.h>

#include "apply.h"
#include "records.h"

int apply_zone_put(struct wtxn *t, const char *id, const void *zone, size_t len)
{
    int rc;
    if (len == 0) {
        if (t->s->absent[DB_ZONE])
            return 0;
        rc = wtxn_del(t, DB_ZONE, mstr(id), NULL);
        return rc == -ENOENT ? 0 : rc;
    }
    MDB_val cam;
    if ((rc = wtxn_get(t, DB_CAMERAS, mstr(id), &cam)))
        return rc == -ENOENT ? 0 : rc; /* the camera left meanwhile */
    return wtxn_put(t, DB_ZONE, mstr(id), mval(zone, len), 0);
}

int store_zone_get(struct store_read *r, const char *id, char *zone)
{
    if (!id || !*id || strlen(id) > STORE_ID_MAX || !zone)
        return -EINVAL;
    if (r->s->absent[DB_ZONE])
        return -ENOENT;
    MDB_val k = mstr(id), v;
    int rc = store_err(r->s, mdb_get(r->txn, r->s->dbi[DB_ZONE], &k, &v));
    if (rc)
        return rc;
    /* Only a writer of this library puts zones; anything else is damage. */
    if (v.mv_size == 0 || v.mv_size > STORE_ZONE_MAX || memchr(v.mv_data, 0, v.mv_size))
        return -EBADMSG;
    memcpy(zone, v.mv_data, v.mv_size);
    zone[v.mv_size] = 0;
    return 0;
}
