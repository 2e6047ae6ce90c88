/* crm — see crm.h.
 *
 * The deals are never held: each row is checked and added, as it arrives, to
 * the accumulators of the rules it matches (a count and a sum per person,
 * month and rule). Memory grows with the people, the rules, the rejected
 * rows and the deal ids (for duplicates), not with the deals. */
#include "crm.h"

#include "config.h"
#include "csvread.h"
#include "diag.h"
#include "field.h"
#include "expr.h"
#include "ini.h"
#include "ingest.h"
#include "model.h"
#include "sys.h"
#include "util.h"
#include "xlsxread.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_STAGES   10 /* stage spellings listed in the "counted as open" note */
#define MAX_MAGNITUDE 1e15

/* ------------------------------------------------------------------ */
/* Text                                                                */

static int is_space_cp(int32_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xA0 || c == 0x3000 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F || c == 0xFEFF;
}

/* Simple case folding of the scripts a sales team's names are written in. */
static int32_t fold(int32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3AB && c != 0x3A2) ||
        (c >= 0x410 && c <= 0x42F))
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    if (c >= 0xFF21 && c <= 0xFF3A) /* full-width Ａ-Ｚ */
        return c + 32;
    if (((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) && c % 2 == 0)
        return c + 1;
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && c % 2 == 1)
        return c + 1;
    if (c == 0x178)
        return 0xFF;
    return c;
}

char *crm_key(const char *s, int stage)
{
    struct kp_buf b = {0};
    const char *p = s, *e = s + strlen(s);
    int space = 0;
    buf_adds(&b, "");
    while (p < e) {
        int32_t c = utf8_next(&p, e);
        if (c < 0)
            c = 0xFFFD;
        if (is_space_cp(c) || (stage && (c == '_' || c == '-' || c == '.'))) {
            space = b.len > 0;
            continue;
        }
        if (space)
            buf_addc(&b, ' ');
        space = 0;
        char u[4];
        buf_add(&b, u, utf8_put(u, fold(c)));
    }
    return buf_steal(&b);
}

/* The ASCII letter a Latin-1 letter is written with, or 0. */
static char latin_base(int32_t c)
{
    static const char t[] = "aaaaaaaceeeeiiiidnooooo/ouuuuyty"; /* U+00E0 .. U+00FF */
    if (c >= 0xE0 && c <= 0xFF && c != 0xF7)
        return t[c - 0xE0] == '/' ? 0 : t[c - 0xE0];
    return c == 0xDF ? 's' : 0;
}

char *crm_rep_id(const char *key)
{
    struct kp_buf b = {0};
    const char *p = key, *e = key + strlen(key);
    int pure = 1, dash = 0;
    buf_adds(&b, "");
    while (p < e) {
        int32_t c = utf8_next(&p, e);
        char a = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? (char)c : latin_base(c);
        pure &= a == c || c == ' ';
        if (!a) {
            dash = b.len > 0;
            continue;
        }
        if (dash)
            buf_addc(&b, '-');
        dash = 0;
        buf_addc(&b, a);
    }
    if (pure && b.len)
        return buf_steal(&b);
    uint32_t h = (uint32_t)hash64(key, strlen(key));
    char *r = xasprintf("%s-%08x", b.len ? b.s : "p", (unsigned)h);
    buf_free(&b);
    return r;
}

/* ------------------------------------------------------------------ */
/* Dates                                                               */

static kp_month month_of_day(long day)
{
    int y, m, d;
    date_split(day, &y, &m, &d);
    return y * 12 + m - 1;
}

static long last_day(kp_month m)
{
    return date_from_ymd(m / 12, m % 12 + 1, month_days(m));
}

/* ------------------------------------------------------------------ */
/* A string -> int map (open addressing; keys copied)                  */

struct smap {
    char **key;
    int *val;
    size_t cap, n;
};

static size_t smap_slot(const struct smap *m, const char *key)
{
    size_t mask = m->cap - 1, i = (size_t)hash64(key, strlen(key)) & mask;
    while (m->key[i] && strcmp(m->key[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

/* The value, or -1. */
static int smap_get(const struct smap *m, const char *key)
{
    if (!m->cap)
        return -1;
    size_t i = smap_slot(m, key);
    return m->key[i] ? m->val[i] : -1;
}

static void smap_put(struct smap *m, const char *key, int val)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct smap old = *m;
        m->cap = m->cap ? m->cap * 2 : 64;
        m->key = xcalloc(m->cap, sizeof *m->key);
        m->val = xcalloc(m->cap, sizeof *m->val);
        for (size_t i = 0; i < old.cap; i++)
            if (old.key[i]) {
                size_t j = smap_slot(m, old.key[i]);
                m->key[j] = old.key[i], m->val[j] = old.val[i];
            }
        free(old.key), free(old.val);
    }
    size_t i = smap_slot(m, key);
    if (!m->key[i])
        m->key[i] = xstrdup(key), m->n++;
    m->val[i] = val;
}

static void smap_free(struct smap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->key[i]);
    free(m->key), free(m->val);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ */
/* The stage's state                                                   */

/* Columns of each file ("slots"). Deals: the fixed ones, then the number
 * and filter columns the rules name. */
enum { TS_NAME, TS_MANAGER, TS_TEAM, TS_ROLE, TS_EMAIL, TS_LOCALE, TS_HIRE, TS_ID, TS_END,
       TS_NFIXED };
enum { DS_OWNER, DS_STAGE, DS_AMOUNT, DS_CREATED, DS_ENGAGED, DS_CLOSED, DS_ID, DS_NFIXED };
enum { GS_PERSON, GS_TEAM, GS_ROLE, GS_KPI, GS_TARGET, GS_PER, GS_NFIXED };

struct slot {
    char *header; /* the file's column; NULL = not configured */
    char *key;    /* where it was configured, for messages: "[crm] closed" */
    int required; /* a whole-file error when the file lacks it */
    int numeric;  /* deals: a number column (checked in every row) */
    int fi;       /* its index in the file, -1 = absent */
};

enum { K_WON = 1, K_LOST = 2, K_OPEN = 4 };
enum { AGG_COUNT, AGG_SUM, AGG_MEAN };

/* A date of the deal: the first of up to three date columns that is set. */
struct dref {
    int slot[3];
    int n;
};

struct cond {
    size_t slot;
    int neg;
    char **vals; /* keys (crm_key(…, 1)) */
    size_t nvals;
};

struct rule {
    char *id, *sec;
    size_t col;       /* in cfg->cols */
    unsigned classes; /* K_* */
    int open_at_end;  /* counted in every month at whose end the deal was open */
    struct dref date; /* the month's date (open_at_end: when the deal opened) */
    int agg;
    int num;  /* number slot, -1 = none (count, days) */
    int days; /* value = days(da - db) */
    struct dref da, db;
    struct cond *where;
    size_t nwhere;
    double *sum; /* [np * nm] */
    long *n;
};

/* A team-list person before ingest has them. */
struct tperson {
    char *key, *name, *team, *email, *locale, *hire, *id, *mgr_key, *end;
    char **extra;
    int role;    /* -1 = from the default */
    int has_row; /* 0: only named as someone's manager */
    long line;
};

struct kp_crm {
    const struct kp_config *cfg;
    struct kp_data *d;
    struct kp_ingest *in;
    char *path[3];
    char *encoding;
    unsigned datefmt;
    char **stages[3]; /* won, lost, open: keys */
    size_t nstages[3];
    char *stage_src[3];
    int have_since;
    kp_month since;
    int default_role, manager_role;
    char *leaders_team;
    struct slot *slots[3];
    size_t nslots[3];
    struct rule *rules;
    size_t nrules;

    /* The file being read. */
    enum kp_crm_file which;
    char *name;
    size_t input;
    struct kp_tabread *csv; /* CSV or .xlsx (xlsxread.h) */
    int have_header, failed;
    size_t nheader;
    struct kp_rowlog log; /* this file's rejected rows */
    const char **f;       /* the current row's field of each slot ("" when absent) */

    /* The team list. */
    char *team_name;
    struct tperson *tp;
    size_t ntp, tp_cap;
    struct smap tkey;    /* key -> tp index */
    struct smap dropped; /* key of a rejected row -> its line */
    struct smap tids;    /* id column value -> line */
    struct smap tteam;   /* key of a team -> index in teams */
    char **teams;        /* each team as first spelt */
    size_t nteams;

    /* The people (after crm_people). */
    int bound;
    struct smap owner; /* key of a name or rep_id -> person, -2 = ambiguous */
    struct smap team;  /* key of a team -> index in d->teams */
    size_t np;
    int nm;
    kp_month m0;
    int ahead; /* month index after as_of's month: deals from there on have not happened yet */
    int *first; /* per person: the first month index counted (since, hire date) */
    int *last;  /* per person: the last month index counted (end date), nm = none */

    /* The deals. */
    long min_day;
    int have_min;
    struct smap ids; /* deal id -> line */
    long day[DS_NFIXED];
    int has_day[DS_NFIXED];
    double *num; /* [nslots] the current deal's numbers */
    int *has_num;
    char *match;      /* [nrules] */
    char **open_seen; /* stage spellings counted as open (no [crm] open) */
    size_t nopen_seen;
    long open_more;

    /* The targets. */
    double *tval[3]; /* person, team, role × nkpis */
    long *tline[3];
};

/* ------------------------------------------------------------------ */
/* The config                                                          */

static int ini_find_prefix(const struct kp_ini *ini, const char *prefix)
{
    for (size_t i = 0; i < ini_count(ini); i++)
        if (str_has_prefix(ini_entry(ini, i)->sec, prefix))
            return 1;
    return 0;
}

static int key_err(struct kp_crm *k, const char *sec, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int key_err(struct kp_crm *k, const char *sec, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    const struct kp_ini_entry *e = key ? ini_find(k->cfg->ini, sec, key) : NULL;
    if (!e)
        e = ini_find(k->cfg->ini, sec, NULL);
    const char *file = e ? e->file : k->cfg->path;
    long line = e ? e->line : 0;
    if (key)
        diag(KP_FATAL, file, line, 0, "[%s] %s: %s", sec, key, msg);
    else
        diag(KP_FATAL, file, line, 0, "[%s]: %s", sec, msg);
    free(msg);
    return -1;
}

static const char *crm_get(const struct kp_crm *k, const char *key)
{
    const char *v = config_get(k->cfg, "crm", key);
    return str_empty(v) ? NULL : v;
}

static size_t add_slot(struct kp_crm *k, enum kp_crm_file f, const char *header, const char *key,
                       int required)
{
    for (size_t i = 0; header && i < k->nslots[f]; i++)
        if (k->slots[f][i].header && str_ieq(k->slots[f][i].header, header)) {
            k->slots[f][i].required |= required;
            return i;
        }
    k->slots[f] = xrealloc(k->slots[f], (k->nslots[f] + 1) * sizeof *k->slots[f]);
    struct slot *s = &k->slots[f][k->nslots[f]];
    s->header = header ? xstrdup(header) : NULL;
    s->key = xstrdup(key);
    s->required = header && required;
    s->numeric = 0;
    s->fi = -1;
    return k->nslots[f]++;
}

static int slot_set(const struct kp_crm *k, enum kp_crm_file f, size_t s)
{
    return s < k->nslots[f] && k->slots[f][s].header != NULL;
}

static const char *slot_name(const struct kp_crm *k, enum kp_crm_file f, size_t s)
{
    return k->slots[f][s].header ? k->slots[f][s].header : k->slots[f][s].key;
}

/* Column keys of [crm], in slot order; "" = a slot without a key. */
static const char *const team_keys[TS_NFIXED] = {"name",  "manager", "team",      "role",
                                                 "email", "locale",  "hire_date", "id",
                                                 "end_date"};
static const char *const deal_keys[DS_NFIXED] = {"owner",   "stage",  "amount", "created",
                                                 "engaged", "closed", "deal_id"};
static const char *const target_cols[GS_NFIXED] = {"person", "team",   "role",
                                                   "kpi",    "target", "per"};

static void make_slots(struct kp_crm *k)
{
    for (size_t i = 0; i < DS_NFIXED; i++) {
        char *key = xasprintf("[crm] %s", deal_keys[i]);
        add_slot(k, KP_CRM_DEALS, crm_get(k, deal_keys[i]), key, 1);
        free(key);
    }
    k->slots[KP_CRM_DEALS][DS_AMOUNT].numeric = 1;
    for (size_t i = 0; i < TS_NFIXED; i++) {
        char *key = xasprintf("[crm] %s", team_keys[i]);
        add_slot(k, KP_CRM_TEAM, crm_get(k, team_keys[i]), key, 1);
        free(key);
    }
    for (size_t i = 0; i < k->cfg->nkeep_cols; i++) /* every name the config gives must exist */
        add_slot(k, KP_CRM_TEAM, k->cfg->keep_cols[i], "[input] keep", 1);
    for (size_t i = 0; i < GS_NFIXED; i++)
        add_slot(k, KP_CRM_TARGETS, target_cols[i], target_cols[i], i == GS_KPI || i == GS_TARGET);
}

static int read_paths(struct kp_crm *k)
{
    static const char *const keys[3] = {"team_list", "deals", "targets"};
    int bad = 0;
    for (int i = 0; i < 3; i++) {
        const char *v = crm_get(k, keys[i]);
        const struct kp_ini_entry *e = ini_find(k->cfg->ini, "crm", keys[i]);
        char *dir = e ? path_dir(e->file) : xstrdup(k->cfg->dir);
        k->path[i] = v ? path_resolve(dir, v) : NULL;
        free(dir);
    }
    if (!k->path[KP_CRM_DEALS])
        bad = key_err(k, "crm", "deals", "name the opportunity export, e.g. deals = deals.csv");
    if (k->path[KP_CRM_TARGETS] && k->cfg->targets)
        bad = key_err(k, "crm", "targets", "[input] targets is set too: use one targets file");
    return bad;
}

static int read_columns(struct kp_crm *k)
{
    int bad = 0;
    static const int required[] = {DS_OWNER, DS_STAGE, DS_CLOSED};
    for (size_t i = 0; i < KP_NELEM(required); i++)
        if (!slot_set(k, KP_CRM_DEALS, (size_t)required[i]))
            bad = key_err(k, "crm", deal_keys[required[i]], "name the deals file's column");
    if (k->path[KP_CRM_TEAM]) {
        if (!slot_set(k, KP_CRM_TEAM, TS_NAME))
            bad = key_err(k, "crm", "name", "name the team list's column of people's names");
        if (!slot_set(k, KP_CRM_TEAM, TS_TEAM))
            bad = key_err(k, "crm", "team",
                          "name the team list's column that gives the team "
                          "(an office, a region)");
    } else {
        for (size_t i = 0; i < TS_NFIXED; i++)
            if (slot_set(k, KP_CRM_TEAM, i))
                bad = key_err(k, "crm", team_keys[i],
                              "a team-list column, but no team_list "
                              "is named (people come from [input] roster)");
    }
    return bad;
}

static int read_stages(struct kp_crm *k)
{
    static const char *const keys[3] = {"won", "lost", "open"};
    int bad = 0;
    for (int c = 0; c < 3; c++) {
        const char *v = crm_get(k, keys[c]);
        k->stage_src[c] = xstrdup(v ? v : "");
        k->nstages[c] = str_split(v, ',', &k->stages[c]);
        for (size_t i = 0; i < k->nstages[c]; i++) {
            char *key = crm_key(k->stages[c][i], 1);
            free(k->stages[c][i]);
            k->stages[c][i] = key;
        }
        if (c < 2 && !k->nstages[c])
            bad = key_err(k, "crm", keys[c], "list the stage values that mean %s (e.g. %s)",
                          keys[c], c ? "Closed Lost, Lost" : "Closed Won, Won");
    }
    for (int c = 0; c < 3; c++)
        for (size_t i = 0; i < k->nstages[c]; i++)
            for (int o = c + 1; o < 3; o++)
                for (size_t j = 0; j < k->nstages[o]; j++)
                    if (strcmp(k->stages[c][i], k->stages[o][j]) == 0)
                        bad = key_err(k, "crm", keys[o], "\"%s\" is %s as well", k->stages[o][j],
                                      keys[c]);
    return bad;
}

static int role_key(struct kp_crm *k, const char *key, int def)
{
    const char *v = crm_get(k, key);
    if (!v)
        return def;
    int r = config_find_role(k->cfg, v);
    if (r < 0)
        key_err(k, "crm", key, "no role \"%s\" is defined (add a [role.%s] section)", v, v);
    return r;
}

static int read_options(struct kp_crm *k)
{
    int bad = 0;
    char *err = NULL;
    const char *v = crm_get(k, "date_format");
    if (field_date_formats(v ? v : "ISO", &k->datefmt, &err) != 0) {
        bad = key_err(k, "crm", "date_format", "%s", err);
        free(err);
    }
    v = crm_get(k, "since");
    if (v && month_parse(v, &k->since) != 0)
        bad = key_err(k, "crm", "since", "\"%s\" is not a month: write YYYY-MM", v);
    k->have_since = v != NULL;
    v = crm_get(k, "encoding");
    v = v ? v : k->cfg->encoding; /* NULL: UTF-8, or UTF-16 with a byte-order mark */
    k->encoding = v ? xstrdup(v) : NULL;
    int mgr = config_find_role(k->cfg, "manager");
    k->default_role = role_key(k, "default_role", 0);
    k->manager_role = role_key(k, "manager_role", mgr >= 0 ? mgr : k->default_role);
    bad |= k->default_role < 0 || k->manager_role < 0 ? -1 : 0;
    v = crm_get(k, "leaders_team");
    k->leaders_team = xstrdup(v ? v : "Leadership");
    return bad;
}

/* ---- [derive.*] ---- */

static int date_slot(const char *s)
{
    static const char *const names[] = {"created", "engaged", "closed"};
    for (int i = 0; i < 3; i++)
        if (str_ieq(s, names[i]))
            return DS_CREATED + i;
    return -1;
}

/* "engaged|created" */
static int parse_dref(struct kp_crm *k, const struct rule *r, const char *key, const char *s,
                      struct dref *out)
{
    char **v;
    size_t n = str_split(s, '|', &v);
    int bad = n == 0 || n > 3 ? key_err(k, r->sec, key,
                                        "\"%s\": name created, engaged or "
                                        "closed (or a fallback list: engaged|created)",
                                        s)
                              : 0;
    out->n = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        int slot = date_slot(v[i]);
        if (slot < 0)
            bad = key_err(k, r->sec, key, "\"%s\" is not a date: created, engaged or closed", v[i]);
        else if (!slot_set(k, KP_CRM_DEALS, (size_t)slot))
            bad = key_err(k, r->sec, key, "uses the %s date, but [crm] %s names no column", v[i],
                          v[i]);
        else
            out->slot[out->n++] = slot;
    }
    strv_free(v, n);
    return bad;
}

static int parse_classes(struct kp_crm *k, struct rule *r)
{
    const char *v = config_get(k->cfg, r->sec, "deals");
    char **w;
    size_t n = str_split(v ? v : "all", ',', &w);
    int bad = 0;
    r->classes = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = str_ieq(w[i], "won")      ? K_WON
                     : str_ieq(w[i], "lost")   ? K_LOST
                     : str_ieq(w[i], "open")   ? K_OPEN
                     : str_ieq(w[i], "closed") ? K_WON | K_LOST
                     : str_ieq(w[i], "all")    ? K_WON | K_LOST | K_OPEN
                                               : 0;
        if (!c)
            bad = key_err(k, r->sec, "deals", "\"%s\": write won, lost, open, closed or all", w[i]);
        r->classes |= c;
    }
    strv_free(w, n);
    if (!r->classes && !bad)
        bad = key_err(k, r->sec, "deals", "write won, lost, open, closed or all");
    return bad;
}

static int parse_date(struct kp_crm *k, struct rule *r)
{
    static const char oame[] = "open_at_month_end";
    const char *v = config_get(k->cfg, r->sec, "date");
    if (str_empty(v))
        return key_err(k, r->sec, NULL,
                       "a rule needs date = created, engaged, closed or "
                       "open_at_month_end (the date that puts a deal in a month)");
    if (strncmp(v, oame, sizeof oame - 1) != 0)
        return parse_dref(k, r, "date", v, &r->date);
    r->open_at_end = 1;
    const char *p = v + sizeof oame - 1;
    while (*p == ' ')
        p++;
    if (!*p) {
        int s = slot_set(k, KP_CRM_DEALS, DS_CREATED) ? DS_CREATED : DS_ENGAGED;
        r->date = (struct dref){{s}, 1};
        return slot_set(k, KP_CRM_DEALS, (size_t)s)
                   ? 0
                   : key_err(
                         k, r->sec, "date",
                         "open_at_month_end needs [crm] created (or engaged): when a deal opened");
    }
    size_t n = strlen(p);
    if (*p != '(' || p[n - 1] != ')')
        return key_err(k, r->sec, "date",
                       "write open_at_month_end or "
                       "open_at_month_end(created)");
    char *in = xstrndup(p + 1, n - 2);
    int bad = parse_dref(k, r, "date", in, &r->date);
    free(in);
    return bad;
}

/* amount | days(closed - engaged) | a column of the deals file */
static int parse_number(struct kp_crm *k, struct rule *r, char *x)
{
    x = str_trim(x);
    size_t n = strlen(x);
    if (str_ieq(x, "amount")) {
        r->num = DS_AMOUNT;
        return slot_set(k, KP_CRM_DEALS, DS_AMOUNT)
                   ? 0
                   : key_err(k, r->sec, "value",
                             "uses the amount, but [crm] amount names no column");
    }
    if (n > 6 && strncmp(x, "days(", 5) == 0 && x[n - 1] == ')') {
        x[n - 1] = '\0';
        char *minus = strchr(x + 5, '-');
        if (!minus)
            return key_err(k, r->sec, "value", "write days(closed - engaged)");
        *minus = '\0';
        r->days = 1;
        return parse_dref(k, r, "value", x + 5, &r->da) |
               parse_dref(k, r, "value", minus + 1, &r->db);
    }
    if (!*x)
        return key_err(k, r->sec, "value",
                       "sum() and mean() take amount, days(A - B) or a "
                       "column of the deals file");
    char *key = xasprintf("[%s] value", r->sec);
    r->num = (int)add_slot(k, KP_CRM_DEALS, x, key, 1);
    k->slots[KP_CRM_DEALS][r->num].numeric = 1;
    free(key);
    return 0;
}

static int parse_value(struct kp_crm *k, struct rule *r)
{
    const char *v = config_get(k->cfg, r->sec, "value");
    r->num = -1;
    if (str_empty(v))
        return key_err(k, r->sec, NULL,
                       "a rule needs value = count, sum(amount), "
                       "mean(days(closed - engaged)) …");
    if (str_ieq(v, "count")) {
        r->agg = AGG_COUNT;
        return 0;
    }
    const char *open = strchr(v, '(');
    size_t n = strlen(v);
    if (!open || v[n - 1] != ')')
        return key_err(k, r->sec, "value", "\"%s\": write count, sum(X) or mean(X)", v);
    char *fn = xstrndup(v, (size_t)(open - v));
    char *t = str_trim(fn);
    int bad = 0;
    if (str_ieq(t, "sum"))
        r->agg = AGG_SUM;
    else if (str_ieq(t, "mean") || str_ieq(t, "avg"))
        r->agg = AGG_MEAN;
    else
        bad = key_err(k, r->sec, "value", "\"%s\": write count, sum(X) or mean(X)", v);
    char *x = xstrndup(open + 1, (size_t)(v + n - 1 - open - 1));
    if (!bad)
        bad = parse_number(k, r, x);
    free(x);
    free(fn);
    return bad;
}

/* "Product = Enterprise, Mid-Market & Type != Renewal" */
static int parse_where(struct kp_crm *k, struct rule *r)
{
    const char *v = config_get(k->cfg, r->sec, "where");
    char **parts;
    size_t n = str_split(v, '&', &parts);
    int bad = 0;
    r->where = xcalloc(n ? n : 1, sizeof *r->where);
    for (size_t i = 0; i < n && !bad; i++) {
        char *ne = strstr(parts[i], "!="), *eq = strchr(parts[i], '=');
        if (!eq || eq == parts[i] || (ne && ne == parts[i])) {
            bad = key_err(k, r->sec, "where",
                          "\"%s\": write COLUMN = VALUE, VALUE … or "
                          "COLUMN != VALUE (conditions joined with &)",
                          parts[i]);
            break;
        }
        struct cond *c = &r->where[r->nwhere++];
        c->neg = ne != NULL && ne < eq;
        char *col = xstrndup(parts[i], (size_t)((c->neg ? ne : eq) - parts[i]));
        char *key = xasprintf("[%s] where", r->sec);
        c->slot = add_slot(k, KP_CRM_DEALS, str_trim(col), key, 1);
        free(key), free(col);
        c->nvals = str_split(eq + 1, ',', &c->vals);
        for (size_t j = 0; j < c->nvals; j++) {
            char *kv = crm_key(c->vals[j], 1);
            free(c->vals[j]);
            c->vals[j] = kv;
        }
        if (!c->nvals)
            bad = key_err(k, r->sec, "where", "\"%s\": no value to compare with", parts[i]);
    }
    strv_free(parts, n);
    return bad;
}

static int read_rule(struct kp_crm *k, struct rule *r)
{
    const struct kp_config *c = k->cfg;
    r->col = 0;
    while (r->col < c->ncols && strcmp(c->cols[r->col], r->id) != 0)
        r->col++;
    if (r->col == c->ncols) /* config.c reported the bad name */
        return -1;
    int bad = parse_classes(k, r);
    bad |= parse_date(k, r);
    bad |= parse_value(k, r);
    bad |= parse_where(k, r);
    return bad;
}

static int read_rules(struct kp_crm *k)
{
    const struct kp_ini *ini = k->cfg->ini;
    int bad = 0;
    for (size_t i = 0; i < ini_count(ini); i++) {
        const struct kp_ini_entry *e = ini_entry(ini, i);
        if (e->key || strncmp(e->sec, "derive.", 7) != 0)
            continue;
        int dup = 0;
        for (size_t j = 0; j < k->nrules; j++)
            dup |= strcmp(k->rules[j].sec, e->sec) == 0;
        if (dup)
            continue;
        k->rules = xrealloc(k->rules, (k->nrules + 1) * sizeof *k->rules);
        struct rule *r = &k->rules[k->nrules++];
        memset(r, 0, sizeof *r);
        r->sec = xstrdup(e->sec);
        r->id = xstrdup(e->sec + 7);
        bad |= read_rule(k, r);
    }
    if (!k->nrules)
        bad = key_err(k, "crm", NULL, "no [derive.NAME] rule: nothing would be counted");
    return bad;
}

struct kp_crm *crm_new(const struct kp_config *cfg, struct kp_data *d, struct kp_ingest *in,
                       int *failed)
{
    *failed = 0;
    if (!ini_find(cfg->ini, "crm", NULL)) {
        if (ini_find_prefix(cfg->ini, "derive."))
            *failed = 1, diag(KP_FATAL, cfg->path, 0, 0, "[derive.*] rules need a [crm] section");
        return NULL;
    }
    struct kp_crm *k = xcalloc(1, sizeof *k);
    k->cfg = cfg, k->d = d, k->in = in;
    make_slots(k);
    int bad = read_paths(k);
    bad |= read_columns(k);
    bad |= read_stages(k);
    bad |= read_options(k);
    bad |= read_rules(k);
    if (bad) {
        crm_free(k);
        *failed = 1;
        return NULL;
    }
    for (size_t i = 0; i < k->nrules; i++)
        ingest_derived(in, k->rules[i].col);
    size_t ns = k->nslots[KP_CRM_DEALS];
    k->num = xcalloc(ns, sizeof *k->num);
    k->has_num = xcalloc(ns, sizeof *k->has_num);
    k->match = xcalloc(k->nrules, 1);
    return k;
}

const char *crm_path(const struct kp_crm *k, enum kp_crm_file which)
{
    return k->path[which];
}

/* ------------------------------------------------------------------ */
/* Reading a file                                                      */

static struct kp_input_file *cur_input(struct kp_crm *k)
{
    return &k->d->inputs[k->input];
}

static void reject(struct kp_crm *k, const struct kp_csvrec *rec, int counts, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void reject(struct kp_crm *k, const struct kp_csvrec *rec, int counts, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    field_reject(k->d, &k->log, k->name, k->input, rec, counts, fmt, msg);
    free(msg);
}

static void file_fatal(struct kp_crm *k, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void file_fatal(struct kp_crm *k, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    diag(KP_FATAL, k->name, line, 0, "%s", msg);
    free(msg);
    k->failed = 1;
    if (k->csv)
        tabread_stop(k->csv);
}

/* The date formats a row's cells are read with: a date cell of an .xlsx
 * sheet arrives as YYYY-MM-DD (xlsxread.h), whatever date_format says. */
static unsigned datefmt(const struct kp_crm *k, const struct kp_csvrec *rec)
{
    return field_cell_formats(k->datefmt, rec);
}

/* "Agent, Manager, Office" */
static char *found_columns(const struct kp_csvrec *rec)
{
    struct kp_buf b = {0};
    size_t n = 0;
    for (size_t i = 0; i < rec->nfield; i++) {
        char *t = str_trim(rec->field[i]);
        if (!*t)
            continue;
        if (n++ < 12) {
            char *v = field_shown(t);
            buf_printf(&b, "%s%s", n > 1 ? ", " : "", v);
            free(v);
        }
    }
    if (n > 12)
        buf_printf(&b, " and %zu more", n - 12);
    return n ? buf_steal(&b) : xstrdup("no column names");
}

/* A column the config names that the file lacks: an error at the config's
 * line ("[crm] closed", "[derive.won] where"), with the file's nearest
 * header; a targets file's own columns at the file's header line. */
static void missing_column(struct kp_crm *k, const struct kp_csvrec *rec, const struct slot *sl)
{
    char sec[128], key[64];
    if (sscanf(sl->key, "[%127[^]]] %63s", sec, key) != 2) {
        char *found = found_columns(rec);
        file_fatal(k, rec->line, "missing column \"%s\" (%s) (found: %s)", sl->header, sl->key,
                   found);
        free(found);
        return;
    }
    char **hdr = xcalloc(rec->nfield ? rec->nfield : 1, sizeof *hdr);
    for (size_t i = 0; i < rec->nfield; i++)
        hdr[i] = field_clean(str_trim(rec->field[i]));
    const char *near = field_nearest(sl->header, hdr, rec->nfield), *file;
    long line = config_where(k->cfg, sec, key, &file);
    char *v = field_shown(sl->header), *hint;
    if (near) {
        char *n = field_shown(near);
        hint = xasprintf("did you mean \"%s\"?", n);
        free(n);
    } else {
        char *found = found_columns(rec);
        hint = xasprintf("its columns: %s", found);
        free(found);
    }
    diag(KP_FATAL, file, line, 0, "%s: %s has no column \"%s\" (%s)", sl->key, k->name, v, hint);
    free(v), free(hint);
    strv_free(hdr, rec->nfield);
    k->failed = 1;
    if (k->csv)
        tabread_stop(k->csv);
}

static void header(struct kp_crm *k, const struct kp_csvrec *rec)
{
    if (rec->error) {
        file_fatal(k, rec->line, "cannot read the header row: %s", rec->error);
        return;
    }
    k->nheader = rec->nfield;
    for (size_t s = 0; s < k->nslots[k->which] && !k->failed; s++) {
        struct slot *sl = &k->slots[k->which][s];
        sl->fi = -1;
        for (size_t i = 0; sl->header && i < rec->nfield; i++) {
            if (!str_ieq(str_trim(rec->field[i]), sl->header))
                continue;
            if (sl->fi >= 0)
                file_fatal(k, rec->line, "two columns are named \"%s\" (columns %d and %zu)",
                           sl->header, sl->fi + 1, i + 1);
            sl->fi = (int)i;
        }
        if (sl->fi < 0 && sl->required && !k->failed)
            missing_column(k, rec, sl);
    }
    if (!k->failed && k->which == KP_CRM_TARGETS && k->slots[k->which][GS_PERSON].fi < 0 &&
        k->slots[k->which][GS_TEAM].fi < 0 && k->slots[k->which][GS_ROLE].fi < 0)
        file_fatal(k, rec->line, "a targets file needs a person, team or role column");
}

static int all_empty(const struct kp_csvrec *rec)
{
    for (size_t i = 0; i < rec->nfield; i++)
        if (*str_trim(rec->field[i]))
            return 0;
    return 1;
}

static void team_row(struct kp_crm *k, const struct kp_csvrec *rec);
static void deal_row(struct kp_crm *k, const struct kp_csvrec *rec);
static void target_row(struct kp_crm *k, const struct kp_csvrec *rec);

static void on_record(void *ctx, const struct kp_csvrec *rec)
{
    struct kp_crm *k = ctx;
    if (k->failed)
        return;
    if (!k->have_header) {
        k->have_header = 1;
        header(k, rec);
        return;
    }
    if (!rec->error && all_empty(rec))
        return;
    cur_input(k)->rows++;
    if (rec->error) {
        reject(k, rec, 1, "%s", rec->error);
        return;
    }
    if (rec->nfield != k->nheader) {
        reject(k, rec, 1, "wrong number of fields: %zu, expected %zu", rec->nfield, k->nheader);
        return;
    }
    for (size_t s = 0; s < k->nslots[k->which]; s++) {
        int fi = k->slots[k->which][s].fi;
        k->f[s] = fi >= 0 ? str_trim(rec->field[fi]) : "";
    }
    if (k->which == KP_CRM_TEAM)
        team_row(k, rec);
    else if (k->which == KP_CRM_DEALS)
        deal_row(k, rec);
    else
        target_row(k, rec);
}

void crm_begin(struct kp_crm *k, enum kp_crm_file which, const char *name)
{
    k->which = which;
    free(k->name);
    k->name = xstrdup(name);
    k->input = data_add_input(k->d, name);
    k->have_header = k->failed = 0;
    k->nheader = 0;
    memset(&k->log, 0, sizeof k->log);
    free(k->f);
    k->f = xcalloc(k->nslots[which] ? k->nslots[which] : 1, sizeof *k->f);
    if (which == KP_CRM_TEAM) {
        free(k->team_name);
        k->team_name = xstrdup(name);
    }
    if (which != KP_CRM_TEAM && !k->bound) {
        file_fatal(k, 0, "internal: the people must be known before this file");
        return;
    }
    char *err = NULL;
    k->csv = tabread_new(k->name, k->encoding, k->cfg->delimiter, k->cfg->sheet,
                          on_record, k, &err);
    if (!k->csv) {
        file_fatal(k, 0, "%s", err);
        free(err);
    }
}

void crm_feed(struct kp_crm *k, const void *bytes, size_t n)
{
    if (k->csv && !k->failed)
        tabread_feed(k->csv, bytes, n);
}

static void place_values(struct kp_crm *k);
static void apply_targets(struct kp_crm *k);
static void note_open_stages(struct kp_crm *k);

int crm_end(struct kp_crm *k)
{
    const char *unread = k->csv && !k->failed ? tabread_end(k->csv) : NULL;
    if (unread)
        file_fatal(k, 0, "%s", unread);
    if (!k->failed && !k->have_header)
        file_fatal(k, 0, "the file is empty (no header row)");
    field_summary(&k->log, k->name);
    if (k->log.outside)
        diag(KP_NOTE, k->name, 0, 0,
             "%ld %s counted in no month used (listed in rejects.csv, "
             "not an error)",
             k->log.outside, k->log.outside == 1 ? "deal was" : "deals were");
    if (k->csv)
        tabread_free(k->csv);
    k->csv = NULL;
    if (k->failed)
        return -1;
    if (k->which == KP_CRM_DEALS) {
        note_open_stages(k);
        place_values(k);
    } else if (k->which == KP_CRM_TARGETS) {
        apply_targets(k);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The team list                                                       */

/* A name as shown: cleaned, runs of spaces made one (the spelling kept). */
static char *display(const char *s)
{
    char *c = field_clean(s), *o = c;
    for (const char *p = c; *p; p++)
        if (*p != ' ' || (o > c && o[-1] != ' '))
            *o++ = *p;
    while (o > c && o[-1] == ' ')
        o--;
    *o = '\0';
    return c;
}

/* The team as first spelt: "boston " and "Boston" are one team. */
static char *team_of(struct kp_crm *k, const char *s)
{
    char *key = crm_key(s, 0);
    int i = smap_get(&k->tteam, key);
    if (i < 0) {
        k->teams = xrealloc(k->teams, (k->nteams + 1) * sizeof *k->teams);
        k->teams[k->nteams] = display(s);
        smap_put(&k->tteam, key, i = (int)k->nteams++);
    }
    free(key);
    return xstrdup(k->teams[i]);
}

static struct tperson *tp_new(struct kp_crm *k, const char *key, const char *name, long line)
{
    xgrow(&k->tp, &k->tp_cap, k->ntp + 1, sizeof *k->tp);
    struct tperson *t = &k->tp[k->ntp];
    memset(t, 0, sizeof *t);
    t->key = xstrdup(key);
    t->name = display(name);
    t->role = -1;
    t->line = line;
    smap_put(&k->tkey, key, (int)k->ntp++);
    return t;
}

static char *role_list(const struct kp_config *c)
{
    struct kp_buf b = {0};
    for (size_t i = 0; i < c->nroles; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", c->roles[i].id);
    return buf_steal(&b);
}

static int find_role(const struct kp_config *c, const char *s)
{
    int r = config_find_role(c, s);
    if (r < 0) {
        char *l = crm_key(s, 0);
        r = config_find_role(c, l);
        free(l);
    }
    return r;
}

/* The row's checks: 0, or -1 (rejected). */
static int team_check(struct kp_crm *k, const struct kp_csvrec *rec, const char *key, int *role,
                      char **locale, long *hire)
{
    const char **f = k->f;
    int prev = smap_get(&k->tkey, key);
    char *v = NULL;
    long end = -1;
    *role = -1;
    if (!*key)
        reject(k, rec, 1, "empty name (column %s)", slot_name(k, KP_CRM_TEAM, TS_NAME));
    else if (prev >= 0 && k->tp[prev].has_row)
        reject(k, rec, 1, "duplicate name \"%s\" (first at line %ld)", v = field_shown(f[TS_NAME]),
               k->tp[prev].line);
    else if (!*f[TS_TEAM])
        reject(k, rec, 1, "empty team (column %s)", slot_name(k, KP_CRM_TEAM, TS_TEAM));
    else if (*f[TS_ID] && (prev = smap_get(&k->tids, f[TS_ID])) >= 0)
        reject(k, rec, 1, "duplicate id \"%s\" (first at line %d)", v = field_shown(f[TS_ID]),
               prev);
    else if (*f[TS_ROLE] && (*role = find_role(k->cfg, f[TS_ROLE])) < 0) {
        char *known = role_list(k->cfg);
        reject(k, rec, 1, "unknown role \"%s\" (known roles: %s)", v = field_shown(f[TS_ROLE]),
               known);
        free(known);
    } else if (field_locale(f[TS_LOCALE], locale) != 0)
        reject(k, rec, 1, "bad locale \"%s\" (want a language code such as en or zh)",
               v = field_shown(f[TS_LOCALE]));
    else if (field_date_parse(f[TS_HIRE], datefmt(k, rec), hire) < 0) {
        char *want = field_date_want(k->datefmt);
        reject(k, rec, 1, "bad date \"%s\" in column %s (want %s)", v = field_shown(f[TS_HIRE]),
               slot_name(k, KP_CRM_TEAM, TS_HIRE), want);
        free(want);
    } else if (field_date_parse(f[TS_END], datefmt(k, rec), &end) < 0 || (end >= 0 && end < *hire)) {
        char *want = field_date_want(k->datefmt);
        if (end >= 0)
            reject(k, rec, 1, "end date \"%s\" (column %s) is before the hire date",
                   v = field_shown(f[TS_END]), slot_name(k, KP_CRM_TEAM, TS_END));
        else
            reject(k, rec, 1, "bad date \"%s\" in column %s (want %s)", v = field_shown(f[TS_END]),
                   slot_name(k, KP_CRM_TEAM, TS_END), want);
        free(want);
    } else
        return 0;
    free(v);
    return -1;
}

static void team_row(struct kp_crm *k, const struct kp_csvrec *rec)
{
    const char **f = k->f;
    char *key = crm_key(f[TS_NAME], 0);
    int role;
    char *locale = NULL;
    long hire = -1;
    if (team_check(k, rec, key, &role, &locale, &hire) != 0) {
        int i = smap_get(&k->tkey, key);
        if (*key && smap_get(&k->dropped, key) < 0 && (i < 0 || !k->tp[i].has_row))
            smap_put(&k->dropped, key, (int)rec->line);
        free(key);
        return;
    }
    int i = smap_get(&k->tkey, key);
    struct tperson *t = i >= 0 ? &k->tp[i] : tp_new(k, key, f[TS_NAME], rec->line);
    free(t->name);
    t->name = display(f[TS_NAME]);
    t->line = rec->line;
    t->has_row = 1;
    t->team = team_of(k, f[TS_TEAM]);
    t->role = role;
    t->email = field_opt(f[TS_EMAIL]);
    t->locale = locale;
    t->id = field_opt(f[TS_ID]);
    if (hire >= 0) {
        int y, m, d;
        date_split(hire, &y, &m, &d);
        t->hire = xasprintf("%04d-%02d-%02d", y, m, d);
    }
    long end;
    if (*f[TS_END] && field_date_parse(f[TS_END], datefmt(k, rec), &end) == 0 && end >= 0) {
        int y, m, d;
        date_split(end, &y, &m, &d);
        t->end = xasprintf("%04d-%02d-%02d", y, m, d);
    }
    size_t nkeep = k->cfg->nkeep_cols;
    t->extra = nkeep ? xcalloc(nkeep, sizeof *t->extra) : NULL;
    for (size_t j = 0; j < nkeep; j++)
        t->extra[j] = field_opt(f[TS_NFIXED + j]);
    char *mkey = crm_key(f[TS_MANAGER], 0);
    if (*mkey) {
        t->mgr_key = mkey;
        if (smap_get(&k->tkey, mkey) < 0)
            tp_new(k, mkey, f[TS_MANAGER], rec->line); /* t may have moved: not used below */
    } else {
        free(mkey);
    }
    if (*f[TS_ID])
        smap_put(&k->tids, f[TS_ID], (int)rec->line);
    cur_input(k)->used++;
    free(key);
}

/* ---- the people handed to ingest ---- */

/* Who manages people (their rows' manager column names them), and the team
 * of a manager named only there: the team of the people they manage when
 * all share one, else [crm] leaders_team. */
static void managers(const struct kp_crm *k, char *boss, const char **team)
{
    for (size_t i = 0; i < k->ntp; i++) {
        const struct tperson *t = &k->tp[i];
        int m = t->has_row && t->mgr_key ? smap_get(&k->tkey, t->mgr_key) : -1;
        if (m < 0)
            continue;
        boss[m] = 1;
        if (!team[m])
            team[m] = t->team;
        else if (strcmp(team[m], t->team) != 0)
            team[m] = k->leaders_team;
    }
}

/* Everyone's rep_id: the id column, else made from the name; unique. */
static char **make_ids(struct kp_crm *k)
{
    char **ids = xcalloc(k->ntp ? k->ntp : 1, sizeof *ids);
    struct smap taken = {0};
    for (size_t i = 0; i < k->ntp; i++)
        if (k->tp[i].id) {
            ids[i] = xstrdup(k->tp[i].id);
            smap_put(&taken, ids[i], (int)i);
        }
    for (size_t i = 0; i < k->ntp; i++) {
        if (ids[i])
            continue;
        ids[i] = crm_rep_id(k->tp[i].key);
        for (int n = 2; smap_get(&taken, ids[i]) >= 0; n++) {
            char *again = xasprintf("%s-%d", ids[i], n);
            free(ids[i]);
            ids[i] = again;
        }
        smap_put(&taken, ids[i], (int)i);
    }
    smap_free(&taken);
    return ids;
}

/* The manager's rep_id, or NULL (then the link is reported and dropped). */
static const char *manager_id(struct kp_crm *k, const struct tperson *t, char **ids)
{
    if (!t->mgr_key)
        return NULL;
    int m = smap_get(&k->tkey, t->mgr_key);
    if (m >= 0 && (k->tp[m].has_row || smap_get(&k->dropped, t->mgr_key) < 0))
        return ids[m];
    diag(KP_ERROR, k->team_name, t->line, 0,
         "manager \"%s\" of %s was rejected (line %d); kept without a manager",
         m >= 0 ? k->tp[m].name : t->mgr_key, t->name, smap_get(&k->dropped, t->mgr_key));
    return NULL;
}

static void hand_over(struct kp_crm *k)
{
    char **ids = make_ids(k);
    char *boss = xcalloc(k->ntp ? k->ntp : 1, 1);
    const char **team = xcalloc(k->ntp ? k->ntp : 1, sizeof *team);
    managers(k, boss, team);
    ingest_people_begin(k->in, k->team_name);
    for (size_t i = 0; i < k->ntp; i++) {
        struct tperson *t = &k->tp[i];
        if (!t->has_row && smap_get(&k->dropped, t->key) >= 0)
            continue; /* a manager whose own row was rejected */
        struct kp_person p = {0};
        p.rep_id = ids[i];
        p.name = t->name;
        p.team = (char *)(t->has_row ? t->team : team[i] ? team[i] : k->leaders_team);
        p.role_idx = t->role >= 0 ? t->role : boss[i] ? k->manager_role : k->default_role;
        p.email = t->email;
        p.locale = t->locale;
        p.hire_date = t->hire;
        p.end_date = t->end;
        p.manager_id = (char *)manager_id(k, t, ids);
        p.extra = t->extra;
        p.line = t->line;
        ingest_person(k->in, &p);
    }
    free(boss);
    free(team);
    strv_free(ids, k->ntp);
}

/* ---- the people, closed ---- */

static void owner_put(struct kp_crm *k, const char *s, int p)
{
    char *key = crm_key(s, 0);
    int prev = smap_get(&k->owner, key);
    if (*key)
        smap_put(&k->owner, key, prev >= 0 && prev != p ? -2 : prev == -2 ? -2 : p);
    free(key);
}

/* The first month counted for each person: [crm] since, the hire date. */
static void first_months(struct kp_crm *k)
{
    k->first = xcalloc(k->np ? k->np : 1, sizeof *k->first);
    k->last = xcalloc(k->np ? k->np : 1, sizeof *k->last);
    for (size_t p = 0; p < k->np; p++) {
        long hire;
        int f = k->have_since ? k->since - k->m0 : 0;
        const char *h = k->d->people[p].hire_date;
        if (h && date_parse(h, &hire) == 0 && month_of_day(hire) - k->m0 > f)
            f = month_of_day(hire) - k->m0;
        k->first[p] = f < 0 ? 0 : f;
        const char *e = k->d->people[p].end_date;
        long end;
        k->last[p] = e && date_parse(e, &end) == 0 ? month_of_day(end) - k->m0 : k->nm;
    }
}

static void bind_people(struct kp_crm *k)
{
    struct kp_data *d = k->d;
    k->bound = 1;
    if (!k->team_name) /* the roster was read first */
        k->team_name = xstrdup(d->ninputs ? d->inputs[0].name : k->cfg->roster);
    k->np = d->npeople;
    k->nm = d->nmonths;
    k->m0 = d->m0;
    k->ahead = k->nm;
    if (k->cfg->as_of >= 0) {
        int y, m, dd;
        date_split(k->cfg->as_of, &y, &m, &dd);
        k->ahead = y * 12 + m - 1 - k->m0 + 1;
    }
    for (size_t p = 0; p < d->npeople; p++) {
        owner_put(k, d->people[p].name, (int)p);
        owner_put(k, d->people[p].rep_id, (int)p);
    }
    for (size_t t = 0; t < d->nteams; t++) {
        char *key = crm_key(d->teams[t], 0);
        smap_put(&k->team, key, (int)t);
        free(key);
    }
    first_months(k);
    size_t cells = k->np * (size_t)k->nm;
    for (size_t i = 0; i < k->nrules; i++) {
        k->rules[i].sum = xcalloc(cells ? cells : 1, sizeof *k->rules[i].sum);
        k->rules[i].n = xcalloc(cells ? cells : 1, sizeof *k->rules[i].n);
    }
}

int crm_people(struct kp_crm *k)
{
    if (k->path[KP_CRM_TEAM])
        hand_over(k);
    if (ingest_people_end(k->in) != 0)
        return -1;
    bind_people(k);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The deals                                                           */

static const char *people_file(const struct kp_crm *k)
{
    return k->team_name;
}

static int deal_owner(struct kp_crm *k, const struct kp_csvrec *rec, int *p)
{
    const char *o = k->f[DS_OWNER];
    char *key = crm_key(o, 0), *v = field_shown(o);
    int line;
    *p = smap_get(&k->owner, key);
    if (!*key)
        reject(k, rec, 1, "empty owner (column %s)", slot_name(k, KP_CRM_DEALS, DS_OWNER));
    else if (*p == -2)
        reject(k, rec, 1, "owner \"%s\" matches more than one person in %s", v, people_file(k));
    else if (*p < 0 && (line = smap_get(&k->dropped, key)) >= 0)
        reject(k, rec, 1, "owner \"%s\" was rejected in %s (line %d)", v, people_file(k), line);
    else if (*p < 0)
        reject(k, rec, 1, "owner \"%s\" is not in %s", v, people_file(k));
    free(key), free(v);
    return *p < 0 ? -1 : 0;
}

static int deal_id(struct kp_crm *k, const struct kp_csvrec *rec)
{
    const char *id = k->f[DS_ID];
    int first = *id ? smap_get(&k->ids, id) : -1;
    if (first < 0)
        return 0;
    char *v = field_shown(id);
    reject(k, rec, 1, "duplicate deal \"%s\" (first at line %d)", v, first);
    free(v);
    return -1;
}

static void remember_open(struct kp_crm *k, const char *stage)
{
    for (size_t i = 0; i < k->nopen_seen; i++)
        if (strcmp(k->open_seen[i], stage) == 0)
            return;
    if (k->nopen_seen == SHOW_STAGES) {
        k->open_more++;
        return;
    }
    k->open_seen = xrealloc(k->open_seen, (k->nopen_seen + 1) * sizeof *k->open_seen);
    k->open_seen[k->nopen_seen++] = field_shown(stage);
}

static int deal_stage(struct kp_crm *k, const struct kp_csvrec *rec, int *cls)
{
    char *key = crm_key(k->f[DS_STAGE], 1);
    *cls = 0;
    for (int c = 0; c < 3 && !*cls; c++)
        for (size_t i = 0; i < k->nstages[c] && !*cls; i++)
            if (strcmp(key, k->stages[c][i]) == 0)
                *cls = 1 << c;
    if (!*cls && *key && !k->nstages[2]) {
        *cls = K_OPEN;
        remember_open(k, k->f[DS_STAGE]);
    }
    free(key);
    if (*cls)
        return 0;
    if (!*k->f[DS_STAGE]) {
        reject(k, rec, 1, "empty stage (column %s)", slot_name(k, KP_CRM_DEALS, DS_STAGE));
        return -1;
    }
    char *v = field_shown(k->f[DS_STAGE]);
    reject(k, rec, 1, "unknown stage \"%s\" (won: %s; lost: %s; open: %s)", v, k->stage_src[0],
           k->stage_src[1], k->stage_src[2]);
    free(v);
    return -1;
}

/* An integer like 46082 when serial numbers are not accepted: say so. */
static const char *serial_hint(const struct kp_crm *k, const char *s)
{
    long n;
    if ((k->datefmt & KP_DATE_EXCEL) || parse_long(s, &n) != 0 || n < 1 || n > 2958465)
        return "";
    return "; an Excel serial number? add excel to [crm] date_format";
}

static int deal_dates(struct kp_crm *k, const struct kp_csvrec *rec)
{
    for (int s = DS_CREATED; s <= DS_CLOSED; s++) {
        k->has_day[s] = 0;
        if (!slot_set(k, KP_CRM_DEALS, (size_t)s))
            continue;
        int rc = field_date_parse(k->f[s], datefmt(k, rec), &k->day[s]);
        if (rc < 0) {
            char *v = field_shown(k->f[s]), *want = field_date_want(k->datefmt);
            reject(k, rec, 1, "bad date \"%s\" in column %s (want %s%s)", v,
                   slot_name(k, KP_CRM_DEALS, (size_t)s), want, serial_hint(k, k->f[s]));
            free(v), free(want);
            return -1;
        }
        k->has_day[s] = rc == 0;
    }
    return 0;
}

/* A won or lost deal has a close date, not before it was created or engaged. */
static int deal_order(struct kp_crm *k, const struct kp_csvrec *rec, int cls)
{
    if (cls == K_OPEN)
        return 0;
    if (!k->has_day[DS_CLOSED]) {
        reject(k, rec, 1, "%s deal without a close date (column %s)", cls == K_WON ? "won" : "lost",
               slot_name(k, KP_CRM_DEALS, DS_CLOSED));
        return -1;
    }
    for (int s = DS_ENGAGED; s >= DS_CREATED; s--) {
        if (!k->has_day[s] || k->day[DS_CLOSED] >= k->day[s])
            continue;
        char *a = field_shown(k->f[DS_CLOSED]), *b = field_shown(k->f[s]);
        reject(k, rec, 1, "close date \"%s\" is before the %s date \"%s\"", a,
               s == DS_ENGAGED ? "engaged" : "created", b);
        free(a), free(b);
        return -1;
    }
    return 0;
}

static int deal_numbers(struct kp_crm *k, const struct kp_csvrec *rec)
{
    for (size_t s = 0; s < k->nslots[KP_CRM_DEALS]; s++) {
        k->has_num[s] = 0;
        if (!k->slots[KP_CRM_DEALS][s].numeric || k->slots[KP_CRM_DEALS][s].fi < 0)
            continue;
        int rc = ingest_number(k->f[s], k->cfg->decimal_comma, &k->num[s]);
        if (rc < 0 || (rc == 0 && fabs(k->num[s]) > MAX_MAGNITUDE)) {
            char *v = field_shown(k->f[s]);
            reject(k, rec, 1,
                   rc < 0 ? "bad number \"%s\" in column %s"
                          : "implausible number \"%s\" in column %s (over 1e15)",
                   v, slot_name(k, KP_CRM_DEALS, s));
            free(v);
            return -1;
        }
        k->has_num[s] = rc == 0;
    }
    return 0;
}

static int cond_holds(const struct kp_crm *k, const struct cond *c)
{
    char *key = crm_key(k->f[c->slot], 1);
    int in = 0;
    for (size_t i = 0; i < c->nvals && !in; i++)
        in = strcmp(key, c->vals[i]) == 0;
    free(key);
    return c->neg ? !in : in;
}

static int rule_matches(const struct kp_crm *k, const struct rule *r, int cls)
{
    if (!(r->classes & (unsigned)cls))
        return 0;
    for (size_t i = 0; i < r->nwhere; i++)
        if (!cond_holds(k, &r->where[i]))
            return 0;
    return 1;
}

/* The first date of the list that the deal has: 0, or -1. */
static int dref_day(const struct kp_crm *k, const struct dref *dr, long *day)
{
    for (int i = 0; i < dr->n; i++)
        if (k->has_day[dr->slot[i]]) {
            *day = k->day[dr->slot[i]];
            return 0;
        }
    return -1;
}

static char *dref_names(const struct kp_crm *k, const struct dref *dr)
{
    struct kp_buf b = {0};
    for (int i = 0; i < dr->n; i++)
        buf_printf(&b, "%s%s", i ? " and " : "", slot_name(k, KP_CRM_DEALS, (size_t)dr->slot[i]));
    return buf_steal(&b);
}

/* What a counted deal adds to a rule: 1, an amount, a number of days. */
static double rule_x(const struct kp_crm *k, const struct rule *r)
{
    long a = 0, b = 0;
    if (r->days) {
        dref_day(k, &r->da, &a);
        dref_day(k, &r->db, &b);
        return (double)(a - b);
    }
    return r->num >= 0 ? k->num[r->num] : 1;
}

struct tally {
    int dry;    /* only count the cells, add nothing */
    int added;  /* cells the deal was (or would be) added to */
    int early;  /* months in range but before the owner's first month */
    int late;   /* months in range but after the owner's last month (end date) */
    int inside; /* months in range at all */
    int after;  /* months in range but after as_of's month */
};

static void add_cell(struct kp_crm *k, struct rule *r, int p, int mi, double x, struct tally *t)
{
    if (mi < 0 || mi >= k->nm)
        return;
    t->inside++;
    if (mi < k->first[p]) {
        t->early++;
        return;
    }
    if (mi > k->last[p]) {
        t->late++;
        return;
    }
    if (mi >= k->ahead) {
        t->after++;
        return;
    }
    size_t c = (size_t)p * (size_t)k->nm + (size_t)mi;
    t->added++;
    if (t->dry)
        return;
    r->sum[c] += x;
    r->n[c]++;
}

/* Every month at whose last day the deal was open: opened on or before it,
 * and still open, or closed after it. */
static void add_open(struct kp_crm *k, struct rule *r, int p, int cls, double x, struct tally *t)
{
    long start = 0; /* deal_needs made sure it is set */
    dref_day(k, &r->date, &start);
    int mi = month_of_day(start) - k->m0;
    for (mi = mi < 0 ? 0 : mi; mi < k->nm; mi++) {
        long end = last_day(k->m0 + mi);
        if (cls != K_OPEN && k->day[DS_CLOSED] <= end)
            break;
        add_cell(k, r, p, mi, x, t);
    }
}

/* Add the deal to one rule's cells (or, dry, count them). */
static void add_rule(struct kp_crm *k, struct rule *r, int p, int cls, struct tally *t)
{
    long day;
    double x = t->dry ? 0 : rule_x(k, r);
    if (r->open_at_end)
        add_open(k, r, p, cls, x, t);
    else if (dref_day(k, &r->date, &day) == 0)
        add_cell(k, r, p, month_of_day(day) - k->m0, x, t);
}

/* Every rule the deal matches has the dates it uses, and the number it adds
 * wherever it adds one to a month used. */
static int deal_needs(struct kp_crm *k, const struct kp_csvrec *rec, int p, int cls)
{
    for (size_t i = 0; i < k->nrules; i++) {
        struct rule *r = &k->rules[i];
        struct tally dry = {.dry = 1};
        long day;
        const struct dref *miss = NULL;
        k->match[i] = (char)rule_matches(k, r, cls);
        if (!k->match[i])
            continue;
        if (dref_day(k, &r->date, &day) != 0)
            miss = &r->date;
        else if (r->days && dref_day(k, &r->da, &day) != 0)
            miss = &r->da;
        else if (r->days && dref_day(k, &r->db, &day) != 0)
            miss = &r->db;
        if (miss) {
            char *names = dref_names(k, miss);
            reject(k, rec, 1, "empty %s (needed by [%s])", names, r->sec);
            free(names);
            return -1;
        }
        if (r->num >= 0 && !k->has_num[r->num] && (add_rule(k, r, p, cls, &dry), dry.added)) {
            reject(k, rec, 1, "empty %s (needed by [%s])",
                   slot_name(k, KP_CRM_DEALS, (size_t)r->num), r->sec);
            return -1;
        }
    }
    return 0;
}

static void note_day(struct kp_crm *k)
{
    for (int s = DS_CREATED; s <= DS_CLOSED; s++)
        if (k->has_day[s] && (!k->have_min || k->day[s] < k->min_day))
            k->min_day = k->day[s], k->have_min = 1;
}

static void deal_count(struct kp_crm *k, const struct kp_csvrec *rec, int p, int cls)
{
    struct tally t = {0};
    int matched = 0;
    for (size_t i = 0; i < k->nrules; i++) {
        struct rule *r = &k->rules[i];
        if (!k->match[i])
            continue;
        matched = 1;
        if (r->num < 0 || k->has_num[r->num]) /* else it adds to no month used */
            add_rule(k, r, p, cls, &t);
    }
    if (t.added) {
        cur_input(k)->used++;
        return;
    }
    char a[8], b[8];
    month_format(k->m0, a);
    month_format(k->m0 + k->nm - 1, b);
    if (!matched)
        reject(k, rec, 0,
               "no [derive.*] rule counts this deal (a %s deal; see deals = and where "
               "= in the rules)",
               cls == K_WON    ? "won"
               : cls == K_LOST ? "lost"
                               : "open");
    else if (t.after && !t.early) {
        char day[16];
        field_date(k->cfg->as_of, day);
        reject(k, rec, 1, "after as_of %s: the deal counts in no month up to as_of", day);
    } else if (t.early) {
        month_format(k->m0 + k->first[p], a);
        reject(k, rec, 0,
               "falls before %s, the first month counted for %s (hire date or "
               "[crm] since)",
               a, k->d->people[p].name);
    } else if (t.late) {
        month_format(k->m0 + k->last[p], a);
        reject(k, rec, 0, "falls after %s, the last month counted for %s (end date)", a,
               k->d->people[p].name);
    } else
        reject(k, rec, 0, "falls in no month used (%s..%s)", a, b);
}

static void deal_row(struct kp_crm *k, const struct kp_csvrec *rec)
{
    int p, cls;
    if (deal_owner(k, rec, &p) || deal_id(k, rec) || deal_stage(k, rec, &cls) ||
        deal_dates(k, rec) || deal_order(k, rec, cls) || deal_numbers(k, rec) ||
        deal_needs(k, rec, p, cls))
        return;
    if (*k->f[DS_ID])
        smap_put(&k->ids, k->f[DS_ID], (int)rec->line);
    note_day(k);
    deal_count(k, rec, p, cls);
}

static void note_open_stages(struct kp_crm *k)
{
    if (!k->nopen_seen)
        return;
    struct kp_buf b = {0};
    for (size_t i = 0; i < k->nopen_seen; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", k->open_seen[i]);
    if (k->open_more)
        buf_printf(&b, " and %ld more", k->open_more);
    diag(KP_NOTE, k->name, 0, 0,
         "stages counted as open (neither won nor lost; list them in "
         "[crm] open to reject any other): %s",
         b.s);
    buf_free(&b);
}

/* The first month index with figures: [crm] since, else the month of the
 * earliest date of any deal (the export covers nothing before it). */
static int covered_from(const struct kp_crm *k)
{
    if (k->have_since)
        return k->since - k->m0;
    return k->have_min ? month_of_day(k->min_day) - k->m0 : k->nm;
}

/* Every cell of every derived column: the rule's count, sum or mean; 0 in
 * a month without deals; missing (NaN) before the export or the person
 * starts, and for a mean without deals. */
static void place_values(struct kp_crm *k)
{
    int cov = covered_from(k);
    if (!k->have_min)
        diag(KP_WARN, k->name, 0, 0, "no usable deal: every derived column is missing");
    for (size_t i = 0; i < k->nrules; i++) {
        const struct rule *r = &k->rules[i];
        for (size_t p = 0; p < k->np; p++)
            for (int mi = 0; mi < k->nm; mi++) {
                size_t c = p * (size_t)k->nm + (size_t)mi;
                double v = r->agg == AGG_COUNT ? (double)r->n[c]
                           : r->agg == AGG_SUM ? r->sum[c]
                           : r->n[c]           ? r->sum[c] / (double)r->n[c]
                                               : NAN;
                if (mi < cov || mi < k->first[p] || mi > k->last[p] || mi >= k->ahead)
                    v = NAN; /* not covered, not employed, or not happened yet */
                ingest_value(k->in, p, mi, r->col, v);
            }
    }
}

/* ------------------------------------------------------------------ */
/* Targets: person, team or role rows, per month or for the window     */

static void targets_alloc(struct kp_crm *k)
{
    size_t nk = k->cfg->nkpis, n[3] = {k->np, k->d->nteams, k->cfg->nroles};
    if (k->tval[0])
        return;
    for (int s = 0; s < 3; s++) {
        size_t cells = n[s] * nk;
        k->tval[s] = xmalloc((cells ? cells : 1) * sizeof *k->tval[s]);
        for (size_t i = 0; i < cells; i++)
            k->tval[s][i] = NAN;
        k->tline[s] = xcalloc(cells ? cells : 1, sizeof *k->tline[s]);
    }
}

/* Which person, team or role a row is for: scope 0..2 and its index, or -1. */
static int target_scope(struct kp_crm *k, const struct kp_csvrec *rec, int *scope)
{
    const char **f = k->f;
    int set = !!*f[GS_PERSON] + !!*f[GS_TEAM] + !!*f[GS_ROLE], who = -1;
    char *key = NULL, *v = NULL;
    *scope = *f[GS_PERSON] ? 0 : *f[GS_TEAM] ? 1 : 2;
    if (set != 1) {
        reject(k, rec, 1, "name one person, team or role (%d given)", set);
        return -1;
    }
    v = field_shown(f[GS_PERSON + *scope]);
    if (*scope == 2) {
        if ((who = find_role(k->cfg, f[GS_ROLE])) < 0) {
            char *known = role_list(k->cfg);
            reject(k, rec, 1, "unknown role \"%s\" (known roles: %s)", v, known);
            free(known);
        }
    } else {
        key = crm_key(f[GS_PERSON + *scope], 0);
        who = smap_get(*scope == 0 ? &k->owner : &k->team, key);
        if (who == -2)
            reject(k, rec, 1, "person \"%s\" matches more than one person in %s", v,
                   people_file(k));
        else if (who < 0)
            reject(k, rec, 1, "unknown %s \"%s\" (not in %s)", *scope ? "team" : "person", v,
                   people_file(k));
    }
    free(key), free(v);
    return who < 0 ? -1 : who;
}

static char *kpi_list(const struct kp_config *c)
{
    struct kp_buf b = {0};
    for (size_t i = 0; i < c->nkpis; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", c->kpis[i].id);
    return buf_steal(&b);
}

/* The target of the row, for the window: 0, or -1 (rejected). */
static int target_value(struct kp_crm *k, const struct kp_csvrec *rec, int kpi, double *t)
{
    const char **f = k->f;
    int rc = ingest_number(f[GS_TARGET], k->cfg->decimal_comma, t);
    char *v = NULL;
    int monthly = str_ieq(f[GS_PER], "month") || str_ieq(f[GS_PER], "monthly");
    const struct kp_expr *e = k->cfg->kpis[kpi].formula;
    if (rc == 1)
        reject(k, rec, 1, "empty target");
    else if (rc < 0 || fabs(*t) > MAX_MAGNITUDE)
        reject(k, rec, 1, "bad number \"%s\" in column target", v = field_shown(f[GS_TARGET]));
    else if (*f[GS_PER] && !monthly && !str_ieq(f[GS_PER], "window"))
        reject(k, rec, 1, "per \"%s\": write month or window", v = field_shown(f[GS_PER]));
    else if (monthly && !(e && expr_is_additive(e)))
        reject(k, rec, 1,
               "a monthly target needs a KPI that adds up over months (like "
               "sum(revenue)); %s is %s: write per = window",
               k->cfg->kpis[kpi].id,
               k->cfg->kpis[kpi].formula_src ? k->cfg->kpis[kpi].formula_src : "no formula");
    else {
        if (monthly)
            *t *= (double)(k->cfg->to - k->cfg->from + 1);
        return 0;
    }
    free(v);
    return -1;
}

static void target_row(struct kp_crm *k, const struct kp_csvrec *rec)
{
    static const char *const scopes[] = {"person", "team", "role"};
    int scope, who, kpi;
    double t;
    targets_alloc(k);
    if ((who = target_scope(k, rec, &scope)) < 0)
        return;
    if ((kpi = config_find_kpi(k->cfg, k->f[GS_KPI])) < 0) {
        char *v = field_shown(k->f[GS_KPI]), *known = kpi_list(k->cfg);
        reject(k, rec, 1, "unknown kpi \"%s\" (known KPIs: %s)", v, known);
        free(v), free(known);
        return;
    }
    if (target_value(k, rec, kpi, &t) != 0)
        return;
    size_t c = (size_t)who * k->cfg->nkpis + (size_t)kpi;
    if (k->tline[scope][c]) {
        char *v = field_shown(k->f[GS_PERSON + scope]);
        reject(k, rec, 1, "duplicate target for %s \"%s\" %s (first at line %ld)", scopes[scope], v,
               k->cfg->kpis[kpi].id, k->tline[scope][c]);
        free(v);
        return;
    }
    k->tval[scope][c] = t;
    k->tline[scope][c] = rec->line;
    cur_input(k)->used++;
}

/* Each person's target per KPI: their own row, else their team's (unless
 * they manage people: a manager's target is their people's, summed, or their
 * role's), else their role's. */
static void apply_targets(struct kp_crm *k)
{
    size_t nk = k->cfg->nkpis;
    char *boss = xcalloc(k->np ? k->np : 1, 1);
    targets_alloc(k);
    for (size_t p = 0; p < k->np; p++)
        if (k->d->people[p].mgr >= 0)
            boss[k->d->people[p].mgr] = 1;
    for (size_t p = 0; p < k->np; p++) {
        const struct kp_person *pp = &k->d->people[p];
        for (size_t i = 0; i < nk; i++) {
            double t = k->tval[0][p * nk + i];
            if (isnan(t) && !boss[p])
                t = k->tval[1][(size_t)pp->team_idx * nk + i];
            if (isnan(t))
                t = k->tval[2][(size_t)pp->role_idx * nk + i];
            if (!isnan(t))
                ingest_target(k->in, p, i, t);
        }
    }
    free(boss);
}

/* ------------------------------------------------------------------ */

static void rule_free(struct rule *r)
{
    free(r->id), free(r->sec), free(r->sum), free(r->n);
    for (size_t i = 0; i < r->nwhere; i++)
        strv_free(r->where[i].vals, r->where[i].nvals);
    free(r->where);
}

static void tperson_free(struct tperson *t, size_t nextra)
{
    free(t->key), free(t->name), free(t->team), free(t->email), free(t->locale);
    free(t->hire), free(t->id), free(t->mgr_key), free(t->end);
    if (t->extra)
        strv_free(t->extra, nextra);
}

void crm_free(struct kp_crm *k)
{
    if (!k)
        return;
    for (int i = 0; i < 3; i++) {
        free(k->path[i]), free(k->stage_src[i]), free(k->tval[i]), free(k->tline[i]);
        strv_free(k->stages[i], k->nstages[i]);
        for (size_t s = 0; s < k->nslots[i]; s++)
            free(k->slots[i][s].header), free(k->slots[i][s].key);
        free(k->slots[i]);
    }
    for (size_t i = 0; i < k->nrules; i++)
        rule_free(&k->rules[i]);
    free(k->rules);
    for (size_t i = 0; i < k->ntp; i++)
        tperson_free(&k->tp[i], k->cfg->nkeep_cols);
    free(k->tp);
    strv_free(k->open_seen, k->nopen_seen);
    smap_free(&k->tkey), smap_free(&k->dropped), smap_free(&k->tids), smap_free(&k->tteam);
    strv_free(k->teams, k->nteams);
    smap_free(&k->owner), smap_free(&k->team), smap_free(&k->ids);
    if (k->csv)
        tabread_free(k->csv);
    free(k->encoding), free(k->leaders_team), free(k->name), free(k->team_name), free(k->f);
    free(k->first), free(k->last), free(k->num), free(k->has_num), free(k->match);
    free(k);
}
