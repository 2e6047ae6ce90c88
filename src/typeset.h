/* typeset — the documents' layout: a person's review and a team's packet,
 * drawn onto a struct kp_pdf (pdf.h) from the records compute made.
 *
 * A struct kp_typeset holds what every document of a run shares (config,
 * run metadata, the languages, the theme, the chart engine) and is made once
 * per worker process. typeset_review() appends one review's pages to a
 * document; typeset_packet_begin() draws a packet's own pages. Nothing here
 * touches files: render.c saves.
 *
 * Privacy: a review shows the person's own figures, their team's aggregates
 * and their own rank, never another person's name or figures (their
 * manager's name excepted), unless [scoring] leaderboard says otherwise. */
#ifndef KP_TYPESET_H
#define KP_TYPESET_H

#include "pdf.h"
#include "record.h"

#include <stddef.h>

struct kp_config;
struct kp_lang;
struct kp_figures;

struct kp_theme {
    enum kp_paper paper;
    kp_color accent;
    unsigned char *logo; /* PNG bytes, validated; NULL = none */
    size_t logo_len;
};

struct kp_typeset {
    const struct kp_config *cfg;
    const struct kp_meta *meta;
    struct kp_lang **langs; /* the languages documents may use; [0] = the default */
    size_t nlangs;
    struct kp_theme theme;
    struct kp_figures *figures; /* the charts; NULL = none (--no-charts) */
};

/* The language a record's documents use (its lang when loaded, else the
 * default). */
const struct kp_lang *typeset_lang(const struct kp_typeset *ts, const char *code);

/* Append r's review to doc. team: r's team record (for the team's trends),
 * may be NULL. Returns the index of its first page. */
int typeset_review(struct kp_typeset *ts, struct kp_pdf *doc, const struct kp_record *r,
                   const struct kp_record *team);

/* A team's packet (packet.h) is its head, drawn here into its own document
 * by typeset_packet_begin (a cover page, then the team summary: team KPIs,
 * members ranked, team charts; names allowed: packets are for managers),
 * followed by each member's review as rendered for the member. The head has
 * no bookmarks or page labels: packet.h makes the packet's. org: the org
 * record (team against team), may be NULL; teams: every team record. */
void typeset_packet_begin(struct kp_typeset *ts, struct kp_pdf *doc, const struct kp_record *t,
                          size_t nmembers, const struct kp_record *org,
                          struct kp_record *const *teams, size_t nteams);
/* The summary's bookmark title, in the team's language. */
const char *typeset_packet_summary(const struct kp_typeset *ts, const struct kp_record *t);

/* The org packet's head ([output] org_packet = yes): a cover, then the
 * company's KPIs and its teams ranked by composite. The org packet is this
 * head followed by every team's packet (render.c). */
void typeset_org_begin(struct kp_typeset *ts, struct kp_pdf *doc, const struct kp_record *org,
                       struct kp_record *const *teams, size_t nteams);
const char *typeset_org_summary(const struct kp_typeset *ts, const struct kp_record *org);

/* Document info and date on doc for r (title, subject, author, keywords). */
void typeset_info(const struct kp_typeset *ts, struct kp_pdf *doc, const struct kp_record *r);

/* A short stable id for r's document: derived from its data. */
void typeset_docid(const struct kp_typeset *ts, const struct kp_record *r, char out[24]);

#endif
