/* plan — `kpipress plan -c CONFIG --for FROM..TO -o DIR`: the next window's
 * targets proposed from history (docs/plan.md; 三维评估):
 *
 * - capability: each person's run rate over the last [plan] months before
 *   the window, per month at full productivity (Σ value / Σ employed × ramp
 *   share), times a seasonality factor when the history reaches a year back;
 *   someone without history takes their team's mean (else the org's);
 * - capacity: the window's months employed and ramped, by compute.c's own
 *   rules (compute_month_share, compute_prorate: [scoring] prorate, [ramp]);
 * - strategy: × (1 + growth) ([plan] growth, growth.TEAM, growth.KPI,
 *   growth.TEAM.KPI), and a team's total of [plan] market_kpi never above
 *   market.TEAM (members scaled down alike).
 *
 * Writes targets.csv (the review's own format: copy it to [input] targets),
 * plan.csv (every factor per person, team and the org) and milestones.csv
 * (each month's share with the ±[plan] margin band), atomically; the same
 * inputs give the same bytes. With REP_ID KPI it writes nothing and shows
 * how that planned target was computed. */
#ifndef KP_PLAN_H
#define KP_PLAN_H

struct kp_opts;

int plan_main(const struct kp_opts *o);

/* "2026-07..2026-09" (or one month) into its months; 0 or -1. */
int plan_parse_window(const char *s, int *from, int *to);

#endif
