/* tables — see tables.h. */
#include "tables.h"

#include "config.h"
#include "diag.h"
#include "model.h"
#include "record.h"
#include "sys.h"
#include "util.h"
#include "xlsxout.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { T_RESULTS, T_SCORES, T_TEAMS, T_COACHING, T_REJECTS, T_JSON, T_COUNT };

static const char *const names[T_COUNT] = {
    "results.csv", "scores.csv", "teams.csv", "coaching.csv", "rejects.csv", "results.json",
};
static const char *const headers[T_COUNT] = {
    "rep_id,name,team,role,kpi,value,target,ratio,points,weight,status",
    "rep_id,name,team,role,composite,band,rank_team,team_size,rank_org,org_size,percentile,payout",
    "team,kpi,value,target,ratio,status",
    "rep_id,step,kpi,text",
    "file,line,reason,raw",
    NULL,
};

struct kp_tables {
    struct kp_out *out[T_COUNT];
    struct kp_xlsx *xlsx; /* results.xlsx, NULL when [output] xlsx = no */
    char *stale_xlsx;     /* [output] xlsx = no: an earlier run's results.xlsx to remove */
    const struct kp_meta *meta;
    struct kp_buf row;
    struct kp_buf pending; /* results.json: the previous record, written once the next arrives */
    int json_groups;       /* the "groups" array has been opened */
    int failed;            /* the first table that could not be written, + 1 */
    int err;               /* and why (errno) */
    char *outdir;
};

/* The first write that failed: its table and errno, for one message. */
static void write_failed(struct kp_tables *t, int which)
{
    if (!t->failed)
        t->failed = which + 1, t->err = errno ? errno : EIO;
}

void csv_cell(struct kp_buf *b, const char *s, int is_text)
{
    double d;
    int guard = is_text && s && s[0] && strchr("=+-@\t\r", s[0]) && parse_double(s, &d) != 0;
    int quote = guard || (s && (strpbrk(s, ",\"\r\n") || (s[0] == ' ') ||
                                (*s && s[strlen(s) - 1] == ' ')));
    if (!s)
        return;
    if (quote)
        buf_addc(b, '"');
    if (guard)
        buf_addc(b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            buf_addc(b, '"');
        buf_addc(b, *p);
    }
    if (quote)
        buf_addc(b, '"');
}

void csv_num(struct kp_buf *b, double v)
{
    char s[40];
    fmt_plain(s, sizeof s, v);
    buf_adds(b, s);
}

static void csv_int(struct kp_buf *b, long v, int zero_empty)
{
    if (!(zero_empty && v == 0))
        buf_printf(b, "%ld", v);
}

static void emit(struct kp_tables *t, int which)
{
    buf_adds(&t->row, "\r\n");
    FILE *f = out_file(t->out[which]);
    if (fwrite(t->row.s, 1, t->row.len, f) != t->row.len)
        write_failed(t, which);
    buf_reset(&t->row);
}

static void put(struct kp_tables *t, int which, const char *s)
{
    FILE *f = out_file(t->out[which]);
    if (fputs(s, f) == EOF)
        write_failed(t, which);
}

struct kp_tables *tables_open(const char *outdir, const struct kp_config *cfg,
                              const struct kp_meta *meta)
{
    struct kp_tables *t = xcalloc(1, sizeof *t);
    t->meta = meta;
    t->outdir = xstrdup(outdir);
    if (xlsx_wanted(cfg)) {
        if (!(t->xlsx = xlsx_open(outdir, cfg, meta))) {
            tables_abort(t);
            return NULL;
        }
    } else {
        t->stale_xlsx = path_join(outdir, "results.xlsx");
    }
    for (int i = 0; i < T_COUNT; i++) {
        char *p = path_join(outdir, names[i]);
        t->out[i] = out_open(p);
        free(p);
        if (!t->out[i]) {
            tables_abort(t);
            return NULL;
        }
        if (headers[i]) {
            buf_adds(&t->row, headers[i]);
            emit(t, i);
        }
    }
    struct kp_buf m = {0};
    meta_write_json(meta, &m);
    put(t, T_JSON, "{\n\"meta\": ");
    put(t, T_JSON, m.s);
    put(t, T_JSON, ",\n\"people\": [\n");
    buf_free(&m);
    return t;
}

static void json_record(struct kp_tables *t, const struct kp_record *r)
{
    if (t->pending.len) {
        put(t, T_JSON, t->pending.s);
        put(t, T_JSON, ",\n");
    }
    buf_reset(&t->pending);
    record_write_json(r, t->meta, &t->pending);
}

static void json_flush(struct kp_tables *t)
{
    if (t->pending.len) {
        put(t, T_JSON, t->pending.s);
        put(t, T_JSON, "\n");
    }
    buf_reset(&t->pending);
}

static void person_cells(struct kp_buf *b, const struct kp_record *r)
{
    csv_cell(b, r->id, 1), buf_addc(b, ',');
    csv_cell(b, r->name, 1), buf_addc(b, ',');
    csv_cell(b, r->team, 1), buf_addc(b, ',');
    csv_cell(b, r->role, 1), buf_addc(b, ',');
}

void tables_person(struct kp_tables *t, const struct kp_record *r)
{
    const struct kp_meta *m = t->meta;
    for (size_t i = 0; i < m->nkpis; i++) {
        const struct kp_kpival *v = &r->kpis[i];
        person_cells(&t->row, r);
        csv_cell(&t->row, m->kpis[i], 1), buf_addc(&t->row, ',');
        csv_num(&t->row, v->value), buf_addc(&t->row, ',');
        csv_num(&t->row, v->target), buf_addc(&t->row, ',');
        csv_num(&t->row, v->ratio), buf_addc(&t->row, ',');
        csv_num(&t->row, v->points), buf_addc(&t->row, ',');
        csv_num(&t->row, v->weight), buf_addc(&t->row, ',');
        buf_adds(&t->row, kp_status_names[v->status]);
        emit(t, T_RESULTS);
    }
    person_cells(&t->row, r);
    csv_num(&t->row, r->composite), buf_addc(&t->row, ',');
    csv_cell(&t->row, r->band, 1), buf_addc(&t->row, ',');
    csv_int(&t->row, r->rank_team, 1), buf_addc(&t->row, ',');
    csv_int(&t->row, r->team_size, 0), buf_addc(&t->row, ',');
    csv_int(&t->row, r->rank_org, 1), buf_addc(&t->row, ',');
    csv_int(&t->row, r->org_size, 0), buf_addc(&t->row, ',');
    csv_num(&t->row, r->percentile), buf_addc(&t->row, ',');
    csv_num(&t->row, r->payout);
    emit(t, T_SCORES);
    for (size_t i = 0; i < r->ncoach; i++) {
        csv_cell(&t->row, r->id, 1), buf_addc(&t->row, ',');
        csv_cell(&t->row, r->coach[i].step, 1), buf_addc(&t->row, ',');
        csv_cell(&t->row, r->coach[i].kpi, 1), buf_addc(&t->row, ',');
        csv_cell(&t->row, r->coach[i].text, 1);
        emit(t, T_COACHING);
    }
    xlsx_person(t->xlsx, r);
    json_record(t, r);
}

void tables_group(struct kp_tables *t, const struct kp_record *r)
{
    const struct kp_meta *m = t->meta;
    if (!t->json_groups) {
        json_flush(t);
        put(t, T_JSON, "],\n\"groups\": [\n");
        t->json_groups = 1;
    }
    const char *team = r->kind == KP_REC_ORG ? "*" : r->id;
    for (size_t i = 0; i < m->nkpis; i++) {
        const struct kp_kpival *v = &r->kpis[i];
        csv_cell(&t->row, team, 1), buf_addc(&t->row, ',');
        csv_cell(&t->row, m->kpis[i], 1), buf_addc(&t->row, ',');
        csv_num(&t->row, v->value), buf_addc(&t->row, ',');
        csv_num(&t->row, v->target), buf_addc(&t->row, ',');
        csv_num(&t->row, v->ratio), buf_addc(&t->row, ',');
        buf_adds(&t->row, kp_status_names[v->status]);
        emit(t, T_TEAMS);
    }
    /* The team composite: the mean of its members' composites. */
    csv_cell(&t->row, team, 1);
    buf_adds(&t->row, ",composite,");
    csv_num(&t->row, r->composite);
    buf_printf(&t->row, ",,,%s", isnan(r->composite) ? "na" : "ok");
    emit(t, T_TEAMS);
    xlsx_group(t->xlsx, r);
    json_record(t, r);
}

void tables_rejects(struct kp_tables *t, const struct kp_data *d)
{
    for (size_t i = 0; i < d->nrejects; i++) {
        const struct kp_reject *r = &d->rejects[i];
        csv_cell(&t->row, r->file, 1), buf_addc(&t->row, ',');
        csv_int(&t->row, r->line, 1), buf_addc(&t->row, ',');
        csv_cell(&t->row, r->reason, 1), buf_addc(&t->row, ',');
        csv_cell(&t->row, r->raw, 1);
        emit(t, T_REJECTS);
    }
    if (d->rejects_left_out > 0) { /* the file stops at [output] rejects_max rows */
        char *why = xasprintf("%ld more rows not listed ([output] rejects_max = %ld)",
                              d->rejects_left_out, d->rejects_max);
        buf_adds(&t->row, ",,");
        csv_cell(&t->row, why, 1);
        buf_addc(&t->row, ',');
        emit(t, T_REJECTS);
        free(why);
    }
    xlsx_rejects(t->xlsx, d);
}

int tables_commit(struct kp_tables *t)
{
    if (!t->json_groups) {
        json_flush(t);
        put(t, T_JSON, "],\n\"groups\": [\n");
    }
    json_flush(t);
    put(t, T_JSON, "]\n}\n");
    int rc = 0;
    if (t->failed) {
        char *p = path_join(t->outdir, names[t->failed - 1]);
        diag(KP_SYSERR, p, 0, 0, "cannot write: %s (no table was replaced)", strerror(t->err));
        free(p);
        tables_abort(t);
        return -1;
    }
    if (t->xlsx && xlsx_finish(t->xlsx) != 0) { /* reported; freed */
        t->xlsx = NULL;
        tables_abort(t);
        return -1;
    }
    for (int i = 0; i < T_COUNT; i++) {
        if (rc == 0 && out_commit(t->out[i]) != 0)
            rc = -1;
        else if (rc != 0)
            out_abort(t->out[i]);
        t->out[i] = NULL;
    }
    if (rc == 0 && xlsx_commit(t->xlsx) != 0)
        rc = -1;
    else if (rc != 0)
        xlsx_abort(t->xlsx);
    if (rc == 0 && t->stale_xlsx && sys_remove(t->stale_xlsx) != 0) {
        diag(KP_SYSERR, t->stale_xlsx, 0, 0, "cannot remove ([output] xlsx = no): %s",
             strerror(errno));
        rc = -1;
    }
    free(t->stale_xlsx);
    buf_free(&t->row);
    buf_free(&t->pending);
    free(t->outdir);
    free(t);
    return rc;
}

void tables_abort(struct kp_tables *t)
{
    if (!t)
        return;
    for (int i = 0; i < T_COUNT; i++)
        out_abort(t->out[i]);
    xlsx_abort(t->xlsx);
    free(t->stale_xlsx);
    buf_free(&t->row);
    buf_free(&t->pending);
    free(t->outdir);
    free(t);
}
