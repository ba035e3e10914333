/* Control channel: "kill ID", "revive ID", "mode ID MODE [ARG] [k=v...]",
 * "stats [ID]", "list MODE [N]", "help", "quit"; one reply line per
 * command, written by the handler the command table names. */
#include "control.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctl_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    struct control *ctl;
    struct ctl_conn *prev, *next;
    int handles_open, closing;
    size_t len;
    char buf[CONTROL_LINE_MAX];
};

static const char help_text[] =
    "ok commands: kill ID | revive ID | mode ID MODE [ARG] [clip=NAME auth=none|basic|digest "
    "sessions=N udp=0|1 vendor=hikvision|dahua] | stats [ID] | list MODE [N] | help | quit (ID: "
    "inventory id or "
    "#N)\n";

static int resolve(struct farm *farm, const char *ref, char *out, size_t cap)
{
    int i = fleet_resolve(farm->fleet, ref);
    assert(i < 0 || (uint32_t)i < farm->fleet->count);
    if (i < 0)
        snprintf(out, cap,
                 "error: no camera \"%.64s\" (use an inventory id or #N, N from 1 to %u)\n", ref,
                 farm->fleet->count);
    return i;
}

/* ---- commands ----
 * Each gets the line's words (tok[0] is the command), writes one reply
 * line into out, and returns 0 or a negative errno when the reply is an
 * error. */

/* Ids of cameras in a mode: how tests find, say, healthy ones. */
static int cmd_list(struct farm *farm, int n, char *const *tok, char *out, size_t cap)
{
    int m = n >= 2 ? fault_from_name(tok[1]) : -1;
    char *end = NULL;
    unsigned long max = n >= 3 ? strtoul(tok[2], &end, 10) : 100;
    if (n < 2 || n > 3 || m < 0 || (n == 3 && (*end || max == 0 || max > CONTROL_LIST_MAX))) {
        snprintf(out, cap, "error: usage: list MODE [N] (N from 1 to %d, default 100)\n",
                 CONTROL_LIST_MAX);
        return -EINVAL;
    }
    size_t used = (size_t)snprintf(out, cap, "[");
    unsigned long listed = 0;
    for (uint32_t i = 0; i < farm->fleet->count && listed < max; i++) {
        const struct cam *c = &farm->fleet->cams[i];
        if (c->mode != m || (c->flags & CAM_KILLED))
            continue;
        const char *id = fleet_str(farm->fleet, c->id);
        if (strpbrk(id, "\"\\") || used + strlen(id) + 8 > cap)
            continue;
        used += (size_t)snprintf(out + used, cap - used, "%s\"%s\"", listed ? "," : "", id);
        listed++;
    }
    snprintf(out + used, cap - used, "]\n");
    return 0;
}

static int cmd_help(struct farm *farm, int n, char *const *tok, char *out, size_t cap)
{
    snprintf(out, cap, "%s", help_text);
    return 0;
}

static int cmd_quit(struct farm *farm, int n, char *const *tok, char *out, size_t cap)
{
    snprintf(out, cap, "ok bye\n");
    return 0;
}

static int cmd_stats(struct farm *farm, int n, char *const *tok, char *out, size_t cap)
{
    int i = -1;
    if (n > 2) {
        snprintf(out, cap, "error: stats takes at most one camera\n");
        return -EINVAL;
    }
    if (n == 2 && (i = resolve(farm, tok[1], out, cap)) < 0)
        return i;
    int len = farm_stats_json(farm, i, out, cap - 1);
    if (len < 0) {
        snprintf(out, cap, "error: stats reply too long\n");
        return len;
    }
    strcpy(out + len, "\n");
    return 0;
}

/* The camera of a "kill ID" or "revive ID" line. Returns its index, or a
 * negative errno with the error reply written. */
static int one_camera(struct farm *farm, int n, char *const *tok, char *out, size_t cap)
{
    if (n != 2) {
        snprintf(out, cap, "error: usage: %s ID\n", tok[0]);
        return -EINVAL;
    }
    return resolve(farm, tok[1], out, cap);
}

static int cmd_kill(struct farm *farm, int n, char *const *tok, char *out, size_t cap)
{
    int i = one_camera(farm, n, tok, out, cap);
    if (i < 0)
        return i;
    farm->fleet->cams[i].flags |= CAM_KILLED;
    farm_drop_camera(farm, i);
    snprintf(out, cap, "ok\n");
    return 0;
}

static int cmd_revive(struct farm *farm, int n, char *const *tok, char *out, size_t cap)
{
    int i = one_camera(farm, n, tok, out, cap);
    if (i < 0)
        return i;
    farm->fleet->cams[i].flags &= (uint8_t)~CAM_KILLED;
    snprintf(out, cap, "ok\n");
    return 0;
}

/* Reads "MODE [ARG] [key=value...]" (tok[2] on) into a copy of the
 * camera, so that a bad word leaves the camera as it was. Returns 0, or
 * -EINVAL with the error reply written. */
static int mode_parse(struct farm *farm, int n, char *const *tok, struct cam *cam, char *out,
                      size_t cap)
{
    int m = fault_from_name(tok[2]);
    if (m < 0) {
        snprintf(out, cap,
                 "error: unknown mode \"%.64s\" (modes: ok, refused, blackhole, ...; see README)\n",
                 tok[2]);
        return -EINVAL;
    }
    cam->mode = (uint8_t)m;
    cam->arg = fault_default_arg((enum fault)m);
    int k = 3;
    if (k < n && !strchr(tok[k], '=')) {
        char *end;
        unsigned long a = strtoul(tok[k], &end, 10);
        if (end == tok[k] || *end || a > 65535) {
            snprintf(out, cap, "error: argument \"%.32s\" is not a number 0..65535\n", tok[k]);
            return -EINVAL;
        }
        cam->arg = (uint16_t)a;
        k++;
    }
    for (; k < n; k++) {
        if (fleet_apply_option(farm->fleet, cam, tok[k], farm->clips) < 0) {
            snprintf(out, cap,
                     "error: bad option \"%.64s\" (clip=NAME auth=none|basic|digest sessions=N "
                     "udp=0|1 vendor=hikvision|dahua)\n",
                     tok[k]);
            return -EINVAL;
        }
    }
    return 0;
}

static int cmd_mode(struct farm *farm, int n, char *const *tok, char *out, size_t cap)
{
    if (n < 3) {
        snprintf(out, cap, "error: usage: mode ID MODE [ARG] [key=value...]\n");
        return -EINVAL;
    }
    int i = resolve(farm, tok[1], out, cap);
    if (i < 0)
        return i;
    struct cam tmp = farm->fleet->cams[i];
    int rc = mode_parse(farm, n, tok, &tmp, out, cap);
    if (rc < 0)
        return rc;
    farm->fleet->cams[i] = tmp;
    /* Existing connections would keep the old behaviour: drop them. */
    farm_drop_camera(farm, i);
    rc = farm_sync_camera(farm, i);
    if (rc < 0)
        snprintf(out, cap, "ok (syn_drop unavailable: %s; the camera acts as blackhole)\n",
                 strerror(-rc));
    else
        snprintf(out, cap, "ok\n");
    return 0;
}

typedef int command_fn(struct farm *farm, int n, char *const *tok, char *out, size_t cap);

static const struct command {
    const char *name;
    command_fn *run;
    bool quits; /* the client asked to end the connection */
} commands[] = {
    {.name = "list", .run = cmd_list},
    {.name = "help", .run = cmd_help},
    {.name = "quit", .run = cmd_quit, .quits = true},
    {.name = "stats", .run = cmd_stats},
    {.name = "kill", .run = cmd_kill},
    {.name = "revive", .run = cmd_revive},
    {.name = "mode", .run = cmd_mode},
};

int control_exec(struct farm *farm, const char *line, char *out, size_t cap)
{
    char copy[CONTROL_LINE_MAX], *tok[16], *save = NULL;
    int n = 0;
    snprintf(copy, sizeof(copy), "%s", line);
    for (char *t = strtok_r(copy, " \t\r", &save); t && n < 16; t = strtok_r(NULL, " \t\r", &save))
        tok[n++] = t;
    if (n == 0) {
        snprintf(out, cap, "error: empty command (try \"help\")\n");
        return 0;
    }
    for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
        if (strcmp(tok[0], commands[k].name) == 0) {
            commands[k].run(farm, n, tok, out, cap);
            return commands[k].quits;
        }
    }
    snprintf(out, cap, "error: unknown command \"%.32s\" (try \"help\")\n", tok[0]);
    return 0;
}

static void on_closed(uv_handle_t *h)
{
    struct ctl_conn *c = h->data;
    assert(c->handles_open > 0);
    if (--c->handles_open == 0)
        free(c);
}

static void ctl_close(struct ctl_conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    if (c->prev)
        c->prev->next = c->next;
    else
        c->ctl->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    uv_close((uv_handle_t *)&c->timer, on_closed);
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_idle(uv_timer_t *t)
{
    ctl_close(t->data);
}

static void on_written(uv_write_t *req, int status)
{
    (void)status;
    free(req);
}

static void ctl_send(struct ctl_conn *c, const char *s)
{
    size_t len = strlen(s);
    /* Replies are short: usually the socket takes them at once, which also
     * lets "quit" close right after without cancelling its reply. */
    int done = uv_try_write((uv_stream_t *)&c->tcp, &(uv_buf_t){(char *)s, len}, 1);
    if (done > 0) {
        s += done;
        len -= (size_t)done;
    }
    if (len == 0)
        return;
    /* One allocation for request and bytes: freed in the callback. */
    uv_write_t *req = malloc(sizeof(*req) + len);
    if (!req)
        return;
    char *data = (char *)(req + 1);
    memcpy(data, s, len);
    uv_buf_t b = {data, len};
    if (uv_write(req, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0)
        free(req);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct ctl_conn *c = h->data;
    (void)hint;
    buf->base = c->buf + c->len;
    buf->len = sizeof(c->buf) - c->len;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct ctl_conn *c = s->data;
    (void)buf;
    if (n < 0) {
        ctl_close(c);
        return;
    }
    c->len += (size_t)n;
    uv_timer_start(&c->timer, on_idle, CONTROL_IDLE_MS, 0);
    char *nl;
    while (!c->closing && (nl = memchr(c->buf, '\n', c->len))) {
        *nl = 0;
        static char reply[CONTROL_REPLY_MAX]; /* "list" replies can be long */
        int quit = control_exec(c->ctl->farm, c->buf, reply, sizeof(reply));
        ctl_send(c, reply);
        size_t used = (size_t)(nl + 1 - c->buf);
        memmove(c->buf, nl + 1, c->len - used);
        c->len -= used;
        if (quit)
            ctl_close(c);
    }
    if (!c->closing && c->len == sizeof(c->buf)) {
        ctl_send(c, "error: line longer than 1023 bytes\n");
        ctl_close(c);
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    struct control *ctl = server->data;
    if (status < 0)
        return;
    struct ctl_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->ctl = ctl;
    uv_tcp_init(ctl->loop, &c->tcp);
    uv_timer_init(ctl->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->handles_open = 2;
    c->next = ctl->conns;
    if (ctl->conns)
        ctl->conns->prev = c;
    ctl->conns = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0) {
        ctl_close(c);
        return;
    }
    uv_timer_start(&c->timer, on_idle, CONTROL_IDLE_MS, 0);
}

int control_listen(struct control *ctl, uv_loop_t *loop, struct farm *farm, const char *ip,
                   int port)
{
    struct sockaddr_in addr, got;
    memset(ctl, 0, sizeof(*ctl));
    ctl->loop = loop;
    ctl->farm = farm;
    int rc = uv_ip4_addr(ip, port, &addr);
    if (rc < 0)
        return rc;
    /* The control channel changes the fleet: never expose it off the host. */
    if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127)
        return UV_EINVAL;
    uv_tcp_init(loop, &ctl->listener);
    ctl->listener.data = ctl;
    ctl->listening = 1;
    if ((rc = uv_tcp_bind(&ctl->listener, (const struct sockaddr *)&addr, 0)) < 0 ||
        (rc = uv_listen((uv_stream_t *)&ctl->listener, 64, on_connection)) < 0)
        return rc;
    int len = sizeof(got);
    uv_tcp_getsockname(&ctl->listener, (struct sockaddr *)&got, &len);
    ctl->port = ntohs(got.sin_port);
    return 0;
}

void control_close(struct control *ctl)
{
    while (ctl->conns)
        ctl_close(ctl->conns);
    if (ctl->listening && !uv_is_closing((uv_handle_t *)&ctl->listener))
        uv_close((uv_handle_t *)&ctl->listener, NULL);
}
