/* Unit tests for expr: grammar, precedence, n/a rules, aggregates, group
 * functions, every error message with its column, nesting limits, the
 * helpers, explain, and the SPEC.md sample KPI set. */
#include "unit.h"

#include "expr.h"
#include "model.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kpis[] = {"attainment", "win_rate", "csat"};

static struct kp_expr *parse(const char *src)
{
    struct kp_expr_err err;
    struct kp_expr *e = expr_parse(src, kp_canon_cols, KP_NCANON, kpis, KP_NELEM(kpis), &err);
    if (!e)
        fail_msg("parse of \"%.60s\" failed at column %zu: %s", src, err.col, err.msg);
    return e;
}

/* Evaluate src with ctx (NULL: no data). */
static double ev(const char *src, const struct kp_eval_ctx *ctx)
{
    struct kp_expr *e = parse(src);
    double v = expr_eval(e, ctx);
    expr_free(e);
    return v;
}

static char *explain(const char *src, const struct kp_eval_ctx *ctx)
{
    struct kp_expr *e = parse(src);
    struct kp_buf b = {0};
    expr_explain(e, ctx, kp_canon_cols, &b);
    expr_free(e);
    return buf_steal(&b);
}

static void assert_explain(const char *src, const struct kp_eval_ctx *ctx, const char *want)
{
    char *got = explain(src, ctx);
    assert_string_equal(got, want);
    free(got);
}

/* Parse must fail at col with msg. */
static void assert_error(const char *src, size_t col, const char *msg)
{
    struct kp_expr_err err;
    struct kp_expr *e = expr_parse(src, kp_canon_cols, KP_NCANON, kpis, KP_NELEM(kpis), &err);
    if (e)
        fail_msg("\"%.60s\" parsed, expected: %s", src, msg);
    assert_string_equal(err.msg, msg);
    if (err.col != col)
        fail_msg("\"%.60s\": column %zu, expected %zu (%s)", src, err.col, col, msg);
}

static struct kp_colagg agg(double sum, double min, double max, double first, double last, long n)
{
    struct kp_colagg a = {sum, min, max, first, last, n};
    return a;
}

static struct kp_colagg none(void)
{
    return agg(0, 0, 0, 0, 0, 0);
}

/* ---- grammar -------------------------------------------------------------- */

static void test_precedence(void **state)
{
    (void)state;
    assert_true(ev("8 - 4 - 2", NULL) == 2);
    assert_true(ev("8 - (4 - 2)", NULL) == 6);
    assert_true(ev("8 / 4 * 2", NULL) == 4);
    assert_true(ev("8 / (4 * 2)", NULL) == 1);
    assert_true(ev("2 + 3 * 4", NULL) == 14);
    assert_true(ev("(2 + 3) * 4", NULL) == 20);
    assert_true(ev("-2 * 3", NULL) == -6);
    assert_true(ev("2 * -3", NULL) == -6);
    assert_true(ev("- - 3", NULL) == 3);
    assert_true(ev("-(2 + 3)", NULL) == -5);
    assert_true(ev("1 - -1", NULL) == 2);
    assert_true(ev("-2 - 3", NULL) == -5);
    assert_true(ev("2*3+4*5", NULL) == 26);
    assert_true(ev("\t2\n*\r( 3 )  ", NULL) == 6);
    assert_true(ev("((((7))))", NULL) == 7);
    assert_true(ev("100 - 10 - 1", NULL) == 89);
    assert_true(ev("64 / 4 / 2", NULL) == 8);
}

static void test_numbers(void **state)
{
    (void)state;
    assert_true(ev("50%", NULL) == 0.5);
    assert_true(ev("50 %", NULL) == 0.5);
    assert_true(ev("12.3%", NULL) == 0.123); /* nearest double, not 12.3 / 100 */
    assert_true(ev("1e2%", NULL) == 1);
    assert_true(ev("2.5E-1", NULL) == 0.25);
    assert_true(ev("1.5e+3", NULL) == 1500);
    assert_true(ev(".5", NULL) == 0.5);
    assert_true(ev("5.", NULL) == 5);
    assert_true(ev("007", NULL) == 7);
    assert_true(ev("7%", NULL) == 0.07);
    assert_true(ev("100 * 7%", NULL) == 100 * 0.07);
    assert_true(ev("-5%", NULL) == -0.05);
    assert_true(ev("1e-400", NULL) == 0); /* underflow is zero, not an error */
    assert_true(ev("0.1 + 0.2", NULL) == 0.1 + 0.2);
}

/* ---- evaluation ----------------------------------------------------------- */

static void test_aggregates(void **state)
{
    (void)state;
    struct kp_colagg a[KP_NCANON];
    for (size_t i = 0; i < KP_NCANON; i++)
        a[i] = none();
    /* csat over 4 months, one missing: 4.0, -, 5.0, 3.0 */
    a[KP_COL_CSAT] = agg(12, 3, 5, 4, 3, 3);
    struct kp_eval_ctx ctx = {a, NULL, NULL, NULL};
    assert_true(ev("sum(csat)", &ctx) == 12);
    assert_true(ev("avg(csat)", &ctx) == 4);
    assert_true(ev("min(csat)", &ctx) == 3);
    assert_true(ev("max(csat)", &ctx) == 5);
    assert_true(ev("first(csat)", &ctx) == 4);
    assert_true(ev("last(csat)", &ctx) == 3);
    assert_true(ev("count(csat)", &ctx) == 3);
    /* n == 0: every aggregate n/a except count */
    const char *na[] = {"sum(nps)", "avg(nps)", "min(nps)", "max(nps)", "first(nps)", "last(nps)"};
    for (size_t i = 0; i < KP_NELEM(na); i++) {
        assert_true(isnan(ev(na[i], &ctx)));
        assert_true(isnan(ev(na[i], NULL)));
    }
    assert_true(ev("count(nps)", &ctx) == 0);
    assert_true(ev("count(nps)", NULL) == 0);
    assert_true(ev("count(nps) * 2 + 1", &ctx) == 1);
    /* a zero sum is a value, not n/a */
    a[KP_COL_VISITS] = agg(0, 0, 0, 0, 0, 2);
    assert_true(ev("sum(visits)", &ctx) == 0);
    assert_true(ev("avg(visits)", &ctx) == 0);
}

static void test_na_rules(void **state)
{
    (void)state;
    struct kp_colagg a[KP_NCANON];
    for (size_t i = 0; i < KP_NCANON; i++)
        a[i] = none();
    a[KP_COL_WON] = agg(6, 1, 3, 2, 3, 3);
    a[KP_COL_LOST] = agg(0, 0, 0, 0, 0, 3);          /* zero, present */
    a[KP_COL_FORECAST] = agg(-5, -5, -5, -5, -5, 1); /* negative */
    struct kp_eval_ctx ctx = {a, NULL, NULL, NULL};
    assert_true(isnan(ev("sum(won) / sum(lost)", &ctx)));          /* by zero */
    assert_true(isnan(ev("sum(won) / sum(opportunities)", &ctx))); /* by n/a */
    assert_true(isnan(ev("1 / 0", NULL)));                         /* constant zero parses */
    assert_true(isnan(ev("1 / (2 - 2)", NULL)));
    assert_true(isnan(ev("0 / 0", NULL)));
    assert_true(ev("sum(lost) / sum(won)", &ctx) == 0);
    /* n/a propagates through + - * abs and unary minus */
    assert_true(isnan(ev("sum(opportunities) + 1", &ctx)));
    assert_true(isnan(ev("1 - sum(opportunities)", &ctx)));
    assert_true(isnan(ev("0 * sum(opportunities)", &ctx)));
    assert_true(isnan(ev("abs(sum(opportunities))", &ctx)));
    assert_true(isnan(ev("-sum(opportunities)", &ctx)));
    assert_true(isnan(ev("sum(opportunities) / 2", &ctx)));
    assert_true(ev("abs(sum(forecast))", &ctx) == 5);
    assert_true(ev("abs(-3) + abs(3)", NULL) == 6);
    /* a result too large for a double is n/a, not infinity */
    assert_true(isnan(ev("1e308 * 10", NULL)));
    assert_true(isnan(ev("1 / (1e308 * 10)", NULL)));
    assert_true(isnan(expr_eval(NULL, &ctx)));
}

/* Missing months: the aggregates only see the months with a value. */
static void test_missing_months(void **state)
{
    (void)state;
    /* revenue by month: 100, -, 300, - ; quota: 200, 200, 200, 200 */
    struct kp_colagg a[KP_NCANON];
    for (size_t i = 0; i < KP_NCANON; i++)
        a[i] = none();
    a[KP_COL_REVENUE] = agg(400, 100, 300, 100, 300, 2);
    a[KP_COL_QUOTA] = agg(800, 200, 200, 200, 200, 4);
    struct kp_eval_ctx ctx = {a, NULL, NULL, NULL};
    assert_true(ev("sum(revenue) / sum(quota)", &ctx) == 0.5);
    assert_true(ev("avg(revenue)", &ctx) == 200); /* not 100: missing is not zero */
    assert_true(ev("count(revenue) / count(quota)", &ctx) == 0.5);
    assert_true(ev("last(revenue) - first(revenue)", &ctx) == 200);
}

static double group_cb(void *arg, enum kp_group_fn fn, int kpi)
{
    int *calls = arg;
    ++*calls;
    return fn == KP_GROUP_SPREAD ? 0.25 + kpi : 0.5;
}

static void test_group_functions(void **state)
{
    (void)state;
    int calls = 0;
    struct kp_colagg a[KP_NCANON] = {{0}};
    struct kp_eval_ctx person = {a, NULL, &calls, NULL};
    struct kp_eval_ctx team = {a, group_cb, &calls, NULL};
    assert_true(isnan(ev("spread(attainment)", &person)));
    assert_true(isnan(ev("at_target(csat)", &person)));
    assert_true(isnan(ev("spread(attainment)", NULL)));
    assert_int_equal(calls, 0);
    assert_true(ev("spread(attainment)", &team) == 0.25);
    assert_true(ev("spread(csat)", &team) == 2.25);
    assert_true(ev("at_target(win_rate) * 100", &team) == 50);
    assert_int_equal(calls, 3);
    assert_explain("1 - spread(win_rate)", &team, "1 - spread(win_rate)[=1.25]");
    assert_explain("at_target( csat )", &person, "at_target(csat)[=n/a]");
    assert_explain("at_target(csat)", NULL, "at_target(csat)");
}

/* ---- errors --------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    assert_error("", 1, "formula is empty");
    assert_error(" \t ", 1, "formula is empty");
    assert_error("sum(revnue)", 5, "unknown column \"revnue\" (did you mean \"revenue\"?)");
    assert_error("sum(Revenue)", 5, "unknown column \"Revenue\" (did you mean \"revenue\"?)");
    assert_error("sum(xyzzy)", 5, "unknown column \"xyzzy\"");
    assert_error("sum(x)", 5, "unknown column \"x\"");
    assert_error("sum(nsp)", 5, "unknown column \"nsp\" (did you mean \"nps\"?)");
    assert_error("sum(reveneu)", 5, "unknown column \"reveneu\" (did you mean \"revenue\"?)");
    assert_error("sum(vists)", 5, "unknown column \"vists\" (did you mean \"visits\"?)");
    assert_error("sum(wins)", 5, "unknown column \"wins\""); /* 2 edits: too far for 4 letters */
    assert_error("(1 + 2", 7, "expected \")\"");
    assert_error("abs(1 2)", 7, "expected \")\"");
    assert_error("1 + * 2", 5, "unexpected \"*\"");
    assert_error("* 2", 1, "unexpected \"*\"");
    assert_error("()", 2, "unexpected \")\"");
    assert_error("median(revenue)", 1,
                 "unknown function \"median\" (known: sum avg min max first last count abs "
                 "spread at_target prev yoy)");
    assert_error("SUM(revenue)", 1, "unknown function \"SUM\" (did you mean \"sum\"?)");
    assert_error("2 * summ (won)", 5, "unknown function \"summ\" (did you mean \"sum\"?)");
    assert_error("sum(1)", 5, "sum() takes a column name");
    assert_error("sum()", 5, "sum() takes a column name");
    assert_error("avg(revenue + quota)", 13, "avg() takes a column name");
    assert_error("sum(revenue", 12, "expected \")\"");
    assert_error("sum revenue", 5, "expected \"(\" after \"sum\"");
    assert_error("abs", 4, "expected \"(\" after \"abs\"");
    assert_error("1.2.3", 1, "number \"1.2.3\" is not valid");
    assert_error("2 * 3days", 5, "number \"3days\" is not valid");
    assert_error("1e", 1, "number \"1e\" is not valid");
    assert_error("0x10", 1, "number \"0x10\" is not valid");
    assert_error("1e999", 1, "number \"1e999\" is too large");
    assert_error("1 +", 4, "formula ends too early: expected a value");
    assert_error("-", 2, "formula ends too early: expected a value");
    assert_error("revenue / quota", 1, "column \"revenue\" needs an aggregate, e.g. sum(revenue)");
    assert_error("revnue + 1", 1, "unknown name \"revnue\" (did you mean \"revenue\"?)");
    assert_error("foo", 1, "unknown name \"foo\"");
    assert_error("attainment + 1", 1,
                 "KPI \"attainment\" can only be named in spread() or at_target()");
    assert_error("sum(won) sum(lost)", 10, "expected an operator before \"sum\"");
    assert_error("2 (3)", 3, "expected an operator before \"(\"");
    assert_error("sum(won))", 9, "unexpected \")\"");
    assert_error("sum(won) %", 10, "\"%\" can only follow a number");
    assert_error("2 ^ 3", 3, "unexpected \"^\"");
    assert_error("2 , 3", 3, "unexpected \",\"");
    assert_error("spread(foo)", 8, "unknown KPI \"foo\"");
    assert_error("spread(atainment)", 8,
                 "unknown KPI \"atainment\" (did you mean \"attainment\"?)");
    assert_error("spread(1)", 8, "spread() takes a KPI id");
    assert_error("at_target(csat csat)", 16, "at_target() takes a KPI id");
    assert_error("spread(revenue)", 8, "unknown KPI \"revenue\"");
    /* columns count characters, not bytes */
    assert_error("(1 + 2) * 张", 11, "unexpected \"张\"");
    assert_error("\xEF\xBC\x88"
                 "1)",
                 1, "unexpected \"\xEF\xBC\x88\"");
    assert_error("1 + \x01", 5, "unexpected control character U+0001");
    assert_error("1 + \xFF", 5, "unexpected byte 0xFF (not UTF-8)");
    assert_error("1 + \xC2\xA0"
                 "2",
                 5, "unexpected \"\xC2\xA0\"");
    /* long names are cut in messages */
    assert_error("sum(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)", 5,
                 "unknown column \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"");
}

/* No kpis or cols given: every name is unknown, nothing crashes. */
static void test_errors_no_names(void **state)
{
    (void)state;
    struct kp_expr_err err;
    assert_null(expr_parse("spread(a)", NULL, 0, NULL, 0, &err));
    assert_string_equal(err.msg, "unknown KPI \"a\"");
    assert_null(expr_parse("sum(a)", NULL, 0, NULL, 0, &err));
    assert_string_equal(err.msg, "unknown column \"a\"");
    assert_null(expr_parse(NULL, NULL, 0, NULL, 0, &err));
    assert_string_equal(err.msg, "formula is empty");
    assert_null(expr_parse("(", NULL, 0, NULL, 0, NULL)); /* err may be NULL */
    struct kp_expr *e = expr_parse("2 * 3", NULL, 0, NULL, 0, &err);
    assert_non_null(e);
    assert_true(expr_eval(e, NULL) == 6);
    expr_free(e);
    expr_free(NULL);
}

/* ---- limits --------------------------------------------------------------- */

static char *repeat(const char *pre, size_t n, const char *mid, const char *post, size_t m)
{
    struct kp_buf b = {0};
    for (size_t i = 0; i < n; i++)
        buf_adds(&b, pre);
    buf_adds(&b, mid);
    for (size_t i = 0; i < m; i++)
        buf_adds(&b, post);
    return buf_steal(&b);
}

static void test_nesting(void **state)
{
    (void)state;
    char *s = repeat("(", 200, "1", ")", 200);
    assert_true(ev(s, NULL) == 1);
    free(s);
    s = repeat("(", 201, "1", ")", 201);
    assert_error(s, 201, "nesting deeper than 200 levels");
    free(s);
    s = repeat("(", 10000, "1", ")", 10000);
    assert_error(s, 201, "nesting deeper than 200 levels");
    free(s);
    s = repeat("-", 10000, "1", "", 0);
    assert_error(s, 201, "nesting deeper than 200 levels");
    free(s);
    s = repeat("abs(", 10000, "1", ")", 10000);
    assert_error(s, 804, "nesting deeper than 200 levels"); /* the 201st "(" */
    free(s);
    s = repeat("-", 200, "1", "", 0);
    assert_true(ev(s, NULL) == 1);
    free(s);
}

static void test_long_chains(void **state)
{
    (void)state;
    /* 999 operators deep is fine; the 1000th is refused */
    char *s = repeat("1+", 999, "1", "", 0);
    assert_true(ev(s, NULL) == 1000);
    free(s);
    s = repeat("1+", 1000, "1", "", 0);
    assert_error(s, 2000, "formula is too long (more than 1000 operations deep)");
    free(s);
    /* 1 MB of a valid chain, of garbage, of open parentheses: errors */
    s = repeat("sum(won)*", 120000, "1", "", 0);
    assert_error(s, 9000, "formula is too long (more than 1000 operations deep)");
    free(s);
    s = repeat("#", 1 << 20, "", "", 0);
    assert_error(s, 1, "unexpected \"#\"");
    free(s);
    s = repeat("9", 1 << 20, "", "", 0);
    char want[160];
    snprintf(want, sizeof want, "number \"%.37s...\" is too large", s);
    assert_error(s, 1, want);
    free(s);
    s = repeat("revenu", 1 << 17, "", "", 0); /* long name: no "did you mean" */
    snprintf(want, sizeof want, "unknown name \"%.37s...\"", s);
    assert_string_equal(want, "unknown name \"revenurevenurevenurevenurevenurevenur...\"");
    assert_error(s, 1, want);
    free(s);
}

static unsigned long rnd_state = 12345;
static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)(rnd_state >> 33) % n;
}

/* Parse src; if it parses, its explanation must parse back to the same text
 * and value. Returns 1 when it parsed. */
static int check_roundtrip(const char *src, const struct kp_eval_ctx *ctx)
{
    struct kp_expr_err err;
    struct kp_expr *e = expr_parse(src, kp_canon_cols, KP_NCANON, kpis, KP_NELEM(kpis), &err);
    if (!e) {
        assert_true(err.col >= 1 && err.col <= strlen(src) + 1);
        assert_true(err.msg[0] != '\0');
        return 0;
    }
    struct kp_buf t1 = {0}, t2 = {0};
    expr_explain(e, NULL, kp_canon_cols, &t1);
    struct kp_expr *e2 = parse(t1.s);
    expr_explain(e2, NULL, kp_canon_cols, &t2);
    assert_string_equal(t1.s, t2.s);
    double v1 = expr_eval(e, ctx), v2 = expr_eval(e2, ctx);
    if (!(v1 == v2 || (isnan(v1) && isnan(v2))))
        fail_msg("%s = %g but %s = %g", src, v1, t1.s, v2);
    expr_free(e2);
    expr_free(e);
    buf_free(&t1);
    buf_free(&t2);
    return 1;
}

/* A random well-formed formula, with random spacing and extra parentheses. */
static void gen(struct kp_buf *b, int depth)
{
    static const char *const leaves[] = {
        "1",        "2.5",       "0",          "50%",          "1e3",
        "sum(won)", "avg(csat)", "count(nps)", "spread(csat)", "last(revenue)"};
    static const char *const ops[] = {"+", "-", "*", "/"};
    if (rnd(3))
        buf_adds(b, rnd(2) ? " " : "");
    unsigned k = depth > 6 ? 0 : rnd(6);
    if (k < 2) {
        buf_adds(b, leaves[rnd(KP_NELEM(leaves))]);
    } else if (k == 2) {
        buf_adds(b, rnd(2) ? "-" : "abs(");
        int abs = b->s[b->len - 1] == '(';
        gen(b, depth + 1);
        if (abs)
            buf_addc(b, ')');
    } else if (k == 3) {
        buf_addc(b, '(');
        gen(b, depth + 1);
        buf_addc(b, ')');
    } else {
        gen(b, depth + 1);
        buf_adds(b, ops[rnd(4)]);
        gen(b, depth + 1);
    }
}

/* Never crash on a token soup; whatever parses explains to text that parses
 * back to the same text and value. */
static void test_soup(void **state)
{
    (void)state;
    static const char *const toks[] = {
        "(",        ")",         "+",          "-",    "*",
        "/",        "%",         "1",          "2.5",  "0",
        "sum(won)", "avg(csat)", "count(nps)", "abs(", "spread(csat)",
        " ",        "e",         ".",          "sum(", "revenue"};
    struct kp_colagg a[KP_NCANON];
    for (size_t i = 0; i < KP_NCANON; i++)
        a[i] = agg(3, 1, 2, 1, 2, 2);
    int calls = 0;
    struct kp_eval_ctx ctx = {a, group_cb, &calls, NULL};
    int parsed = 0;
    for (int iter = 0; iter < 3000; iter++) {
        struct kp_buf b = {0};
        for (int i = 0, n = 1 + iter % 12; i < n; i++)
            buf_adds(&b, toks[rnd(KP_NELEM(toks))]);
        check_roundtrip(b.s, &ctx);
        buf_reset(&b);
        gen(&b, 0);
        parsed += check_roundtrip(b.s, &ctx);
        buf_free(&b);
    }
    assert_int_equal(parsed, 3000);
}

/* ---- helpers -------------------------------------------------------------- */

static void assert_divisor(const char *src, const char *want)
{
    struct kp_expr *e = parse(src);
    const struct kp_expr *d = expr_divisor(e);
    if (!want) {
        assert_null(d);
    } else {
        assert_non_null(d);
        struct kp_buf b = {0};
        expr_explain(d, NULL, kp_canon_cols, &b);
        assert_string_equal(b.s, want);
        buf_free(&b);
    }
    expr_free(e);
}

static void test_divisor(void **state)
{
    (void)state;
    assert_divisor("sum(won) / (sum(won) + sum(lost))", "sum(won) + sum(lost)");
    assert_divisor("sum(revenue) / sum(quota)", "sum(quota)");
    assert_divisor("sum(won) / sum(opportunities) * 100", "sum(opportunities)");
    assert_divisor("100 * (sum(won) / sum(opportunities))", "sum(opportunities)");
    assert_divisor("sum(won) / sum(opportunities) / 100", "sum(opportunities)");
    assert_divisor("-(sum(won) / count(won))", "count(won)");
    assert_divisor("sum(visits)", NULL);
    assert_divisor("sum(visits) / 3", NULL);
    assert_divisor("1 - abs(sum(forecast) - sum(revenue)) / sum(revenue)", NULL);
    assert_divisor("sum(won) / sum(lost) + 1", NULL);
    assert_null(expr_divisor(NULL));
}

static int by_zero(const char *src)
{
    struct kp_expr *e = parse(src);
    int r = expr_divides_by_zero(e);
    expr_free(e);
    return r;
}

/* tests/adversarial: "a division by a constant zero" is reported by
 * config (a warning), through this. */
static void test_divides_by_zero(void **state)
{
    (void)state;
    assert_int_equal(by_zero("sum(revenue) / 0"), 1);
    assert_int_equal(by_zero("sum(revenue) / (2 - 2)"), 1);
    assert_int_equal(by_zero("1 + abs(sum(won) / 0%)"), 1);
    assert_int_equal(by_zero("sum(won) / (1 / 0)"), 1);
    assert_int_equal(by_zero("sum(won) / 0.5"), 0);
    assert_int_equal(by_zero("sum(won) / (sum(lost) - sum(lost))"), 0); /* data, not a constant */
    assert_int_equal(by_zero("sum(won) / sum(opportunities)"), 0);
    assert_int_equal(expr_divides_by_zero(NULL), 0);
}

static int additive(const char *src)
{
    struct kp_expr *e = parse(src);
    int r = expr_is_additive(e);
    expr_free(e);
    return r;
}

static int single(const char *src)
{
    struct kp_expr *e = parse(src);
    int r = expr_single_column(e);
    expr_free(e);
    return r;
}

static void test_additive_single(void **state)
{
    (void)state;
    assert_int_equal(additive("sum(visits)"), 1);
    assert_int_equal(additive("((sum(visits)))"), 1);
    assert_int_equal(additive("count(won)"), 1);
    assert_int_equal(additive("avg(csat)"), 0);
    assert_int_equal(additive("max(csat)"), 0);
    assert_int_equal(additive("sum(won) / sum(lost)"), 0);
    assert_int_equal(additive("sum(won) + sum(lost)"), 0);
    assert_int_equal(additive("2"), 0);
    assert_int_equal(expr_is_additive(NULL), 0);
    assert_int_equal(single("count(visits)"), KP_COL_VISITS);
    assert_int_equal(single("avg(cycle_days)"), KP_COL_CYCLE_DAYS);
    assert_int_equal(single("sum(revenue) + 1"), -1);
    assert_int_equal(single("spread(csat)"), -1);
    assert_int_equal(single("7"), -1);
    assert_int_equal(expr_single_column(NULL), -1);
}

static void test_columns_groups(void **state)
{
    (void)state;
    struct kp_expr *e = parse("sum(won) / (sum(won) + sum(lost)) + at_target(csat) + "
                              "spread(attainment) * spread(csat) + avg(revenue)");
    size_t cols[8];
    assert_int_equal(expr_columns(e, cols, 8), 3);
    assert_int_equal(cols[0], KP_COL_REVENUE);
    assert_int_equal(cols[1], KP_COL_WON);
    assert_int_equal(cols[2], KP_COL_LOST);
    assert_int_equal(expr_columns(e, cols, 2), 2); /* up to max */
    assert_int_equal(cols[1], KP_COL_WON);
    int k[8];
    assert_int_equal(expr_group_kpis(e, k, 8), 2);
    assert_int_equal(k[0], 0);
    assert_int_equal(k[1], 2);
    assert_int_equal(expr_group_kpis(e, k, 1), 1);
    assert_int_equal(expr_uses_group(e), 1);
    expr_free(e);
    e = parse("3 * 4");
    assert_int_equal(expr_columns(e, cols, 8), 0);
    assert_int_equal(expr_group_kpis(e, k, 8), 0);
    assert_int_equal(expr_uses_group(e), 0);
    expr_free(e);
    /* a divisor is part of its formula: same helpers work on it */
    e = parse("sum(won) / (sum(lost) + count(nps))");
    assert_int_equal(expr_columns(expr_divisor(e), cols, 8), 2);
    assert_int_equal(cols[0], KP_COL_LOST);
    assert_int_equal(cols[1], KP_COL_NPS);
    assert_true(isnan(expr_eval(expr_divisor(e), NULL))); /* n/a + 0 */
    expr_free(e);
}

/* ---- explain -------------------------------------------------------------- */

static void test_explain(void **state)
{
    (void)state;
    assert_explain("8-4-2", NULL, "8 - 4 - 2");
    assert_explain("8-(4-2)", NULL, "8 - (4 - 2)");
    assert_explain("(8-4)-2", NULL, "8 - 4 - 2");
    assert_explain("1+(2+3)", NULL, "1 + (2 + 3)");
    assert_explain("(1*2)+3", NULL, "1 * 2 + 3");
    assert_explain("1*(2+3)", NULL, "1 * (2 + 3)");
    assert_explain("(8/4)*2", NULL, "8 / 4 * 2");
    assert_explain("8/(4*2)", NULL, "8 / (4 * 2)");
    assert_explain("-(2+3)", NULL, "-(2 + 3)");
    assert_explain("-(2*3)", NULL, "-(2 * 3)");
    assert_explain("(-2)*3", NULL, "-2 * 3");
    assert_explain("2*(-3)", NULL, "2 * -3");
    assert_explain("--3", NULL, "--3");
    assert_explain("((((7))))", NULL, "7");
    assert_explain("abs( (1-2) )", NULL, "abs(1 - 2)");
    assert_explain("50%", NULL, "50%");
    assert_explain("12.30 %", NULL, "12.3%");
    assert_explain("1.50e3", NULL, "1500");
    assert_explain("0.1", NULL, "0.1");
    assert_explain("0.3333333333333333", NULL, "0.3333333333333333");
    assert_explain("1e20", NULL, "1e+20");
    assert_explain("1e-7", NULL, "1e-07");
    assert_explain("sum(won)/(sum(won)+sum(lost))", NULL, "sum(won) / (sum(won) + sum(lost))");

    struct kp_colagg a[KP_NCANON];
    for (size_t i = 0; i < KP_NCANON; i++)
        a[i] = none();
    a[KP_COL_REVENUE] = agg(1250000, 0, 0, 0, 0, 3);
    a[KP_COL_QUOTA] = agg(1000000, 0, 0, 0, 0, 3);
    a[KP_COL_CSAT] = agg(13, 4, 5, 4, 5, 3);
    struct kp_eval_ctx ctx = {a, NULL, NULL, NULL};
    assert_explain("sum(revenue)/sum(quota)", &ctx,
                   "sum(revenue)[=1250000] / sum(quota)[=1000000]");
    assert_explain("avg(csat) - count(nps) * 2 + sum(nps)", &ctx,
                   "avg(csat)[=4.333333333333333] - count(nps)[=0] * 2 + sum(nps)[=n/a]");
}

/* ---- SPEC.md's sample KPI set --------------------------------------------- */

static void test_spec_kpis(void **state)
{
    (void)state;
    /* A person's window of three months. */
    struct kp_colagg a[KP_NCANON];
    a[KP_COL_REVENUE] = agg(250000, 70000, 100000, 80000, 100000, 3);
    a[KP_COL_QUOTA] = agg(300000, 100000, 100000, 100000, 100000, 3);
    a[KP_COL_COLLECTED] = agg(225000, 60000, 90000, 75000, 90000, 3);
    a[KP_COL_NEW_CUSTOMERS] = agg(7, 1, 4, 2, 4, 3);
    a[KP_COL_VISITS] = agg(42, 12, 16, 14, 12, 3);
    a[KP_COL_OPPORTUNITIES] = agg(20, 5, 8, 7, 5, 3);
    a[KP_COL_WON] = agg(8, 2, 3, 3, 2, 3);
    a[KP_COL_LOST] = agg(2, 0, 1, 1, 0, 3);
    a[KP_COL_RENEWALS_DUE] = agg(0, 0, 0, 0, 0, 3); /* nothing due: n/a */
    a[KP_COL_RENEWALS_WON] = agg(0, 0, 0, 0, 0, 3);
    a[KP_COL_CSAT] = agg(9, 4, 5, 4, 5, 2); /* one month missing */
    a[KP_COL_NPS] = none();                 /* never measured */
    a[KP_COL_FORECAST] = agg(275000, 90000, 95000, 90000, 95000, 3);
    a[KP_COL_CYCLE_DAYS] = agg(90, 20, 40, 30, 40, 3);
    struct kp_eval_ctx ctx = {a, NULL, NULL, NULL};
    static const struct {
        const char *formula;
        double want;
    } k[] = {
        {"sum(revenue) / sum(quota)", 250000.0 / 300000.0},
        {"sum(collected) / sum(revenue)", 0.9},
        {"sum(won) / sum(opportunities)", 0.4},
        {"sum(won) / (sum(won) + sum(lost))", 0.8},
        {"sum(new_customers)", 7},
        {"sum(visits)", 42},
        {"avg(csat)", 4.5},
        {"avg(nps)", NAN},
        {"sum(renewals_won) / sum(renewals_due)", NAN},
        {"avg(cycle_days)", 30},
        {"1 - abs(sum(forecast) - sum(revenue)) / sum(revenue)", 0.9},
    };
    for (size_t i = 0; i < KP_NELEM(k); i++) {
        double v = ev(k[i].formula, &ctx);
        if (isnan(k[i].want))
            assert_true(isnan(v));
        else if (v != k[i].want)
            fail_msg("%s = %.17g, expected %.17g", k[i].formula, v, k[i].want);
    }
    assert_explain("1 - abs(sum(forecast) - sum(revenue)) / sum(revenue)", &ctx,
                   "1 - abs(sum(forecast)[=275000] - sum(revenue)[=250000]) / "
                   "sum(revenue)[=250000]");
}

UNIT_MAIN(cmocka_unit_test(test_precedence), cmocka_unit_test(test_numbers),
          cmocka_unit_test(test_aggregates), cmocka_unit_test(test_na_rules),
          cmocka_unit_test(test_missing_months), cmocka_unit_test(test_group_functions),
          cmocka_unit_test(test_errors), cmocka_unit_test(test_errors_no_names),
          cmocka_unit_test(test_nesting), cmocka_unit_test(test_long_chains),
          cmocka_unit_test(test_soup), cmocka_unit_test(test_divisor),
          cmocka_unit_test(test_divides_by_zero),
          cmocka_unit_test(test_additive_single), cmocka_unit_test(test_columns_groups),
          cmocka_unit_test(test_explain), cmocka_unit_test(test_spec_kpis))
