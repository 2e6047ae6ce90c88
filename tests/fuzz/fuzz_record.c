/* fuzz_record — the results.json reader (record.h): the compute -> render
 * hand-over, which render reads back from OUTDIR (a file a user may have
 * edited, truncated or replaced).
 *
 * Input: lines; the first is the meta line, every later one a record. A
 * line is read or refused with a message, never both. What is read writes
 * back and reads again to the same bytes (the round trip record.h
 * promises). */
#include "fuzz.h"

#include "record.h"

static void round_trip_meta(const struct kp_meta *m)
{
    struct kp_buf a = {0}, b = {0};
    meta_write_json(m, &a);
    struct kp_meta m2;
    char err[256];
    FUZZ_CHECK(meta_read_json(a.s, &m2, err, sizeof err) == 0, "meta %s does not read back: %s",
               a.s, err);
    meta_write_json(&m2, &b);
    FUZZ_CHECK(strcmp(a.s, b.s) == 0, "meta round trip:\n%s\n%s", a.s, b.s);
    meta_free(&m2);
    buf_free(&a), buf_free(&b);
}

static void round_trip(const struct kp_record *r, const struct kp_meta *m)
{
    struct kp_buf a = {0}, b = {0};
    record_write_json(r, m, &a);
    char err[256];
    struct kp_record *r2 = record_read_json(a.s, m, err, sizeof err);
    FUZZ_CHECK(r2 != NULL, "record %.3000s does not read back: %s", a.s, err);
    record_write_json(r2, m, &b);
    FUZZ_CHECK(strcmp(a.s, b.s) == 0, "record round trip:\n%.3000s\n%.3000s", a.s, b.s);
    record_free(r2);
    buf_free(&a), buf_free(&b);
}

/* The line at *p (cut at its newline), *p moved past it; NULL at the end. */
static char *next_line(char **p)
{
    char *line = *p;
    if (!line)
        return NULL;
    char *nl = strchr(line, '\n');
    if (nl)
        *nl = '\0';
    *p = nl ? nl + 1 : NULL;
    return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024 * 1024)
        return 0;
    fuzz_quiet();
    char *text = fuzz_str(data, size), *next = text;
    char *line = next_line(&next);
    struct kp_meta m;
    char err[256];
    err[0] = '\0';
    if (meta_read_json(line, &m, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0], "meta refused without a message");
        free(text);
        return 0;
    }
    round_trip_meta(&m);
    while ((line = next_line(&next)) != NULL) {
        err[0] = '\0';
        struct kp_record *r = record_read_json(line, &m, err, sizeof err);
        if (!r) {
            FUZZ_CHECK(err[0], "record refused without a message");
            continue;
        }
        round_trip(r, &m);
        record_free(r);
    }
    meta_free(&m);
    free(text);
    return 0;
}
