/* Bringing an inventory into the index: what it would add, change and
 * remove, and applying that in one transaction (all or nothing). Shared by
 * `camdex import`, the demo and, later, the service's reload and API. */
#ifndef CAMDEX_IMPORT_H
#define CAMDEX_IMPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "inventory/inventory.h"
#include "store.h"

/* Meta key bumped by every import that changed something, so a running
 * service notices an import made by another process. */
#define IMPORT_REV_KEY "inventory_rev"
/* Meta key a central's index holds (indexer/cluster/): its zones. Its
 * cameras come from the zones' probers, which hold the credentials, so
 * import_apply refuses it (-EROFS). */
#define IMPORT_CENTRAL_KEY "cluster.central"

struct import_result {
    uint32_t added, changed, unchanged;
    uint32_t missing; /* in the index, not in the file */
    uint32_t removed; /* of those, removed (only with prune) */
    uint32_t units_renamed;
};

/* Compares `inv` with the index and, unless dry_run, writes the difference
 * in one batch. Cameras missing from the file are removed only with prune.
 * Returns 0 or a negative errno (nothing written then); -EROFS for a
 * central's index (IMPORT_CENTRAL_KEY). */
int import_apply(struct store *s, const struct inventory *inv, bool prune, bool dry_run,
                 struct import_result *res);

/* The first import into `dir`, which holds no index yet (it may not
 * exist): the index is written in slices of `slice_rows` cameras (0:
 * 262,144) into a directory inside it, made durable, and its file moved
 * into `dir` in one rename, so readers still see all or nothing while
 * LMDB holds one slice's new pages at a time rather than the whole
 * index's (a million cameras: ~330 MB). Returns 0; -EEXIST when `dir`
 * holds an index, or one appeared meanwhile; another negative errno. On
 * any failure nothing is left behind, and import_apply can do the
 * import. */
int import_fresh(const char *dir, const struct inventory *inv, size_t slice_rows,
                 struct import_result *res);

#endif
