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

#endif
