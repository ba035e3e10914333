/* The configuration's INI reader; see ini_read.h. It replaces libinih,
 * whose Debian build cuts lines at 199 bytes and cannot say which line a
 * key came from; its rules are the ones the files were written for. */
#include "base/ini_read.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* [s, e) without white space at either end. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && is_space(**s))
        (*s)++;
    while (*e > *s && is_space((*e)[-1]))
        (*e)--;
}

/* The first of `stops` in [s, e), or a ';' after white space (an inline
 * comment); e when neither comes. */
static const char *find_stop(const char *s, const char *e, const char *stops)
{
    bool was_space = false;
    for (; s < e; s++) {
        if ((stops && strchr(stops, *s)) || (was_space && *s == ';'))
            return s;
        was_space = is_space(*s);
    }
    return e;
}

static void copy(char *dst, const char *s, const char *e)
{
    memcpy(dst, s, (size_t)(e - s));
    dst[e - s] = 0;
}

struct reader {
    ini_fn fn;
    void *user;
    int line, bad;
    char section[INI_SECTION_MAX + 1];
    char key[INI_NAME_MAX + 1]; /* the last key: an indented line sets it again */
    char value[INI_LINE_MAX + 1];
};

static void bad_line(struct reader *r, const char *why)
{
    r->bad++;
    r->fn(r->user, r->line, r->section, NULL, why);
}

static void value_line(struct reader *r, const char *s, const char *e)
{
    e = find_stop(s, e, NULL);
    trim(&s, &e);
    copy(r->value, s, e);
    r->fn(r->user, r->line, r->section, r->key, r->value);
}

static void section_line(struct reader *r, const char *s, const char *e)
{
    const char *close = find_stop(s + 1, e, "]");
    if (close == e || *close != ']') {
        bad_line(r, "a [section] line without its \"]\"");
        return;
    }
    const char *ns = s + 1;
    if (close - ns > INI_SECTION_MAX) {
        bad_line(r, "a section name longer than 64 bytes");
        return;
    }
    copy(r->section, ns, close);
    r->key[0] = 0;
}

static void key_line(struct reader *r, const char *s, const char *e)
{
    const char *sep = find_stop(s, e, "=:");
    if (sep == e || (*sep != '=' && *sep != ':')) {
        bad_line(r, "not an INI line (use key = value, [section] or ; comment)");
        return;
    }
    const char *ke = sep;
    trim(&s, &ke);
    if (ke - s > INI_NAME_MAX) {
        bad_line(r, "a key longer than 64 bytes");
        return;
    }
    copy(r->key, s, ke);
    value_line(r, sep + 1, e);
}

static void one_line(struct reader *r, const char *s, const char *e)
{
    const char *start = s, *end = e;
    trim(&start, &end);
    if (start == end || *start == ';' || *start == '#')
        return;
    if (r->key[0] && start > s)
        value_line(r, start, end); /* indented: the last key again */
    else if (*start == '[')
        section_line(r, start, end);
    else
        key_line(r, start, end);
}

int ini_read(const char *text, ini_fn fn, void *user)
{
    static const char bom[] = "\xEF\xBB\xBF";
    struct reader r = {.fn = fn, .user = user};
    const char *p = text;
    if (strncmp(p, bom, 3) == 0)
        p += 3;
    while (*p) {
        const char *nl = strchr(p, '\n');
        const char *e = nl ? nl : p + strlen(p);
        r.line++;
        if (e - p > INI_LINE_MAX) {
            char why[64];
            snprintf(why, sizeof(why), "line longer than %d bytes", INI_LINE_MAX);
            bad_line(&r, why);
            r.key[0] = 0; /* what follows must not continue a key of an unread line */
        } else {
            one_line(&r, p, e);
        }
        p = nl ? nl + 1 : e;
    }
    return r.bad;
}
