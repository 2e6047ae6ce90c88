/* config — see config.h.
 *
 * Loading: ini.c reads the file (and what it includes) with line numbers;
 * then every section and key is checked against the schema below, and each
 * section is read into struct kp_config, values parsed with our own strict
 * parsers (never iniparser_getint/getdouble: CVE-2023-33461).
 * Every problem is reported; the config is returned only when none was. */
#include "config.h"

#include "chart.h"
#include "diag.h"
#include "expr.h"
#include "field.h"
#include "pdf.h"
#include "sys.h"
#include "util.h"

#include "image.h"
#include "ini.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const kp_format_names[] = {"percent", "number", "currency", "days", "score"};

struct loader {
    struct kp_config *c;
    int errors;
};

#define MAX_WINDOW 24 /* months in a review window */
#define MAX_SHOWN 20 /* errors printed (10,000 unknown sections are one mistake) */

static void cfg_error(struct loader *L, const char *file, long line, long col, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));
static void cfg_error(struct loader *L, const char *file, long line, long col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (L->errors < MAX_SHOWN) /* the rest are counted (config_load says how many) */
        diag(KP_FATAL, file, line, col, "%s", msg);
    free(msg);
    L->errors++;
}

static const struct kp_ini_entry *find_entry(const struct kp_config *c, const char *sec,
                                             const char *key)
{
    return ini_find(c->ini, sec, key);
}

/* Report at the line of section:key (or the section, or the file). */
static void key_error(struct loader *L, const char *sec, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void key_error(struct loader *L, const char *sec, const char *key, const char *fmt, ...)
{
    const struct kp_ini_entry *e = find_entry(L->c, sec, key);
    if (!e)
        e = find_entry(L->c, sec, NULL);
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (key)
        cfg_error(L, e ? e->file : L->c->path, e ? e->line : 0, 0, "[%s] %s: %s", sec, key, msg);
    else
        cfg_error(L, e ? e->file : L->c->path, e ? e->line : 0, 0, "[%s]: %s", sec, msg);
    free(msg);
}

/* ------------------------------------------------------------------ */
/* Step 3: the schema                                                  */

struct rule {
    const char *sec; /* "input", or "kpi.*" for a family of sections */
    const char *key; /* "roster", or "label.*" for a family of keys */
};

/* Every key kpipress reads. Later stages add their sections here. */
static const struct rule schema[] = {
    {"config", "include"},
    {"input", "roster"}, {"input", "metrics"}, {"input", "targets"}, {"input", "encoding"},
    {"input", "delimiter"}, {"input", "decimal"}, {"input", "sheet"}, {"input", "extra"},
    {"input", "keep"}, {"input", "plan"}, {"input", "date_format"},
    {"columns", "*"},
    {"review", "label"}, {"review", "from"}, {"review", "to"}, {"review", "history"},
    {"review", "as_of"}, {"review", "language"},
    {"output", "dir"}, {"output", "org_packet"}, {"output", "ascii_names"},
    {"output", "rejects_max"}, {"output", "xlsx"},
    {"org", "name"}, {"org", "currency"},
    {"scoring", "cap"}, {"scoring", "targets"}, {"scoring", "leaderboard"},
    {"scoring", "prorate"}, {"ramp", "*"},
    {"kpi.*", "label.*"}, {"kpi.*", "formula"}, {"kpi.*", "format"}, {"kpi.*", "decimals"},
    {"kpi.*", "better"}, {"kpi.*", "target"}, {"kpi.*", "min_sample"}, {"kpi.*", "sample"},
    {"kpi.*", "team_target"}, {"kpi.*", "missing"},
    {"role.*", "label.*"}, {"role.*", "aliases"}, {"role.*", "weight.*"}, {"role.*", "target.*"},
    {"band.*", "min"}, {"band.*", "label.*"}, {"band.*", "color"},
    {"alert.*", "type"}, {"alert.*", "kpis"}, {"alert.*", "columns"}, {"alert.*", "threshold"},
    {"alert.*", "label.*"},
    {"commission", "kpi"}, {"commission", "basis"}, {"commission", "tiers"},
    {"commission", "mode"}, {"commission", "pool_from"}, {"commission", "pool_rate"},
    {"commission", "cap"},
    {"theme", "page"}, {"theme", "accent"}, {"theme", "logo"}, {"theme", "charts"},
    {"theme", "title.*"}, {"theme", "confidential.*"}, {"theme", "chart_timeout"},
    {"theme", "chart_font_size"}, {"theme", "chart_line_width"}, {"theme", "chart_color.*"},
    {"coaching", "goal"}, {"coaching", "focus"}, {"coaching", "follow_up_days"},
    {"coaching", "templates"},
    {"mail", "from"}, {"mail", "reply_to"}, {"mail", "cc_manager"}, {"mail", "smtp"},
    {"mail", "user"}, {"mail", "password_env"}, {"mail", "password_file"}, {"mail", "rate"},
    {"mail", "html"}, {"mail", "pdf_password"}, {"mail", "retries"}, {"mail", "timeout"},
    {"mail", "backoff"}, {"mail", "ca_file"},
    {"archive", "dir"},
    {"plan", "months"}, {"plan", "growth"}, {"plan", "growth.*"}, {"plan", "market.*"},
    {"plan", "market_kpi"}, {"plan", "margin"}, {"plan", "round"},
    /* The CRM export (crm.c reads these; see docs/crm.md). */
    {"crm", "deals"}, {"crm", "owner"}, {"crm", "stage"}, {"crm", "amount"},
    {"crm", "created"}, {"crm", "engaged"}, {"crm", "closed"}, {"crm", "deal_id"},
    {"crm", "date_format"}, {"crm", "won"}, {"crm", "lost"}, {"crm", "open"},
    {"crm", "since"}, {"crm", "encoding"}, {"crm", "targets"},
    {"crm", "team_list"}, {"crm", "name"}, {"crm", "manager"}, {"crm", "team"},
    {"crm", "role"}, {"crm", "default_role"}, {"crm", "manager_role"},
    {"crm", "leaders_team"}, {"crm", "email"}, {"crm", "locale"}, {"crm", "hire_date"},
    {"crm", "id"}, {"crm", "end_date"},
    {"derive.*", "deals"}, {"derive.*", "date"}, {"derive.*", "value"}, {"derive.*", "where"},
};

static int pattern_match(const char *pat, const char *s)
{
    size_t n = strlen(pat);
    if (n >= 1 && pat[n - 1] == '*')
        return strncmp(pat, s, n - 1) == 0 && s[n - 1] != '\0';
    return strcmp(pat, s) == 0;
}

static int known_section(const char *sec)
{
    for (size_t i = 0; i < KP_NELEM(schema); i++)
        if (pattern_match(schema[i].sec, sec))
            return 1;
    return 0;
}

static int known_key(const char *sec, const char *key)
{
    for (size_t i = 0; i < KP_NELEM(schema); i++)
        if (pattern_match(schema[i].sec, sec) && pattern_match(schema[i].key, key))
            return 1;
    return 0;
}

static const char *suggest_key(const char *sec, const char *key)
{
    const char *best = NULL;
    size_t bd = 3;
    for (size_t i = 0; i < KP_NELEM(schema); i++) {
        if (!pattern_match(schema[i].sec, sec) || strchr(schema[i].key, '*'))
            continue;
        size_t d = text_distance(schema[i].key, strlen(schema[i].key), key, strlen(key));
        if (d < bd)
            bd = d, best = schema[i].key;
    }
    return best;
}

static void check_schema(struct loader *L)
{
    for (size_t i = 0; i < ini_count(L->c->ini); i++) {
        const struct kp_ini_entry *e = ini_entry(L->c->ini, i);
        if (!e->key) {
            if (!known_section(e->sec))
                cfg_error(L, e->file, e->line, 1, "unknown section [%s]", e->sec);
            continue;
        }
        if (!known_section(e->sec) || known_key(e->sec, e->key))
            continue;
        const char *s = suggest_key(e->sec, e->key);
        if (s)
            cfg_error(L, e->file, e->line, 1, "unknown key \"%s\" in [%s] (did you mean \"%s\"?)",
                      e->key, e->sec, s);
        else
            cfg_error(L, e->file, e->line, 1, "unknown key \"%s\" in [%s]", e->key, e->sec);
    }
}

/* ------------------------------------------------------------------ */
/* Step 4: values                                                      */

const char *config_get(const struct kp_config *c, const char *sec, const char *key)
{
    return ini_get(c->ini, sec, key);
}

long config_line(const struct kp_config *c, const char *sec, const char *key)
{
    const struct kp_ini_entry *e = find_entry(c, sec, key);
    return e ? e->line : 0;
}

long config_where(const struct kp_config *c, const char *sec, const char *key, const char **file)
{
    const struct kp_ini_entry *e = c->ini ? find_entry(c, sec, key) : NULL;
    if (!e && c->ini)
        e = find_entry(c, sec, NULL);
    *file = e ? e->file : c->path;
    return e ? e->line : 0;
}

static const char *get(struct loader *L, const char *sec, const char *key)
{
    const char *v = config_get(L->c, sec, key);
    return str_empty(v) ? NULL : v;
}

/* A number, optionally with a trailing '%' (then divided by 100). */
static int value_number(const char *s, double *out)
{
    char *dup = xstrdup(s), *t = str_trim(dup); /* t may point past dup's start */
    size_t n = strlen(t);
    double scale = 1;
    if (n && t[n - 1] == '%') {
        t[--n] = '\0';
        scale = 0.01;
        char *u = str_trim(t);
        memmove(t, u, strlen(u) + 1);
    }
    int rc = parse_double(t, out);
    free(dup);
    if (rc == 0 && scale != 1)
        *out /= 100; /* 95 / 100 is exactly the double 0.95; 95 * 0.01 is not */
    return rc;
}

static double get_number(struct loader *L, const char *sec, const char *key, double def,
                         double lo, double hi)
{
    const char *v = get(L, sec, key);
    double d;
    if (!v)
        return def;
    if (value_number(v, &d) != 0) {
        key_error(L, sec, key, "\"%s\" is not a number", v);
        return def;
    }
    if (d < lo || d > hi) {
        key_error(L, sec, key, "%s is out of range (%g to %g)", v, lo, hi);
        return def;
    }
    return d;
}

/* A share (1 = 100%) written as a plain number above limit was surely meant
 * as a percentage: "threshold = 15" would be 1500%. */
static void check_share(struct loader *L, const char *sec, const char *key, double v, double limit)
{
    const char *raw = get(L, sec, key);
    if (raw && !strchr(raw, '%') && !isnan(v) && fabs(v) > limit)
        key_error(L, sec, key, "%s is a share (1 = 100%%), so this reads as %g%%: write %s%% "
                  "(or %g)", raw, v * 100, raw, v / 100);
}

static long get_int(struct loader *L, const char *sec, const char *key, long def, long lo,
                    long hi)
{
    const char *v = get(L, sec, key);
    long n;
    if (!v)
        return def;
    if (parse_long(v, &n) != 0 || n < lo || n > hi) {
        key_error(L, sec, key, "wants a whole number from %ld to %ld, not \"%s\"", lo, hi, v);
        return def;
    }
    return n;
}

/* One of the words in choices (a NULL-terminated list); returns its index. */
static int get_choice(struct loader *L, const char *sec, const char *key, const char *const *choices,
                      int def)
{
    const char *v = get(L, sec, key);
    if (!v)
        return def;
    for (int i = 0; choices[i]; i++)
        if (str_ieq(v, choices[i]))
            return i;
    struct kp_buf b = {0};
    for (int i = 0; choices[i]; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", choices[i]);
    key_error(L, sec, key, "\"%s\" is not one of: %s", v, b.s);
    buf_free(&b);
    return def;
}

static char *get_path(struct loader *L, const char *sec, const char *key, const char *def)
{
    const char *v = get(L, sec, key);
    if (!v)
        v = def;
    if (!v)
        return NULL;
    const struct kp_ini_entry *e = find_entry(L->c, sec, key);
    char *dir = e ? path_dir(e->file) : xstrdup(L->c->dir);
    char *p = path_resolve(dir, v);
    free(dir);
    return p;
}

static int valid_id(const char *s)
{
    if (!s || !(islower((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
            return 0;
    return 1;
}

static int valid_lang(const char *s)
{
    return s && strlen(s) == 2 && islower((unsigned char)s[0]) && islower((unsigned char)s[1]);
}

/* All "prefix.*" keys of a section, in file order (suffixes, new strings). */
static size_t keys_with_prefix(struct loader *L, const char *sec, const char *prefix, char ***out)
{
    char **v = NULL;
    size_t n = 0;
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < ini_count(L->c->ini); i++) {
        const struct kp_ini_entry *e = ini_entry(L->c->ini, i);
        if (!e->key || strcmp(e->sec, sec) != 0 || strncmp(e->key, prefix, pl) != 0)
            continue;
        int dup = 0;
        for (size_t j = 0; j < n; j++)
            dup |= strcmp(v[j], e->key + pl) == 0;
        if (dup)
            continue;
        v = xrealloc(v, (n + 1) * sizeof *v);
        v[n++] = xstrdup(e->key + pl);
    }
    *out = v;
    return n;
}

static void read_labels(struct loader *L, const char *sec, struct kp_text **out, size_t *nout)
{
    char **langs;
    size_t n = keys_with_prefix(L, sec, "label.", &langs);
    *out = xcalloc(n ? n : 1, sizeof **out);
    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        char *k = xasprintf("label.%s", langs[i]);
        const char *v = get(L, sec, k);
        if (!valid_lang(langs[i]))
            key_error(L, sec, k, "a label's language is two letters, like label.en or label.zh");
        else if (v) {
            (*out)[*nout].lang = xstrdup(langs[i]);
            (*out)[(*nout)++].text = xstrdup(v);
        }
        free(k);
    }
    strv_free(langs, n);
}

/* Section names of a family ("kpi." -> ids), in file order, unique. */
static size_t sections_with_prefix(struct loader *L, const char *prefix, char ***out)
{
    char **v = NULL;
    size_t n = 0, pl = strlen(prefix);
    for (size_t i = 0; i < ini_count(L->c->ini); i++) {
        const struct kp_ini_entry *e = ini_entry(L->c->ini, i);
        if (e->key || strncmp(e->sec, prefix, pl) != 0)
            continue;
        int dup = 0;
        for (size_t j = 0; j < n; j++)
            dup |= strcmp(v[j], e->sec + pl) == 0;
        if (dup)
            continue;
        v = xrealloc(v, (n + 1) * sizeof *v);
        v[n++] = xstrdup(e->sec + pl);
    }
    *out = v;
    return n;
}

/* Parse a formula; a syntax error is reported at the formula's own column. */
static struct kp_expr *get_formula(struct loader *L, const char *sec, const char *key,
                                   char **src_out, int allow_group)
{
    const char *v = get(L, sec, key);
    *src_out = v ? xstrdup(v) : NULL;
    if (!v)
        return NULL;
    struct kp_config *c = L->c;
    const char **kpis = xcalloc(c->nkpis + 1, sizeof *kpis);
    for (size_t i = 0; i < c->nkpis; i++)
        kpis[i] = c->kpis[i].id;
    struct kp_expr_err err;
    struct kp_expr *e = expr_parse(v, (const char *const *)c->cols, c->ncols, kpis,
                                   allow_group ? c->nkpis : 0, &err);
    free(kpis);
    const struct kp_ini_entry *en = find_entry(c, sec, key);
    if (!e)
        cfg_error(L, en ? en->file : c->path, en ? en->line : 0,
                  en ? (long)(en->value_col + err.col - 1) : 0, "[%s] %s: %s", sec, key, err.msg);
    else if (expr_divides_by_zero(e))
        diag(KP_WARN, en ? en->file : c->path, en ? en->line : 0, en ? (long)en->value_col : 0,
             "[%s] %s: divides by a constant zero, so it is n/a whatever the data", sec, key);
    return e;
}

/* ---- [input] [columns] ---- */

static int delimiter_of(struct loader *L)
{
    static const char *const names[] = {"auto", "comma", "semicolon", "tab", ",", ";", NULL};
    static const char chars[] = {0, ',', ';', '\t', ',', ';'};
    const char *v = config_get(L->c, "input", "delimiter");
    if (v && strcmp(v, ";") == 0)
        return ';'; /* iniparser would have cut it; quoted it survives */
    int i = get_choice(L, "input", "delimiter", names, 0);
    return chars[i];
}

/* Columns the CRM export derives ([derive.ID], crm.c): a canonical column
 * or a new one, appended after the others so formulas can name it. */
static void read_derived_cols(struct loader *L)
{
    struct kp_config *c = L->c;
    char **ids;
    size_t n = sections_with_prefix(L, "derive.", &ids);
    c->cols = xrealloc(c->cols, (c->ncols + n + 1) * sizeof *c->cols);
    for (size_t i = 0; i < n; i++) {
        char *sec = xasprintf("derive.%s", ids[i]);
        int dup = 0;
        for (size_t j = 0; j < c->ncols; j++)
            dup |= strcmp(c->cols[j], ids[i]) == 0;
        if (!valid_id(ids[i]))
            key_error(L, sec, NULL, "a derived column's name is lower case letters, digits "
                      "and _");
        else if (!dup)
            c->cols[c->ncols++] = xstrdup(ids[i]);
        free(sec);
    }
    strv_free(ids, n);
}

static void read_input(struct loader *L)
{
    struct kp_config *c = L->c;
    c->roster = get_path(L, "input", "roster", "roster.csv");
    c->metrics = get_path(L, "input", "metrics", "metrics.csv");
    c->targets = get_path(L, "input", "targets", NULL);
    const char *enc = get(L, "input", "encoding");
    if (enc && !str_ieq(enc, "utf-8") && !str_ieq(enc, "utf8")) {
        iconv_t cd = iconv_open("UTF-8", enc);
        if (cd == (iconv_t)-1)
            key_error(L, "input", "encoding", "unknown encoding \"%s\" (try GBK, GB18030, "
                      "UTF-16LE, ISO-8859-1)", enc);
        else
            iconv_close(cd);
        c->encoding = xstrdup(enc);
    }
    c->delimiter = (char)delimiter_of(L);
    const char *sheet = get(L, "input", "sheet");
    c->sheet = sheet && *sheet ? xstrdup(sheet) : NULL;
    static const char *const decimals[] = {".", ",", NULL};
    c->decimal_comma = get_choice(L, "input", "decimal", decimals, 0) == 1;
    char *derr = NULL; /* the dates of roster and metrics: field.h's one rule, as [crm]'s */
    const char *df = get(L, "input", "date_format");
    if (field_date_formats(df ? df : "ISO", &c->date_formats, &derr) != 0)
        key_error(L, "input", "date_format", "%s", derr);
    free(derr);

    /* Metric columns: canonical, then [input] extra. */
    char **extra = NULL;
    size_t nextra = str_split(get(L, "input", "extra"), ',', &extra);
    c->cols = xcalloc(KP_NCANON + nextra, sizeof *c->cols);
    for (size_t i = 0; i < KP_NCANON; i++)
        c->cols[c->ncols++] = xstrdup(kp_canon_cols[i]);
    for (size_t i = 0; i < nextra; i++) {
        int dup = 0;
        for (size_t j = 0; j < c->ncols; j++)
            dup |= strcmp(c->cols[j], extra[i]) == 0;
        if (!valid_id(extra[i]))
            key_error(L, "input", "extra",
                      "\"%s\": column names are lower case letters, digits and _", extra[i]);
        else if (dup)
            key_error(L, "input", "extra", "\"%s\" is already a column", extra[i]);
        else
            c->cols[c->ncols++] = xstrdup(extra[i]);
    }
    strv_free(extra, nextra);
    c->nkeep_cols = str_split(get(L, "input", "keep"), ',', &c->keep_cols);
    read_derived_cols(L);
    c->plan_col = xcalloc(c->ncols ? c->ncols : 1, 1);
    const char *pv = get(L, "input", "plan");
    char **plan;
    size_t np = str_split(pv ? pv : "quota", ',', &plan);
    for (size_t i = 0; i < np; i++) {
        size_t k = 0;
        while (k < c->ncols && strcmp(c->cols[k], plan[i]) != 0)
            k++;
        if (k < c->ncols)
            c->plan_col[k] = 1;
        else
            key_error(L, "input", "plan", "no metric column \"%s\"", plan[i]);
    }
    strv_free(plan, np);
}

static int is_column_name(const struct kp_config *c, const char *name)
{
    if (strcmp(name, "period") == 0)
        return 1;
    for (size_t i = 0; i < KP_NROSTER; i++)
        if (strcmp(kp_roster_cols[i], name) == 0)
            return 1;
    for (size_t i = 0; i < c->ncols; i++)
        if (strcmp(c->cols[i], name) == 0)
            return 1;
    for (size_t i = 0; i < c->nkeep_cols; i++)
        if (strcmp(c->keep_cols[i], name) == 0)
            return 1;
    return 0;
}

static void read_columns(struct loader *L)
{
    struct kp_config *c = L->c;
    for (size_t i = 0; i < ini_count(c->ini); i++) {
        const struct kp_ini_entry *e = ini_entry(c->ini, i);
        if (!e->key || strcmp(e->sec, "columns") != 0)
            continue;
        const char *v = get(L, "columns", e->key);
        if (!is_column_name(c, e->key)) {
            char **names = xcalloc(KP_NROSTER + c->ncols + 1, sizeof *names);
            size_t n = 0;
            names[n++] = "period";
            for (size_t k = 0; k < KP_NROSTER; k++)
                names[n++] = (char *)kp_roster_cols[k];
            for (size_t k = 0; k < c->ncols; k++)
                names[n++] = c->cols[k];
            const char *near = field_nearest(e->key, names, n);
            if (near)
                cfg_error(L, e->file, e->line, 1,
                          "[columns] %s: not a column kpipress reads (did you mean \"%s\"?)",
                          e->key, near);
            else
                cfg_error(L, e->file, e->line, 1,
                          "[columns] %s: not a column kpipress reads (the canonical names are "
                          "in docs/contract.md; declare new metric columns with [input] extra)",
                          e->key);
            free(names);
            continue;
        }
        if (!v) {
            cfg_error(L, e->file, e->line, 1, "[columns] %s: the header name is empty", e->key);
            continue;
        }
        int dup = 0;
        for (size_t j = 0; j < c->ncolmap; j++)
            dup |= strcmp(c->colmap[j].canon, e->key) == 0;
        if (dup)
            continue; /* a repeated key was warned about by the scan; iniparser kept the last */
        c->colmap = xrealloc(c->colmap, (c->ncolmap + 1) * sizeof *c->colmap);
        c->colmap[c->ncolmap].canon = xstrdup(e->key);
        c->colmap[c->ncolmap++].header = xstrdup(v);
    }
}

/* ---- [review] [output] [org] [scoring] ---- */

static void read_review(struct loader *L)
{
    struct kp_config *c = L->c;
    const char *from = get(L, "review", "from"), *to = get(L, "review", "to");
    if (!from || month_parse(from, &c->from) != 0)
        key_error(L, "review", "from", from ? "\"%s\" is not a month: write YYYY-MM"
                                            : "%sthe first month of the window is required",
                  from ? from : "");
    if (!to || month_parse(to, &c->to) != 0)
        key_error(L, "review", "to", to ? "\"%s\" is not a month: write YYYY-MM"
                                        : "%sthe last month of the window is required",
                  to ? to : "");
    c->history = (int)get_int(L, "review", "history", 6, 0, 36);
    c->as_of = -1;
    const char *as_of = get(L, "review", "as_of");
    if (as_of && date_parse(as_of, &c->as_of) != 0)
        key_error(L, "review", "as_of", "\"%s\" is not a date: write YYYY-MM-DD", as_of);
    const char *lang = get(L, "review", "language");
    if (lang && !valid_lang(lang))
        key_error(L, "review", "language", "\"%s\": a language is two letters, like en or zh",
                  lang);
    c->language = xstrdup(lang && valid_lang(lang) ? lang : "en");
    const char *label = get(L, "review", "label");
    c->label = label ? xstrdup(label) : NULL;

    c->outdir = get_path(L, "output", "dir", "out");
    c->rejects_max = get_int(L, "output", "rejects_max", 100000, 0, 1000000000);
    get_choice(L, "output", "xlsx", (const char *const[]){"yes", "no", NULL}, 0); /* xlsxout.c */
    const char *org = get(L, "org", "name");
    c->org_name = xstrdup(org ? org : "");
    const char *cur = get(L, "org", "currency");
    c->currency = xstrdup(cur ? cur : "$");
}

/* A drop alert needs a whole previous window in the months held. */
static void check_drop_history(struct loader *L)
{
    struct kp_config *c = L->c;
    int len = c->to - c->from + 1;
    for (size_t i = 0; i < c->nalerts && c->history < len; i++) {
        if (c->alerts[i].kind != KP_ALERT_DROP)
            continue;
        char *sec = xasprintf("alert.%s", c->alerts[i].id);
        const struct kp_ini_entry *e = find_entry(c, sec, "type");
        diag(KP_WARN, e ? e->file : c->path, e ? e->line : 0, 0,
             "[%s] compares with the previous %d months, but [review] history = %d holds "
             "fewer: it never fires (set history = %d or more)",
             sec, len, c->history, len);
        free(sec);
    }
}

const char *config_window_problem(const struct kp_config *c)
{
    if (c->from > c->to)
        return "the window ends before it starts";
    if (c->to - c->from >= MAX_WINDOW)
        return "the window is longer than 24 months";
    return NULL;
}

static void check_window(struct loader *L)
{
    struct kp_config *c = L->c;
    const char *bad = config_window_problem(c);
    if (bad && c->from > c->to)
        key_error(L, "review", "to", "the window ends (%s) before it starts (%s)",
                  get(L, "review", "to"), get(L, "review", "from"));
    else if (bad)
        key_error(L, "review", "to", "%s", bad);
    if (!c->label && !L->errors) {
        char a[8], b[8];
        month_format(c->from, a);
        month_format(c->to, b);
        c->label = c->from == c->to ? xstrdup(a) : xasprintf("%s..%s", a, b);
    }
    if (c->as_of >= 0) {
        int y, m, d;
        date_split(c->as_of, &y, &m, &d);
        kp_month am = y * 12 + m - 1;
        if (am < c->from)
            key_error(L, "review", "as_of", "is before the window starts");
    }
    check_drop_history(L);
}

static void read_scoring(struct loader *L)
{
    struct kp_config *c = L->c;
    c->cap = get_number(L, "scoring", "cap", 1.5, 1.0, 10.0);
    static const char *const lb[] = {"off", "anonymous", "names", NULL};
    c->leaderboard = get_choice(L, "scoring", "leaderboard", lb, 0);
    static const char *const pr[] = {"month", "day", "off", NULL};
    c->prorate = get_choice(L, "scoring", "prorate", pr, KP_PRORATE_MONTH);
    c->precedence[0] = KP_TS_PERSON, c->precedence[1] = KP_TS_ROLE,
    c->precedence[2] = KP_TS_DEFAULT;
    char **v;
    size_t n = str_split(get(L, "scoring", "targets"), ',', &v);
    if (n) {
        int seen[3] = {0};
        for (size_t i = 0; i < n && i < 3; i++) {
            int k = str_ieq(v[i], "person") ? 0 : str_ieq(v[i], "role") ? 1
                    : str_ieq(v[i], "default") ? 2 : -1;
            if (k < 0 || seen[k])
                key_error(L, "scoring", "targets",
                          "list person, role and default once each, in the order that wins");
            else {
                seen[k] = 1;
                c->precedence[i] = (enum kp_target_src)k;
            }
        }
        if (n != 3)
            key_error(L, "scoring", "targets",
                      "list person, role and default once each, in the order that wins");
    }
    strv_free(v, n);
}

/* [ramp]: "N = share" for months 1 .. n since hire, each once, none left out. */
static void read_ramp(struct loader *L)
{
    struct kp_config *c = L->c;
    char **keys;
    size_t n = keys_with_prefix(L, "ramp", "", &keys);
    c->ramp = xcalloc(n ? n : 1, sizeof *c->ramp);
    for (size_t i = 0; i < n; i++)
        c->ramp[i] = NAN;
    for (size_t i = 0; i < n; i++) {
        long m;
        if (parse_long(keys[i], &m) != 0 || m < 1 || (size_t)m > n) {
            key_error(L, "ramp", keys[i],
                      "a ramp key is a month since hire, 1 (the hire month) to %zu, each once", n);
            continue;
        }
        c->ramp[m - 1] = get_number(L, "ramp", keys[i], 1, 0, 100);
        check_share(L, "ramp", keys[i], c->ramp[m - 1], 1);
        if (c->ramp[m - 1] > 1)
            c->ramp[m - 1] = 1;
    }
    c->nramp = n;
    for (size_t i = 0; i < n && !L->errors; i++)
        if (isnan(c->ramp[i]))
            key_error(L, "ramp", keys[0], "month %zu since hire is missing (list 1 to %zu)", i + 1,
                      n);
    strv_free(keys, n);
}

/* ---- [plan] ---- */

/* "5,000,000" (commas between groups of three digits) as 5000000. */
static int plan_amount(const char *v, double *out)
{
    char buf[64];
    size_t n = 0, digits = 0;
    int commas = 0, ok = 1;
    for (const char *s = v; *s && n + 1 < sizeof buf; s++) {
        if (*s == ',') {
            ok &= digits >= 1 && (commas ? digits == 3 : digits <= 3);
            commas = 1, digits = 0;
            continue;
        }
        if (*s == '.')
            ok &= !commas || digits == 3, commas = 0;
        digits = isdigit((unsigned char)*s) ? digits + 1 : 0;
        buf[n++] = *s;
    }
    buf[n] = '\0';
    ok &= !commas || digits == 3;
    return ok && value_number(buf, out) == 0 ? 0 : -1;
}

static size_t read_plan_keys(struct loader *L, const char *prefix, struct kp_plan_key **out)
{
    char **keys;
    size_t n = keys_with_prefix(L, "plan", prefix, &keys);
    *out = xcalloc(n ? n : 1, sizeof **out);
    for (size_t i = 0; i < n; i++) {
        char key[256];
        snprintf(key, sizeof key, "%s%s", prefix, keys[i]);
        struct kp_plan_key *k = &(*out)[i];
        k->name = keys[i], k->line = config_line(L->c, "plan", key);
        if (strcmp(prefix, "growth.") == 0) {
            k->value = get_number(L, "plan", key, 0, -1, 100);
            check_share(L, "plan", key, k->value, 1);
        } else if (plan_amount(get(L, "plan", key) ? get(L, "plan", key) : "", &k->value) != 0 ||
                   k->value < 0) {
            key_error(L, "plan", key, "\"%s\" is not an amount (5000000 or 5,000,000)",
                      get(L, "plan", key) ? get(L, "plan", key) : "");
        }
    }
    free(keys);
    return n;
}

static void read_plan(struct loader *L)
{
    struct kp_plan_cfg *p = &L->c->plan;
    p->months = (int)get_int(L, "plan", "months", 6, 1, 24);
    p->growth = get_number(L, "plan", "growth", 0, -1, 100);
    check_share(L, "plan", "growth", p->growth, 1);
    p->margin = get_number(L, "plan", "margin", 0.15, 0, 1);
    check_share(L, "plan", "margin", p->margin, 1);
    p->round = get_number(L, "plan", "round", 1, 0, 1e12);
    p->market_kpi = xstrdup(get(L, "plan", "market_kpi") ? get(L, "plan", "market_kpi") : "revenue");
    p->market_kpi_line = config_line(L->c, "plan", "market_kpi");
    p->ngrowths = read_plan_keys(L, "growth.", &p->growths);
    p->nmarkets = read_plan_keys(L, "market.", &p->markets);
}

/* ---- [kpi.*] ---- */

static void read_kpis(struct loader *L)
{
    struct kp_config *c = L->c;
    char **ids;
    size_t n = sections_with_prefix(L, "kpi.", &ids);
    c->kpis = xcalloc(n ? n : 1, sizeof *c->kpis);
    for (size_t i = 0; i < n; i++) { /* ids first: group functions may name any KPI */
        struct kp_kpi_def *k = &c->kpis[c->nkpis++];
        k->id = xstrdup(ids[i]);
        char *sec = xasprintf("kpi.%s", ids[i]);
        if (!valid_id(ids[i]))
            key_error(L, sec, NULL, "a KPI id is lower case letters, digits and _");
        free(sec);
    }
    static const char *const better[] = {"higher", "lower", NULL};
    static const char *const team_target[] = {"auto", "sum", "same", NULL};
    for (size_t i = 0; i < n; i++) {
        struct kp_kpi_def *k = &c->kpis[i];
        char *sec = xasprintf("kpi.%s", ids[i]);
        const struct kp_ini_entry *e = find_entry(c, sec, NULL);
        k->line = e ? e->line : 0;
        read_labels(L, sec, &k->label, &k->nlabel);
        k->formula = get_formula(L, sec, "formula", &k->formula_src, 1);
        if (!k->formula_src)
            key_error(L, sec, NULL, "a KPI needs a formula, e.g. formula = sum(won) / "
                      "sum(opportunities)");
        k->sample = get_formula(L, sec, "sample", &k->sample_src, 0);
        k->min_sample = get_number(L, sec, "min_sample", 0, 0, 1e12);
        k->format = (enum kp_format)get_choice(L, sec, "format", (const char *const[]){
            "percent", "number", "currency", "days", "score", NULL}, KP_FMT_NUMBER);
        k->decimals = (int)get_int(L, sec, "decimals", -1, 0, 6);
        k->lower_better = get_choice(L, sec, "better", better, 0) == 1;
        k->target = get_number(L, sec, "target", NAN, -1e15, 1e15);
        if (k->format == KP_FMT_PERCENT)
            check_share(L, sec, "target", k->target, 10);
        int tt = get_choice(L, sec, "team_target", team_target, 0);
        k->team_target_sum = tt == 1 || (tt == 0 && k->formula && expr_is_additive(k->formula));
        static const char *const missing[] = {"error", "allow", NULL};
        k->missing_allowed = get_choice(L, sec, "missing", missing, 0) == 1;
        free(sec);
    }
    /* A group function may not name a KPI that itself uses one. */
    for (size_t i = 0; i < c->nkpis; i++) {
        int used[64];
        size_t m = c->kpis[i].formula ? expr_group_kpis(c->kpis[i].formula, used, 64) : 0;
        for (size_t j = 0; j < m; j++) {
            const struct kp_kpi_def *t = &c->kpis[used[j]];
            if (t->formula && expr_uses_group(t->formula)) {
                char *sec = xasprintf("kpi.%s", c->kpis[i].id);
                key_error(L, sec, "formula", "%s uses a group function itself; group "
                          "functions take a KPI computed from columns", t->id);
                free(sec);
            }
        }
    }
    if (n == 0)
        cfg_error(L, c->path, 0, 0, "no KPIs: define at least one [kpi.ID] section");
    strv_free(ids, n);
}

/* "no KPI "x" is defined" with the nearest KPI id, when one is close. */
static void no_kpi_error(struct loader *L, const char *sec, const char *key, const char *id,
                         const char *hint)
{
    const char *best = NULL;
    size_t bd = 3;
    for (size_t i = 0; i < L->c->nkpis; i++) {
        size_t d = text_distance(L->c->kpis[i].id, strlen(L->c->kpis[i].id), id, strlen(id));
        if (d < bd)
            bd = d, best = L->c->kpis[i].id;
    }
    if (best)
        key_error(L, sec, key, "no KPI \"%s\" is defined (did you mean \"%s\"?)", id, best);
    else
        key_error(L, sec, key, "no KPI \"%s\" is defined%s", id, hint);
}

/* ---- [role.*] ---- */

static void read_role_map(struct loader *L, const char *sec, const char *prefix, double *out,
                          int weights)
{
    struct kp_config *c = L->c;
    char **kpis;
    size_t n = keys_with_prefix(L, sec, prefix, &kpis);
    for (size_t i = 0; i < n; i++) {
        char *key = xasprintf("%s%s", prefix, kpis[i]);
        int k = config_find_kpi(c, kpis[i]);
        char *hint = xasprintf(" (add a [kpi.%s] section)", kpis[i]);
        if (k < 0)
            no_kpi_error(L, sec, key, kpis[i], hint);
        else if (weights)
            out[k] = get_number(L, sec, key, 0, 0, 100) * 1.0;
        else
        {
            out[k] = get_number(L, sec, key, NAN, -1e15, 1e15);
            if (c->kpis[k].format == KP_FMT_PERCENT)
                check_share(L, sec, key, out[k], 10);
        }
        free(hint);
        free(key);
    }
    strv_free(kpis, n);
}

static void read_roles(struct loader *L)
{
    struct kp_config *c = L->c;
    char **ids;
    size_t n = sections_with_prefix(L, "role.", &ids);
    c->roles = xcalloc(n ? n : 1, sizeof *c->roles);
    for (size_t i = 0; i < n; i++) {
        struct kp_role *r = &c->roles[c->nroles++];
        char *sec = xasprintf("role.%s", ids[i]);
        r->id = xstrdup(ids[i]);
        const struct kp_ini_entry *e = find_entry(c, sec, NULL);
        r->line = e ? e->line : 0;
        read_labels(L, sec, &r->label, &r->nlabel);
        r->naliases = str_split(get(L, sec, "aliases"), ',', &r->aliases);
        r->weight = xcalloc(c->nkpis ? c->nkpis : 1, sizeof *r->weight);
        r->target = xcalloc(c->nkpis ? c->nkpis : 1, sizeof *r->target);
        for (size_t k = 0; k < c->nkpis; k++)
            r->target[k] = NAN;
        read_role_map(L, sec, "weight.", r->weight, 1);
        read_role_map(L, sec, "target.", r->target, 0);
        double sum = 0;
        for (size_t k = 0; k < c->nkpis; k++) {
            /* weights are percentages: "40" and "40%" both mean 40 */
            const char *wk = NULL;
            char *key = xasprintf("weight.%s", c->kpis[k].id);
            wk = get(L, sec, key);
            if (wk && strchr(wk, '%'))
                r->weight[k] *= 100;
            free(key);
            sum += r->weight[k];
        }
        if (fabs(sum - 100) > 1e-6)
            key_error(L, sec, NULL, "the weights add up to %g%%, not 100%%", sum);
        free(sec);
    }
    if (n == 0)
        cfg_error(L, c->path, 0, 0, "no roles: define at least one [role.ID] section");
    strv_free(ids, n);
}

/* ---- [band.*] ---- */

static int parse_color(const char *v, char out[8])
{
    const char *h = v[0] == '#' ? v + 1 : v;
    if (strlen(h) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        if (!isxdigit((unsigned char)h[i]))
            return -1;
    out[0] = '#';
    for (int i = 0; i < 6; i++)
        out[i + 1] = (char)tolower((unsigned char)h[i]);
    out[7] = '\0';
    return 0;
}

static int band_cmp(const void *a, const void *b)
{
    const struct kp_band *x = a, *y = b;
    return (x->min < y->min) - (x->min > y->min);
}

static void read_bands(struct loader *L)
{
    struct kp_config *c = L->c;
    char **ids;
    size_t n = sections_with_prefix(L, "band.", &ids);
    c->bands = xcalloc(n ? n : 1, sizeof *c->bands);
    for (size_t i = 0; i < n; i++) {
        struct kp_band *b = &c->bands[c->nbands++];
        char *sec = xasprintf("band.%s", ids[i]);
        b->id = xstrdup(ids[i]);
        if (!get(L, sec, "min"))
            key_error(L, sec, NULL, "a band needs min = (the lowest composite it takes)");
        b->min = get_number(L, sec, "min", 0, 0, 1000);
        const char *raw = get(L, sec, "min");
        if (raw && strchr(raw, '%'))
            key_error(L, sec, "min", "a band's min is in composite points (100 = every KPI on "
                      "target): write %.*s, not %s", (int)strcspn(raw, " %"), raw, raw);
        read_labels(L, sec, &b->label, &b->nlabel);
        const char *col = get(L, sec, "color");
        snprintf(b->color, sizeof b->color, "#777777");
        if (col && parse_color(col, b->color) != 0)
            key_error(L, sec, "color", "\"%s\" is not a colour: write \"#1a7f37\" (in quotes) "
                      "or 1a7f37", col);
        free(sec);
    }
    qsort(c->bands, c->nbands, sizeof *c->bands, band_cmp);
    for (size_t i = 1; i < c->nbands; i++)
        if (c->bands[i].min == c->bands[i - 1].min) {
            char *sec = xasprintf("band.%s", c->bands[i].id);
            key_error(L, sec, "min", "two bands start at %g", c->bands[i].min);
            free(sec);
        }
    strv_free(ids, n);
}

/* ---- [alert.*] ---- */

static void read_alert_kpis(struct loader *L, const char *sec, struct kp_alert_rule *a)
{
    struct kp_config *c = L->c;
    char **v;
    size_t n = str_split(get(L, sec, "kpis"), ',', &v);
    a->kpis = xcalloc(n ? n : c->nkpis + 1, sizeof *a->kpis);
    if (n == 0) /* default: every KPI */
        for (size_t k = 0; k < c->nkpis; k++)
            a->kpis[a->nkpis++] = (int)k;
    for (size_t i = 0; i < n; i++) {
        int k = config_find_kpi(c, v[i]);
        if (k < 0)
            no_kpi_error(L, sec, "kpis", v[i], "");
        else
            a->kpis[a->nkpis++] = k;
    }
    strv_free(v, n);
}

static void read_alert_cols(struct loader *L, const char *sec, struct kp_alert_rule *a)
{
    struct kp_config *c = L->c;
    char **v;
    size_t n = str_split(get(L, sec, "columns"), ',', &v);
    if (n == 0)
        n = str_split("visits, opportunities", ',', &v);
    a->cols = xcalloc(n, sizeof *a->cols);
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < c->ncols && strcmp(c->cols[j], v[i]) != 0)
            j++;
        if (j == c->ncols)
            key_error(L, sec, "columns", "no metric column \"%s\"", v[i]);
        else
            a->cols[a->ncols++] = j;
    }
    strv_free(v, n);
}

static void read_alerts(struct loader *L)
{
    struct kp_config *c = L->c;
    char **ids;
    size_t n = sections_with_prefix(L, "alert.", &ids);
    c->alerts = xcalloc(n ? n : 1, sizeof *c->alerts);
    static const char *const kinds[] = {"drop", "pace", "idle", "below", NULL};
    static const double defaults[] = {0.10, 0.90, 0, 0.80};
    for (size_t i = 0; i < n; i++) {
        struct kp_alert_rule *a = &c->alerts[c->nalerts++];
        char *sec = xasprintf("alert.%s", ids[i]);
        a->id = xstrdup(ids[i]);
        if (!get(L, sec, "type"))
            key_error(L, sec, NULL, "an alert needs type = drop | pace | idle | below");
        a->kind = (enum kp_alert_kind)get_choice(L, sec, "type", kinds, 0);
        a->threshold = get_number(L, sec, "threshold", defaults[a->kind], 0, 100);
        check_share(L, sec, "threshold", a->threshold, 2);
        read_labels(L, sec, &a->label, &a->nlabel);
        if (a->kind == KP_ALERT_IDLE)
            read_alert_cols(L, sec, a);
        else
            read_alert_kpis(L, sec, a);
        free(sec);
    }
    strv_free(ids, n);
}

/* ---- [commission] ---- */

static void read_tiers(struct loader *L, struct kp_commission *cm)
{
    char **v;
    size_t n = str_split(get(L, "commission", "tiers"), ',', &v);
    cm->tiers = xcalloc(n ? n : 1, sizeof *cm->tiers);
    for (size_t i = 0; i < n; i++) {
        char *colon = strchr(v[i], ':');
        double from, rate;
        char *a = colon ? xstrndup(v[i], (size_t)(colon - v[i])) : NULL;
        int ok = a && value_number(a, &from) == 0 && value_number(colon + 1, &rate) == 0 &&
                 from >= 0 && rate >= 0 && rate <= 1;
        int plain = a && !strchr(a, '%');
        free(a);
        if (ok && plain && from > 10) {
            key_error(L, "commission", "tiers", "\"%s\": %g is a share of the KPI (1 = 100%%): "
                      "write %g%%", v[i], from, from);
            continue;
        }
        if (!ok) {
            key_error(L, "commission", "tiers",
                      "\"%s\": write each tier as FROM:RATE, e.g. 80%%:2%%", v[i]);
            continue;
        }
        if (cm->ntiers && from <= cm->tiers[cm->ntiers - 1].from)
            key_error(L, "commission", "tiers", "tiers must start at increasing attainment");
        cm->tiers[cm->ntiers].from = from;
        cm->tiers[cm->ntiers++].rate = rate;
    }
    strv_free(v, n);
}

static void read_commission(struct loader *L)
{
    struct kp_config *c = L->c;
    struct kp_commission *cm = &c->commission;
    cm->cap = NAN;
    if (!find_entry(c, "commission", NULL))
        return;
    cm->enabled = 1;
    const char *kpi = get(L, "commission", "kpi");
    cm->kpi = config_find_kpi(c, kpi ? kpi : "attainment");
    if (cm->kpi < 0)
        no_kpi_error(L, "commission", "kpi", kpi ? kpi : "attainment",
                     kpi ? "" : " (kpi = names the KPI that selects the tier)");
    if (!get(L, "commission", "basis"))
        key_error(L, "commission", NULL, "a commission plan needs basis = (e.g. sum(revenue))");
    cm->basis = get_formula(L, "commission", "basis", &cm->basis_src, 0);
    read_tiers(L, cm);
    if (cm->ntiers == 0)
        key_error(L, "commission", "tiers", "a commission plan needs tiers = FROM:RATE, …");
    static const char *const modes[] = {"flat", "marginal", NULL};
    cm->marginal = get_choice(L, "commission", "mode", modes, 0) == 1;
    cm->pool_from = get_number(L, "commission", "pool_from", 0, 0, 100);
    cm->pool_rate = get_number(L, "commission", "pool_rate", 0, 0, 1);
    cm->cap = get_number(L, "commission", "cap", NAN, 0, 1e15);
}

/* ---- [theme]: the charts' keys (figure.c reads them; checked here so a
 * mistake is reported with its line before anything is written) ---- */

static void read_theme_charts(struct loader *L)
{
    char **v;
    size_t n = str_split(get(L, "theme", "charts"), ',', &v);
    for (size_t i = 0; i < n; i++) {
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= strcmp(v[i], v[j]) == 0;
        if (n == 1 && strcmp(v[i], "none") == 0)
            continue;
        if (chart_type_find(v[i]) < 0)
            key_error(L, "theme", "charts",
                      "unknown chart \"%s\" (charts: revenue, attainment, kpis, funnel, "
                      "distribution, ranked, teams; or none)", v[i]);
        else if (dup)
            key_error(L, "theme", "charts", "\"%s\" is listed twice", v[i]);
    }
    strv_free(v, n);
}

/* [theme] page, accent and logo: the logo is decoded here (a bad PNG is a
 * config error at its line, not a crash in libharu later). */
static void read_theme_page(struct loader *L)
{
    struct kp_config *c = L->c;
    static const char *const pages[] = {"a4", "letter", NULL};
    c->letter = get_choice(L, "theme", "page", pages, 0) == 1;
    const char *accent = get(L, "theme", "accent");
    kp_color col;
    if (accent && pdf_color_parse(accent, &col) != 0)
        key_error(L, "theme", "accent", "\"%s\" is not a colour (write \"#1f4e79\" in quotes)",
                  accent);
    c->logo = get_path(L, "theme", "logo", NULL);
    if (!c->logo)
        return;
    char *data, err[160];
    size_t len;
    int e = sys_read_file(c->logo, &data, &len);
    if (e) {
        key_error(L, "theme", "logo", "cannot read %s: %s", c->logo, strerror(e));
        return;
    }
    char *clean;
    size_t clen;
    if (image_png_clean(data, len, &clean, &clen, err, sizeof err) != 0)
        key_error(L, "theme", "logo", "%s: %s", c->logo, err);
    else
        free(clean);
    free(data);
}

static void read_theme(struct loader *L)
{
    static const char *const colors[] = {"accent", "second", "positive", "negative", "target",
                                         "grid",   "band",   "axis",     "text"};
    read_theme_page(L);
    read_theme_charts(L);
    get_int(L, "theme", "chart_timeout", 5000, 100, 600000);
    get_number(L, "theme", "chart_font_size", 7, 4, 14);
    get_number(L, "theme", "chart_line_width", 1.5, 0.2, 5);
    char **keys;
    size_t n = keys_with_prefix(L, "theme", "chart_color.", &keys);
    for (size_t i = 0; i < n; i++) {
        char *key = xasprintf("chart_color.%s", keys[i]);
        const char *v = get(L, "theme", key);
        kp_color c;
        int known = 0;
        for (size_t k = 0; k < KP_NELEM(colors); k++)
            known |= strcmp(keys[i], colors[k]) == 0;
        if (!known)
            key_error(L, "theme", key, "not a chart colour (accent, second, positive, negative, "
                      "target, grid, band, axis, text)");
        else if (v && pdf_color_parse(v, &c) != 0)
            key_error(L, "theme", key, "\"%s\" is not a colour (write \"#1f4e79\" in quotes)", v);
        free(key);
    }
    strv_free(keys, n);
}

/* ------------------------------------------------------------------ */

struct kp_config *config_load(const char *path)
{
    struct kp_config *c = xcalloc(1, sizeof *c);
    struct loader L = {c, 0};
    c->path = xstrdup(path);
    c->dir = path_dir(path);
    long before = diag_count(KP_FATAL);
    c->ini = ini_load(path, 1);
    if (c->ini) {
        check_schema(&L);
        read_input(&L);
        read_columns(&L);
        read_review(&L);
        read_scoring(&L);
        read_ramp(&L);
        read_kpis(&L);
        read_roles(&L);
        read_bands(&L);
        read_alerts(&L);
        read_commission(&L);
        read_theme(&L);
        read_plan(&L);
        if (!L.errors)
            check_window(&L);
    }
    if (L.errors > MAX_SHOWN)
        diag(KP_FATAL, path, 0, 0, "%d more errors like these", L.errors - MAX_SHOWN);
    if (L.errors || diag_count(KP_FATAL) > before) {
        config_free(c);
        return NULL;
    }
    return c;
}

static void texts_free(struct kp_text *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].lang), free(t[i].text);
    free(t);
}

void config_free(struct kp_config *c)
{
    if (!c)
        return;
    free(c->path), free(c->dir), free(c->roster), free(c->metrics), free(c->targets);
    free(c->encoding), free(c->sheet), free(c->label), free(c->language), free(c->outdir);
    free(c->org_name), free(c->currency), free(c->logo);
    strv_free(c->keep_cols, c->nkeep_cols);
    free(c->plan_col);
    for (size_t i = 0; i < c->ncolmap; i++)
        free(c->colmap[i].canon), free(c->colmap[i].header);
    free(c->colmap);
    strv_free(c->cols, c->ncols);
    for (size_t i = 0; i < c->nkpis; i++) {
        struct kp_kpi_def *k = &c->kpis[i];
        free(k->id), free(k->formula_src), free(k->sample_src);
        expr_free(k->formula), expr_free(k->sample);
        texts_free(k->label, k->nlabel);
    }
    free(c->kpis);
    free(c->ramp);
    for (size_t i = 0; i < c->nroles; i++) {
        struct kp_role *r = &c->roles[i];
        free(r->id), free(r->weight), free(r->target);
        strv_free(r->aliases, r->naliases);
        texts_free(r->label, r->nlabel);
    }
    free(c->roles);
    for (size_t i = 0; i < c->nbands; i++)
        free(c->bands[i].id), texts_free(c->bands[i].label, c->bands[i].nlabel);
    free(c->bands);
    for (size_t i = 0; i < c->nalerts; i++) {
        struct kp_alert_rule *a = &c->alerts[i];
        free(a->id), free(a->kpis), free(a->cols);
        texts_free(a->label, a->nlabel);
    }
    free(c->alerts);
    expr_free(c->commission.basis);
    free(c->commission.basis_src), free(c->commission.tiers);
    for (size_t i = 0; i < c->plan.ngrowths; i++)
        free(c->plan.growths[i].name);
    for (size_t i = 0; i < c->plan.nmarkets; i++)
        free(c->plan.markets[i].name);
    free(c->plan.growths), free(c->plan.markets), free(c->plan.market_kpi);
    ini_free(c->ini);
    free(c);
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */

const char *text_get(const struct kp_text *t, size_t n, const char *lang, const char *fallback)
{
    for (size_t i = 0; i < n; i++)
        if (str_eq(t[i].lang, lang))
            return t[i].text;
    for (size_t i = 0; i < n; i++)
        if (str_eq(t[i].lang, "en"))
            return t[i].text;
    return n ? t[0].text : fallback;
}

const char *config_header_for(const struct kp_config *c, const char *canon)
{
    for (size_t i = 0; i < c->ncolmap; i++)
        if (strcmp(c->colmap[i].canon, canon) == 0)
            return c->colmap[i].header;
    return canon;
}

int config_find_kpi(const struct kp_config *c, const char *id)
{
    for (size_t i = 0; i < c->nkpis; i++)
        if (strcmp(c->kpis[i].id, id) == 0)
            return (int)i;
    return -1;
}

int config_find_role(const struct kp_config *c, const char *id)
{
    if (!id) /* a role left null in an edited results.json */
        return -1;
    for (size_t i = 0; i < c->nroles; i++)
        if (strcmp(c->roles[i].id, id) == 0)
            return (int)i;
    for (size_t i = 0; i < c->nroles; i++)
        for (size_t j = 0; j < c->roles[i].naliases; j++)
            if (str_ieq(c->roles[i].aliases[j], id))
                return (int)i;
    return -1;
}

int config_override(struct kp_config *c, const char *roster, const char *metrics,
                    const char *from, const char *to)
{
    int bad = 0;
    if (roster)
        free(c->roster), c->roster = xstrdup(roster);
    if (metrics)
        free(c->metrics), c->metrics = xstrdup(metrics);
    if (from && month_parse(from, &c->from) != 0) {
        diag_fatal("--from \"%s\" is not a month: write YYYY-MM", from);
        bad = 1;
    }
    if (to && month_parse(to, &c->to) != 0) {
        diag_fatal("--to \"%s\" is not a month: write YYYY-MM", to);
        bad = 1;
    }
    const char *problem = bad ? NULL : config_window_problem(c);
    if (problem) {
        diag_fatal("--from/--to: %s", problem);
        bad = 1;
    }
    if (!bad && (from || to)) {
        free(c->label);
        char a[8], b[8];
        month_format(c->from, a);
        month_format(c->to, b);
        c->label = c->from == c->to ? xstrdup(a) : xasprintf("%s..%s", a, b);
    }
    return bad ? -1 : 0;
}
