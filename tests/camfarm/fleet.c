/* Fleet loading (inventory CSV through libcsv, fleet file), string
 * interning and camera lookups. */
#include "fleet.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "clip.h"
#include "stream_url.h"

/* ---- string table ---- */

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a: short keys, good enough spread */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static uint32_t hash_u32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    return x ^ (x >> 16);
}

static int strtab_grow_slots(struct strtab *t)
{
    size_t n = t->nslots ? t->nslots * 2 : 1024;
    uint32_t *s = calloc(n, sizeof(*s));
    if (!s)
        return -ENOMEM;
    for (size_t i = 0; i < t->nslots; i++) {
        if (!t->slots[i])
            continue;
        const char *str = t->buf + t->slots[i] - 1;
        size_t j = hash_bytes(str, strlen(str)) & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = s;
    t->nslots = n;
    return 0;
}

/* Returns the offset of an interned copy of s[0..n), or negative errno.
 * Offset 0 is always "". */
static int64_t strtab_intern(struct strtab *t, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if ((t->used + 1) * 2 > t->nslots && strtab_grow_slots(t) < 0)
        return -ENOMEM;
    size_t j = hash_bytes(s, n) & (t->nslots - 1);
    while (t->slots[j]) {
        const char *cand = t->buf + t->slots[j] - 1;
        if (strncmp(cand, s, n) == 0 && cand[n] == 0)
            return t->slots[j] - 1;
        j = (j + 1) & (t->nslots - 1);
    }
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap * 2 > t->len + n + 1 ? t->cap * 2 : t->len + n + 1 + 4096;
        if (cap > UINT32_MAX)
            return -E2BIG;
        char *b = realloc(t->buf, cap);
        if (!b)
            return -ENOMEM;
        t->buf = b;
        t->cap = cap;
    }
    uint32_t off = (uint32_t)t->len;
    memcpy(t->buf + off, s, n);
    t->buf[off + n] = 0;
    t->len += n + 1;
    t->slots[j] = off + 1;
    t->used++;
    return off;
}

const char *fleet_str(const struct fleet *f, uint32_t off)
{
    return f->str.buf + off;
}

void fleet_init(struct fleet *f)
{
    memset(f, 0, sizeof(*f));
}

void fleet_free(struct fleet *f)
{
    free(f->cams);
    free(f->str.buf);
    free(f->str.slots);
    free(f->by_ip);
    free(f->by_id);
    memset(f, 0, sizeof(*f));
}

/* ---- URLs ---- */

static int pct_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            c = (char)strtol(hex, NULL, 16);
            i += 2;
        }
        if (o + 1 >= cap)
            return -ENAMETOOLONG;
        out[o++] = c;
    }
    out[o] = 0;
    return 0;
}

int fleet_parse_url(const char *url, char *user, size_t ulen, char *pass, size_t plen, uint32_t *ip,
                    uint16_t *port, const char **path)
{
    /* The three schemes camfarm serves have names of the same length. */
    if (strncasecmp(url, "rtsp://", 7) != 0 && strncasecmp(url, "http://", 7) != 0 &&
        strncasecmp(url, "rtmp://", 7) != 0)
        return -EINVAL;
    const char *auth = url + 7;
    const char *slash = strchr(auth, '/');
    const char *hostend = slash ? slash : auth + strlen(auth);
    const char *at = NULL;
    for (const char *p = auth; p < hostend; p++)
        if (*p == '@')
            at = p; /* the last '@' ends userinfo: passwords may contain '@' */
    const char *host = auth;
    user[0] = pass[0] = 0;
    if (at) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        const char *uend = colon ? colon : at;
        if (pct_decode(auth, (size_t)(uend - auth), user, ulen) < 0)
            return -EINVAL;
        if (colon && pct_decode(colon + 1, (size_t)(at - colon - 1), pass, plen) < 0)
            return -EINVAL;
        host = at + 1;
    }
    unsigned a, b, c, d, prt = 554;
    int n = 0;
    if (sscanf(host, "%3u.%3u.%3u.%3u%n", &a, &b, &c, &d, &n) != 4 || a > 255 || b > 255 ||
        c > 255 || d > 255)
        return -EINVAL;
    const char *p = host + n;
    if (*p == ':') {
        char *end;
        prt = (unsigned)strtoul(p + 1, &end, 10);
        if (end == p + 1 || prt == 0 || prt > 65535)
            return -EINVAL;
        p = end;
    }
    if (p != hostend)
        return -EINVAL;
    *ip = (a << 24) | (b << 16) | (c << 8) | d;
    *port = (uint16_t)prt;
    *path = slash ? slash : "/";
    return 0;
}

/* ---- lookups ---- */

static int build_index(struct fleet *f)
{
    size_t n = 1;
    while (n < (size_t)f->count * 2 + 2)
        n <<= 1;
    free(f->by_ip);
    free(f->by_id);
    f->by_ip = calloc(n, sizeof(uint32_t));
    f->by_id = calloc(n, sizeof(uint32_t));
    if (!f->by_ip || !f->by_id)
        return -ENOMEM;
    f->nslots = n;
    for (uint32_t i = 0; i < f->count; i++) {
        const struct cam *c = &f->cams[i];
        if (c->ip) {
            size_t j = hash_u32(c->ip) & (n - 1);
            while (f->by_ip[j] && f->cams[f->by_ip[j] - 1].ip != c->ip)
                j = (j + 1) & (n - 1);
            if (!f->by_ip[j])
                f->by_ip[j] = i + 1; /* the first camera with an address owns it */
        }
        const char *id = fleet_str(f, c->id);
        size_t j = hash_bytes(id, strlen(id)) & (n - 1);
        while (f->by_id[j] && f->cams[f->by_id[j] - 1].id != c->id)
            j = (j + 1) & (n - 1);
        if (!f->by_id[j])
            f->by_id[j] = i + 1;
    }
    return 0;
}

int fleet_by_ip(const struct fleet *f, uint32_t ip)
{
    if (!f->nslots || !ip)
        return -ENOENT;
    size_t j = hash_u32(ip) & (f->nslots - 1);
    while (f->by_ip[j]) {
        if (f->cams[f->by_ip[j] - 1].ip == ip)
            return (int)f->by_ip[j] - 1;
        j = (j + 1) & (f->nslots - 1);
    }
    return -ENOENT;
}

int fleet_by_id(const struct fleet *f, const char *id, size_t len)
{
    if (!f->nslots)
        return -ENOENT;
    size_t j = hash_bytes(id, len) & (f->nslots - 1);
    while (f->by_id[j]) {
        const char *cand = fleet_str(f, f->cams[f->by_id[j] - 1].id);
        if (strncmp(cand, id, len) == 0 && cand[len] == 0)
            return (int)f->by_id[j] - 1;
        j = (j + 1) & (f->nslots - 1);
    }
    return -ENOENT;
}

int fleet_resolve(const struct fleet *f, const char *ref)
{
    int i = fleet_by_id(f, ref, strlen(ref));
    if (i >= 0)
        return i;
    if (ref[0] == '#' && ref[1]) {
        char *end;
        unsigned long n = strtoul(ref + 1, &end, 10);
        if (!*end && n >= 1 && n <= f->count)
            return (int)(n - 1);
    }
    return -ENOENT;
}

/* ---- CSV ---- */

struct csv_ctx {
    struct fleet *f;
    const struct fleet_defaults *d;
    const char *path;
    char *err;
    size_t errlen;
    int rc;
    long row;
    int col;
    int col_id, col_url, col_res, col_fps;
    char id[FLEET_FIELD_MAX];
    char url[FLEET_FIELD_MAX];
    char res[32], fps[16]; /* "" when the row gives none */
    bool have_id, have_url;
};

/* A short optional column ("resolution", "fps") into dst; longer values
 * are malformed anyway and are cut so that parse_expect names them. */
static void keep_short(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

static void on_field(void *s, size_t n, void *data)
{
    struct csv_ctx *x = data;
    const char *str = s;
    if (x->rc)
        return;
    if (x->row == 0) {
        /* Header: a UTF-8 BOM may precede the first name. */
        if (x->col == 0 && n >= 3 && memcmp(str, "\xef\xbb\xbf", 3) == 0)
            str += 3, n -= 3;
        if (n == 2 && memcmp(str, "id", 2) == 0)
            x->col_id = x->col;
        if (n == 3 && memcmp(str, "url", 3) == 0)
            x->col_url = x->col;
        if (n == 10 && memcmp(str, "resolution", 10) == 0)
            x->col_res = x->col;
        if (n == 3 && memcmp(str, "fps", 3) == 0)
            x->col_fps = x->col;
    } else if (x->col == x->col_res) {
        keep_short(x->res, sizeof(x->res), str, n);
    } else if (x->col == x->col_fps) {
        keep_short(x->fps, sizeof(x->fps), str, n);
    } else if (x->col == x->col_id || x->col == x->col_url) {
        char *dst = x->col == x->col_id ? x->id : x->url;
        if (n >= FLEET_FIELD_MAX) {
            snprintf(x->err, x->errlen, "%s:%ld: column \"%s\" longer than %d bytes", x->path,
                     x->row + 1, x->col == x->col_id ? "id" : "url", FLEET_FIELD_MAX - 1);
            x->rc = -EMSGSIZE;
            return;
        }
        memcpy(dst, str, n);
        dst[n] = 0;
        if (x->col == x->col_id)
            x->have_id = true;
        else
            x->have_url = true;
    }
    x->col++;
}

/* The row's expected picture size and rate (0 when not given). Returns 0,
 * or -EINVAL with the message in x->err. */
static int parse_expect(struct csv_ctx *x, unsigned *w, unsigned *h, unsigned *fps)
{
    char *end;
    *w = *h = *fps = 0;
    if (x->res[0]) {
        unsigned long a = strtoul(x->res, &end, 10), b = 0;
        bool ok = end != x->res && (*end == 'x' || *end == 'X');
        if (ok) {
            const char *p = end + 1;
            b = strtoul(p, &end, 10);
            ok = end != p && !*end && a > 0 && a <= 16384 && b > 0 && b <= 16384;
        }
        if (!ok) {
            snprintf(x->err, x->errlen,
                     "%s:%ld: column \"resolution\": \"%s\" is not WIDTHxHEIGHT (e.g. 1920x1080)",
                     x->path, x->row + 1, x->res);
            return -EINVAL;
        }
        *w = (unsigned)a;
        *h = (unsigned)b;
    }
    if (x->fps[0]) {
        unsigned long r = strtoul(x->fps, &end, 10);
        if (end == x->fps || *end || r == 0 || r > 120) {
            snprintf(x->err, x->errlen, "%s:%ld: column \"fps\": \"%s\" is not a frame rate 1..120",
                     x->path, x->row + 1, x->fps);
            return -EINVAL;
        }
        *fps = (unsigned)r;
    }
    return 0;
}

/* The clip camera `idx` streams. A row that names its picture size gets a
 * healthy clip of that size (and rate): the inventory says what the camera
 * streams, as in the field; a tenth of the cameras of a size with an H.265
 * clip stream that. A row without one gets 640x360 (a tenth H.265, a tenth
 * 720p). `*unmatched` tells that the row asked for what no clip has. */
static int pick_clip(const struct csv_ctx *x, uint32_t idx, unsigned w, unsigned h,
                     unsigned fps, bool *unmatched)
{
    const struct fleet_defaults *d = x->d;
    uint32_t r = (uint32_t)(fault_hash(d->seed, idx, 1) % 100);
    int clip = d->clip_normal;
    if (r < 10 && d->clip_h265 >= 0)
        clip = d->clip_h265;
    else if (r < 20 && d->clip_hd >= 0)
        clip = d->clip_hd;
    *unmatched = false;
    if (!w && !fps)
        return clip;
    int h264 = -1, h265 = -1;
    for (int i = 0; d->clips && i < d->nhealthy; i++) {
        const struct clip *k = &d->clips->clips[d->healthy[i]];
        if ((w && ((unsigned)k->width != w || (unsigned)k->height != h)) ||
            (fps && (unsigned)k->fps != fps))
            continue;
        if (k->codec == CLIP_H265 && h265 < 0)
            h265 = d->healthy[i];
        if (k->codec == CLIP_H264 && h264 < 0)
            h264 = d->healthy[i];
    }
    if (h264 < 0 && h265 < 0) {
        *unmatched = true;
        return clip;
    }
    if (h265 >= 0 && (h264 < 0 || r < 10))
        return h265;
    return h264;
}

static int add_camera(struct csv_ctx *x)
{
    struct fleet *f = x->f;
    char user[256], pass[256];
    uint32_t ip;
    uint16_t port;
    const char *path;
    int proto = stream_url_proto(x->url);
    if (proto < 0 && strstr(x->url, "://")) {
        f->skipped++; /* https, rtsps...: not simulated */
        return 0;
    }
    unsigned want_w, want_h, want_fps;
    if (parse_expect(x, &want_w, &want_h, &want_fps) < 0)
        return -EINVAL;
    if (fleet_parse_url(x->url, user, sizeof(user), pass, sizeof(pass), &ip, &port, &path) < 0) {
        snprintf(x->err, x->errlen,
                 "%s:%ld: column \"url\": not rtsp://[user:pass@]A.B.C.D[:port]/path, "
                 "http://A.B.C.D[:port]/PATH.m3u8|.flv or rtmp://A.B.C.D[:port]/APP/STREAM "
                 "(camfarm serves cameras on 127.x.y.z addresses only)",
                 x->path, x->row + 1);
        return -EINVAL;
    }
    if (f->count == FLEET_MAX_CAMERAS) {
        snprintf(x->err, x->errlen, "%s: more than %u cameras", x->path, FLEET_MAX_CAMERAS);
        return -E2BIG;
    }
    if (f->count == f->cap) {
        uint32_t cap = f->cap ? f->cap * 2 : 1024;
        struct cam *c = realloc(f->cams, cap * sizeof(*c));
        if (!c)
            return -ENOMEM;
        f->cams = c;
        f->cap = cap;
    }
    struct cam *c = &f->cams[f->count];
    memset(c, 0, sizeof(*c));
    int64_t id = strtab_intern(&f->str, x->id, strlen(x->id));
    int64_t p = strtab_intern(&f->str, path, strlen(path));
    int64_t u = strtab_intern(&f->str, user, strlen(user));
    int64_t pw = strtab_intern(&f->str, pass, strlen(pass));
    if (id < 0 || p < 0 || u < 0 || pw < 0)
        return -ENOMEM;
    c->id = (uint32_t)id;
    c->path = (uint32_t)p;
    c->user = (uint32_t)u;
    c->pass = (uint32_t)pw;
    /* Only loopback addresses may be impersonated; others use /cam/N/. */
    c->ip = (ip >> 24) == 127 ? ip : 0;
    c->vendor = strstr(path, "/cam/realmonitor") ? VENDOR_DAHUA : VENDOR_HIK;
    c->proto = (uint8_t)(proto < 0 ? PROTO_RTSP : proto);
    c->auth = user[0] ? AUTH_DIGEST : AUTH_NONE;
    c->max_sessions = x->d->max_sessions;
    uint32_t idx = f->count;
    c->mode = (uint8_t)fault_pick(&x->d->mix, x->d->seed, idx);
    c->arg = fault_default_arg(c->mode);
    bool unmatched;
    c->clip = (uint8_t)pick_clip(x, idx, want_w, want_h, want_fps, &unmatched);
    f->unmatched += unmatched;
    f->count++;
    return 0;
}

static void on_row(int ch, void *data)
{
    struct csv_ctx *x = data;
    (void)ch;
    if (x->rc)
        return;
    if (x->row == 0) {
        if (x->col_id < 0 || x->col_url < 0) {
            snprintf(
                x->err, x->errlen,
                "%s:1: header must name columns \"id\" and \"url\" (is this an inventory CSV?)",
                x->path);
            x->rc = -EINVAL;
        }
    } else if (x->col > 1 || x->have_id) {
        if (!x->have_id || !x->have_url || !x->id[0]) {
            snprintf(x->err, x->errlen, "%s:%ld: row lacks column \"%s\"", x->path, x->row + 1,
                     !x->have_id || !x->id[0] ? "id" : "url");
            x->rc = -EINVAL;
        } else {
            x->rc = add_camera(x);
        }
    }
    x->row++;
    x->col = 0;
    x->have_id = x->have_url = false;
    x->res[0] = x->fps[0] = 0;
}

int fleet_load_csv(struct fleet *f, const char *path, const struct fleet_defaults *d, char *err,
                   size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(fp);
        return -ENOMEM;
    }
    csv_set_blk_size(&p, 64 * 1024);
    struct csv_ctx *x = calloc(1, sizeof(*x));
    if (!x) {
        csv_free(&p);
        fclose(fp);
        return -ENOMEM;
    }
    *x = (struct csv_ctx){
        .f = f, .d = d, .path = path, .err = err, .errlen = errlen, .col_id = -1, .col_url = -1,
                     .col_res = -1, .col_fps = -1};
    if (!f->str.buf) {
        /* Offset 0 is the empty string, so a zeroed record reads as "". */
        if (!(f->str.buf = calloc(1, 4096)))
            x->rc = -ENOMEM;
        f->str.len = 1;
        f->str.cap = 4096;
    }
    char buf[65536];
    size_t n;
    while (!x->rc && (n = fread(buf, 1, sizeof(buf), fp)) > 0) {
        if (csv_parse(&p, buf, n, on_field, on_row, x) != n && !x->rc) {
            snprintf(err, errlen, "%s:%ld: %s", path, x->row + 1, csv_strerror(csv_error(&p)));
            x->rc = -EINVAL;
        }
    }
    if (!x->rc)
        csv_fini(&p, on_field, on_row, x);
    if (!x->rc && f->count == 0) {
        snprintf(err, errlen, "%s: no cameras (header only?)", path);
        x->rc = -EINVAL;
    }
    int rc = x->rc ? x->rc : build_index(f);
    csv_free(&p);
    fclose(fp);
    free(x);
    return rc;
}

/* ---- fleet file ---- */

int fleet_apply_option(struct fleet *f, struct cam *c, const char *kv, const struct clip_set *clips)
{
    const char *eq = strchr(kv, '=');
    if (!eq)
        return -EINVAL;
    size_t klen = (size_t)(eq - kv);
    const char *v = eq + 1;
    char *end;
    if (klen == 4 && strncmp(kv, "clip", 4) == 0) {
        int i = clips ? clip_find(clips, v) : -ENOENT;
        if (i < 0)
            return -ENOENT;
        c->clip = (uint8_t)i;
    } else if (klen == 4 && strncmp(kv, "auth", 4) == 0) {
        if (strcmp(v, "none") == 0)
            c->auth = AUTH_NONE;
        else if (strcmp(v, "basic") == 0)
            c->auth = AUTH_BASIC;
        else if (strcmp(v, "digest") == 0)
            c->auth = AUTH_DIGEST;
        else
            return -EINVAL;
    } else if (klen == 8 && strncmp(kv, "sessions", 8) == 0) {
        unsigned long n = strtoul(v, &end, 10);
        if (end == v || *end || n > 255)
            return -EINVAL;
        c->max_sessions = (uint8_t)n;
    } else if (klen == 3 && strncmp(kv, "udp", 3) == 0) {
        if (strcmp(v, "1") == 0)
            c->flags |= CAM_UDP;
        else if (strcmp(v, "0") == 0)
            c->flags &= (uint8_t)~CAM_UDP;
        else
            return -EINVAL;
    } else if (klen == 6 && strncmp(kv, "vendor", 6) == 0) {
        if (strcmp(v, "hikvision") == 0)
            c->vendor = VENDOR_HIK;
        else if (strcmp(v, "dahua") == 0)
            c->vendor = VENDOR_DAHUA;
        else
            return -EINVAL;
    } else {
        return -EINVAL;
    }
    (void)f;
    return 0;
}

int fleet_load_modes(struct fleet *f, const char *path, const struct clip_set *clips, char *err,
                     size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    char line[1024];
    int line_no = 0, rc = 0;
    while (!rc && fgets(line, sizeof(line), fp)) {
        line_no++;
        char *save = NULL, *tok[16];
        int n = 0;
        for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 16;
             t = strtok_r(NULL, " \t\r\n", &save)) {
            /* "#N" names a camera; any other word starting with '#' opens a comment. */
            if (t[0] == '#' && !isdigit((unsigned char)t[1]))
                break;
            tok[n++] = t;
        }
        if (n == 0)
            continue;
        if (n < 2) {
            snprintf(err, errlen, "%s:%d: expected \"CAMERA MODE [ARG] [key=value...]\"", path,
                     line_no);
            rc = -EINVAL;
            break;
        }
        int ci = fleet_resolve(f, tok[0]);
        if (ci < 0) {
            snprintf(err, errlen, "%s:%d: camera \"%s\" is not in the inventory (use its id or #N)",
                     path, line_no, tok[0]);
            rc = -ENOENT;
            break;
        }
        int m = fault_from_name(tok[1]);
        if (m < 0) {
            snprintf(err, errlen, "%s:%d: unknown mode \"%s\" (see README, Faults)", path, line_no,
                     tok[1]);
            rc = -EINVAL;
            break;
        }
        struct cam *c = &f->cams[ci];
        c->mode = (uint8_t)m;
        c->arg = fault_default_arg((enum fault)m);
        int k = 2;
        if (k < n && !strchr(tok[k], '=')) {
            char *end;
            unsigned long a = strtoul(tok[k], &end, 10);
            if (end == tok[k] || *end || a > 65535) {
                snprintf(err, errlen, "%s:%d: argument \"%s\" is not a number 0..65535", path,
                         line_no, tok[k]);
                rc = -EINVAL;
                break;
            }
            c->arg = (uint16_t)a;
            k++;
        }
        for (; k < n; k++) {
            if (fleet_apply_option(f, c, tok[k], clips) < 0) {
                snprintf(err, errlen,
                         "%s:%d: bad option \"%s\" (clip=NAME, auth=none|basic|digest, "
                         "sessions=N, udp=0|1, vendor=hikvision|dahua)",
                         path, line_no, tok[k]);
                rc = -EINVAL;
                break;
            }
        }
    }
    fclose(fp);
    return rc;
}
