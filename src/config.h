/* config — the review configuration (an INI file, read with iniparser).
 *
 * config_load() reads and validates the whole file: every unknown section or
 * key, every bad value, every formula error is reported as FILE:LINE: … (the
 * line numbers come from our own scan of the file, since iniparser gives
 * none). It returns NULL when anything was wrong; nothing may be written then
 * (exit status 2). The returned config owns all its memory (config_free).
 * Paths in it are already resolved against the config file's folder.
 *
 * The keys are documented in docs/config.md and in the samples' review.ini. */
#ifndef KP_CONFIG_H
#define KP_CONFIG_H

#include "model.h"

#include <stddef.h>

struct kp_expr;

/* A text in several languages ("label.en", "label.zh", …). */
struct kp_text {
    char *lang;
    char *text;
};
/* The text for lang, else English, else the first one, else fallback. */
const char *text_get(const struct kp_text *t, size_t n, const char *lang, const char *fallback);

enum kp_format { KP_FMT_PERCENT, KP_FMT_NUMBER, KP_FMT_CURRENCY, KP_FMT_DAYS, KP_FMT_SCORE };
extern const char *const kp_format_names[];

struct kp_kpi_def {
    char *id;
    struct kp_text *label;
    size_t nlabel;
    char *formula_src;
    struct kp_expr *formula;
    char *sample_src;       /* what min_sample is compared with; NULL = the formula's divisor */
    struct kp_expr *sample;
    double min_sample;      /* 0 = no minimum */
    enum kp_format format;
    int decimals;           /* shown decimals (-1 = the format's default) */
    int lower_better;
    double target;          /* default target; NaN = none */
    int team_target_sum;    /* team target = sum of members' targets (additive KPIs) */
    int missing_allowed;    /* missing = allow: an input without its columns is "no data", not an error */
    long line;              /* line of the [kpi.*] section */
};

struct kp_role {
    char *id;
    struct kp_text *label;
    size_t nlabel;
    char **aliases; /* other names of the role in the roster's role column */
    size_t naliases;
    double *weight; /* [nkpis], percent; 0 = not scored for this role */
    double *target; /* [nkpis]; NaN = not set for the role */
    long line;
};

struct kp_band {
    char *id;
    double min; /* composite >= min */
    struct kp_text *label;
    size_t nlabel;
    char color[8]; /* "#rrggbb" */
};

enum kp_alert_kind { KP_ALERT_DROP, KP_ALERT_PACE, KP_ALERT_IDLE, KP_ALERT_BELOW };
struct kp_alert_rule {
    char *id;
    enum kp_alert_kind kind;
    int *kpis;        /* KPI indices the rule watches (DROP, PACE, BELOW) */
    size_t nkpis;
    size_t *cols;     /* column indices that count as activity (IDLE) */
    size_t ncols;
    double threshold; /* fraction: DROP 0.10 = down more than 10%; PACE 0.9; BELOW 0.8 */
    struct kp_text *label;
    size_t nlabel;
};

struct kp_tier {
    double from;     /* attainment (fraction) at which the tier starts */
    double rate;     /* commission rate (fraction of the basis) */
};
struct kp_commission {
    int enabled;
    int kpi;             /* KPI index that selects the tier (attainment) */
    struct kp_expr *basis; /* amount the rate applies to, e.g. sum(revenue) */
    char *basis_src;
    struct kp_tier *tiers; /* sorted by from */
    size_t ntiers;
    int marginal;        /* 1: each slice at its own tier's rate; 0: whole basis at the reached tier */
    double pool_from;    /* over-achievement: attainment above this … */
    double pool_rate;    /* … earns this extra rate on the basis above it; 0 = none */
    double cap;          /* maximum payout; NaN = none */
};

struct kp_colmap {
    char *canon;  /* canonical name (lower case) */
    char *header; /* the file's header */
};

/* [plan]: a "growth.NAME" or "market.NAME" key (NAME a team, a KPI or
 * TEAM.KPI; plan.c checks the names against the roster). */
struct kp_plan_key {
    char *name;
    double value; /* growth: a fraction (0.15); market: an amount */
    long line;
};
struct kp_plan_cfg {
    int months;         /* run rate over the last N months (default 6) */
    double growth;      /* the org's growth (default 0) */
    double margin;      /* the adjustment band ± (default 0.15) */
    double round;       /* full targets rounded to a multiple of this (default 1; 0 = no) */
    char *market_kpi;   /* the KPI market.TEAM caps (default revenue) */
    long market_kpi_line;
    struct kp_plan_key *growths, *markets;
    size_t ngrowths, nmarkets;
};

enum kp_target_src { KP_TS_PERSON, KP_TS_ROLE, KP_TS_DEFAULT };

struct kp_config {
    char *path; /* the config file */
    char *dir;  /* its folder */

    /* [input] */
    char *roster, *metrics, *targets; /* resolved paths; targets may be NULL */
    char *encoding;                   /* NULL = UTF-8 */
    char delimiter;                   /* 0 = detect */
    char *sheet;                      /* .xlsx inputs: NULL = the first sheet */
    int decimal_comma;                /* [input] decimal = , (1,5 = one and a half) */
    unsigned date_formats;            /* [input] date_format: KP_DATE_* (field.h) */
    char **keep_cols;                 /* extra roster columns to keep (e.g. password) */
    size_t nkeep_cols;
    /* [columns] */
    struct kp_colmap *colmap;
    size_t ncolmap;
    /* Every metric column a formula may name: the canonical ones, then the
     * extra columns of metrics.csv ([input] extra = …), then derived ones. */
    char **cols;
    size_t ncols;
    /* [input] plan (default quota): [ncols], 1 = a plan column, read in the
     * months after as_of; the others are actuals, which those months do not
     * have yet (ingest rejects them). */
    unsigned char *plan_col;

    /* [review] */
    char *label;
    kp_month from, to;
    int history;      /* months before from that feed the trends */
    long as_of;       /* days since epoch; -1 = not set (window complete) */
    char *language;   /* default document language */

    /* [output] */
    char *outdir;
    long rejects_max; /* rows listed in rejects.csv; the rest are counted */

    /* [org] */
    char *org_name;
    char *currency;   /* symbol as shown, e.g. "$", "¥" */

    /* [theme] (the chart keys are read by figure.c) */
    int letter;       /* page = letter (else A4) */
    char *logo;       /* resolved path of a PNG, checked at load; NULL = none */

    /* [scoring] */
    double cap;       /* ratio cap, e.g. 1.5 */
    enum kp_target_src precedence[3];
    int leaderboard;  /* 0 off, 1 anonymous, 2 names */
    int prorate;      /* KP_PRORATE_*: summed targets of part-time employment */
    /* [ramp]: the share of the full target in month n since hire (ramp[n - 1];
     * month 1 = the hire month); later months full. */
    double *ramp;
    size_t nramp;

    struct kp_kpi_def *kpis;
    size_t nkpis;
    struct kp_role *roles;
    size_t nroles;
    struct kp_band *bands; /* sorted by min, highest first */
    size_t nbands;
    struct kp_alert_rule *alerts;
    size_t nalerts;
    struct kp_commission commission;
    struct kp_plan_cfg plan; /* [plan] (kpipress plan; docs/plan.md) */

    /* Sections this config does not interpret itself (theme, coaching, mail,
     * archive, crm …) stay readable through config_get(). */
    struct kp_ini *ini;
};

enum { KP_PRORATE_MONTH, KP_PRORATE_DAY, KP_PRORATE_OFF };

struct kp_config *config_load(const char *path);
void config_free(struct kp_config *c);

/* Raw access for the later stages' own sections: value or NULL, and the line
 * where "section:key" was set (0 if unknown). Keys are lower case. */
const char *config_get(const struct kp_config *c, const char *section, const char *key);
long config_line(const struct kp_config *c, const char *section, const char *key);
/* The file and line of section:key (else of the section, else the config
 * with line 0), for messages about what the key names. */
long config_where(const struct kp_config *c, const char *section, const char *key,
                  const char **file);
/* The one rule for a review window (from the config or --from/--to): NULL,
 * or what is wrong with it. */
const char *config_window_problem(const struct kp_config *c);

int config_find_kpi(const struct kp_config *c, const char *id);  /* -1 if none */
int config_find_role(const struct kp_config *c, const char *id); /* -1 if none (or id NULL) */
/* The header to look for in a file for a canonical column. */
const char *config_header_for(const struct kp_config *c, const char *canon);

/* Apply the command line's --roster/--metrics/--from/--to over the config
 * (NULL = keep). Reports and returns -1 on a bad value. */
int config_override(struct kp_config *c, const char *roster, const char *metrics,
                    const char *from, const char *to);

#endif
