/* archive — an append-only archive of a run's reviews and packets, and the
 * check that proves it complete and unaltered (docs/archive.md).
 *
 * Layout (ARCHIVE = the folder given with --to or [archive] dir):
 *
 *   ARCHIVE/<period>/<team>/<rep_id>.pdf        the current version of a review
 *   ARCHIVE/<period>/<team>/+packet.pdf         the team's packet
 *   ARCHIVE/<period>/<team>/<rep_id>+v1.pdf     an older version (--supersede)
 *   ARCHIVE/<period>/manifest.json              every document ever archived
 *                                               for the period, and every event
 *   ARCHIVE/<period>/history/0001.json …        every version of manifest.json;
 *                                               each names the previous one's hash
 *   ARCHIVE/<period>/SHA256SUMS                 every file above (sha256sum -c)
 *
 * <period> and <team> are the safe names of the review label and of the
 * team folder in OUTDIR; '+' never occurs in a safe name, so kpipress's own
 * names cannot collide with data-derived ones.
 *
 * archive_run() takes the run's documents as OUTDIR's manifest lists them
 * (each re-hashed: a document changed since the run is refused). A document
 * already archived with the same bytes is a no-op; with other bytes the whole
 * run is refused (nothing written) unless why (--supersede) is given: then
 * the old version keeps its bytes under <rep_id>+vN.pdf and the event records
 * who, why and when. Documents are written first (temporary name, fsync,
 * rename, fsync of the folder), then history/NNNN.json, then manifest.json
 * (the commit), then SHA256SUMS: a run killed at any point leaves every file
 * at a final name complete, and the same command run again completes the
 * archive (verify reports the half-filed state until then). Concurrent
 * archive runs wait for each other (a lock on ARCHIVE).
 *
 * archive_verify() re-hashes everything and writes one line per problem to
 * report (the command: stdout), "KIND PATH[: why]" with KIND one of missing,
 * altered, unexpected, broken (the manifest, its history or SHA256SUMS
 * disagree) or temporary (left by a killed run; not a failure), and one
 * summary line per period; it returns the exit status, 0 only when the
 * archive is intact. Nothing is written.
 *
 * Both report through diag and return diag_status() folded with their own
 * outcome (0 ok, 1 refused / not intact, 2 usage or not an archive, 3 I/O). */
#ifndef KP_ARCHIVE_H
#define KP_ARCHIVE_H

#include <stdio.h>

#define KP_ARCHIVE_FORMAT "kpipress-archive/1"

/* manifest: the manifest file in outdir to take (NULL: manifest.json, or a
 * complete set of shard manifests). why: NULL, or the --supersede reason. */
int archive_run(const char *outdir, const char *manifest, const char *to, const char *why);
int archive_verify(const char *dir, FILE *report);

#endif
