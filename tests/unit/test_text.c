/* Unit tests for text: runs by face, widths, missing glyphs, line breaking,
 * fitting one line, WinAnsiEncoding (against iconv's CP1252). */
#include "unit.h"

#include "font.h"
#include "text.h"
#include "util.h"

#include <iconv.h>
#include <math.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("SRC_DIR");
    setenv("KPIPRESS_DATADIR", src && *src ? src : ".", 0);
    return font_init(NULL) == 0 ? 0 : -1;
}

#define U_FFFD "\xEF\xBF\xBD"

static void test_runs(void **state)
{
    (void)state;
    struct kp_runs r;
    text_runs(&r, "Zhang 张三 87.5%", KP_TEXT_NUL, 0);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.v[0].face, KP_FACE_SANS);
    assert_int_equal(r.v[1].face, KP_FACE_CJK);
    assert_int_equal(r.v[2].face, KP_FACE_SANS);
    assert_int_equal(r.v[1].off, 6);
    assert_int_equal(r.v[1].len, 6);
    assert_int_equal(r.v[1].units, 2000);
    assert_false(r.v[1].fake_bold);
    /* " 87.5%": space 260, % 831, four digits and a point */
    long digits = 0;
    for (const char *c = "87.5"; *c; c++)
        digits += font_advance(KP_FACE_SANS, (uint32_t)*c);
    assert_int_equal(r.v[2].units, 260 + digits + 831);
    assert_int_equal(r.nmissing, 0);
    assert_int_equal(r.ninvalid, 0);
    assert_string_equal(r.s, "Zhang 张三 87.5%");
    text_runs_free(&r);

    text_runs(&r, "张三：Bold", KP_TEXT_NUL, 1);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.v[0].face, KP_FACE_CJK);
    assert_true(r.v[0].fake_bold);
    assert_int_equal(r.v[1].face, KP_FACE_SANS_BOLD);
    assert_false(r.v[1].fake_bold);
    text_runs_free(&r);

    text_runs(&r, "", 0, 0);
    assert_int_equal(r.n, 0);
    assert_string_equal(r.s, "");
    text_runs_free(&r);
}

static void test_missing(void **state)
{
    (void)state;
    struct kp_runs r;
    /* emoji (above the BMP), Thai (no face), CJK Ext. B (above the BMP) */
    text_runs(&r,
              "a\xF0\x9F\x98\x80"
              "b\xE0\xB8\x81\xF0\x9F\x98\x80\xF0\xA0\x80\x80",
              KP_TEXT_NUL, 0);
    assert_int_equal(r.nmissing, 3);
    assert_int_equal(r.missing[0], 0x1F600);
    assert_int_equal(r.missing[1], 0x0E01);
    assert_int_equal(r.missing[2], 0x20000);
    assert_string_equal(r.s, "a" U_FFFD "b" U_FFFD U_FFFD U_FFFD);
    assert_int_equal(r.n, 1); /* Noto Sans draws U+FFFD */
    assert_int_equal(r.v[0].face, KP_FACE_SANS);
    assert_int_equal(r.ninvalid, 0);
    text_runs_free(&r);

    uint32_t first = 0;
    assert_int_equal(text_missing("ok 张三", KP_TEXT_NUL, &first), 0);
    assert_int_equal(first, 0);
    assert_int_equal(
        text_missing("x\xE0\xB8\x81\xE0\xB8\x81y\xF0\x9F\x98\x80", KP_TEXT_NUL, &first), 2);
    assert_int_equal(first, 0x0E01);
    assert_int_equal(text_missing("\xF0\x9F\x98\x80", KP_TEXT_NUL, NULL), 1);
}

/* A character only an installed font has is drawn with it, not replaced
 * (#15.5); bold has no face of its own there: fill and stroke. */
static void test_fallback_runs(void **state)
{
    (void)state;
    if (access("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", R_OK) != 0) {
        skip();
        return;
    }
    struct kp_runs r;
    text_runs(&r, "\xD4\xB1\xD6\x80\xD5\xA1\xD5\xB4 P", KP_TEXT_NUL, 1); /* Արամ P */
    assert_int_equal(r.nmissing, 0);
    assert_int_equal(r.n, 2);
    assert_true(r.v[0].face >= KP_FACE_FALLBACK);
    assert_true(r.v[0].fake_bold);
    assert_int_equal(r.v[1].face, KP_FACE_SANS_BOLD);
    text_runs_free(&r);
    assert_int_equal(text_missing("Ana \xE2\x98\x82", KP_TEXT_NUL, NULL), 0); /* ☂ */
}

static void test_invalid(void **state)
{
    (void)state;
    struct kp_runs r;
    /* a stray byte, a control, a tab, CR LF, a truncated sequence at the end
     * (each byte of it replaced, as utf8_clean does) */
    text_runs(&r,
              "a\xFF"
              "b\x01\tc\r\nd\xE5\xBC",
              KP_TEXT_NUL, 0);
    assert_string_equal(r.s, "a" U_FFFD "b" U_FFFD " c d" U_FFFD U_FFFD);
    assert_int_equal(r.ninvalid, 4);
    assert_int_equal(r.nmissing, 0);
    text_runs_free(&r);
    /* the length is honoured: bytes after n are not read */
    text_runs(&r, "abc\xFF", 3, 0);
    assert_string_equal(r.s, "abc");
    text_runs_free(&r);
}

static void test_width(void **state)
{
    (void)state;
    assert_true(text_width("张三", KP_TEXT_NUL, 10, 0) == 20.0);
    assert_true(fabs(text_width("%%", KP_TEXT_NUL, 10, 0) - 16.62) < 1e-9);
    assert_true(fabs(text_width("%", KP_TEXT_NUL, 10, 1) - 9.01) < 1e-9);
    assert_true(fabs(text_width("张%", KP_TEXT_NUL, 12, 0) - 12 * 1.831) < 1e-9);
    assert_true(text_width("", KP_TEXT_NUL, 10, 0) == 0.0);
    /* a missing glyph is measured as its replacement */
    assert_true(text_width("\xF0\x9F\x98\x80", KP_TEXT_NUL, 10, 0) == 10.0);
    /* a newline measures as a space */
    assert_true(fabs(text_width("\n", KP_TEXT_NUL, 10, 0) - 2.6) < 1e-9);
}

/* Break s and compare the lines with the expected ones, "|"-separated. */
static void check_break(const char *s, double size, double width, const char *want)
{
    struct kp_lines l;
    text_break(&l, s, KP_TEXT_NUL, size, 0, width);
    struct kp_buf b = {0};
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            buf_addc(&b, '|');
        buf_add(&b, l.s + l.v[i].off, l.v[i].len);
        /* each line's width is its text's width */
        char *t = xstrndup(l.s + l.v[i].off, l.v[i].len);
        assert_true(fabs(l.v[i].width - text_width(t, KP_TEXT_NUL, size, 0)) < 1e-9);
        free(t);
    }
    buf_add(&b, "", 0);
    assert_string_equal(b.s, want);
    buf_free(&b);
    text_lines_free(&l);
}

static double w10(const char *s)
{
    return text_width(s, KP_TEXT_NUL, 10, 0);
}

static void test_break_latin(void **state)
{
    (void)state;
    check_break("aaa aaa aaa", 10, w10("aaa aaa"), "aaa aaa|aaa"); /* exact fit */
    check_break("aaa aaa aaa", 10, w10("aaa aaa") - 0.01, "aaa|aaa|aaa");
    check_break("aaa bbb ccc", 10, 1000, "aaa bbb ccc");
    check_break("a   b", 10, w10("a "), "a|b");                 /* spaces hang */
    check_break("aaaaaaaaaa", 10, w10("aaaa"), "aaaa|aaaa|aa"); /* word too long */
    check_break("xx aaaaaaaaaa", 10, w10("aaaa"), "xx|aaaa|aaaa|aa");
    check_break("abc", 10, 1, "a|b|c"); /* narrower than a glyph */
    check_break("abc", 10, 0, "a|b|c");
    check_break("one, two; three", 10, w10("one, two;"), "one, two;|three");
}

static void test_break_newlines(void **state)
{
    (void)state;
    check_break("", 10, 100, "");
    check_break("a\n\nb", 10, 100, "a||b");
    check_break("a\n", 10, 100, "a");
    check_break("\n", 10, 100, "");
    struct kp_lines l;
    text_break(&l, "\n", KP_TEXT_NUL, 10, 0, 100);
    assert_int_equal(l.n, 1); /* one empty line */
    assert_int_equal(l.v[0].len, 0);
    text_lines_free(&l);
    text_break(&l, "", KP_TEXT_NUL, 10, 0, 100);
    assert_int_equal(l.n, 0);
    text_lines_free(&l);
    /* fuzz_typeset: a coaching text left null in results.json (UBSan: an
     * offset applied to a null pointer) is no text. */
    text_break(&l, NULL, KP_TEXT_NUL, 10, 0, 100);
    assert_int_equal(l.n, 0);
    text_lines_free(&l);
    check_break("ab cd\nef", 10, w10("ab"), "ab|cd|ef");
}

static void test_break_cjk(void **state)
{
    (void)state;
    /* every ideograph is 10 pt wide at 10 pt */
    check_break("一二三四五六", 10, 30, "一二三|四五六");
    check_break("一二三四五六七", 10, 30, "一二三|四五六|七");
    /* no line starts with 。: 三 goes down with it */
    check_break("一二三。四五", 10, 30, "一二|三。四|五");
    check_break("一二三，四五", 10, 30, "一二|三，四|五");
    check_break("一二三!四", 10, 30, "一二|三!四");
    /* no line ends with （ */
    check_break("一二（三四", 10, 30, "一二|（三四");
    check_break("一二「三」四五", 10, 30, "一二|「三」|四五");
    /* mixed: a break between CJK and Latin, none inside a Latin word */
    check_break("销售额Revenue增长", 10, w10("销售额Revenue") - 0.01, "销售额|Revenue增长");
    check_break("张三 Zhang San 销售达成率87.5%", 10, w10("张三 Zhang San 销售"),
                "张三 Zhang San 销售|达成率87.5%");
    /* closing Latin punctuation after CJK stays on its line */
    check_break("一二三,四", 10, 30, "一二|三,四");
    /* a missing glyph is broken like any other character and reported */
    struct kp_lines l;
    text_break(&l, "一\xF0\x9F\x98\x80二", KP_TEXT_NUL, 10, 0, 1000);
    assert_int_equal(l.nmissing, 1);
    assert_int_equal(l.missing[0], 0x1F600);
    assert_string_equal(l.s, "一" U_FFFD "二");
    text_lines_free(&l);
}

static void test_fit(void **state)
{
    (void)state;
    double size;
    char *s = text_fit("Hello world", KP_TEXT_NUL, 10, 6, 0, 1000, &size);
    assert_string_equal(s, "Hello world");
    assert_true(size == 10);
    free(s);
    /* half the width: half the size */
    s = text_fit("Hello world", KP_TEXT_NUL, 10, 4, 0, w10("Hello world") / 2, &size);
    assert_string_equal(s, "Hello world");
    assert_true(fabs(size - 5.0) < 1e-9);
    free(s);
    /* rounded down to 0.1 pt */
    s = text_fit("Hello world", KP_TEXT_NUL, 10, 4, 0, w10("Hello world") * 0.666, &size);
    assert_true(fabs(size - 6.6) < 1e-9);
    free(s);
    /* below the minimum: cut with an ellipsis at the minimum size */
    double w = text_width("Hello", KP_TEXT_NUL, 8, 0) + text_width("…", KP_TEXT_NUL, 8, 0);
    s = text_fit("Hello world", KP_TEXT_NUL, 10, 8, 0, w, &size);
    assert_string_equal(s, "Hello…");
    assert_true(size == 8);
    free(s);
    /* trailing spaces before the ellipsis go */
    w = text_width("Hello …", KP_TEXT_NUL, 8, 0);
    s = text_fit("Hello world", KP_TEXT_NUL, 10, 8, 0, w, &size);
    assert_string_equal(s, "Hello…");
    free(s);
    s = text_fit("销售达成率", KP_TEXT_NUL, 10, 10, 0, 30, &size);
    assert_string_equal(s, "销售…");
    free(s);
    /* nothing fits: the ellipsis alone */
    s = text_fit("abc", KP_TEXT_NUL, 10, 10, 0, 0.5, &size);
    assert_string_equal(s, "…");
    free(s);
}

/* ---- WinAnsiEncoding ---- */

static void test_winansi_edges(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int byte;
    } in[] = {
        {"€", 0x80}, {"‚", 0x82}, {"ƒ", 0x83}, {"„", 0x84}, {"…", 0x85}, {"†", 0x86}, {"‡", 0x87},
        {"ˆ", 0x88}, {"‰", 0x89}, {"Š", 0x8A}, {"‹", 0x8B}, {"Œ", 0x8C}, {"Ž", 0x8E}, {"‘", 0x91},
        {"’", 0x92}, {"“", 0x93}, {"”", 0x94}, {"•", 0x95}, {"–", 0x96}, {"—", 0x97}, {"˜", 0x98},
        {"™", 0x99}, {"š", 0x9A}, {"›", 0x9B}, {"œ", 0x9C}, {"ž", 0x9E}, {"Ÿ", 0x9F}, {" ", 0x20},
        {"~", 0x7E}, {"¡", 0xA1}, {"é", 0xE9}, {"ÿ", 0xFF}, {"×", 0xD7}, {"·", 0xB7}, {"©", 0xA9},
    };
    for (size_t i = 0; i < KP_NELEM(in); i++) {
        const char *p = in[i].s;
        uint32_t cp = (uint32_t)utf8_next(&p, in[i].s + strlen(in[i].s));
        if (text_winansi(cp) != in[i].byte)
            fail_msg("%s (U+%04X): %d, want 0x%02X", in[i].s, cp, text_winansi(cp), in[i].byte);
    }
    /* not in Windows-1252: ł ő Ā ǖ ₹ − 三 U+FFFD, controls, the holes 81 8D 9D
     * of Windows-1252, a non-BMP emoji; and NBSP and the soft hyphen, which
     * are, but WinAnsiEncoding names A0 "space" and AD "hyphen" */
    static const uint32_t out[] = {0x0142, 0x0151, 0x0100,  0x01D6, 0x20B9, 0x2212,
                                   0x4E09, 0xFFFD, 0x007F,  0x0081, 0x008D, 0x009D,
                                   0x001F, 0x0009, 0x1F600, 0x00A0, 0x00AD};
    for (size_t i = 0; i < KP_NELEM(out); i++)
        if (text_winansi(out[i]) != -1)
            fail_msg("U+%04X: %d, want -1", out[i], text_winansi(out[i]));
}

/* Every BMP code point against iconv's CP1252 (glibc), which agrees except
 * where PDF's WinAnsiEncoding differs: controls, A0 and AD. */
static void test_winansi_iconv(void **state)
{
    (void)state;
    iconv_t cd = iconv_open("CP1252", "UTF-32LE");
    assert_true(cd != (iconv_t)-1);
    int hits = 0, seen[256] = {0};
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        unsigned char u[4] = {(unsigned char)cp, (unsigned char)(cp >> 8), 0, 0}, o[4];
        char *ip = (char *)u, *op = (char *)o;
        size_t il = 4, ol = sizeof o;
        int want = iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || ol != 3 ? -1 : o[0];
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xA0 || cp == 0xAD)
            want = -1;
        int got = text_winansi(cp);
        if (got != want)
            fail_msg("U+%04X: %d, iconv CP1252 %d", cp, got, want);
        if (got >= 0) {
            assert_int_equal(seen[got]++, 0);
            hits++;
        }
    }
    iconv_close(cd);
    assert_int_equal(hits, 95 + 27 + 94); /* ASCII, 0x80-0x9F, 0xA1-0xFF but AD */
}

static void test_to_winansi(void **state)
{
    (void)state;
    char out[64];
    const char *latin = "Q2 – 87.5% “East” €1,234…";
    assert_int_equal(text_to_winansi(latin, strlen(latin), out), 25);
    assert_string_equal(out, "Q2 \x96 87.5% \x93"
                             "East\x94 \x80"
                             "1,234\x85");
    assert_int_equal(text_to_winansi("“mixed”", 11, out), 7);
    assert_string_equal(out, "\x93mixed\x94");
    const char *mixed = "“mixed” Łódź"; /* one code point outside: the whole run */
    assert_int_equal(text_to_winansi(mixed, strlen(mixed), out), -1);
    assert_int_equal(text_to_winansi("ok\xC3", 3, out), -1); /* invalid UTF-8 */
    assert_int_equal(text_to_winansi("", 0, out), 0);
    assert_string_equal(out, "");
}

UNIT_MAIN(cmocka_unit_test_setup(test_runs, setup), cmocka_unit_test_setup(test_missing, setup),
          cmocka_unit_test_setup(test_fallback_runs, setup),
          cmocka_unit_test_setup(test_invalid, setup), cmocka_unit_test_setup(test_width, setup),
          cmocka_unit_test_setup(test_break_latin, setup),
          cmocka_unit_test_setup(test_break_newlines, setup),
          cmocka_unit_test_setup(test_break_cjk, setup), cmocka_unit_test_setup(test_fit, setup),
          cmocka_unit_test(test_winansi_edges), cmocka_unit_test(test_winansi_iconv),
          cmocka_unit_test(test_to_winansi))
