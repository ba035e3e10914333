/* Tests for the configuration reader (indexer/base/config.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/config.h"
#include "testutil.h"

Test(config, every_key_has_a_default)
{
    struct config c;
    config_default(&c);
    cr_assert_eq(c.interval_ms, 60000);
    cr_assert_eq(c.fail_threshold, 3);
    cr_assert_eq(c.depth, CONFIG_DEPTH_DESCRIBE);
    cr_assert_str_eq(c.listen, "127.0.0.1:8470");
}

Test(config, file_sets_keys_with_units)
{
    struct config c;
    struct config_errors e = {0};
    config_default(&c);
    const char *text = "; comment\n[camdex]\ndb = /srv/camdex\n[probe]\ninterval = 10s\n"
                       "connect_timeout = 750ms\ndepth = play\nfail_threshold = 2\n"
                       "[quality]\ninterval = 6h\n";
    cr_assert_eq(config_parse(text, "camdex.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_assert_str_eq(c.db, "/srv/camdex");
    cr_assert_eq(c.interval_ms, 10000);
    cr_assert_eq(c.connect_timeout_ms, 750);
    cr_assert_eq(c.depth, CONFIG_DEPTH_PLAY);
    cr_assert_eq(c.fail_threshold, 2);
    cr_assert_eq(c.deep_interval_ms, 6 * 3600000);
    cr_assert_eq(c.deep_interval_old_line, 0, "the current name is not reported");
}

Test(config, deep_looks_come_hourly_and_the_former_key_is_taken_and_reported)
{
    struct config c;
    struct config_errors e = {0};
    config_default(&c);
    cr_expect_eq(c.deep_interval_ms, 3600000);
    const char *text = "[probe]\ninterval = 10s\n[deep]\nworkers = 6\ninterval = 2h\n";
    cr_assert_eq(config_parse(text, "camdex.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_expect_eq(c.deep_interval_ms, 2 * 3600000);
    cr_expect_eq(c.deep_workers, 6);
    cr_expect_eq(c.deep_interval_old_line, 5);
    char err[256];
    config_default(&c);
    cr_assert_eq(config_set(&c, "deep", "interval", "30m", err, sizeof(err)), 0);
    cr_expect_eq(c.deep_interval_ms, 30 * 60000);
    cr_expect_eq(c.deep_interval_old_line, -1);
}

Test(config, every_bad_line_is_reported_with_its_number)
{
    struct config c;
    struct config_errors e = {0};
    config_default(&c);
    const char *text = "[probe]\ninterval = soon\n\nfail_threshold = -1\n[probe]\nbogus = 1\n"
                       "[nowhere]\nx = 1\nthis line has no equals sign\n";
    cr_assert_eq(config_parse(text, "c.ini", &c, &e), -EINVAL);
    cr_assert_geq(e.count, 4, "only %zu errors", e.count);
    cr_assert(strstr(e.msg[0], "c.ini:2: [probe] interval") && strstr(e.msg[0], "duration"),
              "%s", e.msg[0]);
    cr_assert(strstr(e.msg[1], "c.ini:4:"), "%s", e.msg[1]);
    cr_assert(strstr(e.msg[2], "c.ini:6:") && strstr(e.msg[2], "unknown key"), "%s", e.msg[2]);
    cr_assert(strstr(e.msg[3], "c.ini:8:") && strstr(e.msg[3], "unknown section"), "%s",
              e.msg[3]);
    cr_assert_eq(c.interval_ms, 60000, "a bad value leaves the default");
}

Test(config, out_of_range_values_name_the_range)
{
    struct config c;
    char err[256];
    config_default(&c);
    cr_assert_eq(config_set(&c, "probe", "interval", "100ms", err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, "out of range"), "%s", err);
    cr_assert_eq(config_set(&c, "probe", "fail_threshold", "0", err, sizeof(err)), -EINVAL);
}

Test(config, durations_parse_all_units)
{
    uint32_t ms;
    cr_assert_eq(config_parse_duration("250ms", &ms), 0);
    cr_assert_eq(ms, 250);
    cr_assert_eq(config_parse_duration("1.5s", &ms), 0);
    cr_assert_eq(ms, 1500);
    cr_assert_eq(config_parse_duration("2m", &ms), 0);
    cr_assert_eq(ms, 120000);
    cr_assert_eq(config_parse_duration("7", &ms), 0);
    cr_assert_eq(ms, 7000);
    cr_assert_eq(config_parse_duration("1y", &ms), -EINVAL);
    cr_assert_eq(config_parse_duration("100d", &ms), -ERANGE);
}

Test(config, yes_no_keys_take_the_usual_spellings)
{
    struct config c;
    char err[256];
    config_default(&c);
    cr_assert_eq(c.metrics_per_camera, false);
    cr_assert_eq(config_set(&c, "metrics", "per_camera", "yes", err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(c.metrics_per_camera, true);
    cr_assert_eq(config_set(&c, "metrics", "per_camera", "off", err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(c.metrics_per_camera, false);
    cr_assert_eq(config_set(&c, "metrics", "per_camera", "maybe", err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, "\"maybe\"") && strstr(err, "true or false"), "%s", err);
}

/* ---- [webhook NAME] ---- */

Test(config, webhook_sections_set_their_keys_with_defaults)
{
    static struct config c;
    struct config_errors e = {0};
    config_default(&c);
    const char *text = "[webhook ops]\nurl = https://hooks.example.org/camdex\nsecret = k1\n"
                       "unit = 32010000002165000001\nbatch_max = 20\ntimeout = 2s\n"
                       "[webhook.audit]\nurl = http://10.0.0.5:8080/in\nsecret = k2\n";
    cr_assert_eq(config_parse(text, "camdex.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_assert_eq(c.nwebhooks, 2);
    cr_assert_str_eq(c.webhooks[0].name, "ops");
    cr_assert_str_eq(c.webhooks[0].url, "https://hooks.example.org/camdex");
    cr_assert_str_eq(c.webhooks[0].unit, "32010000002165000001");
    cr_assert_eq(c.webhooks[0].batch_max, 20);
    cr_assert_eq(c.webhooks[0].timeout_ms, 2000);
    cr_assert_str_eq(c.webhooks[1].name, "audit");
    cr_assert_eq(c.webhooks[1].batch_max, 100, "default batch");
    cr_assert_eq(c.webhooks[1].timeout_ms, 5000, "default timeout");
    cr_assert_str_eq(c.webhooks[1].unit, "", "every unit by default");
    cr_assert_str_eq(c.webhooks[1].lang, "en", "English by default");
    /* --set webhook.NAME.KEY=VALUE reaches the same webhook. */
    char err[256];
    cr_assert_eq(config_set(&c, "webhook", "ops.batch_max", "7", err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(c.webhooks[0].batch_max, 7);
    cr_assert_eq(c.nwebhooks, 2);
    cr_assert_eq(config_set(&c, "webhook", "ops.lang", "zh", err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(c.webhooks[0].lang, "zh");
    cr_assert_eq(config_set(&c, "webhook", "ops.lang", "zh_CN", err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, "en or zh"), "%s", err);
    cr_assert_str_eq(c.webhooks[0].lang, "zh", "a bad value changes nothing");
}

Test(config, webhook_errors_name_the_line_and_never_the_secret)
{
    static struct config c;
    struct config_errors e = {0};
    config_default(&c);
    const char *text = "[webhook a]\n"
                       "url = ftp://user:hunter2@example.org/x\n" /* 2: not http */
                       "secret = topsecret-value\n"
                       "[webhook b]\n"
                       "url = https://example.org/in\n" /* 5: b has no secret */
                       "batch_max = 0\n"                /* 6 */
                       "colour = red\n"                 /* 7 */
                       "[webhook bad/name]\n"
                       "url = https://example.org\n" /* 9 */
                       "[webhook c]\n"
                       "timeout = forever\n"; /* 11, and c has no url */
    cr_assert_eq(config_parse(text, "c.ini", &c, &e), -EINVAL);
    const char *want[][2] = {{"c.ini:2:", "http or https"}, {"c.ini:6:", "1 to 1000"},
                             {"c.ini:7:", "unknown key"},   {"c.ini:9:", "webhook name"},
                             {"c.ini:11:", "duration"},     {"c.ini:2:", "no url"},
                             {"c.ini:5:", "no secret"},     {"c.ini:11:", "no url"}};
    cr_assert_eq(e.count, sizeof(want) / sizeof(want[0]), "%zu errors, first: %s", e.count,
                 e.msg[0]);
    for (size_t i = 0; i < e.count; i++) {
        cr_assert(strstr(e.msg[i], want[i][0]) && strstr(e.msg[i], want[i][1]),
                  "error %zu: %s (expected %s ... %s)", i, e.msg[i], want[i][0], want[i][1]);
        cr_assert_null(strstr(e.msg[i], "hunter2"), "a URL password in: %s", e.msg[i]);
        cr_assert_null(strstr(e.msg[i], "topsecret"), "the secret in: %s", e.msg[i]);
    }
    /* Webhook a is complete but for its URL; the bad value was not kept. */
    cr_assert_str_eq(c.webhooks[0].url, "");
}

Test(config, at_most_eight_webhooks)
{
    static struct config c;
    config_default(&c);
    char err[256], name[32];
    for (int i = 0; i < CONFIG_WEBHOOKS_MAX; i++) {
        snprintf(name, sizeof(name), "w%d.secret", i);
        cr_assert_eq(config_set(&c, "webhook", name, "k", err, sizeof(err)), 0, "%s", err);
    }
    cr_assert_eq(config_set(&c, "webhook", "w9.secret", "k", err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, "more than 8 webhooks"), "%s", err);
}

/* deploy/camdex.ini is valid, and so is its webhook example once the
 * example's lines are uncommented. */
Test(config, shipped_example_parses_with_its_webhook_uncommented)
{
    static struct config c;
    static struct config_errors e;
    FILE *f = fopen(CAMDEX_TEST_DATA "/../../deploy/camdex.ini", "r");
    cr_assert_not_null(f);
    static char text[1 << 16];
    size_t n = 0;
    char line[1024];
    bool in_example = false;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, ";[webhook ", 10) == 0)
            in_example = true;
        /* ";key = value" and ";[section]" are the example; "; words" are notes. */
        const char *l = in_example && line[0] == ';' && line[1] != ' ' ? line + 1 : line;
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", l);
    }
    fclose(f);
    cr_assert(in_example, "no [webhook NAME] example in deploy/camdex.ini");
    config_default(&c);
    cr_assert_eq(config_parse(text, "camdex.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_assert_eq(c.nwebhooks, 1);
    cr_assert_str_eq(c.webhooks[0].name, "ops");
    cr_assert(c.webhooks[0].secret[0] && c.webhooks[0].url[0]);
}

/* The shipped unit allows 20,000 descriptors (LimitNOFILE): serve's probes
 * in flight and HTTP connections at their defaults, with room for the
 * index, logs and deep workers, fit under it without being cut down. */
Test(config, default_caps_fit_the_shipped_descriptor_limit)
{
    struct config c;
    config_default(&c);
    cr_assert_eq(c.max_in_flight, 8192, "a city's network needs thousands in flight");
    cr_assert_lt(c.max_in_flight + c.http_max_conns + 1024, 20000u);
    cr_assert_lt(c.max_in_flight, (20000u - 256) * 3 / 4, "the engine's own cap would cut it");
}

Test(config, total_timeout_and_skip_options)
{
    struct config c;
    struct config_errors e = {0};
    config_default(&c);
    cr_assert_eq(c.total_timeout_ms, 10000);
    cr_assert_eq(c.skip_options, CONFIG_SKIP_AUTO);
    cr_assert(c.remember_auth);
    const char *text = "[probe]\ntotal_timeout = 4s\nskip_options = yes\nremember_auth = off\n";
    cr_assert_eq(config_parse(text, "camdex.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_assert_eq(c.total_timeout_ms, 4000);
    cr_assert_eq(c.skip_options, CONFIG_SKIP_ALWAYS);
    cr_assert(!c.remember_auth);
    cr_assert_eq(config_parse("[probe]\nskip_options = false\n", "camdex.ini", &c, &e), 0);
    cr_assert_eq(c.skip_options, CONFIG_SKIP_NEVER);
    cr_assert_eq(config_parse("[probe]\nskip_options = auto\n", "camdex.ini", &c, &e), 0);
    cr_assert_eq(c.skip_options, CONFIG_SKIP_AUTO);
    cr_assert_neq(config_parse("[probe]\nskip_options = maybe\n", "camdex.ini", &c, &e), 0);
    cr_assert(strstr(e.msg[0], "\"maybe\" is not true or false (or yes/no, on/off, 1/0) or auto"),
              "%s", e.msg[0]);
    cr_assert_neq(config_parse("[probe]\nremember_auth = auto\n", "camdex.ini", &c, &e), 0,
                  "auto is only for skip_options");
}

Test(config, basic_downgrade_is_refused_unless_allowed)
{
    struct config c;
    struct config_errors e = {0};
    config_default(&c);
    cr_assert(!c.allow_basic_downgrade);
    cr_assert_eq(config_parse("[probe]\nallow_basic_downgrade = true\n", "camdex.ini", &c, &e), 0,
                 "%s", e.msg[0]);
    cr_assert(c.allow_basic_downgrade);
    cr_assert_neq(
        config_parse("[probe]\nallow_basic_downgrade = sometimes\n", "camdex.ini", &c, &e), 0);
}

Test(config, http_nice_takes_negative_values_within_linux_range)
{
    struct config c;
    char err[256];
    config_default(&c);
    cr_assert_eq(c.http_nice, 0);
    cr_assert_eq(config_set(&c, "http", "nice", "-10", err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(c.http_nice, -10);
    cr_assert_eq(config_set(&c, "http", "nice", "19", err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(c.http_nice, 19);
    cr_assert_eq(config_set(&c, "http", "nice", "-21", err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, "-20 to 19"), "%s", err);
    cr_assert_eq(config_set(&c, "http", "nice", "high", err, sizeof(err)), -EINVAL);
    cr_assert_eq(c.http_nice, 19, "a bad value keeps the last one");
}

/* ---- long values, and secrets kept in files of their own ---- */

/* The longest values the keys take (a 2,047-byte URL, 255-byte secrets
 * and tokens) fit on a line; libinih cut lines at 199 bytes. */
Test(config, longest_values_fit_on_one_line)
{
    static struct config c;
    static struct config_errors e;
    static char text[8192], url[2048], secret[256];
    int n = snprintf(url, sizeof(url), "https://hooks.example.org/");
    memset(url + n, 'a', sizeof(url) - 1 - (size_t)n);
    memset(secret, 's', sizeof(secret) - 1);
    snprintf(text, sizeof(text),
             "[http]\ntoken_ro = %s ; an inline comment\n[webhook ops]\nurl = %s\nsecret: %s\n",
             secret, url, secret);
    config_default(&c);
    cr_assert_eq(config_parse(text, "c.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_assert_str_eq(c.token_ro, secret);
    cr_assert_str_eq(c.webhooks[0].url, url);
    cr_assert_str_eq(c.webhooks[0].secret, secret);
}

Test(config, overlong_line_is_reported_and_the_next_lines_still_read)
{
    static struct config c;
    static struct config_errors e;
    static char text[16384];
    int n = snprintf(text, sizeof(text), "[http]\ntoken_ro = ");
    memset(text + n, 'x', 5000);
    snprintf(text + n + 5000, sizeof(text) - (size_t)n - 5000,
             "\n  continued = 1\n[probe]\ninterval = 10s\nbroken line\nfail_threshold = 0\n");
    config_default(&c);
    cr_assert_eq(config_parse(text, "c.ini", &c, &e), -EINVAL);
    cr_assert_eq(e.count, 4, "%zu errors, first: %s", e.count, e.msg[0]);
    cr_assert(strstr(e.msg[0], "c.ini:2: line longer than 4096 bytes"), "%s", e.msg[0]);
    /* An indented line after an unread one continues nothing. */
    cr_assert(strstr(e.msg[1], "c.ini:3: [http] continued: unknown key"), "%s", e.msg[1]);
    cr_assert(strstr(e.msg[2], "c.ini:6: not an INI line"), "%s", e.msg[2]);
    cr_assert(strstr(e.msg[3], "c.ini:7: [probe] fail_threshold"), "%s", e.msg[3]);
    cr_assert_str_eq(c.token_ro, "", "the cut line set nothing");
    cr_assert_eq(c.interval_ms, 10000);
}

static void write_file(const char *dir, const char *name, const char *text, int mode)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
    chmod(path, (mode_t)mode);
}

/* token_ro_file and the webhook's *_file keys: an absolute path, a bare
 * name or "%d/NAME" in $CREDENTIALS_DIRECTORY (systemd's LoadCredential=);
 * the final newline is not part of the secret. */
Test(config, secret_files_are_read_from_paths_and_the_credentials_directory)
{
    static struct config c;
    static struct config_errors e;
    char *dir = testutil_mkdtemp();
    write_file(dir, "token_ro", "reader-token\n", 0600);
    write_file(dir, "token_rw", "writer-token", 0600);
    write_file(dir, "hook_url", "https://u:pw@hooks.example.org/in\r\n", 0600);
    write_file(dir, "hook_secret", "hmac-key\n", 0600);
    char text[8192];
    snprintf(text, sizeof(text),
             "[http]\ntoken_ro_file = %s/token_ro\ntoken_rw_file = token_rw\n"
             "[webhook ops]\nurl_file = %%d/hook_url\nsecret_file = hook_secret\n",
             dir);
    config_default(&c);
    cr_assert_eq(config_parse(text, "c.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_assert_eq(config_read_secrets(&c, "c.ini", dir, &e), 0, "%s", e.msg[0]);
    cr_assert_str_eq(c.token_ro, "reader-token");
    cr_assert_str_eq(c.token_rw, "writer-token");
    cr_assert_str_eq(c.webhooks[0].url, "https://u:pw@hooks.example.org/in");
    cr_assert_str_eq(c.webhooks[0].secret, "hmac-key");
    cr_assert_str_eq(c.token_ro_file.path, "", "read once");
    testutil_rmdir(dir);
}

Test(config, secret_file_errors_name_the_line_and_never_the_secret)
{
    static struct config c;
    static struct config_errors e;
    char *dir = testutil_mkdtemp();
    write_file(dir, "two_lines", "topsecret\nmore\n", 0600);
    write_file(dir, "bad_url", "ftp://user:hunter2@example.org/\n", 0600);
    char text[8192];
    snprintf(text, sizeof(text),
             "[http]\ntoken_ro_file = %s/missing\ntoken_rw_file = two_lines\n"
             "[webhook ops]\nurl_file = bad_url\nsecret_file = ../etc/shadow\n",
             dir);
    config_default(&c);
    cr_assert_eq(config_parse(text, "c.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_assert_eq(config_read_secrets(&c, "c.ini", dir, &e), -EINVAL);
    const char *want[][2] = {{"c.ini:2: [http] token_ro_file:", "cannot open"},
                             {"c.ini:3: [http] token_rw_file:", "more than one line"},
                             {"c.ini:5: [webhook ops] url_file:", "http or https"},
                             {"c.ini:6: [webhook ops] secret_file:", "not a credential name"}};
    cr_assert_eq(e.count, 4, "%zu errors, first: %s", e.count, e.msg[0]);
    for (size_t i = 0; i < e.count; i++) {
        cr_assert(strstr(e.msg[i], want[i][0]) && strstr(e.msg[i], want[i][1]),
                  "error %zu: %s (expected %s ... %s)", i, e.msg[i], want[i][0], want[i][1]);
        cr_assert_null(strstr(e.msg[i], "hunter2"), "%s", e.msg[i]);
        cr_assert_null(strstr(e.msg[i], "topsecret"), "%s", e.msg[i]);
    }
    /* A bare name without $CREDENTIALS_DIRECTORY says how to set it. */
    memset(&e, 0, sizeof(e));
    config_default(&c);
    cr_assert_eq(config_parse("[http]\ntoken_ro_file = token_ro\n", "c.ini", &c, &e), 0);
    cr_assert_eq(config_read_secrets(&c, "c.ini", NULL, &e), -EINVAL);
    cr_assert(strstr(e.msg[0], "c.ini:2:") && strstr(e.msg[0], "LoadCredential="), "%s", e.msg[0]);
    testutil_rmdir(dir);
}

/* A webhook whose secret is in a file is complete before the file is read. */
Test(config, webhook_with_secret_file_needs_no_secret_key)
{
    static struct config c;
    static struct config_errors e;
    config_default(&c);
    const char *text = "[webhook ops]\nurl = https://example.org/in\nsecret_file = s\n";
    cr_assert_eq(config_parse(text, "c.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_assert_str_eq(c.webhooks[0].secret_file.path, "s");
}

Test(config, quality_limits_take_decimals_within_their_range)
{
    struct config c;
    char err[256];
    config_default(&c);
    struct picq_limits d;
    picq_limits_default(&d);
    cr_assert_float_eq(c.quality.noise_sigma, d.noise_sigma, 1e-6, "the defaults are the judge's");
    cr_assert_eq(config_set(&c, "quality", "noise_sigma", "7.5", err, sizeof(err)), 0, "%s", err);
    cr_expect_float_eq(c.quality.noise_sigma, 7.5f, 1e-6);
    cr_assert_eq(config_set(&c, "quality", "frozen_difference", "0.2", err, sizeof(err)), 0);
    cr_expect_float_eq(c.quality.frozen_diff, 0.2f, 1e-6);
    cr_assert_eq(config_set(&c, "quality", "black_share", "101", err, sizeof(err)), -EINVAL);
    cr_expect(strstr(err, "from 0 to 100"), "%s", err);
    cr_assert_eq(config_set(&c, "quality", "shake_jump", "a lot", err, sizeof(err)), -EINVAL);
    cr_expect_float_eq(c.quality.shake_jump, d.shake_jump, 1e-6, "a bad value leaves it");
}

Test(config, clock_look_keys_and_their_ranges)
{
    struct config c;
    struct config_errors e = {0};
    config_default(&c);
    cr_expect_eq(c.clock_interval_ms, 86400000);
    cr_expect_eq(c.clock_wait_ms, 6000);
    cr_expect_eq(c.clock_tolerance_ms, 10000);
    const char *text = "[quality]\nclock_interval = 12h\nclock_wait = 10s\nclock_tolerance = 2m\n";
    cr_assert_eq(config_parse(text, "camdex.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_expect_eq(c.clock_interval_ms, 12 * 3600000);
    cr_expect_eq(c.clock_wait_ms, 10000);
    cr_expect_eq(c.clock_tolerance_ms, 120000);
    cr_expect_eq(config_parse("[quality]\nclock_interval = 0\n", "camdex.ini", &c, &e), 0,
                 "0 turns clock looks off");
    cr_expect_neq(config_parse("[quality]\nclock_wait = 500ms\n", "camdex.ini", &c, &e), 0);
    cr_expect(strstr(e.msg[0], "clock_wait"), "%s", e.msg[0]);
    cr_expect_neq(config_parse("[quality]\nclock_interval = 31d\n", "camdex.ini", &c, &e), 0);
}

Test(config, cluster_roles_zones_and_their_errors)
{
    struct config c;
    struct config_errors e = {0};
    config_default(&c);
    cr_expect_eq(c.cluster_role, CONFIG_ROLE_STANDALONE, "standalone is the default");
    cr_expect_eq(c.cluster_stale_after_ms, 60000);
    const char *text = "[cluster]\nrole = prober\nzone = east-1\nnats = nats://a:4222,nats://b:4222\n"
                       "stale_after = 30s\nreplicas = 3\n";
    cr_assert_eq(config_parse(text, "camdex.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_expect_eq(c.cluster_role, CONFIG_ROLE_PROBER);
    cr_expect_str_eq(c.cluster_zone, "east-1");
    cr_expect_eq(c.cluster_stale_after_ms, 30000);
    cr_expect_eq(c.cluster_replicas, 3);
    /* A zone becomes a subject token: dots and wildcards are refused. */
    config_default(&c);
    e.count = 0;
    cr_expect_eq(config_parse("[cluster]\nrole = boss\nzone = a.>\n", "c.ini", &c, &e), -EINVAL);
    cr_assert_geq(e.count, 2);
    cr_expect(strstr(e.msg[0], "c.ini:2:") && strstr(e.msg[0], "standalone, prober or central"),
              "%s", e.msg[0]);
    cr_expect(strstr(e.msg[1], "c.ini:3:") && strstr(e.msg[1], "zone name"), "%s", e.msg[1]);
    /* Each role needs what it works with. */
    config_default(&c);
    e.count = 0;
    cr_expect_eq(config_parse("[cluster]\nrole = prober\n", "c.ini", &c, &e), -EINVAL);
    cr_expect(e.count && strstr(e.msg[0], "needs a zone"), "%s", e.msg[0]);
    config_default(&c);
    e.count = 0;
    cr_expect_eq(config_parse("[cluster]\nrole = central\n", "c.ini", &c, &e), -EINVAL);
    cr_expect(e.count && strstr(e.msg[0], "needs its zones"), "%s", e.msg[0]);
}
