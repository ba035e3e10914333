/* Tests of the index across processes: a reader in another process never
 * blocks the writer and always sees a consistent snapshot, and a writer
 * killed with SIGKILL at random points never loses a committed batch or
 * leaves the index inconsistent. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "records.h"
#include "store.h"
#include "testutil.h"

#define CAMERAS 2000
#define UNITS   20

static char *dir;

static void setup(void)
{
    dir = testutil_mkdtemp();
}

static void teardown(void)
{
    testutil_rmdir(dir);
}

TestSuite(processes, .init = setup, .fini = teardown, .timeout = 240);

static struct store *open_rw(bool no_sync)
{
    struct store_options o;
    struct store *s;
    store_options_default(&o);
    o.no_sync = no_sync;
    o.map_size = 1024 * 1024; /* small on purpose: growth happens during the test */
    int rc = store_open(dir, &o, &s);
    if (rc)
        fprintf(stderr, "open: %s (%s)\n", store_strerror(rc), store_last_error(s));
    return rc ? NULL : s;
}

static int fill_fleet(struct store *s)
{
    struct store_batch *b;
    if (store_batch_new(&b))
        return -ENOMEM;
    for (int i = 0; i < CAMERAS; i++) {
        char id[32], unit[32];
        snprintf(id, sizeof(id), "cam%05d", i);
        snprintf(unit, sizeof(unit), "unit%02d", i % UNITS);
        struct store_camera c = {.id = id, .name = "camera", .unit_id = unit,
                                 .url = "rtsp://127.1.0.1:8554/x"};
        store_batch_camera_put(b, &c, "unit");
    }
    int rc = store_batch_commit(s, b, NULL, NULL, NULL);
    store_batch_free(&b);
    return rc;
}

/* Batch n: 200 health changes chosen from n, plus markers "batch" = n and
 * "b<n>" so a reader can prove every committed batch is present. */
static int write_batch(struct store *s, struct store_batch *b, uint32_t n)
{
    static const char *reasons[] = {"connect_refused", "rtsp_timeout", "auth_failed", ""};
    store_batch_clear(b);
    uint32_t seed = n * 2654435761u;
    for (int i = 0; i < 200; i++) {
        seed = seed * 1103515245u + 12345u;
        char id[32];
        snprintf(id, sizeof(id), "cam%05u", (seed >> 8) % CAMERAS);
        struct store_health h;
        rec_health_unknown(&h);
        h.state = 1 + (seed >> 4) % 3;
        h.reason = h.state == STORE_ONLINE ? "" : reasons[(seed >> 12) % 3];
        store_batch_health_put(b, id, &h, 1764000000000 + (int64_t)n * 1000 + i);
    }
    uint8_t v[4];
    be32_put(v, n);
    char key[32];
    snprintf(key, sizeof(key), "b%u", n);
    store_batch_meta_put(b, key, v, 4);
    store_batch_meta_put(b, "batch", v, 4);
    return store_batch_commit(s, b, NULL, NULL, NULL);
}

static int sum_cb(const struct store_unit *u, void *ctx)
{
    uint32_t *t = ctx;
    uint32_t states = 0;
    for (int i = 0; i < STORE_STATE_COUNT; i++)
        states += u->count[i];
    if (states != u->cameras)
        return -EBADMSG; /* counters disagree inside one snapshot */
    t[0] += u->cameras;
    return 0;
}

Test(processes, reader_in_another_process_never_blocks_the_writer)
{
    struct store *s = open_rw(true);
    cr_assert_not_null(s);
    cr_assert_eq(fill_fleet(s), 0);
    int to_child[2], to_parent[2];
    cr_assert_eq(pipe(to_child), 0);
    cr_assert_eq(pipe(to_parent), 0);

    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* Reader: hold one snapshot open while the writer commits, then
         * read fresh snapshots and check each is consistent. */
        struct store_options o;
        struct store *ro;
        struct store_read *r;
        store_options_default(&o);
        o.read_only = true;
        if (store_open(dir, &o, &ro) || store_read_begin(ro, &r))
            _exit(10);
        const void *val;
        size_t len;
        uint32_t before = store_meta_get(r, "batch", &val, &len) == 0 ? be32_get(val) : 0;
        char c = 'r';
        if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
            _exit(11);
        uint32_t still = store_meta_get(r, "batch", &val, &len) == 0 ? be32_get(val) : 0;
        if (still != before)
            _exit(12); /* the held snapshot changed under us */
        store_read_end(&r);
        for (int i = 0; i < 200; i++) {
            uint32_t total = 0;
            if (store_read_begin(ro, &r))
                _exit(13);
            if (store_units_scan(r, sum_cb, &total) || total != CAMERAS)
                _exit(14);
            store_read_end(&r);
        }
        store_close(&ro);
        _exit(0);
    }
    char c;
    cr_assert_eq(read(to_parent[0], &c, 1), 1);
    /* The child holds a read transaction now: every commit must still go through. */
    struct store_batch *b;
    store_batch_new(&b);
    for (uint32_t n = 1; n <= 50; n++)
        cr_assert_eq(write_batch(s, b, n), 0, "commit %u blocked or failed", n);
    cr_assert_eq(write(to_child[1], &c, 1), 1);
    for (uint32_t n = 51; n <= 150; n++)
        cr_assert_eq(write_batch(s, b, n), 0);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "reader failed with %d", WEXITSTATUS(status));
    store_batch_free(&b);
    store_close(&s);
}

static void crash_child(int report_fd)
{
    struct store *s = open_rw(false);
    struct store_batch *b;
    if (!s || store_batch_new(&b))
        _exit(20);
    struct store_read *r;
    const void *val;
    size_t len;
    uint32_t n = 0;
    if (store_read_begin(s, &r) == 0) {
        if (store_meta_get(r, "batch", &val, &len) == 0)
            n = be32_get(val);
        store_read_end(&r);
    }
    for (;;) {
        n++;
        if (write_batch(s, b, n))
            _exit(21);
        /* Reported only after the commit returned: the parent may count it. */
        if (write(report_fd, &n, sizeof(n)) != sizeof(n))
            _exit(22);
    }
}

static void fsck_cb(const char *problem, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "fsck: %s\n", problem);
}

Test(processes, writer_killed_at_random_points_loses_no_committed_batch)
{
    struct store *s = open_rw(false);
    cr_assert_not_null(s);
    cr_assert_eq(fill_fleet(s), 0);
    store_close(&s);

    uint32_t seed = (uint32_t)getpid();
    uint32_t committed = 0;
    const int kills = 40;
    for (int k = 0; k < kills; k++) {
        int fds[2];
        cr_assert_eq(pipe(fds), 0);
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            crash_child(fds[1]);
        }
        close(fds[1]);
        /* Let it commit a random number of batches, then kill it a random
         * number of microseconds later: mid-transaction as often as not. */
        seed = seed * 1103515245u + 12345u;
        uint32_t wait_for = 1 + (seed >> 16) % 6, got = 0, n;
        while (got < wait_for && read(fds[0], &n, sizeof(n)) == sizeof(n)) {
            committed = n;
            got++;
        }
        usleep((seed >> 8) % 3000);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        cr_assert(WIFSIGNALED(status), "writer exited on its own (%d)", WEXITSTATUS(status));
        while (read(fds[0], &n, sizeof(n)) == sizeof(n))
            committed = n;
        close(fds[0]);

        s = open_rw(false);
        cr_assert_not_null(s, "index does not open after kill %d", k);
        struct store_fsck_report rep;
        cr_assert_eq(store_fsck(s, false, &rep, fsck_cb, NULL), 0);
        cr_assert_eq(rep.problems, 0, "fsck found %u problems after kill %d", rep.problems, k);
        cr_assert_eq(rep.cameras, CAMERAS);
        struct store_read *r;
        const void *val;
        size_t len;
        cr_assert_eq(store_read_begin(s, &r), 0);
        cr_assert_eq(store_meta_get(r, "batch", &val, &len), 0);
        uint32_t last = be32_get(val);
        cr_assert_geq(last, committed, "batch %u was reported committed, index has %u",
                      committed, last);
        for (uint32_t i = 1; i <= last; i++) {
            char key[32];
            snprintf(key, sizeof(key), "b%u", i);
            cr_assert_eq(store_meta_get(r, key, &val, &len), 0, "batch %u missing", i);
        }
        committed = last;
        store_read_end(&r);
        store_close(&s);
    }
    cr_assert_gt(committed, (uint32_t)kills, "the writer hardly ran: %u batches", committed);
}
