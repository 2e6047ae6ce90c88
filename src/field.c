/* field — see field.h. */
#include "field.h"

#include "diag.h"
#include "model.h"
#include "util.h"

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

void field_reject(struct kp_data *d, struct kp_rowlog *log, const char *file, size_t input,
                  long line, const char *raw, int counts, const char *kind, const char *msg)
{
    data_reject(d, file, line, raw, counts, "%s", msg);
    d->inputs[input].rejected++;
    count_kind(d, input, kind, counts, line);
    if (!counts) {
        log->outside++;
    } else if (log->shown < SHOW_REJECTS) {
        diag(KP_ERROR, file, line, 0, "%s", msg);
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
