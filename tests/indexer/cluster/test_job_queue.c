/* indexer/cluster/job_queue.c: jobs come out oldest first, a full queue
 * and a stopping one refuse at once, a worker gets every job and ends at
 * the stop, and the jobs left at the stop still come out, marked. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>

#include "cluster/job_queue.h"

struct job {
    struct job_link link;
    int n;
};

Test(job_queue, jobs_come_out_oldest_first_and_a_full_queue_refuses)
{
    struct job_queue q;
    job_queue_init(&q, 3);
    struct job j[4] = {{.n = 0}, {.n = 1}, {.n = 2}, {.n = 3}};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(job_queue_push(&q, &j[i].link), 0);
    cr_assert_eq(job_queue_push(&q, &j[3].link), -EBUSY);
    bool stopping = true;
    cr_assert_eq(job_queue_pop(&q, &stopping), &j[0].link);
    cr_assert(!stopping);
    cr_assert_eq(job_queue_push(&q, &j[3].link), 0, "a place freed is a place");
    for (int i = 1; i < 4; i++)
        cr_assert_eq(((struct job *)job_queue_pop(&q, &stopping))->n, i);
    job_queue_stop(&q);
    job_queue_destroy(&q);
}

Test(job_queue, a_stopping_queue_refuses_and_hands_out_what_is_left_marked)
{
    struct job_queue q;
    job_queue_init(&q, 8);
    struct job j[3] = {{.n = 0}, {.n = 1}, {.n = 2}};
    cr_assert_eq(job_queue_push(&q, &j[0].link), 0);
    cr_assert_eq(job_queue_push(&q, &j[1].link), 0);
    job_queue_stop(&q);
    cr_assert_eq(job_queue_push(&q, &j[2].link), -ECANCELED);
    bool stopping = false;
    cr_assert_eq(job_queue_pop(&q, &stopping), &j[0].link);
    cr_assert(stopping);
    cr_assert_eq(job_queue_pop(&q, &stopping), &j[1].link);
    cr_assert_null(job_queue_pop(&q, &stopping), "a stopped, empty queue waited or gave more");
    job_queue_destroy(&q);
}

struct worker {
    struct job_queue *q;
    int got[4];
    int ngot;
    bool saw_stop;
};

static void *work(void *p)
{
    struct worker *w = p;
    bool stopping;
    for (struct job_link *l; (l = job_queue_pop(w->q, &stopping));)
        w->got[w->ngot++] = ((struct job *)l)->n;
    w->saw_stop = stopping;
    return NULL;
}

Test(job_queue, a_worker_gets_every_job_pushed_and_ends_at_the_stop, .timeout = 120)
{
    struct job_queue q;
    job_queue_init(&q, 8);
    struct worker w = {.q = &q};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, work, &w), 0);
    struct job j[2] = {{.n = 7}, {.n = 8}};
    cr_assert_eq(job_queue_push(&q, &j[0].link), 0);
    cr_assert_eq(job_queue_push(&q, &j[1].link), 0);
    job_queue_stop(&q);
    /* The join returns only if the worker woke for the stop (the suite's
     * timeout ends a hang). */
    pthread_join(t, NULL);
    cr_assert_eq(w.ngot, 2, "every job pushed before the stop came out");
    cr_assert_eq(w.got[0], 7);
    cr_assert_eq(w.got[1], 8);
    cr_assert(w.saw_stop);
    job_queue_destroy(&q);
}
