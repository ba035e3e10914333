/* probes/osd_text.c: the time and the name read off a camera's OSD, with
 * the noise OCR adds. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "osd_text.h"

static struct osd_time parsed(const char *s)
{
    struct osd_time t;
    cr_assert_eq(osd_parse_time(s, strlen(s), &t), 0, "no time found in \"%s\"", s);
    return t;
}

static void expect_time(const char *s, int y, int mo, int d, int h, int mi, int sec)
{
    struct osd_time t = parsed(s);
    cr_expect(t.year == y && t.month == mo && t.day == d && t.hour == h && t.minute == mi &&
                  t.second == sec,
              "\"%s\" read as %04d-%02d-%02d %02d:%02d:%02d", s, t.year, t.month, t.day, t.hour,
              t.minute, t.second);
}

Test(osd_time, the_forms_cameras_show)
{
    expect_time("2026-12-07 13:22:45", 2026, 12, 7, 13, 22, 45);
    expect_time("2026/12/07 13:22:45", 2026, 12, 7, 13, 22, 45);
    expect_time("2026.12.07 13:22:45", 2026, 12, 7, 13, 22, 45);
    expect_time("2026年12月07日 星期一 13:22:45", 2026, 12, 7, 13, 22, 45);
    expect_time("2026-12-07 Mon 08:02:05", 2026, 12, 7, 8, 2, 5);
    expect_time("12-07-2026 13:22:45", 2026, 12, 7, 13, 22, 45);
    expect_time("南门 2026-01-31 23:59:59 CH01", 2026, 1, 31, 23, 59, 59);
}

Test(osd_time, ocr_noise_is_tolerated)
{
    expect_time("2O26-l2-O7 13:22:45", 2026, 12, 7, 13, 22, 45); /* letters for digits */
    expect_time("２０２６－１２－０７　１３：２２：４５", 2026, 12, 7, 13, 22, 45); /* full width */
    expect_time("2026 - 12 - 07   13:22:45", 2026, 12, 7, 13, 22, 45); /* spaced separators */
    expect_time("2026年 12月 07日星期一 13:22:45", 2026, 12, 7, 13, 22, 45);
}

Test(osd_time, what_is_not_a_time_is_refused)
{
    struct osd_time t;
    const char *bad[] = {
        "",
        "北门主入口 01",
        "2026-13-07 13:22:45", /* month 13 */
        "2026-02-30 13:22:45", /* no such day */
        "2026-12-07 24:00:00", /* hour 24 */
        "2026-12-07",          /* no time */
        "13:22:45",            /* no date */
        "2026-12-07 13:2:45",  /* minutes need two digits */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(osd_parse_time(bad[i], strlen(bad[i]), &t), -ENOENT, "\"%s\"", bad[i]);
    cr_expect_eq(osd_parse_time("2025-02-29 00:00:00", 19, &t), -ENOENT, "2025 is not a leap year");
    cr_expect_eq(osd_parse_time("2024-02-29 00:00:00", 19, &t), 0, "2024 is");
    /* Invalid UTF-8 around a time does not hide it. */
    const char mixed[] = "\xff\xfe 2026-12-07 13:22:45 \xc3";
    cr_expect_eq(osd_parse_time(mixed, sizeof(mixed) - 1, &t), 0);
}

Test(osd_time, seconds_between_times)
{
    struct osd_time a = parsed("2026-12-31 23:59:30"), b = parsed("2027-01-01 00:00:10");
    cr_expect_eq(osd_time_seconds(&b) - osd_time_seconds(&a), 40);
    struct osd_time c = parsed("2024-02-28 12:00:00"), d = parsed("2024-03-01 12:00:00");
    cr_expect_eq(osd_time_seconds(&d) - osd_time_seconds(&c), 2 * 86400);
}

Test(osd_name, the_name_is_found_in_what_ocr_read)
{
    const char *ocr = "2026-12-07 13:22:45 星期一\n北门主入口 01\n";
    cr_expect_float_eq(osd_name_similarity("北门主入口 01", ocr, strlen(ocr)), 1.0, 1e-9);
    /* One character misread in six: still the camera's name. */
    const char *noisy = "北门王入口01";
    double s = osd_name_similarity("北门主入口 01", noisy, strlen(noisy));
    cr_expect(s > 0.8 && s < 1.0, "%f", s);
    /* Case, spaces and punctuation do not count. */
    const char *latin = "GATE-3  (North)";
    cr_expect_float_eq(osd_name_similarity("gate 3 north", latin, strlen(latin)), 1.0, 1e-9);
}

Test(osd_name, another_name_scores_low)
{
    const char *ocr = "西区停车场 03";
    double s = osd_name_similarity("北门主入口 01", ocr, strlen(ocr));
    cr_expect_lt(s, 0.5, "%f", s);
    cr_expect_float_eq(osd_name_similarity("", ocr, strlen(ocr)), 0.0, 1e-9);
    cr_expect_float_eq(osd_name_similarity("北门", "", 0), 0.0, 1e-9);
}

static void judge(const char *text, int c0, int c1, const char *name, struct osd_verdict *v)
{
    static const struct osd_limits l = {.time_tolerance_s = 10,
                                        .name_right = 0.75,
                                        .name_wrong = 0.4,
                                        .min_time_conf = 60,
                                        .min_label_conf = 75};
    static const struct osd_time now = {2026, 12, 7, 13, 22, 50};
    int conf[2] = {c0, c1};
    osd_judge(text, strlen(text), conf, strchr(text, '\n') ? 2 : 1, name, &now, &l, v);
}

Test(osd_judge, right_and_wrong_when_ocr_was_sure)
{
    struct osd_verdict v;
    judge("2026-12-07 13:22:45 星期一\n北门主入口 01", 90, 90, "北门主入口 01", &v);
    cr_expect_eq(v.time, OSD_RIGHT);
    cr_expect_eq(v.offset_s, -5);
    cr_expect_eq(v.label, OSD_RIGHT);

    judge("2026-12-07 13:32:45\n西区停车场 03", 90, 90, "北门主入口 01", &v);
    cr_expect_eq(v.time, OSD_WRONG);
    cr_expect_eq(v.offset_s, 595);
    cr_expect_eq(v.label, OSD_WRONG, "similarity %f", v.similarity);

    /* A clock reset to the firmware's default is wrong. */
    judge("2000-01-01 00:12:09\n北门主入口 01", 90, 90, "北门主入口 01", &v);
    cr_expect_eq(v.time, OSD_WRONG);
}

Test(osd_judge, unsure_readings_are_unknown_never_wrong)
{
    struct osd_verdict v;
    /* No time read: the text may not be the OSD at all. */
    judge("西区停车场 03", 95, 0, "北门主入口 01", &v);
    cr_expect_eq(v.time, OSD_UNKNOWN);
    cr_expect_eq(v.label, OSD_UNKNOWN);
    /* A time OCR was unsure of. */
    judge("2026-12-07 11:22:45\n北门主入口 01", 40, 90, "北门主入口 01", &v);
    cr_expect_eq(v.time, OSD_UNKNOWN);
    cr_expect_eq(v.label, OSD_RIGHT, "the name is still found");
    /* A garbled name line is not another name. */
    judge("2026-12-07 13:22:45\nFR KSB", 90, 30, "北门主入口 01", &v);
    cr_expect_eq(v.label, OSD_UNKNOWN);
    /* A year after next is a misread digit (2026 read as 2076). */
    judge("2076-12-07 13:22:45\n北门主入口 01", 90, 90, "北门主入口 01", &v);
    cr_expect_eq(v.time, OSD_UNKNOWN);
    /* Half the name: neither right nor surely wrong. */
    judge("2026-12-07 13:22:45\n北门主", 90, 90, "北门主入口 01", &v);
    cr_expect_eq(v.label, OSD_UNKNOWN, "similarity %f", v.similarity);
    judge("", 0, 0, "北门主入口 01", &v);
    cr_expect_eq(v.time, OSD_UNKNOWN);
}
