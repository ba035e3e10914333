/* The INI reader of the configuration file: a pure function over a text,
 * with a hard limit on each length, calling back once per key and once per
 * line it cannot read (ini_read.c). */
#ifndef CAMDEX_INI_READ_H
#define CAMDEX_INI_READ_H

#include <stddef.h>

/* A line may hold the longest value the configuration takes (a 2,047-byte
 * webhook URL) with room for its key, spaces and a comment. */
#define INI_LINE_MAX    4096
#define INI_SECTION_MAX 64 /* "webhook " and a 32-byte name fit */
#define INI_NAME_MAX    64

/* `key` NULL: line `line` could not be read and `value` says why.
 * Otherwise `section` ("" before the first [section]), `key` and `value`
 * are trimmed and NUL-terminated; they are valid during the call only. */
typedef void (*ini_fn)(void *user, int line, const char *section, const char *key,
                       const char *value);

/* Reads `text` (NUL-terminated) the way the configuration has always been
 * read: ";" or "#" start a comment line, " ;" starts a comment after a
 * value, "key = value" or "key: value", "[section]", and an indented line
 * after a key sets that key again. A UTF-8 byte-order mark is skipped.
 * Returns the number of lines that could not be read. */
int ini_read(const char *text, ini_fn fn, void *user);

#endif
