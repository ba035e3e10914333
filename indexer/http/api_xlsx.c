/* HTTP API: answers as Excel workbooks. The list and report endpoints
 * take format=xlsx and answer with the rows of their JSON as one sheet
 * (views/xlsx_table.h), headings in the language the client's
 * Accept-Language asks for first (English unless it is Chinese), and a
 * file name to save it under. The workbook is made off the HTTP loop, in a
 * temporary file that has no name any more by the time it is sent
 * ($TMPDIR, else /tmp, which the shipped unit makes private to the
 * service). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/api_internal.h"
#include "views/xlsx_table.h"

int api_format_param(struct api_req *a, bool csv, enum api_format *f)
{
    const char *v = api_param(a, "format");
    *f = API_JSON;
    if (!v || strcmp(v, "json") == 0)
        return 0;
    if (csv && strcmp(v, "csv") == 0)
        *f = API_CSV;
    else if (strcmp(v, "xlsx") == 0)
        *f = API_XLSX;
    else
        return api_error(a, 400, "bad_parameter", "format: \"%.40s\" is not a format (use %s)", v,
                         csv ? "json, csv or xlsx" : "json or xlsx"),
               1;
    return 0;
}

/* The first language of Accept-Language ("zh-CN,zh;q=0.9,en;q=0.8"). */
static enum msg_lang request_lang(struct api_req *a)
{
    enum msg_lang lang = MSG_EN;
    ssize_t h = h2o_find_header(&a->req->headers, H2O_TOKEN_ACCEPT_LANGUAGE, -1);
    if (h < 0)
        return lang;
    h2o_iovec_t v = a->req->headers.entries[h].value;
    char tag[32];
    size_t n = 0;
    while (n < v.len && n < sizeof(tag) - 1 && v.base[n] != ',' && v.base[n] != ';' &&
           v.base[n] != ' ')
        n++;
    memcpy(tag, v.base, n);
    tag[n] = 0;
    msg_lang_parse(tag, &lang); /* anything else stays English */
    return lang;
}

/* A workbook being made on libuv's worker pool: a page of 1,000 rows took
 * 0.35-0.42 s on a loaded two-core machine, which the HTTP loop must not
 * spend while other clients wait. The rows cross as JSON text: the request's own
 * rows live in its pool, which h2o frees if the client goes away. */
struct xlsx_job {
    struct api_work w;
    /* in: owned copies; sheets' rows_json holds each sheet's rows as JSON
     * text until the worker parses it */
    char *rows_json[API_XLSX_SHEETS_MAX];
    char *filename, *next_cursor;
    struct xlsx_sheet sheets[API_XLSX_SHEETS_MAX]; /* cols: static tables of the handlers */
    size_t nsheets;
    struct xlsx_options o;
    /* out */
    int rc, fd;
};

/* On a worker thread: jansson allocates with malloc here (no request pool
 * is set on this thread), and nothing but the job is touched. */
static void make_workbook(struct api_work *w)
{
    struct xlsx_job *j = (struct xlsx_job *)w;
    j->rc = 0;
    for (size_t i = 0; i < j->nsheets; i++)
        if (!(j->sheets[i].rows = json_loads(j->rows_json[i], 0, NULL)))
            j->rc = -ENOMEM;
    if (!j->rc)
        j->rc = xlsx_tables_temp(&j->o, j->sheets, j->nsheets, &j->fd);
    for (size_t i = 0; i < j->nsheets; i++) {
        json_decref(j->sheets[i].rows);
        j->sheets[i].rows = NULL;
    }
}

/* The finished workbook behind fd, into the request's pool. */
static int read_all(h2o_req_t *req, int fd, char **body, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st))
        return -errno;
    *len = (size_t)st.st_size;
    *body = h2o_mem_alloc_pool(&req->pool, *len + 1);
    for (size_t got = 0; got < *len;) {
        ssize_t n = read(fd, *body + got, *len - got);
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        got += (size_t)n;
    }
    return 0;
}

static int send_workbook(struct api_req *a, const struct xlsx_job *j)
{
    char *body = NULL;
    size_t len = 0;
    int rc = j->rc ? j->rc : read_all(a->req, j->fd, &body, &len);
    if (rc)
        return api_error(a, 500, "internal",
                         "cannot make the workbook in %s: %s (the service needs room to write "
                         "there; set TMPDIR to change the place)",
                         xlsx_tmpdir(&j->o), strerror(-rc));
    char disposition[160];
    int n = snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", j->filename);
    h2o_add_header(&a->req->pool, &a->req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL,
                   api_strdup(a, disposition, (size_t)n), (size_t)n);
    if (j->next_cursor)
        h2o_add_header_by_str(&a->req->pool, &a->req->res.headers, H2O_STRLIT("x-next-cursor"), 0,
                              NULL, api_strdup(a, j->next_cursor, strlen(j->next_cursor)),
                              strlen(j->next_cursor));
    return api_send(a, 200, XLSX_CONTENT_TYPE, body, len);
}

static void job_free(struct xlsx_job *j)
{
    if (j->fd >= 0)
        close(j->fd);
    for (size_t i = 0; i < API_XLSX_SHEETS_MAX; i++)
        free(j->rows_json[i]);
    free(j->filename);
    free(j->next_cursor);
    free(j);
}

static void workbook_done(struct api_work *w, struct api_req *a, int status)
{
    struct xlsx_job *j = (struct xlsx_job *)w;
    if (a && status)
        api_error(a, 500, "internal", "the workbook was not made: %s", uv_strerror(status));
    else if (a)
        send_workbook(a, j);
    job_free(j);
}

static char *dup_or_null(const char *s, bool *failed)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *failed = true;
    return d;
}

int api_send_xlsx(struct api_req *a, const char *filename, const char *next_cursor,
                  const char *sheet_key, const struct out_col *cols, size_t ncols, json_t *rows)
{
    const struct xlsx_sheet one = {sheet_key, cols, ncols, rows};
    return api_send_xlsx_sheets(a, filename, next_cursor, request_lang(a), &one, 1);
}

int api_send_xlsx_sheets(struct api_req *a, const char *filename, const char *next_cursor,
                         enum msg_lang lang, const struct xlsx_sheet *sheets, size_t n)
{
    struct xlsx_job *j = calloc(1, sizeof(*j));
    if (!j || n < 1 || n > API_XLSX_SHEETS_MAX) {
        free(j);
        return api_error(a, 500, "internal", "out of memory");
    }
    j->fd = -1;
    bool failed = false;
    for (size_t i = 0; i < n; i++) {
        char *text = json_dumps(sheets[i].rows, JSON_COMPACT); /* in the request pool */
        j->rows_json[i] = dup_or_null(text ? text : "", &failed);
        failed |= !text;
        j->sheets[i] = sheets[i];
        j->sheets[i].rows = NULL;
    }
    j->nsheets = n;
    j->filename = dup_or_null(filename, &failed);
    j->next_cursor = dup_or_null(next_cursor, &failed);
    if (failed) {
        job_free(j);
        return api_error(a, 500, "internal", "out of memory");
    }
    j->o.lang = lang;
    int rc = api_work_queue(a, &j->w, make_workbook, workbook_done);
    if (rc) {
        job_free(j);
        return api_error(a, 500, "internal", "cannot start making the workbook: %s",
                         uv_strerror(rc));
    }
    return 0; /* answered by workbook_done */
}
