/* coach — see coach.h. This file: loading and checking the templates.
 * coach_person() and the prompts are in the second half. */
#include "coach.h"

#include "config.h"
#include "diag.h"
#include "expr.h"
#include "ini.h"
#include "lang.h"
#include "model.h"
#include "record.h"
#include "sys.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* The template schema                                                 */

/* Which placeholders a text may use: sets of names, combined per text. */
enum {
    X_P = 1,  /* the person and the period */
    X_K = 2,  /* one KPI's figures (and the metric columns of [col.*]) */
    X_F = 4,  /* {focus} */
    X_A = 8,  /* an alert: {change} {level} {month} */
    X_M = 16, /* {months} */
    X_N = 32, /* {n} */
    X_T = 64, /* {month} {value} */
};

static const char *const names_p[] = {"next",      "this",   "last",  "due",
                                      "follow_up", "months", "people"};
static const char *const names_k[] = {
    "kpi",     "value", "target",     "aim",    "gap",        "ratio",    "per_month",
    "monthly", "need",  "more",       "base",   "projected",  "team_avg", "prev",
    "trend",   "best",  "best_month", "sample", "min_sample",
};
static const char *const names_t[] = {"month", "value"};
static const char *const names_a[] = {"change", "level", "month"};

struct text_key {
    const char *sec, *key;
    unsigned ctx;
};

/* Every fixed text, with what it may quote. [col.*] phrase/amount take X_N,
 * [play.*] text X_P | X_K. */
static const struct text_key fixed[] = {
    {"period", "this_1", X_M},
    {"period", "next_1", X_M},
    {"period", "last_1", X_M},
    {"period", "this_3", X_M},
    {"period", "next_3", X_M},
    {"period", "last_3", X_M},
    {"period", "this_12", X_M},
    {"period", "next_12", X_M},
    {"period", "last_12", X_M},
    {"period", "this_n", X_M},
    {"period", "next_n", X_M},
    {"period", "last_n", X_M},
    {"word", "list_sep", 0},
    {"word", "list_and", 0},
    {"word", "trend_item", X_T},
    {"word", "trend_sep", 0},
    {"word", "points", X_N},
    {"word", "sentence_sep", 0},
    {"text", "goal_focus", X_P | X_F},
    {"text", "goal_stretch_focus", X_P | X_F},
    {"text", "goal_nodata", X_P},
    {"text", "goal_sum", X_P | X_K},
    {"text", "goal_rate_amount", X_P | X_K},
    {"text", "goal_up", X_P | X_K},
    {"text", "goal_down", X_P | X_K},
    {"text", "goal_pace", X_P | X_K},
    {"text", "goal_team_note", X_P | X_K},
    {"text", "reality_scope", X_P},
    {"text", "reality_fact", X_P | X_K},
    {"text", "reality_fact_lower", X_P | X_K},
    {"text", "reality_fact_stretch", X_P | X_K},
    {"text", "reality_fact_stretch_lower", X_P | X_K},
    {"text", "reality_team", X_P | X_K},
    {"text", "reality_trend", X_P | X_K},
    {"text", "reality_prev_up", X_P | X_K},
    {"text", "reality_prev_down", X_P | X_K},
    {"text", "reality_prev_same", X_P | X_K},
    {"text", "reality_best", X_P | X_K},
    {"text", "reality_pace", X_P | X_K},
    {"text", "reality_alert_drop", X_P | X_K | X_A},
    {"text", "reality_alert_rise", X_P | X_K | X_A},
    {"text", "reality_alert_pace", X_P | X_K | X_A},
    {"text", "reality_alert_below", X_P | X_K | X_A},
    {"text", "reality_alert_idle", X_P | X_A},
    {"text", "reality_insufficient", X_P | X_K},
    {"text", "reality_strength", X_P | X_K},
    {"text", "reality_strength_lower", X_P | X_K},
    {"text", "reality_strength_pace", X_P | X_K},
    {"text", "reality_near", X_P | X_K},
    {"text", "reality_nodata", X_P},
    {"text", "will_pick", X_P | X_K},
    {"text", "will_when", X_P},
    {"text", "will_support", X_P},
    {"text", "will_measure", X_P | X_K},
    {"text", "will_nodata", X_P},
    {"text", "will_follow", X_P},
};

static const char *const rule_keys[] = {"stretch", "min_options", "max_options", "team_min"};
static const char *const play_rules[] = {"kpi", "when", "who", "role", "trend", "vs_team"};

/* ------------------------------------------------------------------ */
/* The loaded templates                                                */

struct colrule {
    char *name; /* metric column */
    int money;  /* unit: 1 money, 0 count */
};

enum when { W_GAP, W_STRETCH, W_ANY };
enum who { WHO_ANY, WHO_IND, WHO_LEAD };
enum side { S_ANY, S_BETTER, S_WORSE }; /* trend better/worse; vs_team ahead/behind */

struct play {
    char *sec;            /* "play.<id>": where its text is, in every language */
    int any_kpi;          /* kpi = * */
    unsigned char *kpis;  /* [nkpis]: 1 = the play is for this KPI */
    unsigned char *roles; /* [nroles], or NULL = every role */
    enum when when;
    enum who who;
    enum side trend, vs_team;
    int active; /* 0: names only KPIs or roles the config lacks (shipped files) */
};

struct tongue {
    char *code;
    struct kp_lang *lang;
    struct kp_ini *ini; /* its coaching.ini; NULL for English (kp_coaching.en) */
};

struct kp_coaching {
    const struct kp_config *cfg;
    int goal_team; /* [coaching] goal = team */
    int focus;     /* at most this many focus areas */
    int follow_up_days;
    double stretch;
    int min_options, max_options, team_min;
    struct colrule *cols;
    size_t ncols;
    struct play *plays;
    size_t nplays;
    struct kp_ini *en; /* the English file: rules, and the English texts */
    char **teams;      /* the roster's teams, sorted */
    size_t nteams;
    int *contrib;           /* [nteams * nkpis]: members with data for the KPI */
    struct tongue *tongues; /* [0]: the config's language */
    size_t ntongues;
};

struct loader {
    struct kp_coaching *c;
    const char *dir; /* where the coaching.ini files are */
    int strict;      /* a user's folder: unknown KPIs and roles are errors */
    int bad;
};

static void load_error(struct loader *L, const char *file, long line, long col, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));
static void load_error(struct loader *L, const char *file, long line, long col, const char *fmt,
                       ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    diag(KP_FATAL, file, line, col, "%s", msg);
    free(msg);
    L->bad = 1;
}

static int in_list(const char *const *list, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && strncmp(list[i], s, len) == 0)
            return 1;
    return 0;
}

static const struct text_key *find_fixed(const char *sec, const char *key)
{
    for (size_t i = 0; i < KP_NELEM(fixed); i++)
        if (strcmp(fixed[i].sec, sec) == 0 && strcmp(fixed[i].key, key) == 0)
            return &fixed[i];
    return NULL;
}

/* What kind of key sec:key is: 'r' a rule, 't' a text (with *ctx), 0 unknown. */
static int key_kind(const char *sec, const char *key, unsigned *ctx)
{
    const struct text_key *f = find_fixed(sec, key);
    *ctx = f ? f->ctx : 0;
    if (f)
        return 't';
    if (strcmp(sec, "rules") == 0)
        return in_list(rule_keys, KP_NELEM(rule_keys), key, strlen(key)) ? 'r' : 0;
    if (str_has_prefix(sec, "col.")) {
        *ctx = X_N;
        return strcmp(key, "unit") == 0 ? 'r'
               : strcmp(key, "phrase") == 0 || strcmp(key, "phrase_one") == 0 ||
                       strcmp(key, "amount") == 0
                   ? 't'
                   : 0;
    }
    if (str_has_prefix(sec, "play.")) {
        *ctx = X_P | X_K;
        return strcmp(key, "text") == 0                                      ? 't'
               : in_list(play_rules, KP_NELEM(play_rules), key, strlen(key)) ? 'r'
                                                                             : 0;
    }
    return 0;
}

static int known_section(const char *sec)
{
    return strcmp(sec, "rules") == 0 || strcmp(sec, "period") == 0 || strcmp(sec, "word") == 0 ||
           strcmp(sec, "text") == 0 || (str_has_prefix(sec, "col.") && sec[4]) ||
           (str_has_prefix(sec, "play.") && sec[5]);
}

/* ---- placeholders ---- */

struct ph_check {
    struct loader *L;
    const struct kp_ini_entry *e;
    const char *value;
    unsigned ctx;
    const char *const *cols; /* the [col.*] names: X_K may quote them */
    size_t ncols;
};

static int allowed(const struct ph_check *p, const char *name, size_t len)
{
    unsigned x = p->ctx;
    return ((x & X_P) && in_list(names_p, KP_NELEM(names_p), name, len)) ||
           ((x & X_K) && (in_list(names_k, KP_NELEM(names_k), name, len) ||
                          in_list(p->cols, p->ncols, name, len))) ||
           ((x & X_F) && len == 5 && strncmp(name, "focus", 5) == 0) ||
           ((x & X_A) && in_list(names_a, KP_NELEM(names_a), name, len)) ||
           ((x & X_M) && len == 6 && strncmp(name, "months", 6) == 0) ||
           ((x & X_N) && len == 1 && name[0] == 'n') ||
           ((x & X_T) && in_list(names_t, KP_NELEM(names_t), name, len));
}

static void check_one(void *arg, const char *name, size_t len)
{
    struct ph_check *p = arg;
    if (allowed(p, name, len))
        return;
    /* Column in characters: the key and '=' before the value are ASCII. */
    char *before = xstrndup(p->value, (size_t)(name - 1 - p->value));
    long col = (long)p->e->value_col + (long)utf8_count(before);
    free(before);
    load_error(p->L, p->e->file, p->e->line, col,
               "unknown placeholder {%.*s} in [%s] %s (docs/coaching.md lists what each text may "
               "use)",
               (int)len, name, p->e->sec, p->e->key);
}

static void check_text(struct loader *L, const struct kp_ini *ini, const struct kp_ini_entry *e,
                       unsigned ctx, const char *const *cols, size_t ncols)
{
    const char *v = ini_get(ini, e->sec, e->key);
    if (!v || (!*v && strcmp(e->key, "sentence_sep") != 0)) {
        load_error(L, e->file, e->line, (long)e->value_col, "[%s] %s: the text is empty", e->sec,
                   e->key);
        return;
    }
    struct ph_check p = {L, e, v, ctx, cols, ncols};
    lang_placeholders(v, check_one, &p);
}

/* ---- one file's sections and keys ---- */

/* The [col.*] names of the English file. */
static size_t col_names(const struct kp_ini *en, const char ***out)
{
    size_t n = 0;
    *out = xcalloc(ini_count(en) + 1, sizeof **out);
    for (size_t i = 0; i < ini_count(en); i++) {
        const struct kp_ini_entry *e = ini_entry(en, i);
        if (!e->key && str_has_prefix(e->sec, "col."))
            (*out)[n++] = e->sec + 4;
    }
    return n;
}

static void check_entry(struct loader *L, const struct kp_ini *ini, const struct kp_ini *en,
                        const struct kp_ini_entry *e, const char *const *cols, size_t ncols)
{
    if (!e->key) {
        if (!known_section(e->sec))
            load_error(L, e->file, e->line, 1, "unknown section [%s]", e->sec);
        else if (en && strcmp(e->sec, "rules") == 0)
            load_error(L, e->file, e->line, 1,
                       "[rules] belong in the English file only (%s/en/coaching.ini)", L->dir);
        else if (en && !ini_find(en, e->sec, NULL))
            load_error(L, e->file, e->line, 1, "[%s] is not a section English has", e->sec);
        return;
    }
    unsigned ctx;
    int kind = key_kind(e->sec, e->key, &ctx);
    if (!known_section(e->sec))
        return; /* reported at the header */
    if (!kind)
        load_error(L, e->file, e->line, 1, "unknown key \"%s\" in [%s]", e->key, e->sec);
    else if (kind == 'r' && en)
        load_error(L, e->file, e->line, 1,
                   "[%s] %s is a rule: rules are read from the English file only (%s/en/"
                   "coaching.ini)",
                   e->sec, e->key, L->dir);
    else if (kind == 't')
        check_text(L, ini, e, ctx, cols, ncols);
}

/* Every text English has must be here too (en: every fixed text, and each
 * [col.*] and [play.*] its keys). */
static void check_complete(struct loader *L, const struct kp_ini *mine, const struct kp_ini *en)
{
    if (!en) {
        for (size_t i = 0; i < KP_NELEM(fixed); i++)
            if (!ini_find(mine, fixed[i].sec, fixed[i].key))
                load_error(L, ini_path(mine), 0, 0, "[%s] %s is missing", fixed[i].sec,
                           fixed[i].key);
        for (size_t i = 0; i < ini_count(mine); i++) {
            const struct kp_ini_entry *e = ini_entry(mine, i);
            const char *need[3] = {NULL};
            if (!e->key && str_has_prefix(e->sec, "col."))
                need[0] = "unit", need[1] = "phrase", need[2] = "amount";
            else if (!e->key && str_has_prefix(e->sec, "play."))
                need[0] = "kpi", need[1] = "text";
            for (int k = 0; k < 3 && need[k]; k++)
                if (!ini_find(mine, e->sec, need[k]))
                    load_error(L, e->file, e->line, 1, "[%s] needs a key \"%s\"", e->sec, need[k]);
        }
        return;
    }
    for (size_t i = 0; i < ini_count(en); i++) {
        const struct kp_ini_entry *e = ini_entry(en, i);
        unsigned ctx;
        if (e->key && key_kind(e->sec, e->key, &ctx) == 't' && strcmp(e->key, "phrase_one") != 0 &&
            !ini_find(mine, e->sec, e->key))
            load_error(L, ini_path(mine), 0, 0, "[%s] %s is missing (English has it at %s:%ld)",
                       e->sec, e->key, e->file, e->line);
    }
}

static void check_file(struct loader *L, const struct kp_ini *ini, const struct kp_ini *en)
{
    const char **cols;
    size_t ncols = col_names(en ? en : ini, &cols);
    for (size_t i = 0; i < ini_count(ini); i++)
        check_entry(L, ini, en, ini_entry(ini, i), cols, ncols);
    check_complete(L, ini, en);
    free(cols);
}

/* ------------------------------------------------------------------ */
/* Rules                                                               */

static const char *en_value(const struct kp_ini *en, const char *sec, const char *key,
                            const struct kp_ini_entry **e)
{
    *e = ini_find(en, sec, key);
    return *e ? ini_get(en, sec, key) : NULL;
}

static long rule_int(struct loader *L, const struct kp_ini *en, const char *key, long def, long lo,
                     long hi)
{
    const struct kp_ini_entry *e;
    const char *v = en_value(en, "rules", key, &e);
    long n;
    if (!v)
        return def;
    if (parse_long(v, &n) != 0 || n < lo || n > hi) {
        load_error(L, e->file, e->line, (long)e->value_col,
                   "[rules] %s wants a whole number from %ld to %ld, not \"%s\"", key, lo, hi, v);
        return def;
    }
    return n;
}

static void parse_rules(struct loader *L, const struct kp_ini *en)
{
    struct kp_coaching *c = L->c;
    const struct kp_ini_entry *e;
    const char *v = en_value(en, "rules", "stretch", &e);
    c->stretch = 0.10;
    if (v) {
        char *s = xstrdup(v);
        size_t n = strlen(s);
        int pct = n > 0 && s[n - 1] == '%';
        if (pct)
            s[n - 1] = '\0';
        double d;
        if (parse_double(s, &d) != 0 || d <= 0 || (pct ? d / 100 : d) > 1)
            load_error(L, e->file, e->line, (long)e->value_col,
                       "[rules] stretch wants a share above 0 and at most 100%%, like 10%%, not "
                       "\"%s\"",
                       v);
        else
            c->stretch = pct ? d / 100 : d;
        free(s);
    }
    c->min_options = (int)rule_int(L, en, "min_options", 2, 1, 5);
    c->max_options = (int)rule_int(L, en, "max_options", 3, 1, 5);
    c->team_min = (int)rule_int(L, en, "team_min", 3, 2, 1000);
    if (c->min_options > c->max_options) {
        e = ini_find(en, "rules", "min_options");
        load_error(L, e ? e->file : ini_path(en), e ? e->line : 0, 1,
                   "[rules] min_options (%d) is more than max_options (%d)", c->min_options,
                   c->max_options);
    }
}

static void parse_col(struct loader *L, const struct kp_ini *en, const struct kp_ini_entry *h)
{
    const struct kp_config *cfg = L->c->cfg;
    const char *name = h->sec + 4;
    int known = 0;
    for (size_t i = 0; i < cfg->ncols; i++)
        known |= strcmp(cfg->cols[i], name) == 0;
    if (!known) {
        load_error(L, h->file, h->line, 1, "[%s]: there is no metric column \"%s\"", h->sec, name);
        return;
    }
    const struct kp_ini_entry *e;
    const char *unit = en_value(en, h->sec, "unit", &e);
    if (!unit)
        return; /* reported as missing */
    if (strcmp(unit, "money") != 0 && strcmp(unit, "count") != 0) {
        load_error(L, e->file, e->line, (long)e->value_col,
                   "[%s] unit is money or count, not \"%s\"", h->sec, unit);
        return;
    }
    struct kp_coaching *c = L->c;
    c->cols = xrealloc(c->cols, (c->ncols + 1) * sizeof *c->cols);
    c->cols[c->ncols++] = (struct colrule){xstrdup(name), strcmp(unit, "money") == 0};
}

/* A word from a closed list; the index, or -1 after an error. */
static int pick_word(struct loader *L, const struct kp_ini *en, const char *sec, const char *key,
                     const char *const *words, size_t n, int def)
{
    const struct kp_ini_entry *e;
    const char *v = en_value(en, sec, key, &e);
    if (!v)
        return def;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, words[i]) == 0)
            return (int)i;
    struct kp_buf b = {0};
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s%s", i ? (i + 1 == n ? " or " : ", ") : "", words[i]);
    load_error(L, e->file, e->line, (long)e->value_col, "[%s] %s is %s, not \"%s\"", sec, key, b.s,
               v);
    buf_free(&b);
    return def;
}

/* kpi = a, b / role = a, b: mark the ids found; unknown ones are errors in a
 * user's folder and ignored in the shipped one. Returns how many were known. */
static size_t parse_ids(struct loader *L, const struct kp_ini *en, const char *sec, const char *key,
                        unsigned char *mark, int is_role)
{
    const struct kp_ini_entry *e;
    const char *v = en_value(en, sec, key, &e);
    char **ids;
    size_t n = str_split(v ? v : "", ',', &ids), known = 0;
    const struct kp_config *cfg = L->c->cfg;
    for (size_t i = 0; i < n; i++) {
        int x = is_role ? config_find_role(cfg, ids[i]) : config_find_kpi(cfg, ids[i]);
        if (x >= 0)
            mark[x] = 1, known++;
        else if (L->strict)
            load_error(L, e->file, e->line, (long)e->value_col,
                       "[%s] %s names %s \"%s\", which the config (%s) does not define", sec, key,
                       is_role ? "a role" : "a KPI", ids[i], cfg->path);
    }
    if (n == 0 && e)
        load_error(L, e->file, e->line, (long)e->value_col, "[%s] %s is empty", sec, key);
    strv_free(ids, n);
    return known;
}

static void parse_play(struct loader *L, const struct kp_ini *en, const struct kp_ini_entry *h)
{
    struct kp_coaching *c = L->c;
    const struct kp_config *cfg = c->cfg;
    c->plays = xrealloc(c->plays, (c->nplays + 1) * sizeof *c->plays);
    struct play *p = &c->plays[c->nplays++];
    memset(p, 0, sizeof *p);
    p->sec = xstrdup(h->sec);
    p->kpis = xcalloc(cfg->nkpis + 1, 1);
    p->active = 1;
    const char *kpi = ini_get(en, h->sec, "kpi");
    if (kpi && strcmp(kpi, "*") == 0)
        p->any_kpi = 1;
    else if (kpi && parse_ids(L, en, h->sec, "kpi", p->kpis, 0) == 0)
        p->active = 0;
    if (ini_find(en, h->sec, "role")) {
        p->roles = xcalloc(cfg->nroles + 1, 1);
        if (parse_ids(L, en, h->sec, "role", p->roles, 1) == 0)
            p->active = 0;
    }
    static const char *const whens[] = {"gap", "stretch", "any"};
    static const char *const whos[] = {"any", "individual", "leader"};
    static const char *const trends[] = {"any", "better", "worse"};
    static const char *const sides[] = {"any", "ahead", "behind"};
    p->when = (enum when)pick_word(L, en, h->sec, "when", whens, 3, W_GAP);
    p->who = (enum who)pick_word(L, en, h->sec, "who", whos, 3, WHO_ANY);
    p->trend = (enum side)pick_word(L, en, h->sec, "trend", trends, 3, S_ANY);
    p->vs_team = (enum side)pick_word(L, en, h->sec, "vs_team", sides, 3, S_ANY);
}

static void parse_sections(struct loader *L, const struct kp_ini *en)
{
    parse_rules(L, en);
    for (size_t i = 0; i < ini_count(en); i++) {
        const struct kp_ini_entry *e = ini_entry(en, i);
        if (e->key)
            continue;
        if (str_has_prefix(e->sec, "col.") && e->sec[4])
            parse_col(L, en, e);
        else if (str_has_prefix(e->sec, "play.") && e->sec[5])
            parse_play(L, en, e);
    }
}

/* ------------------------------------------------------------------ */
/* The config's [coaching] keys                                        */

static void config_error(struct loader *L, const char *key, const char *fmt, const char *v)
{
    const struct kp_config *cfg = L->c->cfg;
    char *msg = xasprintf(fmt, v);
    load_error(L, cfg->path, config_line(cfg, "coaching", key), 0, "[coaching] %s: %s", key, msg);
    free(msg);
}

static void read_config(struct loader *L)
{
    struct kp_coaching *c = L->c;
    const struct kp_config *cfg = c->cfg;
    const char *goal = config_get(cfg, "coaching", "goal");
    if (goal && strcmp(goal, "target") != 0 && strcmp(goal, "team") != 0)
        config_error(L, "goal", "\"%s\": write target or team", goal);
    c->goal_team = goal && strcmp(goal, "team") == 0;
    const char *v = config_get(cfg, "coaching", "focus");
    long n = 3;
    if (v && (parse_long(v, &n) != 0 || n < 1 || n > 3))
        config_error(L, "focus", "\"%s\": write a number of focus areas from 1 to 3", v), n = 3;
    c->focus = (int)n;
    v = config_get(cfg, "coaching", "follow_up_days");
    n = 14;
    if (v && (parse_long(v, &n) != 0 || n < 0 || n > 366))
        config_error(L, "follow_up_days", "\"%s\": write a number of days from 0 to 366", v),
            n = 14;
    c->follow_up_days = (int)n;
}

/* ------------------------------------------------------------------ */
/* Languages                                                           */

static struct kp_ini *load_ini(const char *dir, const char *code)
{
    char *p = xasprintf("%s/%s/coaching.ini", dir, code);
    struct kp_ini *x = NULL;
    if (sys_exists(p))
        x = ini_load(p, 0);
    else
        diag(KP_FATAL, p, 0, 0, "cannot read: %s", "no such file");
    free(p);
    return x;
}

static int has_tongue(const struct kp_coaching *c, const char *code)
{
    for (size_t i = 0; i < c->ntongues; i++)
        if (strcmp(c->tongues[i].code, code) == 0)
            return 1;
    return 0;
}

/* Load code's texts (checked against English) and its formats. English
 * itself has no ini of its own here: its texts are c->en. */
static void add_tongue(struct loader *L, const char *code, const char *shipped)
{
    struct kp_coaching *c = L->c;
    struct kp_ini *ini = NULL;
    if (strcmp(code, "en") != 0) {
        ini = load_ini(L->dir, code);
        if (!ini) {
            L->bad = 1;
            return;
        }
        check_file(L, ini, c->en);
    }
    struct kp_lang *lang = lang_load(shipped, code);
    if (!lang)
        L->bad = 1;
    c->tongues = xrealloc(c->tongues, (c->ntongues + 1) * sizeof *c->tongues);
    c->tongues[c->ntongues++] = (struct tongue){xstrdup(code), lang, ini};
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The languages the roster uses that have texts, sorted; the others are
 * coached in the config's language (a warning each). */
static void add_roster_tongues(struct loader *L, const struct kp_data *d, const char *shipped)
{
    size_t n = 0;
    const char **codes = xcalloc(d ? d->npeople + 1 : 1, sizeof *codes);
    for (size_t i = 0; d && i < d->npeople; i++)
        if (d->people[i].locale)
            codes[n++] = d->people[i].locale;
    qsort(codes, n, sizeof *codes, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if ((i > 0 && strcmp(codes[i], codes[i - 1]) == 0) || has_tongue(L->c, codes[i]))
            continue;
        char *p = xasprintf("%s/%s/coaching.ini", L->dir, codes[i]);
        if (sys_exists(p) && lang_exists(shipped, codes[i]))
            add_tongue(L, codes[i], shipped);
        else
            diag(KP_WARN, NULL, 0, 0,
                 "no coaching texts for language \"%s\" (%s): those people's prompts are in "
                 "\"%s\"",
                 codes[i], p, L->c->tongues[0].code);
        free(p);
    }
    free(codes);
}

/* ------------------------------------------------------------------ */
/* Privacy: how many people a team aggregate rests on                  */

/* Does person p have a value in one of the columns KPI k reads, in the window? */
static int has_data(const struct kp_config *cfg, const struct kp_data *d, size_t p, size_t k)
{
    const struct kp_expr *f = cfg->kpis[k].formula;
    size_t cols[64];
    size_t n = f && !expr_uses_group(f) ? expr_columns(f, cols, 64) : 0;
    for (int m = cfg->from - d->m0; m <= cfg->to - d->m0; m++)
        for (size_t i = 0; i < n && m >= 0 && m < d->nmonths; i++)
            if (cols[i] < d->ncols && !isnan(*data_cell(d, p, m, cols[i])))
                return 1;
    return 0;
}

/* Per team and KPI, the members whose figures are in the team's value: the
 * team's value is quoted only when it rests on [rules] team_min people. */
static void count_contributors(struct kp_coaching *c, const struct kp_data *d)
{
    const struct kp_config *cfg = c->cfg;
    c->nteams = d->nteams;
    c->teams = xcalloc(d->nteams + 1, sizeof *c->teams);
    for (size_t t = 0; t < d->nteams; t++)
        c->teams[t] = xstrdup(d->teams[t]);
    c->contrib = xcalloc(d->nteams * cfg->nkpis + 1, sizeof *c->contrib);
    for (size_t p = 0; p < d->npeople; p++)
        for (size_t k = 0; k < cfg->nkpis; k++)
            if (d->people[p].team_idx >= 0 && has_data(cfg, d, p, k))
                c->contrib[(size_t)d->people[p].team_idx * cfg->nkpis + k]++;
}

/* ------------------------------------------------------------------ */

static void tongue_free(struct tongue *t)
{
    free(t->code);
    lang_free(t->lang);
    ini_free(t->ini);
}

void coach_free(struct kp_coaching *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ncols; i++)
        free(c->cols[i].name);
    free(c->cols);
    for (size_t i = 0; i < c->nplays; i++)
        free(c->plays[i].sec), free(c->plays[i].kpis), free(c->plays[i].roles);
    free(c->plays);
    for (size_t i = 0; i < c->ntongues; i++)
        tongue_free(&c->tongues[i]);
    free(c->tongues);
    ini_free(c->en);
    strv_free(c->teams, c->nteams);
    free(c->contrib);
    free(c);
}

struct kp_coaching *coach_new(const struct kp_config *cfg, const struct kp_data *d,
                              const char *templates)
{
    struct kp_coaching *c = xcalloc(1, sizeof *c);
    c->cfg = cfg;
    struct loader L = {c, templates, 0, 0};
    read_config(&L);
    const char *own = config_get(cfg, "coaching", "templates");
    char *dir = own ? path_resolve(cfg->dir, own) : xstrdup(templates);
    L.dir = dir, L.strict = own != NULL;
    if (own && !sys_is_dir(dir))
        config_error(&L, "templates", "\"%s\" is not a folder", dir);
    if (!L.bad)
        c->en = load_ini(dir, "en");
    if (c->en) { /* everything is checked, so that one run reports every problem */
        check_file(&L, c->en, NULL);
        parse_sections(&L, c->en);
        add_tongue(&L, cfg->language, templates);
        add_roster_tongues(&L, d, templates);
    }
    if (d)
        count_contributors(c, d);
    free(dir);
    if (L.bad || !c->en) {
        diag_raise(KP_FATAL);
        coach_free(c);
        return NULL;
    }
    return c;
}

/* ================================================================== */
/* Prompts for one person                                              */

/* ---- placeholder values ---- */

#define MAX_VARS 64

struct vars {
    const char *name[MAX_VARS]; /* static or owned by the coaching */
    char *val[MAX_VARS];        /* owned */
    size_t n;
};

/* Set name to val (taken over; NULL = no value). */
static void var_put(struct vars *v, const char *name, char *val)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->name[i], name) == 0) {
            free(v->val[i]);
            v->val[i] = val;
            return;
        }
    if (v->n == MAX_VARS) {
        free(val);
        return;
    }
    v->name[v->n] = name;
    v->val[v->n++] = val;
}

static void var_buf(struct vars *v, const char *name, struct kp_buf *b)
{
    var_put(v, name, b->s ? buf_steal(b) : xstrdup(""));
}

static const char *var_get(const struct vars *v, const char *name)
{
    for (size_t i = 0; v && i < v->n; i++)
        if (strcmp(v->name[i], name) == 0)
            return v->val[i];
    return NULL;
}

static void vars_free(struct vars *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->val[i]);
    v->n = 0;
}

struct getter {
    const struct vars *v[3]; /* looked up in this order */
    int missing;
};

static const char *get_var(void *arg, const char *name)
{
    const struct getter *g = arg;
    const char *v = NULL;
    for (int i = 0; i < 3 && !v; i++)
        v = var_get(g->v[i], name);
    return v;
}

static void note_missing(void *arg, const char *name, size_t len)
{
    struct getter *g = arg;
    char *n = xstrndup(name, len);
    g->missing |= get_var(g, n) == NULL;
    free(n);
}

/* Fill tmpl into out when every placeholder has a value (in a, b or c,
 * which may be NULL); else -1. */
static int fill(struct kp_buf *out, const char *tmpl, const struct vars *a, const struct vars *b,
                const struct vars *c)
{
    struct getter g = {{c, b, a}, 0};
    lang_placeholders(tmpl, note_missing, &g);
    if (g.missing)
        return -1;
    lang_fill(out, tmpl, get_var, &g);
    return 0;
}

static const char *get_n(void *arg, const char *name)
{
    return strcmp(name, "n") == 0 ? arg : NULL;
}

/* ---- the person and one KPI ---- */

struct job {
    const struct kp_coaching *c;
    const struct kp_config *cfg;
    const struct tongue *t;
    const struct kp_meta *m;
    struct kp_record *r;
    int leader;  /* covers people below them */
    int team;    /* index into c->teams; -1: the team's figures are never quoted */
    int stretch; /* every scored KPI at target: stretch goals */
    int pacing;  /* the window is not over */
    int w0, w1, len;
    struct vars pv;       /* the person's placeholders */
    unsigned char *used;  /* [nplays] plays offered already */
    struct vars *tv, *av; /* [nkpis] a KPI's placeholders, measured to target / to aim */
    unsigned char *tv_ok, *av_ok;
};

/* One KPI of the person, as coaching sees it. */
struct kx {
    int k;
    const struct kp_kpi_def *def;
    const struct kp_kpival *v;
    double stand;                    /* the value judged: projected while pacing, else the value */
    double ratio;                    /* stand against the target, uncapped */
    int additive;                    /* sum(x) or count(x) */
    const struct colrule *unit;      /* an additive KPI's column: its amount form */
    const struct colrule *num, *den; /* a rate of two column sums: sum(a) / sum(b) */
    double A, B;                     /* their window sums */
    int team_ok;                     /* the team's value may be quoted (never for totals) */
    double aim;
    int aim_team;
};

static const char *txt(const struct job *j, const char *sec, const char *key)
{
    const char *v = ini_get(j->t->ini ? j->t->ini : j->c->en, sec, key);
    return v ? v : "";
}

static const struct kp_lang *lang_of(const struct job *j)
{
    return j->t->lang;
}

static const struct colrule *col_rule(const struct kp_coaching *c, const char *name)
{
    for (size_t i = 0; i < c->ncols; i++)
        if (strcmp(c->cols[i].name, name) == 0)
            return &c->cols[i];
    return NULL;
}

/* Sum of a column over the window; *n = months with a value. */
static double col_sum(const struct job *j, const char *name, long *n)
{
    *n = 0;
    for (size_t c = 0; c < j->m->ncols; c++) {
        if (strcmp(j->m->cols[c], name) != 0)
            continue;
        double s = 0;
        for (int i = j->w0; i <= j->w1; i++) {
            double x = j->r->cols[c * (size_t)j->m->nmonths + (size_t)i];
            if (!isnan(x))
                s += x, (*n)++;
        }
        return s;
    }
    return NAN;
}

/* ---- numbers as the reader sees them ---- */

static int shown_dec(const struct kp_kpi_def *d)
{
    switch (d->format) {
    case KP_FMT_PERCENT: return d->decimals < 0 ? 1 : d->decimals;
    case KP_FMT_CURRENCY: return 0;
    case KP_FMT_SCORE: return d->decimals < 0 ? 2 : d->decimals;
    default: return d->decimals < 0 ? 0 : d->decimals;
    }
}

/* v rounded as lang_value shows it (so gaps add up on the page). */
static double shown(const struct kp_kpi_def *d, double v)
{
    if (isnan(v))
        return v;
    double scale = d->format == KP_FMT_PERCENT ? 100 : 1;
    int dec = shown_dec(d);
    char s[64];
    snprintf(s, sizeof s, "%.*f", dec > 6 ? 6 : dec, fabs(v * scale));
    double x = strtod(s, NULL);
    return (v < 0 ? -x : x) / scale;
}

/* 1 when a is better than b as shown, -1 worse, 0 the same. */
static int compare(const struct kp_kpi_def *d, double a, double b)
{
    double x = shown(d, a), y = shown(d, b);
    int c = (x > y) - (x < y);
    return d->lower_better ? -c : c;
}

static double ratio_of(const struct kp_kpi_def *d, double v, double t)
{
    if (isnan(v) || isnan(t))
        return NAN;
    if (d->lower_better)
        return t < 0 ? NAN : v <= 0 ? 1e9 : t / v;
    return t <= 0 ? NAN : v / t;
}

/* An "about" figure: 3 significant digits from 1,000, whole from 10, else
 * one decimal (none when it is whole). */
static double about(double x, int *dec)
{
    double a = fabs(x);
    *dec = 0;
    if (a >= 1000) {
        double p = pow(10, floor(log10(a)) - 2);
        return round(x / p) * p;
    }
    if (a >= 10)
        return round(x);
    double r = round(x * 10) / 10;
    *dec = r != round(r);
    return r;
}

static void put_pattern(struct kp_buf *out, const char *pattern, const char *n)
{
    lang_fill(out, pattern, get_n, (void *)n);
}

/* A column amount with its noun ("phrase") or without ("amount"). */
static char *col_text(const struct job *j, const struct colrule *u, double v, int dec,
                      const char *form)
{
    struct kp_buf n = {0}, out = {0};
    if (u->money)
        lang_money(lang_of(j), &n, v, j->m->currency);
    else
        lang_number(lang_of(j), &n, v, dec);
    char *sec = xasprintf("col.%s", u->name);
    const char *one = strcmp(form, "phrase") == 0 && strcmp(n.s, "1") == 0
                          ? ini_get(j->t->ini ? j->t->ini : j->c->en, sec, "phrase_one")
                          : NULL;
    put_pattern(&out, one ? one : txt(j, sec, form), n.s);
    free(sec);
    buf_free(&n);
    return buf_steal(&out);
}

/* A value of the KPI, with its column's measure word for totals; against
 * target (NaN: none) under the display rule (lang_value_vs). */
static char *kfmt_vs(const struct job *j, const struct kx *x, double v, double target)
{
    if (isnan(v))
        return NULL;
    struct kp_buf b = {0};
    lang_value_vs(lang_of(j), &b, x->def->format, x->def->decimals, v, target, j->m->currency);
    if (!x->unit)
        return buf_steal(&b);
    struct kp_buf out = {0};
    char *sec = xasprintf("col.%s", x->unit->name);
    put_pattern(&out, txt(j, sec, "amount"), b.s);
    free(sec);
    buf_free(&b);
    return buf_steal(&out);
}

static char *kfmt(const struct job *j, const struct kx *x, double v)
{
    return kfmt_vs(j, x, v, NAN);
}

/* An "about" amount in the KPI's own unit. */
static char *kabout(const struct job *j, const struct kx *x, double v)
{
    int dec;
    double a = about(v, &dec);
    if (x->def->format == KP_FMT_CURRENCY || x->def->format == KP_FMT_PERCENT)
        return kfmt(j, x, a);
    struct kp_buf b = {0};
    lang_number(lang_of(j), &b, a, dec);
    if (!x->unit)
        return buf_steal(&b);
    struct kp_buf out = {0};
    char *sec = xasprintf("col.%s", x->unit->name);
    put_pattern(&out, txt(j, sec, "amount"), b.s);
    free(sec);
    buf_free(&b);
    return buf_steal(&out);
}

static char *col_about(const struct job *j, const struct colrule *u, double v, const char *form)
{
    int dec;
    double a = about(v, &dec);
    return col_text(j, u, u->money ? round(a) : a, dec, form);
}

/* A gap: points of a rate, else the KPI's unit. */
static char *gap_text(const struct job *j, const struct kx *x, double gap)
{
    if (x->def->format != KP_FMT_PERCENT)
        return kfmt(j, x, gap);
    struct kp_buf n = {0}, out = {0};
    lang_number(lang_of(j), &n, gap * 100, shown_dec(x->def));
    put_pattern(&out, txt(j, "word", "points"), n.s);
    buf_free(&n);
    return buf_steal(&out);
}

/* An alert's change, never printed as its threshold (display rule). */
static char *change_text(const struct job *j, double v, double threshold)
{
    if (isnan(v))
        return NULL;
    struct kp_buf b = {0};
    lang_value_vs(lang_of(j), &b, KP_FMT_PERCENT, 1, v, threshold, NULL);
    return buf_steal(&b);
}

/* An attainment (uncapped) as the review and the packet show it; also never
 * printed as `also` (an alert's threshold; NaN: none). */
static char *attainment_text(const struct job *j, double v, double also)
{
    if (isnan(v))
        return NULL;
    struct kp_buf b = {0};
    lang_attainment_vs(lang_of(j), &b, v, also);
    return buf_steal(&b);
}

/* ---- the KPI view ---- */

static const char *col_name(const struct job *j, const struct kp_expr *e)
{
    int ci = e ? expr_single_column(e) : -1;
    return ci >= 0 && (size_t)ci < j->cfg->ncols && expr_is_additive(e) ? j->cfg->cols[ci] : NULL;
}

/* sum(a) / sum(b) with both columns known to [col.*], and a / b = the value. */
static void find_rate(const struct job *j, struct kx *x)
{
    const struct kp_expr *f = x->def->formula;
    const char *a = col_name(j, expr_dividend(f)), *b = col_name(j, expr_divisor(f));
    const struct colrule *num = a ? col_rule(j->c, a) : NULL;
    const struct colrule *den = b ? col_rule(j->c, b) : NULL;
    if (!num || !den)
        return;
    long na, nb;
    double A = col_sum(j, a, &na), B = col_sum(j, b, &nb);
    double v = x->v->value;
    if (nb == 0 || B <= 0 || isnan(v) || fabs(A / B - v) > 1e-9 * (fabs(v) > 1 ? fabs(v) : 1))
        return;
    x->num = num, x->den = den, x->A = A, x->B = B;
}

static void kx_init(const struct job *j, int k, struct kx *x)
{
    memset(x, 0, sizeof *x);
    x->k = k;
    x->def = &j->cfg->kpis[k];
    x->v = &j->r->kpis[k];
    x->stand = j->pacing && !isnan(x->v->projected) ? x->v->projected : x->v->value;
    x->ratio = ratio_of(x->def, x->stand, x->v->target);
    x->aim = x->v->target;
    const struct kp_expr *f = x->def->formula;
    if (!f)
        return;
    x->additive = expr_is_additive(f);
    x->team_ok = j->team >= 0 && !x->additive && !isnan(x->v->group_value) &&
                 j->c->contrib[(size_t)j->team * j->cfg->nkpis + (size_t)k] >= j->c->team_min;
    const char *u = x->additive ? col_name(j, f) : NULL;
    x->unit = u ? col_rule(j->c, u) : NULL;
    if (!x->additive)
        find_rate(j, x);
}

static int scored(const struct kx *x)
{
    return x->v->weight > 0 && x->v->status == KP_ST_OK && !isnan(x->v->value) &&
           !isnan(x->v->target) && !isnan(x->ratio);
}

static int below(const struct kx *x)
{
    return compare(x->def, x->stand, x->v->target) < 0;
}

/* The best month of the whole series (earliest of equals); -1 unless some
 * other month is worse. */
static int best_month(const struct job *j, const struct kx *x)
{
    int best = -1, worse = 0;
    for (int i = 0; i < j->m->nmonths; i++) {
        double v = x->v->series[i];
        if (isnan(v))
            continue;
        if (best >= 0)
            worse |= compare(x->def, v, x->v->series[best]) != 0;
        if (best < 0 || compare(x->def, v, x->v->series[best]) > 0)
            best = i;
    }
    return worse ? best : -1;
}

/* A top performer's stretch aim (NaN: none). Totals and rates: [rules]
 * stretch beyond today; a rate whose target is under 100% is a share and
 * stops at 100% (*capped). Other averages (scores, days): the best month. */
static double stretch_aim(const struct job *j, const struct kx *x, int *capped)
{
    double v = x->stand, s = j->c->stretch, t = x->v->target;
    int lower = x->def->lower_better;
    *capped = 0;
    if (x->additive) {
        double p = pow(10, shown_dec(x->def));
        return lower ? floor(v * (1 - s) * p + 1e-9) / p : ceil(v * (1 + s) * p - 1e-9) / p;
    }
    if (x->def->format == KP_FMT_PERCENT) {
        if (lower)
            return v * (1 - s);
        if (t < 1 && v >= 1)
            return NAN;
        double a = v * (1 + s);
        if (t < 1 && a > 1)
            a = 1, *capped = 1;
        return a;
    }
    int b = best_month(j, x);
    return b >= 0 && compare(x->def, x->v->series[b], v) > 0 ? x->v->series[b] : NAN;
}

static void pick_aim(const struct job *j, struct kx *x)
{
    double gv = x->v->group_value;
    x->aim_team = 0;
    int capped;
    if (j->stretch)
        x->aim = stretch_aim(j, x, &capped);
    else if (j->c->goal_team && x->team_ok && compare(x->def, gv, x->v->value) > 0)
        x->aim = gv, x->aim_team = 1;
    else
        x->aim = x->v->target;
}

/* ---- a KPI's placeholders ---- */

static void trend_vars(const struct job *j, const struct kx *x, struct vars *kv)
{
    struct kp_buf list = {0};
    int any = 0, last = j->w1;
    if (j->pacing) { /* up to the month of as_of */
        int y, mo, d;
        date_split(j->m->as_of, &y, &mo, &d);
        if (y * 12 + mo - 1 - j->m->m0 < last)
            last = y * 12 + mo - 1 - j->m->m0;
    }
    for (int i = j->w0; i <= last; i++) {
        struct vars iv = {0};
        struct kp_buf mo = {0}, val = {0};
        lang_month_short(lang_of(j), &mo, meta_month(j->m, i));
        double v = x->v->series[i];
        char *s = kfmt(j, x, v);
        if (s)
            buf_adds(&val, s), any = 1;
        else
            lang_number(lang_of(j), &val, NAN, 0);
        free(s);
        var_buf(&iv, "month", &mo);
        var_buf(&iv, "value", &val);
        if (i > j->w0)
            buf_adds(&list, txt(j, "word", "trend_sep"));
        fill(&list, txt(j, "word", "trend_item"), &iv, NULL, NULL);
        vars_free(&iv);
    }
    if (any)
        var_buf(kv, "trend", &list);
    buf_free(&list);
}

static void best_vars(const struct job *j, const struct kx *x, struct vars *kv)
{
    int best = best_month(j, x);
    if (best < 0)
        return;
    struct kp_buf b = {0};
    lang_month(lang_of(j), &b, meta_month(j->m, best));
    var_buf(kv, "best_month", &b);
    var_put(kv, "best", kfmt(j, x, x->v->series[best]));
}

static char *sample_text(const struct job *j, double v, const char *name)
{
    const struct colrule *u = name ? col_rule(j->c, name) : NULL;
    int dec = v == round(v) ? 0 : 1;
    if (u)
        return col_text(j, u, v, dec, "phrase");
    struct kp_buf b = {0};
    lang_number(lang_of(j), &b, v, dec);
    return buf_steal(&b);
}

static void sample_vars(const struct job *j, const struct kx *x, struct vars *kv)
{
    if (isnan(x->v->sample) || x->def->min_sample <= 0)
        return;
    const struct kp_expr *se = x->def->sample    ? x->def->sample
                               : x->def->formula ? expr_divisor(x->def->formula)
                                                 : NULL;
    const char *name = col_name(j, se);
    long n;
    if (name && !(col_sum(j, name, &n) == x->v->sample))
        name = NULL; /* not a plain sum of the column (count(), a manager's tree …) */
    var_put(kv, "sample", sample_text(j, x->v->sample, name));
    var_put(kv, "min_sample", sample_text(j, x->def->min_sample, name));
}

/* per_month, monthly, base, need, more: what it takes to reach aim. */
static void amount_vars(const struct job *j, const struct kx *x, double aim, double gap,
                        struct vars *kv)
{
    const struct kp_kpival *v = x->v;
    if (j->pacing) {
        if (isnan(v->needed) || v->needed <= 0 || aim != v->target)
            return;
        if (x->additive) {
            var_put(kv, "per_month", kabout(j, x, v->needed));
            var_put(kv, "need",
                    x->unit ? col_about(j, x->unit, v->needed, "phrase") : kabout(j, x, v->needed));
        } else if (x->num) {
            var_put(kv, "per_month", col_about(j, x->num, v->needed, "amount"));
            var_put(kv, "need", col_about(j, x->num, v->needed, "phrase"));
        }
        return;
    }
    if (x->additive) {
        if (gap > 0)
            var_put(kv, "per_month", kabout(j, x, gap / j->len));
        if (aim > 0)
            var_put(kv, "monthly", kabout(j, x, aim / j->len));
        return;
    }
    if (!x->num || x->def->lower_better)
        return;
    double need = x->num->money ? round(aim * x->B) : ceil(aim * x->B - 1e-9);
    double more = need - (x->num->money ? round(x->A) : x->A);
    if (more <= 0)
        return;
    var_put(kv, "base", col_text(j, x->den, x->B, 0, "phrase"));
    var_put(kv, "need", col_text(j, x->num, need, 0, "phrase"));
    var_put(kv, "more", col_text(j, x->num, more, 0, "amount"));
    var_put(kv, "per_month", col_about(j, x->num, more / j->len, "amount"));
}

static void column_vars(const struct job *j, struct vars *kv)
{
    for (size_t i = 0; i < j->c->ncols; i++) {
        const struct colrule *u = &j->c->cols[i];
        long n;
        double s = col_sum(j, u->name, &n);
        if (n > 0 && s > 0)
            var_put(kv, u->name, col_text(j, u, s, s == round(s) ? 0 : 1, "amount"));
    }
}

/* Every placeholder of one KPI, with the gap measured to aim. */
static void kpi_vars(const struct job *j, const struct kx *x, double aim, struct vars *kv)
{
    const struct kp_kpival *v = x->v;
    const struct kp_kpi_def *d = x->def;
    var_put(kv, "kpi", xstrdup(text_get(d->label, d->nlabel, j->t->code, d->id)));
    var_put(kv, "value", kfmt_vs(j, x, v->value, v->target));
    var_put(kv, "target", kfmt(j, x, v->target));
    var_put(kv, "aim", kfmt(j, x, aim));
    double gap =
        d->lower_better ? shown(d, v->value) - shown(d, aim) : shown(d, aim) - shown(d, v->value);
    if (gap > 0)
        var_put(kv, "gap", gap_text(j, x, gap));
    double ratio = ratio_of(d, v->value, v->target);
    if (ratio < 1e6) /* not for a lower-is-better value of 0 */
        var_put(kv, "ratio", attainment_text(j, ratio, NAN));
    var_put(kv, "prev", kfmt(j, x, v->prev));
    if (j->pacing)
        var_put(kv, "projected", kfmt(j, x, v->projected));
    if (x->team_ok)
        var_put(kv, "team_avg", kfmt(j, x, v->group_value));
    trend_vars(j, x, kv);
    best_vars(j, x, kv);
    sample_vars(j, x, kv);
    amount_vars(j, x, aim, gap, kv);
}

/* A KPI's placeholders, measured to its target or (goal) to its aim;
 * computed once per person. */
static const struct vars *kvars(struct job *j, const struct kx *x, int goal)
{
    int to_aim = goal && !(x->aim == x->v->target || (isnan(x->aim) && isnan(x->v->target)));
    struct vars *v = to_aim ? &j->av[x->k] : &j->tv[x->k];
    unsigned char *ok = to_aim ? &j->av_ok[x->k] : &j->tv_ok[x->k];
    if (!*ok)
        kpi_vars(j, x, to_aim ? x->aim : x->v->target, v), *ok = 1;
    return v;
}

/* ---- rows ---- */

static void emit(struct job *j, const char *step, const char *kpi, struct kp_buf *text)
{
    struct kp_record *r = j->r;
    if (!text->len)
        return;
    r->coach = xrealloc(r->coach, (r->ncoach + 1) * sizeof *r->coach);
    r->coach[r->ncoach++] = (struct kp_coach){xstrdup(step), xstrdup(kpi), buf_steal(text)};
}

/* Append [text] key to row (after a sentence separator); 0, or -1 when a
 * placeholder has no value (row unchanged). */
static int piece(const struct job *j, struct kp_buf *row, const char *key, const struct vars *kv,
                 const struct vars *extra)
{
    struct kp_buf b = {0};
    if (fill(&b, txt(j, "text", key), &j->pv, kv, extra) != 0) {
        buf_free(&b);
        return -1;
    }
    if (row->len)
        buf_adds(row, txt(j, "word", "sentence_sep"));
    buf_add(row, b.s, b.len);
    buf_free(&b);
    return 0;
}

static void emit_text(struct job *j, const char *step, const char *kpi, const char *key,
                      const struct vars *kv, const struct vars *extra)
{
    struct kp_buf row = {0};
    if (piece(j, &row, key, kv, extra) == 0)
        emit(j, step, kpi, &row);
    buf_free(&row);
}

static const char *kid(const struct job *j, const struct kx *x)
{
    return j->cfg->kpis[x->k].id;
}

/* ---- Goal ---- */

static const char *goal_key(const struct job *j, const struct kx *x, const struct vars *kv)
{
    const char *updown = x->def->lower_better ? "goal_down" : "goal_up";
    if (j->pacing)
        return !j->stretch && !x->aim_team && var_get(kv, "need") ? "goal_pace" : updown;
    if (x->additive && !x->def->lower_better)
        return "goal_sum";
    return var_get(kv, "more") ? "goal_rate_amount" : updown;
}

static void focus_list(const struct job *j, const struct kx *f, int nf, struct vars *fv)
{
    struct kp_buf b = {0};
    for (int i = 0; i < nf; i++) {
        if (i > 0)
            buf_adds(&b, txt(j, "word", i == nf - 1 ? "list_and" : "list_sep"));
        buf_adds(&b, text_get(f[i].def->label, f[i].def->nlabel, j->t->code, f[i].def->id));
    }
    var_buf(fv, "focus", &b);
}

static void goal_rows(struct job *j, const struct kx *f, int nf)
{
    struct vars fv = {0};
    focus_list(j, f, nf, &fv);
    if (nf > 0)
        emit_text(j, "goal", "", j->stretch ? "goal_stretch_focus" : "goal_focus", NULL, &fv);
    vars_free(&fv);
    for (int i = 0; i < nf; i++) {
        const struct vars *kv = kvars(j, &f[i], 1);
        struct kp_buf row = {0};
        if (piece(j, &row, goal_key(j, &f[i], kv), kv, NULL) == 0) {
            if (f[i].aim_team)
                piece(j, &row, "goal_team_note", kv, NULL);
            emit(j, "goal", kid(j, &f[i]), &row);
        }
        buf_free(&row);
    }
}

/* ---- Reality ---- */

static void fact_row(struct job *j, const struct kx *x, const struct vars *kv)
{
    int lower = x->def->lower_better;
    const char *key = j->stretch ? (lower ? "reality_fact_stretch_lower" : "reality_fact_stretch")
                                 : (lower ? "reality_fact_lower" : "reality_fact");
    struct kp_buf row = {0};
    if (piece(j, &row, key, kv, NULL) == 0) {
        piece(j, &row, "reality_team", kv, NULL);
        if (j->pacing && compare(x->def, x->v->projected, x->v->value) != 0)
            piece(j, &row, "reality_pace", kv, NULL);
        emit(j, "reality", kid(j, x), &row);
    }
    buf_free(&row);
}

static void trend_row(struct job *j, const struct kx *x, const struct vars *kv)
{
    struct kp_buf row = {0};
    piece(j, &row, "reality_trend", kv, NULL);
    if (!isnan(x->v->prev) && !(j->pacing && x->additive)) {
        double a = shown(x->def, x->v->value), b = shown(x->def, x->v->prev);
        piece(j, &row,
              a > b   ? "reality_prev_up"
              : a < b ? "reality_prev_down"
                      : "reality_prev_same",
              kv, NULL);
    }
    piece(j, &row, "reality_best", kv, NULL);
    if (row.len)
        emit(j, "reality", kid(j, x), &row);
    buf_free(&row);
}

/* The alert's own figures ({change}, {level}, {month}) and its text key. */
static const char *alert_vars(const struct job *j, const struct kp_alert *a, const struct kx *x,
                              struct vars *av)
{
    if (strcmp(a->kind, "drop") == 0 && x) {
        var_put(av, "change", change_text(j, fabs(a->value), a->threshold));
        return x->def->lower_better ? "reality_alert_rise" : "reality_alert_drop";
    }
    if ((strcmp(a->kind, "pace") == 0 || strcmp(a->kind, "below") == 0) && x) {
        var_put(av, "level", attainment_text(j, a->value, a->threshold));
        return a->kind[0] == 'p' ? "reality_alert_pace" : "reality_alert_below";
    }
    if (strcmp(a->kind, "idle") == 0 && a->month > 0) {
        struct kp_buf b = {0};
        lang_month(lang_of(j), &b, a->month);
        var_buf(av, "month", &b);
        return "reality_alert_idle";
    }
    return NULL;
}

static void alert_rows(struct job *j, const struct kx *all)
{
    for (size_t i = 0; i < j->r->nalerts; i++) {
        const struct kp_alert *a = &j->r->alerts[i];
        const struct kx *x = a->kpi >= 0 && (size_t)a->kpi < j->m->nkpis ? &all[a->kpi] : NULL;
        struct vars av = {0};
        const char *key = alert_vars(j, a, x, &av);
        if (key)
            emit_text(j, "reality", x ? kid(j, x) : "", key, x ? kvars(j, x, 0) : NULL, &av);
        vars_free(&av);
    }
}

static void insufficient_rows(struct job *j, const struct kx *all)
{
    for (size_t k = 0; k < j->m->nkpis; k++) {
        const struct kx *x = &all[k];
        if (x->v->status == KP_ST_INSUFFICIENT && x->v->weight > 0)
            emit_text(j, "reality", kid(j, x), "reality_insufficient", kvars(j, x, 0), NULL);
    }
}

static void strength_row(struct job *j, const struct kx *x)
{
    const char *key = "reality_strength";
    if (below(x))
        key = "reality_near";
    else if (j->pacing && compare(x->def, x->v->projected, x->v->value) != 0)
        key = "reality_strength_pace";
    else if (x->def->lower_better)
        key = "reality_strength_lower";
    emit_text(j, "reality", kid(j, x), key, kvars(j, x, 0), NULL);
}

static void reality_rows(struct job *j, const struct kx *all, const struct kx *f, int nf,
                         int strength)
{
    if (j->leader)
        emit_text(j, "reality", "", "reality_scope", NULL, NULL);
    if (nf == 0 && !j->stretch)
        emit_text(j, "reality", "", "reality_nodata", NULL, NULL);
    for (int i = 0; i < nf; i++) {
        const struct vars *kv = kvars(j, &f[i], 0);
        fact_row(j, &f[i], kv);
        trend_row(j, &f[i], kv);
    }
    alert_rows(j, all);
    insufficient_rows(j, all);
    if (strength >= 0)
        strength_row(j, &all[strength]);
}

/* ---- Options ---- */

static int side_ok(enum side want, int cmp)
{
    return want == S_ANY || (want == S_BETTER && cmp > 0) || (want == S_WORSE && cmp < 0);
}

static int applies(const struct job *j, const struct play *p, const struct kx *x)
{
    if (!p->active || (p->when == W_GAP && j->stretch) || (p->when == W_STRETCH && !j->stretch))
        return 0;
    if ((p->who == WHO_IND && j->leader) || (p->who == WHO_LEAD && !j->leader))
        return 0;
    int role = config_find_role(j->cfg, j->r->role ? j->r->role : "");
    if (p->roles && (role < 0 || !p->roles[role]))
        return 0;
    if (p->trend != S_ANY) {
        if (isnan(x->v->prev) || (j->pacing && x->additive))
            return 0;
        if (!side_ok(p->trend, compare(x->def, x->v->value, x->v->prev)))
            return 0;
    }
    if (p->vs_team != S_ANY) {
        if (!x->team_ok)
            return 0;
        if (!side_ok(p->vs_team, compare(x->def, x->v->value, x->v->group_value)))
            return 0;
    }
    return 1;
}

/* Offer play p for x when it applies and every placeholder has a value. */
static int offer(struct job *j, size_t p, const struct kx *x, const struct vars *kv)
{
    const struct play *pl = &j->c->plays[p];
    if (!applies(j, pl, x))
        return 0;
    struct kp_buf b = {0};
    if (fill(&b, txt(j, pl->sec, "text"), &j->pv, kv, NULL) != 0) {
        buf_free(&b);
        return 0;
    }
    emit(j, "options", kid(j, x), &b);
    buf_free(&b);
    return 1;
}

/* For each focus area: the plays for its KPI (up to max_options - 1), then
 * plays for any KPI (up to max_options); a play is offered once per review
 * unless that leaves an area with fewer than min_options. */
static void option_rows(struct job *j, const struct kx *f, int nf)
{
    const struct kp_coaching *c = j->c;
    unsigned char *taken = xcalloc(c->nplays + 1, 1);
    for (int i = 0; i < nf; i++) {
        const struct kx *x = &f[i];
        const struct vars *kv = kvars(j, x, 1);
        memset(taken, 0, c->nplays + 1);
        int n = 0;
        for (size_t p = 0; p < c->nplays && n < c->max_options - 1; p++)
            if (!c->plays[p].any_kpi && c->plays[p].kpis[x->k] && !j->used[p] && offer(j, p, x, kv))
                taken[p] = j->used[p] = 1, n++;
        for (size_t p = 0; p < c->nplays && n < c->max_options; p++)
            if (c->plays[p].any_kpi && !j->used[p] && offer(j, p, x, kv))
                taken[p] = j->used[p] = 1, n++;
        for (size_t p = 0; p < c->nplays && n < c->min_options; p++)
            if ((c->plays[p].any_kpi || c->plays[p].kpis[x->k]) && !taken[p] && offer(j, p, x, kv))
                taken[p] = 1, n++;
    }
    free(taken);
}

/* ---- Will ---- */

static void will_rows(struct job *j, const struct kx *f, int nf)
{
    for (int i = 0; i < nf; i++)
        emit_text(j, "will", kid(j, &f[i]), "will_pick", kvars(j, &f[i], 1), NULL);
    emit_text(j, "will", "", nf == 0 ? "will_nodata" : "will_when", NULL, NULL);
    emit_text(j, "will", "", "will_support", NULL, NULL);
    if (nf > 0)
        emit_text(j, "will", kid(j, &f[0]), "will_measure", kvars(j, &f[0], 1), NULL);
    emit_text(j, "will", "", "will_follow", NULL, NULL);
}

/* ---- focus areas ---- */

/* Below target: largest weight × shortfall first. Stretch: the heaviest
 * weight first (where it counts), then the one closest to target. Ties: KPI
 * order. */
static int before(const struct job *j, const struct kx *a, const struct kx *b)
{
    if (j->stretch) {
        if (a->v->weight != b->v->weight)
            return a->v->weight > b->v->weight;
        if (a->ratio != b->ratio)
            return a->ratio < b->ratio;
        return a->k < b->k;
    }
    double ka = a->v->weight * (1 - a->ratio), kb = b->v->weight * (1 - b->ratio);
    return ka > kb || (ka == kb && a->k < b->k);
}

/* A stretch aim is worth setting when it shows as better, and, when it was
 * cut at 100%, is at least half the stretch away (no 99.6% -> 100%). */
static int has_room(const struct job *j, const struct kx *x)
{
    int capped;
    double aim = stretch_aim(j, x, &capped);
    return !isnan(aim) && compare(x->def, aim, x->stand) > 0 &&
           (!capped || fabs(aim - x->stand) >= fabs(x->stand) * j->c->stretch / 2 - 1e-12);
}

/* Fills f (sorted, up to [coaching] focus); sets j->stretch. Returns the
 * count; -1 when no KPI is scored. */
static int pick_focus(struct job *j, const struct kx *all, struct kx *f)
{
    size_t nk = j->m->nkpis;
    int nscored = 0, nbelow = 0, n = 0;
    for (size_t k = 0; k < nk; k++)
        if (scored(&all[k]))
            nscored++, nbelow += below(&all[k]);
    if (nscored == 0)
        return -1;
    j->stretch = nbelow == 0;
    for (size_t k = 0; k < nk; k++) {
        const struct kx *x = &all[k];
        if (!scored(x) || (!j->stretch && !below(x)))
            continue;
        if (j->stretch && !has_room(j, x))
            continue;
        int at = n++;
        for (; at > 0 && before(j, x, &f[at - 1]); at--)
            f[at] = f[at - 1];
        f[at] = *x;
    }
    if (n > j->c->focus)
        n = j->c->focus;
    for (int i = 0; i < n; i++)
        pick_aim(j, &f[i]);
    return n;
}

/* The highest ratio among the scored KPIs that are not a focus area. */
static int pick_strength(const struct job *j, const struct kx *all, const struct kx *f, int nf)
{
    int best = -1;
    for (size_t k = 0; k < j->m->nkpis; k++) {
        int in_focus = 0;
        for (int i = 0; i < nf; i++)
            in_focus |= f[i].k == (int)k;
        if (!scored(&all[k]) || in_focus)
            continue;
        if (best < 0 || all[k].ratio > all[best].ratio)
            best = (int)k;
    }
    return best;
}

/* ---- the person ---- */

static void period_var(struct job *j, const char *name, const char *which)
{
    char key[16];
    int n = j->len;
    snprintf(key, sizeof key, n == 1 || n == 3 || n == 12 ? "%s_%d" : "%s_n", which, n);
    struct kp_buf b = {0};
    fill(&b, txt(j, "period", key), &j->pv, NULL, NULL);
    var_buf(&j->pv, name, &b);
}

static void date_var(struct job *j, const char *name, long days)
{
    struct kp_buf b = {0};
    lang_date(lang_of(j), &b, days);
    var_buf(&j->pv, name, &b);
}

static void person_vars(struct job *j)
{
    struct kp_buf b = {0};
    lang_number(lang_of(j), &b, j->len, 0);
    var_buf(&j->pv, "months", &b);
    period_var(j, "this", "this");
    period_var(j, "last", "last");
    period_var(j, "next", j->pacing ? "this" : "next");
    kp_month end = j->pacing ? j->m->to : j->m->to + j->len;
    date_var(j, "due", date_from_ymd(end / 12, end % 12 + 1, month_days(end)));
    date_var(j, "follow_up", j->m->as_of + j->c->follow_up_days);
    if (j->leader) {
        lang_number(lang_of(j), &b, j->r->scope - 1, 0);
        var_buf(&j->pv, "people", &b);
    }
    column_vars(j, &j->pv);
}

static const struct tongue *tongue_for(const struct kp_coaching *c, const char *code)
{
    for (size_t i = 0; code && i < c->ntongues; i++)
        if (strcmp(c->tongues[i].code, code) == 0)
            return &c->tongues[i];
    return &c->tongues[0];
}

static void clear_coach(struct kp_record *r)
{
    for (size_t i = 0; i < r->ncoach; i++)
        free(r->coach[i].step), free(r->coach[i].kpi), free(r->coach[i].text);
    free(r->coach);
    r->coach = NULL;
    r->ncoach = 0;
}

void coach_person(const struct kp_coaching *c, struct kp_record *r, const struct kp_meta *m)
{
    clear_coach(r);
    struct job j;
    memset(&j, 0, sizeof j);
    j.c = c, j.cfg = c->cfg, j.t = tongue_for(c, r->lang), j.m = m, j.r = r;
    j.leader = r->scope > 1;
    j.team = -1;
    for (size_t t = 0; !j.leader && r->team && t < c->nteams; t++)
        if (strcmp(c->teams[t], r->team) == 0)
            j.team = (int)t;
    j.pacing = m->pacing;
    j.w0 = m->from - m->m0, j.w1 = m->to - m->m0, j.len = j.w1 - j.w0 + 1;
    size_t nk = m->nkpis < c->cfg->nkpis ? m->nkpis : c->cfg->nkpis;
    j.used = xcalloc(c->nplays + 1, 1);
    j.tv = xcalloc(nk + 1, sizeof *j.tv), j.av = xcalloc(nk + 1, sizeof *j.av);
    j.tv_ok = xcalloc(nk + 1, 1), j.av_ok = xcalloc(nk + 1, 1);
    person_vars(&j);
    struct kx *all = xcalloc(nk + 1, sizeof *all), *f = xcalloc(nk + 1, sizeof *f);
    for (size_t k = 0; k < nk; k++)
        kx_init(&j, (int)k, &all[k]);
    int nf = pick_focus(&j, all, f);
    if (nf < 0) {
        nf = 0;
        emit_text(&j, "goal", "", "goal_nodata", NULL, NULL);
    } else {
        goal_rows(&j, f, nf);
    }
    reality_rows(&j, all, f, nf, nf > 0 || j.stretch ? pick_strength(&j, all, f, nf) : -1);
    option_rows(&j, f, nf);
    will_rows(&j, f, nf);
    for (size_t k = 0; k < nk; k++)
        vars_free(&j.tv[k]), vars_free(&j.av[k]);
    free(j.tv), free(j.av), free(j.tv_ok), free(j.av_ok);
    free(all);
    free(f);
    free(j.used);
    vars_free(&j.pv);
}
