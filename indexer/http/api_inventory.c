/* HTTP API: POST /api/v1/inventory, `camdex import` over HTTP. The same
 * parse, validation, diff and one-transaction apply (inventory.c,
 * import.c), run off the HTTP loop on libuv's worker pool because a large
 * import takes a while; one at a time. The running service notices the
 * change through the import revision, as it does for `camdex import`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_internal.h"
#include "inventory/import.h"
#include "inventory/inventory.h"

#define IMPORT_ERRORS_SHOWN 20 /* errors listed in a 400; the rest are counted */

struct import_job {
    struct api_work w;
    /* in: owned copies, the request may go while the work runs */
    char *body;
    size_t len;
    enum inv_format fmt;
    enum inv_encoding enc;
    bool dry_run, prune;
    /* out */
    int parse_rc, rc;
    size_t count;
    struct import_result res;
    struct inv_errors errs;
    char warning[INV_ERROR_MAX]; /* line breaks stored as spaces, "" if none */
};

/* On a worker thread: touches only the job and the store. */
static void run_import(struct api_work *w)
{
    struct import_job *j = (struct import_job *)w;
    struct inventory inv;
    inv_init(&inv);
    j->parse_rc = inv_parse(j->body, j->len, "body", j->fmt, j->enc, &inv, &j->errs);
    if (!j->parse_rc) {
        j->count = inv.count;
        inv_breaks_warning(&inv, "body", j->warning, sizeof(j->warning));
        j->rc = import_apply(j->w.env->store, &inv, j->prune, j->dry_run, &j->res);
    }
    inv_free(&inv);
}

/* "body:17: column ..." -> 17; 0 when the message names no line. */
static unsigned long error_line(const char *msg)
{
    const char *p = strchr(msg, ':');
    if (!p || p[1] < '0' || p[1] > '9')
        return 0;
    return strtoul(p + 1, NULL, 10);
}

static int answer_parse_errors(struct api_req *a, const struct inv_errors *errs, int rc)
{
    if (rc != -EINVAL || !errs->count)
        return api_error(a, rc == -ENOMEM ? 500 : 400, "bad_body",
                         "the inventory cannot be read: %s; nothing was written", strerror(-rc));
    size_t kept = errs->count < INV_ERRORS_KEPT ? errs->count : INV_ERRORS_KEPT;
    size_t shown = kept < IMPORT_ERRORS_SHOWN ? kept : IMPORT_ERRORS_SHOWN;
    json_t *list = json_array();
    for (size_t i = 0; i < shown; i++) {
        json_t *e = json_pack("{s:s}", "message", errs->msg[i]);
        unsigned long line = error_line(errs->msg[i]);
        if (line)
            json_object_set_new(e, "line", json_integer((json_int_t)line));
        json_array_append_new(list, e);
    }
    char msg[160];
    snprintf(msg, sizeof(msg),
             "the inventory has %zu error%s; nothing was written (fix them and "
             "send it again)",
             errs->count, errs->count == 1 ? "" : "s");
    json_t *o = json_pack("{s:{s:s, s:i, s:s}, s:o, s:i}", "error", "code", "invalid_inventory",
                          "status", 400, "message", msg, "errors", list, "more_errors",
                          (json_int_t)(errs->count - shown));
    return api_json(a, 400, o);
}

/* What was done, and the warnings (an empty list when none). */
static int answer_done(struct api_req *a, const struct import_job *j)
{
    json_t *warnings = json_array();
    if (j->warning[0])
        json_array_append_new(warnings, json_string(j->warning));
    return api_json(a, 200,
                    json_pack("{s:b, s:b, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:o}", "dry_run",
                              j->dry_run, "prune", j->prune, "cameras", (json_int_t)j->count,
                              "added", j->res.added, "changed", j->res.changed, "unchanged",
                              j->res.unchanged, "removed", j->res.removed, "missing",
                              j->res.missing, "units_renamed", j->res.units_renamed, "warnings",
                              warnings));
}

static int answer(struct api_req *a, struct import_job *j, int status)
{
    if (status)
        return api_error(a, 500, "internal", "the import did not run: %s", uv_strerror(status));
    if (j->parse_rc)
        return answer_parse_errors(a, &j->errs, j->parse_rc);
    if (j->rc == -EROFS)
        return api_error(a, 409, "central",
                         "this index is a central's: its cameras come from each zone's prober; "
                         "import the inventory at the prober of its zone");
    if (j->rc)
        return api_error(a, j->rc == -EAGAIN ? 503 : 500, "store",
                         "the import failed, nothing was written: %s", store_strerror(j->rc));
    return answer_done(a, j);
}

static void import_done(struct api_work *w, struct api_req *a, int status)
{
    struct import_job *j = (struct import_job *)w;
    j->w.env->import_running = false;
    if (a)
        answer(a, j, status);
    free(j->body);
    free(j);
}

/* The format: format= first, then the Content-Type, else found from the
 * text as `camdex import` does for a file without a telling name. */
static int body_format(struct api_req *a, enum inv_format *fmt)
{
    const char *f = api_param(a, "format");
    *fmt = INV_FMT_AUTO;
    if (f) {
        if (strcmp(f, "csv") == 0)
            *fmt = INV_FMT_CSV;
        else if (strcmp(f, "json") == 0)
            *fmt = INV_FMT_JSON;
        else
            return api_error(a, 400, "bad_parameter",
                             "format: \"%.20s\" is not an inventory format (use csv or json)", f),
                   1;
        return 0;
    }
    ssize_t h = h2o_find_header(&a->req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (h < 0)
        return 0;
    h2o_iovec_t ct = a->req->headers.entries[h].value;
    size_t n = 0;
    while (n < ct.len && ct.base[n] != ';' && ct.base[n] != ' ')
        n++;
    if (h2o_lcstris(ct.base, n, H2O_STRLIT("text/csv")))
        *fmt = INV_FMT_CSV;
    else if (h2o_lcstris(ct.base, n, H2O_STRLIT("application/json")))
        *fmt = INV_FMT_JSON;
    return 0;
}

int api_inventory(struct api_req *a)
{
    static const char *const known[] = {"dry_run", "prune", "format", "encoding", NULL};
    if (api_check_params(a, known))
        return 0;
    bool dry_run, prune;
    enum inv_format fmt;
    enum inv_encoding encoding;
    if (api_flag_param(a, "dry_run", &dry_run) || api_flag_param(a, "prune", &prune) ||
        body_format(a, &fmt))
        return 0;
    const char *enc = api_param(a, "encoding");
    if (!enc || strcmp(enc, "auto") == 0)
        encoding = INV_ENC_AUTO;
    else if (strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0)
        encoding = INV_ENC_UTF8;
    else if (strcasecmp(enc, "gb18030") == 0 || strcasecmp(enc, "gbk") == 0)
        encoding = INV_ENC_GB18030;
    else
        return api_error(a, 400, "bad_parameter",
                         "encoding: \"%.20s\" is not supported (use auto, utf-8 or gb18030)", enc);
    h2o_iovec_t body = a->req->entity;
    if (body.len > a->env->cfg->http_max_body)
        return api_error(a, 413, "too_large", "the body is larger than %u bytes ([http] max_body)",
                         a->env->cfg->http_max_body);
    if (a->env->import_running)
        return api_error(a, 409, "import_running",
                         "another inventory import is running; send this one when it has ended");
    struct import_job *j = calloc(1, sizeof(*j));
    char *copy = malloc(body.len + 1);
    if (!j || !copy) {
        free(j);
        free(copy);
        return api_error(a, 500, "internal", "out of memory");
    }
    j->dry_run = dry_run;
    j->prune = prune;
    j->fmt = fmt;
    j->enc = encoding;
    if (body.len)
        memcpy(copy, body.base, body.len);
    j->body = copy;
    j->len = body.len;
    int rc = api_work_queue(a, &j->w, run_import, import_done);
    if (rc) {
        free(j->body);
        free(j);
        return api_error(a, 500, "internal", "cannot start the import: %s", uv_strerror(rc));
    }
    a->env->import_running = true;
    return 0; /* answered by import_done */
}
