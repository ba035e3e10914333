/* The first look at each camera of a fresh index: 43,000 "state change"
 * lines from unknown said nothing an operator acts on, so each is logged at
 * debug and the pass ends with one summary line (first_pass.c). Loop
 * thread only. */
#ifndef CAMDEX_FIRST_PASS_H
#define CAMDEX_FIRST_PASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define FIRST_PASS_REASONS 48 /* distinct reasons counted; more are "other" */

struct first_pass {
    uint32_t pending; /* cameras still to leave unknown; 0 = no pass running */
    uint32_t seen;
    uint32_t states[STORE_STATE_COUNT];
    uint32_t nreasons, other;
    struct {
        char name[32];
        uint32_t n;
    } reasons[FIRST_PASS_REASONS];
};

/* A pass over `unknown` cameras in state unknown begins (0: none). */
void first_pass_begin(struct first_pass *fp, uint32_t unknown);

/* Counts a committed state change. True when it is a first look (from
 * unknown), which the caller logs at debug. *done is set when it was the
 * last one: the summary is due. */
bool first_pass_note(struct first_pass *fp, const struct store_event *ev, bool *done);

/* The reasons counted, most frequent first, as
 * "connect_refused:1200,auth_failed:300". 0, or -ENOSPC when `out` is too
 * small for them all. */
int first_pass_reasons(const struct first_pass *fp, char *out, size_t len);

#endif
