/* Reference pictures: a camera's healthy picture kept as a small signature
 * (its luma plane box-averaged down to SCENE_SIG_W x SCENE_SIG_H), and a
 * comparison of a later picture with it that asks "is this the same
 * scene?", not "is it as bright?": day and night, a lamp, an exposure
 * change or sensor noise leave the scene the same; a camera turned or
 * moved, or pointed at something else, changes it. Pure functions, no
 * libav. */
#ifndef CAMDEX_SCENE_REF_H
#define CAMDEX_SCENE_REF_H

#include <stdbool.h>
#include <stdint.h>

#define SCENE_SIG_W   32
#define SCENE_SIG_H   18
#define SCENE_SIG_LEN (SCENE_SIG_W * SCENE_SIG_H)

/* Below this similarity a picture shows another scene than its reference.
 * On six photographs (tests/probes/test_scene_ref.c) the same scene scored
 * 0.75 or more (swayed by half a sample; 0.87 or more at night, grainy,
 * over-exposed or with another gamma) and a changed one 0.58 at most (a
 * tall, vertical subject tilted by a fifth; most under 0.3). */
#define SCENE_SIMILAR_MIN 0.65

/* Box-averages a width x height plane (`stride` bytes a row) into a
 * signature. 0, or -EINVAL for a NULL plane, a plane smaller than the
 * signature or stride < width. */
int scene_sig_make(const uint8_t *luma, int width, int height, int stride,
                   uint8_t sig[SCENE_SIG_LEN]);

/* How alike the structure of two signatures is, in -1..1 (1: the same
 * edges in the same places). Edges are compared, not brightness: the
 * gradient of the logarithm of luma, which a change of lighting or
 * exposure scales but does not move, correlated over the picture. NAN
 * when either picture is flat (nothing to compare: a black or covered
 * picture is its own finding). */
double scene_similarity(const uint8_t a[SCENE_SIG_LEN], const uint8_t b[SCENE_SIG_LEN]);

#endif
