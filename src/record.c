/* record — results.json records: allocation, writing, reading (record.h).
 *
 * Both directions are on the render path for every person, so neither builds
 * a general JSON tree: writing goes straight into a kp_buf (fixed key order,
 * numbers in their shortest round-trip form, UTF-8 passed through); reading
 * uses a small strict JSON parser below (jansson took ~190 us per record). */
#include "record.h"

#include "util.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kp_status_names[] = {"ok", "na", "insufficient"};

static const char *const kind_names[] = {"person", "team", "org"};

/* target_src letters and their names in the file */
static const char src_letters[] = "prdt";
static const char *const src_names[] = {"person", "role", "default", "team", "none"};

/* ---- allocation ----------------------------------------------------------- */

static double *nan_array(size_t n)
{
    double *a = xmalloc((n ? n : 1) * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = NAN;
    return a;
}

/* The KPI values and their series are one allocation: kpis[k].series points
 * into it (record_free frees it with kpis). */
static struct kp_kpival *kpis_new(size_t nkpis, size_t nm)
{
    size_t head = (nkpis ? nkpis : 1) * sizeof(struct kp_kpival);
    struct kp_kpival *kv = xmalloc(head + nkpis * nm * sizeof(double));
    double *series = (double *)((char *)kv + head);
    for (size_t k = 0; k < nkpis; k++) {
        struct kp_kpival *v = &kv[k];
        memset(v, 0, sizeof *v);
        v->value = v->target = v->ratio = v->points = NAN;
        v->sample = v->prev = v->projected = v->needed = NAN;
        v->group_value = v->group_points = NAN;
        v->status = KP_ST_NA;
        v->series = series + k * nm;
        for (size_t i = 0; i < nm; i++)
            v->series[i] = NAN;
    }
    return kv;
}

struct kp_record *record_new(const struct kp_meta *m, enum kp_rec_kind kind)
{
    struct kp_record *r = xcalloc(1, sizeof *r);
    size_t nm = m->nmonths > 0 ? (size_t)m->nmonths : 0;
    r->kind = kind;
    r->composite = r->composite_prev = r->percentile = r->payout = r->payout_rate = NAN;
    r->kpis = kpis_new(m->nkpis, nm);
    r->cols = nan_array(m->ncols * nm);
    if (kind == KP_REC_PERSON)
        r->lines = xcalloc(nm ? nm : 1, sizeof *r->lines);
    return r;
}

static void free_all(char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
}

static void record_free_lists(struct kp_record *r)
{
    for (size_t i = 0; i < r->nalerts; i++)
        free_all((char *[]){r->alerts[i].rule, r->alerts[i].kind}, 2);
    for (size_t i = 0; i < r->ncoach; i++)
        free_all((char *[]){r->coach[i].step, r->coach[i].kpi, r->coach[i].text}, 3);
    for (size_t i = 0; i < r->nmembers; i++) {
        struct kp_member *mb = &r->members[i];
        free_all((char *[]){mb->rep_id, mb->name, mb->role, mb->band}, 4);
    }
    free(r->alerts);
    free(r->coach);
    free(r->members);
}

void record_free(struct kp_record *r)
{
    if (!r)
        return;
    free_all((char *[]){r->id, r->name, r->email, r->team, r->role, r->manager_id, r->manager_name,
                        r->hire_date, r->lang, r->band},
             10);
    free(r->kpis);
    free(r->cols);
    free(r->lines);
    record_free_lists(r);
    free(r);
}

void meta_free(struct kp_meta *m)
{
    if (!m)
        return;
    free_all((char *[]){m->tool_version, m->label, m->org_name, m->currency, m->default_lang,
                        m->config_hash},
             6);
    strv_free(m->kpis, m->nkpis);
    strv_free(m->cols, m->ncols);
    memset(m, 0, sizeof *m);
}

/* ---- numbers -------------------------------------------------------------- *
 * record_fmt_number writes exactly what fmt_plain writes: "%.Pg" for the
 * smallest P in 15..17 that reads back to v. fmt_plain finds it with up to
 * three snprintf+strtod rounds (~700 ns); here integers below 1e15 are
 * written directly and values in [1e-5, 1e15) are rounded to P digits with
 * exact 128-bit integer arithmetic and checked against v's rounding interval
 * (what strtod would do). Anything else falls back to fmt_plain. */

__extension__ typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL};

static u128 pow10_u128(int q) /* 0 <= q <= 38 */
{
    return q < 20 ? pow10_u64[q] : (u128)pow10_u64[19] * pow10_u64[q - 19];
}

static size_t put_u64(char *out, uint64_t u)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930"
                                "31323334353637383940414243444546474849505152535455565758596061"
                                "62636465666768697071727374757677787980818283848586878889909192"
                                "93949596979899";
    char t[24];
    size_t i = sizeof t;
    while (u >= 100) {
        const char *p = pairs + (u % 100) * 2;
        u /= 100;
        t[--i] = p[1];
        t[--i] = p[0];
    }
    if (u >= 10) {
        t[--i] = pairs[u * 2 + 1];
        t[--i] = pairs[u * 2];
    } else {
        t[--i] = (char)('0' + u);
    }
    memcpy(out, t + i, sizeof t - i);
    return sizeof t - i;
}

/* "%.Pg" of the decimal d (P digits, d in [10^(P-1), 10^P)) times 10^(e-P+1),
 * trailing zeros removed. */
static size_t put_g(char *out, uint64_t d, int e, int p)
{
    char dig[24];
    size_t nd = put_u64(dig, d), n = 0;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    if (e < -4 || e >= p) {
        out[n++] = dig[0];
        if (nd > 1) {
            out[n++] = '.';
            memcpy(out + n, dig + 1, nd - 1);
            n += nd - 1;
        }
        int ae = e < 0 ? -e : e;
        out[n++] = 'e';
        out[n++] = e < 0 ? '-' : '+';
        if (ae < 10)
            out[n++] = '0';
        return n + put_u64(out + n, (uint64_t)ae);
    }
    if (e < 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = -1; i > e; i--)
            out[n++] = '0';
        memcpy(out + n, dig, nd);
        return n + nd;
    }
    size_t ip = (size_t)e + 1; /* digits before the point */
    for (size_t i = 0; i < ip; i++)
        out[n++] = i < nd ? dig[i] : '0';
    if (nd > ip) {
        out[n++] = '.';
        memcpy(out + n, dig + ip, nd - ip);
        n += nd - ip;
    }
    return n;
}

/* v = m / 2^s (1e-5 <= v < 1e15) rounded to p significant digits, where
 * 10^e <= v < 10^(e+1): written into out if the result reads back to v. */
static size_t try_digits(char *out, uint64_t m, int s, int e, int p)
{
    int q = p - 1 - e; /* 0 <= q <= 22 */
    u128 pw = pow10_u128(q);
    u128 n = (u128)m * pw; /* v * 10^q = n / 2^s */
    u128 d = n >> s, rem = n & (((u128)1 << s) - 1), half = (u128)1 << (s - 1);
    if (rem > half || (rem == half && (d & 1)))
        d++;
    /* Round trip: |d - v*10^q| within half an ulp of v (scaled by 10^q);
     * exactly on the edge counts when m is even (strtod rounds to even). The
     * gap below a power of two is half as wide. */
    u128 ds = d << (s + 1), n2 = n << 1;
    int below = ds < n2, even = !(m & 1);
    u128 diff = below ? n2 - ds : ds - n2;
    if (below && m == (1ULL << 52)) {
        if (diff > pw)
            return 0;
        diff <<= 1;
    }
    if (diff > pw || (diff == pw && !even))
        return 0;
    if (d == pow10_u128(p)) { /* rounded up to the next power of ten */
        d = pow10_u64[p - 1];
        e++;
    }
    return put_g(out, (uint64_t)d, e, p);
}

static size_t fmt_exact(char *out, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
    int s = 1075 - (int)((bits >> 52) & 0x7FF); /* 3 <= s <= 69 in range */
    /* e from the binary exponent (v < 2^(53-s)): exact or one too small */
    int e = (int)floor((52 - s) * 0.30102999566398120);
    for (int guard = 0; guard < 4; guard++) { /* fix e: 10^16 <= v*10^(16-e) < 10^17 */
        u128 t = ((u128)m * pow10_u128(16 - e)) >> s;
        if (t < pow10_u64[16])
            e--;
        else if (t >= pow10_u64[17])
            e++;
        else
            break;
    }
    for (int p = 15; p <= 17; p++) {
        size_t n = try_digits(out, m, s, e, p);
        if (n)
            return n;
    }
    return 0; /* not reached: 17 digits always read back */
}

size_t record_fmt_number(char *out, double v)
{
    if (isnan(v)) {
        out[0] = '\0';
        return 0;
    }
    double a = fabs(v);
    size_t n = 0;
    if (v < 0)
        out[n++] = '-';
    if (a == 0) {
        n = 0; /* no "-0" */
        out[n++] = '0';
    } else if (a < 1e15 && a == floor(a)) {
        n += put_u64(out + n, (uint64_t)a);
    } else if (a >= 1e-5 && a < 1e15) {
        n += fmt_exact(out + n, a);
    } else {
        fmt_plain(out, 32, v);
        return strlen(out);
    }
    out[n] = '\0';
    return n;
}

/* ---- writing -------------------------------------------------------------- */

static void put_num(struct kp_buf *b, double v)
{
    char s[40];
    size_t n = record_fmt_number(s, v);
    if (n)
        buf_add(b, s, n);
    else
        buf_add(b, "null", 4);
}

static void put_int(struct kp_buf *b, long v)
{
    char s[24];
    size_t n = 0;
    if (v < 0) {
        s[n++] = '-';
        n += put_u64(s + n, (uint64_t)0 - (uint64_t)v);
    } else {
        n += put_u64(s + n, (uint64_t)v);
    }
    buf_add(b, s, n);
}

/* A JSON string: UTF-8 passes through; quotes, backslashes and control
 * characters are escaped; invalid UTF-8 becomes U+FFFD (jansson would
 * refuse it). NULL is null. */
static void put_str(struct kp_buf *b, const char *s)
{
    if (!s) {
        buf_add(b, "null", 4);
        return;
    }
    size_t len = strlen(s);
    int valid = utf8_valid(s, len);
    const char *p = s, *end = s + len, *run = s;
    buf_addc(b, '"');
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || valid)) {
            p++;
            continue;
        }
        buf_add(b, run, (size_t)(p - run));
        if (c >= 0x80) { /* only when the string is not valid UTF-8 */
            const char *q = p;
            int32_t cp = utf8_next(&q, end);
            buf_add(b, cp < 0 ? "\xEF\xBF\xBD" : p, cp < 0 ? 3 : (size_t)(q - p));
            p = cp < 0 ? p + 1 : q;
        } else if (c == '"' || c == '\\') {
            buf_addc(b, '\\');
            buf_addc(b, (char)c);
            p++;
        } else {
            static const char esc[] = "btn\0fr"; /* \b=8 \t=9 \n=10 \f=12 \r=13 */
            if (c >= 8 && c <= 13 && c != 11)
                buf_printf(b, "\\%c", esc[c - 8]);
            else
                buf_printf(b, "\\u%04x", c);
            p++;
        }
        run = p;
    }
    buf_add(b, run, (size_t)(p - run));
    buf_addc(b, '"');
}

/* ,"key": */
static void put_key(struct kp_buf *b, const char *key)
{
    buf_addc(b, ',');
    put_str(b, key);
    buf_addc(b, ':');
}

static void put_month(struct kp_buf *b, kp_month m)
{
    char s[8];
    if (m == 0) {
        buf_add(b, "null", 4);
        return;
    }
    month_format(m, s);
    buf_addc(b, '"');
    buf_add(b, s, 7);
    buf_addc(b, '"');
}

/* A day as "YYYY-MM-DD"; null when outside 1900..9999 (reads back as -1). */
static void put_date(struct kp_buf *b, long days)
{
    int y, m, d;
    date_split(days, &y, &m, &d);
    if (y < 1900 || y > 9999)
        buf_add(b, "null", 4);
    else
        buf_printf(b, "\"%04d-%02d-%02d\"", y, m, d);
}

static void put_nums(struct kp_buf *b, const double *v, size_t n)
{
    buf_addc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_addc(b, ',');
        put_num(b, v[i]);
    }
    buf_addc(b, ']');
}

static void put_strs(struct kp_buf *b, char *const *v, size_t n)
{
    buf_addc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_addc(b, ',');
        put_str(b, v[i]);
    }
    buf_addc(b, ']');
}

void meta_write_json(const struct kp_meta *m, struct kp_buf *out)
{
    buf_adds(out, "{\"tool\":");
    put_str(out, m->tool_version);
    put_key(out, "label");
    put_str(out, m->label);
    put_key(out, "from");
    put_month(out, m->from);
    put_key(out, "to");
    put_month(out, m->to);
    put_key(out, "m0");
    put_month(out, m->m0);
    put_key(out, "nmonths");
    put_int(out, m->nmonths);
    put_key(out, "as_of");
    put_date(out, m->as_of);
    put_key(out, "doc_date");
    put_date(out, m->doc_date);
    put_key(out, "pacing");
    buf_adds(out, m->pacing ? "true" : "false");
    put_key(out, "months_elapsed");
    put_int(out, m->months_elapsed);
    put_key(out, "org");
    put_str(out, m->org_name);
    put_key(out, "currency");
    put_str(out, m->currency);
    put_key(out, "language");
    put_str(out, m->default_lang);
    put_key(out, "kpis");
    put_strs(out, m->kpis, m->nkpis);
    put_key(out, "cols");
    put_strs(out, m->cols, m->ncols);
    put_key(out, "config_sha256");
    put_str(out, m->config_hash);
    buf_addc(out, '}');
}

static const char *src_name(char c)
{
    const char *p = c ? strchr(src_letters, c) : NULL;
    return src_names[p ? p - src_letters : 4];
}

static void put_kpi(struct kp_buf *b, const struct kp_kpival *v, size_t nm)
{
    static const char *const keys[] = {
        "{\"value\":", ",\"target\":", ",\"ratio\":", ",\"points\":", ",\"weight\":"};
    const double first[] = {v->value, v->target, v->ratio, v->points, v->weight};
    for (size_t i = 0; i < KP_NELEM(keys); i++) {
        buf_adds(b, keys[i]);
        put_num(b, first[i]);
    }
    buf_adds(b, ",\"status\":\"");
    buf_adds(b, v->status <= KP_ST_INSUFFICIENT ? kp_status_names[v->status] : "na");
    buf_adds(b, "\",\"target_src\":\"");
    buf_adds(b, src_name(v->target_src));
    static const char *const keys2[] = {
        "\",\"sample\":", ",\"prev\":",        ",\"projected\":",
        ",\"needed\":",   ",\"group_value\":", ",\"group_points\":"};
    const double second[] = {v->sample, v->prev,        v->projected,
                             v->needed, v->group_value, v->group_points};
    for (size_t i = 0; i < KP_NELEM(keys2); i++) {
        buf_adds(b, keys2[i]);
        put_num(b, second[i]);
    }
    buf_adds(b, ",\"series\":");
    put_nums(b, v->series, nm);
    buf_addc(b, '}');
}

static void put_alerts(struct kp_buf *b, const struct kp_record *r, const struct kp_meta *m)
{
    buf_addc(b, '[');
    for (size_t i = 0; i < r->nalerts; i++) {
        const struct kp_alert *a = &r->alerts[i];
        buf_adds(b, i ? ",{\"rule\":" : "{\"rule\":");
        put_str(b, a->rule);
        buf_adds(b, ",\"kind\":");
        put_str(b, a->kind);
        buf_adds(b, ",\"kpi\":");
        put_str(b, a->kpi >= 0 && (size_t)a->kpi < m->nkpis ? m->kpis[a->kpi] : NULL);
        buf_adds(b, ",\"month\":");
        put_month(b, a->month);
        buf_adds(b, ",\"value\":");
        put_num(b, a->value);
        buf_adds(b, ",\"threshold\":");
        put_num(b, a->threshold);
        buf_addc(b, '}');
    }
    buf_addc(b, ']');
}

static void put_coaching(struct kp_buf *b, const struct kp_record *r)
{
    buf_addc(b, '[');
    for (size_t i = 0; i < r->ncoach; i++) {
        buf_adds(b, i ? ",{\"step\":" : "{\"step\":");
        put_str(b, r->coach[i].step);
        buf_adds(b, ",\"kpi\":");
        put_str(b, r->coach[i].kpi);
        buf_adds(b, ",\"text\":");
        put_str(b, r->coach[i].text);
        buf_addc(b, '}');
    }
    buf_addc(b, ']');
}

static void put_members(struct kp_buf *b, const struct kp_record *r)
{
    buf_addc(b, '[');
    for (size_t i = 0; i < r->nmembers; i++) {
        const struct kp_member *mb = &r->members[i];
        buf_adds(b, i ? ",{\"rep_id\":" : "{\"rep_id\":");
        put_str(b, mb->rep_id);
        buf_adds(b, ",\"name\":");
        put_str(b, mb->name);
        buf_adds(b, ",\"role\":");
        put_str(b, mb->role);
        buf_adds(b, ",\"composite\":");
        put_num(b, mb->composite);
        buf_adds(b, ",\"band\":");
        put_str(b, mb->band);
        buf_adds(b, ",\"rank\":");
        put_int(b, mb->rank);
        buf_adds(b, ",\"attainment\":");
        put_num(b, mb->attainment);
        buf_addc(b, '}');
    }
    buf_addc(b, ']');
}

static void put_head(struct kp_buf *b, const struct kp_record *r)
{
    static const char *const skeys[] = {"id",         "name",         "email",     "team", "role",
                                        "manager_id", "manager_name", "hire_date", "lang"};
    char *const sval[] = {r->id,         r->name,         r->email,     r->team, r->role,
                          r->manager_id, r->manager_name, r->hire_date, r->lang};
    buf_adds(b, "{\"kind\":\"");
    buf_adds(b, kind_names[r->kind <= KP_REC_ORG ? r->kind : 0]);
    buf_addc(b, '"');
    for (size_t i = 0; i < KP_NELEM(skeys); i++) {
        put_key(b, skeys[i]);
        put_str(b, sval[i]);
    }
    buf_adds(b, ",\"line\":");
    put_int(b, r->line);
    buf_adds(b, ",\"scope\":");
    put_int(b, r->scope);
    buf_adds(b, ",\"composite\":");
    put_num(b, r->composite);
    buf_adds(b, ",\"composite_prev\":");
    put_num(b, r->composite_prev);
    buf_adds(b, ",\"band\":");
    put_str(b, r->band);
    const int ranks[] = {r->rank_team, r->team_size, r->rank_org, r->org_size};
    static const char *const rkeys[] = {
        ",\"rank_team\":", ",\"team_size\":", ",\"rank_org\":", ",\"org_size\":"};
    for (size_t i = 0; i < KP_NELEM(ranks); i++) {
        buf_adds(b, rkeys[i]);
        put_int(b, ranks[i]);
    }
    buf_adds(b, ",\"percentile\":");
    put_num(b, r->percentile);
    buf_adds(b, ",\"payout\":");
    put_num(b, r->payout);
    buf_adds(b, ",\"payout_rate\":");
    put_num(b, r->payout_rate);
}

void record_write_json(const struct kp_record *r, const struct kp_meta *m, struct kp_buf *out)
{
    size_t nm = m->nmonths > 0 ? (size_t)m->nmonths : 0;
    put_head(out, r);
    buf_adds(out, ",\"kpis\":{");
    for (size_t k = 0; k < m->nkpis; k++) {
        if (k)
            buf_addc(out, ',');
        put_str(out, m->kpis[k]);
        buf_addc(out, ':');
        put_kpi(out, &r->kpis[k], nm);
    }
    buf_adds(out, "},\"cols\":{");
    for (size_t c = 0; c < m->ncols; c++) {
        if (c)
            buf_addc(out, ',');
        put_str(out, m->cols[c]);
        buf_addc(out, ':');
        put_nums(out, r->cols + c * nm, nm);
    }
    buf_addc(out, '}');
    if (r->lines) {
        buf_adds(out, ",\"lines\":[");
        for (size_t i = 0; i < nm; i++) {
            if (i)
                buf_addc(out, ',');
            put_int(out, r->lines[i]);
        }
        buf_addc(out, ']');
    }
    buf_adds(out, ",\"alerts\":");
    put_alerts(out, r, m);
    buf_adds(out, ",\"coaching\":");
    put_coaching(out, r);
    if (r->kind == KP_REC_TEAM || r->nmembers) {
        buf_adds(out, ",\"members\":");
        put_members(out, r);
    }
    buf_addc(out, '}');
}

/* ---- a strict JSON reader ------------------------------------------------- *
 * One line is parsed into an array of nodes in document order (a container's
 * elements follow it; node.end is the index after its subtree) and an arena
 * holding the decoded strings. RFC 8259 grammar, UTF-8 only, no \u0000,
 * nesting at most JSON_MAX_DEPTH, duplicate keys refused. jansson was
 * measured at ~190 us for a 8 KB person record (its lexer alone ~120 us);
 * this reads the same record in a fraction of that. */

#define JSON_MAX_DEPTH 32

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
    unsigned char type;
    unsigned char isint; /* J_NUM written as an integer that fits a long long */
    size_t n;            /* J_STR: byte length; J_ARR, J_OBJ: element count */
    size_t end;          /* index of the node after this subtree */
    const char *key;     /* a member of an object: its key (NUL-terminated) */
    size_t keylen;
    size_t pos;    /* where it starts in the line (a member: its key) */
    const char *s; /* J_STR: the decoded text (NUL-terminated) */
    double d;      /* J_NUM */
    long long i;   /* J_NUM with isint */
};

struct jdoc {
    const char *src;
    size_t len, pos;
    struct jv *v;
    size_t n, cap;
    char *arena; /* decoded strings: never longer than their source */
    size_t alen;
    const char *err; /* what went wrong (static text) … */
    size_t errpos;   /* … and where */
    char errbuf[64];
};

static int jfail(struct jdoc *d, size_t pos, const char *msg)
{
    if (!d->err) {
        d->err = msg;
        d->errpos = pos;
    }
    return -1;
}

static void jskip(struct jdoc *d)
{
    while (d->pos < d->len) {
        char c = d->src[d->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        d->pos++;
    }
}

static size_t jnode(struct jdoc *d, enum jtype t)
{
    xgrow(&d->v, &d->cap, d->n + 1, sizeof *d->v);
    struct jv *v = &d->v[d->n];
    memset(v, 0, sizeof *v);
    v->type = (unsigned char)t;
    v->pos = d->pos;
    return d->n++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static long hex4(const struct jdoc *d, size_t at)
{
    if (at + 4 > d->len)
        return -1;
    long v = 0;
    for (size_t i = 0; i < 4; i++) {
        int h = hexval(d->src[at + i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* \uXXXX (and its low surrogate) at d->pos (just after the backslash-u);
 * appends UTF-8 to o. */
static int junicode(struct jdoc *d, char *o, size_t *on)
{
    size_t at = d->pos - 2;
    long cp = hex4(d, d->pos);
    if (cp < 0)
        return jfail(d, at, "bad \\u escape");
    d->pos += 4;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return jfail(d, at, "lone surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        long lo = d->pos + 6 <= d->len && d->src[d->pos] == '\\' && d->src[d->pos + 1] == 'u'
                      ? hex4(d, d->pos + 2)
                      : -1;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return jfail(d, at, "lone surrogate in \\u escape");
        d->pos += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (cp == 0)
        return jfail(d, at, "\\u0000 is not allowed");
    *on += utf8_put(o + *on, (int32_t)cp);
    return 0;
}

/* The escape at d->pos (on the backslash), decoded onto o[*on]. */
static int jescape(struct jdoc *d, char *o, size_t *on)
{
    if (d->pos + 1 >= d->len)
        return jfail(d, d->pos, "string not closed");
    char e = d->src[d->pos + 1];
    d->pos += 2;
    switch (e) {
    case '"':
    case '\\':
    case '/': o[(*on)++] = e; return 0;
    case 'b': o[(*on)++] = '\b'; return 0;
    case 'f': o[(*on)++] = '\f'; return 0;
    case 'n': o[(*on)++] = '\n'; return 0;
    case 'r': o[(*on)++] = '\r'; return 0;
    case 't': o[(*on)++] = '\t'; return 0;
    case 'u': return junicode(d, o, on);
    default: return jfail(d, d->pos - 2, "bad escape in string");
    }
}

/* A string at d->pos (on the quote), decoded into the arena. */
static int jstring(struct jdoc *d, const char **out, size_t *outlen)
{
    size_t start = d->pos++;
    char *o = d->arena + d->alen;
    size_t on = 0;
    int high = 0;
    for (;;) {
        size_t run = d->pos;
        while (d->pos < d->len) {
            unsigned char c = (unsigned char)d->src[d->pos];
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            high |= c & 0x80;
            d->pos++;
        }
        memcpy(o + on, d->src + run, d->pos - run);
        on += d->pos - run;
        if (d->pos >= d->len)
            return jfail(d, start, "string not closed");
        char c = d->src[d->pos];
        if (c == '"')
            break;
        if (c != '\\')
            return jfail(d, d->pos, "control character in string");
        if (jescape(d, o, &on) < 0)
            return -1;
    }
    d->pos++; /* closing quote */
    if (high && !utf8_valid(o, on))
        return jfail(d, start, "string is not valid UTF-8");
    o[on] = '\0';
    d->alen += on + 1;
    *out = o;
    *outlen = on;
    return 0;
}

/* m / 10^q correctly rounded (m < 2^64, 1 <= q <= 21), by exact 128-bit
 * division: the quotient keeps at least 55 bits, the remainder is sticky. */
static double div_pow10(uint64_t m, int q)
{
    int b = 64 - __builtin_clzll(m), k = 127 - b;
    u128 den = pow10_u128(q), num = (u128)m << k;
    u128 quo = num / den;
    int sticky = num % den != 0;
    int len = 128 - (quo >> 64 ? __builtin_clzll((uint64_t)(quo >> 64))
                               : 64 + __builtin_clzll((uint64_t)quo));
    int sh = len - 53; /* >= 2 */
    uint64_t mant = (uint64_t)(quo >> sh);
    int round = (int)(quo >> (sh - 1)) & 1;
    sticky |= (quo & (((u128)1 << (sh - 1)) - 1)) != 0;
    if (round && (sticky || (mant & 1)))
        mant++; /* 2^53 is still exact */
    return ldexp((double)mant, sh - k);
}

static const double pow10_dbl[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The value of a validated number token: exact fast paths, else strtod. */
static double jnumber_value(const char *s, size_t n, uint64_t m, int digits, int e10, int neg)
{
    double v;
    if (m == 0 && digits <= 19)
        v = 0;
    else if (digits <= 19 && m < (1ULL << 53) && e10 >= -22 && e10 <= 22)
        v = e10 < 0 ? (double)m / pow10_dbl[-e10] : (double)m * pow10_dbl[e10];
    else if (digits <= 19 && e10 < 0 && e10 >= -21)
        v = div_pow10(m, -e10);
    else {
        char buf[64];
        char *t = n < sizeof buf ? buf : xmalloc(n + 1);
        memcpy(t, s, n);
        t[n] = '\0';
        v = strtod(t, NULL);
        if (t != buf)
            free(t);
        return v;
    }
    return neg ? -v : v;
}

static int jdigits(struct jdoc *d, uint64_t *m, int *digits)
{
    size_t start = d->pos;
    while (d->pos < d->len && d->src[d->pos] >= '0' && d->src[d->pos] <= '9') {
        if (*digits < 19) /* more digits: the value comes from strtod */
            *m = *m * 10 + (uint64_t)(d->src[d->pos] - '0');
        ++*digits;
        d->pos++;
    }
    return d->pos > start ? 0 : -1;
}

/* The exponent at d->pos (on the e), clamped to +-100000. */
static int jexponent(struct jdoc *d, long *ex)
{
    d->pos++;
    int neg = d->pos < d->len && d->src[d->pos] == '-';
    if (d->pos < d->len && (d->src[d->pos] == '-' || d->src[d->pos] == '+'))
        d->pos++;
    size_t start = d->pos;
    for (*ex = 0; d->pos < d->len && d->src[d->pos] >= '0' && d->src[d->pos] <= '9'; d->pos++)
        if (*ex < 100000)
            *ex = *ex * 10 + (d->src[d->pos] - '0');
    if (neg)
        *ex = -*ex;
    return d->pos > start ? 0 : -1;
}

static int jnumber(struct jdoc *d)
{
    size_t start = d->pos;
    int neg = d->src[d->pos] == '-', digits = 0, frac = 0;
    uint64_t m = 0;
    d->pos += neg;
    if (d->pos < d->len && d->src[d->pos] == '0' && d->pos + 1 < d->len &&
        d->src[d->pos + 1] >= '0' && d->src[d->pos + 1] <= '9')
        return jfail(d, start, "number with a leading zero");
    if (jdigits(d, &m, &digits) < 0)
        return jfail(d, start, "bad number");
    int isint = 1;
    if (d->pos < d->len && d->src[d->pos] == '.') {
        d->pos++;
        int before = digits;
        if (jdigits(d, &m, &digits) < 0)
            return jfail(d, start, "bad number");
        frac = digits - before;
        isint = 0;
    }
    long ex = 0;
    if (d->pos < d->len && (d->src[d->pos] == 'e' || d->src[d->pos] == 'E')) {
        if (jexponent(d, &ex) < 0)
            return jfail(d, start, "bad number");
        isint = 0;
    }
    size_t i = jnode(d, J_NUM);
    struct jv *v = &d->v[i];
    v->pos = start;
    const char *s = d->src + start;
    size_t n = d->pos - start;
    v->d = jnumber_value(s, n, m, digits, (int)ex - frac, neg);
    if (!isfinite(v->d))
        return jfail(d, start, "number out of range");
    if (isint && digits <= 18) {
        v->isint = 1;
        v->i = neg ? -(long long)m : (long long)m;
    }
    return 0;
}

static int jvalue(struct jdoc *d, int depth);

static int jcontainer(struct jdoc *d, int depth, int obj)
{
    size_t at = d->pos, i = jnode(d, obj ? J_OBJ : J_ARR), count = 0;
    char close = obj ? '}' : ']';
    if (depth >= JSON_MAX_DEPTH)
        return jfail(d, at, "nested too deeply");
    d->pos++;
    jskip(d);
    if (d->pos < d->len && d->src[d->pos] == close) {
        d->pos++;
        d->v[i].end = d->n;
        return 0;
    }
    for (;;) {
        const char *key = NULL;
        size_t keylen = 0, keypos = d->pos;
        if (obj) {
            if (d->pos >= d->len || d->src[d->pos] != '"')
                return jfail(d, d->pos, "expected a key");
            if (jstring(d, &key, &keylen) < 0)
                return -1;
            jskip(d);
            if (d->pos >= d->len || d->src[d->pos] != ':')
                return jfail(d, d->pos, "expected ':'");
            d->pos++;
            jskip(d);
        }
        size_t vi = d->n;
        if (jvalue(d, depth + 1) < 0)
            return -1;
        d->v[vi].key = key;
        d->v[vi].keylen = keylen;
        if (obj)
            d->v[vi].pos = keypos;
        count++;
        jskip(d);
        if (d->pos < d->len && d->src[d->pos] == ',') {
            d->pos++;
            jskip(d);
            continue;
        }
        if (d->pos < d->len && d->src[d->pos] == close)
            break;
        return jfail(d, d->pos, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    d->pos++;
    d->v[i].n = count;
    d->v[i].end = d->n;
    return 0;
}

/* "unexpected \"x\"" for the character at d->pos. */
static int junexpected(struct jdoc *d)
{
    unsigned char c = (unsigned char)d->src[d->pos];
    if (c > 0x20 && c < 0x7F)
        snprintf(d->errbuf, sizeof d->errbuf, "unexpected \"%c\"", c);
    else
        snprintf(d->errbuf, sizeof d->errbuf, "unexpected byte 0x%02X", c);
    return jfail(d, d->pos, d->errbuf);
}

static int jliteral(struct jdoc *d, const char *word, enum jtype t)
{
    size_t n = strlen(word);
    if (d->len - d->pos < n || memcmp(d->src + d->pos, word, n) != 0)
        return junexpected(d);
    d->pos += n;
    d->v[jnode(d, t)].end = d->n;
    return 0;
}

static int jvalue(struct jdoc *d, int depth)
{
    if (d->pos >= d->len)
        return jfail(d, d->pos, "unexpected end of line");
    size_t i;
    switch (d->src[d->pos]) {
    case '{': return jcontainer(d, depth, 1);
    case '[': return jcontainer(d, depth, 0);
    case '"':
        i = jnode(d, J_STR);
        d->v[i].end = d->n;
        return jstring(d, &d->v[i].s, &d->v[i].n);
    case 't': return jliteral(d, "true", J_TRUE);
    case 'f': return jliteral(d, "false", J_FALSE);
    case 'n': return jliteral(d, "null", J_NULL);
    default:
        if (d->src[d->pos] == '-' || (d->src[d->pos] >= '0' && d->src[d->pos] <= '9')) {
            if (jnumber(d) < 0)
                return -1;
            d->v[d->n - 1].end = d->n;
            return 0;
        }
        return junexpected(d);
    }
}

static int key_cmp(const void *a, const void *b)
{
    const struct jv *x = *(const struct jv *const *)a, *y = *(const struct jv *const *)b;
    if (x->keylen != y->keylen)
        return x->keylen < y->keylen ? -1 : 1;
    return memcmp(x->key, y->key, x->keylen);
}

/* Duplicate keys anywhere: the first one found, or NULL. Small objects
 * pairwise, large ones sorted. */
static const struct jv *jduplicate(const struct jdoc *d)
{
    for (size_t o = 0; o < d->n; o++) {
        if (d->v[o].type != J_OBJ || d->v[o].n < 2)
            continue;
        size_t n = d->v[o].n, k = 0;
        const struct jv **m = xmalloc(n * sizeof *m);
        for (size_t i = o + 1; k < n; i = d->v[i].end)
            m[k++] = &d->v[i];
        if (n > 16)
            qsort(m, n, sizeof *m, key_cmp);
        const struct jv *dup = NULL;
        for (size_t i = 0; i < n && !dup; i++)
            for (size_t j = i + 1; j < (n > 16 ? i + 2 : n) && j < n && !dup; j++)
                if (key_cmp(&m[i], &m[j]) == 0)
                    dup = m[i]->pos > m[j]->pos ? m[i] : m[j]; /* the later one */
        free(m);
        if (dup)
            return dup;
    }
    return NULL;
}

/* Parse src[0..len) as one JSON value; 0, or -1 with d->err set. */
static int jparse(struct jdoc *d, const char *src, size_t len)
{
    memset(d, 0, sizeof *d);
    d->src = src;
    d->len = len;
    d->arena = xmalloc(len + 1);
    d->cap = len / 6 + 16;
    d->v = xmalloc(d->cap * sizeof *d->v);
    jskip(d);
    if (jvalue(d, 0) < 0)
        return -1;
    jskip(d);
    if (d->pos < d->len)
        return jfail(d, d->pos, "unexpected text after the value");
    const struct jv *dup = jduplicate(d);
    if (dup) {
        snprintf(d->errbuf, sizeof d->errbuf, "duplicate key \"%.40s\"", dup->key);
        return jfail(d, dup->pos, d->errbuf);
    }
    return 0;
}

static void jfree(struct jdoc *d)
{
    free(d->v);
    free(d->arena);
}

/* The member key of object o, or NULL. */
static const struct jv *jget(const struct jdoc *d, const struct jv *o, const char *key)
{
    size_t klen = strlen(key), i = (size_t)(o - d->v) + 1;
    for (size_t k = 0; k < o->n; k++, i = d->v[i].end)
        if (d->v[i].keylen == klen && memcmp(d->v[i].key, key, klen) == 0)
            return &d->v[i];
    return NULL;
}

/* First element of container o; then jnext. */
static const struct jv *jfirst(const struct jv *o)
{
    return o + 1;
}
static const struct jv *jnext(const struct jdoc *d, const struct jv *v)
{
    return &d->v[v->end];
}

/* ---- reading -------------------------------------------------------------- */

struct rd {
    char *err;
    size_t errlen;
    const struct kp_meta *m;
    struct jdoc d;
};

static int bad(struct rd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct rd *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->errlen)
        vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Parse the line (surrounding whitespace and one trailing comma ignored);
 * the root object, or NULL after an error. */
static const struct jv *load_object(const char *line, struct rd *c, const char *what)
{
    size_t n = line ? strlen(line) : 0;
    while (n && strchr(" \t\r\n", line[n - 1]))
        n--;
    if (n && line[n - 1] == ',')
        n--;
    if (jparse(&c->d, line ? line : "", n) < 0) {
        bad(c, "%s is not valid JSON: %s at column %zu", what, c->d.err, c->d.errpos + 1);
        return NULL;
    }
    if (c->d.v[0].type != J_OBJ) {
        bad(c, "%s is not a JSON object", what);
        return NULL;
    }
    return &c->d.v[0];
}

static int is_null(const struct jv *v)
{
    return !v || v->type == J_NULL;
}

/* Missing and null leave *out as it is (NULL). */
static int get_str(struct rd *c, const struct jv *o, const char *key, char **out)
{
    const struct jv *v = jget(&c->d, o, key);
    if (is_null(v))
        return 0;
    if (v->type != J_STR)
        return bad(c, "\"%s\" must be a string or null", key);
    free(*out);
    *out = xstrndup(v->s, v->n);
    return 0;
}

/* Missing and null are n/a. */
static int get_num(struct rd *c, const struct jv *o, const char *key, double *out)
{
    const struct jv *v = jget(&c->d, o, key);
    if (is_null(v)) {
        *out = NAN;
        return 0;
    }
    if (v->type != J_NUM)
        return bad(c, "\"%s\" must be a number or null", key);
    *out = v->d;
    return 0;
}

/* Missing leaves *out as it is. */
static int get_long(struct rd *c, const struct jv *o, const char *key, long lo, long hi, long *out)
{
    const struct jv *v = jget(&c->d, o, key);
    if (!v)
        return 0;
    if (v->type != J_NUM || !v->isint || v->i < lo || v->i > hi)
        return bad(c, "\"%s\" must be an integer from %ld to %ld", key, lo, hi);
    *out = (long)v->i;
    return 0;
}

static int get_int(struct rd *c, const struct jv *o, const char *key, int *out)
{
    long v = *out;
    if (get_long(c, o, key, INT_MIN, INT_MAX, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* One of names[0..n) (a string); -1 after an error. Missing: dflt. */
static int get_enum(struct rd *c, const struct jv *o, const char *key, const char *const *names,
                    int n, int dflt)
{
    const struct jv *v = jget(&c->d, o, key);
    if (!v)
        return dflt;
    for (int i = 0; v->type == J_STR && i < n; i++)
        if (strcmp(v->s, names[i]) == 0)
            return i;
    return bad(c, "\"%s\" must be one of %s%s%s%s%s", key, names[0], n > 1 ? ", " : "",
               n > 1 ? names[1] : "", n > 2 ? ", " : "", n > 2 ? names[2] : "");
}

static int get_month(struct rd *c, const struct jv *o, const char *key, kp_month *out)
{
    const struct jv *v = jget(&c->d, o, key);
    *out = 0;
    if (is_null(v))
        return 0;
    if (v->type != J_STR || month_parse(v->s, out) < 0)
        return bad(c, "\"%s\" must be a month (YYYY-MM) or null", key);
    return 0;
}

static int get_date(struct rd *c, const struct jv *o, const char *key, long *out)
{
    const struct jv *v = jget(&c->d, o, key);
    *out = -1;
    if (is_null(v))
        return 0;
    if (v->type != J_STR || date_parse(v->s, out) < 0)
        return bad(c, "\"%s\" must be a date (YYYY-MM-DD) or null", key);
    return 0;
}

/* An array of exactly n numbers or nulls. */
static int get_nums(struct rd *c, const struct jv *a, const char *what, double *out, size_t n)
{
    if (a->type != J_ARR)
        return bad(c, "%s must be an array of %zu values (found not an array)", what, n);
    if (a->n != n)
        return bad(c, "%s must be an array of %zu values (found %zu)", what, n, a->n);
    const struct jv *v = jfirst(a);
    for (size_t i = 0; i < n; i++, v = jnext(&c->d, v)) {
        if (v->type == J_NUM)
            out[i] = v->d;
        else if (v->type == J_NULL)
            out[i] = NAN;
        else
            return bad(c, "%s[%zu] must be a number or null", what, i);
    }
    return 0;
}

/* The index of id in names; -1 if absent. */
static int find(char *const *names, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], id) == 0)
            return (int)i;
    return -1;
}

/* obj must hold exactly the keys names[0..n) (each was found, no duplicates):
 * report an unknown one. */
static int check_keys(struct rd *c, const struct jv *obj, char *const *names, size_t n,
                      const char *what)
{
    if (obj->n == n)
        return 0;
    const struct jv *v = jfirst(obj);
    for (size_t k = 0; k < obj->n; k++, v = jnext(&c->d, v))
        if (find(names, n, v->key) < 0)
            return bad(c, "\"%s\": unknown %s \"%.40s\" (not in meta)", what,
                       strcmp(what, "kpis") == 0 ? "KPI" : "column", v->key);
    return 0;
}

static int read_kpi(struct rd *c, const struct jv *o, const char *id, struct kp_kpival *v,
                    size_t nm)
{
    if (o->type != J_OBJ)
        return bad(c, "\"kpis\".\"%.40s\" must be an object", id);
    static const char *const nkeys[] = {"value",  "target",      "ratio",       "points",
                                        "weight", "sample",      "prev",        "projected",
                                        "needed", "group_value", "group_points"};
    double *const dst[] = {&v->value,  &v->target,      &v->ratio,       &v->points,
                           &v->weight, &v->sample,      &v->prev,        &v->projected,
                           &v->needed, &v->group_value, &v->group_points};
    for (size_t i = 0; i < KP_NELEM(nkeys); i++)
        if (get_num(c, o, nkeys[i], dst[i]) < 0)
            return -1;
    int st = get_enum(c, o, "status", kp_status_names, 3, KP_ST_NA);
    int src = get_enum(c, o, "target_src", src_names, 5, 4);
    if (st < 0 || src < 0)
        return -1;
    v->status = (enum kp_status)st;
    v->target_src = src < 4 ? src_letters[src] : 0;
    const struct jv *series = jget(&c->d, o, "series");
    char what[80];
    snprintf(what, sizeof what, "\"kpis\".\"%.40s\".\"series\"", id);
    return series ? get_nums(c, series, what, v->series, nm) : 0;
}

static int read_kpis(struct rd *c, const struct jv *o, struct kp_record *r, size_t nm)
{
    const struct kp_meta *m = c->m;
    const struct jv *kp = jget(&c->d, o, "kpis");
    if (!kp)
        return 0;
    if (kp->type != J_OBJ)
        return bad(c, "\"kpis\" must be an object");
    for (size_t k = 0; k < m->nkpis; k++) {
        const struct jv *v = jget(&c->d, kp, m->kpis[k]);
        if (!v)
            return bad(c, "\"kpis\": KPI \"%.40s\" is missing", m->kpis[k]);
        if (read_kpi(c, v, m->kpis[k], &r->kpis[k], nm) < 0)
            return -1;
    }
    return check_keys(c, kp, m->kpis, m->nkpis, "kpis");
}

static int read_cols(struct rd *c, const struct jv *o, struct kp_record *r, size_t nm)
{
    const struct kp_meta *m = c->m;
    const struct jv *cols = jget(&c->d, o, "cols");
    if (!cols)
        return 0;
    if (cols->type != J_OBJ)
        return bad(c, "\"cols\" must be an object");
    for (size_t i = 0; i < m->ncols; i++) {
        const struct jv *v = jget(&c->d, cols, m->cols[i]);
        char what[64];
        snprintf(what, sizeof what, "\"cols\".\"%.40s\"", m->cols[i]);
        if (!v)
            return bad(c, "%s is missing", what);
        if (get_nums(c, v, what, r->cols + i * nm, nm) < 0)
            return -1;
    }
    return check_keys(c, cols, m->cols, m->ncols, "cols");
}

static int read_lines(struct rd *c, const struct jv *o, struct kp_record *r, size_t nm)
{
    const struct jv *a = jget(&c->d, o, "lines");
    if (is_null(a))
        return 0;
    if (a->type != J_ARR || a->n != nm)
        return bad(c, "\"lines\" must be an array of %zu line numbers", nm);
    if (!r->lines)
        r->lines = xcalloc(nm ? nm : 1, sizeof *r->lines);
    const struct jv *v = jfirst(a);
    for (size_t i = 0; i < nm; i++, v = jnext(&c->d, v)) {
        if (v->type != J_NUM || !v->isint || v->i < 0 || v->i > LONG_MAX)
            return bad(c, "\"lines\"[%zu] must be a line number", i);
        r->lines[i] = (long)v->i;
    }
    return 0;
}

/* The array at key, all of whose elements are objects: its first element and
 * size in *n (0 when missing or null); -1 after an error. */
static int get_objects(struct rd *c, const struct jv *o, const char *key, const struct jv **first,
                       size_t *n)
{
    const struct jv *a = jget(&c->d, o, key);
    *n = 0;
    if (is_null(a))
        return 0;
    if (a->type != J_ARR)
        return bad(c, "\"%s\" must be an array", key);
    *n = a->n;
    *first = jfirst(a);
    const struct jv *v = *first;
    for (size_t i = 0; i < *n; i++, v = jnext(&c->d, v))
        if (v->type != J_OBJ)
            return bad(c, "\"%s\"[%zu] must be an object", key, i);
    return 0;
}

static int read_alert(struct rd *c, const struct jv *o, struct kp_alert *a)
{
    a->kpi = -1;
    const struct jv *k = jget(&c->d, o, "kpi");
    if (!is_null(k)) {
        if (k->type != J_STR)
            return bad(c, "\"alerts\": \"kpi\" must be a KPI id or null");
        a->kpi = find(c->m->kpis, c->m->nkpis, k->s);
        if (a->kpi < 0)
            return bad(c, "\"alerts\": unknown KPI \"%.40s\"", k->s);
    }
    if (get_str(c, o, "rule", &a->rule) < 0 || get_str(c, o, "kind", &a->kind) < 0 ||
        get_month(c, o, "month", &a->month) < 0 || get_num(c, o, "value", &a->value) < 0 ||
        get_num(c, o, "threshold", &a->threshold) < 0)
        return -1;
    return 0;
}

static int read_alerts(struct rd *c, const struct jv *o, struct kp_record *r)
{
    const struct jv *e = NULL;
    size_t n;
    if (get_objects(c, o, "alerts", &e, &n) < 0)
        return -1;
    r->alerts = xcalloc(n ? n : 1, sizeof *r->alerts);
    for (; r->nalerts < n; e = jnext(&c->d, e))
        if (read_alert(c, e, &r->alerts[r->nalerts++]) < 0)
            return -1;
    return 0;
}

static int read_coaching(struct rd *c, const struct jv *o, struct kp_record *r)
{
    const struct jv *e = NULL;
    size_t n;
    if (get_objects(c, o, "coaching", &e, &n) < 0)
        return -1;
    r->coach = xcalloc(n ? n : 1, sizeof *r->coach);
    for (; r->ncoach < n; e = jnext(&c->d, e)) {
        struct kp_coach *k = &r->coach[r->ncoach++];
        if (get_str(c, e, "step", &k->step) < 0 || get_str(c, e, "kpi", &k->kpi) < 0 ||
            get_str(c, e, "text", &k->text) < 0)
            return -1;
    }
    return 0;
}

static int read_members(struct rd *c, const struct jv *o, struct kp_record *r)
{
    const struct jv *e = NULL;
    size_t n;
    if (get_objects(c, o, "members", &e, &n) < 0)
        return -1;
    r->members = xcalloc(n ? n : 1, sizeof *r->members);
    for (; r->nmembers < n; e = jnext(&c->d, e)) {
        struct kp_member *mb = &r->members[r->nmembers++];
        mb->composite = mb->attainment = NAN;
        if (get_str(c, e, "rep_id", &mb->rep_id) < 0 || get_str(c, e, "name", &mb->name) < 0 ||
            get_str(c, e, "role", &mb->role) < 0 ||
            get_num(c, e, "composite", &mb->composite) < 0 ||
            get_str(c, e, "band", &mb->band) < 0 || get_int(c, e, "rank", &mb->rank) < 0 ||
            get_num(c, e, "attainment", &mb->attainment) < 0)
            return -1;
    }
    return 0;
}

static int read_head(struct rd *c, const struct jv *o, struct kp_record *r)
{
    static const char *const skeys[] = {"id",         "name",         "email",     "team", "role",
                                        "manager_id", "manager_name", "hire_date", "lang", "band"};
    char **const sdst[] = {&r->id,         &r->name,         &r->email,     &r->team, &r->role,
                           &r->manager_id, &r->manager_name, &r->hire_date, &r->lang, &r->band};
    for (size_t i = 0; i < KP_NELEM(skeys); i++)
        if (get_str(c, o, skeys[i], sdst[i]) < 0)
            return -1;
    static const char *const ikeys[] = {"scope", "rank_team", "team_size", "rank_org", "org_size"};
    int *const idst[] = {&r->scope, &r->rank_team, &r->team_size, &r->rank_org, &r->org_size};
    for (size_t i = 0; i < KP_NELEM(ikeys); i++)
        if (get_int(c, o, ikeys[i], idst[i]) < 0)
            return -1;
    static const char *const nkeys[] = {"composite", "composite_prev", "percentile", "payout",
                                        "payout_rate"};
    double *const ndst[] = {&r->composite, &r->composite_prev, &r->percentile, &r->payout,
                            &r->payout_rate};
    for (size_t i = 0; i < KP_NELEM(nkeys); i++)
        if (get_num(c, o, nkeys[i], ndst[i]) < 0)
            return -1;
    return get_long(c, o, "line", 0, LONG_MAX, &r->line);
}

struct kp_record *record_read_json(const char *line, const struct kp_meta *m, char *err,
                                   size_t errlen)
{
    struct rd c = {.err = err, .errlen = errlen, .m = m};
    if (errlen)
        err[0] = '\0';
    struct kp_record *r = NULL;
    const struct jv *o = load_object(line, &c, "record");
    if (!o)
        goto out;
    int kind = get_enum(&c, o, "kind", kind_names, 3, -2);
    if (kind == -2)
        bad(&c, "record has no \"kind\"");
    if (kind < 0)
        goto out;
    size_t nm = m->nmonths > 0 ? (size_t)m->nmonths : 0;
    r = record_new(m, (enum kp_rec_kind)kind);
    if (read_head(&c, o, r) < 0 || read_kpis(&c, o, r, nm) < 0 || read_cols(&c, o, r, nm) < 0 ||
        read_lines(&c, o, r, nm) < 0 || read_alerts(&c, o, r) < 0 || read_coaching(&c, o, r) < 0 ||
        read_members(&c, o, r) < 0) {
        record_free(r);
        r = NULL;
    }
out:
    jfree(&c.d);
    return r;
}

/* ---- meta ----------------------------------------------------------------- */

#define META_MAX_MONTHS 1200    /* a century of monthly series */
#define META_MAX_VALUES 1000000 /* (KPIs + columns) x months in one record */

/* An array of distinct non-empty strings. */
static int get_names(struct rd *c, const struct jv *o, const char *key, char ***out, size_t *n)
{
    const struct jv *a = jget(&c->d, o, key);
    if (!a || a->type != J_ARR)
        return bad(c, "meta: \"%s\" must be an array of names", key);
    *out = xcalloc(a->n ? a->n : 1, sizeof **out);
    const struct jv *v = jfirst(a);
    for (*n = 0; *n < a->n; ++*n, v = jnext(&c->d, v)) {
        if (v->type != J_STR || v->n == 0)
            return bad(c, "meta: \"%s\"[%zu] must be a non-empty string", key, *n);
        if (find(*out, *n, v->s) >= 0)
            return bad(c, "meta: \"%s\" names \"%.40s\" twice", key, v->s);
        (*out)[*n] = xstrndup(v->s, v->n);
    }
    return 0;
}

/* The months: required, from <= to, m0 <= from, nmonths = to - m0 + 1. */
static int read_months(struct rd *c, const struct jv *o, struct kp_meta *m)
{
    static const char *const keys[] = {"from", "to", "m0"};
    kp_month *const dst[] = {&m->from, &m->to, &m->m0};
    for (size_t i = 0; i < 3; i++)
        if (get_month(c, o, keys[i], dst[i]) < 0 || *dst[i] == 0)
            return bad(c, "meta: \"%s\" must be a month (YYYY-MM)", keys[i]);
    m->nmonths = -1;
    if (get_int(c, o, "nmonths", &m->nmonths) < 0)
        return -1;
    if (m->from > m->to || m->m0 > m->from || m->nmonths != m->to - m->m0 + 1)
        return bad(c, "meta: the months do not agree (need m0 <= from <= to and "
                      "nmonths = months from m0 to to)");
    if (m->nmonths > META_MAX_MONTHS)
        return bad(c, "meta: more than %d months", META_MAX_MONTHS);
    return 0;
}

/* Every record allocates (KPIs + columns) x months values: keep a hostile
 * meta line from asking for gigabytes per record. */
static int check_size(struct rd *c, const struct kp_meta *m)
{
    if ((m->nkpis + m->ncols) * (size_t)m->nmonths > META_MAX_VALUES)
        return bad(c,
                   "meta: %zu KPIs and %zu columns over %d months is too many values "
                   "per record (at most %d)",
                   m->nkpis, m->ncols, m->nmonths, META_MAX_VALUES);
    return 0;
}

int meta_read_json(const char *line, struct kp_meta *m, char *err, size_t errlen)
{
    struct rd c = {.err = err, .errlen = errlen, .m = m};
    memset(m, 0, sizeof *m);
    if (errlen)
        err[0] = '\0';
    int rc = -1;
    const struct jv *o = load_object(line, &c, "meta");
    if (!o)
        goto out;
    if (get_str(&c, o, "tool", &m->tool_version) < 0 || get_str(&c, o, "label", &m->label) < 0 ||
        read_months(&c, o, m) < 0 || get_date(&c, o, "as_of", &m->as_of) < 0 ||
        get_date(&c, o, "doc_date", &m->doc_date) < 0 ||
        get_int(&c, o, "months_elapsed", &m->months_elapsed) < 0 ||
        get_str(&c, o, "org", &m->org_name) < 0 || get_str(&c, o, "currency", &m->currency) < 0 ||
        get_str(&c, o, "language", &m->default_lang) < 0 ||
        get_names(&c, o, "kpis", &m->kpis, &m->nkpis) < 0 ||
        get_names(&c, o, "cols", &m->cols, &m->ncols) < 0 || check_size(&c, m) < 0 ||
        get_str(&c, o, "config_sha256", &m->config_hash) < 0)
        goto out;
    const struct jv *p = jget(&c.d, o, "pacing");
    if (p && p->type != J_TRUE && p->type != J_FALSE) {
        bad(&c, "meta: \"pacing\" must be true or false");
        goto out;
    }
    m->pacing = p && p->type == J_TRUE;
    rc = 0;
out:
    jfree(&c.d);
    if (rc < 0)
        meta_free(m);
    return rc;
}
