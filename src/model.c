/* model — see model.h. */
#include "model.h"

#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const kp_canon_cols[KP_NCANON] = {
    "revenue", "quota",        "collected", "new_customers", "visits", "opportunities", "won",
    "lost",    "renewals_due", "renewals_won", "csat",        "nps",    "forecast",      "cycle_days",
};

const char *const kp_roster_cols[KP_NROSTER] = {
    "rep_id", "name", "email", "team", "role", "manager_id", "hire_date", "locale", "end_date",
};

kp_month month_of_date(long days)
{
    int y, m, d;
    date_split(days, &y, &m, &d);
    return y * 12 + m - 1;
}

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

int month_parse(const char *s, kp_month *out)
{
    if (!s || strlen(s) != 7 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2))
        return -1;
    int y = num(s, 4), m = num(s + 5, 2);
    if (y < 1900 || m < 1 || m > 12)
        return -1;
    *out = y * 12 + (m - 1);
    return 0;
}

void month_format(kp_month m, char out[8])
{
    int y = m / 12, mo = m % 12 + 1;
    if (y < 0 || y > 9999)
        y = 0;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + mo / 10);
    out[6] = (char)('0' + mo % 10);
    out[7] = '\0';
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int month_days(kp_month m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = m / 12, mo = m % 12;
    return mo == 1 && leap(y) ? 29 : d[mo];
}

/* Days from civil (Howard Hinnant's algorithm), proleptic Gregorian. */
long date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void date_split(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

int date_parse(const char *s, long *days)
{
    if (!s || strlen(s) != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
        s[7] != '-' || !digits(s + 8, 2))
        return -1;
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > month_days(y * 12 + m - 1))
        return -1;
    *days = date_from_ymd(y, m, d);
    return 0;
}

void data_reject(struct kp_data *d, const char *file, long line, const char *raw, int counts,
                 const char *fmt, ...)
{
    if (d->rejects_max > 0 && d->nrejects >= (size_t)d->rejects_max) {
        d->rejects_left_out++; /* memory stays bounded by the cap, not the input */
        d->rejects_left_out_counting += counts != 0;
        return;
    }
    xgrow(&d->rejects, &d->rejects_cap, d->nrejects + 1, sizeof *d->rejects);
    struct kp_reject *r = &d->rejects[d->nrejects++];
    va_list ap;
    va_start(ap, fmt);
    r->reason = xvasprintf(fmt, ap);
    va_end(ap);
    r->file = xstrdup(file ? file : "");
    r->line = line;
    r->raw = raw ? utf8_clean(raw, strlen(raw), 1, NULL) : xstrdup("");
    r->counts = counts;
}

long data_count_rejects(const struct kp_data *d)
{
    long n = d->rejects_left_out_counting;
    for (size_t i = 0; i < d->nrejects; i++)
        n += d->rejects[i].counts;
    return n;
}

size_t data_add_input(struct kp_data *d, const char *name)
{
    d->inputs = xrealloc(d->inputs, (d->ninputs + 1) * sizeof *d->inputs);
    memset(&d->inputs[d->ninputs], 0, sizeof *d->inputs);
    d->inputs[d->ninputs].name = xstrdup(name);
    return d->ninputs++;
}

static const struct kp_data *sort_data; /* qsort has no context argument */

static int by_id_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return strcmp(sort_data->people[x].rep_id, sort_data->people[y].rep_id);
}

void data_index(struct kp_data *d)
{
    free(d->by_id);
    d->by_id = xmalloc(d->npeople * sizeof *d->by_id);
    for (size_t i = 0; i < d->npeople; i++)
        d->by_id[i] = i;
    sort_data = d;
    qsort(d->by_id, d->npeople, sizeof *d->by_id, by_id_cmp);
    sort_data = NULL;
}

int data_find_person(const struct kp_data *d, const char *rep_id)
{
    size_t lo = 0, hi = d->by_id ? d->npeople : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(d->people[d->by_id[mid]].rep_id, rep_id);
        if (c == 0)
            return (int)d->by_id[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int data_find_col(const struct kp_data *d, const char *name)
{
    for (size_t i = 0; i < d->ncols; i++)
        if (strcmp(d->cols[i], name) == 0)
            return (int)i;
    return -1;
}

static void person_free(struct kp_person *p, size_t nextra)
{
    free(p->rep_id), free(p->name), free(p->email), free(p->team), free(p->role);
    free(p->manager_id), free(p->hire_date), free(p->locale);
    free(p->end_date);
    if (p->extra)
        strv_free(p->extra, nextra);
}

void data_free(struct kp_data *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->npeople; i++)
        person_free(&d->people[i], d->nextra);
    free(d->people);
    free(d->by_id);
    strv_free(d->teams, d->nteams);
    strv_free(d->cols, d->ncols);
    free(d->val);
    free(d->line);
    free(d->ptarget);
    for (size_t i = 0; i < d->nadjustments; i++)
        free(d->adjustments[i].reason), free(d->adjustments[i].approved_by);
    free(d->adjustments);
    free(d->mteam);
    for (size_t i = 0; i < d->nrejects; i++) {
        free(d->rejects[i].file);
        free(d->rejects[i].reason);
        free(d->rejects[i].raw);
    }
    free(d->rejects);
    for (size_t i = 0; i < d->nkinds; i++)
        free(d->kinds[i].what);
    free(d->kinds);
    free(d->nodata);
    for (size_t i = 0; i < d->ninputs; i++)
        free(d->inputs[i].name);
    free(d->inputs);
    memset(d, 0, sizeof *d);
}
