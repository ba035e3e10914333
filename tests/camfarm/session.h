/* States of a camfarm connection and of the RTSP session it carries: the
 * enums, their names, and the pure rule for which request moves a session
 * where. The one function that changes a connection's state is
 * conn_set_state() in server.c, which uses these. */
#ifndef CAMFARM_SESSION_H
#define CAMFARM_SESSION_H

#include "rtsp_req.h"

enum conn_state {
    /* Waiting for the next request; the idle deadline is running. */
    CONN_READING = 0,
    /* A reply is held back until the timer fires (fault "slow"). */
    CONN_DELAYING,
    /* A reply goes out one byte per timer tick (fault "slowloris"). */
    CONN_DRIBBLING,
    /* Session playing: the timer paces frames; requests are still read. */
    CONN_PLAYING,
    /* Accepted but never answered (faults "blackhole", "silent", stalls);
     * only the idle deadline ends it. */
    CONN_SILENT,
    /* Handles are closing; nothing else may happen. */
    CONN_CLOSING,
    CONN_STATE_COUNT
};

/* RFC 2326 A.1 server states, for the session a connection set up. */
enum sess_state {
    SESS_INIT = 0, /* no SETUP yet (or torn down) */
    SESS_READY,    /* SETUP done, not playing */
    SESS_PLAYING,  /* PLAY accepted */
    SESS_STATE_COUNT
};

const char *conn_state_name(enum conn_state s);
const char *sess_state_name(enum sess_state s);

/* Where a valid `m` takes a session in state `s`. Returns 0 and sets *next,
 * or -EPROTO when the method is not valid in that state (answered with
 * 455 Method Not Valid in This State). Methods that do not touch the
 * session (OPTIONS, DESCRIBE, GET_PARAMETER...) keep the state. */
int sess_next(enum sess_state s, enum rtsp_method m, enum sess_state *next);

#endif
