/* Which Host header values the API answers while its reads are open (no
 * token configured): a web page that rebinds its own name to this
 * machine's address would otherwise read the inventory through the
 * visitor's browser. A pure function over the header's bytes. */
#ifndef CAMDEX_HTTP_HOST_CHECK_H
#define CAMDEX_HTTP_HOST_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#define HOST_CHECK_MAX 255 /* longer Host values are refused */

/* True when `host` (a Host header value, with or without a port) is an IP
 * literal (a rebound name is never one), "localhost", or one of the
 * comma-separated names of `allowed` ([http] allowed_hosts; a port there
 * is ignored; "*" allows any). Compared without regard to case. */
bool host_check_allowed(const char *host, size_t len, const char *allowed);

#endif
