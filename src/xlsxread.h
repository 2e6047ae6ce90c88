/* xlsxread — an .xlsx worksheet as the records the CSV reader delivers.
 *
 * An .xlsx workbook is a zip of XML parts: libzip opens it (from memory: the
 * bytes are fed like a CSV file's), expat parses the parts as they are
 * inflated. The sheet is the first one in workbook.xml's order, or the one
 * named by `[input] sheet`. Each row with a value becomes one struct
 * kp_csvrec (csvread.h): `line` is the row number, the fields are the cells
 * from column A to the last one (the header row's width at least; absent
 * cells are ""), `raw` the cells joined with commas, `sheet` the sheet's
 * name (so messages cite `file.xlsx:Sheet1!C17`). Cells:
 *   - shared strings (runs of a rich-text <si> concatenated, phonetic runs
 *     left out), inline strings and formula text results: the text;
 *   - numbers: the stored digits as written; booleans TRUE / FALSE;
 *   - a number whose style is a date format (built-in 14–22, 45–47, or a
 *     custom code with d, m or y outside quotes and brackets): the ISO date
 *     YYYY-MM-DD, or YYYY-MM when the format shows no day (1900 system,
 *     1904 when the workbook says so; serial 60, Excel's 29 Feb 1900, is an
 *     error);
 *   - an error value (#N/A, #DIV/0!, …): the row is rejected with the cell.
 * Limits (a zip bomb or a sheet that never ends is refused, not read):
 * KP_XLSX_MAX_FILE bytes of workbook, KP_XLSX_MAX_PART bytes of each part
 * once inflated, columns up to XFD (16384), and csvread.h's limits per field
 * and per record.
 *
 * struct kp_tabread picks the reader for one input file: an .xlsx (by its
 * name or its first bytes, "PK\3\4") or CSV; a legacy .xls is refused. */
#ifndef KP_XLSXREAD_H
#define KP_XLSXREAD_H

#include <stddef.h>

#include "csvread.h"

#define KP_XLSX_MAX_FILE (256L * 1024 * 1024) /* bytes of the workbook file */
#define KP_XLSX_MAX_PART (256L * 1024 * 1024) /* bytes of one part, inflated */
#define KP_XLSX_MAX_COLS 16384                /* A..XFD, as in Excel */

struct kp_xlsxread;

/* sheet: NULL for the first sheet. */
struct kp_xlsxread *xlsxread_new(const char *sheet, kp_csv_fn fn, void *ctx);
/* The workbook's bytes, in chunks of any size (kept in memory, up to
 * KP_XLSX_MAX_FILE). */
void xlsxread_feed(struct kp_xlsxread *r, const void *bytes, size_t n);
/* Read the sheet, delivering its records. NULL, or why the workbook cannot
 * be read at all (valid until xlsxread_free). */
const char *xlsxread_end(struct kp_xlsxread *r);
/* No more callbacks (e.g. after a bad header). */
void xlsxread_stop(struct kp_xlsxread *r);
void xlsxread_free(struct kp_xlsxread *r);

/* "C17" style name of a cell: col 1-based (1 = A). out: at least 24 bytes. */
void xlsx_cell_name(long col, long row, char *out, size_t n);

/* ---- a CSV or an .xlsx input file ---- */

struct kp_tabread;

/* name: the file's name (".xlsx" or ".xls" at its end, any case, decides;
 * otherwise the first bytes do). encoding, delim: csvread_new's; sheet:
 * xlsxread_new's. NULL with *err set (a new string) when the encoding is
 * unknown. */
struct kp_tabread *tabread_new(const char *name, const char *encoding, char delim,
                               const char *sheet, kp_csv_fn fn, void *ctx, char **err);
void tabread_feed(struct kp_tabread *t, const void *bytes, size_t n);
/* End of input. NULL, or why the file cannot be read at all. */
const char *tabread_end(struct kp_tabread *t);
void tabread_stop(struct kp_tabread *t);
void tabread_free(struct kp_tabread *t);

#endif
