/* The CSV formula guard; see csv_guard.h. */
#include "base/csv_guard.h"

#include <string.h>

bool csv_guard_needed(const char *s)
{
    return s && s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

const char *csv_guard_strip(const char *s)
{
    return s && s[0] == '\'' && csv_guard_needed(s + 1) ? s + 1 : s;
}
