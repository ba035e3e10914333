/* Finding and opening an optional module; see module_load.h. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module_load.h"

typedef const void *(*module_table_fn)(void);

static int try_load(struct module_load *m, const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(m->error, sizeof(m->error), "%s", dlerror());
        return -1;
    }
    module_table_fn fn = (module_table_fn)(uintptr_t)dlsym(h, m->symbol);
    const void *t = fn ? fn() : NULL;
    if (!t || *(const int *)t != m->version) {
        snprintf(m->error, sizeof(m->error), "%s: not a camdex module of this version", path);
        dlclose(h);
        return -1;
    }
    snprintf(m->path, sizeof(m->path), "%s", path);
    m->table = t;
    return 0;
}

static int try_if_there(struct module_load *m, const char *path)
{
    return access(path, R_OK) == 0 ? try_load(m, path) : -1;
}

void module_load(struct module_load *m)
{
    m->table = NULL;
    m->path[0] = m->error[0] = 0;
    const char *env = getenv(m->env);
    if (env && *env && try_load(m, env) == 0)
        return;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 64);
    if (n > 0 && strlen(m->file) < 32) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            strcpy(slash + 1, m->file);
            if (try_if_there(m, exe) == 0)
                return;
            *slash = 0;
            char *bin = strrchr(exe, '/');
            if (bin && strcmp(bin, "/bin") == 0) {
                snprintf(bin, sizeof(exe) - (size_t)(bin - exe), "/lib/camdex/%s", m->file);
                if (try_if_there(m, exe) == 0)
                    return;
            }
        }
    }
    if (try_load(m, m->install_path) != 0 && !m->error[0])
        snprintf(m->error, sizeof(m->error), "%s not found", m->file);
}
