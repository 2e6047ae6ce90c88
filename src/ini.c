/* ini — see ini.h. */
#include "ini.h"

#include "diag.h"
#include "sys.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <iniparser.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INCLUDE_DEPTH 8
#define MAX_LINE 1000 /* iniparser 4.1 fails on lines of 1,024 bytes or more */
/* Sections and keys in all (a review config has a few hundred): iniparser's
 * dictionary and our duplicate check are linear searches, so 100,000
 * sections took ten minutes to refuse. */
#define MAX_ENTRIES 10000
#define MAX_SHOWN 20 /* errors printed; the rest are counted */
#define MAX_BYTES (4 << 20) /* a file (include = /dev/zero read until memory ran out) */

#define entry kp_ini_entry /* entries own their strings (freed through casts) */

struct kp_ini {
    char *path;
    dictionary *d;
    struct entry *e;
    size_t n, cap;
    int errors;
    int allow_include;
};

static void ini_error(struct kp_ini *x, const char *file, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void ini_error(struct kp_ini *x, const char *file, long line, long col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (x->errors < MAX_SHOWN)
        diag(KP_FATAL, file, line, col, "%s", msg);
    free(msg);
    x->errors++;
}

static void add(struct kp_ini *x, const char *sec, const char *key, const char *file, long line,
                size_t col)
{
    xgrow(&x->e, &x->cap, x->n + 1, sizeof *x->e);
    struct entry *e = &x->e[x->n++];
    e->sec = xstrdup(sec);
    e->key = key ? xstrdup(key) : NULL;
    e->file = xstrdup(file);
    e->line = line;
    e->value_col = col;
}

static const struct entry *find(const struct kp_ini *x, const char *sec, const char *key)
{
    for (size_t i = x->n; i-- > 0;)
        if (strcmp(x->e[i].sec, sec) == 0 && str_eq(x->e[i].key, key))
            return &x->e[i];
    return NULL;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* iniparser cuts an unquoted value at the first ';' or '#'. When that
 * character sticks to the text before it ("a;b"), is a '#' before a digit
 * ("Sales #1"), or a value starts with '#' and a hex digit (a colour), the
 * cut was surely not meant. */
static void lint_value(struct kp_ini *x, const char *file, long line, const char *v, size_t col)
{
    if (*v == '"' || *v == '\'')
        return;
    for (const char *p = v; *p; p++) {
        if (*p != ';' && *p != '#')
            continue;
        if (p == v) {
            if (*p == '#' && isxdigit((unsigned char)p[1]))
                ini_error(x, file, line, (long)col,
                          "a value starting with '#' reads as a comment: put it in double quotes");
        } else if ((p[-1] != ' ' && p[-1] != '\t') ||
                   (*p == '#' && isdigit((unsigned char)p[1]))) {
            ini_error(x, file, line, (long)(col + (size_t)(p - v)),
                      "the value is cut at '%c' (the rest reads as a comment): put the value in "
                      "double quotes",
                      *p);
        }
        return;
    }
}

static int scan_file(struct kp_ini *x, const char *path, int depth, struct kp_buf *merged);

static void scan_include(struct kp_ini *x, const char *file, long ln, const char *v, size_t col,
                         int depth, char *sec, size_t secsz, struct kp_buf *merged)
{
    char *raw = xstrdup(v);
    char *inc = str_trim(raw);
    size_t n = strlen(inc);
    if (n >= 2 && (inc[0] == '"' || inc[0] == '\'') && inc[n - 1] == inc[0]) {
        inc[n - 1] = '\0';
        inc++;
    }
    char *dir = path_dir(file);
    char *p = path_resolve(dir, inc);
    add(x, sec, "include", file, ln, col);
    char saved[256];
    snprintf(saved, sizeof saved, "%s", sec);
    if (depth >= MAX_INCLUDE_DEPTH)
        ini_error(x, file, ln, (long)col, "includes nest deeper than %d files", MAX_INCLUDE_DEPTH);
    else
        scan_file(x, p, depth + 1, merged);
    buf_printf(merged, "[%s]\n", saved); /* back in the including file's section */
    snprintf(sec, secsz, "%s", saved);
    free(p);
    free(dir);
    free(raw);
}

/* One line: a section header, a key = value, a comment or nothing. */
static void scan_line(struct kp_ini *x, const char *file, long ln, char *s, char *sec,
                      size_t secsz, int depth, struct kp_buf *merged)
{
    char *t = str_trim(s);
    if (*t == '\0' || *t == ';' || *t == '#') {
        buf_addc(merged, '\n');
        return;
    }
    if (*t == '[') {
        char *end = strchr(t, ']');
        char *raw = end ? xstrndup(t + 1, (size_t)(end - t - 1)) : NULL;
        char *name = raw ? str_trim(raw) : NULL;
        const char *after = end ? end + 1 + strspn(end + 1, " \t") : NULL;
        if (!end || !*name || (*after && *after != ';' && *after != '#')) {
            ini_error(x, file, ln, 1, "a section header is a name in brackets: [name]");
            buf_addc(merged, '\n');
        } else {
            lower(name);
            snprintf(sec, secsz, "%s", name);
            add(x, sec, NULL, file, ln, 0);
            buf_printf(merged, "[%s]\n", name);
        }
        free(raw);
        return;
    }
    char *eq = strchr(t, '=');
    if (!eq) {
        ini_error(x, file, ln, 1, "expected \"key = value\" or \"[section]\", found \"%.40s\"", t);
        buf_addc(merged, '\n');
        return;
    }
    char *key = xstrndup(t, (size_t)(eq - t));
    char *k = str_trim(key);
    lower(k);
    char *v = eq + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    /* 1-based column of the value as iniparser returns it (after a quote). */
    size_t col = (size_t)(v - s) + 1 + (*v == '"' || *v == '\'');
    if (!*k) {
        ini_error(x, file, ln, 1, "a key is missing before '='");
    } else if (!*sec) {
        ini_error(x, file, ln, 1, "\"%s\" is outside any [section]", k);
    } else if (x->allow_include && strcmp(sec, "config") == 0 && strcmp(k, "include") == 0) {
        scan_include(x, file, ln, v, col, depth, sec, secsz, merged);
        free(key);
        return;
    } else {
        const struct entry *prev = find(x, sec, k);
        if (prev && strcmp(prev->file, file) == 0) /* overriding an included file is the point */
            diag(KP_WARN, file, ln, 1, "[%s] %s is set again (first at %s:%ld); this value wins",
                 sec, k, prev->file, prev->line);
        add(x, sec, k, file, ln, col);
        lint_value(x, file, ln, v, col);
    }
    buf_printf(merged, "%s = %s\n", k, v);
    free(key);
}

/* Is path one of the files being read (an include loop)? */
static int including(const struct kp_ini *x, const char *path, int depth)
{
    if (depth == 0)
        return 0;
    if (strcmp(path, x->path) == 0)
        return 1;
    for (size_t i = 0; i < x->n; i++)
        if (x->e[i].key && strcmp(x->e[i].key, "include") == 0 && strcmp(x->e[i].file, path) == 0)
            return 1;
    return 0;
}

static int scan_file(struct kp_ini *x, const char *path, int depth, struct kp_buf *merged)
{
    if (including(x, path, depth)) {
        ini_error(x, path, 0, 0, "this file includes itself (through [config] include)");
        return -1;
    }
    char *data;
    size_t len;
    int err = sys_read_file_max(path, MAX_BYTES, &data, &len);
    if (err == EFBIG) {
        ini_error(x, path, 0, 0, "larger than %d MiB (a review config is a few KB): is this the "
                  "right file?", MAX_BYTES >> 20);
        return -1;
    }
    if (err) {
        ini_error(x, path, 0, 0, "cannot read: %s", strerror(err));
        return -1;
    }
    char *p = data;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    if (memchr(p, '\0', len - (size_t)(p - data))) {
        ini_error(x, path, 0, 0, "contains a NUL byte: is it a text file?");
        free(data);
        return -1;
    }
    char sec[256] = "";
    long ln = 0;
    while (*p && x->n <= MAX_ENTRIES) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = xstrndup(p, n);
        ln++;
        if (!utf8_valid(line, n))
            ini_error(x, path, ln, 0, "invalid UTF-8: save the file as UTF-8");
        else if (n > MAX_LINE)
            ini_error(x, path, ln, 0, "line is %zu bytes long; the limit is %d", n, MAX_LINE);
        else
            scan_line(x, path, ln, line, sec, sizeof sec, depth, merged);
        free(line);
        p += n + (nl ? 1 : 0);
    }
    free(data);
    return 0;
}

static struct kp_buf *ini_errors;

static int errback(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = xvasprintf(fmt, ap);
    va_end(ap);
    if (ini_errors)
        buf_adds(ini_errors, m);
    free(m);
    return 0;
}

static dictionary *parse(struct kp_ini *x, const struct kp_buf *merged)
{
    const char *tmp = sys_tmpdir();
    if (!tmp)
        return NULL;
    static unsigned counter;
    char *path = xasprintf("%s/ini-%u.ini", tmp, counter++);
    if (sys_write_atomic(path, merged->s ? merged->s : "", merged->len) != 0) {
        free(path);
        return NULL;
    }
    struct kp_buf errs = {0};
    ini_errors = &errs;
    iniparser_set_error_callback(errback);
    dictionary *d = iniparser_load(path);
    ini_errors = NULL;
    if (!d)
        ini_error(x, x->path, 0, 0, "the INI parser rejected the file: %s",
                  errs.s ? str_trim(errs.s) : "unknown error");
    buf_free(&errs);
    remove(path);
    free(path);
    return d;
}

struct kp_ini *ini_load(const char *path, int allow_include)
{
    struct kp_ini *x = xcalloc(1, sizeof *x);
    x->path = xstrdup(path);
    x->allow_include = allow_include;
    struct kp_buf merged = {0};
    int scanned = scan_file(x, path, 0, &merged);
    if (x->n > MAX_ENTRIES) { /* said even after MAX_SHOWN other errors */
        diag(KP_FATAL, path, 0, 0, "more than %d sections and keys (a review config has a few "
             "hundred): is this the right file?", MAX_ENTRIES);
        x->errors++;
    } else if (x->errors > MAX_SHOWN) {
        diag(KP_FATAL, path, 0, 0, "%d more errors like these", x->errors - MAX_SHOWN);
    }
    if (scanned == 0 && x->errors == 0)
        x->d = parse(x, &merged);
    buf_free(&merged);
    if (x->errors || !x->d) {
        ini_free(x);
        return NULL;
    }
    return x;
}

void ini_free(struct kp_ini *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n; i++)
        free((char *)x->e[i].sec), free((char *)x->e[i].key), free((char *)x->e[i].file);
    free(x->e);
    if (x->d)
        iniparser_freedict(x->d);
    free(x->path);
    free(x);
}

const char *ini_get(const struct kp_ini *x, const char *sec, const char *key)
{
    char *k = xasprintf("%s:%s", sec, key);
    const char *v = iniparser_getstring(x->d, k, NULL);
    free(k);
    return v;
}

const struct kp_ini_entry *ini_find(const struct kp_ini *x, const char *sec, const char *key)
{
    return find(x, sec, key);
}

size_t ini_count(const struct kp_ini *x)
{
    return x->n;
}

const struct kp_ini_entry *ini_entry(const struct kp_ini *x, size_t i)
{
    return i < x->n ? &x->e[i] : NULL;
}

const char *ini_path(const struct kp_ini *x)
{
    return x->path;
}
