/* The OSD interface as the program sees it: each call loads camdex-osd.so
 * on first use and forwards to it; see osd_read.h and module_load.h. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>

#include "module_load.h"
#include "osd_read.h"

#ifndef CAMDEX_OSD_INSTALL_PATH
#define CAMDEX_OSD_INSTALL_PATH "/usr/local/lib/camdex/camdex-osd.so"
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const struct osd_api *api;
static struct module_load mod = {
    .file = "camdex-osd.so",
    .env = "CAMDEX_OSD_MODULE",
    .install_path = CAMDEX_OSD_INSTALL_PATH,
    .symbol = OSD_API_SYMBOL,
    .version = OSD_API_VERSION,
};

static void load(void)
{
    module_load(&mod);
    api = mod.table;
}

static const struct osd_api *get(void)
{
    pthread_once(&once, load);
    return api;
}

int osd_read(const struct osd_image *img, struct osd_reading *out)
{
    return get() ? api->read(img, out) : -ENOSYS;
}

void osd_thread_done(void)
{
    if (get())
        api->thread_done();
}

const char *osd_module_error(void)
{
    return get() ? NULL : mod.error;
}

const char *osd_module_path(void)
{
    return get() ? mod.path : NULL;
}
