/* Commands run at a central that change a camera (`camdex maintenance`):
 * the camera's zone's prober does it, asked through NATS as the central's
 * API asks it, with [cluster]'s settings from the configuration file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/central_op.h"
#include "cluster/cluster.h"
#include "cluster/ops.h"

#define CENTRAL_OP_WAIT_MS    15000
#define CENTRAL_OP_CONNECT_MS 3000

int central_op_zone(struct store *s, const char *id, char *zone)
{
    char zones[1024];
    if (cluster_central_zones(s, zones, sizeof(zones)))
        return -ENOENT; /* not a central's index */
    struct store_read *r;
    int rc = store_read_begin(s, &r);
    if (rc)
        return rc;
    rc = store_zone_get(r, id, zone);
    store_read_end(&r);
    return rc;
}

/* The id as one path segment: everything but unreserved characters
 * percent-encoded. */
static void encode_id(char *out, size_t cap, const char *id)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)id; *p && n + 4 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = 0;
}

static void say_failure(const char *zone, const char *id, int rc, const char *config_path)
{
    switch (rc) {
    case -EHOSTUNREACH:
        cli_error("camera %s is in zone %s, whose prober is not listening (no prober of the zone "
                  "is connected to NATS): start `camdex serve` there or check its NATS "
                  "connection, then try again",
                  id, zone);
        break;
    case -ETIMEDOUT:
        cli_error("camera %s is in zone %s, whose prober did not answer within %d s: see its "
                  "log; the change may still have been made there",
                  id, zone, CENTRAL_OP_WAIT_MS / 1000);
        break;
    case -ENOTCONN:
        cli_error("camera %s is in zone %s, and NATS ([cluster] nats in %s) did not answer: "
                  "check the address and that nats-server runs",
                  id, zone, config_path);
        break;
    case -EACCES:
        cli_error("NATS refused the subject camdex.%s.ctl.op (camera %s): allow the central's "
                  "user ([cluster] in %s) to publish on camdex.*.ctl.op",
                  zone, id, config_path);
        break;
    default:
        cli_error("camera %s is in zone %s, whose prober could not be asked: %s", id, zone,
                  strerror(-rc));
        break;
    }
}

int central_op_call(const char *config_path, const char *zone, const char *id, const char *method,
                    const char *action, const char *body, json_t **answer)
{
    *answer = NULL;
    struct config cfg;
    struct config_errors errs;
    config_default(&cfg);
    memset(&errs, 0, sizeof(errs));
    if (config_load(config_path, &cfg, &errs)) {
        for (size_t e = 0; e < errs.count && e < CONFIG_ERRORS_KEPT; e++)
            fprintf(stderr, "%s\n", errs.msg[e]);
        cli_error("camera %s is in zone %s, and this index is its central: the change is made "
                  "by the zone's prober, reached through NATS as [cluster] in %s says, which "
                  "cannot be read (give the central's configuration with --config)",
                  id, zone, config_path);
        return CLI_FAIL;
    }
    char err[320], enc[3 * STORE_ID_MAX + 1], target[3 * STORE_ID_MAX + 64];
    encode_id(enc, sizeof(enc), id);
    snprintf(target, sizeof(target), "/api/v1/cameras/%s/%s", enc, action);
    struct cluster_router *r;
    if (cluster_router_start(&cfg, &r, err, sizeof(err))) {
        cli_error("camera %s is in zone %s: %s", id, zone, err);
        return CLI_FAIL;
    }
    struct cluster_op op = {.zone = zone,
                            .method = method,
                            .target = target,
                            .content_type = "application/json",
                            .body = body,
                            .body_len = body ? strlen(body) : 0,
                            .timeout_ms = CENTRAL_OP_WAIT_MS};
    struct cluster_op_reply rep;
    /* The connection is made in the background: give it its connect time. */
    cluster_router_wait_connected(r, CENTRAL_OP_CONNECT_MS);
    cluster_router_call(r, &op, &rep);
    cluster_router_stop(&r);
    if (rep.rc) {
        say_failure(zone, id, rep.rc, config_path);
        return CLI_FAIL;
    }
    json_t *o = json_loadb(rep.body, rep.body_len, 0, NULL);
    free(rep.body);
    if (rep.status != 200) {
        json_t *m = json_object_get(json_object_get(o, "error"), "message");
        cli_error("zone %s's prober: %s", zone,
                  json_is_string(m) ? json_string_value(m) : "the operation failed");
        json_decref(o);
        return CLI_FAIL;
    }
    *answer = o;
    return CLI_OK;
}
