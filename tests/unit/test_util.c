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
    /* {input, Unicode rule, ASCII rule} */
    const char *cases[][3] = {
        {"R001", "R001", "R001"},
        {"../etc", "_._etc", "_._etc"},
        {".hidden", "_hidden", "_hidden"},
        {"a/b c", "a_b_c", "a_b_c"},
        {"", "_", "_"},
        {"张三", "张三", "__"},
        {"华东一区", "华东一区", "____"},
        {"a\xff\xfe"
         "b",
         "a__b", "a__b"},
        {"..", "__", "__"},
        {"x:y*z?\"<>|\\", "x_y_z______", "x_y_z______"},
        {"tab\there", "tab_here", "tab_here"},
        {"end. ", "end._", "end._"},
        {"tail..", "tail__", "tail__"},
        {"全\xe3\x80\x80角", "全_角", "___"},
        {"CON", "_CON", "_CON"},
        {"lpt1.txt", "_lpt1.txt", "_lpt1.txt"},
        {"COM10", "COM10", "COM10"},
        {"CONSOLE", "CONSOLE", "CONSOLE"},
        {"e\xcc\x81" "quipe", "\xc3\xa9" "quipe", "_quipe"},     /* NFC: e + U+0301 is é */
        {"a\xe2\x80\xae" "b", "a_b", "a_b"},                       /* U+202E RIGHT-TO-LEFT OVERRIDE */
        {"Zürich Nord", "Zürich_Nord", "Z_rich_Nord"},
        {"Москва", "Москва", "______"},
    };
    for (size_t i = 0; i < KP_NELEM(cases); i++) {
        for (int ascii = 0; ascii <= 1; ascii++) {
            char *s = safe_name(cases[i][0], ascii);
            assert_string_equal(s, cases[i][1 + ascii]);
            free(s);
        }
    }
    /* At most 100 bytes, cut between characters (三 is 3 bytes: 33 fit). */
    char long_name[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(long_name, "三");
    char *s = safe_name(long_name, 0);
    assert_int_equal(strlen(s), 99);
    assert_true(utf8_valid(s, strlen(s)));
    free(s);
}

static void test_safe_names_collide(void **state)
{
    (void)state;
    /* Equal after case folding (ASCII and not), or after replacement: each
     * gets its own id's hash; a name that collides with nothing stays. */
    char *ids[] = {"East", "EAST", "Straße", "STRASSE", "a/b", "a:b", "华东"};
    char **out = safe_names(ids, KP_NELEM(ids), 0);
    assert_string_equal(out[6], "华东");
    for (size_t i = 0; i < 6; i++) {
        assert_non_null(strchr(out[i], '-'));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(out[i], out[j]);
    }
    assert_int_equal(strncmp(out[0], "East-", 5), 0);
    assert_int_equal(strncmp(out[4], "a_b-", 4), 0);
    for (size_t i = 0; i < KP_NELEM(ids); i++)
        free(out[i]);
    free(out);
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
          cmocka_unit_test(test_safe_name), cmocka_unit_test(test_safe_names_collide), cmocka_unit_test(test_split))
