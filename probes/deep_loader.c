/* The tier-2 API as the program sees it: each function loads the module
 * (camdex-deep.so) on first use and forwards to it. Looked up, in order:
 * $CAMDEX_DEEP_MODULE, beside the running program, PREFIX/lib/camdex for a
 * program in PREFIX/bin, and the install path (module_load.c).
 * Without the module, tier 2 reports -ENOSYS and tier 1 goes on alone. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deep_api.h"
#include "module_load.h"

#ifndef CAMDEX_DEEP_INSTALL_PATH
#define CAMDEX_DEEP_INSTALL_PATH "/usr/local/lib/camdex/camdex-deep.so"
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const struct deep_api *api;
static struct module_load mod = {
    .file = "camdex-deep.so",
    .env = "CAMDEX_DEEP_MODULE",
    .install_path = CAMDEX_DEEP_INSTALL_PATH,
    .symbol = DEEP_API_SYMBOL,
    .version = DEEP_API_VERSION,
};

static void load(void)
{
    module_load(&mod);
    api = mod.table;
}

static const struct deep_api *get(void)
{
    pthread_once(&once, load);
    return api;
}

const char *deep_module_path(void)
{
    return get() ? mod.path : NULL;
}

const char *deep_module_error(void)
{
    return get() ? NULL : mod.error;
}

void deep_opts_default(struct deep_opts *o)
{
    if (get())
        api->opts_default(o);
    else
        memset(o, 0, sizeof(*o));
}

const char *deep_phase_name(enum deep_phase ph)
{
    return get() ? api->phase_name(ph) : "unknown";
}

void deep_result_init(struct deep_result *r)
{
    if (get())
        api->result_init(r);
    else
        memset(r, 0, sizeof(*r));
}

void deep_result_clear(struct deep_result *r)
{
    if (get())
        api->result_clear(r);
    else
        memset(r, 0, sizeof(*r));
}

int deep_probe_run(const char *url, const char *numeric_host, const struct deep_opts *opts,
                   const atomic_bool *stop, struct deep_result *out)
{
    return get() ? api->probe_run(url, numeric_host, opts, stop, out) : -ENOSYS;
}

enum probe_reason deep_reason_from_averror(int averr, enum deep_phase ph, bool deadline_hit,
                                           int connected, char *detail, size_t len)
{
    return get() ? api->reason_from_averror(averr, ph, deadline_hit, connected, detail, len)
                 : PROBE_R_INTERNAL_ERROR;
}

void deep_av_log_setup(deep_log_fn fn, void *opaque, int max_level)
{
    if (get())
        api->av_log_setup(fn, opaque, max_level);
}

char *deep_redact_line(const char *line, char *out, size_t outlen)
{
    if (get())
        return api->redact_line(line, out, outlen);
    if (outlen)
        out[0] = 0;
    return out;
}

int deep_url_with_host(const char *url, const char *numeric_host, char *out, size_t outlen)
{
    return get() ? api->url_with_host(url, numeric_host, out, outlen) : -ENOSYS;
}

int deep_pool_new(uv_loop_t *loop, unsigned nthreads, unsigned queue_max, struct deep_pool **out)
{
    return get() ? api->pool_new(loop, nthreads, queue_max, out) : -ENOSYS;
}

int deep_pool_submit(struct deep_pool *p, struct deep_request *req, const char *url,
                     const char *numeric_host, const struct deep_opts *opts, deep_done_cb cb)
{
    return get() ? api->pool_submit(p, req, url, numeric_host, opts, cb) : -ENOSYS;
}

int deep_pool_cancel(struct deep_pool *p, struct deep_request *req)
{
    return get() ? api->pool_cancel(p, req) : -ENOSYS;
}

void deep_pool_stats(struct deep_pool *p, struct deep_pool_stats *st)
{
    if (get())
        api->pool_stats(p, st);
    else
        memset(st, 0, sizeof(*st));
}

void deep_pool_close(struct deep_pool **p)
{
    if (*p && get())
        api->pool_close(p);
}
