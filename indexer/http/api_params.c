/* Request parameters of the HTTP API: query strings, percent-decoding,
 * UTF-8 checks, page limits and opaque cursors. Hard limits throughout:
 * anything a client sends is bounded before it is looked at. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "base/text_encoding.h"
#include "http/accept_lang.h"
#include "http/api_internal.h"

char *api_pct_decode(struct api_req *a, const char *in, size_t len, bool plus_is_space)
{
    char *out = h2o_mem_alloc_pool(&a->req->pool, len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            int hi = i + 1 < len ? ascii_hexval((unsigned char)in[i + 1]) : -1;
            int lo = i + 2 < len ? ascii_hexval((unsigned char)in[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return NULL;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        /* A NUL would cut the value short behind our back. */
        if (c == 0)
            return NULL;
        out[o++] = c;
    }
    out[o] = 0;
    return out;
}

int api_query_split(struct api_req *a, const char *q, size_t len, size_t *bad)
{
    a->nparams = 0;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && q[end] != '&')
            end++;
        if (end > i) {
            *bad = a->nparams;
            const char *eq = memchr(q + i, '=', end - i);
            size_t nlen = eq ? (size_t)(eq - (q + i)) : end - i;
            const char *v = eq ? eq + 1 : q + end;
            size_t vlen = eq ? (size_t)(q + end - v) : 0;
            char *name = api_pct_decode(a, q + i, nlen, true);
            char *value = api_pct_decode(a, v, vlen, true);
            if (!name || !value)
                return -EBADMSG;
            if (!tenc_is_utf8(name, strlen(name)) || !tenc_is_utf8(value, strlen(value)))
                return -EILSEQ;
            for (size_t k = 0; k < a->nparams; k++)
                if (strcmp(a->params[k].name, name) == 0) {
                    *bad = k;
                    return -EEXIST;
                }
            if (a->nparams == API_MAX_PARAMS)
                return -E2BIG;
            a->params[a->nparams].name = name;
            a->params[a->nparams].value = value;
            a->nparams++;
        }
        i = end + 1;
    }
    return 0;
}

int api_parse_query(struct api_req *a, const char *q, size_t len)
{
    size_t bad = 0;
    switch (api_query_split(a, q, len, &bad)) {
    case 0:
        return 0;
    case -EBADMSG:
        return api_error(a, 400, "bad_parameter",
                         "parameter %zu: bad percent-encoding (use %%XX with two hex "
                         "digits, no %%00)",
                         bad + 1),
               1;
    case -EILSEQ:
        return api_error(a, 400, "bad_parameter",
                         "parameter %zu: not UTF-8 (percent-encode UTF-8 text)", bad + 1),
               1;
    case -EEXIST:
        return api_error(a, 400, "bad_parameter", "parameter \"%.40s\" is given twice",
                         a->params[bad].name),
               1;
    default:
        return api_error(a, 400, "bad_parameter", "more than %d parameters", API_MAX_PARAMS), 1;
    }
}

int api_path_split(struct api_req *a, const char *p, size_t len)
{
    if (len > API_PATH_MAX)
        return -ENAMETOOLONG;
    if (!len || p[0] != '/')
        return -EINVAL;
    a->nseg = 0;
    size_t i = 1;
    while (i < len) {
        size_t end = i;
        while (end < len && p[end] != '/')
            end++;
        if (a->nseg == API_MAX_SEGMENTS)
            return -ENOENT;
        char *seg = api_pct_decode(a, p + i, end - i, false);
        if (!seg)
            return -EBADMSG;
        if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0 || strchr(seg, '/') ||
            strchr(seg, '\\'))
            return -EPERM;
        for (const char *c = seg; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                return -ERANGE;
        if (!tenc_is_utf8(seg, strlen(seg)))
            return -EILSEQ;
        a->seg[a->nseg++] = seg;
        i = end + 1;
    }
    return 0;
}

int api_check_params(struct api_req *a, const char *const *known)
{
    for (size_t i = 0; i < a->nparams; i++) {
        bool ok = false;
        for (size_t k = 0; known[k] && !ok; k++)
            ok = strcmp(known[k], a->params[i].name) == 0;
        if (!ok) {
            char list[256] = "";
            size_t used = 0;
            for (size_t k = 0; known[k] && used < sizeof(list); k++)
                used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", k ? ", " : "",
                                         known[k]);
            return api_error(a, 400, "bad_parameter",
                             "unknown parameter \"%.40s\" (this endpoint takes: %s)",
                             a->params[i].name, known[0] ? list : "none"),
                   1;
        }
    }
    return 0;
}

const char *api_param(const struct api_req *a, const char *name)
{
    for (size_t i = 0; i < a->nparams; i++)
        if (strcmp(a->params[i].name, name) == 0)
            return a->params[i].value;
    return NULL;
}

int api_flag_param(struct api_req *a, const char *name, bool *out)
{
    const char *v = api_param(a, name);
    *out = false;
    if (!v)
        return 0;
    if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
        *out = true;
    else if (strcmp(v, "0") && strcmp(v, "false"))
        return api_error(a, 400, "bad_parameter", "%s: \"%.20s\" is not a flag (use 1 or 0)", name,
                         v),
               1;
    return 0;
}

int api_lang(struct api_req *a)
{
    for (size_t i = 0; i < a->nparams; i++) {
        if (strcmp(a->params[i].name, "lang"))
            continue;
        const char *v = a->params[i].value;
        if (strcmp(v, "en") == 0)
            a->lang = MSG_EN;
        else if (strcmp(v, "zh") == 0)
            a->lang = MSG_ZH;
        else
            return api_error(a, 400, "bad_parameter",
                             "lang: \"%.20s\" is not a language (use en or zh)", v),
                   1;
        a->lang_asked = true;
        /* Handlers check their own parameters: this one is everyone's. */
        memmove(&a->params[i], &a->params[i + 1], (a->nparams - i - 1) * sizeof(a->params[0]));
        a->nparams--;
        return 0;
    }
    ssize_t h = h2o_find_header(&a->req->headers, H2O_TOKEN_ACCEPT_LANGUAGE, -1);
    a->lang_asked = h >= 0;
    a->lang = h < 0 ? MSG_EN
                    : accept_lang_pick(a->req->headers.entries[h].value.base,
                                       a->req->headers.entries[h].value.len);
    return 0;
}

int api_param_limit_all(struct api_req *a, size_t *limit)
{
    const char *v = api_param(a, "limit");
    if (v && strcmp(v, "all") == 0) {
        *limit = SIZE_MAX;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long n = v ? strtoul(v, &end, 10) : API_PAGE_DEFAULT;
    if (v && (!*v || *end || errno || n < 1 || n > API_PAGE_MAX || *v == '-' || *v == '+'))
        return api_error(a, 400, "bad_parameter",
                         "limit: \"%.40s\" is not a whole number from 1 to %d, or all", v,
                         API_PAGE_MAX),
               1;
    *limit = n;
    return 0;
}

int api_param_limit(struct api_req *a, size_t *limit)
{
    const char *v = api_param(a, "limit");
    *limit = API_PAGE_DEFAULT;
    if (!v)
        return 0;
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *end || errno || n < 1 || n > API_PAGE_MAX || *v == '-' || *v == '+')
        return api_error(a, 400, "bad_parameter",
                         "limit: \"%.40s\" is not a whole number from 1 to %d", v, API_PAGE_MAX),
               1;
    *limit = n;
    return 0;
}

char *api_cursor_encode(struct api_req *a, const void *key, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char *out = h2o_mem_alloc_pool(&a->req->pool, len * 2 + 1);
    const unsigned char *k = key;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[k[i] >> 4];
        out[2 * i + 1] = hex[k[i] & 15];
    }
    out[len * 2] = 0;
    return out;
}

int api_cursor_decode(const char *cur, void *out, size_t cap, size_t *len)
{
    size_t n = strlen(cur);
    if (n % 2 || n / 2 > cap)
        return -EINVAL;
    unsigned char *o = out;
    for (size_t i = 0; i < n; i += 2) {
        int hi = ascii_hexval((unsigned char)cur[i]), lo = ascii_hexval((unsigned char)cur[i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        o[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    *len = n / 2;
    return 0;
}

/* Ids are printable ASCII without spaces, like the inventory's. */
bool api_valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > STORE_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] <= 0x20 || (unsigned char)id[i] >= 0x7f)
            return false;
    return true;
}

int api_camera_id(struct api_req *a, const char **id)
{
    *id = a->seg[3];
    if (api_valid_id(*id))
        return 0;
    api_error(a, 400, "bad_id", "camera id: expected 1 to %d printable ASCII characters",
              STORE_ID_MAX);
    return 1;
}

int api_unit_param(struct api_req *a, const char **unit)
{
    *unit = api_param(a, "unit");
    if (!*unit || api_valid_id(*unit))
        return 0;
    api_error(a, 400, "bad_parameter", "unit: expected 1 to %d printable ASCII characters",
              STORE_ID_MAX);
    return 1;
}

int api_no_camera(struct api_req *a, const char *id)
{
    return api_error(a, 404, "not_found", "no camera \"%s\" (GET /api/v1/cameras lists them)", id);
}
