/* indexer/http/host_check.c: which Host values are answered while reads
 * need no token. */
#include <criterion/criterion.h>
#include <string.h>

#include "http/host_check.h"

static bool ok(const char *host, const char *allowed)
{
    return host_check_allowed(host, strlen(host), allowed);
}

Test(host_check, ip_literals_and_localhost_pass)
{
    cr_assert(ok("127.0.0.1:8470", ""));
    cr_assert(ok("10.1.2.3", ""));
    cr_assert(ok("[::1]:8470", ""));
    cr_assert(ok("[fe80::1]", ""));
    cr_assert(ok("localhost", ""));
    cr_assert(ok("LOCALHOST:1", ""));
    cr_assert(ok("localhost.", ""));
}

Test(host_check, names_pass_only_when_listed)
{
    cr_assert(!ok("camdex.example.org", ""));
    cr_assert(ok("camdex.example.org", "camdex.example.org"));
    cr_assert(ok("Camdex.Example.Org:443", "ops.example.org:8443, camdex.example.org"));
    cr_assert(ok("ops.example.org", "ops.example.org:8443"));
    cr_assert(!ok("camdex.example.org.evil", "camdex.example.org"));
    cr_assert(!ok("evil.camdex.example.org", "camdex.example.org"));
    cr_assert(ok("anything.example", "*"));
}

Test(host_check, malformed_values_fail)
{
    cr_assert(!ok("", ""));
    cr_assert(!ok(":8470", ""));
    cr_assert(!ok("localhost:80x", ""));
    cr_assert(!ok("localhost:123456", ""));
    cr_assert(!ok("[::1", ""));
    cr_assert(!ok("[localhost]", ""));
    cr_assert(!ok("127.0.0.1.evil.example", ""));
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    cr_assert(!ok(longname, "*"));
}
