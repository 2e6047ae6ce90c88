/* record — results.json records: allocation, writing, reading (record.h).
 *
 * Writing goes straight into a kp_buf by hand: fixed key order, numbers in
 * fmt_plain form (util.h), UTF-8 passed through, so the output is byte-stable
 * (jansson's writer would print 0.1 as 0.10000000000000001). Reading parses
 * the line with jansson and checks every value against the meta. */
#include "record.h"

#include "hash.h"
#include "util.h"

#include <jansson.h>

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
        v->group_value = v->group_points = v->target_full = NAN;
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
    free(r->end_date), free(r->employed), free(r->ramp);
    for (char **t = r->teams; t && *t; t++) /* nmonths strings, then NULL */
        free(*t);
    free(r->teams);
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
    for (size_t i = 0; i < m->ninputs; i++)
        free(m->inputs[i].name), free(m->inputs[i].sha256);
    free(m->inputs);
    memset(m, 0, sizeof *m);
}

/* ---- writing -------------------------------------------------------------- */

/* A number in fmt_plain form (the shortest of %.15g/%.16g/%.17g that reads
 * back to v, -0 as 0); NaN is null. */
static void put_num(struct kp_buf *b, double v)
{
    char s[32];
    if (!isfinite(v)) /* n/a; and JSON has no infinity */
        v = NAN;
    fmt_plain(s, sizeof s, v);
    if (s[0])
        buf_adds(b, s);
    else
        buf_add(b, "null", 4);
}

static void put_int(struct kp_buf *b, long v)
{
    char s[24];
    int n = snprintf(s, sizeof s, "%ld", v);
    buf_add(b, s, (size_t)n);
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

static void put_inputs(struct kp_buf *b, const struct kp_meta *m)
{
    if (m->ninputs == 0)
        return; /* the key is optional: older results.json files have none */
    put_key(b, "inputs");
    buf_addc(b, '[');
    for (size_t i = 0; i < m->ninputs; i++) {
        const struct kp_meta_input *f = &m->inputs[i];
        buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
        put_str(b, f->name);
        buf_printf(b, ",\"size\":%lld,\"sha256\":", f->size);
        put_str(b, f->sha256);
        buf_printf(b, ",\"rows\":%ld,\"used\":%ld,\"rejected\":%ld}", f->rows, f->used,
                   f->rejected);
    }
    buf_addc(b, ']');
}

void meta_set_inputs(struct kp_meta *m, const struct kp_data *d)
{
    m->inputs = xcalloc(d->ninputs + 1, sizeof *m->inputs);
    m->ninputs = d->ninputs;
    for (size_t i = 0; i < d->ninputs; i++) {
        const struct kp_input_file *f = &d->inputs[i];
        const char *slash = f->name ? strrchr(f->name, '/') : NULL;
        struct kp_meta_input *o = &m->inputs[i];
        o->name = xstrdup(slash ? slash + 1 : f->name ? f->name : "");
        o->size = f->size;
        o->rows = f->rows, o->used = f->used, o->rejected = f->rejected;
        if (f->hashed) {
            o->sha256 = xmalloc(KP_SHA256_HEX);
            hash_to_hex(f->sha256, o->sha256);
        }
    }
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
    put_inputs(out, m);
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
    if (!isnan(v->target_full)) {
        buf_adds(b, ",\"target_full\":");
        put_num(b, v->target_full);
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
    if (r->employed) {
        buf_adds(out, ",\"employment\":{\"end_date\":");
        put_str(out, r->end_date);
        buf_adds(out, ",\"employed\":");
        put_nums(out, r->employed, nm);
        buf_adds(out, ",\"ramp\":");
        put_nums(out, r->ramp, nm);
        buf_addc(out, '}');
    }
    if (r->teams) {
        buf_adds(out, ",\"teams\":");
        put_strs(out, r->teams, nm);
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

/* ---- reading -------------------------------------------------------------- */

struct rd {
    char *err;
    size_t errlen;
    const struct kp_meta *m;
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
 * the root object (json_decref it), or NULL after an error. */
static json_t *load_object(const char *line, struct rd *c, const char *what)
{
    size_t n = line ? strlen(line) : 0;
    while (n && strchr(" \t\r\n", line[n - 1]))
        n--;
    if (n && line[n - 1] == ',')
        n--;
    json_error_t je;
    json_t *j = json_loadb(line ? line : "", n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!j) {
        if (je.column > 0)
            bad(c, "%s is not valid JSON: %s (column %d)", what, je.text, je.column);
        else
            bad(c, "%s is not valid JSON: %s", what, je.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        bad(c, "%s is not a JSON object", what);
        return NULL;
    }
    return j;
}

/* Missing and null leave *out as it is (NULL). */
static int get_str(struct rd *c, const json_t *o, const char *key, char **out)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return bad(c, "\"%s\" must be a string or null", key);
    free(*out);
    *out = xstrndup(json_string_value(v), json_string_length(v));
    return 0;
}

/* Missing and null are n/a. */
static int get_num(struct rd *c, const json_t *o, const char *key, double *out)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *out = NAN;
        return 0;
    }
    if (!json_is_number(v))
        return bad(c, "\"%s\" must be a number or null", key);
    *out = json_number_value(v);
    return 0;
}

/* Missing leaves *out as it is. */
static int get_long(struct rd *c, const json_t *o, const char *key, long lo, long hi, long *out)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return bad(c, "\"%s\" must be an integer from %ld to %ld", key, lo, hi);
    *out = (long)json_integer_value(v);
    return 0;
}

static int get_int(struct rd *c, const json_t *o, const char *key, int *out)
{
    long v = *out;
    if (get_long(c, o, key, INT_MIN, INT_MAX, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* One of names[0..n) (a string); -1 after an error. Missing: dflt. */
static int get_enum(struct rd *c, const json_t *o, const char *key, const char *const *names, int n,
                    int dflt)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return dflt;
    for (int i = 0; json_is_string(v) && i < n; i++)
        if (strcmp(json_string_value(v), names[i]) == 0)
            return i;
    return bad(c, "\"%s\" must be one of %s%s%s%s%s", key, names[0], n > 1 ? ", " : "",
               n > 1 ? names[1] : "", n > 2 ? ", " : "", n > 2 ? names[2] : "");
}

static int get_month(struct rd *c, const json_t *o, const char *key, kp_month *out)
{
    const json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || month_parse(json_string_value(v), out) < 0)
        return bad(c, "\"%s\" must be a month (YYYY-MM) or null", key);
    return 0;
}

static int get_date(struct rd *c, const json_t *o, const char *key, long *out)
{
    const json_t *v = json_object_get(o, key);
    *out = -1;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || date_parse(json_string_value(v), out) < 0)
        return bad(c, "\"%s\" must be a date (YYYY-MM-DD) or null", key);
    return 0;
}

/* An array of exactly n numbers or nulls. */
static int get_nums(struct rd *c, const json_t *a, const char *what, double *out, size_t n)
{
    if (!json_is_array(a))
        return bad(c, "%s must be an array of %zu values (found not an array)", what, n);
    if (json_array_size(a) != n)
        return bad(c, "%s must be an array of %zu values (found %zu)", what, n, json_array_size(a));
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(a, i);
        if (json_is_number(v))
            out[i] = json_number_value(v);
        else if (json_is_null(v))
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

/* obj must hold exactly the keys names[0..n) (each was found, and jansson
 * refused duplicates): report an unknown one. */
static int check_keys(struct rd *c, json_t *obj, char *const *names, size_t n, const char *what)
{
    if (json_object_size(obj) == n)
        return 0;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (find(names, n, key) < 0)
            return bad(c, "\"%s\": unknown %s \"%.40s\" (not in meta)", what,
                       strcmp(what, "kpis") == 0 ? "KPI" : "column", key);
    }
    return 0;
}

static int read_kpi(struct rd *c, const json_t *o, const char *id, struct kp_kpival *v, size_t nm)
{
    if (!json_is_object(o))
        return bad(c, "\"kpis\".\"%.40s\" must be an object", id);
    static const char *const nkeys[] = {"value",  "target",      "ratio",        "points",
                                        "weight", "sample",      "prev",         "projected",
                                        "needed", "group_value", "group_points", "target_full"};
    double *const dst[] = {&v->value,  &v->target,      &v->ratio,        &v->points,
                           &v->weight, &v->sample,      &v->prev,         &v->projected,
                           &v->needed, &v->group_value, &v->group_points, &v->target_full};
    for (size_t i = 0; i < KP_NELEM(nkeys); i++)
        if (get_num(c, o, nkeys[i], dst[i]) < 0)
            return -1;
    int st = get_enum(c, o, "status", kp_status_names, 3, KP_ST_NA);
    int src = get_enum(c, o, "target_src", src_names, 5, 4);
    if (st < 0 || src < 0)
        return -1;
    v->status = (enum kp_status)st;
    v->target_src = src < 4 ? src_letters[src] : 0;
    const json_t *series = json_object_get(o, "series");
    char what[80];
    snprintf(what, sizeof what, "\"kpis\".\"%.40s\".\"series\"", id);
    return series ? get_nums(c, series, what, v->series, nm) : 0;
}

static int read_kpis(struct rd *c, const json_t *o, struct kp_record *r, size_t nm)
{
    const struct kp_meta *m = c->m;
    json_t *kp = json_object_get(o, "kpis");
    if (!kp)
        return 0;
    if (!json_is_object(kp))
        return bad(c, "\"kpis\" must be an object");
    for (size_t k = 0; k < m->nkpis; k++) {
        const json_t *v = json_object_get(kp, m->kpis[k]);
        if (!v)
            return bad(c, "\"kpis\": KPI \"%.40s\" is missing", m->kpis[k]);
        if (read_kpi(c, v, m->kpis[k], &r->kpis[k], nm) < 0)
            return -1;
    }
    return check_keys(c, kp, m->kpis, m->nkpis, "kpis");
}

static int read_cols(struct rd *c, const json_t *o, struct kp_record *r, size_t nm)
{
    const struct kp_meta *m = c->m;
    json_t *cols = json_object_get(o, "cols");
    if (!cols)
        return 0;
    if (!json_is_object(cols))
        return bad(c, "\"cols\" must be an object");
    for (size_t i = 0; i < m->ncols; i++) {
        const json_t *v = json_object_get(cols, m->cols[i]);
        char what[64];
        snprintf(what, sizeof what, "\"cols\".\"%.40s\"", m->cols[i]);
        if (!v)
            return bad(c, "%s is missing", what);
        if (get_nums(c, v, what, r->cols + i * nm, nm) < 0)
            return -1;
    }
    return check_keys(c, cols, m->cols, m->ncols, "cols");
}

static int read_lines(struct rd *c, const json_t *o, struct kp_record *r, size_t nm)
{
    const json_t *a = json_object_get(o, "lines");
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a) || json_array_size(a) != nm)
        return bad(c, "\"lines\" must be an array of %zu line numbers", nm);
    if (!r->lines)
        r->lines = xcalloc(nm ? nm : 1, sizeof *r->lines);
    for (size_t i = 0; i < nm; i++) {
        const json_t *v = json_array_get(a, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > LONG_MAX)
            return bad(c, "\"lines\"[%zu] must be a line number", i);
        r->lines[i] = (long)json_integer_value(v);
    }
    return 0;
}

/* "employment" and "teams" (optional; people). */
static int read_employment(struct rd *c, const json_t *o, struct kp_record *r, size_t nm)
{
    const json_t *e = json_object_get(o, "employment"), *t = json_object_get(o, "teams");
    if (e && !json_is_null(e)) {
        if (!json_is_object(e))
            return bad(c, "\"employment\" must be an object");
        r->employed = xmalloc((nm ? nm : 1) * sizeof *r->employed);
        r->ramp = xmalloc((nm ? nm : 1) * sizeof *r->ramp);
        if (get_str(c, e, "end_date", &r->end_date) < 0 ||
            get_nums(c, json_object_get(e, "employed"), "\"employment\".\"employed\"", r->employed,
                     nm) < 0 ||
            get_nums(c, json_object_get(e, "ramp"), "\"employment\".\"ramp\"", r->ramp, nm) < 0)
            return -1;
    }
    if (!t || json_is_null(t))
        return 0;
    if (!json_is_array(t) || json_array_size(t) != nm)
        return bad(c, "\"teams\" must be an array of %zu team names", nm);
    r->teams = xcalloc(nm + 1, sizeof *r->teams);
    for (size_t i = 0; i < nm; i++) {
        const json_t *v = json_array_get(t, i);
        if (!json_is_string(v)) {
            for (size_t j = 0; j < nm; j++) /* no NULL hole before the end */
                if (!r->teams[j])
                    r->teams[j] = xstrdup("");
            return bad(c, "\"teams\"[%zu] must be a string", i);
        }
        r->teams[i] = xstrndup(json_string_value(v), json_string_length(v));
    }
    return 0;
}

/* The array at key, all of whose elements are objects, in *a and its size in
 * *n (0 when missing or null); -1 after an error. */
static int get_objects(struct rd *c, const json_t *o, const char *key, const json_t **a, size_t *n)
{
    *a = json_object_get(o, key);
    *n = 0;
    if (!*a || json_is_null(*a))
        return 0;
    if (!json_is_array(*a))
        return bad(c, "\"%s\" must be an array", key);
    *n = json_array_size(*a);
    for (size_t i = 0; i < *n; i++)
        if (!json_is_object(json_array_get(*a, i)))
            return bad(c, "\"%s\"[%zu] must be an object", key, i);
    return 0;
}

static int read_alert(struct rd *c, const json_t *o, struct kp_alert *a)
{
    a->kpi = -1;
    const json_t *k = json_object_get(o, "kpi");
    if (k && !json_is_null(k)) {
        if (!json_is_string(k))
            return bad(c, "\"alerts\": \"kpi\" must be a KPI id or null");
        a->kpi = find(c->m->kpis, c->m->nkpis, json_string_value(k));
        if (a->kpi < 0)
            return bad(c, "\"alerts\": unknown KPI \"%.40s\"", json_string_value(k));
    }
    if (get_str(c, o, "rule", &a->rule) < 0 || get_str(c, o, "kind", &a->kind) < 0 ||
        get_month(c, o, "month", &a->month) < 0 || get_num(c, o, "value", &a->value) < 0 ||
        get_num(c, o, "threshold", &a->threshold) < 0)
        return -1;
    return 0;
}

static int read_alerts(struct rd *c, const json_t *o, struct kp_record *r)
{
    const json_t *a;
    size_t n;
    if (get_objects(c, o, "alerts", &a, &n) < 0)
        return -1;
    r->alerts = xcalloc(n ? n : 1, sizeof *r->alerts);
    while (r->nalerts < n) { /* counted first, so that record_free sees its strings */
        const json_t *e = json_array_get(a, r->nalerts);
        if (read_alert(c, e, &r->alerts[r->nalerts++]) < 0)
            return -1;
    }
    return 0;
}

static int read_coaching(struct rd *c, const json_t *o, struct kp_record *r)
{
    const json_t *a;
    size_t n;
    if (get_objects(c, o, "coaching", &a, &n) < 0)
        return -1;
    r->coach = xcalloc(n ? n : 1, sizeof *r->coach);
    while (r->ncoach < n) {
        const json_t *e = json_array_get(a, r->ncoach);
        struct kp_coach *k = &r->coach[r->ncoach++];
        if (get_str(c, e, "step", &k->step) < 0 || get_str(c, e, "kpi", &k->kpi) < 0 ||
            get_str(c, e, "text", &k->text) < 0)
            return -1;
    }
    return 0;
}

static int read_members(struct rd *c, const json_t *o, struct kp_record *r)
{
    const json_t *a;
    size_t n;
    if (get_objects(c, o, "members", &a, &n) < 0)
        return -1;
    r->members = xcalloc(n ? n : 1, sizeof *r->members);
    while (r->nmembers < n) {
        const json_t *e = json_array_get(a, r->nmembers);
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

static int read_head(struct rd *c, const json_t *o, struct kp_record *r)
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
    json_t *o = load_object(line, &c, "record");
    if (!o)
        return NULL;
    struct kp_record *r = NULL;
    int kind = get_enum(&c, o, "kind", kind_names, 3, -2);
    if (kind == -2)
        bad(&c, "record has no \"kind\"");
    if (kind < 0)
        goto out;
    size_t nm = m->nmonths > 0 ? (size_t)m->nmonths : 0;
    r = record_new(m, (enum kp_rec_kind)kind);
    if (read_head(&c, o, r) < 0 || read_kpis(&c, o, r, nm) < 0 || read_cols(&c, o, r, nm) < 0 ||
        read_lines(&c, o, r, nm) < 0 || read_employment(&c, o, r, nm) < 0 ||
        read_alerts(&c, o, r) < 0 || read_coaching(&c, o, r) < 0 || read_members(&c, o, r) < 0) {
        record_free(r);
        r = NULL;
    }
out:
    json_decref(o);
    return r;
}

/* ---- meta ----------------------------------------------------------------- */

#define META_MAX_MONTHS 1200    /* a century of monthly series */
#define META_MAX_VALUES 1000000 /* (KPIs + columns) x months in one record */

/* An array of distinct non-empty strings. */
static int get_names(struct rd *c, const json_t *o, const char *key, char ***out, size_t *n)
{
    const json_t *a = json_object_get(o, key);
    if (!json_is_array(a))
        return bad(c, "meta: \"%s\" must be an array of names", key);
    size_t len = json_array_size(a);
    *out = xcalloc(len ? len : 1, sizeof **out);
    for (*n = 0; *n < len; ++*n) {
        const json_t *v = json_array_get(a, *n);
        if (!json_is_string(v) || json_string_length(v) == 0)
            return bad(c, "meta: \"%s\"[%zu] must be a non-empty string", key, *n);
        if (find(*out, *n, json_string_value(v)) >= 0)
            return bad(c, "meta: \"%s\" names \"%.40s\" twice", key, json_string_value(v));
        (*out)[*n] = xstrdup(json_string_value(v));
    }
    return 0;
}

/* The months: required, from <= to, m0 <= from, nmonths = to - m0 + 1. */
static int read_months(struct rd *c, const json_t *o, struct kp_meta *m)
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

/* "inputs": optional; each entry an object with a non-empty name. */
static int read_inputs(struct rd *c, const json_t *o, struct kp_meta *m)
{
    const json_t *a = json_object_get(o, "inputs");
    if (!a)
        return 0;
    if (!json_is_array(a) || json_array_size(a) > 1000)
        return bad(c, "meta: \"inputs\" must be an array of at most 1000 files");
    m->inputs = xcalloc(json_array_size(a) + 1, sizeof *m->inputs);
    for (; m->ninputs < json_array_size(a); m->ninputs++) {
        const json_t *e = json_array_get(a, m->ninputs);
        struct kp_meta_input *f = &m->inputs[m->ninputs];
        const json_t *size = json_object_get(e, "size");
        if (!json_is_object(e) || get_str(c, e, "name", &f->name) < 0 || !f->name || !*f->name ||
            get_str(c, e, "sha256", &f->sha256) < 0 || (size && !json_is_integer(size)) ||
            get_long(c, e, "rows", 0, LONG_MAX, &f->rows) < 0 ||
            get_long(c, e, "used", 0, LONG_MAX, &f->used) < 0 ||
            get_long(c, e, "rejected", 0, LONG_MAX, &f->rejected) < 0) {
            m->ninputs++; /* free what was read */
            return bad(c, "meta: \"inputs\"[%zu] must be {\"name\":s, \"size\":N, "
                          "\"sha256\":s, \"rows\":N, \"used\":N, \"rejected\":N}",
                       m->ninputs - 1);
        }
        f->size = size ? (long long)json_integer_value(size) : 0;
    }
    return 0;
}

int meta_read_json(const char *line, struct kp_meta *m, char *err, size_t errlen)
{
    struct rd c = {.err = err, .errlen = errlen, .m = m};
    memset(m, 0, sizeof *m);
    if (errlen)
        err[0] = '\0';
    json_t *o = load_object(line, &c, "meta");
    if (!o)
        return -1;
    int rc = -1;
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
    const json_t *p = json_object_get(o, "pacing");
    if (p && !json_is_boolean(p)) {
        bad(&c, "meta: \"pacing\" must be true or false");
        goto out;
    }
    m->pacing = json_is_true(p);
    if (read_inputs(&c, o, m) < 0)
        goto out;
    rc = 0;
out:
    json_decref(o);
    if (rc < 0)
        meta_free(m);
    return rc;
}
