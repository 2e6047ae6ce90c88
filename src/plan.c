/* plan — see plan.h and docs/plan.md. */
#include "plan.h"

#include "cli.h"
#include "compute.h"
#include "config.h"
#include "diag.h"
#include "model.h"
#include "pipeline.h"
#include "sys.h"
#include "tables.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One person's planned KPI: every factor, for plan.csv and the explanation. */
struct prow {
    size_t p;
    int kpi;
    int base_a, base_b;       /* months of the run rate (data indices) */
    double base_value, base_share;
    double run_rate;          /* base_value / base_share (NaN: no history) */
    double season;            /* 1 when the history does not reach a year back */
    double ly_window, ly_base; /* last year's window and base values (NaN: n/a) */
    double capability;        /* monthly, at full productivity */
    const char *cap_src;      /* "own", "team mean", "org mean", "none" */
    size_t cap_n;             /* people in the mean */
    double growth;
    long growth_line;         /* 0 = the org default (or none) */
    const char *growth_key;
    double full;              /* full window target before the ceiling (rounded) */
    double ceiling;           /* factor (1 = none) */
    double full_final;        /* written to targets.csv */
    double share;             /* Σ employed × ramp over the window */
    double target;            /* the prorated target the review will show; NaN = none */
};

struct plan {
    const struct kp_config *c;
    const struct kp_data *d;
    struct kp_compute *k;
    int w0, w1, W, N;
    struct prow *rows;
    size_t nrows;
    double *team_total; /* [nteams * nkpis] */
    double *team_market; /* [nteams]: NaN = none */
    double *team_factor; /* [nteams] */
};

int plan_parse_window(const char *s, int *from, int *to)
{
    const char *dots = strstr(s, "..");
    kp_month a, b;
    if (!dots)
        return month_parse(s, &a) == 0 ? (*from = *to = a, 0) : -1;
    char *left = xstrndup(s, (size_t)(dots - s));
    int ok = month_parse(left, &a) == 0 && month_parse(dots + 2, &b) == 0 && a <= b &&
             b - a < 24;
    free(left);
    if (ok)
        *from = a, *to = b;
    return ok ? 0 : -1;
}

/* The history the plan reads: the run rate's months and a year before them. */
static void widen(struct kp_config *c)
{
    int need = c->plan.months + 12;
    if (c->history < need)
        c->history = need;
    c->as_of = -1; /* the plan's window has no actuals yet */
}

static double R12(double x)
{
    return compute_round(x, KP_DIGITS);
}

/* A number as the tables write it: whole numbers without a point, others
 * with 12 significant digits, 15 when it has them (a sum of targets). */
static void num(struct kp_buf *b, double x)
{
    char s[32];
    if (isnan(x))
        return;
    if (x == floor(x) && fabs(x) < 1e15) {
        buf_printf(b, "%.0f", x == 0 ? 0 : x);
        return;
    }
    snprintf(s, sizeof s, "%.12g", x);
    if (strtod(s, NULL) != x)
        snprintf(s, sizeof s, "%.15g", x);
    buf_adds(b, s);
}

static double round_to(double x, double unit, int down)
{
    if (unit <= 0 || isnan(x))
        return R12(x);
    double q = x / unit;
    q = R12(q);
    q = down ? floor(q) : floor(q + 0.5);
    return R12(q * unit);
}

static int weighted(const struct kp_config *c, const struct kp_person *pp, int kpi)
{
    return pp->role_idx >= 0 && c->roles[pp->role_idx].weight[kpi] > 0;
}

/* The growth for a team and KPI: growth.TEAM.KPI, growth.TEAM, growth.KPI,
 * then [plan] growth. */
static double growth_of(const struct plan *pl, const char *team, int kpi, long *line,
                        const char **key)
{
    const struct kp_plan_cfg *g = &pl->c->plan;
    char both[512];
    snprintf(both, sizeof both, "%s.%s", team, pl->c->kpis[kpi].id);
    const char *names[3] = {both, team, pl->c->kpis[kpi].id};
    for (int n = 0; n < 3; n++)
        for (size_t i = 0; i < g->ngrowths; i++)
            if (str_ieq(g->growths[i].name, names[n])) {
                *line = g->growths[i].line, *key = g->growths[i].name;
                return g->growths[i].value;
            }
    *line = 0, *key = NULL;
    return g->growth;
}

static int find_team(const struct kp_data *d, const char *name)
{
    for (size_t t = 0; t < d->nteams; t++)
        if (str_ieq(d->teams[t], name)) /* INI keys are lower case */
            return (int)t;
    return -1;
}

/* Every growth.* and market.* key must name what is there. */
static int check_names(const struct plan *pl)
{
    const struct kp_config *c = pl->c;
    const struct kp_plan_cfg *g = &c->plan;
    int bad = 0;
    for (size_t i = 0; i < g->ngrowths; i++) {
        const char *n = g->growths[i].name, *dot = strrchr(n, '.');
        int ok = find_team(pl->d, n) >= 0 || config_find_kpi(c, n) >= 0;
        if (!ok && dot) {
            char *team = xstrndup(n, (size_t)(dot - n));
            ok = find_team(pl->d, team) >= 0 && config_find_kpi(c, dot + 1) >= 0;
            free(team);
        }
        if (!ok) {
            diag(KP_FATAL, c->path, g->growths[i].line, 0,
                 "[plan] growth.%s: no team or KPI named \"%s\" (growth.TEAM, growth.KPI or "
                 "growth.TEAM.KPI)", n, n);
            bad = 1;
        }
    }
    for (size_t i = 0; i < g->nmarkets; i++)
        if (find_team(pl->d, g->markets[i].name) < 0) {
            diag(KP_FATAL, c->path, g->markets[i].line, 0,
                 "[plan] market.%s: no team named \"%s\" in the roster", g->markets[i].name,
                 g->markets[i].name);
            bad = 1;
        }
    int mk = config_find_kpi(c, g->market_kpi);
    if (g->nmarkets && (mk < 0 || !c->kpis[mk].team_target_sum)) {
        diag(KP_FATAL, c->path, g->market_kpi_line, 0,
             "[plan] market_kpi: \"%s\" is not a KPI whose target adds up (sum, count): "
             "market.TEAM caps that KPI's team total", g->market_kpi);
        bad = 1;
    }
    return bad ? -1 : 0;
}

/* Σ employed × ramp over months a..b; *full: every month 1. */
static double share_over(const struct plan *pl, size_t p, int a, int b, int *full)
{
    double s = 0;
    *full = 1;
    for (int m = a; m <= b; m++) {
        double e, r;
        compute_month_share(pl->k, p, m, &e, &r);
        s += e * r;
        *full &= e * r == 1;
    }
    return R12(s);
}

/* Capability from the person's own history: run rate and seasonality. */
static void own_capability(const struct plan *pl, struct prow *r)
{
    int full;
    r->base_a = pl->w0 - pl->N < 0 ? 0 : pl->w0 - pl->N, r->base_b = pl->w0 - 1;
    r->base_share = r->base_b >= r->base_a ? share_over(pl, r->p, r->base_a, r->base_b, &full) : 0;
    r->base_value = r->base_b >= r->base_a
                        ? compute_own_over(pl->k, r->p, r->kpi, r->base_a, r->base_b)
                        : NAN;
    r->run_rate = r->base_share > 0 && !isnan(r->base_value) ? R12(r->base_value / r->base_share)
                                                             : NAN;
    r->season = 1, r->ly_window = r->ly_base = NAN;
    int la = pl->w0 - 12 - pl->N, lb = pl->w0 - 13, wa = pl->w0 - 12, wb = pl->w1 - 12;
    if (!isnan(r->run_rate) && la >= 0 && share_over(pl, r->p, la, wb, &full) >= 0 && full) {
        r->ly_base = compute_own_over(pl->k, r->p, r->kpi, la, lb);
        r->ly_window = compute_own_over(pl->k, r->p, r->kpi, wa, wb);
        if (!isnan(r->ly_base) && !isnan(r->ly_window) && r->ly_base > 0)
            r->season = R12((r->ly_window / pl->W) / (r->ly_base / pl->N));
    }
    if (!isnan(r->run_rate))
        r->capability = R12(r->run_rate * r->season), r->cap_src = "own", r->cap_n = 1;
    else
        r->capability = NAN, r->cap_src = "none", r->cap_n = 0;
}

/* Mean own capability of the people of team t (t < 0: everyone) for a KPI. */
static double mean_capability(const struct plan *pl, int t, int kpi, size_t *n)
{
    double s = 0;
    *n = 0;
    for (size_t i = 0; i < pl->nrows; i++) {
        const struct prow *r = &pl->rows[i];
        if (r->kpi == kpi && strcmp(r->cap_src, "own") == 0 &&
            (t < 0 || pl->d->people[r->p].team_idx == t))
            s += r->capability, (*n)++;
    }
    return *n ? R12(s / (double)*n) : NAN;
}

static void build(struct plan *pl)
{
    const struct kp_config *c = pl->c;
    const struct kp_data *d = pl->d;
    pl->rows = xcalloc(d->npeople * c->nkpis + 1, sizeof *pl->rows);
    for (size_t p = 0; p < d->npeople; p++)
        for (size_t i = 0; i < c->nkpis; i++)
            if (c->kpis[i].team_target_sum && weighted(c, &d->people[p], (int)i) &&
                !compute_is_manager(pl->k, p)) {
                struct prow *r = &pl->rows[pl->nrows++];
                r->p = p, r->kpi = (int)i;
                own_capability(pl, r);
            }
    /* Without history: the team's mean, else the org's. */
    for (size_t i = 0; i < pl->nrows; i++) {
        struct prow *r = &pl->rows[i];
        if (strcmp(r->cap_src, "own") == 0)
            continue;
        r->capability = mean_capability(pl, d->people[r->p].team_idx, r->kpi, &r->cap_n);
        r->cap_src = "team mean";
        if (isnan(r->capability)) {
            r->capability = mean_capability(pl, -1, r->kpi, &r->cap_n);
            r->cap_src = isnan(r->capability) ? "none" : "org mean";
        }
    }
    for (size_t i = 0; i < pl->nrows; i++) {
        struct prow *r = &pl->rows[i];
        const struct kp_person *pp = &d->people[r->p];
        int full;
        r->growth = growth_of(pl, d->teams[pp->team_idx], r->kpi, &r->growth_line, &r->growth_key);
        r->full = round_to(r->capability * (1 + r->growth) * pl->W, c->plan.round, 0);
        r->share = share_over(pl, r->p, pl->w0, pl->w1, &full);
        r->ceiling = 1, r->full_final = r->full;
        r->target = compute_prorate(pl->k, r->p, r->full);
        if (!(r->target > 0))
            r->target = NAN;
    }
    /* The market ceiling: a team's total never above it. */
    size_t nt = d->nteams, nk = c->nkpis;
    int mk = config_find_kpi(c, c->plan.market_kpi);
    pl->team_total = xcalloc(nt * nk + 1, sizeof *pl->team_total);
    pl->team_market = xmalloc((nt + 1) * sizeof *pl->team_market);
    pl->team_factor = xmalloc((nt + 1) * sizeof *pl->team_factor);
    for (size_t t = 0; t < nt; t++) {
        pl->team_market[t] = NAN, pl->team_factor[t] = 1;
        for (size_t i = 0; i < c->plan.nmarkets; i++)
            if (str_ieq(c->plan.markets[i].name, d->teams[t]))
                pl->team_market[t] = c->plan.markets[i].value;
    }
    for (size_t i = 0; i < pl->nrows; i++) {
        struct prow *r = &pl->rows[i];
        if (!isnan(r->target))
            pl->team_total[(size_t)d->people[r->p].team_idx * nk + (size_t)r->kpi] += r->target;
    }
    for (size_t t = 0; t < nt && mk >= 0; t++) {
        double tot = R12(pl->team_total[t * nk + (size_t)mk]);
        if (isnan(pl->team_market[t]) || tot <= pl->team_market[t])
            continue;
        pl->team_factor[t] = R12(pl->team_market[t] / tot);
        double sum = 0;
        for (size_t i = 0; i < pl->nrows; i++) {
            struct prow *r = &pl->rows[i];
            if (r->kpi != mk || d->people[r->p].team_idx != (int)t || isnan(r->target))
                continue;
            r->ceiling = pl->team_factor[t];
            r->full_final = round_to(r->full * r->ceiling, c->plan.round, 1);
            r->target = compute_prorate(pl->k, r->p, r->full_final);
            if (!(r->target > 0))
                r->target = NAN;
            else
                sum += r->target;
        }
        pl->team_total[t * nk + (size_t)mk] = sum;
    }
    for (size_t x = 0; x < nt * nk; x++)
        pl->team_total[x] = R12(pl->team_total[x]);
}

static void month_str(const struct plan *pl, int m, char out[8])
{
    month_format(pl->d->m0 + m, out);
}

static void write_targets(const struct plan *pl, struct kp_buf *b)
{
    buf_adds(b, "rep_id,kpi,target\n");
    for (size_t i = 0; i < pl->nrows; i++) {
        const struct prow *r = &pl->rows[i];
        if (isnan(r->target))
            continue;
        csv_cell(b, pl->d->people[r->p].rep_id, 0); /* read back as an input: no guard */
        buf_addc(b, ',');
        csv_cell(b, pl->c->kpis[r->kpi].id, 0);
        buf_addc(b, ',');
        num(b, r->full_final);
        buf_addc(b, '\n');
    }
}

/* The band's edge f × target, from the unrounded target (full × Σ share / W). */
static double band(const struct plan *pl, const struct prow *r, double f)
{
    return isnan(r->target) ? NAN : R12(r->full_final * r->share / pl->W * f);
}

/* A group's total of KPI k (team t; t = nteams: the org): the sum of its
 * people's targets as the review adds them (*exact: unrounded, for the band). */
static double group_total(const struct plan *pl, size_t t, int k, double *exact)
{
    double s = 0, x = 0;
    for (size_t i = 0; i < pl->nrows; i++) {
        const struct prow *r = &pl->rows[i];
        if (r->kpi != k || isnan(r->target) ||
            (t < pl->d->nteams && pl->d->people[r->p].team_idx != (int)t))
            continue;
        s += r->target, x += r->full_final * r->share / pl->W;
    }
    *exact = x;
    return compute_round(s, KP_DIGITS_EXACT); /* as the review sums them */
}

static const char *row_note(const struct plan *pl, const struct prow *r, char *buf, size_t n)
{
    const struct kp_person *pp = &pl->d->people[r->p];
    if (strcmp(r->cap_src, "none") == 0)
        snprintf(buf, n, "no history for anyone: no target");
    else if (isnan(r->target))
        snprintf(buf, n, "not employed (or 0%% ramp) in the window: no target");
    else if (r->ceiling != 1)
        snprintf(buf, n, "scaled to the market ceiling of %s", pl->d->teams[pp->team_idx]);
    else
        buf[0] = '\0';
    return buf;
}

static void write_plan_csv(const struct plan *pl, struct kp_buf *b)
{
    const struct kp_data *d = pl->d;
    const struct kp_config *c = pl->c;
    buf_adds(b, "scope,team,rep_id,kpi,base_from,base_to,base_value,base_share,run_rate,"
                "last_year_base,last_year_window,season,capability,capability_from,growth,"
                "full_target,market,ceiling,full_final,window_share,target,low,high,note\n");
    double m = c->plan.margin;
    for (size_t i = 0; i < pl->nrows; i++) {
        const struct prow *r = &pl->rows[i];
        const struct kp_person *pp = &d->people[r->p];
        char a[8], z[8], note[160];
        month_str(pl, r->base_a, a), month_str(pl, r->base_b, z);
        buf_adds(b, "person,");
        csv_cell(b, d->teams[pp->team_idx], 1);
        buf_addc(b, ',');
        csv_cell(b, pp->rep_id, 1);
        buf_addc(b, ',');
        csv_cell(b, c->kpis[r->kpi].id, 1);
        buf_printf(b, ",%s,%s,", a, z);
        num(b, r->base_value), buf_addc(b, ',');
        num(b, r->base_share), buf_addc(b, ',');
        num(b, r->run_rate), buf_addc(b, ',');
        num(b, r->ly_base), buf_addc(b, ',');
        num(b, r->ly_window), buf_addc(b, ',');
        num(b, r->season), buf_addc(b, ',');
        num(b, r->capability), buf_addc(b, ',');
        if (strcmp(r->cap_src, "own") == 0 || strcmp(r->cap_src, "none") == 0)
            buf_adds(b, r->cap_src);
        else
            buf_printf(b, "%s of %zu", r->cap_src, r->cap_n);
        buf_addc(b, ',');
        num(b, r->growth), buf_addc(b, ',');
        num(b, r->full), buf_addc(b, ',');
        int capped = config_find_kpi(c, c->plan.market_kpi) == r->kpi;
        if (capped)
            num(b, pl->team_market[pp->team_idx]);
        buf_addc(b, ',');
        if (capped && !isnan(pl->team_market[pp->team_idx]))
            num(b, r->ceiling);
        buf_addc(b, ',');
        num(b, r->full_final), buf_addc(b, ',');
        num(b, r->share), buf_addc(b, ',');
        num(b, r->target), buf_addc(b, ',');
        num(b, band(pl, r, 1 - m)), buf_addc(b, ',');
        num(b, band(pl, r, 1 + m)), buf_addc(b, ',');
        csv_cell(b, row_note(pl, r, note, sizeof note), 1);
        buf_addc(b, '\n');
    }
    /* Teams, then the org: the sums of their people's targets. */
    for (size_t t = 0; t <= d->nteams; t++)
        for (size_t k = 0; k < c->nkpis; k++) {
            int any = 0;
            double exact, tot = group_total(pl, t, (int)k, &exact);
            for (size_t i = 0; i < pl->nrows; i++)
                if (pl->rows[i].kpi == (int)k)
                    any = 1;
            if (!any)
                continue;
            buf_adds(b, t < d->nteams ? "team," : "org,");
            if (t < d->nteams)
                csv_cell(b, d->teams[t], 1);
            buf_addc(b, ',');
            buf_addc(b, ',');
            csv_cell(b, c->kpis[k].id, 1);
            buf_adds(b, ",,,,,,,,,,,,,");
            int capped = t < d->nteams && config_find_kpi(c, c->plan.market_kpi) == (int)k &&
                         !isnan(pl->team_market[t]);
            if (capped)
                num(b, pl->team_market[t]);
            buf_addc(b, ',');
            if (capped)
                num(b, pl->team_factor[t]);
            buf_adds(b, ",,,");
            num(b, tot), buf_addc(b, ',');
            num(b, R12(exact * (1 - m))), buf_addc(b, ',');
            num(b, R12(exact * (1 + m))), buf_addc(b, ',');
            if (capped && pl->team_factor[t] != 1)
                buf_adds(b, "members scaled down to the market ceiling");
            buf_addc(b, '\n');
        }
}

/* A row's share of month m of the window: the full target × employed × ramp
 * / W (unrounded). */
static double milestone(const struct plan *pl, const struct prow *r, int m)
{
    double e, ramp;
    compute_month_share(pl->k, r->p, m, &e, &ramp);
    return r->full_final * e * ramp / pl->W;
}

static void write_milestones(const struct plan *pl, struct kp_buf *b)
{
    const struct kp_data *d = pl->d;
    const struct kp_config *c = pl->c;
    double mg = c->plan.margin;
    buf_adds(b, "scope,team,rep_id,kpi,period,target,low,high\n");
    for (size_t i = 0; i < pl->nrows; i++) {
        const struct prow *r = &pl->rows[i];
        if (isnan(r->target))
            continue;
        for (int m = pl->w0; m <= pl->w1; m++) {
            char ms[8];
            double v = milestone(pl, r, m);
            month_str(pl, m, ms);
            buf_adds(b, "person,");
            csv_cell(b, d->teams[d->people[r->p].team_idx], 1);
            buf_addc(b, ',');
            csv_cell(b, d->people[r->p].rep_id, 1);
            buf_addc(b, ',');
            csv_cell(b, c->kpis[r->kpi].id, 1);
            buf_printf(b, ",%s,", ms);
            num(b, R12(v)), buf_addc(b, ',');
            num(b, R12(v * (1 - mg))), buf_addc(b, ',');
            num(b, R12(v * (1 + mg))), buf_addc(b, '\n');
        }
    }
    for (size_t t = 0; t <= d->nteams; t++)
        for (size_t k = 0; k < c->nkpis; k++)
            for (int m = pl->w0; m <= pl->w1; m++) {
                double s = 0;
                int any = 0;
                for (size_t i = 0; i < pl->nrows; i++) {
                    const struct prow *r = &pl->rows[i];
                    if (r->kpi != (int)k || isnan(r->target) ||
                        (t < d->nteams && d->people[r->p].team_idx != (int)t))
                        continue;
                    s += milestone(pl, r, m), any = 1;
                }
                if (!any)
                    continue;
                char ms[8];
                month_str(pl, m, ms);
                buf_adds(b, t < d->nteams ? "team," : "org,");
                if (t < d->nteams)
                    csv_cell(b, d->teams[t], 1);
                buf_adds(b, ",,");
                csv_cell(b, c->kpis[k].id, 1);
                buf_printf(b, ",%s,", ms);
                num(b, R12(s)), buf_addc(b, ',');
                num(b, R12(s * (1 - mg))), buf_addc(b, ',');
                num(b, R12(s * (1 + mg))), buf_addc(b, '\n');
            }
}

static void shown(struct kp_buf *b, double x)
{
    if (isnan(x))
        buf_adds(b, "n/a");
    else
        num(b, x);
}

/* How one planned target was computed (kpipress plan … REP_ID KPI). */
static void explain(const struct plan *pl, const struct prow *r, struct kp_buf *b)
{
    const struct kp_data *d = pl->d;
    const struct kp_config *c = pl->c;
    const struct kp_person *pp = &d->people[r->p];
    char a[8], z[8], w0[8], w1[8];
    month_str(pl, r->base_a, a), month_str(pl, r->base_b, z);
    month_str(pl, pl->w0, w0), month_str(pl, pl->w1, w1);
    buf_printf(b, "%s %s, planned %s for %s..%s (W = %d months)\n", pp->rep_id,
               c->kpis[r->kpi].id, d->teams[pp->team_idx], w0, w1, pl->W);
    buf_printf(b, "capability: run rate over %s..%s ([plan] months = %d) = ", a, z, pl->N);
    if (isnan(r->run_rate)) {
        buf_adds(b, "none: no month employed at a ramp above 0% with figures\n");
    } else {
        num(b, r->base_value), buf_adds(b, " / Σ share (employed × ramp) ");
        num(b, r->base_share), buf_adds(b, " = ");
        num(b, r->run_rate), buf_adds(b, " a month at full productivity\n");
    }
    if (strcmp(r->cap_src, "own") != 0) {
        /* the people in the mean bring their own seasonality */
    } else if (!isnan(r->ly_base) && r->season != 1) {
        buf_adds(b, "  seasonality: last year's window ");
        num(b, r->ly_window), buf_printf(b, " / %d over its %d months before ", pl->W, pl->N);
        num(b, r->ly_base), buf_printf(b, " / %d = ", pl->N);
        num(b, r->season), buf_addc(b, '\n');
    } else if (isnan(r->ly_base)) {
        buf_adds(b, "  seasonality: 1 (the history does not reach a year back with every month "
                    "employed at full ramp)\n");
    } else {
        buf_adds(b, "  seasonality: 1 (last year's window at the pace of its months before)\n");
    }
    if (strcmp(r->cap_src, "own") == 0) {
        buf_adds(b, "  capability = ");
        num(b, r->run_rate), buf_adds(b, " × "), num(b, r->season), buf_adds(b, " = ");
        num(b, r->capability), buf_addc(b, '\n');
    } else {
        buf_printf(b, "  no history of their own: capability = the %s of %zu people = ", r->cap_src,
                   r->cap_n);
        shown(b, r->capability), buf_addc(b, '\n');
    }
    buf_adds(b, "strategy: growth ");
    num(b, R12(r->growth * 100));
    if (r->growth_key)
        buf_printf(b, "%% (growth.%s, %s:%ld)\n", r->growth_key, c->path, r->growth_line);
    else
        buf_adds(b, "% ([plan] growth)\n");
    buf_adds(b, "  full target = capability × (1 + growth) × W = ");
    num(b, r->capability), buf_adds(b, " × "), num(b, R12(1 + r->growth));
    buf_printf(b, " × %d = ", pl->W), num(b, r->full);
    if (c->plan.round > 0) {
        buf_adds(b, " (rounded to ");
        num(b, c->plan.round);
        buf_addc(b, ')');
    }
    buf_addc(b, '\n');
    if (r->ceiling != 1) {
        buf_printf(b, "  market ceiling of %s: ", d->teams[pp->team_idx]);
        num(b, pl->team_market[pp->team_idx]);
        buf_adds(b, ", the team's total above it: × "), num(b, r->ceiling);
        buf_adds(b, " = "), num(b, r->full_final), buf_adds(b, " (rounded down)\n");
    }
    buf_printf(b, "capacity ([scoring] prorate, [ramp]; hire_date %s, end_date %s):\n",
               pp->hire_date ? pp->hire_date : "(none)", pp->end_date ? pp->end_date : "(none)");
    for (int m = pl->w0; m <= pl->w1; m++) {
        double e, ramp;
        char ms[8];
        compute_month_share(pl->k, r->p, m, &e, &ramp);
        month_str(pl, m, ms);
        buf_printf(b, "  %s employed ", ms), num(b, R12(e)), buf_adds(b, " × ramp ");
        num(b, R12(ramp)), buf_adds(b, ": milestone "), num(b, R12(milestone(pl, r, m)));
        buf_addc(b, '\n');
    }
    buf_adds(b, "target = full × Σ share / W = ");
    num(b, r->full_final), buf_adds(b, " × "), num(b, r->share);
    buf_printf(b, " / %d = ", pl->W);
    if (isnan(r->target))
        buf_adds(b, "no target (nothing employed at a ramp above 0%)\n");
    else {
        num(b, r->target);
        buf_adds(b, "; band ±"), num(b, R12(c->plan.margin * 100)), buf_adds(b, "%: ");
        num(b, band(pl, r, 1 - c->plan.margin)), buf_adds(b, " .. ");
        num(b, band(pl, r, 1 + c->plan.margin)), buf_addc(b, '\n');
    }
    buf_adds(b, "targets.csv: ");
    if (isnan(r->target))
        buf_adds(b, "no row\n");
    else
        buf_printf(b, "%s,%s,", pp->rep_id, c->kpis[r->kpi].id), num(b, r->full_final),
            buf_adds(b, " (the review prorates it the same way)\n");
}

static int write_out(const char *dir, const char *name, struct kp_buf *b)
{
    char *path = xasprintf("%s/%s", dir, name);
    int rc = sys_write_atomic(path, b->s ? b->s : "", b->len);
    free(path);
    buf_free(b);
    return rc;
}

static int run_plan(const struct kp_opts *o, struct plan *pl)
{
    const struct kp_config *c = pl->c;
    const struct kp_data *d = pl->d;
    if (check_names(pl) != 0)
        return 2;
    build(pl);
    if (o->plan_rep) {
        int p = data_find_person(d, o->plan_rep), k = config_find_kpi(c, o->plan_kpi);
        if (p < 0)
            diag_fatal("no rep_id \"%s\" in the roster", o->plan_rep);
        if (k < 0)
            diag_fatal("no KPI \"%s\" in the config", o->plan_kpi);
        if (p < 0 || k < 0)
            return 2;
        for (size_t i = 0; i < pl->nrows; i++)
            if (pl->rows[i].p == (size_t)p && pl->rows[i].kpi == k) {
                struct kp_buf b = {0};
                explain(pl, &pl->rows[i], &b);
                fputs(b.s, stdout);
                buf_free(&b);
                return 0;
            }
        printf("%s %s: not planned (only targets that add up — sum, count — of KPIs the "
               "person's role weights are; a manager's is their tree's sum; rate KPIs keep "
               "their configured target)\n", o->plan_rep, o->plan_kpi);
        return 0;
    }
    const char *dir = o->outdir ? o->outdir : "plan";
    if (sys_mkdirs(dir) != 0)
        return 3;
    struct kp_buf b = {0};
    write_targets(pl, &b);
    if (write_out(dir, "targets.csv", &b) != 0)
        return 3;
    write_plan_csv(pl, &b);
    if (write_out(dir, "plan.csv", &b) != 0)
        return 3;
    write_milestones(pl, &b);
    if (write_out(dir, "milestones.csv", &b) != 0)
        return 3;
    size_t planned = 0;
    for (size_t i = 0; i < pl->nrows; i++)
        planned += !isnan(pl->rows[i].target);
    if (!o->quiet) {
        char a[8], z[8];
        month_str(pl, pl->w0, a), month_str(pl, pl->w1, z);
        printf("plan %s..%s: %zu targets in %s/targets.csv (copy it to [input] targets), every "
               "factor in %s/plan.csv, monthly milestones in %s/milestones.csv\n",
               a, z, planned, dir, dir, dir);
        for (size_t t = 0; t < d->nteams; t++)
            if (pl->team_factor[t] != 1) {
                struct kp_buf n = {0};
                buf_printf(&n, "%s: %s planned above the market ceiling ", d->teams[t],
                           c->plan.market_kpi);
                num(&n, pl->team_market[t]);
                buf_adds(&n, "; its members scaled down by ");
                num(&n, pl->team_factor[t]);
                buf_adds(&n, " to fit");
                printf("%s\n", n.s);
                buf_free(&n);
            }
        for (size_t i = 0; i < pl->nrows; i++)
            if (strcmp(pl->rows[i].cap_src, "own") != 0)
                printf("%s %s: no history of their own: %s\n", d->people[pl->rows[i].p].rep_id,
                       c->kpis[pl->rows[i].kpi].id,
                       strcmp(pl->rows[i].cap_src, "none") == 0 ? "no target"
                                                                : pl->rows[i].cap_src);
    }
    if (c->precedence[0] != KP_TS_PERSON)
        diag(KP_WARN, c->path, config_line(c, "scoring", "targets"), 0,
             "[scoring] targets does not put person first: a review reads the planned "
             "targets.csv only where no role or default target wins");
    return 0;
}

int plan_main(const struct kp_opts *o)
{
    int from, to;
    if (plan_parse_window(o->plan_for, &from, &to) != 0) {
        fprintf(stderr, "kpipress plan: --for wants FROM..TO as YYYY-MM..YYYY-MM (at most 24 "
                        "months), not \"%s\"\n", o->plan_for);
        return 2;
    }
    char a[8], z[8];
    month_format(from, a), month_format(to, z);
    struct kp_opts q = *o;
    q.from = a, q.to = z;
    struct kp_data d;
    struct kp_config *c = pipeline_load(&q, &d, widen);
    if (!c)
        return diag_status();
    struct plan pl = {c, &d, compute_new(c, &d, 0), 0, 0, 0, 0, NULL, 0, NULL, NULL, NULL};
    pl.w0 = from - d.m0, pl.w1 = to - d.m0, pl.W = to - from + 1, pl.N = c->plan.months;
    int rc = run_plan(o, &pl);
    free(pl.rows), free(pl.team_total), free(pl.team_market), free(pl.team_factor);
    compute_free(pl.k);
    data_free(&d);
    config_free(c);
    return rc > diag_status() ? rc : diag_status();
}
