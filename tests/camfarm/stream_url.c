/* Platform stream URLs: protocol by scheme and file name, live HLS
 * playlists and their segment names. */
#include "stream_url.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fleet.h"

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

int stream_url_proto(const char *url)
{
    if (strncasecmp(url, "rtsp://", 7) == 0)
        return PROTO_RTSP;
    if (strncasecmp(url, "rtmp://", 7) == 0)
        return PROTO_RTMP;
    if (strncasecmp(url, "http://", 7) != 0)
        return -ENOENT;
    size_t n = strcspn(url, "?#");
    if (ends_with(url, n, ".m3u8"))
        return PROTO_HLS;
    if (ends_with(url, n, ".flv"))
        return PROTO_FLV;
    return -ENOENT;
}

int hls_playlist(char *out, size_t cap, const char *stem, size_t stem_len, uint64_t first,
                 unsigned seg_ms)
{
    /* Version 3 allows fractional EXTINF; TARGETDURATION is whole seconds,
     * rounded up as RFC 8216 4.3.3.1 requires. */
    int n = snprintf(out, cap,
                     "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%u\n"
                     "#EXT-X-MEDIA-SEQUENCE:%llu\n",
                     (seg_ms + 999) / 1000, (unsigned long long)first);
    for (unsigned i = 0; i < HLS_WINDOW && n > 0 && (size_t)n < cap; i++)
        n += snprintf(out + n, cap - (size_t)n, "#EXTINF:%u.%03u,\n%.*s-%llu.ts\n", seg_ms / 1000,
                      seg_ms % 1000, (int)stem_len, stem, (unsigned long long)(first + i));
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int hls_segment_seq(const char *playlist_path, const char *path, size_t len, uint64_t *seq)
{
    size_t plen = strlen(playlist_path);
    if (!ends_with(playlist_path, plen, ".m3u8"))
        return -ENOENT;
    size_t stem = plen - 5; /* "/hls/ID" */
    if (len < stem + 5 || memcmp(path, playlist_path, stem) != 0 || path[stem] != '-' ||
        !ends_with(path, len, ".ts"))
        return -ENOENT;
    uint64_t v = 0;
    size_t digits = 0;
    for (size_t i = stem + 1; i < len - 3; i++, digits++) {
        if (path[i] < '0' || path[i] > '9' || digits >= 15)
            return -ENOENT;
        v = v * 10 + (uint64_t)(path[i] - '0');
    }
    if (digits == 0)
        return -ENOENT;
    *seq = v;
    return 0;
}
