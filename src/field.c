/* field — see field.h. */
#include "field.h"

#include "csvread.h"
#include "diag.h"
#include "model.h"
#include "util.h"
#include "xlsxread.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_VALUE   60 /* bytes of a bad cell quoted in a reason */
#define SHOW_REJECTS 10 /* rejected rows printed per file; the rest are counted */

char *field_clean(const char *s)
{
    char *t = xstrdup(s);
    for (char *p = t; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    char *c = utf8_clean(t, strlen(t), 0, NULL);
    free(t);
    return c;
}

char *field_opt(const char *s)
{
    return *s ? field_clean(s) : NULL;
}

char *field_shown(const char *s)
{
    size_t n = strlen(s);
    int cut = n > SHOW_VALUE;
    if (cut) {
        n = SHOW_VALUE;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* don't cut a UTF-8 sequence */
    }
    char *c = utf8_clean(s, n, 0, NULL);
    if (!cut)
        return c;
    char *r = xasprintf("%s\xE2\x80\xA6", c);
    free(c);
    return r;
}

void field_date(long days, char out[16])
{
    int y, m, d;
    date_split(days, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

const char *field_nearest(const char *name, char *const *cands, size_t n)
{
    size_t la = utf8_count(name);
    if (la == 0 || la > KP_NEAR_MAX)
        return NULL;
    size_t limit = la >= 6 ? 3 : 2, bd = limit + 1;
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = text_distance(name, strlen(name), cands[i], strlen(cands[i]));
        if (d < bd && d < la)
            bd = d, best = cands[i];
    }
    return best;
}

static int is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int field_locale(const char *s, char **out)
{
    *out = NULL;
    if (!*s)
        return 0;
    char l[3] = {0};
    for (int i = 0; i < 2; i++) {
        if (!is_alpha(s[i]))
            return -1;
        l[i] = (char)(s[i] | 0x20); /* lower case */
    }
    if (s[2] && s[2] != '-' && s[2] != '_')
        return -1;
    for (const char *p = s + 2 + (s[2] != 0); *p; p++)
        if (!(is_alpha(*p) || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return -1;
    if (s[2] && !s[3])
        return -1;
    *out = xstrdup(l);
    return 0;
}

/* A reason's kind: its format with the details left out ("bad number \"%s\"
 * in column %s (first at …)" -> "bad number … in column …"). */
static char *kind_text(const char *fmt)
{
    struct kp_buf b = {0};
    for (const char *p = fmt; *p && *p != '(' && *p != ':'; p++) {
        if (*p == '"')
            continue;
        if (*p != '%') {
            buf_addc(&b, *p);
            continue;
        }
        while (p[1] && strchr("-+ #0123456789.lhzj", p[1]))
            p++; /* flags, width, length */
        if (p[1])
            p++;
        buf_adds(&b, "\xE2\x80\xA6");
    }
    while (b.len && b.s[b.len - 1] == ' ')
        b.s[--b.len] = '\0';
    if (!b.len || !strcmp(b.s, "\xE2\x80\xA6")) {
        buf_free(&b);
        return xstrdup("unreadable row");
    }
    return buf_steal(&b);
}

static void count_kind(struct kp_data *d, size_t input, const char *fmt, int counts, long line)
{
    for (size_t i = 0; i < d->nkinds; i++) {
        struct kp_reject_kind *k = &d->kinds[i];
        if (k->input == input && k->fmt == fmt && k->counts == counts) {
            k->n++;
            return;
        }
    }
    d->kinds = xrealloc(d->kinds, (d->nkinds + 1) * sizeof *d->kinds);
    d->kinds[d->nkinds++] = (struct kp_reject_kind){input, fmt, kind_text(fmt), counts, 1, line};
}

/* file:Sheet1!C17 for a row of a worksheet (see field_reject); NULL for CSV. */
static char *sheet_cell(const char *file, const struct kp_csvrec *rec, const char *msg)
{
    if (!rec->sheet)
        return NULL;
    long col = rec->col;
    for (size_t i = 0; !col && i < rec->nfield; i++) {
        if (!*rec->field[i])
            continue;
        char *v = field_shown(rec->field[i]), *q = xasprintf("\"%s\"", v);
        if (strstr(msg, q))
            col = (long)i + 1;
        free(q), free(v);
    }
    char cell[24];
    if (col > 0)
        xlsx_cell_name(col, rec->line, cell, sizeof cell);
    else
        snprintf(cell, sizeof cell, "%ld:%ld", rec->line, rec->line);
    /* A sheet name with spaces or punctuation is quoted as Excel writes it:
     * 'Q2 data'!C17, a quote doubled. */
    int plain = 1;
    for (const unsigned char *p = (const unsigned char *)rec->sheet; *p; p++)
        plain &= *p >= 0x80 || *p == '_' || (*p >= '0' && *p <= '9') ||
                 ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z');
    if (plain && *rec->sheet)
        return xasprintf("%s:%s!%s", file, rec->sheet, cell);
    struct kp_buf b = {0};
    buf_printf(&b, "%s:'", file);
    for (const char *p = rec->sheet; *p; p++) {
        if (*p == '\'')
            buf_addc(&b, '\'');
        buf_addc(&b, *p);
    }
    buf_printf(&b, "'!%s", cell);
    return buf_steal(&b);
}

void field_reject(struct kp_data *d, struct kp_rowlog *log, const char *file, size_t input,
                  const struct kp_csvrec *rec, int counts, const char *kind, const char *msg)
{
    long line = rec->line;
    data_reject(d, file, line, rec->raw, counts, "%s", msg);
    d->inputs[input].rejected++;
    count_kind(d, input, kind, counts, line);
    if (!counts) {
        log->outside++;
    } else if (log->shown < SHOW_REJECTS) {
        char *cell = sheet_cell(file, rec, msg);
        diag(KP_ERROR, cell ? cell : file, cell ? 0 : line, 0, "%s", msg);
        free(cell);
        log->shown++;
    } else {
        diag_raise(KP_ERROR);
        log->hidden++;
    }
}

void field_summary(const struct kp_rowlog *log, const char *file)
{
    if (log->hidden)
        diag(KP_ERROR, file, 0, 0, "%ld more %s rejected (counted in the summary at the end)",
             log->hidden, log->hidden == 1 ? "row" : "rows");
}

/* ------------------------------------------------------------------ */
/* Dates as people write them ([input] and [crm] date_format)          */

static const struct {
    const char *name;
    unsigned bit;
} date_names[] = {
    {"ISO", KP_DATE_ISO},     {"YYYY-MM-DD", KP_DATE_ISO},   {"YYYY/M/D", KP_DATE_ISO},
    {"YMD", KP_DATE_ISO},     {"M/D/YYYY", KP_DATE_MDY},     {"MM/DD/YYYY", KP_DATE_MDY},
    {"MDY", KP_DATE_MDY},     {"D/M/YYYY", KP_DATE_DMY},     {"DD/MM/YYYY", KP_DATE_DMY},
    {"DMY", KP_DATE_DMY},     {"YYYY年M月D日", KP_DATE_CJK}, {"CJK", KP_DATE_CJK},
    {"excel", KP_DATE_EXCEL},
};

int field_date_formats(const char *spec, unsigned *mask, char **err)
{
    char **v;
    size_t n = str_split(spec, ',', &v);
    *mask = 0;
    *err = NULL;
    for (size_t i = 0; i < n && !*err; i++) {
        size_t j = 0;
        while (j < KP_NELEM(date_names) && !str_ieq(date_names[j].name, v[i]))
            j++;
        if (j == KP_NELEM(date_names))
            *err = xasprintf("\"%s\" is not a date format: write ISO, M/D/YYYY, D/M/YYYY, "
                             "YYYY年M月D日 or excel (several: separated by commas)",
                             v[i]);
        else
            *mask |= date_names[j].bit;
    }
    strv_free(v, n);
    if (!*err && n == 0)
        *err = xstrdup("no date format given");
    if (!*err && (*mask & KP_DATE_MDY) && (*mask & KP_DATE_DMY))
        *err = xstrdup("M/D/YYYY and D/M/YYYY cannot both be accepted: 03/04/2017 would be a "
                       "guess");
    return *err ? -1 : 0;
}

char *field_date_want(unsigned mask)
{
    static const char *const names[] = {"YYYY-MM-DD", "M/D/YYYY", "D/M/YYYY", "YYYY年M月D日",
                                        "an Excel serial number"};
    struct kp_buf b = {0};
    int n = 0, total = 0;
    for (int i = 0; i < 5; i++)
        total += (mask >> i) & 1;
    for (int i = 0; i < 5; i++)
        if (mask & (1u << i)) {
            n++;
            buf_printf(&b, "%s%s", n == 1 ? "" : n == total ? " or " : ", ", names[i]);
        }
    return buf_steal(&b);
}

/* 1 to maxd digits at *p: the number, *p advanced; -1 if none. (long:
 * an Excel time fraction has up to 12 digits.) */
static long digits(const char **p, int mind, int maxd)
{
    long v = 0;
    int n = 0;
    while (n < maxd && **p >= '0' && **p <= '9')
        v = v * 10 + (*(*p)++ - '0'), n++;
    if (n < mind || (**p >= '0' && **p <= '9'))
        return -1;
    return v;
}

static int lit(const char **p, const char *s)
{
    size_t n = strlen(s);
    if (strncmp(*p, s, n) != 0)
        return 0;
    *p += n;
    return 1;
}

static void skip_spaces(const char **p)
{
    while (**p == ' ')
        (*p)++;
}

/* Z, +08, +0800 or +08:00 after a time, then the end. */
static int zone_rest(const char *p)
{
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        p++;
        const char *q = p;
        if (digits(&p, 2, 4) < 0 || p - q == 3)
            return 0;
        if (p - q == 2 && *p == ':' && (p++, digits(&p, 2, 2) < 0))
            return 0;
    }
    skip_spaces(&p);
    return *p == '\0';
}

/* What may follow a date: a time of day and a zone, which are ignored. */
static int time_rest(const char *p)
{
    skip_spaces(&p);
    if (!*p)
        return 1;
    if (*p == 'T' || *p == 't')
        p++;
    skip_spaces(&p);
    if (digits(&p, 1, 2) < 0 || *p++ != ':' || digits(&p, 2, 2) < 0)
        return 0;
    if (*p == ':' && (p++, digits(&p, 2, 2) < 0))
        return 0;
    if (*p == '.' && (p++, digits(&p, 1, 9) < 0))
        return 0;
    skip_spaces(&p);
    if (str_has_prefix(p, "AM") || str_has_prefix(p, "PM") || str_has_prefix(p, "am") ||
        str_has_prefix(p, "pm"))
        p += 2;
    skip_spaces(&p);
    return zone_rest(p);
}

static int make_day(int y, int m, int d, long *days)
{
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > month_days(y * 12 + m - 1))
        return -1;
    *days = date_from_ymd(y, m, d);
    return 0;
}

/* Three numbers separated by one of - / . (the same twice). */
static int three(const char **p, int first_len, int *a, int *b, int *c)
{
    char sep;
    if ((*a = digits(p, first_len == 4 ? 4 : 1, first_len)) < 0)
        return -1;
    sep = **p;
    if (sep != '-' && sep != '/' && sep != '.')
        return -1;
    (*p)++;
    if ((*b = digits(p, 1, 2)) < 0 || *(*p)++ != sep)
        return -1;
    *c = digits(p, first_len == 4 ? 1 : 4, first_len == 4 ? 2 : 4);
    return *c < 0 ? -1 : 0;
}

static int date_ymd(const char *p, long *days)
{
    int y, m, d;
    return three(&p, 4, &y, &m, &d) == 0 && time_rest(p) ? make_day(y, m, d, days) : -1;
}

static int date_md(const char *p, int month_first, long *days)
{
    int a, b, y;
    if (three(&p, 2, &a, &b, &y) != 0 || !time_rest(p))
        return -1;
    return month_first ? make_day(y, a, b, days) : make_day(y, b, a, days);
}

/* A number, then a literal, spaces allowed around both. */
static int num_then(const char **p, int mind, int maxd, const char *unit)
{
    skip_spaces(p);
    int v = digits(p, mind, maxd);
    skip_spaces(p);
    return v >= 0 && lit(p, unit) ? v : -1;
}

static int date_cjk(const char *p, long *days)
{
    int y = num_then(&p, 4, 4, "\xE5\xB9\xB4");              /* 年 */
    int m = y < 0 ? -1 : num_then(&p, 1, 2, "\xE6\x9C\x88"); /* 月 */
    int d = m < 0 ? -1 : num_then(&p, 1, 2, "\xE6\x97\xA5"); /* 日 */
    return d >= 0 && time_rest(p) ? make_day(y, m, d, days) : -1;
}

/* Excel's 1900 date system: 1 = 1900-01-01; 60 is the 29 February 1900
 * that Excel invented (Lotus 1-2-3's bug), so 61 = 1900-03-01. A fraction
 * is the time of day. */
static int date_excel(const char *p, long *days)
{
    long v = digits(&p, 1, 7);
    if (v < 1 || (*p == '.' && (p++, digits(&p, 1, 12) < 0)) || *p || v == 60 || v > 2958465)
        return -1;
    long epoch = v < 60 ? date_from_ymd(1899, 12, 31) : date_from_ymd(1899, 12, 30);
    *days = epoch + v;
    return 0;
}

unsigned field_cell_formats(unsigned mask, const struct kp_csvrec *rec)
{
    return mask | (rec && rec->sheet ? (unsigned)KP_DATE_ISO : 0u);
}

int field_date_parse(const char *s, unsigned mask, long *days)
{
    char *t = xstrdup(s), *p = str_trim(t);
    int rc = *p ? -1 : 1;
    if ((mask & KP_DATE_ISO) && rc < 0)
        rc = date_ymd(p, days);
    if ((mask & KP_DATE_MDY) && rc < 0)
        rc = date_md(p, 1, days);
    if ((mask & KP_DATE_DMY) && rc < 0)
        rc = date_md(p, 0, days);
    if ((mask & KP_DATE_CJK) && rc < 0)
        rc = date_cjk(p, days);
    if ((mask & KP_DATE_EXCEL) && rc < 0)
        rc = date_excel(p, days);
    free(t);
    return rc;
}

/* The month forms of mask without the day: "2026/05", "5/2026", "2026年5月". */
static int month_only(const char *p, unsigned mask, int *month)
{
    const char *q = p;
    int y = -1, m = -1;
    if (mask & KP_DATE_ISO) {
        q = p;
        y = (int)digits(&q, 4, 4);
        char sep = *q;
        /* two digits: "2026-1" may be "2026-12" cut short */
        if (y >= 0 && (sep == '-' || sep == '/' || sep == '.') &&
            (q++, (m = (int)digits(&q, 2, 2)) >= 0) && !*q)
            goto found;
    }
    if (mask & (KP_DATE_MDY | KP_DATE_DMY)) {
        q = p;
        m = (int)digits(&q, 1, 2);
        char sep = *q;
        if (m >= 0 && (sep == '-' || sep == '/' || sep == '.') &&
            (q++, (y = (int)digits(&q, 4, 4)) >= 0) && !*q)
            goto found;
    }
    if (mask & KP_DATE_CJK) {
        q = p;
        y = num_then(&q, 4, 4, "\xE5\xB9\xB4");              /* 年 */
        m = y < 0 ? -1 : num_then(&q, 1, 2, "\xE6\x9C\x88"); /* 月 */
        skip_spaces(&q);
        if (m >= 0 && !*q)
            goto found;
    }
    return -1;
found:
    if (y < 1900 || y > 9999 || m < 1 || m > 12)
        return -1;
    *month = y * 12 + m - 1;
    return 0;
}

int field_month(const char *s, unsigned mask, int *month)
{
    char *t = xstrdup(s), *p = str_trim(t);
    long days;
    int rc = *p ? -1 : 1;
    if (rc < 0 && month_parse(p, month) == 0)
        rc = 0;
    if (rc < 0 && month_only(p, mask, month) == 0)
        rc = 0;
    if (rc < 0 && field_date_parse(p, mask, &days) == 0) {
        *month = month_of_date(days);
        rc = 0;
    }
    free(t);
    return rc;
}

char *field_month_want(unsigned mask)
{
    char *days = field_date_want(mask);
    char *r = xasprintf("YYYY-MM%s%s or a day of the month (%s)",
                        mask & (KP_DATE_MDY | KP_DATE_DMY) ? ", M/YYYY" : "",
                        mask & KP_DATE_CJK ? ", YYYY年M月" : "", days);
    free(days);
    return r;
}
