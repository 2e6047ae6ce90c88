/* expr — the KPI formula language.
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := '-' unary | primary
 *   primary := NUMBER ['%'] | '(' expr ')' | 'abs' '(' expr ')'
 *            | AGG '(' COLUMN ')' | GROUP '(' KPI ')'
 *   AGG     := sum | avg | min | max | first | last | count
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
 * Pure: no I/O, no globals. */
#ifndef KP_EXPR_H
#define KP_EXPR_H

#include <stddef.h>

struct kp_buf;

/* Aggregates of one column over one scope and range. n = cells with a value.
 * For a group, first/last are the group's total in its earliest/latest month
 * with a value. */
struct kp_colagg {
    double sum, min, max, first, last;
    long n;
};

enum kp_group_fn { KP_GROUP_SPREAD, KP_GROUP_AT_TARGET };

struct kp_eval_ctx {
    const struct kp_colagg *agg; /* [ncols] of the parse */
    /* Value of a group function for KPI index kpi; NULL = not a group (n/a). */
    double (*group)(void *arg, enum kp_group_fn fn, int kpi);
    void *arg;
};

struct kp_expr_err {
    size_t col;    /* 1-based column in the formula text where it broke */
    char msg[160]; /* e.g. "unknown column \"revnue\"" */
};

struct kp_expr;

/* Parse src. cols: the column names a formula may use; kpis: the KPI ids a
 * group function may name (may be NULL/0). Returns NULL and fills err on a
 * syntax error or an unknown name. Nesting deeper than 200 levels is an error. */
struct kp_expr *expr_parse(const char *src, const char *const *cols, size_t ncols,
                           const char *const *kpis, size_t nkpis, struct kp_expr_err *err);
void expr_free(struct kp_expr *e);

double expr_eval(const struct kp_expr *e, const struct kp_eval_ctx *ctx);

/* The divisor of a top-level division (the "sample" of a rate), else NULL.
 * The result is owned by e. */
const struct kp_expr *expr_divisor(const struct kp_expr *e);
/* The dividend of a top-level division, else NULL (owned by e). */
const struct kp_expr *expr_dividend(const struct kp_expr *e);
/* 1 when e is a single sum(col) or count(col): the KPI adds up over people. */
int expr_is_additive(const struct kp_expr *e);
/* 1 when e uses a group function. */
int expr_uses_group(const struct kp_expr *e);
/* KPI indices named by group functions, up to max; returns the count. */
size_t expr_group_kpis(const struct kp_expr *e, int *out, size_t max);
/* Column indices e reads (each once, ascending), up to max; returns the count. */
size_t expr_columns(const struct kp_expr *e, size_t *out, size_t max);
/* If e is a single aggregate (sum(col), count(col)…), its column index; else -1. */
int expr_single_column(const struct kp_expr *e);

/* Append e written back as text, with each aggregate's value when ctx is
 * non-NULL: "sum(revenue)[=1250000] / sum(quota)[=1000000]". */
void expr_explain(const struct kp_expr *e, const struct kp_eval_ctx *ctx, const char *const *cols,
                  struct kp_buf *out);

#endif
