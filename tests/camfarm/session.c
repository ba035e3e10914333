/* Names and transition rules of camfarm's connection and session states. */
#include "session.h"

#include <errno.h>

static const char *const conn_names[CONN_STATE_COUNT] = {
    [CONN_READING] = "reading", [CONN_DELAYING] = "delaying", [CONN_DRIBBLING] = "dribbling",
    [CONN_PLAYING] = "playing", [CONN_SILENT] = "silent",     [CONN_CLOSING] = "closing",
};

static const char *const sess_names[SESS_STATE_COUNT] = {
    [SESS_INIT] = "init",
    [SESS_READY] = "ready",
    [SESS_PLAYING] = "playing",
};

const char *conn_state_name(enum conn_state s)
{
    return (unsigned)s < CONN_STATE_COUNT ? conn_names[s] : "invalid";
}

const char *sess_state_name(enum sess_state s)
{
    return (unsigned)s < SESS_STATE_COUNT ? sess_names[s] : "invalid";
}

int sess_next(enum sess_state s, enum rtsp_method m, enum sess_state *next)
{
    switch (m) {
    case RTSP_M_SETUP:
        /* Cameras refuse a second SETUP while playing (one track only). */
        if (s == SESS_PLAYING)
            return -EPROTO;
        *next = SESS_READY;
        return 0;
    case RTSP_M_PLAY:
        if (s == SESS_INIT)
            return -EPROTO;
        *next = SESS_PLAYING;
        return 0;
    case RTSP_M_PAUSE:
        if (s == SESS_INIT)
            return -EPROTO;
        *next = SESS_READY;
        return 0;
    case RTSP_M_TEARDOWN:
        *next = SESS_INIT;
        return 0;
    case RTSP_M_RECORD:
    case RTSP_M_ANNOUNCE:
        return -EPROTO; /* cameras are sources only */
    default:
        *next = s;
        return 0;
    }
}
