/* manifest — what a run wrote, for checking and archiving: SHA256SUMS
 * (`sha256sum -c` compatible) and manifest.json (provenance) in OUTDIR.
 *
 * render hands over one entry per document it wrote (this run or shard);
 * the entries are sorted by path before anything is written, so the files do
 * not depend on the order the workers finished in. The tables compute wrote
 * (results.csv … results.json) are hashed here and listed too.
 *
 * SHA256SUMS holds content only (tables and documents): two runs of the same
 * inputs and config write the same SHA256SUMS. manifest.json adds the
 * provenance: tool, config hash, each input file's name, size, hash and row
 * counts, the window, the hashes of the templates and fonts the documents
 * were set with, and the wall-clock time of the run (so it differs from
 * run to run; it is not listed in SHA256SUMS). One document or input per
 * line; docs/archive.md shows an example.
 *
 * Shards: render --shard K/N writes SHA256SUMS.shard-K-of-N and
 * manifest.shard-K-of-N.json (each with the tables and its own documents), so
 * shards rendering into one folder never overwrite each other; it removes a
 * stale SHA256SUMS/manifest.json, and an unsharded run removes stale shard
 * files. manifest_load() merges a complete set of shards (docs/archive.md
 * has the same merge as a shell recipe).
 *
 * Ownership: manifest_load fills a struct kp_run that owns all its memory
 * (manifest_run_free). */
#ifndef KP_MANIFEST_H
#define KP_MANIFEST_H

#include "hash.h"

#include <stddef.h>
#include <time.h>

struct kp_config;
struct kp_meta;
struct json_t;

#define KP_MANIFEST_FORMAT "kpipress-manifest/1"

struct kp_doc_entry {
    char *path; /* relative to OUTDIR, e.g. reviews/East/R0003.pdf */
    char *id;   /* rep_id or team */
    int packet; /* 1 for a team packet */
    int pages;
    long long bytes;
    char sha256[KP_SHA256_HEX]; /* folder record: "" while pending (a run meant to
                                 * write it and did not say it did) */
};

/* Writes OUTDIR's SHA256SUMS and manifest.json (shard_n > 0: the shard's
 * names), then fsyncs the folders the documents are in. now: the time of
 * the run (recorded in manifest.json only). 0, or -1 (reported). */
int manifest_write(const char *outdir, const struct kp_config *cfg, const struct kp_meta *meta,
                   struct kp_doc_entry *docs, size_t ndocs, long shard_k, long shard_n, time_t now);

/* "SHA256SUMS" / "manifest.json", or "SHA256SUMS.shard-K-of-N" /
 * "manifest.shard-K-of-N.json" (new strings). */
char *manifest_sums_name(long shard_k, long shard_n);
char *manifest_json_name(long shard_k, long shard_n);

/* A run as its manifest describes it. */
struct kp_run {
    char *label, *from, *to;   /* the review window */
    struct kp_doc_entry *docs; /* sorted by path */
    size_t ndocs;
    struct json_t *provenance; /* the manifest without its documents */
    char **files;              /* the manifest files read (names in OUTDIR) */
    size_t nfiles;
    char sha256[KP_SHA256_HEX]; /* of the manifest file; of the sorted shard
                                 * files' hashes, one per line, for a set */
};

/* Read OUTDIR/name (NULL: manifest.json, else every manifest.shard-K-of-N.json,
 * which must be a complete set 1..N of one computation) and check its shape.
 * 0, or -1 (reported: KP_FATAL for a missing or malformed manifest). */
int manifest_load(const char *outdir, const char *name, struct kp_run *run);
void manifest_run_free(struct kp_run *run);

/* The folder record, OUTDIR/.kpipress-documents.json: every document any
 * run wrote into OUTDIR (whole, --only or a shard) and no later run removed,
 * and the runs since the last whole one with their scope. It is merged,
 * never truncated, under a lock on the folder (shards may update it at once):
 *
 * manifest_intend, before a run writes any document: each path it may write
 * is added as pending, the run is added (finished: false); written and
 * fsynced, so that a run killed at any point leaves the names of everything
 * it may have made.
 * The record holds no time and no process id: the same runs leave the same
 * record. A run is known by its scope ("whole", "only R1 R2", "shard 2/4").
 * manifest_settle, after: the documents written replace their entries (with
 * their hashes); a whole run keeps only what it wrote (and what it meant to
 * write and still exists, pending); a partial run keeps everything else that
 * still exists. Fills *merged (free with manifest_docs_free) with the
 * entries that are not pending, sorted by path: what --only puts in
 * manifest.json. Both 0, or -1 (reported).
 *
 * A folder without a record (written by an older kpipress) starts from its
 * manifest.json or shard manifests. */
#define KP_FOLDER_RECORD ".kpipress-documents.json"
int manifest_intend(const char *outdir, const char *scope, char *const *paths, size_t n);
int manifest_settle(const char *outdir, const char *scope, int whole,
                    const struct kp_doc_entry *written, size_t n, char *const *planned,
                    size_t nplanned, struct kp_doc_entry **merged, size_t *nmerged);

/* The documents the folder record lists (path, sha256, pending), for a new
 * whole run to find what it no longer makes. Quiet: no record, or one that
 * cannot be read, is no documents. Fills *docs (free with
 * manifest_docs_free) and returns the count. */
size_t manifest_previous_docs(const char *outdir, struct kp_doc_entry **docs);
void manifest_docs_free(struct kp_doc_entry *docs, size_t n);

/* "2026-07-01T09:12:33Z" (UTC) into out[21]. */
void manifest_time(time_t t, char out[21]);

/* The JSON layout of manifests (here and in the archive): append
 * `"key": value` and a comma unless last, then a newline; a non-empty array
 * is written one compact element per line. Takes over v (json_decref). */
struct kp_buf;
void manifest_put(struct kp_buf *b, const char *key, struct json_t *v, int last);
/* A JSON string (invalid UTF-8 cleaned), or null for NULL (a new reference). */
struct json_t *manifest_str(const char *s);

#endif
