/* A raw-socket HTTP/1.1 client for tests of `camdex serve`'s API, with
 * deadlines: requests go out as they are, so malformed, oversized and slow
 * ones can be sent too. One connection per request (Connection: close). */
#ifndef CAMDEX_HTTPC_H
#define CAMDEX_HTTPC_H

#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "procs.h"

static int http_port;            /* the API's port, set by the test's set-up */
static int http_wait_ms = 10000; /* for a whole answer */

struct resp {
    int status;
    char *head; /* status line and headers */
    char *body;
    size_t body_len;
    json_t *json;
};

static inline void resp_free(struct resp *r)
{
    free(r->head);
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

static inline int connect_api(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)http_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
                 strerror(errno));
    return fd;
}

static inline void send_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n <= 0)
            return; /* the server may answer (413) and close before reading it all */
        buf += n;
        len -= (size_t)n;
    }
}

/* Reads until the server closes, within `ms`. Returns the bytes (malloc'd)
 * or NULL on timeout. */
static inline char *read_all(int fd, int ms, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    uint64_t end = procs_now_ms() + (uint64_t)ms;
    for (;;) {
        uint64_t now = procs_now_ms();
        if (now >= end) {
            free(buf);
            return NULL;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(end - now)) <= 0)
            continue;
        if (cap - n < 4096)
            buf = realloc(buf, cap *= 2);
        ssize_t r = recv(fd, buf + n, cap - n - 1, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Sends `raw` as it is on a new connection and parses the answer. */
static inline struct resp raw_request(const char *raw, size_t rawlen)
{
    int fd = connect_api();
    send_all(fd, raw, rawlen);
    size_t n;
    char *all = read_all(fd, http_wait_ms, &n);
    close(fd);
    cr_assert_not_null(all, "no answer within %d ms to: %.80s", http_wait_ms, raw);
    struct resp r = {0};
    char *sep = strstr(all, "\r\n\r\n");
    cr_assert_not_null(sep, "no header end in: %.200s", all);
    r.head = strndup(all, (size_t)(sep - all));
    r.body_len = n - (size_t)(sep + 4 - all);
    r.body = malloc(r.body_len + 1);
    memcpy(r.body, sep + 4, r.body_len);
    r.body[r.body_len] = 0;
    free(all);
    cr_assert_eq(sscanf(r.head, "HTTP/1.%*d %d", &r.status), 1, "%s", r.head);
    r.json = json_loadb(r.body, r.body_len, 0, NULL);
    return r;
}

/* One request with an optional token, more header lines (each ending in
 * "\r\n"; NULL: none) and a body. */
static inline struct resp request_headers(const char *method, const char *path, const char *token,
                                          const char *headers, const char *body, size_t len)
{
    char head[2048], auth[128] = "";
    if (token)
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", token);
    int n = snprintf(head, sizeof(head),
                     "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s%s"
                     "Content-Length: %zu\r\n\r\n",
                     method, path, auth, headers ? headers : "", len);
    cr_assert_lt(n, (int)sizeof(head), "request head too long: %.80s", path);
    char *raw = malloc((size_t)n + len);
    memcpy(raw, head, (size_t)n);
    if (len)
        memcpy(raw + n, body, len);
    struct resp r = raw_request(raw, (size_t)n + len);
    free(raw);
    return r;
}

/* One request with an optional token, Content-Type and body. */
static inline struct resp request_with(const char *method, const char *path, const char *token,
                                       const char *content_type, const char *body, size_t len)
{
    char ct[160];
    snprintf(ct, sizeof(ct), "Content-Type: %s\r\n", content_type ? content_type : "");
    return request_headers(method, path, token, content_type ? ct : NULL, body, len);
}

static inline struct resp request(const char *method, const char *path, const char *token,
                                  const char *body)
{
    return request_with(method, path, token, NULL, body, body ? strlen(body) : 0);
}

/* A GET with an optional token and Accept-Language header (NULL: none). */
static inline struct resp request_lang(const char *path, const char *token,
                                       const char *accept_language)
{
    char al[600];
    snprintf(al, sizeof(al), "Accept-Language: %s\r\n", accept_language ? accept_language : "");
    return request_headers("GET", path, token, accept_language ? al : NULL, NULL, 0);
}

static inline char *header(const struct resp *r, const char *name)
{
    static char val[512];
    char *h = r->head;
    size_t n = strlen(name);
    while ((h = strstr(h, "\r\n"))) {
        h += 2;
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            const char *v = h + n + 1 + strspn(h + n + 1, " ");
            size_t l = strcspn(v, "\r\n");
            snprintf(val, sizeof(val), "%.*s", (int)l, v);
            return val;
        }
    }
    return NULL;
}

/* An error reply: JSON with the status, a code and a message. */
static inline void assert_error(struct resp *r, int status, const char *code,
                                const char *in_message)
{
    cr_assert_eq(r->status, status, "expected %d, got %d: %s", status, r->status, r->body);
    cr_assert(json_is_object(r->json), "error body is not JSON: %s", r->body);
    json_t *e = json_object_get(r->json, "error");
    cr_assert_str_eq(json_string_value(json_object_get(e, "code")), code, "%s", r->body);
    const char *msg = json_string_value(json_object_get(e, "message"));
    cr_assert(msg && strstr(msg, in_message), "message lacks \"%s\": %s", in_message, r->body);
}

#endif
