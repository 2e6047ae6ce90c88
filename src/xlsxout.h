/* xlsxout — OUTDIR/results.xlsx, the tables as one Excel workbook, written
 * with libxlsxwriter as the records stream past tables.c (constant_memory:
 * rows in order, memory flat however many people).
 *
 * Sheets: Scores (scores.csv's columns), KPIs (one row per person, a value
 * and an attainment column per KPI), Teams (teams.csv), Coaching
 * (coaching.csv), Rejects (rejects.csv); a table longer than a sheet holds
 * goes on in "Coaching 2", "Coaching 3" …, added where its rows reach the
 * limit (so after the sheets already there). Every sheet has a frozen, filtered
 * header row and column widths fitted to its text. Numbers are numbers with
 * real formats (the KPI's [kpi.ID] format: percent, currency in [org]
 * currency, days, score, number; attainment as %); n/a is an empty cell,
 * never 0. Text is always a string cell (never a formula, whatever it starts
 * with); invalid UTF-8 and control characters other than tab and newline
 * become U+FFFD, and a text longer than Excel's 32,767 characters is cut.
 * The band cell is filled with the band's colour ([band.ID] color).
 *
 * The workbook is deterministic: its creation time is the run's document
 * date (meta doc_date), and the zip entries carry libxlsxwriter's fixed
 * date. It is written under a temporary name (sys.h out_open) and renamed
 * into place by xlsx_commit, together with the other tables.
 *
 * On by default; [output] xlsx = no turns it off (xlsx_wanted). */
#ifndef KP_XLSXOUT_H
#define KP_XLSXOUT_H

#include "config.h"

#include <stddef.h>

struct kp_data;
struct kp_meta;
struct kp_record;
struct kp_xlsx;

/* [output] xlsx: 1 unless it says no (config.c checks the value). */
int xlsx_wanted(const struct kp_config *cfg);

/* Start OUTDIR/results.xlsx; NULL when it cannot be created (reported). */
struct kp_xlsx *xlsx_open(const char *outdir, const struct kp_config *cfg,
                          const struct kp_meta *meta);
void xlsx_person(struct kp_xlsx *x, const struct kp_record *r);
void xlsx_group(struct kp_xlsx *x, const struct kp_record *r);
void xlsx_rejects(struct kp_xlsx *x, const struct kp_data *d);
/* Write the workbook to its temporary file: 0, or -1 (reported; x is then
 * aborted and freed). */
int xlsx_finish(struct kp_xlsx *x);
/* After xlsx_finish: rename into place; frees x. 0 or -1 (reported). */
int xlsx_commit(struct kp_xlsx *x);
void xlsx_abort(struct kp_xlsx *x); /* removes the temporary file; NULL is fine */

/* Rows a sheet holds, header included (default and most: Excel's
 * 1,048,576); a longer table goes on in "Coaching 2", "Coaching 3" … For the
 * unit test. */
void xlsx_set_max_rows(struct kp_xlsx *x, unsigned rows);

/* Helpers, exposed for the unit test. */
/* The Excel number format for a value of format f shown with decimals
 * (-1 = the format's default, as lang_value shows it) in currency. */
void xlsx_numfmt(char *out, size_t n, enum kp_format f, int decimals, const char *currency);
/* s as a cell may hold it: a new string (see above); NULL for NULL. */
char *xlsx_text(const char *s);
/* Display width of a text: code points, East Asian wide ones counting 2. */
size_t xlsx_width(const char *s);

#endif
