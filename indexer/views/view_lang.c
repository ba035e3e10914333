/* Catalogue texts beside and instead of codes; see view_lang.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "views/view_lang.h"

static const struct {
    const char *code, *text;
    int is_reason;
} members[] = {
    {"state", "state_text", 0},
    {"reason", "reason_text", 1},
    {"from", "from_text", 0},
    {"to", "to_text", 0},
};
#define NMEMBERS (sizeof(members) / sizeof(members[0]))

static const char *text_of(const char *code, int is_reason, enum msg_lang lang)
{
    return is_reason ? msg_reason_text(code, lang) : msg_state_text(code, lang);
}

int view_add_texts(json_t *o, enum msg_lang lang)
{
    for (size_t i = 0; i < NMEMBERS; i++) {
        const char *code = json_string_value(json_object_get(o, members[i].code));
        if (!code)
            continue;
        /* Catalogue texts are valid UTF-8; a code the catalogue does not
         * know comes back as it is, and it came from a checked JSON string. */
        const char *t = text_of(code, members[i].is_reason, lang);
        if (json_object_set_new_nocheck(o, members[i].text, json_string_nocheck(t)))
            return -ENOMEM;
    }
    return 0;
}

void view_codes_to_texts(json_t *rows, enum msg_lang lang)
{
    if (lang == MSG_EN)
        return;
    size_t r;
    json_t *row;
    json_array_foreach(rows, r, row)
    {
        for (size_t i = 0; i < NMEMBERS; i++) {
            const char *code = json_string_value(json_object_get(row, members[i].code));
            if (code && *code)
                json_object_set_new_nocheck(
                    row, members[i].code,
                    json_string_nocheck(text_of(code, members[i].is_reason, lang)));
        }
    }
}
