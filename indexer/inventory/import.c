/* Inventory diff and atomic apply; see import.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inventory/import.h"

struct diff {
    const struct inv_camera **sorted; /* inventory by id */
    bool *seen;                       /* parallel to sorted */
    size_t n;
    struct import_result *res;
    struct store_batch *batch;
    struct store_read *r;
    bool prune;
    int err;
};

static int by_id(const void *a, const void *b)
{
    return strcmp((*(const struct inv_camera *const *)a)->id,
                  (*(const struct inv_camera *const *)b)->id);
}

static const struct inv_camera **find(struct diff *d, const char *id)
{
    struct inv_camera key = {.id = id};
    const struct inv_camera *kp = &key;
    return bsearch(&kp, d->sorted, d->n, sizeof(*d->sorted), by_id);
}

static struct store_camera to_store(const struct inv_camera *c)
{
    struct store_camera s = {
        .id = c->id,
        .name = c->name,
        .unit_id = c->unit_id,
        .url = c->url,
        .address = c->address ? c->address : "",
        .tags = c->tags ? c->tags : "",
        .lat = c->lat,
        .lon = c->lon,
        .has_location = c->has_location,
        .width = c->width,
        .height = c->height,
        .fps = c->fps,
    };
    return s;
}

static bool same(const struct store_camera *a, const struct store_camera *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->unit_id, b->unit_id) == 0 &&
           strcmp(a->url, b->url) == 0 && strcmp(a->address, b->address) == 0 &&
           strcmp(a->tags, b->tags) == 0 && a->has_location == b->has_location &&
           (!a->has_location || (a->lat == b->lat && a->lon == b->lon)) &&
           a->width == b->width && a->height == b->height && a->fps == b->fps;
}

static int stored_cb(const struct store_camera *cam, const struct store_health *h, void *ctx)
{
    struct diff *d = ctx;
    (void)h;
    const struct inv_camera **hit = find(d, cam->id);
    if (!hit) {
        d->res->missing++;
        if (d->prune) {
            d->res->removed++;
            return d->batch ? store_batch_camera_del(d->batch, cam->id) : 0;
        }
        return 0;
    }
    d->seen[hit - d->sorted] = true;
    struct store_camera want = to_store(*hit);
    struct store_unit u;
    bool renamed = store_unit_get(d->r, want.unit_id, &u) == 0 &&
                   strcmp(u.name, (*hit)->unit_name) != 0;
    if (same(cam, &want) && !renamed) {
        d->res->unchanged++;
        return 0;
    }
    d->res->changed += !same(cam, &want);
    return d->batch ? store_batch_camera_put(d->batch, &want, (*hit)->unit_name) : 0;
}

/* Counts units whose stored name differs from the file's. */
static int unit_cb(const struct store_unit *u, void *ctx)
{
    struct diff *d = ctx;
    for (size_t i = 0; i < d->n; i++) {
        if (strcmp(d->sorted[i]->unit_id, u->id) == 0) {
            d->res->units_renamed += strcmp(d->sorted[i]->unit_name, u->name) != 0;
            break;
        }
    }
    return 0;
}

int import_apply(struct store *s, const struct inventory *inv, bool prune, bool dry_run,
                 struct import_result *res)
{
    memset(res, 0, sizeof(*res));
    struct diff d = {.n = inv->count, .res = res, .prune = prune};
    d.sorted = malloc((inv->count + 1) * sizeof(*d.sorted));
    d.seen = calloc(inv->count + 1, sizeof(*d.seen));
    int rc = d.sorted && d.seen ? 0 : -ENOMEM;
    if (!rc && !dry_run)
        rc = store_batch_new(&d.batch);
    if (rc)
        goto out;
    for (size_t i = 0; i < inv->count; i++)
        d.sorted[i] = &inv->cams[i];
    qsort(d.sorted, d.n, sizeof(*d.sorted), by_id);

    rc = store_read_begin(s, &d.r);
    if (rc)
        goto out;
    const void *zones;
    size_t zlen;
    if (store_meta_get(d.r, IMPORT_CENTRAL_KEY, &zones, &zlen) == 0) {
        store_read_end(&d.r);
        rc = -EROFS;
        goto out;
    }
    rc = store_cameras_scan(d.r, NULL, stored_cb, &d);
    if (!rc && dry_run) {
        /* Unit renames are only worth the walk when nothing gets written. */
        rc = store_units_scan(d.r, unit_cb, &d);
    }
    store_read_end(&d.r);
    if (rc)
        goto out;
    for (size_t i = 0; i < d.n; i++) {
        if (d.seen[i])
            continue;
        res->added++;
        if (d.batch) {
            struct store_camera c = to_store(d.sorted[i]);
            if ((rc = store_batch_camera_put(d.batch, &c, d.sorted[i]->unit_name)))
                goto out;
        }
    }
    if (d.batch && store_batch_size(d.batch) > 0) {
        struct store_commit_stats st;
        uint64_t rev = (uint64_t)time(NULL) << 20 ^ (uint64_t)clock();
        if ((rc = store_batch_meta_put(d.batch, IMPORT_REV_KEY, &rev, sizeof(rev))))
            goto out;
        rc = store_batch_commit(s, d.batch, &st, NULL, NULL);
        if (!rc) {
            /* The commit is the truth: the index may have moved since the scan. */
            res->added = st.cameras_added;
            res->changed = st.cameras_changed;
            res->removed = st.cameras_removed;
        }
    }
out:
    store_batch_free(&d.batch);
    free(d.sorted);
    free(d.seen);
    return rc;
}
