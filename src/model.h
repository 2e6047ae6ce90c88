/* model — the input data every stage shares: people, their monthly metric
 * rows, and the rows that were not used.
 *
 * ingest fills a struct kp_data; compute reads it; nothing else changes it.
 * kp_data owns every string and array in it (data_free releases them). */
#ifndef KP_MODEL_H
#define KP_MODEL_H

#include <stddef.h>

/* A calendar month as a count: year * 12 + (month - 1). */
typedef int kp_month;
/* Strict "YYYY-MM" (year 1900..9999, month 01..12). 0 or -1. */
int month_parse(const char *s, kp_month *out);
/* Writes "YYYY-MM" (8 bytes with NUL). */
void month_format(kp_month m, char out[8]);
/* Strict "YYYY-MM-DD" with a real calendar day; *days = days since 1970-01-01. */
int date_parse(const char *s, long *days);
/* Days since 1970-01-01 -> y, m (1..12), d (1..31). */
void date_split(long days, int *y, int *m, int *d);
long date_from_ymd(int y, int m, int d);
int month_days(kp_month m); /* days in that month */
kp_month month_of_date(long days); /* the month a day (days since 1970-01-01) is in */

/* The canonical metric columns of SPEC.md, in SPEC order. Columns that a file
 * adds (or the CRM derivation builds) follow them in kp_data.cols. */
enum {
    KP_COL_REVENUE,
    KP_COL_QUOTA,
    KP_COL_COLLECTED,
    KP_COL_NEW_CUSTOMERS,
    KP_COL_VISITS,
    KP_COL_OPPORTUNITIES,
    KP_COL_WON,
    KP_COL_LOST,
    KP_COL_RENEWALS_DUE,
    KP_COL_RENEWALS_WON,
    KP_COL_CSAT,
    KP_COL_NPS,
    KP_COL_FORECAST,
    KP_COL_CYCLE_DAYS,
    KP_NCANON
};
extern const char *const kp_canon_cols[KP_NCANON];
/* The roster's canonical columns, in SPEC order. */
enum { KP_R_REP_ID, KP_R_NAME, KP_R_EMAIL, KP_R_TEAM, KP_R_ROLE, KP_R_MANAGER_ID, KP_R_HIRE_DATE,
       KP_R_LOCALE, KP_R_END_DATE, KP_NROSTER };
extern const char *const kp_roster_cols[KP_NROSTER];

struct kp_person {
    char *rep_id, *name, *email, *team, *role, *manager_id, *hire_date, *locale;
    char *end_date;    /* the last day employed (leavers), NULL = still employed */
    char **extra;      /* roster columns the config asked to keep (e.g. pdf password), or NULL */
    int role_idx;      /* index into cfg->roles */
    int mgr;           /* index of the manager in kp_data.people, -1 = none */
    int team_idx;      /* index into kp_data.teams */
    long line;         /* roster line */
};

struct kp_reject {
    char *file;   /* as the user named it */
    long line;    /* 0 = the file as a whole */
    char *reason; /* a sentence a person understands */
    char *raw;    /* the row as read (fields joined with the delimiter), UTF-8-cleaned */
    int counts;   /* 1: a real rejection (exit status 1); 0: informational (row outside the months used) */
};

/* Rejected rows of one kind in one input, for the run's closing summary:
 * kinds are few (one per reason's wording), whatever the rows. */
struct kp_reject_kind {
    size_t input;    /* index in kp_data.inputs */
    const char *fmt; /* the reason's format (a literal: the key) */
    char *what;      /* the reason with its details left out: "bad number … in column …" */
    int counts;
    long n, first;   /* rows, and the first one's line */
};

struct kp_input_file {
    char *name;   /* path as given / resolved */
    long long size;
    long rows, used, rejected;
    unsigned char sha256[32];
    int hashed;
};

/* A targets.csv row with effective_from: a target changed on the record. */
struct kp_adjustment {
    size_t person;
    int kpi;
    double original, adjusted;
    kp_month effective_from;
    char *reason, *approved_by;
    int override; /* beyond [plan] margin, kept by override = yes */
    long line;    /* in targets.csv */
};

struct kp_data {
    struct kp_person *people; /* sorted by (team, rep_id), byte order */
    size_t npeople;
    char **teams; /* sorted, unique */
    size_t nteams;
    size_t nextra;  /* length of each person's extra[] */
    size_t *by_id;  /* person indices sorted by rep_id (data_index) */
    char **cols; /* metric column names: kp_canon_cols first, then extras */
    size_t ncols;
    kp_month m0; /* first month held (window start - history) */
    int nmonths; /* months held: m0 .. m0 + nmonths - 1 (= window end) */
    double *val; /* [(p * nmonths + m) * ncols + c]; NaN = missing */
    long *line;  /* [p * nmonths + m]: metrics line of that row, 0 = none */
    int *mteam;  /* [p * nmonths + m]: the team (index into teams) a metrics row's team
                  * column gave that month, -1 = none (the roster team); NULL = no column */
    double *ptarget; /* [p * nkpis + k] from targets.csv; NaN = not set; NULL = no file */
    size_t nkpis;    /* the config's KPI count, the stride of ptarget */
    struct kp_adjustment *adjustments; /* in file order; ptarget holds the window's blend */
    size_t nadjustments;
    struct kp_reject *rejects; /* the first rejects_max (all when 0); the rest are counted */
    size_t nrejects, rejects_cap;
    long rejects_max;
    long rejects_left_out, rejects_left_out_counting; /* not kept: all, and those with counts */
    struct kp_reject_kind *kinds;
    size_t nkinds;
    unsigned char *nodata; /* [nkpis] or NULL: 1 = a column the KPI needs is in no input
                              ([kpi.*] missing = allow), so it is "no data" for everyone */
    struct kp_input_file *inputs;
    size_t ninputs;
    char config_sha256[65]; /* hex SHA-256 of the config file ("" = not hashed) */
};

static inline double *data_cell(const struct kp_data *d, size_t p, int m, size_t c)
{
    return &d->val[((size_t)p * (size_t)d->nmonths + (size_t)m) * d->ncols + c];
}

void data_reject(struct kp_data *d, const char *file, long line, const char *raw, int counts,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
long data_count_rejects(const struct kp_data *d); /* those with counts = 1, kept or not */
/* A new entry in d->inputs for a file read (counts zero); returns its index. */
size_t data_add_input(struct kp_data *d, const char *name);
/* (Re)build by_id after people changed; then data_find_person is O(log n). */
void data_index(struct kp_data *d);
int data_find_person(const struct kp_data *d, const char *rep_id); /* -1 if none */
int data_find_col(const struct kp_data *d, const char *name);      /* -1 if none */
void data_free(struct kp_data *d);

#endif
