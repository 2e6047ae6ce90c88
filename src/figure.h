/* figure — the charts of the documents: takes records, asks the chart engine
 * (chart.h: gnuplot, replayed as vectors) for each chart, and draws it on a
 * page with our own titles, legends and labels (names never go to gnuplot).
 *
 * The theme ([theme] in the config, validated by config_load) says which
 * charts and in what order: `charts = revenue, attainment, kpis, funnel,
 * distribution, ranked, teams` (the default; the first four are a person's,
 * drawn in reviews; the last three a team's, drawn on a packet's summary;
 * `none` = no charts), their colours (`accent`, `chart_color.<name>`), sizes
 * (`chart_font_size`, `chart_line_width`) and the time gnuplot gets per chart
 * (`chart_timeout`, ms). Titles, legends and stage names come from the
 * [chart] section of the document language's labels.ini.
 *
 * One struct kp_figures per worker process (make it after fork): it owns that
 * process's gnuplot, started on the first chart. A chart with no data is a
 * quiet "no data" note. A chart that fails is drawn as a framed "chart
 * unavailable" note and reported (KP_ERROR naming the document and the chart:
 * the document is still produced, the exit status is 1). gnuplot's own
 * messages go to the run's log only (diag_log_only), never to the terminal. */
#ifndef KP_FIGURE_H
#define KP_FIGURE_H

#include <stddef.h>

struct kp_config;
struct kp_meta;
struct kp_lang;
struct kp_pdf;
struct kp_record;
struct kp_figures;

/* Can the configured charts be drawn here? 0 when gnuplot is on PATH or the
 * theme asks for no charts; -1 after reporting (KP_FATAL, exit status 2:
 * "gnuplot is not installed: apt-get install gnuplot-nox, or run with
 * --no-charts"). Call it before anything is written. */
int figures_check(const struct kp_config *cfg);

/* The charts of cfg's theme for documents of meta's run (both must outlive
 * the result). NULL when the theme asks for no charts. Starts no process. */
struct kp_figures *figures_new(const struct kp_config *cfg, const struct kp_meta *meta);
void figures_free(struct kp_figures *fg);
/* Tests: run this program instead of "gnuplot" (before the first chart). */
void figures_set_program(struct kp_figures *fg, const char *program);

/* The person charts, in the theme's order: how many, and draw number i into
 * the box (x, y, w, h) (bottom-left corner, points): a title line at the top,
 * the chart below it. team: r's team record (the team's lines), may be NULL. */
size_t figures_person_count(const struct kp_figures *fg);
void figures_person(struct kp_figures *fg, struct kp_pdf *doc, const struct kp_lang *lang, size_t i,
                    const struct kp_record *r, const struct kp_record *team, double x, double y,
                    double w, double h);

/* The team charts of a packet's summary (t's members' scores and attainment
 * with their names, t against every team, the org as reference), flowing
 * down from *y between left and right. A chart that does not fit above
 * bottom goes to a new page: new_page(arg) must add one (with its header)
 * and leave the top of its free space in *y. *y ends below the last chart. */
void figures_team(struct kp_figures *fg, struct kp_pdf *doc, const struct kp_lang *lang,
                  const struct kp_record *t, const struct kp_record *org,
                  struct kp_record *const *teams, size_t nteams, double *y, double left,
                  double right, double bottom, void (*new_page)(void *arg), void *arg);

/* Time spent and charts drawn so far (measurements): ms in the chart engine
 * (gnuplot and the svg reader), ms replaying onto pages, charts, failures. */
void figures_stats(const struct kp_figures *fg, double *engine_ms, double *replay_ms, long *charts,
                   long *failures);

#endif
