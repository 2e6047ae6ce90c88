/* render — the documents, from OUTDIR/results.json alone (with the config
 * for the theme, labels and KPI definitions): one review per person at
 * reviews/<team>/<rep_id>.pdf and one packet per team at packets/<team>.pdf.
 *
 * The parent indexes results.json (one record per line, record.h), makes the
 * folders, then hands the documents out one at a time to N worker processes
 * (-j), each with its own fonts' subsets, its own gnuplot and its own
 * documents. Results come back in any order and are kept by document index,
 * so nothing in the output depends on timing: -j 1 and -j 8 write the same
 * bytes. A worker that dies is noticed, its document retried once by another
 * worker, then reported as failed; the others go on.
 *
 * Sharding: with shard K/N a person's review is rendered when
 * hash64(rep_id) % N == K - 1, a team's packet when hash64(team) % N == K - 1,
 * so N machines rendering shards 1..N write exactly the documents of one run.
 *
 * File names: data-derived names keep [A-Za-z0-9._-] (util.h safe_name);
 * people (or teams) whose safe names collide, even only by letter case, all
 * get "-" and 8 hex digits of their id's hash appended, so each keeps a file. */
#ifndef KP_RENDER_H
#define KP_RENDER_H

#include <stddef.h>

struct kp_config;

struct kp_render_opts {
    const char *outdir;
    long jobs;            /* 0 = the number of CPUs */
    long shard_k, shard_n; /* shard_n 0 = everything */
    char *const *only;     /* render only these people (no packets) */
    size_t nonly;
    int no_charts;
    int quiet;             /* no progress */
};

/* Returns 0 when every document was written, 1 when some failed (each
 * reported), 2 for a usage/config problem (nothing written), 3 for I/O. */
int render_run(const struct kp_config *cfg, const struct kp_render_opts *o);

/* Where the documents of OUTDIR's results.json go (whether written or not),
 * by the rules above: one entry per person, then one per team. */
struct kp_docpath {
    char *id;   /* rep_id, or the team */
    char *team;
    char *rel;  /* relative to OUTDIR: reviews/<team>/<rep_id>.pdf, packets/<team>.pdf */
    int packet;
};
/* 0, or -1 (reported: no results.json, or computed with other KPIs). */
int render_docpaths(const struct kp_config *cfg, const char *outdir, struct kp_docpath **out,
                    size_t *n);
void render_docpaths_free(struct kp_docpath *v, size_t n);

#endif
