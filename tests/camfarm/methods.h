/* The RTSP methods a simulated camera serves, as a table indexed by method:
 * which of camera.c's checks a request meets before its handler, and the
 * handler (methods.c). Internal to camfarm's RTSP side. */
#ifndef CAMFARM_METHODS_H
#define CAMFARM_METHODS_H

#include "conn.h"

enum method_flag {
    METHOD_AUTH = 1 << 0,   /* credentials are checked first */
    METHOD_STREAM = 1 << 1, /* addresses the stream: its path and faults apply */
};

/* Answers a request that passed the checks and that sess_next() allows in
 * the session's state. Returns 0 when the camera accepted it (the session
 * then takes the state sess_next() gave), or a negative errno once it has
 * refused it (the session stays as it was). */
typedef int method_handler(struct conn *c, struct cam *cam, const struct rtsp_req *req);

struct method {
    unsigned flags; /* enum method_flag */
    method_handler *handle;
};

/* The entry of method m. Every method has one, RTSP_M_UNKNOWN included. */
const struct method *method_get(enum rtsp_method m);

#endif
