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
 * Definitions (SPEC.md, docs/config.md):
 * - A person's KPIs cover their own rows; someone with people below them in
 *   the manager_id tree (a manager) covers their own rows and everyone below.
 * - Teams and the org use the raw sums over their members' rows.
 * - Target: the first of person (targets.csv), role, KPI default in the
 *   config's [scoring] targets order. For a KPI that adds up over people
 *   (sum(x), count(x)), a group's target - and a manager's - is the sum of the
 *   targets of the people it covers whose role weights the KPI (all of them
 *   when none does); for other KPIs a team uses the KPI's default target.
 * - ratio = value/target (higher is better) or target/value (lower is
 *   better), floored at 0 and capped at [scoring] cap; points = 100 × ratio.
 * - insufficient: the sample (the KPI's `sample` formula, else its divisor)
 *   is below min_sample; shown, but left out of the composite.
 * - composite = Σ weight × points / Σ weight over the role's weighted KPIs
 *   that have points and are not insufficient; n/a when none has.
 * - Ranks: by composite, highest first; ties share the best rank (1, 2, 2,
 *   4); people without a composite are not ranked (rank 0). percentile =
 *   100 × (people in the org with a composite ≤ this one) / org_size. */
#ifndef KP_COMPUTE_H
#define KP_COMPUTE_H

#include "record.h"

#include <stddef.h>

struct kp_buf;
struct kp_config;
struct kp_data;
struct kp_compute;

/* doc_date: days since epoch shown as the documents' date. */
struct kp_compute *compute_new(const struct kp_config *cfg, const struct kp_data *d,
                               long doc_date);
void compute_free(struct kp_compute *k);

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

#endif
