/* OSD time parsing and name matching; see osd_text.h. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "osd_text.h"

/* Decodes one UTF-8 character at s[*i] (bounded by len); invalid bytes
 * come back as U+FFFD one at a time. */
static uint32_t next_cp(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    size_t n = c < 0x80             ? 1
               : (c & 0xe0) == 0xc0 ? 2
               : (c & 0xf0) == 0xe0 ? 3
               : (c & 0xf8) == 0xf0 ? 4
                                    : 0;
    if (n == 0 || *i + n > len) {
        (*i)++;
        return 0xfffd;
    }
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (size_t k = 1; k < n; k++) {
        if ((s[*i + k] & 0xc0) != 0x80) {
            (*i)++;
            return 0xfffd;
        }
        cp = cp << 6 | (s[*i + k] & 0x3f);
    }
    *i += n;
    return cp;
}

/* Code points of text, at most cap of them. */
static size_t decode(const char *text, size_t len, uint32_t *out, size_t cap)
{
    size_t i = 0, n = 0;
    while (i < len && n < cap && text[i])
        out[n++] = next_cp((const unsigned char *)text, len, &i);
    return n;
}

static int digit_of(uint32_t c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if (c >= 0xff10 && c <= 0xff19) /* full-width digits */
        return (int)(c - 0xff10);
    return -1;
}

/* The digit OCR probably meant by a letter, or -1. */
static int lookalike_digit(uint32_t c)
{
    switch (c) {
    case 'O':
    case 'o':
    case 'D':
    case 'Q':
        return 0;
    case 'l':
    case 'I':
    case '|':
    case 'i':
        return 1;
    case 'Z':
    case 'z':
        return 2;
    case 'S':
    case 's':
        return 5;
    case 'B':
        return 8;
    case 'g':
        return 9;
    default:
        return -1;
    }
}

enum tok_kind { T_NUM, T_DATE_SEP, T_COLON, T_SPACE, T_OTHER, T_END };

struct tok {
    enum tok_kind kind;
    int value;  /* T_NUM: the number */
    int digits; /* T_NUM: how many digits */
};

/* Tokens of the text: numbers (with look-alike letters inside or next to
 * digits), date separators, colons, spaces and anything else. */
static size_t tokenise(const uint32_t *cp, size_t n, struct tok *t, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap;) {
        int d = digit_of(cp[i]);
        bool near_digit =
            (i + 1 < n && digit_of(cp[i + 1]) >= 0) || (i > 0 && digit_of(cp[i - 1]) >= 0);
        if (d < 0 && near_digit)
            d = lookalike_digit(cp[i]);
        if (d >= 0) {
            struct tok num = {T_NUM, 0, 0};
            while (i < n) {
                int e = digit_of(cp[i]);
                if (e < 0 && ((i + 1 < n && digit_of(cp[i + 1]) >= 0) ||
                              (i > 0 && digit_of(cp[i - 1]) >= 0)))
                    e = lookalike_digit(cp[i]);
                if (e < 0 || num.digits == 4)
                    break;
                num.value = num.value * 10 + e;
                num.digits++;
                i++;
            }
            t[k++] = num;
            continue;
        }
        uint32_t c = cp[i++];
        enum tok_kind kind;
        if (c == '-' || c == '/' || c == '.' || c == 0x5e74 /* 年 */ || c == 0x6708 /* 月 */ ||
            c == 0xff0d || c == 0xff0f)
            kind = T_DATE_SEP;
        else if (c == ':' || c == ';' || c == 0xff1a)
            kind = T_COLON;
        else if (c == ' ' || c == '\t' || c == 0x3000 || c == 0x65e5 /* 日 */)
            kind = T_SPACE;
        else
            kind = T_OTHER;
        /* Runs of one kind are one token: "2026 - 12" is one separator. */
        if (k && t[k - 1].kind == kind && kind != T_NUM)
            continue;
        t[k++] = (struct tok){kind, 0, 0};
    }
    return k;
}

static bool valid_date(int y, int m, int d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 2199 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m != 2 || d <= 28 || leap;
}

/* A number token at t[i], ignoring one space token on either side of a
 * separator. */
static size_t skip_spaces(const struct tok *t, size_t n, size_t i)
{
    while (i < n && t[i].kind == T_SPACE)
        i++;
    return i;
}

/* Y sep M sep D or M sep D sep Y starting at t[i]; the index after it. */
static size_t parse_date(const struct tok *t, size_t n, size_t i, struct osd_time *out)
{
    int v[3], dg[3];
    size_t j = i;
    for (int f = 0; f < 3; f++) {
        j = skip_spaces(t, n, j);
        if (j >= n || t[j].kind != T_NUM)
            return 0;
        v[f] = t[j].value;
        dg[f] = t[j].digits;
        j++;
        if (f < 2) {
            j = skip_spaces(t, n, j);
            if (j >= n || t[j].kind != T_DATE_SEP)
                return 0;
            j++;
        }
    }
    if (dg[0] == 4 && dg[1] <= 2 && dg[2] <= 2 && valid_date(v[0], v[1], v[2])) {
        out->year = v[0], out->month = v[1], out->day = v[2];
        return j;
    }
    if (dg[2] == 4 && dg[0] <= 2 && dg[1] <= 2 && valid_date(v[2], v[0], v[1])) {
        out->year = v[2], out->month = v[0], out->day = v[1];
        return j;
    }
    return 0;
}

/* HH:MM:SS at t[i]. */
static bool parse_clock(const struct tok *t, size_t n, size_t i, struct osd_time *out)
{
    int v[3];
    for (int f = 0; f < 3; f++) {
        if (i >= n || t[i].kind != T_NUM || t[i].digits > 2 || (f && t[i].digits != 2))
            return false;
        v[f] = t[i++].value;
        if (f < 2) {
            if (i >= n || t[i].kind != T_COLON)
                return false;
            i++;
        }
    }
    if (v[0] > 23 || v[1] > 59 || v[2] > 60)
        return false;
    out->hour = v[0], out->minute = v[1], out->second = v[2] > 59 ? 59 : v[2];
    return true;
}

int osd_parse_time(const char *text, size_t len, struct osd_time *t)
{
    static _Thread_local uint32_t cp[OSD_TEXT_MAX];
    static _Thread_local struct tok tok[OSD_TEXT_MAX];
    if (!text || !t)
        return -EINVAL;
    size_t n = decode(text, len < OSD_TEXT_MAX ? len : OSD_TEXT_MAX, cp, OSD_TEXT_MAX);
    size_t nt = tokenise(cp, n, tok, OSD_TEXT_MAX);
    for (size_t i = 0; i < nt; i++) {
        struct osd_time cand = {0};
        size_t after = parse_date(tok, nt, i, &cand);
        if (!after)
            continue;
        /* The time follows within a few tokens: a weekday, spaces. */
        for (size_t j = after; j < nt && j < after + 10; j++)
            if (parse_clock(tok, nt, j, &cand)) {
                *t = cand;
                return 0;
            }
    }
    return -ENOENT;
}

long long osd_time_seconds(const struct osd_time *t)
{
    /* Days from civil (proleptic Gregorian), counted from 0000-03-01. */
    int y = t->year - (t->month <= 2);
    long long era = y / 400;
    long long yoe = y - era * 400;
    long long mp = (t->month + 9) % 12;
    long long doy = (153 * mp + 2) / 5 + t->day - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = era * 146097 + doe;
    return days * 86400 + t->hour * 3600LL + t->minute * 60LL + t->second;
}

/* Left out of names: white space and punctuation, ASCII and CJK. */
static bool ignorable(uint32_t c)
{
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    return (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xff0f) ||
           (c >= 0xff1a && c <= 0xff20) || (c >= 0xff3b && c <= 0xff40) ||
           (c >= 0xff5b && c <= 0xff65) || (c >= 0x2000 && c <= 0x206f) || c == 0xfffd;
}

static size_t normalise(uint32_t *cp, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        if (c >= 0xff10 && c <= 0xff19)
            c = '0' + (c - 0xff10);
        else if (c >= 0xff21 && c <= 0xff3a)
            c = 'a' + (c - 0xff21);
        else if (c >= 0xff41 && c <= 0xff5a)
            c = 'a' + (c - 0xff41);
        if (ignorable(c))
            continue;
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        cp[k++] = c;
    }
    return k;
}

double osd_name_similarity(const char *name, const char *text, size_t len)
{
    static _Thread_local uint32_t a[OSD_NAME_MAX], b[OSD_TEXT_MAX];
    static _Thread_local unsigned row[OSD_NAME_MAX + 1];
    if (!name || !text)
        return 0;
    size_t na = normalise(a, decode(name, strlen(name), a, OSD_NAME_MAX));
    size_t nb =
        normalise(b, decode(text, len < OSD_TEXT_MAX ? len : OSD_TEXT_MAX, b, OSD_TEXT_MAX));
    if (na == 0)
        return 0;
    /* Approximate matching (Sellers): edit distance of `a` against the
     * best substring of `b`; the column of `a` runs down, `b` across, and
     * a match may start anywhere in `b` (row 0 stays 0). */
    unsigned best = (unsigned)na;
    for (size_t i = 0; i <= na; i++)
        row[i] = (unsigned)i;
    for (size_t j = 1; j <= nb; j++) {
        unsigned diag = row[0]; /* D[i-1][j-1] */
        row[0] = 0;
        for (size_t i = 1; i <= na; i++) {
            unsigned up = row[i];
            unsigned sub = diag + (a[i - 1] != b[j - 1]);
            unsigned del = row[i - 1] + 1;
            unsigned ins = up + 1;
            unsigned v = sub < del ? sub : del;
            row[i] = v < ins ? v : ins;
            diag = up;
        }
        if (row[na] < best)
            best = row[na];
    }
    return 1.0 - (double)best / (double)na;
}

void osd_judge(const char *text, size_t len, const int *line_conf, int nlines, const char *name,
               const struct osd_time *now, const struct osd_limits *l, struct osd_verdict *v)
{
    memset(v, 0, sizeof(*v));
    if (!text || !line_conf || nlines <= 0)
        return;
    int time_line = -1;
    bool other_sure = false;
    size_t start = 0;
    for (int i = 0; i < nlines && start <= len; i++) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        struct osd_time t;
        bool has_time = osd_parse_time(text + start, end - start, &t) == 0;
        if (has_time && time_line < 0 && line_conf[i] >= l->min_time_conf &&
            t.year <= now->year + 1) {
            time_line = i;
            v->read = t;
        } else if (!has_time && line_conf[i] >= l->min_label_conf) {
            other_sure = true;
        }
        if (name && *name) {
            double sim = osd_name_similarity(name, text + start, end - start);
            if (sim > v->similarity)
                v->similarity = sim;
        }
        start = end + 1;
    }
    if (time_line >= 0) {
        v->offset_s = osd_time_seconds(&v->read) - osd_time_seconds(now);
        long long off = v->offset_s < 0 ? -v->offset_s : v->offset_s;
        v->time = off > l->time_tolerance_s ? OSD_WRONG : OSD_RIGHT;
    }
    if (!name || !*name)
        return;
    if (v->similarity >= l->name_right)
        v->label = OSD_RIGHT;
    else if (v->similarity < l->name_wrong && time_line >= 0 && other_sure)
        v->label = OSD_WRONG;
}
