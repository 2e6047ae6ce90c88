/* ingest — see ingest.h. */
#include "ingest.h"

#include "compute.h"

#include "config.h"
#include "csvread.h"
#include "diag.h"
#include "expr.h"
#include "field.h"
#include "model.h"
#include "util.h"
#include "xlsxread.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_NAMES    10 /* names listed in one message */
#define MAX_MAGNITUDE 1e15
#define MAX_MONTHS    1200

/* Column slots of each file: the columns ingest looks for, in this order. */
enum { M_PERIOD, M_REP_ID, M_TEAM, M_NFIXED }; /* metrics: then cfg->cols; team optional */
/* targets; an adjustment (docs/plan.md) also has effective_from, reason, approved_by */
enum { T_REP_ID, T_KPI, T_TARGET, T_EFFECTIVE, T_REASON, T_APPROVED, T_OVERRIDE, T_NCOLS };
static const char *const target_cols[T_NCOLS] = {"rep_id", "kpi", "target", "effective_from",
                                                 "reason", "approved_by", "override"};

struct kp_ingest {
    const struct kp_config *cfg;
    struct kp_data *d;
    /* The file being read. */
    enum kp_input which;
    char *name;
    size_t input; /* its entry in d->inputs */
    struct kp_tabread *csv; /* CSV or .xlsx (xlsxread.h) */
    int have_header, failed, skip;
    size_t nheader;
    char **hdr; /* trimmed header texts */
    int *col;   /* file column of each slot, -1 = absent */
    size_t ncol;
    char *hskip;          /* [nheader]: 1 = a derived column's header (not read, not "unused") */
    struct kp_rowlog log; /* this file's rejected rows */
    /* Across files. */
    char *roster_name;
    char *metrics_name; /* the last metrics file, NULL = none */
    int roster_seen, roster_failed, roster_done, failed_any;
    long metrics_used;
    int *htab; /* rep_id -> person index + 1, open addressing; until roster_done */
    size_t hcap;
    size_t people_cap;
    struct dropped {
        char *id;
        long line;
    } * dropped; /* rep_ids of rejected roster rows, sorted by id at roster_finish */
    size_t ndropped, dropped_cap;
    size_t teams_cap; /* d->teams grown by a metrics team column */
    long unemployed;  /* this file's rows outside someone's employment */
    int teams_added;
    double *row;   /* one metrics row's values */
    long *tline;   /* [p * nkpis + k]: line of that target, 0 = none */
    char *derived; /* [cfg->ncols]: 1 = filled by another stage (ingest_derived) */
    char *present; /* [cfg->ncols]: the metrics file has it; NULL = no metrics file read */
    char **mhdr;   /* the metrics file's headers, for suggestions */
    size_t nmhdr;
    kp_month as_of_month; /* rows after it have no actuals yet; INT_MAX = no as_of */
    unsigned char *plan;  /* [cfg->ncols]: cfg->plan_col, or quota alone when the config has none */
};

/* ---- small helpers ---- */

/* "a, b, c and 7 more" */
static void add_name(struct kp_buf *b, size_t *count, const char *name)
{
    if (*count < SHOW_NAMES) {
        char *v = field_shown(name);
        buf_printf(b, "%s%s", *count ? ", " : "", v);
        free(v);
    }
    (*count)++;
}

static void end_names(struct kp_buf *b, size_t count)
{
    if (count > SHOW_NAMES)
        buf_printf(b, " and %zu more", count - SHOW_NAMES);
    if (!b->s)
        buf_adds(b, "");
}

static int all_empty(const struct kp_csvrec *rec)
{
    for (size_t i = 0; i < rec->nfield; i++) {
        const char *s = rec->field[i];
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s)
            return 0;
    }
    return 1;
}

static struct kp_input_file *cur_input(struct kp_ingest *in)
{
    return &in->d->inputs[in->input];
}

/* ---- rejects and whole-file errors ---- */

static void reject(struct kp_ingest *in, const struct kp_csvrec *rec, int counts, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static void reject(struct kp_ingest *in, const struct kp_csvrec *rec, int counts, const char *fmt,
                   ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    field_reject(in->d, &in->log, in->name, in->input, rec, counts, fmt, msg);
    free(msg);
}

static void file_fatal(struct kp_ingest *in, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void file_fatal(struct kp_ingest *in, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    diag(KP_FATAL, in->name, line, 0, "%s", msg);
    free(msg);
    in->failed = 1;
    if (in->csv)
        tabread_stop(in->csv);
}

/* ---- rep_id table (while the roster is read) ---- */

static size_t htab_slot(const struct kp_ingest *in, const char *key)
{
    size_t mask = in->hcap - 1, i = (size_t)hash64(key, strlen(key)) & mask;
    while (in->htab[i] && strcmp(in->d->people[in->htab[i] - 1].rep_id, key) != 0)
        i = (i + 1) & mask;
    return i;
}

static int htab_get(const struct kp_ingest *in, const char *key)
{
    if (!in->hcap)
        return -1;
    return in->htab[htab_slot(in, key)] - 1;
}

static void htab_put(struct kp_ingest *in, size_t person)
{
    if ((person + 1) * 2 > in->hcap) {
        int *old = in->htab;
        size_t oldcap = in->hcap;
        in->hcap = in->hcap ? in->hcap * 2 : 64;
        in->htab = xcalloc(in->hcap, sizeof *in->htab);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i])
                in->htab[htab_slot(in, in->d->people[old[i] - 1].rep_id)] = old[i];
        free(old);
    }
    in->htab[htab_slot(in, in->d->people[person].rep_id)] = (int)person + 1;
}

/* ---- headers ---- */

static const char *slot_canon(const struct kp_ingest *in, size_t slot)
{
    const struct kp_config *c = in->cfg;
    switch (in->which) {
    case KP_IN_ROSTER:
        return slot < KP_NROSTER ? kp_roster_cols[slot] : c->keep_cols[slot - KP_NROSTER];
    case KP_IN_METRICS:
        return slot == M_PERIOD   ? "period"
               : slot == M_REP_ID ? "rep_id"
               : slot == M_TEAM   ? "team"
                                  : c->cols[slot - M_NFIXED];
    case KP_IN_TARGETS: return target_cols[slot];
    }
    return "";
}

static int slot_required(const struct kp_ingest *in, size_t slot)
{
    switch (in->which) {
    case KP_IN_ROSTER:
        return slot == KP_R_REP_ID || slot == KP_R_NAME || slot == KP_R_TEAM || slot == KP_R_ROLE;
    case KP_IN_METRICS: return slot < M_TEAM;
    case KP_IN_TARGETS: return slot < T_EFFECTIVE;
    }
    return 0;
}

static int find_header(const struct kp_ingest *in, const char *h)
{
    for (size_t i = 0; i < in->nheader; i++)
        if (str_ieq(in->hdr[i], h))
            return (int)i;
    return -1;
}

/* The header text as shown for a column: "revenue", or "销售额 (revenue)". */
static char *col_label(const struct kp_ingest *in, size_t slot)
{
    const char *canon = slot_canon(in, slot);
    int fi = in->col[slot];
    const char *h = fi >= 0 ? in->hdr[fi] : config_header_for(in->cfg, canon);
    if (str_ieq(h, canon))
        return xstrdup(h);
    return xasprintf("%s (%s)", h, canon);
}

static char **hdr_sort_keys; /* qsort has no context argument */

static int hdr_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(hdr_sort_keys[x], hdr_sort_keys[y]);
    return c ? c : (x > y) - (x < y);
}

/* Two columns with the same (case-folded) name: a whole-file error. */
static int check_duplicates(struct kp_ingest *in, long line)
{
    size_t n = in->nheader, *idx = xmalloc(n * sizeof *idx);
    char **keys = xmalloc(n * sizeof *keys);
    for (size_t i = 0; i < n; i++) {
        idx[i] = i;
        keys[i] = xstrdup(in->hdr[i]);
        for (char *s = keys[i]; *s; s++)
            if (*s >= 'A' && *s <= 'Z')
                *s = (char)(*s - 'A' + 'a');
    }
    hdr_sort_keys = keys;
    qsort(idx, n, sizeof *idx, hdr_cmp);
    hdr_sort_keys = NULL;
    int dup = 0;
    for (size_t i = 1; i < n; i++) {
        size_t a = idx[i - 1], b = idx[i];
        if (!*keys[a] || strcmp(keys[a], keys[b]) != 0 ||
            (i > 1 && !strcmp(keys[idx[i - 2]], keys[a])))
            continue;
        char *x = field_shown(in->hdr[a]), *y = field_shown(in->hdr[b]);
        file_fatal(in, line, "duplicate columns \"%s\" (column %zu) and \"%s\" (column %zu)", x,
                   a + 1, y, b + 1);
        free(x);
        free(y);
        dup = 1;
    }
    strv_free(keys, n);
    free(idx);
    return dup;
}

static int is_derived(const struct kp_ingest *in, size_t slot)
{
    return in->which == KP_IN_METRICS && slot >= M_NFIXED && in->derived[slot - M_NFIXED];
}

static void map_columns(struct kp_ingest *in)
{
    for (size_t s = 0; s < in->ncol; s++) {
        const char *canon = slot_canon(in, s);
        const char *h = config_header_for(in->cfg, canon);
        in->col[s] = find_header(in, h);
        if (in->col[s] < 0 && strcmp(h, canon) != 0)
            in->col[s] = find_header(in, canon);
    }
}

/* A column another stage derives: the file's copy is not read (a note). */
static void skip_derived(struct kp_ingest *in, long line)
{
    struct kp_buf b = {0};
    size_t count = 0;
    for (size_t s = 0; s < in->ncol; s++) {
        if (!is_derived(in, s))
            continue;
        if (in->col[s] >= 0) {
            char *label = col_label(in, s);
            add_name(&b, &count, label);
            free(label);
            in->hskip[in->col[s]] = 1;
        }
        in->col[s] = -1;
    }
    end_names(&b, count);
    if (count)
        diag(KP_NOTE, in->name, line, 0,
             "columns derived from the CRM export ([derive.*]), so not read from this file: %s",
             b.s);
    buf_free(&b);
}

/* "(did you mean "X"?)" over the file's headers, else the headers. */
static void add_hint(struct kp_buf *b, const char *name, char *const *hdr, size_t n)
{
    const char *near = field_nearest(name, hdr, n);
    if (near) {
        char *v = field_shown(near);
        buf_printf(b, " (did you mean \"%s\"?)", v);
        free(v);
        return;
    }
    struct kp_buf found = {0};
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (*hdr[i])
            add_name(&found, &count, hdr[i]);
    end_names(&found, count);
    buf_printf(b, " (its columns: %s)", count ? found.s : "none");
    buf_free(&found);
}

/* A column the config names ([columns], [input] extra or keep) that the file
 * does not have: an error at the config's line, with the nearest header. The
 * canonical columns nobody named are optional here (check_kpi_columns). */
static void check_named(struct kp_ingest *in)
{
    const struct kp_config *c = in->cfg;
    for (size_t s = 0; s < in->ncol; s++) {
        /* [columns] team names the roster's column (checked there); a
         * metrics file may have it, to say each month's team, or not. */
        if (in->col[s] >= 0 || is_derived(in, s) || (in->which == KP_IN_METRICS && s == M_TEAM))
            continue;
        const char *canon = slot_canon(in, s), *h = config_header_for(c, canon);
        const char *sec = "columns", *key = canon;
        if (h == canon) {
            if (in->which == KP_IN_ROSTER && s >= KP_NROSTER)
                sec = "input", key = "keep";
            else if (in->which == KP_IN_METRICS && s >= M_NFIXED + KP_NCANON &&
                     config_line(c, "input", "extra"))
                sec = "input", key = "extra";
            else
                continue;
        }
        const char *file;
        long line = config_where(c, sec, key, &file);
        struct kp_buf b = {0};
        char *v = field_shown(h);
        if (h != canon)
            buf_printf(&b, "[columns] %s = %s: ", canon, v);
        else
            buf_printf(&b, "[%s] %s: ", sec, key);
        buf_printf(&b, "%s has no column \"%s\"", in->name, v);
        add_hint(&b, h, in->hdr, in->nheader);
        diag(KP_FATAL, file, line, 0, "%s", b.s);
        buf_free(&b);
        free(v);
        in->failed = 1;
    }
    if (in->failed && in->csv)
        tabread_stop(in->csv);
}

static void check_required(struct kp_ingest *in, long line)
{
    for (size_t s = 0; s < in->ncol; s++) {
        if (in->col[s] >= 0 || !slot_required(in, s))
            continue;
        struct kp_buf found = {0};
        size_t count = 0;
        for (size_t i = 0; i < in->nheader; i++)
            if (*in->hdr[i])
                add_name(&found, &count, in->hdr[i]);
        end_names(&found, count);
        char *label = col_label(in, s);
        file_fatal(in, line, "missing required column \"%s\" (found: %s)", label,
                   count ? found.s : "no column names");
        free(label);
        buf_free(&found);
    }
}

/* A warning for optional columns the file lacks (metric columns, kept
 * roster columns), a note for the file's columns that are not used. */
static void report_columns(struct kp_ingest *in, long line)
{
    struct kp_buf b = {0};
    size_t count = 0;
    for (size_t s = 0; s < in->ncol; s++) {
        int wanted = (in->which == KP_IN_METRICS && s != M_TEAM) ||
                     (in->which == KP_IN_ROSTER && s >= KP_NROSTER);
        if (in->col[s] >= 0 || slot_required(in, s) || !wanted || is_derived(in, s))
            continue;
        char *label = col_label(in, s);
        add_name(&b, &count, label);
        free(label);
    }
    end_names(&b, count);
    if (count)
        diag(KP_NOTE, in->name, line, 0, "columns not in the file: %s%s", b.s,
             in->which == KP_IN_METRICS ? " (a KPI that needs one is an error, unless it "
                                          "says missing = allow)"
                                        : "");
    buf_free(&b);
    char *used = xcalloc(in->nheader ? in->nheader : 1, 1);
    for (size_t s = 0; s < in->ncol; s++)
        if (in->col[s] >= 0)
            used[in->col[s]] = 1;
    count = 0;
    for (size_t i = 0; i < in->nheader; i++)
        if (!used[i] && !in->hskip[i] && *in->hdr[i])
            add_name(&b, &count, in->hdr[i]);
    end_names(&b, count);
    if (count)
        diag(KP_NOTE, in->name, line, 0, "columns not used: %s", b.s);
    buf_free(&b);
    free(used);
}

static void header(struct kp_ingest *in, const struct kp_csvrec *rec)
{
    if (rec->error) {
        file_fatal(in, rec->line, "cannot read the header row: %s", rec->error);
        return;
    }
    in->nheader = rec->nfield;
    in->hdr = xcalloc(rec->nfield ? rec->nfield : 1, sizeof *in->hdr);
    for (size_t i = 0; i < rec->nfield; i++)
        in->hdr[i] = field_clean(str_trim(rec->field[i]));
    if (check_duplicates(in, rec->line))
        return;
    map_columns(in);
    in->hskip = xcalloc(in->nheader ? in->nheader : 1, 1);
    skip_derived(in, rec->line);
    check_named(in);
    if (!in->failed)
        check_required(in, rec->line);
    if (!in->failed)
        report_columns(in, rec->line);
    if (!in->failed && in->which == KP_IN_METRICS) {
        for (size_t k = 0; k < in->cfg->ncols; k++)
            in->present[k] |= in->col[M_NFIXED + k] >= 0;
        strv_free(in->mhdr, in->nmhdr);
        in->nmhdr = in->nheader;
        in->mhdr = xcalloc(in->nheader ? in->nheader : 1, sizeof *in->mhdr);
        for (size_t i = 0; i < in->nheader; i++)
            in->mhdr[i] = xstrdup(in->hdr[i]);
    }
}

/* ---- roster ---- */

/* "ae (aliases AE, 直销代表), kam, manager": what the role column may say. */
static char *known_roles(const struct kp_config *c)
{
    struct kp_buf b = {0};
    for (size_t i = 0; i < c->nroles; i++) {
        const struct kp_role *r = &c->roles[i];
        buf_printf(&b, "%s%s", i ? ", " : "", r->id);
        for (size_t a = 0; a < r->naliases; a++)
            buf_printf(&b, "%s%s", a ? ", " : " (aliases ", r->aliases[a]);
        if (r->naliases)
            buf_addc(&b, ')');
    }
    return buf_steal(&b);
}

static int find_role(const struct kp_config *c, const char *s)
{
    int r = config_find_role(c, s);
    if (r >= 0)
        return r;
    char *l = xstrdup(s);
    for (char *p = l; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    r = config_find_role(c, l);
    free(l);
    return r;
}

/* [input] date_format (field.h's rule; ISO when the config has none). */
static unsigned date_formats(const struct kp_ingest *in, const struct kp_csvrec *rec)
{
    return field_cell_formats(in->cfg->date_formats ? in->cfg->date_formats : KP_DATE_ISO, rec);
}

/* A date cell as stored: YYYY-MM-DD whatever the format it was written in
 * (checked by roster_check), or NULL when empty. */
static char *iso_date(const struct kp_ingest *in, const struct kp_csvrec *rec, const char *s)
{
    long days;
    if (field_date_parse(s, date_formats(in, rec), &days) != 0)
        return NULL;
    char out[16];
    field_date(days, out);
    return xstrdup(out);
}

/* The roster's checks; 0 = the row is good (role and locale returned). */
static int roster_check(struct kp_ingest *in, const struct kp_csvrec *rec, const char **f,
                        int *role, char **locale)
{
    const struct kp_config *c = in->cfg;
    char *v = NULL, *want = NULL;
    long days = 0, end = 0;
    int dup = htab_get(in, f[KP_R_REP_ID]);
    *role = -1;
    if (!*f[KP_R_REP_ID])
        reject(in, rec, 1, "empty rep_id");
    else if (dup >= 0)
        reject(in, rec, 1, "duplicate rep_id \"%s\" (first at line %ld)",
               v = field_shown(f[KP_R_REP_ID]), in->d->people[dup].line);
    else if (!*f[KP_R_NAME])
        reject(in, rec, 1, "empty name");
    else if (!*f[KP_R_TEAM])
        reject(in, rec, 1, "empty team");
    else if (c->nroles && (*role = find_role(c, f[KP_R_ROLE])) < 0) {
        char *known = known_roles(c);
        reject(in, rec, 1, "unknown role \"%s\" (known roles: %s)", v = field_shown(f[KP_R_ROLE]),
               known);
        free(known);
    } else if (field_locale(f[KP_R_LOCALE], locale) != 0)
        reject(in, rec, 1, "bad locale \"%s\" (want a language code such as en or zh)",
               v = field_shown(f[KP_R_LOCALE]));
    else if (field_date_parse(f[KP_R_HIRE_DATE], date_formats(in, rec), &days) < 0)
        reject(in, rec, 1, "bad hire_date \"%s\" (want %s)", v = field_shown(f[KP_R_HIRE_DATE]),
               want = field_date_want(date_formats(in, rec)));
    else if (field_date_parse(f[KP_R_END_DATE], date_formats(in, rec), &end) < 0)
        reject(in, rec, 1, "bad end_date \"%s\" (want %s)", v = field_shown(f[KP_R_END_DATE]),
               want = field_date_want(date_formats(in, rec)));
    else if (*f[KP_R_END_DATE] && *f[KP_R_HIRE_DATE] && end < days)
        reject(in, rec, 1, "end_date %s is before hire_date %s", v = field_shown(f[KP_R_END_DATE]),
               f[KP_R_HIRE_DATE]);
    else
        return 0;
    free(want);
    free(v);
    free(*locale);
    *locale = NULL;
    return -1;
}

static void roster_row(struct kp_ingest *in, const struct kp_csvrec *rec)
{
    struct kp_data *d = in->d;
    const struct kp_config *c = in->cfg;
    const char *f[KP_NROSTER];
    char *id = NULL;
    for (size_t s = 0; s < KP_NROSTER; s++)
        f[s] = in->col[s] >= 0 ? str_trim(rec->field[in->col[s]]) : "";
    f[KP_R_REP_ID] = id = field_clean(f[KP_R_REP_ID]); /* the key metrics rows are matched with */
    int role;
    char *locale = NULL;
    if (roster_check(in, rec, f, &role, &locale) != 0) {
        if (*id && htab_get(in, id) < 0) { /* remembered for the messages about R… later */
            xgrow(&in->dropped, &in->dropped_cap, in->ndropped + 1, sizeof *in->dropped);
            in->dropped[in->ndropped++] = (struct dropped){id, rec->line};
        } else {
            free(id);
        }
        return;
    }
    xgrow(&d->people, &in->people_cap, d->npeople + 1, sizeof *d->people);
    struct kp_person *p = &d->people[d->npeople];
    memset(p, 0, sizeof *p);
    p->rep_id = id;
    p->name = field_clean(f[KP_R_NAME]);
    p->team = field_clean(f[KP_R_TEAM]);
    p->role = role >= 0 ? xstrdup(c->roles[role].id) : field_clean(f[KP_R_ROLE]);
    p->email = field_opt(f[KP_R_EMAIL]);
    p->manager_id = field_opt(f[KP_R_MANAGER_ID]);
    p->hire_date = iso_date(in, rec, f[KP_R_HIRE_DATE]);
    p->end_date = iso_date(in, rec, f[KP_R_END_DATE]);
    p->locale = locale;
    p->role_idx = role;
    p->mgr = -1;
    p->line = rec->line;
    if (c->nkeep_cols) {
        p->extra = xcalloc(c->nkeep_cols, sizeof *p->extra);
        for (size_t k = 0; k < c->nkeep_cols; k++) {
            int fi = in->col[KP_NROSTER + k];
            p->extra[k] = fi >= 0 ? field_opt(str_trim(rec->field[fi])) : NULL;
        }
    }
    htab_put(in, d->npeople++);
    cur_input(in)->used++;
}

/* ---- the roster as a whole ---- */

static void drop_manager(struct kp_person *p)
{
    free(p->manager_id);
    p->manager_id = NULL;
    p->mgr = -1;
}

static int dropped_cmp(const void *a, const void *b)
{
    const struct dropped *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Sorted by id, the first line of each id kept. */
static void dropped_sort(struct kp_ingest *in)
{
    size_t n = 0;
    if (!in->ndropped)
        return; /* qsort wants a non-NULL array */
    qsort(in->dropped, in->ndropped, sizeof *in->dropped, dropped_cmp);
    for (size_t i = 0; i < in->ndropped; i++) {
        if (n && strcmp(in->dropped[n - 1].id, in->dropped[i].id) == 0)
            free(in->dropped[i].id);
        else
            in->dropped[n++] = in->dropped[i];
    }
    in->ndropped = n;
}

/* The line where id was rejected in the roster, 0 if it was not. */
static long dropped_line(const struct kp_ingest *in, const char *id)
{
    size_t lo = 0, hi = in->ndropped;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(in->dropped[mid].id, id);
        if (c == 0)
            return in->dropped[mid].line;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static void link_managers(struct kp_ingest *in)
{
    struct kp_data *d = in->d;
    for (size_t i = 0; i < d->npeople; i++) {
        struct kp_person *p = &d->people[i];
        if (!p->manager_id)
            continue;
        p->mgr = htab_get(in, p->manager_id);
        if (p->mgr >= 0)
            continue;
        long l = dropped_line(in, p->manager_id);
        if (l)
            diag(KP_ERROR, in->roster_name, p->line, 0,
                 "manager_id \"%s\" for %s was rejected (line %ld); kept without a manager",
                 p->manager_id, p->rep_id, l);
        else
            diag(KP_ERROR, in->roster_name, p->line, 0,
                 "unknown manager_id \"%s\" for %s (not in %s); kept without a manager",
                 p->manager_id, p->rep_id, in->roster_name);
        drop_manager(p);
    }
}

#define SHOW_CYCLE 50

static void report_cycle(struct kp_ingest *in, const size_t *cyc, size_t n)
{
    struct kp_person *pp = in->d->people;
    size_t first = 0; /* name it from the member earliest in the file */
    for (size_t i = 1; i < n; i++)
        if (pp[cyc[i]].line < pp[cyc[first]].line)
            first = i;
    struct kp_buf b = {0};
    for (size_t i = 0; i <= n && i <= SHOW_CYCLE; i++)
        buf_printf(&b, "%s%s", i ? " -> " : "",
                   i == SHOW_CYCLE && i < n ? "\xE2\x80\xA6" : pp[cyc[(first + i) % n]].rep_id);
    diag(KP_ERROR, in->roster_name, pp[cyc[first]].line, 0,
         "manager cycle %s: their manager links were removed", b.s);
    buf_free(&b);
    for (size_t i = 0; i < n; i++)
        drop_manager(&pp[cyc[i]]);
}

/* Each person has at most one manager, so following the links from anyone
 * either ends or runs into a cycle. */
static void break_cycles(struct kp_ingest *in)
{
    struct kp_data *d = in->d;
    size_t n = d->npeople;
    char *state = xcalloc(n ? n : 1, 1); /* 0 new, 1 on the current walk, 2 done */
    size_t *walk = xmalloc((n ? n : 1) * sizeof *walk);
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        int j = (int)i;
        while (j >= 0 && !state[j]) {
            state[j] = 1;
            walk[len++] = (size_t)j;
            j = d->people[j].mgr;
        }
        if (j >= 0 && state[j] == 1) {
            size_t k = len;
            while (walk[k - 1] != (size_t)j)
                k--;
            report_cycle(in, walk + k - 1, len - k + 1);
        }
        for (size_t t = 0; t < len; t++)
            state[walk[t]] = 2;
    }
    free(walk);
    free(state);
}

static const struct kp_person *sort_people_base; /* qsort has no context argument */

static int person_cmp(const void *a, const void *b)
{
    const struct kp_person *x = &sort_people_base[*(const size_t *)a];
    const struct kp_person *y = &sort_people_base[*(const size_t *)b];
    int c = strcmp(x->team, y->team);
    return c ? c : strcmp(x->rep_id, y->rep_id);
}

/* People by (team, rep_id); manager indices follow; teams built. */
static void sort_people(struct kp_data *d)
{
    size_t n = d->npeople, *order = xmalloc((n ? n : 1) * sizeof *order);
    int *newpos = xmalloc((n ? n : 1) * sizeof *newpos);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_people_base = d->people;
    qsort(order, n, sizeof *order, person_cmp);
    sort_people_base = NULL;
    struct kp_person *sorted = xmalloc((n ? n : 1) * sizeof *sorted);
    for (size_t i = 0; i < n; i++) {
        sorted[i] = d->people[order[i]];
        newpos[order[i]] = (int)i;
    }
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        struct kp_person *p = &sorted[i];
        if (p->mgr >= 0)
            p->mgr = newpos[p->mgr];
        if (!d->nteams || strcmp(d->teams[d->nteams - 1], p->team) != 0) {
            xgrow(&d->teams, &cap, d->nteams + 1, sizeof *d->teams);
            d->teams[d->nteams++] = xstrdup(p->team);
        }
        p->team_idx = (int)d->nteams - 1;
    }
    free(d->people);
    d->people = sorted;
    free(order);
    free(newpos);
}

static const char *const *sort_teams_base; /* qsort has no context argument */

static int team_cmp(const void *a, const void *b)
{
    return strcmp(sort_teams_base[*(const int *)a], sort_teams_base[*(const int *)b]);
}

/* Teams sorted again after a metrics team column added some. */
static void sort_teams(struct kp_data *d)
{
    size_t n = d->nteams;
    int *order = xmalloc(n * sizeof *order), *newpos = xmalloc(n * sizeof *newpos);
    for (size_t i = 0; i < n; i++)
        order[i] = (int)i;
    sort_teams_base = (const char *const *)d->teams;
    qsort(order, n, sizeof *order, team_cmp);
    sort_teams_base = NULL;
    char **sorted = xmalloc(n * sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = d->teams[order[i]], newpos[order[i]] = (int)i;
    memcpy(d->teams, sorted, n * sizeof *sorted);
    for (size_t p = 0; p < d->npeople; p++)
        d->people[p].team_idx = newpos[d->people[p].team_idx];
    for (size_t i = 0; d->mteam && i < d->npeople * (size_t)d->nmonths; i++)
        if (d->mteam[i] >= 0)
            d->mteam[i] = newpos[d->mteam[i]];
    free(sorted), free(order), free(newpos);
}

static int layout_months(struct kp_ingest *in)
{
    struct kp_data *d = in->d;
    const struct kp_config *c = in->cfg;
    d->m0 = c->from - (c->history > 0 ? c->history : 0);
    long nm = (long)c->to - d->m0 + 1;
    if (nm < 1 || nm > MAX_MONTHS) {
        diag(KP_FATAL, c->path, 0, 0, "the months to read (%ld) must be 1 to %d", nm, MAX_MONTHS);
        return -1;
    }
    d->nmonths = (int)nm;
    d->ncols = c->ncols;
    d->cols = xcalloc(c->ncols ? c->ncols : 1, sizeof *d->cols);
    for (size_t i = 0; i < c->ncols; i++)
        d->cols[i] = xstrdup(c->cols[i]);
    size_t cells = d->npeople * (size_t)d->nmonths;
    if (d->ncols && cells > SIZE_MAX / sizeof(double) / d->ncols) {
        diag(KP_FATAL, in->roster_name, 0, 0, "too much data: %zu people", d->npeople);
        return -1;
    }
    size_t nval = cells * d->ncols;
    d->val = xmalloc((nval ? nval : 1) * sizeof *d->val);
    for (size_t i = 0; i < nval; i++)
        d->val[i] = NAN;
    d->line = xcalloc(cells ? cells : 1, sizeof *d->line);
    return 0;
}

static void roster_finish(struct kp_ingest *in)
{
    if (in->roster_done)
        return;
    in->roster_done = 1;
    dropped_sort(in);
    link_managers(in);
    break_cycles(in);
    sort_people(in->d);
    data_index(in->d);
    free(in->htab);
    in->htab = NULL;
    in->hcap = 0;
    if (layout_months(in) != 0)
        in->roster_failed = in->failed_any = 1;
}

/* ---- metrics ---- */

/* The person a metrics or targets row is for, or -1 (the row rejected). */
static int row_person(struct kp_ingest *in, const struct kp_csvrec *rec, const char *id)
{
    if (!*id) {
        reject(in, rec, 1, "empty rep_id");
        return -1;
    }
    int p = data_find_person(in->d, id);
    if (p >= 0)
        return p;
    char *v = field_shown(id);
    long l = dropped_line(in, id);
    if (l)
        reject(in, rec, 1, "rep_id \"%s\" was rejected in %s (line %ld)", v, in->roster_name, l);
    else
        reject(in, rec, 1, "unknown rep_id \"%s\" (not in %s)", v, in->roster_name);
    free(v);
    return -1;
}

/* Parse the row's metric cells into in->row; 0, or -1 (rejected). */
static int metric_values(struct kp_ingest *in, const struct kp_csvrec *rec)
{
    const struct kp_config *c = in->cfg;
    for (size_t k = 0; k < c->ncols; k++) {
        int fi = in->col[M_NFIXED + k];
        double v = NAN;
        int rc = fi >= 0 ? ingest_number(rec->field[fi], c->decimal_comma, &v) : 1;
        if (rc == 1)
            v = NAN;
        if (rc < 0 || (rc == 0 && fabs(v) > MAX_MAGNITUDE)) {
            char *s = field_shown(rec->field[fi]), *label = col_label(in, M_NFIXED + k);
            if (rc < 0)
                reject(in, rec, 1, "bad number \"%s\" in column %s", s, label);
            else
                reject(in, rec, 1, "implausible number \"%s\" in column %s (over 1e15)", s, label);
            free(s);
            free(label);
            return -1;
        }
        in->row[k] = v;
    }
    return 0;
}

/* A row for a month the person was not employed in (before their hire_date's
 * month, after their end_date's): listed in rejects.csv, not counted. */
static int outside_employment(struct kp_ingest *in, const struct kp_csvrec *rec, int p, kp_month m)
{
    const struct kp_person *pp = &in->d->people[p];
    long day;
    char a[8];
    month_format(m, a);
    if (pp->hire_date && date_parse(pp->hire_date, &day) == 0 && m < month_of_date(day)) {
        reject(in, rec, 0, "period %s is before the hire_date of %s (%s): not counted", a,
               pp->rep_id, pp->hire_date);
        return (int)++in->unemployed;
    }
    if (pp->end_date && date_parse(pp->end_date, &day) == 0 && m > month_of_date(day)) {
        reject(in, rec, 0, "period %s is after the end_date of %s (%s): not counted", a, pp->rep_id,
               pp->end_date);
        return (int)++in->unemployed;
    }
    return 0;
}

/* The month's team from the metrics file's team column (a team nobody is in
 * now is added to d->teams; ingest_finish sorts them again). */
static void row_team(struct kp_ingest *in, const struct kp_csvrec *rec, size_t cell)
{
    struct kp_data *d = in->d;
    int fi = in->col[M_TEAM];
    if (fi < 0)
        return;
    if (!d->mteam) {
        size_t n = d->npeople * (size_t)d->nmonths;
        d->mteam = xmalloc((n ? n : 1) * sizeof *d->mteam);
        for (size_t i = 0; i < n; i++)
            d->mteam[i] = -1;
    }
    char *t = field_clean(str_trim(rec->field[fi]));
    size_t i = 0;
    while (*t && i < d->nteams && strcmp(d->teams[i], t) != 0)
        i++;
    if (*t && i == d->nteams) {
        xgrow(&d->teams, &in->teams_cap, d->nteams + 1, sizeof *d->teams);
        d->teams[d->nteams++] = xstrdup(t);
        in->teams_added = 1;
    }
    d->mteam[cell] = *t ? (int)i : -1;
    free(t);
}

/* "quota", "quota, target_visits" or "no column": the [input] plan columns. */
static char *plan_names(const struct kp_ingest *in)
{
    const struct kp_config *c = in->cfg;
    struct kp_buf b = {0};
    size_t count = 0;
    for (size_t k = 0; k < c->ncols; k++)
        if (in->plan[k])
            add_name(&b, &count, c->cols[k]);
    end_names(&b, count);
    if (!count)
        buf_adds(&b, "no column");
    return buf_steal(&b);
}

static void metrics_row(struct kp_ingest *in, const struct kp_csvrec *rec)
{
    struct kp_data *d = in->d;
    const char *ps = str_trim(rec->field[in->col[M_PERIOD]]);
    char *rs = field_clean(str_trim(rec->field[in->col[M_REP_ID]])), *v = NULL;
    kp_month m;
    int p = -1;
    char a[8], b[8];
    if (field_month(ps, date_formats(in, rec), &m) != 0) {
        char *want = field_month_want(date_formats(in, rec));
        reject(in, rec, 1, "bad period \"%s\" (want %s)", v = field_shown(ps), want);
        free(want);
    } else if (m < d->m0 || m >= d->m0 + d->nmonths) {
        month_format(m, a);
        month_format(d->m0, b);
        char c[8];
        month_format(d->m0 + d->nmonths - 1, c);
        reject(in, rec, 0, "period %s is outside the months used (%s..%s)", a, b, c);
    } else if ((p = row_person(in, rec, rs)) < 0) {
        /* rejected */
    } else if (outside_employment(in, rec, p, m)) {
        /* listed */
    } else if (d->line[(size_t)p * d->nmonths + (m - d->m0)]) {
        month_format(m, a);
        reject(in, rec, 1, "duplicate row for %s in %s (first at line %ld)", v = field_shown(rs), a,
               d->line[(size_t)p * d->nmonths + (m - d->m0)]);
    } else if (metric_values(in, rec) == 0) {
        int mi = m - d->m0, ahead = m > in->as_of_month, actuals = 0;
        for (size_t k = 0; k < d->ncols; k++) {
            if (in->derived[k])
                continue;
            if (ahead && !in->plan[k]) { /* not happened yet at as_of */
                actuals |= !isnan(in->row[k]);
                continue;
            }
            *data_cell(d, (size_t)p, mi, k) = in->row[k];
        }
        d->line[(size_t)p * d->nmonths + mi] = rec->line;
        row_team(in, rec, (size_t)p * d->nmonths + (size_t)mi);
        if (actuals) {
            char day[16], *plan = plan_names(in);
            field_date(in->cfg->as_of, day);
            month_format(m, a);
            reject(in, rec, 1, "after as_of %s: the actuals of %s are not counted (%s kept as "
                   "the plan)", day, a, plan);
            free(plan);
        } else {
            cur_input(in)->used++;
            in->metrics_used++;
        }
    }
    free(v);
    free(rs);
}

/* ---- targets ---- */

static char *known_kpis(const struct kp_config *c)
{
    struct kp_buf b = {0};
    size_t count = 0;
    for (size_t i = 0; i < c->nkpis; i++)
        add_name(&b, &count, c->kpis[i].id);
    end_names(&b, count);
    return buf_steal(&b);
}

static const char *opt_field(const struct kp_ingest *in, const struct kp_csvrec *rec, int slot)
{
    return in->col[slot] >= 0 ? str_trim(rec->field[in->col[slot]]) : "";
}

/* A row with effective_from: an adjustment of the target an earlier row set
 * for the same person and KPI. From its month on, the adjusted target holds
 * (the window's full target is the months' mean); beyond [plan] margin it is
 * refused unless override = yes. 0 = used. */
static int adjustment(struct kp_ingest *in, const struct kp_csvrec *rec, int p, int k, double t)
{
    struct kp_data *d = in->d;
    const struct kp_config *c = in->cfg;
    size_t x = (size_t)p * c->nkpis + (size_t)k;
    const char *es = opt_field(in, rec, T_EFFECTIVE), *why = opt_field(in, rec, T_REASON);
    const char *who = opt_field(in, rec, T_APPROVED), *ov = opt_field(in, rec, T_OVERRIDE);
    const char *id = d->people[p].rep_id, *kid = c->kpis[k].id;
    kp_month e;
    int override = str_ieq(ov, "yes");
    char *v = NULL;
    if (month_parse(es, &e) != 0)
        reject(in, rec, 1, "bad effective_from \"%s\" (want YYYY-MM)", v = field_shown(es));
    else if (!*why || !*who)
        reject(in, rec, 1, "an adjustment of %s %s needs a reason and approved_by", id, kid);
    else if (*ov && !override && !str_ieq(ov, "no"))
        reject(in, rec, 1, "bad override \"%s\" (want yes or no)", v = field_shown(ov));
    else if (!in->tline[x])
        reject(in, rec, 1, "an adjustment of %s %s without an earlier row with its original "
               "target (no effective_from)", id, kid);
    else {
        for (size_t i = 0; i < d->nadjustments; i++)
            if (d->adjustments[i].person == (size_t)p && d->adjustments[i].kpi == k) {
                reject(in, rec, 1, "a second adjustment of %s %s (first at line %ld)", id, kid,
                       d->adjustments[i].line);
                return -1;
            }
        double orig = d->ptarget[x], change = orig != 0 ? t / orig - 1 : INFINITY;
        if (compute_round(fabs(change), KP_DIGITS) > compute_round(c->plan.margin, KP_DIGITS) &&
            !override) {
            reject(in, rec, 1, "the adjustment of %s %s from %.12g to %.12g (%+.1f%%) is beyond "
                   "the ±%.12g%% margin ([plan] margin): refused; write override = yes to keep it",
                   id, kid, orig, t, change * 100, c->plan.margin * 100);
            return -1;
        }
        d->adjustments = xrealloc(d->adjustments, (d->nadjustments + 1) * sizeof *d->adjustments);
        struct kp_adjustment *a = &d->adjustments[d->nadjustments++];
        *a = (struct kp_adjustment){(size_t)p, k, orig, t, e, xstrdup(why), xstrdup(who),
                                    override, rec->line};
        /* The window's full target: each month's, the original before e. */
        int W = c->to - c->from + 1;
        int before = e <= c->from ? 0 : e > c->to ? W : e - c->from;
        d->ptarget[x] = before == W ? orig : compute_round((orig * before + t * (W - before)) / W,
                                                           KP_DIGITS);
        diag(KP_NOTE, in->name, rec->line, 0,
             "adjustment: %s %s %.12g -> %.12g from %s (%+.1f%%%s), reason \"%s\", approved by "
             "%s", id, kid, orig, t, es, change * 100, override ? ", override" : "", why, who);
        cur_input(in)->used++;
        return 0;
    }
    free(v);
    return -1;
}

static void targets_row(struct kp_ingest *in, const struct kp_csvrec *rec)
{
    struct kp_data *d = in->d;
    const struct kp_config *c = in->cfg;
    char *rs = field_clean(str_trim(rec->field[in->col[T_REP_ID]])), *v = NULL;
    const char *ks = str_trim(rec->field[in->col[T_KPI]]);
    const char *ts = rec->field[in->col[T_TARGET]];
    int p = -1, k = -1, rc = 1;
    double t = NAN;
    if ((p = row_person(in, rec, rs)) < 0) {
        /* rejected */
    } else if ((k = config_find_kpi(c, ks)) < 0) {
        char *known = known_kpis(c);
        reject(in, rec, 1, "unknown kpi \"%s\" (known KPIs: %s)", v = field_shown(ks), known);
        free(known);
    } else if ((rc = ingest_number(ts, c->decimal_comma, &t)) == 1) {
        reject(in, rec, 1, "empty target");
    } else if (rc < 0) {
        reject(in, rec, 1, "bad number \"%s\" in column target", v = field_shown(ts));
    } else if (fabs(t) > MAX_MAGNITUDE) {
        reject(in, rec, 1, "implausible number \"%s\" in column target (over 1e15)",
               v = field_shown(ts));
    } else if (*opt_field(in, rec, T_EFFECTIVE)) {
        adjustment(in, rec, p, k, t);
    } else if (in->tline[(size_t)p * c->nkpis + (size_t)k]) {
        reject(in, rec, 1, "duplicate target for %s %s (first at line %ld)", v = field_shown(rs),
               c->kpis[k].id, in->tline[(size_t)p * c->nkpis + (size_t)k]);
    } else {
        d->ptarget[(size_t)p * c->nkpis + (size_t)k] = t;
        in->tline[(size_t)p * c->nkpis + (size_t)k] = rec->line;
        cur_input(in)->used++;
    }
    free(v);
    free(rs);
}

/* ---- records ---- */

static void on_record(void *ctx, const struct kp_csvrec *rec)
{
    struct kp_ingest *in = ctx;
    if (in->failed || in->skip)
        return;
    if (!in->have_header) {
        in->have_header = 1;
        header(in, rec);
        return;
    }
    if (!rec->error && all_empty(rec))
        return; /* a spreadsheet's empty row: not data */
    cur_input(in)->rows++;
    if (rec->error)
        reject(in, rec, 1, "%s", rec->error);
    else if (rec->nfield != in->nheader)
        reject(in, rec, 1, "wrong number of fields: %zu, expected %zu", rec->nfield, in->nheader);
    else if (in->which == KP_IN_ROSTER)
        roster_row(in, rec);
    else if (in->which == KP_IN_METRICS)
        metrics_row(in, rec);
    else
        targets_row(in, rec);
}

/* ---- public ---- */

struct kp_ingest *ingest_new(const struct kp_config *cfg, struct kp_data *d)
{
    struct kp_ingest *in = xcalloc(1, sizeof *in);
    in->cfg = cfg;
    in->d = d;
    d->nextra = cfg->nkeep_cols;
    d->nkpis = cfg->nkpis;
    in->row = xcalloc(cfg->ncols ? cfg->ncols : 1, sizeof *in->row);
    in->derived = xcalloc(cfg->ncols ? cfg->ncols : 1, 1);
    d->rejects_max = cfg->rejects_max;
    in->plan = xcalloc(cfg->ncols ? cfg->ncols : 1, 1);
    for (size_t k = 0; k < cfg->ncols; k++)
        in->plan[k] = cfg->plan_col ? cfg->plan_col[k] : k == KP_COL_QUOTA;
    in->as_of_month = INT_MAX;
    if (cfg->as_of >= 0) {
        int y, m, dd;
        date_split(cfg->as_of, &y, &m, &dd);
        in->as_of_month = y * 12 + m - 1;
    }
    return in;
}

static void file_reset(struct kp_ingest *in)
{
    if (in->csv)
        tabread_free(in->csv);
    in->csv = NULL;
    strv_free(in->hdr, in->nheader);
    in->hdr = NULL;
    free(in->col);
    in->col = NULL;
    free(in->hskip);
    in->hskip = NULL;
    in->nheader = 0;
    in->have_header = in->failed = in->skip = 0;
    memset(&in->log, 0, sizeof in->log);
}

static void targets_alloc(struct kp_ingest *in)
{
    struct kp_data *d = in->d;
    size_t n = d->npeople * in->cfg->nkpis;
    if (d->ptarget)
        return;
    d->ptarget = xmalloc((n ? n : 1) * sizeof *d->ptarget);
    for (size_t i = 0; i < n; i++)
        d->ptarget[i] = NAN;
    in->tline = xcalloc(n ? n : 1, sizeof *in->tline);
}

void ingest_begin(struct kp_ingest *in, enum kp_input which, const char *name)
{
    struct kp_data *d = in->d;
    file_reset(in);
    in->which = which;
    free(in->name);
    in->name = xstrdup(name);
    d->inputs = xrealloc(d->inputs, (d->ninputs + 1) * sizeof *d->inputs);
    in->input = d->ninputs++;
    memset(cur_input(in), 0, sizeof *cur_input(in));
    cur_input(in)->name = xstrdup(name);
    if (which == KP_IN_ROSTER) {
        in->roster_seen = 1;
        free(in->roster_name);
        in->roster_name = xstrdup(name);
        in->ncol = KP_NROSTER + in->cfg->nkeep_cols;
    } else {
        if (!in->roster_name)
            in->roster_name = xstrdup("the roster");
        roster_finish(in);
        /* Nothing to match rows with: no roster, or nobody in it (ingest_finish
         * says so; the rows are not read, so none is said to be rejected). */
        in->skip = in->roster_failed || !in->roster_seen || d->npeople == 0;
        in->ncol = which == KP_IN_METRICS ? M_NFIXED + in->cfg->ncols : T_NCOLS;
        if (which == KP_IN_METRICS) {
            if (!in->present)
                in->present = xcalloc(in->cfg->ncols ? in->cfg->ncols : 1, 1);
            free(in->metrics_name);
            in->metrics_name = xstrdup(name);
        }
        if (which == KP_IN_TARGETS)
            targets_alloc(in);
    }
    in->col = xmalloc(in->ncol * sizeof *in->col);
    for (size_t s = 0; s < in->ncol; s++)
        in->col[s] = -1;
    if (in->skip)
        return;
    char *err = NULL;
    in->csv = tabread_new(in->name, in->cfg->encoding, in->cfg->delimiter, in->cfg->sheet,
                          on_record, in, &err);
    if (!in->csv) {
        file_fatal(in, 0, "%s", err);
        free(err);
    }
}

void ingest_feed(struct kp_ingest *in, const void *bytes, size_t n)
{
    if (in->csv && !in->failed && !in->skip)
        tabread_feed(in->csv, bytes, n);
}

int ingest_end(struct kp_ingest *in)
{
    const char *unread = in->csv && !in->failed && !in->skip ? tabread_end(in->csv) : NULL;
    if (unread)
        file_fatal(in, 0, "%s", unread);
    if (!in->failed && !in->skip && !in->have_header)
        file_fatal(in, 0, "the file is empty (no header row)");
    field_summary(&in->log, in->name);
    long outside = in->log.outside - in->unemployed;
    if (outside)
        diag(KP_NOTE, in->name, 0, 0, "%ld %s outside the months used %s skipped", outside,
             outside == 1 ? "row" : "rows", outside == 1 ? "was" : "were");
    if (in->unemployed)
        diag(KP_NOTE, in->name, 0, 0,
             "%ld %s before a hire_date or after an end_date %s not counted (rejects.csv)",
             in->unemployed, in->unemployed == 1 ? "row" : "rows",
             in->unemployed == 1 ? "was" : "were");
    in->unemployed = 0;
    int failed = in->failed;
    if (in->which == KP_IN_ROSTER) {
        in->roster_failed |= failed;
        roster_finish(in);
    }
    file_reset(in);
    in->failed_any |= failed;
    return failed ? -1 : 0;
}

void ingest_fail(struct kp_ingest *in)
{
    in->failed_any = 1;
}

/* ---- people and values from another stage ---- */

void ingest_people_begin(struct kp_ingest *in, const char *name)
{
    file_reset(in);
    in->roster_seen = 1;
    free(in->roster_name);
    in->roster_name = xstrdup(name);
}

static char *opt_dup(const char *s)
{
    return str_empty(s) ? NULL : xstrdup(s);
}

int ingest_person(struct kp_ingest *in, const struct kp_person *src)
{
    struct kp_data *d = in->d;
    if (in->roster_done || htab_get(in, src->rep_id) >= 0)
        return -1;
    xgrow(&d->people, &in->people_cap, d->npeople + 1, sizeof *d->people);
    struct kp_person *p = &d->people[d->npeople];
    memset(p, 0, sizeof *p);
    p->rep_id = xstrdup(src->rep_id);
    p->name = xstrdup(src->name);
    p->team = xstrdup(src->team);
    p->role_idx = src->role_idx;
    p->role = xstrdup(in->cfg->roles[src->role_idx].id);
    p->email = opt_dup(src->email);
    p->manager_id = opt_dup(src->manager_id);
    p->hire_date = opt_dup(src->hire_date);
    p->end_date = opt_dup(src->end_date);
    p->locale = opt_dup(src->locale);
    p->mgr = -1;
    p->line = src->line;
    if (in->cfg->nkeep_cols) {
        p->extra = xcalloc(in->cfg->nkeep_cols, sizeof *p->extra);
        for (size_t k = 0; src->extra && k < in->cfg->nkeep_cols; k++)
            p->extra[k] = opt_dup(src->extra[k]);
    }
    htab_put(in, d->npeople++);
    return 0;
}

int ingest_people_end(struct kp_ingest *in)
{
    roster_finish(in);
    return in->roster_failed || !in->roster_seen ? -1 : 0;
}

void ingest_derived(struct kp_ingest *in, size_t col)
{
    if (col < in->cfg->ncols)
        in->derived[col] = 1;
}

void ingest_value(struct kp_ingest *in, size_t person, int month, size_t col, double v)
{
    struct kp_data *d = in->d;
    if (in->roster_done && person < d->npeople && month >= 0 && month < d->nmonths &&
        col < d->ncols)
        *data_cell(d, person, month, col) = v;
}

void ingest_target(struct kp_ingest *in, size_t person, size_t kpi, double t)
{
    struct kp_data *d = in->d;
    if (!in->roster_done || person >= d->npeople || kpi >= in->cfg->nkpis)
        return;
    targets_alloc(in);
    d->ptarget[person * in->cfg->nkpis + kpi] = t;
}

/* A rule's column that no input has: an error at the rule's key. 1. */
static int rule_column(struct kp_ingest *in, const char *prefix, const char *id, const char *key,
                       const char *col)
{
    char *sec = xasprintf("%s%s", prefix, id);
    const char *file;
    long line = config_where(in->cfg, sec, key, &file);
    diag(KP_FATAL, file, line, 0, "[%s] %s: column \"%s\" is in no input (%s)", sec, key, col,
         in->metrics_name ? "not in the metrics file" : "no metrics file, no [derive.*] rule");
    free(sec);
    return 1;
}

/* A column a KPI's formula needs that no input has (neither the metrics file
 * nor a [derive.*] rule): an error at the formula's line, unless the KPI says
 * missing = allow; then it is "no data" for everyone (d->nodata, named in the
 * run's closing summary). Only when metric values were read: the roster
 * alone (mail) needs none. */
static int check_kpi_columns(struct kp_ingest *in)
{
    const struct kp_config *c = in->cfg;
    struct kp_data *d = in->d;
    int any = in->present != NULL, bad = 0;
    for (size_t k = 0; k < c->ncols; k++)
        any |= in->derived[k];
    if (!any)
        return 0;
    if (!in->present)
        in->present = xcalloc(c->ncols ? c->ncols : 1, 1);
    for (size_t k = 0; k < c->ncols; k++)
        in->present[k] |= in->derived[k];
    for (size_t i = 0; i < c->nkpis; i++) {
        const struct kp_kpi_def *kd = &c->kpis[i];
        size_t cols[64], n = kd->formula ? expr_columns(kd->formula, cols, 64) : 0;
        for (size_t j = 0; j < n; j++) {
            if (in->present[cols[j]])
                continue;
            if (kd->missing_allowed) {
                if (!d->nodata)
                    d->nodata = xcalloc(c->nkpis ? c->nkpis : 1, 1);
                d->nodata[i] = 1;
                continue;
            }
            char *sec = xasprintf("kpi.%s", kd->id);
            const char *file;
            long line = config_where(c, sec, "formula", &file);
            struct kp_buf b = {0};
            buf_printf(&b, "[%s] formula %s: column \"%s\" is in no input (%s", sec,
                       kd->formula_src, c->cols[cols[j]],
                       in->metrics_name ? in->metrics_name : "no metrics file");
            buf_adds(&b, in->metrics_name ? " has no such column" : ", no [derive.*] rule");
            buf_addc(&b, ')');
            const char *near = in->mhdr ? field_nearest(c->cols[cols[j]], in->mhdr, in->nmhdr)
                                        : NULL;
            if (near) {
                char *v = field_shown(near);
                buf_printf(&b, " (did you mean \"%s\"? map it in [columns])", v);
                free(v);
            }
            buf_printf(&b, "; to review without this KPI, add missing = allow to [%s]", sec);
            diag(KP_FATAL, file, line, 0, "%s", b.s);
            buf_free(&b);
            free(sec);
            bad = 1;
            break;
        }
    }
    /* The other rules that read columns: an idle alert on a column nobody has
     * would fire every month; a commission basis would be n/a. */
    for (size_t i = 0; i < c->nalerts; i++)
        for (size_t j = 0; j < c->alerts[i].ncols; j++)
            if (!in->present[c->alerts[i].cols[j]])
                bad |= rule_column(in, "alert.", c->alerts[i].id, "columns",
                                   c->cols[c->alerts[i].cols[j]]);
    size_t cols[64], n = c->commission.enabled && c->commission.basis
                             ? expr_columns(c->commission.basis, cols, 64)
                             : 0;
    for (size_t j = 0; j < n; j++)
        if (!in->present[cols[j]])
            bad |= rule_column(in, "commission", "", "basis", c->cols[cols[j]]);
    return bad ? -1 : 0;
}

int ingest_finish(struct kp_ingest *in)
{
    file_reset(in);
    if (!in->roster_done)
        roster_finish(in);
    if (in->teams_added)
        sort_teams(in->d);
    int rc = in->failed_any ? -1 : 0;
    if (!rc && in->d->npeople == 0) {
        diag(KP_FATAL, in->roster_name ? in->roster_name : NULL, 0, 0,
             "no usable rows: nobody to review");
        rc = -1;
    }
    if (!rc && check_kpi_columns(in) != 0)
        rc = -1;
    if (!rc && in->metrics_name && !in->metrics_used) {
        char a[8], b[8];
        month_format(in->d->m0, a);
        month_format(in->d->m0 + in->d->nmonths - 1, b);
        diag(KP_WARN, in->metrics_name, 0, 0,
             "no usable rows in the months used (%s..%s): every KPI will be n/a", a, b);
    }
    free(in->name);
    free(in->roster_name);
    free(in->metrics_name);
    free(in->htab);
    for (size_t i = 0; i < in->ndropped; i++)
        free(in->dropped[i].id);
    free(in->dropped);
    free(in->row);
    free(in->tline);
    free(in->derived);
    free(in->present);
    free(in->plan);
    strv_free(in->mhdr, in->nmhdr);
    free(in);
    return rc;
}

/* ---- numbers ---- */

struct lit {
    const char *s;
    size_t n;
};
#define LIT(s)                                                                                     \
    {                                                                                              \
        s, sizeof s - 1                                                                            \
    }

/* Spaces around a number: ASCII, no-break, ideographic, narrow no-break. */
static const struct lit spaces[] = {LIT(" "), LIT("\t"), LIT("\xC2\xA0"), LIT("\xE3\x80\x80"),
                                    LIT("\xE2\x80\xAF")};
static const struct lit currencies[] = {
    LIT("US$"),
    LIT("$"),
    LIT("\xC2\xA5") /* ¥ */,
    LIT("\xEF\xBF\xA5") /* ￥ */,
    LIT("\xE2\x82\xAC") /* € */,
    LIT("\xC2\xA3") /* £ */,
    LIT("USD"),
    LIT("CNY"),
    LIT("RMB"),
    LIT("EUR"),
    LIT("GBP"),
    LIT("\xE5\x85\x83") /* 元 */,
};

static int ieq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char x = a[i];
        if (x >= 'a' && x <= 'z')
            x = (char)(x - 'a' + 'A');
        if (x != b[i])
            return 0;
    }
    return 1;
}

/* Length of the entry of set found at p (prefix) or ending at e (!prefix);
 * 0 if none. */
static size_t match(const struct lit *set, size_t n, const char *b, const char *e, int prefix)
{
    for (size_t i = 0; i < n; i++) {
        if ((size_t)(e - b) < set[i].n)
            continue;
        if (ieq_n(prefix ? b : e - set[i].n, set[i].s, set[i].n))
            return set[i].n;
    }
    return 0;
}

static void trim(const char **b, const char **e)
{
    size_t n;
    while (*b < *e && (n = match(spaces, KP_NELEM(spaces), *b, *e, 1)) != 0)
        *b += n;
    while (*b < *e && (n = match(spaces, KP_NELEM(spaces), *b, *e, 0)) != 0)
        *e -= n;
}

static int take_currency(const char **b, const char **e, int prefix)
{
    if (*b >= *e)
        return 0;
    char c = prefix ? **b : (*e)[-1];
    if (c >= '0' && c <= '9')
        return 0; /* the common case: a digit, no currency */
    size_t n = match(currencies, KP_NELEM(currencies), *b, *e, prefix);
    if (prefix)
        *b += n;
    else
        *e -= n;
    return n != 0;
}

static int take_sign(const char **b, const char *e, int *sign)
{
    if (*sign || *b >= e || (**b != '+' && **b != '-'))
        return 0;
    *sign = **b;
    (*b)++;
    return 1;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Digits with optional groups of three, a decimal part, an exponent: copied
 * to out as plain C-locale text. 0 or -1. */
static int plain_number(const char *p, const char *e, int decimal_comma, char *out, size_t cap)
{
    char group = decimal_comma ? '.' : ',', point = decimal_comma ? ',' : '.';
    size_t o = 0, ndig = 0, glen = 0;
    int grouped = 0;
    if ((size_t)(e - p) > 300 || (size_t)(e - p) >= cap)
        return -1; /* no figure is that long; and out must hold it */
    for (; p < e && (is_digit(*p) || *p == group); p++) {
        if (*p == group) {
            if (!ndig || (grouped ? glen != 3 : glen > 3))
                return -1;
            grouped = 1, glen = 0;
            continue;
        }
        out[o++] = *p, ndig++, glen++;
    }
    if (grouped && glen != 3)
        return -1;
    if (p < e && *p == point) {
        out[o++] = '.';
        for (p++; p < e && is_digit(*p); p++)
            out[o++] = *p, ndig++;
    }
    if (!ndig)
        return -1;
    if (p < e && (*p == 'e' || *p == 'E')) {
        if (grouped)
            return -1;
        out[o++] = 'e', p++;
        if (p < e && (*p == '+' || *p == '-'))
            out[o++] = *p++;
        if (p >= e || !is_digit(*p))
            return -1;
        while (p < e && is_digit(*p))
            out[o++] = *p++;
    }
    out[o] = '\0';
    return p == e ? 0 : -1;
}

int ingest_number(const char *s, int decimal_comma, double *out)
{
    const char *b = s, *e = s + strlen(s);
    int paren = 0, sign = 0, pct = 0, cur = 0;
    trim(&b, &e);
    if (b == e)
        return 1;
    if (*b == '(' && e[-1] == ')' && e - b >= 2) {
        paren = 1, b++, e--;
        trim(&b, &e);
    }
    if (take_sign(&b, e, &sign))
        trim(&b, &e);
    if ((cur = take_currency(&b, &e, 1)) != 0) {
        trim(&b, &e);
        if (take_sign(&b, e, &sign))
            trim(&b, &e);
    }
    if (b < e && e[-1] == '%') {
        pct = 1, e--;
        trim(&b, &e);
    }
    if (!cur && take_currency(&b, &e, 0))
        trim(&b, &e);
    char num[320];
    if ((paren && sign) || plain_number(b, e, decimal_comma, num, sizeof num) != 0)
        return -1;
    double v = strtod(num, NULL);
    if (!isfinite(v))
        return -1;
    if (pct)
        v /= 100;
    if (paren || sign == '-')
        v = -v;
    *out = v == 0 ? 0.0 : v;
    return 0;
}
