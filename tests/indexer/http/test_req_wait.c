/* indexer/http/req_wait.c: parked requests let go of a request whose
 * client went away, answer one at most once, and the hand-off queue brings
 * every node across threads in order until it is closed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "http/req_wait.h"

/* A request as far as parking needs one: its memory pool. */
static h2o_req_t *new_req(void)
{
    h2o_req_t *req = calloc(1, sizeof(*req));
    cr_assert_not_null(req);
    h2o_mem_init_pool(&req->pool);
    return req;
}

/* What h2o does when the client goes away or the answer is sent. */
static void free_req(h2o_req_t *req)
{
    h2o_mem_clear_pool(&req->pool);
    free(req);
}

Test(req_wait, a_request_whose_client_went_away_is_never_claimed)
{
    struct req_waits l = {0};
    struct req_wait w = {0};
    h2o_req_t *req = new_req();
    req_waits_park(&l, &w, req);
    cr_assert_eq(w.req, req);
    free_req(req);
    cr_assert_null(w.req, "the entry still points at a freed request");
    cr_assert_null(req_wait_claim(&w));
    cr_assert_eq(l.n, 1, "the entry stays parked until its work comes back");
    req_waits_remove(&l, &w);
    cr_assert_eq(l.n, 0);
    cr_assert_null(l.all);
}

Test(req_wait, a_request_is_claimed_once_and_its_entry_may_go_before_it)
{
    struct req_wait *w = calloc(1, sizeof(*w));
    h2o_req_t *req = new_req();
    req_wait_hook(w, req);
    cr_assert_eq(req_wait_claim(w), req);
    cr_assert_null(req_wait_claim(w), "answered twice");
    free(w);
    free_req(req); /* the pool's dispose must not reach the freed entry (ASan) */
}

Test(req_wait, removal_keeps_the_others_newest_first)
{
    struct req_waits l = {0};
    struct req_wait w[3] = {{0}};
    h2o_req_t *req[3];
    for (int i = 0; i < 3; i++) {
        req[i] = new_req();
        req_waits_park(&l, &w[i], req[i]);
    }
    cr_assert_eq(l.n, 3);
    req_waits_remove(&l, &w[1]);
    cr_assert_eq(l.n, 2);
    cr_assert_eq(l.all, &w[2]);
    cr_assert_eq(w[2].next, &w[0]);
    cr_assert_eq(w[0].prev, &w[2]);
    cr_assert_null(w[0].next);
    cr_assert_null(w[1].req, "a removed entry keeps its request");
    cr_assert_eq(w[0].req, req[0]);
    req_waits_remove(&l, &w[2]);
    req_waits_remove(&l, &w[0]);
    cr_assert_null(l.all);
    cr_assert_eq(l.n, 0);
    for (int i = 0; i < 3; i++)
        free_req(req[i]); /* no entry is hooked any more */
}

#define NODES 1000

struct node {
    struct req_hop hop;
    int seq;
};

struct crossing {
    uv_loop_t loop;
    uv_async_t wake;
    uv_timer_t deadline;
    struct req_queue q;
    struct node nodes[NODES];
    int taken, out_of_order, refused;
    bool timed_out;
};

static void *producer(void *p)
{
    struct crossing *c = p;
    for (int i = 0; i < NODES; i++) {
        c->nodes[i].seq = i;
        if (req_queue_push(&c->q, &c->nodes[i].hop))
            c->refused++; /* Criterion asserts only on the test's thread */
    }
    return NULL;
}

static void stop(struct crossing *c)
{
    uv_close((uv_handle_t *)&c->wake, NULL);
    uv_close((uv_handle_t *)&c->deadline, NULL);
}

static void on_wake(uv_async_t *h)
{
    struct crossing *c = h->data;
    for (struct req_hop *n = req_queue_take(&c->q); n; n = n->next) {
        struct node *x = REQ_WAIT_OUTER(n, struct node, hop);
        if (x->seq != c->taken)
            c->out_of_order++;
        c->taken++;
    }
    if (c->taken == NODES)
        stop(c);
}

static void on_deadline(uv_timer_t *t)
{
    struct crossing *c = t->data;
    c->timed_out = true;
    stop(c);
}

Test(req_queue, nodes_pushed_on_another_thread_arrive_oldest_first)
{
    struct crossing *c = calloc(1, sizeof(*c));
    cr_assert_not_null(c);
    cr_assert_eq(uv_loop_init(&c->loop), 0);
    cr_assert_eq(uv_async_init(&c->loop, &c->wake, on_wake), 0);
    c->wake.data = c;
    uv_timer_init(&c->loop, &c->deadline);
    c->deadline.data = c;
    /* Generous: the wait ends with the last node, not with the time. */
    uv_timer_start(&c->deadline, on_deadline, 120000, 0);
    req_queue_init(&c->q, &c->wake);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, producer, c), 0);
    uv_run(&c->loop, UV_RUN_DEFAULT);
    pthread_join(t, NULL);
    cr_assert(!c->timed_out, "%d of %d nodes came across", c->taken, NODES);
    cr_assert_eq(c->taken, NODES);
    cr_assert_eq(c->out_of_order, 0);
    cr_assert_eq(c->refused, 0);
    req_queue_destroy(&c->q);
    uv_loop_close(&c->loop);
    free(c);
}

static void no_wake(uv_async_t *h)
{
    (void)h;
}

Test(req_queue, a_closed_queue_refuses_pushes_and_gives_back_what_was_left)
{
    uv_loop_t loop;
    uv_async_t wake;
    cr_assert_eq(uv_loop_init(&loop), 0);
    cr_assert_eq(uv_async_init(&loop, &wake, no_wake), 0);
    struct req_queue q;
    req_queue_init(&q, &wake);
    struct node n[3] = {{.seq = 0}, {.seq = 1}, {.seq = 2}};
    cr_assert_eq(req_queue_push(&q, &n[0].hop), 0);
    cr_assert_eq(req_queue_push(&q, &n[1].hop), 0);
    struct req_hop *left = req_queue_close(&q);
    cr_assert_eq(left, &n[0].hop, "not oldest first");
    cr_assert_eq(left->next, &n[1].hop);
    cr_assert_null(left->next->next);
    cr_assert_eq(req_queue_push(&q, &n[2].hop), -ECANCELED);
    cr_assert_null(req_queue_take(&q), "a refused node was queued");
    cr_assert_null(req_queue_close(&q));
    req_queue_destroy(&q);
    uv_close((uv_handle_t *)&wake, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}
