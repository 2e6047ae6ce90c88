/* util — see util.h. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>

static void oom(void)
{
    fputs("kpipress: out of memory\n", stderr);
    exit(3);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

void xgrow(void *pp, size_t *cap, size_t need, size_t size)
{
    void **p = pp;
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2 / size)
            oom();
        n *= 2;
    }
    *p = xrealloc(*p, n * size);
    *cap = n;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        oom();
    char *p = xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void buf_add(struct kp_buf *b, const void *p, size_t n)
{
    xgrow(&b->s, &b->cap, b->len + n + 1, 1);
    if (n)
        memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void buf_adds(struct kp_buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_addc(struct kp_buf *b, char c)
{
    buf_add(b, &c, 1);
}

void buf_printf(struct kp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    buf_adds(b, s);
    free(s);
}

void buf_reset(struct kp_buf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

void buf_free(struct kp_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

char *buf_steal(struct kp_buf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

int str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int str_ieq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

int str_empty(const char *s)
{
    return !s || !*s;
}

char *str_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

int str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

size_t str_split(const char *s, char sep, char ***out)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    while (s && *s) {
        const char *e = strchr(s, sep);
        size_t len = e ? (size_t)(e - s) : strlen(s);
        char *item = xstrndup(s, len);
        char *t = str_trim(item);
        if (*t) {
            xgrow(&v, &cap, n + 1, sizeof *v);
            v[n++] = xstrdup(t);
        }
        free(item);
        s = e ? e + 1 : s + len;
    }
    *out = v;
    return n;
}

void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int32_t utf8_next(const char **pp, const char *end)
{
    const unsigned char *p = (const unsigned char *)*pp, *e = (const unsigned char *)end;
    unsigned c = p[0];
    int n;
    int32_t cp, min;
    if (c < 0x80) {
        *pp += 1;
        return (int32_t)c;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 1, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3, cp = c & 0x07, min = 0x10000;
    } else {
        *pp += 1;
        return -1;
    }
    if (e - p <= n) {
        *pp += 1;
        return -1;
    }
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *pp += 1;
            return -1;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *pp += 1;
        return -1;
    }
    *pp += n + 1;
    return cp;
}

int utf8_valid(const char *s, size_t n)
{
    const char *p = s, *e = s + n;
    while (p < e)
        if (utf8_next(&p, e) < 0)
            return 0;
    return 1;
}

size_t utf8_put(char *out, int32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t utf8_count(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

char *utf8_clean(const char *s, size_t n, int keep_newline, int *bad)
{
    struct kp_buf b = {0};
    const char *p = s, *e = s + n;
    int nbad = 0;
    while (p < e) {
        const char *start = p;
        int32_t cp = utf8_next(&p, e);
        int ctl = (cp >= 0 && cp < 0x20 && !(keep_newline && cp == '\n') && cp != '\t') ||
                  cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
        if (cp < 0 || ctl) {
            buf_adds(&b, "\xEF\xBF\xBD");
            nbad++;
        } else if (cp == '\t') {
            buf_addc(&b, ' ');
        } else {
            buf_add(&b, start, (size_t)(p - start));
        }
    }
    if (bad)
        *bad = nbad;
    return buf_steal(&b);
}

int parse_long(const char *s, long *out)
{
    if (str_empty(s) || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int parse_double(const char *s, double *out)
{
    if (str_empty(s) || isspace((unsigned char)*s))
        return -1;
    /* Decimal notation only: no hex floats, no inf/nan words. */
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE", *p))
            return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || !isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
        return -1;
    *out = v;
    return 0;
}

void fmt_plain(char *out, size_t n, double v)
{
    if (isnan(v)) {
        snprintf(out, n, "%s", "");
        return;
    }
    if (v == 0)
        v = 0; /* no "-0" */
    /* Whole numbers below 1e15 are what "%.15g" prints, without the rounds. */
    if (fabs(v) < 1e15 && v == (double)(long long)v) {
        snprintf(out, n, "%lld", (long long)v);
        return;
    }
    for (int prec = 15; prec <= 16; prec++) {
        snprintf(out, n, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
    snprintf(out, n, "%.17g", v); /* 17 digits always read back */
}

size_t utf8_prefix(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    if (k == 0) {
        k = 1;
        while (k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
            k++;
    }
    return k;
}

/* s[0..n) as code points, ASCII letters in lower case; -1 when too long. */
static long near_points(const char *s, size_t n, int32_t *out)
{
    const char *e = s + n;
    long k = 0;
    while (s < e) {
        if (k == KP_NEAR_MAX)
            return -1;
        int32_t c = utf8_next(&s, e);
        out[k++] = c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
    }
    return k;
}

size_t text_distance(const char *a, size_t na, const char *b, size_t nb)
{
    int32_t x[KP_NEAR_MAX], y[KP_NEAR_MAX];
    long lx = near_points(a, na, x), ly = near_points(b, nb, y);
    if (lx < 0 || ly < 0)
        return KP_FAR;
    size_t r0[KP_NEAR_MAX + 1], r1[KP_NEAR_MAX + 1], r2[KP_NEAR_MAX + 1];
    size_t *prev2 = r0, *prev = r1, *cur = r2;
    for (long j = 0; j <= ly; j++)
        prev[j] = (size_t)j;
    for (long i = 1; i <= lx; i++) {
        cur[0] = (size_t)i;
        for (long j = 1; j <= ly; j++) {
            size_t best = prev[j - 1] + (x[i - 1] != y[j - 1]);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev, prev = cur, cur = t;
    }
    return prev[ly];
}

/* What no file name may hold, on any system kpipress's folders are copied
 * to: control and format characters (bidi overrides, zero-width), line and
 * paragraph separators, and / \ : * ? " < > |; and spaces, so that a name
 * is one shell word and an all-ASCII name is what it always was. */
static int name_unsafe(int32_t cp)
{
    if (cp <= 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
        return 1;
    if (cp < 0x80)
        return strchr("/\\:*?\"<>|", (int)cp) != NULL;
    return uc_is_general_category((ucs4_t)cp, UC_CATEGORY_Zs) ||
           uc_is_general_category((ucs4_t)cp, UC_CATEGORY_Cf) ||
           uc_is_general_category((ucs4_t)cp, UC_CATEGORY_Zl) ||
           uc_is_general_category((ucs4_t)cp, UC_CATEGORY_Zp);
}

/* CON, PRN, AUX, NUL, COM1–9, LPT1–9, alone or before an extension, any case. */
static int name_reserved(const char *s)
{
    static const char *const dev[] = {"CON", "PRN", "AUX", "NUL"};
    size_t stem = strcspn(s, ".");
    for (size_t i = 0; i < KP_NELEM(dev) && stem == 3; i++)
        if (strncasecmp(s, dev[i], 3) == 0)
            return 1;
    return stem == 4 && (strncasecmp(s, "COM", 3) == 0 || strncasecmp(s, "LPT", 3) == 0) &&
           s[3] >= '1' && s[3] <= '9';
}

char *safe_name(const char *s, int ascii)
{
    size_t nlen = 0;
    /* NFC first, so that é typed two ways is one name; invalid UTF-8 is kept
     * as it is (each bad byte becomes one '_' below). */
    uint8_t *nfc = utf8_valid(s, strlen(s)) ? u8_normalize(UNINORM_NFC, (const uint8_t *)s,
                                                          strlen(s), NULL, &nlen)
                                            : NULL;
    const char *p = nfc ? (const char *)nfc : s, *end = p + (nfc ? nlen : strlen(s));
    struct kp_buf b = {0};
    while (p < end) {
        const char *at = p;
        /* One '_' per character (a UTF-8 sequence, or an invalid byte). */
        int32_t cp = utf8_next(&p, end);
        int ok = ascii ? (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') ||
                             cp == '.' || cp == '_' || cp == '-'
                       : cp >= 0 && !name_unsafe(cp);
        if (ok)
            buf_add(&b, at, (size_t)(p - at));
        else
            buf_addc(&b, '_');
    }
    free(nfc);
    buf_addc(&b, '\0'); /* b.s exists from here on */
    b.len--;
    b.len = utf8_prefix(b.s, b.len, 100);
    b.s[b.len] = '\0';
    if (b.len == 0)
        buf_addc(&b, '_');
    if (b.s[0] == '.')
        b.s[0] = '_';
    for (size_t i = b.len; i > 0 && b.s[i - 1] == '.'; i--)
        b.s[i - 1] = '_'; /* Windows drops trailing dots */
    if (name_reserved(b.s)) {
        char *r = xasprintf("_%.*s", (int)utf8_prefix(b.s, b.len, 99), b.s);
        free(buf_steal(&b));
        return r;
    }
    return buf_steal(&b);
}

/* The key two names collide under: NFC and Unicode case folding. */
static char *name_fold(const char *s)
{
    size_t n = 0;
    uint8_t *f = u8_casefold((const uint8_t *)s, strlen(s), NULL, UNINORM_NFC, NULL, &n);
    if (!f)
        return xstrdup(s);
    char *r = xmalloc(n + 1);
    memcpy(r, f, n);
    r[n] = '\0';
    free(f);
    return r;
}

struct folded {
    char *key;
    size_t i;
};

static int folded_cmp(const void *a, const void *b)
{
    const struct folded *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

char **safe_names(char *const *ids, size_t n, int ascii)
{
    char **out = xcalloc(n + 1, sizeof *out);
    struct folded *f = xcalloc(n + 1, sizeof *f);
    for (size_t i = 0; i < n; i++) {
        out[i] = safe_name(ids[i], ascii);
        f[i].key = name_fold(out[i]), f[i].i = i;
    }
    qsort(f, n, sizeof *f, folded_cmp);
    for (size_t k = 0; k < n; k++) {
        int clash = (k > 0 && strcmp(f[k].key, f[k - 1].key) == 0) ||
                    (k + 1 < n && strcmp(f[k].key, f[k + 1].key) == 0);
        if (clash) {
            size_t i = f[k].i;
            uint64_t h = hash64(ids[i], strlen(ids[i]));
            char *s = xasprintf("%.*s-%08x", (int)utf8_prefix(out[i], strlen(out[i]), 90), out[i],
                                (unsigned)(h & 0xffffffffu));
            free(out[i]);
            out[i] = s;
        }
    }
    for (size_t k = 0; k < n; k++)
        free(f[k].key);
    free(f);
    return out;
}

uint64_t hash64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}
