/* Built into the tier-2 module only: exports the function table; every
 * other symbol of the module stays hidden. */
#include "deep_api.h"
#include "deepm.h"

__attribute__((visibility("default"))) const struct deep_api *camdex_deep_api(void);

const struct deep_api *camdex_deep_api(void)
{
    static const struct deep_api api = {
        .version = DEEP_API_VERSION,
        .opts_default = deepm_opts_default,
        .phase_name = deepm_phase_name,
        .result_init = deepm_result_init,
        .result_clear = deepm_result_clear,
        .probe_run = deepm_probe_run,
        .reason_from_averror = deepm_reason_from_averror,
        .av_log_setup = deepm_av_log_setup,
        .redact_line = deepm_redact_line,
        .url_with_host = deepm_url_with_host,
        .pool_new = deepm_pool_new,
        .pool_submit = deepm_pool_submit,
        .pool_cancel = deepm_pool_cancel,
        .pool_stats = deepm_pool_stats,
        .pool_close = deepm_pool_close,
    };
    return &api;
}
