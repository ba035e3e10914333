/* HTTP API: answers as Excel workbooks. The list and report endpoints
 * take format=xlsx and answer with the rows of their JSON as one sheet
 * (views/xlsx_table.h), headings in the language the client's
 * Accept-Language asks for first (English unless it is Chinese), and a
 * file name to save it under. The workbook is made in a temporary file
 * that has no name any more by the time it is sent ($TMPDIR, else /tmp,
 * which the shipped unit makes private to the service). */
#include <errno.h>
#include <stdio.h>
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

/* The finished workbook behind fd, into the request's pool. */
static int read_all(struct api_req *a, int fd, char **body, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st))
        return -errno;
    *len = (size_t)st.st_size;
    *body = h2o_mem_alloc_pool(&a->req->pool, *len + 1);
    for (size_t got = 0; got < *len;) {
        ssize_t n = read(fd, *body + got, *len - got);
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        got += (size_t)n;
    }
    return 0;
}

int api_send_xlsx(struct api_req *a, const char *filename, const char *next_cursor,
                  const char *sheet_key, const struct out_col *cols, size_t ncols, json_t *rows)
{
    struct xlsx_options o = {.lang = request_lang(a)};
    int fd;
    int rc = xlsx_table_temp(&o, sheet_key, cols, ncols, rows, &fd);
    char *body = NULL;
    size_t len = 0;
    if (!rc) {
        rc = read_all(a, fd, &body, &len);
        close(fd);
    }
    if (rc)
        return api_error(a, 500, "internal",
                         "cannot make the workbook in %s: %s (the service needs room to write "
                         "there; set TMPDIR to change the place)",
                         xlsx_tmpdir(&o), strerror(-rc));
    char disposition[160];
    int n = snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", filename);
    h2o_add_header(&a->req->pool, &a->req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL,
                   api_strdup(a, disposition, (size_t)n), (size_t)n);
    if (next_cursor)
        h2o_add_header_by_str(&a->req->pool, &a->req->res.headers, H2O_STRLIT("x-next-cursor"), 0,
                              NULL, next_cursor, strlen(next_cursor));
    return api_send(a, 200, XLSX_CONTENT_TYPE, body, len);
}
