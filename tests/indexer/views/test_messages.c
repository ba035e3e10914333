/* indexer/views/messages.c: the catalogue is complete (every reason a
 * probe or the service can set, every state, in both languages, Chinese
 * differing from English) and its lookups fall back as documented. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probe_result.h"
#include "store.h"
#include "views/messages.h"

/* Reasons the service stores itself, beside the probes' own. */
static const char *const service_reasons[] = {"maintenance", "none"};

static void assert_both_languages(const char *key)
{
    cr_assert(msg_has(key), "the catalogue has no \"%s\" (add it to views/messages.def)", key);
    const char *en = msg_text(key, MSG_EN), *zh = msg_text(key, MSG_ZH);
    cr_assert(en && *en, "\"%s\" has no English text", key);
    cr_assert(zh && *zh, "\"%s\" has no Chinese text", key);
    cr_assert_str_neq(en, zh, "\"%s\": the Chinese text is the English one", key);
    /* Every Chinese text holds at least one Chinese character (3-byte UTF-8). */
    bool cjk = false;
    for (const unsigned char *p = (const unsigned char *)zh; *p && !cjk; p++)
        cjk = *p >= 0xe3 && *p <= 0xe9;
    cr_assert(cjk, "\"%s\": the Chinese text \"%s\" has no Chinese character", key, zh);
}

Test(messages, every_probe_reason_has_both_languages)
{
    char key[96];
    for (int r = 0; r < PROBE_R_COUNT; r++) {
        const char *name = probe_reason_name((enum probe_reason)r);
        cr_assert(name && *name, "reason %d has no name", r);
        snprintf(key, sizeof(key), "reason.%s", name);
        assert_both_languages(key);
        cr_assert_str_eq(msg_reason_text(name, MSG_ZH), msg_text(key, MSG_ZH));
    }
}

Test(messages, every_reason_the_service_sets_has_both_languages)
{
    char key[96];
    for (size_t i = 0; i < sizeof(service_reasons) / sizeof(service_reasons[0]); i++) {
        snprintf(key, sizeof(key), "reason.%s", service_reasons[i]);
        assert_both_languages(key);
    }
}

Test(messages, every_state_has_both_languages)
{
    char key[64];
    for (int s = 0; s < STORE_STATE_COUNT; s++) {
        const char *name = store_state_name((enum store_state)s);
        snprintf(key, sizeof(key), "state.%s", name);
        assert_both_languages(key);
        cr_assert_str_neq(msg_state_text(name, MSG_ZH), name);
    }
}

Test(messages, every_entry_has_both_languages_and_keys_are_unique)
{
    for (size_t i = 0; i < msg_count(); i++) {
        const struct msg_entry *e = msg_at(i);
        /* The dashboard's labels hold language names that read the same in
         * both ("English", "中文") and templates that are all placeholders
         * ("{day}：{series} {value}"): both texts present is what holds for
         * all of them (the browser test reads them in each language). */
        if (strncmp(e->key, "ui.", 3) == 0)
            cr_assert(e->text[MSG_EN][0] && e->text[MSG_ZH][0], "\"%s\" lacks a text", e->key);
        else
            assert_both_languages(e->key);
        for (size_t k = 0; k < i; k++)
            cr_assert_str_neq(msg_at(k)->key, e->key, "\"%s\" is in the catalogue twice", e->key);
    }
    cr_assert_null(msg_at(msg_count()));
}

Test(messages, unknown_codes_and_keys_come_back_as_they_are)
{
    cr_assert_str_eq(msg_reason_text("no_such_reason", MSG_ZH), "no_such_reason");
    cr_assert_str_eq(msg_state_text("", MSG_ZH), "");
    cr_assert_str_eq(msg_text("col.no_such_heading", MSG_ZH), "col.no_such_heading");
    cr_assert_str_eq(msg_reason_text(NULL, MSG_EN), "");
    cr_assert_str_eq(msg_reason_text("auth_failed", MSG_EN), "authentication failed");
    cr_assert_str_eq(msg_reason_text("auth_failed", MSG_ZH), "认证失败");
}

Test(messages, language_tags_parse_to_en_or_zh)
{
    enum msg_lang l = MSG_EN;
    cr_assert_eq(msg_lang_parse("zh_CN.UTF-8", &l), 0);
    cr_assert_eq(l, MSG_ZH);
    cr_assert_eq(msg_lang_parse("en", &l), 0);
    cr_assert_eq(l, MSG_EN);
    cr_assert_eq(msg_lang_parse("ZH-tw", &l), 0);
    cr_assert_eq(l, MSG_ZH);
    cr_assert_eq(msg_lang_parse("zhx", &l), -EINVAL);
    cr_assert_eq(msg_lang_parse("fr", &l), -EINVAL);
    cr_assert_eq(msg_lang_parse("", &l), -EINVAL);
    cr_assert_str_eq(msg_lang_name(MSG_ZH), "zh");
}

/* The printf conversions of a text, in order ("%u%.2f%s"), flags and
 * widths included; "%%" is not one. */
static void conversions(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s; s++) {
        if (*s != '%')
            continue;
        if (s[1] == '%') {
            s++;
            continue;
        }
        do {
            cr_assert_lt(o + 1, cap);
            out[o++] = *s++;
        } while (*s && !strchr("diouxXeEfgGcsp", *s));
        cr_assert(*s, "a conversion without its letter in \"%s\"", s);
        out[o++] = *s;
    }
    out[o] = 0;
}

/* cli_say passes the same arguments whatever the language: a format whose
 * conversions differ would read the wrong argument. */
Test(messages, formats_have_the_same_conversions_in_both_languages)
{
    int checked = 0;
    for (size_t i = 0; i < msg_count(); i++) {
        const struct msg_entry *e = msg_at(i);
        char en[128], zh[128];
        if (strncmp(e->key, "sweep.", 6) != 0) /* the catalogue's printf formats */
            continue;
        conversions(e->text[MSG_EN], en, sizeof(en));
        conversions(e->text[MSG_ZH], zh, sizeof(zh));
        cr_assert_str_eq(en, zh, "\"%s\": conversions \"%s\" in English, \"%s\" in Chinese", e->key,
                         en, zh);
        checked += en[0] != 0;
    }
    cr_assert_geq(checked, 3, "the sweep.* formats were not seen");
}
