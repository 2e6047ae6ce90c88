/* chart — the review's charts: gnuplot plots them, we replay them as vectors.
 *
 * Takes numbers (NaN = missing) and calendar months (kp_month) — never a
 * string from the user — and gives a struct kp_vg (vg.h) per chart, which the
 * caller owns (vg_free). Names, titles, legends and category labels are not
 * drawn by gnuplot: each vg carries slots (vg_slot: where the i-th KPI,
 * person, team or funnel stage name goes), legend keys (vg_key: which series
 * is drawn how, by enum kp_chart_series) and the legend band (vg_legend),
 * and the plot-area mapping (vg_map), so our typesetting sets every word in
 * the document's own fonts.
 *
 * One struct kp_gnuplot is one gnuplot process (`gnuplot -d`, stdin and
 * stderr piped, stdout to /dev/null), started on first use and kept for every
 * chart after it: a worker makes one and frees it at the end. Per chart it
 * gets `reset`, the svg terminal, the numbers in an inline data block with a
 * random end marker, `set output` to a file of its own in sys_tmpdir(), the
 * plot, `unset output`, and then a random sentinel is printed and stderr read
 * up to it (poll, timeout: 5 s by default). Whatever gnuplot says before the
 * sentinel goes to the log callback (default: diag KP_NOTE) — never to the
 * user's terminal directly. A chart whose output file is empty or missing
 * fails; on timeout or end of file the process is killed, reaped and started
 * afresh for the next chart. The caller must have ignored SIGPIPE (sys_init).
 * Make the struct after forking workers: a process is not shared.
 *
 * Every builder takes the style (NULL: chart_style_default; nonsense sizes
 * fall back to the defaults, colours are cut to 24 bits) and returns
 * KP_CHART_OK with *out set, KP_CHART_EMPTY when there is nothing to plot
 * (every value missing: show a "no data" note, not a failure), or
 * KP_CHART_FAILED (*out NULL; gnuplot_error() says why — show a framed
 * "chart unavailable" note, log it, exit status 1). */
#ifndef KP_CHART_H
#define KP_CHART_H

#include "model.h"
#include "vg.h"

#include <stddef.h>
#include <stdint.h>

struct kp_buf;

enum kp_chart_type {
    KP_CHART_REVENUE,      /* (1) revenue against quota by month */
    KP_CHART_ATTAINMENT,   /* (2) attainment by month, 100% line, the team's */
    KP_CHART_KPIS,         /* (3) KPI points against the team average */
    KP_CHART_FUNNEL,       /* (4) visits -> opportunities -> won */
    KP_CHART_DISTRIBUTION, /* (5) distribution of composite scores (team) */
    KP_CHART_RANKED,       /* (6) members' attainment, ranked (team) */
    KP_CHART_TEAMS,        /* (7) team against team */
    KP_NCHART_TYPES
};
/* Theme names: "revenue", "attainment", "kpis", "funnel", "distribution",
 * "ranked", "teams". chart_type_find returns the type or -1. */
extern const char *const kp_chart_names[KP_NCHART_TYPES];
int chart_type_find(const char *name);

/* What a legend key (vg_key()->series) stands for; the caller words it. */
enum kp_chart_series {
    KP_SER_REVENUE,         /* bars: revenue in the review window */
    KP_SER_REVENUE_HISTORY, /* bars: revenue in the months before it */
    KP_SER_QUOTA,           /* line: quota */
    KP_SER_ATTAINMENT,      /* line or bars: the person's attainment */
    KP_SER_TEAM,            /* line: the team's attainment */
    KP_SER_TARGET,          /* line: 100% / on target */
    KP_SER_POINTS,          /* bars: the person's KPI points */
    KP_SER_TEAM_AVG,        /* bars: the team's average points */
    KP_SER_PEOPLE,          /* bars: people per score band */
    KP_SER_MARK,            /* line: the marked score (e.g. team average) */
    KP_SER_AT_TARGET,       /* bars: members at or above 100% */
    KP_SER_OTHER_TEAMS,     /* bars: other teams */
    KP_SER_OWN_TEAM,        /* bars: the highlighted team */
    KP_SER_REFERENCE,       /* line: reference value (e.g. the org) */
    KP_SER_WINDOW           /* shaded band: the review window */
};

/* The revenue chart's y tick labels are amounts in the machine form "<n>#"
 * (gnuplot's %g, then this mark): n times the vg's yscale is the amount.
 * Like the months ("2026-04"), the consumer words them in the document's
 * language (figure.c, lang_amount: 140k, 14万); the mark keeps room for the
 * unit in gnuplot's margin. */
#define KP_CHART_AMOUNT_MARK '#'

/* Colours 0xRRGGBB and sizes in points; chart_style_default fills a calm,
 * professional palette that a theme may override field by field. */
struct kp_chart_style {
    uint32_t accent;    /* the person / the window        #1f4e79 */
    uint32_t second;    /* history, the team, others      #9aa5b1 */
    uint32_t positive;  /* at or above target             #1a7f37 */
    uint32_t negative;  /* below target, where marked     #c0392b */
    uint32_t target;    /* quota, 100% and reference lines #33404d */
    uint32_t grid;      /* grid lines                     #dde3e9 */
    uint32_t band;      /* review-window shading          #eef2f6 */
    uint32_t axis;      /* axes and tick marks            #5b6670 */
    uint32_t text;      /* tick labels and values         #33404d */
    double font_size;   /* tick labels, points            7 */
    double line_width;  /* data lines, points             1.5 */
};
void chart_style_default(struct kp_chart_style *st);

/* The chart's size in points, and room for the names our code sets beside
 * (ranked, funnel: at the left) or below (kpis, teams) the plot; 0 = a
 * default (70 pt at the left; two lines of text below). NULL: 400 x 200.
 * Ranked charts read well at h = 13 pt a member + 40. */
struct kp_chart_box {
    double w, h;
    double name_room;
};

/* (1) and (2): a monthly series. Months first .. first + n - 1 (1..120);
 * the first nhist of them are history, the rest the review window.
 * (1): a = revenue, b = quota (may be NULL).
 * (2): a = attainment in percent (100 = on target), b = the team's (NULL). */
struct kp_chart_monthly {
    kp_month first;
    int n, nhist;
    const double *a, *b;
};

/* (3): n KPIs (1..40): the person's points and the team's average (NULL:
 * none), both 100 = on target. Slot i: KPI i, below the plot. */
struct kp_chart_kpis {
    int n;
    const double *points, *team;
};

/* (4): the three stages; slot 0..2: visits, opportunities, won (left). */
struct kp_chart_funnel {
    double visits, opportunities, won;
};

/* (5): n scores (NaN skipped) binned by `bin` (0 = 10) from 0 to at least
 * 100; mark: a score to mark with a line (NaN = none). No slots. */
struct kp_chart_distribution {
    int n;
    const double *scores;
    double bin, mark;
};

/* (6): n members (1..500) in rank order, attainment in percent (NaN: no
 * bar). Slot i: member i's name, left of the plot. */
struct kp_chart_ranked {
    int n;
    const double *attainment;
};

/* (7): n teams (1..60); values in percent when `percent`; the team at
 * `highlight` (-1: none) in the accent colour; reference: a line (NaN =
 * none). Slot i: team i's name, below the plot. */
struct kp_chart_teams {
    int n;
    const double *values;
    int highlight, percent;
    double reference;
};

enum { KP_CHART_FAILED = -1, KP_CHART_OK = 0, KP_CHART_EMPTY = 1 };

struct kp_gnuplot;

/* program: NULL for "gnuplot" (tests pass a fake). Starts nothing yet. */
struct kp_gnuplot *gnuplot_new(const char *program);
/* Ends the process (end of input, then SIGKILL after 200 ms) and frees. */
void gnuplot_free(struct kp_gnuplot *gp);
void gnuplot_set_timeout(struct kp_gnuplot *gp, int ms);
/* Where gnuplot's stderr lines go (one call per line, without newline). */
void gnuplot_set_log(struct kp_gnuplot *gp, void (*log)(void *arg, const char *line), void *arg);
/* Why the last chart failed ("" after a success). */
const char *gnuplot_error(const struct kp_gnuplot *gp);
/* The svg gnuplot wrote for the last chart (NULL if none; owned by gp,
 * valid until the next chart): for debugging and recording test data. */
const char *gnuplot_last_svg(const struct kp_gnuplot *gp, size_t *n);
/* Counters: charts attempted, failed, processes started. */
void gnuplot_stats(const struct kp_gnuplot *gp, long *charts, long *failures, long *starts);

/* Is gnuplot there? 0, or -1 after reporting (KP_FATAL, so exit status 2):
 * "gnuplot is not installed: apt-get install gnuplot-nox, or run with --no-charts" */
int chart_check_gnuplot(void);
extern const char kp_gnuplot_missing[];

int chart_revenue(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                  const struct kp_chart_box *box, const struct kp_chart_monthly *in,
                  struct kp_vg **out);
int chart_attainment(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                     const struct kp_chart_box *box, const struct kp_chart_monthly *in,
                     struct kp_vg **out);
int chart_kpis(struct kp_gnuplot *gp, const struct kp_chart_style *st,
               const struct kp_chart_box *box, const struct kp_chart_kpis *in,
               struct kp_vg **out);
int chart_funnel(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                 const struct kp_chart_box *box, const struct kp_chart_funnel *in,
                 struct kp_vg **out);
int chart_distribution(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                       const struct kp_chart_box *box, const struct kp_chart_distribution *in,
                       struct kp_vg **out);
int chart_ranked(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                 const struct kp_chart_box *box, const struct kp_chart_ranked *in,
                 struct kp_vg **out);
int chart_teams(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                const struct kp_chart_box *box, const struct kp_chart_teams *in,
                struct kp_vg **out);

/* The data-block writer every builder uses, exposed for tests: a number
 * (NaN and +-inf are written "NaN"; magnitudes are clamped to 1e15) or a
 * month ("YYYY-MM", or "NaN" when out of range), each followed by a space;
 * chart_data_eol ends the row. chart_data_safe: does a block hold only such
 * rows (each starting with a number)? 1 or 0. */
void chart_data_num(struct kp_buf *b, double v);
void chart_data_month(struct kp_buf *b, kp_month m);
void chart_data_eol(struct kp_buf *b);
int chart_data_safe(const char *block, size_t n);

#endif
