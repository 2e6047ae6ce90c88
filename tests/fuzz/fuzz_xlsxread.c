/* fuzz_xlsxread — the .xlsx reader (xlsxread.h).
 *
 * Input: the workbook's bytes (the seeds are small workbooks written by
 * openpyxl; the fuzzer mutates their zip and, through libzip's stored
 * entries, their XML). Byte 0 also picks the sheet asked for (none, the
 * first seed's name, or one that is absent) and whether the bytes are fed
 * whole or one chunk of 7 at a time: both feedings must give the same
 * records. Every record keeps csvread.h's promises: an error xor fields,
 * valid UTF-8 within the limits, rows that only grow, bounded raw text, the
 * sheet named. */
#include "fuzz.h"

#include "xlsxread.h"

struct seen {
    struct kp_buf log;
    long last_line;
};

static void on_rec(void *ctx, const struct kp_csvrec *r)
{
    struct seen *s = ctx;
    FUZZ_CHECK(r->line > s->last_line, "row %ld after %ld", r->line, s->last_line);
    s->last_line = r->line;
    FUZZ_CHECK(r->raw != NULL && strlen(r->raw) <= KP_CSV_MAX_RAW + 3, "raw");
    FUZZ_CHECK(r->sheet != NULL, "no sheet");
    buf_printf(&s->log, "%ld|%s|%ld|", r->line, r->error ? r->error : "", r->col);
    if (r->error) {
        FUZZ_CHECK(r->field == NULL && r->nfield == 0, "error with fields");
        return;
    }
    FUZZ_CHECK(r->nfield >= 1 && r->nfield <= KP_XLSX_MAX_COLS, "%zu fields", r->nfield);
    for (size_t i = 0; i < r->nfield; i++) {
        size_t n = strlen(r->field[i]);
        FUZZ_CHECK(n <= KP_CSV_MAX_FIELD, "field of %zu bytes", n);
        FUZZ_CHECK(utf8_valid(r->field[i], n), "field %zu is not UTF-8", i);
        buf_printf(&s->log, "%zu:", n);
        buf_add(&s->log, r->field[i], n);
    }
    buf_addc(&s->log, '\n');
}

static char *read_all(const uint8_t *data, size_t size, const char *sheet, size_t chunk)
{
    struct seen s = {{0}, 0};
    buf_adds(&s.log, "");
    struct kp_xlsxread *r = xlsxread_new(sheet, on_rec, &s);
    for (size_t i = 0; i < size; i += chunk)
        xlsxread_feed(r, data + i, size - i < chunk ? size - i : chunk);
    const char *err = xlsxread_end(r);
    buf_printf(&s.log, "end|%s", err ? err : "");
    xlsxread_free(r);
    return buf_steal(&s.log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const sheets[] = {NULL, "Sheet1", "名单", NULL};
    const char *sheet = sheets[data[0] & 3];
    data++, size--;
    char *whole = read_all(data, size, sheet, size ? size : 1);
    if (data[-1] & 4) {
        char *chunked = read_all(data, size, sheet, 7);
        FUZZ_CHECK(strcmp(whole, chunked) == 0, "chunked reading differs");
        free(chunked);
    }
    free(whole);
    return 0;
}
