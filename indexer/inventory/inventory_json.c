/* Inventory JSON reader (jansson): a list of camera objects, either the
 * whole document or under "cameras", with the line each object starts on. */
#include "inventory/inventory_internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jansson keeps no positions for values, so find the line where each element
 * of the camera list starts with a small scan of the (already valid) text.
 * Returns how many element starts were recorded. */
static size_t element_lines(const char *t, size_t len, int root_is_array, uint32_t *lines,
                            size_t max)
{
    uint32_t line = 1;
    int depth = 0, target = root_is_array ? 1 : -1;
    int expecting = 0, in_str = 0, esc = 0;
    int key_is_cameras = 0, after_colon = 0;
    size_t str_start = 0, n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (in_str) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"') {
                in_str = 0;
                if (depth == 1 && !root_is_array)
                    key_is_cameras = i - str_start == 7 && memcmp(t + str_start, "cameras", 7) == 0;
            }
            continue;
        }
        if (c == '\n') {
            line++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r')
            continue;
        if (expecting && c != ']') {
            if (n < max)
                lines[n] = line;
            n++;
            expecting = 0;
        }
        int colon_value = after_colon;
        after_colon = 0;
        switch (c) {
        case '"':
            in_str = 1;
            str_start = i + 1;
            break;
        case ':':
            after_colon = depth == 1 && key_is_cameras && target < 0;
            break;
        case '{':
        case '[':
            depth++;
            if (c == '[' && colon_value)
                target = depth;
            if (c == '[' && depth == target)
                expecting = 1;
            break;
        case '}':
        case ']':
            if (c == ']' && depth == target)
                return n;
            depth--;
            expecting = 0;
            break;
        case ',':
            if (depth == target)
                expecting = 1;
            break;
        default:
            break;
        }
    }
    return n;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "true/false";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/* Per-row text made from non-string values (numbers, tag lists). */
struct row_text {
    char num[3][48];
    char tags[INV_TAGS_MAX + 2];
};

static int take_value(struct inv_builder *b, uint32_t line, const char *key, int col, json_t *v,
                      struct inv_field *f, struct row_text *rt, int *nums)
{
    f->present = 1;
    f->label = key;
    if (json_is_null(v)) {
        f->present = 0;
        return 0;
    }
    if (json_is_string(v)) {
        f->s = json_string_value(v);
        f->len = json_string_length(v);
        return 0;
    }
    if (json_is_number(v) && (col == INV_COL_LAT || col == INV_COL_LON || col == INV_COL_FPS) &&
        *nums < 3) {
        char *o = rt->num[(*nums)++];
        if (json_is_integer(v))
            snprintf(o, sizeof rt->num[0], "%lld", (long long)json_integer_value(v));
        else
            snprintf(o, sizeof rt->num[0], "%.9f", json_real_value(v));
        f->s = o;
        f->len = strlen(o);
        return 0;
    }
    if (json_is_array(v) && col == INV_COL_TAGS) {
        size_t o = 0, i;
        json_t *t;
        json_array_foreach(v, i, t)
        {
            if (!json_is_string(t)) {
                inv_error(b, line, "key \"%s\": tag %zu is %s; tags are strings", key, i + 1,
                          type_name(t));
                return -1;
            }
            size_t l = json_string_length(t);
            if (o + l + 1 > INV_TAGS_MAX + 1) {
                o = INV_TAGS_MAX + 1; /* let the length check report it */
                break;
            }
            if (o)
                rt->tags[o++] = ',';
            memcpy(rt->tags + o, json_string_value(t), l);
            o += l;
        }
        rt->tags[o] = '\0';
        f->s = rt->tags;
        f->len = o;
        return 0;
    }
    inv_error(b, line, "key \"%s\": is %s; expected a string%s", key, type_name(v),
              col == INV_COL_ID || col == INV_COL_UNIT_ID
                  ? " (quote ids so 20-digit codes keep every digit)"
                  : "");
    return -1;
}

static int one_camera(struct inv_builder *b, json_t *obj, size_t index, uint32_t line)
{
    if (!json_is_object(obj)) {
        inv_error(b, line, "camera %zu is %s; expected an object like {\"id\": ..., \"url\": ...}",
                  index + 1, type_name(obj));
        b->rows++;
        return 0;
    }
    struct inv_row row = {.line = line};
    struct row_text rt;
    const char *seen[INV_COL_COUNT] = {0};
    int nums = 0, bad = 0;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int col = inv_col_lookup(key, strlen(key));
        char q[96];
        if (col < 0) {
            inv_error(b, line, "key %s: unknown; accepted keys: %s",
                      inv_quote(key, strlen(key), q, sizeof q), inv_cols_accepted);
            bad = 1;
            continue;
        }
        if (seen[col]) {
            inv_error(b, line, "key %s repeats key \"%s\", both mean \"%s\"; keep one",
                      inv_quote(key, strlen(key), q, sizeof q), seen[col], inv_col_name(col));
            bad = 1;
            continue;
        }
        seen[col] = key;
        if (take_value(b, line, key, col, v, &row.f[col], &rt, &nums) < 0)
            bad = 1;
    }
    if (bad) {
        b->rows++;
        return 0;
    }
    return inv_add_row(b, &row);
}

int inv_parse_json(struct inv_builder *b, const char *text, size_t len)
{
    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!root) {
        /* jansson quotes the text near the error, which may be a URL with
         * its password (an unterminated string, say), and in a file cut
         * short one whose '@' never came, so redaction cannot find the
         * password: text that may be a URL or user:password is not shown. */
        char safe[sizeof err.text + 40];
        const char *near = strstr(err.text, "near '");
        size_t keep = near ? (size_t)(near - err.text) : strlen(err.text);
        memcpy(safe, err.text, keep);
        snprintf(safe + keep, sizeof safe - keep, "%s",
                 !near                   ? ""
                 : strchr(near + 6, ':') ? "near text not shown (it may hold a password)"
                                         : near);
        /* 20-digit GB/T 28181 codes written as numbers overflow jansson. */
        inv_error(b, err.line > 0 ? (uint32_t)err.line : 0, "column %d: invalid JSON: %s%s",
                  err.column, safe,
                  strstr(err.text, "too big") ? "; quote ids so 20-digit codes keep every digit"
                                              : "");
        return 0;
    }
    json_t *list = root;
    if (json_is_object(root)) {
        list = json_object_get(root, "cameras");
        if (!list) {
            inv_error(b, 1, "no \"cameras\" key; expected [{...}, ...] or {\"cameras\": [...]}");
            goto out;
        }
    }
    if (!json_is_array(list)) {
        inv_error(b, 1, "%s is %s; expected a list of camera objects",
                  list == root ? "the document" : "\"cameras\"", type_name(list));
        goto out;
    }
    size_t count = json_array_size(list);
    if (count == 0) {
        inv_error(b, 1, "no cameras in the list");
        goto out;
    }
    if (count > INV_ROWS_MAX) {
        inv_error(b, 1, "more than %d cameras; split the inventory into several files",
                  INV_ROWS_MAX);
        goto out;
    }
    uint32_t *lines = calloc(count, sizeof *lines);
    if (!lines) {
        json_decref(root);
        return -ENOMEM;
    }
    /* Without a trustworthy position, line 0 leaves the line out. */
    if (element_lines(text, len, list == root, lines, count) != count)
        memset(lines, 0, count * sizeof *lines);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0 && !b->stop; i++)
        rc = one_camera(b, json_array_get(list, i), i, lines[i]);
    free(lines);
    json_decref(root);
    return rc;
out:
    json_decref(root);
    return 0;
}
