/* Locale-free ASCII helpers for parsers of bytes from the network and from
 * files: a camera's header must never meet toupper() of some locale. One
 * copy, shared by probes/ and indexer/. */
#ifndef CAMDEX_ASCII_H
#define CAMDEX_ASCII_H

#include <stddef.h>
#include <string.h>

static inline int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* The value of a hexadecimal digit, -1 for anything else. */
static inline int ascii_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = ascii_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Drops the bytes of `chars` (a NUL-terminated set, e.g. " \t\r\n") from
 * both ends of [*s, *s + *len). */
static inline void ascii_trim(const char **s, size_t *len, const char *chars)
{
    while (*len && strchr(chars, (*s)[0]) && (*s)[0]) {
        (*s)++;
        (*len)--;
    }
    while (*len && strchr(chars, (*s)[*len - 1]) && (*s)[*len - 1])
        (*len)--;
}

#endif
