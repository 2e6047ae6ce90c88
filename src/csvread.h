/* csvread — a streaming CSV reader: bytes in, one record at a time out.
 *
 * Takes the bytes of one file in chunks of any size (1 byte works), converts
 * them to UTF-8 with iconv when an encoding is named (or UTF-16 when no
 * encoding is named and the file starts with a UTF-16 byte-order mark, as
 * Excel's "Unicode text" does), strips a UTF-8 byte-order mark, detects the delimiter from the
 * header line when none is given (the most frequent of , ; TAB outside quotes; ',' on a tie or when
 * there is none), and parses RFC 4180 with libcsv (strict). Line ends may be CRLF, LF or a lone CR.
 * Empty lines are skipped.
 *
 * Gives each record to the caller's callback as a struct kp_csvrec: the fields
 * (NUL-terminated UTF-8; unquoted fields have their leading and trailing
 * spaces and tabs removed, quoted ones are kept as they are), the line the
 * record starts on (1-based, counting line breaks inside quoted fields), and
 * its raw text for rejects.csv. A record that cannot be used carries an error
 * instead of fields:
 *   - an unterminated quoted field at the end of the file (with the line
 *     where the quote opened), or bad quoting (a quote inside an unquoted
 *     field, text after a closing quote: the rest of that line is skipped);
 *   - a NUL byte, a field over KP_CSV_MAX_FIELD bytes, more than
 *     KP_CSV_MAX_FIELDS fields, or a record over KP_CSV_MAX_RECORD bytes
 *     (memory stays bounded: nothing beyond the limits is kept);
 *   - invalid UTF-8 (when no encoding is named), or bytes the named encoding
 *     cannot convert.
 * Memory does not grow with the number of records.
 *
 * Everything a record points to belongs to the reader and is valid only
 * during the callback. The caller owns the reader (csvread_free). */
#ifndef KP_CSVREAD_H
#define KP_CSVREAD_H

#include <stddef.h>

#define KP_CSV_MAX_FIELD  (1024 * 1024)       /* bytes in one field */
#define KP_CSV_MAX_FIELDS 10000               /* fields in one record */
#define KP_CSV_MAX_RECORD (16L * 1024 * 1024) /* bytes of all fields of one record */
#define KP_CSV_MAX_RAW    8192                /* bytes of raw text kept per record */

struct kp_csvrec {
    char **field;      /* nfield strings; NULL when error is set */
    size_t nfield;     /* 0 when error is set */
    long line;         /* line where the record starts */
    const char *raw;   /* the record as read (UTF-8 after conversion, line breaks
                        * as "\n", not validated): at most KP_CSV_MAX_RAW bytes,
                        * then "…" */
    const char *error; /* NULL, or why the record cannot be used */
    const char *sheet; /* NULL (CSV), or the .xlsx worksheet the row is on
                        * (xlsxread.h): messages cite its cells, Sheet1!C17 */
    long col;          /* with error and sheet: the cell's column (1 = A), or 0 */
};

/* Called once per record, in file order. */
typedef void (*kp_csv_fn)(void *ctx, const struct kp_csvrec *rec);

struct kp_csvread;

/* encoding: NULL or "UTF-8" = no conversion; else an iconv name ("GBK",
 * "GB18030", "UTF-16LE", …). delim: ',', ';', '\t', or 0 to detect.
 * Returns NULL when the encoding is unknown; then *err (if err is not NULL)
 * is a new string saying so (the caller frees it). */
struct kp_csvread *csvread_new(const char *encoding, char delim, kp_csv_fn fn, void *ctx,
                               char **err);
void csvread_feed(struct kp_csvread *r, const void *bytes, size_t n);
/* End of input: delivers the last record. Further feeds are ignored. */
void csvread_end(struct kp_csvread *r);
/* Ignore all further input (e.g. after a bad header); no more callbacks. */
void csvread_stop(struct kp_csvread *r);
/* The delimiter in use: the configured one, the detected one, or 0 while the
 * header line is still incomplete. */
char csvread_delim(const struct kp_csvread *r);
void csvread_free(struct kp_csvread *r);

#endif
