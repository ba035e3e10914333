/* What an RTMP camera of a video platform answers (placeholder until the
 * RTMP side exists: connections are closed). */
#include "sconn.h"

#include <errno.h>

int rtmp_cam_input(struct sconn *c, const char *buf, size_t len)
{
    (void)c;
    (void)buf;
    (void)len;
    return -ENOTSUP;
}

void rtmp_cam_send_tag(struct sconn *c, const struct media_tag *t, uint32_t ts)
{
    (void)c;
    (void)t;
    (void)ts;
}

void rtmp_cam_free(struct sconn *c)
{
    (void)c;
}
