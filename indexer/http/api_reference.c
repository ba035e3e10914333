/* HTTP API: a camera's reference picture. GET shows it; PUT accepts the
 * scene the camera shows now (the picture of its latest diagnosis becomes
 * the reference, as `camdex reference ID set`); DELETE forgets it (the next
 * healthy picture becomes the new one). Writes go straight to the index:
 * the monitor reads the reference at every deep look. */
#include <errno.h>
#include <string.h>

#include "base/timefmt.h"
#include "http/api_internal.h"
#include "views/picture_view.h"

/* The reference as GET shows it; a write adds "changed": true. */
static int ref_reply(struct api_req *a, const char *id, bool written)
{
    struct store_read *r;
    struct store_camera cam;
    struct store_reference ref;
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_store_error(a, rc, "index");
    json_t *o = NULL;
    if (!(rc = store_camera_get(r, id, &cam))) {
        int rrc = store_reference_get(r, id, &ref);
        if (rrc && rrc != -ENOENT)
            rc = rrc;
        else
            o = rrc ? json_null() : view_reference(a->env->tz_offset, &ref);
    }
    store_read_end(&r);
    if (rc == -ENOENT)
        return api_no_camera(a, id);
    if (rc)
        return api_store_error(a, rc, "reference");
    json_t *out = json_pack("{s:s, s:o}", "id", id, "reference", o);
    if (written)
        json_object_set_new(out, "changed", json_true());
    return api_json(a, 200, out);
}

int api_camera_reference(struct api_req *a)
{
    static const char *const none[] = {NULL};
    const char *id;
    if (api_check_params(a, none) || api_camera_id(a, &id))
        return 0;
    h2o_iovec_t m = a->req->method;
    bool put = m.len == 3 && memcmp(m.base, "PUT", 3) == 0;
    bool del = m.len == 6 && memcmp(m.base, "DELETE", 6) == 0;
    if (!put && !del)
        return ref_reply(a, id, false);
    struct store_read *r;
    struct store_camera cam = {0};
    int rc = store_read_begin(a->env->store, &r);
    if (rc)
        return api_store_error(a, rc, "index");
    rc = store_camera_get(r, id, &cam);
    store_read_end(&r); /* before the commit below: never overlap them */
    struct store_batch *b = NULL;
    if (!rc)
        rc = store_batch_new(&b);
    if (!rc)
        rc = put ? store_batch_reference_adopt(b, id, timefmt_now_ms())
                 : store_batch_reference_put(b, id, NULL);
    if (!rc)
        rc = store_batch_commit(a->env->store, b, NULL, NULL, NULL);
    store_batch_free(&b);
    if (rc == -ENOENT && put && cam.id)
        return api_error(a, 409, "no_picture",
                         "camera \"%s\" has no diagnosed picture yet: nothing to accept as its "
                         "reference; retry after its next deep look (POST "
                         "/api/v1/cameras/%s/probe?depth=deep asks for one)",
                         id, id);
    if (rc == -ENOENT)
        return api_no_camera(a, id);
    if (rc)
        return api_store_error(a, rc, "reference");
    return ref_reply(a, id, true);
}
