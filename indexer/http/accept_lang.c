/* Accept-Language, read for the one choice camdex makes (en or zh); see
 * accept_lang.h. Written by hand: h2o has no parser for it, and the
 * grammar needed is a comma list of tags with an optional q. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "http/accept_lang.h"

static bool ows(char c)
{
    return c == ' ' || c == '\t';
}

/* A qvalue: "0", "0.d", "0.dd", "0.ddd", "1", "1.", "1.000"; in
 * thousandths, or -1 when malformed. */
static int parse_q(const char *p, size_t n)
{
    if (n == 0 || (p[0] != '0' && p[0] != '1') || n > 5 || (n > 1 && p[1] != '.'))
        return -1;
    int q = (p[0] - '0') * 1000, scale = 100;
    for (size_t i = 2; i < n; i++, scale /= 10) {
        if (p[i] < '0' || p[i] > '9' || (p[0] == '1' && p[i] != '0'))
            return -1;
        q += (p[i] - '0') * scale;
    }
    return q;
}

/* The q of one element's parameters ("; q=0.8"): 1000 when absent, -1
 * when malformed. Other parameters are ignored. */
static int element_q(const char *p, size_t n)
{
    int q = 1000;
    size_t i = 0;
    while (i < n) {
        while (i < n && (ows(p[i]) || p[i] == ';'))
            i++;
        size_t start = i;
        while (i < n && p[i] != ';')
            i++;
        size_t end = i;
        while (end > start && ows(p[end - 1]))
            end--;
        if (end - start >= 2 && (p[start] == 'q' || p[start] == 'Q') && p[start + 1] == '=')
            q = parse_q(p + start + 2, end - start - 2);
        if (q < 0)
            return -1;
    }
    return q;
}

/* The language of a range by its primary subtag: MSG_EN, MSG_ZH, or -1
 * for neither. "*" (any) is English, the default. */
static int range_lang(const char *p, size_t n)
{
    if (n == 1 && p[0] == '*')
        return MSG_EN;
    size_t k = 0;
    while (k < n && p[k] != '-' && p[k] != '_')
        k++;
    if (k == 2 && strncasecmp(p, "zh", 2) == 0)
        return MSG_ZH;
    if (k == 2 && strncasecmp(p, "en", 2) == 0)
        return MSG_EN;
    return -1;
}

enum msg_lang accept_lang_pick(const char *value, size_t len)
{
    if (!value || len > ACCEPT_LANG_MAX)
        return MSG_EN;
    int best = -1, best_q = 0;
    size_t i = 0, items = 0;
    while (i < len && items < ACCEPT_LANG_ITEMS) {
        size_t start = i;
        while (i < len && value[i] != ',')
            i++;
        size_t end = i++;
        const char *semi = memchr(value + start, ';', end - start);
        size_t rend = semi ? (size_t)(semi - value) : end;
        while (start < rend && ows(value[start]))
            start++;
        while (rend > start && ows(value[rend - 1]))
            rend--;
        if (rend == start)
            continue; /* an empty element: "a,,b" */
        items++;
        int q = semi ? element_q(semi + 1, end - (size_t)(semi + 1 - value)) : 1000;
        int l = range_lang(value + start, rend - start);
        if (l >= 0 && q > best_q) {
            best = l;
            best_q = q;
        }
    }
    return best < 0 ? MSG_EN : (enum msg_lang)best;
}
