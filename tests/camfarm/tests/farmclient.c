/* Subprocess control and a deadline-bound RTSP client for camfarm tests. */
#include "farmclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libavutil/base64.h>

#include "auth.h"
#include "rtsp_req.h"

uint64_t fc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int remaining(uint64_t deadline)
{
    uint64_t now = fc_now_ms();
    return now >= deadline ? 0 : (int)(deadline - now);
}

/* Waits for fd to be readable before the deadline. */
static int wait_fd(int fd, short ev, uint64_t deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = ev};
        int rc = poll(&p, 1, remaining(deadline));
        if (rc > 0)
            return 0;
        if (rc == 0)
            return -ETIMEDOUT;
        if (errno != EINTR)
            return -errno;
    }
}

static int pidfd_open_(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

const char *fc_password(int n)
{
    static char buf[32];
    snprintf(buf, sizeof(buf), "%s%04d", n % 3 == 0 ? "dh" : "hk", (n - 1) % 212);
    return buf;
}

uint32_t fc_ip(int n)
{
    return (127u << 24) | (1u << 16) | (uint32_t)n;
}

static const char *path_of(int n)
{
    return n % 3 == 0 ? "/cam/realmonitor?channel=1&subtype=0" : "/Streaming/Channels/101";
}

void fc_url(const struct fc_farm *f, int n, char *out, size_t cap)
{
    snprintf(out, cap, "rtsp://127.1.0.%d:%u%s", n, f->rtsp_port, path_of(n));
}

void fc_url_auth(const struct fc_farm *f, int n, char *out, size_t cap)
{
    snprintf(out, cap, "rtsp://admin:%s@127.1.0.%d:%u%s", fc_password(n), n, f->rtsp_port,
             path_of(n));
}

static int write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        return -errno;
    fputs(text, fp);
    return fclose(fp) == 0 ? 0 : -errno;
}

int fc_start(struct fc_farm *f, const char *fleet_text, const char *const *extra)
{
    memset(f, 0, sizeof(*f));
    f->pid = -1;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(f->dir, sizeof(f->dir), "%.40s/camfarm-XXXXXX", tmp);
    if (!mkdtemp(f->dir))
        return -errno;
    char *csv = malloc(FC_TEST_CAMERAS * 256 + 256);
    if (!csv)
        return -ENOMEM;
    size_t used =
        (size_t)sprintf(csv, "id,name,unit_id,unit_name,url,lat,lon,address,tags,resolution,fps\n");
    for (int n = 1; n <= FC_TEST_CAMERAS; n++)
        used += (size_t)sprintf(csv + used,
                                "34010000001320%06d,\"Camera %d, gate\",U%03d,Unit,"
                                "rtsp://admin:%s@127.1.0.%d:8554%s,31.8,117.2,,,640x360,25\n",
                                n - 1, n, (n - 1) % 212, fc_password(n), n, path_of(n));
    int rc = fc_start_csv(f, csv, fleet_text, extra);
    free(csv);
    return rc;
}

int fc_start_csv(struct fc_farm *f, const char *csv, const char *fleet_text,
                 const char *const *extra)
{
    char inv[128], fleet[128];
    if (!f->dir[0]) {
        memset(f, 0, sizeof(*f));
        f->pid = -1;
        const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(f->dir, sizeof(f->dir), "%.40s/camfarm-XXXXXX", tmp);
        if (!mkdtemp(f->dir))
            return -errno;
    }
    snprintf(inv, sizeof(inv), "%s/inventory.csv", f->dir);
    snprintf(fleet, sizeof(fleet), "%s/fleet.txt", f->dir);
    int rc = write_file(inv, csv);
    if (rc < 0 || (rc = write_file(fleet, fleet_text ? fleet_text : "")) < 0)
        return rc;

    /* Free ports for every socket, so farms of parallel tests never meet. */
    const char *argv[36] = {CAMFARM_BIN,   "--inventory",   inv,          "--clips",
                            CAMFARM_CLIPS, "--fleet",       fleet,        "--listen",
                            "0.0.0.0:0",   "--control",     "127.0.0.1:0", "--http-listen",
                            "0.0.0.0:0",   "--rtmp-listen", "0.0.0.0:0"};
    int argc = 15;
    for (int i = 0; extra && extra[i] && argc < 35; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;

    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        /* Dies with the test, whatever happens to the test. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(pipefd[1], 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    f->pid = pid;
    f->pidfd = pidfd_open_(pid);
    f->out_fd = pipefd[0];

    uint64_t deadline = fc_now_ms() + 15000;
    size_t len = 0;
    while (!memchr(f->ready, '\n', len)) {
        if ((rc = wait_fd(f->out_fd, POLLIN, deadline)) < 0)
            return rc;
        ssize_t n = read(f->out_fd, f->ready + len, sizeof(f->ready) - 1 - len);
        if (n <= 0)
            return -EPIPE; /* exited before it was ready: see its stderr */
        len += (size_t)n;
        f->ready[len] = 0;
    }
    const char *r = strstr(f->ready, "rtsp=");
    const char *c = strstr(f->ready, "control=");
    if (strncmp(f->ready, "camfarm ready ", 14) != 0 || !r || !c)
        return -EBADMSG;
    f->rtsp_port = (uint16_t)atoi(strrchr(strndupa(r, strcspn(r, " \n")), ':') + 1);
    f->control_port = (uint16_t)atoi(strrchr(strndupa(c, strcspn(c, " \n")), ':') + 1);
    const char *h = strstr(f->ready, " http="), *m = strstr(f->ready, " rtmp=");
    if (h)
        f->http_port = (uint16_t)atoi(strrchr(strndupa(h, strcspn(h + 1, " \n") + 1), ':') + 1);
    if (m)
        f->rtmp_port = (uint16_t)atoi(strrchr(strndupa(m, strcspn(m + 1, " \n") + 1), ':') + 1);
    return 0;
}

int fc_stop(struct fc_farm *f)
{
    int status = -1;
    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        if (wait_fd(f->pidfd, POLLIN, fc_now_ms() + 10000) < 0)
            kill(f->pid, SIGKILL);
        if (waitpid(f->pid, &status, 0) == f->pid)
            status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        close(f->pidfd);
        close(f->out_fd);
        f->pid = -1;
    }
    if (f->dir[0]) {
        char p[128];
        snprintf(p, sizeof(p), "%s/inventory.csv", f->dir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/fleet.txt", f->dir);
        unlink(p);
        rmdir(f->dir);
        f->dir[0] = 0;
    }
    return status;
}

/* ---- per-connection receive buffers ---- */

#define RXBUF 262144
static struct rx {
    int fd;
    size_t len;
    uint8_t buf[RXBUF];
} rx_slots[6];

static struct rx *rx_of(int fd)
{
    for (size_t i = 0; i < 6; i++)
        if (rx_slots[i].fd == fd)
            return &rx_slots[i];
    for (size_t i = 0; i < 6; i++)
        if (rx_slots[i].fd == 0) {
            rx_slots[i].fd = fd;
            rx_slots[i].len = 0;
            return &rx_slots[i];
        }
    abort(); /* a test holds more than 6 connections: raise the table */
}

static int fill(int fd, size_t need, uint64_t deadline)
{
    struct rx *r = rx_of(fd);
    if (need > RXBUF)
        return -EMSGSIZE;
    while (r->len < need) {
        int rc = wait_fd(fd, POLLIN, deadline);
        if (rc < 0)
            return rc;
        ssize_t n = recv(fd, r->buf + r->len, RXBUF - r->len, 0);
        if (n == 0)
            return -EPIPE;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        if (n > 0)
            r->len += (size_t)n;
    }
    return 0;
}

static void consume(int fd, size_t n)
{
    struct rx *r = rx_of(fd);
    memmove(r->buf, r->buf + n, r->len - n);
    r->len -= n;
}

int fc_connect(uint32_t ip, uint16_t port, int deadline_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip)};
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        return -e;
    }
    int rc = wait_fd(fd, POLLOUT, fc_now_ms() + (uint64_t)deadline_ms), err = 0;
    socklen_t l = sizeof(err);
    if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err)
        rc = -err;
    if (rc < 0) {
        close(fd);
        return rc;
    }
    struct rx *r = rx_of(fd);
    r->len = 0;
    return fd;
}

int fc_send(int fd, const char *data, size_t len)
{
    uint64_t deadline = fc_now_ms() + 5000;
    while (len) {
        int rc = wait_fd(fd, POLLOUT, deadline);
        if (rc < 0)
            return rc;
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        if (n > 0)
            data += n, len -= (size_t)n;
    }
    return 0;
}

static const char *find_crlf2(const uint8_t *p, size_t n)
{
    return memmem(p, n, "\r\n\r\n", 4);
}

int fc_read_reply(int fd, struct fc_reply *r, int deadline_ms)
{
    uint64_t deadline = fc_now_ms() + (uint64_t)deadline_ms;
    struct rx *x = rx_of(fd);
    int rc;
    r->status = 0;
    r->cseq = -1;
    r->head[0] = r->body[0] = 0;
    r->head_len = r->body_len = r->content_length = 0;
    r->early_frames = 0;
    for (;;) {
        if ((rc = fill(fd, 1, deadline)) < 0)
            return rc;
        if (x->buf[0] != '$')
            break;
        if ((rc = fill(fd, 4, deadline)) < 0)
            return rc;
        size_t n = 4 + (((size_t)x->buf[2] << 8) | x->buf[3]);
        if ((rc = fill(fd, n, deadline)) < 0)
            return rc;
        consume(fd, n);
        r->early_frames++;
    }
    const char *end;
    for (;;) {
        if (x->len >= 8 && memcmp(x->buf, "RTSP/1.0", 8) != 0) {
            size_t n = x->len < sizeof(r->head) - 1 ? x->len : sizeof(r->head) - 1;
            memcpy(r->head, x->buf, n);
            r->head_len = n;
            return -EBADMSG;
        }
        if ((end = find_crlf2(x->buf, x->len)))
            break;
        if (x->len >= sizeof(r->head) - 1)
            return -EMSGSIZE;
        if ((rc = fill(fd, x->len + 1, deadline)) < 0)
            return rc;
    }
    size_t hl = (size_t)(end - (const char *)x->buf) + 4;
    memcpy(r->head, x->buf, hl);
    r->head[hl] = 0;
    r->head_len = hl;
    consume(fd, hl);
    r->status = atoi(r->head + 9);
    char v[64];
    if (fc_header(r, "CSeq", v, sizeof(v)) == 0)
        r->cseq = atol(v);
    if (fc_header(r, "Content-Length", v, sizeof(v)) == 0)
        r->content_length = (size_t)atol(v);
    if (r->content_length) {
        if (r->content_length >= sizeof(r->body))
            return -EMSGSIZE;
        if ((rc = fill(fd, r->content_length, deadline)) < 0)
            return rc;
        memcpy(r->body, x->buf, r->content_length);
        r->body[r->content_length] = 0;
        r->body_len = r->content_length;
        consume(fd, r->content_length);
    }
    return 0;
}

int fc_header(const struct fc_reply *r, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = strstr(r->head, "\r\n"); p && p[2] != '\r'; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r");
            snprintf(out, cap, "%.*s", (int)len, v);
            return 0;
        }
    }
    return -ENOENT;
}

static void param(const char *h, const char *name, char *out, size_t cap)
{
    struct rtsp_span s = {h, strlen(h)}, v;
    out[0] = 0;
    if (rtsp_param(s, name, &v) == 0)
        snprintf(out, cap, "%.*s", (int)v.len, v.p);
}

int fc_request(int fd, const char *method, const char *url, int cseq, const char *extra,
               const char *user, const char *pass, const struct fc_reply *challenge)
{
    char msg[4096], auth[1024] = "", ch[512];
    if (challenge && fc_header(challenge, "WWW-Authenticate", ch, sizeof(ch)) == 0) {
        if (strncmp(ch, "Basic", 5) == 0) {
            char cred[256], b64[400];
            int n = snprintf(cred, sizeof(cred), "%s:%s", user, pass);
            av_base64_encode(b64, sizeof(b64), (const uint8_t *)cred, n);
            snprintf(auth, sizeof(auth), "Authorization: Basic %s\r\n", b64);
        } else {
            char realm[128], nonce[128], buf[2048], ha1[33], ha2[33], resp[33];
            param(ch, "realm", realm, sizeof(realm));
            param(ch, "nonce", nonce, sizeof(nonce));
            int n = snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, pass);
            auth_md5_hex(buf, (size_t)n, ha1);
            n = snprintf(buf, sizeof(buf), "%s:%s", method, url);
            auth_md5_hex(buf, (size_t)n, ha2);
            n = snprintf(buf, sizeof(buf), "%s:%s:%s", ha1, nonce, ha2);
            auth_md5_hex(buf, (size_t)n, resp);
            snprintf(auth, sizeof(auth),
                     "Authorization: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
                     "uri=\"%s\", response=\"%s\"\r\n",
                     user, realm, nonce, url, resp);
        }
    }
    int n = snprintf(msg, sizeof(msg),
                     "%s %s RTSP/1.0\r\nCSeq: %d\r\nUser-Agent: camfarm-test\r\n%s%s\r\n", method,
                     url, cseq, auth, extra ? extra : "");
    return fc_send(fd, msg, (size_t)n);
}

int fc_play_early_frames;

size_t fc_pending(int fd)
{
    return rx_of(fd)->len;
}

int fc_play(const struct fc_farm *f, int n, int fd, char *session, size_t cap, int *cseq)
{
    char url[256], track[300], tr[64];
    static struct fc_reply r, ch;
    int rc;
    fc_url(f, n, url, sizeof(url));
    snprintf(track, sizeof(track), "%s/trackID=1", url);
    const char *pass = fc_password(n);
    if ((rc = fc_request(fd, "DESCRIBE", url, (*cseq)++, "Accept: application/sdp\r\n", NULL, NULL,
                         NULL)) < 0 ||
        (rc = fc_read_reply(fd, &ch, 3000)) < 0)
        return rc;
    if (ch.status != 401 && ch.status != 200)
        return ch.status;
    if (ch.status == 401) {
        if ((rc = fc_request(fd, "DESCRIBE", url, (*cseq)++, "Accept: application/sdp\r\n", "admin",
                             pass, &ch)) < 0 ||
            (rc = fc_read_reply(fd, &r, 3000)) < 0)
            return rc;
        if (r.status != 200)
            return r.status;
    }
    if ((rc = fc_request(fd, "SETUP", track, (*cseq)++,
                         "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n", "admin", pass,
                         ch.status == 401 ? &ch : NULL)) < 0 ||
        (rc = fc_read_reply(fd, &r, 3000)) < 0)
        return rc;
    if (r.status != 200)
        return r.status;
    if (fc_header(&r, "Session", session, cap) < 0)
        return -EBADMSG;
    session[strcspn(session, ";")] = 0;
    snprintf(tr, sizeof(tr), "Session: %s\r\n", session);
    if ((rc = fc_request(fd, "PLAY", url, (*cseq)++, tr, "admin", pass,
                         ch.status == 401 ? &ch : NULL)) < 0 ||
        (rc = fc_read_reply(fd, &r, 3000)) < 0)
        return rc;
    fc_play_early_frames = r.early_frames;
    return r.status == 200 ? 0 : r.status;
}

int fc_read_frame(int fd, int *channel, uint8_t *buf, size_t cap, size_t *len, int deadline_ms)
{
    uint64_t deadline = fc_now_ms() + (uint64_t)deadline_ms;
    struct rx *x = rx_of(fd);
    int rc;
    if ((rc = fill(fd, 4, deadline)) < 0)
        return rc;
    if (x->buf[0] != '$')
        return -EBADMSG;
    size_t n = ((size_t)x->buf[2] << 8) | x->buf[3];
    if ((rc = fill(fd, 4 + n, deadline)) < 0)
        return rc;
    *channel = x->buf[1];
    *len = n < cap ? n : cap;
    memcpy(buf, x->buf + 4, *len);
    consume(fd, 4 + n);
    return 0;
}

void fc_close(int fd)
{
    struct rx *r = rx_of(fd);
    r->fd = 0;
    r->len = 0;
    close(fd);
}

int fc_control(const struct fc_farm *f, const char *cmd, char *out, size_t cap)
{
    int fd = fc_connect((127u << 24) | 1, f->control_port, 3000);
    if (fd < 0)
        return fd;
    char line[1100];
    int n = snprintf(line, sizeof(line), "%s\n", cmd);
    int rc = fc_send(fd, line, (size_t)n);
    uint64_t deadline = fc_now_ms() + 5000;
    struct rx *x = rx_of(fd);
    while (rc == 0 && !memchr(x->buf, '\n', x->len))
        rc = fill(fd, x->len + 1, deadline);
    if (rc == 0) {
        size_t l = (size_t)((uint8_t *)memchr(x->buf, '\n', x->len) - x->buf);
        snprintf(out, cap, "%.*s", (int)l, (char *)x->buf);
    }
    fc_close(fd);
    return rc;
}

int fc_run(const char *const *argv, char *out, size_t cap, int deadline_ms)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(p[1], 1);
        dup2(p[1], 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    uint64_t deadline = fc_now_ms() + (uint64_t)deadline_ms;
    size_t len = 0;
    int rc = 0;
    for (;;) {
        if ((rc = wait_fd(p[0], POLLIN, deadline)) < 0)
            break;
        char tmp[4096];
        ssize_t n = read(p[0], tmp, sizeof(tmp));
        if (n <= 0)
            break;
        size_t take = (size_t)n < cap - 1 - len ? (size_t)n : cap - 1 - len;
        memcpy(out + len, tmp, take);
        len += take;
    }
    out[len] = 0;
    close(p[0]);
    if (rc == -ETIMEDOUT)
        kill(pid, SIGKILL);
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -errno;
    if (rc < 0)
        return rc;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
