/* A request's work on libuv's worker pool (imports, assessments,
 * workbooks: seconds the HTTP loop must not spend while other clients
 * wait), tied to a request the client may abandon meanwhile: h2o frees a
 * gone request's pool, so the job is hooked to it (req_wait.h) and the
 * answer is sent only when the request is still there. */
#include "http/api_internal.h"

static void run_work(uv_work_t *uw)
{
    struct api_work *w = (struct api_work *)uw;
    w->run(w);
}

static void work_done(uv_work_t *uw, int status)
{
    struct api_work *w = (struct api_work *)uw;
    h2o_req_t *req = req_wait_claim(&w->park);
    if (!req) {
        w->done(w, NULL, status);
        return;
    }
    struct api_req a = {.req = req, .env = w->env, .lang = w->lang, .lang_asked = w->lang_asked};
    api_json_pool_enter(&req->pool);
    w->done(w, &a, status);
    api_json_pool_leave();
}

int api_work_queue(struct api_req *a, struct api_work *w, void (*run)(struct api_work *w),
                   void (*done)(struct api_work *w, struct api_req *a, int status))
{
    w->run = run;
    w->done = done;
    w->env = a->env;
    w->lang = a->lang;
    w->lang_asked = a->lang_asked;
    req_wait_hook(&w->park, a->req);
    int rc = uv_queue_work(a->env->loop, &w->work, run_work, work_done);
    if (rc)
        req_wait_claim(&w->park);
    return rc;
}
