/* compute — see compute.h. */
#include "compute.h"

#include "config.h"
#include "expr.h"
#include "model.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Per-month column aggregates of a group of people. */
struct cell {
    double sum, min, max;
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
    long person;              /* >= 0: that person's own rows */
    const struct group *g;    /* else: the group */
};

struct kp_compute {
    const struct kp_config *cfg;
    const struct kp_data *d;
    struct kp_meta meta;
    size_t np, nk, nc;
    int nm;              /* months held */
    int w0, w1;          /* window, as month indices */
    int p0, p1;          /* previous window; p0 < 0 when not held */
    double frac;         /* pacing: share of the window elapsed at as_of (1 = over) */
    struct group *mgr;   /* [np]: a manager's tree (cells include themselves); cells NULL otherwise */
    struct group *teams; /* [nteams] */
    struct group org;
    double *own;         /* [np * nk] value over the person's own rows (window) */
    double *value;       /* [np * nk] value over the person's scope (window) */
    double *target;      /* [np * nk] */
    char *tsrc;          /* [np * nk] */
    double *points;      /* [np * nk]; NaN when not scored */
    unsigned char *status;
    double *composite;   /* [np] */
    int *rank_team, *rank_org;
    int *team_size;      /* [nteams] people ranked */
    int org_size;
    double *team_points; /* [nteams * nk] mean points of members */
    double *team_value;  /* [nteams * nk] */
};

/* ------------------------------------------------------------------ */
/* Aggregation                                                         */

static void cell_add(struct cell *c, double sum, double mn, double mx, long n)
{
    if (n == 0)
        return;
    if (c->n == 0) {
        c->sum = sum, c->min = mn, c->max = mx, c->n = n;
        return;
    }
    c->sum += sum;
    c->min = mn < c->min ? mn : c->min;
    c->max = mx > c->max ? mx : c->max;
    c->n += n;
}

static struct cell src_cell(const struct src *s, int m, size_t c)
{
    struct cell out = {0, 0, 0, 0};
    if (s->person >= 0) {
        double v = *data_cell(s->k->d, (size_t)s->person, m, c);
        if (!isnan(v))
            out.sum = out.min = out.max = v, out.n = 1;
        return out;
    }
    return s->g->cells[(size_t)m * s->k->nc + c];
}

/* Aggregates of every column over months a..b (inclusive). */
static void agg_range(const struct src *s, int a, int b, struct kp_colagg *out)
{
    const struct kp_compute *k = s->k;
    for (size_t c = 0; c < k->nc; c++) {
        struct kp_colagg *o = &out[c];
        o->sum = 0, o->min = o->max = o->first = o->last = NAN, o->n = 0;
        for (int m = a; m <= b; m++) {
            struct cell x = src_cell(s, m, c);
            if (x.n == 0)
                continue;
            o->sum += x.sum;
            o->min = o->n == 0 || x.min < o->min ? x.min : o->min;
            o->max = o->n == 0 || x.max > o->max ? x.max : o->max;
            if (o->n == 0)
                o->first = x.sum;
            o->last = x.sum;
            o->n += x.n;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                          */

struct group_arg {
    const struct kp_compute *k;
    const struct group *g;
    int a, b;
};

static double eval_src(const struct kp_compute *k, const struct src *s, const struct kp_expr *e,
                       int a, int b);

/* A member's own value of a column-only KPI over months a..b. */
static double member_value(const struct kp_compute *k, size_t p, int kpi, int a, int b)
{
    if (a == k->w0 && b == k->w1)
        return k->own[p * k->nk + (size_t)kpi];
    struct src s = {k, (long)p, NULL};
    return eval_src(k, &s, k->cfg->kpis[kpi].formula, a, b);
}

static int meets(const struct kp_compute *k, int kpi, double v, double t)
{
    return k->cfg->kpis[kpi].lower_better ? v <= t : v >= t;
}

static double group_fn(void *arg, enum kp_group_fn fn, int kpi)
{
    const struct group_arg *ga = arg;
    const struct kp_compute *k = ga->k;
    double sum = 0, sq = 0;
    long n = 0, hit = 0;
    for (size_t i = 0; i < ga->g->nmembers; i++) {
        size_t p = ga->g->members[i];
        double v = member_value(k, p, kpi, ga->a, ga->b);
        if (isnan(v))
            continue;
        double t = k->target[p * k->nk + (size_t)kpi];
        if (fn == KP_GROUP_AT_TARGET && isnan(t))
            continue;
        n++;
        sum += v, sq += v * v;
        hit += fn == KP_GROUP_AT_TARGET && meets(k, kpi, v, t);
    }
    if (n == 0)
        return NAN;
    if (fn == KP_GROUP_AT_TARGET)
        return (double)hit / (double)n;
    double mean = sum / (double)n, var = sq / (double)n - mean * mean;
    return sqrt(var > 0 ? var : 0);
}

static double eval_src(const struct kp_compute *k, const struct src *s, const struct kp_expr *e,
                       int a, int b)
{
    if (!e)
        return NAN;
    struct kp_colagg agg[k->nc ? k->nc : 1];
    agg_range(s, a, b, agg);
    struct group_arg ga = {k, s->g, a, b};
    struct kp_eval_ctx ctx = {agg, s->g && s->g->nmembers ? group_fn : NULL, &ga};
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

/* Sum of the targets of the people covered whose role weights the KPI (all
 * of them when none does). own_t holds each person's own resolved target. */
static double sum_targets(const struct kp_compute *k, const size_t *people, size_t n, int kpi,
                          const double *own_t)
{
    double weighted = 0, all = 0;
    int any_w = 0, any = 0;
    for (size_t i = 0; i < n; i++) {
        size_t p = people[i];
        double t = own_t[p * k->nk + (size_t)kpi];
        if (isnan(t))
            continue;
        any = 1, all += t;
        if (k->cfg->roles[k->d->people[p].role_idx].weight[kpi] > 0)
            any_w = 1, weighted += t;
    }
    return any_w ? weighted : any ? all : NAN;
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
    return r > k->cfg->cap ? k->cfg->cap : r;
}

/* Status of a KPI value over a source and range: na, insufficient or ok. */
static enum kp_status status_of(const struct kp_compute *k, const struct src *s, int kpi,
                                double v, int a, int b, double *sample)
{
    const struct kp_kpi_def *d = &k->cfg->kpis[kpi];
    *sample = NAN;
    if (isnan(v))
        return KP_ST_NA;
    const struct kp_expr *se = d->sample ? d->sample : d->formula ? expr_divisor(d->formula) : NULL;
    if (se)
        *sample = eval_src(k, s, se, a, b);
    if (d->min_sample > 0 && (isnan(*sample) || *sample < d->min_sample))
        return KP_ST_INSUFFICIENT;
    return KP_ST_OK;
}

static double composite_of(const struct kp_compute *k, size_t p, const double *points,
                           const unsigned char *status)
{
    const struct kp_role *r = &k->cfg->roles[k->d->people[p].role_idx];
    double wsum = 0, acc = 0;
    for (size_t i = 0; i < k->nk; i++) {
        if (r->weight[i] <= 0 || status[i] != KP_ST_OK || isnan(points[i]))
            continue;
        wsum += r->weight[i];
        acc += r->weight[i] * points[i];
    }
    return wsum > 0 ? acc / wsum : NAN;
}

static const char *band_of(const struct kp_config *c, double composite)
{
    if (isnan(composite))
        return "";
    for (size_t i = 0; i < c->nbands; i++) /* sorted highest first */
        if (composite >= c->bands[i].min)
            return c->bands[i].id;
    return "";
}

/* ------------------------------------------------------------------ */
/* Set-up: groups, window values, scores, ranks                        */

static void group_init(struct group *g, const struct kp_compute *k)
{
    g->cells = xcalloc((size_t)k->nm * k->nc, sizeof *g->cells);
}

static void group_add_person(struct group *g, const struct kp_compute *k, size_t p, int member)
{
    for (int m = 0; m < k->nm; m++)
        for (size_t c = 0; c < k->nc; c++) {
            double v = *data_cell(k->d, p, m, c);
            if (!isnan(v))
                cell_add(&g->cells[(size_t)m * k->nc + c], v, v, v, 1);
        }
    if (member) {
        g->members = xrealloc(g->members, (g->nmembers + 1) * sizeof *g->members);
        g->members[g->nmembers++] = p;
    }
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
        group_add_person(&k->teams[d->people[p].team_idx], k, p, 1);
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

static int is_group_kpi(const struct kp_compute *k, size_t i)
{
    return k->cfg->kpis[i].formula && expr_uses_group(k->cfg->kpis[i].formula);
}

/* Window values, targets, points, status and composites of everyone. */
static void score_people(struct kp_compute *k)
{
    size_t np = k->np, nk = k->nk;
    k->own = xmalloc(np * nk * sizeof *k->own);
    k->value = xmalloc(np * nk * sizeof *k->value);
    k->target = xmalloc(np * nk * sizeof *k->target);
    k->tsrc = xcalloc(np * nk, 1);
    k->points = xmalloc(np * nk * sizeof *k->points);
    k->status = xcalloc(np * nk, 1);
    k->composite = xmalloc(np * sizeof *k->composite);
    for (size_t p = 0; p < np; p++)
        for (size_t i = 0; i < nk; i++) {
            struct src own = {k, (long)p, NULL};
            k->own[p * nk + i] =
                is_group_kpi(k, i) ? NAN : eval_src(k, &own, k->cfg->kpis[i].formula, k->w0, k->w1);
            k->target[p * nk + i] = resolve_target(k, p, (int)i, &k->tsrc[p * nk + i]);
        }
    /* Own targets are all known: now scope values (group functions read own
     * values and targets) and the managers' summed targets. */
    double *own_t = xmalloc(np * nk * sizeof *own_t);
    memcpy(own_t, k->target, np * nk * sizeof *own_t);
    for (size_t p = 0; p < np; p++) {
        struct src s = person_src(k, p);
        for (size_t i = 0; i < nk; i++) {
            size_t x = p * nk + i;
            k->value[x] = s.g ? eval_src(k, &s, k->cfg->kpis[i].formula, k->w0, k->w1) : k->own[x];
            if (s.g && k->cfg->kpis[i].team_target_sum && k->tsrc[x] != 'p') {
                size_t *cov = xmalloc((s.g->nmembers + 1) * sizeof *cov);
                cov[0] = p;
                memcpy(cov + 1, s.g->members, s.g->nmembers * sizeof *cov);
                k->target[x] = sum_targets(k, cov, s.g->nmembers + 1, (int)i, own_t);
                k->tsrc[x] = isnan(k->target[x]) ? 0 : 't';
                free(cov);
            }
            double sample;
            k->status[x] = status_of(k, &s, (int)i, k->value[x], k->w0, k->w1, &sample);
            k->points[x] = 100 * ratio_of(k, (int)i, k->value[x], k->target[x]);
        }
        k->composite[p] = composite_of(k, p, &k->points[p * nk], &k->status[p * nk]);
    }
    free(own_t);
}

/* Competition ranking (1, 2, 2, 4) of people by composite within a subset. */
static void rank_subset(const struct kp_compute *k, const size_t *people, size_t n, int *rank,
                        int *ranked)
{
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t p = people[i];
        double c = k->composite[p];
        if (isnan(c)) {
            rank[p] = 0;
            continue;
        }
        count++;
        int better = 0;
        for (size_t j = 0; j < n; j++)
            better += !isnan(k->composite[people[j]]) && k->composite[people[j]] > c;
        rank[p] = better + 1;
    }
    *ranked = count;
}

/* O(n log n) ranks over the whole org: sort by composite, then assign. */
static const double *sort_keys;
static int cmp_desc(const void *a, const void *b)
{
    double x = sort_keys[*(const size_t *)a], y = sort_keys[*(const size_t *)b];
    return (x < y) - (x > y);
}

static void rank_org(struct kp_compute *k)
{
    size_t *ord = xmalloc((k->np ? k->np : 1) * sizeof *ord), n = 0;
    for (size_t p = 0; p < k->np; p++)
        if (!isnan(k->composite[p]))
            ord[n++] = p;
        else
            k->rank_org[p] = 0;
    sort_keys = k->composite;
    qsort(ord, n, sizeof *ord, cmp_desc);
    sort_keys = NULL;
    for (size_t i = 0; i < n; i++)
        k->rank_org[ord[i]] =
            i > 0 && k->composite[ord[i]] == k->composite[ord[i - 1]] ? k->rank_org[ord[i - 1]]
                                                                      : (int)i + 1;
    k->org_size = (int)n;
    free(ord);
}

static void rank_people(struct kp_compute *k)
{
    k->rank_team = xcalloc(k->np ? k->np : 1, sizeof *k->rank_team);
    k->rank_org = xcalloc(k->np ? k->np : 1, sizeof *k->rank_org);
    k->team_size = xcalloc(k->d->nteams ? k->d->nteams : 1, sizeof *k->team_size);
    for (size_t t = 0; t < k->d->nteams; t++)
        rank_subset(k, k->teams[t].members, k->teams[t].nmembers, k->rank_team, &k->team_size[t]);
    rank_org(k);
}

static void team_stats(struct kp_compute *k)
{
    size_t nt = k->d->nteams, nk = k->nk;
    k->team_points = xmalloc((nt ? nt : 1) * nk * sizeof *k->team_points);
    k->team_value = xmalloc((nt ? nt : 1) * nk * sizeof *k->team_value);
    for (size_t t = 0; t < nt; t++) {
        struct src s = {k, -1, &k->teams[t]};
        for (size_t i = 0; i < nk; i++) {
            double acc = 0;
            long n = 0;
            for (size_t j = 0; j < k->teams[t].nmembers; j++) {
                size_t x = k->teams[t].members[j] * nk + i;
                if (k->status[x] == KP_ST_OK && !isnan(k->points[x]))
                    acc += k->points[x], n++;
            }
            k->team_points[t * nk + i] = n ? acc / (double)n : NAN;
            k->team_value[t * nk + i] = eval_src(k, &s, k->cfg->kpis[i].formula, k->w0, k->w1);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Meta and pacing                                                     */

static void build_meta(struct kp_compute *k, long doc_date)
{
    const struct kp_config *c = k->cfg;
    struct kp_meta *m = &k->meta;
    m->tool_version = xstrdup(KP_VERSION);
    m->label = xstrdup(c->label ? c->label : "");
    m->from = c->from, m->to = c->to;
    m->m0 = k->d->m0, m->nmonths = k->d->nmonths;
    long end = date_from_ymd(c->to / 12, c->to % 12 + 1, month_days(c->to));
    long start = date_from_ymd(c->from / 12, c->from % 12 + 1, 1);
    m->as_of = c->as_of >= 0 ? c->as_of : end;
    m->doc_date = doc_date >= 0 ? doc_date : m->as_of;
    m->pacing = c->as_of >= 0 && c->as_of < end;
    double total = (double)(end - start + 1);
    double done = (double)(m->as_of - start + 1);
    k->frac = m->pacing ? (done < 0 ? 0 : done / total) : 1;
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
}

/* Pacing of one KPI: the projected end-of-window value at the current run
 * rate, and what is needed per remaining month to reach the target. For
 * sum(x)/count(x) KPIs the value scales with time; for sum(a)/sum(b) the
 * needed amount is of a, against b over the whole window (b's later months
 * when present, else b projected). Other KPIs keep their value. */
static void pace(const struct kp_compute *k, const struct src *s, int kpi, struct kp_kpival *v)
{
    const struct kp_kpi_def *d = &k->cfg->kpis[kpi];
    double f = k->frac, win = (double)(k->w1 - k->w0 + 1);
    double remaining = (1 - f) * win;
    v->projected = v->value, v->needed = NAN;
    if (!d->formula || f <= 0 || isnan(v->value))
        return;
    int col = expr_single_column(d->formula);
    if (col >= 0 && expr_is_additive(d->formula)) {
        v->projected = v->value / f;
        if (!isnan(v->target) && remaining > 0 && !d->lower_better)
            v->needed = v->value >= v->target ? 0 : (v->target - v->value) / remaining;
        return;
    }
    const struct kp_expr *num = expr_dividend(d->formula), *den = expr_divisor(d->formula);
    int a = num ? expr_single_column(num) : -1, b = den ? expr_single_column(den) : -1;
    if (a < 0 || b < 0 || d->lower_better)
        return;
    struct kp_colagg agg[k->nc];
    agg_range(s, k->w0, k->w1, agg);
    double A = agg[a].sum, B = agg[b].sum;
    /* b's months after as_of: planned values (a quota) are already known. */
    int y, m, dd;
    date_split(k->meta.as_of, &y, &m, &dd);
    int cur = y * 12 + m - 1 - k->d->m0;
    struct kp_colagg later[k->nc];
    int has_later = cur < k->w1;
    if (has_later)
        agg_range(s, cur + 1, k->w1, later);
    double B_full = has_later && later[b].n > 0 ? B : B / f;
    if (B_full <= 0)
        return;
    v->projected = A / f / B_full;
    if (!isnan(v->target) && remaining > 0)
        v->needed = A >= v->target * B_full ? 0 : (v->target * B_full - A) / remaining;
}

/* ------------------------------------------------------------------ */
/* Records                                                             */

static void fill_kpis(struct kp_compute *k, struct kp_record *r, const struct src *s,
                      const double *value, const double *target, const char *tsrc,
                      const double *weight)
{
    for (size_t i = 0; i < k->nk; i++) {
        struct kp_kpival *v = &r->kpis[i];
        const struct kp_expr *e = k->cfg->kpis[i].formula;
        v->value = value[i];
        v->target = target[i];
        v->target_src = tsrc ? tsrc[i] : 0;
        v->weight = weight ? weight[i] : 0;
        v->status = status_of(k, s, (int)i, v->value, k->w0, k->w1, &v->sample);
        v->ratio = ratio_of(k, (int)i, v->value, v->target);
        v->points = 100 * v->ratio;
        v->prev = k->p0 >= 0 ? eval_src(k, s, e, k->p0, k->p1) : NAN;
        for (int m = 0; m < k->nm; m++)
            v->series[m] = eval_src(k, s, e, m, m);
        if (k->meta.pacing)
            pace(k, s, (int)i, v);
    }
}

static void fill_cols(const struct kp_compute *k, struct kp_record *r, const struct src *s)
{
    for (size_t c = 0; c < k->nc; c++)
        for (int m = 0; m < k->nm; m++) {
            struct cell x = src_cell(s, m, c);
            r->cols[c * (size_t)k->nm + (size_t)m] = x.n ? x.sum : NAN;
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

/* A month with none of the rule's columns above zero, from the hire month on. */
static void idle_alerts(const struct kp_compute *k, struct kp_record *r,
                        const struct kp_alert_rule *a, const struct src *s, long hired)
{
    int last = k->w1;
    if (k->meta.pacing) {
        int y, m, dd;
        date_split(k->meta.as_of, &y, &m, &dd);
        last = y * 12 + m - 1 - k->d->m0 - 1; /* the current month is not over */
    }
    for (int m = k->w0; m <= last && m <= k->w1; m++) {
        kp_month month = k->d->m0 + m;
        if (hired >= 0 && hired > date_from_ymd(month / 12, month % 12 + 1, month_days(month)))
            continue;
        int active = 0;
        for (size_t i = 0; i < a->ncols; i++) {
            struct cell x = src_cell(s, m, a->cols[i]);
            active |= x.n > 0 && x.sum > 0;
        }
        if (!active)
            add_alert(r, a->id, "idle", -1, month, 0, 0);
    }
}

static void alerts_for(const struct kp_compute *k, struct kp_record *r, const struct src *s,
                       long hired)
{
    for (size_t i = 0; i < k->cfg->nalerts; i++) {
        const struct kp_alert_rule *a = &k->cfg->alerts[i];
        if (a->kind == KP_ALERT_IDLE) {
            idle_alerts(k, r, a, s, hired);
            continue;
        }
        for (size_t j = 0; j < a->nkpis; j++) {
            int q = a->kpis[j];
            const struct kp_kpival *v = &r->kpis[q];
            int lower = k->cfg->kpis[q].lower_better;
            if (v->status != KP_ST_OK)
                continue;
            if (a->kind == KP_ALERT_DROP && !isnan(v->prev) && v->prev != 0) {
                double change = (v->value - v->prev) / fabs(v->prev);
                if ((lower ? change : -change) > a->threshold)
                    add_alert(r, a->id, "drop", q, 0, change, a->threshold);
            } else if (a->kind == KP_ALERT_PACE && k->meta.pacing && !isnan(v->target) &&
                       v->target != 0) {
                double ratio = lower ? v->target / v->projected : v->projected / v->target;
                if (!isnan(ratio) && ratio < a->threshold)
                    add_alert(r, a->id, "pace", q, 0, ratio, a->threshold);
            } else if (a->kind == KP_ALERT_BELOW && !isnan(v->target) && v->target != 0) {
                double ratio = lower ? v->target / v->value : v->value / v->target;
                if (!isnan(ratio) && ratio < a->threshold)
                    add_alert(r, a->id, "below", q, 0, ratio, a->threshold);
            }
        }
    }
}

/* Commission estimate: see [commission] in docs/config.md. */
static void commission(const struct kp_compute *k, struct kp_record *r, const struct src *s)
{
    const struct kp_commission *cm = &k->cfg->commission;
    r->payout = r->payout_rate = NAN;
    if (!cm->enabled || cm->kpi < 0 || cm->ntiers == 0)
        return;
    double a = r->kpis[cm->kpi].value;
    double basis = eval_src(k, s, cm->basis, k->w0, k->w1);
    if (isnan(a) || isnan(basis) || a <= 0)
        return;
    double pay = 0, rate = 0;
    for (size_t i = 0; i < cm->ntiers; i++) {
        const struct kp_tier *t = &cm->tiers[i];
        if (a < t->from)
            break;
        rate = t->rate;
        if (cm->marginal) {
            double hi = i + 1 < cm->ntiers && cm->tiers[i + 1].from < a ? cm->tiers[i + 1].from : a;
            pay += t->rate * basis * (hi - t->from) / a;
        }
    }
    if (!cm->marginal)
        pay = rate * basis;
    if (cm->pool_rate > 0 && cm->pool_from > 0 && a > cm->pool_from)
        pay += cm->pool_rate * basis * (1 - cm->pool_from / a);
    if (!isnan(cm->cap) && pay > cm->cap)
        pay = cm->cap;
    r->payout = pay;
    r->payout_rate = rate;
}

static long hire_days(const struct kp_person *pp)
{
    long days;
    return pp->hire_date && date_parse(pp->hire_date, &days) == 0 ? days : -1;
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
    fill_kpis(k, r, &s, &k->value[p * nk], &k->target[p * nk], &k->tsrc[p * nk], role->weight);
    size_t t = (size_t)pp->team_idx;
    double prev_pts[nk ? nk : 1];
    unsigned char prev_st[nk ? nk : 1];
    for (size_t i = 0; i < nk; i++) {
        r->kpis[i].group_value = k->team_value[t * nk + i];
        r->kpis[i].group_points = k->team_points[t * nk + i];
        prev_pts[i] = 100 * ratio_of(k, (int)i, r->kpis[i].prev, r->kpis[i].target);
        double sample;
        prev_st[i] = k->p0 >= 0 ? status_of(k, &s, (int)i, r->kpis[i].prev, k->p0, k->p1, &sample)
                                : KP_ST_NA;
    }
    r->composite = k->composite[p];
    r->composite_prev = composite_of(k, p, prev_pts, prev_st);
    r->band = xstrdup(band_of(k->cfg, r->composite));
    r->rank_team = k->rank_team[p], r->team_size = k->team_size[t];
    r->rank_org = k->rank_org[p], r->org_size = k->org_size;
    /* Everyone ranked at or after this rank has a composite <= this one. */
    r->percentile = r->rank_org > 0 ? 100.0 * (k->org_size - r->rank_org + 1) / k->org_size : NAN;
    fill_cols(k, r, &s);
    r->lines = xcalloc((size_t)k->nm, sizeof *r->lines);
    for (int m = 0; m < k->nm; m++)
        r->lines[m] = d->line[p * (size_t)k->nm + (size_t)m];
    alerts_for(k, r, &s, hire_days(pp));
    commission(k, r, &s);
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
    for (size_t i = 0; i < nk; i++) {
        value[i] = eval_src(k, &s, k->cfg->kpis[i].formula, k->w0, k->w1);
        if (k->cfg->kpis[i].team_target_sum) {
            target[i] = sum_targets(k, g->members, g->nmembers, (int)i, k->target);
            tsrc[i] = isnan(target[i]) ? 0 : 't';
        } else {
            target[i] = k->cfg->kpis[i].target;
            tsrc[i] = isnan(target[i]) ? 0 : 'd';
        }
    }
    fill_kpis(k, r, &s, value, target, tsrc, NULL);
    double acc = 0;
    long n = 0;
    r->members = xcalloc(g->nmembers ? g->nmembers : 1, sizeof *r->members);
    for (size_t j = 0; j < g->nmembers; j++) {
        size_t p = g->members[j];
        if (!isnan(k->composite[p]))
            acc += k->composite[p], n++;
        if (is_org)
            continue;
        struct kp_member *m = &r->members[r->nmembers++];
        m->rep_id = xstrdup(d->people[p].rep_id);
        m->name = xstrdup(d->people[p].name);
        m->role = xstrdup(k->cfg->roles[d->people[p].role_idx].id);
        m->composite = k->composite[p];
        m->band = xstrdup(band_of(k->cfg, m->composite));
        m->rank = k->rank_team[p];
        m->attainment = nk ? k->value[p * nk] : NAN;
    }
    qsort(r->members, r->nmembers, sizeof *r->members, member_cmp_rank);
    r->composite = n ? acc / (double)n : NAN;
    r->band = xstrdup(band_of(k->cfg, r->composite));
    r->team_size = (int)g->nmembers;
    r->org_size = k->org_size;
    fill_cols(k, r, &s);
    alerts_for(k, r, &s, -1);
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
    free(k->own), free(k->value), free(k->target), free(k->tsrc), free(k->points);
    free(k->status), free(k->composite), free(k->rank_team), free(k->rank_org);
    free(k->team_size), free(k->team_points), free(k->team_value);
    free(k);
}

/* ------------------------------------------------------------------ */
/* explain                                                             */

static const char *target_src_name(char c)
{
    switch (c) {
    case 'p': return "person (targets file)";
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
    char mon[8], num[32];
    for (int m = k->w0; m <= k->w1; m++) {
        long line = d->line[p * (size_t)k->nm + (size_t)m];
        month_format(d->m0 + m, mon);
        if (!line) {
            buf_printf(out, "    %-8s %s  (no row)\n", d->people[p].rep_id, mon);
            continue;
        }
        buf_printf(out, "    %-8s %s  line %-6ld", d->people[p].rep_id, mon, line);
        for (size_t i = 0; i < ncols; i++) {
            double v = *data_cell(d, p, m, cols[i]);
            fmt_plain(num, sizeof num, v);
            buf_printf(out, " %s=%s", d->cols[cols[i]], isnan(v) ? "(empty)" : num);
        }
        buf_addc(out, '\n');
    }
}

void compute_explain(struct kp_compute *k, size_t p, int kpi, struct kp_buf *out)
{
    const struct kp_config *c = k->cfg;
    const struct kp_data *d = k->d;
    const struct kp_kpi_def *def = &c->kpis[kpi];
    const struct kp_person *pp = &d->people[p];
    struct kp_record *r = compute_person(k, p);
    const struct kp_kpival *v = &r->kpis[kpi];
    char from[8], to[8], num[32];
    month_format(c->from, from);
    month_format(c->to, to);
    buf_printf(out, "%s %s (team %s, role %s, roster line %ld)\n", pp->rep_id, pp->name, pp->team,
               c->roles[pp->role_idx].id, pp->line);
    buf_printf(out, "KPI %s \"%s\" over %s..%s\n", def->id,
               text_get(def->label, def->nlabel, "en", def->id), from, to);
    buf_printf(out, "formula: %s\n", def->formula_src ? def->formula_src : "");
    size_t cols[64];
    size_t ncols = def->formula ? expr_columns(def->formula, cols, 64) : 0;
    struct src s = person_src(k, p);
    buf_printf(out, "rows (%s):\n", c->metrics);
    explain_rows(k, p, cols, ncols, out);
    if (s.g) {
        buf_printf(out, "  and the %zu people below them:\n", s.g->nmembers);
        for (size_t i = 0; i < s.g->nmembers; i++)
            explain_rows(k, s.g->members[i], cols, ncols, out);
    }
    struct kp_colagg agg[k->nc ? k->nc : 1];
    agg_range(&s, k->w0, k->w1, agg);
    struct group_arg ga = {k, s.g, k->w0, k->w1};
    struct kp_eval_ctx ctx = {agg, s.g && s.g->nmembers ? group_fn : NULL, &ga};
    buf_adds(out, "value: ");
    if (def->formula)
        expr_explain(def->formula, &ctx, (const char *const *)d->cols, out);
    fmt_plain(num, sizeof num, v->value);
    buf_printf(out, " = %s\n", isnan(v->value) ? "n/a" : num);
    fmt_plain(num, sizeof num, v->target);
    buf_printf(out, "target: %s (%s)\n", isnan(v->target) ? "none" : num,
               target_src_name(v->target_src));
    fmt_plain(num, sizeof num, v->sample);
    if (def->min_sample > 0)
        buf_printf(out, "sample: %s (minimum %g)\n", isnan(v->sample) ? "n/a" : num,
                   def->min_sample);
    fmt_plain(num, sizeof num, v->ratio);
    buf_printf(out, "ratio: %s (%s is better, capped at %g)\n", isnan(v->ratio) ? "n/a" : num,
               def->lower_better ? "lower" : "higher", c->cap);
    fmt_plain(num, sizeof num, v->points);
    buf_printf(out, "points: %s   weight: %g%%   status: %s\n", isnan(v->points) ? "n/a" : num,
               v->weight, kp_status_names[v->status]);
    fmt_plain(num, sizeof num, r->composite);
    buf_printf(out, "composite: %s   band: %s\n", isnan(r->composite) ? "n/a" : num,
               *r->band ? r->band : "-");
    record_free(r);
}
