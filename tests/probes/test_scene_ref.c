/* Tests for probes/scene_ref.c on real photographs (tests/data/scenes,
 * from Debian's python3-skimage data): the same scene darker, brighter,
 * with another gamma or sensor noise stays the same; the camera turned
 * (shifted view), rotated, or looking at another photograph is a changed
 * scene. Each view is what the deep probe hands over: a 160x90 luma plane. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scene_ref.h"

#define SRC_W 320
#define SRC_H 180
#define W     160
#define H     90

static uint8_t src[SRC_H][SRC_W];

static void load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/scenes/%s.pgm", CAMDEX_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    char magic[3] = "";
    int w = 0, h = 0, max = 0;
    cr_assert_eq(fscanf(f, "%2s %d %d %d", magic, &w, &h, &max), 4);
    cr_assert(strcmp(magic, "P5") == 0 && w == SRC_W && h == SRC_H && max == 255);
    fgetc(f); /* the one whitespace after the header */
    cr_assert_eq(fread(src, 1, sizeof(src), f), sizeof(src));
    fclose(f);
}

/* What a camera sees: a window of the photograph (the middle 256x144,
 * moved by dx, dy pixels and turned by `deg` degrees about its centre),
 * scaled to W x H with bilinear sampling. */
static void view(uint8_t out[H][W], double dx, double dy, double deg)
{
    double c = cos(deg * M_PI / 180), s = sin(deg * M_PI / 180), scale = 256.0 / W;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double u = (x - W / 2.0 + 0.5) * scale, v = (y - H / 2.0 + 0.5) * scale;
            double sx = SRC_W / 2.0 + dx + u * c - v * s, sy = SRC_H / 2.0 + dy + u * s + v * c;
            int x0 = (int)floor(sx), y0 = (int)floor(sy);
            double fx = sx - x0, fy = sy - y0;
            x0 = x0 < 0 ? 0 : x0 > SRC_W - 2 ? SRC_W - 2 : x0;
            y0 = y0 < 0 ? 0 : y0 > SRC_H - 2 ? SRC_H - 2 : y0;
            double p = src[y0][x0] * (1 - fx) * (1 - fy) + src[y0][x0 + 1] * fx * (1 - fy) +
                       src[y0 + 1][x0] * (1 - fx) * fy + src[y0 + 1][x0 + 1] * fx * fy;
            out[y][x] = (uint8_t)lround(p);
        }
}

/* Lighting: luma above black scaled by gain, raised to gamma, plus offset. */
static void light(uint8_t p[H][W], double gain, double gamma, double offset)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double v = (p[y][x] - 16) / 219.0;
            v = pow(v < 0 ? 0 : v, gamma) * gain * 219 + 16 + offset;
            p[y][x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
        }
}

/* Gaussian sensor noise of `sigma` luma steps, from a fixed seed. */
static void noise(uint8_t p[H][W], double sigma)
{
    uint64_t st = 0x9e3779b97f4a7c15ull;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double u[2];
            for (int i = 0; i < 2; i++) {
                st ^= st << 13;
                st ^= st >> 7;
                st ^= st << 17;
                u[i] = ((st >> 11) + 0.5) / 9007199254740992.0;
            }
            double n = sqrt(-2 * log(u[0])) * cos(2 * M_PI * u[1]) * sigma;
            double v = p[y][x] + n;
            p[y][x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
        }
}

static void sig_of(uint8_t p[H][W], uint8_t sig[SCENE_SIG_LEN])
{
    cr_assert_eq(scene_sig_make(&p[0][0], W, H, W, sig), 0);
}

static uint8_t ref_sig[SCENE_SIG_LEN];

/* The reference of `name`: its straight, well-lit view. */
static void reference(const char *name)
{
    uint8_t p[H][W];
    load(name);
    view(p, 0, 0, 0);
    sig_of(p, ref_sig);
}

static double similarity_to_ref(uint8_t p[H][W])
{
    uint8_t s[SCENE_SIG_LEN];
    sig_of(p, s);
    return scene_similarity(ref_sig, s);
}

static const char *const photos[] = {"camera",  "astronaut", "coffee",
                                     "chelsea", "rocket",    "motorcycle_left"};
#define NPHOTOS (sizeof(photos) / sizeof(photos[0]))

Test(scene_ref, the_same_scene_under_other_light_or_noise_is_the_same)
{
    static const struct {
        const char *what;
        double gain, gamma, offset, sigma;
    } cond[] = {
        {"night: a third of the light", 0.33, 1.0, 0, 0},
        {"night with grain", 0.33, 1.0, 0, 6},
        {"over-exposed", 1.3, 0.7, 30, 0},
        {"another gamma", 1.0, 1.8, 0, 0},
        {"sensor noise", 1.0, 1.0, 0, 12},
    };
    for (size_t i = 0; i < NPHOTOS; i++) {
        reference(photos[i]);
        for (size_t k = 0; k < sizeof(cond) / sizeof(cond[0]); k++) {
            uint8_t p[H][W];
            view(p, 0, 0, 0);
            light(p, cond[k].gain, cond[k].gamma, cond[k].offset);
            if (cond[k].sigma)
                noise(p, cond[k].sigma);
            double sim = similarity_to_ref(p);
            cr_expect_geq(sim, SCENE_SIMILAR_MIN, "%s, %s: similarity %.2f", photos[i],
                          cond[k].what, sim);
        }
        /* Swaying by a few pixels is not a new scene either. */
        uint8_t p[H][W];
        view(p, 4, 2, 0.5);
        double sim = similarity_to_ref(p);
        cr_expect_geq(sim, SCENE_SIMILAR_MIN, "%s, swayed: similarity %.2f", photos[i], sim);
    }
}

Test(scene_ref, a_turned_rotated_or_other_scene_is_changed)
{
    for (size_t i = 0; i < NPHOTOS; i++) {
        reference(photos[i]);
        static const struct {
            const char *what;
            double dx, dy, deg;
        } moves[] = {
            {"turned right by a fifth", 52, 0, 0},
            {"tilted down by a fifth", 0, 29, 0},
            {"rotated 20 degrees", 0, 0, 20},
        };
        for (size_t k = 0; k < sizeof(moves) / sizeof(moves[0]); k++) {
            uint8_t p[H][W];
            view(p, moves[k].dx, moves[k].dy, moves[k].deg);
            double sim = similarity_to_ref(p);
            cr_expect_lt(sim, SCENE_SIMILAR_MIN, "%s, %s: similarity %.2f", photos[i],
                         moves[k].what, sim);
        }
        for (size_t j = 0; j < NPHOTOS; j++) {
            if (j == i)
                continue;
            uint8_t p[H][W];
            load(photos[j]);
            view(p, 0, 0, 0);
            load(photos[i]);
            double sim = similarity_to_ref(p);
            cr_expect_lt(sim, SCENE_SIMILAR_MIN, "%s against %s: similarity %.2f", photos[i],
                         photos[j], sim);
        }
    }
}

Test(scene_ref, a_flat_picture_has_nothing_to_compare)
{
    uint8_t flat[H][W], sig[SCENE_SIG_LEN];
    memset(flat, 16, sizeof(flat));
    sig_of(flat, sig);
    reference("camera");
    cr_expect(isnan(scene_similarity(ref_sig, sig)));
    cr_expect(isnan(scene_similarity(sig, ref_sig)));
}

Test(scene_ref, planes_too_small_or_strided_wrong_are_refused)
{
    uint8_t p[H][W], sig[SCENE_SIG_LEN];
    cr_expect_eq(scene_sig_make(NULL, W, H, W, sig), -EINVAL);
    cr_expect_eq(scene_sig_make(&p[0][0], SCENE_SIG_W - 1, H, W, sig), -EINVAL);
    cr_expect_eq(scene_sig_make(&p[0][0], W, SCENE_SIG_H - 1, W, sig), -EINVAL);
    cr_expect_eq(scene_sig_make(&p[0][0], W, H, W - 1, sig), -EINVAL);
    /* A signature of a plane with a wider stride reads only the picture. */
    static uint8_t wide[H][W + 8];
    memset(wide, 255, sizeof(wide));
    for (int y = 0; y < H; y++)
        memset(wide[y], 40, W);
    cr_assert_eq(scene_sig_make(&wide[0][0], W, H, W + 8, sig), 0);
    for (int i = 0; i < SCENE_SIG_LEN; i++)
        cr_assert_eq(sig[i], 40);
}
