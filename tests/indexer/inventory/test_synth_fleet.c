/* Tests for indexer/inventory/synth_fleet.c: the generated fleet has the promised shape,
 * is deterministic, and reads back through the inventory parser. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/gbid.h"
#include "inventory/inventory.h"
#include "inventory/synth_fleet.h"
#include "url.h"

#define MAX_UNITS 1024

/* What a run produced, gathered by the callback. */
struct tally {
    size_t cams;
    size_t units;
    char unit_id[MAX_UNITS][24];
    char unit_name[MAX_UNITS][96];
    size_t unit_cams[MAX_UNITS];
    size_t hik, dahua, platform, other_rtsp, no_creds, located, with_res;
    size_t type131, type132;
    int bad;
    char why[1024];
};

static int tally_cb(const struct inv_camera *c, void *ctx)
{
    struct tally *t = ctx;
    size_t u;
    for (u = 0; u < t->units; u++)
        if (strcmp(t->unit_id[u], c->unit_id) == 0)
            break;
    if (u == t->units) {
        if (t->units == MAX_UNITS)
            return -ENOSPC;
        snprintf(t->unit_id[u], sizeof t->unit_id[u], "%s", c->unit_id);
        snprintf(t->unit_name[u], sizeof t->unit_name[u], "%s", c->unit_name);
        t->units++;
    } else if (u + 1 != t->units && !t->bad) {
        t->bad = 1;
        snprintf(t->why, sizeof t->why, "unit %s is not contiguous", c->unit_id);
    }
    t->unit_cams[u]++;

    struct gbid g;
    if (gbid_parse(c->id, &g) != 0 || (g.type != 131 && g.type != 132)) {
        t->bad = 1;
        snprintf(t->why, sizeof t->why, "camera id %s is not a GB/T 28181 camera", c->id);
    }
    t->type131 += g.type == 131;
    t->type132 += g.type == 132;
    if (gbid_parse(c->unit_id, &g) != 0 || g.type != 216) {
        t->bad = 1;
        snprintf(t->why, sizeof t->why, "unit id %s is not a virtual organisation", c->unit_id);
    }

    struct probe_url pu;
    if (probe_url_parse(c->url, &pu) != 0) {
        t->bad = 1;
        snprintf(t->why, sizeof t->why, "url %s does not parse: %s", c->url, pu.error);
        return 0;
    }
    uint32_t a = synth_fleet_addr((uint32_t)t->cams);
    char host[16];
    snprintf(host, sizeof host, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    if (strcmp(pu.host, host) != 0) {
        t->bad = 1;
        snprintf(t->why, sizeof t->why, "camera %zu has host %s, not %s", t->cams, pu.host, host);
    }
    if (strstr(c->url, "/Streaming/Channels/"))
        t->hik++;
    else if (strstr(c->url, "/cam/realmonitor?channel="))
        t->dahua++;
    else if (pu.scheme != PROBE_URL_RTSP)
        t->platform++;
    else
        t->other_rtsp++;
    if (pu.scheme == PROBE_URL_RTSP && !pu.has_userinfo)
        t->no_creds++;
    if (pu.scheme == PROBE_URL_RTSP && pu.port != 8554) {
        t->bad = 1;
        snprintf(t->why, sizeof t->why, "rtsp port %u", pu.port);
    }
    if (c->has_location) {
        t->located++;
        if (c->lat < 31.5 || c->lat > 32.6 || c->lon < 118.3 || c->lon > 119.3) {
            t->bad = 1;
            snprintf(t->why, sizeof t->why, "camera %s at %f,%f", c->id, c->lat, c->lon);
        }
    }
    if (c->width) {
        t->with_res++;
        int ok = (c->width == 1920 && c->height == 1080) ||
                 (c->width == 2560 && c->height == 1440) || (c->width == 1280 && c->height == 720);
        if (!ok || c->fps != 25) {
            t->bad = 1;
            snprintf(t->why, sizeof t->why, "camera %s %ux%u@%u", c->id, c->width, c->height,
                     c->fps);
        }
    }
    if (c->line != t->cams + 2) {
        t->bad = 1;
        snprintf(t->why, sizeof t->why, "camera %zu has line %u", t->cams, (unsigned)c->line);
    }
    t->cams++;
    return 0;
}

static struct tally *run(uint32_t cameras, uint32_t units, uint64_t seed)
{
    struct tally *t = calloc(1, sizeof *t);
    struct synth_fleet_opts o = {.cameras = cameras, .units = units, .seed = seed};
    cr_assert_eq(synth_fleet_run(&o, tally_cb, t), 0);
    cr_assert_not(t->bad, "%s", t->why);
    return t;
}

static int is_social(const char *unit_id)
{
    return unit_id[13] == '8'; /* network digit: social resources */
}

Test(synth_fleet, default_fleet_has_43000_cameras_in_212_distinct_units)
{
    struct tally *t = run(0, 0, 1);
    cr_assert_eq(t->cams, 43000);
    cr_assert_eq(t->units, 212);
    size_t depts = 0;
    for (size_t i = 0; i < t->units; i++) {
        depts += !is_social(t->unit_id[i]);
        for (size_t j = i + 1; j < t->units; j++)
            cr_assert_str_neq(t->unit_name[i], t->unit_name[j], "two units named %s",
                              t->unit_name[i]);
    }
    cr_assert_eq(depts, 26);
    cr_assert_str_eq(t->unit_name[0], "市公安局");
    free(t);
}

Test(synth_fleet, unit_sizes_are_skewed_departments_large_social_units_small)
{
    struct tally *t = run(0, 0, 7);
    size_t police = t->unit_cams[0], social_min = SIZE_MAX, social_max = 0, sum = 0;
    for (size_t i = 0; i < t->units; i++) {
        sum += t->unit_cams[i];
        if (!is_social(t->unit_id[i]))
            continue;
        if (t->unit_cams[i] < social_min)
            social_min = t->unit_cams[i];
        if (t->unit_cams[i] > social_max)
            social_max = t->unit_cams[i];
    }
    cr_assert_eq(sum, 43000);
    cr_assert_geq(police, 5000, "public security has thousands of cameras");
    cr_assert_geq(social_min, 10, "social units have tens of cameras at least");
    cr_assert_leq(social_max, 600, "social units have a few hundred at most");
    cr_assert_gt(social_max, 3 * social_min, "sizes vary");
    free(t);
}

Test(synth_fleet, url_mix_matches_the_platform)
{
    struct tally *t = run(0, 0, 3);
    double n = (double)t->cams;
    cr_assert(t->hik / n > 0.55 && t->hik / n < 0.65, "hikvision %zu", t->hik);
    cr_assert(t->dahua / n > 0.30 && t->dahua / n < 0.40, "dahua %zu", t->dahua);
    cr_assert(t->platform / n > 0.02 && t->platform / n < 0.04, "platform %zu", t->platform);
    cr_assert_gt(t->other_rtsp, 0);
    cr_assert(t->no_creds > 0 && t->no_creds / n < 0.10, "without credentials %zu", t->no_creds);
    cr_assert(t->located / n > 0.5 && t->located / n < 0.95);
    cr_assert(t->with_res / n > 0.8);
    cr_assert_gt(t->type132, t->type131);
    cr_assert_gt(t->type131, 0);
    free(t);
}

Test(synth_fleet, small_fleets_scale_units_down_but_keep_both_kinds)
{
    static const struct {
        uint32_t cams, units, depts_min;
    } t[] = {{1, 1, 1},    {2, 2, 1},     {10, 2, 1},     {100, 2, 1},
             {1000, 5, 1}, {5000, 25, 3}, {20000, 99, 12}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct tally *r = run(t[i].cams, 0, 1);
        cr_assert_eq(r->cams, t[i].cams);
        cr_assert_eq(r->units, t[i].units, "%u cameras: %zu units", t[i].cams, r->units);
        size_t depts = 0, social = 0;
        for (size_t u = 0; u < r->units; u++) {
            cr_assert_geq(r->unit_cams[u], 1);
            if (is_social(r->unit_id[u]))
                social++;
            else
                depts++;
        }
        cr_assert_geq(depts, t[i].depts_min);
        if (t[i].units > 1)
            cr_assert_geq(social, 1, "%u cameras: no social unit", t[i].cams);
        free(r);
    }
}

Test(synth_fleet, explicit_units_and_big_fleets_spill_addresses)
{
    struct tally *t = run(70000, 300, 5);
    cr_assert_eq(t->cams, 70000);
    cr_assert_eq(t->units, 300);
    free(t);
    t = run(5000, 1000, 9); /* more units than district x pattern pairs */
    cr_assert_eq(t->units, 1000);
    for (size_t i = 0; i < t->units; i++)
        for (size_t j = i + 1; j < t->units; j++)
            cr_assert_str_neq(t->unit_name[i], t->unit_name[j]);
    free(t);
    struct synth_fleet_opts o = {.cameras = 10, .units = 11};
    cr_assert_eq(synth_fleet_run(&o, tally_cb, NULL), -EINVAL, "more units than cameras");
    o = (struct synth_fleet_opts){.cameras = SYNTH_FLEET_CAMERAS_MAX + 1};
    cr_assert_eq(synth_fleet_run(&o, tally_cb, NULL), -EINVAL);
}

Test(synth_fleet, loopback_addresses_follow_the_layout)
{
    cr_assert_eq(synth_fleet_addr(0), 0x7F010001u);     /* 127.1.0.1 */
    cr_assert_eq(synth_fleet_addr(253), 0x7F0100FEu);   /* 127.1.0.254 */
    cr_assert_eq(synth_fleet_addr(254), 0x7F010101u);   /* 127.1.1.1 */
    cr_assert_eq(synth_fleet_addr(65023), 0x7F01FFFEu); /* 127.1.255.254 */
    cr_assert_eq(synth_fleet_addr(65024), 0x7F020001u); /* 127.2.0.1 */
}

/* A province: ids, addresses and units checked camera by camera without
 * holding the fleet (tally_cb keeps at most MAX_UNITS units). */
struct province {
    uint32_t cams, units, dept_cams, max_grassroots;
    char last_unit[24];
    int bad;
    char why[256];
};

static int province_cb(const struct inv_camera *c, void *ctx)
{
    struct province *p = ctx;
    struct gbid g;
    uint32_t a = synth_fleet_addr(p->cams);
    char host[32];
    snprintf(host, sizeof host, "@%u.%u.%u.%u:", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    const char *h = strstr(c->url, host + (strchr(c->url, '@') ? 0 : 1));
    /* grassroots x 999,999 + serial - 1 is the camera's index: every id
     * differs from every other without a table of a million ids. */
    if (gbid_parse(c->id, &g) != 0 ||
        (uint64_t)g.grassroots * SYNTH_FLEET_SERIALS + g.serial - 1 != p->cams || g.serial == 0 ||
        !h) {
        snprintf(p->why, sizeof p->why, "camera %u: id %s url %s", p->cams, c->id, c->url);
        p->bad = 1;
        return 1;
    }
    if (strcmp(p->last_unit, c->unit_id) != 0) {
        p->units++;
        snprintf(p->last_unit, sizeof p->last_unit, "%s", c->unit_id);
    }
    p->dept_cams += !is_social(c->unit_id);
    if (g.grassroots > p->max_grassroots)
        p->max_grassroots = g.grassroots;
    p->cams++;
    return 0;
}

Test(synth_fleet, a_province_of_a_million_has_unique_valid_ids_and_scaled_units, .timeout = 120)
{
    struct synth_fleet_opts o = {.cameras = 1000000, .seed = 1};
    struct province p = {0};
    cr_assert_eq(synth_fleet_run(&o, province_cb, &p), 0, "%s", p.why);
    cr_assert_eq(p.cams, 1000000);
    cr_assert_eq(p.max_grassroots, 1, "the millionth camera is the first of grassroots unit 01");
    cr_assert_eq(p.units, 4930, "212 units per 43,000 cameras: %u", p.units);
    /* At 43,000 the departments hold about half the fleet: still so. */
    cr_assert(p.dept_cams > 400000 && p.dept_cams < 600000, "departments hold %u", p.dept_cams);
    cr_assert_eq(synth_fleet_addr(999999), 0x7F106102u); /* 127.16.97.2 */
    o.cameras = SYNTH_FLEET_CAMERAS_MAX;
    cr_assert_leq(synth_fleet_addr(o.cameras - 1) >> 24, 127, "the last address is loopback");
    cr_assert_leq((synth_fleet_addr(o.cameras - 1) >> 16) & 255, 254);
}

static int stop_at_5(const struct inv_camera *c, void *ctx)
{
    int *n = ctx;
    return ++*n == 5 ? 42 : 0;
}

Test(synth_fleet, callback_return_stops_the_run)
{
    int n = 0;
    struct synth_fleet_opts o = {.cameras = 100};
    cr_assert_eq(synth_fleet_run(&o, stop_at_5, &n), 42);
    cr_assert_eq(n, 5);
}

static char *csv_of(const struct synth_fleet_opts *o, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    cr_assert_not_null(f);
    cr_assert_eq(synth_fleet_write_csv(f, o), 0);
    fclose(f);
    return buf;
}

Test(synth_fleet, same_seed_gives_identical_bytes)
{
    struct synth_fleet_opts o = {.cameras = 5000, .seed = 99};
    size_t l1, l2, l3;
    char *a = csv_of(&o, &l1), *b = csv_of(&o, &l2);
    cr_assert_eq(l1, l2);
    cr_assert_eq(memcmp(a, b, l1), 0);
    o.seed = 100;
    char *c = csv_of(&o, &l3);
    cr_assert(l1 != l3 || memcmp(a, c, l1) != 0, "another seed, another fleet");
    free(a);
    free(b);
    free(c);
}

Test(synth_fleet, ports_are_options)
{
    struct synth_fleet_opts o = {
        .cameras = 2000, .port = 10554, .http_port = 18080, .rtmp_port = 11935};
    size_t len;
    char *csv = csv_of(&o, &len);
    cr_assert_not_null(strstr(csv, ":10554/Streaming/Channels/"));
    cr_assert_not_null(strstr(csv, ":18080/"));
    cr_assert_not_null(strstr(csv, ":11935/live/"));
    cr_assert_null(strstr(csv, ":8554/"));
    free(csv);
}

/* Regenerate and compare with what the parser read back. */
struct cmp {
    const struct inventory *inv;
    size_t i;
    char why[1024];
};

static int compare_cb(const struct inv_camera *c, void *ctx)
{
    struct cmp *k = ctx;
    if (k->i >= k->inv->count) {
        snprintf(k->why, sizeof k->why, "parser has only %zu cameras", k->inv->count);
        return 1;
    }
    const struct inv_camera *p = &k->inv->cams[k->i++];
    const char *a[] = {c->id, c->name, c->unit_id, c->unit_name, c->url, c->address, c->tags};
    const char *b[] = {p->id, p->name, p->unit_id, p->unit_name, p->url, p->address, p->tags};
    for (size_t f = 0; f < 7; f++) {
        if (strcmp(a[f], b[f]) != 0) {
            snprintf(k->why, sizeof k->why, "camera %zu field %zu: \"%s\" vs \"%s\"", k->i, f, a[f],
                     b[f]);
            return 1;
        }
    }
    if (c->has_location != p->has_location ||
        (c->has_location && (c->lat - p->lat > 1e-7 || p->lat - c->lat > 1e-7 ||
                             c->lon - p->lon > 1e-7 || p->lon - c->lon > 1e-7)) ||
        c->width != p->width || c->height != p->height || c->fps != p->fps || c->line != p->line) {
        snprintf(k->why, sizeof k->why, "camera %zu (%s): numbers differ", k->i, c->id);
        return 1;
    }
    return 0;
}

Test(synth_fleet, full_fleet_round_trips_through_the_csv_parser, .timeout = 120)
{
    struct synth_fleet_opts o = {.seed = 2024};
    size_t len;
    char *csv = csv_of(&o, &len);
    struct inventory inv;
    static struct inv_errors errs;
    inv_init(&inv);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = inv_parse(csv, len, "fleet.csv", INV_FMT_AUTO, INV_ENC_AUTO, &inv, &errs);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cr_log_info("parsed %zu cameras (%zu bytes) in %.1f ms", inv.count, len,
                (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    cr_assert_eq(rc, 0, "%zu errors, first: %s", errs.count, errs.msg[0]);
    cr_assert_eq(errs.count, 0);
    cr_assert_eq(inv.count, 43000);
    struct cmp k = {.inv = &inv};
    cr_assert_eq(synth_fleet_run(&o, compare_cb, &k), 0, "%s", k.why);
    cr_assert_eq(k.i, 43000);
    inv_free(&inv);
    free(csv);
}

Test(synth_fleet, names_look_like_a_chinese_city_platform)
{
    struct synth_fleet_opts o = {.seed = 1};
    size_t len;
    char *csv = csv_of(&o, &len);
    static const char *expect[] = {"交叉口",   "市公安局", "市交通运输局", "市城市管理局",
                                   "市教育局", "北门入口", "停车场",       "南京市",
                                   "支行",     "医院",     "中学"};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
        cr_assert_not_null(strstr(csv, expect[i]), "no \"%s\" anywhere", expect[i]);
    cr_assert_eq(
        strncmp(csv, "id,name,unit_id,unit_name,url,lat,lon,address,tags,resolution,fps\n", 66), 0);
    free(csv);
}
