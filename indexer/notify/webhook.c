/* Webhook payloads, signatures and cursors; see webhook.h. */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/webhook.h"
#include "views/event_view.h"
#include "views/view_lang.h"

struct batch_ctx {
    int32_t tz_offset;
    enum msg_lang lang;
    json_t *events;
    uint64_t after;
    uint32_t max;
    struct webhook_batch *b;
};

static int batch_event(const struct store_event *ev, void *ctx)
{
    struct batch_ctx *bc = ctx;
    if (ev->key <= bc->after)
        return 0;
    if (bc->b->count == bc->max)
        return 1;
    /* Noted before the event is built, so that a batch that cannot be built
     * still says how old its first event is: the lag keeps growing and the
     * alert fires, instead of a silent 0. */
    if (!bc->b->count) {
        bc->b->first = ev->key;
        bc->b->first_ms = ev->time_ms;
    }
    if (!bc->events)
        return 1; /* no array to build into: the first event is all we need */
    json_t *e = view_event(bc->tz_offset, ev);
    if (!e || view_add_texts(e, bc->lang) || json_array_append_new(bc->events, e))
        return -ENOMEM;
    bc->b->count++;
    bc->b->last = ev->key;
    return 0;
}

int webhook_batch_read(struct store *s, const char *name, const char *unit, uint64_t after,
                       uint32_t max, int32_t tz_offset_s, enum msg_lang lang,
                       struct webhook_batch *out)
{
    memset(out, 0, sizeof(*out));
    struct store_read *r;
    int rc = store_read_begin(s, &r);
    if (rc)
        return rc;
    struct batch_ctx bc = {
        .tz_offset = tz_offset_s, .lang = lang, .after = after, .max = max, .b = out};
    bc.events = json_array();
    /* Scanned even without an array, to note the first pending event. */
    rc = store_events_scan(r, NULL, unit && *unit ? unit : NULL, (int64_t)(after >> 12), INT64_MAX,
                           batch_event, &bc);
    if (!rc && !bc.events && out->first)
        rc = -ENOMEM;
    store_read_end(&r);
    if (!rc && out->count) {
        json_t *o = json_pack("{s:s, s:o}", "webhook", name, "events", bc.events);
        /* Off the HTTP thread's request pools jansson allocates with
         * malloc (cmd_serve sets it before any thread starts), so the text
         * is ours to free. */
        out->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (out->body)
            out->len = strlen(out->body);
        else
            rc = -ENOMEM;
        json_decref(o);
    } else {
        json_decref(bc.events);
    }
    if (rc) {
        uint64_t first = out->first;
        int64_t first_ms = out->first_ms;
        webhook_batch_free(out);
        out->first = first;
        out->first_ms = first_ms;
    }
    return rc;
}

void webhook_batch_free(struct webhook_batch *b)
{
    free(b->body);
    memset(b, 0, sizeof(*b));
}

int webhook_sign(const char *secret, const void *body, size_t len,
                 char out[WEBHOOK_SIGNATURE_LEN + 1])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, mac, &maclen) || maclen != 32)
        return -EIO;
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[mac[i] >> 4];
        out[8 + 2 * i] = hex[mac[i] & 15];
    }
    out[WEBHOOK_SIGNATURE_LEN] = 0;
    return 0;
}

static void cursor_key(const char *name, char *out, size_t outlen)
{
    snprintf(out, outlen, "webhook.%s", name);
}

int webhook_cursor_get(struct store *s, const char *name, uint64_t *cursor)
{
    char key[64];
    cursor_key(name, key, sizeof(key));
    struct store_read *r;
    int rc = store_read_begin(s, &r);
    if (rc)
        return rc;
    const void *v;
    size_t n;
    rc = store_meta_get(r, key, &v, &n);
    if (!rc && n != 8)
        rc = -EBADMSG;
    if (!rc) {
        const unsigned char *b = v;
        *cursor = 0;
        for (int i = 0; i < 8; i++)
            *cursor = *cursor << 8 | b[i];
    }
    store_read_end(&r);
    return rc;
}

int webhook_cursor_put(struct store *s, const char *name, uint64_t cursor)
{
    char key[64];
    cursor_key(name, key, sizeof(key));
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(cursor >> (56 - 8 * i));
    struct store_batch *batch;
    int rc = store_batch_new(&batch);
    if (rc)
        return rc;
    rc = store_batch_meta_put(batch, key, b, sizeof(b));
    if (!rc)
        rc = store_batch_commit(s, batch, NULL, NULL, NULL);
    store_batch_free(&batch);
    return rc;
}
