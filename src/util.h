/* util — small helpers every module uses: allocation that never returns NULL,
 * a growable byte buffer, UTF-8 checks, strict number parsing, safe file names.
 * Nothing here touches files, processes or the clock (that is sys.h). */
#ifndef KP_UTIL_H
#define KP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define KP_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Out of memory is reported and exits with status 3; callers never check. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow *p (an array of *cap elements of `size` bytes) to hold at least `need`. */
void xgrow(void *pp, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* A growable byte buffer, always NUL-terminated after the first append.
 * Zero-initialise it ({0}); buf_free releases it. */
struct kp_buf {
    char *s;
    size_t len, cap;
};
void buf_add(struct kp_buf *b, const void *p, size_t n);
void buf_adds(struct kp_buf *b, const char *s);
void buf_addc(struct kp_buf *b, char c);
void buf_printf(struct kp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct kp_buf *b);
void buf_free(struct kp_buf *b);
/* Hand the string over to the caller (who frees it); the buffer is emptied. */
char *buf_steal(struct kp_buf *b);

/* Strings */
int str_eq(const char *a, const char *b);      /* both may be NULL */
int str_ieq(const char *a, const char *b);     /* ASCII case-insensitive */
int str_empty(const char *s);                  /* NULL or "" */
char *str_trim(char *s);                       /* in place, ASCII spaces/tabs; returns s moved */
int str_has_prefix(const char *s, const char *prefix);
/* Split a comma-separated list into trimmed, non-empty items (caller frees with
 * strv_free). Returns the count. */
size_t str_split(const char *s, char sep, char ***out);
void strv_free(char **v, size_t n);

/* UTF-8: is the whole buffer valid UTF-8 (no overlongs, no surrogates)? */
int utf8_valid(const char *s, size_t n);
/* Decode one code point at *p (advancing it); returns -1 on invalid input
 * (then *p advances one byte). */
int32_t utf8_next(const char **p, const char *end);
size_t utf8_put(char *out, int32_t cp); /* writes 1-4 bytes, returns count */
size_t utf8_count(const char *s);        /* code points in a valid string */
/* The longest prefix of s (n bytes) of at most max bytes that ends on a
 * code point boundary (at least one code point). */
size_t utf8_prefix(const char *s, size_t n, size_t max);
/* The edit distance between a[0..na) and b[0..nb) for "did you mean"
 * suggestions: insertions, deletions, substitutions and adjacent
 * transpositions of characters (code points; an invalid byte is one),
 * ASCII letters compared without case. KP_FAR when either has more than
 * KP_NEAR_MAX characters. */
#define KP_NEAR_MAX 64
#define KP_FAR      ((size_t)1 << 20)
size_t text_distance(const char *a, size_t na, const char *b, size_t nb);
/* Copy s replacing invalid sequences and C0/C1 controls (but not \n when
 * keep_newline) with U+FFFD; returns a new string. *bad counts replacements. */
char *utf8_clean(const char *s, size_t n, int keep_newline, int *bad);

/* Numbers. Strict: the whole string must be consumed, C locale, decimal only.
 * Return 0 on success, -1 otherwise. */
int parse_long(const char *s, long *out);
int parse_double(const char *s, double *out); /* finite values only */
/* Plain machine form of a double: "%.15g", "%.16g" or "%.17g", the first
 * that reads back to the same value (whole numbers below 1e15 as digits);
 * -0 is "0", "" for NaN. Writes into out (at least 32 bytes). */
void fmt_plain(char *out, size_t n, double v);

/* A file or folder name made from data. The rule ([output] ascii_names):
 * - Unicode (ascii = 0): NFC; letters and digits of any script and every
 *   other character are kept but for what is unsafe somewhere: control and
 *   format characters, spaces, line/paragraph separators, / \ : * ? " < > |;
 * - ASCII (ascii = 1): only [A-Za-z0-9._-] are kept.
 * Each character left out becomes one '_' (an invalid byte is one
 * character); a leading dot and trailing dots become '_'; a
 * Windows device name (CON, NUL, COM1, LPT1.txt …) gets a leading '_'.
 * Never empty, never "." or "..", at most 100 bytes, cut on a character
 * boundary. Returns a new string. */
char *safe_name(const char *s, int ascii);
/* safe_name() of each of n ids, made unique: names that collide (after NFC
 * and Unicode case folding: "Ost" and "OST") each get "-" and 8 hex digits
 * of their own id's hash. Returns n new strings (free each and the array). */
char **safe_names(char *const *ids, size_t n, int ascii);

/* 64-bit FNV-1a, the stable hash used for sharding and de-duplication. */
uint64_t hash64(const void *p, size_t n);

#endif
