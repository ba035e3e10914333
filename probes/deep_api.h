/* The interface between the program and the tier-2 module: the table of
 * functions the module (camdex-deep.so, built from probes/deep/) hands over.
 * libavformat and libavcodec pull in some 130 shared libraries, ~50 ms of
 * dynamic linking at every start; only tier 2 needs them, so they live in a
 * module loaded on first use, and `camdex list` stays fast.
 * Names: deep_* is the interface the program calls (deep_probe.h, deep_pool.h;
 * defined once, in deep_loader.c, which forwards through this table); deepm_*
 * is the module's implementation (probes/deep/deepm.h), reached only here. */
#ifndef CAMDEX_DEEP_API_H
#define CAMDEX_DEEP_API_H

#include "deep_pool.h"
#include "deep_probe.h"

#define DEEP_API_VERSION 6 /* 2: deep_result.luma2, deep_opts.no_second; 3: refuse_basic;
                              4: deep_result.jpeg_w, jpeg_h, full; deep_opts.full_luma;
                              deep_request.after; 5: chroma, npics, next, crop;
                              6: pic_bytes */

struct deep_api {
    int version; /* DEEP_API_VERSION */
    void (*opts_default)(struct deep_opts *o);
    const char *(*phase_name)(enum deep_phase ph);
    void (*result_init)(struct deep_result *r);
    void (*result_clear)(struct deep_result *r);
    int (*probe_run)(const char *url, const char *numeric_host, const struct deep_opts *opts,
                     const atomic_bool *stop, struct deep_result *out);
    enum probe_reason (*reason_from_averror)(int averr, enum deep_phase ph, bool deadline_hit,
                                             int connected, char *detail, size_t len);
    void (*av_log_setup)(deep_log_fn fn, void *opaque, int max_level);
    char *(*redact_line)(const char *line, char *out, size_t outlen);
    int (*url_with_host)(const char *url, const char *numeric_host, char *out, size_t outlen);
    int (*pool_new)(uv_loop_t *loop, unsigned nthreads, unsigned queue_max,
                    struct deep_pool **out);
    int (*pool_submit)(struct deep_pool *p, struct deep_request *req, const char *url,
                       const char *numeric_host, const struct deep_opts *opts, deep_done_cb cb);
    int (*pool_cancel)(struct deep_pool *p, struct deep_request *req);
    void (*pool_stats)(struct deep_pool *p, struct deep_pool_stats *st);
    void (*pool_close)(struct deep_pool **p);
};

/* The module's one exported symbol. */
#define DEEP_API_SYMBOL "camdex_deep_api"
typedef const struct deep_api *(*deep_api_fn)(void);

#endif
