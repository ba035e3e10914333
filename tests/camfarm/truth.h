/* The fleet as camfarm serves it, written for whoever checks a monitor
 * against it: one CSV row per camera with its mode and clip at start. */
#ifndef CAMFARM_TRUTH_H
#define CAMFARM_TRUTH_H

#include <stddef.h>

#include "server.h"

/* Writes "id,index,mode,arg,clip,width,height,fps" rows for every camera of
 * the farm to `path`, through a temporary file renamed over it, so a reader
 * never sees half of it. Returns 0, or a negative errno with the message in
 * err. */
int truth_write(const struct farm *f, const char *path, char *err, size_t errlen);

#endif
