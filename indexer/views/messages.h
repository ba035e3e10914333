/* The message catalogue (messages.def): texts a person reads, in English
 * and Simplified Chinese, looked up by a stable key. Codes in JSON and CSV
 * for programs stay the stable keys; people get these texts. */
#ifndef CAMDEX_MESSAGES_H
#define CAMDEX_MESSAGES_H

#include <stddef.h>

enum msg_lang { MSG_EN = 0, MSG_ZH = 1, MSG_LANG_COUNT };

/* "en", "zh", and tags starting with them ("zh-CN", "zh_CN.UTF-8", "en-GB");
 * 0, or -EINVAL for anything else. */
int msg_lang_parse(const char *s, enum msg_lang *lang);
const char *msg_lang_name(enum msg_lang lang); /* "en" or "zh" */

/* The text of `key` in `lang`; the English text when the key has no text in
 * that language, and the key itself when the catalogue does not know it
 * (never NULL). */
const char *msg_text(const char *key, enum msg_lang lang);

/* Shorthands for "state.NAME" and "reason.CODE"; unknown codes come back
 * as the code itself. */
const char *msg_state_text(const char *state, enum msg_lang lang);
const char *msg_reason_text(const char *reason, enum msg_lang lang);

/* Whether the catalogue holds `key` (in English; the test checks Chinese). */
int msg_has(const char *key);

/* The whole catalogue, in order, for the API and the tests. */
struct msg_entry {
    const char *key;
    const char *text[MSG_LANG_COUNT];
};
size_t msg_count(void);
const struct msg_entry *msg_at(size_t i);

#endif
