/* Unit tests for record: exact round trips of meta, person, team and org
 * records, byte-stable output (pinned), numbers in fmt_plain form that read
 * back exactly, malformed input with jansson's messages, and a write/read
 * timing (KP_BENCH=1 for 10,000 records). */
#include "unit.h"

#include "record.h"
#include "util.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NKPI        11
#define NCOL        14
#define NMON        15
#define PINNED_LEN  2862616
#define PINNED_HASH 0x1d1735c37986c587ULL

/* ---- fixtures ------------------------------------------------------------- */

static const char *const kpi_ids[NKPI] = {"attainment",
                                          "collection_rate",
                                          "conversion",
                                          "win_rate",
                                          "new_customers",
                                          "visits",
                                          "csat",
                                          "nps",
                                          "renewal_rate",
                                          "cycle_days",
                                          "forecast_accuracy"};

static void make_meta(struct kp_meta *m)
{
    memset(m, 0, sizeof *m);
    m->tool_version = xstrdup("kpipress 0.1.0");
    m->label = xstrdup("2026-Q2 \"final\"");
    month_parse("2026-04", &m->from);
    month_parse("2026-06", &m->to);
    m->m0 = m->to - NMON + 1;
    m->nmonths = NMON;
    date_parse("2026-06-15", &m->as_of);
    date_parse("2026-07-01", &m->doc_date);
    m->pacing = 1;
    m->months_elapsed = 2;
    m->org_name = xstrdup("华东销售 \\ East");
    m->currency = xstrdup("¥");
    m->default_lang = xstrdup("zh");
    m->nkpis = NKPI;
    m->kpis = xcalloc(NKPI, sizeof *m->kpis);
    for (size_t k = 0; k < NKPI; k++)
        m->kpis[k] = xstrdup(kpi_ids[k]);
    m->ncols = NCOL;
    m->cols = xcalloc(NCOL, sizeof *m->cols);
    for (size_t c = 0; c < NCOL; c++)
        m->cols[c] = xstrdup(kp_canon_cols[c]);
    m->config_hash = xstrdup("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

/* Awkward doubles: exact round trips of these are the point. */
static double tricky(unsigned i)
{
    static const double v[] = {1.0 / 3.0, 0.1,    1e-300,    NAN,        -2.5,    1250000,
                               0,         5e-324, 1e300,     -1.0 / 7.0, 0.3,     123456.78,
                               NAN,       1e15,   2.0 / 3.0, 99.5,       DBL_MAX, 4e-5};
    return v[i % KP_NELEM(v)];
}

static void fill_kpi(struct kp_kpival *v, unsigned seed)
{
    double *f[] = {&v->value,  &v->target,      &v->ratio,       &v->points,
                   &v->weight, &v->sample,      &v->prev,        &v->projected,
                   &v->needed, &v->group_value, &v->group_points};
    for (unsigned i = 0; i < KP_NELEM(f); i++)
        *f[i] = tricky(seed + i);
    v->status = (enum kp_status)(seed % 3);
    v->target_src = "prdt"[seed % 4];
    if (seed % 5 == 0)
        v->target_src = 0;
    for (unsigned i = 0; i < NMON; i++)
        v->series[i] = tricky(seed * 7 + i);
}

static void fill_record(struct kp_record *r, const struct kp_meta *m, unsigned seed)
{
    r->id = xstrdup(r->kind == KP_REC_ORG ? "*" : "R-0042");
    r->name = xstrdup("张三 \"Zhang\" O'Neil\\\n\t\x01 end");
    r->email = xstrdup("zhang.san@example.com");
    r->team = xstrdup("East/华东");
    r->role = xstrdup(""); /* empty is not NULL */
    r->manager_id = NULL;
    r->manager_name = xstrdup("李四");
    r->hire_date = xstrdup("2019-03-01");
    r->lang = xstrdup("zh");
    r->line = 1234567;
    r->scope = 17;
    r->composite = 1.0 / 3.0;
    r->composite_prev = NAN;
    r->band = xstrdup("meets");
    r->rank_team = 3;
    r->team_size = 9;
    r->rank_org = 101;
    r->org_size = 10000;
    r->percentile = 98.99;
    r->payout = 1e-300;
    r->payout_rate = 0.1;
    for (size_t k = 0; k < m->nkpis; k++)
        fill_kpi(&r->kpis[k], seed + (unsigned)k);
    for (size_t i = 0; i < m->ncols * (size_t)m->nmonths; i++)
        r->cols[i] = i % 9 == 4 ? NAN : (double)(seed * 1000 + i) + (i % 3 ? 0.25 : 0);
    for (int i = 0; r->lines && i < m->nmonths; i++)
        r->lines[i] = i % 4 ? 100 + i : 0;
    r->nalerts = 3;
    r->alerts = xcalloc(3, sizeof *r->alerts);
    r->alerts[0] = (struct kp_alert){xstrdup("drop10"), xstrdup("drop"), 3, 0, 0.5, 0.1};
    r->alerts[1] = (struct kp_alert){xstrdup("idle"), xstrdup("idle"), -1, m->to, NAN, 0};
    r->alerts[2] = (struct kp_alert){NULL, xstrdup("pace"), 0, 0, 1.0 / 3.0, NAN};
    r->ncoach = 2;
    r->coach = xcalloc(2, sizeof *r->coach);
    r->coach[0] =
        (struct kp_coach){xstrdup("goal"), xstrdup("win_rate"), xstrdup("目标：提高赢单率")};
    r->coach[1] = (struct kp_coach){xstrdup("will"), xstrdup(""), xstrdup("line 1\nline \"2\"")};
    if (r->kind == KP_REC_TEAM) {
        r->nmembers = 2;
        r->members = xcalloc(2, sizeof *r->members);
        r->members[0] = (struct kp_member){
            xstrdup("R-1"), xstrdup("王五"), xstrdup("ae"), 0.75, xstrdup("exceeds"), 1, 1.2};
        r->members[1] = (struct kp_member){xstrdup("R-2"), NULL, xstrdup("kam"), NAN, NULL, 2, NAN};
    }
}

static void fill_realistic(struct kp_record *r, const struct kp_meta *m, unsigned seed);

/* ---- comparisons ---------------------------------------------------------- */

static void same_num(double a, double b, const char *what)
{
    if (isnan(a) && isnan(b))
        return;
    if (a != b || signbit(a) != signbit(b))
        fail_msg("%s: %.17g != %.17g", what, a, b);
}

static void same_str(const char *a, const char *b, const char *what)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
        fail_msg("%s: \"%s\" != \"%s\"", what, a ? a : "(null)", b ? b : "(null)");
}

static void same_kpi(const struct kp_kpival *a, const struct kp_kpival *b, int nm)
{
    const double fa[] = {a->value,  a->target,      a->ratio,       a->points,
                         a->weight, a->sample,      a->prev,        a->projected,
                         a->needed, a->group_value, a->group_points};
    const double fb[] = {b->value,  b->target,      b->ratio,       b->points,
                         b->weight, b->sample,      b->prev,        b->projected,
                         b->needed, b->group_value, b->group_points};
    for (size_t i = 0; i < KP_NELEM(fa); i++)
        same_num(fa[i], fb[i], "kpi field");
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->target_src, b->target_src);
    for (int i = 0; i < nm; i++)
        same_num(a->series[i], b->series[i], "series");
}

static void same_lists(const struct kp_record *a, const struct kp_record *b)
{
    assert_int_equal(a->nalerts, b->nalerts);
    for (size_t i = 0; i < a->nalerts; i++) {
        same_str(a->alerts[i].rule, b->alerts[i].rule, "alert rule");
        same_str(a->alerts[i].kind, b->alerts[i].kind, "alert kind");
        assert_int_equal(a->alerts[i].kpi, b->alerts[i].kpi);
        assert_int_equal(a->alerts[i].month, b->alerts[i].month);
        same_num(a->alerts[i].value, b->alerts[i].value, "alert value");
        same_num(a->alerts[i].threshold, b->alerts[i].threshold, "alert threshold");
    }
    assert_int_equal(a->ncoach, b->ncoach);
    for (size_t i = 0; i < a->ncoach; i++) {
        same_str(a->coach[i].step, b->coach[i].step, "coach step");
        same_str(a->coach[i].kpi, b->coach[i].kpi, "coach kpi");
        same_str(a->coach[i].text, b->coach[i].text, "coach text");
    }
    assert_int_equal(a->nmembers, b->nmembers);
    for (size_t i = 0; i < a->nmembers; i++) {
        const struct kp_member *x = &a->members[i], *y = &b->members[i];
        same_str(x->rep_id, y->rep_id, "member id");
        same_str(x->name, y->name, "member name");
        same_str(x->role, y->role, "member role");
        same_str(x->band, y->band, "member band");
        same_num(x->composite, y->composite, "member composite");
        same_num(x->attainment, y->attainment, "member attainment");
        assert_int_equal(x->rank, y->rank);
    }
}

static void same_record(const struct kp_record *a, const struct kp_record *b,
                        const struct kp_meta *m)
{
    assert_int_equal(a->kind, b->kind);
    const char *sa[] = {a->id,         a->name,         a->email,     a->team, a->role,
                        a->manager_id, a->manager_name, a->hire_date, a->lang, a->band};
    const char *sb[] = {b->id,         b->name,         b->email,     b->team, b->role,
                        b->manager_id, b->manager_name, b->hire_date, b->lang, b->band};
    for (size_t i = 0; i < KP_NELEM(sa); i++)
        same_str(sa[i], sb[i], "string field");
    const long ia[] = {a->line, a->scope, a->rank_team, a->team_size, a->rank_org, a->org_size};
    const long ib[] = {b->line, b->scope, b->rank_team, b->team_size, b->rank_org, b->org_size};
    for (size_t i = 0; i < KP_NELEM(ia); i++)
        assert_int_equal(ia[i], ib[i]);
    const double da[] = {a->composite, a->composite_prev, a->percentile, a->payout, a->payout_rate};
    const double db[] = {b->composite, b->composite_prev, b->percentile, b->payout, b->payout_rate};
    for (size_t i = 0; i < KP_NELEM(da); i++)
        same_num(da[i], db[i], "record number");
    for (size_t k = 0; k < m->nkpis; k++)
        same_kpi(&a->kpis[k], &b->kpis[k], m->nmonths);
    for (size_t i = 0; i < m->ncols * (size_t)m->nmonths; i++)
        same_num(a->cols[i], b->cols[i], "cols");
    assert_int_equal(a->lines == NULL, b->lines == NULL);
    for (int i = 0; a->lines && i < m->nmonths; i++)
        assert_int_equal(a->lines[i], b->lines[i]);
    same_lists(a, b);
}

/* write -> read -> compare -> write again: byte-identical. */
static void roundtrip(enum kp_rec_kind kind, unsigned seed)
{
    struct kp_meta m;
    make_meta(&m);
    struct kp_record *r = record_new(&m, kind);
    fill_record(r, &m, seed);
    struct kp_buf b1 = {0}, b2 = {0};
    record_write_json(r, &m, &b1);
    assert_null(strchr(b1.s, '\n')); /* one line */
    char err[200];
    struct kp_record *back = record_read_json(b1.s, &m, err, sizeof err);
    if (!back)
        fail_msg("read back failed: %s", err);
    same_record(r, back, &m);
    record_write_json(back, &m, &b2);
    assert_string_equal(b1.s, b2.s);
    record_free(back);
    record_free(r);
    buf_free(&b1);
    buf_free(&b2);
    meta_free(&m);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_roundtrip_person(void **state)
{
    (void)state;
    for (unsigned seed = 0; seed < 20; seed++)
        roundtrip(KP_REC_PERSON, seed);
}

static void test_roundtrip_team_org(void **state)
{
    (void)state;
    for (unsigned seed = 0; seed < 10; seed++) {
        roundtrip(KP_REC_TEAM, seed);
        roundtrip(KP_REC_ORG, seed);
    }
}

/* A record straight from record_new: all n/a, all NULL. */
static void test_roundtrip_empty(void **state)
{
    (void)state;
    struct kp_meta m;
    make_meta(&m);
    for (int kind = KP_REC_PERSON; kind <= KP_REC_ORG; kind++) {
        struct kp_record *r = record_new(&m, (enum kp_rec_kind)kind);
        assert_true(isnan(r->composite) && isnan(r->kpis[3].series[NMON - 1]));
        assert_true(isnan(r->cols[NCOL * NMON - 1]) && r->kpis[10].weight == 0);
        assert_int_equal(r->lines != NULL, kind == KP_REC_PERSON);
        struct kp_buf b = {0}, b2 = {0};
        record_write_json(r, &m, &b);
        struct kp_record *back = record_read_json(b.s, &m, NULL, 0);
        assert_non_null(back);
        same_record(r, back, &m);
        record_write_json(back, &m, &b2);
        assert_string_equal(b.s, b2.s);
        record_free(back);
        record_free(r);
        buf_free(&b);
        buf_free(&b2);
    }
    meta_free(&m);
}

/* s with the first `from` replaced by `to` (a new string). */
static char *replace_first(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    return xasprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

/* A person's employment (record.h "employment", "teams", "target_full"):
 * written only when set, read back exactly; malformed ones refused. */
static void test_employment(void **state)
{
    (void)state;
    struct kp_meta m;
    make_meta(&m);
    struct kp_record *r = record_new(&m, KP_REC_PERSON);
    struct kp_buf b = {0}, b2 = {0};
    record_write_json(r, &m, &b);
    assert_null(strstr(b.s, "employment"));
    assert_null(strstr(b.s, "\"teams\""));
    assert_null(strstr(b.s, "target_full"));
    r->end_date = xstrdup("2026-05-20");
    r->employed = xmalloc(NMON * sizeof *r->employed);
    r->ramp = xmalloc(NMON * sizeof *r->ramp);
    r->teams = xcalloc(NMON + 1, sizeof *r->teams);
    for (int i = 0; i < NMON; i++) {
        r->employed[i] = i < 12 ? 1 : i == 12 ? 20.0 / 31 : 0;
        r->ramp[i] = i == 13 ? 0.25 : 1;
        r->teams[i] = xstrdup(i < 13 ? "East" : i == 13 ? "西区" : "");
    }
    r->kpis[5].target_full = 36;
    buf_free(&b);
    record_write_json(r, &m, &b);
    assert_non_null(strstr(b.s, ",\"employment\":{\"end_date\":\"2026-05-20\",\"employed\":[1,"));
    assert_non_null(strstr(b.s, "\"target_full\":36,\"series\""));
    char err[200];
    struct kp_record *back = record_read_json(b.s, &m, err, sizeof err);
    if (!back)
        fail_msg("read back failed: %s", err);
    assert_string_equal(back->end_date, "2026-05-20");
    for (int i = 0; i < NMON; i++) {
        assert_true(back->employed[i] == r->employed[i] && back->ramp[i] == r->ramp[i]);
        assert_string_equal(back->teams[i], r->teams[i]);
    }
    assert_null(back->teams[NMON]);
    assert_true(back->kpis[5].target_full == 36 && isnan(back->kpis[4].target_full));
    record_write_json(back, &m, &b2);
    assert_string_equal(b.s, b2.s);
    record_free(back);
    /* Wrong lengths and types are refused with the key's name. */
    char *bad = replace_first(b.s, "\"teams\":[\"East\"", "\"teams\":[7");
    assert_null(record_read_json(bad, &m, err, sizeof err));
    assert_non_null(strstr(err, "\"teams\"[0] must be a string"));
    free(bad);
    bad = replace_first(b.s, "\"employed\":[1,", "\"employed\":[");
    assert_null(record_read_json(bad, &m, err, sizeof err));
    assert_non_null(strstr(err, "\"employment\".\"employed\" must be an array of 15 values"));
    free(bad);
    record_free(r);
    buf_free(&b);
    buf_free(&b2);
    meta_free(&m);
}

static void test_meta_roundtrip(void **state)
{
    (void)state;
    struct kp_meta m, back;
    make_meta(&m);
    struct kp_buf b1 = {0}, b2 = {0};
    meta_write_json(&m, &b1);
    char err[200];
    if (meta_read_json(b1.s, &back, err, sizeof err) < 0)
        fail_msg("%s", err);
    same_str(m.tool_version, back.tool_version, "tool");
    same_str(m.label, back.label, "label");
    same_str(m.org_name, back.org_name, "org");
    same_str(m.currency, back.currency, "currency");
    same_str(m.default_lang, back.default_lang, "language");
    same_str(m.config_hash, back.config_hash, "hash");
    assert_int_equal(m.from, back.from);
    assert_int_equal(m.to, back.to);
    assert_int_equal(m.m0, back.m0);
    assert_int_equal(m.nmonths, back.nmonths);
    assert_int_equal(m.as_of, back.as_of);
    assert_int_equal(m.doc_date, back.doc_date);
    assert_int_equal(m.pacing, back.pacing);
    assert_int_equal(m.months_elapsed, back.months_elapsed);
    assert_int_equal(back.nkpis, NKPI);
    assert_int_equal(back.ncols, NCOL);
    assert_string_equal(back.kpis[10], "forecast_accuracy");
    assert_string_equal(back.cols[13], "cycle_days");
    meta_write_json(&back, &b2);
    assert_string_equal(b1.s, b2.s);
    meta_free(&back);
    assert_null(back.kpis);
    meta_free(&m);
    buf_free(&b1);
    buf_free(&b2);
}

/* The exact text, so that the layout cannot drift unnoticed. */
static void test_exact_text(void **state)
{
    (void)state;
    struct kp_meta m = {0};
    month_parse("2026-05", &m.from);
    month_parse("2026-06", &m.to);
    m.m0 = m.from - 1;
    m.nmonths = 3;
    date_parse("2026-06-30", &m.as_of);
    m.doc_date = -1;
    m.org_name = "Acme";
    char *kp[] = {"win_rate"}, *cols[] = {"won"};
    m.kpis = kp;
    m.nkpis = 1;
    m.cols = cols;
    m.ncols = 1;
    struct kp_buf b = {0};
    meta_write_json(&m, &b);
    assert_string_equal(b.s,
                        "{\"tool\":null,\"label\":null,\"from\":\"2026-05\",\"to\":\"2026-06\","
                        "\"m0\":\"2026-04\",\"nmonths\":3,\"as_of\":\"2026-06-30\","
                        "\"doc_date\":\"1969-12-31\",\"pacing\":false,\"months_elapsed\":0,"
                        "\"org\":\"Acme\",\"currency\":null,\"language\":null,"
                        "\"kpis\":[\"win_rate\"],\"cols\":[\"won\"],\"config_sha256\":null}");
    struct kp_record *r = record_new(&m, KP_REC_TEAM);
    r->id = xstrdup("East");
    r->name = xstrdup("East \"1\"");
    r->composite = 0.1;
    r->kpis[0].value = 2.0 / 3.0;
    r->kpis[0].weight = 25;
    r->kpis[0].status = KP_ST_OK;
    r->kpis[0].target_src = 't';
    r->kpis[0].series[1] = 1e-7;
    r->cols[0] = 12;
    r->cols[2] = -0.0;
    buf_reset(&b);
    record_write_json(r, &m, &b);
    assert_string_equal(
        b.s, "{\"kind\":\"team\",\"id\":\"East\",\"name\":\"East \\\"1\\\"\",\"email\":null,"
             "\"team\":null,\"role\":null,\"manager_id\":null,\"manager_name\":null,"
             "\"hire_date\":null,\"lang\":null,\"line\":0,\"scope\":0,\"composite\":0.1,"
             "\"composite_prev\":null,\"band\":null,\"rank_team\":0,\"team_size\":0,"
             "\"rank_org\":0,\"org_size\":0,\"percentile\":null,\"payout\":null,"
             "\"payout_rate\":null,\"kpis\":{\"win_rate\":{\"value\":0.6666666666666666,"
             "\"target\":null,\"ratio\":null,\"points\":null,\"weight\":25,\"status\":\"ok\","
             "\"target_src\":\"team\",\"sample\":null,\"prev\":null,\"projected\":null,"
             "\"needed\":null,\"group_value\":null,\"group_points\":null,"
             "\"series\":[null,1e-07,null]}},\"cols\":{\"won\":[12,null,0]},\"alerts\":[],"
             "\"coaching\":[],\"members\":[]}");
    record_free(r);
    buf_free(&b);
}

/* An awkward double of every kind the writer meets: random bit patterns,
 * ratios, cents, integers below and above 2^53, n/a, -0, powers of ten and
 * their neighbours, tiny and huge values. */
static double awkward(unsigned long long *x)
{
    unsigned long long r = (*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17);
    double bits;
    switch (r % 11) {
    case 0: memcpy(&bits, &r, sizeof bits); return isfinite(bits) ? bits : 0.5;
    case 1: return (double)((r >> 20) % 100000) / (double)((r >> 8) % 9973 + 1);
    case 2: return (double)(r % 100000000) / 100;
    case 3: return (double)(long long)(r >> 11) * (r & 16 ? -1 : 1);
    case 4: return (double)(r % 1000000);
    case 5: return r & 32 ? NAN : -0.0;
    case 6: return ldexp((double)(r >> 11), (int)(r % 200) - 150);
    case 7: return pow(10, (int)(r % 60) - 30) * (r & 64 ? nextafter(1, 2) : nextafter(1, 0));
    case 8: return (double)(r % 1000) / 7 * 1e-5;
    case 9: return r & 1 ? DBL_MAX : DBL_MIN;
    default: return 1e15 + (double)(r % 100000) * 0.125;
    }
}

/* The writer's bytes for a fixed set of records, pinned by their length and
 * hash (taken from the writer before the number formatter was replaced by
 * fmt_plain): any change of layout, escaping or number form shows here. */
static void test_output_pinned(void **state)
{
    (void)state;
    struct kp_meta m;
    make_meta(&m);
    struct kp_buf b = {0};
    meta_write_json(&m, &b);
    unsigned long long x = 88172645463325252ULL;
    for (unsigned i = 0; i < 300; i++) {
        struct kp_record *r = record_new(&m, (enum kp_rec_kind)(i % 3));
        if (i < 30) {
            fill_record(r, &m, i);
        } else if (r->kind == KP_REC_PERSON) {
            fill_realistic(r, &m, i);
        } else {
            fill_record(r, &m, i);
            for (size_t k = 0; k < m.nkpis; k++)
                for (int j = 0; j < m.nmonths; j++)
                    r->kpis[k].series[j] = awkward(&x);
            for (size_t j = 0; j < m.ncols * (size_t)m.nmonths; j++)
                r->cols[j] = awkward(&x);
        }
        buf_addc(&b, '\n');
        record_write_json(r, &m, &b);
        record_free(r);
    }
    print_message("pinned output: %zu bytes, hash %016llx\n", b.len,
                  (unsigned long long)hash64(b.s, b.len));
    assert_int_equal(b.len, PINNED_LEN);
    assert_int_equal(hash64(b.s, b.len), PINNED_HASH);
    buf_free(&b);
    meta_free(&m);
}

/* Strings: escapes as JSON requires, UTF-8 untouched, bad UTF-8 replaced. */
static void test_strings(void **state)
{
    (void)state;
    struct kp_meta m = {0};
    m.nmonths = 1;
    struct kp_record *r = record_new(&m, KP_REC_ORG);
    r->id = xstrdup("*");
    r->name = xstrdup("a\"b\\c\nd\te\x01\x1f\x7f 张 \xF0\x9F\x98\x80");
    r->email = xstrdup("bad \xFF\xC0\xAF utf8");
    struct kp_buf b = {0};
    record_write_json(r, &m, &b);
    assert_non_null(strstr(b.s, "\"name\":\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f\x7f 张 "
                                "\xF0\x9F\x98\x80\""));
    assert_non_null(strstr(b.s, "\"email\":\"bad \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD utf8\""));
    struct kp_record *back = record_read_json(b.s, &m, NULL, 0);
    assert_non_null(back);
    assert_string_equal(back->name, r->name);
    assert_string_equal(back->email, "bad \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD utf8");
    record_free(back);
    record_free(r);
    buf_free(&b);
}

/* ---- numbers -------------------------------------------------------------- */

/* The writer's numbers are fmt_plain's (util.h): the first of "%.15g",
 * "%.16g", "%.17g" that reads back to v; checked here against that
 * definition (fmt_plain writes whole numbers without the rounds). */
static void check_plain(double v)
{
    char want[40], got[40];
    if (v == 0)
        v = 0;
    want[0] = '\0';
    for (int p = 15; p <= 17 && !isnan(v); p++) {
        snprintf(want, sizeof want, "%.*g", p, v);
        if (strtod(want, NULL) == v)
            break;
    }
    fmt_plain(got, sizeof got, v);
    if (strcmp(got, want) != 0)
        fail_msg("%.17g: fmt_plain \"%s\", want \"%s\"", v, got, want);
}

/* vals[0..n) written as the cols of records and read back: the same doubles
 * (-0 reads back as 0, as it is written). */
static void roundtrip_numbers(const struct kp_meta *m, const double *vals, size_t n)
{
    size_t per = m->ncols * (size_t)m->nmonths;
    struct kp_buf b = {0};
    char err[200];
    for (size_t at = 0; at < n; at += per) {
        struct kp_record *r = record_new(m, KP_REC_ORG);
        for (size_t i = 0; i < per && at + i < n; i++)
            r->cols[i] = vals[at + i];
        buf_reset(&b);
        record_write_json(r, m, &b);
        struct kp_record *back = record_read_json(b.s, m, err, sizeof err);
        if (!back)
            fail_msg("%s", err);
        for (size_t i = 0; i < per && at + i < n; i++) {
            double want = vals[at + i] == 0 ? 0 : vals[at + i], got = back->cols[i];
            if (isnan(want) ? !isnan(got) : memcmp(&got, &want, sizeof got) != 0)
                fail_msg("%.17g read back as %.17g", want, got);
        }
        record_free(back);
        record_free(r);
    }
    buf_free(&b);
}

static void test_numbers(void **state)
{
    (void)state;
    static const double fixed[] = {0.1,
                                   1.0 / 3,
                                   2.0 / 3,
                                   1e-300,
                                   5e-324,
                                   1e15,
                                   1e-5,
                                   1e-4,
                                   999999999999999.9,
                                   999999999999999.875,
                                   123456789012345.67,
                                   9007199254740993.0,
                                   0.3,
                                   0.1 + 0.2,
                                   100,
                                   1e22,
                                   1e23,
                                   DBL_MAX,
                                   DBL_MIN,
                                   -0.0,
                                   0,
                                   NAN,
                                   12345.67,
                                   0.000123,
                                   1.5,
                                   4e-5,
                                   98.99,
                                   999999999999999,
                                   1e17,
                                   12345678901234567.0,
                                   -4503599627370497.0};
    size_t n = 0, cap = 4 * KP_NELEM(fixed) + 4 * 30000 + 3 * 121 + 3 * 31;
    double *v = xcalloc(cap, sizeof *v);
    for (size_t i = 0; i < KP_NELEM(fixed); i++) {
        v[n++] = fixed[i];
        v[n++] = -fixed[i];
        v[n++] = nextafter(fixed[i], 0);
        v[n] = nextafter(fixed[i], INFINITY);
        n += isfinite(v[n]) || isnan(v[n]); /* infinities never reach a record */
    }
    unsigned long long x = 88172645463325252ULL;
    for (int i = 0; i < 30000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double ratio = (double)(x % 100000) / (double)((x >> 20) % 9973 + 1);
        v[n++] = ratio;
        v[n++] = (double)(x % 100000000) / 100; /* cents */
        v[n++] = ratio * 1e-4;
        v[n++] = awkward(&x);
    }
    for (int e = -60; e <= 60; e++) { /* powers of two, their neighbours */
        double p = ldexp(1, e);
        v[n++] = p;
        v[n++] = nextafter(p, 0);
        v[n++] = nextafter(p, INFINITY);
    }
    for (int e = -8; e <= 22; e++) { /* powers of ten, their neighbours */
        double p = pow(10, e);
        v[n++] = p;
        v[n++] = nextafter(p, 0);
        v[n++] = nextafter(p, INFINITY);
    }
    for (size_t i = 0; i < n; i++)
        check_plain(v[i]);
    struct kp_meta m;
    make_meta(&m);
    roundtrip_numbers(&m, v, n);
    meta_free(&m);
    free(v);
}

/* ---- malformed input ------------------------------------------------------ */

static void assert_bad_record(const struct kp_meta *m, const char *line, const char *msg)
{
    char err[200];
    struct kp_record *r = record_read_json(line, m, err, sizeof err);
    if (r)
        fail_msg("accepted: %.80s", line);
    assert_string_equal(err, msg);
}

/* A valid minimal line for the small meta, with one substitution. */
static char *line_with(const char *from, const char *to)
{
    static const char base[] =
        "{\"kind\":\"person\",\"id\":\"R1\",\"line\":3,\"composite\":0.5,"
        "\"kpis\":{\"win_rate\":{\"value\":1,\"status\":\"ok\",\"target_src\":\"role\","
        "\"series\":[1,null]}},\"cols\":{\"won\":[1,2]},\"lines\":[3,0],"
        "\"alerts\":[{\"rule\":\"r\",\"kind\":\"idle\",\"kpi\":null,\"month\":\"2026-06\"}]}";
    const char *p = strstr(base, from);
    assert_non_null(p);
    return xasprintf("%.*s%s%s", (int)(p - base), base, to, p + strlen(from));
}

static void bad_with(const struct kp_meta *m, const char *from, const char *to, const char *msg)
{
    char *l = line_with(from, to);
    assert_bad_record(m, l, msg);
    free(l);
}

static void small_meta(struct kp_meta *m)
{
    char err[200];
    int rc = meta_read_json("{\"from\":\"2026-05\",\"to\":\"2026-06\",\"m0\":\"2026-05\","
                            "\"nmonths\":2,\"kpis\":[\"win_rate\"],\"cols\":[\"won\"]}",
                            m, err, sizeof err);
    if (rc < 0)
        fail_msg("%s", err);
}

static void test_malformed_record(void **state)
{
    (void)state;
    struct kp_meta m;
    small_meta(&m);
    char *ok = line_with("\"R1\"", "\"R1\"");
    struct kp_record *r = record_read_json(ok, &m, NULL, 0);
    assert_non_null(r);
    assert_int_equal(r->line, 3);
    assert_int_equal(r->alerts[0].month, m.to);
    assert_true(r->kpis[0].target_src == 'r');
    record_free(r);
    /* one trailing comma (and the newline) is accepted, two are not */
    char *l = xasprintf("%s,\r\n", ok);
    r = record_read_json(l, &m, NULL, 0);
    assert_non_null(r);
    record_free(r);
    free(l);
    l = xasprintf("%s,,", ok);
    assert_bad_record(&m, l,
                      "record is not valid JSON: end of file expected near ',' (column 239)");
    free(l);
    free(ok);

    assert_bad_record(&m, "", "record is not valid JSON: unexpected token near end of file");
    assert_bad_record(&m, NULL, "record is not valid JSON: unexpected token near end of file");
    assert_bad_record(&m, " \t\n", "record is not valid JSON: unexpected token near end of file");
    assert_bad_record(&m, "hello",
                      "record is not valid JSON: invalid token near 'hello' (column 5)");
    assert_bad_record(&m, "[1,2]", "record is not a JSON object");
    assert_bad_record(&m, "{}", "record has no \"kind\"");
    assert_bad_record(&m, "{\"kind\":\"boss\"}", "\"kind\" must be one of person, team, org");
    assert_bad_record(&m, "{\"kind\":\"org\",\"kind\":\"org\"}",
                      "record is not valid JSON: duplicate object key near '\"kind\"' (column 20)");
    bad_with(&m, "\"R1\"", "7", "\"id\" must be a string or null");
    bad_with(&m, "\"line\":3", "\"line\":-3",
             "\"line\" must be an integer from 0 to "
             "9223372036854775807");
    bad_with(&m, "\"line\":3", "\"line\":3.5",
             "\"line\" must be an integer from 0 to "
             "9223372036854775807");
    bad_with(&m, "\"line\":3", "\"scope\":1e400",
             "record is not valid JSON: real number overflow near '1e400' (column 40)");
    bad_with(&m, "\"line\":3", "\"scope\":99999999999999999999",
             "record is not valid JSON: too big integer near '99999999999999999999' "
             "(column 55)");
    bad_with(&m, "\"line\":3", "\"scope\":1e1",
             "\"scope\" must be an integer from "
             "-2147483648 to 2147483647");
    bad_with(&m, "\"line\":3", "\"rank_org\":4294967296",
             "\"rank_org\" must be an integer from -2147483648 to 2147483647");
    bad_with(&m, "\"composite\":0.5", "\"composite\":\"0.5\"",
             "\"composite\" must be a number or null");
    bad_with(&m, "\"series\":[1,null]", "\"series\":[1]",
             "\"kpis\".\"win_rate\".\"series\" must be an array of 2 values (found 1)");
    bad_with(&m, "\"series\":[1,null]", "\"series\":{}",
             "\"kpis\".\"win_rate\".\"series\" must be an array of 2 values (found not an "
             "array)");
    bad_with(&m, "\"series\":[1,null]", "\"series\":[1,\"x\"]",
             "\"kpis\".\"win_rate\".\"series\"[1] must be a number or null");
    bad_with(&m, "\"win_rate\":{", "\"winrate\":{", "\"kpis\": KPI \"win_rate\" is missing");
    bad_with(&m, "\"series\":[1,null]}", "\"series\":[1,null]},\"churn\":{}",
             "\"kpis\": unknown KPI \"churn\" (not in meta)");
    bad_with(&m, "{\"won\":[1,2]}", "{\"won\":[1,2],\"lost\":[1,2]}",
             "\"cols\": unknown column \"lost\" (not in meta)");
    bad_with(&m, "{\"won\":[1,2]}", "{\"won\":[1,2,3]}",
             "\"cols\".\"won\" must be an array of 2 values (found 3)");
    bad_with(&m, "\"status\":\"ok\"", "\"status\":\"fine\"",
             "\"status\" must be one of ok, na, insufficient");
    bad_with(&m, "\"target_src\":\"role\"", "\"target_src\":1",
             "\"target_src\" must be one of person, role, default");
    bad_with(&m, "\"kpis\":{", "\"kpis\":[],\"x\":{", "\"kpis\" must be an object");
    bad_with(&m, "\"lines\":[3,0]", "\"lines\":[3,-1]", "\"lines\"[1] must be a line number");
    bad_with(&m, "\"kpi\":null", "\"kpi\":\"churn\"", "\"alerts\": unknown KPI \"churn\"");
    bad_with(&m, "\"kpi\":null", "\"kpi\":2", "\"alerts\": \"kpi\" must be a KPI id or null");
    bad_with(&m, "\"month\":\"2026-06\"", "\"month\":\"2026-13\"",
             "\"month\" must be a month (YYYY-MM) or null");
    bad_with(&m, "\"alerts\":[{", "\"alerts\":[7,{", "\"alerts\"[0] must be an object");
    bad_with(&m, "\"alerts\":[", "\"coaching\":{},\"alerts\":[", "\"coaching\" must be an array");
    meta_free(&m);
}

/* Hostile lines: errors, never a crash or a deep recursion. */
static void test_hostile(void **state)
{
    (void)state;
    struct kp_meta m;
    small_meta(&m);
    char err[200];
    struct kp_buf b = {0};
    for (int i = 0; i < 100000; i++)
        buf_addc(&b, '[');
    assert_null(record_read_json(b.s, &m, err, sizeof err));
    assert_string_equal(err, "record is not valid JSON: maximum parsing depth reached near '[' "
                             "(column 2049)");
    buf_reset(&b);
    unsigned long x = 7;
    for (int i = 0; i < (1 << 20); i++) {
        x = x * 6364136223846793005UL + 1;
        buf_addc(&b, (char)(x >> 56 | 1));
    }
    assert_null(record_read_json(b.s, &m, err, sizeof err));
    assert_true(str_has_prefix(err, "record is not valid JSON: "));
    assert_null(record_read_json("{\"kind\":\"org\",\"id\":\"a\\u0000b\"}", &m, err, sizeof err));
    assert_string_equal(err, "record is not valid JSON: \\u0000 is not allowed without "
                             "JSON_ALLOW_NUL near '\"a\\u0000b\"' (column 29)");
    assert_null(record_read_json("{\"kind\":\"org\",\"id\":\"\xFF\"}", &m, err, sizeof err));
    assert_string_equal(err, "record is not valid JSON: unable to decode byte 0xff near '\"' "
                             "(column 20)");
    /* a tiny error buffer is not overrun */
    char tiny[8];
    assert_null(record_read_json("{}", &m, tiny, sizeof tiny));
    assert_string_equal(tiny, "record ");
    buf_free(&b);
    meta_free(&m);
}

/* The reader's numbers are jansson's: a real (with '.', 'e' or 'E') is
 * exactly strtod's, out of range refused; an integer is read as a long long
 * (so "-0" is 0) and converted, beyond that range refused. */
static void check_number(const struct kp_meta *m, const char *num)
{
    char *line = xasprintf("{\"kind\":\"org\",\"cols\":{\"won\":[%s,null]}}", num);
    char err[200];
    struct kp_record *r = record_read_json(line, m, err, sizeof err);
    int real = strpbrk(num, ".eE") != NULL;
    errno = 0;
    double want = real ? strtod(num, NULL) : (double)strtoll(num, NULL, 10);
    const char *refused = real            ? "real number overflow"
                          : num[0] == '-' ? "too big negative integer"
                                          : "too big integer";
    if (real ? isinf(want) : errno == ERANGE) {
        if (r)
            fail_msg("%s: accepted, expected refused", num);
        if (!str_has_prefix(err, "record is not valid JSON: ") || !strstr(err, refused))
            fail_msg("%s: %s", num, err);
    } else {
        if (!r)
            fail_msg("%s: %s", num, err);
        if (memcmp(&r->cols[0], &want, sizeof want) != 0)
            fail_msg("%s: read %.17g, want %.17g", num, r->cols[0], want);
    }
    record_free(r);
    free(line);
}

static void test_json_numbers(void **state)
{
    (void)state;
    struct kp_meta m;
    small_meta(&m);
    static const char *const fixed[] = {"0",
                                        "-0",
                                        "0.0",
                                        "-0.0",
                                        "1",
                                        "-1",
                                        "0.1",
                                        "1e-300",
                                        "4.9406564584124654e-324",
                                        "2.2250738585072014e-308",
                                        "1.7976931348623157e308",
                                        "1.7976931348623159e308",
                                        "9007199254740993",
                                        "9007199254740992.5",
                                        "123456789012345678901234567890",
                                        "0.30000000000000004",
                                        "0.000000000000000000000000000001234567890123456789",
                                        "1E22",
                                        "1e23",
                                        "1e-22",
                                        "1e-23",
                                        "12345678901234567890e-30",
                                        "0.1e1",
                                        "-1.5E+3",
                                        "99999999999999999999",
                                        "18446744073709551615",
                                        "18446744073709551616e-20",
                                        "1e400",
                                        "-1e400",
                                        "1e-400",
                                        "7.0e-10",
                                        "1.00000000000000011102230246251565404236316680908203125",
                                        "1.00000000000000011102230246251565404236316680908203124",
                                        "2.5e-21",
                                        "9.999999999999999e-22"};
    for (size_t i = 0; i < KP_NELEM(fixed); i++)
        check_number(&m, fixed[i]);
    unsigned long long x = 0x9E3779B97F4A7C15ULL;
    char buf[96];
    for (int it = 0; it < 30000; it++) {
        size_t n = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (x & 1)
            buf[n++] = '-';
        int ip = (int)((x >> 8) % 21), fp = (int)((x >> 16) % 26);
        buf[n++] = (char)('1' + (x >> 24) % 9);
        for (int i = 1; i < ip; i++, x = x * 6364136223846793005ULL + 1)
            buf[n++] = (char)('0' + (x >> 60) % 10);
        if (ip == 0)
            buf[0 + (x & 1)] = '0';
        if (fp) {
            buf[n++] = '.';
            for (int i = 0; i < fp; i++, x = x * 6364136223846793005ULL + 1)
                buf[n++] = (char)('0' + (x >> 60) % 10);
        }
        if ((x >> 32) % 3 == 0)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "e%d", (int)((x >> 40) % 700) - 350);
        else if ((x >> 32) % 3 == 1)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "E-%d", (int)((x >> 40) % 30));
        buf[n] = '\0';
        check_number(&m, buf);
    }
    meta_free(&m);
}

static void assert_bad_json(const char *line, const char *msg)
{
    struct kp_meta m;
    small_meta(&m);
    char err[200];
    struct kp_record *r = record_read_json(line, &m, err, sizeof err);
    if (r)
        fail_msg("accepted: %s", line);
    assert_string_equal(err, msg);
    meta_free(&m);
}

static void test_json_syntax(void **state)
{
    (void)state;
    struct kp_meta m;
    small_meta(&m);
    /* escapes, surrogate pairs, whitespace, unknown keys of any type */
    struct kp_record *r = record_read_json(
        " {\r\n\t\"kind\" : \"org\" , \"name\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u4E2D"
        "\\ud83d\\ude00\", \"x\":[true,false,null,{\"a\":[[]]},-0.5e1] } ",
        &m, NULL, 0);
    assert_non_null(r);
    assert_string_equal(r->name, "\"\\/\b\f\n\r\t\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
    record_free(r);
    meta_free(&m);
    assert_bad_json("{\"kind\":\"org\",\"name\":\"\\ud83d\"}",
                    "record is not valid JSON: invalid Unicode '\\uD83D' near '\"\\ud83d\"' "
                    "(column 29)");
    assert_bad_json("{\"kind\":\"org\",\"name\":\"\\ude00\"}",
                    "record is not valid JSON: invalid Unicode '\\uDE00' near '\"\\ude00\"' "
                    "(column 29)");
    assert_bad_json("{\"kind\":\"org\",\"name\":\"\\u12G4\"}",
                    "record is not valid JSON: invalid escape near '\"\\u12G' (column 27)");
    assert_bad_json("{\"kind\":\"org\",\"name\":\"\\x\"}",
                    "record is not valid JSON: invalid escape near '\"\\x' (column 24)");
    assert_bad_json("{\"kind\":\"org\",\"name\":\"a\tb\"}",
                    "record is not valid JSON: control character 0x9 near '\"a' (column 23)");
    assert_bad_json("{\"kind\":\"org\",\"name\":\"abc}",
                    "record is not valid JSON: premature end of input near '\"abc}' (column 26)");
    assert_bad_json("{\"kind\":\"org\",\"name\":\"\xED\xA0\x80\"}",
                    "record is not valid JSON: unable to decode byte 0xed near '\"' (column 22)");
    assert_bad_json("{\"kind\":\"org\",\"x\":01}",
                    "record is not valid JSON: invalid token near '0' (column 19)");
    assert_bad_json("{\"kind\":\"org\",\"x\":1.}",
                    "record is not valid JSON: invalid token near '1.' (column 20)");
    assert_bad_json("{\"kind\":\"org\",\"x\":.5}",
                    "record is not valid JSON: invalid token near '.' (column 19)");
    assert_bad_json("{\"kind\":\"org\",\"x\":-}",
                    "record is not valid JSON: invalid token near '-' (column 19)");
    assert_bad_json("{\"kind\":\"org\",\"x\":1e+}",
                    "record is not valid JSON: invalid token near '1e+' (column 21)");
    assert_bad_json("{\"kind\":\"org\",\"x\":NaN}",
                    "record is not valid JSON: invalid token near 'NaN' (column 21)");
    assert_bad_json("{\"kind\":\"org\",\"x\":nul}",
                    "record is not valid JSON: invalid token near 'nul' (column 21)");
    assert_bad_json("{\"kind\":\"org\",\"x\":[1 2]}",
                    "record is not valid JSON: ']' expected near '2' (column 22)");
    assert_bad_json("{\"kind\":\"org\",\"x\":[1,]}",
                    "record is not valid JSON: unexpected token near ']' (column 22)");
    assert_bad_json("{\"kind\":\"org\",}",
                    "record is not valid JSON: string or '}' expected near '}' (column 15)");
    assert_bad_json("{\"kind\" \"org\"}",
                    "record is not valid JSON: ':' expected near '\"org\"' (column 13)");
    assert_bad_json("{\"kind\":\"org\" \"x\":1}",
                    "record is not valid JSON: '}' expected near '\"x\"' (column 17)");
    assert_bad_json("{\"kind\":\"org\"",
                    "record is not valid JSON: '}' expected near end of file (column 13)");
    assert_bad_json("{\"kind\":\"org\"}}",
                    "record is not valid JSON: end of file expected near '}' (column 15)");
    assert_bad_json("{\"kind\":\"org\"}\x01",
                    "record is not valid JSON: end of file expected near '\x01' (column 15)");
    assert_bad_json("{\"kind\":\"org\",\"x\":\x01}",
                    "record is not valid JSON: invalid token near '\x01' (column 19)");
    /* deep nesting is fine (jansson refuses beyond 2048 levels: test_hostile) */
    struct kp_buf b = {0};
    buf_adds(&b, "{\"kind\":\"org\",\"x\":");
    for (int i = 0; i < 500; i++)
        buf_addc(&b, '[');
    for (int i = 0; i < 500; i++)
        buf_addc(&b, ']');
    buf_addc(&b, '}');
    small_meta(&m);
    r = record_read_json(b.s, &m, NULL, 0);
    assert_non_null(r);
    record_free(r);
    meta_free(&m);
    buf_reset(&b);
    buf_adds(&b, "{\"kind\":\"org\",\"x\":");
    for (int i = 0; i < 32; i++)
        buf_addc(&b, '[');
    assert_bad_json(b.s, "record is not valid JSON: ']' expected near end of file (column 50)");
    /* duplicates in a large object are found too */
    buf_reset(&b);
    buf_adds(&b, "{\"kind\":\"org\"");
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, ",\"k%d\":%d", i * 7 % 1000, i);
    buf_adds(&b, ",\"k993\":0}");
    assert_bad_json(
        b.s, "record is not valid JSON: duplicate object key near '\"k993\"' (column 10800)");
    buf_free(&b);
}

/* Mutated copies of a full team record: never a crash; whatever is accepted
 * writes and reads back byte-identically. */
static void test_mutations(void **state)
{
    (void)state;
    struct kp_meta m;
    make_meta(&m);
    struct kp_record *r = record_new(&m, KP_REC_TEAM);
    fill_record(r, &m, 3);
    struct kp_buf good = {0};
    record_write_json(r, &m, &good);
    record_free(r);
    static const char bytes[] = "{}[]\",:0123456789.eE+-nulltruefalse \\u\xC3\xA9\xFF\x01";
    unsigned long x = 99;
    int accepted = 0;
    for (int it = 0; it < 4000; it++) {
        char *s = xstrdup(good.s);
        size_t len = good.len;
        for (int k = 0; k < 1 + it % 4; k++) {
            x = x * 6364136223846793005UL + 1442695040888963407UL;
            size_t at = (size_t)(x >> 20) % len;
            char c = bytes[(x >> 50) % (sizeof bytes - 1)];
            if ((x >> 8) % 3 == 0) /* delete */
                memmove(s + at, s + at + 1, len-- - at);
            else
                s[at] = c;
        }
        char err[200];
        struct kp_record *back = record_read_json(s, &m, err, sizeof err);
        if (back) {
            accepted++;
            struct kp_buf b1 = {0}, b2 = {0};
            record_write_json(back, &m, &b1);
            struct kp_record *again = record_read_json(b1.s, &m, err, sizeof err);
            assert_non_null(again);
            record_write_json(again, &m, &b2);
            assert_string_equal(b1.s, b2.s);
            record_free(again);
            buf_free(&b1);
            buf_free(&b2);
            record_free(back);
        } else {
            assert_true(err[0] != '\0');
        }
        free(s);
    }
    print_message("mutations: %d of 4000 accepted\n", accepted);
    buf_free(&good);
    meta_free(&m);
}

static void assert_bad_meta(const char *line, const char *msg)
{
    struct kp_meta m;
    char err[200];
    assert_int_equal(meta_read_json(line, &m, err, sizeof err), -1);
    assert_string_equal(err, msg);
    assert_null(m.kpis); /* nothing left to free */
}

static void test_malformed_meta(void **state)
{
    (void)state;
    assert_bad_meta("nope", "meta is not valid JSON: invalid token near 'nope' (column 4)");
    assert_bad_meta("{\"to\":\"2026-06\"}", "meta: \"from\" must be a month (YYYY-MM)");
    assert_bad_meta("{\"from\":\"2026-05\",\"to\":\"2026-06\",\"m0\":\"2026-05\",\"nmonths\":3,"
                    "\"kpis\":[],\"cols\":[]}",
                    "meta: the months do not agree (need m0 <= from <= to and nmonths = months "
                    "from m0 to to)");
    assert_bad_meta("{\"from\":\"2026-05\",\"to\":\"2026-06\",\"m0\":\"2026-05\",\"nmonths\":2,"
                    "\"kpis\":[\"a\",\"a\"],\"cols\":[]}",
                    "meta: \"kpis\" names \"a\" twice");
    assert_bad_meta("{\"from\":\"2026-05\",\"to\":\"2026-06\",\"m0\":\"2026-05\",\"nmonths\":2,"
                    "\"kpis\":[\"a\"]}",
                    "meta: \"cols\" must be an array of names");
    assert_bad_meta("{\"from\":\"2026-05\",\"to\":\"2026-06\",\"m0\":\"2026-05\",\"nmonths\":2,"
                    "\"kpis\":[\"a\"],\"cols\":[\"won\",3]}",
                    "meta: \"cols\"[1] must be a non-empty string");
    assert_bad_meta("{\"from\":\"2026-05\",\"to\":\"2026-06\",\"m0\":\"1900-01\",\"nmonths\":1518,"
                    "\"kpis\":[],\"cols\":[]}",
                    "meta: more than 1200 months");
    struct kp_buf b = {0};
    buf_adds(&b, "{\"from\":\"2026-05\",\"to\":\"2026-06\",\"m0\":\"1926-07\",\"nmonths\":1200,"
                 "\"kpis\":[\"k0\"");
    for (int i = 1; i < 1000; i++)
        buf_printf(&b, ",\"k%d\"", i);
    buf_adds(&b, "],\"cols\":[\"won\"]}");
    assert_bad_meta(b.s, "meta: 1000 KPIs and 1 columns over 1200 months is too many values per "
                         "record (at most 1000000)");
    buf_free(&b);
    assert_bad_meta("{\"from\":\"2026-05\",\"to\":\"2026-06\",\"m0\":\"2026-05\",\"nmonths\":2,"
                    "\"kpis\":[],\"cols\":[],\"pacing\":1}",
                    "meta: \"pacing\" must be true or false");
    assert_bad_meta("{\"from\":\"2026-05\",\"to\":\"2026-06\",\"m0\":\"2026-05\",\"nmonths\":2,"
                    "\"kpis\":[],\"cols\":[],\"as_of\":\"2026-02-30\"}",
                    "\"as_of\" must be a date (YYYY-MM-DD) or null");
}

/* ---- timing --------------------------------------------------------------- */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A realistic person: ratios in the series, integers and cents in cols. */
static void fill_realistic(struct kp_record *r, const struct kp_meta *m, unsigned seed)
{
    unsigned long x = seed * 2654435761UL + 1;
    r->id = xasprintf("R-%05u", seed);
    r->name = xstrdup(seed % 3 ? "Jordan Example" : "张伟");
    r->email = xasprintf("r%05u@example.com", seed);
    r->team = xstrdup("East");
    r->role = xstrdup("ae");
    r->lang = xstrdup("en");
    r->composite = 87.123456789 + seed % 13;
    for (size_t k = 0; k < m->nkpis; k++) {
        struct kp_kpival *v = &r->kpis[k];
        v->value = (double)(seed % 97 + 3) / (double)(k + 7);
        v->target = 0.9;
        v->ratio = v->value / 0.9;
        v->points = 100 * v->ratio;
        v->weight = 10;
        v->status = KP_ST_OK;
        v->target_src = 'r';
        v->prev = v->value * 0.97;
        for (int i = 0; i < m->nmonths; i++) {
            x = x * 6364136223846793005UL + 1442695040888963407UL;
            v->series[i] = (double)(x >> 40) / (double)((x >> 20 & 1023) + 1);
        }
    }
    for (size_t i = 0; i < m->ncols * (size_t)m->nmonths; i++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        r->cols[i] = i % 3 ? (double)(x >> 44) : (double)(x >> 40) / 100;
    }
    for (int i = 0; i < m->nmonths; i++)
        r->lines[i] = 2 + seed * 15 + i;
}

static void test_timing(void **state)
{
    (void)state;
    const char *env = getenv("KP_BENCH");
    int n = env && *env == '1' ? 10000 : 1000;
    struct kp_meta m;
    make_meta(&m);
    struct kp_record **rs = xcalloc((size_t)n, sizeof *rs);
    for (int i = 0; i < n; i++) {
        rs[i] = record_new(&m, KP_REC_PERSON);
        fill_realistic(rs[i], &m, (unsigned)i);
    }
    struct kp_buf out = {0};
    size_t *off = xcalloc((size_t)n + 1, sizeof *off);
    double t0 = now();
    for (int i = 0; i < n; i++) {
        record_write_json(rs[i], &m, &out);
        buf_add(&out, ",\n", 2);
        off[i + 1] = out.len;
    }
    double t1 = now();
    char err[200];
    for (int i = 0; i < n; i++) {
        out.s[off[i + 1] - 1] = '\0'; /* the line without its newline */
        struct kp_record *r = record_read_json(out.s + off[i], &m, err, sizeof err);
        if (!r)
            fail_msg("record %d: %s", i, err);
        record_free(r);
    }
    double t2 = now();
    print_message("%d records of %d KPIs x %d months, %.0f bytes each: write %.1f us, "
                  "read %.1f us per record\n",
                  n, NKPI, NMON, (double)out.len / n, (t1 - t0) * 1e6 / n, (t2 - t1) * 1e6 / n);
    for (int i = 0; i < n; i++)
        record_free(rs[i]);
    free(rs);
    free(off);
    buf_free(&out);
    meta_free(&m);
}

UNIT_MAIN(cmocka_unit_test(test_roundtrip_person), cmocka_unit_test(test_roundtrip_team_org),
          cmocka_unit_test(test_roundtrip_empty), cmocka_unit_test(test_employment),
          cmocka_unit_test(test_meta_roundtrip),
          cmocka_unit_test(test_exact_text), cmocka_unit_test(test_output_pinned),
          cmocka_unit_test(test_strings), cmocka_unit_test(test_numbers),
          cmocka_unit_test(test_malformed_record), cmocka_unit_test(test_hostile),
          cmocka_unit_test(test_json_numbers), cmocka_unit_test(test_json_syntax),
          cmocka_unit_test(test_mutations), cmocka_unit_test(test_malformed_meta),
          cmocka_unit_test(test_timing))
