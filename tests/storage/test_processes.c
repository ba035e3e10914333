/* Tests of the index across processes: a reader in another process never
 * blocks the writer and always sees a consistent snapshot, and a writer
 * killed with SIGKILL at random points never loses a committed batch or
 * leaves the index inconsistent. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
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

/* ---- a map grown by another process, adopted while threads read and write ---- */

#define GROW_BATCHES 40
#define GROW_CAMERAS 250 /* per batch, each with 1.5 KiB of tags: ~16 MiB in all */

/* Another process (an import) grows the map from 1 MiB by adding cameras;
 * it reports its final map size. */
static void grow_child(int ready_fd, int report_fd)
{
    char go;
    struct store *s = open_rw(true);
    struct store_batch *b;
    if (!s || store_batch_new(&b) || read(ready_fd, &go, 1) != 1)
        _exit(30);
    static char tags[1536];
    memset(tags, 't', sizeof(tags) - 1);
    for (int n = 0; n < GROW_BATCHES; n++) {
        store_batch_clear(b);
        for (int i = 0; i < GROW_CAMERAS; i++) {
            char id[32];
            snprintf(id, sizeof(id), "big%03d%04d", n, i);
            struct store_camera c = {.id = id, .name = "camera", .unit_id = "bigunit",
                                     .url = "rtsp://127.1.0.2:8554/x", .tags = tags};
            store_batch_camera_put(b, &c, "big unit");
        }
        if (store_batch_commit(s, b, NULL, NULL, NULL))
            _exit(31);
    }
    struct store_info info;
    if (store_info(s, &info) || write(report_fd, &info.map_size, sizeof(info.map_size)) !=
                                    sizeof(info.map_size))
        _exit(32);
    store_batch_free(&b);
    store_close(&s);
    _exit(0);
}

struct grow_reader {
    struct store *s;
    atomic_bool *stop;
    uint32_t reads, after_stop;
    int err;
    char what[300];
};

/* Reads as an API thread does, until told to stop, then once more: that
 * read is sure to find the map grown. */
static void *grow_reader_main(void *arg)
{
    struct grow_reader *g = arg;
    bool last = false;
    while (!g->err) {
        last = atomic_load(g->stop);
        struct store_read *r;
        uint32_t total = 0;
        int rc = store_read_begin(g->s, &r);
        if (!rc) {
            rc = store_units_scan(r, sum_cb, &total);
            store_read_end(&r);
        }
        if (rc) {
            g->err = rc;
            snprintf(g->what, sizeof(g->what), "%s (%s)", store_strerror(rc),
                     store_last_error(g->s));
        }
        g->reads++;
        if (last)
            break;
    }
    return NULL;
}

struct grow_writer {
    struct store *s;
    atomic_bool *stop;
    uint32_t commits;
    int err;
};

/* Commits health batches as the service's writer thread does. */
static void *grow_writer_main(void *arg)
{
    struct grow_writer *w = arg;
    struct store_batch *b;
    if (store_batch_new(&b)) {
        w->err = -ENOMEM;
        return NULL;
    }
    while (!atomic_load(w->stop) && !w->err) {
        int rc = write_batch(w->s, b, ++w->commits);
        if (rc)
            w->err = rc;
    }
    store_batch_free(&b);
    return NULL;
}

/* LMDB remaps on MDB_MAP_RESIZED, which needs every transaction of the
 * process closed: readers on other threads and the writer must wait. */
Test(processes, map_grown_by_another_process_is_adopted_while_threads_read_and_write)
{
    struct store *s = open_rw(true);
    cr_assert_not_null(s);
    cr_assert_eq(fill_fleet(s), 0);
    int go[2], report[2];
    cr_assert_eq(pipe(go), 0);
    cr_assert_eq(pipe(report), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        grow_child(go[0], report[1]);

    atomic_bool stop;
    atomic_init(&stop, false);
    enum { READERS = 4 };
    struct grow_reader rd[READERS];
    pthread_t th[READERS + 1];
    for (int i = 0; i < READERS; i++) {
        rd[i] = (struct grow_reader){.s = s, .stop = &stop};
        cr_assert_eq(pthread_create(&th[i], NULL, grow_reader_main, &rd[i]), 0);
    }
    struct grow_writer wr = {.s = s, .stop = &stop};
    cr_assert_eq(pthread_create(&th[READERS], NULL, grow_writer_main, &wr), 0);
    /* The threads run from now on: the growth happens while they do. */
    cr_assert_eq(write(go[1], "g", 1), 1);
    uint64_t child_map = 0;
    bool reported = read(report[0], &child_map, sizeof(child_map)) == sizeof(child_map);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    atomic_store(&stop, true);
    for (int i = 0; i <= READERS; i++)
        pthread_join(th[i], NULL);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the growing process failed (%d)",
              WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
    cr_assert(reported);
    for (int i = 0; i < READERS; i++)
        cr_expect_eq(rd[i].err, 0, "reader %d: %s after %u reads", i, rd[i].what, rd[i].reads);
    cr_expect_eq(wr.err, 0, "writer: %s after %u commits", store_strerror(wr.err), wr.commits);

    struct store_info info;
    cr_assert_eq(store_info(s, &info), 0);
    cr_expect_geq(info.map_size, child_map, "the grown map (%llu) was not adopted (%llu)",
                  (unsigned long long)child_map, (unsigned long long)info.map_size);
    cr_assert_gt(child_map, 1024 * 1024, "the map did not grow: the test shows nothing");
    struct store_read *r;
    uint32_t total = 0;
    cr_assert_eq(store_read_begin(s, &r), 0);
    cr_expect_eq(store_units_scan(r, sum_cb, &total), 0);
    store_read_end(&r);
    cr_expect_eq(total, CAMERAS + GROW_BATCHES * GROW_CAMERAS);
    store_close(&s);
}
