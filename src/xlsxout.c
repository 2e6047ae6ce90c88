/* xlsxout — see xlsxout.h. */
#include "xlsxout.h"

#include "diag.h"
#include "model.h"
#include "record.h"
#include "sys.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

enum { S_SCORES, S_KPIS, S_TEAMS, S_COACHING, S_REJECTS, S_COUNT };

static const char *const sheet_names[S_COUNT] = {"Scores", "KPIs", "Teams", "Coaching", "Rejects"};

/* The widest a column gets (characters), and what a number column takes. */
enum { W_MAX = 60, W_NUM = 12 };
/* The most characters an Excel cell holds. */
enum { CELL_MAX = 32767 };

/* One table; past the rows a sheet holds it goes on in "Coaching 2", … */
struct sheet {
    lxw_worksheet *ws; /* the part being written; NULL before the first row */
    int part;          /* 1, 2, … */
    lxw_row_t row;     /* the next row to write (0 = the header) */
    double *width;     /* per column, of this part */
    char **header;
    lxw_col_t ncols;
};

struct kp_xlsx {
    struct kp_out *out;
    char *path; /* OUTDIR/results.xlsx, for messages */
    lxw_workbook *wb;
    const struct kp_config *cfg;
    const struct kp_meta *meta;
    struct sheet s[S_COUNT];
    lxw_format *head, *pct, *score, *money, *integer;
    lxw_format **kfmt;    /* [nkpis]: the KPI's value format */
    lxw_format **bandfmt; /* [cfg->nbands] */
    lxw_row_t max_rows;   /* rows a sheet holds, header included (Excel: 1,048,576) */
    lxw_error err;        /* the first error libxlsxwriter returned */
};

int xlsx_wanted(const struct kp_config *cfg)
{
    const char *v = config_get(cfg, "output", "xlsx");
    return !(v && str_ieq(v, "no"));
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

void xlsx_numfmt(char *out, size_t n, enum kp_format f, int decimals, const char *currency)
{
    int dflt = f == KP_FMT_PERCENT ? 1 : f == KP_FMT_SCORE ? 2 : 0;
    int d = decimals < 0 ? dflt : decimals > 10 ? 10 : decimals;
    char frac[16] = "";
    if (d > 0) {
        frac[0] = '.';
        memset(frac + 1, '0', (size_t)d);
        frac[d + 1] = '\0';
    }
    /* A currency symbol is quoted literal text: drop what would end the quote. */
    char sym[32] = "";
    size_t k = 0;
    for (const char *p = currency ? currency : ""; *p && k + 1 < sizeof sym; p++)
        if (*p != '"' && *p != '\\')
            sym[k++] = *p;
    sym[k] = '\0';
    switch (f) {
    case KP_FMT_PERCENT: snprintf(out, n, "0%s%%", frac); break;
    case KP_FMT_CURRENCY:
        snprintf(out, n, "\"%s\"#,##0%s;-\"%s\"#,##0%s", sym, frac, sym, frac);
        break;
    case KP_FMT_DAYS: snprintf(out, n, "#,##0%s\" d\"", frac); break;
    case KP_FMT_SCORE: snprintf(out, n, "0%s", frac); break;
    case KP_FMT_NUMBER: snprintf(out, n, "#,##0%s", frac); break;
    }
}

static int needs_clean(const char *s, size_t len)
{
    if (!utf8_valid(s, len))
        return 1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
            return 1;
    return 0;
}

char *xlsx_text(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *t;
    if (needs_clean(s, len)) {
        int bad = 0;
        t = utf8_clean(s, len, 1, &bad);
    } else {
        t = xstrdup(s);
    }
    /* Excel holds at most 32,767 characters in a cell (libxlsxwriter
     * counts code points); bytes are a safe bound. */
    len = strlen(t);
    if (len > CELL_MAX)
        t[utf8_prefix(t, len, CELL_MAX)] = '\0';
    return t;
}

size_t xlsx_width(const char *s)
{
    size_t w = 0;
    if (!s)
        return 0;
    const char *p = s, *end = s + strlen(s);
    while (p < end) {
        int32_t c = utf8_next(&p, end);
        /* East Asian wide: Hangul Jamo, CJK, Hangul, compatibility, full-width forms. */
        int wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
                   (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
                   (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
                   (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd);
        w += wide ? 2 : 1;
    }
    return w;
}

/* "#rrggbb" → 0xrrggbb. */
static lxw_color_t rgb_of(const char *hex)
{
    return (lxw_color_t)strtoul(hex + (hex[0] == '#'), NULL, 16);
}

/* ------------------------------------------------------------------ */
/* Cells                                                               */

static void check(struct kp_xlsx *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->err == LXW_NO_ERROR)
        x->err = e;
}

static void fit(struct sheet *sh, lxw_col_t col, double w)
{
    if (col >= sh->ncols)
        return;
    if (w > W_MAX)
        w = W_MAX;
    if (w > sh->width[col])
        sh->width[col] = w;
}

static void text(struct kp_xlsx *x, struct sheet *sh, lxw_col_t col, const char *s)
{
    char *t = xlsx_text(s);
    if (t && *t) {
        check(x, worksheet_write_string(sh->ws, sh->row, col, t, NULL));
        fit(sh, col, (double)xlsx_width(t) + 1);
    }
    free(t);
}

/* n/a (NaN) is an empty cell, never 0. */
static void num(struct kp_xlsx *x, struct sheet *sh, lxw_col_t col, double v, lxw_format *f)
{
    if (isnan(v) || isinf(v))
        return;
    check(x, worksheet_write_number(sh->ws, sh->row, col, v == 0 ? 0 : v, f));
    fit(sh, col, W_NUM);
}

/* An integer column; zero_empty: 0 means none (rank 0, line 0). */
static void integer(struct kp_xlsx *x, struct sheet *sh, lxw_col_t col, long v, int zero_empty)
{
    if (zero_empty && v == 0)
        return;
    num(x, sh, col, (double)v, x->integer);
}

static void define_sheet(struct kp_xlsx *x, int which, const char *const *header, size_t n)
{
    struct sheet *sh = &x->s[which];
    sh->ncols = (lxw_col_t)n;
    sh->width = xcalloc(n ? n : 1, sizeof *sh->width);
    sh->header = xcalloc(n ? n : 1, sizeof *sh->header);
    for (size_t c = 0; c < n; c++)
        sh->header[c] = xstrdup(header[c]);
}

/* The part written so far: frozen, filtered header row and fitted widths. */
static void close_part(struct kp_xlsx *x, struct sheet *sh)
{
    if (!sh->ws)
        return;
    lxw_row_t last = sh->row > 1 ? sh->row - 1 : 1;
    worksheet_freeze_panes(sh->ws, 1, 0);
    check(x, worksheet_autofilter(sh->ws, 0, 0, last, (lxw_col_t)(sh->ncols - 1)));
    for (lxw_col_t c = 0; c < sh->ncols; c++)
        check(x, worksheet_set_column(sh->ws, c, c, sh->width[c], NULL));
    sh->ws = NULL;
}

/* A new part of the table: "Coaching", then "Coaching 2" … */
static int open_part(struct kp_xlsx *x, int which)
{
    struct sheet *sh = &x->s[which];
    close_part(x, sh);
    char *name =
        sh->part++ ? xasprintf("%s %d", sheet_names[which], sh->part) : xstrdup(sheet_names[which]);
    sh->ws = workbook_add_worksheet(x->wb, name);
    free(name);
    if (!sh->ws) {
        check(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return -1;
    }
    memset(sh->width, 0, sh->ncols * sizeof *sh->width);
    for (lxw_col_t c = 0; c < sh->ncols; c++) {
        check(x, worksheet_write_string(sh->ws, 0, c, sh->header[c], x->head));
        fit(sh, c, (double)xlsx_width(sh->header[c]) + 3); /* room for the filter button */
    }
    sh->row = 1;
    return 0;
}

/* Start a row of table which: 0, or -1 when no sheet can take it. */
static int row_begin(struct kp_xlsx *x, int which)
{
    struct sheet *sh = &x->s[which];
    if (!sh->ws || sh->row >= x->max_rows)
        return open_part(x, which);
    return 0;
}

static lxw_format *numfmt(struct kp_xlsx *x, enum kp_format f, int decimals)
{
    char s[96];
    xlsx_numfmt(s, sizeof s, f, decimals, x->meta->currency);
    lxw_format *fm = workbook_add_format(x->wb);
    format_set_num_format(fm, s);
    return fm;
}

static const struct kp_kpi_def *kpi_def(const struct kp_xlsx *x, size_t i)
{
    int k = config_find_kpi(x->cfg, x->meta->kpis[i]);
    return k < 0 ? NULL : &x->cfg->kpis[k];
}

/* ------------------------------------------------------------------ */
/* The workbook                                                        */

struct kp_xlsx *xlsx_open(const char *outdir, const struct kp_config *cfg,
                          const struct kp_meta *meta)
{
    char *path = path_join(outdir, "results.xlsx");
    struct kp_out *out = out_open(path);
    if (!out) {
        free(path);
        return NULL;
    }
    struct kp_xlsx *x = xcalloc(1, sizeof *x);
    x->out = out;
    x->path = path;
    x->cfg = cfg;
    x->meta = meta;
    /* Rows go to temporary files beside the tables, not into memory. */
    lxw_workbook_options opt = {
        .constant_memory = LXW_TRUE, .tmpdir = (char *)outdir, .use_zip64 = LXW_FALSE};
    x->wb = workbook_new_opt(out_tmppath(out), &opt);
    if (!x->wb) {
        diag(KP_SYSERR, out_tmppath(out), 0, 0, "cannot create the workbook");
        xlsx_abort(x);
        return NULL;
    }
    /* Deterministic: the document date, never the wall clock (0 would mean "now"). */
    long long created = (long long)meta->doc_date * 86400;
    lxw_doc_properties props = {.title = (char *)(meta->label ? meta->label : ""),
                                .company = (char *)(meta->org_name ? meta->org_name : ""),
                                .created = (time_t)(created > 0 ? created : 1)};
    check(x, workbook_set_properties(x->wb, &props));

    x->head = workbook_add_format(x->wb);
    format_set_bold(x->head);
    format_set_bottom(x->head, LXW_BORDER_THIN);
    format_set_bg_color(x->head, 0xEEEEEE);
    x->pct = numfmt(x, KP_FMT_PERCENT, 1);
    x->score = numfmt(x, KP_FMT_SCORE, 1);
    x->money = numfmt(x, KP_FMT_CURRENCY, 2);
    x->integer = numfmt(x, KP_FMT_NUMBER, 0);
    x->kfmt = xcalloc(meta->nkpis ? meta->nkpis : 1, sizeof *x->kfmt);
    for (size_t i = 0; i < meta->nkpis; i++) {
        const struct kp_kpi_def *k = kpi_def(x, i);
        x->kfmt[i] = k ? numfmt(x, k->format, k->decimals) : NULL;
    }
    /* The band cell in the band's colour ([band.ID] color), its text
     * white or black, whichever reads better. */
    x->bandfmt = xcalloc(cfg->nbands ? cfg->nbands : 1, sizeof *x->bandfmt);
    for (size_t b = 0; b < cfg->nbands; b++) {
        lxw_color_t c = rgb_of(cfg->bands[b].color);
        double lum = 0.299 * ((c >> 16) & 0xff) + 0.587 * ((c >> 8) & 0xff) + 0.114 * (c & 0xff);
        lxw_format *f = workbook_add_format(x->wb);
        format_set_pattern(f, LXW_PATTERN_SOLID);
        format_set_bg_color(f, c == 0 ? 0x000001 : c); /* 0 is libxlsxwriter's "none" */
        format_set_font_color(f, lum < 150 ? LXW_COLOR_WHITE : 0x000001);
        format_set_bold(f);
        format_set_align(f, LXW_ALIGN_CENTER);
        x->bandfmt[b] = f;
    }

    static const char *const scores[] = {"rep_id",    "name",     "team",       "role",
                                         "composite", "band",     "rank_team",  "team_size",
                                         "rank_org",  "org_size", "percentile", "payout"};
    static const char *const teams[] = {"team", "kpi", "value", "target", "ratio", "status"};
    static const char *const coaching[] = {"rep_id", "step", "kpi", "text"};
    static const char *const rejects[] = {"file", "line", "reason", "raw"};
    size_t nk = 4 + 2 * meta->nkpis;
    char **kh = xcalloc(nk, sizeof *kh);
    kh[0] = xstrdup("rep_id"), kh[1] = xstrdup("name"), kh[2] = xstrdup("team");
    kh[3] = xstrdup("role");
    for (size_t i = 0; i < meta->nkpis; i++) {
        kh[4 + 2 * i] = xstrdup(meta->kpis[i]);
        kh[5 + 2 * i] = xasprintf("%s ratio", meta->kpis[i]);
    }
    define_sheet(x, S_SCORES, scores, KP_NELEM(scores));
    define_sheet(x, S_KPIS, (const char *const *)kh, nk);
    define_sheet(x, S_TEAMS, teams, KP_NELEM(teams));
    define_sheet(x, S_COACHING, coaching, KP_NELEM(coaching));
    define_sheet(x, S_REJECTS, rejects, KP_NELEM(rejects));
    strv_free(kh, nk);
    x->max_rows = LXW_ROW_MAX;
    /* The sheets in this order; Rejects (written last) and the parts of
     * a table too long for one sheet are added when their rows come. */
    for (int i = S_SCORES; i <= S_COACHING; i++)
        open_part(x, i);
    return x;
}

static lxw_format *band_format(const struct kp_xlsx *x, const char *band)
{
    for (size_t b = 0; band && b < x->cfg->nbands; b++)
        if (str_eq(x->cfg->bands[b].id, band))
            return x->bandfmt[b];
    return NULL;
}

static void person_cells(struct kp_xlsx *x, struct sheet *sh, const struct kp_record *r)
{
    text(x, sh, 0, r->id);
    text(x, sh, 1, r->name);
    text(x, sh, 2, r->team);
    text(x, sh, 3, r->role);
}

void xlsx_person(struct kp_xlsx *x, const struct kp_record *r)
{
    if (!x)
        return;
    struct sheet *sh = &x->s[S_SCORES];
    if (row_begin(x, S_SCORES) == 0) {
        person_cells(x, sh, r);
        num(x, sh, 4, r->composite, x->score);
        if (r->band && *r->band) {
            char *t = xlsx_text(r->band);
            check(x, worksheet_write_string(sh->ws, sh->row, 5, t, band_format(x, r->band)));
            fit(sh, 5, (double)xlsx_width(t) + 1);
            free(t);
        }
        integer(x, sh, 6, r->rank_team, 1);
        integer(x, sh, 7, r->team_size, 0);
        integer(x, sh, 8, r->rank_org, 1);
        integer(x, sh, 9, r->org_size, 0);
        num(x, sh, 10, r->percentile, x->score);
        num(x, sh, 11, r->payout, x->money);
        sh->row++;
    }
    sh = &x->s[S_KPIS];
    if (row_begin(x, S_KPIS) == 0) {
        person_cells(x, sh, r);
        for (size_t i = 0; i < x->meta->nkpis; i++) {
            num(x, sh, (lxw_col_t)(4 + 2 * i), r->kpis[i].value, x->kfmt[i]);
            num(x, sh, (lxw_col_t)(5 + 2 * i), r->kpis[i].ratio, x->pct);
        }
        sh->row++;
    }
    sh = &x->s[S_COACHING];
    for (size_t i = 0; i < r->ncoach; i++) {
        if (row_begin(x, S_COACHING) != 0)
            continue;
        text(x, sh, 0, r->id);
        text(x, sh, 1, r->coach[i].step);
        text(x, sh, 2, r->coach[i].kpi);
        text(x, sh, 3, r->coach[i].text);
        sh->row++;
    }
}

void xlsx_group(struct kp_xlsx *x, const struct kp_record *r)
{
    if (!x)
        return;
    struct sheet *sh = &x->s[S_TEAMS];
    const char *team = r->kind == KP_REC_ORG ? "*" : r->id;
    for (size_t i = 0; i < x->meta->nkpis; i++) {
        if (row_begin(x, S_TEAMS) != 0)
            continue;
        const struct kp_kpival *v = &r->kpis[i];
        text(x, sh, 0, team);
        text(x, sh, 1, x->meta->kpis[i]);
        num(x, sh, 2, v->value, x->kfmt[i]);
        num(x, sh, 3, v->target, x->kfmt[i]);
        num(x, sh, 4, v->ratio, x->pct);
        text(x, sh, 5, kp_status_names[v->status]);
        sh->row++;
    }
    if (row_begin(x, S_TEAMS) == 0) { /* the team composite, as teams.csv has it */
        text(x, sh, 0, team);
        text(x, sh, 1, "composite");
        num(x, sh, 2, r->composite, x->score);
        text(x, sh, 5, isnan(r->composite) ? "na" : "ok");
        sh->row++;
    }
}

void xlsx_rejects(struct kp_xlsx *x, const struct kp_data *d)
{
    if (!x)
        return;
    struct sheet *sh = &x->s[S_REJECTS];
    for (size_t i = 0; i < d->nrejects; i++) {
        if (row_begin(x, S_REJECTS) != 0)
            continue;
        const struct kp_reject *r = &d->rejects[i];
        text(x, sh, 0, r->file);
        integer(x, sh, 1, r->line, 1);
        text(x, sh, 2, r->reason);
        text(x, sh, 3, r->raw);
        sh->row++;
    }
}

void xlsx_set_max_rows(struct kp_xlsx *x, unsigned rows)
{
    x->max_rows = rows < 2 ? 2 : rows > LXW_ROW_MAX ? LXW_ROW_MAX : (lxw_row_t)rows;
}

int xlsx_finish(struct kp_xlsx *x)
{
    if (!x->s[S_REJECTS].part)
        open_part(x, S_REJECTS);
    for (int i = 0; i < S_COUNT; i++)
        close_part(x, &x->s[i]);
    lxw_error e = workbook_close(x->wb);
    x->wb = NULL;
    check(x, e);
    if (x->err != LXW_NO_ERROR) {
        diag(KP_SYSERR, x->path, 0, 0, "cannot write: %s", lxw_strerror(x->err));
        xlsx_abort(x);
        return -1;
    }
    return 0;
}

static void xlsx_free(struct kp_xlsx *x)
{
    for (int i = 0; i < S_COUNT; i++) {
        free(x->s[i].width);
        strv_free(x->s[i].header, x->s[i].ncols);
    }
    free(x->kfmt);
    free(x->bandfmt);
    free(x->path);
    free(x);
}

int xlsx_commit(struct kp_xlsx *x)
{
    if (!x)
        return 0;
    int rc = out_commit(x->out);
    xlsx_free(x);
    return rc;
}

void xlsx_abort(struct kp_xlsx *x)
{
    if (!x)
        return;
    if (x->wb) {
        /* libxlsxwriter has no discard: close writes the temporary file,
         * which out_abort then removes. */
        workbook_close(x->wb);
    }
    out_abort(x->out);
    xlsx_free(x);
}
