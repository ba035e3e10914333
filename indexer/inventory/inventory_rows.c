/* The row builder shared by the CSV and JSON readers: the column table,
 * the inventory's arena and its id tables, error messages, and the checks
 * that turn one raw row into a camera. No I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "ascii.h"
#include "inventory/inventory_internal.h"
#include "text_clean.h"
#include "url.h"

/* ---- columns --------------------------------------------------------- */

static const struct {
    const char *name;
    const char *aliases[4]; /* as exported by Chinese office software */
    const char *missing;    /* the rest of the "is empty" message */
    int required;
} cols[INV_COL_COUNT] = {
    [INV_COL_ID] = {"id",
                    {"camera_id", "设备编码", "摄像机编码", "国标编码"},
                    "every camera needs a unique id",
                    1},
    [INV_COL_NAME] = {"name", {"设备名称", "名称"}, "every camera needs a name", 1},
    [INV_COL_UNIT_ID] = {"unit_id", {"单位编码"}, "every camera needs the id of its unit", 1},
    [INV_COL_UNIT_NAME] = {"unit_name",
                           {"单位名称", "所属单位"},
                           "every camera needs the name of its unit",
                           1},
    [INV_COL_URL] = {"url",
                     {"stream_url", "视频流地址", "取流地址"},
                     "every camera needs a stream URL",
                     1},
    [INV_COL_LAT] = {"lat", {"纬度"}, NULL, 0},
    [INV_COL_LON] = {"lon", {"经度"}, NULL, 0},
    [INV_COL_ADDRESS] = {"address", {"安装地址", "地址"}, NULL, 0},
    [INV_COL_TAGS] = {"tags", {"标签"}, NULL, 0},
    [INV_COL_RESOLUTION] = {"resolution", {"分辨率"}, NULL, 0},
    [INV_COL_FPS] = {"fps", {"帧率"}, NULL, 0},
};

const char inv_cols_accepted[] =
    "id, name, unit_id, unit_name, url, lat, lon, address, tags, resolution, fps "
    "(Chinese headers such as 设备编码, 设备名称, 单位编码, 单位名称, 视频流地址 work too)";

int inv_col_lookup(const char *name, size_t len)
{
    /* Chinese spreadsheets pad headers with ideographic spaces (U+3000) too. */
    for (;;) {
        ascii_trim(&name, &len, " \t");
        if (len >= 3 && memcmp(name, "\xE3\x80\x80", 3) == 0) {
            name += 3;
            len -= 3;
        } else if (len >= 3 && memcmp(name + len - 3, "\xE3\x80\x80", 3) == 0) {
            len -= 3;
        } else {
            break;
        }
    }
    for (int c = 0; c < INV_COL_COUNT; c++) {
        if (strlen(cols[c].name) == len && strncasecmp(name, cols[c].name, len) == 0)
            return c;
        for (int a = 0; a < 4 && cols[c].aliases[a]; a++)
            if (strlen(cols[c].aliases[a]) == len &&
                strncasecmp(name, cols[c].aliases[a], len) == 0)
                return c;
    }
    return -1;
}

const char *inv_col_name(int col)
{
    return col >= 0 && col < INV_COL_COUNT ? cols[col].name : "?";
}

int inv_col_required(int col)
{
    return col >= 0 && col < INV_COL_COUNT && cols[col].required;
}

const char *inv_col_aliases(int col)
{
    static const char *const list[INV_COL_COUNT] = {
        [INV_COL_ID] = "camera_id, 设备编码, 摄像机编码, 国标编码",
        [INV_COL_NAME] = "设备名称, 名称",
        [INV_COL_UNIT_ID] = "单位编码",
        [INV_COL_UNIT_NAME] = "单位名称, 所属单位",
        [INV_COL_URL] = "stream_url, 视频流地址, 取流地址",
        [INV_COL_LAT] = "纬度",
        [INV_COL_LON] = "经度",
        [INV_COL_ADDRESS] = "安装地址, 地址",
        [INV_COL_TAGS] = "标签",
        [INV_COL_RESOLUTION] = "分辨率",
        [INV_COL_FPS] = "帧率",
    };
    return col >= 0 && col < INV_COL_COUNT ? list[col] : "";
}

/* ---- arena: strings never move, so inv_camera can point into it ------- */

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    char data[];
};

#define ARENA_BLOCK (256u * 1024u)
/* A large inventory's blocks: one transparent huge page each. */
#define HUGE_BLOCK   (2u * 1024u * 1024u)
#define HUGE_ROWS    16384

/* Memory for a large table or block, asked for in huge pages: a million
 * rows touch ~300 MB, and on a virtual machine each 4 KiB page's first
 * touch was a costly fault (a sixth of the import's CPU). Freed with
 * free(). */
static void *alloc_huge(size_t n)
{
    void *p;
    if (posix_memalign(&p, HUGE_BLOCK, n))
        return NULL;
    madvise(p, n, MADV_HUGEPAGE); /* advice: without it, small pages */
    return p;
}

static char *arena_strdup(struct inventory *inv, const char *s, size_t len)
{
    struct arena_block *b = inv->arena;
    if (!b || b->cap - b->used < len + 1) {
        bool huge = inv->count >= HUGE_ROWS;
        size_t block = huge ? HUGE_BLOCK - sizeof *b : ARENA_BLOCK;
        size_t cap = len + 1 > block ? len + 1 : block;
        struct arena_block *n = huge ? alloc_huge(sizeof *n + cap) : malloc(sizeof *n + cap);
        if (!n)
            return NULL;
        n->next = b;
        n->used = 0;
        n->cap = cap;
        inv->arena = b = n;
    }
    char *p = b->data + b->used;
    memcpy(p, s, len);
    p[len] = '\0';
    b->used += len + 1;
    return p;
}

void inv_init(struct inventory *inv)
{
    memset(inv, 0, sizeof *inv);
}

void inv_free(struct inventory *inv)
{
    if (!inv)
        return;
    struct arena_block *b = inv->arena;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(inv->cams);
    memset(inv, 0, sizeof *inv);
}

/* ---- string table: duplicate ids, unit id -> unit name --------------- */

static uint32_t fnv1a(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static struct inv_entry *table_find(struct inv_table *t, const char *key, size_t len, uint32_t h)
{
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct inv_entry *e = &t->e[i];
        if (!e->key || (e->hash == h && strncmp(e->key, key, len) == 0 && e->key[len] == '\0'))
            return e;
    }
}

static int table_grow(struct inv_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    struct inv_entry *e = calloc(cap, sizeof *e);
    if (!e)
        return -ENOMEM;
    struct inv_table n = {e, cap, 0};
    for (size_t i = 0; i < t->cap; i++) {
        if (t->e[i].key) {
            *table_find(&n, t->e[i].key, strlen(t->e[i].key), t->e[i].hash) = t->e[i];
            n.n++;
        }
    }
    free(t->e);
    *t = n;
    return 0;
}

int inv_table_reserve(struct inv_table *t, size_t n)
{
    size_t cap = 1024;
    while (cap < 2 * n)
        cap *= 2;
    if (t->n || cap <= t->cap)
        return 0;
    /* Zeroed by writing: a lookup reads a slot before filling it, which
     * on calloc's untouched pages is a fault to map the zero page and a
     * second to copy it. */
    struct inv_entry *e = cap * sizeof *e >= HUGE_BLOCK ? alloc_huge(cap * sizeof *e)
                                                        : malloc(cap * sizeof *e);
    if (!e)
        return -ENOMEM;
    memset(e, 0, cap * sizeof *e);
    free(t->e);
    t->e = e;
    t->cap = cap;
    return 0;
}

/* The entry for key: existing (key set) or a fresh slot to fill. */
static struct inv_entry *table_slot(struct inv_table *t, const char *key, size_t len)
{
    if ((t->n + 1) * 2 > t->cap && table_grow(t) < 0)
        return NULL;
    uint32_t h = fnv1a(key, len);
    struct inv_entry *e = table_find(t, key, len, h);
    e->hash = h; /* harmless on a hit: same key, same hash */
    return e;
}

static void table_fill(struct inv_table *t, struct inv_entry *e, const char *key, const char *val,
                       uint32_t line)
{
    e->key = key;
    e->val = val;
    e->line = line;
    t->n++;
}

/* ---- messages -------------------------------------------------------- */

void inv_error(struct inv_builder *b, uint32_t line, const char *fmt, ...)
{
    struct inv_errors *errs = b->errs;
    if (errs->count < INV_ERRORS_KEPT) {
        char *m = errs->msg[errs->count];
        int n = line ? snprintf(m, INV_ERROR_MAX, "%s:%u: ", b->name, (unsigned)line)
                     : snprintf(m, INV_ERROR_MAX, "%s: ", b->name);
        if (n < 0)
            n = 0;
        if ((size_t)n < INV_ERROR_MAX) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(m + n, INV_ERROR_MAX - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    errs->count++;
}

const char *inv_redact_value(const char *s, size_t len, char *buf, size_t buflen)
{
    if (buflen < 16) {
        if (buflen)
            buf[0] = '\0';
        return buf;
    }
    /* Only "user:pass@" or "scheme://" shapes can carry credentials; other
     * values stay as they are (names with an '@' are not secrets). */
    const char *colon = memchr(s, ':', len);
    if (!colon) {
        size_t n = len < buflen - 1 ? len : buflen - 1;
        memcpy(buf, s, n);
        buf[n] = '\0';
        return buf;
    }
    /* Redact the whole value, not a cut of it: the last '@' may lie far on. */
    char *copy = strndup(s, len);
    if (!copy || probe_url_redact(copy, buf, buflen) < 0)
        snprintf(buf, buflen, "%s", "(hidden)");
    free(copy);
    return buf;
}

const char *inv_quote(const char *s, size_t len, char *buf, size_t buflen)
{
    size_t o = 0, shown = 60;
    if (buflen < 8) {
        if (buflen)
            buf[0] = '\0';
        return buf;
    }
    /* A value in the wrong column may be a URL with its password. */
    char safe[128];
    if (memchr(s, ':', len)) {
        inv_redact_value(s, len, safe, sizeof safe);
        s = safe;
        len = strlen(safe);
    }
    buf[o++] = '"';
    size_t i = 0;
    for (; i < len && i < shown && o + 8 < buflen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            if (c == '"' || c == '\\') {
                buf[o++] = '\\';
                buf[o++] = (char)c;
            } else {
                o += (size_t)snprintf(buf + o, buflen - o, "\\x%02x", c);
            }
        } else {
            buf[o++] = (char)c;
        }
    }
    if (i < len) {
        /* Do not cut a UTF-8 character in half. */
        while (o > 1 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80)
            o--;
        if (o > 1 && (unsigned char)buf[o - 1] >= 0xC0)
            o--;
        buf[o++] = '.';
        buf[o++] = '.';
        buf[o++] = '.';
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/* ---- row checks ------------------------------------------------------ */

static const char *label(const struct inv_row *r, int col)
{
    return r->f[col].label ? r->f[col].label : cols[col].name;
}

#define ROW_ERR(b, r, col, fmt, ...)                                                               \
    inv_error((b), (r)->line, "%s \"%s\": " fmt, (b)->what, label((r), (col)), __VA_ARGS__)

/* How check_text treats control bytes. */
enum text_kind {
    TEXT_ANY,       /* checked elsewhere (URLs, never echoed here) */
    TEXT_ONE_LINE,  /* ids, numbers: any control byte is refused */
    TEXT_FREE,      /* names, addresses, tags: line breaks and tabs pass (and
                     * become spaces, see clean_free_text); others are refused */
};

/* A required or optional text field: trimmed, length-checked, its control
 * bytes checked as `kind` says (names end up in one-line tables and logs). */
static int check_text(struct inv_builder *b, const struct inv_row *r, int col, size_t max,
                      enum text_kind kind, const char **s, size_t *len)
{
    *s = r->f[col].s ? r->f[col].s : "";
    *len = r->f[col].present ? r->f[col].len : 0;
    ascii_trim(s, len, " \t");
    if (*len == 0) {
        if (cols[col].required) {
            ROW_ERR(b, r, col, "%s; %s", r->f[col].present ? "is empty" : "is missing",
                    cols[col].missing);
            return -1;
        }
        return 0;
    }
    if (*len > max) {
        ROW_ERR(b, r, col, "is %zu bytes long; the limit is %zu", *len, max);
        return -1;
    }
    for (size_t i = 0; kind != TEXT_ANY && i < *len; i++) {
        unsigned char c = (unsigned char)(*s)[i];
        bool breakish = c == '\n' || c == '\r' || c == '\t';
        if ((c < 0x20 || c == 0x7f) && !(kind == TEXT_FREE && breakish)) {
            char q[96];
            ROW_ERR(b, r, col, "%s contains %s; %s", inv_quote(*s, *len, q, sizeof q),
                    breakish ? "a line break or tab" : "a control character",
                    kind == TEXT_FREE ? "remove it" : "keep it on one line");
            return -1;
        }
    }
    return 1;
}

/* "3.20105E+19": what a spreadsheet makes of a 20-digit code in a number
 * cell. Every camera of a district then collapses into one id. */
static int is_scientific(const char *s, size_t len)
{
    size_t i = 0;
    if (i == len || s[i] < '0' || s[i] > '9')
        return 0;
    i++;
    if (i < len && s[i] == '.')
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            ;
    if (i + 2 > len || (s[i] != 'E' && s[i] != 'e') || s[i + 1] != '+')
        return 0;
    for (i += 2; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[len - 1] >= '0' && s[len - 1] <= '9';
}

/* Ids are keys in the index and in URLs of the API: printable ASCII only. */
static int check_id(struct inv_builder *b, const struct inv_row *r, int col, const char *s,
                    size_t len)
{
    if (is_scientific(s, len)) {
        char q[96];
        ROW_ERR(b, r, col,
                "%s is a number in scientific notation; format the column as text in the "
                "spreadsheet and export again",
                inv_quote(s, len, q, sizeof q));
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f) {
            char q[96];
            ROW_ERR(b, r, col,
                    "%s contains %s; ids are printable ASCII without spaces, at most %d bytes",
                    inv_quote(s, len, q, sizeof q),
                    c == ' '    ? "a space"
                    : c >= 0x80 ? "a non-ASCII character"
                                : "a control character",
                    INV_ID_MAX);
            return -1;
        }
    }
    /* An id is one segment of API and dashboard addresses
     * (/api/v1/cameras/ID, /api/v1/units/ID), and the HTTP server refuses
     * slashes, backslashes and dot segments there even when encoded (path
     * traversal): such a camera could be imported but never reached. */
    const char *what = memchr(s, '/', len)                  ? "a slash (/)"
                       : memchr(s, '\\', len)               ? "a backslash (\\)"
                       : memmem(s, len, "..", 2)             ? "\"..\""
                       : len == 1 && s[0] == '.'             ? "only \".\""
                                                             : NULL;
    if (what) {
        char q[96];
        ROW_ERR(b, r, col,
                "%s contains %s, so the API and the dashboard could never reach it "
                "(/api/v1/%s/ID); use ids without /, \\ or ..",
                inv_quote(s, len, q, sizeof q), what,
                col == INV_COL_UNIT_ID ? "units" : "cameras");
        return -1;
    }
    return 0;
}

/* Decimal number without exponent; locale-independent unlike strtod, which
 * would want a ',' under a Chinese or German LC_NUMERIC. */
static int parse_decimal(const char *s, size_t len, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    double v = 0, scale = 1;
    size_t digits = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
        v = v * 10 + (s[i] - '0');
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
            scale /= 10;
            v += (s[i] - '0') * scale;
        }
    }
    if (i != len || digits == 0 || digits > 24)
        return -1;
    *out = neg ? -v : v;
    return 0;
}

static int check_location(struct inv_builder *b, const struct inv_row *r, struct inv_camera *c)
{
    const char *ls, *os;
    size_t ll, ol;
    int bad = 0;
    int hl = check_text(b, r, INV_COL_LAT, 64, TEXT_ONE_LINE, &ls, &ll);
    int ho = check_text(b, r, INV_COL_LON, 64, TEXT_ONE_LINE, &os, &ol);
    if (hl < 0 || ho < 0)
        return -1;
    if (!hl && !ho)
        return 0;
    if (hl != ho) {
        int missing = hl ? INV_COL_LON : INV_COL_LAT;
        ROW_ERR(b, r, missing, "%s while \"%s\" is given; give both lat and lon or neither",
                r->f[missing].present ? "is empty" : "is missing",
                label(r, hl ? INV_COL_LAT : INV_COL_LON));
        return -1;
    }
    char q[96];
    double lat, lon;
    if (parse_decimal(ls, ll, &lat) < 0) {
        ROW_ERR(b, r, INV_COL_LAT, "%s is not a number; expected decimal degrees like 32.0603",
                inv_quote(ls, ll, q, sizeof q));
        bad = 1;
    }
    if (parse_decimal(os, ol, &lon) < 0) {
        ROW_ERR(b, r, INV_COL_LON, "%s is not a number; expected decimal degrees like 118.7969",
                inv_quote(os, ol, q, sizeof q));
        bad = 1;
    }
    if (bad)
        return -1;
    if (lat < -90 || lat > 90) {
        ROW_ERR(b, r, INV_COL_LAT, "%s is outside -90..90%s", inv_quote(ls, ll, q, sizeof q),
                (lon >= -90 && lon <= 90) ? "; are lat and lon swapped?" : "");
        bad = 1;
    }
    if (lon < -180 || lon > 180) {
        ROW_ERR(b, r, INV_COL_LON, "%s is outside -180..180", inv_quote(os, ol, q, sizeof q));
        bad = 1;
    }
    if (bad)
        return -1;
    /* Exports write 0,0 for "not surveyed"; no camera of this platform sits
     * in the Gulf of Guinea. */
    if (lat == 0 && lon == 0)
        return 0;
    c->lat = lat;
    c->lon = lon;
    c->has_location = true;
    return 0;
}

static int parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    if (len == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(s[i] - '0');
        if (v > max)
            return -1;
    }
    *out = v;
    return 0;
}

static int check_resolution(struct inv_builder *b, const struct inv_row *r, struct inv_camera *c)
{
    const char *s;
    size_t len;
    int rc = check_text(b, r, INV_COL_RESOLUTION, 32, TEXT_ONE_LINE, &s, &len);
    if (rc <= 0)
        return rc;
    /* Shorthands from camera spec sheets and exports. */
    static const struct {
        const char *name;
        uint16_t w, h;
    } named[] = {{"720p", 1280, 720},   {"1080p", 1920, 1080}, {"2k", 2560, 1440},
                 {"1440p", 2560, 1440}, {"4k", 3840, 2160},    {"2160p", 3840, 2160}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (strlen(named[i].name) == len && strncasecmp(s, named[i].name, len) == 0) {
            c->width = named[i].w;
            c->height = named[i].h;
            return 0;
        }
    }
    /* WIDTHxHEIGHT with x, X, * or the multiplication sign U+00D7. */
    size_t sep = 0, seplen = 0;
    for (size_t i = 0; i < len && !seplen; i++) {
        if (s[i] == 'x' || s[i] == 'X' || s[i] == '*')
            sep = i, seplen = 1;
        else if (i + 1 < len && (unsigned char)s[i] == 0xC3 && (unsigned char)s[i + 1] == 0x97)
            sep = i, seplen = 2;
    }
    unsigned long w, h;
    const char *ws = s, *hs = s + sep + seplen;
    size_t wl = sep, hl = len - sep - seplen;
    if (seplen) {
        ascii_trim(&ws, &wl, " \t");
        ascii_trim(&hs, &hl, " \t");
    }
    if (!seplen || parse_uint(ws, wl, 16384, &w) < 0 || parse_uint(hs, hl, 16384, &h) < 0 ||
        w < 16 || h < 16) {
        char q[96];
        ROW_ERR(b, r, INV_COL_RESOLUTION,
                "%s is not a resolution; expected WIDTHxHEIGHT like 1920x1080 (16..16384)",
                inv_quote(s, len, q, sizeof q));
        return -1;
    }
    c->width = (uint16_t)w;
    c->height = (uint16_t)h;
    return 0;
}

static int check_fps(struct inv_builder *b, const struct inv_row *r, struct inv_camera *c)
{
    const char *s;
    size_t len;
    int rc = check_text(b, r, INV_COL_FPS, 32, TEXT_ONE_LINE, &s, &len);
    if (rc <= 0)
        return rc;
    unsigned long v;
    if (parse_uint(s, len, 240, &v) < 0 || v == 0) {
        char q[96];
        ROW_ERR(b, r, INV_COL_FPS,
                "%s is not a frame rate; expected a whole number from 1 to 240, e.g. 25",
                inv_quote(s, len, q, sizeof q));
        return -1;
    }
    c->fps = (uint16_t)v;
    return 0;
}

static int check_url(struct inv_builder *b, const struct inv_row *r, const char *s, size_t len)
{
    char red[160], tmp[INV_URL_MAX + 1];
    memcpy(tmp, s, len); /* len <= INV_URL_MAX, checked by check_text */
    tmp[len] = '\0';
    struct probe_url u;
    int rc = probe_url_parse(tmp, &u);
    explicit_bzero(u.password, sizeof u.password);
    if (rc == 0)
        return 0;
    probe_url_redact(tmp, red, sizeof red);
    char q[200];
    inv_quote(red, strlen(red), q, sizeof q);
    if (rc == -EPROTONOSUPPORT)
        ROW_ERR(b, r, INV_COL_URL, "%s %s", q, u.error);
    else
        ROW_ERR(b, r, INV_COL_URL,
                "%s %s; expected e.g. rtsp://user:pass@10.1.2.3:554/Streaming/Channels/101", q,
                u.error ? u.error : "is not a valid URL");
    return -1;
}

/* Alt+Enter in a spreadsheet cell: the line breaks (and tabs) of a free-text
 * value become spaces, through the one sanitiser, so that names stay one
 * line in tables, logs and the dashboard. *s then points into buf. Returns
 * 1 when the value held a line break, else 0. */
static int clean_free_text(const char **s, size_t *len, char *buf, size_t cap)
{
    struct text_clean_count n;
    /* Checked: valid UTF-8 with no control byte but these, and len < cap,
     * so nothing is replaced or cut. */
    *len = text_clean(buf, cap, *s, *len, &n);
    *s = buf;
    ascii_trim(s, len, " \t");
    return n.breaks > 0;
}

static void note_breaks(struct inventory *inv, uint32_t line, size_t cells)
{
    struct inv_breaks *br = &inv->breaks;
    if (br->rows < INV_BREAK_LINES_KEPT)
        br->lines[br->rows] = line;
    br->rows++;
    br->cells += cells;
}

bool inv_breaks_warning(const struct inventory *inv, const char *name, char *buf, size_t len)
{
    const struct inv_breaks *br = &inv->breaks;
    if (!len)
        return false;
    buf[0] = '\0';
    if (!br->cells)
        return false;
    int o = snprintf(buf, len, "%s: line breaks in %zu free-text cell%s were stored as spaces (line%s",
                     name, br->cells, br->cells == 1 ? "" : "s", br->rows == 1 ? "" : "s");
    size_t kept = br->rows < INV_BREAK_LINES_KEPT ? br->rows : INV_BREAK_LINES_KEPT;
    for (size_t i = 0; i < kept && o > 0 && (size_t)o < len; i++)
        o += snprintf(buf + o, len - (size_t)o, "%s%u", i ? ", " : " ", (unsigned)br->lines[i]);
    if (o > 0 && (size_t)o < len)
        snprintf(buf + o, len - (size_t)o, "%s)", br->rows > kept ? ", ..." : "");
    return true;
}

int inv_add_row(struct inv_builder *b, const struct inv_row *r)
{
    if (b->stop)
        return 0;
    if (++b->rows > INV_ROWS_MAX) {
        inv_error(b, r->line, "more than %d cameras; split the inventory into several files",
                  INV_ROWS_MAX);
        b->stop = 1;
        return 0;
    }
    struct inv_camera c = {.line = r->line};
    const char *v[INV_COL_COUNT];
    size_t l[INV_COL_COUNT];
    int bad = 0;
    static const size_t max[INV_COL_COUNT] = {
        [INV_COL_ID] = INV_ID_MAX,      [INV_COL_NAME] = INV_NAME_MAX,
        [INV_COL_UNIT_ID] = INV_ID_MAX, [INV_COL_UNIT_NAME] = INV_NAME_MAX,
        [INV_COL_URL] = INV_URL_MAX,    [INV_COL_ADDRESS] = INV_ADDRESS_MAX,
        [INV_COL_TAGS] = INV_TAGS_MAX,
    };
    static const int cols_text[] = {INV_COL_ID,        INV_COL_NAME, INV_COL_UNIT_ID,
                                    INV_COL_UNIT_NAME, INV_COL_URL,  INV_COL_ADDRESS,
                                    INV_COL_TAGS};
    int have[INV_COL_COUNT] = {0};
    char clean[INV_COL_COUNT][INV_ADDRESS_MAX + 1];
    size_t broken = 0;
    for (size_t i = 0; i < sizeof cols_text / sizeof cols_text[0]; i++) {
        int col = cols_text[i];
        /* URLs are checked (and redacted) by check_url, never echoed here. */
        enum text_kind kind = col == INV_COL_URL ? TEXT_ANY
                            : col == INV_COL_ID || col == INV_COL_UNIT_ID ? TEXT_ONE_LINE
                                                                          : TEXT_FREE;
        int rc = check_text(b, r, col, max[col], kind, &v[col], &l[col]);
        if (rc < 0)
            bad = 1;
        have[col] = rc > 0;
        if (rc > 0 && kind == TEXT_FREE)
            broken += clean_free_text(&v[col], &l[col], clean[col], sizeof clean[col]);
    }
    if (broken)
        note_breaks(b->inv, r->line, broken);
    int id_ok = have[INV_COL_ID] && check_id(b, r, INV_COL_ID, v[INV_COL_ID], l[INV_COL_ID]) == 0;
    int unit_ok = have[INV_COL_UNIT_ID] &&
                  check_id(b, r, INV_COL_UNIT_ID, v[INV_COL_UNIT_ID], l[INV_COL_UNIT_ID]) == 0;
    if (!id_ok || !unit_ok)
        bad = 1;
    if (have[INV_COL_URL] && check_url(b, r, v[INV_COL_URL], l[INV_COL_URL]) < 0)
        bad = 1;
    if (check_location(b, r, &c) < 0)
        bad = 1;
    if (check_resolution(b, r, &c) < 0)
        bad = 1;
    if (check_fps(b, r, &c) < 0)
        bad = 1;

    if (id_ok) {
        struct inv_entry *e = table_slot(b->ids, v[INV_COL_ID], l[INV_COL_ID]);
        if (!e)
            return -ENOMEM;
        if (e->key) {
            char q[96];
            ROW_ERR(b, r, INV_COL_ID, "duplicate id %s (first used on line %u); ids must be unique",
                    inv_quote(v[INV_COL_ID], l[INV_COL_ID], q, sizeof q), (unsigned)e->line);
            bad = 1;
        } else {
            c.id = arena_strdup(b->inv, v[INV_COL_ID], l[INV_COL_ID]);
            if (!c.id)
                return -ENOMEM;
            table_fill(b->ids, e, c.id, NULL, r->line);
        }
    }
    if (unit_ok && have[INV_COL_UNIT_NAME] && !bad) {
        struct inv_entry *e = table_slot(b->units, v[INV_COL_UNIT_ID], l[INV_COL_UNIT_ID]);
        if (!e)
            return -ENOMEM;
        const char *un = v[INV_COL_UNIT_NAME];
        size_t ul = l[INV_COL_UNIT_NAME];
        if (e->key) {
            if (strlen(e->val) != ul || memcmp(e->val, un, ul) != 0) {
                char q1[96], q2[96], q3[96];
                ROW_ERR(b, r, INV_COL_UNIT_NAME,
                        "unit %s is named %s here but %s on line %u; use one name per unit id",
                        inv_quote(e->key, strlen(e->key), q1, sizeof q1),
                        inv_quote(un, ul, q2, sizeof q2),
                        inv_quote(e->val, strlen(e->val), q3, sizeof q3), (unsigned)e->line);
                bad = 1;
            } else {
                c.unit_id = e->key;
                c.unit_name = e->val; /* share the unit's strings */
            }
        } else {
            c.unit_id = arena_strdup(b->inv, v[INV_COL_UNIT_ID], l[INV_COL_UNIT_ID]);
            c.unit_name = c.unit_id ? arena_strdup(b->inv, un, ul) : NULL;
            if (!c.unit_name)
                return -ENOMEM;
            table_fill(b->units, e, c.unit_id, c.unit_name, r->line);
        }
    }
    if (bad)
        return 0; /* the inventory is rejected anyway; keep checking rows */

    c.name = arena_strdup(b->inv, v[INV_COL_NAME], l[INV_COL_NAME]);
    c.url = arena_strdup(b->inv, v[INV_COL_URL], l[INV_COL_URL]);
    c.address = arena_strdup(b->inv, v[INV_COL_ADDRESS], l[INV_COL_ADDRESS]);
    c.tags = arena_strdup(b->inv, v[INV_COL_TAGS], l[INV_COL_TAGS]);
    if (!c.name || !c.url || !c.address || !c.tags)
        return -ENOMEM;
    struct inventory *inv = b->inv;
    if (inv->count == inv->cap) {
        size_t cap = inv->cap ? inv->cap * 2 : 256;
        struct inv_camera *n = realloc(inv->cams, cap * sizeof *n);
        if (!n)
            return -ENOMEM;
        inv->cams = n;
        inv->cap = cap;
    }
    inv->cams[inv->count++] = c;
    return 0;
}
