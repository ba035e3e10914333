/* libFuzzer target: the Accept-Language reader (indexer/http/accept_lang.c).
 * Whatever the bytes, the answer is one of the two languages, and a value
 * over ACCEPT_LANG_MAX bytes is not read (English). */
#include <stdint.h>
#include <stdlib.h>

#include "http/accept_lang.h"

/* Checked in every build (asserts are off in RelWithDebInfo). */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum msg_lang l = accept_lang_pick((const char *)data, size);
    CHECK(l == MSG_EN || l == MSG_ZH);
    if (size > ACCEPT_LANG_MAX)
        CHECK(l == MSG_EN);
    return 0;
}
