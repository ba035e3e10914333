/* Service logging: one logfmt line per event on stderr, which journald
 * collects. Values are quoted and escaped as needed; callers pass URLs only
 * after redaction. */
#ifndef CAMDEX_LOG_H
#define CAMDEX_LOG_H

#include <stdbool.h>

#include "base/config.h"

void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

/* log_kv(LEVEL_INFO, "state change", "camera", id, "to", "offline", NULL):
 * `msg` then key/value string pairs, ending with NULL. */
void log_kv(enum log_level level, const char *msg, ...) __attribute__((sentinel));


#endif
