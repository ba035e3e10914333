/* A deterministic, Sharp-Eyes-like camera fleet: departments and key
 * social units with Chinese names, GB/T 28181 ids, Hikvision/Dahua-style
 * URLs on loopback addresses. Feeds the simulator, demos and benchmarks. */
#ifndef CAMDEX_SYNTH_FLEET_H
#define CAMDEX_SYNTH_FLEET_H

#include "inventory/inventory.h"

#include <stdint.h>
#include <stdio.h>

#define SYNTH_FLEET_CAMERAS_DEFAULT 43000
#define SYNTH_FLEET_UNITS_DEFAULT   212 /* of which SYNTH_FLEET_DEPTS_MAX departments */
#define SYNTH_FLEET_DEPTS_MAX       26
/* A province. Past 999,999 cameras the ids' 2-digit grassroots unit counts
 * the millions (the serial has 6 digits), and addresses run up to
 * 127.252.x.y (synth_fleet_addr's layout ends at 127.255.255.254). */
#define SYNTH_FLEET_CAMERAS_MAX     16000000
#define SYNTH_FLEET_SERIALS         999999 /* serials 000001..999999 per grassroots unit */

struct synth_fleet_opts {
    uint32_t cameras;   /* 0: SYNTH_FLEET_CAMERAS_DEFAULT */
    uint32_t units;     /* 0: 212 per 43,000 cameras (at least 2, at most one a camera) */
    uint64_t seed;      /* same seed and options, same fleet byte for byte */
    uint16_t port;      /* RTSP port of every camera, 0: 8554 */
    uint16_t http_port; /* HLS and HTTP-FLV platform URLs, 0: 8080 */
    uint16_t rtmp_port; /* RTMP platform URLs, 0: 1935 */
};

/* Call cb for every camera in order; the strings are valid during the call
 * only. cam->line is the camera's line in synth_fleet_write_csv output. A
 * non-zero return from cb stops the run and is returned. Otherwise returns
 * 0, or -EINVAL for impossible options (more than SYNTH_FLEET_CAMERAS_MAX
 * cameras, more units than cameras). */
int synth_fleet_run(const struct synth_fleet_opts *o, int (*cb)(const struct inv_camera *cam, void *ctx),
                 void *ctx);

/* Write the fleet as an inventory CSV (UTF-8, header with the English
 * column names). Returns 0, -EINVAL, or -EIO when writing failed. */
int synth_fleet_write_csv(FILE *f, const struct synth_fleet_opts *o);

/* The loopback address of camera `index` (0-based) in host byte order:
 * 127.1.0.1, ..., 127.1.0.254, 127.1.1.1, ... spilling into 127.2.0.1
 * after 65,024 cameras. */
uint32_t synth_fleet_addr(uint32_t index);

#endif
