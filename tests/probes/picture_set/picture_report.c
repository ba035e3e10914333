/* The labelled picture set through the real deep path: each clip of
 * labels.txt is probed over HTTP-FLV (deep_probe_run), judged
 * (deep_verdict_judge with the default [quality] limits), and counted per
 * kind: right, missed, and false alarms (clips of another kind given this
 * kind's reason). Prints one line per clip (with --measures, every measure
 * too), the table and the CPU a probe and a judgement took; exits 1 when a
 * kind of --require (a comma-separated list; all kinds by default) is below
 * --target percent right, or is a healthy kind with any finding.
 * --save DIR keeps each clip's decoded pictures (DIR/CLIP.pic) and --from
 * DIR judges those again without probing: limits and measures can be
 * tried on a set in seconds.
 *
 * usage: picture_report BASE_URL LABELS [--target PCT] [--require K,K] [--measures]
 *                       [--save DIR | --from DIR] */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deep_probe.h"
#include "engine/deep_verdict.h"
#include "picture_diag.h"

#define KINDS_MAX 32

struct kind {
    char name[32];
    int clips, right, missed, false_alarms;
};

static struct kind kinds[KINDS_MAX];
static int nkinds;
static double probe_cpu_ms, judge_cpu_ms; /* summed over the clips */
static int nprobes;

static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct kind *kind_of(const char *name)
{
    for (int i = 0; i < nkinds; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    if (nkinds == KINDS_MAX)
        return NULL;
    snprintf(kinds[nkinds].name, sizeof(kinds[nkinds].name), "%s", name);
    return &kinds[nkinds++];
}

static bool healthy(const char *kind)
{
    return !strcmp(kind, "healthy") || !strcmp(kind, "dim") || !strcmp(kind, "rain") ||
           !strcmp(kind, "static");
}

/* The reason a kind expects: signal_lost_blue is signal_lost. */
static const char *expected(const char *kind)
{
    if (healthy(kind))
        return "none";
    if (!strncmp(kind, "signal_lost", 11))
        return "signal_lost";
    return kind;
}

static void print_measures(const struct deep_result *r)
{
    struct picq_limits l;
    picq_limits_default(&l);
    struct picq_input in;
    deep_verdict_input(r, &in);
    struct picq_measures m;
    if (picq_measure(&in, &l, &m) < 0)
        return;
    printf("    n=%d dark=%.1f clip=%.1f floor=%.1f flat=%.1f still=%.1f busy=%d/%d chroma=%.1f "
           "cast=%.1f tint=%.1f hl=%.1f white=%.1f opp=%d sharp=%.1f grad=%.2f noise=%.2f "
           "stripes=%.2f frozen=%.2f/%.2f repeats=%d coded=%.2f "
           "jump=%.2f\n",
           r->npics, m.dark_pct, m.clip_pct, m.floor_pct, m.flat_pct, m.still_pct, m.busy_centre,
           m.busy_edge, m.chroma, m.cast_k, m.tint, m.highlight, m.white, m.opposite, m.sharpness,
           m.grad_mean, m.noise, m.stripes, m.frozen_diff, m.frozen_diff_small, m.repeats, m.coded_diff,
           m.jump_pct);
}

static const char *save_dir, *from_dir;

/* A clip's result as the probe left it, pointers dropped (the pictures the
 * diagnosis reads are inside the struct). */
static int keep_result(const char *file, struct deep_result *r, bool load)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s.pic", load ? from_dir : save_dir, file);
    FILE *fp = fopen(path, load ? "rb" : "wb");
    if (!fp) {
        perror(path);
        return -1;
    }
    struct deep_result copy = *r;
    copy.jpeg = copy.full = NULL;
    size_t n = load ? fread(r, sizeof(*r), 1, fp) : fwrite(&copy, sizeof(copy), 1, fp);
    if (load) {
        r->jpeg = r->full = NULL;
        r->jpeg_len = 0;
    }
    if (fclose(fp) != 0 || n != 1) {
        fprintf(stderr, "%s: not a whole result\n", path);
        return -1;
    }
    return 0;
}

/* The clip's pictures: probed over HTTP, or read back with --from. */
static int get_result(const char *base, const char *file, struct deep_result *r)
{
    deep_result_init(r);
    if (from_dir)
        return keep_result(file, r, true);
    char url[512];
    snprintf(url, sizeof(url), "%s/%s", base, file);
    struct deep_opts o;
    deep_opts_default(&o);
    o.deadline_ms = 10000;
    if (deep_probe_run(url, NULL, &o, NULL, r) != 0) {
        fprintf(stderr, "%s: the deep probe refused it\n", url);
        return -1;
    }
    return save_dir ? keep_result(file, r, false) : 0;
}

static int judge_clip(const char *base, const char *file, const char *kind, bool measures,
                      struct deep_result *r)
{
    if (get_result(base, file, r) < 0)
        return -1;
    struct deep_verdict_expect e = {0};
    struct probe_result out;
    struct probe_findings f;
    double t0 = thread_cpu_ms();
    deep_verdict_judge(r, &e, &out, &f);
    judge_cpu_ms += thread_cpu_ms() - t0;
    probe_cpu_ms += r->cpu_us / 1000.0;
    nprobes++;
    const char *got = out.reason == PROBE_R_NONE ? "none" : probe_reason_name(out.reason);
    const char *want = expected(kind);
    struct kind *k = kind_of(kind);
    if (!k)
        return -1;
    k->clips++;
    bool right = strcmp(got, want) == 0 && (!healthy(kind) || f.n == 0);
    if (right)
        k->right++;
    else
        k->missed++;
    if (!right && strcmp(got, "none") != 0) {
        struct kind *fa = kind_of(got);
        if (fa)
            fa->false_alarms++;
    }
    printf("%-4s %-36s %-18s %-12s %s\n", right ? "ok" : "BAD", file, kind, got, out.detail);
    if (measures)
        print_measures(r);
    deep_result_clear(r);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: picture_report BASE_URL LABELS [--target PCT] [--require K,K] "
                        "[--measures] [--save DIR | --from DIR]\n");
        return 2;
    }
    double target = 0;
    bool measures = false;
    const char *require = NULL;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--target") && i + 1 < argc)
            target = atof(argv[++i]);
        else if (!strcmp(argv[i], "--require") && i + 1 < argc)
            require = argv[++i];
        else if (!strcmp(argv[i], "--measures"))
            measures = true;
        else if (!strcmp(argv[i], "--save") && i + 1 < argc)
            save_dir = argv[++i];
        else if (!strcmp(argv[i], "--from") && i + 1 < argc)
            from_dir = argv[++i];
    }
    FILE *lab = fopen(argv[2], "r");
    if (!lab) {
        perror(argv[2]);
        return 2;
    }
    struct deep_result *r = malloc(sizeof(*r));
    char file[256], kind[64];
    while (r && fscanf(lab, "%255s %63s", file, kind) == 2)
        if (judge_clip(argv[1], file, kind, measures, r) < 0)
            return 1;
    fclose(lab);
    free(r);

    /* signal_lost's kinds share one reason: its false alarms are counted
     * on the first of them. */
    int bad = 0;
    printf("\n| kind | clips | right | missed | false alarms |\n|---|---|---|---|---|\n");
    for (int i = 0; i < nkinds; i++) {
        struct kind *k = &kinds[i];
        if (!k->clips) {
            struct kind *sl = !strcmp(k->name, "signal_lost") ? kind_of("signal_lost_blue") : NULL;
            if (sl)
                sl->false_alarms += k->false_alarms;
            else if (k->false_alarms)
                printf("| %s (not a kind here) | 0 | - | - | %d |\n", k->name, k->false_alarms);
            continue;
        }
    }
    for (int i = 0; i < nkinds; i++) {
        struct kind *k = &kinds[i];
        if (!k->clips)
            continue;
        double pct = 100.0 * k->right / k->clips;
        printf("| %s | %d | %d (%.0f %%) | %d | %d |\n", k->name, k->clips, k->right, pct,
               k->missed, k->false_alarms);
        /* Whole names in the list: "black" is not "signal_lost_black". */
        char padded[40], list[1024];
        snprintf(padded, sizeof(padded), ",%s,", k->name);
        snprintf(list, sizeof(list), ",%s,", require ? require : "");
        bool required = !require || strstr(list, padded);
        if (required && (pct < target || (healthy(k->name) && k->missed)))
            bad++;
    }
    if (nprobes)
        printf("\nCPU per clip: deep probe %.1f ms, judgement %.2f ms (means of %d)\n",
               probe_cpu_ms / nprobes, judge_cpu_ms / nprobes, nprobes);
    return bad ? 1 : 0;
}
