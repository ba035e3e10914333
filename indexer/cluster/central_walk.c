/* Cameras removed at a zone's prober leave the central too; see
 * central_walk.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cluster/central_walk.h"

static void reset(struct central_walk *w, int64_t walk)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->ids[i]);
    w->n = 0;
    w->walk = walk;
}

void central_walk_free(struct central_walk *w)
{
    reset(w, 0);
    free(w->ids);
    memset(w, 0, sizeof(*w));
}

static int cmp_ids(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct drop_ctx {
    struct central_walk *w;
    struct store_batch *b;
    size_t dropped;
    int err;
};

static int on_camera(const struct store_camera *cam, const struct store_health *h, void *ctx)
{
    (void)h;
    struct drop_ctx *d = ctx;
    const char *key = cam->id;
    if (bsearch(&key, d->w->ids, d->w->n, sizeof(*d->w->ids), cmp_ids))
        return 0;
    if ((d->err = store_batch_camera_del(d->b, cam->id)))
        return -1;
    d->dropped++;
    return 0;
}

static int finish(struct central_walk *w, const struct wire_msg *m, struct store_read *r,
                  struct store_batch *b, const char *zone, size_t *dropped)
{
    if (w->n != m->walk_total) {
        /* Part of the walk is missing (begun before this central ran, or a
         * message refused): nothing can be known to be gone. */
        char got[24], want[24];
        snprintf(got, sizeof(got), "%zu", w->n);
        snprintf(want, sizeof(want), "%u", m->walk_total);
        log_kv(LEVEL_INFO, "cluster: an inventory walk not received whole drops nothing", "zone",
               zone, "received", got, "walk", want, NULL);
        return 0;
    }
    qsort(w->ids, w->n, sizeof(*w->ids), cmp_ids);
    struct store_filter f = {.zone = zone, .state = -1};
    struct drop_ctx d = {.w = w, .b = b};
    int rc = store_cameras_scan(r, &f, on_camera, &d);
    if (d.err)
        return d.err;
    if (rc < 0)
        return rc;
    *dropped = d.dropped;
    if (d.dropped) {
        char n[24];
        snprintf(n, sizeof(n), "%zu", d.dropped);
        log_kv(LEVEL_INFO, "cluster: cameras removed at the zone's prober dropped", "zone", zone,
               "cameras", n, NULL);
    }
    return 0;
}

int central_walk_add(struct central_walk *w, const struct wire_msg *m, struct store_read *r,
                     struct store_batch *b, const char *zone, size_t *dropped)
{
    *dropped = 0;
    if (m->kind != WIRE_CAMERAS || !m->walk)
        return 0; /* an older prober's inventory: no walk, nothing dropped */
    if (m->walk != w->walk)
        reset(w, m->walk);
    if (w->n + m->n > w->cap) {
        size_t cap = w->cap ? w->cap : 1024;
        while (cap < w->n + m->n)
            cap *= 2;
        char **ids = realloc(w->ids, cap * sizeof(*ids));
        if (!ids)
            return -ENOMEM;
        w->ids = ids;
        w->cap = cap;
    }
    for (size_t i = 0; i < m->n; i++) {
        if (!(w->ids[w->n] = strdup(m->cam[i].cam.id)))
            return -ENOMEM;
        w->n++;
    }
    int rc = m->walk_end ? finish(w, m, r, b, zone, dropped) : 0;
    if (m->walk_end)
        reset(w, 0);
    return rc;
}
