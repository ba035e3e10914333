/* Fault names, defaults and the seeded fault mix. */
#include "faults.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[FAULT_COUNT] = {
    [FAULT_OK] = "ok",
    [FAULT_REFUSED] = "refused",
    [FAULT_BLACKHOLE] = "blackhole",
    [FAULT_SYN_DROP] = "syn_drop",
    [FAULT_SILENT] = "silent",
    [FAULT_SLOW] = "slow",
    [FAULT_STALL_DESCRIBE] = "stall_describe",
    [FAULT_NO_RTP] = "no_rtp",
    [FAULT_RTP_STOP] = "rtp_stop",
    [FAULT_BAD_AUTH] = "bad_auth",
    [FAULT_NOT_FOUND] = "not_found",
    [FAULT_ERROR_500] = "error_500",
    [FAULT_ERROR_503] = "error_503",
    [FAULT_SESSION_LIMIT] = "session_limit",
    [FAULT_REDIRECT] = "redirect",
    [FAULT_REDIRECT_LOOP] = "redirect_loop",
    [FAULT_FLAP] = "flap",
    [FAULT_GARBAGE] = "garbage",
    [FAULT_BIG_HEADERS] = "big_headers",
    [FAULT_SLOWLORIS] = "slowloris",
    [FAULT_BAD_SDP] = "bad_sdp",
    [FAULT_TRUNCATED_SDP] = "truncated_sdp",
    [FAULT_BAD_LENGTH] = "bad_length",
    [FAULT_EARLY_RTP] = "early_rtp",
    [FAULT_OPTIONS_FIRST] = "options_first",
    [FAULT_CLOCK_SKEW] = "clock_skew",
    [FAULT_NO_SR] = "no_sr",
    [FAULT_BLACK] = "black",
    [FAULT_FROZEN] = "frozen",
    [FAULT_BLURRED] = "blurred",
    [FAULT_NOISY] = "noisy",
    [FAULT_LOW_FPS] = "low_fps",
    [FAULT_RESOLUTION] = "resolution",
    [FAULT_SIGNAL_LOST] = "signal_lost",
    [FAULT_BARS] = "bars",
    [FAULT_TOO_BRIGHT] = "too_bright",
    [FAULT_OCCLUDED] = "occluded",
    [FAULT_COLOR_CAST] = "color_cast",
    [FAULT_STRIPES] = "stripes",
    [FAULT_SHAKING] = "shaking",
    [FAULT_SCENE_CHANGED] = "scene_changed",
};

const char *fault_name(enum fault f)
{
    return (unsigned)f < FAULT_COUNT ? names[f] : "invalid";
}

int fault_from_name(const char *name)
{
    for (int f = 0; f < FAULT_COUNT; f++)
        if (strcmp(names[f], name) == 0)
            return f;
    return -ENOENT;
}

uint16_t fault_default_arg(enum fault f)
{
    switch (f) {
    case FAULT_SLOW:
        return 2000;
    case FAULT_RTP_STOP:
        return 5;
    case FAULT_FLAP:
        return 30;
    case FAULT_BIG_HEADERS:
        return 64;
    case FAULT_CLOCK_SKEW:
        return 120;
    case FAULT_SCENE_CHANGED:
        return 600;
    default:
        return 0;
    }
}

const char *fault_clip(enum fault f)
{
    switch (f) {
    case FAULT_BLACK:
        return "black";
    case FAULT_FROZEN:
        return "frozen";
    case FAULT_BLURRED:
        return "blurred";
    case FAULT_NOISY:
        return "noisy";
    case FAULT_LOW_FPS:
        return "lowfps";
    case FAULT_RESOLUTION:
        return "smallres";
    case FAULT_SIGNAL_LOST:
        return "signal_lost";
    case FAULT_BARS:
        return "bars";
    case FAULT_TOO_BRIGHT:
        return "too_bright";
    case FAULT_OCCLUDED:
        return "occluded";
    case FAULT_COLOR_CAST:
        return "color_cast";
    case FAULT_STRIPES:
        return "stripes";
    case FAULT_SHAKING:
        return "shaking";
    case FAULT_SCENE_CHANGED:
        return "scene2";
    default:
        return NULL;
    }
}

/* Shares in 1/100000 of the fleet. Field data: offline cameras dominate
 * (network and power), then auth and overload, then picture problems. */
static void mix_default(struct fault_mix *mix)
{
    static const struct {
        enum fault f;
        uint32_t share;
    } d[] = {
        {FAULT_REFUSED, 1450},   {FAULT_BLACKHOLE, 1000},     {FAULT_SILENT, 200},
        {FAULT_SLOW, 300},       {FAULT_STALL_DESCRIBE, 150}, {FAULT_NO_RTP, 250},
        {FAULT_RTP_STOP, 150},   {FAULT_BAD_AUTH, 500},       {FAULT_NOT_FOUND, 250},
        {FAULT_ERROR_500, 100},  {FAULT_ERROR_503, 100},      {FAULT_SESSION_LIMIT, 200},
        {FAULT_REDIRECT, 50},    {FAULT_REDIRECT_LOOP, 25},   {FAULT_FLAP, 300},
        {FAULT_GARBAGE, 25},     {FAULT_BIG_HEADERS, 25},     {FAULT_SLOWLORIS, 25},
        {FAULT_BAD_SDP, 50},     {FAULT_TRUNCATED_SDP, 50},   {FAULT_BAD_LENGTH, 50},
        {FAULT_EARLY_RTP, 50},   {FAULT_BLACK, 400},          {FAULT_FROZEN, 400},
        {FAULT_BLURRED, 300},    {FAULT_NOISY, 100},          {FAULT_LOW_FPS, 300},
        {FAULT_RESOLUTION, 200}, {FAULT_CLOCK_SKEW, 300},     {FAULT_NO_SR, 300},
        /* Picture faults on photographs, each at 0.04 %. */
        {FAULT_SIGNAL_LOST, 40}, {FAULT_BARS, 40},           {FAULT_TOO_BRIGHT, 40},
        {FAULT_OCCLUDED, 40},    {FAULT_COLOR_CAST, 40},     {FAULT_STRIPES, 40},
        {FAULT_SHAKING, 40},     {FAULT_SCENE_CHANGED, 40},
    };
    memset(mix, 0, sizeof(*mix));
    for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
        mix->share[d[i].f] = d[i].share;
}

int fault_mix_parse(const char *spec, struct fault_mix *mix, char *err, size_t errlen)
{
    memset(mix, 0, sizeof(*mix));
    if (strcmp(spec, "default") == 0) {
        mix_default(mix);
        return 0;
    }
    if (strcmp(spec, "none") == 0)
        return 0;
    char buf[1024];
    if (strlen(spec) >= sizeof(buf)) {
        snprintf(err, errlen, "--faults: spec longer than %zu bytes", sizeof(buf) - 1);
        return -EINVAL;
    }
    strcpy(buf, spec);
    uint64_t total = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            snprintf(err, errlen, "--faults: \"%s\" is not name=percent (e.g. refused=2)", tok);
            return -EINVAL;
        }
        *eq = 0;
        int f = fault_from_name(tok);
        char *end;
        double pct = strtod(eq + 1, &end);
        if (f <= 0) {
            snprintf(err, errlen, "--faults: unknown fault \"%s\" (see README, Faults)", tok);
            return -EINVAL;
        }
        if (end == eq + 1 || *end || pct < 0 || pct > 100) {
            snprintf(err, errlen, "--faults: \"%s\" for %s is not a percentage 0..100", eq + 1,
                     tok);
            return -EINVAL;
        }
        mix->share[f] = (uint32_t)(pct * 1000 + 0.5);
        total += mix->share[f];
    }
    if (total > 100000) {
        snprintf(err, errlen, "--faults: shares add up to more than 100 %%");
        return -EINVAL;
    }
    return 0;
}

uint64_t fault_hash(uint64_t seed, uint32_t index, uint32_t salt)
{
    /* splitmix64 finalizer over the combined inputs. */
    uint64_t z = seed * 0x9e3779b97f4a7c15ull + ((uint64_t)index << 20) + salt + 1;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

enum fault fault_pick(const struct fault_mix *mix, uint64_t seed, uint32_t index)
{
    uint32_t u = (uint32_t)(fault_hash(seed, index, 0) % 100000);
    uint32_t acc = 0;
    for (int f = 1; f < FAULT_COUNT; f++) {
        acc += mix->share[f];
        if (u < acc)
            return (enum fault)f;
    }
    return FAULT_OK;
}
