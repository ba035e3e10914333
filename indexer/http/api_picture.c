/* HTTP API: the pictures a camera's diagnosis keeps. A faulty picture's
 * thumbnail (JPEG, as the deep look took it), the reference picture's
 * signature as a PNG (what the camera page shows beside the current
 * picture), and the list behind the dashboard's wall of faulty pictures. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_internal.h"
#include "views/picture_png.h"
#include "views/picture_view.h"

static const char *const no_params[] = {NULL};

/* One kind of picture a camera may have: how it is read, and what its
 * absence is called. */
struct picture_kind {
    const char *content_type;
    const char *what; /* for store errors: "thumbnail" */
    /* Reads camera `id`'s picture into the request pool (the index's value
     * lives only while `r` lasts): 0, -ENOENT when it has none, or a
     * negative errno. */
    int (*read)(struct api_req *a, struct store_read *r, const char *id, char **body, size_t *len);
    /* Answers 404 for a camera without one. */
    int (*none)(struct api_req *a, const char *id);
};

/* GET /api/v1/cameras/{id}/<picture>: looks the camera up, reads its
 * picture in one read transaction and answers with its bytes, or with what
 * was wrong (bad id, no camera, no picture, the index). */
static int answer_picture(struct api_req *a, const struct picture_kind *k)
{
    const char *id;
    if (api_check_params(a, no_params) || api_camera_id(a, &id))
        return 0;
    struct store_read *r;
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_store_error(a, rc, "index");
    struct store_camera cam;
    char *body = NULL;
    size_t len = 0;
    int crc = store_camera_get(r, id, &cam);
    if (!crc)
        rc = k->read(a, r, id, &body, &len);
    store_read_end(&r);
    if (crc == -ENOENT)
        return api_no_camera(a, id);
    if (crc)
        return api_store_error(a, crc, "camera");
    if (rc == -ENOENT)
        return k->none(a, id);
    if (rc)
        return api_store_error(a, rc, k->what);
    /* Pictures are bytes, not text: no sniffing them into anything else. */
    h2o_add_header_by_str(&a->req->pool, &a->req->res.headers, H2O_STRLIT("x-content-type-options"),
                          0, NULL, H2O_STRLIT("nosniff"));
    return api_send(a, 200, k->content_type, body, len);
}

static int read_thumbnail(struct api_req *a, struct store_read *r, const char *id, char **body,
                          size_t *len)
{
    struct store_thumbnail th;
    int rc = store_thumbnail_get(r, id, &th);
    if (rc)
        return rc;
    *body = h2o_mem_alloc_pool(&a->req->pool, th.len);
    memcpy(*body, th.jpeg, th.len);
    *len = th.len;
    return 0;
}

static int no_thumbnail(struct api_req *a, const char *id)
{
    return api_error(a, 404, "no_thumbnail",
                     "camera \"%s\" has no thumbnail: one is kept only while its latest "
                     "diagnosed picture has a fault",
                     id);
}

/* The reference's signature, drawn as a grey PNG. */
static int read_reference_png(struct api_req *a, struct store_read *r, const char *id, char **body,
                              size_t *len)
{
    struct store_reference ref;
    uint8_t *png = NULL;
    int rc = store_reference_get(r, id, &ref);
    if (!rc)
        rc = view_gray_png(ref.sig, ref.sig_w, ref.sig_h, ref.sig_w, &png, len);
    if (rc)
        return rc;
    *body = h2o_mem_alloc_pool(&a->req->pool, *len);
    memcpy(*body, png, *len);
    free(png);
    return 0;
}

static int no_reference(struct api_req *a, const char *id)
{
    return api_error(a, 404, "no_reference",
                     "camera \"%s\" has no reference picture yet: its first healthy picture "
                     "becomes one, or PUT /api/v1/cameras/%s/reference accepts the scene it "
                     "shows now",
                     id, id);
}

int api_camera_thumbnail(struct api_req *a)
{
    static const struct picture_kind thumbnail = {"image/jpeg", "thumbnail", read_thumbnail,
                                                  no_thumbnail};
    return answer_picture(a, &thumbnail);
}

int api_camera_reference_png(struct api_req *a)
{
    static const struct picture_kind reference = {"image/png", "reference", read_reference_png,
                                                  no_reference};
    return answer_picture(a, &reference);
}

struct wall {
    struct api_req *a;
    struct store_read *r;
    const char *unit, *reason;
    size_t limit, count;
    json_t *rows;
};

static bool has_finding(const struct store_diagnosis *d, const char *reason)
{
    for (uint8_t i = 0; i < d->n; i++)
        if (strcmp(d->f[i].reason, reason) == 0)
            return true;
    return false;
}

static int wall_row(const char *id, const struct store_thumbnail *th, void *ctx)
{
    struct wall *w = ctx;
    struct store_camera cam;
    struct store_health h;
    struct store_diagnosis d;
    if (store_camera_get(w->r, id, &cam) || store_health_get(w->r, id, &h))
        return 0; /* gone: its thumbnail goes at the commit that removed it */
    bool diag = store_diagnosis_get(w->r, id, &d) == 0;
    if ((w->unit && strcmp(cam.unit_id, w->unit) != 0) ||
        (w->reason && !(diag && has_finding(&d, w->reason))))
        return 0;
    if (w->count++ >= w->limit)
        return 0; /* counted, not listed */
    struct store_unit u;
    const char *unit_name = store_unit_get(w->r, cam.unit_id, &u) == 0 ? u.name : "";
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "name", cam.name, "unit",
                          cam.unit_id, "unit_name", unit_name, "state",
                          store_state_name((enum store_state)h.state), "reason", h.reason);
    json_object_set_new(o, "thumbnail", view_thumbnail(w->a->env->tz_offset, id, th));
    json_object_set_new(o, "diagnosis",
                        diag ? view_diagnosis(w->a->env->tz_offset, &d) : json_null());
    json_array_append_new(w->rows, o);
    return 0;
}

int api_thumbnails(struct api_req *a)
{
    static const char *const known[] = {"unit", "reason", "limit", NULL};
    struct wall w = {.a = a, .unit = api_param(a, "unit"), .reason = api_param(a, "reason")};
    if (api_check_params(a, known) || api_param_limit(a, &w.limit))
        return 0;
    if (w.unit && !api_valid_id(w.unit))
        return api_error(a, 400, "bad_param", "unit: expected a unit id (GET /api/v1/units)");
    if (w.reason && (!*w.reason || strlen(w.reason) > STORE_REASON_MAX))
        return api_error(a, 400, "bad_param", "reason: expected a reason code, e.g. black");
    int rc = store_read_begin(a->env->store, &w.r);
    if (rc)
        return api_store_error(a, rc, "index");
    w.rows = json_array();
    rc = store_thumbnails_scan(w.r, wall_row, &w);
    store_read_end(&w.r);
    if (rc)
        return api_store_error(a, rc, "thumbnails");
    return api_json(a, 200,
                    json_pack("{s:I, s:o}", "count", (json_int_t)w.count, "thumbnails", w.rows));
}
