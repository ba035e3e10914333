/* The deep workers' two lines and the one function that decides which
 * camera a free worker takes next. Pure bookkeeping: no libuv, no clock,
 * no camera entries (cameras are indexes into the fleet), so every rule
 * here is tested without timing. Loop thread only. */
#ifndef CAMDEX_DEEP_LINES_H
#define CAMDEX_DEEP_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum deep_line {
    /* Tier-2-only cameras (HLS, HTTP-FLV, RTMP, RTSPS) whose scheduled
     * look fell due, and a sweep --deep's looks: their wait is schedule
     * lag. */
    DEEP_LINE_LIVENESS = 0,
    /* RTSP cameras whose picture diagnosis is due (once per [quality]
     * interval, when they come up, when their picture size changes), put
     * here by the handshake that found them up. */
    DEEP_LINE_DIAGNOSIS,
    DEEP_LINE_COUNT
};

extern const char *const deep_line_names[DEEP_LINE_COUNT];

struct deep_lines {
    /* Per line, a ring of camera indexes, first in first out. A camera
     * waits in a line at most once, so a ring of the fleet's size never
     * overflows. */
    uint32_t *ring[DEEP_LINE_COUNT];
    size_t head[DEEP_LINE_COUNT], len[DEEP_LINE_COUNT];
    size_t cap;       /* cameras the rings and `waiting` have room for */
    uint8_t *waiting; /* per camera: bit (1 << line) while it waits there */
    /* Looks of each line running now, and each line's weight: when both
     * lines have cameras waiting, the workers are shared in proportion to
     * the weights. */
    uint32_t in_flight[DEEP_LINE_COUNT];
    uint32_t weight[DEEP_LINE_COUNT];
    uint8_t last; /* the line that took the last worker (ties go to the other) */
};

/* Makes room for a fleet of `cameras` and empties both lines (camera
 * indexes of an earlier fleet would name other cameras); the weights and
 * the looks in flight are kept. 0 or -ENOMEM (then nothing changed). */
int deep_lines_reset(struct deep_lines *dl, size_t cameras);
void deep_lines_free(struct deep_lines *dl);

/* The share of the workers the diagnosis line is guaranteed while both
 * lines wait, in percent (1-99); the liveness line gets the rest. */
void deep_lines_set_share(struct deep_lines *dl, uint32_t diagnosis_pct);

/* Puts camera `cam` at the end of `line`. 0; -EEXIST when it already waits
 * there (its place is kept); -ERANGE for an index outside the fleet. */
int deep_lines_push(struct deep_lines *dl, enum deep_line line, uint32_t cam);
bool deep_lines_is_waiting(const struct deep_lines *dl, enum deep_line line, uint32_t cam);
size_t deep_lines_waiting(const struct deep_lines *dl);

/* The transition: a worker is free. Of the lines with a camera waiting,
 * the one with the fewest looks running for its weight takes it (in_flight
 * / weight smallest; a tie goes to the line that did not take the last
 * one): the first camera of that line leaves it and counts as running.
 * Returns the line and sets *cam, or -1 when no camera waits. A line with
 * a camera waiting and nothing running is never passed over twice in a
 * row, whatever the other line holds; while both wait, each keeps its
 * share of the workers to within one look. */
int deep_lines_take(struct deep_lines *dl, uint32_t *cam);

/* A look taken from `line` ended (or never started). */
void deep_lines_done(struct deep_lines *dl, enum deep_line line);

#endif
