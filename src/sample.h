/* sample — synthetic input data: `kpipress sample -o DIR`.
 *
 * sample_generate() is pure: from the parameters alone (no clock, no rand())
 * it appends a roster and a metrics table in SPEC.md's canonical layout
 * (UTF-8, no BOM, comma, LF, header row) to two caller-owned buffers, and
 * optionally a small `rep_id,archetype` table naming the people who were made
 * to show a coaching pattern. The same parameters always give the same bytes.
 * The months end at 2026-06 and go back `months` months.
 *
 * The organisation: one head of sales (R0001, role manager), team managers
 * (regional directors between them when there are more than six teams) and
 * teams of about 6-12 people; roles ae, kam, channel, support, manager.
 * `reps` counts everyone in the roster. `zh_share` is the chance that a person
 * has a Chinese name and locale zh; a team whose members are mostly Chinese
 * gets a Chinese name (华东一区, 大客户部 …).
 *
 * sample_main() runs the command: creates DIR, writes DIR/roster.csv and
 * DIR/metrics.csv atomically, returns the exit status. */
#ifndef KP_SAMPLE_H
#define KP_SAMPLE_H

struct kp_buf;
struct kp_opts;

struct kp_sample_params {
    long reps;   /* people in the roster, >= 1 */
    long months; /* months of metrics, >= 1, ending 2026-06 */
    unsigned long seed;
    double zh_share; /* 0..1 */
};

/* The last month generated, as a kp_month (2026-06). */
#define KP_SAMPLE_END_MONTH (2026 * 12 + 5)

/* Coaching patterns the generator plants (at least one each when the
 * organisation is big enough: about 30 people). */
enum kp_archetype {
    KP_ARCH_NONE,
    KP_ARCH_LOW_CONVERTER,  /* many opportunities, few wins */
    KP_ARCH_WEAK_COLLECTOR, /* strong closer, collects ~60% of revenue */
    KP_ARCH_FEW_DEALS,      /* hired in the last 3 months, 1 opportunity a month */
    KP_ARCH_TOP,            /* every KPI well over a normal target */
    KP_ARCH_IDLE_MONTH,     /* one month (the second to last) with no activity */
    KP_ARCH_DECLINING,      /* revenue and activity fall ~7% of the mean a month */
    KP_NARCH
};
extern const char *const kp_archetype_names[KP_NARCH]; /* "none", "low_converter", … */

/* Appends to roster and metrics (both required) and, when archetypes is not
 * NULL, a `rep_id,archetype` CSV with a header. */
void sample_generate(const struct kp_sample_params *p, struct kp_buf *roster,
                     struct kp_buf *metrics, struct kp_buf *archetypes);

/* The `sample` command. */
int sample_main(const struct kp_opts *o);

#endif
