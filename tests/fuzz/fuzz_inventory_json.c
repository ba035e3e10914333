/* libFuzzer target for the inventory JSON reader (indexer/inventory/inventory_json.c,
 * the row checks and the encoding layer under it). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct inv_errors errs;
    if (size < 1)
        return 0;
    /* The first byte picks the declared encoding, the rest is the file. */
    enum inv_encoding enc = (enum inv_encoding)(data[0] % 3);
    struct inventory inv;
    inv_init(&inv);
    int rc =
        inv_parse((const char *)data + 1, size - 1, "fuzz.json", INV_FMT_JSON, enc, &inv, &errs);
    if (rc == 0 && (errs.count != 0 || inv.count == 0))
        __builtin_trap();
    if (rc == -EINVAL && errs.count == 0)
        __builtin_trap();
    for (size_t i = 0; i < errs.count && i < INV_ERRORS_KEPT; i++) {
        if (strnlen(errs.msg[i], INV_ERROR_MAX) == INV_ERROR_MAX)
            __builtin_trap();
        /* A password between ':' and '@' is never echoed (the seeds plant one). */
        if (strstr(errs.msg[i], ":S3cr3t@"))
            __builtin_trap();
    }
    for (size_t i = 0; rc == 0 && i < inv.count; i++) {
        const struct inv_camera *c = &inv.cams[i];
        if (!c->id[0] || strlen(c->id) > INV_ID_MAX || !c->name[0] || !c->unit_id ||
            !c->unit_name || strlen(c->url) > INV_URL_MAX || !c->address || !c->tags)
            __builtin_trap();
        /* no line check: a "cameras" key spelt with escapes hides positions */
    }
    inv_free(&inv);
    return 0;
}
