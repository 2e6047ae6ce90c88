/* Unit tests for csvread: line ends, BOM, quotes and their line numbers,
 * delimiter detection, encodings, and hostile input (NUL, huge fields, very
 * wide records, bad quoting), fed whole and in small chunks. */
#include "unit.h"

#include "csvread.h"
#include "util.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>

/* Every record as "LINE:f1|f2|…" or "LINE!error", one per line. */
static void dump(void *ctx, const struct kp_csvrec *rec)
{
    struct kp_buf *b = ctx;
    if (rec->error) {
        buf_printf(b, "%ld!%s\n", rec->line, rec->error);
        return;
    }
    buf_printf(b, "%ld:", rec->line);
    for (size_t i = 0; i < rec->nfield; i++) {
        if (i)
            buf_addc(b, '|');
        buf_adds(b, rec->field[i]);
    }
    buf_addc(b, '\n');
}

static void dump_raw(void *ctx, const struct kp_csvrec *rec)
{
    struct kp_buf *b = ctx;
    buf_printf(b, "%ld[%s]\n", rec->line, rec->raw);
}

/* Parse s (n bytes) fed in chunks of `chunk` bytes (0 = whole). */
static char *run_fn(const char *s, size_t n, const char *enc, char delim, size_t chunk,
                    kp_csv_fn fn, char *detected)
{
    struct kp_buf b = {0};
    buf_adds(&b, "");
    struct kp_csvread *r = csvread_new(enc, delim, fn, &b, NULL);
    assert_non_null(r);
    size_t step = chunk ? chunk : n;
    for (size_t i = 0; i < n; i += step)
        csvread_feed(r, s + i, n - i < step ? n - i : step);
    csvread_end(r);
    if (detected)
        *detected = csvread_delim(r);
    csvread_free(r);
    return buf_steal(&b);
}

static char *run(const char *s, size_t n, const char *enc, char delim, size_t chunk)
{
    return run_fn(s, n, enc, delim, chunk, dump, NULL);
}

/* Same result whole and in chunks of 1, 2, 3 and 7 bytes; returns it. */
static char *run_all(const char *s, size_t n, const char *enc, char delim)
{
    char *whole = run(s, n, enc, delim, 0);
    static const size_t chunks[] = {1, 2, 3, 7};
    for (size_t i = 0; i < KP_NELEM(chunks); i++) {
        char *c = run(s, n, enc, delim, chunks[i]);
        assert_string_equal(c, whole);
        free(c);
    }
    return whole;
}

static void expect(const char *in, const char *want)
{
    char *got = run_all(in, strlen(in), NULL, 0);
    assert_string_equal(got, want);
    free(got);
}

static void test_line_ends(void **state)
{
    (void)state;
    expect("a,b\n1,2\n", "1:a|b\n2:1|2\n");
    expect("a,b\r\n1,2\r\n", "1:a|b\n2:1|2\n");
    expect("a,b\r1,2\r3,4", "1:a|b\n2:1|2\n3:3|4\n");
    expect("a,b\n1,2\r\n3,4\r5,6", "1:a|b\n2:1|2\n3:3|4\n4:5|6\n");
    /* Empty and blank lines are skipped but counted. */
    expect("a\n\n\r\n  \nb\r\r\nc\n", "1:a\n5:b\n7:c\n");
    expect("", "");
    expect("\n\n", "");
}

static void test_bom(void **state)
{
    (void)state;
    expect("\xEF\xBB\xBF"
           "a,b\r\n1,2\r\n",
           "1:a|b\n2:1|2\n");
    expect("\xEF\xBB\xBF\"a\",b\n", "1:a|b\n");
    /* A BOM cut short, or a BOM-like start, is data. */
    expect("\xEF\xBB",
           "1!invalid UTF-8 \xE2\x80\x94 is the file GBK? set [input] encoding = GBK\n");
    expect("\xEF\xBC\x8C,x\n", "1:\xEF\xBC\x8C|x\n"); /* U+FF0C, a full-width comma */
}

static void test_fields(void **state)
{
    (void)state;
    /* Unquoted fields are trimmed, quoted ones are not. */
    expect("  a  ,\" b \", c\t\n", "1:a| b |c\n");
    expect("a,,b,\n", "1:a||b|\n");
    expect("\"x\"\"y\",\"\"\n", "1:x\"y|\n");
    expect("h\n\xE5\xBC\xA0\xE4\xB8\x89,1\n", "1:h\n2:\xE5\xBC\xA0\xE4\xB8\x89|1\n");
}

static void test_quoted_newlines(void **state)
{
    (void)state;
    const char *in = "h1,h2\n\"x\ny\",z\n\"p\r\nq\",r\n\"1\r2\",\"3\n\n4\"\nlast,1";
    expect(in, "1:h1|h2\n2:x\ny|z\n4:p\r\nq|r\n6:1\r2|3\n\n4\n10:last|1\n");
    char *raw = run_fn(in, strlen(in), NULL, 0, 1, dump_raw, NULL);
    assert_string_equal(raw, "1[h1,h2]\n2[\"x\ny\",z]\n4[\"p\nq\",r]\n6[\"1\n2\",\"3\n\n4\"]\n"
                             "10[last,1]\n");
    free(raw);
}

static char detect(const char *in)
{
    char d = 0;
    char *s = run_fn(in, strlen(in), NULL, 0, 1, dump, &d);
    free(s);
    return d;
}

static void test_delimiter(void **state)
{
    (void)state;
    expect("a;b;c\n1;2,5;3\n", "1:a|b|c\n2:1|2,5|3\n");
    expect("a\tb\n1\t\t3\n", "1:a|b\n2:1||3\n");
    assert_int_equal(detect("a,b,c\n1;2;3;4;5\n"), ',');
    assert_int_equal(detect("a,b;c;d\n"), ';');
    assert_int_equal(detect("\"a,b,c\";d;e\n"), ';');
    assert_int_equal(detect("\"a\nb,c,d\"\tx\n"), '\t');
    assert_int_equal(detect("single\n"), ',');
    assert_int_equal(detect("\n\na;b\n"), ';'); /* leading blank lines */
    assert_int_equal(detect("a;b"), ';');       /* no line end */
    assert_int_equal(detect(""), ',');
    /* A configured delimiter is used as given. */
    char *s = run("a;b,c\n", 6, NULL, ',', 1);
    assert_string_equal(s, "1:a;b|c\n");
    free(s);
}

static void test_unterminated(void **state)
{
    (void)state;
    expect("a,b\n1,\"2\n3\n4\n",
           "1:a|b\n2!unterminated quoted field: the quote opened on line 2 is never closed\n");
    expect("h\n\"a\nb\",\"c\nd\n",
           "1:h\n2!unterminated quoted field: the quote opened on line 3 is never closed\n");
    const char *in = "h\nx,\"open";
    char *raw = run_fn(in, strlen(in), NULL, 0, 1, dump_raw, NULL);
    assert_string_equal(raw, "1[h]\n2[x,\"open]\n");
    free(raw);
}

static void test_bad_quoting(void **state)
{
    (void)state;
    expect("h,i\n5\" screen,x\nok,1\n",
           "1:h|i\n2!bad quoting: a quote inside an unquoted field (quote the whole field and "
           "double the quote)\n3:ok|1\n");
    expect("h,i\n\"a\"b,c\nok,1\n",
           "1:h|i\n2!bad quoting: text after the closing quote of a field\n3:ok|1\n");
    /* The rest of the record is skipped up to a line end outside quotes. */
    expect("h,i\n\"a\"b,\"c\nd\"\nok,1\n",
           "1:h|i\n2!bad quoting: text after the closing quote of a field\n4:ok|1\n");
    expect("h,i\n\"a\"b,\"c\"\"\nd\"\nok,1\n",
           "1:h|i\n2!bad quoting: text after the closing quote of a field\n4:ok|1\n");
    /* tests/adversarial: a quote in the middle of a bad field does not open
     * a quoted field: =HYPERLINK("x") swallowed the next row. */
    expect("h,i\n=HYPERLINK(\"x\"),1\nok,1\n",
           "1:h|i\n2!bad quoting: a quote inside an unquoted field (quote the whole field and "
           "double the quote)\n3:ok|1\n");
    expect("h,i\n\"a\"b\"c,1\nok,1\n",
           "1:h|i\n2!bad quoting: text after the closing quote of a field\n3:ok|1\n");
}

static char *to_enc(const char *enc, const char *utf8, size_t *outlen)
{
    iconv_t cd = iconv_open(enc, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t n = strlen(utf8), room = 4 * n + 16;
    char *out = malloc(room), *op = out, *ip = (char *)utf8;
    assert_true(iconv(cd, &ip, &n, &op, &room) != (size_t)-1);
    iconv_close(cd);
    *outlen = (size_t)(op - out);
    return out;
}

static void test_gbk(void **state)
{
    (void)state;
    const char *utf8 = "\xE5\xA7\x93\xE5\x90\x8D,\xE9\x94\x80\xE5\x94\xAE\xE9\xA2\x9D\r\n"
                       "\xE5\xBC\xA0\xE4\xB8\x89,\"1,234\"\r\n\xE6\x9D\x8E\xE5\x9B\x9B,\xEF\xBF\xA5"
                       "5\r\n";
    const char *want = "1:\xE5\xA7\x93\xE5\x90\x8D|\xE9\x94\x80\xE5\x94\xAE\xE9\xA2\x9D\n"
                       "2:\xE5\xBC\xA0\xE4\xB8\x89|1,234\n3:\xE6\x9D\x8E\xE5\x9B\x9B|"
                       "\xEF\xBF\xA5"
                       "5\n";
    size_t n;
    char *gbk = to_enc("GBK", utf8, &n);
    assert_true(n < strlen(utf8)); /* really converted: 2 bytes per hanzi */
    char *got = run_all(gbk, n, "GBK", 0);
    assert_string_equal(got, want);
    free(got);
    /* Read as UTF-8 it is flagged with a hint. */
    got = run(gbk, n, NULL, 0, 0);
    assert_string_equal(
        got, "1!invalid UTF-8 \xE2\x80\x94 is the file GBK? set [input] encoding = GBK\n"
             "2!invalid UTF-8 \xE2\x80\x94 is the file GBK? set [input] encoding = GBK\n"
             "3!invalid UTF-8 \xE2\x80\x94 is the file GBK? set [input] encoding = GBK\n");
    free(got);
    free(gbk);
    /* UTF-16LE with its BOM. */
    char *u16 = to_enc("UTF-16LE",
                       "\xEF\xBB\xBF"
                       "a;b\n\xE5\xBC\xA0;2\n",
                       &n);
    got = run_all(u16, n, "UTF-16LE", 0);
    assert_string_equal(got, "1:a|b\n2:\xE5\xBC\xA0|2\n");
    free(got);
    got = run_all(u16, n, NULL, 0); /* named by its byte-order mark */
    assert_string_equal(got, "1:a|b\n2:\xE5\xBC\xA0|2\n");
    free(got);
    free(u16);
    u16 = to_enc("UTF-16BE",
                 "\xEF\xBB\xBF"
                 "a\tb\n",
                 &n);
    got = run_all(u16, n, NULL, 0);
    assert_string_equal(got, "1:a|b\n");
    free(got);
    got = run_all("\xFF", 1, NULL, 0); /* one byte: not a BOM */
    assert_string_equal(
        got, "1!invalid UTF-8 \xE2\x80\x94 is the file GBK? set [input] encoding = GBK\n");
    free(got);
    free(u16);
}

static void test_bad_bytes(void **state)
{
    (void)state;
    expect("a,b\n\xFF\xFE,1\nok,\xC3\xA9\n",
           "1:a|b\n2!invalid UTF-8 \xE2\x80\x94 is the file GBK? set [input] encoding = GBK\n"
           "3:ok|\xC3\xA9\n");
    /* In GBK, a lead byte before a comma and 0xFF are not valid; a lead byte cut
     * off at the end. */
    const char *in = "a,b\na\xD5,1\nx,\xD5\xC5\n\xFF\nend,\xD5";
    char *got = run_all(in, strlen(in), "GBK", 0);
    assert_string_equal(got, "1:a|b\n2!bytes that are not valid GBK (check [input] encoding)\n"
                             "3:x|\xE5\xBC\xA0\n"
                             "4!bytes that are not valid GBK (check [input] encoding)\n"
                             "5!bytes that are not valid GBK (check [input] encoding)\n");
    free(got);
    char *err = NULL;
    assert_null(csvread_new("NO-SUCH-CHARSET", 0, dump, NULL, &err));
    assert_string_equal(err, "unknown encoding \"NO-SUCH-CHARSET\" (iconv cannot convert it; "
                             "names look like GBK, GB18030, UTF-16LE, ISO-8859-1)");
    free(err);
}

static void test_nul(void **state)
{
    (void)state;
    const char in[] = "a,b\nx\0y,1\nz,2\n";
    char *got = run_all(in, sizeof in - 1, NULL, 0);
    assert_string_equal(got, "1:a|b\n2!NUL byte in the data (if the file is UTF-16, set [input] "
                             "encoding = UTF-16LE)\n3:z|2\n");
    free(got);
    char *raw = run_fn(in, sizeof in - 1, NULL, 0, 0, dump_raw, NULL);
    assert_string_equal(raw, "1[a,b]\n2[x\xEF\xBF\xBDy,1]\n3[z,2]\n");
    free(raw);
    /* Each NUL becomes U+FFFD (3 bytes): the raw text still stops at the
     * limit, at a whole character (found by fuzz_csvread). */
    char *many = xcalloc(5000 + 2, 1);
    many[0] = 'n', many[5000] = '\n';
    raw = run_fn(many, 5001, NULL, 0, 0, dump_raw, NULL);
    size_t keep = KP_CSV_MAX_RAW - 1 - (KP_CSV_MAX_RAW - 1) % 3; /* n, then whole U+FFFDs */
    assert_int_equal(strlen(raw), 2 + 1 + keep + 3 + 2);
    assert_string_equal(raw + 2 + 1 + keep, "\xE2\x80\xA6]\n");
    free(raw), free(many);
}

static void test_huge_field(void **state)
{
    (void)state;
    size_t big = KP_CSV_MAX_FIELD + 10;
    struct kp_buf in = {0};
    buf_adds(&in, "h,i\n");
    for (size_t i = 0; i < big; i++)
        buf_addc(&in, 'x');
    buf_adds(&in, ",1\nnext,2\n\"");
    for (size_t i = 0; i < big; i++)
        buf_addc(&in, i % 1000 == 999 ? '\n' : 'y'); /* 1,048 line breaks inside */
    buf_adds(&in, "\"\"z\",1\nlast,3\n");
    char *got = run(in.s, in.len, NULL, 0, 65536);
    assert_string_equal(got, "1:h|i\n2!a field longer than 1048576 bytes\n3:next|2\n"
                             "4!a field longer than 1048576 bytes\n1053:last|3\n");
    free(got);
    got = run(in.s, in.len, NULL, 0, 0);
    assert_string_equal(got, "1:h|i\n2!a field longer than 1048576 bytes\n3:next|2\n"
                             "4!a field longer than 1048576 bytes\n1053:last|3\n");
    free(got);
    /* The raw text kept for rejects.csv is cut. */
    char *raw = run_fn(in.s, in.len, NULL, 0, 0, dump_raw, NULL);
    const char *r2 = strstr(raw, "\n2[");
    assert_non_null(r2);
    assert_true(strncmp(r2 + 3 + KP_CSV_MAX_RAW, "\xE2\x80\xA6]\n3[next,2]", 14) == 0);
    free(raw);
    buf_free(&in);
    /* Cut between UTF-8 sequences: 8190 ASCII bytes, then 张 (3 bytes) twice. */
    for (int i = 0; i < KP_CSV_MAX_RAW - 2; i++)
        buf_addc(&in, 'a');
    buf_adds(&in, "\xE5\xBC\xA0\xE5\xBC\xA0\n");
    raw = run_fn(in.s, in.len, NULL, 0, 0, dump_raw, NULL);
    assert_int_equal(strlen(raw), 2 + KP_CSV_MAX_RAW - 2 + 3 + 2);
    assert_string_equal(raw + 2 + KP_CSV_MAX_RAW - 2, "\xE2\x80\xA6]\n");
    free(raw);
    buf_reset(&in);
    for (int i = 0; i < KP_CSV_MAX_RAW - 3; i++)
        buf_addc(&in, 'a');
    buf_adds(&in, "\xE5\xBC\xA0\xE5\xBC\xA0\n"); /* the first 张 fits exactly */
    raw = run_fn(in.s, in.len, NULL, 0, 0, dump_raw, NULL);
    assert_string_equal(raw + 2 + KP_CSV_MAX_RAW - 3, "\xE5\xBC\xA0\xE2\x80\xA6]\n");
    free(raw);
    buf_free(&in);
    /* Exactly the limit is fine. */
    buf_adds(&in, "\"");
    for (size_t i = 0; i < KP_CSV_MAX_FIELD; i++)
        buf_addc(&in, 'q');
    buf_adds(&in, "\",2\n");
    got = run(in.s, in.len, NULL, 0, 4096);
    assert_int_equal(strlen(got), 2 + KP_CSV_MAX_FIELD + 3);
    assert_string_equal(got + 2 + KP_CSV_MAX_FIELD, "|2\n");
    free(got);
    buf_free(&in);
}

static void test_wide_record(void **state)
{
    (void)state;
    struct kp_buf in = {0};
    for (int i = 0; i < 100000; i++)
        buf_adds(&in, i ? ",c" : "c");
    buf_adds(&in, "\n1,2\n");
    for (int i = 0; i < KP_CSV_MAX_FIELDS; i++)
        buf_adds(&in, i ? ",d" : "d");
    buf_adds(&in, "\n");
    char *got = run(in.s, in.len, NULL, 0, 1000);
    const char *want = "1!more than 10000 fields\n2:1|2\n3:d|";
    assert_true(strncmp(got, want, strlen(want)) == 0);
    assert_int_equal(strlen(got),
                     strlen("1!more than 10000 fields\n2:1|2\n3:") + 2 * KP_CSV_MAX_FIELDS - 1 + 1);
    free(got);
    buf_free(&in);
}

static void test_stop(void **state)
{
    (void)state;
    struct kp_buf b = {0};
    struct kp_csvread *r = csvread_new(NULL, ',', dump, &b, NULL);
    csvread_feed(r, "a\nb\n", 4);
    csvread_stop(r);
    csvread_feed(r, "c\n", 2);
    csvread_end(r);
    csvread_free(r);
    assert_string_equal(b.s, "1:a\n2:b\n");
    buf_free(&b);
}

/* Everything at once, in every chunk size: the reader's state survives any
 * split (inside a BOM, a CRLF, a quote pair, a UTF-8 sequence). */
static void test_chunks(void **state)
{
    (void)state;
    const char in[] = "\xEF\xBB\xBF"
                      "name;\"note\"\r\n\xE5\xBC\xA0;\"a\"\"b\r\nc\"\r\n\r\n"
                      "bad\";x\r\nx\0;y\r\n\xE2\x82;1\r\n  sp ; \"q\" \rlast;\"open\r\n";
    char *got = run_all(in, sizeof in - 1, NULL, 0);
    assert_string_equal(
        got, "1:name|note\n2:\xE5\xBC\xA0|a\"b\r\nc\n5!bad quoting: a quote inside an unquoted "
             "field (quote the whole field and double the quote)\n"
             "6!NUL byte in the data (if the file is UTF-16, set [input] encoding = UTF-16LE)\n"
             "7!invalid UTF-8 \xE2\x80\x94 is the file GBK? set [input] encoding = GBK\n"
             "8:sp|q\n9!unterminated quoted field: the quote opened on line 9 is never closed\n");
    free(got);
}

UNIT_MAIN(cmocka_unit_test(test_line_ends), cmocka_unit_test(test_bom),
          cmocka_unit_test(test_fields), cmocka_unit_test(test_quoted_newlines),
          cmocka_unit_test(test_delimiter), cmocka_unit_test(test_unterminated),
          cmocka_unit_test(test_bad_quoting), cmocka_unit_test(test_gbk),
          cmocka_unit_test(test_bad_bytes), cmocka_unit_test(test_nul),
          cmocka_unit_test(test_huge_field), cmocka_unit_test(test_wide_record),
          cmocka_unit_test(test_stop), cmocka_unit_test(test_chunks))
