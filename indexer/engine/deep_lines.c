/* The deep workers' lines and their pick; see deep_lines.h. */
#include "engine/deep_lines.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const deep_line_names[DEEP_LINE_COUNT] = {
    [DEEP_LINE_LIVENESS] = "liveness",
    [DEEP_LINE_DIAGNOSIS] = "diagnosis",
};

int deep_lines_reset(struct deep_lines *dl, size_t cameras)
{
    if (cameras > dl->cap || !dl->waiting) {
        size_t cap = cameras ? cameras : 1;
        uint32_t *ring[DEEP_LINE_COUNT] = {NULL};
        uint8_t *waiting = calloc(cap, 1);
        bool ok = waiting != NULL;
        for (int l = 0; l < DEEP_LINE_COUNT && ok; l++)
            ok = (ring[l] = malloc(cap * sizeof(*ring[l]))) != NULL;
        if (!ok) {
            for (int l = 0; l < DEEP_LINE_COUNT; l++)
                free(ring[l]);
            free(waiting);
            return -ENOMEM;
        }
        for (int l = 0; l < DEEP_LINE_COUNT; l++) {
            free(dl->ring[l]);
            dl->ring[l] = ring[l];
        }
        free(dl->waiting);
        dl->waiting = waiting;
        dl->cap = cap;
    } else {
        memset(dl->waiting, 0, dl->cap);
    }
    for (int l = 0; l < DEEP_LINE_COUNT; l++)
        dl->head[l] = dl->len[l] = 0;
    for (int l = 0; l < DEEP_LINE_COUNT; l++)
        if (!dl->weight[l])
            dl->weight[l] = 1;
    return 0;
}

void deep_lines_free(struct deep_lines *dl)
{
    for (int l = 0; l < DEEP_LINE_COUNT; l++)
        free(dl->ring[l]);
    free(dl->waiting);
    memset(dl, 0, sizeof(*dl));
}

void deep_lines_set_share(struct deep_lines *dl, uint32_t diagnosis_pct)
{
    if (diagnosis_pct < 1)
        diagnosis_pct = 1;
    if (diagnosis_pct > 99)
        diagnosis_pct = 99;
    dl->weight[DEEP_LINE_DIAGNOSIS] = diagnosis_pct;
    dl->weight[DEEP_LINE_LIVENESS] = 100 - diagnosis_pct;
}

int deep_lines_push(struct deep_lines *dl, enum deep_line line, uint32_t cam)
{
    assert((unsigned)line < DEEP_LINE_COUNT);
    if (cam >= dl->cap || !dl->waiting)
        return -ERANGE;
    if (dl->waiting[cam] & (1u << line))
        return -EEXIST;
    /* Each camera at most once per line: the ring cannot be full here. */
    assert(dl->len[line] < dl->cap);
    dl->ring[line][(dl->head[line] + dl->len[line]) % dl->cap] = cam;
    dl->len[line]++;
    dl->waiting[cam] |= (uint8_t)(1u << line);
    return 0;
}

bool deep_lines_is_waiting(const struct deep_lines *dl, enum deep_line line, uint32_t cam)
{
    return cam < dl->cap && dl->waiting && (dl->waiting[cam] & (1u << line));
}

size_t deep_lines_waiting(const struct deep_lines *dl)
{
    size_t n = 0;
    for (int l = 0; l < DEEP_LINE_COUNT; l++)
        n += dl->len[l];
    return n;
}

/* Is line a further below its share than line b? in_flight / weight
 * compared without division; equal is not below. */
static bool below(const struct deep_lines *dl, int a, int b)
{
    return (uint64_t)dl->in_flight[a] * dl->weight[b] < (uint64_t)dl->in_flight[b] * dl->weight[a];
}

int deep_lines_take(struct deep_lines *dl, uint32_t *cam)
{
    int pick = -1;
    for (int l = 0; l < DEEP_LINE_COUNT; l++) {
        if (!dl->len[l])
            continue;
        if (pick < 0 || below(dl, l, pick) || (!below(dl, pick, l) && pick == dl->last))
            pick = l;
    }
    if (pick < 0)
        return -1;
    *cam = dl->ring[pick][dl->head[pick]];
    dl->head[pick] = (dl->head[pick] + 1) % dl->cap;
    dl->len[pick]--;
    dl->waiting[*cam] &= (uint8_t) ~(1u << pick);
    dl->in_flight[pick]++;
    dl->last = (uint8_t)pick;
    return pick;
}

void deep_lines_done(struct deep_lines *dl, enum deep_line line)
{
    assert((unsigned)line < DEEP_LINE_COUNT && dl->in_flight[line] > 0);
    dl->in_flight[line]--;
}
