/* Unit tests for util: buffers, UTF-8, strict numbers, safe names. */
#include "unit.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_buf(void **state)
{
    (void)state;
    struct kp_buf b = {0};
    buf_adds(&b, "abc");
    buf_printf(&b, "-%d", 42);
    assert_string_equal(b.s, "abc-42");
    char *s = buf_steal(&b);
    assert_string_equal(s, "abc-42");
    assert_null(b.s);
    free(s);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(utf8_valid("张三 Zhang", strlen("张三 Zhang")));
    assert_false(utf8_valid("\xC0\xAF", 2));     /* overlong */
    assert_false(utf8_valid("\xED\xA0\x80", 3)); /* surrogate */
    assert_false(utf8_valid("\xE5\xBC", 2));     /* truncated */
    int bad = 0;
    char *c = utf8_clean("a\x01"
                         "b\xFF",
                         4, 0, &bad);
    assert_string_equal(c, "a\xEF\xBF\xBD"
                           "b\xEF\xBF\xBD");
    assert_int_equal(bad, 2);
    free(c);
    assert_int_equal(utf8_count("张三a"), 3);
}

static void test_numbers(void **state)
{
    (void)state;
    double d;
    long l;
    assert_int_equal(parse_double("12.5", &d), 0);
    assert_true(d == 12.5);
    assert_int_equal(parse_double("0x1p3", &d), -1);
    assert_int_equal(parse_double("inf", &d), -1);
    assert_int_equal(parse_double("nan", &d), -1);
    assert_int_equal(parse_double("1e400", &d), -1);
    assert_int_equal(parse_double("", &d), -1);
    assert_int_equal(parse_long("08", &l), 0);
    assert_int_equal(l, 8);
    assert_int_equal(parse_long("8x", &l), -1);
    char out[32];
    fmt_plain(out, sizeof out, 0.1);
    assert_string_equal(out, "0.1");
    fmt_plain(out, sizeof out, 1.0 / 3.0);
    assert_true(strtod(out, NULL) == 1.0 / 3.0);
    fmt_plain(out, sizeof out, NAN);
    assert_string_equal(out, "");
    fmt_plain(out, sizeof out, -0.0);
    assert_string_equal(out, "0");
}

static void test_safe_name(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"R001", "R001"},
        {"../etc", "_._etc"},
        {".hidden", "_hidden"},
        {"a/b c", "a_b_c"},
        {"", "_"},
        {"张三", "__"},
        {"a\xff\xfe"
         "b",
         "a__b"},
        {"..", "_."},
    };
    for (size_t i = 0; i < KP_NELEM(cases); i++) {
        char *s = safe_name(cases[i][0]);
        assert_string_equal(s, cases[i][1]);
        free(s);
    }
}

static void test_split(void **state)
{
    (void)state;
    char **v;
    size_t n = str_split(" a, b ,,c ", ',', &v);
    assert_int_equal(n, 3);
    assert_string_equal(v[0], "a");
    assert_string_equal(v[1], "b");
    assert_string_equal(v[2], "c");
    strv_free(v, n);
}

UNIT_MAIN(cmocka_unit_test(test_buf), cmocka_unit_test(test_utf8), cmocka_unit_test(test_numbers),
          cmocka_unit_test(test_safe_name), cmocka_unit_test(test_split))
