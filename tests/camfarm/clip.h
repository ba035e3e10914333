/* Video clips camfarm streams: Annex B files split once into NAL units and
 * access units at start, shared read-only by every camera. */
#ifndef CAMFARM_CLIP_H
#define CAMFARM_CLIP_H

#include <stddef.h>
#include <stdint.h>

#define CLIP_MAX       64
#define CLIP_NAME_MAX  32
#define CLIP_FILE_MAX  (64u << 20) /* refuse clips bigger than 64 MiB */
#define CLIP_SPROP_MAX 1024

enum clip_codec { CLIP_H264 = 0, CLIP_H265 = 1 };

struct clip_nal {
    uint32_t off, len; /* into clip.data, start code excluded */
};

struct clip_au {
    uint32_t first_nal, n_nal;
};

struct clip {
    char name[CLIP_NAME_MAX];
    enum clip_codec codec;
    int width, height, fps;
    uint8_t *data;
    size_t size;
    struct clip_nal *nals;
    size_t n_nals;
    struct clip_au *aus;
    size_t n_aus;
    size_t max_au_bytes; /* largest access unit, for buffer sizing */
    /* SDP fmtp parameters derived from the parameter sets, e.g.
     * "packetization-mode=1;profile-level-id=4d401e;sprop-parameter-sets=..." */
    char fmtp[CLIP_SPROP_MAX];
};

struct clip_set {
    struct clip clips[CLIP_MAX];
    int count;
};

/* Splits an Annex B byte stream (taking ownership of data, which must come
 * from malloc) into NAL and access units and fills the fmtp line.
 * Returns 0, -EINVAL when it holds no access unit or lacks parameter sets,
 * or -ENOMEM. */
int clip_parse(struct clip *c, uint8_t *data, size_t size);

/* Loads every clip listed in DIR/manifest.txt ("name codec w h fps file").
 * On error, writes a message a person can act on into err. */
int clip_set_load(struct clip_set *set, const char *dir, char *err, size_t errlen);
void clip_set_free(struct clip_set *set);

/* Returns the index of the named clip, or -ENOENT. */
int clip_find(const struct clip_set *set, const char *name);
/* The index of the clip "NAME" or "NAME_suffix" (e.g. "lowfps_fhd") that is
 * width x height, or `fallback` when there is none. */
int clip_find_sized(const struct clip_set *set, const char *name, int width, int height,
                    int fallback);

#endif
