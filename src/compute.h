/* compute — the numbers: every KPI for every person, team and the org;
 * targets, ratios, points, composites, bands, ranks and percentiles; the
 * previous window, monthly series, pacing, alerts and the commission estimate.
 *
 * Pure: takes the config and the ingested data (neither is changed; both must
 * outlive the struct kp_compute) and gives records (record.h).
 *
 * compute_new() does everything that needs the whole population at once and
 * keeps only a few numbers per person (window values, targets, composites,
 * ranks) plus per-month column sums per group (team, org, each manager's
 * tree). compute_person()/compute_group() then build one full record at a
 * time, so a batch streams with memory that does not grow with its size.
 *
 * Definitions (SPEC.md; docs/config.md explains each with examples):
 * - Numbers: sums of inputs are compensated (Neumaier) and rounded to 15
 *   significant digits: the exact decimal sum (4.1 + 4.8 + 4.6 = 13.5).
 *   Everything derived from them is computed in full double precision and
 *   written to the records rounded to 12 significant digits (KP_DIGITS); a
 *   KPI that is one sum() or count(), targets and column sums keep 15
 *   (KP_DIGITS_EXACT). Every threshold comparison (target met, cap, band
 *   min, commission tier, alert thresholds, min_sample) rounds both sides
 *   to 12 digits first, so avg(4.4, 4.6, 4.5) meets a target of 4.5 and an
 *   attainment of exactly 80% reaches an 80% tier. Alerts and the
 *   commission are judged on the full-precision figures.
 * - Scope: a person's KPIs cover their own rows; someone with people below
 *   them in the manager_id tree (a manager) covers their own rows and
 *   everyone below, at every level. Teams and the org use the raw sums over
 *   their members' rows (a ratio of sums, never a mean of ratios).
 * - Target: the first of person (targets.csv), role, KPI default in the
 *   config's [scoring] targets order; for a KPI whose target adds up
 *   (team_target_sum) it is prorated: × Σ (employed × ramp share) / W over
 *   the window's months ([scoring] prorate, [ramp]), and a target prorated
 *   to 0 is none. The quota column is multiplied by each month's ramp share.
 *   A team's summed target takes each person's share of months in it (a
 *   metrics team column: team moves). For a KPI that adds up over people
 *   (sum(x), count(x); [kpi] team_target), a team's, the org's and a
 *   manager's target is the sum of the own targets of the people covered
 *   (a manager: themselves and everyone below) whose role weights the KPI,
 *   or of everyone covered when no such role is among them; a manager's own
 *   targets.csv target wins over the sum when person comes first. For other
 *   KPIs a manager has their own target and a team or the org the KPI's
 *   default.
 * - ratio = value/target (higher is better; n/a when target <= 0) or
 *   target/value (lower is better; value <= 0 gives the cap), floored at 0
 *   and capped at [scoring] cap; points = 100 × ratio.
 * - insufficient: the sample (the KPI's `sample` formula, else its divisor)
 *   is below min_sample; shown, but left out of the composite, of
 *   spread()/at_target() and of drop alerts.
 * - composite = Σ weight × points / Σ weight over the role's weighted KPIs
 *   that have points and are ok (re-normalised); n/a when none has. A team's
 *   (and the org's) composite is the mean of its members' composites.
 * - Group functions (teams, the org, a manager's tree; members are the
 *   people below a manager, not the manager): each member's own value over
 *   their own rows. at_target(k) = members meeting their own target / members
 *   with an ok value and a target; spread(k) = population standard deviation
 *   of the ok values.
 * - Ranks: by composite, highest first, within the team and the org;
 *   ties share the best rank (1, 2, 2, 4); people without a composite are
 *   not ranked (rank 0) and not counted in team_size/org_size. percentile =
 *   100 × (ranked people in the org with a composite <= this one) / org_size.
 * - Previous window: the same number of months just before the window; n/a
 *   when [review] history is shorter than the window. composite_prev: people
 *   only (this window's targets and weights); groups have none.
 * - Idle months: over at as_of (its last day completes a month) and begun
 *   on or after the hire date.
 * - Pacing (as_of before the end of the window; values, points and
 *   composites stay to date): E = months elapsed (whole months before
 *   as_of's, plus day / days of as_of's month), W = window months,
 *   R = W - E; for a person employed part of the window both count only
 *   the months (prorate = day: days) employed. sum/count KPIs: projected = value × W / E, needed =
 *   (target - value) / R per remaining month (0 once reached). sum(a)/sum(b):
 *   B_window = sum(b) when b has values after as_of's month (a plan, e.g.
 *   quota) else sum(b) × W / E; projected = (sum(a) × W / E) / B_window,
 *   needed = (target × B_window - sum(a)) / R of a. Other KPIs: projected =
 *   value, needed n/a.
 * - Alerts: drop: (value - prev) / |prev| below -threshold (above it when
 *   lower is better), strictly, both windows ok, the projection for the
 *   value while pacing; pace: projected / target (target / projected)
 *   below threshold; below: value / target below threshold; idle: a month
 *   of the window that is over at as_of and began on or after the hire date
 *   in which none of the rule's columns is above zero.
 * - Commission: a = the plan KPI's value, unit = basis / a (the quota for
 *   revenue / quota). flat: the rate of the highest tier with from <= a,
 *   × basis; marginal: each tier reached, its rate × its slice of the
 *   basis (unit × from .. unit × the next from, or the basis); pool:
 *   pool_rate × (basis - unit × pool_from) when a > pool_from; then
 *   min(payout, cap). No value: no estimate; a = 0: 0. */
#ifndef KP_COMPUTE_H
#define KP_COMPUTE_H

#include "record.h"

#include <stddef.h>

struct kp_buf;
struct kp_config;
struct kp_data;
struct kp_compute;

/* doc_date: days since epoch shown as the documents' date. */
struct kp_compute *compute_new(const struct kp_config *cfg, const struct kp_data *d, long doc_date);
void compute_free(struct kp_compute *k);

/* x rounded to digits (1..15) significant digits: the double nearest to the
 * decimal that "%.*e" shows with digits - 1 (NaN and infinities unchanged,
 * -0 becomes 0; ties to even on x's exact value). */
double compute_round(double x, int digits);
enum { KP_DIGITS = 12, KP_DIGITS_EXACT = 15 };

const struct kp_meta *compute_meta(const struct kp_compute *k);
/* Number of groups: the teams in data order, then the org (last). */
size_t compute_ngroups(const struct kp_compute *k);

/* A new record (record_free). */
struct kp_record *compute_person(struct kp_compute *k, size_t person);
struct kp_record *compute_group(struct kp_compute *k, size_t group);

/* How person's KPI was computed, for `kpipress explain`: the rows with their
 * file lines, the aggregates, the formula with values, target and its
 * source, ratio, weight, points and status. */
void compute_explain(struct kp_compute *k, size_t person, int kpi, struct kp_buf *out);

/* For `kpipress plan` (plan.c), the review's own rules, not copies of them.
 * Months are indices into the data (0 = d->m0). */
/* Person's own value of a KPI over their rows of months a..b (NaN: n/a). */
double compute_own_over(const struct kp_compute *k, size_t person, int kpi, int a, int b);
/* Month m's share employed ([scoring] prorate) and ramp share ([ramp]). */
void compute_month_share(const struct kp_compute *k, size_t person, int m, double *emp,
                         double *ramp);
/* A full window target t of an additive KPI prorated to the part of the
 * window employed: t × Σ (employed × ramp) / W, as the review does. */
double compute_prorate(const struct kp_compute *k, size_t person, double t);
/* 1 when someone's manager_id names the person (their target is the tree's). */
int compute_is_manager(const struct kp_compute *k, size_t person);

#endif
