/* Tests for indexer/cli/cmd_probe.c that need the program running: what
 * other local users can see of `camdex probe` while it probes. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procs.h"

/* The command line as /proc shows it to everybody, NULs as spaces. */
static size_t read_cmdline(pid_t pid, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0, "cannot open %s", path);
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    cr_assert_gt(n, 0);
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[n] = '\0';
    return (size_t)n;
}

Test(cmd_probe, credentials_leave_the_command_line_while_probing)
{
    /* A camera that accepts and never answers: the probe is under way
     * once the connection arrives. */
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(lfd, 4), 0);
    socklen_t sl = sizeof(sa);
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    char url[128];
    snprintf(url, sizeof(url), "rtsp://admin:S3cret-pw@127.0.0.1:%d/live?channel=1&pw=T0ken",
             ntohs(sa.sin_port));
    char *argv[] = {CAMDEX_BIN, "probe", url, "--timeout", "10s", NULL};
    struct proc probe;
    proc_start(&probe, 2, argv);
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    int ready = poll(&p, 1, 20000);
    char cmd[4096] = "";
    if (ready == 1) {
        int c = accept(lfd, NULL, NULL);
        read_cmdline(probe.pid, cmd, sizeof(cmd));
        close(c);
    }
    proc_stop(&probe, SIGKILL, 10000);
    close(lfd);
    cr_assert_eq(ready, 1, "camdex probe never connected");
    cr_expect(strstr(cmd, "probe rtsp://"), "%s", cmd);
    cr_expect_null(strstr(cmd, "S3cret"), "the password is on the command line: %s", cmd);
    cr_expect_null(strstr(cmd, "admin"), "the user is on the command line: %s", cmd);
    cr_expect_null(strstr(cmd, "T0ken"), "the query is on the command line: %s", cmd);
}
