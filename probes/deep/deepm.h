/* Private to the tier-2 module: its implementations of the tier-2 API, one
 * for each entry of struct deep_api (deep_api.h). Each behaves as the deep_*
 * function of the same name documented in deep_probe.h and deep_pool.h; the
 * program reaches them only through the table. */
#ifndef CAMDEX_DEEPM_H
#define CAMDEX_DEEPM_H

#include "deep_pool.h"
#include "deep_probe.h"

/* deep_probe.c */
void deepm_opts_default(struct deep_opts *o);
const char *deepm_phase_name(enum deep_phase ph);
void deepm_result_init(struct deep_result *r);
void deepm_result_clear(struct deep_result *r);
int deepm_probe_run(const char *url, const char *numeric_host, const struct deep_opts *opts,
                    const atomic_bool *stop, struct deep_result *out);
enum probe_reason deepm_reason_from_averror(int averr, enum deep_phase ph, bool deadline_hit,
                                            int connected, char *detail, size_t detail_len);
int deepm_url_with_host(const char *url, const char *numeric_host, char *out, size_t outlen);

/* deep_memory.c: once per process, before the first probe, glibc is asked
 * to keep freed decoder memory for the next probe instead of handing it
 * back to the kernel (process-wide malloc settings). */
void deepm_memory_keep(void);

/* deep_log.c */
void deepm_av_log_setup(deep_log_fn fn, void *opaque, int max_level);
char *deepm_redact_line(const char *line, char *out, size_t outlen);

/* deep_pool.c */
int deepm_pool_new(uv_loop_t *loop, unsigned nthreads, unsigned queue_max, struct deep_pool **out);
int deepm_pool_submit(struct deep_pool *p, struct deep_request *req, const char *url,
                      const char *numeric_host, const struct deep_opts *opts, deep_done_cb cb);
int deepm_pool_cancel(struct deep_pool *p, struct deep_request *req);
void deepm_pool_stats(struct deep_pool *p, struct deep_pool_stats *st);
void deepm_pool_close(struct deep_pool **p);

#endif
