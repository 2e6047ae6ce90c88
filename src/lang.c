/* lang — see lang.h. */
#include "lang.h"

#include "diag.h"
#include "ini.h"
#include "sys.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kp_lang {
    char *code;
    struct kp_ini *labels, *locale;
    char *decimal, *group;
    const char *pct, *money, *money_neg, *days, *date_long, *month_fmt;
    char **months, **short_months;
    size_t nmonths, nshort;
    double abbr_from;        /* [number] abbreviate_from */
    struct abbr {            /* [number] abbreviations, the largest first */
        double div;
        char *suffix;
    } *abbr;
    size_t nabbr;
    const char **keys; /* lang_keys() answer */
};

static const char *loc(const struct kp_lang *l, const char *sec, const char *key, const char *def)
{
    const char *v = ini_get(l->locale, sec, key);
    return v ? v : def;
}

/* Every key the English file has must be in this one, and no other. */
static int check_against(const struct kp_ini *mine, const struct kp_ini *en, const char *what)
{
    int bad = 0;
    for (size_t i = 0; i < ini_count(en); i++) {
        const struct kp_ini_entry *e = ini_entry(en, i);
        if (e->key && !ini_find(mine, e->sec, e->key)) {
            diag(KP_FATAL, ini_path(mine), 0, 0, "%s: [%s] %s is missing (English has it at %s:%ld)",
                 what, e->sec, e->key, e->file, e->line);
            bad = 1;
        }
    }
    for (size_t i = 0; i < ini_count(mine); i++) {
        const struct kp_ini_entry *e = ini_entry(mine, i);
        if (e->key && !ini_find(en, e->sec, e->key)) {
            diag(KP_FATAL, e->file, e->line, 1, "%s: [%s] %s is not a key English has", what,
                 e->sec, e->key);
            bad = 1;
        }
    }
    return bad;
}

int lang_exists(const char *dir, const char *code)
{
    char *p = xasprintf("%s/%s/labels.ini", dir, code);
    int ok = sys_exists(p);
    free(p);
    return ok;
}

static struct kp_ini *load_file(const char *dir, const char *code, const char *name)
{
    char *p = xasprintf("%s/%s/%s", dir, code, name);
    struct kp_ini *x = ini_load(p, 0);
    free(p);
    return x;
}

static int validate(struct kp_lang *l, const char *dir)
{
    if (strcmp(l->code, "en") == 0)
        return 0;
    struct kp_ini *en_labels = load_file(dir, "en", "labels.ini");
    struct kp_ini *en_locale = load_file(dir, "en", "locale.ini");
    int bad = !en_labels || !en_locale;
    if (!bad) {
        bad |= check_against(l->labels, en_labels, "labels");
        bad |= check_against(l->locale, en_locale, "locale");
    }
    ini_free(en_labels);
    ini_free(en_locale);
    return bad;
}

/* [number] abbreviations = 1000000 M, 1000 k (the largest first) and
 * abbreviate_from = 10000: an error at the line when not so. */
static int read_abbreviations(struct kp_lang *l)
{
    const struct kp_ini_entry *e = ini_find(l->locale, "number", "abbreviations");
    const struct kp_ini_entry *f = ini_find(l->locale, "number", "abbreviate_from");
    char *end;
    const char *from = loc(l, "number", "abbreviate_from", "0");
    l->abbr_from = strtod(from, &end);
    if (*end || end == from || !(l->abbr_from >= 0) || !isfinite(l->abbr_from)) {
        diag(KP_FATAL, f ? f->file : ini_path(l->locale), f ? f->line : 0, 0,
             "[number] abbreviate_from = %s: not a number (the size from which chart axes "
             "abbreviate large amounts, e.g. 10000)", from);
        return -1;
    }
    char **v;
    size_t n = str_split(loc(l, "number", "abbreviations", ""), ',', &v);
    l->abbr = xcalloc(n + 1, sizeof *l->abbr);
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        char *sp = strchr(v[i], ' ');
        double d = sp ? strtod(v[i], &end) : NAN;
        const char *suffix = sp ? sp + strspn(sp, " ") : "";
        bad = !sp || end != sp || !(d > 1) || !isfinite(d) || !*suffix ||
              (i > 0 && !(d < l->abbr[i - 1].div));
        if (!bad)
            l->abbr[l->nabbr++] = (struct abbr){d, xstrdup(suffix)};
        else
            diag(KP_FATAL, e ? e->file : ini_path(l->locale), e ? e->line : 0, 0,
                 "[number] abbreviations: \"%s\" is not a unit: write the divisor and the "
                 "word, the largest first (1000000 M, 1000 k)", v[i]);
    }
    strv_free(v, n);
    return bad ? -1 : 0;
}

struct kp_lang *lang_load(const char *dir, const char *code)
{
    if (!lang_exists(dir, code)) {
        diag(KP_FATAL, NULL, 0, 0, "no templates for language \"%s\" (%s/%s/labels.ini)", code,
             dir, code);
        return NULL;
    }
    struct kp_lang *l = xcalloc(1, sizeof *l);
    l->code = xstrdup(code);
    l->labels = load_file(dir, code, "labels.ini");
    l->locale = load_file(dir, code, "locale.ini");
    if (!l->labels || !l->locale || validate(l, dir)) {
        lang_free(l);
        return NULL;
    }
    l->decimal = xstrdup(loc(l, "number", "decimal", "."));
    l->group = xstrdup(loc(l, "number", "group", ","));
    l->pct = loc(l, "percent", "format", "{n}%");
    l->money = loc(l, "currency", "format", "{sym}{n}");
    l->money_neg = loc(l, "currency", "negative", "-{sym}{n}");
    l->days = loc(l, "units", "days", "{n}");
    l->date_long = loc(l, "date", "long", "{y}-{mm}-{dd}");
    l->month_fmt = loc(l, "date", "month", "{y}-{mm}");
    l->nmonths = str_split(loc(l, "date", "months", ""), ',', &l->months);
    l->nshort = str_split(loc(l, "date", "short_months", ""), ',', &l->short_months);
    if (l->nmonths != 12 || l->nshort != 12) {
        diag(KP_FATAL, ini_path(l->locale), 0, 0,
             "[date] months and short_months need 12 names each, separated by commas");
        lang_free(l);
        return NULL;
    }
    if (read_abbreviations(l) != 0) {
        lang_free(l);
        return NULL;
    }
    /* The configured separators may be quoted spaces; "" means none. */
    return l;
}

void lang_free(struct kp_lang *l)
{
    if (!l)
        return;
    ini_free(l->labels);
    ini_free(l->locale);
    free(l->code), free(l->decimal), free(l->group);
    strv_free(l->months, l->nmonths);
    strv_free(l->short_months, l->nshort);
    for (size_t i = 0; i < l->nabbr; i++)
        free(l->abbr[i].suffix);
    free(l->abbr);
    free(l->keys);
    free(l);
}

const char *lang_code(const struct kp_lang *l)
{
    return l->code;
}

const char *lang_text(const struct kp_lang *l, const char *sec, const char *key)
{
    const char *v = ini_get(l->labels, sec, key);
    return v ? v : "";
}

size_t lang_keys(const struct kp_lang *l, const char *sec, const char ***keys)
{
    struct kp_lang *m = (struct kp_lang *)l;
    size_t n = 0;
    free(m->keys);
    m->keys = xcalloc(ini_count(l->labels) + 1, sizeof *m->keys);
    for (size_t i = 0; i < ini_count(l->labels); i++) {
        const struct kp_ini_entry *e = ini_entry(l->labels, i);
        if (e->key && strcmp(e->sec, sec) == 0)
            m->keys[n++] = e->key;
    }
    *keys = m->keys;
    return n;
}

void lang_fill(struct kp_buf *out, const char *t, const char *(*get)(void *, const char *),
               void *arg)
{
    while (*t) {
        if (t[0] == '{' && t[1] == '{') {
            buf_addc(out, '{');
            t += 2;
            continue;
        }
        const char *close = t[0] == '{' ? strchr(t, '}') : NULL;
        if (!close) {
            buf_addc(out, *t++);
            continue;
        }
        char *name = xstrndup(t + 1, (size_t)(close - t - 1));
        const char *v = get(arg, name);
        if (v)
            buf_adds(out, v);
        else
            buf_add(out, t, (size_t)(close - t + 1));
        free(name);
        t = close + 1;
    }
}

void lang_placeholders(const char *t, void (*each)(void *, const char *, size_t), void *arg)
{
    while (*t) {
        if (t[0] == '{' && t[1] == '{') {
            t += 2;
            continue;
        }
        const char *close = t[0] == '{' ? strchr(t, '}') : NULL;
        if (close) {
            each(arg, t + 1, (size_t)(close - t - 1));
            t = close + 1;
        } else {
            t++;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Numbers                                                             */

void lang_number(const struct kp_lang *l, struct kp_buf *out, double v, int decimals)
{
    if (isnan(v)) {
        buf_adds(out, lang_text(l, "status", "na_short"));
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    char digits[64];
    snprintf(digits, sizeof digits, "%.*f", decimals, fabs(v));
    if (strspn(digits, "0.") == strlen(digits))
        v = 0; /* no "-0" */
    if (v < 0)
        buf_addc(out, '-');
    const char *dot = strchr(digits, '.');
    size_t ilen = dot ? (size_t)(dot - digits) : strlen(digits);
    for (size_t i = 0; i < ilen; i++) {
        if (i > 0 && (ilen - i) % 3 == 0)
            buf_adds(out, l->group);
        buf_addc(out, digits[i]);
    }
    if (dot) {
        buf_adds(out, l->decimal);
        buf_adds(out, dot + 1);
    }
}

void lang_amount(const struct kp_lang *l, struct kp_buf *out, double v, double of)
{
    const struct abbr *u = NULL;
    for (size_t i = 0; i < l->nabbr && !u && fabs(of) >= l->abbr_from; i++)
        if (fabs(of) >= l->abbr[i].div)
            u = &l->abbr[i];
    double x = u ? v / u->div : v;
    int d = 0; /* the decimals x needs (a tick at 0.25M: 2), at most 3 */
    for (double s = x; d < 3 && fabs(s - nearbyint(s)) > 1e-6 * fmax(1, fabs(s)); s = x * pow(10, d))
        d++;
    lang_number(l, out, x, d);
    if (u && x != 0)
        buf_adds(out, u->suffix);
}

struct fill_num {
    const char *n, *sym;
};

static const char *get_num(void *arg, const char *name)
{
    const struct fill_num *f = arg;
    return strcmp(name, "n") == 0 ? f->n : strcmp(name, "sym") == 0 ? f->sym : NULL;
}

static void with_pattern(struct kp_buf *out, const char *pattern, const char *n, const char *sym)
{
    struct fill_num f = {n, sym};
    lang_fill(out, pattern, get_num, &f);
}

void lang_percent(const struct kp_lang *l, struct kp_buf *out, double v, int decimals)
{
    if (isnan(v)) {
        lang_number(l, out, v, 0);
        return;
    }
    struct kp_buf n = {0};
    lang_number(l, &n, v * 100, decimals < 0 ? 1 : decimals);
    with_pattern(out, l->pct, n.s, "");
    buf_free(&n);
}

static void money_dec(const struct kp_lang *l, struct kp_buf *out, double v, const char *currency,
                      int decimals)
{
    if (isnan(v)) {
        lang_number(l, out, v, 0);
        return;
    }
    struct kp_buf n = {0};
    lang_number(l, &n, fabs(v), decimals);
    with_pattern(out, v < 0 && round(fabs(v) * pow(10, decimals)) != 0 ? l->money_neg : l->money,
                 n.s, currency ? currency : "");
    buf_free(&n);
}

void lang_money(const struct kp_lang *l, struct kp_buf *out, double v, const char *currency)
{
    money_dec(l, out, v, currency, 0);
}

void lang_value(const struct kp_lang *l, struct kp_buf *out, enum kp_format f, int decimals,
                double v, const char *currency)
{
    struct kp_buf n = {0};
    switch (f) {
    case KP_FMT_PERCENT: lang_percent(l, out, v, decimals); break;
    case KP_FMT_CURRENCY: lang_money(l, out, v, currency); break;
    case KP_FMT_DAYS:
        if (isnan(v)) {
            lang_number(l, out, v, 0);
            break;
        }
        lang_number(l, &n, v, decimals < 0 ? 0 : decimals);
        with_pattern(out, l->days, n.s, "");
        break;
    case KP_FMT_SCORE: lang_number(l, out, v, decimals < 0 ? 2 : decimals); break;
    case KP_FMT_NUMBER: lang_number(l, out, v, decimals < 0 ? 0 : decimals); break;
    }
    buf_free(&n);
}

static int default_decimals(enum kp_format f, int decimals)
{
    if (decimals >= 0)
        return decimals;
    return f == KP_FMT_PERCENT ? 1 : f == KP_FMT_SCORE ? 2 : 0;
}

static void value_dec(const struct kp_lang *l, struct kp_buf *out, enum kp_format f, int decimals,
                      double v, const char *currency)
{
    if (f == KP_FMT_CURRENCY)
        money_dec(l, out, v, currency, decimals);
    else
        lang_value(l, out, f, decimals, v, currency);
}

/* x with d decimals as lang_number writes it, without grouping ("-0" is "0"). */
static void plain(char *s, size_t n, double x, int d)
{
    snprintf(s, n, "%.*f", d, x);
    if (s[0] == '-' && strspn(s + 1, "0.") == strlen(s + 1))
        memmove(s, s + 1, strlen(s));
}

int lang_decimals_vs(double v, double boundary, int decimals)
{
    int d = decimals < 0 ? 0 : decimals > 6 ? 6 : decimals;
    if (!isfinite(v) || !isfinite(boundary) || fabs(v - boundary) <= 1e-9 * fmax(1, fabs(boundary)))
        return d;
    for (; d < 6; d++) {
        char a[64], b[64];
        plain(a, sizeof a, v, d);
        plain(b, sizeof b, boundary, d);
        if (strcmp(a, b) != 0)
            break;
    }
    return d;
}

void lang_value_vs(const struct kp_lang *l, struct kp_buf *out, enum kp_format f, int decimals,
                   double v, double boundary, const char *currency)
{
    double scale = f == KP_FMT_PERCENT ? 100 : 1;
    int d = lang_decimals_vs(v * scale, boundary * scale, default_decimals(f, decimals));
    value_dec(l, out, f, d, v, currency);
}

void lang_attainment(const struct kp_lang *l, struct kp_buf *out, double ratio)
{
    lang_value_vs(l, out, KP_FMT_PERCENT, 0, ratio, 1.0, NULL);
}

void lang_attainment_vs(const struct kp_lang *l, struct kp_buf *out, double ratio, double also)
{
    int d = lang_decimals_vs(ratio * 100, 100, 0), e = lang_decimals_vs(ratio * 100, also * 100, 0);
    lang_value(l, out, KP_FMT_PERCENT, d > e ? d : e, ratio, NULL);
}

/* ------------------------------------------------------------------ */
/* Dates                                                               */

struct fill_date {
    char y[8], m[4], mm[4], d[4], dd[4];
    const char *month;
};

static const char *get_date(void *arg, const char *name)
{
    const struct fill_date *f = arg;
    if (strcmp(name, "y") == 0)
        return f->y;
    if (strcmp(name, "m") == 0)
        return f->m;
    if (strcmp(name, "mm") == 0)
        return f->mm;
    if (strcmp(name, "d") == 0)
        return f->d;
    if (strcmp(name, "dd") == 0)
        return f->dd;
    if (strcmp(name, "month") == 0)
        return f->month;
    return NULL;
}

static void fill_date(const struct kp_lang *l, struct kp_buf *out, const char *pattern, int y,
                      int m, int d, char **names)
{
    struct fill_date f;
    snprintf(f.y, sizeof f.y, "%d", y);
    snprintf(f.m, sizeof f.m, "%d", m);
    snprintf(f.mm, sizeof f.mm, "%02d", m);
    snprintf(f.d, sizeof f.d, "%d", d);
    snprintf(f.dd, sizeof f.dd, "%02d", d);
    f.month = names[m - 1];
    (void)l;
    lang_fill(out, pattern, get_date, &f);
}

void lang_date(const struct kp_lang *l, struct kp_buf *out, long days)
{
    int y, m, d;
    date_split(days, &y, &m, &d);
    fill_date(l, out, l->date_long, y, m, d, l->months);
}

void lang_month(const struct kp_lang *l, struct kp_buf *out, int month)
{
    fill_date(l, out, l->month_fmt, month / 12, month % 12 + 1, 1, l->months);
}

void lang_month_short(const struct kp_lang *l, struct kp_buf *out, int month)
{
    buf_adds(out, l->short_months[month % 12]);
}
