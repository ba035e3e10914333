/* Annex B clip loading: NAL and access-unit split, SDP parameter sets. */
#include "clip.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/base64.h>

static int nal_type(const struct clip *c, const uint8_t *n)
{
    return c->codec == CLIP_H264 ? (n[0] & 0x1f) : ((n[0] >> 1) & 0x3f);
}

static bool is_vcl(const struct clip *c, int t)
{
    return c->codec == CLIP_H264 ? (t >= 1 && t <= 5) : (t <= 31);
}

/* True when a VCL NAL starts a new picture: first_mb_in_slice == 0 (H.264)
 * or first_slice_segment_in_pic_flag (H.265); both are the first bit after
 * the NAL header, and ue(v) 0 is the single bit 1. */
static bool first_slice(const struct clip *c, const uint8_t *n, uint32_t len)
{
    size_t hdr = c->codec == CLIP_H264 ? 1 : 2;
    return len > hdr && (n[hdr] & 0x80);
}

/* Non-VCL units that, after a picture, belong to the next access unit. */
static bool starts_au(const struct clip *c, int t)
{
    if (c->codec == CLIP_H264)
        return t == 6 || t == 7 || t == 8 || t == 9;
    return t == 32 || t == 33 || t == 34 || t == 35 || t == 39;
}

static int append_b64(char *out, size_t cap, const uint8_t *n, uint32_t len)
{
    size_t used = strlen(out);
    if (used + AV_BASE64_SIZE(len) + 1 > cap)
        return -ENOSPC;
    av_base64_encode(out + used, (int)(cap - used), n, (int)len);
    return 0;
}

static int build_fmtp(struct clip *c)
{
    const struct clip_nal *vps = NULL, *sps = NULL, *pps = NULL;
    for (size_t i = 0; i < c->n_nals && !(sps && pps && (vps || c->codec == CLIP_H264)); i++) {
        const uint8_t *n = c->data + c->nals[i].off;
        int t = nal_type(c, n);
        if (c->codec == CLIP_H264) {
            if (t == 7 && !sps)
                sps = &c->nals[i];
            if (t == 8 && !pps)
                pps = &c->nals[i];
        } else {
            if (t == 32 && !vps)
                vps = &c->nals[i];
            if (t == 33 && !sps)
                sps = &c->nals[i];
            if (t == 34 && !pps)
                pps = &c->nals[i];
        }
    }
    if (!sps || !pps || (c->codec == CLIP_H265 && !vps))
        return -EINVAL;
    char *f = c->fmtp;
    size_t cap = sizeof(c->fmtp);
    f[0] = 0;
    int rc = 0;
    if (c->codec == CLIP_H264) {
        const uint8_t *s = c->data + sps->off;
        if (sps->len < 4)
            return -EINVAL;
        snprintf(f, cap,
                 "packetization-mode=1;profile-level-id=%02x%02x%02x;sprop-parameter-sets=", s[1],
                 s[2], s[3]);
        rc |= append_b64(f, cap, s, sps->len);
        strncat(f, ",", cap - strlen(f) - 1);
        rc |= append_b64(f, cap, c->data + pps->off, pps->len);
    } else {
        strncat(f, "sprop-vps=", cap - 1);
        rc |= append_b64(f, cap, c->data + vps->off, vps->len);
        strncat(f, ";sprop-sps=", cap - strlen(f) - 1);
        rc |= append_b64(f, cap, c->data + sps->off, sps->len);
        strncat(f, ";sprop-pps=", cap - strlen(f) - 1);
        rc |= append_b64(f, cap, c->data + pps->off, pps->len);
    }
    return rc ? -ENOSPC : 0;
}

/* Offset of the first 00 00 01 at or after `from`, or `size` when there is
 * none. memchr finds the 01s: a byte loop over the field-size clips (20 MB)
 * took seconds per start in sanitizer builds, and every test starts
 * camfarm anew. */
static size_t next_start_code(const uint8_t *d, size_t from, size_t size)
{
    for (size_t k = from + 2; k < size;) {
        const uint8_t *p = memchr(d + k, 1, size - k);
        if (!p)
            break;
        k = (size_t)(p - d);
        if (d[k - 1] == 0 && d[k - 2] == 0)
            return k - 2;
        k++;
    }
    return size;
}

int clip_parse(struct clip *c, uint8_t *data, size_t size)
{
    c->data = data;
    c->size = size;
    c->nals = NULL;
    c->aus = NULL;
    c->n_nals = c->n_aus = 0;
    c->max_au_bytes = 0;

    /* Two passes: count, then fill, so the tables are allocated exactly. */
    size_t cap = 0;
    for (size_t i = next_start_code(data, 0, size); i < size;
         i = next_start_code(data, i + 3, size))
        cap++;
    if (cap == 0)
        return -EINVAL;
    c->nals = calloc(cap, sizeof(*c->nals));
    c->aus = calloc(cap, sizeof(*c->aus));
    if (!c->nals || !c->aus)
        return -ENOMEM;

    size_t start = 0;
    bool in_nal = false;
    for (size_t i = next_start_code(data, 0, size); i < size;
         i = next_start_code(data, i + 3, size)) {
        if (in_nal) {
            size_t end = i;
            /* A 4-byte start code's leading zero is not NAL payload. */
            while (end > start && data[end - 1] == 0)
                end--;
            c->nals[c->n_nals++] = (struct clip_nal){(uint32_t)start, (uint32_t)(end - start)};
        }
        start = i + 3;
        in_nal = true;
    }
    if (in_nal && size > start)
        c->nals[c->n_nals++] = (struct clip_nal){(uint32_t)start, (uint32_t)(size - start)};

    /* Group into access units. */
    bool seen_vcl = false;
    for (size_t k = 0; k < c->n_nals; k++) {
        const uint8_t *n = data + c->nals[k].off;
        if (c->nals[k].len < 2)
            continue;
        int t = nal_type(c, n);
        bool vcl = is_vcl(c, t);
        bool new_au = c->n_aus == 0 ||
                      (seen_vcl && ((vcl && first_slice(c, n, c->nals[k].len)) || starts_au(c, t)));
        if (new_au) {
            c->aus[c->n_aus++] = (struct clip_au){(uint32_t)k, 0};
            seen_vcl = false;
        }
        c->aus[c->n_aus - 1].n_nal = (uint32_t)(k + 1 - c->aus[c->n_aus - 1].first_nal);
        if (vcl)
            seen_vcl = true;
    }
    for (size_t a = 0; a < c->n_aus; a++) {
        size_t bytes = 0;
        for (uint32_t k = 0; k < c->aus[a].n_nal; k++)
            bytes += c->nals[c->aus[a].first_nal + k].len;
        if (bytes > c->max_au_bytes)
            c->max_au_bytes = bytes;
    }
    if (c->n_aus == 0)
        return -EINVAL;
    return build_fmtp(c);
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    int rc = 0;
    uint8_t *buf = NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        rc = -errno;
        goto err;
    }
    long sz = ftell(f);
    if (sz <= 0 || (unsigned long)sz > CLIP_FILE_MAX) {
        rc = -EFBIG;
        goto err;
    }
    rewind(f);
    buf = malloc((size_t)sz);
    if (!buf) {
        rc = -ENOMEM;
        goto err;
    }
    if (fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        rc = -EIO;
        goto err;
    }
    fclose(f);
    *out = buf;
    *len = (size_t)sz;
    return 0;
err:
    free(buf);
    fclose(f);
    return rc;
}

int clip_set_load(struct clip_set *set, const char *dir, char *err, size_t errlen)
{
    char mpath[4096], path[4096];
    memset(set, 0, sizeof(*set));
    snprintf(mpath, sizeof(mpath), "%s/manifest.txt", dir);
    FILE *m = fopen(mpath, "r");
    if (!m) {
        int e = errno;
        snprintf(err, errlen, "%s: %s (run make_clips.sh %s first)", mpath, strerror(e), dir);
        return -e;
    }
    char line[512];
    int rc = 0, line_no = 0;
    while (fgets(line, sizeof(line), m)) {
        line_no++;
        char name[CLIP_NAME_MAX], codec[8], file[256];
        struct clip *c = &set->clips[set->count];
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (set->count == CLIP_MAX) {
            snprintf(err, errlen, "%s:%d: more than %d clips", mpath, line_no, CLIP_MAX);
            rc = -E2BIG;
            break;
        }
        if (sscanf(line, "%31s %7s %d %d %d %255s", name, codec, &c->width, &c->height, &c->fps,
                   file) != 6 ||
            c->fps <= 0 || c->fps > 120 || (strcmp(codec, "h264") && strcmp(codec, "h265"))) {
            snprintf(err, errlen,
                     "%s:%d: expected \"name h264|h265 width height fps file\" with fps 1..120",
                     mpath, line_no);
            rc = -EINVAL;
            break;
        }
        snprintf(c->name, sizeof(c->name), "%s", name);
        c->codec = strcmp(codec, "h264") == 0 ? CLIP_H264 : CLIP_H265;
        uint8_t *data = NULL;
        size_t size = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        if ((rc = read_file(path, &data, &size)) < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(-rc));
            break;
        }
        set->count++;
        if ((rc = clip_parse(c, data, size)) < 0) {
            snprintf(err, errlen, "%s: not a usable Annex B %s stream (%s)", path, codec,
                     strerror(-rc));
            break;
        }
    }
    fclose(m);
    if (rc == 0 && set->count == 0) {
        snprintf(err, errlen, "%s/manifest.txt lists no clips", dir);
        rc = -EINVAL;
    }
    if (rc < 0)
        clip_set_free(set);
    return rc;
}

void clip_set_free(struct clip_set *set)
{
    for (int i = 0; i < set->count; i++) {
        free(set->clips[i].data);
        free(set->clips[i].nals);
        free(set->clips[i].aus);
    }
    set->count = 0;
}

int clip_find(const struct clip_set *set, const char *name)
{
    for (int i = 0; i < set->count; i++)
        if (strcmp(set->clips[i].name, name) == 0)
            return i;
    return -ENOENT;
}

int clip_find_sized(const struct clip_set *set, const char *name, int width, int height,
                    int fallback)
{
    size_t n = strlen(name);
    for (int i = 0; i < set->count; i++) {
        const struct clip *c = &set->clips[i];
        if (strncmp(c->name, name, n) == 0 && (c->name[n] == 0 || c->name[n] == '_') &&
            c->width == width && c->height == height)
            return i;
    }
    return fallback;
}
