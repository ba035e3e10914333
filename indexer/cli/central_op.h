/* Commands at a central that change a camera: done by its zone's prober
 * (central_op.c). */
#ifndef CAMDEX_CLI_CENTRAL_OP_H
#define CAMDEX_CLI_CENTRAL_OP_H

#include <jansson.h>

#include "cli/cli_internal.h"

#define CENTRAL_OP_CONFIG "/etc/camdex/camdex.ini"

/* The camera's zone when `s` is a central's index: 0, or -ENOENT (not a
 * central's index, or not a zone's camera), or a store error. */
int central_op_zone(struct store *s, const char *id, char *zone);

/* Asks the zone's prober, through NATS as [cluster] in config_path says,
 * for `method` on /api/v1/cameras/ID/`action` with the JSON `body`. CLI_OK
 * and the prober's JSON answer (200) in *answer, or an exit code after
 * saying what went wrong, naming the zone and what to do. */
int central_op_call(const char *config_path, const char *zone, const char *id, const char *method,
                    const char *action, const char *body, json_t **answer);

#endif
