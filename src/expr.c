/* expr — parser, evaluator and printer of the KPI formula language (expr.h).
 *
 * The parser is recursive descent over a small lexer. It builds nodes in a
 * growable scratch array (children before parents), then copies the tree in
 * preorder into one allocation whose first element is the root: a subtree is
 * then a contiguous run of nodes, and expr_free releases everything at once.
 * Recursion is bounded: nesting (parentheses, abs, unary minus) by MAX_NEST,
 * the height of the tree (long chains like 1+1+…) by MAX_HEIGHT. */
#include "expr.h"

#include "util.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NEST    200
#define MAX_HEIGHT  1000
#define MAX_SUGGEST 64 /* names longer than this get no "did you mean" */

enum op { OP_NUM, OP_NEG, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_ABS, OP_AGG, OP_GROUP, OP_SHIFT };
enum agg { AGG_SUM, AGG_AVG, AGG_MIN, AGG_MAX, AGG_FIRST, AGG_LAST, AGG_COUNT, NAGG };

static const char *const agg_names[NAGG] = {"sum", "avg", "min", "max", "first", "last", "count"};
static const char *const group_names[] = {
    [KP_GROUP_SPREAD] = "spread", [KP_GROUP_AT_TARGET] = "at_target"};
static const char *const shift_names[] = {[KP_SHIFT_PREV] = "prev", [KP_SHIFT_YOY] = "yoy"};
static const char *const known_fns =
    "sum avg min max first last count abs spread at_target prev yoy";

struct kp_expr {
    unsigned char op;
    unsigned char fn;  /* enum agg or enum kp_group_fn */
    unsigned char pct; /* literal written with a trailing % */
    int idx;           /* column (AGG) or KPI (GROUP) index */
    size_t size;       /* nodes in this subtree: this[0 .. size) */
    double num;        /* literal as written (before %) */
    double val;        /* literal's value */
    const struct kp_expr *a, *b;
    char *name; /* GROUP: the KPI id, for expr_explain */
};

/* ---- lexer ---------------------------------------------------------------- */

enum tok { T_END, T_NUM, T_IDENT, T_LP, T_RP, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PCT };

struct pnode {
    unsigned char op, fn, pct;
    int idx, a, b, height;
    double num, val;
};

struct parser {
    const char *src;
    size_t len, pos;
    enum tok tok;
    size_t tstart, tlen; /* current token's bytes */
    double tnum;         /* T_NUM: its value */
    const char *const *cols, *const *kpis;
    size_t ncols, nkpis;
    struct pnode *nodes;
    size_t n, cap;
    int depth;
    struct kp_expr_err *err;
};

/* 1-based column of byte offset pos, counting UTF-8 characters. */
static size_t column_of(const char *s, size_t pos)
{
    size_t col = 1;
    for (size_t i = 0; i < pos; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            col++;
    return col;
}

static int fail(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct parser *p, size_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
    va_end(ap);
    p->err->col = column_of(p->src, pos);
    return -1;
}

/* A name or number quoted for a message, cut to 40 bytes ("…" appended). */
static void quote(char *out, size_t n, const char *s, size_t len)
{
    if (len > 40)
        snprintf(out, n, "\"%.37s...\"", s);
    else
        snprintf(out, n, "\"%.*s\"", (int)len, s);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static int is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_ident(char c)
{
    return is_ident_start(c) || is_digit(c);
}

/* Strict: digits [. digits] | . digits, then an optional exponent. */
static int number_valid(const char *s, size_t n)
{
    size_t i = 0, mant = 0;
    while (i < n && is_digit(s[i]))
        i++, mant++;
    if (i < n && s[i] == '.')
        for (i++; i < n && is_digit(s[i]); i++)
            mant++;
    if (mant == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == d)
            return 0;
    }
    return i == n;
}

/* The value of s[0..n) times 10^shift, read from text so the result is the
 * double nearest the decimal value (12.3% is exactly 0.123). */
static double number_value(const char *s, size_t n, long shift)
{
    size_t m = 0;
    while (m < n && s[m] != 'e' && s[m] != 'E')
        m++;
    long ex = m < n ? strtol(s + m + 1, NULL, 10) : 0; /* saturates; clamped */
    if (ex > 100000)
        ex = 100000;
    if (ex < -100000)
        ex = -100000;
    char *t = xasprintf("%.*se%ld", (int)m, s, ex + shift);
    double v = strtod(t, NULL);
    free(t);
    return v;
}

static int lex_number(struct parser *p)
{
    const char *s = p->src;
    size_t i = p->pos;
    while (i < p->len && (is_ident(s[i]) || s[i] == '.' ||
                          ((s[i] == '+' || s[i] == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
        i++;
    char q[48];
    quote(q, sizeof q, s + p->pos, i - p->pos);
    if (!number_valid(s + p->pos, i - p->pos))
        return fail(p, p->pos, "number %s is not valid", q);
    p->tnum = number_value(s + p->pos, i - p->pos, 0);
    if (!isfinite(p->tnum))
        return fail(p, p->pos, "number %s is too large", q);
    p->tok = T_NUM;
    p->tlen = i - p->pos;
    p->pos = i;
    return 0;
}

static int lex_bad(struct parser *p)
{
    const char *at = p->src + p->pos;
    unsigned char c = (unsigned char)*at;
    if (c > 0x20 && c < 0x7F)
        return fail(p, p->pos, "unexpected \"%c\"", c);
    const char *q = at;
    int32_t cp = utf8_next(&q, p->src + p->len);
    if (cp >= 0xA0)
        return fail(p, p->pos, "unexpected \"%.*s\"", (int)(q - at), at);
    if (cp >= 0)
        return fail(p, p->pos, "unexpected control character U+%04X", (unsigned)cp);
    return fail(p, p->pos, "unexpected byte 0x%02X (not UTF-8)", c);
}

static int advance(struct parser *p)
{
    while (p->pos < p->len && is_space(p->src[p->pos]))
        p->pos++;
    p->tstart = p->pos;
    p->tlen = 1;
    if (p->pos >= p->len) {
        p->tok = T_END;
        p->tlen = 0;
        return 0;
    }
    char c = p->src[p->pos];
    if (is_digit(c) || (c == '.' && p->pos + 1 < p->len && is_digit(p->src[p->pos + 1])))
        return lex_number(p);
    if (is_ident_start(c)) {
        size_t i = p->pos;
        while (i < p->len && is_ident(p->src[i]))
            i++;
        p->tok = T_IDENT;
        p->tlen = i - p->pos;
        p->pos = i;
        return 0;
    }
    static const char ops[] = "()+-*/%";
    static const enum tok optok[] = {T_LP, T_RP, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PCT};
    const char *o = c ? strchr(ops, c) : NULL;
    if (!o)
        return lex_bad(p);
    p->tok = optok[o - ops];
    p->pos++;
    return 0;
}

/* The current token for a message: "\"*\"", "\"revenue\"", "end of formula". */
static const char *tok_text(const struct parser *p, char *buf, size_t n)
{
    if (p->tok == T_END)
        return "end of formula";
    quote(buf, n, p->src + p->tstart, p->tlen);
    return buf;
}

/* ---- names and suggestions ------------------------------------------------ */

/* The closest of names to s[0..n): at most 1 edit away for names of up to 4
 * letters, 2 for longer ones; NULL if none. */
static const char *suggest(const char *s, size_t n, const char *const *names, size_t nnames)
{
    const char *best = NULL;
    size_t bestd = n <= 4 ? 2 : 3;
    if (n > MAX_SUGGEST)
        return NULL;
    for (size_t i = 0; i < nnames; i++) {
        size_t len = strlen(names[i]);
        if (len > MAX_SUGGEST || (len > n ? len - n : n - len) >= bestd)
            continue;
        size_t d = text_distance(s, n, names[i], len);
        if (d < bestd) {
            bestd = d;
            best = names[i];
        }
    }
    return best;
}

static int find_name(const char *s, size_t n, const char *const *names, size_t nnames)
{
    for (size_t i = 0; i < nnames && i < INT_MAX; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return (int)i;
    return -1;
}

/* "unknown column \"revnue\" (did you mean \"revenue\"?)" */
static int fail_unknown(struct parser *p, const char *what, const char *const *names, size_t nnames)
{
    char q[48];
    const char *s = p->src + p->tstart;
    quote(q, sizeof q, s, p->tlen);
    const char *near = suggest(s, p->tlen, names, nnames);
    if (near)
        return fail(p, p->tstart, "unknown %s %s (did you mean \"%.40s\"?)", what, q, near);
    return fail(p, p->tstart, "unknown %s %s", what, q);
}

/* ---- parser --------------------------------------------------------------- */

static int node(struct parser *p, enum op op, int a, int b, size_t at)
{
    int h = 0;
    if (a >= 0)
        h = p->nodes[a].height;
    if (b >= 0 && p->nodes[b].height > h)
        h = p->nodes[b].height;
    if (h >= MAX_HEIGHT)
        return fail(p, at, "formula is too long (more than %d operations deep)", MAX_HEIGHT);
    xgrow(&p->nodes, &p->cap, p->n + 1, sizeof *p->nodes);
    struct pnode *nd = &p->nodes[p->n];
    memset(nd, 0, sizeof *nd);
    nd->op = (unsigned char)op;
    nd->a = a;
    nd->b = b;
    nd->height = h + 1;
    return (int)p->n++;
}

static int parse_expr(struct parser *p);

static int nest_in(struct parser *p)
{
    if (++p->depth > MAX_NEST)
        return fail(p, p->tstart, "nesting deeper than %d levels", MAX_NEST);
    return 0;
}

static int expect_rp(struct parser *p)
{
    if (p->tok != T_RP)
        return fail(p, p->tstart, "expected \")\"");
    return advance(p);
}

static int parse_number(struct parser *p)
{
    const char *s = p->src + p->tstart;
    size_t len = p->tlen;
    int i = node(p, OP_NUM, -1, -1, p->tstart);
    if (i < 0 || advance(p) < 0)
        return -1;
    struct pnode *nd = &p->nodes[i];
    nd->num = nd->val = p->tnum;
    if (p->tok == T_PCT) {
        nd->pct = 1;
        nd->val = number_value(s, len, -2);
        if (advance(p) < 0)
            return -1;
    }
    return i;
}

static int parse_paren(struct parser *p)
{
    if (nest_in(p) < 0 || advance(p) < 0)
        return -1;
    int i = parse_expr(p);
    if (i < 0 || expect_rp(p) < 0)
        return -1;
    p->depth--;
    return i;
}

/* AGG(column) or GROUP(kpi): the name is the current token, '(' follows. */
static int parse_call(struct parser *p, enum op op, int fn)
{
    const char *fname = op == OP_AGG ? agg_names[fn] : group_names[fn];
    const char *what = op == OP_AGG ? "column" : "KPI";
    const char *const *names = op == OP_AGG ? p->cols : p->kpis;
    size_t nnames = op == OP_AGG ? p->ncols : p->nkpis;
    size_t at = p->tstart;
    if (advance(p) < 0 || advance(p) < 0) /* name, '(' */
        return -1;
    if (p->tok != T_IDENT)
        return fail(p, p->tstart, "%s() takes a %s", fname,
                    op == OP_AGG ? "column name" : "KPI id");
    int idx = find_name(p->src + p->tstart, p->tlen, names, nnames);
    if (idx < 0)
        return fail_unknown(p, what, names, nnames);
    if (advance(p) < 0)
        return -1;
    if (p->tok == T_END)
        return fail(p, p->tstart, "expected \")\"");
    if (p->tok != T_RP)
        return fail(p, p->tstart, "%s() takes a %s", fname,
                    op == OP_AGG ? "column name" : "KPI id");
    int i = node(p, op, -1, -1, at);
    if (i < 0 || advance(p) < 0)
        return -1;
    p->nodes[i].fn = (unsigned char)fn;
    p->nodes[i].idx = idx;
    return i;
}

/* abs(expr), prev(expr), yoy(expr): op OP_ABS or OP_SHIFT with fn. */
static int parse_abs(struct parser *p, enum op op, int fn)
{
    size_t at = p->tstart;
    if (advance(p) < 0 || nest_in(p) < 0 || advance(p) < 0) /* "abs", '(' */
        return -1;
    int a = parse_expr(p);
    if (a < 0 || expect_rp(p) < 0)
        return -1;
    p->depth--;
    int i = node(p, op, a, -1, at);
    if (i >= 0)
        p->nodes[i].fn = (unsigned char)fn;
    return i;
}

/* A name that is not followed by "(": a column without an aggregate, a typo… */
static int fail_bare_name(struct parser *p)
{
    const char *s = p->src + p->tstart;
    char q[48];
    quote(q, sizeof q, s, p->tlen);
    if (find_name(s, p->tlen, p->cols, p->ncols) >= 0)
        return fail(p, p->tstart, "column %s needs an aggregate, e.g. sum(%.*s)", q,
                    (int)(p->tlen > 40 ? 40 : p->tlen), s);
    if (find_name(s, p->tlen, p->kpis, p->nkpis) >= 0)
        return fail(p, p->tstart, "KPI %s can only be named in spread() or at_target()", q);
    return fail_unknown(p, "name", p->cols, p->ncols);
}

static int parse_ident(struct parser *p)
{
    const char *s = p->src + p->tstart;
    size_t n = p->tlen;
    size_t save = p->pos;
    while (save < p->len && is_space(p->src[save]))
        save++;
    int call = save < p->len && p->src[save] == '(';
    int agg = find_name(s, n, agg_names, NAGG);
    int grp = find_name(s, n, group_names, KP_NELEM(group_names));
    int is_abs = n == 3 && memcmp(s, "abs", 3) == 0;
    int shift = find_name(s, n, shift_names, KP_NELEM(shift_names));
    if ((agg >= 0 || grp >= 0 || is_abs || shift >= 0) && !call) {
        char q[48];
        quote(q, sizeof q, s, n);
        return fail(p, save, "expected \"(\" after %s", q);
    }
    if (agg >= 0)
        return parse_call(p, OP_AGG, agg);
    if (grp >= 0)
        return parse_call(p, OP_GROUP, grp);
    if (is_abs)
        return parse_abs(p, OP_ABS, 0);
    if (shift >= 0)
        return parse_abs(p, OP_SHIFT, shift);
    if (!call)
        return fail_bare_name(p);
    static const char *const fns[] = {"sum",    "avg",       "min",  "max", "first", "last",
                                      "count",  "abs",       "spread", "at_target", "prev",
                                      "yoy"};
    char q[48];
    quote(q, sizeof q, s, n);
    const char *near = suggest(s, n, fns, KP_NELEM(fns));
    if (near)
        return fail(p, p->tstart, "unknown function %s (did you mean \"%s\"?)", q, near);
    return fail(p, p->tstart, "unknown function %s (known: %s)", q, known_fns);
}

static int parse_primary(struct parser *p)
{
    char buf[48];
    switch (p->tok) {
    case T_NUM: return parse_number(p);
    case T_LP: return parse_paren(p);
    case T_IDENT: return parse_ident(p);
    case T_END: return fail(p, p->tstart, "formula ends too early: expected a value");
    default: return fail(p, p->tstart, "unexpected %s", tok_text(p, buf, sizeof buf));
    }
}

static int parse_unary(struct parser *p)
{
    if (p->tok != T_MINUS)
        return parse_primary(p);
    size_t at = p->tstart;
    if (nest_in(p) < 0 || advance(p) < 0)
        return -1;
    int a = parse_unary(p);
    if (a < 0)
        return -1;
    p->depth--;
    return node(p, OP_NEG, a, -1, at);
}

static int parse_term(struct parser *p)
{
    int l = parse_unary(p);
    while (l >= 0 && (p->tok == T_STAR || p->tok == T_SLASH)) {
        enum op op = p->tok == T_STAR ? OP_MUL : OP_DIV;
        size_t at = p->tstart;
        if (advance(p) < 0)
            return -1;
        int r = parse_unary(p);
        l = r < 0 ? -1 : node(p, op, l, r, at);
    }
    return l;
}

static int parse_expr(struct parser *p)
{
    int l = parse_term(p);
    while (l >= 0 && (p->tok == T_PLUS || p->tok == T_MINUS)) {
        enum op op = p->tok == T_PLUS ? OP_ADD : OP_SUB;
        size_t at = p->tstart;
        if (advance(p) < 0)
            return -1;
        int r = parse_term(p);
        l = r < 0 ? -1 : node(p, op, l, r, at);
    }
    return l;
}

/* What is left after a complete expression. */
static int fail_trailing(struct parser *p)
{
    char buf[48];
    const char *t = tok_text(p, buf, sizeof buf);
    switch (p->tok) {
    case T_NUM:
    case T_IDENT:
    case T_LP: return fail(p, p->tstart, "expected an operator before %s", t);
    case T_PCT: return fail(p, p->tstart, "\"%%\" can only follow a number");
    default: return fail(p, p->tstart, "unexpected %s", t);
    }
}

/* Copy the scratch tree rooted at i into out[at..] in preorder. */
static size_t emit(const struct parser *p, int i, struct kp_expr *out, size_t at)
{
    const struct pnode *s = &p->nodes[i];
    struct kp_expr *d = &out[at];
    d->op = s->op;
    d->fn = s->fn;
    d->pct = s->pct;
    d->idx = s->idx;
    d->num = s->num;
    d->val = s->val;
    d->name = s->op == OP_GROUP ? xstrdup(p->kpis[s->idx]) : NULL;
    size_t next = at + 1;
    if (s->a >= 0) {
        d->a = &out[next];
        next = emit(p, s->a, out, next);
    }
    if (s->b >= 0) {
        d->b = &out[next];
        next = emit(p, s->b, out, next);
    }
    d->size = next - at;
    return next;
}

struct kp_expr *expr_parse(const char *src, const char *const *cols, size_t ncols,
                           const char *const *kpis, size_t nkpis, struct kp_expr_err *err)
{
    struct kp_expr_err spare;
    struct parser p = {.src = src ? src : "",
                       .cols = cols,
                       .ncols = cols ? ncols : 0,
                       .kpis = kpis,
                       .nkpis = kpis ? nkpis : 0,
                       .err = err ? err : &spare};
    p.len = strlen(p.src);
    p.err->col = 0;
    p.err->msg[0] = '\0';
    struct kp_expr *e = NULL;
    if (advance(&p) < 0)
        goto out;
    if (p.tok == T_END) {
        fail(&p, 0, "formula is empty");
        goto out;
    }
    int root = parse_expr(&p);
    if (root < 0 || (p.tok != T_END && fail_trailing(&p) < 0))
        goto out;
    e = xcalloc(p.n, sizeof *e);
    emit(&p, root, e, 0);
out:
    free(p.nodes);
    return e;
}

void expr_free(struct kp_expr *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->size; i++)
        free(e[i].name);
    free(e);
}

/* ---- evaluation ----------------------------------------------------------- */

static double agg_value(const struct kp_colagg *c, int fn)
{
    if (fn == AGG_COUNT)
        return c ? (double)c->n : 0;
    if (!c || c->n <= 0)
        return NAN;
    switch (fn) {
    case AGG_SUM: return c->sum;
    case AGG_AVG: return c->sum / (double)c->n;
    case AGG_MIN: return c->min;
    case AGG_MAX: return c->max;
    case AGG_FIRST: return c->first;
    case AGG_LAST: return c->last;
    default: return NAN;
    }
}

static double leaf_value(const struct kp_expr *e, const struct kp_eval_ctx *ctx)
{
    switch (e->op) {
    case OP_NUM: return e->val;
    case OP_AGG: return agg_value(ctx && ctx->agg ? &ctx->agg[e->idx] : NULL, e->fn);
    case OP_GROUP:
        return ctx && ctx->group ? ctx->group(ctx->arg, (enum kp_group_fn)e->fn, e->idx) : NAN;
    default: return NAN;
    }
}

static double eval(const struct kp_expr *e, const struct kp_eval_ctx *ctx)
{
    double r, y;
    switch (e->op) {
    case OP_NEG: r = -eval(e->a, ctx); break;
    case OP_ABS: r = fabs(eval(e->a, ctx)); break;
    case OP_SHIFT:
        r = ctx && ctx->shift ? ctx->shift(ctx->arg, (enum kp_shift)e->fn, e->a) : NAN;
        break;
    case OP_ADD: r = eval(e->a, ctx) + eval(e->b, ctx); break;
    case OP_SUB: r = eval(e->a, ctx) - eval(e->b, ctx); break;
    case OP_MUL: r = eval(e->a, ctx) * eval(e->b, ctx); break;
    case OP_DIV:
        y = eval(e->b, ctx);
        r = y == 0 || isnan(y) ? NAN : eval(e->a, ctx) / y;
        break;
    default: r = leaf_value(e, ctx); break;
    }
    return isfinite(r) ? r : NAN;
}

double expr_eval(const struct kp_expr *e, const struct kp_eval_ctx *ctx)
{
    return e ? eval(e, ctx) : NAN;
}

/* ---- inspection ----------------------------------------------------------- */

const struct kp_expr *expr_divisor(const struct kp_expr *e)
{
    while (e) {
        if (e->op == OP_DIV && e->b->op != OP_NUM)
            return e->b;
        if (e->op == OP_DIV || e->op == OP_NEG)
            e = e->a; /* (x / y) / 100, -(x / y) */
        else if (e->op == OP_MUL && e->a->op == OP_NUM)
            e = e->b; /* 100 * (x / y) */
        else if (e->op == OP_MUL && e->b->op == OP_NUM)
            e = e->a; /* x / y * 100 */
        else
            return NULL;
    }
    return NULL;
}

const struct kp_expr *expr_dividend(const struct kp_expr *e)
{
    /* Only a plain top-level a / b: pacing reasons about a and b directly. */
    return e && e->op == OP_DIV && e->b->op != OP_NUM ? e->a : NULL;
}

int expr_is_additive(const struct kp_expr *e)
{
    return e && e->op == OP_AGG && (e->fn == AGG_SUM || e->fn == AGG_COUNT);
}

/* Does the subtree read no data (numbers only)? */
static int is_constant(const struct kp_expr *e)
{
    for (size_t i = 0; i < e->size; i++)
        if (e[i].op == OP_AGG || e[i].op == OP_GROUP)
            return 0;
    return 1;
}

int expr_divides_by_zero(const struct kp_expr *e)
{
    for (size_t i = 0; e && i < e->size; i++)
        if (e[i].op == OP_DIV && is_constant(e[i].b)) {
            double v = expr_eval(e[i].b, NULL);
            if (v == 0 || isnan(v))
                return 1;
        }
    return 0;
}

int expr_uses_group(const struct kp_expr *e)
{
    for (size_t i = 0; e && i < e->size; i++)
        if (e[i].op == OP_GROUP)
            return 1;
    return 0;
}

/* The smallest idx above last among the nodes with operator op; INT_MAX if none. */
static int next_idx(const struct kp_expr *e, enum op op, int last)
{
    int next = INT_MAX;
    for (size_t i = 0; e && i < e->size; i++)
        if (e[i].op == op && e[i].idx > last && e[i].idx < next)
            next = e[i].idx;
    return next;
}

size_t expr_group_kpis(const struct kp_expr *e, int *out, size_t max)
{
    size_t n = 0;
    int i = -1;
    while (n < max && (i = next_idx(e, OP_GROUP, i)) != INT_MAX)
        out[n++] = i;
    return n;
}

size_t expr_columns(const struct kp_expr *e, size_t *out, size_t max)
{
    size_t n = 0;
    int i = -1;
    while (n < max && (i = next_idx(e, OP_AGG, i)) != INT_MAX)
        out[n++] = (size_t)i;
    return n;
}

int expr_single_column(const struct kp_expr *e)
{
    return e && e->op == OP_AGG ? e->idx : -1;
}

/* ---- explain -------------------------------------------------------------- */

static int prec(const struct kp_expr *e)
{
    switch (e->op) {
    case OP_ADD:
    case OP_SUB: return 1;
    case OP_MUL:
    case OP_DIV: return 2;
    case OP_NEG: return 3;
    default: return 4;
    }
}

static void explain(const struct kp_expr *e, const struct kp_eval_ctx *ctx, const char *const *cols,
                    struct kp_buf *out);

static void explain_sub(const struct kp_expr *e, int paren, const struct kp_eval_ctx *ctx,
                        const char *const *cols, struct kp_buf *out)
{
    if (paren)
        buf_addc(out, '(');
    explain(e, ctx, cols, out);
    if (paren)
        buf_addc(out, ')');
}

static void add_number(struct kp_buf *out, double v)
{
    char s[40];
    fmt_plain(s, sizeof s, v);
    buf_adds(out, s[0] ? s : "n/a");
}

static void explain_leaf(const struct kp_expr *e, const struct kp_eval_ctx *ctx,
                         const char *const *cols, struct kp_buf *out)
{
    if (e->op == OP_NUM) {
        add_number(out, e->num);
        if (e->pct)
            buf_addc(out, '%');
        return;
    }
    if (e->op == OP_AGG)
        buf_printf(out, "%s(%s)", agg_names[e->fn], cols ? cols[e->idx] : "?");
    else
        buf_printf(out, "%s(%s)", group_names[e->fn], e->name);
    if (ctx) {
        buf_adds(out, "[=");
        add_number(out, leaf_value(e, ctx));
        buf_addc(out, ']');
    }
}

/* Binary operators are left-associative: a right operand of the same
 * precedence keeps its parentheses, so the text parses back to this tree. */
static void explain(const struct kp_expr *e, const struct kp_eval_ctx *ctx, const char *const *cols,
                    struct kp_buf *out)
{
    static const char *const sym[] = {
        [OP_ADD] = " + ", [OP_SUB] = " - ", [OP_MUL] = " * ", [OP_DIV] = " / "};
    switch (e->op) {
    case OP_NEG:
        buf_addc(out, '-');
        explain_sub(e->a, prec(e->a) < 3, ctx, cols, out);
        break;
    case OP_ABS:
        buf_adds(out, "abs");
        explain_sub(e->a, 1, ctx, cols, out);
        break;
    case OP_SHIFT: /* its parts are of another range: only the whole's value */
        buf_adds(out, shift_names[e->fn]);
        explain_sub(e->a, 1, NULL, cols, out);
        if (ctx) {
            buf_adds(out, "[=");
            add_number(out, eval(e, ctx));
            buf_addc(out, ']');
        }
        break;
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
        explain_sub(e->a, prec(e->a) < prec(e), ctx, cols, out);
        buf_adds(out, sym[e->op]);
        explain_sub(e->b, prec(e->b) <= prec(e), ctx, cols, out);
        break;
    default: explain_leaf(e, ctx, cols, out); break;
    }
}

void expr_explain(const struct kp_expr *e, const struct kp_eval_ctx *ctx, const char *const *cols,
                  struct kp_buf *out)
{
    if (e)
        explain(e, ctx, cols, out);
    else
        buf_adds(out, "");
}
