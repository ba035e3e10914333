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
    uv_work_t work;
    /* HTTP thread only */
    h2o_req_t *req;        /* NULL once the client is gone */
    struct xlsx_job **ref; /* the request pool's pointer back to this */
    struct api_env *env;
    /* in: owned copies */
    char *rows_json;
    char *filename, *next_cursor;
    const char *sheet_key;
    const struct out_col *cols; /* static tables of the handlers */
    size_t ncols;
    struct xlsx_options o;
    /* out */
    int rc, fd;
};

static void on_req_gone(void *p)
{
    struct xlsx_job *j = *(struct xlsx_job **)p;
    if (j) {
        j->req = NULL;
        j->ref = NULL;
    }
}

/* On a worker thread: jansson allocates with malloc here (no request pool
 * is set on this thread), and nothing but the job is touched. */
static void make_workbook(uv_work_t *w)
{
    struct xlsx_job *j = (struct xlsx_job *)w;
    json_t *rows = json_loads(j->rows_json, 0, NULL);
    j->rc = rows ? xlsx_table_temp(&j->o, j->sheet_key, j->cols, j->ncols, rows, &j->fd) : -ENOMEM;
    json_decref(rows);
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
    free(j->rows_json);
    free(j->filename);
    free(j->next_cursor);
    free(j);
}

static void workbook_done(uv_work_t *w, int status)
{
    struct xlsx_job *j = (struct xlsx_job *)w;
    h2o_req_t *req = j->req;
    if (j->ref)
        *j->ref = NULL;
    if (req) {
        struct api_req a = {.req = req, .env = j->env};
        api_json_pool_enter(&req->pool);
        if (status)
            api_error(&a, 500, "internal", "the workbook was not made: %s", uv_strerror(status));
        else
            send_workbook(&a, j);
        api_json_pool_leave();
    }
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
    struct xlsx_job *j = calloc(1, sizeof(*j));
    if (!j)
        return api_error(a, 500, "internal", "out of memory");
    j->fd = -1;
    bool failed = false;
    char *text = json_dumps(rows, JSON_COMPACT); /* in the request pool */
    j->rows_json = dup_or_null(text ? text : "", &failed);
    j->filename = dup_or_null(filename, &failed);
    j->next_cursor = dup_or_null(next_cursor, &failed);
    if (!text || failed) {
        job_free(j);
        return api_error(a, 500, "internal", "out of memory");
    }
    j->sheet_key = sheet_key;
    j->cols = cols;
    j->ncols = ncols;
    j->o.lang = request_lang(a);
    j->env = a->env;
    j->req = a->req;
    j->ref = h2o_mem_alloc_shared(&a->req->pool, sizeof(*j->ref), on_req_gone);
    *j->ref = j;
    int rc = uv_queue_work(a->env->loop, &j->work, make_workbook, workbook_done);
    if (rc) {
        *j->ref = NULL;
        job_free(j);
        return api_error(a, 500, "internal", "cannot start making the workbook: %s",
                         uv_strerror(rc));
    }
    return 0; /* answered by workbook_done */
}
