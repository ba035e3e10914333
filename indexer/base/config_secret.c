/* Secrets kept out of the configuration file: the *_file keys name a file
 * holding one secret (a token, a webhook secret or URL), readable by the
 * service alone; under systemd, LoadCredential= puts it in
 * $CREDENTIALS_DIRECTORY, so /etc/camdex/camdex.ini can stay root-only
 * with DynamicUser=. See config.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"

/* Room for the longest value (a 2,047-byte URL), its newline and one byte
 * more to tell "too long" from "just fits". */
#define SECRET_READ_MAX 2050

/* The file's path: absolute as given; "%d/NAME" or a bare NAME in the
 * credentials directory. */
static int resolve(const char *given, const char *cred_dir, char *out, size_t outlen, char *err,
                   size_t errlen)
{
    if (given[0] == '/') {
        snprintf(out, outlen, "%s", given);
        return 0;
    }
    const char *name = strncmp(given, "%d/", 3) == 0 ? given + 3 : given;
    if (!cred_dir || !*cred_dir) {
        snprintf(err, errlen,
                 "\"%.160s\" is a credential name but $CREDENTIALS_DIRECTORY is not set (load it "
                 "with LoadCredential= in the unit, or give an absolute path)",
                 given);
        return -ENOENT;
    }
    if (!*name || strstr(name, "..")) {
        snprintf(err, errlen, "\"%.160s\" is not a credential name (a file name, no \"..\")", given);
        return -EINVAL;
    }
    if ((size_t)snprintf(out, outlen, "%s/%s", cred_dir, name) >= outlen) {
        snprintf(err, errlen, "the path of \"%.160s\" is too long", given);
        return -ENAMETOOLONG;
    }
    return 0;
}

/* The file's content without its final newline. The content is a secret:
 * no message quotes it. */
static int read_secret(const char *path, char *buf, size_t cap, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%.160s: cannot open: %s (the service's user must be able to read it)",
                 path, strerror(e));
        return -e;
    }
    size_t len = 0;
    ssize_t n;
    while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            snprintf(err, errlen, "%.160s: cannot read: %s", path, strerror(e));
            return -e;
        }
        len += (size_t)n;
    }
    close(fd);
    buf[len] = 0;
    if (len > 0 && buf[len - 1] == '\n')
        buf[--len] = 0;
    if (len > 0 && buf[len - 1] == '\r')
        buf[--len] = 0;
    if (strlen(buf) != len || strchr(buf, '\n')) {
        snprintf(err, errlen, "%.160s: holds more than one line of text; put only the secret in it",
                 path);
        return -EINVAL;
    }
    return 0;
}

/* Reads one secret file into its key (`section`, `key` as config_set takes
 * them) and forgets the path. */
static int read_one(struct config *c, struct config_secret_file *f, const char *section,
                    const char *key, const char *shown, const char *name, const char *cred_dir,
                    struct config_errors *errs)
{
    if (!f->path[0])
        return 0;
    char path[1280], err[300];
    char value[SECRET_READ_MAX + 1];
    int line = f->line;
    int rc = resolve(f->path, cred_dir, path, sizeof(path), err, sizeof(err));
    f->path[0] = 0;
    if (!rc)
        rc = read_secret(path, value, sizeof(value), err, sizeof(err));
    if (!rc && config_set_at(c, section, key, value, line, err, sizeof(err)))
        rc = -EINVAL;
    memset(value, 0, sizeof(value));
    if (!rc)
        return 0;
    if (line)
        config_add_error(errs, "%s:%d: %s: %s", name, line, shown, err);
    else
        config_add_error(errs, "--set %s: %s", shown, err);
    return rc;
}

int config_read_secrets(struct config *c, const char *name, const char *credentials_dir,
                        struct config_errors *errs)
{
    size_t before = errs->count;
    read_one(c, &c->token_ro_file, "http", "token_ro", "[http] token_ro_file", name,
             credentials_dir, errs);
    read_one(c, &c->token_rw_file, "http", "token_rw", "[http] token_rw_file", name,
             credentials_dir, errs);
    for (uint32_t i = 0; i < c->nwebhooks; i++) {
        struct config_webhook *w = &c->webhooks[i];
        char key[CONFIG_WEBHOOK_NAME_MAX + 16], shown[CONFIG_WEBHOOK_NAME_MAX + 32];
        snprintf(key, sizeof(key), "%s.url", w->name);
        snprintf(shown, sizeof(shown), "[webhook %s] url_file", w->name);
        read_one(c, &w->url_file, "webhook", key, shown, name, credentials_dir, errs);
        snprintf(key, sizeof(key), "%s.secret", w->name);
        snprintf(shown, sizeof(shown), "[webhook %s] secret_file", w->name);
        read_one(c, &w->secret_file, "webhook", key, shown, name, credentials_dir, errs);
    }
    return errs->count > before ? -EINVAL : 0;
}
