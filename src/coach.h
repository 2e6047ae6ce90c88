/* coach — GROW coaching prompts (Goal, Reality, Options, Will) for every
 * review, drafted from the person's own figures, in the person's language.
 *
 * coach_new() reads the rules and the English texts from
 * <templates>/en/coaching.ini and the texts of every language the roster uses
 * from <templates>/<lang>/coaching.ini (the [coaching] templates folder of
 * the config instead of the shipped one, when set), and each language's
 * labels and number formats through lang.h. It checks them all before any
 * person is coached: an unknown section, key or placeholder, a missing or
 * empty text, a text in another language that English lacks, a rule outside
 * the English file, a rule that names an unknown KPI, role or column, a bad
 * rule value, and the config's [coaching] keys (goal, focus,
 * follow_up_days, templates). Every problem is reported with its file and
 * line at KP_FATAL and coach_new returns NULL. A person whose language has no
 * coaching texts is coached in the config's language (one warning per
 * language). The struct owns everything (coach_free); cfg must outlive it.
 *
 * coach_person() is pure: from the record alone (its KPIs, team aggregates,
 * monthly series and column sums, alerts) it replaces r->coach with the
 * prompts, in a fixed order: goal rows, reality rows, options rows, will
 * rows; step is "goal", "reality", "options" or "will", kpi the KPI id the
 * row is about or "". Each text is a complete sentence or short paragraph in
 * r->lang, without markup. It quotes the person's own figures and their
 * team's aggregates only (a team's value only when at least [rules] team_min
 * members have data for that KPI, never a team's total, never to someone
 * with people below them), and never names anyone. Same record, same
 * prompts. The rules are described in docs/coaching.md. */
#ifndef KP_COACH_H
#define KP_COACH_H

struct kp_config;
struct kp_data;
struct kp_meta;
struct kp_record;
struct kp_coaching;

/* templates: the shipped templates folder (sys_datadir()/templates). d: the
 * input data, for the languages the roster uses and for how many people each
 * team's value of a KPI rests on (NULL: the config's language only, and team
 * values are never quoted). d is read here only, not kept. */
struct kp_coaching *coach_new(const struct kp_config *cfg, const struct kp_data *d,
                              const char *templates);
void coach_free(struct kp_coaching *c);

/* Fill r->coach (freeing what was there) for a person record of meta m. */
void coach_person(const struct kp_coaching *c, struct kp_record *r, const struct kp_meta *m);

#endif
