/* field — see field.h. */
#include "field.h"

#include "diag.h"
#include "model.h"
#include "util.h"

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

void field_reject(struct kp_data *d, struct kp_rowlog *log, const char *file, size_t input,
                  long line, const char *raw, int counts, const char *msg)
{
    data_reject(d, file, line, raw, counts, "%s", msg);
    d->inputs[input].rejected++;
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
        diag(KP_ERROR, file, 0, 0, "%ld more %s rejected (all are listed in rejects.csv)",
             log->hidden, log->hidden == 1 ? "row" : "rows");
}
