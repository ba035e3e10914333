/* The operations dashboard: the files of indexer/http/dashboard/, built into the
 * program, served at / (the page) and /ui/NAME (its script and style).
 * These routes are public: the files hold no data, and every API call the
 * page makes carries the token the operator gives it. */
#include <string.h>

#include "http/api_internal.h"

/* The page may only load its own files and talk to its own origin; no
 * inline script or style, no framing. Data from inventories reaches the DOM
 * as text only (app.js), and this is the second fence. */
#define UI_CSP                                                                                     \
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "                \
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static const char *const no_params[] = {NULL};

static const struct api_ui_file *find_file(const char *name)
{
    for (size_t i = 0; i < api_ui_nfiles; i++)
        if (strcmp(api_ui_files[i].name, name) == 0)
            return &api_ui_files[i];
    return NULL;
}

static int send_file(struct api_req *a, const struct api_ui_file *f)
{
    h2o_req_t *req = a->req;
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0,
                          NULL, H2O_STRLIT("nosniff"));
    if (strncmp(f->content_type, "text/html", 9) == 0) {
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-security-policy"),
                              0, NULL, H2O_STRLIT(UI_CSP));
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("referrer-policy"), 0, NULL,
                              H2O_STRLIT("no-referrer"));
    }
    return api_send_static(a, f->content_type, f->etag, f->data, f->len);
}

int api_ui_index(struct api_req *a)
{
    /* Query strings are the page's own business (its state is in the
     * fragment); refusing unknown ones keeps / like every other route. */
    if (api_check_params(a, no_params))
        return 0;
    const struct api_ui_file *f = find_file("index.html");
    if (!f)
        return api_error(a, 500, "internal", "this build has no dashboard page");
    return send_file(a, f);
}

int api_ui_asset(struct api_req *a)
{
    if (api_check_params(a, no_params))
        return 0;
    /* The name is one decoded segment (no "/", no dot segments: see
     * split_path), and only names in the table exist. */
    const struct api_ui_file *f = find_file(a->seg[1]);
    if (!f)
        return api_error(a, 404, "not_found", "no dashboard file \"%.80s\" (the dashboard is at /)",
                         a->seg[1]);
    return send_file(a, f);
}
