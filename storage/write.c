/* store_write: a write transaction whose changes a producer makes in place,
 * for imports too large to record in a batch first (a batch copies every
 * string and holds a fixed-size op per change: at 1,000,000 cameras that is
 * a second and third copy of the inventory). */
#include <errno.h>
#include <string.h>

#include "apply.h"
#include "codec.h"

struct store_tx {
    struct wtxn *t;
};

struct fill_ctx {
    store_fill_cb fill;
    void *ctx;
};

static int run_fill(struct wtxn *t, void *ctx)
{
    struct fill_ctx *f = ctx;
    struct store_tx tx = {t};
    int rc = f->fill(&tx, f->ctx);
    /* The producer's own failure wins; else what LMDB said. */
    return rc ? wtxn_fail(t, rc < 0 ? rc : -ECANCELED) : t->err;
}

int store_write(struct store *s, store_fill_cb fill, void *ctx, struct store_commit_stats *stats)
{
    if (s->read_only)
        return -EROFS;
    struct fill_ctx f = {fill, ctx};
    return commit_run(s, run_fill, &f, stats, NULL, NULL);
}

static int check_str(const char *s, size_t max)
{
    return s && strnlen(s, max + 1) > max ? -ENAMETOOLONG : 0;
}

static int check_id(const char *id)
{
    size_t n = id ? strnlen(id, STORE_ID_MAX + 1) : 0;
    return n == 0 ? -EINVAL : n > STORE_ID_MAX ? -ENAMETOOLONG : 0;
}

int store_tx_camera_put(struct store_tx *tx, const struct store_camera *cam, const char *unit_name)
{
    int rc = check_id(cam->id);
    if (!rc)
        rc = check_id(cam->unit_id);
    const char *texts[] = {cam->name, cam->url, cam->address, cam->tags, unit_name};
    for (size_t i = 0; !rc && i < sizeof(texts) / sizeof(texts[0]); i++)
        rc = check_str(texts[i], STORE_TEXT_MAX);
    if (rc)
        return wtxn_fail(tx->t, rc);
    /* A batch stores NULL texts as "": the same here. */
    struct store_camera c = *cam;
    c.name = c.name ? c.name : "";
    c.url = c.url ? c.url : "";
    c.address = c.address ? c.address : "";
    c.tags = c.tags ? c.tags : "";
    return apply_camera_put(tx->t, &c, unit_name ? unit_name : "");
}

int store_tx_camera_del(struct store_tx *tx, const char *id)
{
    int rc = check_id(id);
    return rc ? wtxn_fail(tx->t, rc) : apply_camera_del(tx->t, id);
}

int store_tx_meta_put(struct store_tx *tx, const char *key, const void *val, size_t len)
{
    if (check_id(key) || (len && !val))
        return wtxn_fail(tx->t, -EINVAL);
    return wtxn_put(tx->t, DB_META, mstr(key), mval(val, len), 0);
}

static int put_day_offset(struct store_tx *tx, void *ctx)
{
    uint8_t buf[4];
    be32_put(buf, (uint32_t) * (const int32_t *)ctx);
    return store_tx_meta_put(tx, "day_offset", buf, sizeof(buf));
}

int store_day_zone_set(struct store *s, int32_t offset_s, int32_t *was)
{
    if (was)
        *was = s->day_offset_s;
    if (s->day_offset_s == offset_s)
        return 0;
    struct store_commit_stats st;
    int rc = store_write(s, put_day_offset, &offset_s, &st);
    if (!rc)
        s->day_offset_s = offset_s;
    return rc;
}
