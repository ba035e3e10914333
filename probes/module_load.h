/* Loading camdex's optional modules (camdex-deep.so for libav,
 * camdex-osd.so for Tesseract): each brings libraries that every CLI
 * start would otherwise pay for, so the program opens them on first use.
 * A module exports one function returning its table of functions, whose
 * first member is an int version the program checks. */
#ifndef CAMDEX_MODULE_LOAD_H
#define CAMDEX_MODULE_LOAD_H

#include <limits.h>
#include <stddef.h>

struct module_load {
    const char *file;         /* "camdex-deep.so" */
    const char *env;          /* "CAMDEX_DEEP_MODULE": a path that wins */
    const char *install_path; /* the configured prefix's lib/camdex/FILE */
    const char *symbol;       /* the exported function */
    int version;              /* the table's first member must equal this */
    /* filled in */
    const void *table; /* NULL when no candidate loaded */
    char path[PATH_MAX];
    char error[512];
};

/* Tries, in order: $ENV, FILE beside the running program, PREFIX/lib/camdex/
 * FILE for a program in PREFIX/bin (a package's /usr, a build's /usr/local),
 * and install_path. Sets m->table and m->path, or m->error. Call once (under
 * pthread_once); a loaded module stays for the life of the process. */
void module_load(struct module_load *m);

#endif
