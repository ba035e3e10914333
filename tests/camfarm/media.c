/* Loading the clips' FLV files and MPEG-TS segments, and rewriting their
 * timestamps so a looped clip reads as one live stream. */
#include "media.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t be24(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

int media_flv_index(struct media_flv *m, int fps)
{
    const uint8_t *d = m->data;
    size_t n = m->size;
    if (n < 13 || memcmp(d, "FLV", 3) != 0 || fps <= 0)
        return -EINVAL;
    size_t off = ((size_t)d[5] << 24 | (size_t)d[6] << 16 | (size_t)d[7] << 8 | d[8]) + 4;
    size_t cap = 64, frames = 0;
    m->tags = malloc(cap * sizeof(*m->tags));
    if (!m->tags)
        return -ENOMEM;
    m->n_tags = 0;
    m->prefix = 0;
    while (off < n) {
        if (n - off < FLV_TAG_HEAD + 4)
            return -EINVAL;
        const uint8_t *t = d + off;
        size_t body = be24(t + 1), len = FLV_TAG_HEAD + body + 4;
        if (body < 2 || len > n - off)
            return -EINVAL;
        uint8_t type = t[0] & 0x1f;
        /* AVC sequence headers (packet type 0) and metadata configure the
         * decoder: they belong before the first picture, once. */
        bool config = type == 18 || (type == 9 && t[FLV_TAG_HEAD + 1] == 0);
        if (config && m->n_tags == 0) {
            m->prefix = off + len;
        } else if (type == 9 && t[FLV_TAG_HEAD + 1] == 2) {
            /* The end-of-sequence tag: a loop never ends. */
        } else if (type == 8 || type == 9) {
            if (m->n_tags == MEDIA_TAGS_MAX)
                return -E2BIG;
            if (m->n_tags == cap) {
                struct media_tag *g = realloc(m->tags, cap * 2 * sizeof(*g));
                if (!g)
                    return -ENOMEM;
                m->tags = g;
                cap *= 2;
            }
            m->tags[m->n_tags++] = (struct media_tag){
                .off = (uint32_t)off,
                .len = (uint32_t)len,
                .ts = be24(t + 4) | (uint32_t)t[7] << 24,
                .type = type,
                .keyframe = type == 9 && (t[FLV_TAG_HEAD] >> 4) == 1,
            };
            frames += type == 9;
        }
        off += len;
    }
    if (frames == 0 || !m->tags[0].keyframe)
        return -EINVAL; /* a loop must start on a picture that decodes alone */
    m->loop_ms = (uint32_t)(frames * 1000 / (size_t)fps);
    return 0;
}

void flv_tag_set_ts(uint8_t *head, uint32_t ms)
{
    head[4] = (uint8_t)(ms >> 16);
    head[5] = (uint8_t)(ms >> 8);
    head[6] = (uint8_t)ms;
    head[7] = (uint8_t)(ms >> 24);
}

/* A 33-bit PES timestamp at p (5 bytes, marker bits kept). */
static void shift_pes_ts(uint8_t *p, uint64_t add)
{
    uint64_t v = ((uint64_t)(p[0] >> 1) & 7) << 30 | (uint64_t)p[1] << 22 |
                 (uint64_t)(p[2] >> 1) << 15 | (uint64_t)p[3] << 7 | (uint64_t)(p[4] >> 1);
    v = (v + add) & ((1ull << 33) - 1);
    p[0] = (uint8_t)((p[0] & 0xf1) | ((v >> 29) & 0x0e));
    p[1] = (uint8_t)(v >> 22);
    p[2] = (uint8_t)(((v >> 14) & 0xfe) | 1);
    p[3] = (uint8_t)(v >> 7);
    p[4] = (uint8_t)(((v << 1) & 0xfe) | 1);
}

static void shift_pcr(uint8_t *p, uint64_t add)
{
    uint64_t base = (uint64_t)p[0] << 25 | (uint64_t)p[1] << 17 | (uint64_t)p[2] << 9 |
                    (uint64_t)p[3] << 1 | (uint64_t)(p[4] >> 7);
    base = (base + add) & ((1ull << 33) - 1);
    p[0] = (uint8_t)(base >> 25);
    p[1] = (uint8_t)(base >> 17);
    p[2] = (uint8_t)(base >> 9);
    p[3] = (uint8_t)(base >> 1);
    p[4] = (uint8_t)((p[4] & 0x7f) | ((base & 1) << 7));
}

int ts_shift(uint8_t *buf, size_t len, uint64_t add)
{
    if (len % TS_PACKET)
        return -EINVAL;
    for (size_t off = 0; off < len; off += TS_PACKET) {
        uint8_t *p = buf + off;
        if (p[0] != 0x47)
            return -EINVAL;
        size_t pos = 4;
        if (p[3] & 0x20) { /* adaptation field */
            size_t alen = p[4];
            if (alen > TS_PACKET - 5)
                return -EINVAL;
            if (alen >= 7 && (p[5] & 0x10))
                shift_pcr(p + 6, add);
            pos = 5 + alen;
        }
        /* A PES start in this packet: 00 00 01, an audio/video stream id,
         * then the optional header holding PTS (and DTS). */
        if (!(p[1] & 0x40) || !(p[3] & 0x10) || pos + 14 > TS_PACKET)
            continue;
        uint8_t *pes = p + pos;
        if (pes[0] || pes[1] || pes[2] != 1 || pes[3] < 0xc0 || pes[3] > 0xef)
            continue;
        unsigned flags = pes[7] >> 6;
        if ((flags & 2) && pos + 14 <= TS_PACKET)
            shift_pes_ts(pes + 9, add);
        if (flags == 3 && pos + 19 <= TS_PACKET)
            shift_pes_ts(pes + 14, add);
    }
    return 0;
}

static int load_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    int rc = -EIO;
    long sz = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (sz > 0 && (unsigned long)sz <= CLIP_FILE_MAX && fseek(f, 0, SEEK_SET) == 0) {
        *out = malloc((size_t)sz);
        rc = -ENOMEM;
        if (*out) {
            rc = fread(*out, 1, (size_t)sz, f) == (size_t)sz ? 0 : -EIO;
            *len = (size_t)sz;
        }
    }
    fclose(f);
    return rc;
}

/* One streams.txt line: "name flv_file|- segments segment_ms". */
static int load_line(struct media_set *set, const struct clip_set *clips, const char *dir,
                     const char *line, char *err, size_t errlen)
{
    char name[CLIP_NAME_MAX], flv[256], path[4096];
    unsigned nseg, seg_ms;
    if (sscanf(line, "%31s %255s %u %u", name, flv, &nseg, &seg_ms) != 4 || nseg == 0 ||
        nseg > MEDIA_SEGMENTS_MAX || seg_ms < 100 || seg_ms > 60000) {
        snprintf(err, errlen, "expected \"name flv_file|- segments(1..%d) segment_ms\"",
                 MEDIA_SEGMENTS_MAX);
        return -EINVAL;
    }
    int k = clip_find(clips, name);
    if (k < 0)
        return 0; /* a clip the manifest no longer lists */
    struct media *m = &set->m[k];
    int rc = 0;
    if (strcmp(flv, "-") != 0) {
        snprintf(path, sizeof(path), "%s/%s", dir, flv);
        if ((rc = load_file(path, &m->flv.data, &m->flv.size)) < 0 ||
            (rc = media_flv_index(&m->flv, clips->clips[k].fps)) < 0) {
            snprintf(err, errlen, "%s: not a usable FLV file (%s)", path, strerror(-rc));
            return rc;
        }
    }
    for (unsigned i = 0; i < nseg; i++) {
        snprintf(path, sizeof(path), "%s/%s-%u.ts", dir, name, i);
        if ((rc = load_file(path, &m->seg[i], &m->seg_len[i])) < 0 ||
            (rc = m->seg_len[i] % TS_PACKET ? -EINVAL : 0) < 0) {
            snprintf(err, errlen, "%s: not a usable MPEG-TS segment (%s)", path, strerror(-rc));
            return rc;
        }
        m->n_seg++;
    }
    m->seg_ms = seg_ms;
    return 0;
}

int media_set_load(struct media_set *set, const struct clip_set *clips, const char *dir, char *err,
                   size_t errlen)
{
    char path[4096], line[512];
    memset(set, 0, sizeof(*set));
    set->flv_fallback = -1;
    snprintf(path, sizeof(path), "%s/streams.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "%s: %s (run make_clips.sh %s again)", path, strerror(e), dir);
        return -e;
    }
    int rc = 0, line_no = 0;
    char why[4200];
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        line_no++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if ((rc = load_line(set, clips, dir, line, why, sizeof(why))) < 0)
            snprintf(err, errlen, "%s:%d: %s", path, line_no, why);
    }
    fclose(f);
    int normal = clip_find(clips, "normal");
    if (rc == 0 && normal >= 0 && set->m[normal].flv.data)
        set->flv_fallback = normal;
    if (rc < 0)
        media_set_free(set);
    return rc;
}

void media_set_free(struct media_set *set)
{
    for (int k = 0; k < CLIP_MAX; k++) {
        free(set->m[k].flv.data);
        free(set->m[k].flv.tags);
        for (unsigned i = 0; i < set->m[k].n_seg; i++)
            free(set->m[k].seg[i]);
    }
    memset(set, 0, sizeof(*set));
    set->flv_fallback = -1;
}

const struct media_flv *media_flv_of(const struct media_set *set, int k)
{
    if (k >= 0 && k < CLIP_MAX && set->m[k].flv.data)
        return &set->m[k].flv;
    return set->flv_fallback >= 0 ? &set->m[set->flv_fallback].flv : NULL;
}
