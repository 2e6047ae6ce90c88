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

/* Dates as people write them: the one rule for [input] date_format (roster
 * and metrics) and [crm] date_format (docs/config.md, "Dates"). A mask of: */
enum {
    KP_DATE_ISO = 1,   /* YYYY-MM-DD (also YYYY/M/D, YYYY.M.D) */
    KP_DATE_MDY = 2,   /* M/D/YYYY (also M-D-YYYY, M.D.YYYY) */
    KP_DATE_DMY = 4,   /* D/M/YYYY (also D-M-YYYY, D.M.YYYY) */
    KP_DATE_CJK = 8,   /* YYYY年M月D日 */
    KP_DATE_EXCEL = 16 /* an Excel serial day number (1900 system), e.g. 46082 */
};
/* "M/D/YYYY, excel" -> mask. Names (any case): ISO, YYYY-MM-DD, M/D/YYYY,
 * MDY, D/M/YYYY, DMY, YYYY年M月D日, CJK, excel. M/D/YYYY and D/M/YYYY
 * together are refused (03/04/2017 would be a guess). 0, or -1 with *err a
 * new sentence. */
int field_date_formats(const char *spec, unsigned *mask, char **err);
/* A date in one of the formats of mask, optionally followed by a time
 * ("14:30", "2:30 PM", "T14:30:00Z", "+08:00": ignored, the date is the date
 * as written). Spaces around are ignored. 0 (*days = days since 1970-01-01),
 * 1 when empty, -1 when not a date of those formats (or not a real day). */
int field_date_parse(const char *s, unsigned mask, long *days);
/* The formats a cell of rec may be in: mask, and ISO for a workbook's cells
 * (xlsxread.c writes a date cell as YYYY-MM-DD whatever date_format says). */
unsigned field_cell_formats(unsigned mask, const struct kp_csvrec *rec);
/* "M/D/YYYY or an Excel serial number" (a new string). */
char *field_date_want(unsigned mask);
/* A month (the metrics' period): YYYY-MM always; then per format of mask
 * its month without the day (ISO: YYYY/MM, YYYY.MM, two digits, as "2026-1"
 * may be "2026-12" cut short; M/D/YYYY and
 * D/M/YYYY: M/YYYY, M-YYYY, M.YYYY; YYYY年M月D日: YYYY年M月), or any day of
 * the month in a format of mask (2026-05-31, 5/1/2026, an Excel serial):
 * the month it falls in. Spaces around are ignored. 0 (*month = year * 12 +
 * month - 1), 1 when empty, -1 when not such a month. */
int field_month(const char *s, unsigned mask, int *month);
/* "YYYY-MM, M/YYYY or a day of the month (M/D/YYYY)" (a new string). */
char *field_month_want(unsigned mask);

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
