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

#define NEAR_MAX 64 /* code points compared; longer names get no suggestion */

/* name as lower-cased code points; -1 when too long or not UTF-8. */
static long code_points(const char *s, int32_t *out)
{
    const char *e = s + strlen(s);
    long n = 0;
    while (s < e) {
        int32_t c = utf8_next(&s, e);
        if (c < 0 || n == NEAR_MAX)
            return -1;
        out[n++] = c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
    }
    return n;
}

static long cp_distance(const int32_t *a, long la, const int32_t *b, long lb)
{
    long row[NEAR_MAX + 1];
    for (long j = 0; j <= lb; j++)
        row[j] = j;
    for (long i = 1; i <= la; i++) {
        long prev = row[0];
        row[0] = i;
        for (long j = 1; j <= lb; j++) {
            long cur = row[j], best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

const char *field_nearest(const char *name, char *const *cands, size_t n)
{
    int32_t a[NEAR_MAX], b[NEAR_MAX];
    long la = code_points(name, a);
    if (la <= 0)
        return NULL;
    long limit = la >= 6 ? 3 : 2, bd = limit + 1;
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        long lb = code_points(cands[i], b);
        if (lb <= 0)
            continue;
        long d = cp_distance(a, la, b, lb);
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
