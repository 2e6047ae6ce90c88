/* Unit tests for figure: the four person charts drawn into a PDF for a built
 * record with missing months (English and Chinese: titles, legends, month
 * ticks and KPI names as text, no image), the "no data" notes, a failing and
 * a hanging gnuplot (framed note, KP_ERROR naming the person and chart, the
 * next chart works), gnuplot's stderr kept off the terminal, the team charts
 * flowing onto a new page, the theme's chart list, the missing-gnuplot
 * check, and a timing report (a review with four charts, built and rendered). */
#include "unit.h"

#include "config.h"
#include "diag.h"
#include "figure.h"
#include "font.h"
#include "lang.h"
#include "pdf.h"
#include "record.h"
#include "sys.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct kp_config *cfg;
static struct kp_lang *en, *zh;
static struct kp_meta meta;

static int group_setup(void **state)
{
    (void)state;
    const char *src = getenv("SRC_DIR");
    setenv("KPIPRESS_DATADIR", src && *src ? src : ".", 0);
    cfg = config_load("samples/acme/review.ini");
    en = lang_load("templates", "en");
    zh = lang_load("templates", "zh");
    if (!cfg || !en || !zh || font_init(NULL) != 0)
        return -1;
    meta.label = xstrdup("2026-Q2");
    month_parse("2026-04", &meta.from);
    month_parse("2026-06", &meta.to);
    month_parse("2025-10", &meta.m0);
    meta.nmonths = meta.to - meta.m0 + 1;
    meta.nkpis = cfg->nkpis;
    meta.kpis = xcalloc(cfg->nkpis, sizeof *meta.kpis);
    for (size_t k = 0; k < cfg->nkpis; k++)
        meta.kpis[k] = xstrdup(cfg->kpis[k].id);
    meta.ncols = cfg->ncols;
    meta.cols = xcalloc(cfg->ncols, sizeof *meta.cols);
    for (size_t c = 0; c < cfg->ncols; c++)
        meta.cols[c] = xstrdup(cfg->cols[c]);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    meta_free(&meta);
    lang_free(en), lang_free(zh);
    config_free(cfg);
    return 0;
}

static int col(const char *name)
{
    for (size_t c = 0; c < meta.ncols; c++)
        if (strcmp(meta.cols[c], name) == 0)
            return (int)c;
    fail_msg("no column %s", name);
    return -1;
}

static double *series(struct kp_record *r, const char *name)
{
    return r->cols + (size_t)col(name) * (size_t)meta.nmonths;
}

/* A person with 9 months of data, months 3 and 7 missing (NaN, not 0). */
static struct kp_record *person(void)
{
    struct kp_record *r = record_new(&meta, KP_REC_PERSON);
    r->id = xstrdup("R1");
    r->name = xstrdup("Ann Example");
    double *rev = series(r, "revenue"), *quota = series(r, "quota");
    for (int i = 0; i < meta.nmonths; i++) {
        int gap = i == 2 || i == 6;
        rev[i] = gap ? NAN : 40000 + 3000 * i;
        quota[i] = gap ? NAN : 50000;
        r->kpis[0].series[i] = gap ? NAN : rev[i] / quota[i];
        series(r, "visits")[i] = gap ? NAN : 30;
        series(r, "opportunities")[i] = gap ? NAN : 12;
        series(r, "won")[i] = gap ? NAN : 4;
    }
    for (size_t k = 0; k < meta.nkpis; k++) {
        r->kpis[k].weight = k < 5 ? 20 : 0;
        r->kpis[k].points = 60 + 10 * (double)k;
        r->kpis[k].group_points = 95;
        r->kpis[k].status = KP_ST_OK;
    }
    return r;
}

/* Run a shell command; its stdout into *out. Returns the exit status. */
static int run(const char *cmd, char **out)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct kp_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_add(&b, chunk, n);
    buf_add(&b, "", 0);
    int st = pclose(p);
    *out = buf_steal(&b);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Save doc and give its text (pdftotext, one line per text line). */
static char *pdf_text_of(struct kp_pdf *doc, const char *name)
{
    char *path = xasprintf("%s/%s.pdf", sys_tmpdir(), name);
    assert_int_equal(pdf_save(doc, path), 0);
    char *cmd = xasprintf("pdftotext -raw '%s' - 2>/dev/null", path), *text;
    assert_int_equal(run(cmd, &text), 0);
    free(cmd);
    char *images;
    cmd = xasprintf("pdfimages -list '%s' 2>/dev/null | tail -n +3 | wc -l", path);
    assert_int_equal(run(cmd, &images), 0);
    assert_string_equal(images, "0\n"); /* vector charts: no raster image */
    free(images), free(cmd);
    sys_remove(path);
    free(path);
    return text;
}

static void has(const char *text, const char *what)
{
    if (!strstr(text, what))
        fail_msg("\"%s\" not in the text:\n%s", what, text);
}

/* The 2 x 2 grid of a review's chart block. */
static void draw_four(struct kp_figures *fg, struct kp_pdf *doc, const struct kp_lang *lang,
                      const struct kp_record *r, const struct kp_record *team)
{
    pdf_add_page(doc);
    for (size_t i = 0; i < figures_person_count(fg); i++)
        figures_person(fg, doc, lang, i, r, team, 46 + (double)(i % 2) * 258,
                       600 - (double)(i / 2) * 170, 244, 150);
}

static void test_person(void **state)
{
    (void)state;
    struct kp_figures *fg = figures_new(cfg, &meta);
    assert_non_null(fg);
    assert_int_equal(figures_person_count(fg), 4);
    struct kp_record *r = person(), *team = person();
    struct kp_pdf *doc = pdf_new(KP_A4);
    draw_four(fg, doc, en, r, team);
    draw_four(fg, doc, zh, r, team);
    assert_int_equal(diag_count(KP_ERROR), 0);
    char *text = pdf_text_of(doc, "person");
    const char *want[] = {"Revenue against quota by month",
                          "Quota attainment by month",
                          "KPI points against the team average",
                          "Sales funnel in the review period",
                          "Revenue, earlier months",
                          "Quota",
                          "Team average",
                          "Review period",
                          "Visits",
                          "Opportunities",
                          "Won",
                          "Oct",
                          "Apr",
                          "Jun",
                          "100%",
                          "60k",
                          "6万", /* the same tick as 60k, as Chinese abbreviates */
                          "月度销售额与指标",
                          "月度指标达成率",
                          "关键指标得分与团队平均",
                          "考核期销售漏斗",
                          "往期销售额",
                          "商机",
                          "赢单",
                          "4月",
                          "10月"};
    for (size_t i = 0; i < KP_NELEM(want); i++)
        has(text, want[i]);
    /* KPI names are ours (wrapped below the bars), not gnuplot's */
    has(text, "Quota");
    has(text, "销售达成率");
    assert_null(strstr(text, "2026-04")); /* month ticks are the language's */
    assert_null(strstr(text, "#"));       /* amount ticks too (chart.h's mark) */
    assert_null(strstr(text, "0万"));     /* 0 without a unit; 6万, never 60千 */
    double engine, replay;
    long charts, failures;
    figures_stats(fg, &engine, &replay, &charts, &failures);
    assert_int_equal(charts, 8);
    assert_int_equal(failures, 0);
    free(text);
    pdf_free(doc);
    record_free(r), record_free(team);
    figures_free(fg);
}

/* Nothing to plot: a quiet note, no error, gnuplot not even asked. */
static void test_no_data(void **state)
{
    (void)state;
    struct kp_figures *fg = figures_new(cfg, &meta);
    struct kp_record *r = record_new(&meta, KP_REC_PERSON);
    r->id = xstrdup("R2");
    struct kp_pdf *doc = pdf_new(KP_A4);
    draw_four(fg, doc, en, r, NULL);
    assert_int_equal(diag_count(KP_ERROR), 0);
    char *text = pdf_text_of(doc, "empty");
    size_t notes = 0;
    for (const char *p = text; (p = strstr(p, "No data for this period.")); p++)
        notes++;
    assert_int_equal(notes, 4);
    free(text);
    pdf_free(doc);
    record_free(r);
    figures_free(fg);
}

/* A fake gnuplot: a shell script in the private temporary folder. */
static char *fake(const char *name, const char *body)
{
    char *p = xasprintf("%s/%s", sys_tmpdir(), name);
    char *text = xasprintf("#!/bin/sh\n%s\n", body);
    assert_int_equal(sys_write_atomic(p, text, strlen(text)), 0);
    assert_int_equal(chmod(p, 0755), 0);
    free(text);
    return p;
}

/* The failure path: framed note, KP_ERROR naming the person and the chart,
 * the review goes on and the next chart works. */
static void fails_once(struct kp_figures *fg, const char *expect)
{
    struct kp_record *r = person();
    struct kp_pdf *doc = pdf_new(KP_A4);
    pdf_add_page(doc);
    struct kp_buf cap = {0};
    diag_capture(&cap);
    figures_person(fg, doc, en, 0, r, NULL, 46, 600, 244, 150);
    diag_capture(NULL);
    assert_non_null(cap.s);
    if (!str_has_prefix(cap.s, expect))
        fail_msg("message: %s", cap.s);
    assert_int_equal(diag_count(KP_ERROR), 1);
    assert_int_equal(diag_status(), 1);
    diag_reset();
    figures_person(fg, doc, en, 1, r, NULL, 46, 430, 244, 150);
    assert_int_equal(diag_count(KP_ERROR), 0);
    char *text = pdf_text_of(doc, "fails");
    has(text, "Revenue against quota by month\nChart unavailable");
    has(text, "Quota attainment by month");
    has(text, "Apr");
    double engine, replay;
    long charts, failures;
    figures_stats(fg, &engine, &replay, &charts, &failures);
    assert_int_equal(charts, 2);
    assert_int_equal(failures, 1);
    free(text);
    buf_free(&cap);
    pdf_free(doc);
    record_free(r);
}

static void test_crash(void **state)
{
    (void)state;
    char *once = fake("crash-once", "if [ ! -e \"$0.once\" ]; then : > \"$0.once\"; "
                                    "head -c 10 >/dev/null; exit 1; fi\nexec gnuplot \"$@\"");
    struct kp_figures *fg = figures_new(cfg, &meta);
    figures_set_program(fg, once);
    fails_once(fg, "kpipress: error: R1: the revenue chart is unavailable: gnuplot ");
    figures_free(fg);
    free(once);
}

/* A config: the acme sample with these [theme] lines. */
static struct kp_config *themed(const char *theme)
{
    char *cwd = getcwd(NULL, 0);
    char *path = xasprintf("%s/themed.ini", sys_tmpdir());
    char *text =
        xasprintf("[config]\ninclude = %s/samples/acme/review.ini\n[theme]\n%s\n", cwd, theme);
    assert_int_equal(sys_write_atomic(path, text, strlen(text)), 0);
    struct kp_config *c = config_load(path);
    free(cwd), free(path), free(text);
    return c;
}

static void test_hang(void **state)
{
    (void)state;
    char *hang = fake("hang-once", "if [ ! -e \"$0.once\" ]; then : > \"$0.once\"; "
                                   "exec cat >/dev/null; fi\nexec gnuplot \"$@\"");
    struct kp_config *c = themed("chart_timeout = 300");
    assert_non_null(c);
    struct kp_figures *fg = figures_new(c, &meta);
    figures_set_program(fg, hang);
    double t0 = sys_clock_ms();
    fails_once(fg, "kpipress: error: R1: the revenue chart is unavailable: gnuplot did not "
                   "answer within 300 ms; restarted\n");
    assert_true(sys_clock_ms() - t0 < 3000);
    figures_free(fg);
    config_free(c);
    free(hang);
}

/* gnuplot's stderr: the run's log only, never the terminal. */
static void test_stderr_to_log(void **state)
{
    (void)state;
    char *noisy = fake("noisy", "echo 'warning: something odd' >&2\nexec gnuplot \"$@\"");
    struct kp_figures *fg = figures_new(cfg, &meta);
    figures_set_program(fg, noisy);
    struct kp_record *r = person();
    struct kp_pdf *doc = pdf_new(KP_A4);
    pdf_add_page(doc);
    char *logtext = NULL;
    size_t loglen = 0;
    FILE *log = open_memstream(&logtext, &loglen);
    struct kp_buf cap = {0};
    diag_capture(&cap);
    diag_set_log(log);
    figures_person(fg, doc, en, 3, r, NULL, 46, 600, 244, 150);
    diag_set_log(NULL);
    diag_capture(NULL);
    fclose(log);
    assert_null(cap.s);
    assert_string_equal(logtext, "kpipress: note: gnuplot: warning: something odd\n");
    assert_int_equal(diag_status(), 0);
    free(logtext);
    pdf_free(doc);
    record_free(r);
    figures_free(fg);
    free(noisy);
}

struct pages {
    struct kp_pdf *doc;
    double *y;
    int added;
};

static void new_page(void *arg)
{
    struct pages *p = arg;
    pdf_add_page(p->doc);
    *p->y = 780;
    p->added++;
}

static struct kp_record *team_rec(const char *id, double att, size_t nmembers)
{
    struct kp_record *t = record_new(&meta, KP_REC_TEAM);
    t->id = xstrdup(id);
    t->name = xstrdup(id);
    t->kpis[0].value = att;
    t->members = xcalloc(nmembers + 1, sizeof *t->members);
    t->nmembers = nmembers;
    static const char *const names[] = {
        "x\"; system(\"touch PWNED\"); \"", "`id`", "$(id)", "Line\nbreak", "@{} Zoë", "张伟"};
    for (size_t i = 0; i < nmembers; i++) {
        t->members[i].rep_id = xasprintf("M%zu", i);
        t->members[i].name = xstrdup(names[i % KP_NELEM(names)]);
        t->members[i].composite = 60 + 7 * (double)i;
        t->members[i].attainment = i == 2 ? NAN : 0.7 + 0.05 * (double)i;
        t->members[i].rank = (int)i + 1;
    }
    return t;
}

static void test_team(void **state)
{
    (void)state;
    struct kp_figures *fg = figures_new(cfg, &meta);
    struct kp_record *teams[3] = {team_rec("East", 1.05, 6), team_rec("West", 0.86, 2),
                                  team_rec("Key Accounts", 1.01, 3)};
    struct kp_record *org = team_rec("*", 0.99, 0);
    struct kp_pdf *doc = pdf_new(KP_A4);
    pdf_add_page(doc);
    double y = 300;
    struct pages pg = {doc, &y, 0};
    figures_team(fg, doc, en, teams[0], org, teams, 3, &y, 46, 549, 54, new_page, &pg);
    /* distribution and teams side by side fit above 54; the ranked chart
     * (6 x 13 + 40 + title) does not: a new page */
    assert_int_equal(pg.added, 1);
    assert_int_equal(pdf_page_count(doc), 2);
    assert_true(y < 780 && y > 54);
    assert_int_equal(diag_count(KP_ERROR), 0);
    char *text = pdf_text_of(doc, "team");
    has(text, "Composite scores in the team");
    has(text, "Quota attainment by team");
    has(text, "Members' quota attainment, ranked");
    has(text, "East West Key Accounts"); /* team names below the bars, ours */
    has(text, "`id`");
    has(text, "$(id)");
    has(text, "Line break");
    has(text, "张伟");
    has(text, "This team");
    has(text, "Company");
    free(text);
    pdf_free(doc);
    for (int i = 0; i < 3; i++)
        record_free(teams[i]);
    record_free(org);
    figures_free(fg);
    struct stat st;
    assert_int_not_equal(stat("PWNED", &st), 0);
}

/* More teams than fit as bars: this team and the 11 nearest it in
 * attainment rank, highest first, under their own title. */
static void test_many_teams(void **state)
{
    (void)state;
    struct kp_figures *fg = figures_new(cfg, &meta);
    struct kp_record *teams[30];
    for (int i = 0; i < 30; i++) {
        char id[16];
        snprintf(id, sizeof id, "T%d", i);
        teams[i] = team_rec(id, 0.5 + 0.02 * i, 2); /* T29 is the best */
    }
    struct kp_record *org = team_rec("*", 0.8, 0);
    struct kp_pdf *doc = pdf_new(KP_A4);
    pdf_add_page(doc);
    double y = 700;
    struct pages pg = {doc, &y, 0};
    /* T20 is 10th of 30: ranks 4..15 are shown (T26 .. T15) */
    figures_team(fg, doc, en, teams[20], org, teams, 30, &y, 46, 549, 54, new_page, &pg);
    assert_int_equal(diag_count(KP_ERROR), 0);
    char *text = pdf_text_of(doc, "team");
    has(text, "Quota attainment: the teams nearest in rank");
    has(text, "T26 T25 T24 T23 T22 T21 T20 T19 T18 T17 T16 T15");
    assert_null(strstr(text, "T27"));
    assert_null(strstr(text, "T14"));
    assert_null(strstr(text, "Quota attainment by team"));
    free(text);
    pdf_free(doc);
    /* The best team: the top 12. */
    doc = pdf_new(KP_A4);
    pdf_add_page(doc);
    y = 700;
    pg.doc = doc;
    figures_team(fg, doc, en, teams[29], org, teams, 30, &y, 46, 549, 54, new_page, &pg);
    text = pdf_text_of(doc, "team");
    has(text, "T29 T28 T27 T26 T25 T24 T23 T22 T21 T20 T19 T18");
    assert_null(strstr(text, "T17"));
    free(text);
    pdf_free(doc);
    for (int i = 0; i < 30; i++)
        record_free(teams[i]);
    record_free(org);
    figures_free(fg);
}

static void test_theme(void **state)
{
    (void)state;
    struct kp_config *c = themed("charts = funnel, teams, revenue\n"
                                 "chart_color.accent = \"#884400\"\nchart_font_size = 8");
    assert_non_null(c);
    struct kp_figures *fg = figures_new(c, &meta);
    assert_int_equal(figures_person_count(fg), 2);
    struct kp_record *r = person();
    struct kp_pdf *doc = pdf_new(KP_A4);
    pdf_add_page(doc);
    figures_person(fg, doc, en, 0, r, NULL, 46, 600, 244, 150);
    char *text = pdf_text_of(doc, "theme");
    has(text, "Sales funnel in the review period");
    assert_null(strstr(text, "Revenue against"));
    free(text);
    pdf_free(doc);
    record_free(r);
    figures_free(fg);
    config_free(c);

    c = themed("charts = none");
    assert_null(figures_new(c, &meta));
    config_free(c);

    struct kp_buf cap = {0};
    diag_capture(&cap);
    assert_null(themed("charts = revenue, pie, revenue\nchart_color.sky = \"#000000\""));
    diag_capture(NULL);
    has(cap.s, "themed.ini:4: error: [theme] charts: unknown chart \"pie\" (charts: revenue, "
               "attainment, kpis, funnel, distribution, ranked, teams; or none)\n");
    has(cap.s, "themed.ini:4: error: [theme] charts: \"revenue\" is listed twice\n");
    has(cap.s, "themed.ini:5: error: [theme] chart_color.sky: not a chart colour");
    assert_int_equal(diag_status(), 2);
    diag_reset();
    buf_free(&cap);
}

static void test_missing_gnuplot(void **state)
{
    (void)state;
    char *path = xstrdup(getenv("PATH"));
    char *empty = xasprintf("%s/no-bin", sys_tmpdir());
    assert_int_equal(sys_mkdirs(empty), 0);
    setenv("PATH", empty, 1);
    struct kp_buf cap = {0};
    diag_capture(&cap);
    assert_int_equal(figures_check(cfg), -1);
    struct kp_config *none = themed("charts = none");
    assert_int_equal(figures_check(none), 0); /* no charts: no gnuplot needed */
    diag_capture(NULL);
    setenv("PATH", path, 1);
    assert_string_equal(cap.s, "kpipress: error: gnuplot is not installed: apt-get install "
                               "gnuplot-nox, or run with --no-charts\n");
    assert_int_equal(diag_status(), 2);
    diag_reset();
    assert_int_equal(figures_check(cfg), 0);
    config_free(none);
    buf_free(&cap);
    rmdir(empty);
    free(empty), free(path);
}

/* What four charts add to a review: build the chart block and render the
 * document, against the same document without charts. */
static void test_speed(void **state)
{
    (void)state;
    struct kp_figures *fg = figures_new(cfg, &meta);
    struct kp_record *r = person(), *team = person();
    const int n = 40;
    double with = 0, without = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n + 1; i++) {
            double t0 = sys_clock_ms();
            struct kp_pdf *doc = pdf_new(KP_A4);
            pdf_add_page(doc);
            if (pass == 0) {
                draw_four(fg, doc, en, r, team);
            } else { /* the same fonts in use: a review has text anyway */
                struct kp_textstyle st = {9, 1, KP_NONE, 0};
                pdf_text(doc, &st, 46, 700, KP_START, "Revenue against quota KPI points");
                st.bold = 0;
                pdf_text(doc, &st, 46, 680, KP_START,
                         "Oct Nov Dec Jan Feb Mar Apr May Jun "
                         "0123456789%k Visits Opportunities Won");
            }
            char *data;
            size_t len;
            assert_int_equal(pdf_render(doc, NULL, &data, &len), 0);
            free(data);
            pdf_free(doc);
            if (i > 0) /* the first starts gnuplot */
                *(pass == 0 ? &with : &without) += sys_clock_ms() - t0;
        }
    double engine, replay;
    long charts, failures;
    figures_stats(fg, &engine, &replay, &charts, &failures);
    printf("# a page with 4 charts: %.2f ms built and rendered (%.2f ms with their words only); "
           "per chart %.2f ms in gnuplot + svg, %.3f ms replay\n",
           with / n, without / n, engine / (double)charts, replay / (double)charts);
    assert_int_equal(failures, 0);
    record_free(r), record_free(team);
    figures_free(fg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_person),        cmocka_unit_test(test_no_data),
        cmocka_unit_test(test_crash),         cmocka_unit_test(test_hang),
        cmocka_unit_test(test_stderr_to_log), cmocka_unit_test(test_team),
        cmocka_unit_test(test_many_teams),
        cmocka_unit_test(test_theme),         cmocka_unit_test(test_missing_gnuplot),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
