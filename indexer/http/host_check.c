/* The Host check (host_check.h says why). */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "http/host_check.h"

/* The name part of "name", "name:port", "[v6]" or "[v6]:port"; false when
 * the port is not digits or brackets do not close. */
static bool split_host(const char *h, size_t len, const char **name, size_t *nlen, bool *bracketed)
{
    *bracketed = false;
    size_t end = len;
    if (len && h[0] == '[') {
        const char *close = memchr(h, ']', len);
        if (!close)
            return false;
        *bracketed = true;
        *name = h + 1;
        *nlen = (size_t)(close - h) - 1;
        end = (size_t)(close - h) + 1;
    } else {
        const char *colon = memchr(h, ':', len);
        *name = h;
        *nlen = colon ? (size_t)(colon - h) : len;
        end = *nlen;
    }
    if (end == len)
        return true;
    if (h[end] != ':' || end + 1 == len || len - end - 1 > 5)
        return false;
    for (size_t i = end + 1; i < len; i++)
        if (h[i] < '0' || h[i] > '9')
            return false;
    return true;
}

static bool is_ip_literal(const char *name, size_t nlen, bool bracketed)
{
    char buf[64];
    unsigned char addr[16];
    if (!nlen || nlen >= sizeof(buf))
        return false;
    memcpy(buf, name, nlen);
    buf[nlen] = 0;
    return bracketed ? inet_pton(AF_INET6, buf, addr) == 1 : inet_pton(AF_INET, buf, addr) == 1;
}

/* True when `name` is one of the comma-separated entries (ports dropped). */
static bool in_list(const char *name, size_t nlen, const char *list)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (!n)
            break;
        const char *ename;
        size_t elen;
        bool br;
        if (n == 1 && *p == '*')
            return true;
        if (split_host(p, n, &ename, &elen, &br) && elen == nlen && nlen &&
            strncasecmp(ename, name, nlen) == 0)
            return true;
        p += n;
    }
    return false;
}

bool host_check_allowed(const char *host, size_t len, const char *allowed)
{
    const char *name;
    size_t nlen;
    bool bracketed;
    if (!len || len > HOST_CHECK_MAX || !split_host(host, len, &name, &nlen, &bracketed) || !nlen)
        return false;
    /* A trailing dot names the same host ("localhost."). */
    if (!bracketed && name[nlen - 1] == '.')
        nlen--;
    if (is_ip_literal(name, nlen, bracketed))
        return true;
    if (bracketed)
        return false;
    if (nlen == 9 && strncasecmp(name, "localhost", 9) == 0)
        return true;
    return allowed && in_list(name, nlen, allowed);
}
