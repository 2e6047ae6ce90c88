/* field — what both input readers do with the cells of a row: ingest.c (the
 * canonical roster, metrics and targets) and crm.c (CRM exports). Cleaning a
 * cell, quoting one in a message, reading a locale, and reporting rejected
 * rows: the first few of a file are printed with their line (KP_ERROR), the
 * rest counted and summed up at the end of the file; every one is listed in
 * rejects.csv. Pure but for diag. */
#ifndef KP_FIELD_H
#define KP_FIELD_H

#include <stddef.h>

struct kp_data;
struct kp_csvrec;

/* A cell as stored: line breaks (Alt+Enter in a spreadsheet) become spaces,
 * invalid UTF-8 and other control characters U+FFFD. A new string. */
char *field_clean(const char *s);
/* The same, or NULL for an empty cell. */
char *field_opt(const char *s);
/* A cell as quoted in a reason: cleaned, cut to 60 bytes (never inside a
 * UTF-8 sequence) and marked with "…" when cut. A new string. */
char *field_shown(const char *s);
/* A locale cell: "", "en", "zh-CN", "en_US", "zh-Hans-CN" -> NULL, "en",
 * "zh", "en", "zh" (the language is all the documents need). 0, or -1 when
 * it is not a locale. */
int field_locale(const char *s, char **out);

/* Days since 1970-01-01 as YYYY-MM-DD (the as_of date in reasons). */
void field_date(long days, char out[16]);

/* The one of cands[0..n) nearest to name by edit distance over characters
 * (Unicode code points, ASCII letters in any case): "销售金额" -> "销售额",
 * "Revnue" -> "revenue". NULL when none is close (at most 2 edits, 3 for
 * names of 6 characters or more, and fewer edits than name has characters). */
const char *field_nearest(const char *name, char *const *cands, size_t n);

/* The rejected rows of one file. Zero it at the start of each file. */
struct kp_rowlog {
    long shown, hidden, outside;
};
/* Reject a row: listed in rejects.csv (counts = 0: informational, e.g. a
 * month outside the ones used; at most [output] rejects_max rows are kept,
 * the rest counted), counted on d->inputs[input] and by kind in d->kinds
 * (kind: the reason's printf format, a string literal, details left out in
 * the closing summary), and printed when it is one of the file's first ten
 * real rejections. The row is rec (its line and raw text); a row of an .xlsx
 * sheet is cited by its cell, file.xlsx:Sheet1!C17: the cell the reader
 * could not use, else the first whose value the reason quotes, else the
 * whole row (Sheet1!17:17). */
void field_reject(struct kp_data *d, struct kp_rowlog *log, const char *file, size_t input,
                  const struct kp_csvrec *rec, int counts, const char *kind, const char *msg);
/* At the end of a file: how many more rows were rejected than printed. The
 * informational ones are the caller's to word (they differ by file). */
void field_summary(const struct kp_rowlog *log, const char *file);

#endif
