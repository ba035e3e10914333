/* The index writer thread: the loop fills a batch, hands it over, and goes
 * on probing while the thread commits (with fsync) and posts the committed
 * transitions back to the loop. Double-buffered: one batch fills while the
 * other commits. */
#ifndef CAMDEX_WRITER_H
#define CAMDEX_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "store.h"

struct writer;

/* A committed transition, on the loop thread. Strings valid during the call. */
typedef void (*writer_event_cb)(void *data, const struct store_event *ev);
/* After each commit, on the loop thread: status 0 or a negative errno. */
typedef void (*writer_commit_cb)(void *data, int status, const struct store_commit_stats *st,
                                 uint64_t commit_us);

int writer_new(uv_loop_t *loop, struct store *s, writer_event_cb on_event,
               writer_commit_cb on_commit, void *data, struct writer **out);

/* The batch the loop adds to. Valid until the next writer_flush. */
struct store_batch *writer_batch(struct writer *w);

/* Hands the filled batch to the thread. When the thread is still busy with
 * the previous one, nothing happens and the batch keeps filling: returns
 * -EBUSY. Returns 0 when handed over (or when there was nothing to hand). */
int writer_flush(struct writer *w);

bool writer_busy(const struct writer *w);

/* Commits what is left and waits for the thread; the callbacks run for the
 * last commit before this returns. The memory goes once the loop has closed
 * the writer's async handle, so the loop must run once more. */
void writer_close(struct writer **w);

#endif
