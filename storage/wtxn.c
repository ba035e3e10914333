/* The write-transaction wrapper; see wtxn.h. */
#include "wtxn.h"

#include <assert.h>
#include <errno.h>

int wtxn_fail(struct wtxn *t, int rc)
{
    if (!t->err)
        t->err = rc;
    return t->err;
}

/* Only an open transaction is read or written: store_batch_commit clears
 * txn once LMDB has committed or aborted (and freed) it. */
#define ASSERT_OPEN(t) assert((t)->txn != NULL)

int wtxn_get(struct wtxn *t, enum store_db db, MDB_val key, MDB_val *val)
{
    ASSERT_OPEN(t);
    if (t->err)
        return t->err;
    int rc = mdb_get(t->txn, t->s->dbi[db], &key, val);
    if (rc == MDB_NOTFOUND)
        return -ENOENT;
    return rc ? wtxn_fail(t, store_err(t->s, rc)) : 0;
}

int wtxn_put(struct wtxn *t, enum store_db db, MDB_val key, MDB_val val, unsigned flags)
{
    ASSERT_OPEN(t);
    if (t->err)
        return t->err;
    int rc = mdb_put(t->txn, t->s->dbi[db], &key, &val, flags);
    if (rc == MDB_KEYEXIST && (flags & MDB_NODUPDATA))
        return 0;
    return rc ? wtxn_fail(t, store_err(t->s, rc)) : 0;
}

int wtxn_del(struct wtxn *t, enum store_db db, MDB_val key, MDB_val *val)
{
    ASSERT_OPEN(t);
    if (t->err)
        return t->err;
    int rc = mdb_del(t->txn, t->s->dbi[db], &key, val);
    if (rc == MDB_NOTFOUND)
        return -ENOENT;
    return rc ? wtxn_fail(t, store_err(t->s, rc)) : 0;
}
