/* record — what compute hands to render: one record per person and per group
 * (team, org), and the run's metadata.
 *
 * The records are written to OUTDIR/results.json and read back from it by
 * `render` (and by `run`, which renders from the file it just wrote), so a
 * batch can be rendered on many machines from the tables alone. The layout
 * keeps one record per line so readers can stream it:
 *
 *   {
 *   "meta": {...},
 *   "people": [
 *   {...person...},
 *   ...
 *   ],
 *   "groups": [
 *   {...team or org...},
 *   ...
 *   ]
 *   }
 *
 * Numbers are written as fmt_plain (util.h) writes them, the shortest of
 * "%.15g", "%.16g", "%.17g" that reads back to the same double, and read back
 * by jansson (strtod), so a round trip is exact; n/a is null. A record owns
 * all its memory (record_free). Pure: no I/O (record_read_* take lines the
 * caller read).
 *
 * The JSON of each line, keys always in this order (output is byte-stable):
 *
 * meta: {"tool":s, "label":s, "from":"2026-04", "to":"2026-06", "m0":"2025-10",
 *   "nmonths":9, "as_of":"2026-06-30", "doc_date":"2026-06-30", "pacing":false,
 *   "months_elapsed":3, "org":s, "currency":s, "language":s, "kpis":[ids],
 *   "cols":[names], "config_sha256":s, "inputs":[{"name":s, "size":N,
 *   "sha256":s, "rows":N, "used":N, "rejected":N}, …]}
 * ("inputs" only when there are any: the input files' base names, sizes and
 * hashes with their row counts, for the manifest's provenance.)
 *
 * record: {"kind":"person"|"team"|"org", "id":s, "name":s, "email":s, "team":s,
 *   "role":s, "manager_id":s, "manager_name":s, "hire_date":s, "lang":s,
 *   "line":N, "scope":N, "composite":x, "composite_prev":x, "band":s,
 *   "rank_team":N, "team_size":N, "rank_org":N, "org_size":N, "percentile":x,
 *   "payout":x, "payout_rate":x,
 *   "kpis":{"<id>":{"value":x, "target":x, "ratio":x, "points":x, "weight":x,
 *       "status":"ok"|"na"|"insufficient",
 *       "target_src":"person"|"role"|"default"|"team"|"none", "sample":x,
 *       "prev":x, "projected":x, "needed":x, "group_value":x, "group_points":x,
 *       ("target_full":x only when not NaN), "series":[x × nmonths]}, … every
 *       KPI of meta, in meta order},
 *   "cols":{"<col>":[x × nmonths], … every column of meta, in meta order},
 *   "lines":[N × nmonths]                  (only when lines != NULL: people),
 *   "employment":{"end_date":s, "employed":[x × nmonths], "ramp":[x × nmonths]}
 *                                           (only when employed != NULL),
 *   "teams":[s × nmonths]                  (only when teams != NULL),
 *   "alerts":[{"rule":s, "kind":s, "kpi":id|null, "month":"YYYY-MM"|null,
 *       "value":x, "threshold":x}, …],
 *   "coaching":[{"step":s, "kpi":s, "text":s}, …],
 *   "members":[{"rep_id":s, "name":s, "role":s, "composite":x, "band":s,
 *       "rank":N, "attainment":x}, …]   (teams, and any record with members)}
 *
 * s is a string or null (a NULL char * is written as null and read back as
 * NULL; "" stays ""); UTF-8 is written as is, only " \ and control
 * characters are escaped (invalid UTF-8 becomes U+FFFD). x is a number or null
 * (NaN; -0 is written 0). N is an integer. Dates are days since the epoch
 * written as "YYYY-MM-DD" (null, read back as -1, outside 1900..9999); months
 * are "YYYY-MM" (month 0 = none is null).
 *
 * Reading ignores unknown keys of a record and treats a missing key as its
 * record_new default; "kind" is required, "kpis" and "cols" must name exactly
 * the meta's KPIs and columns, every array exactly nmonths long, types must
 * match, duplicate keys are refused. In meta, from/to/m0/nmonths, kpis and
 * cols are required and must agree (nmonths = to - m0 + 1), at most 1200
 * months and 1,000,000 values per record. Syntax errors are jansson's, with
 * the column: a number written without '.' or an exponent must fit a long
 * long (the writer never writes a longer one), and "-0" reads as 0. */
#ifndef KP_RECORD_H
#define KP_RECORD_H

#include "model.h"

#include <stddef.h>

struct kp_buf;

enum kp_status { KP_ST_OK, KP_ST_NA, KP_ST_INSUFFICIENT };
extern const char *const kp_status_names[]; /* "ok", "na", "insufficient" */

/* One input file as the meta records it (no path: the base name, so that
 * results.json does not depend on where the files were read from). */
struct kp_meta_input {
    char *name;   /* base name, e.g. "metrics.csv" */
    long long size;
    char *sha256; /* hex, or NULL when not hashed */
    long rows, used, rejected;
};

/* The run's metadata: shared by every record of one results.json. */
struct kp_meta {
    char *tool_version;
    char *label;        /* review label, e.g. "2026-Q2" */
    kp_month from, to;  /* the window */
    kp_month m0;        /* first month of the series */
    int nmonths;        /* series length: m0 .. to */
    long as_of;         /* days since epoch (pacing reference) */
    long doc_date;      /* days since epoch shown as "generated" on documents */
    int pacing;         /* the window is not over at as_of */
    int months_elapsed; /* months of the window with data time (pacing) */
    char *org_name;
    char *currency;
    char *default_lang;
    char **kpis; /* KPI ids, in config order */
    size_t nkpis;
    char **cols; /* metric column names */
    size_t ncols;
    char *config_hash; /* hex sha256 of the config file, or "" */
    struct kp_meta_input *inputs; /* the input files, in reading order */
    size_t ninputs;
};

struct kp_kpival {
    double value;  /* over the window; NaN = n/a */
    double target; /* NaN = none */
    double ratio;  /* value/target or target/value, capped; NaN */
    double points; /* 100 * ratio; NaN */
    double weight; /* percent of the composite; 0 = not scored */
    enum kp_status status;
    char target_src;     /* 'p' person, 'r' role, 'd' default, 't' team sum, 0 none */
    double sample;       /* the sample the minimum is checked against; NaN */
    double prev;         /* value over the previous window of the same length; NaN */
    double projected;    /* pacing: projected end-of-window value; NaN */
    double needed;       /* pacing: needed per remaining month to reach target; NaN */
    double group_value;  /* the person's team's value (person records); NaN */
    double group_points; /* the team's mean points (person records); NaN */
    double target_full;  /* the own target before proration and ramp, when it differs; NaN */
    double *series;      /* [meta.nmonths] per-month values */
};

struct kp_alert {
    char *rule;     /* rule id from the config */
    char *kind;     /* "drop", "pace", "idle", "below" */
    int kpi;        /* KPI index, -1 when the rule is not about one KPI */
    kp_month month; /* the month concerned (idle), 0 = none */
    double value, threshold;
};

struct kp_coach {
    char *step; /* goal, reality, options, will */
    char *kpi;  /* KPI id or "" */
    char *text;
};

struct kp_member { /* team records: the packet's member table */
    char *rep_id, *name, *role;
    double composite;
    char *band;
    int rank;
    double attainment; /* value of the first KPI (config order); NaN */
};

enum kp_rec_kind { KP_REC_PERSON, KP_REC_TEAM, KP_REC_ORG };

struct kp_record {
    enum kp_rec_kind kind;
    char *id;   /* rep_id; team name; "*" for the org */
    char *name; /* person's name; team name; org name */
    char *email, *team, *role, *manager_id, *manager_name, *hire_date;
    char *lang; /* document language */
    long line;  /* roster line (person) */
    int scope;  /* people whose rows the KPIs cover */
    double composite, composite_prev;
    char *band; /* band id, or "" */
    int rank_team, team_size, rank_org, org_size;
    double percentile;      /* 0..100, share of the org at or below this composite */
    double payout;          /* commission estimate; NaN when no plan */
    double payout_rate;     /* the tier's rate reached; NaN */
    struct kp_kpival *kpis; /* [meta.nkpis]; one allocation with every KPI's series
                             * (write into series, never free or replace it) */
    double *cols;           /* [ncols * nmonths]: column sums per month, NaN = no value;
                             * column c's series is cols[c * nmonths .. +nmonths) */
    long *lines;            /* [nmonths] metrics line per month (person), 0 none; NULL for groups */
    /* Employment (people; NULL when employed the whole window at full target
     * in one team): */
    char *end_date;   /* "YYYY-MM-DD" or NULL */
    double *employed; /* [nmonths] share of the month employed (prorate rule) */
    double *ramp;     /* [nmonths] the ramp's share of the full target (1 = full) */
    char **teams;     /* [nmonths + 1] the team each month counted for ("" = no row), then
                       * NULL; NULL = no team moves */
    struct kp_alert *alerts;
    size_t nalerts;
    struct kp_coach *coach;
    size_t ncoach;
    struct kp_member *members; /* teams: ordered by rank */
    size_t nmembers;
};

/* Allocate a record with arrays sized for meta (values NaN, strings NULL,
 * integers 0, KPI weights 0 and status na, lines only for people: zeros). */
struct kp_record *record_new(const struct kp_meta *m, enum kp_rec_kind kind);
void record_free(struct kp_record *r);
/* Frees what m holds (not m itself) and zeroes it. */
void meta_free(struct kp_meta *m);

/* Copy d's input files (base names, sizes, hashes, row counts) into m. */
void meta_set_inputs(struct kp_meta *m, const struct kp_data *d);

/* Serialise: one line, no trailing newline or comma. */
void meta_write_json(const struct kp_meta *m, struct kp_buf *out);
void record_write_json(const struct kp_record *r, const struct kp_meta *m, struct kp_buf *out);

/* Parse one line (an optional trailing comma and surrounding whitespace are
 * ignored). 0, or -1 with a message in err (size errlen), e.g.
 * "\"kpis\".\"win_rate\".\"series\" must be an array of 9 values (found 3)".
 * meta_read_json fills *m (free with meta_free; nothing to free after -1).
 * record_read_json returns NULL on an error. */
int meta_read_json(const char *line, struct kp_meta *m, char *err, size_t errlen);
struct kp_record *record_read_json(const char *line, const struct kp_meta *m, char *err,
                                   size_t errlen);

/* Helpers for the series: month index i of meta -> calendar month. */
static inline kp_month meta_month(const struct kp_meta *m, int i)
{
    return m->m0 + i;
}

#endif
