/* Unit tests for compute: the 15/12-digit rounding every figure goes
 * through; properties over generated organisations (the org's and each
 * team's revenue is the sum of everyone's own revenue, a manager's tree is
 * their own rows plus their reports' trees, ranks and percentiles agree
 * with the composites, teams' composites are their members' mean); and the
 * key lines of `explain` for a person, a manager and an insufficient KPI on
 * the shipped acme sample. Hand-checked figures live in tests/golden/. */
#include "unit.h"

#include "compute.h"
#include "config.h"
#include "diag.h"
#include "ingest.h"
#include "model.h"
#include "record.h"
#include "sample.h"
#include "sys.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* compute_round                                                       */

static double via_printf(double x, int digits)
{
    char b[48];
    snprintf(b, sizeof b, "%.*e", digits - 1, x);
    double y = strtod(b, NULL);
    return y == 0 ? 0 : y;
}

static void test_round_values(void **state)
{
    (void)state;
    /* 405/7 = 57.857142857142854 in doubles; the product with 10^13 rounds
     * to …428.5, a false tie that must still round up. */
    assert_true(compute_round(405.0 / 7, 15) == 57.8571428571429);
    assert_true(compute_round(405.0 / 7, 12) == 57.8571428571);
    assert_true(compute_round((4.1 + 4.8 + 4.6) / 3, 12) == 4.5);
    assert_true(compute_round(0.1 + 0.2, 15) == 0.3);
    assert_true(compute_round(0.7 + 0.1 + 0.1, 15) == 0.9);
    assert_true(compute_round(100 * (3.825 / 4.5), 12) == 85);
    assert_true(compute_round(-2.0 / 3, 12) == -0.666666666667);
    assert_true(compute_round(1e300 / 3, 12) == via_printf(1e300 / 3, 12));
    assert_true(compute_round(1e-300 / 3, 12) == via_printf(1e-300 / 3, 12));
    assert_true(compute_round(123456789012345678.0, 15) == 123456789012346000.0);
    assert_true(compute_round(99999999999999.95, 15) == 99999999999999.9 ||
                compute_round(99999999999999.95, 15) == 100000000000000.0);
    assert_true(compute_round(0.5, 1) == 0.5);
    assert_true(compute_round(2.5, 1) == 2); /* an exact tie: to even */
    assert_true(compute_round(3.5, 1) == 4);
    double z = compute_round(-0.0, 12);
    assert_false(signbit(z));
    assert_true(isnan(compute_round(NAN, 12)));
    assert_true(isinf(compute_round(INFINITY, 12)));
}

/* Against printf's correctly rounded decimal conversion, for random bit
 * patterns and for quotients like the ones KPIs make. */
static void test_round_random(void **state)
{
    (void)state;
    uint64_t s = 88172645463325252ULL;
    long bad = 0;
    for (long i = 0; i < 300000; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        double x;
        if (i % 2 == 0) {
            memcpy(&x, &s, sizeof x);
            if (!isfinite(x))
                continue;
        } else {
            x = (double)(s % 100000000) / (double)(1 + s % 977) * pow(10, (int)(s % 21) - 10);
        }
        int digits = i % 3 == 0 ? KP_DIGITS : KP_DIGITS_EXACT;
        double want = via_printf(x, digits), got = compute_round(x, digits);
        if (memcmp(&want, &got, sizeof want) != 0 && bad++ < 5)
            print_message("%.17g at %d digits: %.17g, printf %.17g\n", x, digits, got, want);
    }
    assert_int_equal(bad, 0);
}

/* ------------------------------------------------------------------ */
/* A generated organisation through the whole compute                  */

struct world {
    struct kp_config *cfg;
    struct kp_data d;
    struct kp_compute *k;
};

static void feed_file(struct kp_ingest *in, enum kp_input which, const char *name,
                      const struct kp_buf *b)
{
    ingest_begin(in, which, name);
    ingest_feed(in, b->s, b->len);
    assert_int_equal(ingest_end(in), 0);
}

static void world_ingest(struct world *w, const struct kp_buf *roster, const struct kp_buf *metrics)
{
    memset(&w->d, 0, sizeof w->d);
    struct kp_ingest *in = ingest_new(w->cfg, &w->d);
    feed_file(in, KP_IN_ROSTER, "roster.csv", roster);
    feed_file(in, KP_IN_METRICS, "metrics.csv", metrics);
    assert_int_equal(ingest_finish(in), 0);
    w->k = compute_new(w->cfg, &w->d, -1);
}

/* The acme config over `kpipress sample` data of this seed. */
static void world_sample(struct world *w, unsigned long seed, long reps)
{
    struct kp_sample_params p = {reps, 9, seed, 0.3};
    struct kp_buf roster = {0}, metrics = {0};
    sample_generate(&p, &roster, &metrics, NULL);
    w->cfg = config_load("samples/acme/review.ini");
    assert_non_null(w->cfg);
    world_ingest(w, &roster, &metrics);
    buf_free(&roster);
    buf_free(&metrics);
}

/* The committed acme sample itself. */
static void world_acme(struct world *w)
{
    struct kp_buf roster = {0}, metrics = {0};
    char *s;
    size_t n;
    w->cfg = config_load("samples/acme/review.ini");
    assert_non_null(w->cfg);
    assert_int_equal(sys_read_file("samples/acme/roster.csv", &s, &n), 0);
    buf_add(&roster, s, n);
    free(s);
    assert_int_equal(sys_read_file("samples/acme/metrics.csv", &s, &n), 0);
    buf_add(&metrics, s, n);
    free(s);
    world_ingest(w, &roster, &metrics);
    buf_free(&roster);
    buf_free(&metrics);
}

static void world_free(struct world *w)
{
    compute_free(w->k);
    data_free(&w->d);
    config_free(w->cfg);
}

/* Σ of column c over the window for the people p with in[p] set. */
static double own_sum(const struct world *w, const char *in, size_t c)
{
    double s = 0;
    const struct kp_meta *m = compute_meta(w->k);
    for (size_t p = 0; p < w->d.npeople; p++)
        for (int i = m->from - m->m0; i <= m->to - m->m0; i++) {
            double v = *data_cell(&w->d, p, i, c);
            if (in[p] && !isnan(v))
                s += v; /* sample data: whole numbers, so exact */
        }
    return s;
}

/* Σ over the window of a record's column (its per-month sums). */
static double rec_sum(const struct world *w, const struct kp_record *r, size_t c)
{
    const struct kp_meta *m = compute_meta(w->k);
    double s = 0;
    for (int i = m->from - m->m0; i <= m->to - m->m0; i++) {
        double v = r->cols[c * (size_t)m->nmonths + (size_t)i];
        if (!isnan(v))
            s += v;
    }
    return s;
}

/* Marks p and everyone below p. */
static void mark_tree(const struct kp_data *d, size_t p, char *in)
{
    in[p] = 1;
    for (size_t q = 0; q < d->npeople; q++)
        if (d->people[q].mgr == (int)p && !in[q])
            mark_tree(d, q, in);
}

static void check_sums(struct world *w)
{
    size_t np = w->d.npeople, org = compute_ngroups(w->k) - 1;
    char *in = xcalloc(np, 1);
    size_t rev = KP_COL_REVENUE;
    /* The org: everyone's own revenue. */
    memset(in, 1, np);
    struct kp_record *r = compute_group(w->k, org);
    assert_true(rec_sum(w, r, rev) == own_sum(w, in, rev));
    assert_int_equal(r->scope, (int)np);
    record_free(r);
    /* Each team: its members'. */
    double teams = 0;
    for (size_t t = 0; t < org; t++) {
        for (size_t p = 0; p < np; p++)
            in[p] = w->d.people[p].team_idx == (int)t;
        r = compute_group(w->k, t);
        assert_true(rec_sum(w, r, rev) == own_sum(w, in, rev));
        teams += rec_sum(w, r, rev);
        record_free(r);
    }
    memset(in, 1, np);
    assert_true(teams == own_sum(w, in, rev));
    /* Each person: their own rows, or (a manager) everyone below too. */
    for (size_t p = 0; p < np; p++) {
        memset(in, 0, np);
        mark_tree(&w->d, p, in);
        r = compute_person(w->k, p);
        assert_true(rec_sum(w, r, rev) == own_sum(w, in, rev));
        size_t n = 0;
        for (size_t q = 0; q < np; q++)
            n += in[q];
        assert_int_equal(r->scope, (int)n);
        record_free(r);
    }
    free(in);
}

/* Ranks, team sizes, percentiles and team composites from the people. */
static void check_scores(struct world *w)
{
    size_t np = w->d.npeople, nt = compute_ngroups(w->k) - 1;
    struct kp_record **r = xcalloc(np, sizeof *r);
    for (size_t p = 0; p < np; p++)
        r[p] = compute_person(w->k, p);
    int ranked = 0;
    for (size_t p = 0; p < np; p++)
        ranked += !isnan(r[p]->composite);
    for (size_t p = 0; p < np; p++) {
        assert_int_equal(r[p]->org_size, ranked);
        if (isnan(r[p]->composite)) {
            assert_int_equal(r[p]->rank_org, 0);
            assert_true(isnan(r[p]->percentile));
            continue;
        }
        int better = 0, at_or_below = 0, better_team = 0;
        for (size_t q = 0; q < np; q++) {
            if (isnan(r[q]->composite))
                continue;
            better += r[q]->composite > r[p]->composite;
            at_or_below += r[q]->composite <= r[p]->composite;
            better_team += r[q]->composite > r[p]->composite &&
                           w->d.people[q].team_idx == w->d.people[p].team_idx;
        }
        assert_int_equal(r[p]->rank_org, better + 1);
        assert_int_equal(r[p]->rank_team, better_team + 1);
        assert_true(r[p]->percentile == compute_round(100.0 * at_or_below / ranked, KP_DIGITS));
    }
    for (size_t t = 0; t < nt; t++) {
        struct kp_record *g = compute_group(w->k, t);
        double sum = 0;
        long n = 0;
        for (size_t p = 0; p < np; p++)
            if (w->d.people[p].team_idx == (int)t && !isnan(r[p]->composite))
                sum += r[p]->composite, n++;
        if (n)
            assert_true(fabs(g->composite - sum / (double)n) <= 1e-9 * fabs(g->composite));
        else
            assert_true(isnan(g->composite));
        record_free(g);
    }
    for (size_t p = 0; p < np; p++)
        record_free(r[p]);
    free(r);
}

static void test_properties(void **state)
{
    (void)state;
    static const unsigned long seeds[] = {1, 2, 7, 42, 2026};
    for (size_t i = 0; i < KP_NELEM(seeds); i++) {
        struct world w;
        diag_reset();
        world_sample(&w, seeds[i], i == 0 ? 400 : 60);
        check_sums(&w);
        check_scores(&w);
        world_free(&w);
    }
}

/* Same inputs, same figures: a second compute gives identical records. */
static void test_deterministic(void **state)
{
    (void)state;
    struct world a, b;
    world_sample(&a, 9, 80);
    world_sample(&b, 9, 80);
    const struct kp_meta *m = compute_meta(a.k);
    for (size_t p = 0; p < a.d.npeople; p++) {
        struct kp_record *x = compute_person(a.k, p), *y = compute_person(b.k, p);
        struct kp_buf bx = {0}, by = {0};
        record_write_json(x, m, &bx);
        record_write_json(y, compute_meta(b.k), &by);
        assert_string_equal(bx.s, by.s);
        buf_free(&bx), buf_free(&by);
        record_free(x), record_free(y);
    }
    world_free(&a);
    world_free(&b);
}

/* ------------------------------------------------------------------ */
/* explain                                                             */

static char *explain(struct world *w, const char *rep, const char *kpi)
{
    int p = data_find_person(&w->d, rep), k = config_find_kpi(w->cfg, kpi);
    assert_true(p >= 0 && k >= 0);
    struct kp_buf b = {0};
    compute_explain(w->k, (size_t)p, k, &b);
    return buf_steal(&b);
}

#define assert_has(text, line)                                                                     \
    do {                                                                                           \
        if (!strstr((text), (line))) {                                                             \
            print_message("missing: %s\nin:\n%s\n", (line), (text));                               \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

static void test_explain_person(void **state)
{
    (void)state;
    struct world w;
    world_acme(&w);
    char *e = explain(&w, "R0003", "attainment");
    assert_has(e, "R0003 Janet Johnson (team East, role ae, roster line 4)\n");
    assert_has(e, "KPI attainment \"Quota attainment\" over 2026-04..2026-06\n");
    assert_has(e, "formula: sum(revenue) / sum(quota)\n");
    assert_has(e, "    R0003    2026-04  line 196    revenue=41379 quota=73000\n");
    assert_has(e, "value: sum(revenue)[=150843] / sum(quota)[=228000] = 0.661592105263\n");
    assert_has(e, "target: 1 (KPI default)\n");
    assert_has(e, "ratio: value / target = 0.661592105263 / 1 = 0.661592105263 (higher is "
                  "better)\npoints: 100 × ratio = 66.1592105263\n");
    assert_has(e, "previous window 2026-01..2026-03: ");
    assert_has(e, "composite (role ae): (35 × 66.1592105263 + ");
    assert_has(e, "band: d   rank in team: 11 of 11   rank in org: 32 of 34\n");
    assert_null(strstr(e, "people below"));
    free(e);
    world_free(&w);
}

static void test_explain_manager(void **state)
{
    (void)state;
    struct world w;
    world_acme(&w);
    char *e = explain(&w, "R0002", "new_customers");
    assert_has(e, "R0002 Kevin Foster (team East, role manager, roster line 3)\n");
    assert_has(e, "  and the 10 people below them:\n");
    assert_has(e, "    R0012    2026-06  line 272    new_customers=(empty)\n");
    assert_has(e, "value: sum(new_customers)[=56] = 56\n");
    assert_has(e, "target: 46 (sum of the targets of the people covered)\n");
    assert_has(e, "  = the own targets of the people covered whose role weights it:\n"
                  "    R0003    6 (role)\n");
    assert_has(e, "ratio: value / target = 56 / 46 = 1.21739130435 (higher is better)\n");
    free(e);
    e = explain(&w, "R0002", "team_at_target");
    assert_has(e, "attainment of the 10 people below (own rows; n/a and insufficient left "
                  "out):\n");
    assert_has(e, "    R0003    0.661592105263   target 1: not met\n");
    assert_has(e, "    R0004    1.39888416988   target 1: met\n");
    assert_has(e, "value: at_target(attainment)[=0.666666666667] = 0.666666666667\n");
    free(e);
    world_free(&w);
}

/* The first acme person with an insufficient conversion, explained. */
static void test_explain_insufficient(void **state)
{
    (void)state;
    struct world w;
    world_acme(&w);
    int k = config_find_kpi(w.cfg, "conversion"), found = 0;
    for (size_t p = 0; p < w.d.npeople && !found; p++) {
        struct kp_record *r = compute_person(w.k, p);
        if (r->kpis[k].status == KP_ST_INSUFFICIENT) {
            found = 1;
            char *e = explain(&w, r->id, "conversion");
            assert_has(e, "minimum 10: too small, so the KPI is insufficient: shown, but left "
                          "out of the composite\nstatus: insufficient\n");
            if (r->kpis[k].weight > 0)
                assert_has(e, "  left out: conversion insufficient");
            free(e);
        }
        record_free(r);
    }
    assert_true(found);
    world_free(&w);
}

/* Targets follow employment, prorated by day (the golden "employment"
 * config with [scoring] prorate = day; [ramp] 1 = 0%, 2 = 50%): a joiner on
 * 16 April (April half employed, at 0%; May at 50%), a leaver on 15 June, a
 * team mover, a June starter (no target). A team's summed target takes each
 * person's share of months in it, so the teams' add up to the org's. */
static void test_employment_day(void **state)
{
    (void)state;
    char dir[] = "/tmp/kp-unit-emp.XXXXXX",
         *abs = realpath("tests/golden/employment/review.ini", NULL);
    assert_non_null(mkdtemp(dir));
    assert_non_null(abs);
    char *path = xasprintf("%s/review.ini", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "[config]\ninclude = %s\n[scoring]\nprorate = day\n", abs);
    fclose(f);
    struct world w;
    w.cfg = config_load(path);
    assert_non_null(w.cfg);
    struct kp_buf roster = {0}, metrics = {0};
    buf_adds(&roster, "rep_id,name,team,role,hire_date,end_date\n"
                      "P1,One,West,ae,2026-04-16,\n"
                      "P2,Two,East,ae,2020-01-01,2026-06-15\n"
                      "P3,Three,West,ae,2020-01-01,\n"
                      "P4,Four,West,ae,2026-06-01,\n");
    /* opportunities and won (empty): the config's conversion needs them. */
    buf_adds(&metrics, "period,rep_id,team,revenue,quota,visits,opportunities,won\n"
                       "2026-04,P1,,10,100,1,,\n2026-05,P1,,10,100,1,,\n2026-06,P1,,10,100,1,,\n"
                       "2026-04,P2,,10,100,1,,\n2026-05,P2,,10,100,1,,\n2026-06,P2,,10,100,1,,\n"
                       "2026-04,P3,East,10,100,1,,\n2026-05,P3,West,10,100,1,,\n"
                       "2026-06,P3,West,10,100,1,,\n2026-06,P4,,10,100,1,,\n");
    world_ingest(&w, &roster, &metrics);
    enum { VISITS = 1, REVENUE = 2 };
    struct kp_record *r = compute_person(w.k, (size_t)data_find_person(&w.d, "P1"));
    assert_true(r->employed[0] == 0.5 && r->ramp[0] == 0 && r->ramp[1] == 0.5 && r->ramp[2] == 1);
    assert_true(r->kpis[VISITS].target == 15 && r->kpis[VISITS].target_full == 30);
    assert_true(r->kpis[REVENUE].target == 150);
    /* The quota: April 100 × 0%, May 100 × 50%, June 100. */
    assert_true(r->cols[KP_COL_QUOTA * 3] == 0 && r->cols[KP_COL_QUOTA * 3 + 1] == 50);
    assert_true(r->kpis[0].value == 0.2); /* 30 / 150 */
    record_free(r);
    r = compute_person(w.k, (size_t)data_find_person(&w.d, "P2"));
    assert_string_equal(r->end_date, "2026-06-15");
    assert_true(r->employed[2] == 0.5);
    assert_true(r->kpis[VISITS].target == 25 && r->kpis[REVENUE].target == 250);
    record_free(r);
    r = compute_person(w.k, (size_t)data_find_person(&w.d, "P3"));
    assert_null(r->employed);
    assert_string_equal(r->teams[0], "East");
    assert_string_equal(r->teams[1], "West");
    assert_true(r->kpis[VISITS].target == 30 && isnan(r->kpis[VISITS].target_full));
    record_free(r);
    r = compute_person(w.k, (size_t)data_find_person(&w.d, "P4"));
    assert_true(isnan(r->kpis[VISITS].target) && r->kpis[VISITS].target_full == 30);
    assert_true(isnan(r->kpis[VISITS].points) && isnan(r->kpis[0].value));
    record_free(r);
    /* Teams: East = P2 25 + P3 30 × 1/3; West = P1 15 + P3 30 × 2/3; org 70. */
    double t[3];
    for (size_t g = 0; g < 3; g++) {
        r = compute_group(w.k, g);
        t[g] = r->kpis[VISITS].target;
        record_free(r);
    }
    assert_true(t[0] == 35 && t[1] == 35 && t[2] == 70);
    world_free(&w);
    buf_free(&roster), buf_free(&metrics);
    unlink(path);
    rmdir(dir);
    free(path), free(abs);
}

UNIT_MAIN(cmocka_unit_test(test_round_values), cmocka_unit_test(test_round_random),
          cmocka_unit_test(test_properties), cmocka_unit_test(test_deterministic),
          cmocka_unit_test(test_explain_person), cmocka_unit_test(test_explain_manager),
          cmocka_unit_test(test_explain_insufficient), cmocka_unit_test(test_employment_day))
