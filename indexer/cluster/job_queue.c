/* The workers' job queue (job_queue.h). */
#include "cluster/job_queue.h"

#include <errno.h>

void job_queue_init(struct job_queue *q, size_t cap)
{
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    q->head = NULL;
    q->tail = &q->head;
    q->queued = 0;
    q->cap = cap;
    q->stop = false;
}

int job_queue_push(struct job_queue *q, struct job_link *j)
{
    pthread_mutex_lock(&q->lock);
    int rc = q->stop ? -ECANCELED : q->queued >= q->cap ? -EBUSY : 0;
    if (!rc) {
        j->next = NULL;
        *q->tail = j;
        q->tail = &j->next;
        q->queued++;
        pthread_cond_signal(&q->cond);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

struct job_link *job_queue_pop(struct job_queue *q, bool *stopping)
{
    pthread_mutex_lock(&q->lock);
    while (!q->head && !q->stop)
        pthread_cond_wait(&q->cond, &q->lock);
    struct job_link *j = q->head;
    if (j) {
        q->head = j->next;
        if (!q->head)
            q->tail = &q->head;
        q->queued--;
        j->next = NULL;
    }
    *stopping = q->stop;
    pthread_mutex_unlock(&q->lock);
    return j;
}

void job_queue_stop(struct job_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->stop = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

void job_queue_destroy(struct job_queue *q)
{
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->lock);
}
