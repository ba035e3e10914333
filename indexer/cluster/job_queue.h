/* A bounded first-in first-out queue of jobs for a few worker threads:
 * callers on any thread push without waiting (a full or stopping queue
 * refuses at once), workers wait for the next job. The central's router of
 * operations and a prober's answerer each serve one. */
#ifndef CAMDEX_CLUSTER_JOB_QUEUE_H
#define CAMDEX_CLUSTER_JOB_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Embedded first in a job. */
struct job_link {
    struct job_link *next;
};

struct job_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct job_link *head, **tail; /* under lock */
    size_t queued, cap;            /* under lock */
    bool stop;                     /* under lock */
};

void job_queue_init(struct job_queue *q, size_t cap);
/* 0 and a worker is woken; -EBUSY when `cap` jobs wait already, -ECANCELED
 * once stopping (the job stays the caller's). */
int job_queue_push(struct job_queue *q, struct job_link *j);
/* The oldest job, waiting for one. Once the queue is stopping it waits no
 * more: the jobs left come out with *stopping true, then NULL. */
struct job_link *job_queue_pop(struct job_queue *q, bool *stopping);
/* Refuses new jobs and wakes every worker. */
void job_queue_stop(struct job_queue *q);
/* After the workers are joined and the jobs left taken. */
void job_queue_destroy(struct job_queue *q);

#endif
