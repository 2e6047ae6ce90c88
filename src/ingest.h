/* ingest — the input files (roster, metrics, optional targets) into a
 * struct kp_data.
 *
 * Pure: the caller feeds the bytes of each file in chunks (any size, so files
 * are streamed and never held whole); ingest converts the encoding with iconv,
 * parses CSV with libcsv (csvread.h), maps headers through the config's
 * [columns], parses numbers and periods, and fills kp_data. Every row that is
 * not used is added to kp_data.rejects with the file's name, its line and a
 * reason a person understands; a whole-file problem (no header, a required
 * column missing, an encoding that cannot be converted) is reported with diag
 * at KP_FATAL and makes ingest_finish return -1.
 *
 * Order: roster first (ingest_begin .. ingest_feed .. ingest_end for
 * KP_IN_ROSTER), then metrics, then targets; ingest_finish validates the
 * roster as a whole (manager links and cycles), sorts people by (team,
 * rep_id), builds teams and the by_id index, and lays out the months. */
#ifndef KP_INGEST_H
#define KP_INGEST_H

#include <stddef.h>

struct kp_config;
struct kp_data;

enum kp_input { KP_IN_ROSTER, KP_IN_METRICS, KP_IN_TARGETS };

struct kp_ingest;

/* d must be zeroed; it is filled as files are fed. */
struct kp_ingest *ingest_new(const struct kp_config *cfg, struct kp_data *d);
/* name: the file as shown in messages and rejects.csv. */
void ingest_begin(struct kp_ingest *in, enum kp_input which, const char *name);
void ingest_feed(struct kp_ingest *in, const void *bytes, size_t n);
/* End of this file. Returns 0, or -1 when the file as a whole was unusable
 * (reported at KP_FATAL). */
int ingest_end(struct kp_ingest *in);
/* After all files: 0, or -1 (reported) when nothing usable remains. Frees in. */
int ingest_finish(struct kp_ingest *in);

/* Numbers as they come out of spreadsheets: "1,234.5", "$1,234", "¥1,234",
 * "12.5%" (-> 0.125), "(1,234)" (-> -1234), "-7", " 42 ". An empty string or
 * only spaces is missing (returns 1, *out untouched). 0 on success; -1 when
 * it is not a number (NaN, inf, hex, "12,3x", 1e400 …). decimal_comma swaps
 * the roles of ',' and '.'. */
int ingest_number(const char *s, int decimal_comma, double *out);

#endif
