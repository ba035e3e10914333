/* Inventory diff and atomic apply; see import.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inventory/import.h"

/* What the scan of the index found for each camera of the file. */
enum mark { M_ADD = 0, M_SAME, M_PUT };

/* The diff holds the file (once) and a byte per camera; the write then
 * walks the file again inside the transaction instead of copying what
 * changed into a batch, which at a million cameras would be a second copy
 * of the inventory. */
struct diff {
    const struct inv_camera **sorted; /* inventory by id */
    uint8_t *mark;                    /* enum mark, parallel to sorted */
    size_t n;
    size_t pos; /* the merge's place in sorted */
    struct import_result *res;
    struct store_read *r;
    bool prune;
    char **gone; /* with prune: ids in the index, not in the file */
    size_t gone_n, gone_cap;
    /* the last unit looked up: files list a unit's cameras together */
    char unit_id[STORE_ID_MAX + 1];
    bool unit_renamed;
};

static int by_id(const void *a, const void *b)
{
    return strcmp((*(const struct inv_camera *const *)a)->id,
                  (*(const struct inv_camera *const *)b)->id);
}

/* The file's rows by id: the order the index keeps them in. */
static const struct inv_camera **sorted_rows(const struct inventory *inv)
{
    const struct inv_camera **v = malloc((inv->count + 1) * sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < inv->count; i++)
        v[i] = &inv->cams[i];
    qsort(v, inv->count, sizeof(*v), by_id);
    return v;
}

/* The index hands its cameras over in id order (byte order, as strcmp
 * orders the file), so matching them to the sorted file is a merge: one
 * comparison a camera instead of a binary search. */
static const struct inv_camera **find(struct diff *d, const char *id)
{
    while (d->pos < d->n && strcmp(d->sorted[d->pos]->id, id) < 0)
        d->pos++;
    if (d->pos < d->n && strcmp(d->sorted[d->pos]->id, id) == 0)
        return &d->sorted[d->pos++];
    return NULL;
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

static int remember_gone(struct diff *d, const char *id)
{
    if (d->gone_n == d->gone_cap) {
        size_t cap = d->gone_cap ? d->gone_cap * 2 : 256;
        char **n = realloc(d->gone, cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        d->gone = n;
        d->gone_cap = cap;
    }
    /* The id lives in the read transaction's pages: copied. */
    if (!(d->gone[d->gone_n] = strdup(id)))
        return -ENOMEM;
    d->gone_n++;
    return 0;
}

static bool unit_renamed(struct diff *d, const struct inv_camera *c)
{
    if (strcmp(d->unit_id, c->unit_id) != 0) {
        struct store_unit u;
        d->unit_renamed =
            store_unit_get(d->r, c->unit_id, &u) == 0 && strcmp(u.name, c->unit_name) != 0;
        snprintf(d->unit_id, sizeof(d->unit_id), "%s", c->unit_id);
    }
    return d->unit_renamed;
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
            return remember_gone(d, cam->id);
        }
        return 0;
    }
    struct store_camera want = to_store(*hit);
    bool changed = !same(cam, &want);
    if (!changed && !unit_renamed(d, *hit)) {
        d->mark[hit - d->sorted] = M_SAME;
        d->res->unchanged++;
        return 0;
    }
    d->mark[hit - d->sorted] = M_PUT;
    d->res->changed += changed;
    return 0;
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

/* Makes the changes the scan found; called again if the map had to grow. */
static int fill(struct store_tx *tx, void *ctx)
{
    struct diff *d = ctx;
    int rc = 0;
    for (size_t i = 0; !rc && i < d->gone_n; i++)
        rc = store_tx_camera_del(tx, d->gone[i]);
    for (size_t i = 0; !rc && i < d->n; i++) {
        if (d->mark[i] == M_SAME)
            continue;
        struct store_camera c = to_store(d->sorted[i]);
        rc = store_tx_camera_put(tx, &c, d->sorted[i]->unit_name);
    }
    uint64_t rev = (uint64_t)time(NULL) << 20 ^ (uint64_t)clock();
    return rc ? rc : store_tx_meta_put(tx, IMPORT_REV_KEY, &rev, sizeof(rev));
}

int import_apply(struct store *s, const struct inventory *inv, bool prune, bool dry_run,
                 struct import_result *res)
{
    memset(res, 0, sizeof(*res));
    struct diff d = {.n = inv->count, .res = res, .prune = prune};
    d.sorted = sorted_rows(inv);
    d.mark = calloc(inv->count + 1, sizeof(*d.mark));
    int rc = d.sorted && d.mark ? 0 : -ENOMEM;
    if (rc)
        goto out;

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
    size_t puts = 0;
    for (size_t i = 0; i < d.n; i++) {
        res->added += d.mark[i] == M_ADD;
        puts += d.mark[i] != M_SAME;
    }
    if (!dry_run && (puts || d.gone_n)) {
        struct store_commit_stats st;
        rc = store_write(s, fill, &d, &st);
        if (!rc) {
            /* The commit is the truth: the index may have moved since the scan. */
            res->added = st.cameras_added;
            res->changed = st.cameras_changed;
            res->removed = st.cameras_removed;
        }
    }
out:
    for (size_t i = 0; i < d.gone_n; i++)
        free(d.gone[i]);
    free(d.gone);
    free(d.sorted);
    free(d.mark);
    return rc;
}

/* ---- the first import: slices into a directory renamed into place ---- */

struct slice {
    const struct inv_camera **sorted;
    size_t lo, hi;
    bool last;
};

static int fill_slice(struct store_tx *tx, void *ctx)
{
    const struct slice *sl = ctx;
    int rc = 0;
    for (size_t i = sl->lo; !rc && i < sl->hi; i++) {
        struct store_camera c = to_store(sl->sorted[i]);
        rc = store_tx_camera_put(tx, &c, sl->sorted[i]->unit_name);
    }
    uint64_t rev = (uint64_t)time(NULL) << 20 ^ (uint64_t)clock();
    return rc || !sl->last ? rc : store_tx_meta_put(tx, IMPORT_REV_KEY, &rev, sizeof(rev));
}

static void remove_index_dir(const char *dir)
{
    char p[4200];
    static const char *const files[] = {"data.mdb", "lock.mdb"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

/* The new index's file takes its place in `dir` unless a file is there
 * already (another process opened the index meanwhile), and the rename is
 * made durable. */
static int move_into_place(const char *tmp, const char *dir)
{
    char from[4200], to[4200];
    snprintf(from, sizeof(from), "%s/data.mdb", tmp);
    snprintf(to, sizeof(to), "%s/data.mdb", dir);
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) != 0)
        return errno == EEXIST ? -EEXIST : -errno;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return 0;
}

static int write_slices(struct store *s, const struct inv_camera **sorted, size_t n,
                        size_t slice_rows, struct import_result *res)
{
    int rc = 0;
    for (size_t lo = 0; !rc && lo < n; lo += slice_rows) {
        struct slice sl = {sorted, lo, lo + slice_rows < n ? lo + slice_rows : n, false};
        sl.last = sl.hi == n;
        struct store_commit_stats st;
        rc = store_write(s, fill_slice, &sl, &st);
        res->added += st.cameras_added;
    }
    return rc ? rc : store_sync(s);
}

int import_fresh(const char *dir, const struct inventory *inv, size_t slice_rows,
                 struct import_result *res)
{
    memset(res, 0, sizeof(*res));
    char tmp[4200], data[4200];
    if (snprintf(tmp, sizeof(tmp), "%s/.import-%ld", dir, (long)getpid()) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    snprintf(data, sizeof(data), "%s/data.mdb", dir);
    struct stat sb;
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return -errno;
    if (stat(data, &sb) == 0 || errno != ENOENT)
        return -EEXIST;
    const struct inv_camera **sorted = sorted_rows(inv);
    if (!sorted)
        return -ENOMEM;
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true; /* nobody sees it before the one sync at the end */
    struct store *s;
    int rc = store_open(tmp, &o, &s);
    if (!rc)
        rc = write_slices(s, sorted, inv->count, slice_rows ? slice_rows : 262144, res);
    store_close(&s);
    free(sorted);
    if (!rc)
        rc = move_into_place(tmp, dir);
    remove_index_dir(tmp);
    if (rc)
        memset(res, 0, sizeof(*res));
    return rc;
}
