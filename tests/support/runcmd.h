/* Runs a program with arguments and captures its exit code, stdout and
 * stderr, for tests that drive the camdex binary as a person would. */
#ifndef CAMDEX_RUNCMD_H
#define CAMDEX_RUNCMD_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct run {
    int rc; /* exit code, or 128 + signal */
    char *out, *err;
};

static inline void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
}

static inline void runcmd_append(char **buf, size_t *len, const char *src, size_t n)
{
    *buf = realloc(*buf, *len + n + 1);
    cr_assert_not_null(*buf);
    memcpy(*buf + *len, src, n);
    *len += n;
    (*buf)[*len] = 0;
}

/* argv ends with NULL; the child's standard output is captured, or goes
 * to `out` when that is not -1 (a terminal, say; r.out stays empty). */
static inline struct run runv_out(char *const argv[], int out)
{
    int po[2] = {-1, -1}, pe[2];
    if (out < 0)
        cr_assert_eq(pipe(po), 0);
    cr_assert_eq(pipe(pe), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(out < 0 ? po[1] : out, 1);
        dup2(pe[1], 2);
        if (out < 0)
            close(po[0]);
        close(pe[0]);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        execv(argv[0], argv);
        _exit(127);
    }
    if (out < 0)
        close(po[1]);
    close(pe[1]);
    struct run r = {0};
    size_t olen = 0, elen = 0;
    runcmd_append(&r.out, &olen, "", 0);
    runcmd_append(&r.err, &elen, "", 0);
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = out < 0 ? 2 : 1;
    while (open_fds > 0) {
        /* A command may be silent until it ends (a sweep of 25,000 cameras
         * prints only its summary), and a loaded machine stretches that: the
         * limit only has to end a hang before ctest's 300 s do, with a
         * message that names the command. */
        cr_assert_gt(poll(fds, 2, 280000), 0, "%s produced nothing for 280 s", argv[0]);
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            char buf[65536];
            ssize_t n = read(fds[i].fd, buf, sizeof(buf));
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else if (i == 0) {
                runcmd_append(&r.out, &olen, buf, (size_t)n);
            } else {
                runcmd_append(&r.err, &elen, buf, (size_t)n);
            }
        }
    }
    int status;
    waitpid(pid, &status, 0);
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

/* argv ends with NULL. */
static inline struct run runv(char *const argv[])
{
    return runv_out(argv, -1);
}

/* Runs argv, which must exit 0 (the test fails with its stderr otherwise). */
static inline void run_ok(char *const argv[])
{
    struct run r = runv(argv);
    cr_assert_eq(r.rc, 0, "%s: %s", argv[0], r.err);
    run_free(&r);
}

/* Runs argv, which must exit 0, and writes its standard output to `path`
 * (a generated fleet file, say). */
static inline void run_to_file(char *const argv[], const char *path)
{
    struct run r = runv(argv);
    cr_assert_eq(r.rc, 0, "%s: %s", argv[0], r.err);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(r.out, f);
    fclose(f);
    run_free(&r);
}

#ifdef CAMDEX_BIN
/* The program as a person runs it on one index: CAMDEX_BIN --db DB ARGS
 * (`args` ends with NULL). */
static inline struct run run_camdex(const char *db, const char *const args[])
{
    char *argv[48] = {CAMDEX_BIN, "--db", (char *)db};
    int n = 3;
    for (int i = 0; args[i] && n < 47; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    return runv(argv);
}

/* CAMDEX("list", "--state", "offline"): run_camdex on the test's index,
 * the `db` in scope. */
#define CAMDEX(...) run_camdex(db, (const char *const[]){__VA_ARGS__, NULL})
#endif

#endif
