/* Message catalogue lookups; the texts are in messages.def. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views/messages.h"

static const struct msg_entry entries[] = {
#define MSG(key, en, zh) {key, {en, zh}},
#include "views/messages.def"
#undef MSG
};

#define NENTRIES (sizeof(entries) / sizeof(entries[0]))

int msg_lang_parse(const char *s, enum msg_lang *lang)
{
    static const char *const names[MSG_LANG_COUNT] = {"en", "zh"};
    if (!s)
        return -EINVAL;
    for (int i = 0; i < MSG_LANG_COUNT; i++) {
        size_t n = strlen(names[i]);
        if (strncasecmp(s, names[i], n) == 0 &&
            (s[n] == '\0' || s[n] == '-' || s[n] == '_' || s[n] == '.')) {
            *lang = (enum msg_lang)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *msg_lang_name(enum msg_lang lang)
{
    return lang == MSG_ZH ? "zh" : "en";
}

/* Keys in order, for a binary search: the API and `camdex list` look texts
 * up for every row (tens of thousands), while the catalogue stays a list
 * people edit in sections. Sorted once, by whichever thread asks first. */
static const struct msg_entry *by_key[NENTRIES];
static pthread_once_t by_key_once = PTHREAD_ONCE_INIT;

static int cmp_entry(const void *a, const void *b)
{
    return strcmp((*(const struct msg_entry *const *)a)->key,
                  (*(const struct msg_entry *const *)b)->key);
}

static void sort_keys(void)
{
    for (size_t i = 0; i < NENTRIES; i++)
        by_key[i] = &entries[i];
    qsort(by_key, NENTRIES, sizeof(by_key[0]), cmp_entry);
}

static const struct msg_entry *find(const char *key)
{
    pthread_once(&by_key_once, sort_keys);
    size_t lo = 0, hi = NENTRIES;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(key, by_key[mid]->key);
        if (c == 0)
            return by_key[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* The entry's text in `lang`, else its English one. */
static const char *entry_text(const struct msg_entry *e, enum msg_lang lang)
{
    if ((unsigned)lang < MSG_LANG_COUNT && e->text[lang] && e->text[lang][0])
        return e->text[lang];
    return e->text[MSG_EN];
}

const char *msg_text(const char *key, enum msg_lang lang)
{
    const struct msg_entry *e = key ? find(key) : NULL;
    return e ? entry_text(e, lang) : key ? key : "";
}

static const char *prefixed(const char *prefix, const char *code, enum msg_lang lang)
{
    char key[96];
    if (!code || snprintf(key, sizeof(key), "%s%s", prefix, code) >= (int)sizeof(key))
        return code ? code : "";
    const struct msg_entry *e = find(key);
    return e ? entry_text(e, lang) : code;
}

const char *msg_state_text(const char *state, enum msg_lang lang)
{
    return prefixed("state.", state, lang);
}

const char *msg_reason_text(const char *reason, enum msg_lang lang)
{
    return prefixed("reason.", reason, lang);
}

int msg_has(const char *key)
{
    return key && find(key) != NULL;
}

size_t msg_count(void)
{
    return NENTRIES;
}

const struct msg_entry *msg_at(size_t i)
{
    return i < NENTRIES ? &entries[i] : NULL;
}
