/* expr — the KPI formula language.
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := '-' unary | primary
 *   primary := NUMBER ['%'] | '(' expr ')' | 'abs' '(' expr ')'
 *            | AGG '(' COLUMN ')' | GROUP '(' KPI ')'
 *            | SHIFT '(' expr ')'
 *   AGG     := sum | avg | min | max | first | last | count
 *   SHIFT   := prev | yoy
 *   GROUP   := spread | at_target
 *
 * Identifiers are case-sensitive ASCII [A-Za-z_][A-Za-z0-9_]*. A formula is
 * evaluated over the aggregates of one scope (a person, a team, a manager's
 * tree, the org) and one range of months (the window, one month of a trend,
 * the previous window):
 *   sum/avg/min/max  over the cells that have a value; n/a (NaN) when none;
 *   first/last       the value of the earliest/latest month that has one;
 *   count            the number of cells with a value (0 when none);
 *   a / b            n/a when b is 0 or n/a; n/a propagates through + - * abs;
 *   spread(k)        population standard deviation of KPI k over the scope's
 *                    members (groups only; n/a for a person);
 *   at_target(k)     share (0..1) of the scope's members whose KPI k meets its
 *                    target (groups only).
 *   prev(e)          e over the same number of months just before the range;
 *   yoy(e)           e over the same months a year before; both n/a when
 *                    the history held does not reach (the caller's shift).
 * NUMBER is decimal with an optional exponent (12, 0.5, .5, 1.5e3); a trailing
 * % divides by 100 (12.3% is the double nearest 0.123). Whitespace may appear
 * between any tokens. A result too large for a double is n/a as well.
 * Pure: no I/O, no globals. */
#ifndef KP_EXPR_H
#define KP_EXPR_H

#include <stddef.h>

struct kp_buf;
struct kp_expr;

/* Aggregates of one column over one scope and range. n = cells with a value.
 * For a group, first/last are the group's total in its earliest/latest month
 * with a value. */
struct kp_colagg {
    double sum, min, max, first, last;
    long n;
};

enum kp_group_fn { KP_GROUP_SPREAD, KP_GROUP_AT_TARGET };
enum kp_shift { KP_SHIFT_PREV, KP_SHIFT_YOY };

struct kp_eval_ctx {
    const struct kp_colagg *agg; /* [ncols] of the parse */
    /* Value of a group function for KPI index kpi; NULL = not a group (n/a). */
    double (*group)(void *arg, enum kp_group_fn fn, int kpi);
    void *arg;
    /* e over the shifted range (prev, yoy; arg as above); NULL = n/a. */
    double (*shift)(void *arg, enum kp_shift how, const struct kp_expr *e);
};

struct kp_expr_err {
    size_t col;    /* 1-based column in the formula text where it broke */
    char msg[160]; /* e.g. "unknown column \"revnue\"" */
};

struct kp_expr;

/* Parse src. cols: the column names a formula may use; kpis: the KPI ids a
 * group function may name (may be NULL/0). Returns NULL and fills err on a
 * syntax error or an unknown name (err may be NULL; a NULL src is empty).
 * err->col counts characters (UTF-8 code points) from 1; err->msg is a
 * sentence for the user, e.g. `unknown column "revnue" (did you mean
 * "revenue"?)`, `expected ")"`, `unexpected "*"`, `sum() takes a column name`,
 * `number "1.2.3" is not valid`, `formula is empty`. Nesting (parentheses,
 * abs, unary minus) deeper than 200 levels is an error, and so is a chain of
 * more than 1000 operators (1+1+…): no input can exhaust the stack. A
 * constant division by zero parses (and evaluates to n/a). */
struct kp_expr *expr_parse(const char *src, const char *const *cols, size_t ncols,
                           const char *const *kpis, size_t nkpis, struct kp_expr_err *err);
void expr_free(struct kp_expr *e);

/* ctx NULL (or ctx->agg NULL) means no data: aggregates n/a, count 0. */
double expr_eval(const struct kp_expr *e, const struct kp_eval_ctx *ctx);

/* The divisor of a top-level division (the "sample" of a rate), else NULL.
 * Scaling by a number is looked through: the divisor of
 * sum(won) / sum(opportunities) * 100 is sum(opportunities); a division by a
 * number alone (sum(visits) / 3) has none. The result is owned by e (a
 * sub-expression: the other expr_* functions accept it; never free it). */
const struct kp_expr *expr_divisor(const struct kp_expr *e);
/* The dividend a of a formula that is exactly a / b (b not a number), else
 * NULL (owned by e). */
const struct kp_expr *expr_dividend(const struct kp_expr *e);
/* 1 when e is a single sum(col) or count(col): the KPI adds up over people. */
int expr_is_additive(const struct kp_expr *e);
/* 1 when e divides by a constant that is 0 (or n/a): "sum(x) / 0",
 * "sum(x) / (2 - 2)". Such a formula parses, but is n/a whatever the data. */
int expr_divides_by_zero(const struct kp_expr *e);
/* 1 when e uses a group function. */
int expr_uses_group(const struct kp_expr *e);
/* KPI indices named by group functions (each once, ascending), up to max;
 * returns how many were written. */
size_t expr_group_kpis(const struct kp_expr *e, int *out, size_t max);
/* Column indices e reads (each once, ascending), up to max; returns how many
 * were written. */
size_t expr_columns(const struct kp_expr *e, size_t *out, size_t max);
/* If e is a single aggregate (sum(col), count(col)…), its column index; else -1. */
int expr_single_column(const struct kp_expr *e);

/* Append e written back as text, with each aggregate's (and group
 * function's) value when ctx is non-NULL:
 * "sum(revenue)[=1250000] / sum(quota)[=1000000]". The text is normalised —
 * one space around binary operators, none inside calls, only the parentheses
 * the tree needs (a right operand of equal precedence keeps them: a - (b - c)),
 * numbers in fmt_plain form, percent literals as written ("50%"), n/a as
 * "n/a" — and parses back to the same tree. cols: the parse's column names. */
void expr_explain(const struct kp_expr *e, const struct kp_eval_ctx *ctx, const char *const *cols,
                  struct kp_buf *out);

#endif
