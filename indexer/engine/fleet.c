/* In-memory fleet; see fleet.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/fleet.h"
#include "engine/slot_pool.h"
#include "url.h"

struct chunk {
    struct chunk *next;
    size_t used, cap;
    char data[];
};

/* Tables of a million cameras are hundreds of megabytes. Asked for in huge
 * pages, they fault in 2 MiB at a time instead of 4 KiB: a start-up at
 * 1,000,000 cameras spent a third of its time in page faults and TLB
 * flushes. calloc hands large blocks over from the kernel already zeroed,
 * so nothing is written twice. Freed with free(). */
static void *table_alloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    const uintptr_t huge = (uintptr_t)1 << 21;
    if (p && n * size >= 2 * huge) {
        uintptr_t from = ((uintptr_t)p + huge - 1) & ~(huge - 1);
        uintptr_t to = ((uintptr_t)p + n * size) & ~(huge - 1);
        if (to > from)
            (void)madvise((void *)from, to - from, MADV_HUGEPAGE); /* advice only */
    }
    return p;
}

static char *arena_strdup(struct fleet *f, const char *s)
{
    size_t n = strlen(s) + 1;
    struct chunk *c = f->arena;
    if (!c || c->cap - c->used < n) {
        size_t want = f->arena_chunk ? f->arena_chunk : 65536;
        size_t cap = n > want ? n : want;
        c = table_alloc(1, sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->next = f->arena;
        c->used = 0;
        c->cap = cap;
        f->arena = c;
    }
    char *p = c->data + c->used;
    memcpy(p, s, n);
    c->used += n;
    return p;
}

static uint64_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

uint32_t fleet_offset(const char *id, uint32_t interval_ms)
{
    /* A second mixing round: GB/T 28181 ids differ mostly in their last
     * digits, and offsets must not cluster. */
    uint64_t h = hash_id(id);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return interval_ms ? (uint32_t)(h % interval_ms) : 0;
}

uint32_t fleet_spread(size_t index, size_t count, uint32_t interval_ms)
{
    /* In key order, not by a hash of the id: the probes of one commit's
     * window are then neighbours in the index, so the commit rewrites a
     * few pages of health records instead of one page a camera (spread by
     * hash, a commit of 1,700 updates at 200,000 cameras touched most of
     * the health table's leaves; the writer's share of the service's CPU
     * grew with the fleet). */
    return count ? (uint32_t)((uint64_t)index * interval_ms / count) : 0;
}

struct cam *fleet_find(const struct fleet *f, const char *id)
{
    if (!f->nslots)
        return NULL;
    for (size_t j = hash_id(id) & (f->nslots - 1);; j = (j + 1) & (f->nslots - 1)) {
        uint32_t v = f->slots[j];
        if (!v)
            return NULL;
        if (strcmp(f->cams[v - 1].id, id) == 0)
            return &f->cams[v - 1];
    }
}

/* Host strings are interned so the per-host counters can key on them.
 * Hosts repeat (one NVR, many channels): a linear probe over a hash, sized
 * at load for one host a camera, so it never grows. */
static const char *intern_host(struct fleet *f, const char *host, const char **hosts,
                               size_t cap)
{
    size_t j = hash_id(host) & (cap - 1);
    while (hosts[j]) {
        if (strcmp(hosts[j], host) == 0)
            return hosts[j];
        j = (j + 1) & (cap - 1);
    }
    return hosts[j] = arena_strdup(f, host);
}

struct load_ctx {
    struct fleet *f;
    size_t cap;
    const char **hosts;
    size_t hosts_cap;
    /* Large (it holds every part of a URL): one a load, off the stack of
     * the callback, and not static, since reloads load on a worker. */
    struct probe_url *url;
};

static int load_cb(const struct store_camera *c, const struct store_health *h, void *ctx)
{
    struct load_ctx *l = ctx;
    struct fleet *f = l->f;
    /* The count and the scan come from one read transaction. */
    if (f->count == l->cap)
        return -EIO;
    struct cam *cam = &f->cams[f->count]; /* zeroed by table_alloc */
    cam->id = arena_strdup(f, c->id);
    cam->url = arena_strdup(f, c->url);
    cam->unit_id = arena_strdup(f, c->unit_id);
    if (!cam->id || !cam->url || !cam->unit_id)
        return -ENOMEM;
    struct probe_url *u = l->url;
    if (probe_url_parse(c->url, u) == 0) {
        cam->kind = probe_url_tier(u) == PROBE_TIER_1 ? CAM_RTSP : CAM_DEEP;
        cam->port = u->port;
        cam->host = intern_host(f, u->host, l->hosts, l->hosts_cap);
        if (!cam->host)
            return -ENOMEM;
    } else {
        cam->kind = CAM_INVALID;
        cam->host = "";
    }
    memset(u->password, 0, sizeof(u->password));
    cam->expect_w = c->width;
    cam->expect_h = c->height;
    cam->expect_fps = c->fps;
    /* A sweep starts these first (see queue_fleet in monitor.c). */
    cam->slow_last = h->latency_us >= 1000000;
    cam->seen_w = h->media.width;
    cam->seen_h = h->media.height;
    health_mem_from_store(&cam->mem, h);
    f->count++;
    return 0;
}

/* Everything sized once from the count: the camera table, the host table
 * (at most one host a camera, kept under half full), the id lookup and the
 * heap. A fleet grown by doubling copied and faulted its table ~20 times
 * over at a million cameras. */
static int fleet_alloc(struct fleet *f, struct load_ctx *l, size_t n)
{
    l->cap = n;
    l->hosts_cap = 1024;
    while (l->hosts_cap < n * 2)
        l->hosts_cap *= 2;
    f->nslots = l->hosts_cap;
    /* ~110 bytes of strings a camera: chunks of up to 4 MiB. */
    f->arena_chunk = n * 128 < 65536 ? 65536 : n * 128 > (4u << 20) ? (4u << 20) : n * 128;
    f->cams = table_alloc(n, sizeof(*f->cams));
    l->hosts = table_alloc(l->hosts_cap, sizeof(*l->hosts));
    f->slots = table_alloc(f->nslots, sizeof(*f->slots));
    f->heap = table_alloc(n + 1, sizeof(*f->heap));
    l->url = malloc(sizeof(*l->url));
    return f->cams && l->hosts && f->slots && f->heap && l->url ? 0 : -ENOMEM;
}

int fleet_load(struct fleet *f, struct store *s)
{
    memset(f, 0, sizeof(*f));
    struct load_ctx l = {.f = f};
    struct store_read *r;
    int rc = store_read_begin(s, &r);
    if (rc)
        return rc;
    uint64_t n = 0;
    rc = store_cameras_count(r, &n);
    if (!rc && n >= UINT32_MAX)
        rc = -EFBIG; /* heap entries and the id lookup hold 32-bit indexes */
    if (!rc)
        rc = fleet_alloc(f, &l, (size_t)n);
    if (!rc)
        rc = store_cameras_scan(r, NULL, load_cb, &l);
    store_read_end(&r);
    free(l.hosts); /* the strings stay in the arena */
    free(l.url);
    if (rc) {
        fleet_free(f);
        return rc;
    }
    for (size_t i = 0; i < f->count; i++) {
        size_t j = hash_id(f->cams[i].id) & (f->nslots - 1);
        while (f->slots[j])
            j = (j + 1) & (f->nslots - 1);
        f->slots[j] = (uint32_t)i + 1;
    }
    return 0;
}

void fleet_match(const struct fleet *next, const struct fleet *old, uint32_t *old_of)
{
    for (size_t i = 0; i < next->count; i++) {
        const struct cam *was = fleet_find(old, next->cams[i].id);
        old_of[i] = was ? (uint32_t)(was - old->cams) + 1 : 0;
    }
}

static void memo_release(struct fleet *f, uint8_t *m)
{
    if (!m)
        return;
    size_t len = (size_t)m[0] | (size_t)m[1] << 8;
    if (2 + len > FLEET_MEMO_SLOT)
        free(m);
    else
        slot_pool_put(f->memos, m);
}

void cam_set_auth_memo(struct fleet *f, struct cam *c, const uint8_t *memo, size_t len)
{
    size_t old = c->auth_memo ? (size_t)c->auth_memo[0] | (size_t)c->auth_memo[1] << 8 : 0;
    if (len == old && (len == 0 || memcmp(c->auth_memo + 2, memo, len) == 0))
        return; /* the usual case: the same nonce, or still none */
    c->memo_dirty = true;
    if (len == 0 || len > UINT16_MAX || !f->memos) {
        memo_release(f, c->auth_memo);
        c->auth_memo = NULL;
        return;
    }
    /* Same size class: overwrite in place (a new nonce, a new count). */
    bool small = 2 + len <= FLEET_MEMO_SLOT, was_small = 2 + old <= FLEET_MEMO_SLOT;
    uint8_t *m = c->auth_memo && (small ? was_small : len == old)
                     ? c->auth_memo
                     : (small ? slot_pool_get(f->memos) : malloc(2 + len));
    if (!m)
        return;
    if (m != c->auth_memo)
        memo_release(f, c->auth_memo);
    m[0] = (uint8_t)len;
    m[1] = (uint8_t)(len >> 8);
    memcpy(m + 2, memo, len);
    c->auth_memo = m;
}

const uint8_t *cam_auth_memo(const struct cam *c, size_t *len)
{
    if (!c->auth_memo) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)c->auth_memo[0] | (size_t)c->auth_memo[1] << 8;
    return c->auth_memo + 2;
}

static int hint_cb(const char *id, const void *hint, size_t len, void *ctx)
{
    struct fleet *f = ctx;
    struct cam *c = fleet_find(f, id);
    if (c) {
        cam_set_auth_memo(f, c, hint, len);
        c->memo_dirty = false; /* it is the index's */
    }
    return 0;
}

int fleet_load_auth_hints(struct fleet *f, struct store *s)
{
    if (!f->memos)
        return 0;
    struct store_read *r;
    int rc = store_read_begin(s, &r);
    if (rc)
        return rc;
    rc = store_auth_hints_scan(r, hint_cb, f);
    store_read_end(&r);
    return rc;
}

int fleet_save_auth_hints(const struct fleet *f, struct store_batch *b)
{
    for (size_t i = 0; i < f->count; i++) {
        if (!f->cams[i].memo_dirty)
            continue;
        size_t len;
        const uint8_t *memo = cam_auth_memo(&f->cams[i], &len);
        int rc = store_batch_auth_hint_put(b, f->cams[i].id, memo, len);
        if (rc)
            return rc;
    }
    return 0;
}

void fleet_free(struct fleet *f)
{
    for (size_t i = 0; i < f->count; i++)
        memo_release(f, f->cams[i].auth_memo);
    struct chunk *c = f->arena;
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(f->cams);
    free(f->slots);
    free(f->heap);
    memset(f, 0, sizeof(*f));
}

/* A camera already queued keeps its place: its entry's due time is the one
 * it was queued with. */
void heap_push(struct fleet *f, uint32_t cam)
{
    if (f->cams[cam].queued)
        return;
    f->cams[cam].queued = true;
    struct heap_ent e = {f->cams[cam].due, cam};
    size_t i = f->heap_n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (e.due >= f->heap[parent].due)
            break;
        f->heap[i] = f->heap[parent];
        i = parent;
    }
    f->heap[i] = e;
}

/* Moves `e` from the hole at `i` to where it belongs (up or down). */
static void heap_place(struct fleet *f, size_t i, struct heap_ent e)
{
    while (i > 0 && e.due < f->heap[(i - 1) / 2].due) {
        f->heap[i] = f->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    size_t n = f->heap_n;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        int64_t md = e.due;
        if (l < n && f->heap[l].due < md)
            m = l, md = f->heap[l].due;
        if (l + 1 < n && f->heap[l + 1].due < md)
            m = l + 1;
        if (m == i)
            break;
        f->heap[i] = f->heap[m];
        i = m;
    }
    f->heap[i] = e;
}

uint32_t heap_pop(struct fleet *f)
{
    uint32_t top = f->heap[0].cam;
    f->cams[top].queued = false;
    struct heap_ent last = f->heap[--f->heap_n];
    if (f->heap_n)
        heap_place(f, 0, last);
    return top;
}

/* A linear search for the entry: removals come only from probes on demand
 * (a few a minute at most), and keeping every camera's heap position up to
 * date would cost each sift a write into the camera table, the cache misses
 * the entries' due times are there to avoid. 43,000 entries scan in ~20 µs. */
void heap_remove(struct fleet *f, uint32_t cam)
{
    if (!f->cams[cam].queued)
        return;
    size_t i = 0;
    while (i < f->heap_n && f->heap[i].cam != cam)
        i++;
    if (i == f->heap_n)
        return; /* cannot happen while `queued` is kept right */
    f->cams[cam].queued = false;
    struct heap_ent last = f->heap[--f->heap_n];
    if (i < f->heap_n)
        heap_place(f, i, last);
}

int64_t heap_top_due(const struct fleet *f)
{
    return f->heap_n ? f->heap[0].due : INT64_MAX;
}
