/* manifest — what a run wrote, for checking and archiving: SHA256SUMS
 * (`sha256sum -c` compatible) and manifest.json (provenance) in OUTDIR.
 *
 * render hands over one entry per document it wrote (this run or shard);
 * the entries are sorted by path before anything is written, so the files do
 * not depend on the order the workers finished in. */
#ifndef KP_MANIFEST_H
#define KP_MANIFEST_H

#include "hash.h"

#include <stddef.h>

struct kp_config;
struct kp_meta;

struct kp_doc_entry {
    char *path;   /* relative to OUTDIR, e.g. reviews/East/R0003.pdf */
    char *id;     /* rep_id or team */
    int packet;   /* 1 for a team packet */
    int pages;
    long long bytes;
    char sha256[KP_SHA256_HEX];
};

/* Writes OUTDIR/SHA256SUMS (and manifest.json). 0, or -1 (reported). */
int manifest_write(const char *outdir, const struct kp_config *cfg, const struct kp_meta *meta,
                   struct kp_doc_entry *docs, size_t ndocs);

#endif
