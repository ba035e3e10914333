/* Webhook payloads: a batch of events read from the index after a cursor,
 * as the JSON a receiver gets, its HMAC-SHA256 signature, and the cursor
 * each webhook keeps in the index. No network here (notifier.c sends). */
#ifndef CAMDEX_WEBHOOK_H
#define CAMDEX_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "views/messages.h"

struct webhook_batch {
    char *body; /* {"webhook": NAME, "events": [...]}, malloc'd */
    size_t len;
    uint64_t first, last; /* keys of its first and last event */
    int64_t first_ms;     /* time of the first event */
    uint32_t count;       /* 0: nothing after the cursor */
};

/* Reads up to `max` events after key `after` (of `unit` only, when not
 * NULL) and builds the body; events as GET /api/v1/events shows them, times
 * in the index's day zone `tz_offset_s`, texts beside codes in `lang`. Returns 0 (count 0 when there is
 * nothing) or a negative errno; on error `out` holds no body but keeps
 * `first` and `first_ms` of the event it stopped at (0 when none), so the
 * lag still counts. Any thread, while jansson allocates
 * with a thread-safe allocator (the service's is malloc, see cmd_serve). */
int webhook_batch_read(struct store *s, const char *name, const char *unit, uint64_t after,
                       uint32_t max, int32_t tz_offset_s, enum msg_lang lang,
                       struct webhook_batch *out);
void webhook_batch_free(struct webhook_batch *b);

/* "sha256=" and the lower-case hex HMAC-SHA256 of the body under `secret`. */
#define WEBHOOK_SIGNATURE_LEN (7 + 64)
int webhook_sign(const char *secret, const void *body, size_t len,
                 char out[WEBHOOK_SIGNATURE_LEN + 1]);

/* The key of the last event a receiver acknowledged, kept in the index's
 * meta table under "webhook.NAME". -ENOENT when the webhook is new. */
int webhook_cursor_get(struct store *s, const char *name, uint64_t *cursor);
/* One small write transaction. */
int webhook_cursor_put(struct store *s, const char *name, uint64_t cursor);

#endif
