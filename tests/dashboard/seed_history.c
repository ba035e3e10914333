/* dashboard_seed: writes a known past into a new index, so that the
 * dashboard's charts can be checked at known points (test_dashboard.js).
 * The store stamps new cameras and commits with its clock, and the past
 * cannot be probed: this program answers the store's clock_gettime(
 * CLOCK_REALTIME) itself with the time the plan sets.
 *
 *   dashboard_seed INDEX_DIR PLAN_FILE
 *
 * The plan is one command a line, fields separated by tabs:
 *   clock MS                            commit what came before; the clock is now MS
 *   camera ID UNIT_ID UNIT_NAME NAME URL
 *   health ID STATE REASON              (REASON may be empty)
 * Days are those of UTC+8. Exit 0, or 1 with the line at fault on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

static int64_t plan_clock_ms;

/* The store's clock (see above); other clocks are the kernel's. */
int clock_gettime(clockid_t id, struct timespec *ts)
{
    if (id != CLOCK_REALTIME || plan_clock_ms == 0)
        return (int)syscall(SYS_clock_gettime, id, ts);
    ts->tv_sec = plan_clock_ms / 1000;
    ts->tv_nsec = (plan_clock_ms % 1000) * 1000000;
    return 0;
}

#define MAX_FIELDS 6

static int split(char *line, char **f)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = 0;
    for (char *p = line; n < MAX_FIELDS; n++) {
        f[n] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            return n + 1;
        *tab = 0;
        p = tab + 1;
    }
    return -1;
}

static int commit(struct store *s, struct store_batch *b)
{
    if (!store_batch_size(b))
        return 0;
    struct store_commit_stats st;
    int rc = store_batch_commit(s, b, &st, NULL, NULL);
    store_batch_clear(b);
    return rc;
}

static int command(struct store *s, struct store_batch *b, char **f, int n)
{
    if (n == 2 && strcmp(f[0], "clock") == 0) {
        int rc = commit(s, b);
        plan_clock_ms = strtoll(f[1], NULL, 10);
        return rc ? rc : plan_clock_ms > 0 ? 0 : -EINVAL;
    }
    if (n == 6 && strcmp(f[0], "camera") == 0) {
        struct store_camera c = {
            .id = f[1], .unit_id = f[2], .name = f[4], .url = f[5], .address = "", .tags = ""};
        return store_batch_camera_put(b, &c, f[3]);
    }
    if ((n == 3 || n == 4) && strcmp(f[0], "health") == 0) {
        int st = store_state_parse(f[2]);
        if (st < 0)
            return st;
        struct store_health h = {.state = (uint8_t)st,
                                 .reason = n == 4 ? f[3] : "",
                                 .detail = "",
                                 .last_probe = plan_clock_ms};
        if (st == STORE_ONLINE || st == STORE_DEGRADED)
            h.last_success = plan_clock_ms;
        return store_batch_health_put(b, f[1], &h, plan_clock_ms);
    }
    return -EINVAL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: dashboard_seed INDEX_DIR PLAN_FILE\n");
        return 2;
    }
    FILE *plan = fopen(argv[2], "r");
    if (!plan) {
        fprintf(stderr, "dashboard_seed: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    o.day_offset_s = 8 * 3600;
    /* The plan says when states change, not every probe between. */
    o.max_credit_gap_ms = 400LL * 86400000;
    struct store *s = NULL;
    struct store_batch *b = NULL;
    int rc = store_open(argv[1], &o, &s);
    if (!rc)
        rc = store_batch_new(&b);
    char line[4096];
    int lineno = 0;
    while (!rc && fgets(line, sizeof(line), plan)) {
        lineno++;
        char *f[MAX_FIELDS] = {0};
        int n = split(line, f);
        if (n <= 0 || !f[0][0])
            continue;
        rc = command(s, b, f, n);
    }
    if (!rc)
        rc = commit(s, b);
    if (rc)
        fprintf(stderr, "dashboard_seed: %s:%d: %s\n", argv[2], lineno, store_strerror(rc));
    fclose(plan);
    store_batch_free(&b);
    store_close(&s);
    return rc ? 1 : 0;
}
