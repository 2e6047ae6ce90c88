/* ingest — the input files (roster, metrics, optional targets) into a
 * struct kp_data.
 *
 * Pure: the caller feeds the bytes of each file in chunks (any size, so files
 * are streamed and never held whole); ingest converts the encoding with iconv,
 * parses CSV with libcsv (csvread.h), maps headers through the config's
 * [columns] (case-insensitive, after trimming; the canonical name is tried
 * when the mapped one is absent), parses numbers and periods, and fills
 * kp_data. Memory grows with the people and the rejected rows kept (at most
 * [output] rejects_max; the rest are counted), not with the metrics rows read.
 *
 * Every column the config names for a file ([columns], [input] extra and
 * keep) must be in it: otherwise KP_FATAL at the config's line, with the
 * nearest header by characters (field_nearest). At ingest_finish, a column a
 * KPI's formula, an idle alert or the commission basis needs that no input
 * has (neither a metrics file nor ingest_derived) is KP_FATAL at that key's
 * line, unless the KPI says missing = allow (then d->nodata marks it). With
 * [review] as_of, a metrics row for a month after as_of's keeps only its
 * [input] plan cells (quota); if it has an actual it is rejected ("after
 * as_of …", counts = 1).
 *
 * Every row that is not used is added to kp_data.rejects with the file's
 * name, its line (where the record starts) and a reason a person understands;
 * the first 10 of each file are also printed (KP_ERROR), the rest summed up
 * in one message. A row for a month outside m0..to is an informational reject
 * (counts = 0) with one KP_NOTE per file. Rows whose cells are all empty (a
 * spreadsheet's blank rows) are skipped without a word and not counted.
 * A metrics or targets row (or a manager_id) naming someone whose roster row
 * was rejected says so, with that line, instead of "unknown rep_id".
 * A whole-file problem (no header, a duplicate or missing required column, an
 * unknown encoding) is reported at KP_FATAL: that file's ingest_end and
 * ingest_finish return -1.
 *
 * Order: roster first (ingest_begin .. ingest_feed .. ingest_end for
 * KP_IN_ROSTER), then metrics, then targets (each optional after the roster).
 * The roster's ingest_end validates it as a whole: unknown managers and
 * manager cycles (KP_ERROR; the person is kept, the link dropped), then sorts
 * people by (team, rep_id), builds teams and the by_id index, and lays out
 * the months (m0 = from - history .. to, every cell NaN = missing). Metrics
 * rows are placed as they arrive. If the roster was unusable, later files
 * are not read.
 *
 * What a person holds: rep_id, name, team as in the file (trimmed, control
 * characters replaced, line breaks as spaces); role = the config's role id
 * (matched case-insensitively); email, manager_id, hire_date NULL when empty;
 * manager_id NULL too when its link was dropped (then mgr = -1); locale the
 * language code ("zh" from "zh-CN") or NULL for the config's default; extra[i]
 * the cfg->keep_cols[i] column, NULL when empty or absent.
 *
 * kp_data.inputs gets one entry per ingest_begin (name, rows, used,
 * rejected; rows = used + rejected); size and sha256 are the caller's. */
#ifndef KP_INGEST_H
#define KP_INGEST_H

#include <stddef.h>

struct kp_config;
struct kp_data;

enum kp_input { KP_IN_ROSTER, KP_IN_METRICS, KP_IN_TARGETS };

struct kp_ingest;

/* d must be zeroed; it is filled as files are fed. cfg must outlive the
 * ingest. */
struct kp_ingest *ingest_new(const struct kp_config *cfg, struct kp_data *d);
/* name: the file as shown in messages and rejects.csv. */
void ingest_begin(struct kp_ingest *in, enum kp_input which, const char *name);
void ingest_feed(struct kp_ingest *in, const void *bytes, size_t n);
/* End of this file. Returns 0, or -1 when the file as a whole was unusable
 * (reported at KP_FATAL). */
int ingest_end(struct kp_ingest *in);
/* The caller could not read a file at all (and reported it): ingest_finish
 * will return -1 without further messages. */
void ingest_fail(struct kp_ingest *in);
/* After all files: 0, or -1 when a file was unusable or nobody is left to
 * review (reported). Warns when no metrics row fell in the months used.
 * Frees in; d stays the caller's (data_free). */
int ingest_finish(struct kp_ingest *in);

/* People and values from another stage (the CRM export, crm.h).
 *
 * Instead of a roster file, a stage that builds the people itself hands them
 * over between ingest_people_begin and ingest_people_end; name is the file
 * they came from (messages about managers and manager cycles name it, with
 * each person's line). That stage counts its own rows and rejects
 * (data_add_input, data_reject). ingest_person copies p's strings: rep_id,
 * name and team are required, role_idx is an index into cfg->roles (p->role
 * is ignored), manager_id a rep_id or NULL, hire_date YYYY-MM-DD or NULL,
 * extra NULL or cfg->nkeep_cols strings; mgr and team_idx are ignored. It
 * returns -1 (nothing added) when the rep_id is taken or the people are
 * already closed.
 * ingest_people_end closes the people, from a roster file or from
 * ingest_person (managers linked, cycles broken, people sorted and indexed,
 * months laid out; idempotent): 0, or -1 when there is no usable roster.
 * ingest_derived marks a metric column as filled by the other stage, before
 * any metrics file: a metrics file's column of that name is not read (a note
 * says so) and no warning says it is missing. After ingest_people_end,
 * ingest_value sets one cell (person index in d->people, month index from
 * d->m0, column index) and ingest_target a person's target for a KPI, as a
 * targets file row would. */
void ingest_people_begin(struct kp_ingest *in, const char *name);
struct kp_person;
int ingest_person(struct kp_ingest *in, const struct kp_person *p);
int ingest_people_end(struct kp_ingest *in);
void ingest_derived(struct kp_ingest *in, size_t col);
void ingest_value(struct kp_ingest *in, size_t person, int month, size_t col, double v);
void ingest_target(struct kp_ingest *in, size_t person, size_t kpi, double t);

/* Numbers as they come out of spreadsheets: "1,234.5", "$1,234", "¥1,234",
 * "1,234 USD", "12.5%" (-> 0.125), "(1,234)" (-> -1234), "-7", "+7", " 42 ",
 * "1.5e3". Thousands separators only in groups of three; currency signs and
 * codes ($ US$ ¥ ￥ € £ 元 USD CNY RMB EUR GBP, any case) before or after
 * the number, with or without a space; a sign before or after a leading
 * currency; spaces, no-break and ideographic spaces around it. An empty
 * string or only spaces is missing (returns 1, *out untouched). 0 on success
 * (never -0); -1 when it is not a number (NaN, inf, hex, "12,3x", "1.2.3",
 * 1e400, a currency or % alone, over 300 characters …). decimal_comma swaps
 * the roles of ',' and '.'. C locale only. */
int ingest_number(const char *s, int decimal_comma, double *out);

#endif
