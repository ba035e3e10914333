/* Spreadsheet formula guard for CSV cells: a cell that starts with = + - @
 * (or tab, CR) is run as a formula when an operator opens the file in
 * Excel or LibreOffice (`=HYPERLINK(...)` in a camera name). Writers put
 * the usual apostrophe in front; the inventory reader takes it off again,
 * so an exported list imports back unchanged. */
#ifndef CAMDEX_BASE_CSV_GUARD_H
#define CAMDEX_BASE_CSV_GUARD_H

#include <stdbool.h>

/* True when a spreadsheet would read text `s` as a formula. */
bool csv_guard_needed(const char *s);

/* `s` without the guard a writer added ("'=1+2" gives "=1+2"); any other
 * text as it is. */
const char *csv_guard_strip(const char *s);

#endif
