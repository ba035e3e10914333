/* libFuzzer target for the configuration reader (indexer/base/ini_read.c
 * and config.c): any text is read without a crash, every problem is
 * counted, and each message names the file and line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    static struct config c;
    static struct config_errors e;
    config_default(&c);
    memset(&e, 0, sizeof(e));
    int rc = config_parse(text, "f.ini", &c, &e);
    if ((rc == 0) != (e.count == 0) || (rc != 0 && rc != -22))
        __builtin_trap();
    for (size_t i = 0; i < e.count && i < CONFIG_ERRORS_KEPT; i++) {
        if (strncmp(e.msg[i], "f.ini:", 6) != 0 || !memchr(e.msg[i], 0, sizeof(e.msg[i])))
            __builtin_trap();
    }
    if (c.nwebhooks > CONFIG_WEBHOOKS_MAX)
        __builtin_trap();
    free(text);
    return 0;
}
