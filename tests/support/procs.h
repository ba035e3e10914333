/* Child processes for end-to-end tests: camfarm and `camdex serve`, started
 * with their output on pipes, and lines awaited with a deadline (no sleeps:
 * a test waits for the line that proves what it expects). */
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
    int out_fd; /* the stream we read lines from */
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

/* argv ends with NULL; `which` is 1 to read stdout, 2 to read stderr (the
 * other goes to /dev/null). */
static inline void proc_start(struct proc *p, int which, char *const argv[])
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    memset(p, 0, sizeof(*p));
    p->pid = fork();
    cr_assert_geq(p->pid, 0);
    if (p->pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(which == 1 ? fds[1] : null, 1);
        dup2(which == 2 ? fds[1] : null, 2);
        close(fds[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    p->out_fd = fds[0];
    fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
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
        uint64_t now = procs_now_ms();
        if (now >= deadline)
            return false;
        struct pollfd pfd = {p->out_fd, POLLIN, 0};
        if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
            continue;
        ssize_t n = read(p->out_fd, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
        if (n <= 0) {
            if (n < 0 && errno == EAGAIN)
                continue;
            return false; /* the process closed its output */
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
        /* Drain output so the child never blocks on a full pipe. */
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
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
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
