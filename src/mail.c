/* mail — see mail.h. */
#include "mail.h"

#include "config.h"
#include "csvread.h"
#include "diag.h"
#include "hash.h"
#include "ini.h"
#include "lang.h"
#include "mime.h"
#include "model.h"
#include "record.h"
#include "render.h"
#include "smtp.h"
#include "sys.h"
#include "tables.h"
#include "util.h"

#include <errno.h>
#include <qpdf/qpdf-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LEDGER_HEADER "rep_id,address,sha256,status,time,reply"
#define MAX_BACKOFF_MS 300000.0
#define INTERRUPTED "interrupted: kpipress stopped during this attempt; the server may have the message"
/* ledger.pending's first line: the ledger's length when the attempt began
 * (its own line, if written, starts there); then the attempt as "unknown". */
#define PENDING_HEAD "kpipress-pending ledger-bytes="

enum st { ST_NONE, ST_DELIVERED, ST_DEFERRED, ST_REJECTED, ST_UNKNOWN };
static const char *const st_names[] = {"", "delivered", "deferred", "rejected", "unknown"};

/* [mail] */
struct conf {
    char *from_name, *from_addr, *reply_name, *reply_addr, *domain;
    int cc_manager, html;
    const char *url, *user;
    char *password, *ca_file; /* ca_file: resolved against the config's folder */
    double rate;      /* messages per minute; 0 = no limit */
    long retries, timeout_s;
    double backoff_s; /* the first wait before a retry; doubled each time */
    long pw_col;      /* index into cfg->keep_cols; -1 = no PDF passwords */
};

/* One language's e-mail: email.ini texts and the two bodies. */
struct tmpl {
    char *code;
    struct kp_lang *lang;
    struct kp_ini *ini;
    char *text, *html;
};

/* One person of results.json. */
struct who {
    char *id, *gid; /* rep_id; as the ledger writes it (formula guard) */
    char *name, *email, *team, *manager_id, *manager_name, *lang;
    long line;      /* roster line */
    long mgr;       /* index of the manager, -1 = none known */
    char *rel;      /* the review, relative to OUTDIR */
    char *eml;      /* mail/<stem>.eml, relative to OUTDIR */
    const char *bad_addr; /* why the address cannot be used; NULL = fine */
    long shared;    /* another person with this address, -1 = none */
    int mgr_warned;
    enum st last;   /* the latest ledger line */
    char *last_time;
    int resend;
};

/* A message ready to go (or reused from mail/). */
struct msg {
    char *bytes;
    size_t len;
    char hash[KP_SHA256_HEX];
    char *rcpt[2];
    size_t nrcpt;
    char *mid;      /* the Message-ID the content gives */
    int on_disk;    /* mail/<stem>.eml has that Message-ID */
};

struct mail {
    const struct kp_config *cfg;
    const struct kp_mail_opts *o;
    struct conf c;
    struct kp_meta meta;
    int have_meta, section, bad;
    struct who *people;
    size_t n, cap;
    size_t *by_id, *by_gid;
    struct tmpl *tmpls;
    size_t ntmpls;
    char *tdir;                 /* sys_datadir()/templates */
    char *dir, *ledger, *pending, *json;
    long long ledger_bytes;     /* the ledger's length as read and appended to */
    int lock;
    struct kp_smtp *smtp;
    double next_at;             /* pace: the next attempt not before (clock_ms) */
    char *stopped;              /* why the batch stopped sending; NULL = going */
    size_t written, sent, done, failed, skipped, noaddr, todo;
};

/* ------------------------------------------------------------------ */
/* The outside world (mail_set_hooks)                                  */

static struct kp_mail_hooks hooks;

void mail_set_hooks(const struct kp_mail_hooks *h)
{
    memset(&hooks, 0, sizeof hooks);
    if (h)
        hooks = *h;
}

static void do_sleep(double ms)
{
    if (hooks.sleep_ms)
        hooks.sleep_ms(hooks.ctx, ms);
    else
        sys_sleep_ms(ms);
}

static double clock_ms(void)
{
    return hooks.clock_ms ? hooks.clock_ms(hooks.ctx) : sys_clock_ms();
}

static long long now_s(void)
{
    return hooks.now ? hooks.now(hooks.ctx) : (long long)sys_now();
}

/* ------------------------------------------------------------------ */
/* [mail]                                                              */

int mail_configured(const struct kp_config *cfg)
{
    return !str_empty(config_get(cfg, "mail", "from"));
}

int mail_wants_roster(const struct kp_config *cfg)
{
    return !str_empty(config_get(cfg, "mail", "pdf_password"));
}

static int conf_bad(const struct kp_config *cfg, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int conf_bad(const struct kp_config *cfg, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = xvasprintf(fmt, ap);
    va_end(ap);
    diag(KP_FATAL, cfg->path, config_line(cfg, "mail", key), 0, "[mail] %s: %s", key, m);
    free(m);
    return -1;
}

static int conf_bool(const struct kp_config *cfg, const char *key, int def, int *out)
{
    const char *v = config_get(cfg, "mail", key);
    *out = def;
    if (str_empty(v))
        return 0;
    if (str_ieq(v, "yes") || str_ieq(v, "true") || str_ieq(v, "on") || strcmp(v, "1") == 0)
        return *out = 1, 0;
    if (str_ieq(v, "no") || str_ieq(v, "false") || str_ieq(v, "off") || strcmp(v, "0") == 0)
        return *out = 0, 0;
    return conf_bad(cfg, key, "\"%s\" is not yes or no", v);
}

static int conf_num(const struct kp_config *cfg, const char *key, double def, double lo, double hi,
                    double *out)
{
    const char *v = config_get(cfg, "mail", key);
    *out = def;
    if (str_empty(v))
        return 0;
    if (parse_double(v, out) != 0 || *out < lo || *out > hi)
        return conf_bad(cfg, key, "\"%s\" is not a number from %g to %g", v, lo, hi);
    return 0;
}

static int conf_addr(const struct kp_config *cfg, const char *key, char **name, char **addr)
{
    const char *v = config_get(cfg, "mail", key), *why = NULL;
    if (str_empty(v))
        return 0;
    if (mime_addr_parse(v, name, addr, &why) != 0)
        return conf_bad(cfg, key, "\"%s\" %s", v, why);
    if ((why = mime_addr_check(*addr)) != NULL)
        return conf_bad(cfg, key, "the address \"%s\" %s", *addr, why);
    return 0;
}

static int conf_pw_col(const struct kp_config *cfg, long *col)
{
    const char *v = config_get(cfg, "mail", "pdf_password");
    *col = -1;
    if (str_empty(v))
        return 0;
    for (size_t i = 0; i < cfg->nkeep_cols; i++)
        if (str_ieq(cfg->keep_cols[i], v))
            return *col = (long)i, 0;
    return conf_bad(cfg, "pdf_password",
                    "the roster column \"%s\" is not kept: add it to [input] keep", v);
}

static int conf_load(struct mail *M)
{
    const struct kp_config *cfg = M->cfg;
    struct conf *c = &M->c;
    double retries = 0, timeout = 0;
    int rc = 0;
    if (!mail_configured(cfg)) {
        diag(KP_FATAL, cfg->path, 0, 0, "[mail] from is not set: whom do the messages come from?");
        return -1;
    }
    rc |= conf_addr(cfg, "from", &c->from_name, &c->from_addr);
    rc |= conf_addr(cfg, "reply_to", &c->reply_name, &c->reply_addr);
    rc |= conf_bool(cfg, "cc_manager", 1, &c->cc_manager);
    rc |= conf_bool(cfg, "html", 1, &c->html);
    rc |= conf_num(cfg, "rate", 60, 0, 100000, &c->rate);
    rc |= conf_num(cfg, "retries", 3, 0, 20, &retries);
    rc |= conf_num(cfg, "timeout", 60, 1, 3600, &timeout);
    rc |= conf_num(cfg, "backoff", 10, 0, 3600, &c->backoff_s);
    rc |= conf_pw_col(cfg, &c->pw_col);
    c->retries = (long)retries, c->timeout_s = (long)timeout;
    c->url = M->o->smtp ? M->o->smtp : config_get(cfg, "mail", "smtp");
    c->user = config_get(cfg, "mail", "user");
    if (str_empty(c->user))
        c->user = NULL;
    if (rc == 0)
        c->domain = xstrdup(strchr(c->from_addr, '@') + 1);
    return rc ? -1 : 0;
}

/* The server, and the password (only when sending). */
static int conf_server(struct mail *M)
{
    const struct kp_config *cfg = M->cfg;
    struct conf *c = &M->c;
    int loopback = 0;
    const char *why;
    if (str_empty(c->url)) {
        diag(KP_FATAL, cfg->path, 0, 0, "no SMTP server: set [mail] smtp or give --smtp URL");
        return -1;
    }
    if ((why = smtp_url_check(c->url, &loopback)) != NULL) {
        if (M->o->smtp)
            diag(KP_FATAL, NULL, 0, 0, "--smtp %s: %s", c->url, why);
        else
            conf_bad(cfg, "smtp", "\"%s\" %s", c->url, why);
        return -1;
    }
    /* ca_file: the certificates of a company's own CA, to verify its server. */
    const char *ca = config_get(cfg, "mail", "ca_file");
    if (!str_empty(ca)) {
        char *path = path_resolve(cfg->dir, ca), *data = NULL;
        size_t len = 0;
        int e = sys_read_file(path, &data, &len);
        if (e || !strstr(data, "-----BEGIN CERTIFICATE-----")) {
            conf_bad(cfg, "ca_file", e ? "cannot read %s: %s" : "%s%s holds no PEM certificate",
                     path, e ? strerror(e) : "");
            free(path), free(data);
            return -1;
        }
        free(data);
        c->ca_file = path;
    }
    return 0;
}

static char *password_from_file(const struct kp_config *cfg, const char *name)
{
    char *path = path_resolve(cfg->dir, name), *data = NULL;
    size_t len = 0;
    unsigned mode = 0;
    int e = sys_read_file(path, &data, &len);
    if (e) {
        conf_bad(cfg, "password_file", "cannot read %s: %s", path, strerror(e));
    } else {
        if (sys_file_mode(path, &mode) == 0 && (mode & 077))
            diag(KP_WARN, path, 0, 0, "the SMTP password file can be read by others: chmod 600 it");
        size_t first = strcspn(data, "\r\n");
        explicit_bzero(data + first, len - first); /* only the first line is the password */
    }
    free(path);
    return data;
}

static int conf_password(struct mail *M)
{
    const struct kp_config *cfg = M->cfg;
    const char *env = config_get(cfg, "mail", "password_env");
    const char *file = config_get(cfg, "mail", "password_file");
    if (!M->c.user)
        return 0;
    if (str_empty(env) == str_empty(file))
        return conf_bad(cfg, "user", "the password: set one of password_env (an environment "
                                     "variable's name) and password_file (a file's path)");
    if (!str_empty(env)) {
        const char *v = sys_env(env);
        if (str_empty(v))
            return conf_bad(cfg, "password_env", "the environment variable %s is not set", env);
        M->c.password = xstrdup(v);
    } else {
        M->c.password = password_from_file(cfg, file);
        if (!M->c.password)
            return -1;
    }
    if (!*M->c.password)
        return conf_bad(cfg, str_empty(env) ? "password_file" : "password_env",
                        "the password is empty");
    return 0;
}

static void conf_free(struct conf *c)
{
    if (c->password)
        explicit_bzero(c->password, strlen(c->password));
    free(c->password), free(c->ca_file);
    free(c->from_name), free(c->from_addr), free(c->reply_name), free(c->reply_addr);
    free(c->domain);
}

/* ------------------------------------------------------------------ */
/* Templates                                                           */

static const char *const tmpl_keys[] = {"subject", "attachment", "protected"};
enum { PH_NAME, PH_LABEL, PH_ORG, PH_TEAM, PH_MANAGER, PH_PERIOD, PH_SENDER, PH_FILE,
       PH_PROTECTED, PH_COUNT };
static const char *const ph_names[PH_COUNT] = {"name",   "label",  "org",  "team",     "manager",
                                               "period", "sender", "file", "protected"};

static int ph_index(const char *name, size_t len)
{
    for (int i = 0; i < PH_COUNT; i++)
        if (strlen(ph_names[i]) == len && strncmp(ph_names[i], name, len) == 0)
            return i;
    return -1;
}

/* Report every unknown placeholder of t (which starts at file:line:col);
 * `not` is a placeholder this text may not use (-1 = none). 0 or -1. */
static int check_placeholders(const char *t, const char *file, long line, long col, int not)
{
    int bad = 0;
    for (const char *p = t; *p; p++) {
        if (p[0] == '{' && p[1] == '{') {
            p++, col += 2;
            continue;
        }
        const char *close = p[0] == '{' ? strchr(p, '}') : NULL;
        if (close) {
            int i = ph_index(p + 1, (size_t)(close - p - 1));
            if (i < 0 || i == not) {
                diag(KP_FATAL, file, line, col, "unknown placeholder {%.*s} (known: {name} {label} "
                     "{org} {team} {manager} {period} {sender} {file} {protected}; {{ is a brace)",
                     (int)(close - p - 1), p + 1);
                bad = 1;
            }
        }
        if (*p == '\n')
            line++, col = 1;
        else if (((unsigned char)*p & 0xC0) != 0x80)
            col++;
    }
    return bad ? -1 : 0;
}

static int tmpl_check_ini(const struct kp_ini *ini)
{
    int bad = 0;
    for (size_t i = 0; i < KP_NELEM(tmpl_keys); i++)
        if (!ini_find(ini, "email", tmpl_keys[i])) {
            diag(KP_FATAL, ini_path(ini), 0, 0, "[email] %s is missing", tmpl_keys[i]);
            bad = 1;
        }
    for (size_t i = 0; i < ini_count(ini); i++) {
        const struct kp_ini_entry *e = ini_entry(ini, i);
        int known = 0;
        for (size_t k = 0; k < KP_NELEM(tmpl_keys) && e->key; k++)
            known |= strcmp(e->sec, "email") == 0 && strcmp(e->key, tmpl_keys[k]) == 0;
        if (!known && (e->key || strcmp(e->sec, "email") != 0)) {
            diag(KP_FATAL, e->file, e->line, 1, "[%s]%s%s is not an e-mail text (they are [email] "
                 "subject, attachment, protected)", e->sec, e->key ? " " : "", e->key ? e->key : "");
            bad = 1;
        } else if (e->key) {
            bad |= check_placeholders(ini_get(ini, e->sec, e->key), e->file, e->line,
                                      (long)e->value_col,
                                      strcmp(e->key, "attachment") == 0 ? PH_FILE : -1) != 0;
        }
    }
    return bad ? -1 : 0;
}

/* A body: NULL when it cannot be read or is not valid UTF-8 (reported). */
static char *tmpl_body(const char *dir, const char *code, const char *name)
{
    char *path = xasprintf("%s/%s/%s", dir, code, name), *data = NULL;
    size_t len = 0;
    int e = sys_read_file(path, &data, &len);
    if (e)
        diag(KP_FATAL, path, 0, 0, "cannot read: %s", strerror(e));
    else if (!utf8_valid(data, len) || strlen(data) != len)
        diag(KP_FATAL, path, 0, 0, "is not UTF-8 text");
    else if (check_placeholders(data, path, 1, 1, -1) == 0) {
        free(path);
        return data;
    }
    free(data);
    free(path);
    return NULL;
}

static int tmpl_load(struct mail *M, struct tmpl *t, const char *code)
{
    char *ini = xasprintf("%s/%s/email.ini", M->tdir, code);
    t->code = xstrdup(code);
    if (sys_readable(ini) != 0)
        diag(KP_FATAL, ini, 0, 0, "cannot read: %s", strerror(sys_readable(ini)));
    else
        t->ini = ini_load(ini, 0);
    free(ini);
    t->lang = t->ini ? lang_load(M->tdir, code) : NULL;
    int ok = t->ini && t->lang && tmpl_check_ini(t->ini) == 0;
    ok = ok && (t->text = tmpl_body(M->tdir, code, "email.txt")) != NULL;
    ok = ok && (!M->c.html || (t->html = tmpl_body(M->tdir, code, "email.html")) != NULL);
    return ok ? 0 : -1;
}

static void tmpl_free(struct tmpl *t)
{
    free(t->code);
    lang_free(t->lang);
    ini_free(t->ini);
    free(t->text), free(t->html);
}

/* The templates of language `code` (loaded on first use); NULL after an error. */
static struct tmpl *tmpl_get(struct mail *M, const char *code)
{
    for (size_t i = 0; i < M->ntmpls; i++)
        if (strcmp(M->tmpls[i].code, code) == 0)
            return M->tmpls[i].ini ? &M->tmpls[i] : NULL;
    M->tmpls = xrealloc(M->tmpls, (M->ntmpls + 1) * sizeof *M->tmpls);
    struct tmpl *t = &M->tmpls[M->ntmpls++];
    memset(t, 0, sizeof *t);
    if (tmpl_load(M, t, code) != 0) {
        ini_free(t->ini);
        t->ini = NULL;
        return NULL;
    }
    return t;
}

static const char *default_lang(const struct mail *M)
{
    return !str_empty(M->meta.default_lang) ? M->meta.default_lang : M->cfg->language;
}

/* A person's language when templates/<lang>/ exists, else the default. */
static const char *lang_of(const struct mail *M, const struct who *w)
{
    int plain = !str_empty(w->lang) && strspn(w->lang, "abcdefghijklmnopqrstuvwxyz0123456789_-") ==
                                            strlen(w->lang);
    if (plain && lang_exists(M->tdir, w->lang))
        return w->lang;
    return default_lang(M);
}

/* ------------------------------------------------------------------ */
/* The people (results.json) and their documents                      */

static char *guarded(const char *id)
{
    struct kp_buf b = {0};
    double d;
    if (id[0] && strchr("=+-@\t\r", id[0]) && parse_double(id, &d) != 0)
        buf_addc(&b, '\'');
    buf_adds(&b, id);
    return buf_steal(&b);
}

static char *dup_or_empty(const char *s)
{
    return xstrdup(s ? s : "");
}

static void add_person(struct mail *M, const struct kp_record *r)
{
    xgrow(&M->people, &M->cap, M->n + 1, sizeof *M->people);
    struct who *w = &M->people[M->n++];
    memset(w, 0, sizeof *w);
    w->id = xstrdup(r->id);
    w->gid = guarded(r->id);
    w->name = dup_or_empty(r->name);
    w->email = dup_or_empty(r->email);
    w->team = dup_or_empty(r->team);
    w->manager_id = dup_or_empty(r->manager_id);
    w->manager_name = dup_or_empty(r->manager_name);
    w->lang = dup_or_empty(r->lang);
    w->line = r->line;
    w->mgr = -1;
    w->shared = -1;
    w->bad_addr = mime_addr_check(w->email);
}

static int json_line(void *arg, const char *line, size_t len, long long off)
{
    (void)off;
    struct mail *M = arg;
    char err[256];
    size_t n = len > 0 && line[len - 1] == ',' ? len - 1 : len;
    if (str_has_prefix(line, "\"meta\": ")) {
        char *m = xstrndup(line + 8, n - 8);
        M->have_meta = meta_read_json(m, &M->meta, err, sizeof err) == 0;
        free(m);
    } else if (str_has_prefix(line, "\"people\":") || str_has_prefix(line, "\"groups\":")) {
        M->section = line[1] == 'p' ? 1 : 2;
    } else if (M->section == 1 && M->have_meta && len > 1 && line[0] == '{') {
        char *l = xstrndup(line, n);
        struct kp_record *r = record_read_json(l, &M->meta, err, sizeof err);
        free(l);
        if (!r) {
            diag(KP_FATAL, M->json, 0, 0, "a record cannot be read (%s): run kpipress compute again",
                 err);
            return M->bad = 1;
        }
        if (r->kind == KP_REC_PERSON)
            add_person(M, r);
        record_free(r);
    }
    return 0;
}

static const struct mail *sort_ctx;

static int id_cmp(const void *a, const void *b)
{
    return strcmp(sort_ctx->people[*(const size_t *)a].id, sort_ctx->people[*(const size_t *)b].id);
}

static int gid_cmp(const void *a, const void *b)
{
    return strcmp(sort_ctx->people[*(const size_t *)a].gid,
                  sort_ctx->people[*(const size_t *)b].gid);
}

static size_t *sorted_index(struct mail *M, int (*cmp)(const void *, const void *))
{
    size_t *v = xmalloc((M->n + 1) * sizeof *v);
    for (size_t i = 0; i < M->n; i++)
        v[i] = i;
    sort_ctx = M;
    qsort(v, M->n, sizeof *v, cmp);
    sort_ctx = NULL;
    return v;
}

/* Index of the person whose id (gid = 0) or guarded id (gid = 1) is s; -1. */
static long find(const struct mail *M, const char *s, int gid)
{
    const size_t *v = gid ? M->by_gid : M->by_id;
    size_t lo = 0, hi = M->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct who *w = &M->people[v[mid]];
        int c = strcmp(gid ? w->gid : w->id, s);
        if (c == 0)
            return (long)v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Each person's review path (render's naming rule) and message file. */
static int attach_docpaths(struct mail *M)
{
    struct kp_docpath *dp = NULL;
    size_t ndp = 0;
    if (render_docpaths(M->cfg, M->o->outdir, &dp, &ndp) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < M->n && rc == 0; i++) {
        if (i >= ndp || dp[i].packet || strcmp(dp[i].id, M->people[i].id) != 0) {
            diag(KP_FATAL, M->json, 0, 0, "changed while it was read: run kpipress mail again");
            rc = -1;
            break;
        }
        struct who *w = &M->people[i];
        w->rel = xstrdup(dp[i].rel);
        const char *base = path_base(dp[i].rel);
        w->eml = xasprintf("mail/%.*s.eml", (int)(strlen(base) - 4), base);
    }
    render_docpaths_free(dp, ndp);
    return rc;
}

static int load_people(struct mail *M)
{
    int e = sys_each_line(M->json, json_line, M);
    if (e) {
        diag(KP_FATAL, M->json, 0, 0, "cannot read: %s (run kpipress run first)", strerror(e));
        return -1;
    }
    if (M->bad)
        return -1;
    if (!M->have_meta) {
        diag(KP_FATAL, M->json, 0, 0, "not a kpipress results file: run kpipress compute again");
        return -1;
    }
    M->by_id = sorted_index(M, id_cmp);
    M->by_gid = sorted_index(M, gid_cmp);
    for (size_t i = 0; i < M->n; i++)
        if (*M->people[i].manager_id)
            M->people[i].mgr = find(M, M->people[i].manager_id, 0);
    return attach_docpaths(M);
}

/* --resend names people of this run? */
static int mark_resend(struct mail *M)
{
    int bad = 0;
    for (size_t i = 0; i < M->o->nresend; i++) {
        long p = find(M, M->o->resend[i], 0);
        if (p < 0) {
            diag(KP_FATAL, NULL, 0, 0, "--resend %s: no such rep_id in %s", M->o->resend[i],
                 M->json);
            bad = 1;
        } else {
            M->people[p].resend = 1;
        }
    }
    return bad ? -1 : 0;
}

static int email_cmp(const void *a, const void *b)
{
    const struct who *x = &sort_ctx->people[*(const size_t *)a];
    const struct who *y = &sort_ctx->people[*(const size_t *)b];
    return strcasecmp(x->email, y->email);
}

/* Two people with one address: either would read the other's review, so
 * neither gets a message (check_address says so). */
static void mark_shared(struct mail *M)
{
    size_t *v = xmalloc((M->n + 1) * sizeof *v), k = 0;
    for (size_t i = 0; i < M->n; i++)
        if (!M->people[i].bad_addr)
            v[k++] = i;
    sort_ctx = M;
    qsort(v, k, sizeof *v, email_cmp);
    sort_ctx = NULL;
    for (size_t i = 0; i < k; i++) {
        int prev = i > 0 && str_ieq(M->people[v[i]].email, M->people[v[i - 1]].email);
        int next = i + 1 < k && str_ieq(M->people[v[i]].email, M->people[v[i + 1]].email);
        if (prev || next)
            M->people[v[i]].shared = (long)v[next ? i + 1 : i - 1];
    }
    free(v);
}

static void people_free(struct mail *M)
{
    for (size_t i = 0; i < M->n; i++) {
        struct who *w = &M->people[i];
        free(w->id), free(w->gid), free(w->name), free(w->email), free(w->team);
        free(w->manager_id), free(w->manager_name), free(w->lang), free(w->rel), free(w->eml);
        free(w->last_time);
    }
    free(M->people), free(M->by_id), free(M->by_gid);
}

/* ------------------------------------------------------------------ */
/* The ledger                                                          */

static void iso_time(char out[32], long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static enum st st_parse(const char *s)
{
    for (int i = ST_DELIVERED; i <= ST_UNKNOWN; i++)
        if (strcmp(s, st_names[i]) == 0)
            return (enum st)i;
    return ST_NONE;
}

struct reading {
    struct mail *M;
    const char *path;
    int bad;
};

static void ledger_record(void *arg, const struct kp_csvrec *rec)
{
    struct reading *R = arg;
    if (R->bad)
        return;
    enum st st = rec->error || rec->nfield != 6 ? ST_NONE : st_parse(rec->field[3]);
    if (rec->line == 1 && !rec->error) {
        struct kp_buf h = {0};
        for (size_t i = 0; i < rec->nfield; i++)
            buf_printf(&h, "%s%s", i ? "," : "", rec->field[i]);
        R->bad = !h.s || strcmp(h.s, LEDGER_HEADER) != 0;
        if (R->bad)
            diag(KP_FATAL, R->path, 1, 0, "not a kpipress ledger (the header is not %s)",
                 LEDGER_HEADER);
        buf_free(&h);
        return;
    }
    if (st == ST_NONE) {
        diag(KP_FATAL, R->path, rec->line, 0, "not a ledger line (%s): nothing is sent until it "
             "is fixed or removed", rec->error ? rec->error : "6 fields with a known status expected");
        R->bad = 1;
        return;
    }
    long p = find(R->M, rec->field[0], 1);
    if (p >= 0) {
        struct who *w = &R->M->people[p];
        w->last = st;
        free(w->last_time);
        w->last_time = xstrdup(rec->field[4]);
    }
}

static int ledger_load(const struct mail *M, char **data, size_t *len)
{
    *data = NULL, *len = 0;
    int e = sys_read_file(M->ledger, data, len);
    if (e && e != ENOENT)
        diag(KP_SYSERR, M->ledger, 0, 0, "cannot read: %s", strerror(e));
    return e == ENOENT ? 0 : e ? -1 : 0;
}

/* A last line cut short by a crash while it was written: that attempt's
 * marker (ledger.pending) was kept and stands for it. Drop the tail. */
static int ledger_repair(struct mail *M)
{
    char *data;
    size_t len;
    if (ledger_load(M, &data, &len) != 0)
        return -1;
    int rc = 0;
    if (len > 0 && data[len - 1] != '\n') {
        size_t keep = len;
        while (keep > 0 && data[keep - 1] != '\n')
            keep--;
        diag(KP_WARN, M->ledger, 0, 0, "its last line is incomplete (kpipress stopped while "
             "writing it): removed (\"%.*s\")", (int)(len - keep > 80 ? 80 : len - keep),
             data + keep);
        len = keep;
        rc = sys_write_atomic(M->ledger, data, len);
    }
    free(data);
    return rc;
}

/* The latest line of every person. 0, or -1 (reported: nothing may be sent). */
static int ledger_read(struct mail *M)
{
    char *data;
    size_t len;
    if (ledger_load(M, &data, &len) != 0)
        return -1;
    M->ledger_bytes = (long long)len;
    struct reading R = {M, M->ledger, 0};
    struct kp_csvread *r = csvread_new(NULL, ',', ledger_record, &R, NULL);
    csvread_feed(r, data, len);
    csvread_end(r);
    csvread_free(r);
    free(data);
    return R.bad ? -1 : 0;
}

static char *ledger_line(const struct who *w, const struct msg *m, enum st st, const char *reply)
{
    struct kp_buf b = {0};
    char when[32];
    iso_time(when, now_s());
    char *rcpt = m->nrcpt > 1 ? xasprintf("%s %s", m->rcpt[0], m->rcpt[1]) : xstrdup(m->rcpt[0]);
    csv_cell(&b, w->id, 1), buf_addc(&b, ',');
    csv_cell(&b, rcpt, 1), buf_addc(&b, ',');
    buf_printf(&b, "%s,%s,%s,", m->hash, st_names[st], when);
    csv_cell(&b, reply, 1);
    buf_adds(&b, "\r\n");
    free(rcpt);
    return buf_steal(&b);
}

/* Append one line (the header first when the ledger is new). 0 or -1. */
static int ledger_append(struct mail *M, const char *line)
{
    struct kp_buf b = {0};
    if (!sys_exists(M->ledger))
        buf_adds(&b, LEDGER_HEADER "\r\n");
    buf_adds(&b, line);
    int rc = sys_append_sync(M->ledger, b.s, b.len);
    if (rc == 0)
        M->ledger_bytes += (long long)b.len;
    buf_free(&b);
    return rc;
}

/* The first ledger line of data (rep_id, address, sha256, status), kept. */
struct attempt_id {
    char *f[4];
    int seen;
};

static void attempt_id_record(void *arg, const struct kp_csvrec *rec)
{
    struct attempt_id *a = arg;
    if (a->seen || rec->error || rec->nfield != 6 || st_parse(rec->field[3]) == ST_NONE)
        return; /* the header of a new ledger, or not a ledger line */
    for (int i = 0; i < 4; i++)
        a->f[i] = xstrdup(rec->field[i]);
    a->seen = 1;
}

static void attempt_id_parse(const char *data, size_t len, struct attempt_id *a)
{
    memset(a, 0, sizeof *a);
    struct kp_csvread *r = csvread_new(NULL, ',', attempt_id_record, a, NULL);
    csvread_feed(r, data, len);
    csvread_end(r);
    csvread_free(r);
}

static void attempt_id_free(struct attempt_id *a)
{
    for (int i = 0; i < 4; i++)
        free(a->f[i]);
}

/* Did the attempt of the marker (line) get its own ledger line before the
 * run stopped? That line starts at byte `at` (nothing else writes the ledger
 * while the marker exists). Its status, or ST_NONE. */
static enum st ledger_outcome(struct mail *M, const char *line, size_t len, long long at)
{
    char *data;
    size_t dlen;
    if (at < 0 || ledger_load(M, &data, &dlen) != 0)
        return ST_NONE;
    enum st st = ST_NONE;
    if ((long long)dlen > at) {
        struct attempt_id want, got;
        attempt_id_parse(line, len, &want);
        attempt_id_parse(data + at, dlen - (size_t)at, &got);
        if (want.seen && got.seen && strcmp(want.f[0], got.f[0]) == 0 &&
            strcmp(want.f[1], got.f[1]) == 0 && strcmp(want.f[2], got.f[2]) == 0)
            st = st_parse(got.f[3]);
        attempt_id_free(&want), attempt_id_free(&got);
    }
    free(data);
    return st;
}

/* A previous run stopped during an attempt: when the attempt's own line
 * made it to the ledger, that is its outcome; else record it as unknown. */
static int ledger_recover(struct mail *M)
{
    char *data = NULL;
    size_t len = 0;
    int e = sys_read_file(M->pending, &data, &len);
    if (e == ENOENT)
        return 0;
    int rc = -1;
    char *line = data;
    long long at = -1; /* an older marker has no first line */
    if (!e && len > strlen(PENDING_HEAD) && strncmp(data, PENDING_HEAD, strlen(PENDING_HEAD)) == 0) {
        char *end;
        errno = 0;
        at = strtoll(data + strlen(PENDING_HEAD), &end, 10);
        line = *end == '\n' && errno == 0 && at >= 0 ? end + 1 : NULL;
    }
    size_t llen = line ? len - (size_t)(line - data) : 0;
    enum st done = ST_NONE;
    if (e)
        diag(KP_SYSERR, M->pending, 0, 0, "cannot read: %s", strerror(e));
    else if (llen == 0 || line[llen - 1] != '\n')
        diag(KP_FATAL, M->pending, 0, 0, "is damaged: check which message it names and remove it");
    else if ((done = ledger_outcome(M, line, llen, at)) != ST_NONE) {
        rc = sys_remove(M->pending);
        diag(KP_NOTE, M->ledger, 0, 0, "the last run stopped after recording its attempt for "
             "%.*s (%s): nothing to recover", (int)strcspn(line, ","), line, st_names[done]);
    } else if ((rc = ledger_append(M, line)) == 0) {
        sys_remove(M->pending);
        diag(KP_WARN, M->ledger, 0, 0, "the last run stopped while sending (%.*s): recorded as "
             "unknown", (int)strcspn(line, ","), line);
    }
    free(data);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Composing                                                           */

struct fill {
    const char *v[PH_COUNT];
    char *esc[PH_COUNT];
    int html;
};

static const char *fill_get(void *arg, const char *name)
{
    struct fill *f = arg;
    int i = ph_index(name, strlen(name));
    if (i < 0)
        return NULL;
    return f->html ? f->esc[i] : (f->v[i] ? f->v[i] : "");
}

static char *html_escape(const char *s)
{
    struct kp_buf b = {0};
    buf_adds(&b, "");
    for (; s && *s; s++) {
        switch (*s) {
        case '&': buf_adds(&b, "&amp;"); break;
        case '<': buf_adds(&b, "&lt;"); break;
        case '>': buf_adds(&b, "&gt;"); break;
        case '"': buf_adds(&b, "&quot;"); break;
        case '\'': buf_adds(&b, "&#39;"); break;
        default: buf_addc(&b, *s);
        }
    }
    return buf_steal(&b);
}

static char *fill(struct fill *f, const char *tmpl, int html)
{
    struct kp_buf b = {0};
    buf_adds(&b, "");
    f->html = html;
    lang_fill(&b, tmpl, fill_get, f);
    return buf_steal(&b);
}

/* The attachment's name: no folders, no control characters, ends in .pdf. */
static char *file_name(const char *s)
{
    struct kp_buf b = {0};
    buf_adds(&b, "");
    const char *p = s, *end = s + strlen(s);
    while (p < end && utf8_count(b.s) < 120) {
        const char *q = p;
        int32_t cp = utf8_next(&p, end);
        if (cp < 0x20 || cp == 0x7f || (cp < 0x80 && strchr("/\\:*?\"<>|", (int)cp)))
            buf_addc(&b, '_');
        else
            buf_add(&b, q, (size_t)(p - q));
    }
    char *t = str_trim(b.s);
    char *r = !*t ? xstrdup("review.pdf")
              : strlen(t) > 4 && str_ieq(t + strlen(t) - 4, ".pdf") ? xstrdup(t)
                                                                   : xasprintf("%s.pdf", t);
    buf_free(&b);
    return r;
}

/* Spaces at line ends removed (an empty placeholder leaves them). */
static char *trim_lines(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '\n' || *r == '\r')
            while (w > s && (w[-1] == ' ' || w[-1] == '\t'))
                w--;
        *w++ = *r;
    }
    while (w > s && (w[-1] == ' ' || w[-1] == '\t'))
        w--;
    *w = '\0';
    return s;
}

/* Everything a message says, before it is built. */
struct draft {
    struct who *w;
    const struct tmpl *t;
    struct kp_addr to, cc;
    int has_cc;
    char *subject, *text, *html, *file;
    char *review;   /* the review's bytes */
    size_t review_len;
    char review_hash[KP_SHA256_HEX];
    const char *password; /* NULL = not encrypted */
    char *period;
};

static char *period_text(const struct kp_meta *m, const struct kp_lang *l)
{
    struct kp_buf b = {0};
    lang_month(l, &b, m->from);
    if (m->to != m->from) {
        buf_adds(&b, " \xE2\x80\x93 ");
        lang_month(l, &b, m->to);
    }
    return buf_steal(&b);
}

static void draft_texts(struct mail *M, struct draft *d)
{
    struct fill f;
    memset(&f, 0, sizeof f);
    d->period = period_text(&M->meta, d->t->lang);
    f.v[PH_NAME] = d->w->name, f.v[PH_LABEL] = M->meta.label, f.v[PH_ORG] = M->meta.org_name;
    f.v[PH_TEAM] = d->w->team, f.v[PH_MANAGER] = d->w->manager_name, f.v[PH_PERIOD] = d->period;
    f.v[PH_SENDER] = !str_empty(M->c.from_name) ? M->c.from_name : M->c.from_addr;
    f.v[PH_PROTECTED] = d->password ? ini_get(d->t->ini, "email", "protected") : "";
    char *file = fill(&f, ini_get(d->t->ini, "email", "attachment"), 0);
    d->file = file_name(file);
    free(file);
    f.v[PH_FILE] = d->file;
    for (int i = 0; i < PH_COUNT; i++)
        f.esc[i] = html_escape(f.v[i]);
    d->subject = fill(&f, ini_get(d->t->ini, "email", "subject"), 0);
    d->text = trim_lines(fill(&f, d->t->text, 0));
    d->html = d->t->html && M->c.html ? fill(&f, d->t->html, 1) : NULL;
    for (int i = 0; i < PH_COUNT; i++)
        free(f.esc[i]);
}

/* The manager's address for Cc, when there is one to use. */
static int draft_cc(struct mail *M, struct draft *d)
{
    struct who *w = d->w;
    if (M->c.cc_manager && w->mgr < 0 && *w->manager_id)
        diag(KP_WARN, NULL, 0, 0, "%s: the manager %s is not in %s (computed with --only?): no Cc",
             w->id, w->manager_id, M->json);
    if (!M->c.cc_manager || w->mgr < 0)
        return 0;
    struct who *m = &M->people[w->mgr];
    if (m->bad_addr || m->shared >= 0) {
        if (!m->mgr_warned)
            diag(KP_WARN, M->cfg->roster, m->line, 0, "%s (%s), a manager, has no usable e-mail "
                 "address: their people's messages go without Cc", m->id, m->name);
        m->mgr_warned = 1;
        return 0;
    }
    if (str_ieq(m->email, w->email))
        return 0;
    d->cc.name = m->name, d->cc.addr = m->email;
    return d->has_cc = 1;
}

/* What PDF 1.4 passwords can be: printable ASCII, at most 32 bytes. */
static int pdf_password_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] < 0x20 || s[n] > 0x7e)
            return 0;
    return n <= 32;
}

/* The person's PDF password from the roster: NULL when none is needed;
 * sets *bad when one is needed and missing (reported). */
static const char *draft_password(struct mail *M, const struct who *w, int *bad)
{
    *bad = 0;
    if (M->c.pw_col < 0)
        return NULL;
    const struct kp_data *d = M->o->roster;
    int p = d ? data_find_person(d, w->id) : -1;
    const char *pw = p >= 0 && d->people[p].extra ? d->people[p].extra[M->c.pw_col] : NULL;
    const char *col = M->cfg->keep_cols[M->c.pw_col];
    *bad = 1;
    if (p < 0)
        diag(KP_ERROR, M->cfg->roster, 0, 0, "%s is not in the roster now: no PDF password, no message",
             w->id);
    else if (str_empty(pw))
        diag(KP_ERROR, M->cfg->roster, w->line, 0, "%s: no PDF password in column %s: no message",
             w->id, col);
    else if (!pdf_password_ok(pw))
        diag(KP_ERROR, M->cfg->roster, w->line, 0, "%s: the PDF password in column %s must be "
             "printable ASCII of at most 32 characters: no message", w->id, col);
    else
        *bad = 0;
    return *bad ? NULL : pw;
}

static int draft_open(struct mail *M, struct who *w, struct draft *d)
{
    memset(d, 0, sizeof *d);
    d->w = w;
    d->to.name = w->name, d->to.addr = w->email;
    char *path = path_join(M->o->outdir, w->rel);
    int e = sys_read_file(path, &d->review, &d->review_len), bad = 0;
    if (e)
        diag(KP_ERROR, path, 0, 0, "%s: no review to send (%s): run kpipress render", w->id,
             strerror(e));
    free(path);
    if (e)
        return -1;
    hash_sha256_hex(d->review, d->review_len, d->review_hash);
    d->password = draft_password(M, w, &bad);
    d->t = bad ? NULL : tmpl_get(M, lang_of(M, w));
    if (!d->t)
        return -1;
    draft_cc(M, d);
    draft_texts(M, d);
    return 0;
}

static void draft_close(struct draft *d)
{
    free(d->subject), free(d->text), free(d->html), free(d->file), free(d->review), free(d->period);
}

static void fp_add(struct kp_buf *b, const char *s)
{
    buf_add(b, s ? s : "", strlen(s ? s : "") + 1);
}

/* The Message-ID: a hash of everything the message says, not of its Date. */
static char *message_id(const struct mail *M, const struct draft *d)
{
    struct kp_buf b = {0};
    char pw[KP_SHA256_HEX] = "", hex[KP_SHA256_HEX];
    if (d->password)
        hash_sha256_hex(d->password, strlen(d->password), pw);
    const char *v[] = {"kpipress mail 1", d->w->id, M->c.from_name, M->c.from_addr,
                       M->c.reply_name, M->c.reply_addr, d->to.name, d->to.addr,
                       d->has_cc ? d->cc.name : "", d->has_cc ? d->cc.addr : "", d->subject,
                       d->text, d->html, d->file, d->review_hash, pw};
    for (size_t i = 0; i < KP_NELEM(v); i++)
        fp_add(&b, v[i]);
    hash_sha256_hex(b.s, b.len, hex);
    buf_free(&b);
    return xasprintf("kp.%.32s@%s", hex, M->c.domain);
}

/* An AES-256 (R6) copy of the review's bytes, made with libqpdf: user
 * password = the person's, owner password = 128 random bits, never stored.
 * AES takes a random IV per string and stream, so copies differ from one
 * encryption to the next: the message keeps the copy (mail/<id>.eml) and a
 * re-run sends those bytes. 0, or -1 (reported). */
static int attachment(struct draft *d, char **data, size_t *len)
{
    if (!d->password) {
        *data = d->review, *len = d->review_len;
        d->review = NULL;
        return 0;
    }
    char owner[33];
    do
        snprintf(owner, sizeof owner, "%016llx%016llx", sys_random64(), sys_random64());
    while (strcmp(owner, d->password) == 0);
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    int ok = !(qpdf_read_memory(q, d->w->rel, d->review, (unsigned long long)d->review_len,
                                NULL) & QPDF_ERRORS) &&
             !(qpdf_init_write_memory(q) & QPDF_ERRORS);
    if (ok) {
        qpdf_set_r6_encryption_parameters2(q, d->password, owner, QPDF_TRUE, QPDF_TRUE, QPDF_TRUE,
                                           QPDF_TRUE, QPDF_TRUE, QPDF_TRUE, qpdf_r3p_full,
                                           QPDF_TRUE);
        ok = !(qpdf_write(q) & QPDF_ERRORS) && qpdf_get_buffer(q);
    }
    explicit_bzero(owner, sizeof owner);
    if (ok) {
        *len = qpdf_get_buffer_length(q);
        *data = xmalloc(*len ? *len : 1);
        memcpy(*data, qpdf_get_buffer(q), *len);
    } else {
        qpdf_error e = qpdf_get_error(q);
        diag(KP_ERROR, d->w->rel, 0, 0, "%s: the encrypted copy cannot be made: qpdf: %s",
             d->w->id, e ? qpdf_get_error_full_text(q, e) : "unknown error");
    }
    qpdf_cleanup(&q);
    return ok ? 0 : -1;
}

static int msg_build(struct mail *M, struct draft *d, struct msg *m)
{
    char *file = NULL;
    size_t flen = 0;
    if (attachment(d, &file, &flen) != 0)
        return -1;
    struct kp_mime_msg mm = {
        .from = {M->c.from_name, M->c.from_addr},
        .reply_to = {M->c.reply_name, M->c.reply_addr},
        .to = d->to,
        .cc = &d->cc,
        .ncc = (size_t)d->has_cc,
        .subject = d->subject,
        .message_id = m->mid,
        .date = sys_source_date_epoch() >= 0 ? sys_source_date_epoch() : now_s(),
        .text = d->text,
        .html = d->html,
        .file_name = d->file,
        .file_type = "application/pdf",
        .file = file,
        .file_len = flen,
    };
    struct kp_buf b = {0};
    char boundary[25];
    snprintf(boundary, sizeof boundary, "%.24s", m->mid + 3);
    mm.boundary = boundary;
    mime_compose(&mm, &b);
    free(file);
    m->len = b.len;
    m->bytes = buf_steal(&b);
    char *path = path_join(M->o->outdir, d->w->eml);
    int rc = sys_write_atomic(path, m->bytes, m->len);
    free(path);
    M->written++;
    return rc;
}

/* mail/<stem>.eml as it is, when it holds this Message-ID. */
static void msg_from_disk(struct mail *M, const struct who *w, struct msg *m)
{
    char *path = path_join(M->o->outdir, w->eml), *data = NULL;
    size_t len = 0;
    if (sys_read_file(path, &data, &len) == 0) {
        char *mid = mime_header_get(data, len, "Message-ID");
        char *want = xasprintf("<%s>", m->mid);
        if (str_eq(mid, want)) {
            m->bytes = data, m->len = len, m->on_disk = 1;
            data = NULL;
        }
        free(mid), free(want);
    }
    free(data);
    free(path);
}

static void msg_free(struct msg *m)
{
    free(m->bytes), free(m->mid), free(m->rcpt[0]), free(m->rcpt[1]);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

static void pace(struct mail *M)
{
    if (M->c.rate <= 0)
        return;
    double now = clock_ms();
    if (M->next_at > now)
        do_sleep(M->next_at - now);
    M->next_at = (M->next_at > now ? M->next_at : now) + 60000.0 / M->c.rate;
}

static void transmit(struct mail *M, struct msg *m, struct kp_smtp_result *r)
{
    if (hooks.send) {
        hooks.send(hooks.ctx, M->c.from_addr, m->rcpt, m->nrcpt, m->bytes, m->len, r);
        return;
    }
    if (!M->smtp) {
        struct kp_smtp_conf sc = {M->c.url, M->c.user, M->c.password, M->c.timeout_s,
                                  M->c.ca_file};
        M->smtp = smtp_new(&sc);
    }
    if (!M->smtp) {
        memset(r, 0, sizeof *r);
        r->status = KP_SMTP_STOP;
        snprintf(r->reply, sizeof r->reply, "libcurl could not start");
        return;
    }
    smtp_send(M->smtp, M->c.from_addr, m->rcpt, m->nrcpt, m->bytes, m->len, r);
}

static enum st st_of(const struct kp_smtp_result *r)
{
    switch (r->status) {
    case KP_SMTP_OK: return ST_DELIVERED;
    case KP_SMTP_PERM: return ST_REJECTED;
    case KP_SMTP_UNKNOWN: return ST_UNKNOWN;
    default: return ST_DEFERRED;
    }
}

/* One attempt: the pending marker, the transfer, the ledger line. The
 * status, or ST_NONE when the ledger cannot be written (reported). */
static enum st attempt(struct mail *M, struct who *w, struct msg *m, struct kp_smtp_result *r)
{
    pace(M); /* before the marker: a run stopped while waiting sent nothing */
    char *line = ledger_line(w, m, ST_UNKNOWN, INTERRUPTED);
    char *marker = xasprintf(PENDING_HEAD "%lld\n%s", M->ledger_bytes, line);
    int ok = sys_write_atomic(M->pending, marker, strlen(marker)) == 0;
    free(line), free(marker);
    if (!ok)
        return ST_NONE;
    transmit(M, m, r);
    enum st st = st_of(r);
    line = ledger_line(w, m, st, r->reply);
    ok = ledger_append(M, line) == 0;
    free(line);
    if (!ok)
        return ST_NONE; /* the marker stays: the next run records "unknown" */
    if (st == ST_DELIVERED)
        sys_test_kill("after-delivered", 0);
    sys_remove(M->pending);
    return st;
}

static void stop(struct mail *M, const char *why)
{
    if (!M->stopped)
        M->stopped = xstrdup(why);
}

/* Send with retries. Returns the final status. */
static enum st deliver(struct mail *M, struct who *w, struct msg *m)
{
    struct kp_smtp_result r;
    for (long n = 0;; n++) {
        if (M->stopped) {
            char *why = xasprintf("not attempted: %s", M->stopped);
            char *line = ledger_line(w, m, ST_DEFERRED, why);
            ledger_append(M, line);
            free(line), free(why);
            return ST_DEFERRED;
        }
        enum st st = attempt(M, w, m, &r);
        if (st == ST_NONE) {
            stop(M, "the ledger cannot be written");
            return ST_UNKNOWN;
        }
        if (st == ST_DELIVERED)
            return st;
        if (st == ST_REJECTED || st == ST_UNKNOWN) {
            diag(KP_ERROR, NULL, 0, 0, "%s: %s by the server: %s", w->id,
                 st == ST_REJECTED ? "refused" : "no answer to the message", r.reply);
            return st;
        }
        if (r.status == KP_SMTP_STOP || (r.unreachable && n >= M->c.retries)) {
            char *why = xasprintf("%s (%s)", r.status == KP_SMTP_STOP
                                                  ? "the server cannot be used"
                                                  : "the server could not be reached",
                                  r.reply);
            stop(M, why);
            free(why);
            return st;
        }
        if (n >= M->c.retries) {
            diag(KP_ERROR, NULL, 0, 0, "%s: not delivered after %ld attempts: %s", w->id, n + 1,
                 r.reply);
            return st;
        }
        double wait = M->c.backoff_s * 1000.0 * (double)(1L << (n < 20 ? n : 20));
        do_sleep(wait < MAX_BACKOFF_MS ? wait : MAX_BACKOFF_MS);
    }
}

/* ------------------------------------------------------------------ */
/* One person                                                          */

static void say(const struct mail *M, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct mail *M, const char *fmt, ...)
{
    if (!M->o->list)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static int check_address(struct mail *M, const struct who *w)
{
    if (!w->bad_addr && w->shared < 0)
        return 0;
    M->noaddr++;
    if (w->shared >= 0) {
        const struct who *o = &M->people[w->shared];
        diag(KP_ERROR, M->cfg->roster, w->line, 0, "%s (%s): %s is also the address of %s (%s): "
             "no message, or one would read the other's review", w->id, w->name, w->email, o->id,
             o->name);
        say(M, "none  %s  %s is also %s's address", w->id, w->email, o->id);
    } else if (!*w->email) {
        diag(KP_WARN, M->cfg->roster, w->line, 0, "%s (%s) has no e-mail address: no message",
             w->id, w->name);
        say(M, "none  %s  no e-mail address", w->id);
    } else {
        diag(KP_ERROR, M->cfg->roster, w->line, 0, "%s (%s): the e-mail address \"%s\" %s: no "
             "message", w->id, w->name, w->email, w->bad_addr);
        say(M, "none  %s  the address \"%s\" %s", w->id, w->email, w->bad_addr);
    }
    return -1;
}

/* Is this person sent now? (Else said why.) */
static int wanted(struct mail *M, const struct who *w, const struct msg *m)
{
    if (w->resend || w->last == ST_NONE || w->last == ST_DEFERRED || w->last == ST_REJECTED)
        return 1;
    if (w->last == ST_UNKNOWN && m->on_disk) {
        /* The connection was lost after the message was sent and before the
         * server answered. Without a "250" the server has not taken it on
         * (RFC 5321 6.1): send it again, the very same bytes and Message-ID,
         * which mail systems recognise as one message if both arrived. */
        diag(KP_WARN, M->ledger, 0, 0, "%s: the attempt of %s got no answer from the server: "
             "sending the identical message (same Message-ID) again", w->id, w->last_time);
        return 1;
    }
    M->skipped++;
    if (w->last == ST_UNKNOWN) {
        diag(KP_ERROR, M->ledger, 0, 0, "%s: the attempt of %s may or may not have reached the "
             "server, and the message would differ now: not sent again; check the mailbox, "
             "then --resend %s if it is not there",
             w->id, w->last_time, w->id);
        say(M, "hold  %s  outcome of %s unknown (--resend %s)", w->id, w->last_time, w->id);
    } else if (!m->on_disk) {
        diag(KP_WARN, NULL, 0, 0, "%s: delivered %s, and the message would differ now (%s): not "
             "sent again; --resend %s sends the new one", w->id, w->last_time,
             "review, recipients or texts changed", w->id);
        say(M, "skip  %s  delivered %s; changed since (--resend %s)", w->id, w->last_time, w->id);
    } else {
        M->done++;
        say(M, "skip  %s  delivered %s", w->id, w->last_time);
    }
    return 0;
}

static void person(struct mail *M, struct who *w)
{
    struct draft d;
    struct msg m;
    memset(&m, 0, sizeof m);
    if (check_address(M, w) != 0)
        return;
    if (draft_open(M, w, &d) != 0) {
        M->failed++;
        draft_close(&d);
        return;
    }
    m.mid = message_id(M, &d);
    m.rcpt[m.nrcpt++] = xstrdup(w->email);
    if (d.has_cc)
        m.rcpt[m.nrcpt++] = xstrdup(d.cc.addr);
    msg_from_disk(M, w, &m);
    if (wanted(M, w, &m)) {
        if (m.on_disk || msg_build(M, &d, &m) == 0) {
            hash_sha256_hex(m.bytes, m.len, m.hash);
            M->todo++;
            if (!M->o->send)
                say(M, "%s  %s  %s%s%s  (%s, %zu KB)", w->resend ? "again" : "send ", w->id,
                    m.rcpt[0], m.nrcpt > 1 ? " cc " : "", m.nrcpt > 1 ? m.rcpt[1] : "", w->eml,
                    (m.len + 1023) / 1024);
            else if (deliver(M, w, &m) == ST_DELIVERED)
                M->sent++;
            else
                M->failed++;
        } else {
            M->failed++;
        }
    }
    msg_free(&m);
    draft_close(&d);
}

/* ------------------------------------------------------------------ */
/* The command                                                         */

static int open_dir(struct mail *M)
{
    M->dir = path_join(M->o->outdir, "mail");
    M->ledger = path_join(M->dir, "ledger.csv");
    M->pending = path_join(M->dir, "ledger.pending");
    if (sys_mkdirs(M->dir) != 0)
        return -1;
    char *lock = path_join(M->dir, ".lock");
    M->lock = sys_lock(lock);
    int busy = M->lock < 0 && errno == EWOULDBLOCK;
    free(lock);
    if (busy)
        diag(M->o->in_run ? KP_WARN : KP_FATAL, M->dir, 0, 0, "another kpipress is sending these "
             "messages now: %s", M->o->in_run ? "the messages were not written again" : "try later");
    if (M->lock < 0)
        return -1;
    sys_sweep_tmp(M->dir);
    return 0;
}

static int prepare(struct mail *M)
{
    if (conf_load(M) != 0 || (M->o->send && conf_server(M) != 0))
        return -1;
    if (load_people(M) != 0 || mark_resend(M) != 0)
        return -1;
    if (!tmpl_get(M, default_lang(M)))
        return -1;
    if (open_dir(M) != 0 || ledger_repair(M) != 0 || ledger_recover(M) != 0 ||
        ledger_read(M) != 0)
        return -1;
    if (M->o->send && conf_password(M) != 0)
        return -1;
    mark_shared(M);
    return 0;
}

static void summary(const struct mail *M)
{
    const char *dir = M->dir;
    if (!M->o->send) {
        diag(KP_NOTE, NULL, 0, 0, "mail: %zu %s to send in %s (nothing sent: kpipress mail --send "
             "sends them)%s%zu already delivered, %zu without a usable address", M->todo,
             M->todo == 1 ? "message" : "messages", dir, "; ", M->done, M->noaddr);
        return;
    }
    if (M->stopped)
        diag(KP_ERROR, NULL, 0, 0, "mail: sending stopped: %s; the messages not attempted are "
             "recorded as deferred: run the same command again to send them", M->stopped);
    diag(KP_NOTE, NULL, 0, 0, "mail: %zu delivered now, %zu delivered before, %zu not delivered, "
         "%zu without a usable address (see %s)", M->sent, M->done, M->failed, M->noaddr, M->ledger);
}

static void mail_free(struct mail *M)
{
    conf_free(&M->c);
    people_free(M);
    for (size_t i = 0; i < M->ntmpls; i++)
        tmpl_free(&M->tmpls[i]);
    free(M->tmpls);
    if (M->have_meta)
        meta_free(&M->meta);
    smtp_free(M->smtp);
    sys_unlock(M->lock);
    free(M->stopped), free(M->tdir), free(M->dir), free(M->ledger), free(M->pending), free(M->json);
}

int mail_run(const struct kp_config *cfg, const struct kp_mail_opts *o)
{
    struct mail M;
    memset(&M, 0, sizeof M);
    M.cfg = cfg, M.o = o;
    M.lock = -1;
    M.json = path_join(o->outdir, "results.json");
    M.tdir = path_join(sys_datadir(), "templates");
    if (prepare(&M) == 0) {
        for (size_t i = 0; i < M.n; i++) {
            person(&M, &M.people[i]);
            if (o->send && M.n >= 20 && (i + 1) % (M.n / 10) == 0)
                diag(KP_NOTE, NULL, 0, 0, "mail: %zu of %zu people done", i + 1, M.n);
        }
        fflush(stdout);
        summary(&M);
    }
    mail_free(&M);
    return diag_status();
}
