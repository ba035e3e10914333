/* The cluster's wire format: what a zone's prober publishes and the
 * central reads. JSON (jansson), one message per batch of records of one
 * kind, versioned ("v"); the decoder is a pure function over the bytes,
 * with a limit on every length and count, fuzzed by
 * tests/fuzz/fuzz_cluster_wire.c. Camera ids travel in the payload, never
 * as subject tokens. URLs travel redacted: a message holding a URL with
 * credentials is refused. */
#ifndef CAMDEX_CLUSTER_WIRE_H
#define CAMDEX_CLUSTER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define WIRE_VERSION    1
#define WIRE_MSG_MAX    (768 * 1024) /* bytes: under NATS's default 1 MiB payload */
#define WIRE_ITEMS_MAX  1024         /* records in one message */
#define WIRE_DETAIL_MAX 256          /* the index's detail limit */
#define WIRE_NAME_MAX   256          /* camera and unit names, address, tags */
#define WIRE_URL_MAX    2048
#define WIRE_CODEC_MAX  63 /* codec, profile, audio, server */
#define WIRE_WALK_MAX   100000000 /* cameras in one zone's inventory walk */
/* Times outside [2000-01-01, 2200-01-01) are absurd. */
#define WIRE_TIME_MIN 946684800000LL
#define WIRE_TIME_MAX 7258118400000LL

/* Kinds; the name is the subject's last token: camdex.<zone>.<kind>. */
enum wire_kind {
    WIRE_EVENTS,    /* committed transitions, by the prober's event key */
    WIRE_HEALTH,    /* health records, per camera */
    WIRE_CAMERAS,   /* inventory records (URL redacted) */
    WIRE_HEARTBEAT, /* the prober is alive */
    WIRE_PICTURE,   /* picture diagnosis, clock and OSD looks, per camera */
    WIRE_KIND_COUNT
};
const char *wire_kind_name(enum wire_kind k);

struct wire_event {
    uint64_t key; /* the prober's event key: strictly increasing per zone */
    int64_t time_ms;
    const char *camera_id, *unit_id;
    uint8_t from, to;
    const char *reason, *detail;
};

struct wire_health {
    const char *camera_id;
    int64_t time_ms;       /* when the prober read it */
    struct store_health h; /* state, reason, detail, probe fields, media */
};

struct wire_camera {
    struct store_camera cam; /* url redacted */
    const char *unit_name;
};

/* A camera's latest looks at its picture, clock and OSD, each present or
 * not (never looked at). The diagnosis travels without its signature (the
 * reference pictures stay at the prober; the central asks for them). */
struct wire_picture {
    const char *camera_id;
    bool has_diag, has_clock, has_osd;
    struct store_diagnosis diag;
    struct store_clock clock;
    struct store_osd osd;
};

struct wire_heartbeat {
    uint64_t last_key; /* the prober's newest committed event key */
    uint32_t cameras;
    uint64_t started_ms; /* when this prober process started */
};

/* A decoded message. Strings point into `json_` and live until
 * wire_msg_free. */
struct wire_msg {
    enum wire_kind kind;
    char zone[33];
    int64_t sent_ms;
    size_t n; /* records in the array of the kind */
    struct wire_event *ev;
    struct wire_health *health;
    struct wire_camera *cam;
    struct wire_picture *pic;
    struct wire_heartbeat hb;
    /* An inventory message's walk (optional in v1; older probers send
     * none): the walk of the prober's index it belongs to (its start time),
     * and on the walk's last message `walk_end` with the number of cameras
     * the whole walk named, so the central can drop the zone's cameras no
     * longer in it. */
    int64_t walk;
    bool walk_end;
    uint32_t walk_total;
    void *json_;
};

/* Decodes and checks one message: 0, or -EBADMSG (does not decode, breaks
 * a limit or a rule), -EPROTO (another version), -ENOMEM, with a sentence
 * in `err` that quotes nothing of the message but field names. */
int wire_decode(const void *buf, size_t len, struct wire_msg *out, char *err, size_t errlen);
void wire_msg_free(struct wire_msg *m);

/* ---- encoding (the prober) ---- */
struct wire_enc;
int wire_enc_begin(enum wire_kind kind, const char *zone, int64_t sent_ms, struct wire_enc **out);
/* Appends a record; -E2BIG when the message is full (WIRE_ITEMS_MAX). */
int wire_enc_event(struct wire_enc *e, const struct store_event *ev);
int wire_enc_health(struct wire_enc *e, const char *camera_id, int64_t time_ms,
                    const struct store_health *h);
/* `url` must already be redacted. */
int wire_enc_camera(struct wire_enc *e, const struct store_camera *cam, const char *url,
                    const char *unit_name);
int wire_enc_heartbeat(struct wire_enc *e, const struct wire_heartbeat *hb);
/* Appends a camera's looks; each of diag, clock, osd may be NULL. */
int wire_enc_picture(struct wire_enc *e, const char *camera_id, const struct store_diagnosis *diag,
                     const struct store_clock *clock, const struct store_osd *osd);
/* Tags an inventory message with its walk; the last one with `end` and
 * the walk's camera count. */
int wire_enc_walk(struct wire_enc *e, int64_t walk, bool end, uint32_t total);
size_t wire_enc_count(const struct wire_enc *e);
/* The message's text (malloc'd, *len bytes), or NULL; frees the encoder. */
char *wire_enc_finish(struct wire_enc **e, size_t *len);
void wire_enc_free(struct wire_enc **e);

/* "camdex.<zone>.<kind>" into buf; -ENAMETOOLONG if it does not fit. */
int wire_subject(char *buf, size_t len, const char *zone, enum wire_kind kind);
/* The zone's JetStream stream: "CAMDEX_<zone>". */
int wire_stream_name(char *buf, size_t len, const char *zone);

#endif
