/* camfarm's control channel: a line protocol on loopback that tests and
 * scripts use to kill, revive and re-mode cameras and read counters. */
#ifndef CAMFARM_CONTROL_H
#define CAMFARM_CONTROL_H

#include <stddef.h>
#include <uv.h>

#include "server.h"

#define CONTROL_LINE_MAX  1024
#define CONTROL_IDLE_MS   300000 /* a control client silent this long is dropped */
#define CONTROL_LIST_MAX  1000   /* ids one "list" reply may carry */
#define CONTROL_REPLY_MAX (CONTROL_LIST_MAX * 72 + 64)

struct control {
    /* public, read-only */
    uint16_t port;
    /* private */
    uv_loop_t *loop;
    struct farm *farm;
    uv_tcp_t listener;
    int listening;
    struct ctl_conn *conns;
};

int control_listen(struct control *ctl, uv_loop_t *loop, struct farm *farm, const char *ip,
                   int port);
void control_close(struct control *ctl);

/* Executes one command line (without its newline) and writes the reply
 * line, newline included, into out. Pure with respect to I/O: it only
 * changes the farm's state. Returns 1 when the client asked to quit. */
int control_exec(struct farm *farm, const char *line, char *out, size_t cap);

#endif
