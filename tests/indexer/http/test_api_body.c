/* indexer/http/api_body.c and api_cameras_body.c end to end: `camdex serve`
 * on an index of 25,000 cameras (about 10 MB of JSON, more than the kernel
 * queues on a loopback socket), GET /api/v1/cameras?limit=all written in
 * pieces whose size is bounded whatever the fleet (asserted through the
 * server's own counters in /metrics, not through timing), pages that walk
 * to the same list, and a client that goes away mid-body. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>

#include "api_serve.h"
#include "http/api_internal.h"

#define CAMERAS 25000

static void setup(void)
{
    api_index(CAMERAS, 11);
    api_serve("--interval", "1h", "--log-level", "info", NULL);
    http_wait_ms = 120000; /* a whole 10 MB answer from a sanitized build, on a busy machine */
}

TestSuite(api_body, .init = setup, .fini = api_teardown, .timeout = 300);

/* One figure of /metrics. */
static long long metric(const char *name)
{
    struct resp r = request("GET", "/metrics", NULL, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    char key[128];
    snprintf(key, sizeof(key), "\n%s ", name);
    const char *p = strstr(r.body, key);
    cr_assert_not_null(p, "no %s in /metrics", name);
    long long v = atoll(p + strlen(key));
    resp_free(&r);
    return v;
}

/* Waits (polling the server's own counter, with a deadline) until `name`
 * reads `want`. */
static void await_metric(const char *name, long long want)
{
    uint64_t end = procs_now_ms() + 30000;
    long long v;
    while ((v = metric(name)) != want && procs_now_ms() < end) {
        struct pollfd none;
        poll(&none, 0, 50);
    }
    cr_assert_eq(v, want, "%s is %lld, expected %lld", name, v, want);
}

Test(api_body, every_camera_in_pieces_of_bounded_size)
{
    struct resp r = request("GET", "/api/v1/cameras?limit=all", NULL, NULL);
    cr_assert_eq(r.status, 200, "%.300s", r.body);
    const char *te = header(&r, "transfer-encoding");
    cr_assert(te && strstr(te, "chunked"), "not written in pieces: %s", r.head);
    /* httpc reads the raw bytes: undo the chunked encoding. */
    char *body = malloc(r.body_len + 1), *o = body;
    for (const char *p = r.body;;) {
        size_t n = strtoul(p, NULL, 16);
        p = strstr(p, "\r\n") + 2;
        if (!n)
            break;
        memcpy(o, p, n);
        o += n;
        p += n + 2;
    }
    *o = 0;
    json_error_t err;
    json_t *j = json_loads(body, 0, &err);
    cr_assert_not_null(j, "not JSON: %s at %d", err.text, err.position);
    json_t *cams = json_object_get(j, "cameras");
    cr_assert_eq(json_array_size(cams), CAMERAS);
    cr_assert_eq(json_integer_value(json_object_get(j, "count")), CAMERAS);
    cr_assert(json_is_null(json_object_get(j, "next_cursor")));
    /* The index's key order (camera id), each once. */
    for (size_t i = 1; i < CAMERAS; i++)
        cr_assert_lt(strcmp(json_string_value(json_object_get(json_array_get(cams, i - 1), "id")),
                            json_string_value(json_object_get(json_array_get(cams, i), "id"))),
                     0, "row %zu out of order", i);
    /* Pieces of about API_BODY_CHUNK: at least a hundred of them for this
     * fleet, none much over the chunk (a row's JSON is under 2 KB). */
    cr_assert_gt(metric("camdex_http_body_piece_peak_bytes"), 0);
    cr_assert_leq(metric("camdex_http_body_piece_peak_bytes"), API_BODY_CHUNK + 2048);
    cr_assert_gt(r.body_len, 100 * API_BODY_CHUNK);

    /* The same cameras, walked a page of 1,000 at a time with the cursor. */
    size_t seen = 0;
    char path[256] = "/api/v1/cameras?limit=1000";
    for (int page = 0; page < 30; page++) {
        struct resp p = request("GET", path, NULL, NULL);
        cr_assert_eq(p.status, 200, "%.300s", p.body);
        json_t *rows = json_object_get(p.json, "cameras");
        for (size_t i = 0; i < json_array_size(rows); i++, seen++)
            cr_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, i), "id")),
                             json_string_value(json_object_get(json_array_get(cams, seen), "id")));
        const char *next = json_string_value(json_object_get(p.json, "next_cursor"));
        if (next)
            snprintf(path, sizeof(path), "/api/v1/cameras?limit=1000&cursor=%s", next);
        resp_free(&p);
        if (!next)
            break;
    }
    cr_assert_eq(seen, CAMERAS);
    json_decref(j);
    free(body);
    resp_free(&r);
}

Test(api_body, every_camera_as_csv)
{
    struct resp r = request("GET", "/api/v1/cameras?limit=all&format=csv", NULL, NULL);
    cr_assert_eq(r.status, 200, "%.300s", r.body);
    size_t lines = 0;
    for (const char *p = r.body; (p = strstr(p, "\n")); p++)
        lines++;
    /* Chunk-size lines of the encoding besides the heading and the rows. */
    cr_assert_gt(lines, CAMERAS);
    cr_assert(strstr(r.body, "id,name,unit,unit_name,state,reason,detail,since,last_probe,url\n"));
    resp_free(&r);
}

Test(api_body, a_client_that_goes_away_mid_body_frees_it)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)http_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    const char *req = "GET /api/v1/cameras?limit=all HTTP/1.1\r\nHost: localhost\r\n\r\n";
    send_all(fd, req, strlen(req));
    /* The head and the first bytes arrive... */
    char buf[512];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    cr_assert_gt(poll(&p, 1, 30000), 0, "nothing came");
    cr_assert_gt(recv(fd, buf, sizeof(buf), 0), 0);
    /* ...and, the client reading no more, the body waits for it: open,
     * neither finished nor buffered whole. */
    await_metric("camdex_http_bodies_open", 1);
    long long cut = metric("camdex_http_bodies_cut_total");
    close(fd);
    await_metric("camdex_http_bodies_open", 0);
    cr_assert_eq(metric("camdex_http_bodies_cut_total"), cut + 1);
    /* The server goes on answering. */
    struct resp r = request("GET", "/api/v1/cameras?limit=1", NULL, NULL);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
}
