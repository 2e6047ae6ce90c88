/* figure — the charts of the documents: takes records, asks the chart engine
 * (chart.h: gnuplot, replayed as vectors) for each chart, and draws it on a
 * page with our own titles, legends and labels (names never go to gnuplot).
 *
 * One struct kp_figures per worker process: it owns that process's gnuplot.
 * A chart that fails is drawn as a framed "chart unavailable" note, reported
 * (KP_ERROR: the review is still produced, the exit status is 1). */
#ifndef KP_FIGURE_H
#define KP_FIGURE_H

#include <stddef.h>

struct kp_config;
struct kp_meta;
struct kp_lang;
struct kp_pdf;
struct kp_record;
struct kp_figures;

/* NULL (reported, KP_FATAL) when gnuplot is missing. */
struct kp_figures *figures_new(const struct kp_config *cfg, const struct kp_meta *meta);
void figures_free(struct kp_figures *fg);

/* The person charts, in the theme's order: how many, and draw number i into
 * the box (x, y, w, h) (bottom-left corner, points). */
size_t figures_person_count(const struct kp_figures *fg);
void figures_person(struct kp_figures *fg, struct kp_pdf *doc, const struct kp_lang *lang,
                    size_t i, const struct kp_record *r, const struct kp_record *team, double x,
                    double y, double w, double h);

/* The team charts of a packet's summary, flowing down from *y (updated). */
void figures_team(struct kp_figures *fg, struct kp_pdf *doc, const struct kp_lang *lang,
                  const struct kp_record *t, const struct kp_record *org,
                  struct kp_record *const *teams, size_t nteams, double *y, double left,
                  double right, double bottom);

#endif
