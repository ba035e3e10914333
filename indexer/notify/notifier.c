/* Webhook delivery: libcurl's multi-socket interface driven by libuv poll
 * and timer handles (curl tells which sockets to watch and when to call it
 * back; libuv watches), on a loop and thread of the notifier's own. Each
 * webhook is a small state machine around one cursor in the index. */
#include <errno.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#include "base/log.h"
#include "base/timefmt.h"
#include "notify/notifier.h"
#include "notify/webhook.h"
#include "url.h"

#define NOTIFIER_POLL_MS        2000 /* events from other processes, and the lag figure */
#define NOTIFIER_BACKOFF_MS     1000 /* first retry; doubles per failure ... */
#define NOTIFIER_BACKOFF_MAX_MS (5 * 60 * 1000) /* ... up to this */
#define NOTIFIER_NICE           10

enum wh_state {
    WH_IDLE,    /* caught up, or about to read the next batch */
    WH_SENDING, /* a POST is in flight */
    WH_BACKOFF, /* the last POST failed: waiting for the retry timer */
    WH_STATE_COUNT
};
static const char *const wh_state_names[WH_STATE_COUNT] = {"idle", "sending", "backoff"};

struct webhook {
    struct notifier *n;
    struct config_webhook cfg;
    char shown_url[256]; /* redacted, for logs */
    enum wh_state state;
    uint64_t cursor;            /* key of the last acknowledged event */
    bool cursor_is_new;         /* not in the index yet */
    struct webhook_batch batch; /* in flight or to retry */
    CURL *easy;
    struct curl_slist *headers;
    char curl_err[CURL_ERROR_SIZE];
    uv_timer_t retry_timer;
    struct notifier_webhook_stats st; /* copied out under n->stats_lock */
};

struct notifier {
    uv_loop_t loop;
    uv_thread_t thread;
    uv_async_t wake, stop;
    uv_timer_t curl_timer, poll_timer;
    CURLM *multi;
    struct store *store;
    int32_t tz_offset;
    unsigned seed; /* of the backoff jitter */
    bool stopping;
    struct webhook *wh;
    size_t nwh;
    pthread_mutex_t stats_lock;
};

/* One watched socket of curl's. */
struct curl_sock {
    uv_poll_t poll;
    curl_socket_t fd;
    struct notifier *n;
};

static void wh_pump(struct webhook *w);

/* ---- stats ---- */

size_t notifier_get_stats(struct notifier *n, struct notifier_webhook_stats *out, size_t cap)
{
    if (!n)
        return 0;
    size_t k = n->nwh < cap ? n->nwh : cap;
    pthread_mutex_lock(&n->stats_lock);
    for (size_t i = 0; i < k; i++)
        out[i] = n->wh[i].st;
    pthread_mutex_unlock(&n->stats_lock);
    return k;
}

/* Every change of a webhook's counters goes through here, under the lock
 * the HTTP thread reads them with. */
#define STATS_UPDATE(w, stmt)                                                                      \
    do {                                                                                           \
        pthread_mutex_lock(&(w)->n->stats_lock);                                                   \
        stmt;                                                                                      \
        pthread_mutex_unlock(&(w)->n->stats_lock);                                                 \
    } while (0)

/* ---- the state machine ---- */

static void wh_set_state(struct webhook *w, enum wh_state s)
{
    if (log_enabled(LEVEL_DEBUG))
        log_kv(LEVEL_DEBUG, "webhook state", "webhook", w->cfg.name, "from",
               wh_state_names[w->state], "to", wh_state_names[s], NULL);
    w->state = s;
}

static uint32_t backoff_ms(uint32_t failures, unsigned *seed)
{
    uint64_t ms = NOTIFIER_BACKOFF_MS;
    for (uint32_t i = 1; i < failures && ms < NOTIFIER_BACKOFF_MAX_MS; i++)
        ms *= 2;
    if (ms > NOTIFIER_BACKOFF_MAX_MS)
        ms = NOTIFIER_BACKOFF_MAX_MS;
    /* Jitter, so that receivers coming back are not hit by every sender at
     * once: between half and all of the step. */
    return (uint32_t)(ms / 2 + (uint64_t)rand_r(seed) % (ms / 2 + 1));
}

static void on_retry(uv_timer_t *t)
{
    struct webhook *w = t->data;
    wh_set_state(w, WH_IDLE);
    wh_pump(w);
}

static void wh_release_easy(struct webhook *w)
{
    if (w->easy) {
        curl_multi_remove_handle(w->n->multi, w->easy);
        curl_easy_cleanup(w->easy);
        w->easy = NULL;
    }
    curl_slist_free_all(w->headers);
    w->headers = NULL;
}

static size_t discard_body(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

/* Starts the POST of w->batch. 0, or a negative errno (nothing started). */
static int wh_post(struct webhook *w)
{
    char sig[WEBHOOK_SIGNATURE_LEN + 1], h[160];
    if (webhook_sign(w->cfg.secret, w->batch.body, w->batch.len, sig))
        return -EIO;
    struct curl_slist *hs = NULL, *t;
#define ADD(s)                                                                                     \
    do {                                                                                           \
        if (!(t = curl_slist_append(hs, s)))                                                       \
            goto oom;                                                                              \
        hs = t;                                                                                    \
    } while (0)
    ADD("Content-Type: application/json");
    snprintf(h, sizeof(h), "X-Camdex-Signature: %s", sig);
    ADD(h);
    snprintf(h, sizeof(h), "X-Camdex-Delivery: %" PRIu64 "-%" PRIu64, w->batch.first,
             w->batch.last);
    ADD(h);
    ADD("Expect:"); /* no 100-continue round trip */
#undef ADD
    CURL *e = curl_easy_init();
    if (!e)
        goto oom;
    curl_easy_setopt(e, CURLOPT_URL, w->cfg.url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, w->batch.body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)w->batch.len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)w->cfg.timeout_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "camdex/" CAMDEX_VERSION);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, w->curl_err);
    curl_easy_setopt(e, CURLOPT_PRIVATE, w);
    w->curl_err[0] = 0;
    w->easy = e;
    w->headers = hs;
    if (curl_multi_add_handle(w->n->multi, e) != CURLM_OK) {
        wh_release_easy(w);
        return -EIO;
    }
    wh_set_state(w, WH_SENDING);
    return 0;
oom:
    curl_slist_free_all(hs);
    return -ENOMEM;
}

static void wh_fail(struct webhook *w, long status, const char *why)
{
    uint32_t fails = w->st.consecutive_failures + 1;
    uint32_t delay = backoff_ms(fails, &w->n->seed);
    STATS_UPDATE(w, {
        w->st.consecutive_failures = fails;
        if (status)
            w->st.failed_status++;
        else
            w->st.failed_network++;
    });
    char st[16], n[16], retry[32], first[24];
    snprintf(st, sizeof(st), "%ld", status);
    snprintf(n, sizeof(n), "%u", w->batch.count);
    snprintf(retry, sizeof(retry), "%.1f", delay / 1000.0);
    snprintf(first, sizeof(first), "%" PRIu64, w->batch.first);
    log_kv(LEVEL_WARN, "webhook delivery failed", "webhook", w->cfg.name, "url", w->shown_url,
           "status", status ? st : "none", "error", why, "events", n, "first_key", first,
           "retry_in_s", retry, NULL);
    wh_set_state(w, WH_BACKOFF);
    uv_timer_start(&w->retry_timer, on_retry, delay, 0);
}

static void wh_done(struct webhook *w, CURLcode res)
{
    long status = 0;
    curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &status);
    char why[CURL_ERROR_SIZE + 32];
    snprintf(why, sizeof(why), "%s", w->curl_err[0] ? w->curl_err : curl_easy_strerror(res));
    wh_release_easy(w);
    if (w->n->stopping)
        return;
    if (res != CURLE_OK) {
        wh_fail(w, 0, why);
        return;
    }
    if (status < 200 || status > 299) {
        wh_fail(w, status, "the receiver did not answer 2xx");
        return;
    }
    /* Acknowledged: the cursor moves, durably, before the next batch. */
    int rc = webhook_cursor_put(w->n->store, w->cfg.name, w->batch.last);
    if (rc)
        log_kv(LEVEL_ERROR,
               "webhook cursor not saved: these events will be sent again after "
               "a restart",
               "webhook", w->cfg.name, "error", store_strerror(rc), NULL);
    if (w->st.consecutive_failures) {
        char n[16];
        snprintf(n, sizeof(n), "%u", w->st.consecutive_failures);
        log_kv(LEVEL_INFO, "webhook delivering again", "webhook", w->cfg.name, "after_failures", n,
               NULL);
    }
    w->cursor = w->batch.last;
    uint32_t count = w->batch.count;
    STATS_UPDATE(w, {
        w->st.delivered++;
        w->st.events += count;
        w->st.consecutive_failures = 0;
        w->st.last_success_ms = timefmt_now_ms();
    });
    webhook_batch_free(&w->batch);
    wh_set_state(w, WH_IDLE);
    wh_pump(w);
}

/* Idle: read the next batch after the cursor and send it. */
static void wh_pump(struct webhook *w)
{
    if (w->state != WH_IDLE || w->n->stopping)
        return;
    webhook_batch_free(&w->batch);
    enum msg_lang lang = MSG_EN;
    msg_lang_parse(w->cfg.lang, &lang); /* "en" or "zh", checked by the configuration */
    int rc = webhook_batch_read(w->n->store, w->cfg.name, w->cfg.unit, w->cursor, w->cfg.batch_max,
                                w->n->tz_offset, lang, &w->batch);
    /* Also set when the batch could not be built (webhook.h). */
    int64_t oldest = w->batch.first_ms;
    STATS_UPDATE(w, w->st.oldest_pending_ms = oldest);
    if (!rc && !w->batch.count)
        return; /* caught up */
    if (!rc)
        rc = wh_post(w);
    if (rc) {
        /* The index or memory failed us: a failed delivery like a failed
         * POST (counted, logged, retried, the lag growing), never silence. */
        char why[160];
        snprintf(why, sizeof(why), "could not build the batch from the index: %s",
                 rc == -ENOMEM ? "out of memory" : store_strerror(rc));
        wh_fail(w, 0, why);
        webhook_batch_free(&w->batch);
    }
}

static void pump_all(struct notifier *n)
{
    for (size_t i = 0; i < n->nwh; i++)
        wh_pump(&n->wh[i]);
}

/* ---- libcurl on libuv ---- */

static void check_multi_info(struct notifier *n)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(n->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct webhook *w = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&w);
        /* wh_done removes the handle: `m` is not used after it. */
        wh_done(w, m->data.result);
    }
}

static void on_sock_ready(uv_poll_t *p, int status, int events)
{
    struct curl_sock *cs = p->data;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(cs->n->multi, cs->fd, flags, &running);
    check_multi_info(cs->n);
}

static void free_sock(uv_handle_t *h)
{
    free(h->data);
}

static int on_curl_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)e;
    struct notifier *n = userp;
    struct curl_sock *cs = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (cs) {
            uv_poll_stop(&cs->poll);
            uv_close((uv_handle_t *)&cs->poll, free_sock);
            curl_multi_assign(n->multi, fd, NULL);
        }
        return 0;
    }
    if (!cs) {
        cs = calloc(1, sizeof(*cs));
        if (!cs)
            return -1;
        cs->fd = fd;
        cs->n = n;
        if (uv_poll_init_socket(&n->loop, &cs->poll, fd)) {
            free(cs);
            return -1;
        }
        cs->poll.data = cs;
        curl_multi_assign(n->multi, fd, cs);
    }
    int ev = (what != CURL_POLL_OUT ? UV_READABLE : 0) | (what != CURL_POLL_IN ? UV_WRITABLE : 0);
    uv_poll_start(&cs->poll, ev, on_sock_ready);
    return 0;
}

static void on_curl_timeout(uv_timer_t *t)
{
    struct notifier *n = t->data;
    int running;
    curl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_multi_info(n);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct notifier *n = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&n->curl_timer);
    else /* 0: as soon as possible, but from the loop, not from inside curl */
        uv_timer_start(&n->curl_timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

/* ---- the thread ---- */

static void on_wake(uv_async_t *a)
{
    pump_all(a->data);
}

static void on_poll(uv_timer_t *t)
{
    /* Events written by other processes wake nobody: look for them. A
     * webhook in backoff waits for its timer. */
    pump_all(t->data);
}

static void on_stop(uv_async_t *a)
{
    struct notifier *n = a->data;
    n->stopping = true;
    for (size_t i = 0; i < n->nwh; i++) {
        struct webhook *w = &n->wh[i];
        wh_release_easy(w);
        webhook_batch_free(&w->batch);
        uv_close((uv_handle_t *)&w->retry_timer, NULL);
    }
    /* Closes cached connections: the socket callback closes their polls. */
    curl_multi_cleanup(n->multi);
    n->multi = NULL;
    uv_close((uv_handle_t *)&n->curl_timer, NULL);
    uv_close((uv_handle_t *)&n->poll_timer, NULL);
    uv_close((uv_handle_t *)&n->wake, NULL);
    uv_close((uv_handle_t *)&n->stop, NULL);
}

static void notifier_thread(void *arg)
{
    struct notifier *n = arg;
    pthread_setname_np(pthread_self(), "camdex-notify"); /* see http_server.c */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    /* Deliveries can wait; probing cannot (see http_server.c). */
    (void)setpriority(PRIO_PROCESS, (id_t)gettid(), NOTIFIER_NICE);
    /* A new webhook's cursor goes into the index at once, so that a
     * restart before its first delivery does not skip what happened in
     * between. */
    for (size_t i = 0; i < n->nwh; i++) {
        struct webhook *w = &n->wh[i];
        int rc = w->cursor_is_new ? webhook_cursor_put(n->store, w->cfg.name, w->cursor) : 0;
        if (rc)
            log_kv(LEVEL_ERROR, "webhook cursor not saved", "webhook", w->cfg.name, "error",
                   store_strerror(rc), NULL);
    }
    pump_all(n);
    uv_run(&n->loop, UV_RUN_DEFAULT);
}

int notifier_start(const struct config *cfg, struct store *store, struct notifier **out, char *err,
                   size_t errlen)
{
    *out = NULL;
    if (!cfg->nwebhooks)
        return 0;
    for (uint32_t i = 0; i < cfg->nwebhooks; i++)
        if (config_webhook_check(&cfg->webhooks[i], err, errlen))
            return -EINVAL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
        snprintf(err, errlen, "webhooks: libcurl could not start");
        return -EIO;
    }
    struct notifier *n = calloc(1, sizeof(*n));
    struct webhook *wh = calloc(cfg->nwebhooks, sizeof(*wh));
    if (!n || !wh) {
        free(n);
        free(wh);
        curl_global_cleanup();
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    n->store = store;
    n->wh = wh;
    n->nwh = cfg->nwebhooks;
    struct store_info info;
    if (store_info(store, &info) == 0)
        n->tz_offset = info.day_offset_s;
    pthread_mutex_init(&n->stats_lock, NULL);
    n->seed = (unsigned)(timefmt_now_ms() ^ getpid());
    uv_loop_init(&n->loop);
    n->multi = curl_multi_init();
    curl_multi_setopt(n->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(n->multi, CURLMOPT_SOCKETDATA, n);
    curl_multi_setopt(n->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(n->multi, CURLMOPT_TIMERDATA, n);
    uv_async_init(&n->loop, &n->wake, on_wake);
    uv_async_init(&n->loop, &n->stop, on_stop);
    uv_timer_init(&n->loop, &n->curl_timer);
    uv_timer_init(&n->loop, &n->poll_timer);
    n->wake.data = n->stop.data = n->curl_timer.data = n->poll_timer.data = n;
    uv_timer_start(&n->poll_timer, on_poll, NOTIFIER_POLL_MS, NOTIFIER_POLL_MS);
    for (size_t i = 0; i < n->nwh; i++) {
        struct webhook *w = &wh[i];
        w->n = n;
        w->cfg = cfg->webhooks[i];
        probe_url_redact(w->cfg.url, w->shown_url, sizeof(w->shown_url));
        snprintf(w->st.name, sizeof(w->st.name), "%s", w->cfg.name);
        uv_timer_init(&n->loop, &w->retry_timer);
        w->retry_timer.data = w;
        /* Where it resumes: its cursor, or for a new webhook the newest
         * event now, read here before the loop commits anything more. */
        int rc = webhook_cursor_get(store, w->cfg.name, &w->cursor);
        if (rc) {
            if (rc != -ENOENT)
                log_kv(LEVEL_ERROR, "webhook cursor unreadable: starting after the newest event",
                       "webhook", w->cfg.name, "error", store_strerror(rc), NULL);
            struct store_read *r;
            w->cursor = 0;
            w->cursor_is_new = true;
            if (store_read_begin(store, &r) == 0) {
                store_events_last_key(r, &w->cursor);
                store_read_end(&r);
            }
        }
        char key[24];
        snprintf(key, sizeof(key), "%" PRIu64, w->cursor);
        log_kv(LEVEL_INFO, "webhook ready", "webhook", w->cfg.name, "url", w->shown_url, "after",
               key, "new", w->cursor_is_new ? "yes" : "no", NULL);
    }
    int rc = uv_thread_create(&n->thread, notifier_thread, n);
    if (rc) {
        snprintf(err, errlen, "cannot start the webhook thread: %s", uv_strerror(rc));
        on_stop(&n->stop);
        uv_run(&n->loop, UV_RUN_DEFAULT);
        uv_loop_close(&n->loop);
        pthread_mutex_destroy(&n->stats_lock);
        free(n->wh);
        free(n);
        curl_global_cleanup();
        return rc;
    }
    *out = n;
    return 0;
}

void notifier_notify(struct notifier *n)
{
    if (n)
        uv_async_send(&n->wake);
}

void notifier_stop(struct notifier **p)
{
    struct notifier *n = *p;
    if (!n)
        return;
    *p = NULL;
    uv_async_send(&n->stop);
    uv_thread_join(&n->thread);
    uv_loop_close(&n->loop);
    for (size_t i = 0; i < n->nwh; i++)
        memset(n->wh[i].cfg.secret, 0, sizeof(n->wh[i].cfg.secret));
    pthread_mutex_destroy(&n->stats_lock);
    free(n->wh);
    free(n);
    curl_global_cleanup();
}
