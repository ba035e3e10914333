/* Child processes for end-to-end tests: camfarm and `camdex serve`, started
 * with their output in an unlinked file, and lines awaited with a deadline
 * (no sleeps: a test waits for the line that proves what it expects).
 *
 * Why a file and not a pipe: a test reads a child's output only while it
 * waits for a line. A pipe holds 64 KiB; a service that logs more than
 * that while the test does something else blocks in write(2), and the
 * thread that logged (a probe loop, a zone reader) stops with it. A file
 * never fills, so the child never waits on the test. proc_start_pipe()
 * keeps a pipe for the one test that closes it on purpose. */
#ifndef CAMDEX_PROCS_H
#define CAMDEX_PROCS_H

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct proc {
    pid_t pid;
    int out_fd;   /* the stream we read lines from */
    bool is_pipe; /* out_fd is a pipe (proc_start_pipe), not a file */
    char buf[1 << 16];
    size_t len;
    char last[4096]; /* last line read, for messages */
};

static inline uint64_t procs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Forks argv with stdin and the stream not read on /dev/null and the read
 * stream on `out`. */
static inline pid_t proc_fork(int which, int out, char *const argv[])
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(which == 1 ? out : null, 1);
        dup2(which == 2 ? out : null, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* argv ends with NULL; `which` is 1 to read stdout, 2 to read stderr (the
 * other goes to /dev/null). The output goes to a file (see the top). */
static inline void proc_start(struct proc *p, int which, char *const argv[])
{
    memset(p, 0, sizeof(*p));
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/camdex-proc-XXXXXX", dir && *dir ? dir : "/tmp");
    int w = mkostemp(path, O_CLOEXEC | O_APPEND);
    cr_assert_geq(w, 0, "cannot create %s: %s", path, strerror(errno));
    p->out_fd = open(path, O_RDONLY | O_CLOEXEC);
    cr_assert_geq(p->out_fd, 0);
    unlink(path);
    p->pid = proc_fork(which, w, argv);
    close(w);
}

/* As proc_start, with the output on a pipe that the test may close; the
 * test then owns the risk of a full pipe (see the top). */
static inline void proc_start_pipe(struct proc *p, int which, char *const argv[])
{
    int fds[2];
    cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
    memset(p, 0, sizeof(*p));
    p->is_pipe = true;
    p->pid = proc_fork(which, fds[1], argv);
    close(fds[1]);
    p->out_fd = fds[0];
    fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
}

/* True once the child has exited (it is not reaped: proc_stop does that). */
static inline bool proc_exited(const struct proc *p)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    return p->pid <= 0 ||
           (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0);
}

/* Waits until more output may be there: poll on a pipe; on a file, whose
 * end is always "readable", a short pause (the deadline still bounds it). */
static inline void proc_wait_output(const struct proc *p, uint64_t deadline)
{
    uint64_t now = procs_now_ms();
    if (now >= deadline)
        return;
    if (p->is_pipe) {
        struct pollfd pfd = {p->out_fd, POLLIN, 0};
        poll(&pfd, 1, (int)(deadline - now));
        return;
    }
    struct timespec ts = {0, 5 * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits for a line containing every one of the NULL-terminated needles.
 * Returns true when found before `ms` pass. */
static inline bool proc_wait_line(struct proc *p, int ms, ...)
{
    uint64_t deadline = procs_now_ms() + (uint64_t)ms;
    for (;;) {
        char *nl;
        while ((nl = memchr(p->buf, '\n', p->len))) {
            *nl = 0;
            size_t keep = strnlen(p->buf, sizeof(p->last) - 1);
            memcpy(p->last, p->buf, keep);
            p->last[keep] = 0;
            bool all = true;
            va_list ap;
            va_start(ap, ms);
            const char *needle;
            while ((needle = va_arg(ap, const char *)))
                all &= strstr(p->buf, needle) != NULL;
            va_end(ap);
            size_t used = (size_t)(nl - p->buf) + 1;
            memmove(p->buf, nl + 1, p->len - used);
            p->len -= used;
            if (all)
                return true;
        }
        if (procs_now_ms() >= deadline || p->out_fd < 0)
            return false;
        ssize_t n = read(p->out_fd, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        if (n == 0 && p->is_pipe)
            return false; /* the process closed its output */
        if (n == 0 && proc_exited(p)) {
            /* Exited: everything it wrote is in the file by now. */
            n = read(p->out_fd, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
            if (n <= 0)
                return false;
        }
        if (n <= 0) {
            proc_wait_output(p, deadline);
            continue;
        }
        p->len += (size_t)n;
        /* A full buffer of complete lines is read above; one without a
         * newline is a runaway line: drop it rather than stall. */
        if (p->len == sizeof(p->buf) - 1 && !memchr(p->buf, '\n', p->len))
            p->len = 0;
    }
}

/* Sends a signal and waits for the exit; returns the exit code, or
 * 128 + signal, or -1 when it did not exit within `ms`. */
static inline int proc_stop(struct proc *p, int sig, int ms)
{
    if (p->pid <= 0)
        return -1;
    kill(p->pid, sig);
    uint64_t deadline = procs_now_ms() + (uint64_t)ms;
    int status;
    while (procs_now_ms() < deadline) {
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            p->pid = 0;
            close(p->out_fd);
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        /* Drain a pipe so the child never blocks on it (a file: a pause). */
        char sink[4096];
        struct pollfd pfd = {p->out_fd, POLLIN, 0};
        if (poll(&pfd, 1, 20) > 0 && read(p->out_fd, sink, sizeof(sink)) <= 0)
            usleep(1000);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &status, 0);
    p->pid = 0;
    close(p->out_fd);
    return -1;
}

/* For a `camdex serve` started with http.listen=127.0.0.1:0 and its
 * stderr read: waits for its "http listening" line and returns the port
 * it bound. */
static inline int serve_http_port(struct proc *serve)
{
    cr_assert(proc_wait_line(serve, 15000, "msg=\"http listening\"", NULL),
              "serve did not listen: %s", serve->last);
    const char *a = strstr(serve->last, "address=127.0.0.1:");
    cr_assert_not_null(a, "%s", serve->last);
    int port = atoi(a + strlen("address=127.0.0.1:"));
    cr_assert_gt(port, 0, "%s", serve->last);
    return port;
}

/* A loopback TCP port nobody listens on right now. */
static inline int procs_free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    return ntohs(a.sin_port);
}

/* One request on camfarm's control channel; the reply line in `out`. */
static inline void farm_control(int port, const char *cmd, char *out, size_t outlen)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(connect(s, (struct sockaddr *)&a, sizeof(a)), 0, "control connect");
    /* camfarm takes lines up to 1023 bytes: longer is a test bug. */
    size_t len = strlen(cmd);
    cr_assert_lt(len, 1023, "control line too long");
    cr_assert_eq(write(s, cmd, len), (ssize_t)len);
    cr_assert_eq(write(s, "\n", 1), 1);
    size_t got = 0;
    uint64_t deadline = procs_now_ms() + 5000;
    while (got + 1 < outlen && procs_now_ms() < deadline) {
        struct pollfd pfd = {s, POLLIN, 0};
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        ssize_t n = read(s, out + got, outlen - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (memchr(out, '\n', got))
            break;
    }
    out[got] = 0;
    char *nl = strchr(out, '\n');
    if (nl)
        *nl = 0;
    close(s);
}

#endif
