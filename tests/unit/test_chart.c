/* Unit tests for chart: every builder through the real gnuplot, gaps for
 * missing months, the sentinel protocol over many charts, timeouts, crashes
 * and restarts with fake gnuplots, the missing-gnuplot message, the data-block
 * writer, and that a chart run leaves no file behind.
 *
 * KP_RECORD_SVG=DIR build/tests/test_chart also writes each chart's svg to
 * DIR/<type>.svg: that is how tests/data/svg/ (test_svg's input) was made. */
#include "unit.h"

#include "chart.h"
#include "diag.h"
#include "svg.h"
#include "sys.h"
#include "util.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the sample charts ---- */

static const double rev[12] = {82000, 91000, NAN, 105000, 99000, 120000,
                               87000, 131000, 142000, 118000, NAN, 151000};
static const double quota[12] = {100000, 100000, 100000, 110000, 110000, 110000,
                                 115000, 115000, 115000, 125000, 125000, 125000};
static const double att[12] = {82, 91, NAN, 95.5, 90, 109.1, 75.7, 113.9, 123.5, 94.4, NAN, 120.8};
static const double team[12] = {90, 93, 96, 99, NAN, 105, 108, 111, 114, 117, 120, 123};
static const double pts[5] = {112, 87, NAN, 130, 64}, tav[5] = {95, 101, 88, 104, 79};
static const double scores[14] = {45, 52, 61, 66, 68, 71, 74, 77, 79, 83, 88, 95, 104, NAN};
static const double ranked[8] = {131, 118, 104, 99, 92, NAN, 81, 63};
static const double teamv[5] = {97, 104, 88, 112, 91};

static kp_month month(const char *s)
{
    kp_month m = 0;
    assert_int_equal(month_parse(s, &m), 0);
    return m;
}

/* The sample chart of a type (and "revenue_long": 24 months, rotated tics). */
static int build(struct kp_gnuplot *gp, int type, int variant, struct kp_vg **vg)
{
    struct kp_chart_style st;
    chart_style_default(&st);
    struct kp_chart_box box = {480, 190, 0};
    switch (type) {
    case KP_CHART_REVENUE: {
        double r24[24], q24[24];
        for (int i = 0; i < 24; i++)
            r24[i] = rev[i % 12] * (1 + i / 12 * 0.1), q24[i] = quota[i % 12];
        struct kp_chart_monthly m = {month("2025-07"), 12, 9, rev, quota};
        struct kp_chart_monthly m24 = {month("2024-07"), 24, 21, r24, q24};
        struct kp_chart_box narrow = {300, 170, 0};
        return variant ? chart_revenue(gp, &st, &narrow, &m24, vg)
                       : chart_revenue(gp, &st, &box, &m, vg);
    }
    case KP_CHART_ATTAINMENT: {
        struct kp_chart_monthly m = {month("2025-07"), 12, 9, att, team};
        return chart_attainment(gp, &st, &box, &m, vg);
    }
    case KP_CHART_KPIS: {
        struct kp_chart_kpis k = {5, pts, tav};
        return chart_kpis(gp, &st, &box, &k, vg);
    }
    case KP_CHART_FUNNEL: {
        struct kp_chart_funnel f = {240, 61, 17};
        struct kp_chart_box fb = {300, 120, 80};
        return chart_funnel(gp, &st, &fb, &f, vg);
    }
    case KP_CHART_DISTRIBUTION: {
        struct kp_chart_distribution d = {14, scores, 10, 72.5};
        return chart_distribution(gp, &st, &box, &d, vg);
    }
    case KP_CHART_RANKED: {
        struct kp_chart_ranked r = {8, ranked};
        struct kp_chart_box rb = {420, 8 * 13 + 40, 100};
        return chart_ranked(gp, &st, &rb, &r, vg);
    }
    default: {
        struct kp_chart_teams t = {5, teamv, 2, 1, 98.5};
        return chart_teams(gp, &st, &box, &t, vg);
    }
    }
}

static void record(struct kp_gnuplot *gp, const char *name)
{
    const char *dir = getenv("KP_RECORD_SVG");
    if (str_empty(dir))
        return;
    size_t n;
    const char *s = gnuplot_last_svg(gp, &n);
    assert_non_null(s);
    char *p = xasprintf("%s/%s.svg", dir, name);
    assert_int_equal(sys_write_atomic(p, s, n), 0);
    free(p);
}

static size_t count_fill(const struct kp_vg *vg, uint32_t rgb)
{
    size_t n = 0;
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        n += it->kind == KP_VG_PATH && it->style.fill_on && it->style.fill == rgb;
    }
    return n;
}

static int has_text(const struct kp_vg *vg, const char *s)
{
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        if (it->kind == KP_VG_TEXT && strcmp(vg_text(vg, it), s) == 0)
            return 1;
    }
    return 0;
}

/* ---- tests ---- */

static void test_every_type(void **state)
{
    (void)state;
    struct kp_gnuplot *gp = gnuplot_new(NULL);
    static const size_t slots[KP_NCHART_TYPES] = {0, 0, 5, 3, 0, 8, 5};
    for (int t = 0; t < KP_NCHART_TYPES; t++) {
        struct kp_vg *vg = NULL;
        int rc = build(gp, t, 0, &vg);
        if (rc != KP_CHART_OK)
            fail_msg("%s: %s", kp_chart_names[t], gnuplot_error(gp));
        record(gp, kp_chart_names[t]);
        assert_true(vg_count_kind(vg, KP_VG_PATH) >= 3);
        assert_true(vg_count_kind(vg, KP_VG_TEXT) >= 3);
        const struct kp_vg_plot *p = vg_plot(vg);
        assert_non_null(p);
        assert_true(p->left > 0 && p->left < p->right && p->right <= vg_width(vg));
        assert_true(p->top >= 0 && p->top < p->bottom && p->bottom <= vg_height(vg));
        assert_int_equal(vg_nslots(vg), slots[t]);
        assert_true(t == KP_CHART_FUNNEL || vg_nkeys(vg) >= 1);
        assert_string_equal(gnuplot_error(gp), "");
        vg_free(vg);
    }
    struct kp_vg *vg = NULL;
    assert_int_equal(build(gp, KP_CHART_REVENUE, 1, &vg), KP_CHART_OK);
    record(gp, "revenue_long");
    vg_free(vg);
    long charts, failures, starts;
    gnuplot_stats(gp, &charts, &failures, &starts);
    assert_int_equal(charts, KP_NCHART_TYPES + 1);
    assert_int_equal(failures, 0);
    assert_int_equal(starts, 1);
    gnuplot_free(gp);
}

/* What each chart shows, as numbers we can check. */
static void test_content(void **state)
{
    (void)state;
    struct kp_gnuplot *gp = gnuplot_new(NULL);
    struct kp_chart_style st;
    chart_style_default(&st);
    struct kp_vg *vg = NULL;
    assert_int_equal(build(gp, KP_CHART_REVENUE, 0, &vg), KP_CHART_OK);
    assert_int_equal(count_fill(vg, st.accent), 2);  /* window: 2026-04, 2026-06 */
    assert_int_equal(count_fill(vg, st.second), 8);  /* history: 9 months, one missing */
    assert_int_equal(count_fill(vg, st.target), 12); /* the quota line's dots */
    /* 160#: an amount, 160 x yscale, worded by the consumer */
    assert_true(has_text(vg, "2025-07") && has_text(vg, "2026-06") && has_text(vg, "160#"));
    assert_int_equal(vg_nkeys(vg), 3);
    assert_int_equal(vg_key(vg, 2)->series, KP_SER_QUOTA);
    assert_true(vg_key(vg, 2)->dashed);
    assert_true(vg_plot(vg)->yscale == 1000);
    vg_free(vg);
    assert_int_equal(build(gp, KP_CHART_RANKED, 0, &vg), KP_CHART_OK);
    assert_int_equal(count_fill(vg, st.positive), 3); /* 131, 118, 104 */
    assert_int_equal(count_fill(vg, st.accent), 4);   /* 99, 92, 81, 63; one missing */
    assert_true(has_text(vg, "131%") && has_text(vg, "63%") && !has_text(vg, "NaN%"));
    vg_free(vg);
    assert_int_equal(build(gp, KP_CHART_FUNNEL, 0, &vg), KP_CHART_OK);
    assert_true(has_text(vg, "240") && has_text(vg, "25%") && has_text(vg, "28%"));
    assert_false(has_text(vg, "NaN") || has_text(vg, "nan%"));
    vg_free(vg);
    gnuplot_free(gp);
}

/* The data mapping matches what gnuplot drew: KPI bars sit at x = i -+ 0.19. */
static void test_mapping(void **state)
{
    (void)state;
    struct kp_gnuplot *gp = gnuplot_new(NULL);
    struct kp_chart_style st;
    chart_style_default(&st);
    struct kp_vg *vg = NULL;
    assert_int_equal(build(gp, KP_CHART_KPIS, 0, &vg), KP_CHART_OK);
    int bars = 0;
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        if (it->kind != KP_VG_PATH || !it->style.fill_on || it->style.fill != st.accent)
            continue;
        const struct kp_vg_seg *s = vg_segs(vg, it);
        double x0 = s[0].x[0], x1 = s[1].x[0], y = s[2].y[0]; /* M bl, L br, L tr */
        double mx, my;
        int k = bars >= 2 ? bars + 1 : bars; /* KPI 3 (index 2) has no points */
        assert_int_equal(vg_map(vg, k + 1 - 0.19, pts[k], &mx, &my), 0);
        assert_true(fabs((x0 + x1) / 2 - mx) < 0.3);
        assert_true(fabs(y - my) < 0.3);
        const struct kp_vg_slot *sl = vg_slot(vg, (size_t)k);
        assert_true(sl->x > x0 && sl->x < x1 + 20 && sl->y > vg_plot(vg)->bottom);
        bars++;
    }
    assert_int_equal(bars, 4);
    vg_free(vg);
    gnuplot_free(gp);
}

/* Count the moves in the (first) path stroked in rgb with width w. */
static int line_moves(const struct kp_vg *vg, uint32_t rgb, double w)
{
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        if (it->kind != KP_VG_PATH || it->style.fill_on || !it->style.stroke_on ||
            it->style.stroke != rgb || fabs(it->style.width - w) > 0.01)
            continue;
        int moves = 0;
        for (size_t k = 0; k < it->nseg; k++)
            moves += vg_segs(vg, it)[k].op == KP_VG_MOVE;
        return moves;
    }
    return -1;
}

static void test_gaps(void **state)
{
    (void)state;
    struct kp_gnuplot *gp = gnuplot_new(NULL);
    struct kp_chart_style st;
    chart_style_default(&st);
    struct kp_chart_box box = {400, 180, 0};
    double a[6] = {90, 95, 101, 99, 104, 110};
    struct kp_chart_monthly m = {month("2026-01"), 6, 0, a, NULL};
    struct kp_vg *vg = NULL;
    assert_int_equal(chart_attainment(gp, &st, &box, &m, &vg), KP_CHART_OK);
    assert_int_equal(line_moves(vg, st.accent, st.line_width), 1);
    assert_int_equal(count_fill(vg, st.accent), 6); /* one dot a month */
    vg_free(vg);
    a[3] = NAN; /* a missing month splits the line, no dot, no zero */
    assert_int_equal(chart_attainment(gp, &st, &box, &m, &vg), KP_CHART_OK);
    assert_int_equal(line_moves(vg, st.accent, st.line_width), 2);
    assert_int_equal(count_fill(vg, st.accent), 5);
    double x, y0, y;
    vg_map(vg, 4, 0, &x, &y0);
    for (size_t i = 0; i < vg_count(vg); i++) { /* nothing drawn at (4, 0) */
        const struct kp_vg_item *it = vg_item(vg, i);
        for (size_t k = 0; it->kind == KP_VG_PATH && k < it->nseg; k++) {
            const struct kp_vg_seg *s = &vg_segs(vg, it)[k];
            if (it->style.stroke == st.accent && s->op != KP_VG_CLOSE)
                assert_false(fabs(s->x[0] - x) < 4 && fabs(s->y[0] - y0) < 4);
        }
    }
    vg_free(vg);
    /* Revenue: the missing month has no bar at all. */
    double r[4] = {10, NAN, 12, 13};
    struct kp_chart_monthly rm = {month("2026-01"), 4, 0, r, NULL};
    assert_int_equal(chart_revenue(gp, &st, &box, &rm, &vg), KP_CHART_OK);
    assert_int_equal(count_fill(vg, st.accent), 3);
    vg_map(vg, 2, 0, &x, &y);
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        if (it->kind == KP_VG_PATH && it->style.fill_on && it->style.fill == st.accent)
            assert_true(fabs(vg_segs(vg, it)[0].x[0] - x) > 10);
    }
    vg_free(vg);
    /* Everything missing: nothing to plot, and gnuplot is not even asked. */
    double none[3] = {NAN, NAN, NAN};
    struct kp_chart_monthly nm = {month("2026-01"), 3, 0, none, none};
    assert_int_equal(chart_revenue(gp, &st, &box, &nm, &vg), KP_CHART_EMPTY);
    assert_null(vg);
    struct kp_chart_funnel nf = {NAN, NAN, NAN};
    assert_int_equal(chart_funnel(gp, &st, &box, &nf, &vg), KP_CHART_EMPTY);
    long charts, failures, starts;
    gnuplot_stats(gp, &charts, &failures, &starts);
    assert_int_equal(charts, 3);
    gnuplot_free(gp);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct kp_gnuplot *gp = gnuplot_new(NULL);
    struct kp_chart_style st;
    chart_style_default(&st);
    struct kp_chart_box box = {400, 180, 0};
    struct kp_vg *vg = NULL;
    struct kp_chart_monthly m = {month("2026-01"), 0, 0, att, NULL};
    assert_int_equal(chart_revenue(gp, &st, &box, &m, &vg), KP_CHART_FAILED);
    assert_string_equal(gnuplot_error(gp), "invalid chart input: months");
    struct kp_chart_teams t = {5, teamv, 5, 0, NAN};
    assert_int_equal(chart_teams(gp, &st, &box, &t, &vg), KP_CHART_FAILED);
    assert_null(vg);
    /* A theme with nonsense in it still plots: sizes fall back, colours
     * keep their 24 bits; no style at all means the defaults. */
    struct kp_chart_style odd = st;
    odd.font_size = NAN, odd.line_width = -3, odd.accent = 0xFF123456u;
    struct kp_chart_kpis k = {5, pts, NULL};
    assert_int_equal(chart_kpis(gp, &odd, &box, &k, &vg), KP_CHART_OK);
    assert_true(vg_key(vg, 0)->color == 0x123456);
    vg_free(vg);
    assert_int_equal(chart_kpis(gp, NULL, NULL, &k, &vg), KP_CHART_OK);
    assert_true(vg_width(vg) == 400 && vg_height(vg) == 200);
    vg_free(vg);
    gnuplot_free(gp);
}

/* 200 charts in a row through one process: the sentinel keeps them apart. */
static void test_many(void **state)
{
    (void)state;
    struct kp_gnuplot *gp = gnuplot_new(NULL);
    for (int i = 0; i < 200; i++) {
        struct kp_vg *vg = NULL;
        assert_int_equal(build(gp, i % KP_NCHART_TYPES, 0, &vg), KP_CHART_OK);
        vg_free(vg);
    }
    long charts, failures, starts;
    gnuplot_stats(gp, &charts, &failures, &starts);
    assert_int_equal(charts, 200);
    assert_int_equal(failures, 0);
    assert_int_equal(starts, 1);
    gnuplot_free(gp);
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

static void test_timeout(void **state)
{
    (void)state;
    /* Hangs the first time (reads and never answers), is gnuplot after. */
    char *prog = fake("hang-once", "if [ ! -e \"$0.once\" ]; then : > \"$0.once\"; "
                                   "exec cat >/dev/null; fi\nexec gnuplot \"$@\"");
    struct kp_gnuplot *gp = gnuplot_new(prog);
    gnuplot_set_timeout(gp, 300);
    struct kp_vg *vg = NULL;
    double t0 = sys_clock_ms();
    assert_int_equal(build(gp, KP_CHART_KPIS, 0, &vg), KP_CHART_FAILED);
    double took = sys_clock_ms() - t0;
    assert_true(took >= 290 && took < 1500);
    assert_null(vg);
    assert_string_equal(gnuplot_error(gp), "gnuplot did not answer within 300 ms; restarted");
    assert_int_equal(build(gp, KP_CHART_KPIS, 0, &vg), KP_CHART_OK);
    vg_free(vg);
    long charts, failures, starts;
    gnuplot_stats(gp, &charts, &failures, &starts);
    assert_int_equal(charts, 2);
    assert_int_equal(failures, 1);
    assert_int_equal(starts, 2);
    gnuplot_free(gp);
    free(prog);
}

/* tests/adversarial, "a gnuplot that never answers": after 3 timeouts in a
 * row the rest of the charts are given up at once, so a hung gnuplot does
 * not cost its timeout for every chart of a batch. */
static void test_hangs_give_up(void **state)
{
    (void)state;
    char *prog = fake("hang-always", "exec cat >/dev/null");
    struct kp_gnuplot *gp = gnuplot_new(prog);
    gnuplot_set_timeout(gp, 100);
    struct kp_vg *vg = NULL;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(build(gp, KP_CHART_KPIS, 0, &vg), KP_CHART_FAILED);
        assert_string_equal(gnuplot_error(gp), "gnuplot did not answer within 100 ms; restarted");
    }
    for (int i = 0; i < 2; i++) {
        double t0 = sys_clock_ms();
        assert_int_equal(build(gp, KP_CHART_KPIS, 0, &vg), KP_CHART_FAILED);
        assert_true(sys_clock_ms() - t0 < 50);
        assert_string_equal(gnuplot_error(gp),
                            "gnuplot did not answer 3 times in a row: no more charts are tried");
    }
    assert_null(vg);
    long charts, failures, starts;
    gnuplot_stats(gp, &charts, &failures, &starts);
    assert_int_equal(charts, 5);
    assert_int_equal(failures, 5);
    assert_int_equal(starts, 3);
    gnuplot_free(gp);
    free(prog);
}

static void test_crash(void **state)
{
    (void)state;
    char *dead = fake("crash", "exit 3");
    struct kp_gnuplot *gp = gnuplot_new(dead);
    struct kp_vg *vg = NULL;
    for (int i = 0; i < 3; i++) { /* fails every time, quickly, never hangs */
        double t0 = sys_clock_ms();
        assert_int_equal(build(gp, KP_CHART_TEAMS, 0, &vg), KP_CHART_FAILED);
        assert_true(sys_clock_ms() - t0 < 1000);
        assert_true(str_has_prefix(gnuplot_error(gp), "gnuplot "));
    }
    long charts, failures, starts;
    gnuplot_stats(gp, &charts, &failures, &starts);
    assert_int_equal(starts, 3);
    gnuplot_free(gp);
    free(dead);
    /* Dies in the middle of the first chart, then works. */
    char *once = fake("crash-once", "if [ ! -e \"$0.once\" ]; then : > \"$0.once\"; "
                                    "head -c 10 >/dev/null; exit 1; fi\nexec gnuplot \"$@\"");
    gp = gnuplot_new(once);
    assert_int_equal(build(gp, KP_CHART_TEAMS, 0, &vg), KP_CHART_FAILED);
    assert_int_equal(build(gp, KP_CHART_TEAMS, 0, &vg), KP_CHART_OK);
    vg_free(vg);
    gnuplot_free(gp);
    free(once);
    /* A program that does not exist at all. */
    gp = gnuplot_new("/nonexistent/gnuplot");
    assert_int_equal(build(gp, KP_CHART_TEAMS, 0, &vg), KP_CHART_FAILED);
    gnuplot_free(gp);
}

static void collect(void *arg, const char *line);

/* gnuplot refuses the chart: no output file, the reason is its message. */
static void test_plot_error(void **state)
{
    (void)state;
    char *typo = fake("typo", "exec sh -c 'sed -u \"s/^load /lod /\" | gnuplot \"$@\"' sh \"$@\"");
    struct kp_gnuplot *gp = gnuplot_new(typo);
    struct kp_buf log = {0};
    gnuplot_set_log(gp, collect, &log);
    struct kp_vg *vg = NULL;
    assert_int_equal(build(gp, KP_CHART_KPIS, 0, &vg), KP_CHART_FAILED);
    assert_string_equal(gnuplot_error(gp), "gnuplot made no chart: line 0: invalid command");
    assert_non_null(strstr(log.s, "line 0: invalid command\n"));
    assert_int_equal(build(gp, KP_CHART_KPIS, 0, &vg), KP_CHART_FAILED); /* no restart needed */
    long charts, failures, starts;
    gnuplot_stats(gp, &charts, &failures, &starts);
    assert_int_equal(starts, 1);
    buf_free(&log);
    gnuplot_free(gp);
    free(typo);
}

static void collect(void *arg, const char *line)
{
    buf_adds(arg, line);
    buf_addc(arg, '\n');
}

/* gnuplot's stderr goes to the log callback, not to the terminal. */
static void test_stderr_to_log(void **state)
{
    (void)state;
    char *noisy = fake("noisy", "echo 'warning: something odd' >&2\nexec gnuplot \"$@\"");
    struct kp_gnuplot *gp = gnuplot_new(noisy);
    struct kp_buf log = {0}, cap = {0};
    gnuplot_set_log(gp, collect, &log);
    diag_capture(&cap);
    struct kp_vg *vg = NULL;
    assert_int_equal(build(gp, KP_CHART_FUNNEL, 0, &vg), KP_CHART_OK);
    diag_capture(NULL);
    assert_string_equal(log.s, "warning: something odd\n");
    assert_null(cap.s);
    vg_free(vg);
    buf_free(&log);
    gnuplot_free(gp);
    free(noisy);
}

static void test_missing(void **state)
{
    (void)state;
    char *path = xstrdup(getenv("PATH"));
    char *empty = xasprintf("%s/empty-bin", sys_tmpdir());
    assert_int_equal(sys_mkdirs(empty), 0);
    setenv("PATH", empty, 1);
    struct kp_buf cap = {0};
    diag_capture(&cap);
    assert_int_equal(chart_check_gnuplot(), -1);
    diag_capture(NULL);
    setenv("PATH", path, 1);
    assert_string_equal(cap.s, "kpipress: error: gnuplot is not installed: apt-get install "
                               "gnuplot-nox, or run with --no-charts\n");
    assert_int_equal(diag_status(), 2);
    diag_reset();
    assert_int_equal(chart_check_gnuplot(), 0);
    assert_int_equal(rmdir(empty), 0); /* sys_tmpdir's clean-up removes files only */
    buf_free(&cap);
    free(empty);
    free(path);
}

static void test_data_writer(void **state)
{
    (void)state;
    struct kp_buf b = {0};
    double v[] = {NAN, INFINITY, -INFINITY, 1e300, -1e300, 0.1, -0.0, 125000, 1.5e-7};
    for (size_t i = 0; i < KP_NELEM(v); i++)
        chart_data_num(&b, v[i]);
    chart_data_month(&b, month("2026-04"));
    chart_data_month(&b, -5);
    chart_data_month(&b, 10000 * 12);
    chart_data_eol(&b);
    assert_string_equal(b.s, "NaN NaN NaN 1e+15 -1e+15 0.1 0 125000 1.5e-07 2026-04 NaN NaN\n");
    assert_true(chart_data_safe(b.s, b.len));
    buf_free(&b);
    static const char *const bad[] = {
        "1 `rm -rf ~`\n", "system('id')\n", "1 2\nKPE0\n", "abc\n", "2026-04 1\n", "1 2",
        "1 2026-13\n", "1 \"x\"\n", "1  2\n", "1 2 \n", "1 inf\n", "1 0x10\n", "1 1e\n",
        "1 nan\n", "1 2;print 1\n", "\n", "1 -\n", "1 .5\n", "1 2026-4\n", "1\t2\n",
    };
    for (size_t i = 0; i < KP_NELEM(bad); i++)
        if (chart_data_safe(bad[i], strlen(bad[i])))
            fail_msg("accepted \"%s\"", bad[i]);
    const char *ok = "1 2026-04 3.5 NaN -2e+15\n2 2026-05 0 1 1\n";
    assert_true(chart_data_safe(ok, strlen(ok)));
    assert_true(chart_data_safe("", 0));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_sorted(const char *dir, struct kp_buf *out)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        xgrow(&names, &cap, n + 1, sizeof *names);
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++)
        buf_printf(out, "%s\n", names[i]);
    strv_free(names, n);
}

/* A chart run creates no file but its own temporary ones, and removes those. */
static void test_no_files(void **state)
{
    (void)state;
    struct kp_buf cwd0 = {0}, tmp0 = {0}, cwd1 = {0}, tmp1 = {0};
    struct kp_gnuplot *gp = gnuplot_new(NULL);
    struct kp_vg *vg = NULL;
    assert_int_equal(build(gp, 0, 0, &vg), KP_CHART_OK); /* started */
    vg_free(vg);
    list_sorted(".", &cwd0);
    list_sorted(sys_tmpdir(), &tmp0);
    for (int t = 0; t < KP_NCHART_TYPES; t++) {
        assert_int_equal(build(gp, t, 0, &vg), KP_CHART_OK);
        vg_free(vg);
    }
    list_sorted(".", &cwd1);
    list_sorted(sys_tmpdir(), &tmp1);
    assert_string_equal(cwd0.s, cwd1.s);
    assert_string_equal(tmp0.s, tmp1.s);
    gnuplot_free(gp);
    buf_free(&cwd0), buf_free(&cwd1), buf_free(&tmp0), buf_free(&tmp1);
}

/* plot + parse per chart type, one process; printed for docs/charts.md. */
static void test_speed(void **state)
{
    (void)state;
    struct kp_gnuplot *gp = gnuplot_new(NULL);
    struct kp_vg *vg = NULL;
    assert_int_equal(build(gp, 0, 0, &vg), KP_CHART_OK); /* start-up not counted */
    vg_free(vg);
    enum { N = 40 };
    for (int t = 0; t < KP_NCHART_TYPES; t++) {
        double t0 = sys_clock_ms();
        for (int i = 0; i < N; i++) {
            assert_int_equal(build(gp, t, 0, &vg), KP_CHART_OK);
            vg_free(vg);
        }
        double ms = (sys_clock_ms() - t0) / N;
        print_message("chart %-12s %.2f ms (plot + parse)\n", kp_chart_names[t], ms);
        assert_true(ms < 50); /* generous: a loaded 2-core machine */
    }
    gnuplot_free(gp);
}

static int setup(void **state)
{
    (void)state;
    sys_init();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),  cmocka_unit_test(test_content),
        cmocka_unit_test(test_mapping),     cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_bad_input),   cmocka_unit_test(test_many),
        cmocka_unit_test(test_timeout),     cmocka_unit_test(test_hangs_give_up), cmocka_unit_test(test_crash),
        cmocka_unit_test(test_stderr_to_log), cmocka_unit_test(test_plot_error),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_data_writer), cmocka_unit_test(test_no_files),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
