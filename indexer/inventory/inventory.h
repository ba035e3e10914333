/* The camera inventory as operations staff supply it: parsed from CSV or
 * JSON, validated, and handed to the import as one in-memory list. */
#ifndef CAMDEX_INVENTORY_H
#define CAMDEX_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limits on what one inventory row may hold (bytes, UTF-8). */
#define INV_ID_MAX      64
#define INV_NAME_MAX    256
#define INV_URL_MAX     2048
#define INV_ADDRESS_MAX 512
#define INV_TAGS_MAX    512
#define INV_ROWS_MAX    1000000

struct inv_camera {
    const char *id;        /* camera id, often a 20-digit GB/T 28181 code */
    const char *name;      /* display name, may be Chinese */
    const char *unit_id;   /* organisational unit the camera belongs to */
    const char *unit_name; /* that unit's display name */
    const char *url;       /* stream URL, credentials included (never print it raw) */
    const char *address;   /* optional, "" when absent */
    const char *tags;      /* optional, comma-separated, "" when absent */
    double lat, lon;       /* valid only when has_location */
    bool has_location;
    uint16_t width, height; /* expected resolution, 0 when not given */
    uint16_t fps;           /* expected frame rate, 0 when not given */
    uint32_t line;          /* line in the source file where the row starts */
};

/* Line breaks in free-text cells (name, unit name, address, tags: Alt+Enter
 * in a spreadsheet cell) are stored as spaces and reported as a warning. */
#define INV_BREAK_LINES_KEPT 20
struct inv_breaks {
    size_t cells;                          /* cells that held line breaks */
    size_t rows;                           /* rows holding them */
    uint32_t lines[INV_BREAK_LINES_KEPT];  /* where the first such rows start */
};

/* One parsed inventory. All strings live in the inventory's own arena. */
struct inventory {
    struct inv_camera *cams;
    size_t count, cap;
    struct inv_breaks breaks;
    void *arena; /* private */
};

/* The warning about inv->breaks, "NAME: line breaks in 3 free-text cells
 * were stored as spaces (lines 4, 9, 12)", into buf. Returns false (buf
 * empty) when there is nothing to say. */
bool inv_breaks_warning(const struct inventory *inv, const char *name, char *buf, size_t len);

/* Errors found while reading: kept up to INV_ERRORS_KEPT, all counted. */
#define INV_ERRORS_KEPT 50
#define INV_ERROR_MAX   512
struct inv_errors {
    size_t count;
    char msg[INV_ERRORS_KEPT][INV_ERROR_MAX]; /* "file:line: column \"x\": what; what to do" */
};

enum inv_encoding {
    INV_ENC_AUTO = 0, /* UTF-8 (BOM optional) if valid, else GB18030 */
    INV_ENC_UTF8,
    INV_ENC_GB18030, /* also reads GBK and GB2312 files */
};

enum inv_format { INV_FMT_AUTO = 0, INV_FMT_CSV, INV_FMT_JSON };

void inv_init(struct inventory *inv);
void inv_free(struct inventory *inv);

/* Parse a whole buffer (no I/O). `name` is used in error messages only.
 * Returns 0 when the inventory is valid, -EINVAL when `errs` holds at least
 * one error (the inventory must then not be written anywhere), or another
 * negative errno. */
int inv_parse(const char *buf, size_t len, const char *name, enum inv_format fmt,
              enum inv_encoding enc, struct inventory *inv, struct inv_errors *errs);

/* Read a file and parse it as above; I/O errors are reported in `errs` too.
 * "-" reads standard input (messages then say "stdin"). */
int inv_load_file(const char *path, enum inv_format fmt, enum inv_encoding enc,
                  struct inventory *inv, struct inv_errors *errs);

#endif
