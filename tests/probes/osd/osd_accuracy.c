/* How well the OSD module reads camera OSDs: runs osd_read over the
 * pictures make_osd_set.sh wrote and judges each against its true time and
 * name, and against a wrong time (+5 min) and another camera's name, as the
 * service would. Prints one row per picture size. Exit status 1 when an OSD
 * that is right was judged wrong (a false alarm: the module must say
 * unknown when unsure), or when fewer than `--min-read` percent of the
 * pictures of 720 lines and more had their time read exactly.
 * Usage: osd_accuracy DIR [--min-read PERCENT] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osd_read.h"

#define SIZES 8

struct row {
    int width, height, pictures;
    int time_read;                /* exactly the true time */
    int time_right, time_unknown; /* judged against the true time */
    int late_wrong;               /* +5 min found wrong */
    int name_right, name_unknown; /* the true name */
    int other_wrong;              /* another camera's name found wrong */
    int false_alarms;             /* a right OSD judged wrong */
    double cpu_ms;
};

static struct row *row_for(struct row *rows, int *n, int w, int h)
{
    for (int i = 0; i < *n; i++)
        if (rows[i].width == w && rows[i].height == h)
            return &rows[i];
    if (*n == SIZES)
        return NULL;
    rows[*n] = (struct row){.width = w, .height = h};
    return &rows[(*n)++];
}

static int parse_iso(const char *s, struct osd_time *t)
{
    return sscanf(s, "%d-%d-%d %d:%d:%d", &t->year, &t->month, &t->day, &t->hour, &t->minute,
                  &t->second) == 6
               ? 0
               : -EINVAL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: osd_accuracy DIR [--min-read PERCENT]\n");
        return 2;
    }
    int min_read = argc >= 4 && strcmp(argv[2], "--min-read") == 0 ? atoi(argv[3]) : 0;
    char path[4096];
    snprintf(path, sizeof(path), "%s/labels.tsv", argv[1]);
    FILE *labels = fopen(path, "r");
    if (!labels) {
        fprintf(stderr, "osd_accuracy: %s: cannot open (run make_osd_set.sh DIR first)\n", path);
        return 2;
    }
    const struct osd_limits lim = {.time_tolerance_s = 10,
                                   .name_right = 0.75,
                                   .name_wrong = 0.4,
                                   .min_time_conf = 60,
                                   .min_label_conf = 75};
    struct row rows[SIZES];
    int nrows = 0, failures = 0;
    char line[1024], prev_name[256] = "南门临时卡口";
    static struct osd_reading rd;
    while (fgets(line, sizeof(line), labels)) {
        line[strcspn(line, "\n")] = 0;
        char *file = strtok(line, "\t"), *ws = strtok(NULL, "\t"), *hs = strtok(NULL, "\t");
        char *iso = strtok(NULL, "\t"), *name = strtok(NULL, "\t");
        struct osd_time truth;
        if (!name || parse_iso(iso, &truth)) {
            fprintf(stderr, "osd_accuracy: %s: a line without five fields\n", path);
            return 2;
        }
        int w = atoi(ws), h = atoi(hs);
        snprintf(path, sizeof(path), "%s/%s", argv[1], file);
        FILE *f = fopen(path, "rb");
        uint8_t *luma = malloc((size_t)w * h);
        if (!f || !luma || fread(luma, 1, (size_t)w * h, f) != (size_t)w * h) {
            fprintf(stderr, "osd_accuracy: %s: cannot read %dx%d luma\n", path, w, h);
            return 2;
        }
        fclose(f);
        struct osd_image img = {luma, w, h, w};
        int rc = osd_read(&img, &rd);
        if (rc) {
            fprintf(stderr, "osd_accuracy: osd_read: %s (%s)\n", strerror(-rc),
                    osd_module_error() ? osd_module_error() : "module loaded");
            return 2;
        }
        struct row *r = row_for(rows, &nrows, w, h);
        r->pictures++;
        r->cpu_ms += rd.cpu_us / 1000.0;
        size_t len = strlen(rd.text);
        struct osd_verdict v;
        osd_judge(rd.text, len, rd.line_conf, rd.lines, name, &truth, &lim, &v);
        r->time_read += v.time == OSD_RIGHT && v.offset_s == 0;
        r->time_right += v.time == OSD_RIGHT;
        r->time_unknown += v.time == OSD_UNKNOWN;
        r->name_right += v.label == OSD_RIGHT;
        r->name_unknown += v.label == OSD_UNKNOWN;
        int alarm = v.time == OSD_WRONG || v.label == OSD_WRONG;
        r->false_alarms += alarm;
        if (alarm || getenv("OSD_ACCURACY_VERBOSE"))
            printf("%s %dx%d: time %d (offset %llds) label %d (%.2f) conf %d/%d/%d read \"%s\"\n",
                   file, w, h, v.time, v.offset_s, v.label, v.similarity, rd.line_conf[0],
                   rd.line_conf[1], rd.line_conf[2], rd.text);
        struct osd_time late = truth;
        late.minute += 5;
        if (late.minute >= 60)
            late.minute -= 60, late.hour = (late.hour + 23) % 24; /* 5 min earlier instead */
        osd_judge(rd.text, len, rd.line_conf, rd.lines, prev_name, &late, &lim, &v);
        r->late_wrong += v.time == OSD_WRONG;
        r->other_wrong += v.label == OSD_WRONG;
        snprintf(prev_name, sizeof(prev_name), "%s", name);
        free(luma);
    }
    fclose(labels);
    osd_thread_done();

    printf("| size | pictures | time read exactly | time right / unknown | clock 5 min off "
           "found | name right / unknown | another name found | false alarms | CPU ms a "
           "picture |\n|---|---|---|---|---|---|---|---|---|\n");
    int big = 0, big_read = 0;
    for (int i = 0; i < nrows; i++) {
        struct row *r = &rows[i];
        printf("| %dx%d | %d | %d | %d / %d | %d | %d / %d | %d | %d | %.0f |\n", r->width,
               r->height, r->pictures, r->time_read, r->time_right, r->time_unknown, r->late_wrong,
               r->name_right, r->name_unknown, r->other_wrong, r->false_alarms,
               r->cpu_ms / r->pictures);
        failures += r->false_alarms;
        if (r->height >= 720)
            big += r->pictures, big_read += r->time_read;
    }
    if (failures)
        fprintf(stderr, "osd_accuracy: %d right OSDs judged wrong\n", failures);
    if (big && big_read * 100 < min_read * big) {
        fprintf(stderr,
                "osd_accuracy: time read on %d of %d pictures of 720 lines or more, below "
                "%d %%\n",
                big_read, big, min_read);
        failures++;
    }
    return failures ? 1 : 0;
}
