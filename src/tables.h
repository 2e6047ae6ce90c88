/* tables — the CSV and JSON tables of SPEC.md, written row by row as the
 * records stream past (results.csv, scores.csv, teams.csv, coaching.csv,
 * rejects.csv, results.json), and the CSV cell rules every CSV we write obeys:
 * UTF-8, RFC 4180 quoting, a header row, numbers in plain machine form, and a
 * text cell starting with = + - @ (or a tab or CR) prefixed with ' so a
 * spreadsheet never runs it. The same rows go to results.xlsx (xlsxout.h)
 * unless [output] xlsx = no.
 *
 * tables_open() creates every file under temporary names; tables_commit()
 * renames them all into place (or tables_abort() removes them). */
#ifndef KP_TABLES_H
#define KP_TABLES_H

#include <stdio.h>

struct kp_buf;
struct kp_config;
struct kp_data;
struct kp_meta;
struct kp_record;
struct kp_tables;

/* Append one CSV cell (no separator). is_text: apply the formula guard. */
void csv_cell(struct kp_buf *b, const char *s, int is_text);
void csv_num(struct kp_buf *b, double v); /* plain form, empty for NaN */

struct kp_tables *tables_open(const char *outdir, const struct kp_config *cfg,
                              const struct kp_meta *meta);
void tables_person(struct kp_tables *t, const struct kp_record *r);
void tables_group(struct kp_tables *t, const struct kp_record *r);
/* rejects.csv from the data's reject list. */
void tables_rejects(struct kp_tables *t, const struct kp_data *d);
int tables_commit(struct kp_tables *t); /* 0, or -1 (reported) */
void tables_abort(struct kp_tables *t);

#endif
