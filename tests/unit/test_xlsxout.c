/* Unit tests for xlsxout (results.xlsx): the number formats per KPI format,
 * what a text cell may hold, display widths, and the writer itself: text
 * that looks like a formula is an inline string, n/a is no cell at all, the
 * file appears only at commit and an abort leaves nothing behind. */
#include "unit.h"

#include "config.h"
#include "record.h"
#include "sys.h"
#include "util.h"
#include "xlsxout.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_numfmt(void **state)
{
    (void)state;
    char s[96];
    xlsx_numfmt(s, sizeof s, KP_FMT_PERCENT, -1, "$");
    assert_string_equal(s, "0.0%");
    xlsx_numfmt(s, sizeof s, KP_FMT_PERCENT, 0, "$");
    assert_string_equal(s, "0%");
    xlsx_numfmt(s, sizeof s, KP_FMT_CURRENCY, -1, "€");
    assert_string_equal(s, "\"€\"#,##0;-\"€\"#,##0");
    xlsx_numfmt(s, sizeof s, KP_FMT_CURRENCY, 2, "a\"b\\");
    assert_string_equal(s, "\"ab\"#,##0.00;-\"ab\"#,##0.00"); /* a quote cannot end the literal */
    xlsx_numfmt(s, sizeof s, KP_FMT_DAYS, 1, NULL);
    assert_string_equal(s, "#,##0.0\" d\"");
    xlsx_numfmt(s, sizeof s, KP_FMT_SCORE, -1, NULL);
    assert_string_equal(s, "0.00");
    xlsx_numfmt(s, sizeof s, KP_FMT_NUMBER, -1, NULL);
    assert_string_equal(s, "#,##0");
}

static void test_text(void **state)
{
    (void)state;
    assert_null(xlsx_text(NULL));
    char *t = xlsx_text("=HYPERLINK(\"x\")");
    assert_string_equal(t, "=HYPERLINK(\"x\")"); /* unchanged: the cell type keeps it text */
    free(t);
    t = xlsx_text("a\tb\nc");
    assert_string_equal(t, "a\tb\nc");
    free(t);
    t = xlsx_text("a\x01"
                  "b\xff");
    assert_string_equal(t, "a\xef\xbf\xbd"
                           "b\xef\xbf\xbd");
    free(t);
    /* Excel's 32,767 characters: cut between code points. */
    size_t n = 40000;
    char *big = xcalloc(n + 1, 1);
    for (size_t i = 0; i + 3 <= n; i += 3)
        memcpy(big + i, "\xe4\xb8\xad", 3); /* 中 */
    t = xlsx_text(big);
    assert_true(strlen(t) <= 32767);
    assert_int_equal(strlen(t) % 3, 0);
    assert_true(utf8_valid(t, strlen(t)));
    free(t), free(big);
}

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(xlsx_width(NULL), 0);
    assert_int_equal(xlsx_width("East"), 4);
    assert_int_equal(xlsx_width("华东一区"), 8);
    assert_int_equal(xlsx_width("Zürich"), 6);
}

static char *fresh_dir(const char *tag)
{
    static int n;
    char *name = xasprintf("%s-%d", tag, n++);
    char *d = path_join(sys_tmpdir(), name);
    free(name);
    assert_int_equal(sys_mkdirs(d), 0);
    return d;
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

/* One KPI (percent), one band, one person. */
struct fixture {
    struct kp_config cfg;
    struct kp_kpi_def kpi;
    struct kp_band band;
    struct kp_meta meta;
    char *kpis[1];
};

static void fixture(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->kpi.id = "win_rate", f->kpi.format = KP_FMT_PERCENT, f->kpi.decimals = -1;
    f->band.id = "a";
    strcpy(f->band.color, "#1a7f37");
    f->cfg.kpis = &f->kpi, f->cfg.nkpis = 1;
    f->cfg.bands = &f->band, f->cfg.nbands = 1;
    f->kpis[0] = "win_rate";
    f->meta.kpis = f->kpis, f->meta.nkpis = 1;
    f->meta.currency = "$";
    f->meta.doc_date = 20634; /* 2026-06-30 */
}

static void test_write(void **state)
{
    (void)state;
    struct fixture f;
    fixture(&f);
    char *dir = fresh_dir("xlsx");
    struct kp_xlsx *x = xlsx_open(dir, &f.cfg, &f.meta);
    assert_non_null(x);
    struct kp_record *r = record_new(&f.meta, KP_REC_PERSON);
    r->id = xstrdup("R1");
    r->name = xstrdup("=1+1");
    r->band = xstrdup("a");
    r->composite = 101.5;
    r->kpis[0].value = NAN; /* n/a */
    r->kpis[0].ratio = NAN;
    xlsx_person(x, r);
    record_free(r);
    assert_int_equal(xlsx_finish(x), 0);
    char *path = path_join(dir, "results.xlsx");
    assert_false(sys_exists(path)); /* only under its temporary name until commit */
    assert_int_equal(xlsx_commit(x), 0);
    assert_true(sys_exists(path));
    assert_int_equal(entries(dir), 1);

    char *cmd = xasprintf("unzip -p '%s' xl/worksheets/sheet1.xml", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct kp_buf b = {0};
    char chunk[4096];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_add(&b, chunk, k);
    assert_int_equal(pclose(p), 0);
    assert_non_null(strstr(b.s, "t=\"inlineStr\"><is><t>=1+1</t></is>"));
    assert_null(strstr(b.s, "<f>"));              /* no formula anywhere */
    assert_non_null(strstr(b.s, "<v>101.5</v>")); /* a number is a number */
    assert_non_null(strstr(b.s, "<pane ySplit=\"1\""));
    assert_non_null(strstr(b.s, "<autoFilter ref=\"A1:L2\"/>"));
    buf_free(&b), free(cmd);
    /* KPIs: the n/a value and ratio are no cells at all (row 2 ends at B). */
    cmd = xasprintf("unzip -p '%s' xl/worksheets/sheet2.xml", path);
    p = popen(cmd, "r");
    assert_non_null(p);
    while ((k = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_add(&b, chunk, k);
    assert_int_equal(pclose(p), 0);
    assert_non_null(strstr(b.s, "r=\"B2\""));
    assert_null(strstr(b.s, "r=\"E2\""));
    assert_null(strstr(b.s, "r=\"F2\""));
    buf_free(&b), free(cmd), free(path);

    /* An abort leaves nothing. */
    char *dir2 = fresh_dir("xlsx-abort");
    x = xlsx_open(dir2, &f.cfg, &f.meta);
    assert_non_null(x);
    xlsx_abort(x);
    assert_int_equal(entries(dir2), 0);
    xlsx_abort(NULL);
    free(dir), free(dir2);
}

static char *unzip(const char *path, const char *entry)
{
    char *cmd = xasprintf("unzip -p '%s' %s", path, entry);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct kp_buf b = {0};
    char chunk[4096];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_add(&b, chunk, k);
    assert_int_equal(pclose(p), 0);
    free(cmd);
    buf_addc(&b, 0);
    return b.s;
}

/* A table longer than a sheet holds goes on in "Scores 2", "Scores 3" …,
 * each with the header, no row lost; Rejects stays last. */
static void test_spill(void **state)
{
    (void)state;
    struct fixture f;
    fixture(&f);
    char *dir = fresh_dir("xlsx-spill");
    struct kp_xlsx *x = xlsx_open(dir, &f.cfg, &f.meta);
    assert_non_null(x);
    xlsx_set_max_rows(x, 3); /* the header and two rows */
    for (int i = 1; i <= 5; i++) {
        struct kp_record *r = record_new(&f.meta, KP_REC_PERSON);
        r->id = xasprintf("R%d", i);
        r->composite = 100 + i;
        xlsx_person(x, r);
        record_free(r);
    }
    assert_int_equal(xlsx_finish(x), 0);
    assert_int_equal(xlsx_commit(x), 0);
    char *path = path_join(dir, "results.xlsx");
    char *wb = unzip(path, "xl/workbook.xml");
    const char *order[] = {"\"Scores\"",   "\"KPIs\"",     "\"Teams\"",
                           "\"Coaching\"", "\"Scores 2\"", "\"KPIs 2\"",
                           "\"Scores 3\"", "\"KPIs 3\"",   "\"Rejects\""};
    const char *at = wb;
    for (size_t i = 0; i < KP_NELEM(order); i++) {
        const char *q = strstr(at, order[i]);
        if (!q)
            fail_msg("sheet %s missing or out of order in %s", order[i], wb);
        at = q;
    }
    free(wb);
    /* sheet5 = "Scores 2": the header, R3 and R4; sheet7 = "Scores 3": R5. */
    char *s5 = unzip(path, "xl/worksheets/sheet5.xml");
    assert_non_null(strstr(s5, "<t>rep_id</t>"));
    assert_non_null(strstr(s5, "<t>R3</t>"));
    assert_non_null(strstr(s5, "<t>R4</t>"));
    assert_null(strstr(s5, "<t>R5</t>"));
    assert_non_null(strstr(s5, "<autoFilter ref=\"A1:L3\"/>"));
    char *s7 = unzip(path, "xl/worksheets/sheet7.xml");
    assert_non_null(strstr(s7, "<t>R5</t>"));
    assert_non_null(strstr(s7, "<v>105</v>"));
    free(s5), free(s7), free(path), free(dir);
}

UNIT_MAIN(cmocka_unit_test(test_spill), cmocka_unit_test(test_numfmt), cmocka_unit_test(test_text),
          cmocka_unit_test(test_width), cmocka_unit_test(test_write))
