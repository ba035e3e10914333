/* End-to-end tests of `camdex probe` (indexer/cli/cmd_probe.c) that need
 * no camera: how it ends when the host's name cannot be had. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runcmd.h"

/* A DNS server that receives queries and never answers: a bound UDP
 * socket nobody reads. Returns the socket; `servers` gets "ADDR:PORT". */
static int dead_dns(char *servers, size_t n)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    snprintf(servers, n, "127.0.0.1:%u", ntohs(a.sin_port));
    return fd;
}

static int queries_waiting(int fd)
{
    char buf[512];
    int n = 0;
    while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        n++;
    return n;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

Test(cmd_probe, a_dns_server_that_never_answers_gives_dns_failed_at_the_timeout, .timeout = 60)
{
    char servers[64];
    int fd = dead_dns(servers, sizeof(servers));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *argv[] = {CAMDEX_BIN, "probe", "--timeout", "2s", "--dns-server", servers,
                    "rtsp://user:pw@cam1.example.test/x", NULL};
    struct run r = runv(argv);
    double took = seconds_since(&t0);
    cr_assert_eq(r.rc, 4, "exit %d: %s%s", r.rc, r.out, r.err);
    cr_assert(strstr(r.out, "dns_failed"), "%s", r.out);
    cr_assert(strstr(r.out, "timed out"), "%s", r.out);
    cr_assert_null(strstr(r.out, "pw@"), "%s", r.out);
    cr_assert_geq(queries_waiting(fd), 1, "the server was never asked");
    /* The verdict comes at the 2 s deadline; glibc's getaddrinfo took 10 s.
     * The bound is loose so a busy machine cannot fail it. */
    cr_assert_lt(took, 6.0, "camdex probe took %.1f s", took);
    run_free(&r);
    close(fd);
}

Test(cmd_probe, a_malformed_dns_server_list_is_a_usage_error)
{
    char *argv[] = {CAMDEX_BIN, "probe", "--dns-server", "dns.example.test",
                    "rtsp://cam1.example.test/x", NULL};
    struct run r = runv(argv);
    cr_assert_eq(r.rc, 2, "exit %d: %s", r.rc, r.err);
    cr_assert(strstr(r.err, "--dns-server"), "%s", r.err);
    run_free(&r);
}
