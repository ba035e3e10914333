/* A camera's own words as they come in the field: a reason phrase in
 * Latin-1 behind stray bytes, and a long Chinese one that a byte cut would
 * split. A fake camera inside this test (a thread with a listening socket)
 * answers DESCRIBE with them; then every reader of the outage log answers
 * with those bytes replaced: `camdex show` and `history`, GET /events,
 * /cameras/{id}, /cameras/{id}/events, a probe on demand, the event stream
 * and the webhook. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>

#include "httpc.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"
#include "base/text_encoding.h"

#define RO     "ro-token-hostile"
#define RW     "rw-token-hostile"
#define CAM_DE "32010200001315000101"
#define CAM_ZH "32010200001315000102"
#define UNIT   "32010000002165000001"

static const char PHRASE_DE[] = "\xff\xfe\xc3 Nicht gef\xfcnden";
static const char PHRASE_ZH[] = "x找不到这个摄像机的视频流请检查配置是否正确谢谢合作";

static char *tmp;
static char db[4200];
static struct proc serve;

/* ---- a listening thread for the fake camera and the webhook receiver ---- */

struct tiny_server {
    pthread_t thread;
    int lfd, port;
    bool quit;
    void (*handle)(int fd);
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hook_cv = PTHREAD_COND_INITIALIZER;
static char *hook_bodies; /* every webhook POST body, one after another */
static size_t hook_len;

static void *tiny_main(void *arg)
{
    struct tiny_server *s = arg;
    while (!__atomic_load_n(&s->quit, __ATOMIC_ACQUIRE)) {
        struct pollfd p = {.fd = s->lfd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        s->handle(fd);
        close(fd);
    }
    return NULL;
}

static void tiny_start(struct tiny_server *s, void (*handle)(int))
{
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    cr_assert_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(listen(s->lfd, 16), 0);
    getsockname(s->lfd, (struct sockaddr *)&a, &al);
    s->port = ntohs(a.sin_port);
    s->handle = handle;
    s->quit = false;
    cr_assert_eq(pthread_create(&s->thread, NULL, tiny_main, s), 0);
}

static void tiny_stop(struct tiny_server *s)
{
    __atomic_store_n(&s->quit, true, __ATOMIC_RELEASE);
    pthread_join(s->thread, NULL);
    close(s->lfd);
}

/* Reads until the end of a request's head (and its body when it has a
 * Content-Length), within 3 s. Returns the length, 0 on EOF or timeout. */
static size_t read_message(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    uint64_t deadline = procs_now_ms() + 3000;
    while (procs_now_ms() < deadline && n + 1 < cap) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r <= 0)
            return 0;
        n += (size_t)r;
        buf[n] = 0;
        char *end = strstr(buf, "\r\n\r\n");
        if (!end)
            continue;
        const char *cl = strcasestr(buf, "\r\ncontent-length:");
        size_t want = (size_t)(end + 4 - buf) + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
        if (n >= want)
            return n;
    }
    return 0;
}

/* The camera: OPTIONS is answered, everything else gets 404 with the
 * phrase of the path (/de or /zh). */
static void camera_conn(int fd)
{
    char req[8192];
    while (read_message(fd, req, sizeof(req))) {
        const char *cseq = strcasestr(req, "\r\nCSeq:");
        int n = cseq ? atoi(cseq + 7) : 0;
        const char *phrase = strstr(req, "/zh ") ? PHRASE_ZH : PHRASE_DE;
        char out[512];
        int len =
            strncmp(req, "OPTIONS", 7) == 0
                ? snprintf(out, sizeof(out),
                           "RTSP/1.0 200 OK\r\nCSeq: %d\r\nPublic: OPTIONS, DESCRIBE, SETUP, "
                           "PLAY, TEARDOWN\r\n\r\n",
                           n)
                : snprintf(out, sizeof(out), "RTSP/1.0 404 %s\r\nCSeq: %d\r\n\r\n", phrase, n);
        send_all(fd, out, (size_t)len);
    }
}

/* The webhook receiver: keeps each body and says 200. */
static void hook_conn(int fd)
{
    static char req[1 << 20];
    size_t n = read_message(fd, req, sizeof(req));
    if (!n)
        return;
    char *body = strstr(req, "\r\n\r\n") + 4;
    size_t blen = n - (size_t)(body - req);
    pthread_mutex_lock(&mu);
    hook_bodies = realloc(hook_bodies, hook_len + blen + 2);
    memcpy(hook_bodies + hook_len, body, blen);
    hook_len += blen;
    hook_bodies[hook_len++] = '\n';
    hook_bodies[hook_len] = 0;
    pthread_cond_broadcast(&hook_cv);
    pthread_mutex_unlock(&mu);
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    send_all(fd, ok, sizeof(ok) - 1);
}

static struct tiny_server camera, hook;

/* ---- checks ---- */

/* Valid UTF-8 with the expected replaced text somewhere. */
static void assert_replaced(const char *what, const char *text)
{
    cr_assert_not_null(text, "%s: no answer", what);
    cr_assert(tenc_is_utf8(text, strlen(text)), "%s is not valid UTF-8: %s", what, text);
    cr_assert(strstr(text, "Nicht gef\xEF\xBF\xBDnden"), "%s lacks the German phrase: %s", what,
              text);
}

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
    tiny_start(&camera, camera_conn);
    tiny_start(&hook, hook_conn);
    char inv[4300];
    snprintf(inv, sizeof(inv), "%s/fleet.csv", tmp);
    FILE *f = fopen(inv, "w");
    cr_assert_not_null(f);
    fprintf(f, "id,name,unit_id,unit_name,url\n");
    fprintf(f, "%s,北门,%s,南京站,rtsp://admin:pw@127.0.0.1:%d/de\n", CAM_DE, UNIT, camera.port);
    fprintf(f, "%s,东门,%s,南京站,rtsp://admin:pw@127.0.0.1:%d/zh\n", CAM_ZH, UNIT, camera.port);
    fclose(f);
    char *imp[] = {CAMDEX_BIN, "--db", db, "import", inv, NULL};
    run_ok(imp);
}

static void teardown(void)
{
    int rc = proc_stop(&serve, SIGTERM, 15000);
    tiny_stop(&camera);
    tiny_stop(&hook);
    free(hook_bodies);
    testutil_rmdir(tmp);
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

TestSuite(hostile_text, .init = setup, .fini = teardown, .timeout = 120);

static void start_serve(void)
{
    static char hook_url[128];
    snprintf(hook_url, sizeof(hook_url), "webhook.hook.url=http://127.0.0.1:%d/camdex", hook.port);
    char *argv[] = {CAMDEX_BIN,
                    "--db",
                    db,
                    "serve",
                    "--interval",
                    "3s",
                    "--depth",
                    "describe",
                    "--fail-threshold",
                    "1",
                    "--set",
                    "http.listen=127.0.0.1:0",
                    "--set",
                    "http.token_ro=" RO,
                    "--set",
                    "http.token_rw=" RW,
                    "--set",
                    hook_url,
                    "--set",
                    "webhook.hook.secret=hostile-secret",
                    /* A camera's first look is logged at debug. */
                    "--log-level",
                    "debug",
                    NULL};
    proc_start(&serve, 2, argv);
    http_port = serve_http_port(&serve);
}

/* The two cameras' first probes (spread over the 3 s interval) put
 * them offline with their phrases. */
static void wait_offline(void)
{
    const char *cams[] = {CAM_DE, CAM_ZH};
    bool seen[2] = {false, false};
    uint64_t deadline = procs_now_ms() + 20000;
    while (!(seen[0] && seen[1])) {
        int left = (int)(deadline - procs_now_ms());
        cr_assert(left > 0 &&
                      proc_wait_line(&serve, left, "msg=\"state change\"", "to=offline", NULL),
                  "no offline transition: %s", serve.last);
        for (int i = 0; i < 2; i++)
            seen[i] = seen[i] || strstr(serve.last, cams[i]);
    }
}

static void assert_get_ok(const char *path, bool german)
{
    struct resp r = request("GET", path, RO, NULL);
    cr_assert_eq(r.status, 200, "%s: %d %s", path, r.status, r.body);
    cr_assert_not_null(r.json, "%s: not JSON: %s", path, r.body);
    if (german)
        assert_replaced(path, r.body);
    else
        cr_assert(tenc_is_utf8(r.body, r.body_len), "%s", path);
    resp_free(&r);
}

/* The Chinese phrase is cut at 60 bytes between characters: the stored
 * detail ends with whole characters. */
static void assert_chinese_cut_whole(const char *text)
{
    const char *p = strstr(text, "404 x找不到");
    cr_assert_not_null(p, "no Chinese phrase in %s", text);
    cr_assert(tenc_is_utf8(text, strlen(text)));
    cr_assert_null(strstr(text, "\xEF\xBF\xBD"), "a character was split: %s", text);
}

Test(hostile_text, every_reader_answers_with_the_bytes_replaced)
{
    start_serve();
    wait_offline();

    assert_get_ok("/api/v1/events", true);
    assert_get_ok("/api/v1/cameras/" CAM_DE, true);
    assert_get_ok("/api/v1/cameras/" CAM_DE "/events", true);
    assert_get_ok("/api/v1/cameras/" CAM_ZH, false);
    struct resp r = request("GET", "/api/v1/cameras/" CAM_ZH "/events", RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    assert_chinese_cut_whole(r.body);
    resp_free(&r);

    r = request("POST", "/api/v1/cameras/" CAM_DE "/probe", RW, NULL);
    cr_assert_eq(r.status, 200, "on-demand probe: %d %s", r.status, r.body);
    assert_replaced("on-demand probe", r.body);
    resp_free(&r);

    /* The event stream replays both events and goes on. */
    int fd = connect_api();
    const char *sreq = "GET /api/v1/events/stream?last_event_id=0 HTTP/1.1\r\nHost: localhost\r\n"
                       "Authorization: Bearer " RO "\r\n\r\n";
    send_all(fd, sreq, strlen(sreq));
    char buf[65536] = "";
    size_t n = 0;
    uint64_t deadline = procs_now_ms() + 10000;
    while (!(strstr(buf, CAM_DE) && strstr(buf, CAM_ZH)) && procs_now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t got = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);
        cr_assert_gt(got, 0, "the stream ended: %s", buf);
        n += (size_t)got;
        buf[n] = 0;
    }
    close(fd);
    cr_assert(strstr(buf, CAM_DE) && strstr(buf, CAM_ZH), "stream: %s", buf);
    assert_replaced("event stream", buf);

    /* The webhook delivers both. */
    pthread_mutex_lock(&mu);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 15;
    while (!(hook_bodies && strstr(hook_bodies, CAM_DE) && strstr(hook_bodies, CAM_ZH)))
        if (pthread_cond_timedwait(&hook_cv, &mu, &until))
            break;
    char *bodies = hook_bodies ? strdup(hook_bodies) : NULL;
    pthread_mutex_unlock(&mu);
    cr_assert(bodies && strstr(bodies, CAM_DE) && strstr(bodies, CAM_ZH), "webhook: %s",
              bodies ? bodies : "(nothing)");
    assert_replaced("webhook", bodies);
    free(bodies);

    /* The CLI reads the same index. */
    char *show[] = {CAMDEX_BIN, "--db", db, "show", CAM_DE, NULL};
    struct run rs = runv(show);
    cr_assert_eq(rs.rc, 0, "show: %s", rs.err);
    assert_replaced("camdex show", rs.out);
    run_free(&rs);
    char *hist[] = {CAMDEX_BIN, "--db", db, "history", NULL};
    rs = runv(hist);
    cr_assert_eq(rs.rc, 0, "history: %s", rs.err);
    cr_assert(tenc_is_utf8(rs.out, strlen(rs.out)), "%s", rs.out);
    run_free(&rs);
}
