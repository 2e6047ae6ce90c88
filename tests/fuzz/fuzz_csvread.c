/* fuzz_csvread — the streaming CSV reader (csvread.h).
 *
 * Input: byte 0 picks the encoding and delimiter, byte 1 the chunk size;
 * the rest is the file. The file is read twice — whole, and in chunks — and
 * both readings must give the same records (a chunk boundary must never
 * change what is read). Every record keeps the promises of csvread.h: an
 * error xor fields, valid UTF-8 fields within the limits, lines that only
 * grow, raw text bounded. */
#include "fuzz.h"

#include "csvread.h"

struct seen {
    struct kp_buf log; /* every record, serialised */
    long last_line;
};

static void on_rec(void *ctx, const struct kp_csvrec *r)
{
    struct seen *s = ctx;
    FUZZ_CHECK(r->line >= s->last_line && r->line >= 1, "line %ld after %ld", r->line,
               s->last_line);
    s->last_line = r->line;
    FUZZ_CHECK(r->raw != NULL, "raw is NULL");
    FUZZ_CHECK(strlen(r->raw) <= KP_CSV_MAX_RAW + 3, "raw of %zu bytes", strlen(r->raw));
    buf_printf(&s->log, "%ld|%s|", r->line, r->error ? r->error : "");
    if (r->error) {
        FUZZ_CHECK(r->field == NULL && r->nfield == 0, "error with fields");
        return;
    }
    FUZZ_CHECK(r->nfield >= 1 && r->nfield <= KP_CSV_MAX_FIELDS, "%zu fields", r->nfield);
    for (size_t i = 0; i < r->nfield; i++) {
        size_t n = strlen(r->field[i]);
        FUZZ_CHECK(n <= KP_CSV_MAX_FIELD, "field of %zu bytes", n);
        FUZZ_CHECK(utf8_valid(r->field[i], n), "field %zu is not UTF-8", i);
        buf_printf(&s->log, "%zu:", n);
        buf_add(&s->log, r->field[i], n);
    }
    buf_addc(&s->log, '\n');
}

static const char *const encodings[] = {NULL, "UTF-8", "GBK", "UTF-16LE"};
static const char delims[] = {0, ',', ';', '\t'};

static void read_all(const uint8_t *p, size_t n, const char *enc, char delim, size_t chunk,
                     struct seen *s)
{
    memset(s, 0, sizeof *s);
    buf_adds(&s->log, "");
    struct kp_csvread *r = csvread_new(enc, delim, on_rec, s, NULL);
    FUZZ_CHECK(r != NULL, "encoding %s refused", enc ? enc : "(none)");
    for (size_t i = 0; i < n; i += chunk)
        csvread_feed(r, p + i, n - i < chunk ? n - i : chunk);
    csvread_end(r);
    buf_printf(&s->log, "delim=%d\n", csvread_delim(r));
    csvread_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    fuzz_quiet();
    const char *enc = encodings[data[0] & 3];
    char delim = delims[(data[0] >> 2) & 3];
    size_t chunk = 1 + data[1] % 64;
    data += 2, size -= 2;
    struct seen whole, parts;
    read_all(data, size, enc, delim, size ? size : 1, &whole);
    read_all(data, size, enc, delim, chunk, &parts);
    FUZZ_CHECK(whole.log.len == parts.log.len && memcmp(whole.log.s, parts.log.s, whole.log.len) == 0,
               "chunks of %zu bytes read differently:\n--- whole\n%.2000s\n--- chunked\n%.2000s",
               chunk, whole.log.s, parts.log.s);
    buf_free(&whole.log);
    buf_free(&parts.log);
    return 0;
}
