/* The clips in the platforms' container formats: each clip's FLV file split
 * into tags (HTTP-FLV and RTMP) and its MPEG-TS segments (HLS), loaded once
 * from what make_clips.sh wrote and shared read-only by every camera; and
 * the pure functions that make a looped clip a live stream (timestamps that
 * keep increasing). */
#ifndef CAMFARM_MEDIA_H
#define CAMFARM_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clip.h"

#define MEDIA_SEGMENTS_MAX 16
#define MEDIA_TAGS_MAX     4096
#define FLV_TAG_HEAD       11 /* type, size, timestamp, stream id */
#define TS_PACKET          188

struct media_tag {
    uint32_t off;  /* of the tag's head in data */
    uint32_t len;  /* head + body + the PreviousTagSize after it */
    uint32_t ts;   /* milliseconds, as in the file */
    uint8_t type;  /* 8 audio, 9 video */
    bool keyframe; /* a video keyframe: where a lagging client resumes */
};

struct media_flv {
    uint8_t *data;
    size_t size;
    size_t prefix; /* FLV header, metadata and decoder configuration: sent once */
    struct media_tag *tags;
    size_t n_tags;
    uint32_t loop_ms; /* the clip's length: each loop adds it to timestamps */
};

struct media {
    struct media_flv flv; /* data NULL: the clip has no FLV form (H.265) */
    uint8_t *seg[MEDIA_SEGMENTS_MAX];
    size_t seg_len[MEDIA_SEGMENTS_MAX];
    unsigned n_seg, seg_ms;
};

struct media_set {
    struct media m[CLIP_MAX]; /* indexed like the clip set */
    int flv_fallback;         /* the H.264 clip streamed in place of one without FLV */
};

/* Splits an FLV file into its prefix and its audio/video tags. Returns 0,
 * -EINVAL when it is not FLV or a tag runs past the end, -E2BIG beyond
 * MEDIA_TAGS_MAX tags, -ENOMEM. fps sets the loop length. */
int media_flv_index(struct media_flv *m, int fps);

/* Sets the timestamp of the tag head `head` (FLV_TAG_HEAD bytes). */
void flv_tag_set_ts(uint8_t *head, uint32_t ms);

/* Adds `add` (90 kHz) to every PTS, DTS and PCR in an MPEG-TS buffer of
 * whole 188-byte packets, modulo 2^33. Returns 0 or -EINVAL when a packet
 * lacks its sync byte. */
int ts_shift(uint8_t *buf, size_t len, uint64_t add);

/* Loads DIR/streams.txt and the files it names, for every clip of `clips`.
 * A clip streams.txt does not list gets no platform forms. On error writes
 * a message a person can act on into err. */
int media_set_load(struct media_set *set, const struct clip_set *clips, const char *dir, char *err,
                   size_t errlen);
void media_set_free(struct media_set *set);

/* The FLV form of clip k: its own, or the fallback's. NULL when none. */
const struct media_flv *media_flv_of(const struct media_set *set, int k);

#endif
