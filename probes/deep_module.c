/* Built into the tier-2 module only: exports the function table; every
 * other symbol of the module stays hidden. */
#include "deep_api.h"

__attribute__((visibility("default"))) const struct deep_api *camdex_deep_api(void);

const struct deep_api *camdex_deep_api(void)
{
    static const struct deep_api api = {
        .version = DEEP_API_VERSION,
        .opts_default = deep_opts_default,
        .phase_name = deep_phase_name,
        .result_init = deep_result_init,
        .result_clear = deep_result_clear,
        .probe_run = deep_probe_run,
        .reason_from_averror = deep_reason_from_averror,
        .av_log_setup = deep_av_log_setup,
        .redact_line = deep_redact_line,
        .url_with_host = deep_url_with_host,
        .pool_new = deep_pool_new,
        .pool_submit = deep_pool_submit,
        .pool_cancel = deep_pool_cancel,
        .pool_stats = deep_pool_stats,
        .pool_close = deep_pool_close,
    };
    return &api;
}
