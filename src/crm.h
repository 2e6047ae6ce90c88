/* crm — a raw CRM export (one row per opportunity) and a team list into the
 * people and the monthly metric values the KPIs are computed from.
 *
 * Takes the config's [crm] and [derive.*] sections (docs/crm.md) and the
 * bytes of up to three files, fed in chunks like ingest's (csvread: any
 * encoding, delimiter detection, line numbers):
 *   the team list   people by name (no ids needed): name, manager, team and
 *                   optional role, e-mail, locale, hire date, id columns;
 *                   managers named in the manager column become people. It
 *                   replaces roster.csv; without [crm] team_list the roster
 *                   is read as usual and deal owners are matched to its
 *                   names (or rep_ids).
 *   the deals       owner, stage, dates, amount: each deal is checked, then
 *                   added to every [derive.ID] rule it matches (stage class,
 *                   where filter) in the month its date falls in (or every
 *                   month at whose end it was open).
 *   the targets     optional: person, team or role rows, per month or for the
 *                   window, as per-person targets.
 * Gives them to ingest (ingest_person, ingest_value, ingest_target) and to
 * kp_data: every team-list, deal and target row is either used or in
 * d->rejects with its file, line and reason (deals that fall in no month used
 * are informational rejects, like metrics rows outside the window), and each
 * file has its entry in d->inputs (rows = used + rejected).
 *
 * Pure: no I/O. Order: crm_new; either the team list (crm_begin .. crm_end)
 * or the roster through ingest; crm_people; the deals; optionally the
 * targets; crm_free. The caller owns the crm (crm_free); cfg, d and in must
 * outlive it. Messages go through diag (KP_FATAL for config and whole-file
 * problems, KP_ERROR for rejected rows: the first 10 per file, then a count). */
#ifndef KP_CRM_H
#define KP_CRM_H

#include <stddef.h>

struct kp_config;
struct kp_data;
struct kp_ingest;

enum kp_crm_file { KP_CRM_TEAM, KP_CRM_DEALS, KP_CRM_TARGETS };

struct kp_crm;

/* NULL when the config has no [crm] section (then *failed = 0), or when
 * [crm] or a [derive.*] section is wrong (reported at KP_FATAL, *failed = 1). */
struct kp_crm *crm_new(const struct kp_config *cfg, struct kp_data *d, struct kp_ingest *in,
                       int *failed);
/* The resolved path of that file, or NULL when the config names none
 * (KP_CRM_TEAM: then the roster gives the people). */
const char *crm_path(const struct kp_crm *k, enum kp_crm_file which);
/* name: the file as shown in messages and rejects.csv. */
void crm_begin(struct kp_crm *k, enum kp_crm_file which, const char *name);
void crm_feed(struct kp_crm *k, const void *bytes, size_t n);
/* End of the file: 0, or -1 when it was unusable (reported at KP_FATAL).
 * The end of the deals places the derived values (ingest_value); the end of
 * the targets gives each person's targets (ingest_target). */
int crm_end(struct kp_crm *k);
/* After the team list (or the roster): the people handed to ingest and
 * closed (ingest_people_end), owners' names indexed. 0, or -1 when there is
 * nobody usable. */
int crm_people(struct kp_crm *k);
void crm_free(struct kp_crm *k);

/* ---- building blocks (exposed for tests) ---- */

/* The matching key of a name or stage: spaces (any kind) collapsed and
 * trimmed, letters case-folded (ASCII, Latin-1, Latin Extended-A, Greek,
 * Cyrillic, full-width); stage=1 also treats _ - . as spaces. New string. */
char *crm_key(const char *s, int stage);
/* The rep_id made from a name's key: "alice chen" -> "alice-chen"; a key
 * with anything but a-z, 0-9 and single spaces gets "-" and 8 hex digits of
 * its hash ("josé núñez" -> "jose-nunez-1f0c59a2", "王伟" -> "p-5d2e…"). */
char *crm_rep_id(const char *key);

#endif
