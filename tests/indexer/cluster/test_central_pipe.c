/* indexer/cluster/central_pipe.c against a real nats-server: a zone's
 * stream longer than one fetch (by count and by bytes) comes out whole, in
 * stream order, decoded, with refusals kept per message; an empty stream
 * gives a bounded wait; stopping with a fetch waiting frees it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <nats/nats.h>
#include <signal.h>

#include "cluster/central_pipe.h"
#include "cluster/central_resume.h"
#include "cluster/nats_link.h"
#include "cluster_fixture.h"

static natsConnection *nc;
static jsCtx *js;

static void setup(void)
{
    fixture_nats_up();
    struct config c;
    fixture_config(&c, &nd, "p");
    char err[256];
    cr_assert_eq(nats_link_open(&c, "test-pipe", &nc, &js, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(nats_link_ensure_stream(js, "p", 1, err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
    nats_link_close(&nc, &js);
    fixture_nats_down();
}

TestSuite(central_pipe, .init = setup, .fini = teardown, .timeout = 120);

/* A health message of `records` records, its first camera named after `i`. */
static void publish_health(int i, int records)
{
    struct wire_enc *e;
    cr_assert_eq(wire_enc_begin(WIRE_HEALTH, "p", testutil_now_ms(), &e), 0);
    for (int k = 0; k < records; k++) {
        char id[32];
        snprintf(id, sizeof(id), "p-%d-%d", i, k);
        struct store_health h = {.state = STORE_ONLINE,
                                 .reason = "",
                                 .detail = "a detail long enough to give the message some weight",
                                 .last_probe = testutil_now_ms()};
        cr_assert_eq(wire_enc_health(e, id, testutil_now_ms(), &h), 0);
    }
    size_t len;
    char *text = wire_enc_finish(&e, &len);
    cr_assert_not_null(text);
    cr_assert_eq(js_Publish(NULL, js, "camdex.p.health", text, (int)len, NULL, NULL), NATS_OK);
    free(text);
}

static natsSubscription *pull(void)
{
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = "CAMDEX_p";
    so.Config.AckPolicy = js_AckAll;
    so.Config.MaxAckPending = CENTRAL_PIPE_ACK_PENDING;
    natsSubscription *sub = NULL;
    cr_assert_eq(js_PullSubscribe(&sub, js, "camdex.p.*", "test", NULL, &so, NULL), NATS_OK);
    return sub;
}

Test(central_pipe, a_long_stream_comes_whole_in_order_in_bounded_fetches)
{
    /* Small messages beyond one fetch's count, then big ones beyond its
     * bytes (about 280 KB each), with a message that does not decode. */
    enum { SMALL = CENTRAL_PIPE_BATCH + 40, BIG = 60, TOTAL = SMALL + 1 + BIG };
    for (int i = 0; i < SMALL; i++)
        publish_health(i, 1);
    cr_assert_eq(js_Publish(NULL, js, "camdex.p.health", "{{{", 3, NULL, NULL), NATS_OK);
    for (int i = 0; i < BIG; i++)
        publish_health(SMALL + i, 1000);
    natsSubscription *sub = pull();
    struct central_pipe *p;
    cr_assert_eq(central_pipe_start(sub, 250, &p), 0);
    uint64_t last_seq = 0;
    int seen = 0, refused = 0, fetches = 0;
    uint64_t deadline = procs_now_ms() + 60000;
    while (seen < TOTAL && procs_now_ms() < deadline) {
        struct central_fetch *f;
        if (central_pipe_take(p, 250, &f))
            continue;
        fetches++;
        cr_assert_leq(f->n, CENTRAL_PIPE_BATCH);
        size_t bytes = 0;
        for (int i = 0; i < f->n; i++) {
            bytes += (size_t)natsMsg_GetDataLength(f->list.Msgs[i]);
            cr_assert_eq(f->seq[i], last_seq + 1, "message %d out of order", seen);
            last_seq = f->seq[i];
            if (f->rc[i]) {
                refused++;
                cr_expect_eq(f->rc[i], -EBADMSG);
                cr_expect(strstr(f->err[i], "not JSON") != NULL, "%s", f->err[i]);
            } else {
                char id[32];
                snprintf(id, sizeof(id), "p-%d-0", seen - refused);
                cr_expect_str_eq(f->msg[i].health[0].camera_id, id);
            }
            seen++;
        }
        /* What the stream still holds after the fetch (all of it was
         * published before): the central's "behind" (no stale verdict). */
        cr_expect_eq(f->pending, (uint64_t)(TOTAL - seen), "pending after %d: %llu", seen,
                     (unsigned long long)f->pending);
        /* The server stops once past the bound: one message over at most. */
        cr_assert_leq(bytes, CENTRAL_PIPE_BYTES + WIRE_MSG_MAX);
        natsMsg_Ack(f->list.Msgs[f->n - 1], NULL);
        central_pipe_release(&f);
        cr_assert_null(f);
    }
    cr_assert_eq(seen, TOTAL, "%d of %d messages came out", seen, TOTAL);
    cr_expect_eq(refused, 1);
    cr_expect_geq(fetches, 3, "the stream should not fit one fetch (%d)", fetches);
    /* Nothing more: a wait bounded by its deadline, and nothing taken. */
    uint64_t t0 = procs_now_ms();
    struct central_fetch *none = (void *)1;
    cr_expect_eq(central_pipe_take(p, 300, &none), -ETIMEDOUT);
    cr_expect_null(none);
    cr_expect_lt(procs_now_ms() - t0, 5000);
    central_pipe_stop(&p);
    cr_assert_null(p);
    natsSubscription_Destroy(sub);
}

Test(central_pipe, stopping_with_a_fetch_waiting_frees_it)
{
    for (int i = 0; i < 5; i++)
        publish_health(i, 10);
    natsSubscription *sub = pull();
    struct central_pipe *p;
    cr_assert_eq(central_pipe_start(sub, 250, &p), 0);
    /* One taken and given back unacknowledged; the reader then fetches
     * again (a redelivery after the ack wait, or nothing): stopping must
     * free whatever it holds (the sanitizer's leak check tells). */
    struct central_fetch *f = NULL;
    uint64_t deadline = procs_now_ms() + 20000;
    while (!f && procs_now_ms() < deadline)
        central_pipe_take(p, 250, &f);
    cr_assert_not_null(f);
    cr_expect_geq(f->n, 1);
    central_pipe_release(&f);
    for (int i = 5; i < 10; i++)
        publish_health(i, 10);
    central_pipe_stop(&p);
    cr_assert_null(p);
    natsSubscription_Destroy(sub);
}

/* The first stream sequence a fetch on `sub` gives, 0 when none comes. */
static uint64_t first_fetched(natsSubscription *sub)
{
    natsMsgList list = {0};
    natsSubscription_Fetch(&list, sub, 1, 2000, NULL);
    uint64_t seq = 0;
    jsMsgMetaData *md = NULL;
    if (list.Count && natsMsg_GetMetaData(&md, list.Msgs[0]) == NATS_OK) {
        seq = md->Sequence.Stream;
        jsMsgMetaData_Destroy(md);
    }
    natsMsgList_Destroy(&list);
    return seq;
}

/* A commit that failed after its fetch: the consumer delivered past the
 * index (sequence 2 here), and its next fetch would skip what the index
 * lost (acknowledging a later one acknowledges them: AckAll). Made again
 * from the index's position (force), it starts right after it. */
Test(central_pipe, a_consumer_made_again_after_a_lost_commit_starts_after_the_index)
{
    for (int i = 0; i < 6; i++)
        publish_health(i, 1);
    natsSubscription *sub = pull();
    natsMsgList list = {0};
    cr_assert_eq(natsSubscription_Fetch(&list, sub, 4, 5000, NULL), NATS_OK);
    cr_assert_eq(list.Count, 4);
    natsMsg_Ack(list.Msgs[1], NULL); /* the index holds 1-2; 3-4 were lost */
    natsMsgList_Destroy(&list);
    natsSubscription_Destroy(sub);

    jsSubOptions so;
    jsSubOptions_Init(&so);
    bool rewound = true;
    cr_assert_eq(central_resume_prepare(js, "CAMDEX_p", "test", 2, false, &so, &rewound), 0);
    cr_expect_not(rewound, "the acknowledged position is the index's: kept, unforced");

    jsSubOptions_Init(&so);
    cr_assert_eq(central_resume_prepare(js, "CAMDEX_p", "test", 2, true, &so, &rewound), 0);
    cr_expect(rewound);
    cr_expect_eq(so.Config.OptStartSeq, 3);
    so.Stream = "CAMDEX_p";
    so.Config.AckPolicy = js_AckAll;
    cr_assert_eq(js_PullSubscribe(&sub, js, "camdex.p.*", "test", NULL, &so, NULL), NATS_OK);
    cr_expect_eq(first_fetched(sub), 3);
    natsSubscription_Destroy(sub);
}
