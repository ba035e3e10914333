/* The first pass of a fresh index, counted per state and reason for one
 * summary line; see first_pass.h. */
#include "engine/first_pass.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void first_pass_begin(struct first_pass *fp, uint32_t unknown)
{
    memset(fp, 0, sizeof(*fp));
    fp->pending = unknown;
}

static void count_reason(struct first_pass *fp, const char *reason)
{
    if (!reason || !*reason)
        reason = "none";
    for (uint32_t i = 0; i < fp->nreasons; i++)
        if (strcmp(fp->reasons[i].name, reason) == 0) {
            fp->reasons[i].n++;
            return;
        }
    if (fp->nreasons == FIRST_PASS_REASONS || strlen(reason) >= sizeof(fp->reasons[0].name)) {
        fp->other++;
        return;
    }
    snprintf(fp->reasons[fp->nreasons].name, sizeof(fp->reasons[0].name), "%s", reason);
    fp->reasons[fp->nreasons++].n = 1;
}

bool first_pass_note(struct first_pass *fp, const struct store_event *ev, bool *done)
{
    *done = false;
    if (ev->from != STORE_UNKNOWN)
        return false;
    if (!fp->pending)
        return true; /* a camera added later: still a first look */
    fp->seen++;
    if (ev->to < STORE_STATE_COUNT)
        fp->states[ev->to]++;
    count_reason(fp, ev->reason);
    *done = --fp->pending == 0;
    return true;
}

int first_pass_reasons(const struct first_pass *fp, char *out, size_t len)
{
    /* Most frequent first: a selection over at most 48 entries. */
    bool used[FIRST_PASS_REASONS] = {false};
    size_t o = 0;
    int n;
    out[0] = 0;
    for (uint32_t k = 0; k < fp->nreasons; k++) {
        uint32_t best = FIRST_PASS_REASONS;
        for (uint32_t i = 0; i < fp->nreasons; i++)
            if (!used[i] && (best == FIRST_PASS_REASONS || fp->reasons[i].n > fp->reasons[best].n))
                best = i;
        used[best] = true;
        n = snprintf(out + o, len - o, "%s%s:%u", o ? "," : "", fp->reasons[best].name,
                     fp->reasons[best].n);
        if (n < 0 || (size_t)n >= len - o)
            return -ENOSPC;
        o += (size_t)n;
    }
    if (fp->other) {
        n = snprintf(out + o, len - o, "%sother:%u", o ? "," : "", fp->other);
        if (n < 0 || (size_t)n >= len - o)
            return -ENOSPC;
    }
    return 0;
}
