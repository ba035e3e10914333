/* HTTP API: GET /api/v1/reports/assessment, the assessment (考核) that
 * `camdex report assessment` prints (views/assess_view.h): per unit, worst
 * first, and the fleet, as JSON (with each camera that failed something),
 * CSV (the units) or a workbook of two sheets, Chinese headings unless the
 * request asks for a language (lang=, Accept-Language). The figures are
 * made on libuv's worker pool, not on the HTTP loop: at 43,000 cameras the
 * walk of every camera's records took 0.23-0.29 s of CPU, which other
 * clients must not wait for. They cross back as JSON text, as workbooks'
 * rows do (api_xlsx.c): the request's own values live in its pool. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv_guard.h"
#include "base/timefmt.h"
#include "http/api_internal.h"
#include "views/assess_view.h"
#include "views/xlsx_table.h"

/* The CLI takes the same range at most. */
#define ASSESS_MAX_DAYS 3660

static void csv_text(FILE *f, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (csv_guard_needed(s))
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    if (quote)
        fputc('"', f);
}

/* The units and the total as CSV: the stable keys as headings, rates as
 * fractions, an empty field for "nothing to rate". */
static int send_csv(struct api_req *a, json_t *rows)
{
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (!f)
        return api_error(a, 500, "internal", "out of memory");
    for (size_t c = 0; c < assess_unit_ncols; c++)
        fprintf(f, "%s%s", assess_unit_cols[c].key, c + 1 < assess_unit_ncols ? "," : "\r\n");
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        for (size_t c = 0; c < assess_unit_ncols; c++) {
            json_t *v = json_object_get(row, assess_unit_cols[c].key);
            if (json_is_string(v))
                csv_text(f, json_string_value(v));
            else if (json_is_integer(v))
                fprintf(f, "%lld", (long long)json_integer_value(v));
            else if (json_is_real(v))
                fprintf(f, "%.6g", json_real_value(v));
            fputs(c + 1 < assess_unit_ncols ? "," : "\r\n", f);
        }
    }
    if (fclose(f)) {
        free(body);
        return api_error(a, 500, "internal", "out of memory");
    }
    char *copy = api_strdup(a, body, len);
    free(body);
    return api_send(a, 200, "text/csv; charset=utf-8", copy, len);
}

/* The range: month=YYYY-MM, or from/to days, else this month so far.
 * 0, or 1 after the 400. */
static int range_params(struct api_req *a, struct assess_params *p)
{
    const char *month = api_param(a, "month"), *from = api_param(a, "from"),
               *to = api_param(a, "to");
    int32_t today = store_day_of(a->env->store, timefmt_now_ms());
    char this_month[16];
    timefmt_day(today, this_month, sizeof(this_month));
    this_month[7] = 0;
    if (month && (from || to))
        return api_error(a, 400, "bad_parameter", "month: give month or from/to, not both"), 1;
    if (assess_month(month ? month : this_month, &p->from, &p->to))
        return api_error(a, 400, "bad_parameter",
                         "month: \"%.40s\" is not a month (use YYYY-MM, e.g. 2026-11)", month),
               1;
    if (!month)
        p->to = today;
    if (from && timefmt_parse_day(from, &p->from))
        return api_error(a, 400, "bad_parameter",
                         "from: \"%.40s\" is not a day (use YYYY-MM-DD, e.g. 2026-11-01)", from),
               1;
    if (to && timefmt_parse_day(to, &p->to))
        return api_error(a, 400, "bad_parameter",
                         "to: \"%.40s\" is not a day (use YYYY-MM-DD, e.g. 2026-11-30)", to),
               1;
    if (p->from > p->to || p->to - p->from > ASSESS_MAX_DAYS)
        return api_error(a, 400, "bad_parameter",
                         "from/to: the range must run forwards and span at most %d days",
                         ASSESS_MAX_DAYS),
               1;
    return 0;
}

static int send_xlsx(struct api_req *a, json_t *rep)
{
    json_t *units = json_copy(json_object_get(rep, "units"));
    json_array_append(units, json_object_get(rep, "total"));
    const struct xlsx_sheet sheets[] = {
        {"sheet.assessment", assess_unit_cols, assess_unit_ncols, units},
        {"sheet.assess_cameras", assess_camera_cols, assess_camera_ncols,
         json_object_get(rep, "cameras")},
    };
    char name[64];
    snprintf(name, sizeof(name), "assessment-%s-%s.xlsx",
             json_string_value(json_object_get(rep, "from")),
             json_string_value(json_object_get(rep, "to")));
    /* A workbook goes to the assessors: Chinese unless a language was asked. */
    int rc = api_send_xlsx_sheets(a, name, NULL, a->lang_asked ? a->lang : MSG_ZH, sheets, 2);
    json_decref(units);
    return rc;
}

/* A request's assessment being made on a worker thread. */
struct assess_job {
    struct api_work w;
    enum api_format fmt;
    /* in */
    struct assess_params p;
    char unit[STORE_ID_MAX + 1];
    /* out */
    int rc;
    char *text; /* the answer as JSON, malloc'd */
};

/* On a worker thread: its own read transaction; jansson allocates with
 * malloc here (no request pool is set on this thread). */
static void make_assessment(struct api_work *w)
{
    struct assess_job *j = (struct assess_job *)w;
    struct store_read *r;
    json_t *rep = NULL;
    j->rc = store_read_begin(j->w.env->store, &r);
    if (j->rc)
        return;
    j->rc = assess_build(r, &j->p, &rep);
    store_read_end(&r);
    if (!j->rc && !(j->text = json_dumps(rep, JSON_COMPACT | JSON_PRESERVE_ORDER)))
        j->rc = -ENOMEM;
    json_decref(rep);
}

static int answer(struct api_req *a, const struct assess_job *j)
{
    if (j->rc == -ENOENT && j->p.unit)
        return api_error(a, 404, "not_found", "no unit \"%s\" (GET /api/v1/units lists them)",
                         j->p.unit);
    if (j->rc)
        return api_store_error(a, j->rc, "assessment");
    json_t *rep = json_loads(j->text, 0, NULL); /* in the request pool */
    if (!rep)
        return api_error(a, 500, "internal", "out of memory");
    if (j->fmt == API_XLSX) {
        int rc = send_xlsx(a, rep);
        json_decref(rep);
        return rc;
    }
    if (j->fmt == API_CSV) {
        json_t *rows = json_copy(json_object_get(rep, "units"));
        json_array_append(rows, json_object_get(rep, "total"));
        int rc = send_csv(a, rows);
        json_decref(rows);
        json_decref(rep);
        return rc;
    }
    return api_json(a, 200, rep);
}

static void assessment_done(struct api_work *w, struct api_req *a, int status)
{
    struct assess_job *j = (struct assess_job *)w;
    if (a && status)
        api_error(a, 500, "internal", "the assessment was not made: %s", uv_strerror(status));
    else if (a)
        answer(a, j);
    free(j->text);
    free(j);
}

int api_report_assessment(struct api_req *a)
{
    static const char *const known[] = {"unit", "month", "from", "to", "format", NULL};
    enum api_format fmt;
    if (api_check_params(a, known) || api_format_param(a, true, &fmt))
        return 0;
    const char *unit;
    if (api_unit_param(a, &unit))
        return 0;
    struct assess_params p = {.unit = unit, .cameras = fmt != API_CSV};
    if (range_params(a, &p))
        return 0;
    p.lang = fmt == API_XLSX && !a->lang_asked ? MSG_ZH : a->lang;
    struct assess_job *j = calloc(1, sizeof(*j));
    if (!j)
        return api_error(a, 500, "internal", "out of memory");
    j->p = p;
    if (unit) {
        snprintf(j->unit, sizeof(j->unit), "%s", unit);
        j->p.unit = j->unit;
    }
    j->fmt = fmt;
    int rc = api_work_queue(a, &j->w, make_assessment, assessment_done);
    if (rc) {
        free(j);
        return api_error(a, 500, "internal", "cannot start the assessment: %s", uv_strerror(rc));
    }
    return 0; /* answered by assessment_done */
}
