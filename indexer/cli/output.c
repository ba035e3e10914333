/* Formats, display widths and cell texts; see output.h. The renderers are
 * in out_stream.c. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "cli/output.h"
#include "text_clean.h"

int out_format_parse(const char *s, enum out_format *f)
{
    if (strcmp(s, "table") == 0)
        *f = OUT_TABLE;
    else if (strcmp(s, "json") == 0)
        *f = OUT_JSON;
    else if (strcmp(s, "csv") == 0)
        *f = OUT_CSV;
    else if (strcmp(s, "xlsx") == 0)
        *f = OUT_XLSX;
    else
        return -EINVAL;
    return 0;
}

/* Decodes one UTF-8 sequence; invalid bytes count as one U+FFFD. */
static size_t utf8_next(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = u[0] < 0x80             ? 1
               : (u[0] & 0xe0) == 0xc0 ? 2
               : (u[0] & 0xf0) == 0xe0 ? 3
               : (u[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 0) {
        *cp = 0xfffd;
        return 1;
    }
    uint32_t v = n == 1 ? u[0] : u[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return i;
        }
        v = v << 6 | (u[i] & 0x3f);
    }
    *cp = v;
    return n;
}

/* utf8proc's width tables (Unicode's East Asian Width and general
 * categories) need no locale: glibc's wcwidth answers -1 for every CJK
 * character unless a UTF-8 locale is installed and set. */
static int cp_width(uint32_t cp)
{
    if (cp < 0x80)
        return 1; /* printable ASCII, or a control shown as ' ' */
    return utf8proc_charwidth((utf8proc_int32_t)cp);
}

int out_display_width(const char *s)
{
    int w = 0;
    uint32_t cp;
    while (*s) {
        if ((unsigned char)*s < 0x80) { /* most of every table is ASCII */
            s++;
            w++;
            continue;
        }
        s += utf8_next(s, &cp);
        w += cp_width(cp);
    }
    return w;
}

char *out_clean_text(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    /* Each byte becomes at most U+FFFD (3 bytes); room for "…" as well. */
    char *out = malloc(len * 3 + 4);
    if (out)
        text_clean(out, len * 3 + 4, s, len, NULL);
    return out;
}

void out_put_text(FILE *f, const char *s)
{
    char *clean = out_clean_text(s);
    fputs(clean ? clean : "(out of memory)", f);
    free(clean);
}

/* A cell's text through text_clean (a hostile name or note could carry
 * terminal escapes, an old record invalid bytes) and cut to max_width
 * columns. */
char *out_cell_text(json_t *v, const struct out_col *c, int *width_out)
{
    char buf[64];
    const char *s = "";
    if (json_is_string(v))
        s = json_string_value(v);
    else if (json_is_integer(v))
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v)), s = buf;
    else if (json_is_real(v) && c->kind == OUT_PERCENT)
        snprintf(buf, sizeof(buf), "%.1f%%", json_real_value(v) * 100), s = buf;
    else if (json_is_real(v))
        snprintf(buf, sizeof(buf), c->kind == OUT_INT ? "%.1f" : "%.3f", json_real_value(v)),
            s = buf;
    else if (json_is_true(v))
        s = "yes";
    else if (json_is_false(v))
        s = "no";
    else if (json_is_null(v) || !v)
        s = c->kind == OUT_TEXT ? "" : "-";

    char *clean = out_clean_text(s);
    if (!clean)
        return NULL;
    size_t o = 0;
    int width = 0;
    uint32_t cp;
    for (const char *p = clean; *p;) {
        size_t n = utf8_next(p, &cp);
        int w = cp_width(cp);
        if (c->max_width && width + w > c->max_width - 1 && p[n]) {
            o = (size_t)(p - clean);
            memcpy(clean + o, "…", 3); /* in place of at least one character */
            o += 3;
            break;
        }
        width += w;
        p += n;
        o = (size_t)(p - clean);
    }
    clean[o] = 0;
    *width_out = width;
    return clean;
}

