/* HTTP API: the service's own health (/healthz, /readyz), the fleet
 * summary and the units with their live counters. */
#include <errno.h>
#include <string.h>

#include "base/timefmt.h"
#include "http/api_internal.h"
#include "views/camera_view.h"
#include "views/out_col.h"

static const char *const no_params[] = {NULL};

int api_healthz(struct api_req *a)
{
    if (api_check_params(a, no_params))
        return 0;
    return api_json(a, 200, json_pack("{s:s}", "status", "ok"));
}

/* Ready when the index answers and the monitor has published counters
 * (it has loaded the fleet and is probing). */
int api_readyz(struct api_req *a)
{
    if (api_check_params(a, no_params))
        return 0;
    struct store_read *r;
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_error(a, 503, "not_ready", "the index cannot be read: %s", store_strerror(rc));
    store_read_end(&r);
    pthread_mutex_lock(&a->env->stats_lock);
    bool probing = a->env->have_stats;
    pthread_mutex_unlock(&a->env->stats_lock);
    if (!probing)
        return api_error(a, 503, "not_ready", "the monitor has not started yet");
    return api_json(a, 200, json_pack("{s:s}", "status", "ready"));
}

struct units_ctx {
    json_t *list;
    struct store_unit total;
    uint32_t units;
};

static int unit_cb(const struct store_unit *u, void *ctx)
{
    struct units_ctx *uc = ctx;
    uc->units++;
    uc->total.cameras += u->cameras;
    for (int s = 0; s < STORE_STATE_COUNT; s++)
        uc->total.count[s] += u->count[s];
    if (uc->list && json_array_append_new(uc->list, view_unit(u)))
        return -ENOMEM;
    return 0;
}

static int scan_units(struct api_req *a, struct units_ctx *uc)
{
    struct store_read *r;
    int rc = store_read_begin(a->env->store, &r);
    if (!rc) {
        rc = store_units_scan(r, unit_cb, uc);
        store_read_end(&r);
    }
    return rc;
}

int api_summary(struct api_req *a)
{
    if (api_check_params(a, no_params))
        return 0;
    struct units_ctx uc = {0};
    int rc = scan_units(a, &uc);
    if (rc)
        return api_store_error(a, rc, "units");
    uc.total.id = uc.total.name = "";
    json_t *o = view_unit(&uc.total);
    json_object_del(o, "id");
    json_object_del(o, "name");
    json_object_set_new(o, "units", json_integer(uc.units));
    char now[40];
    timefmt_rfc3339(timefmt_now_ms(), a->env->tz_offset, now, sizeof(now));
    json_object_set_new(o, "generated_at", json_string(now));
    pthread_mutex_lock(&a->env->stats_lock);
    struct monitor_stats st = a->env->stats;
    bool have = a->env->have_stats;
    pthread_mutex_unlock(&a->env->stats_lock);
    if (have)
        json_object_set_new(o, "probing",
                            json_pack("{s:i, s:i, s:I, s:I}", "in_flight", (int)st.in_flight,
                                      "deep_in_flight", (int)st.deep_in_flight, "probes",
                                      (json_int_t)st.probes, "probes_failed",
                                      (json_int_t)st.probes_failed));
    return api_json(a, 200, o);
}

int api_units(struct api_req *a)
{
    static const char *const known[] = {"format", NULL};
    static const struct out_col xlsx_cols[] = {
        {"id", "col.unit", OUT_TEXT, 0},
        {"name", "col.name", OUT_TEXT, 0},
        {"cameras", "col.cameras", OUT_INT, 0},
        {"states.online", "col.online", OUT_INT, 0},
        {"states.degraded", "col.degraded", OUT_INT, 0},
        {"states.offline", "col.offline", OUT_INT, 0},
        {"states.maintenance", "col.maintenance", OUT_INT, 0},
        {"states.unknown", "col.unknown", OUT_INT, 0},
        {"online_rate", "col.online_rate", OUT_PERCENT, 0},
    };
    enum api_format fmt;
    if (api_check_params(a, known) || api_format_param(a, false, &fmt))
        return 0;
    struct units_ctx uc = {.list = json_array()};
    int rc = scan_units(a, &uc);
    if (rc)
        return api_store_error(a, rc, "units");
    if (fmt == API_XLSX)
        return api_send_xlsx(a, "units.xlsx", NULL, "sheet.units", xlsx_cols,
                             sizeof(xlsx_cols) / sizeof(xlsx_cols[0]), uc.list);
    return api_json(a, 200, json_pack("{s:o, s:i}", "units", uc.list, "count", uc.units));
}

int api_unit(struct api_req *a)
{
    if (api_check_params(a, no_params))
        return 0;
    const char *id = a->seg[3];
    if (!api_valid_id(id))
        return api_error(a, 400, "bad_id", "unit id: expected 1 to %d printable ASCII characters",
                         STORE_ID_MAX);
    struct store_read *r;
    struct store_unit u;
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_store_error(a, rc, "index");
    json_t *o = NULL;
    rc = store_unit_get(r, id, &u);
    if (!rc)
        o = view_unit(&u);
    store_read_end(&r);
    if (rc == -ENOENT)
        return api_error(a, 404, "not_found", "no unit \"%s\" (GET /api/v1/units lists them)", id);
    if (rc)
        return api_store_error(a, rc, "unit");
    return api_json(a, 200, o);
}
