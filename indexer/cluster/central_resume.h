/* The central's durable consumer of a zone resumes where the central's
 * index is (central_resume.c). */
#ifndef CAMDEX_CLUSTER_CENTRAL_RESUME_H
#define CAMDEX_CLUSTER_CENTRAL_RESUME_H

#include <nats/nats.h>
#include <stdbool.h>
#include <stdint.h>

/* Before subscribing with `so`: a consumer whose acknowledged position is
 * past `last_seq` (the last stream sequence the index applied; 0 = none),
 * or any consumer when `force`, is deleted (*rewound), and a consumer to be
 * created starts right after last_seq. 0, or a negative errno (NATS did not
 * answer: try again). */
int central_resume_prepare(jsCtx *js, const char *stream, const char *durable, uint64_t last_seq,
                           bool force, jsSubOptions *so, bool *rewound);

#endif
