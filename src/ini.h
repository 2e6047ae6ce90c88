/* ini — INI files with line numbers: iniparser 4.1 underneath, our own scan
 * on top.
 *
 * ini_load() first scans the raw lines itself and reports, as FILE:LINE:COL,
 * what iniparser would reject without a line or accept silently: syntax
 * errors, keys outside a section, lines over 1,000 bytes, invalid UTF-8, NUL
 * bytes, values cut short by a ';' or '#', repeated keys (a warning: the
 * last one wins). A UTF-8 BOM is skipped. With allow_include, a key
 * `include = other.ini` in a [config] section splices that file in at that
 * point (relative to the including file; a loop or nesting deeper than 8 is
 * an error). Then iniparser parses the cleaned text (from a temporary copy:
 * 4.1 loads only from a path). Section and key names are lower-cased.
 *
 * Errors are reported with diag at KP_FATAL; ini_load returns NULL when there
 * was any. The struct owns everything (ini_free). */
#ifndef KP_INI_H
#define KP_INI_H

#include <stddef.h>

struct kp_ini;

/* Where a section header or a key is, in file order. */
struct kp_ini_entry {
    const char *sec;  /* lower case */
    const char *key;  /* lower case; NULL for a section header */
    const char *file; /* the file it came from (includes!) */
    long line;
    size_t value_col; /* 1-based column of the value's first character */
};

struct kp_ini *ini_load(const char *path, int allow_include);
void ini_free(struct kp_ini *ini);

/* The value of sec:key (as iniparser read it, quotes removed) or NULL. */
const char *ini_get(const struct kp_ini *ini, const char *sec, const char *key);
/* The last entry for sec:key (key NULL = the section header), or NULL. */
const struct kp_ini_entry *ini_find(const struct kp_ini *ini, const char *sec, const char *key);
size_t ini_count(const struct kp_ini *ini);
const struct kp_ini_entry *ini_entry(const struct kp_ini *ini, size_t i);
const char *ini_path(const struct kp_ini *ini);

#endif
