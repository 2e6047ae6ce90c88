/* text — see text.h. */
#include "text.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One code point of the cleaned text. */
struct glyph {
    uint32_t cp;
    uint32_t off; /* byte offset in the cleaned text */
    uint8_t len;  /* bytes */
    uint8_t face;
    uint16_t adv; /* 1/1000 em */
};

struct clean {
    struct kp_buf b;
    struct glyph *g;
    size_t n, cap;
    uint32_t *missing;
    size_t nmissing, capm;
    size_t ninvalid;
};

static int is_control(int32_t cp)
{
    return (cp >= 0 && cp < 0x20) || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
}

static void note_missing(struct clean *c, uint32_t cp)
{
    for (size_t i = 0; i < c->nmissing; i++)
        if (c->missing[i] == cp)
            return;
    xgrow(&c->missing, &c->capm, c->nmissing + 1, sizeof *c->missing);
    c->missing[c->nmissing++] = cp;
}

/* The face that draws cp, or -1 when none does. */
static int face_for(uint32_t cp, int bold)
{
    enum kp_face latin = bold ? KP_FACE_SANS_BOLD : KP_FACE_SANS;
    if (font_has(latin, cp))
        return (int)latin;
    if (font_has(KP_FACE_CJK, cp))
        return KP_FACE_CJK;
    return font_fallback(cp); /* an installed font, through fontconfig; or -1 */
}

static void add_glyph(struct clean *c, uint32_t cp, int face)
{
    char enc[4];
    size_t len = utf8_put(enc, (int32_t)cp);
    xgrow(&c->g, &c->cap, c->n + 1, sizeof *c->g);
    struct glyph *g = &c->g[c->n++];
    g->cp = cp;
    g->off = (uint32_t)c->b.len;
    g->len = (uint8_t)len;
    g->face = (uint8_t)face;
    g->adv = cp == '\n' ? 0 : (uint16_t)font_advance((enum kp_face)face, cp);
    buf_add(&c->b, enc, len);
}

/* Add cp, or the replacement when no face has it. */
static void add_drawable(struct clean *c, uint32_t cp, int bold)
{
    int face = face_for(cp, bold);
    if (face < 0) {
        note_missing(c, cp);
        cp = KP_REPLACEMENT;
        face = face_for(cp, bold);
        if (face < 0) {
            cp = '?';
            face = bold ? KP_FACE_SANS_BOLD : KP_FACE_SANS;
        }
    }
    add_glyph(c, cp, face);
}

static void clean_text(struct clean *c, const char *s, size_t n, int bold, int keep_nl)
{
    memset(c, 0, sizeof *c);
    if (!s) /* a string a results.json left null: nothing to draw */
        s = "", n = 0;
    if (n == KP_TEXT_NUL)
        n = strlen(s);
    buf_add(&c->b, "", 0);
    const char *p = s, *end = s + n;
    while (p < end) {
        int32_t cp = utf8_next(&p, end);
        if (cp == '\r')
            continue;
        if (cp == '\n' || cp == '\t') {
            if (cp == '\n' && keep_nl)
                add_glyph(c, '\n', bold ? KP_FACE_SANS_BOLD : KP_FACE_SANS);
            else
                add_drawable(c, ' ', bold);
            continue;
        }
        if (cp < 0 || is_control(cp)) {
            c->ninvalid++;
            cp = (int32_t)KP_REPLACEMENT;
        }
        add_drawable(c, (uint32_t)cp, bold);
    }
}

static void clean_free(struct clean *c)
{
    buf_free(&c->b);
    free(c->g);
    free(c->missing);
}

void text_runs(struct kp_runs *r, const char *s, size_t n, int bold)
{
    struct clean c;
    clean_text(&c, s, n, bold, 0);
    memset(r, 0, sizeof *r);
    size_t cap = 0;
    for (size_t i = 0; i < c.n; i++) {
        const struct glyph *g = &c.g[i];
        struct kp_run *last = r->n ? &r->v[r->n - 1] : NULL;
        if (!last || last->face != (enum kp_face)g->face) {
            xgrow(&r->v, &cap, r->n + 1, sizeof *r->v);
            last = &r->v[r->n++];
            last->face = (enum kp_face)g->face;
            last->fake_bold = bold && g->face >= KP_FACE_CJK; /* no bold face of its own */
            last->off = g->off;
            last->len = 0;
            last->units = 0;
        }
        last->len += g->len;
        last->units += g->adv;
    }
    r->len = c.b.len;
    r->s = buf_steal(&c.b);
    r->missing = c.missing;
    r->nmissing = c.nmissing;
    r->ninvalid = c.ninvalid;
    free(c.g);
}

void text_runs_free(struct kp_runs *r)
{
    free(r->s);
    free(r->v);
    free(r->missing);
    memset(r, 0, sizeof *r);
}

static long units_of(const struct clean *c)
{
    long u = 0;
    for (size_t i = 0; i < c->n; i++)
        u += c->g[i].adv;
    return u;
}

double text_width(const char *s, size_t n, double size, int bold)
{
    struct clean c;
    clean_text(&c, s, n, bold, 0);
    double w = (double)units_of(&c) * size / 1000.0;
    clean_free(&c);
    return w;
}

size_t text_missing(const char *s, size_t n, uint32_t *first)
{
    struct clean c;
    clean_text(&c, s, n, 0, 0);
    size_t k = c.nmissing;
    if (k && first)
        *first = c.missing[0];
    clean_free(&c);
    return k;
}

/* ---- line breaking ---- */

static int is_cjk(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x2E80 && cp <= 0x2FDF) ||
           (cp >= 0x2FF0 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
           (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFFEF);
}

static int in_list(uint32_t cp, const uint32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == cp)
            return 1;
    return 0;
}

/* No line starts with these (kinsoku). */
static int no_start(uint32_t cp)
{
    static const uint32_t v[] = {0xFF0C, 0x3002, 0x3001, 0xFF1B, 0xFF1A, 0xFF01, 0xFF1F, 0xFF09,
                                 0x300D, 0x300F, 0x300B, 0x3009, 0x3011, 0x3015, 0xFF3D, 0xFF5D,
                                 0x3017, 0x2019, 0x201D, 0x2026, 0x2025, 0x30FB, ',',    '.',
                                 ';',    ':',    '!',    '?',    ')',    ']',    '}'};
    return in_list(cp, v, KP_NELEM(v));
}

/* No line ends with these. */
static int no_end(uint32_t cp)
{
    static const uint32_t v[] = {0xFF08, 0x300C, 0x300E, 0x300A, 0x3008, 0x3010, 0x3014, 0xFF3B,
                                 0xFF5B, 0x3016, 0x2018, 0x201C, '(',    '[',    '{'};
    return in_list(cp, v, KP_NELEM(v));
}

/* May a line break before glyph i (i >= 1)? \n is handled by the caller. */
static int can_break_before(const struct glyph *g, size_t i)
{
    uint32_t prev = g[i - 1].cp, cur = g[i].cp;
    if (cur == ' ' || no_start(cur))
        return 0;
    if (prev == ' ')
        return 1;
    return (is_cjk(prev) || is_cjk(cur)) && !no_end(prev);
}

struct breaker {
    const struct clean *c;
    const long *pre; /* pre[i] = advance of glyphs [0, i) */
    struct kp_lines *l;
    size_t cap;
    double size;
};

static void emit_line(struct breaker *bk, size_t a, size_t b)
{
    const struct glyph *g = bk->c->g;
    while (b > a && g[b - 1].cp == ' ')
        b--;
    xgrow(&bk->l->v, &bk->cap, bk->l->n + 1, sizeof *bk->l->v);
    struct kp_line *ln = &bk->l->v[bk->l->n++];
    ln->off = a < bk->c->n ? g[a].off : bk->c->b.len;
    ln->len = b > a ? g[b - 1].off + g[b - 1].len - ln->off : 0;
    ln->width = (double)(bk->pre[b] - bk->pre[a]) * bk->size / 1000.0;
}

static void break_glyphs(struct breaker *bk, double max_units)
{
    const struct glyph *g = bk->c->g;
    size_t n = bk->c->n, start = 0, brk = 0;
    for (size_t i = 0; i < n; i++) {
        if (g[i].cp == '\n') {
            emit_line(bk, start, i);
            start = i + 1;
            brk = start;
            continue;
        }
        if (i > start && can_break_before(g, i))
            brk = i;
        if (g[i].cp == ' ' || i == start || (double)(bk->pre[i + 1] - bk->pre[start]) <= max_units)
            continue;
        /* glyph i overflows: break at the last opportunity, else before i */
        size_t at = brk > start ? brk : i;
        emit_line(bk, start, at);
        start = at;
        brk = start;
        if (at < i && (double)(bk->pre[i + 1] - bk->pre[start]) > max_units) {
            emit_line(bk, start, i); /* a word longer than the line */
            start = brk = i;
        }
    }
    if (start < n)
        emit_line(bk, start, n);
}

void text_break(struct kp_lines *l, const char *s, size_t n, double size, int bold, double width)
{
    struct clean c;
    clean_text(&c, s, n, bold, 1);
    memset(l, 0, sizeof *l);
    long *pre = xmalloc((c.n + 1) * sizeof *pre);
    pre[0] = 0;
    for (size_t i = 0; i < c.n; i++)
        pre[i + 1] = pre[i] + c.g[i].adv;
    struct breaker bk = {&c, pre, l, 0, size};
    double max_units = size > 0 ? width * 1000.0 / size + 1e-6 : HUGE_VAL;
    break_glyphs(&bk, max_units);
    free(pre);
    l->missing = c.missing;
    l->nmissing = c.nmissing;
    l->s = buf_steal(&c.b);
    free(c.g);
}

void text_lines_free(struct kp_lines *l)
{
    free(l->s);
    free(l->v);
    free(l->missing);
    memset(l, 0, sizeof *l);
}

/* ---- fitting one line ---- */

static char *ellipsize(const struct clean *c, double max_units, int bold)
{
    static const char ell[] = "\xE2\x80\xA6"; /* U+2026 */
    int face = face_for(0x2026, bold);
    long eu = face < 0 ? 0 : font_advance((enum kp_face)face, 0x2026);
    long used = eu;
    size_t k = 0;
    while (k < c->n && (double)(used + c->g[k].adv) <= max_units)
        used += c->g[k++].adv;
    while (k > 0 && c->g[k - 1].cp == ' ')
        k--;
    size_t bytes = k ? c->g[k - 1].off + c->g[k - 1].len : 0;
    char *out = xmalloc(bytes + sizeof ell);
    memcpy(out, c->b.s, bytes);
    memcpy(out + bytes, ell, sizeof ell);
    return out;
}

char *text_fit(const char *s, size_t n, double size, double min_size, int bold, double width,
               double *size_out)
{
    struct clean c;
    clean_text(&c, s, n, bold, 0);
    long u = units_of(&c);
    char *out;
    if (min_size > size)
        min_size = size;
    double w = (double)u * size / 1000.0;
    if (w <= width + 1e-9 || u == 0) {
        *size_out = size;
        out = buf_steal(&c.b);
    } else {
        double fit = floor(width * 1000.0 / (double)u * 10.0 + 1e-9) / 10.0;
        if (fit >= min_size) {
            *size_out = fit;
            out = buf_steal(&c.b);
        } else {
            *size_out = min_size;
            out = ellipsize(&c, min_size > 0 ? width * 1000.0 / min_size + 1e-6 : 0, bold);
        }
    }
    clean_free(&c);
    return out;
}

/* ---- WinAnsiEncoding ---- */

/* Windows-1252 0x80..0x9F (0: no character there). */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

int text_winansi(uint32_t cp)
{
    if (cp >= 0x20 && cp < 0x7F)
        return (int)cp;
    if (cp >= 0xA0 && cp <= 0xFF)
        return cp == 0xA0 || cp == 0xAD ? -1 : (int)cp;
    if (cp < 0x152 || cp > 0x2122)
        return -1;
    for (int i = 0; i < 32; i++)
        if (cp1252_high[i] == cp)
            return 0x80 + i;
    return -1;
}

long text_to_winansi(const char *s, size_t n, char *out)
{
    const char *p = s, *end = s + n;
    long k = 0;
    while (p < end) {
        int32_t cp = utf8_next(&p, end);
        int b = cp < 0 ? -1 : text_winansi((uint32_t)cp);
        if (b < 0)
            return -1;
        out[k++] = (char)b;
    }
    out[k] = '\0';
    return k;
}
