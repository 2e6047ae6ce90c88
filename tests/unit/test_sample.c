/* Unit tests for sample: determinism, layout, the organisation tree, the
 * months each person has, gaps, archetypes, locales. */
#include "unit.h"

#include "model.h"
#include "sample.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small RFC 4180 reader for the generated tables ---------------------- */

struct table {
    size_t nrows; /* header included */
    size_t *nf;   /* fields per row */
    char ***f;
};

static void table_push_field(struct table *t, struct kp_buf *fld)
{
    size_t r = t->nrows - 1;
    t->f[r] = xrealloc(t->f[r], (t->nf[r] + 1) * sizeof *t->f[r]);
    t->f[r][t->nf[r]++] = buf_steal(fld);
}

static void table_new_row(struct table *t)
{
    t->nrows++;
    t->nf = xrealloc(t->nf, t->nrows * sizeof *t->nf);
    t->f = xrealloc(t->f, t->nrows * sizeof *t->f);
    t->nf[t->nrows - 1] = 0;
    t->f[t->nrows - 1] = NULL;
}

/* Every line must end with LF; fields may be quoted. */
static struct table parse(const char *s)
{
    struct table t = {0};
    struct kp_buf fld = {0};
    int start = 1;
    while (*s) {
        if (start)
            table_new_row(&t), start = 0;
        if (*s == '"') {
            for (s++; *s && !(s[0] == '"' && s[1] != '"'); s++) {
                if (*s == '"')
                    s++;
                buf_addc(&fld, *s);
            }
            assert_int_equal(*s, '"');
            s++;
        } else {
            while (*s && *s != ',' && *s != '\n')
                buf_addc(&fld, *s++);
        }
        if (!fld.s)
            buf_adds(&fld, "");
        table_push_field(&t, &fld);
        assert_true(*s == ',' || *s == '\n');
        start = *s == '\n';
        s++;
    }
    return t;
}

static void table_free(struct table *t)
{
    for (size_t r = 0; r < t->nrows; r++)
        strv_free(t->f[r], t->nf[r]);
    free(t->f);
    free(t->nf);
}

/* ---- a generated data set, parsed -------------------------------------------- */

struct set {
    struct kp_buf rb, mb, ab;
    struct table ro, me, ar;
};

static void gen(struct set *s, long reps, long months, unsigned long seed, double zh)
{
    struct kp_sample_params p = {reps, months, seed, zh};
    memset(s, 0, sizeof *s);
    sample_generate(&p, &s->rb, &s->mb, &s->ab);
    s->ro = parse(s->rb.s);
    s->me = parse(s->mb.s);
    s->ar = parse(s->ab.s);
}

static void set_free(struct set *s)
{
    buf_free(&s->rb), buf_free(&s->mb), buf_free(&s->ab);
    table_free(&s->ro), table_free(&s->me), table_free(&s->ar);
}

static long find_rep(const struct table *ro, const char *id)
{
    long n; /* ids are R<row number>, so try that row first */
    if (id[0] == 'R' && parse_long(id + 1, &n) == 0 && n > 0 && (size_t)n < ro->nrows &&
        strcmp(ro->f[n][KP_R_REP_ID], id) == 0)
        return n;
    for (size_t r = 1; r < ro->nrows; r++)
        if (strcmp(ro->f[r][KP_R_REP_ID], id) == 0)
            return (long)r;
    return -1;
}

/* Metric column index in a metrics row (period, rep_id come first). */
#define MC(c) ((c) + 2)

static double cell(const struct table *me, size_t r, int col)
{
    const char *s = me->f[r][MC(col)];
    double v;
    if (!*s)
        return NAN;
    assert_int_equal(parse_double(s, &v), 0);
    return v;
}

/* Sum of a column over one person's rows in [from, to] (missing cells skipped). */
static double sum_col(const struct table *me, const char *id, const char *from, const char *to,
                      int col)
{
    double s = 0;
    for (size_t r = 1; r < me->nrows; r++) {
        if (strcmp(me->f[r][1], id) != 0 || strcmp(me->f[r][0], from) < 0 ||
            strcmp(me->f[r][0], to) > 0)
            continue;
        double v = cell(me, r, col);
        if (!isnan(v))
            s += v;
    }
    return s;
}

static const char *arch_holder(const struct table *ar, const char *name)
{
    for (size_t r = 1; r < ar->nrows; r++)
        if (strcmp(ar->f[r][1], name) == 0)
            return ar->f[r][0];
    return NULL;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_deterministic(void **state)
{
    (void)state;
    struct kp_sample_params p = {30, 9, 1, 0.3};
    struct kp_buf r1 = {0}, m1 = {0}, r2 = {0}, m2 = {0}, r3 = {0}, m3 = {0};
    sample_generate(&p, &r1, &m1, NULL);
    sample_generate(&p, &r2, &m2, NULL);
    assert_int_equal(r1.len, r2.len);
    assert_memory_equal(r1.s, r2.s, r1.len);
    assert_int_equal(m1.len, m2.len);
    assert_memory_equal(m1.s, m2.s, m1.len);
    p.seed = 2;
    sample_generate(&p, &r3, &m3, NULL);
    assert_true(r3.len != r1.len || memcmp(r3.s, r1.s, r1.len) != 0);
    assert_true(m3.len != m1.len || memcmp(m3.s, m1.s, m1.len) != 0);
    buf_free(&r1), buf_free(&m1), buf_free(&r2), buf_free(&m2), buf_free(&r3), buf_free(&m3);
}

static void test_layout(void **state)
{
    (void)state;
    struct set s;
    gen(&s, 30, 9, 1, 0.3);
    assert_true(
        str_has_prefix(s.rb.s, "rep_id,name,email,team,role,manager_id,hire_date,locale\n"));
    assert_true(str_has_prefix(s.mb.s, "period,rep_id,revenue,quota,collected,new_customers,"
                                       "visits,opportunities,won,lost,renewals_due,renewals_won,"
                                       "csat,nps,forecast,cycle_days\n"));
    assert_null(strchr(s.rb.s, '\r'));
    assert_null(strchr(s.mb.s, '\r'));
    assert_false(str_has_prefix(s.rb.s, "\xEF\xBB\xBF"));
    assert_true(utf8_valid(s.rb.s, s.rb.len));
    assert_int_equal(s.ro.nrows, 31);
    for (size_t r = 0; r < s.ro.nrows; r++)
        assert_int_equal(s.ro.nf[r], 8);
    for (size_t r = 0; r < s.me.nrows; r++)
        assert_int_equal(s.me.nf[r], 16);
    set_free(&s);
}

static void test_people(void **state)
{
    (void)state;
    struct set s;
    gen(&s, 30, 9, 1, 0.3);
    static const char *const roles[] = {"ae", "kam", "channel", "support", "manager"};
    int seen[5] = {0}, zh = 0;
    for (size_t r = 1; r < s.ro.nrows; r++) {
        char **f = s.ro.f[r];
        char id[32];
        snprintf(id, sizeof id, "R%04zu", r);
        assert_string_equal(f[KP_R_REP_ID], id);
        assert_false(str_empty(f[KP_R_NAME]));
        assert_false(str_empty(f[KP_R_TEAM]));
        long days;
        assert_int_equal(date_parse(f[KP_R_HIRE_DATE], &days), 0);
        assert_true(strcmp(f[KP_R_HIRE_DATE], "2026-06-30") <= 0);
        size_t k = 0;
        while (k < 5 && strcmp(roles[k], f[KP_R_ROLE]) != 0)
            k++;
        assert_true(k < 5);
        seen[k]++;
        assert_true(str_eq(f[KP_R_LOCALE], "en") || str_eq(f[KP_R_LOCALE], "zh"));
        zh += str_eq(f[KP_R_LOCALE], "zh");
        if (*f[KP_R_EMAIL]) {
            assert_non_null(strchr(f[KP_R_EMAIL], '@'));
            for (const char *c = f[KP_R_EMAIL]; *c; c++)
                assert_true((unsigned char)*c < 0x80);
        }
    }
    for (size_t k = 0; k < 5; k++)
        assert_true(seen[k] > 0);
    assert_true(zh > 0 && zh < 30);
    set_free(&s);
}

/* Every manager_id names a manager in the roster; one root; no cycles. */
static void check_tree(const struct table *ro)
{
    size_t roots = 0, n = ro->nrows - 1;
    for (size_t r = 1; r < ro->nrows; r++) {
        const char *m = ro->f[r][KP_R_MANAGER_ID];
        if (!*m) {
            roots++;
            continue;
        }
        long mr = find_rep(ro, m);
        assert_true(mr > 0);
        assert_string_equal(ro->f[mr][KP_R_ROLE], "manager");
        size_t steps = 0;
        for (long x = (long)r; *ro->f[x][KP_R_MANAGER_ID];
             x = find_rep(ro, ro->f[x][KP_R_MANAGER_ID]))
            assert_true(++steps <= n);
    }
    assert_int_equal(roots, 1);
}

static void test_tree(void **state)
{
    (void)state;
    long sizes[] = {1, 2, 5, 30, 200};
    for (size_t i = 0; i < KP_NELEM(sizes); i++) {
        struct set s;
        gen(&s, sizes[i], 3, 7, 0.5);
        assert_int_equal(s.ro.nrows - 1, (size_t)sizes[i]);
        check_tree(&s.ro);
        set_free(&s);
    }
}

/* A big organisation: regional directors between head and team managers,
 * teams of 6..12 with one manager each, unique team names, wider ids. */
static void test_big_org(void **state)
{
    (void)state;
    struct set s;
    gen(&s, 12345, 1, 3, 0.3);
    assert_string_equal(s.ro.f[1][KP_R_REP_ID], "R00001");
    assert_string_equal(s.ro.f[12345][KP_R_REP_ID], "R12345");
    check_tree(&s.ro);
    size_t depth3 = 0, noemail = 0;
    for (size_t r = 1; r < s.ro.nrows; r++) {
        long m1 = find_rep(&s.ro, s.ro.f[r][KP_R_MANAGER_ID]);
        if (m1 > 0 && *s.ro.f[m1][KP_R_MANAGER_ID] &&
            *s.ro.f[find_rep(&s.ro, s.ro.f[m1][KP_R_MANAGER_ID])][KP_R_MANAGER_ID])
            depth3++;
        noemail += !*s.ro.f[r][KP_R_EMAIL];
    }
    assert_true(depth3 > 10000);
    assert_true(noemail > 2);
    /* Each team is a contiguous block of ids: its manager, then 5..11 members. */
    size_t teams = 0, start = 0;
    for (size_t r = 1; r <= s.ro.nrows; r++) {
        if (r < s.ro.nrows && start && str_eq(s.ro.f[r][KP_R_TEAM], s.ro.f[start][KP_R_TEAM]))
            continue;
        if (start && !str_eq(s.ro.f[start][KP_R_TEAM], "Sales Leadership") &&
            !str_eq(s.ro.f[start][KP_R_TEAM], "销售管理部")) {
            assert_string_equal(s.ro.f[start][KP_R_ROLE], "manager");
            assert_in_range(r - start, 6, 12);
            teams++;
        }
        start = r;
    }
    assert_true(teams > 1000);
    set_free(&s);
}

static void test_months(void **state)
{
    (void)state;
    struct set s;
    gen(&s, 60, 9, 11, 0.3);
    kp_month m0 = KP_SAMPLE_END_MONTH - 8;
    long expect = 0, late = 0;
    for (size_t r = 1; r < s.ro.nrows; r++) {
        long days;
        int y, m, d;
        assert_int_equal(date_parse(s.ro.f[r][KP_R_HIRE_DATE], &days), 0);
        date_split(days, &y, &m, &d);
        kp_month hm = y * 12 + m - 1, first = hm > m0 ? hm : m0;
        late += hm > m0;
        expect += KP_SAMPLE_END_MONTH - first + 1;
        /* the person's first row is their first month */
        char want[8];
        month_format(first, want);
        for (size_t k = 1; k < s.me.nrows; k++)
            if (strcmp(s.me.f[k][1], s.ro.f[r][KP_R_REP_ID]) == 0) {
                assert_string_equal(s.me.f[k][0], want);
                break;
            }
    }
    assert_true(late >= 2); /* new hires whose first months are missing */
    assert_int_equal(s.me.nrows - 1, (size_t)expect);
    assert_true(expect < 60 * 9);
    for (size_t k = 1; k < s.me.nrows; k++) {
        kp_month pm;
        assert_int_equal(month_parse(s.me.f[k][0], &pm), 0);
        assert_in_range(pm, m0, KP_SAMPLE_END_MONTH);
        assert_true(find_rep(&s.ro, s.me.f[k][1]) > 0);
        if (k > 1) { /* sorted by period, then rep_id: no duplicates */
            int c = strcmp(s.me.f[k - 1][0], s.me.f[k][0]);
            assert_true(c < 0 || (c == 0 && strcmp(s.me.f[k - 1][1], s.me.f[k][1]) < 0));
        }
    }
    assert_string_equal(s.me.f[1][0], "2025-10");
    assert_string_equal(s.me.f[s.me.nrows - 1][0], "2026-06");
    set_free(&s);
}

static int sells(const char *role)
{
    return str_eq(role, "ae") || str_eq(role, "kam") || str_eq(role, "channel");
}

/* Cell values are plausible and consistent; gaps exist but are few. */
static void test_values(void **state)
{
    (void)state;
    struct set s;
    gen(&s, 300, 12, 5, 0.3);
    long sales_rows = 0, rev_gaps = 0, zero_csat = 0;
    for (size_t k = 1; k < s.me.nrows; k++) {
        const char *role = s.ro.f[find_rep(&s.ro, s.me.f[k][1])][KP_R_ROLE];
        double rev = cell(&s.me, k, KP_COL_REVENUE), q = cell(&s.me, k, KP_COL_QUOTA);
        double o = cell(&s.me, k, KP_COL_OPPORTUNITIES), w = cell(&s.me, k, KP_COL_WON);
        double l = cell(&s.me, k, KP_COL_LOST), cs = cell(&s.me, k, KP_COL_CSAT);
        double nps = cell(&s.me, k, KP_COL_NPS);
        double rd = cell(&s.me, k, KP_COL_RENEWALS_DUE), rw = cell(&s.me, k, KP_COL_RENEWALS_WON);
        if (sells(role)) {
            sales_rows++;
            rev_gaps += isnan(rev);
            assert_true(isnan(q) || q > 0);
        } else {
            assert_true(isnan(rev) && isnan(q) && isnan(o));
        }
        if (!isnan(o))
            assert_true(w + l <= o);
        if (!isnan(rd))
            assert_true(rw <= rd);
        if (!isnan(cs)) {
            assert_true(cs >= 1 && cs <= 5 && fabs(cs * 10 - round(cs * 10)) < 1e-9);
            zero_csat += cs == 0;
        }
        if (!isnan(nps))
            assert_true(nps >= -100 && nps <= 100 && nps == round(nps));
    }
    assert_int_equal(zero_csat, 0);
    /* about 3% of the revenue cells are missing */
    assert_in_range(rev_gaps * 1000 / sales_rows, 10, 60);
    set_free(&s);
}

static void test_archetypes(void **state)
{
    (void)state;
    struct set s;
    gen(&s, 30, 9, 1, 0.3);
    assert_int_equal(s.ar.nrows - 1, KP_NARCH - 1);
    const char *w0 = "2026-04", *w1 = "2026-06";
    const struct table *me = &s.me;

    const char *lc = arch_holder(&s.ar, "low_converter");
    assert_non_null(lc);
    double o = sum_col(me, lc, w0, w1, KP_COL_OPPORTUNITIES);
    assert_true(o >= 40 && sum_col(me, lc, w0, w1, KP_COL_WON) / o < 0.12);

    const char *wc = arch_holder(&s.ar, "weak_collector");
    double rev = sum_col(me, wc, w0, w1, KP_COL_REVENUE);
    assert_true(sum_col(me, wc, w0, w1, KP_COL_COLLECTED) / rev < 0.7);
    assert_true(
        sum_col(me, wc, w0, w1, KP_COL_WON) / sum_col(me, wc, w0, w1, KP_COL_OPPORTUNITIES) > 0.4);

    const char *fd = arch_holder(&s.ar, "few_deals");
    assert_true(sum_col(me, fd, "2000-01", "2099-12", KP_COL_OPPORTUNITIES) == 3);
    assert_true(str_has_prefix(s.ro.f[find_rep(&s.ro, fd)][KP_R_HIRE_DATE], "2026-04-"));

    const char *top = arch_holder(&s.ar, "top_performer");
    rev = sum_col(me, top, w0, w1, KP_COL_REVENUE);
    assert_true(rev / sum_col(me, top, w0, w1, KP_COL_QUOTA) > 1.2);
    assert_true(sum_col(me, top, w0, w1, KP_COL_COLLECTED) / rev > 0.95);
    assert_true(sum_col(me, top, w0, w1, KP_COL_RENEWALS_DUE) > 0);

    const char *idle = arch_holder(&s.ar, "idle_month");
    int found = 0;
    for (size_t k = 1; k < me->nrows; k++)
        if (str_eq(me->f[k][1], idle) && str_eq(me->f[k][0], "2026-05")) {
            assert_string_equal(me->f[k][MC(KP_COL_REVENUE)], "0");
            assert_string_equal(me->f[k][MC(KP_COL_OPPORTUNITIES)], "0");
            assert_string_equal(me->f[k][MC(KP_COL_VISITS)], "0");
            found = 1;
        }
    assert_true(found);

    const char *dn = arch_holder(&s.ar, "declining");
    double early = sum_col(me, dn, "2025-10", "2025-12", KP_COL_REVENUE);
    double late = sum_col(me, dn, w0, w1, KP_COL_REVENUE);
    assert_true(early > late * 1.2);
    set_free(&s);
}

static void test_locales(void **state)
{
    (void)state;
    struct set s;
    gen(&s, 80, 3, 9, 0.0);
    for (size_t i = 0; i < s.rb.len; i++)
        assert_true((unsigned char)s.rb.s[i] < 0x80);
    for (size_t r = 1; r < s.ro.nrows; r++)
        assert_string_equal(s.ro.f[r][KP_R_LOCALE], "en");
    set_free(&s);

    gen(&s, 80, 3, 9, 1.0);
    for (size_t r = 1; r < s.ro.nrows; r++) {
        assert_string_equal(s.ro.f[r][KP_R_LOCALE], "zh");
        assert_true((unsigned char)s.ro.f[r][KP_R_NAME][0] >= 0xE4); /* CJK */
        assert_true((unsigned char)s.ro.f[r][KP_R_TEAM][0] >= 0xE4);
    }
    assert_non_null(strstr(s.rb.s, ",华东一区,"));
    assert_non_null(strstr(s.rb.s, ",大客户部,"));
    set_free(&s);
}

UNIT_MAIN(cmocka_unit_test(test_deterministic), cmocka_unit_test(test_layout),
          cmocka_unit_test(test_people), cmocka_unit_test(test_tree),
          cmocka_unit_test(test_big_org), cmocka_unit_test(test_months),
          cmocka_unit_test(test_values), cmocka_unit_test(test_archetypes),
          cmocka_unit_test(test_locales))
