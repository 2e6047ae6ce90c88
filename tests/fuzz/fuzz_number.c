/* fuzz_number — the small text parsers every input cell goes through:
 * ingest_number (spreadsheet numbers), parse_long/parse_double, month_parse,
 * date_parse, the CRM dates (crm_date, crm_date_formats), crm_key and
 * crm_rep_id, safe_name and utf8_clean.
 *
 * Input: byte 0 chooses decimal comma and the CRM date mask; the rest is the
 * cell. Invariants: a number is finite and never -0; a month or a date
 * formats back to what was read; a key is a fixed point of crm_key; a rep_id
 * and a safe name keep only the characters they promise; utf8_clean gives
 * valid UTF-8 without control characters. */
#include "fuzz.h"

#include "crm.h"
#include "ingest.h"
#include "model.h"

#include <math.h>

static void numbers(const char *s, int dc)
{
    double v = 12345;
    int rc = ingest_number(s, dc, &v);
    FUZZ_CHECK(rc >= -1 && rc <= 1, "rc %d", rc);
    if (rc == 0) {
        FUZZ_CHECK(isfinite(v) && !(v == 0 && signbit(v)), "ingest_number gave %g", v);
        /* What we write (fmt_plain) reads back the same. */
        char buf[64];
        fmt_plain(buf, sizeof buf, v);
        double w = 0;
        FUZZ_CHECK(ingest_number(buf, 0, &w) == 0 && w == v, "\"%s\" does not read back", buf);
    }
    if (rc == 1)
        FUZZ_CHECK(v == 12345, "missing changed *out");
    long l;
    (void)parse_long(s, &l);
    if (parse_double(s, &v) == 0)
        FUZZ_CHECK(isfinite(v), "parse_double gave %g", v);
}

static void dates(const char *s, unsigned mask)
{
    kp_month m;
    if (month_parse(s, &m) == 0) {
        char out[8];
        month_format(m, out);
        FUZZ_CHECK(strcmp(out, s) == 0, "month \"%s\" formats as \"%s\"", s, out);
    }
    long days;
    if (date_parse(s, &days) == 0) {
        int y, mo, d;
        date_split(days, &y, &mo, &d);
        char out[16];
        snprintf(out, sizeof out, "%04d-%02d-%02d", y, mo, d);
        FUZZ_CHECK(strcmp(out, s) == 0, "date \"%s\" is %s", s, out);
        long again;
        FUZZ_CHECK(crm_date(s, KP_DATE_ISO, &again) == 0 && again == days, "crm_date ISO \"%s\"",
                   s);
    }
    int rc = crm_date(s, mask, &days);
    FUZZ_CHECK(rc >= -1 && rc <= 1, "crm_date rc %d", rc);
    if (rc == 0) {
        int y, mo, d;
        date_split(days, &y, &mo, &d);
        FUZZ_CHECK(y >= 1000 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 &&
                       d <= month_days(y * 12 + mo - 1),
                   "crm_date \"%s\" gave %d-%d-%d", s, y, mo, d);
    }
    unsigned got;
    char *err = NULL;
    if (crm_date_formats(s, &got, &err) == 0)
        FUZZ_CHECK(err == NULL && got != 0, "formats \"%s\" gave no mask", s);
    else
        FUZZ_CHECK(err != NULL, "formats \"%s\" refused without a reason", s);
    free(err);
}

static void names(const char *s)
{
    for (int stage = 0; stage < 2; stage++) {
        char *k = crm_key(s, stage), *k2 = crm_key(k, stage);
        FUZZ_CHECK(utf8_valid(k, strlen(k)), "key not UTF-8");
        FUZZ_CHECK(strcmp(k, k2) == 0, "crm_key is not idempotent: \"%s\" -> \"%s\"", k, k2);
        char *id = crm_rep_id(k);
        FUZZ_CHECK(*id, "empty rep_id");
        for (const char *p = id; *p; p++)
            FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-',
                       "rep_id \"%s\"", id);
        free(k), free(k2), free(id);
    }
    char *n = safe_name(s, 1); /* the ASCII rule ([output] ascii_names) */
    size_t len = strlen(n);
    FUZZ_CHECK(len >= 1 && len <= 100 && n[0] != '.', "safe_name \"%s\"", n);
    for (const char *p = n; *p; p++)
        FUZZ_CHECK((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                       (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-',
                   "safe_name \"%s\"", n);
    free(n);
    for (int nl = 0; nl < 2; nl++) {
        int bad = 0;
        char *c = utf8_clean(s, strlen(s), nl, &bad);
        FUZZ_CHECK(utf8_valid(c, strlen(c)), "utf8_clean gave invalid UTF-8");
        const char *p = c, *e = c + strlen(c);
        while (p < e) {
            int32_t cp = utf8_next(&p, e);
            FUZZ_CHECK(cp >= 0x20 || (nl && cp == '\n'), "control U+%04X kept", (unsigned)cp);
            FUZZ_CHECK(cp < 0x7F || cp > 0x9F, "control U+%04X kept", (unsigned)cp);
        }
        free(c);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    fuzz_quiet();
    int dc = data[0] & 1;
    unsigned mask = (data[0] >> 1) & 31;
    if ((mask & KP_DATE_MDY) && (mask & KP_DATE_DMY))
        mask &= ~(unsigned)KP_DATE_DMY;
    char *s = fuzz_str(data + 1, size - 1);
    numbers(s, dc);
    dates(s, mask);
    names(s);
    free(s);
    return 0;
}
