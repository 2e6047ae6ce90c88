/* Unit tests for config: the shipped samples load with the values they
 * state; every class of mistake is reported with file, line (and column for
 * formulas) and makes the load fail. */
#include "unit.h"

#include "config.h"
#include "diag.h"
#include "sys.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_acme(void **state)
{
    (void)state;
    struct kp_config *c = config_load("samples/acme/review.ini");
    assert_non_null(c);
    assert_int_equal(c->nkpis, 12);
    assert_int_equal(c->nroles, 5);
    assert_string_equal(c->label, "2026-Q2");
    assert_int_equal(c->from, 2026 * 12 + 3);
    assert_int_equal(c->to, 2026 * 12 + 5);
    assert_int_equal(c->history, 6);
    assert_string_equal(c->roster, "samples/acme/roster.csv");
    assert_string_equal(c->kpis[0].id, "attainment");
    assert_true(c->kpis[0].target == 1.0);
    assert_true(fabs(c->kpis[1].target - 0.95) < 1e-12);
    assert_true(c->kpis[9].lower_better); /* cycle_days */
    assert_true(c->kpis[4].team_target_sum); /* new_customers adds up */
    assert_false(c->kpis[0].team_target_sum);
    assert_true(c->cap == 1.5);
    int ae = config_find_role(c, "ae");
    assert_true(ae >= 0);
    assert_true(c->roles[ae].weight[0] == 35);
    assert_true(c->roles[ae].target[4] == 6);
    assert_true(isnan(c->roles[ae].target[0]));
    assert_int_equal(c->nbands, 4);
    assert_string_equal(c->bands[0].id, "a"); /* highest first */
    assert_string_equal(c->bands[0].color, "#1a7f37");
    assert_int_equal(c->nalerts, 4);
    assert_true(c->commission.enabled);
    assert_int_equal(c->commission.ntiers, 4);
    assert_true(c->commission.marginal);
    assert_true(fabs(c->commission.tiers[1].from - 0.8) < 1e-12);
    assert_true(c->commission.cap == 60000);
    assert_string_equal(text_get(c->kpis[0].label, c->kpis[0].nlabel, "zh", ""), "销售达成率");
    assert_string_equal(text_get(c->kpis[0].label, c->kpis[0].nlabel, "fr", ""),
                        "Quota attainment");
    config_free(c);
}

static void test_huadong_and_gbk(void **state)
{
    (void)state;
    struct kp_config *c = config_load("samples/huadong/review.ini");
    assert_non_null(c);
    assert_string_equal(config_header_for(c, "revenue"), "销售额");
    assert_string_equal(config_header_for(c, "rep_id"), "工号");
    assert_int_equal(config_find_role(c, "直销代表"), config_find_role(c, "ae"));
    assert_int_equal(config_find_role(c, "客服"), -1);
    assert_string_equal(c->currency, "¥");
    assert_null(c->encoding);
    config_free(c);
    c = config_load("samples/huadong/gbk/review.ini");
    assert_non_null(c);
    assert_string_equal(c->encoding, "GBK");
    assert_string_equal(c->roster, "samples/huadong/gbk/roster.csv");
    assert_string_equal(c->label, "2026年第二季度"); /* from the included file */
    assert_string_equal(config_header_for(c, "revenue"), "销售额");
    config_free(c);
}

/* Write text to a config file in the temp folder; return its path. */
static char *write_cfg(const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", sys_tmpdir(), name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static const char *base =
    "[review]\nfrom = 2026-04\nto = 2026-06\n"
    "[kpi.attainment]\nformula = sum(revenue) / sum(quota)\ntarget = 100%\n"
    "[kpi.visits]\nformula = sum(visits)\n"
    "[role.ae]\nweight.attainment = 60\nweight.visits = 40\n";

/* Load `base` + extra; the load must fail with a message containing want. */
static void expect_error(const char *extra, const char *want)
{
    char *text = xasprintf("%s%s", base, extra);
    char *p = write_cfg("bad.ini", text);
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    struct kp_config *c = config_load(p);
    diag_capture(NULL);
    diag_reset();
    if (c || !msgs.s || !strstr(msgs.s, want)) {
        fprintf(stderr, "config:\n%s\nwanted: %s\ngot: %s\n", text, want, msgs.s ? msgs.s : "");
        fail();
    }
    config_free(c);
    buf_free(&msgs);
    free(text);
    free(p);
}

static void test_errors(void **state)
{
    (void)state;
    /* base has 11 lines; the first extra line is line 12. */
    expect_error("[bogus]\n", "bad.ini:12:1: error: unknown section [bogus]");
    expect_error("[kpi.win]\nformla = sum(won)\n",
                 "bad.ini:13:1: error: unknown key \"formla\" in [kpi.win] (did you mean "
                 "\"formula\"?)");
    expect_error("[kpi.conv]\nformula = sum(won) / sum(oportunities)\n",
                 "bad.ini:13:26: error: [kpi.conv] formula: unknown column \"oportunities\" (did you mean \"opportunities\"?)");
    expect_error("[kpi.conv]\nformula = \"sum(won) / (sum(lost)\"\n",
                 "bad.ini:13:");
    expect_error("[role.kam]\nweight.attainment = 90\n",
                 "bad.ini:12: error: [role.kam]: the weights add up to 90%, not 100%");
    expect_error("[role.kam]\nweight.attainment = 100\nweight.nps = 0\n",
                 "bad.ini:14: error: [role.kam] weight.nps: no KPI \"nps\" is defined");
    expect_error("[review]\nfrom = 2026-13\n",
                 "error: [review] from: \"2026-13\" is not a month: write YYYY-MM");
    expect_error("[org]\nname = Sales #1\n",
                 "bad.ini:13:14: error: the value is cut at '#'");
    expect_error("[band.a]\nmin = 90\ncolor = #1a7f37\n",
                 "bad.ini:14:9: error: a value starting with '#' reads as a comment");
    expect_error("loose = 1\n", "bad.ini:12:1: error: unknown key \"loose\" in [role.ae]");
    expect_error("[review]\nthis is not ini\n",
                 "bad.ini:13:1: error: expected \"key = value\" or \"[section]\"");
    expect_error("[scoring]\ncap = lots\n", "[scoring] cap: \"lots\" is not a number");
    expect_error("[input]\nencoding = KLINGON-8\n", "unknown encoding \"KLINGON-8\"");
    expect_error("[commission]\nbasis = sum(revenue)\ntiers = 80%-2%\n",
                 "[commission] tiers: \"80%-2%\": write each tier as FROM:RATE");
    expect_error("[kpi.bad]\nformula = at_target(spready)\n"
                 "[kpi.spready]\nformula = spread(attainment)\n",
                 "spready uses a group function itself");
    expect_error("[kpi.nps]\nformula = avg(nps)\nmissing = maybe\n",
                 "bad.ini:14: error: [kpi.nps] missing:");
    expect_error("[input]\nplan = quota, target_visits\n",
                 "bad.ini:13: error: [input] plan: no metric column \"target_visits\"");
    expect_error("[columns]\nrevenu = Sales\n",
                 "bad.ini:13:1: error: [columns] revenu: not a column kpipress reads (did you "
                 "mean \"revenue\"?)");
    expect_error("[output]\nrejects_max = -1\n", "bad.ini:13: error: [output] rejects_max:");
    char *longline = xmalloc(1200);
    memset(longline, 'x', 1199);
    longline[1199] = '\0';
    char *t = xasprintf("[org]\nname = %s\n", longline);
    expect_error(t, "bad.ini:13: error: line is 1206 bytes long; the limit is 1000");
    free(t);
    free(longline);
}

static void test_outside_section(void **state)
{
    (void)state;
    char *p = write_cfg("loose.ini", "loose = 1\n[review]\nfrom = 2026-01\n");
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    assert_null(config_load(p));
    diag_capture(NULL);
    diag_reset();
    assert_non_null(strstr(msgs.s, "loose.ini:1:1: error: \"loose\" is outside any [section]"));
    buf_free(&msgs);
    free(p);
}

static void test_includes(void **state)
{
    (void)state;
    char *a = write_cfg("a.ini", "[config]\ninclude = b.ini\n");
    char *b = write_cfg("b.ini", "[config]\ninclude = a.ini\n");
    char *self = write_cfg("self.ini", "[config]\ninclude = self.ini\n");
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    assert_null(config_load(a));
    assert_null(config_load(self));
    diag_capture(NULL);
    diag_reset();
    assert_non_null(strstr(msgs.s, "this file includes itself"));
    assert_null(strstr(msgs.s, "deeper")); /* caught as a loop, not by depth */
    buf_free(&msgs);
    free(a), free(b), free(self);
}

/* Load base + extra, capturing the messages (the load must fail). */
static char *fail_messages(const char *extra)
{
    char *text = xasprintf("%s%s", base, extra);
    char *p = write_cfg("big.ini", text);
    struct kp_buf msgs = {0};
    buf_adds(&msgs, "");
    diag_capture(&msgs);
    assert_null(config_load(p));
    diag_capture(NULL);
    diag_reset();
    free(text), free(p);
    return buf_steal(&msgs);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* tests/adversarial: 100,000 sections took ten minutes (linear searches
 * in iniparser and ini.c) and printed 100,000 lines. A config is refused
 * past 10,000 sections and keys; at most 20 errors are printed. */
static void test_limits(void **state)
{
    (void)state;
    struct kp_buf b = {0};
    buf_adds(&b, "");
    for (int i = 0; i < 100000; i++)
        buf_printf(&b, "[band.b%d]\n", i);
    char *m = fail_messages(b.s);
    assert_int_equal(count_lines(m), 1);
    assert_non_null(strstr(m, "/big.ini: error: more than 10000 sections and keys (a review "
                              "config has a few hundred): is this the right file?\n"));
    free(m);
    buf_reset(&b);
    for (int i = 0; i < 30; i++)
        buf_printf(&b, "[zz%d]\n", i);
    m = fail_messages(b.s);
    assert_int_equal(count_lines(m), 21);
    assert_non_null(strstr(m, "big.ini:31:1: error: unknown section [zz19]\n"));
    assert_null(strstr(m, "[zz20]"));
    assert_non_null(strstr(m, "big.ini: error: 10 more errors like these\n"));
    free(m);
    buf_reset(&b);
    for (int i = 0; i < 25; i++)
        buf_printf(&b, "[org%d]\nname = Sales #1\n", i); /* ini.c's errors */
    m = fail_messages(b.s);
    assert_int_equal(count_lines(m), 21);
    assert_non_null(strstr(m, "big.ini: error: 5 more errors like these\n"));
    free(m);
    buf_free(&b);
}

/* tests/adversarial: a division by a constant zero loads, with a warning
 * at the formula. */
static void test_division_by_zero(void **state)
{
    (void)state;
    char *text = xasprintf("%s[kpi.zero]\nformula = sum(revenue) / (1 - 1)\n", base);
    char *p = write_cfg("zero.ini", text);
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    struct kp_config *c = config_load(p);
    diag_capture(NULL);
    diag_reset();
    assert_non_null(c);
    assert_non_null(msgs.s);
    assert_non_null(strstr(msgs.s, "zero.ini:13:11: warning: [kpi.zero] formula: divides by a "
                                   "constant zero, so it is n/a whatever the data\n"));
    config_free(c);
    buf_free(&msgs);
    free(text), free(p);
}

/* fuzz_config: a quoted number with a leading space freed a pointer into
 * the middle of its copy (free(): invalid pointer, the process aborted). */
static void test_number_with_spaces(void **state)
{
    (void)state;
    char *text = xasprintf("%s[kpi.q]\nformula = sum(won)\ntarget = \" 95%%\"\n", base);
    char *p = write_cfg("spaces.ini", text);
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    struct kp_config *c = config_load(p);
    diag_capture(NULL);
    diag_reset();
    assert_non_null(c);
    int k = config_find_kpi(c, "q");
    assert_true(k >= 0);
    assert_true(c->kpis[k].target == 0.95);
    /* fuzz_typeset: a packet member's role null in results.json */
    assert_int_equal(config_find_role(c, NULL), -1);
    config_free(c);
    buf_free(&msgs);
    free(text), free(p);
}

static void test_bom_and_duplicates(void **state)
{
    (void)state;
    char *text = xasprintf("\xEF\xBB\xBF%s[org]\nname = A\nname = B\n", base);
    char *p = write_cfg("bom.ini", text);
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    struct kp_config *c = config_load(p);
    diag_capture(NULL);
    diag_reset();
    assert_non_null(c);
    assert_string_equal(c->org_name, "B");
    assert_non_null(strstr(msgs.s, "bom.ini:14:1: warning: [org] name is set again (first at"));
    config_free(c);
    buf_free(&msgs);
    free(text);
    free(p);
}

static void test_override(void **state)
{
    (void)state;
    struct kp_config *c = config_load("samples/acme/review.ini");
    assert_int_equal(config_override(c, "r.csv", NULL, "2026-01", "2026-03"), 0);
    assert_string_equal(c->roster, "r.csv");
    assert_string_equal(c->label, "2026-01..2026-03");
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    assert_int_equal(config_override(c, NULL, NULL, "2026-07", NULL), -1);
    diag_capture(NULL);
    diag_reset();
    assert_non_null(strstr(msgs.s, "the window ends before it starts"));
    buf_free(&msgs);
    /* the config's 24-month rule holds for --from/--to (was: 1990-01..2026-06 ran) */
    memset(&msgs, 0, sizeof msgs);
    diag_capture(&msgs);
    assert_int_equal(config_override(c, NULL, NULL, "1990-01", "2026-06"), -1);
    diag_capture(NULL);
    diag_reset();
    assert_string_equal(msgs.s, "kpipress: error: --from/--to: the window is longer than 24 "
                                "months\n");
    buf_free(&msgs);
    config_free(c);
}

UNIT_MAIN(cmocka_unit_test(test_acme), cmocka_unit_test(test_huadong_and_gbk),
          cmocka_unit_test(test_errors), cmocka_unit_test(test_outside_section),
          cmocka_unit_test(test_includes), cmocka_unit_test(test_limits),
          cmocka_unit_test(test_division_by_zero), cmocka_unit_test(test_number_with_spaces),
          cmocka_unit_test(test_bom_and_duplicates), cmocka_unit_test(test_override))
