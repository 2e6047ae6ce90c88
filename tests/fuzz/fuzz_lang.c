/* fuzz_lang — a document language's files (lang.h): labels.ini and
 * locale.ini of templates/<lang>/, checked against English, and the number,
 * money and date formatting and placeholder filling that use them.
 *
 * Input: byte 0 chooses which file of the language "xx" the rest is
 * (labels.ini or locale.ini; the other is English's). When the language
 * loads, numbers, dates and months (ordinary, extreme, NaN) are formatted
 * with it, and the input is also used as a template for lang_fill. Output
 * must stay valid UTF-8 when the files are. */
#include "fuzz.h"

#include "lang.h"

#include <math.h>

static char *tdir;
static char *en_file[2];
static size_t en_len[2];
static const char *const files[2] = {"labels.ini", "locale.ini"};

static void setup(void)
{
    tdir = xasprintf("%s/templates", sys_tmpdir());
    const char *langs[2] = {"en", "xx"};
    for (int l = 0; l < 2; l++) {
        char *d = xasprintf("%s/%s", tdir, langs[l]);
        if (sys_mkdirs(d) != 0)
            abort();
        free(d);
    }
    for (int i = 0; i < 2; i++) {
        char *src = xasprintf("%s/templates/en/%s", FUZZ_SRCDIR, files[i]);
        char *dst = xasprintf("%s/en/%s", tdir, files[i]);
        if (sys_read_file(src, &en_file[i], &en_len[i]) != 0 ||
            sys_write_scratch(dst, en_file[i], en_len[i]) != 0)
            abort();
        free(src), free(dst);
    }
}

static const char *get(void *arg, const char *name)
{
    (void)arg;
    return strcmp(name, "n") == 0 ? "42" : strcmp(name, "missing") == 0 ? NULL : "{n}";
}

static void format(const struct kp_lang *l, const char *tmpl)
{
    static const double v[] = {0, -0.0, 1, -1, 0.875, 1234567.891, -9876.5, 1e15, -1e300, 1e308,
                               1e-9, NAN, INFINITY, 0.5, 2.5};
    static const long days[] = {0, -1, 20634, -719162, 2932896, 99999999, -99999999};
    struct kp_buf b = {0};
    buf_adds(&b, "");
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        for (int dec = -1; dec <= 3; dec += 2) {
            lang_number(l, &b, v[i], dec);
            lang_percent(l, &b, v[i], dec);
            for (int f = KP_FMT_PERCENT; f <= KP_FMT_SCORE; f++)
                lang_value(l, &b, (enum kp_format)f, dec, v[i], "$");
        }
        lang_money(l, &b, v[i], "\xC2\xA5");
    }
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        /* Months as month_parse makes them: 1900-01 .. 9999-12. */
        int month = 1900 * 12 + (int)(labs(days[i]) % (8100 * 12));
        lang_date(l, &b, days[i]);
        lang_month(l, &b, month);
        lang_month_short(l, &b, month);
    }
    (void)lang_code(l);
    const char **keys;
    size_t n = lang_keys(l, "doc", &keys);
    for (size_t i = 0; i < n; i++)
        buf_adds(&b, lang_text(l, "doc", keys[i]));
    lang_fill(&b, tmpl, get, NULL);
    FUZZ_CHECK(strlen(b.s) == b.len, "NUL inside formatted text");
    buf_free(&b);
}

static void each_ph(void *arg, const char *name, size_t len)
{
    (void)arg;
    FUZZ_CHECK(memchr(name, '\0', len) == NULL, "placeholder runs past the text");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 128 * 1024)
        return 0;
    if (!tdir)
        setup();
    fuzz_quiet();
    int which = data[0] & 1;
    for (int i = 0; i < 2; i++) {
        char *path = xasprintf("%s/xx/%s", tdir, files[i]);
        const void *p = i == which ? (const void *)(data + 1) : en_file[i];
        size_t n = i == which ? size - 1 : en_len[i];
        if (sys_write_scratch(path, p, n) != 0)
            abort();
        free(path);
    }
    char *tmpl = fuzz_str(data + 1, size - 1);
    lang_placeholders(tmpl, each_ph, NULL);
    struct kp_lang *l = lang_load(tdir, "xx");
    if (!l) {
        FUZZ_CHECK(diag_count(KP_FATAL) > 0, "language refused without a message");
    } else {
        format(l, tmpl);
        lang_free(l);
    }
    free(tmpl);
    return 0;
}
