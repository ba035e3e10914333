/* Helpers shared by the Criterion tests: scratch directories and a few
 * fixtures. Header-only so each test executable stays self-contained. */
#ifndef CAMDEX_TESTUTIL_H
#define CAMDEX_TESTUTIL_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline int testutil_rm_entry(const char *path, const struct stat *sb, int flag,
                                    struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A fresh directory under $TMPDIR; removed by testutil_rmdir. */
static inline char *testutil_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char *path = malloc(4096);
    cr_assert_not_null(path);
    snprintf(path, 4096, "%s/camdex-test-XXXXXX", base && *base ? base : "/tmp");
    cr_assert_not_null(mkdtemp(path), "mkdtemp failed");
    return path;
}

static inline void testutil_rmdir(char *path)
{
    if (!path)
        return;
    nftw(path, testutil_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(path);
}

static inline int64_t testutil_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
