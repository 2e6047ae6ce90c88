/* Unit tests for kpipress plan: the --for window, and the [plan] section's
 * keys (defaults, percentages, "5,000,000", and the mistakes reported at
 * their line). The planned figures are hand-checked in tests/golden/plan/. */
#include "unit.h"

#include "config.h"
#include "diag.h"
#include "expr.h"
#include "plan.h"
#include "sys.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_window(void **state)
{
    (void)state;
    int a, b;
    assert_int_equal(plan_parse_window("2026-07..2026-09", &a, &b), 0);
    assert_int_equal(a, 2026 * 12 + 6);
    assert_int_equal(b, 2026 * 12 + 8);
    assert_int_equal(plan_parse_window("2026-07", &a, &b), 0);
    assert_int_equal(a, b);
    assert_int_equal(plan_parse_window("2026-09..2026-07", &a, &b), -1); /* backwards */
    assert_int_equal(plan_parse_window("2026-07..2028-07", &a, &b), -1); /* over 24 months */
    assert_int_equal(plan_parse_window("2026-7..2026-09", &a, &b), -1);
    assert_int_equal(plan_parse_window("2026-07..", &a, &b), -1);
    assert_int_equal(plan_parse_window("", &a, &b), -1);
}

static const char *base = "[review]\nfrom = 2026-04\nto = 2026-06\n"
                          "[kpi.revenue]\nformula = sum(revenue)\n"
                          "[role.ae]\nweight.revenue = 100\n";

/* Load base + extra; returns the config (or NULL) and the messages. */
static struct kp_config *load(const char *extra, char **msgs)
{
    char *text = xasprintf("%s%s", base, extra);
    char *p = xasprintf("%s/plan.ini", sys_tmpdir());
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    struct kp_buf m = {0};
    buf_adds(&m, "");
    diag_capture(&m);
    struct kp_config *c = config_load(p);
    diag_capture(NULL);
    diag_reset();
    free(text), free(p);
    *msgs = buf_steal(&m);
    return c;
}

static void test_defaults(void **state)
{
    (void)state;
    char *m;
    struct kp_config *c = load("", &m);
    assert_non_null(c);
    assert_int_equal(c->plan.months, 6);
    assert_true(c->plan.growth == 0);
    assert_true(c->plan.margin == 0.15);
    assert_true(c->plan.round == 1);
    assert_string_equal(c->plan.market_kpi, "revenue");
    assert_int_equal(c->plan.ngrowths + c->plan.nmarkets, 0);
    config_free(c), free(m);
}

static void test_keys(void **state)
{
    (void)state;
    char *m;
    struct kp_config *c = load("[plan]\nmonths = 3\ngrowth = 15%\ngrowth.East = -5%\n"
                               "market.East = 5,000,000\nmarket.West = 1200.5\nmargin = 10%\n",
                               &m);
    assert_non_null(c);
    assert_int_equal(c->plan.months, 3);
    assert_true(c->plan.growth == 0.15);
    assert_int_equal(c->plan.ngrowths, 1);
    assert_string_equal(c->plan.growths[0].name, "east");
    assert_true(c->plan.growths[0].value == -0.05);
    assert_int_equal(c->plan.growths[0].line, 11);
    assert_int_equal(c->plan.nmarkets, 2);
    assert_true(c->plan.markets[0].value == 5000000);
    assert_true(c->plan.markets[1].value == 1200.5);
    assert_true(c->plan.margin == 0.1);
    config_free(c), free(m);
}

static void expect_error(const char *extra, const char *want)
{
    char *m;
    struct kp_config *c = load(extra, &m);
    if (c || !strstr(m, want)) {
        fprintf(stderr, "wanted: %s\ngot: %s\n", want, m);
        fail();
    }
    config_free(c), free(m);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("[plan]\ngrowth = 15\n", "plan.ini:9: error: [plan] growth: 15 is a share");
    expect_error("[plan]\nmonths = 0\n", "plan.ini:9: error: [plan] months: wants a whole number");
    expect_error("[plan]\nmarket.East = 5,00,000\n",
                 "plan.ini:9: error: [plan] market.east: \"5,00,000\" is not an amount");
    expect_error("[plan]\nmarket.East = lots\n", "is not an amount");
    expect_error("[plan]\nmargin = 150%\n", "[plan] margin: 150% is out of range");
    expect_error("[plan]\nceiling = 3\n", "ceiling");
}

/* prev() and yoy() (expr.c): parsed, shown back, evaluated through the
 * caller's shift (here: prev = 50, yoy = 300 for any expression). */
static double shift_stub(void *arg, enum kp_shift how, const struct kp_expr *e)
{
    (void)arg, (void)e;
    return how == KP_SHIFT_PREV ? 50 : 300;
}

static void test_prev_yoy(void **state)
{
    (void)state;
    const char *cols[] = {"revenue"};
    struct kp_expr_err err;
    struct kp_expr *e = expr_parse("sum(revenue) / prev(sum(revenue)) - 1", cols, 1, NULL, 0, &err);
    assert_non_null(e);
    struct kp_colagg agg = {330, 110, 110, 110, 110, 3};
    struct kp_eval_ctx ctx = {&agg, NULL, NULL, shift_stub};
    assert_true(expr_eval(e, &ctx) == 330.0 / 50 - 1);
    struct kp_eval_ctx none = {&agg, NULL, NULL, NULL};
    assert_true(isnan(expr_eval(e, &none))); /* no history: n/a */
    struct kp_buf b = {0};
    expr_explain(e, &ctx, cols, &b);
    assert_string_equal(b.s, "sum(revenue)[=330] / prev(sum(revenue))[=50] - 1");
    buf_free(&b);
    expr_free(e);
    e = expr_parse("sum(revenue) / yoy(sum(revenue)) - 1", cols, 1, NULL, 0, &err);
    assert_non_null(e);
    assert_true(fabs(expr_eval(e, &ctx) - 0.1) < 1e-15);
    expr_free(e);
    assert_null(expr_parse("prev sum(revenue)", cols, 1, NULL, 0, &err));
    assert_non_null(strstr(err.msg, "expected \"(\" after \"prev\""));
    assert_null(expr_parse("prevv(sum(revenue))", cols, 1, NULL, 0, &err));
    assert_non_null(strstr(err.msg, "did you mean \"prev\""));
}

UNIT_MAIN(cmocka_unit_test(test_window), cmocka_unit_test(test_defaults),
          cmocka_unit_test(test_keys), cmocka_unit_test(test_errors),
          cmocka_unit_test(test_prev_yoy))
