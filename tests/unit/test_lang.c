/* Unit tests for lang: the shipped templates load, numbers, money, percent
 * and dates format per language, placeholders fill, and a language that
 * lacks a key English has is an error with file and line. */
#include "unit.h"

#include "diag.h"
#include "lang.h"
#include "model.h"
#include "sys.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct kp_lang *en, *zh;

static int setup(void **state)
{
    (void)state;
    en = lang_load("templates", "en");
    zh = lang_load("templates", "zh");
    return en && zh ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    lang_free(en);
    lang_free(zh);
    return 0;
}

#define FMT(call, expect)                                                                          \
    do {                                                                                           \
        struct kp_buf b_ = {0};                                                                    \
        call;                                                                                      \
        assert_string_equal(b_.s ? b_.s : "", expect);                                             \
        buf_free(&b_);                                                                             \
    } while (0)

static void test_numbers(void **state)
{
    (void)state;
    FMT(lang_number(en, &b_, 1234567.891, 2), "1,234,567.89");
    FMT(lang_number(en, &b_, -1234, 0), "-1,234");
    FMT(lang_number(en, &b_, -0.004, 2), "0.00");
    FMT(lang_number(en, &b_, 999.5, 0), "1,000");
    FMT(lang_number(en, &b_, NAN, 0), "n/a");
    FMT(lang_number(zh, &b_, NAN, 0), "无");
    FMT(lang_percent(en, &b_, 0.875, -1), "87.5%");
    FMT(lang_percent(zh, &b_, 1.0, 0), "100%");
    FMT(lang_money(en, &b_, 1234567, "$"), "$1,234,567");
    FMT(lang_money(zh, &b_, 200000, "¥"), "¥200,000");
    FMT(lang_money(en, &b_, -50.4, "$"), "-$50");
    FMT(lang_value(en, &b_, KP_FMT_DAYS, -1, 41.6, NULL), "42 days");
    FMT(lang_value(zh, &b_, KP_FMT_DAYS, -1, 41.6, NULL), "42天");
    FMT(lang_value(en, &b_, KP_FMT_SCORE, -1, 4.456, NULL), "4.46");
}

/* Large amounts on chart axes: one unit per axis (the largest tick's), the
 * language's words from locale.ini. */
static void test_amounts(void **state)
{
    (void)state;
    FMT(lang_amount(en, &b_, 140000, 140000), "140k");
    FMT(lang_amount(zh, &b_, 140000, 140000), "14万");
    FMT(lang_amount(zh, &b_, 50000, 150000), "5万");
    FMT(lang_amount(zh, &b_, 0, 150000), "0");
    FMT(lang_amount(en, &b_, 0, 150000), "0");
    FMT(lang_amount(zh, &b_, 2000, 16000), "0.2万"); /* the axis's unit, not its own */
    FMT(lang_amount(en, &b_, 2000, 16000), "2k");
    FMT(lang_amount(en, &b_, 1200000, 1600000), "1.2M");
    FMT(lang_amount(zh, &b_, 1200000, 1600000), "120万");
    FMT(lang_amount(en, &b_, 250000, 1000000), "0.25M");
    FMT(lang_amount(zh, &b_, 150000000, 300000000), "1.5亿");
    FMT(lang_amount(zh, &b_, 12000000000, 12000000000), "120亿");
    FMT(lang_amount(en, &b_, 12000000000, 12000000000), "12B");
    FMT(lang_amount(zh, &b_, 12000000, 12000000), "1,200万");
    FMT(lang_amount(en, &b_, 5000, 8000), "5,000"); /* below abbreviate_from: plain */
    FMT(lang_amount(zh, &b_, 5000, 8000), "5,000");
    FMT(lang_amount(en, &b_, 0.5, 1), "0.5");
    FMT(lang_amount(zh, &b_, -30000, 90000), "-3万");
}

/* The display rule (#15.4): a value that is not its target never prints as
 * its target; one more decimal until the texts differ. */
static void test_display_rule(void **state)
{
    (void)state;
    FMT(lang_attainment(en, &b_, 0.9964), "99.6%");     /* was "100%" beside "below target" */
    FMT(lang_attainment(en, &b_, 0.99996), "99.996%");
    FMT(lang_attainment(en, &b_, 1.004), "100.4%");
    FMT(lang_attainment(en, &b_, 1.0), "100%");
    FMT(lang_attainment(en, &b_, 1 - 1e-12), "100%"); /* the status calls it on target too */
    FMT(lang_attainment(en, &b_, 2.5143), "251%");    /* not capped */
    FMT(lang_attainment(en, &b_, 0.95), "95%");
    FMT(lang_attainment(zh, &b_, 0.9964), "99.6%");
    FMT(lang_attainment(en, &b_, NAN), "n/a");
    FMT(lang_value_vs(en, &b_, KP_FMT_PERCENT, -1, 0.94961, 0.95, NULL), "94.96%");
    FMT(lang_value_vs(en, &b_, KP_FMT_PERCENT, -1, 0.947, 0.95, NULL), "94.7%");
    FMT(lang_value_vs(en, &b_, KP_FMT_DAYS, 0, 45.3, 45, NULL), "45.3 days");
    FMT(lang_value_vs(en, &b_, KP_FMT_NUMBER, 0, 29.6, 30, NULL), "29.6");
    FMT(lang_value_vs(en, &b_, KP_FMT_CURRENCY, -1, 99999.6, 100000, "$"), "$99,999.6");
    FMT(lang_value_vs(en, &b_, KP_FMT_CURRENCY, -1, 1234, 100000, "$"), "$1,234");
    FMT(lang_value_vs(en, &b_, KP_FMT_NUMBER, 1, 99.96, 100, NULL), "99.96");
    FMT(lang_value_vs(en, &b_, KP_FMT_SCORE, -1, 4.4999, NAN, NULL), "4.50");
    /* an alert "below 90%": a share of 89.96% is not "90%" */
    FMT(lang_attainment_vs(en, &b_, 0.8996, 0.9), "89.96%");
    FMT(lang_attainment_vs(en, &b_, 0.85, 0.9), "85%");
    FMT(lang_attainment_vs(en, &b_, 0.9964, NAN), "99.6%");
    assert_int_equal(lang_decimals_vs(99.6, 100, 0), 1);
    assert_int_equal(lang_decimals_vs(100, 100, 0), 0);
    assert_int_equal(lang_decimals_vs(-0.3, 0.2, 0), 1); /* "-0" is "0" */
    assert_int_equal(lang_decimals_vs(99.99999, 100, 0), 5);
}

static void test_dates(void **state)
{
    (void)state;
    long d = date_from_ymd(2026, 9, 30);
    FMT(lang_date(en, &b_, d), "30 September 2026");
    FMT(lang_date(zh, &b_, d), "2026年9月30日");
    FMT(lang_month(en, &b_, 2026 * 12 + 5), "June 2026");
    FMT(lang_month(zh, &b_, 2026 * 12 + 5), "2026年6月");
    FMT(lang_month_short(en, &b_, 2026 * 12 + 0), "Jan");
}

static const char *getter(void *arg, const char *name)
{
    (void)arg;
    return strcmp(name, "name") == 0 ? "张三" : NULL;
}

static void test_fill(void **state)
{
    (void)state;
    FMT(lang_fill(&b_, "Hi {name}, {{literal}} {unknown}", getter, NULL),
        "Hi 张三, {literal}} {unknown}");
    FMT(lang_fill(&b_, lang_text(zh, "doc", "confidential"), getter, NULL),
        "机密：仅限张三本人及其上级阅读。");
}

static void write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_incomplete_language(void **state)
{
    (void)state;
    const char *tmp = sys_tmpdir();
    char *dir = xasprintf("%s/tpl", tmp), *en_dir = xasprintf("%s/en", dir),
         *xx = xasprintf("%s/xx", dir);
    sys_mkdirs(en_dir);
    sys_mkdirs(xx);
    char *p;
    write(p = xasprintf("%s/labels.ini", en_dir), "[doc]\ntitle = Review\npage = Page\n"), free(p);
    write(p = xasprintf("%s/locale.ini", en_dir), "[number]\ndecimal = .\n"), free(p);
    write(p = xasprintf("%s/labels.ini", xx), "[doc]\ntitle = X\nextra = Y\n"), free(p);
    write(p = xasprintf("%s/locale.ini", xx), "[number]\ndecimal = ,\n"), free(p);
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    struct kp_lang *l = lang_load(dir, "xx");
    assert_null(l);
    assert_null(lang_load(dir, "yy"));
    diag_capture(NULL);
    char *want1 = xasprintf("kpipress: %s/xx/labels.ini: error: labels: [doc] page is missing "
                            "(English has it at %s/en/labels.ini:3)\n", dir, dir);
    char *want2 = xasprintf("kpipress: %s/xx/labels.ini:3:1: error: labels: [doc] extra is not a "
                            "key English has\n", dir);
    assert_non_null(strstr(msgs.s, want1));
    assert_non_null(strstr(msgs.s, want2));
    assert_non_null(strstr(msgs.s, "no templates for language \"yy\""));
    free(want1), free(want2), free(dir), free(en_dir), free(xx);
    buf_free(&msgs);
    diag_reset();
}

/* A locale.ini whose units are not "divisor word", largest first: an error
 * at its line, the language not loaded. */
static void test_bad_abbreviations(void **state)
{
    (void)state;
    char *dir = xasprintf("%s/tpl2", sys_tmpdir()), *en_dir = xasprintf("%s/en", dir), *p;
    sys_mkdirs(en_dir);
    write(p = xasprintf("%s/labels.ini", en_dir), "[doc]\ntitle = Review\n"), free(p);
    static const char *const bad[] = {"1000 k, 1000000 M", "k 1000", "1 one", "1000"};
    for (size_t i = 0; i < KP_NELEM(bad); i++) {
        char *ini = xasprintf("[number]\ndecimal = .\nabbreviations = %s\n[date]\n"
                              "months = a,b,c,d,e,f,g,h,i,j,k,l\n"
                              "short_months = a,b,c,d,e,f,g,h,i,j,k,l\n", bad[i]);
        write(p = xasprintf("%s/locale.ini", en_dir), ini), free(p), free(ini);
        struct kp_buf msgs = {0};
        diag_capture(&msgs);
        assert_null(lang_load(dir, "en"));
        diag_capture(NULL);
        char *want = xasprintf("%s/en/locale.ini:3: error: [number] abbreviations: \"", dir);
        assert_non_null(strstr(msgs.s, want));
        assert_non_null(strstr(msgs.s, "the largest first (1000000 M, 1000 k)"));
        free(want);
        buf_free(&msgs);
    }
    write(p = xasprintf("%s/locale.ini", en_dir),
          "[number]\nabbreviate_from = lots\n[date]\nmonths = a,b,c,d,e,f,g,h,i,j,k,l\n"
          "short_months = a,b,c,d,e,f,g,h,i,j,k,l\n"), free(p);
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    assert_null(lang_load(dir, "en"));
    diag_capture(NULL);
    assert_non_null(
        strstr(msgs.s, "locale.ini:2: error: [number] abbreviate_from = lots: not a number"));
    buf_free(&msgs);
    free(dir), free(en_dir);
    diag_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_amounts),
        cmocka_unit_test(test_display_rule),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_incomplete_language),
        cmocka_unit_test(test_bad_abbreviations),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
