/* compute — see compute.h. */
#include "compute.h"

#include "config.h"
#include "expr.h"
#include "model.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-month column aggregates of a group of people. sum + comp is the
 * compensated (Neumaier) sum of the values. */
struct cell {
    double sum, comp, min, max;
    long n;
};

struct group {
    struct cell *cells; /* [nmonths * ncols] */
    size_t *members;    /* people covered (a manager: everyone below, not themselves) */
    size_t nmembers;
};

/* What a KPI is evaluated over: one person's own rows, or a group's cells. */
struct src {
    const struct kp_compute *k;
    long person;           /* >= 0: that person's own rows */
    const struct group *g; /* else: the group */
};

struct kp_compute {
    const struct kp_config *cfg;
    const struct kp_data *d;
    struct kp_meta meta;
    size_t np, nk, nc;
    int nm;            /* months held */
    int w0, w1;        /* window, as month indices */
    int p0, p1;        /* previous window; p0 < 0 when not held */
    double elapsed;    /* pacing: months of the window elapsed at as_of (fractional) */
    double remaining;  /* pacing: window months - elapsed */
    int last_done;     /* last month index that is over at as_of (idle alerts) */
    struct group *mgr; /* [np]: a manager's tree (cells include themselves); cells NULL otherwise */
    struct group *teams; /* [nteams] */
    struct group org;
    double *own;           /* [np * nk] value over the person's own rows (window) */
    unsigned char *own_st; /* [np * nk] status of own */
    double *own_t;         /* [np * nk] the person's own resolved target */
    double *value;         /* [np * nk] value over the person's scope (window) */
    double *target;        /* [np * nk] target of the scope (a manager: tree sums) */
    char *own_src;         /* [np * nk] source of own_t: 'p', 'r', 'd' or 0 */
    char *tsrc;            /* [np * nk] source of target ('t': a tree sum) */
    double *points;        /* [np * nk]; NaN when not scored */
    unsigned char *status;
    double *composite; /* [np] */
    double *comp12;    /* [np] composite at 15 digits: shown, ranked, banded */
    int *rank_team, *rank_org;
    int *team_size; /* [nteams] people ranked */
    int org_size;
    double *team_points; /* [nteams * nk] mean points of members */
    double *team_value;  /* [nteams * nk] */
    /* Employment ([scoring] prorate, [ramp]): */
    double *emp;      /* [np * nm] share of each month employed (1 = the whole month) */
    double *rampv;    /* [np * nm] the ramp's share of the full target that month (1 = full) */
    double *eshare;   /* [np] Σ emp × ramp over the window's months (W = full) */
    double *own_full; /* [np * nk] the own target before proration */
};

/* An allocation count that is never 0. */
static size_t nz(size_t n)
{
    return n ? n : 1;
}

/* ------------------------------------------------------------------ */
/* Numbers                                                             */

static const double pow10_tab[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* |a| × 10^s rounded to a whole number as the exact product would round
 * (ties to even), s within ±22: the product is rounded once to a double,
 * so a result that looks like a tie (…5) is settled by the exact residual
 * that fma gives. */
static double scaled(double a, int s)
{
    double p, r;
    if (s >= 0) {
        p = a * pow10_tab[s];
        r = fma(a, pow10_tab[s], -p); /* a × 10^s = p + r exactly */
    } else {
        p = a / pow10_tab[-s];
        r = fma(-p, pow10_tab[-s], a); /* a - p × 10^-s: the sign of the quotient's error */
    }
    double m = nearbyint(p);
    if (fabs(p - floor(p) - 0.5) == 0 && r != 0)
        m = r > 0 ? floor(p) + 1 : floor(p);
    return m;
}

double compute_round(double x, int digits)
{
    if (isnan(x) || isinf(x))
        return x;
    if (x == 0)
        return 0; /* no -0 */
    if (digits < 1 || digits > 15)
        digits = 15;
    double a = fabs(x), lo = pow10_tab[digits - 1], hi = pow10_tab[digits];
    int s = digits - 1 - (int)floor(log10(a));
    if (s >= -21 && s <= 21) {
        double m = scaled(a, s);
        if (m >= hi) /* log10 rounded up across a power of ten */
            m = scaled(a, --s);
        else if (m < lo)
            m = scaled(a, ++s);
        /* m is exact (< 2^53) and so is the power of ten: one correctly
         * rounded operation gives the double nearest the decimal m × 10^-s,
         * the same double strtod gives for those digits. */
        double r = s >= 0 ? m / pow10_tab[s] : m * pow10_tab[-s];
        return x < 0 ? -r : r;
    }
    char b[40];
    snprintf(b, sizeof b, "%.*e", digits - 1, x);
    return strtod(b, NULL);
}

/* Exact figures (sums of inputs) keep 15 digits; derived ones 12. */
static double R15(double x)
{
    return compute_round(x, KP_DIGITS_EXACT);
}

static double R12(double x)
{
    return compute_round(x, KP_DIGITS);
}

/* Threshold comparisons: both sides at 12 significant digits. */
static int at_least(double a, double b)
{
    return R12(a) >= R12(b);
}

static int below(double a, double b)
{
    return R12(a) < R12(b);
}

/* A KPI figure as shown: a sum or count of inputs is exact (15 digits),
 * anything divided, averaged or combined 12. */
static double shown(const struct kp_expr *e, double v)
{
    return e && expr_is_additive(e) ? R15(v) : R12(v);
}

/* Neumaier's compensated summation: *s + *c is the running sum. */
static void ksum(double *s, double *c, double v)
{
    double t = *s + v;
    if (fabs(*s) >= fabs(v))
        *c += (*s - t) + v;
    else
        *c += (v - t) + *s;
    *s = t;
}

/* ------------------------------------------------------------------ */
/* Aggregation                                                         */

static void cell_add(struct cell *c, double v)
{
    if (c->n == 0) {
        c->sum = c->min = c->max = v, c->comp = 0, c->n = 1;
        return;
    }
    ksum(&c->sum, &c->comp, v);
    c->min = v < c->min ? v : c->min;
    c->max = v > c->max ? v : c->max;
    c->n++;
}

/* A person's cell as the KPIs see it: the quota column times the month's
 * ramp share (a ramped quota); every other cell as read. */
static double cell_value(const struct kp_compute *k, size_t p, int m, size_t c)
{
    double v = *data_cell(k->d, p, m, c);
    if (c != KP_COL_QUOTA)
        return v;
    double r = k->rampv[p * (size_t)k->nm + (size_t)m];
    return r != 1 && !isnan(v) ? R15(v * r) : v;
}

/* The team a person's month counts for: the metrics row's team column,
 * else the roster's team. */
static int month_team(const struct kp_compute *k, size_t p, int m)
{
    int t = k->d->mteam ? k->d->mteam[p * (size_t)k->nm + (size_t)m] : -1;
    return t >= 0 ? t : k->d->people[p].team_idx;
}

static struct cell src_cell(const struct src *s, int m, size_t c)
{
    struct cell out = {0, 0, 0, 0, 0};
    if (s->person >= 0) {
        double v = cell_value(s->k, (size_t)s->person, m, c);
        if (!isnan(v))
            out.sum = out.min = out.max = v, out.n = 1;
        return out;
    }
    return s->g->cells[(size_t)m * s->k->nc + c];
}

/* Aggregates of the columns cols[0..ncols) over months a..b (inclusive);
 * the other columns are left as they are. Sums are exact to 15 digits. */
static void agg_range(const struct src *s, int a, int b, struct kp_colagg *out, const size_t *cols,
                      size_t ncols)
{
    for (size_t i = 0; i < ncols; i++) {
        size_t c = cols[i];
        struct kp_colagg *o = &out[c];
        double comp = 0;
        o->sum = 0, o->min = o->max = o->first = o->last = NAN, o->n = 0;
        for (int m = a; m <= b; m++) {
            struct cell x = src_cell(s, m, c);
            if (x.n == 0)
                continue;
            ksum(&o->sum, &comp, x.sum);
            comp += x.comp;
            o->min = o->n == 0 || x.min < o->min ? x.min : o->min;
            o->max = o->n == 0 || x.max > o->max ? x.max : o->max;
            if (o->n == 0)
                o->first = R15(x.sum + x.comp);
            o->last = R15(x.sum + x.comp);
            o->n += x.n;
        }
        o->sum = R15(o->sum + comp);
    }
}

/* Every column's aggregates (explain). */
static void agg_all(const struct src *s, int a, int b, struct kp_colagg *out)
{
    size_t nc = s->k->nc;
    size_t cols[nc ? nc : 1];
    for (size_t c = 0; c < nc; c++)
        cols[c] = c;
    agg_range(s, a, b, out, cols, nc);
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                          */

struct group_arg {
    const struct kp_compute *k;
    const struct group *g;
    int a, b;
    const struct src *s; /* the scope, for prev() and yoy() */
};

static double eval_src(const struct kp_compute *k, const struct src *s, const struct kp_expr *e,
                       int a, int b);
static enum kp_status status_of(const struct kp_compute *k, const struct src *s, int kpi, double v,
                                int a, int b, double *sample);

/* A member's own value of a column-only KPI over months a..b; NaN when n/a
 * or insufficient (such a member is left out of spread and at_target). */
static double member_value(const struct kp_compute *k, size_t p, int kpi, int a, int b)
{
    size_t x = p * k->nk + (size_t)kpi;
    if (a == k->w0 && b == k->w1)
        return k->own_st[x] == KP_ST_OK ? k->own[x] : NAN;
    struct src s = {k, (long)p, NULL};
    double v = eval_src(k, &s, k->cfg->kpis[kpi].formula, a, b), sample;
    return status_of(k, &s, kpi, v, a, b, &sample) == KP_ST_OK ? v : NAN;
}

static int meets(const struct kp_compute *k, int kpi, double v, double t)
{
    return k->cfg->kpis[kpi].lower_better ? at_least(t, v) : at_least(v, t);
}

/* spread: population standard deviation (two passes); at_target: the share
 * of members with a value and a target whose value meets it. */
static double group_fn(void *arg, enum kp_group_fn fn, int kpi)
{
    const struct group_arg *ga = arg;
    const struct kp_compute *k = ga->k;
    double *v = xmalloc((ga->g->nmembers ? ga->g->nmembers : 1) * sizeof *v);
    double sum = 0, comp = 0;
    long n = 0, hit = 0;
    for (size_t i = 0; i < ga->g->nmembers; i++) {
        size_t p = ga->g->members[i];
        double x = member_value(k, p, kpi, ga->a, ga->b);
        double t = k->own_t[p * k->nk + (size_t)kpi];
        if (isnan(x) || (fn == KP_GROUP_AT_TARGET && isnan(t)))
            continue;
        v[n++] = x;
        ksum(&sum, &comp, x);
        hit += fn == KP_GROUP_AT_TARGET && meets(k, kpi, x, t);
    }
    double r = NAN;
    if (n > 0 && fn == KP_GROUP_AT_TARGET) {
        r = (double)hit / (double)n;
    } else if (n > 0) {
        double mean = (sum + comp) / (double)n, sq = 0, sc = 0;
        for (long i = 0; i < n; i++)
            ksum(&sq, &sc, (v[i] - mean) * (v[i] - mean));
        r = sqrt((sq + sc) / (double)n);
    }
    free(v);
    return r;
}

/* The value of e over a source and months a..b (full precision). */
/* prev(e): e over the as many months just before a..b; yoy(e): over a..b a
 * year before; n/a when the months held do not reach. */
static double shift_fn(void *arg, enum kp_shift how, const struct kp_expr *e)
{
    const struct group_arg *ga = arg;
    int back = how == KP_SHIFT_YOY ? 12 : ga->b - ga->a + 1;
    return ga->a - back < 0 ? NAN : eval_src(ga->k, ga->s, e, ga->a - back, ga->b - back);
}

static double eval_src(const struct kp_compute *k, const struct src *s, const struct kp_expr *e,
                       int a, int b)
{
    if (!e)
        return NAN;
    size_t nc = k->nc ? k->nc : 1;
    struct kp_colagg agg[nc];
    size_t cols[nc];
    agg_range(s, a, b, agg, cols, expr_columns(e, cols, nc));
    struct group_arg ga = {k, s->g, a, b, s};
    struct kp_eval_ctx ctx = {agg, s->g && s->g->nmembers ? group_fn : NULL, &ga, shift_fn};
    return expr_eval(e, &ctx);
}

/* The source a person's KPIs are computed over. */
static struct src person_src(const struct kp_compute *k, size_t p)
{
    struct src s = {k, (long)p, NULL};
    if (k->mgr[p].cells)
        s.person = -1, s.g = &k->mgr[p];
    return s;
}

/* ------------------------------------------------------------------ */
/* Targets, ratios, points                                             */

static double resolve_target(const struct kp_compute *k, size_t p, int kpi, char *src)
{
    const struct kp_config *c = k->cfg;
    const struct kp_role *r = &c->roles[k->d->people[p].role_idx];
    for (int i = 0; i < 3; i++) {
        double t = NAN;
        char s = 0;
        switch (c->precedence[i]) {
        case KP_TS_PERSON:
            t = k->d->ptarget ? k->d->ptarget[p * k->d->nkpis + (size_t)kpi] : NAN, s = 'p';
            break;
        case KP_TS_ROLE: t = r->target[kpi], s = 'r'; break;
        case KP_TS_DEFAULT: t = c->kpis[kpi].target, s = 'd'; break;
        }
        if (!isnan(t)) {
            *src = s;
            return t;
        }
    }
    *src = 0;
    return NAN;
}

/* Does the person count towards a summed target of kpi? Those whose role
 * weights it; when nobody covered has such a role, everyone (all = 1). */
static int counts_for_sum(const struct kp_compute *k, size_t p, int kpi, int all)
{
    return all || k->cfg->roles[k->d->people[p].role_idx].weight[kpi] > 0;
}

static int any_weighted(const struct kp_compute *k, const size_t *people, size_t n, int kpi)
{
    for (size_t i = 0; i < n; i++)
        if (!isnan(k->own_t[people[i] * k->nk + (size_t)kpi]) &&
            counts_for_sum(k, people[i], kpi, 0))
            return 1;
    return 0;
}

/* Sum of the own targets of the people covered whose role weights the KPI
 * (all of them when none does), each times its share w[i] (NULL: all 1: a
 * team's share of someone who moved teams); NaN when nobody has one. */
static double sum_targets_w(const struct kp_compute *k, const size_t *people, const double *w,
                            size_t n, int kpi)
{
    int all = !any_weighted(k, people, n, kpi), any = 0;
    double s = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
        double t = k->own_t[people[i] * k->nk + (size_t)kpi];
        if (!isnan(t) && counts_for_sum(k, people[i], kpi, all))
            ksum(&s, &c, w && w[i] != 1 ? R12(t * w[i]) : t), any = 1;
    }
    return any ? R15(s + c) : NAN;
}

static double sum_targets(const struct kp_compute *k, const size_t *people, size_t n, int kpi)
{
    return sum_targets_w(k, people, NULL, n, kpi);
}

static double ratio_of(const struct kp_compute *k, int kpi, double v, double t)
{
    if (isnan(v) || isnan(t))
        return NAN;
    double r;
    if (k->cfg->kpis[kpi].lower_better) {
        if (t < 0)
            return NAN;
        r = v <= 0 ? k->cfg->cap : t / v;
    } else {
        if (t <= 0)
            return NAN;
        r = v / t;
    }
    if (r < 0)
        r = 0;
    return at_least(r, k->cfg->cap) ? k->cfg->cap : r;
}

static double points_of(double ratio)
{
    return 100 * ratio;
}

/* What min_sample is compared with: the sample formula, else the divisor. */
static const struct kp_expr *sample_expr(const struct kp_compute *k, int kpi)
{
    const struct kp_kpi_def *d = &k->cfg->kpis[kpi];
    return d->sample ? d->sample : d->formula ? expr_divisor(d->formula) : NULL;
}

/* Status of a KPI value over a source and range: na, insufficient or ok. */
static enum kp_status status_of(const struct kp_compute *k, const struct src *s, int kpi, double v,
                                int a, int b, double *sample)
{
    const struct kp_kpi_def *d = &k->cfg->kpis[kpi];
    *sample = NAN;
    if (isnan(v))
        return KP_ST_NA;
    const struct kp_expr *se = sample_expr(k, kpi);
    if (se)
        *sample = eval_src(k, s, se, a, b);
    if (d->min_sample > 0 && (isnan(*sample) || below(*sample, d->min_sample)))
        return KP_ST_INSUFFICIENT;
    return KP_ST_OK;
}

/* Σ weight × points / Σ weight over the role's weighted KPIs that have
 * points and are ok; NaN when none has. */
static double composite_of(const struct kp_compute *k, size_t p, const double *points,
                           const unsigned char *status)
{
    const struct kp_role *r = &k->cfg->roles[k->d->people[p].role_idx];
    double wsum = 0, wc = 0, acc = 0, ac = 0;
    for (size_t i = 0; i < k->nk; i++) {
        if (r->weight[i] <= 0 || status[i] != KP_ST_OK || isnan(points[i]))
            continue;
        ksum(&wsum, &wc, r->weight[i]);
        ksum(&acc, &ac, r->weight[i] * points[i]);
    }
    return wsum + wc > 0 ? (acc + ac) / (wsum + wc) : NAN;
}

static const char *band_of(const struct kp_config *c, double composite)
{
    if (isnan(composite))
        return "";
    for (size_t i = 0; i < c->nbands; i++) /* sorted highest first */
        if (at_least(composite, c->bands[i].min))
            return c->bands[i].id;
    return "";
}

/* ------------------------------------------------------------------ */
/* Set-up: groups, window values, scores, ranks                        */

static void group_init(struct group *g, const struct kp_compute *k)
{
    g->cells = xcalloc((size_t)k->nm * k->nc, sizeof *g->cells);
}

static void group_add_month(struct group *g, const struct kp_compute *k, size_t p, int m)
{
    for (size_t c = 0; c < k->nc; c++) {
        double v = cell_value(k, p, m, c);
        if (!isnan(v))
            cell_add(&g->cells[(size_t)m * k->nc + c], v);
    }
}

static void group_add_member(struct group *g, size_t p)
{
    g->members = xrealloc(g->members, (g->nmembers + 1) * sizeof *g->members);
    g->members[g->nmembers++] = p;
}

static void group_add_person(struct group *g, const struct kp_compute *k, size_t p, int member)
{
    for (int m = 0; m < k->nm; m++)
        group_add_month(g, k, p, m);
    if (member)
        group_add_member(g, p);
}

static void build_groups(struct kp_compute *k)
{
    const struct kp_data *d = k->d;
    k->teams = xcalloc(d->nteams ? d->nteams : 1, sizeof *k->teams);
    for (size_t t = 0; t < d->nteams; t++)
        group_init(&k->teams[t], k);
    group_init(&k->org, k);
    k->mgr = xcalloc(k->np ? k->np : 1, sizeof *k->mgr);
    for (size_t p = 0; p < k->np; p++) {
        /* A team's cells: the months each person counted for it (team moves). */
        for (int m = 0; m < k->nm; m++)
            group_add_month(&k->teams[month_team(k, p, m)], k, p, m);
        group_add_member(&k->teams[d->people[p].team_idx], p);
        group_add_person(&k->org, k, p, 1);
        /* Walk up the manager chain (ingest removed cycles; the bound is a guard). */
        size_t hops = 0;
        for (int a = d->people[p].mgr; a >= 0 && hops < k->np; a = d->people[a].mgr, hops++) {
            if (!k->mgr[a].cells) {
                group_init(&k->mgr[a], k);
                group_add_person(&k->mgr[a], k, (size_t)a, 0);
            }
            group_add_person(&k->mgr[a], k, p, 1);
        }
    }
}

static long date_of(const char *s)
{
    long days;
    return s && date_parse(s, &days) == 0 ? days : -1;
}

/* Each person's months: the share employed ([scoring] prorate: month = 1 for
 * a month with a day employed, day = days employed / days in the month,
 * off = 1) and the ramp's share (month n since hire: [ramp] n, else 1). */
static void employment(struct kp_compute *k)
{
    const struct kp_config *c = k->cfg;
    size_t nm = (size_t)k->nm;
    k->emp = xmalloc(nz(k->np * nm) * sizeof *k->emp);
    k->rampv = xmalloc(nz(k->np * nm) * sizeof *k->rampv);
    k->eshare = xmalloc(nz(k->np) * sizeof *k->eshare);
    for (size_t p = 0; p < k->np; p++) {
        long hire = date_of(k->d->people[p].hire_date), end = date_of(k->d->people[p].end_date);
        double sum = 0, comp = 0;
        for (int m = 0; m < k->nm; m++) {
            kp_month M = k->d->m0 + m;
            long first = date_from_ymd(M / 12, M % 12 + 1, 1), last = first + month_days(M) - 1;
            long a = hire > first ? hire : first, b = end >= 0 && end < last ? end : last;
            long days = b >= a ? b - a + 1 : 0;
            double e = c->prorate == KP_PRORATE_OFF     ? 1
                       : c->prorate == KP_PRORATE_MONTH ? (days > 0)
                                                        : (double)days / month_days(M);
            double r = 1;
            long n = hire >= 0 ? (long)M - month_of_date(hire) + 1 : 0;
            if (n >= 1 && (size_t)n <= c->nramp)
                r = c->ramp[n - 1];
            k->emp[p * nm + (size_t)m] = e;
            k->rampv[p * nm + (size_t)m] = r;
            if (m >= k->w0 && m <= k->w1)
                ksum(&sum, &comp, e * r);
        }
        k->eshare[p] = sum + comp;
    }
}

/* A window target t of an additive KPI for the part of the window employed:
 * t × Σ (employed × ramp) / W (a derived figure: 12 digits). The full
 * target when employed throughout. */
static double prorated(const struct kp_compute *k, size_t p, double t)
{
    double W = (double)(k->w1 - k->w0 + 1);
    return isnan(t) || k->eshare[p] == W ? t : R12(t * k->eshare[p] / W);
}

double compute_prorate(const struct kp_compute *k, size_t person, double t)
{
    return prorated(k, person, t);
}

void compute_month_share(const struct kp_compute *k, size_t person, int m, double *emp,
                         double *ramp)
{
    *emp = k->emp[person * (size_t)k->nm + (size_t)m];
    *ramp = k->rampv[person * (size_t)k->nm + (size_t)m];
}

static int is_group_kpi(const struct kp_compute *k, size_t i)
{
    return k->cfg->kpis[i].formula && expr_uses_group(k->cfg->kpis[i].formula);
}

/* Own values (own rows), their status and own targets of everyone. */
static void score_own(struct kp_compute *k)
{
    size_t np = k->np, nk = k->nk;
    k->own = xmalloc(nz(np * nk) * sizeof *k->own);
    k->own_st = xcalloc(nz(np * nk), 1);
    k->own_t = xmalloc(nz(np * nk) * sizeof *k->own_t);
    k->own_src = xcalloc(nz(np * nk), 1);
    k->own_full = xmalloc(nz(np * nk) * sizeof *k->own_full);
    for (size_t p = 0; p < np; p++)
        for (size_t i = 0; i < nk; i++) {
            size_t x = p * nk + i;
            struct src own = {k, (long)p, NULL};
            double sample;
            k->own[x] =
                is_group_kpi(k, i) ? NAN : eval_src(k, &own, k->cfg->kpis[i].formula, k->w0, k->w1);
            k->own_st[x] = status_of(k, &own, (int)i, k->own[x], k->w0, k->w1, &sample);
            k->own_full[x] = k->own_t[x] = resolve_target(k, p, (int)i, &k->own_src[x]);
            /* Summed (additive) targets follow employment; a rate's does not. A
             * target prorated to 0 (a 0% ramp month) is no target, not 0. */
            if (k->cfg->kpis[i].team_target_sum) {
                k->own_t[x] = prorated(k, p, k->own_t[x]);
                if (k->own_t[x] == 0 && k->own_full[x] != 0)
                    k->own_t[x] = NAN, k->own_src[x] = 0;
            }
        }
}

double compute_own_over(const struct kp_compute *k, size_t person, int kpi, int a, int b)
{
    struct src own = {k, (long)person, NULL};
    if (is_group_kpi(k, (size_t)kpi) || a < 0 || b >= k->nm || a > b)
        return NAN;
    return eval_src(k, &own, k->cfg->kpis[kpi].formula, a, b);
}

int compute_is_manager(const struct kp_compute *k, size_t person)
{
    return k->mgr[person].cells != NULL;
}

/* A manager's target of an additive KPI: the sum over their tree (unless
 * targets.csv set theirs and it won). */
static void tree_target(struct kp_compute *k, size_t p, size_t i, const struct group *g)
{
    size_t x = p * k->nk + i;
    if (!k->cfg->kpis[i].team_target_sum || k->tsrc[x] == 'p')
        return;
    size_t *cov = xmalloc((g->nmembers + 1) * sizeof *cov);
    cov[0] = p;
    memcpy(cov + 1, g->members, g->nmembers * sizeof *cov);
    k->target[x] = sum_targets(k, cov, g->nmembers + 1, (int)i);
    k->tsrc[x] = isnan(k->target[x]) ? 0 : 't';
    free(cov);
}

/* Window values, targets, points, status and composites of everyone. */
static void score_people(struct kp_compute *k)
{
    size_t np = k->np, nk = k->nk;
    score_own(k);
    k->value = xmalloc(nz(np * nk) * sizeof *k->value);
    k->target = xmalloc(nz(np * nk) * sizeof *k->target);
    k->points = xmalloc(nz(np * nk) * sizeof *k->points);
    k->status = xcalloc(nz(np * nk), 1);
    k->composite = xmalloc(nz(np) * sizeof *k->composite);
    k->comp12 = xmalloc(nz(np) * sizeof *k->comp12);
    memcpy(k->target, k->own_t, np * nk * sizeof *k->target);
    k->tsrc = xmalloc(nz(np * nk));
    memcpy(k->tsrc, k->own_src, np * nk);
    for (size_t p = 0; p < np; p++) {
        struct src s = person_src(k, p);
        for (size_t i = 0; i < nk; i++) {
            size_t x = p * nk + i;
            double sample;
            if (s.g) {
                k->value[x] = eval_src(k, &s, k->cfg->kpis[i].formula, k->w0, k->w1);
                k->status[x] = status_of(k, &s, (int)i, k->value[x], k->w0, k->w1, &sample);
                tree_target(k, p, i, s.g);
            } else {
                k->value[x] = k->own[x], k->status[x] = k->own_st[x];
            }
            k->points[x] = points_of(ratio_of(k, (int)i, k->value[x], k->target[x]));
        }
        k->composite[p] = composite_of(k, p, &k->points[p * nk], &k->status[p * nk]);
        k->comp12[p] = R12(k->composite[p]);
    }
}

/* Competition ranking (1, 2, 2, 4) by composite, highest first, of the
 * people[0..n) that have one (rank 0 for the others). Returns how many. */
static const double *sort_keys;
static int cmp_desc(const void *a, const void *b)
{
    double x = sort_keys[*(const size_t *)a], y = sort_keys[*(const size_t *)b];
    return (x < y) - (x > y);
}

static int rank_set(const struct kp_compute *k, const size_t *people, size_t n, int *rank)
{
    size_t *ord = xmalloc((n ? n : 1) * sizeof *ord), m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(k->comp12[people[i]]))
            ord[m++] = people[i];
        else
            rank[people[i]] = 0;
    sort_keys = k->comp12;
    qsort(ord, m, sizeof *ord, cmp_desc);
    sort_keys = NULL;
    for (size_t i = 0; i < m; i++)
        rank[ord[i]] =
            i > 0 && k->comp12[ord[i]] == k->comp12[ord[i - 1]] ? rank[ord[i - 1]] : (int)i + 1;
    free(ord);
    return (int)m;
}

static void rank_people(struct kp_compute *k)
{
    k->rank_team = xcalloc(k->np ? k->np : 1, sizeof *k->rank_team);
    k->rank_org = xcalloc(k->np ? k->np : 1, sizeof *k->rank_org);
    k->team_size = xcalloc(k->d->nteams ? k->d->nteams : 1, sizeof *k->team_size);
    for (size_t t = 0; t < k->d->nteams; t++)
        k->team_size[t] = rank_set(k, k->teams[t].members, k->teams[t].nmembers, k->rank_team);
    k->org_size = rank_set(k, k->org.members, k->org.nmembers, k->rank_org);
}

static void team_stats(struct kp_compute *k)
{
    size_t nt = k->d->nteams, nk = k->nk;
    k->team_points = xmalloc(nz(nt * nk) * sizeof *k->team_points);
    k->team_value = xmalloc(nz(nt * nk) * sizeof *k->team_value);
    for (size_t t = 0; t < nt; t++) {
        struct src s = {k, -1, &k->teams[t]};
        for (size_t i = 0; i < nk; i++) {
            double acc = 0, comp = 0;
            long n = 0;
            for (size_t j = 0; j < k->teams[t].nmembers; j++) {
                size_t x = k->teams[t].members[j] * nk + i;
                if (k->status[x] == KP_ST_OK && !isnan(k->points[x]))
                    ksum(&acc, &comp, k->points[x]), n++;
            }
            k->team_points[t * nk + i] = n ? (acc + comp) / (double)n : NAN;
            k->team_value[t * nk + i] = eval_src(k, &s, k->cfg->kpis[i].formula, k->w0, k->w1);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Meta and pacing                                                     */

/* Pacing clock: months of the window elapsed at as_of (the as_of month
 * counts as day / days-in-month), what remains, and the last month that is
 * over (an as_of on a month's last day completes that month). */
static void pacing_clock(struct kp_compute *k)
{
    const struct kp_meta *m = &k->meta;
    int y, mo, dd;
    date_split(m->as_of, &y, &mo, &dd);
    kp_month am = y * 12 + mo - 1;
    double win = (double)(k->w1 - k->w0 + 1);
    if (!m->pacing) {
        k->elapsed = win, k->remaining = 0, k->last_done = k->w1;
        return;
    }
    k->elapsed = (double)(am - m->from) + (double)dd / (double)month_days(am);
    k->remaining = win - k->elapsed;
    k->last_done = (dd == month_days(am) ? am : am - 1) - k->d->m0;
}

static void build_meta(struct kp_compute *k, long doc_date)
{
    const struct kp_config *c = k->cfg;
    struct kp_meta *m = &k->meta;
    m->tool_version = xstrdup(KP_VERSION);
    m->label = xstrdup(c->label ? c->label : "");
    m->from = c->from, m->to = c->to;
    m->m0 = k->d->m0, m->nmonths = k->d->nmonths;
    long end = date_from_ymd(c->to / 12, c->to % 12 + 1, month_days(c->to));
    m->as_of = c->as_of >= 0 ? c->as_of : end;
    m->doc_date = doc_date >= 0 ? doc_date : m->as_of;
    m->pacing = c->as_of >= 0 && c->as_of < end;
    int y, mo, dd;
    date_split(m->as_of, &y, &mo, &dd);
    kp_month am = y * 12 + mo - 1;
    m->months_elapsed = m->pacing ? am - c->from + 1 : c->to - c->from + 1;
    m->org_name = xstrdup(c->org_name);
    m->currency = xstrdup(c->currency);
    m->default_lang = xstrdup(c->language);
    m->nkpis = c->nkpis;
    m->kpis = xcalloc(c->nkpis ? c->nkpis : 1, sizeof *m->kpis);
    for (size_t i = 0; i < c->nkpis; i++)
        m->kpis[i] = xstrdup(c->kpis[i].id);
    m->ncols = k->nc;
    m->cols = xcalloc(k->nc ? k->nc : 1, sizeof *m->cols);
    for (size_t i = 0; i < k->nc; i++)
        m->cols[i] = xstrdup(k->d->cols[i]);
    m->config_hash = xstrdup(k->d->config_sha256);
    meta_set_inputs(m, k->d);
    pacing_clock(k);
}

/* Does column c have a value in a month after as_of's (a plan, e.g. quota)? */
static int known_ahead(const struct kp_compute *k, const struct src *s, size_t c)
{
    int y, m, dd;
    date_split(k->meta.as_of, &y, &m, &dd);
    for (int i = y * 12 + m - 1 - k->d->m0 + 1; i <= k->w1; i++)
        if (i >= 0 && src_cell(s, i, c).n > 0)
            return 1;
    return 0;
}

/* The pacing clock (E months elapsed of W, R remaining) of person p: only
 * the part of each month they are employed counts (a joiner's months before
 * the hire date, a leaver's after the end date are not theirs to fill;
 * [scoring] prorate = day counts days). p < 0 (a group, a manager's tree)
 * or employed throughout: the window's clock. */
static void pace_clock_of(const struct kp_compute *k, long p, double *E, double *W, double *R)
{
    *E = k->elapsed, *W = (double)(k->w1 - k->w0 + 1), *R = k->remaining;
    size_t nm = (size_t)k->nm;
    int full = 1;
    for (int m = k->w0; p >= 0 && m <= k->w1; m++)
        full &= k->emp[(size_t)p * nm + (size_t)m] == 1;
    if (p < 0 || full)
        return;
    int y, mo, dd;
    date_split(k->meta.as_of, &y, &mo, &dd);
    int am = y * 12 + mo - 1 - k->d->m0;
    long hire = date_of(k->d->people[p].hire_date), end = date_of(k->d->people[p].end_date);
    double e = 0, w = 0;
    for (int m = k->w0; m <= k->w1; m++) {
        double emp = k->emp[(size_t)p * nm + (size_t)m];
        w += emp;
        if (m < am) {
            e += emp;
        } else if (m == am && k->cfg->prorate == KP_PRORATE_DAY) {
            long first = date_from_ymd(y, mo, 1), a = hire > first ? hire : first;
            long b = first + dd - 1;
            b = end >= 0 && end < b ? end : b;
            e += b >= a ? (double)(b - a + 1) / month_days(am + k->d->m0) : 0;
        } else if (m == am) {
            e += emp * dd / month_days(am + k->d->m0);
        }
    }
    *E = e, *W = w, *R = w - e;
}

/* Pacing of sum(a) / sum(b) (see pace()). */
static void pace_ratio(const struct kp_compute *k, const struct src *s, const struct kp_kpi_def *d,
                       long p, double target, double *projected, double *needed)
{
    double E, W, R;
    pace_clock_of(k, p, &E, &W, &R);
    const struct kp_expr *num = expr_dividend(d->formula), *den = expr_divisor(d->formula);
    int a = num ? expr_single_column(num) : -1, b = den ? expr_single_column(den) : -1;
    if (a < 0 || b < 0 || !expr_is_additive(num) || !expr_is_additive(den))
        return;
    struct kp_colagg agg[k->nc];
    size_t cols[2] = {(size_t)a, (size_t)b};
    agg_range(s, k->w0, k->w1, agg, cols, 2);
    double A = agg[a].n ? agg[a].sum : 0, B = agg[b].sum;
    double Bw = known_ahead(k, s, (size_t)b) ? B : B * W / E;
    if (agg[b].n == 0 || Bw <= 0)
        return;
    *projected = A * W / E / Bw;
    if (!isnan(target) && R > 0)
        *needed = at_least(A, target * Bw) ? 0 : (target * Bw - A) / R;
}

/* Pacing of one KPI (docs/config.md, "Pacing"): E = months elapsed, W =
 * window months, R = W - E.
 * sum(x), count(x): projected = value × W / E; needed = (target − value) / R.
 * sum(a) / sum(b): A, B the sums so far; B over the window = B when b has
 * values after as_of's month (a plan), else B × W / E; projected =
 * (A × W / E) / B_window; needed = (target × B_window − A) / R of a.
 * needed is 0 once reached. Other KPIs: projected = value. A person
 * employed part of the window paces on their own clock (pace_clock_of). */
static double pace(const struct kp_compute *k, const struct src *s, long p, int kpi, double value,
                   double target, struct kp_kpival *v)
{
    const struct kp_kpi_def *d = &k->cfg->kpis[kpi];
    double E, W, R;
    pace_clock_of(k, p, &E, &W, &R);
    double projected = value, needed = NAN;
    if (d->formula && E > 0 && !isnan(value) && !d->lower_better) {
        if (expr_single_column(d->formula) >= 0 && expr_is_additive(d->formula)) {
            projected = value * W / E;
            if (!isnan(target) && R > 0)
                needed = at_least(value, target) ? 0 : (target - value) / R;
        } else {
            pace_ratio(k, s, d, p, target, &projected, &needed);
        }
    }
    v->projected = R12(projected);
    v->needed = R12(needed);
    return projected;
}

/* ------------------------------------------------------------------ */
/* Records                                                             */

/* A KPI's figures before they are rounded for the record: alerts and the
 * commission are judged on these. */
struct kraw {
    double value, target, prev, projected;
};

/* A record's KPIs from full-precision values and targets (shown at 12
 * digits, sums at 15); raw[nk] gets them unrounded. person: whose pacing
 * clock (-1: the window's). prev_pts, when not
 * NULL, gets each KPI's points over the previous window (NaN when none). */
static void fill_kpis(struct kp_compute *k, struct kp_record *r, const struct src *s, long person,
                      const double *value, const double *target, const char *tsrc,
                      const double *weight, struct kraw *raw, double *prev_pts)
{
    for (size_t i = 0; i < k->nk; i++) {
        struct kp_kpival *v = &r->kpis[i];
        const struct kp_expr *e = k->cfg->kpis[i].formula;
        double ratio = ratio_of(k, (int)i, value[i], target[i]), sample;
        double prev = k->p0 >= 0 ? eval_src(k, s, e, k->p0, k->p1) : NAN;
        v->value = shown(e, value[i]);
        v->target = R15(target[i]);
        v->target_src = tsrc ? tsrc[i] : 0;
        v->weight = weight ? weight[i] : 0;
        v->status = status_of(k, s, (int)i, value[i], k->w0, k->w1, &sample);
        v->sample = shown(sample_expr(k, (int)i), sample);
        v->ratio = R12(ratio);
        v->points = R12(points_of(ratio));
        v->prev = shown(e, prev);
        if (prev_pts)
            prev_pts[i] = points_of(ratio_of(k, (int)i, prev, target[i]));
        for (int m = 0; m < k->nm; m++)
            v->series[m] = shown(e, eval_src(k, s, e, m, m));
        raw[i] = (struct kraw){value[i], target[i], prev, value[i]};
        if (k->meta.pacing)
            raw[i].projected = pace(k, s, person, (int)i, value[i], target[i], v);
    }
}

static void fill_cols(const struct kp_compute *k, struct kp_record *r, const struct src *s)
{
    for (size_t c = 0; c < k->nc; c++)
        for (int m = 0; m < k->nm; m++) {
            struct cell x = src_cell(s, m, c);
            r->cols[c * (size_t)k->nm + (size_t)m] = x.n ? R15(x.sum + x.comp) : NAN;
        }
}

static void add_alert(struct kp_record *r, const char *rule, const char *kind, int kpi,
                      kp_month month, double value, double threshold)
{
    r->alerts = xrealloc(r->alerts, (r->nalerts + 1) * sizeof *r->alerts);
    struct kp_alert *a = &r->alerts[r->nalerts++];
    a->rule = xstrdup(rule);
    a->kind = xstrdup(kind);
    a->kpi = kpi;
    a->month = month;
    a->value = value;
    a->threshold = threshold;
}

/* A month of the window that is over, began on or after the hire date,
 * ended on or before the end date, and has none of the rule's columns above
 * zero. person: -1 for a group. */
static void idle_alerts(const struct kp_compute *k, struct kp_record *r,
                        const struct kp_alert_rule *a, const struct src *s, long person)
{
    long hired = person >= 0 ? date_of(k->d->people[person].hire_date) : -1;
    long ended = person >= 0 ? date_of(k->d->people[person].end_date) : -1;
    for (int m = k->w0; m <= k->last_done && m <= k->w1; m++) {
        kp_month month = k->d->m0 + m;
        long first = date_from_ymd(month / 12, month % 12 + 1, 1);
        if ((hired >= 0 && hired > first) || (ended >= 0 && ended < first + month_days(month) - 1))
            continue;
        int active = 0;
        for (size_t i = 0; i < a->ncols; i++) {
            struct cell x = src_cell(s, m, a->cols[i]);
            active |= x.n > 0 && x.sum + x.comp > 0;
        }
        if (!active)
            add_alert(r, a->id, "idle", -1, month, 0, 0);
    }
}

/* drop: (value − prev) / |prev| is worse than −threshold (higher is better)
 * or above +threshold (lower is better); both windows must be ok. During
 * pacing the projected value stands for the value. */
static void drop_alert(const struct kp_compute *k, struct kp_record *r,
                       const struct kp_alert_rule *a, const struct src *s, int q,
                       const struct kraw *x)
{
    double sample, v = k->meta.pacing ? x->projected : x->value;
    if (k->p0 < 0 || isnan(x->prev) || x->prev == 0 || isnan(v) ||
        status_of(k, s, q, x->prev, k->p0, k->p1, &sample) != KP_ST_OK)
        return;
    double change = (v - x->prev) / fabs(x->prev);
    double worse = k->cfg->kpis[q].lower_better ? change : -change;
    if (below(a->threshold, worse))
        add_alert(r, a->id, "drop", q, 0, R12(change), a->threshold);
}

/* value / target (target / value when lower is better; a value of 0 or
 * less is then as good as it gets: no share). */
static double share_of_target(const struct kp_compute *k, int q, double v, double t)
{
    int lower = k->cfg->kpis[q].lower_better;
    if (isnan(v) || isnan(t) || t <= 0 || (lower && v <= 0))
        return NAN;
    return lower ? t / v : v / t;
}

static void alerts_for(const struct kp_compute *k, struct kp_record *r, const struct src *s,
                       long person, const struct kraw *raw)
{
    for (size_t i = 0; i < k->cfg->nalerts; i++) {
        const struct kp_alert_rule *a = &k->cfg->alerts[i];
        if (a->kind == KP_ALERT_IDLE) {
            idle_alerts(k, r, a, s, person);
            continue;
        }
        for (size_t j = 0; j < a->nkpis; j++) {
            int q = a->kpis[j];
            if (r->kpis[q].status != KP_ST_OK)
                continue;
            double x = NAN;
            if (a->kind == KP_ALERT_DROP)
                drop_alert(k, r, a, s, q, &raw[q]);
            else if (a->kind == KP_ALERT_PACE && k->meta.pacing)
                x = share_of_target(k, q, raw[q].projected, raw[q].target);
            else if (a->kind == KP_ALERT_BELOW)
                x = share_of_target(k, q, raw[q].value, raw[q].target);
            if (!isnan(x) && below(x, a->threshold))
                add_alert(r, a->id, a->kind == KP_ALERT_PACE ? "pace" : "below", q, 0, R12(x),
                          a->threshold);
        }
    }
}

/* Commission estimate (docs/config.md, "Commission"): a = the plan KPI's
 * value, unit = basis / a (the basis per 100% of attainment: the quota when
 * a = revenue / quota and basis = revenue), computed from a before rounding.
 * flat: the highest tier reached, its rate × basis. marginal: each tier
 * reached pays its rate on its slice of the basis, from unit × from up to
 * unit × the next tier's from, or the basis for the last one reached. Pool:
 * pool_rate × (basis − unit × pool_from) when a > pool_from. Then the cap. */
static void commission(const struct kp_compute *k, struct kp_record *r, const struct src *s,
                       const struct kraw *raw)
{
    const struct kp_commission *cm = &k->cfg->commission;
    r->payout = r->payout_rate = NAN;
    if (!cm->enabled || cm->kpi < 0 || cm->ntiers == 0)
        return;
    double a = raw[cm->kpi].value;
    double basis = eval_src(k, s, cm->basis, k->w0, k->w1);
    if (isnan(a) || isnan(basis))
        return;
    double unit = a > 0 ? R15(basis / a) : 0, pay = 0, rate = 0;
    for (size_t i = 0; i < cm->ntiers; i++) {
        const struct kp_tier *t = &cm->tiers[i];
        if (!at_least(a, t->from))
            break;
        rate = t->rate;
        if (cm->marginal && a > 0) {
            int next = i + 1 < cm->ntiers && at_least(a, cm->tiers[i + 1].from);
            double hi = next ? R15(unit * cm->tiers[i + 1].from) : basis;
            pay += R15(t->rate * (hi - R15(unit * t->from)));
        }
    }
    if (!cm->marginal)
        pay = rate * basis;
    if (cm->pool_rate > 0 && cm->pool_from > 0 && a > 0 && below(cm->pool_from, a))
        pay += R15(cm->pool_rate * (basis - R15(unit * cm->pool_from)));
    pay = R12(pay);
    if (!isnan(cm->cap) && pay > cm->cap)
        pay = cm->cap;
    r->payout = pay;
    r->payout_rate = rate;
}

/* The person's employment in the record (record.h): each month's share
 * employed and ramp share when any window month is less than full or they
 * left, the month's team when one differs from the roster's; and each KPI's
 * full target where proration changed it. */
static void fill_employment(const struct kp_compute *k, struct kp_record *r, size_t p)
{
    const struct kp_data *d = k->d;
    size_t nm = (size_t)k->nm, nk = k->nk;
    int partial = d->people[p].end_date != NULL, moved = 0;
    for (int m = k->w0; m <= k->w1; m++) {
        partial |= k->emp[p * nm + (size_t)m] != 1 || k->rampv[p * nm + (size_t)m] != 1;
        moved |= month_team(k, p, m) != d->people[p].team_idx;
    }
    if (partial) {
        r->end_date = d->people[p].end_date ? xstrdup(d->people[p].end_date) : NULL;
        r->employed = xmalloc(nz(nm) * sizeof *r->employed);
        r->ramp = xmalloc(nz(nm) * sizeof *r->ramp);
        memcpy(r->employed, &k->emp[p * nm], nm * sizeof *r->employed);
        memcpy(r->ramp, &k->rampv[p * nm], nm * sizeof *r->ramp);
    }
    if (moved) {
        r->teams = xcalloc(nm + 1, sizeof *r->teams);
        for (size_t m = 0; m < nm; m++)
            r->teams[m] = xstrdup(d->line[p * nm + m] ? d->teams[month_team(k, p, (int)m)] : "");
    }
    for (size_t i = 0; i < nk; i++) {
        double full = k->own_full[p * nk + i], t = k->target[p * nk + i];
        if (k->tsrc[p * nk + i] != 't' && !isnan(full) && !(t == full))
            r->kpis[i].target_full = R15(full);
    }
}

struct kp_record *compute_person(struct kp_compute *k, size_t p)
{
    const struct kp_data *d = k->d;
    const struct kp_person *pp = &d->people[p];
    const struct kp_role *role = &k->cfg->roles[pp->role_idx];
    struct kp_record *r = record_new(&k->meta, KP_REC_PERSON);
    r->id = xstrdup(pp->rep_id);
    r->name = xstrdup(pp->name);
    r->email = xstrdup(pp->email ? pp->email : "");
    r->team = xstrdup(pp->team);
    r->role = xstrdup(role->id);
    r->manager_id = xstrdup(pp->mgr >= 0 ? d->people[pp->mgr].rep_id : "");
    r->manager_name = xstrdup(pp->mgr >= 0 ? d->people[pp->mgr].name : "");
    r->hire_date = xstrdup(pp->hire_date ? pp->hire_date : "");
    r->lang = xstrdup(pp->locale ? pp->locale : k->cfg->language);
    r->line = pp->line;
    struct src s = person_src(k, p);
    r->scope = s.g ? (int)s.g->nmembers + 1 : 1;
    size_t nk = k->nk;
    double prev_pts[nk ? nk : 1];
    unsigned char prev_st[nk ? nk : 1];
    struct kraw raw[nk ? nk : 1];
    fill_kpis(k, r, &s, s.g ? -1 : (long)p, &k->value[p * nk], &k->target[p * nk], &k->tsrc[p * nk],
              role->weight, raw,
              prev_pts);
    size_t t = (size_t)pp->team_idx;
    for (size_t i = 0; i < nk; i++) {
        r->kpis[i].group_value = shown(k->cfg->kpis[i].formula, k->team_value[t * nk + i]);
        r->kpis[i].group_points = R12(k->team_points[t * nk + i]);
        double sample;
        prev_st[i] = k->p0 >= 0 ? status_of(k, &s, (int)i, r->kpis[i].prev, k->p0, k->p1, &sample)
                                : KP_ST_NA;
    }
    r->composite = k->comp12[p];
    r->composite_prev = R12(composite_of(k, p, prev_pts, prev_st));
    r->band = xstrdup(band_of(k->cfg, r->composite));
    r->rank_team = k->rank_team[p], r->team_size = k->team_size[t];
    r->rank_org = k->rank_org[p], r->org_size = k->org_size;
    /* Everyone ranked at or after this rank has a composite <= this one. */
    r->percentile =
        r->rank_org > 0 ? R12(100.0 * (k->org_size - r->rank_org + 1) / k->org_size) : NAN;
    fill_cols(k, r, &s);
    for (int m = 0; m < k->nm; m++) /* record_new sized lines for a person */
        r->lines[m] = d->line[p * (size_t)k->nm + (size_t)m];
    fill_employment(k, r, p);
    alerts_for(k, r, &s, p, raw);
    commission(k, r, &s, raw);
    return r;
}

static int member_cmp_rank(const void *a, const void *b)
{
    const struct kp_member *x = a, *y = b;
    int rx = x->rank ? x->rank : 1 << 30, ry = y->rank ? y->rank : 1 << 30;
    if (rx != ry)
        return rx < ry ? -1 : 1;
    return strcmp(x->rep_id, y->rep_id);
}

/* A group's window values and targets: summed targets for additive KPIs,
 * the KPI's default target for the others. */
/* The share of p's (employed, ramped) window spent in team t: 1 without team
 * moves. */
static double team_share(const struct kp_compute *k, size_t p, int t)
{
    double in = 0, all = 0;
    size_t nm = (size_t)k->nm;
    for (int m = k->w0; m <= k->w1; m++) {
        double e = k->emp[p * nm + (size_t)m] * k->rampv[p * nm + (size_t)m];
        all += e;
        in += month_team(k, p, m) == t ? e : 0;
    }
    if (all == 0) { /* no share anywhere: count the months */
        for (int m = k->w0; m <= k->w1; m++)
            in += month_team(k, p, m) == t, all += 1;
    }
    return in == all ? 1 : in / all;
}

/* Who a team's summed targets come from: everyone with a window month in
 * it, each with their share (team_share). Without a team column: the
 * members, each whole. Returns how many; *w NULL when all are whole. */
static size_t team_contributors(const struct kp_compute *k, int t, size_t **people, double **w)
{
    *people = NULL, *w = NULL;
    if (t < 0 || !k->d->mteam)
        return 0;
    size_t n = 0;
    *people = xmalloc(nz(k->np) * sizeof **people);
    *w = xmalloc(nz(k->np) * sizeof **w);
    for (size_t p = 0; p < k->np; p++) {
        double share = team_share(k, p, t);
        if (share > 0 || k->d->people[p].team_idx == t)
            (*people)[n] = p, (*w)[n++] = share;
    }
    return n;
}

static void group_values(struct kp_compute *k, const struct group *g, int team, double *value,
                         double *target, char *tsrc)
{
    struct src s = {k, -1, g};
    size_t *tp;
    double *tw;
    size_t nt = team_contributors(k, team, &tp, &tw);
    for (size_t i = 0; i < k->nk; i++) {
        value[i] = eval_src(k, &s, k->cfg->kpis[i].formula, k->w0, k->w1);
        if (k->cfg->kpis[i].team_target_sum) {
            target[i] = tp ? sum_targets_w(k, tp, tw, nt, (int)i)
                           : sum_targets(k, g->members, g->nmembers, (int)i);
            tsrc[i] = isnan(target[i]) ? 0 : 't';
        } else {
            target[i] = k->cfg->kpis[i].target;
            tsrc[i] = isnan(target[i]) ? 0 : 'd';
        }
    }
    free(tp), free(tw);
}

static void add_member(struct kp_compute *k, struct kp_record *r, size_t p)
{
    const struct kp_data *d = k->d;
    struct kp_member *m = &r->members[r->nmembers++];
    m->rep_id = xstrdup(d->people[p].rep_id);
    m->name = xstrdup(d->people[p].name);
    m->role = xstrdup(k->cfg->roles[d->people[p].role_idx].id);
    m->composite = k->comp12[p];
    m->band = xstrdup(band_of(k->cfg, m->composite));
    m->rank = k->rank_team[p];
    m->attainment = k->nk ? shown(k->cfg->kpis[0].formula, k->value[p * k->nk]) : NAN;
}

struct kp_record *compute_group(struct kp_compute *k, size_t gi)
{
    const struct kp_data *d = k->d;
    int is_org = gi >= d->nteams;
    const struct group *g = is_org ? &k->org : &k->teams[gi];
    struct kp_record *r = record_new(&k->meta, is_org ? KP_REC_ORG : KP_REC_TEAM);
    r->id = xstrdup(is_org ? "*" : d->teams[gi]);
    r->name = xstrdup(is_org ? k->cfg->org_name : d->teams[gi]);
    r->lang = xstrdup(k->cfg->language);
    r->scope = (int)g->nmembers;
    struct src s = {k, -1, g};
    size_t nk = k->nk;
    double value[nk ? nk : 1], target[nk ? nk : 1];
    char tsrc[nk ? nk : 1];
    group_values(k, g, is_org ? -1 : (int)gi, value, target, tsrc);
    struct kraw raw[nk ? nk : 1];
    fill_kpis(k, r, &s, -1, value, target, tsrc, NULL, raw, NULL);
    double acc = 0, comp = 0;
    long n = 0;
    r->members = xcalloc(g->nmembers ? g->nmembers : 1, sizeof *r->members);
    for (size_t j = 0; j < g->nmembers; j++) {
        size_t p = g->members[j];
        if (!isnan(k->composite[p]))
            ksum(&acc, &comp, k->composite[p]), n++;
        if (!is_org)
            add_member(k, r, p);
    }
    qsort(r->members, r->nmembers, sizeof *r->members, member_cmp_rank);
    /* The team composite: the mean of its members' composites. */
    r->composite = n ? R12((acc + comp) / (double)n) : NAN;
    r->band = xstrdup(band_of(k->cfg, r->composite));
    r->team_size = (int)g->nmembers;
    r->org_size = k->org_size;
    fill_cols(k, r, &s);
    alerts_for(k, r, &s, -1, raw);
    return r;
}

/* ------------------------------------------------------------------ */

struct kp_compute *compute_new(const struct kp_config *cfg, const struct kp_data *d, long doc_date)
{
    struct kp_compute *k = xcalloc(1, sizeof *k);
    k->cfg = cfg, k->d = d;
    k->np = d->npeople, k->nk = cfg->nkpis, k->nc = d->ncols, k->nm = d->nmonths;
    k->w0 = cfg->from - d->m0, k->w1 = cfg->to - d->m0;
    int len = k->w1 - k->w0 + 1;
    k->p0 = k->w0 - len >= 0 ? k->w0 - len : -1;
    k->p1 = k->w0 - 1;
    build_meta(k, doc_date);
    employment(k);
    build_groups(k);
    score_people(k);
    rank_people(k);
    team_stats(k);
    return k;
}

const struct kp_meta *compute_meta(const struct kp_compute *k)
{
    return &k->meta;
}

size_t compute_ngroups(const struct kp_compute *k)
{
    return k->d->nteams + 1;
}

static void group_free(struct group *g)
{
    free(g->cells);
    free(g->members);
}

void compute_free(struct kp_compute *k)
{
    if (!k)
        return;
    meta_free(&k->meta);
    for (size_t p = 0; p < k->np; p++)
        group_free(&k->mgr[p]);
    free(k->mgr);
    for (size_t t = 0; t < k->d->nteams; t++)
        group_free(&k->teams[t]);
    free(k->teams);
    group_free(&k->org);
    free(k->own), free(k->own_st), free(k->own_t), free(k->value), free(k->target);
    free(k->own_src), free(k->tsrc), free(k->points), free(k->status), free(k->composite),
        free(k->comp12);
    free(k->rank_team), free(k->rank_org);
    free(k->team_size), free(k->team_points), free(k->team_value);
    free(k->emp), free(k->rampv), free(k->eshare), free(k->own_full);
    free(k);
}

/* ------------------------------------------------------------------ */
/* explain                                                             */

struct numtxt {
    char s[40];
};

/* v in plain form, "n/a" for NaN. */
static struct numtxt num(double v)
{
    struct numtxt t;
    if (isnan(v))
        snprintf(t.s, sizeof t.s, "n/a");
    else
        fmt_plain(t.s, sizeof t.s, v);
    return t;
}

/* A group function's value as explain shows it. */
static double group_fn_shown(void *arg, enum kp_group_fn fn, int kpi)
{
    return R12(group_fn(arg, fn, kpi));
}

static const char *target_src_name(char c)
{
    switch (c) {
    case 'p': return "person, from the targets file";
    case 'r': return "role";
    case 'd': return "KPI default";
    case 't': return "sum of the targets of the people covered";
    default: return "none";
    }
}

static void explain_rows(const struct kp_compute *k, size_t p, const size_t *cols, size_t ncols,
                         struct kp_buf *out)
{
    const struct kp_data *d = k->d;
    char mon[8];
    for (int m = k->w0; m <= k->w1; m++) {
        long line = d->line[p * (size_t)k->nm + (size_t)m];
        month_format(d->m0 + m, mon);
        if (!line) {
            buf_printf(out, "    %-8s %s  (no row)\n", d->people[p].rep_id, mon);
            continue;
        }
        buf_printf(out, "    %-8s %s  line %-6ld", d->people[p].rep_id, mon, line);
        for (size_t i = 0; i < ncols; i++) {
            double v = *data_cell(d, p, m, cols[i]), r = cell_value(k, p, m, cols[i]);
            buf_printf(out, " %s=%s", d->cols[cols[i]], isnan(v) ? "(empty)" : num(v).s);
            if (!isnan(v) && r != v)
                buf_printf(out, " × ramp %s = %s", num(R12(r / v)).s, num(r).s);
        }
        if (d->mteam && month_team(k, p, m) != d->people[p].team_idx)
            buf_printf(out, "  (team %s)", d->teams[month_team(k, p, m)]);
        buf_addc(out, '\n');
    }
}

/* The members behind a group function: each one's own value (and target). */
static void explain_group_fn(const struct kp_compute *k, const struct group *g, int gk,
                             int at_target, int spread, struct kp_buf *out)
{
    const struct kp_kpi_def *def = &k->cfg->kpis[gk];
    double sum = 0;
    long n = 0;
    buf_printf(out, "%s of the %zu people below (own rows; n/a and insufficient left out):\n",
               def->id, g->nmembers);
    for (size_t i = 0; i < g->nmembers; i++) {
        size_t p = g->members[i], x = p * k->nk + (size_t)gk;
        double v = member_value(k, p, gk, k->w0, k->w1), t = k->own_t[x];
        buf_printf(out, "    %-8s %s", k->d->people[p].rep_id,
                   num(shown(def->formula, k->own[x])).s);
        if (k->own_st[x] == KP_ST_INSUFFICIENT)
            buf_adds(out, " (insufficient)");
        if (!isnan(v) && at_target)
            buf_printf(out, "   target %s: %s", num(t).s,
                       isnan(t)             ? "no target, left out"
                       : meets(k, gk, v, t) ? "met"
                                            : "not met");
        if (!isnan(v) && !(at_target && isnan(t)))
            sum += v, n++;
        buf_addc(out, '\n');
    }
    if (spread && n > 0)
        buf_printf(out, "  spread = √(Σ (value − mean)² / %ld), mean = %s\n", n,
                   num(R12(sum / (double)n)).s);
}

/* How a summed target adds up: each counted person's own target. */
static void explain_sum_target(const struct kp_compute *k, size_t p, int kpi, const struct src *s,
                               struct kp_buf *out)
{
    size_t n = s->g ? s->g->nmembers + 1 : 0;
    size_t *cov = xmalloc((n ? n : 1) * sizeof *cov);
    if (n) {
        cov[0] = p;
        memcpy(cov + 1, s->g->members, s->g->nmembers * sizeof *cov);
    }
    int all = !any_weighted(k, cov, n, kpi);
    buf_printf(out, "  = the own targets of %s:\n",
               all ? "everyone covered" : "the people covered whose role weights it");
    for (size_t i = 0; i < n; i++) {
        double t = k->own_t[cov[i] * k->nk + (size_t)kpi];
        if (isnan(t) || !counts_for_sum(k, cov[i], kpi, all))
            continue;
        double full = k->own_full[cov[i] * k->nk + (size_t)kpi];
        buf_printf(out, "    %-8s %s (%s", k->d->people[cov[i]].rep_id, num(t).s,
                   target_src_name(k->own_src[cov[i] * k->nk + (size_t)kpi]));
        if (full != t)
            buf_printf(out, ", prorated from %s", num(full).s);
        buf_adds(out, ")\n");
    }
    free(cov);
}

/* How the own target of a summed KPI follows employment: each window
 * month's share employed and ramp share, and the prorated target. */
static void explain_employment(const struct kp_compute *k, size_t p, int kpi, struct kp_buf *out)
{
    static const char *const modes[] = {"month", "day", "off"};
    const struct kp_person *pp = &k->d->people[p];
    size_t nm = (size_t)k->nm, x = p * k->nk + (size_t)kpi;
    int W = k->w1 - k->w0 + 1;
    long hire = date_of(pp->hire_date);
    if (k->eshare[p] == (double)W && !pp->end_date)
        return;
    if (!k->cfg->kpis[kpi].team_target_sum) {
        buf_adds(out, "  not prorated: only targets that add up (sum, count) follow employment; "
                      "this one is a rate\n");
        return;
    }
    buf_printf(out,
               "  employment ([scoring] prorate = %s): hire_date %s, end_date %s; "
               "share = employed × ramp\n",
               modes[k->cfg->prorate], pp->hire_date ? pp->hire_date : "(none)",
               pp->end_date ? pp->end_date : "(none)");
    for (int m = k->w0; m <= k->w1; m++) {
        char mon[8];
        double e = k->emp[p * nm + (size_t)m], r = k->rampv[p * nm + (size_t)m];
        month_format(k->d->m0 + m, mon);
        buf_printf(out, "    %s  employed %s", mon, num(R12(e)).s);
        long n = hire >= 0 ? (long)(k->d->m0 + m) - month_of_date(hire) + 1 : 0;
        if (n >= 1 && (size_t)n <= k->cfg->nramp)
            buf_printf(out, "  ramp month %ld: %s%%", n, num(R12(r * 100)).s);
        buf_printf(out, "  share %s\n", num(R12(e * r)).s);
    }
    double full = k->own_full[x];
    buf_printf(out, "  own target = full target × Σ share / W = %s × %s / %d = %s%s\n", num(full).s,
               num(R12(k->eshare[p])).s, W, num(isnan(full) ? NAN : R12(full * k->eshare[p] / W)).s,
               isnan(k->own_t[x]) && !isnan(full) ? ": no target (left out of the composite)" : "");
}

/* The person's targets from each source, in the order that wins. */
static void explain_candidates(const struct kp_compute *k, size_t p, int kpi, struct kp_buf *out)
{
    static const char *const names[] = {"person", "role", "default"};
    const struct kp_config *c = k->cfg;
    buf_adds(out, "  targets in the order that wins ([scoring] targets):");
    for (int i = 0; i < 3; i++) {
        double t = NAN;
        switch (c->precedence[i]) {
        case KP_TS_PERSON:
            t = k->d->ptarget ? k->d->ptarget[p * k->d->nkpis + (size_t)kpi] : NAN;
            break;
        case KP_TS_ROLE: t = c->roles[k->d->people[p].role_idx].target[kpi]; break;
        case KP_TS_DEFAULT: t = c->kpis[kpi].target; break;
        }
        buf_printf(out, "%s %s %s", i ? "," : "", names[c->precedence[i]],
                   isnan(t) ? "(none)" : num(t).s);
    }
    buf_addc(out, '\n');
}

static void explain_ratio(const struct kp_kpi_def *def, const struct kp_kpival *v,
                          struct kp_buf *out)
{
    if (isnan(v->ratio)) {
        buf_printf(out, "ratio: n/a (%s)\n",
                   isnan(v->value)    ? "no value"
                   : isnan(v->target) ? "no target"
                                      : "the target is 0 or less");
        return;
    }
    double plain;
    if (def->lower_better) {
        plain = v->value <= 0 ? NAN : v->target / v->value;
        buf_printf(out, "ratio: target / value = %s / %s", num(v->target).s, num(v->value).s);
    } else {
        plain = v->value / v->target;
        buf_printf(out, "ratio: value / target = %s / %s", num(v->value).s, num(v->target).s);
    }
    if (isnan(plain))
        buf_printf(out, ": a value of 0 or less is the cap, %s", num(v->ratio).s);
    else if (!at_least(plain, 0))
        buf_printf(out, " = %s, floored at 0", num(R12(plain)).s);
    else if (R12(plain) != v->ratio)
        buf_printf(out, " = %s, capped at %s", num(R12(plain)).s, num(v->ratio).s);
    else
        buf_printf(out, " = %s", num(v->ratio).s);
    buf_printf(out, " (%s is better)\n", def->lower_better ? "lower" : "higher");
    buf_printf(out, "points: 100 × ratio = %s\n", num(v->points).s);
}

static void explain_status(const struct kp_kpi_def *def, const struct kp_kpival *v,
                           struct kp_buf *out)
{
    if (def->min_sample > 0 && v->status != KP_ST_NA)
        buf_printf(out, "sample: %s (%s), minimum %s: %s\n", num(v->sample).s,
                   def->sample_src ? def->sample_src : "the formula's divisor",
                   num(def->min_sample).s,
                   v->status == KP_ST_OK ? "enough"
                                         : "too small, so the KPI is insufficient: shown, "
                                           "but left out of the composite");
    buf_printf(out, "status: %s\n", kp_status_names[v->status]);
}

/* composite = (w × points + …) / (w + …), naming the KPIs left out. */
static void explain_composite(const struct kp_compute *k, size_t p, const struct kp_record *r,
                              struct kp_buf *out)
{
    const struct kp_role *role = &k->cfg->roles[k->d->people[p].role_idx];
    struct kp_buf terms = {0}, ws = {0}, left = {0};
    for (size_t i = 0; i < k->nk; i++) {
        const struct kp_kpival *v = &r->kpis[i];
        if (role->weight[i] <= 0)
            continue;
        if (v->status != KP_ST_OK || isnan(v->points)) {
            buf_printf(&left, "%s%s %s", left.len ? ", " : "", k->cfg->kpis[i].id,
                       v->status == KP_ST_OK ? "has no points" : kp_status_names[v->status]);
            continue;
        }
        buf_printf(&terms, "%s%s × %s", terms.len ? " + " : "", num(role->weight[i]).s,
                   num(v->points).s);
        buf_printf(&ws, "%s%s", ws.len ? " + " : "", num(role->weight[i]).s);
    }
    if (terms.len)
        buf_printf(out, "composite (role %s): (%s) / (%s) = %s\n", role->id, terms.s, ws.s,
                   num(r->composite).s);
    else
        buf_printf(out, "composite (role %s): n/a (no weighted KPI has points)\n", role->id);
    if (left.len)
        buf_printf(out, "  left out: %s\n", left.s);
    if (r->rank_org > 0)
        buf_printf(out, "band: %s   rank in team: %d of %d   rank in org: %d of %d\n",
                   *r->band ? r->band : "-", r->rank_team, r->team_size, r->rank_org, r->org_size);
    else
        buf_adds(out, "band: -   not ranked (no composite)\n");
    buf_free(&terms), buf_free(&ws), buf_free(&left);
}

/* The pacing arithmetic of pace(), with the numbers. */
static void explain_pace(const struct kp_compute *k, const struct src *s, long p, int kpi,
                         const struct kp_kpival *v, struct kp_buf *out)
{
    const struct kp_kpi_def *d = &k->cfg->kpis[kpi];
    double Ed, Wd, Rd;
    pace_clock_of(k, p, &Ed, &Wd, &Rd);
    char E[40], R[40], W[40];
    snprintf(E, sizeof E, "%s", num(R12(Ed)).s);
    snprintf(R, sizeof R, "%s", num(R12(Rd)).s);
    snprintf(W, sizeof W, "%s", num(R12(Wd)).s);
    int y, m, dd;
    date_split(k->meta.as_of, &y, &m, &dd);
    buf_printf(out,
               "pacing: as of %04d-%02d-%02d, E = %s of W = %s months elapsed, R = %s remain%s\n",
               y, m, dd, E, W, R,
               Wd != (double)(k->w1 - k->w0 + 1) ? " (the months employed)" : "");
    const struct kp_expr *a = expr_dividend(d->formula), *b = expr_divisor(d->formula);
    if (isnan(v->value) || d->lower_better || !d->formula) {
        buf_printf(out, "  projected = the value: %s (no projection%s)\n", num(v->projected).s,
                   d->lower_better ? " when lower is better" : "");
    } else if (expr_single_column(d->formula) >= 0 && expr_is_additive(d->formula)) {
        buf_printf(out, "  projected = value × W / E = %s × %s / %s = %s\n", num(v->value).s, W, E,
                   num(v->projected).s);
        if (!isnan(v->needed))
            buf_printf(
                out, "  needed per remaining month = (target − value) / R = (%s − %s) / %s = %s\n",
                num(v->target).s, num(v->value).s, R, num(v->needed).s);
    } else if (a && b && expr_is_additive(a) && expr_is_additive(b)) {
        double A = eval_src(k, s, a, k->w0, k->w1), B = eval_src(k, s, b, k->w0, k->w1);
        int plan = known_ahead(k, s, (size_t)expr_single_column(b));
        double Bw = plan ? B : B * Wd / Ed;
        buf_printf(out, "  a so far %s; b ", num(R15(A)).s);
        if (plan)
            buf_printf(out, "over the window %s (b has values after as_of's month: a plan)\n",
                       num(R15(B)).s);
        else
            buf_printf(out, "so far %s, over the window b × W / E = %s\n", num(R15(B)).s,
                       num(R12(Bw)).s);
        buf_printf(out, "  projected = (a × W / E) / b = %s", num(v->projected).s);
        if (!isnan(v->needed))
            buf_printf(out, "; needed per remaining month = (target × b − a) / R = %s",
                       num(v->needed).s);
        buf_addc(out, '\n');
    } else {
        buf_printf(out, "  projected = the value: %s (not a sum or a ratio of sums)\n",
                   num(v->projected).s);
    }
}

static void explain_trend(const struct kp_compute *k, const struct src *s, size_t p, int kpi,
                          const struct kp_kpival *v, struct kp_buf *out)
{
    char a[8], b[8];
    if (k->p0 >= 0) {
        double now = k->value[p * k->nk + (size_t)kpi];
        double prev = eval_src(k, s, k->cfg->kpis[kpi].formula, k->p0, k->p1);
        struct kp_kpival tmp = *v;
        if (k->meta.pacing) /* drop alerts compare the projection */
            now = pace(k, s, s->g ? -1 : (long)p, kpi, now, k->target[p * k->nk + (size_t)kpi],
                       &tmp);
        month_format(k->d->m0 + k->p0, a);
        month_format(k->d->m0 + k->p1, b);
        buf_printf(out, "previous window %s..%s: %s", a, b, num(v->prev).s);
        if (!isnan(prev) && !isnan(now) && prev != 0)
            buf_printf(out, ", change (%s − previous) / |previous| = %s",
                       k->meta.pacing ? "projected" : "value",
                       num(R12((now - prev) / fabs(prev))).s);
        buf_addc(out, '\n');
    }
    if (k->meta.pacing)
        explain_pace(k, s, s->g ? -1 : (long)p, kpi, v, out);
}

void compute_explain(struct kp_compute *k, size_t p, int kpi, struct kp_buf *out)
{
    const struct kp_config *c = k->cfg;
    const struct kp_data *d = k->d;
    const struct kp_kpi_def *def = &c->kpis[kpi];
    const struct kp_person *pp = &d->people[p];
    struct kp_record *r = compute_person(k, p);
    const struct kp_kpival *v = &r->kpis[kpi];
    char from[8], to[8];
    month_format(c->from, from);
    month_format(c->to, to);
    buf_printf(out, "%s %s (team %s, role %s, roster line %ld)\n", pp->rep_id, pp->name, pp->team,
               c->roles[pp->role_idx].id, pp->line);
    buf_printf(out, "KPI %s \"%s\" over %s%s%s\n", def->id,
               text_get(def->label, def->nlabel, "en", def->id), from, c->from == c->to ? "" : "..",
               c->from == c->to ? "" : to);
    buf_printf(out, "formula: %s\n", def->formula_src ? def->formula_src : "");
    size_t nc = k->nc ? k->nc : 1;
    size_t cols[nc];
    size_t ncols = def->formula ? expr_columns(def->formula, cols, nc) : 0;
    struct src s = person_src(k, p);
    if (ncols) {
        buf_printf(out, "rows (%s):\n", c->metrics);
        explain_rows(k, p, cols, ncols, out);
        if (s.g) {
            buf_printf(out, "  and the %zu people below them:\n", s.g->nmembers);
            for (size_t i = 0; i < s.g->nmembers; i++)
                explain_rows(k, s.g->members[i], cols, ncols, out);
        }
    }
    int gk[8];
    size_t ngk = def->formula && s.g ? expr_group_kpis(def->formula, gk, 8) : 0;
    for (size_t i = 0; i < ngk; i++) /* which function: the formula's text tells */
        explain_group_fn(k, s.g, gk[i], strstr(def->formula_src, "at_target(") != NULL,
                         strstr(def->formula_src, "spread(") != NULL, out);
    struct kp_colagg agg[nc];
    agg_all(&s, k->w0, k->w1, agg);
    struct group_arg ga = {k, s.g, k->w0, k->w1, &s};
    struct kp_eval_ctx ctx = {agg, s.g && s.g->nmembers ? group_fn_shown : NULL, &ga, shift_fn};
    buf_adds(out, "value: ");
    if (def->formula)
        expr_explain(def->formula, &ctx, (const char *const *)d->cols, out);
    buf_printf(out, " = %s\n", num(v->value).s);
    buf_printf(out, "target: %s (%s)\n", isnan(v->target) ? "none" : num(v->target).s,
               target_src_name(v->target_src));
    explain_candidates(k, p, kpi, out);
    for (size_t i = 0; i < d->nadjustments; i++) { /* targets.csv effective_from rows */
        const struct kp_adjustment *a = &d->adjustments[i];
        char ef[8];
        if (a->person != p || a->kpi != kpi)
            continue;
        month_format(a->effective_from, ef);
        buf_printf(out, "  adjusted (targets.csv line %ld): %s -> %s from %s%s, reason \"%s\", "
                   "approved by %s; the window's person target is the months' mean: %s\n",
                   a->line, num(a->original).s, num(a->adjusted).s, ef,
                   a->override ? " (override: beyond the margin)" : "", a->reason,
                   a->approved_by, num(d->ptarget[p * c->nkpis + (size_t)kpi]).s);
    }
    explain_employment(k, p, kpi, out);
    if (v->target_src == 't')
        explain_sum_target(k, p, kpi, &s, out);
    explain_ratio(def, v, out);
    explain_status(def, v, out);
    buf_printf(out, "weight: %s%%\n", num(v->weight).s);
    explain_trend(k, &s, p, kpi, v, out);
    explain_composite(k, p, r, out);
    record_free(r);
}
