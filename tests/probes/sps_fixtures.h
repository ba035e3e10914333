/* Reads tests/data/sps/manifest.txt and the parameter sets next to it, which
 * tests/data/sps/make_fixtures.sh made with x264/x265 and ffprobe. */
#ifndef CAMDEX_TEST_SPS_FIXTURES_H
#define CAMDEX_TEST_SPS_FIXTURES_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct sps_case {
    char name[64];
    int width, height, level;
    char profile[40];
    uint32_t fps_milli;
};

/* Fills up to max cases whose name starts with prefix; returns the count. */
static inline size_t sps_load_manifest(const char *prefix, struct sps_case *out, size_t max)
{
    FILE *f = fopen(CAMDEX_TEST_DATA "/sps/manifest.txt", "r");
    cr_assert_not_null(f, "cannot open the SPS manifest");
    char line[256];
    size_t n = 0;
    while (n < max && fgets(line, sizeof(line), f)) {
        struct sps_case *c = &out[n];
        if (line[0] == '#' || strncmp(line, prefix, strlen(prefix)) != 0)
            continue;
        if (sscanf(line, "%63s %d %d %39s %d %u", c->name, &c->width, &c->height, c->profile,
                   &c->level, &c->fps_milli) != 6)
            continue;
        for (char *p = c->profile; *p; p++)
            if (*p == '_')
                *p = ' ';
        n++;
    }
    fclose(f);
    return n;
}

/* Reads <name>.<ext> into buf; returns its length. */
static inline size_t sps_load_nal(const char *name, const char *ext, uint8_t *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof(path), CAMDEX_TEST_DATA "/sps/%s.%s", name, ext);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    cr_assert_gt(n, 0, "%s is empty", path);
    return n;
}

#endif
