/* typeset — see typeset.h.
 *
 * Layout model: a flow (struct flow) walks down the page from the top margin;
 * each block measures itself first and asks for room (flow_need), so a block
 * is never split from its heading and nothing runs into the footer. Footers
 * ("page x of y") are drawn at the end, when the review's page count is
 * known. Sizes are in points; the type scale is 20 / 13 / 10 / 9 / 7.5. */
#include "typeset.h"

#include "figure.h"
#include "config.h"
#include "lang.h"
#include "text.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARGIN_X 46.0
#define MARGIN_TOP 36.0
#define MARGIN_BOTTOM 54.0
#define GAP 14.0

enum { C_TEXT = 0x1b2430, C_MUTED = 0x5f6b7a, C_RULE = 0xd3dae2, C_PANEL = 0xf3f5f8,
       C_GOOD = 0x1a7f37, C_BAD = 0xc0392b, C_WARN = 0xb7791f, C_WHITE = 0xffffff };

struct flow {
    struct kp_typeset *ts;
    struct kp_pdf *doc;
    const struct kp_record *r;
    const struct kp_lang *lang;
    double w, h;      /* page size */
    double y;         /* top of the free space */
    double left, right;
    int first_page;   /* this review's first page */
    int packet;       /* the packet's own pages (cover, summary) */
};

/* ------------------------------------------------------------------ */
/* Small drawing helpers                                               */

static struct kp_textstyle style(double size, int bold, unsigned rgb)
{
    struct kp_textstyle s = {size, bold, KP_RGB(rgb), 0};
    return s;
}

static double text_at(struct flow *f, double x, double y, double size, int bold, unsigned rgb,
                      enum kp_anchor a, const char *s)
{
    struct kp_textstyle st = style(size, bold, rgb);
    return pdf_text(f->doc, &st, x, y, a, s);
}

/* One line that must fit in `width`: shrunk down to 80%, then cut with "…". */
static void text_fitted(struct flow *f, double x, double y, double size, int bold, unsigned rgb,
                        enum kp_anchor a, double width, const char *s)
{
    double got;
    char *t = text_fit(s, KP_TEXT_NUL, size, size * 0.8, bold, width, &got);
    pdf_note_missing(f->doc, s); /* t has U+FFFD for them */
    text_at(f, x, y, got, bold, rgb, a, t);
    free(t);
}

static void fill_rect(struct flow *f, double x, double y, double w, double h, double radius,
                      kp_color c)
{
    struct kp_paint p = {0};
    p.fill = c;
    pdf_rect(f->doc, x, y, w, h, radius, &p);
}

static void rule(struct flow *f, double x1, double y, double x2, unsigned rgb, double width)
{
    struct kp_paint p = {0};
    p.stroke = KP_RGB(rgb);
    p.width = width;
    pdf_line(f->doc, x1, y, x2, y, &p);
}

static const char *L(const struct flow *f, const char *sec, const char *key)
{
    return lang_text(f->lang, sec, key);
}

/* The review's title and confidentiality line: [theme] title.<lang> and
 * confidential.<lang> in the config override the templates' texts. */
static const char *themed(const struct flow *f, const char *theme_key, const char *sec,
                          const char *key)
{
    char *k = xasprintf("%s.%s", theme_key, lang_code(f->lang));
    const char *v = config_get(f->ts->cfg, "theme", k);
    free(k);
    return v && *v ? v : L(f, sec, key);
}

/* Fill a label template with up to three name/value pairs. */
struct pairs {
    const char *k[4], *v[4];
};

static const char *pair_get(void *arg, const char *name)
{
    const struct pairs *p = arg;
    for (int i = 0; i < 4 && p->k[i]; i++)
        if (strcmp(p->k[i], name) == 0)
            return p->v[i];
    return NULL;
}

static char *fill(const char *tmpl, const char *k1, const char *v1, const char *k2,
                  const char *v2, const char *k3, const char *v3)
{
    struct pairs p = {{k1, k2, k3, NULL}, {v1, v2, v3, NULL}};
    struct kp_buf b = {0};
    lang_fill(&b, tmpl, pair_get, &p);
    return buf_steal(&b);
}

static kp_color hex_color(const char *s, unsigned def)
{
    kp_color c;
    return s && pdf_color_parse(s, &c) == 0 ? c : KP_RGB(def);
}

/* ------------------------------------------------------------------ */
/* Values                                                              */

static const struct kp_kpi_def *kdef(const struct flow *f, size_t i)
{
    return &f->ts->cfg->kpis[i];
}

static const char *kpi_label(const struct flow *f, size_t i)
{
    const struct kp_kpi_def *k = kdef(f, i);
    return text_get(k->label, k->nlabel, lang_code(f->lang), k->id);
}

static void kpi_value(const struct flow *f, size_t i, double v, struct kp_buf *out)
{
    const struct kp_kpi_def *k = kdef(f, i);
    lang_value(f->lang, out, k->format, k->decimals, v, f->ts->meta->currency);
}

/* v against the KPI's target, under the display rule (lang_value_vs). */
static void kpi_value_vs(const struct flow *f, size_t i, double v, double target,
                         struct kp_buf *out)
{
    const struct kp_kpi_def *k = kdef(f, i);
    lang_value_vs(f->lang, out, k->format, k->decimals, v, target, f->ts->meta->currency);
}

/* Attainment as the documents show it: value/target (target/value when
 * lower is better), not capped; NaN when there is none. */
static double attainment_of(const struct flow *f, size_t i, const struct kp_kpival *v)
{
    int lower = kdef(f, i)->lower_better;
    if (isnan(v->value) || isnan(v->target) || v->target == 0 || (lower && v->value == 0))
        return NAN;
    return lower ? v->target / v->value : v->value / v->target;
}

static const struct kp_band *band_of(const struct kp_config *c, const char *id)
{
    for (size_t i = 0; i < c->nbands; i++)
        if (str_eq(c->bands[i].id, id))
            return &c->bands[i];
    return NULL;
}

/* A composite score (one decimal), never printed as the min of a band it
 * has not reached (the display rule, lang_value_vs): 84.96 is "84.96" beside
 * band b, not "85.0" beside a band that starts at 85. */
static void composite_text(const struct flow *f, double v, struct kp_buf *out)
{
    const struct kp_config *c = f->ts->cfg;
    double next = NAN;
    for (size_t i = 0; i < c->nbands; i++)
        if (c->bands[i].min > v && (isnan(next) || c->bands[i].min < next))
            next = c->bands[i].min;
    lang_value_vs(f->lang, out, KP_FMT_NUMBER, 1, v, next, NULL);
}

static const char *role_label(const struct flow *f, const char *role)
{
    int i = config_find_role(f->ts->cfg, role);
    if (i < 0)
        return role;
    const struct kp_role *r = &f->ts->cfg->roles[i];
    return text_get(r->label, r->nlabel, lang_code(f->lang), r->id);
}

const struct kp_lang *typeset_lang(const struct kp_typeset *ts, const char *code)
{
    for (size_t i = 0; i < ts->nlangs; i++)
        if (str_eq(lang_code(ts->langs[i]), code))
            return ts->langs[i];
    return ts->langs[0];
}

/* ------------------------------------------------------------------ */
/* Pages                                                               */

static void page_header_small(struct flow *f)
{
    const struct kp_record *r = f->r;
    double y = f->h - MARGIN_TOP;
    const char *tmpl = !f->packet                   ? themed(f, "title", "doc", "title_full")
                       : f->r->kind == KP_REC_ORG ? L(f, "org", "title")
                                                  : L(f, "packet", "title");
    char *title = fill(tmpl, "label", f->ts->meta->label, NULL, NULL, NULL, NULL);
    text_fitted(f, f->left, y - 9, 9, 1, C_TEXT, KP_START, (f->right - f->left) / 2, r->name);
    text_fitted(f, f->right, y - 9, 9, 0, C_MUTED, KP_END, (f->right - f->left) / 2, title);
    rule(f, f->left, y - 15, f->right, C_RULE, 0.6);
    free(title);
    f->y = y - 15 - GAP;
}

static void new_page(struct flow *f)
{
    pdf_add_page(f->doc);
    page_header_small(f);
}

/* new_page() for figures_team (f->y is what it passed as y). */
static void flow_new_page(void *arg)
{
    new_page(arg);
}

/* Make room for a block of height h (a new page when it does not fit). */
static void flow_need(struct flow *f, double h)
{
    if (f->y - h < MARGIN_BOTTOM)
        new_page(f);
}

static void heading(struct flow *f, const char *s, double after)
{
    flow_need(f, 13 + 6 + after);
    text_at(f, f->left, f->y - 11, 11.5, 1, C_TEXT, KP_START, s);
    f->y -= 13 + 6;
}

/* ------------------------------------------------------------------ */
/* The blocks of a review                                              */

static void header_band(struct flow *f)
{
    const struct kp_typeset *ts = f->ts;
    double bh = 76;
    fill_rect(f, 0, f->h - bh, f->w, bh, 0, ts->theme.accent);
    const char *org = ts->meta->org_name;
    double right = f->right;
    if (ts->theme.logo) {
        int id = pdf_png(f->doc, ts->theme.logo, ts->theme.logo_len);
        if (id >= 0) {
            pdf_image(f->doc, id, f->right - 110, f->h - bh + 14, 110, bh - 28);
            right -= 120;
        }
    }
    if (*org)
        text_fitted(f, f->left, f->h - 26, 9.5, 1, C_WHITE, KP_START, right - f->left, org);
    char *title =
        fill(themed(f, "title", "doc", "title_full"), "label", ts->meta->label, NULL, NULL, NULL, NULL);
    text_fitted(f, f->left, f->h - 54, 20, 1, C_WHITE, KP_START, right - f->left, title);
    free(title);
    f->y = f->h - bh - 18;
}

static void tenure(const struct flow *f, struct kp_buf *out)
{
    long hired;
    if (str_empty(f->r->hire_date) || date_parse(f->r->hire_date, &hired) != 0 ||
        hired > f->ts->meta->as_of) {
        buf_adds(out, L(f, "identity", "none"));
        return;
    }
    int y0, m0, d0, y1, m1, d1;
    long until = f->ts->meta->as_of, ended; /* a leaver's tenure ends with their end_date */
    if (!str_empty(f->r->end_date) && date_parse(f->r->end_date, &ended) == 0 && ended < until)
        until = ended;
    date_split(hired, &y0, &m0, &d0);
    date_split(until, &y1, &m1, &d1);
    int months = (y1 - y0) * 12 + (m1 - m0) - (d1 < d0);
    char a[16], b[16];
    snprintf(a, sizeof a, "%d", months / 12);
    snprintf(b, sizeof b, "%d", months % 12);
    const char *key = months < 12        ? "tenure_months"
                      : months % 12 == 0 ? "tenure_whole"
                                         : "tenure_years";
    char *s = fill(L(f, "identity", key), "n", b, "y", a, "m", b);
    buf_adds(out, s);
    free(s);
}

static void identity(struct flow *f)
{
    const struct kp_record *r = f->r;
    const struct kp_meta *m = f->ts->meta;
    double width = f->right - f->left;
    text_fitted(f, f->left, f->y - 16, 16, 1, C_TEXT, KP_START, width, r->name);
    struct kp_buf sub = {0};
    buf_printf(&sub, "%s  ·  %s", role_label(f, r->role), r->team);
    text_fitted(f, f->left, f->y - 31, 9.5, 0, C_MUTED, KP_START, width, sub.s);
    buf_free(&sub);
    f->y -= 44;

    struct kp_buf period = {0}, asof = {0}, ten = {0};
    lang_month(f->lang, &period, m->from);
    if (m->to != m->from) {
        buf_adds(&period, " – ");
        lang_month(f->lang, &period, m->to);
    }
    lang_date(f->lang, &asof, m->as_of);
    tenure(f, &ten);
    const char *labels[4] = {L(f, "identity", "manager"), L(f, "identity", "tenure"),
                             L(f, "identity", "period"), L(f, "identity", "as_of")};
    const char *values[4] = {str_empty(r->manager_name) ? L(f, "identity", "none") : r->manager_name,
                             ten.s, period.s, asof.s};
    double col = width / 4;
    for (int i = 0; i < 4; i++) {
        double x = f->left + col * i;
        text_fitted(f, x, f->y - 8, 7.5, 0, C_MUTED, KP_START, col - 8, labels[i]);
        text_fitted(f, x, f->y - 21, 9.5, 1, C_TEXT, KP_START, col - 8, values[i]);
    }
    buf_free(&period), buf_free(&asof), buf_free(&ten);
    f->y -= 30;
}

/* A share as a percentage, up to one decimal ("25%", "16.7%"). */
static void share_pct(const struct flow *f, struct kp_buf *out, double v)
{
    double r = round(v * 1000) / 1000;
    lang_percent(f->lang, out, r, fabs(r * 100 - round(r * 100)) > 1e-9 ? 1 : 0);
}

/* The team month i counted for ("" in teams: no row, the roster's). */
static const char *team_at(const struct kp_record *r, int i)
{
    return *r->teams[i] ? r->teams[i] : r->team;
}

/* The teams a person's months counted for: "East, until 2026-04; then West". */
static void team_runs(const struct flow *f, struct kp_buf *out)
{
    const struct kp_meta *m = f->ts->meta;
    int a = m->from - m->m0, b = m->to - m->m0;
    for (int i = a; i <= b; i++) {
        const char *t = team_at(f->r, i);
        int j = i;
        while (j < b && strcmp(team_at(f->r, j + 1), t) == 0)
            j++;
        if (i > a)
            buf_adds(out, L(f, "identity", "team_sep"));
        if (j < b) {
            char mon[8];
            month_format(meta_month(m, j), mon);
            char *s = fill(L(f, "identity", "team_until"), "team", t, "month", mon, NULL, NULL);
            buf_adds(out, s);
            free(s);
        } else {
            buf_adds(out, t);
        }
        i = j;
    }
}

/* Targets that follow employment (record.h): when the person joined or
 * left, the share of the full targets, each ramp month, the teams their
 * months counted for, and the KPIs left without a target (and why). */
static void employment_note(struct flow *f)
{
    const struct kp_record *r = f->r;
    const struct kp_meta *m = f->ts->meta;
    double width = f->right - f->left;
    int a = m->from - m->m0, b = m->to - m->m0;
    struct kp_buf line = {0};
    if (r->employed) {
        long hired = -1, ended = -1;
        if (!str_empty(r->hire_date) && date_parse(r->hire_date, &hired) == 0 &&
            month_of_date(hired) >= m->from) {
            struct kp_buf d = {0};
            lang_date(f->lang, &d, hired);
            char *s = fill(L(f, "identity", "joined"), "date", d.s, NULL, NULL, NULL, NULL);
            buf_adds(&line, s);
            free(s), buf_free(&d);
        }
        if (!str_empty(r->end_date) && date_parse(r->end_date, &ended) == 0) {
            struct kp_buf d = {0};
            lang_date(f->lang, &d, ended);
            char *s = fill(L(f, "identity", "left"), "date", d.s, NULL, NULL, NULL, NULL);
            buf_printf(&line, "%s%s", line.len ? "  ·  " : "", s);
            free(s), buf_free(&d);
        }
        double sum = 0;
        for (int i = a; i <= b; i++)
            sum += r->employed[i] * r->ramp[i];
        struct kp_buf pct = {0};
        share_pct(f, &pct, sum / (b - a + 1));
        char *s = fill(L(f, "identity", "target_share"), "pct", pct.s, NULL, NULL, NULL, NULL);
        buf_printf(&line, "%s%s", line.len ? "  ·  " : "", s);
        free(s), buf_free(&pct);
        text_fitted(f, f->left, f->y - 8, 8, 0, C_MUTED, KP_START, width, line.s);
        f->y -= 12;
        line.len = 0;
        for (int i = a; i <= b && hired >= 0; i++) {
            if (r->ramp[i] >= 1 || r->employed[i] <= 0)
                continue;
            char n[16];
            snprintf(n, sizeof n, "%ld", (long)meta_month(m, i) - month_of_date(hired) + 1);
            char mon[8];
            struct kp_buf p = {0};
            month_format(meta_month(m, i), mon);
            share_pct(f, &p, r->ramp[i]);
            char *t = fill(L(f, "identity", "ramp"), "n", n, "pct", p.s, "month", mon);
            buf_printf(&line, "%s%s", line.len ? "; " : "", t);
            free(t), buf_free(&p);
        }
        if (line.len) {
            text_fitted(f, f->left, f->y - 8, 8, 0, C_MUTED, KP_START, width, line.s);
            f->y -= 12;
            line.len = 0;
        }
        for (size_t i = 0; i < m->nkpis; i++)
            if (isnan(r->kpis[i].target) && !isnan(r->kpis[i].target_full))
                buf_printf(&line, "%s%s", line.len ? ", " : "", kpi_label(f, i));
        if (line.len) {
            char *t = fill(L(f, "identity", "no_target_ramp"), "kpis", line.s, NULL, NULL, NULL,
                           NULL);
            text_fitted(f, f->left, f->y - 8, 8, 0, C_MUTED, KP_START, width, t);
            f->y -= 12;
            free(t);
            line.len = 0;
        }
    }
    if (r->teams) {
        team_runs(f, &line);
        char *t = fill(L(f, "identity", "teams"), "teams", line.s, NULL, NULL, NULL, NULL);
        text_fitted(f, f->left, f->y - 8, 8, 0, C_MUTED, KP_START, width, t);
        f->y -= 12;
        free(t);
    }
    buf_free(&line);
    if (r->employed || r->teams)
        f->y -= 4;
}

/* A filled triangle pointing up (dir 1) or down (-1), or a dash (0). */
static void trend_mark(struct flow *f, double cx, double cy, int dir, unsigned rgb)
{
    struct kp_paint p = {0};
    p.fill = KP_RGB(rgb);
    if (dir == 0) {
        pdf_rect(f->doc, cx - 3, cy - 0.6, 6, 1.2, 0, &p);
        return;
    }
    double s = 3.2;
    pdf_move_to(f->doc, cx - s, cy - dir * s * 0.8);
    pdf_line_to(f->doc, cx + s, cy - dir * s * 0.8);
    pdf_line_to(f->doc, cx, cy + dir * s * 0.9);
    pdf_close_path(f->doc);
    pdf_paint(f->doc, &p);
}

/* Direction of change and whether it is good for this KPI (0 = unknown). */
static int trend_of(const struct flow *f, size_t i, int *good)
{
    const struct kp_kpival *v = &f->r->kpis[i];
    *good = 0;
    if (isnan(v->value) || isnan(v->prev))
        return 2;
    double d = v->value - v->prev, scale = fabs(v->prev) > 1e-9 ? fabs(v->prev) : 1;
    if (fabs(d) / scale < 0.005)
        return 0;
    int dir = d > 0 ? 1 : -1;
    *good = (dir > 0) != kdef(f, i)->lower_better ? 1 : -1;
    return dir;
}

static void alert_text(const struct flow *f, const struct kp_alert *a, struct kp_buf *out)
{
    struct kp_buf v = {0}, mon = {0};
    const char *kpi = a->kpi >= 0 ? kpi_label(f, (size_t)a->kpi) : "";
    const char *kind = a->kind ? a->kind : ""; /* null in an edited results.json */
    if (strcmp(kind, "drop") == 0) /* never printed as its threshold */
        lang_value_vs(f->lang, &v, KP_FMT_PERCENT, 0, fabs(a->value), a->threshold, NULL);
    else if (strcmp(kind, "idle") != 0) /* pace, below: a share of the target */
        lang_attainment_vs(f->lang, &v, a->value, a->threshold);
    if (a->month)
        lang_month(f->lang, &mon, a->month);
    char *s = fill(L(f, "alert", kind), "kpi", kpi, "value", v.s ? v.s : "", "month",
                   mon.s ? mon.s : "");
    buf_adds(out, s);
    free(s);
    buf_free(&v), buf_free(&mon);
}

static void summary(struct flow *f)
{
    const struct kp_record *r = f->r;
    const struct kp_config *c = f->ts->cfg;
    double width = f->right - f->left, h = 86;
    size_t nalerts = r->nalerts < 4 ? r->nalerts : 4;
    flow_need(f, h + GAP);
    double top = f->y, bottom = top - h;
    fill_rect(f, f->left, bottom, width, h, 6, KP_RGB(C_PANEL));

    /* The badge: composite and band, in the band's colour. */
    const struct kp_band *band = band_of(c, r->band);
    kp_color bc = band ? hex_color(band->color, C_MUTED) : KP_RGB(C_MUTED);
    double bx = f->left + 12, bw = 118;
    fill_rect(f, bx, bottom + 12, bw, h - 24, 6, bc);
    struct kp_buf s = {0};
    composite_text(f, r->composite, &s);
    text_at(f, bx + bw / 2, bottom + 40, 24, 1, C_WHITE, KP_MIDDLE, s.s);
    buf_reset(&s);
    const char *bl = band ? text_get(band->label, band->nlabel, lang_code(f->lang), band->id)
                          : L(f, "status", "na");
    text_fitted(f, bx + bw / 2, bottom + 22, 8.5, 1, C_WHITE, KP_MIDDLE, bw - 12, bl);
    text_at(f, bx + bw / 2, top - 22, 7, 0, C_WHITE, KP_MIDDLE, L(f, "summary", "composite"));

    /* Rank, percentile, change. */
    double x = bx + bw + 18, colw = 120;
    char rank[16], size[16];
    snprintf(rank, sizeof rank, "%d", r->rank_team);
    snprintf(size, sizeof size, "%d", r->team_size);
    char *rv = r->rank_team > 0 ? fill(L(f, "summary", "rank_value"), "rank", rank, "size", size,
                                       NULL, NULL)
                                : xstrdup(L(f, "status", "na_short"));
    const char *labels[3] = {L(f, "summary", "rank_team"), L(f, "summary", "percentile"),
                             L(f, "summary", "change")};
    for (int i = 0; i < 3; i++) {
        double y = top - 16 - i * 23;
        text_fitted(f, x, y, 7.5, 0, C_MUTED, KP_START, colw, labels[i]);
        buf_reset(&s);
        unsigned rgb = C_TEXT;
        if (i == 0)
            buf_adds(&s, rv);
        else if (i == 1 && !isnan(r->percentile)) {
            struct kp_buf n = {0};
            lang_number(f->lang, &n, r->percentile, 0);
            char *v = fill(L(f, "summary", "percentile_value"), "n", n.s, NULL, NULL, NULL, NULL);
            buf_adds(&s, v);
            free(v), buf_free(&n);
        } else if (i == 1)
            lang_number(f->lang, &s, r->percentile, 0);
        else {
            double d = r->composite - r->composite_prev;
            if (!isnan(d) && d > 0.05)
                buf_addc(&s, '+'), rgb = C_GOOD;
            else if (!isnan(d) && d < -0.05)
                rgb = C_BAD;
            lang_number(f->lang, &s, d, 1);
        }
        text_fitted(f, x, y - 11, 10, 1, rgb, KP_START, colw, s.s);
    }
    free(rv);

    /* Alerts. */
    double ax = x + colw + 10, aw = f->right - 12 - ax;
    text_at(f, ax, top - 16, 7.5, 0, C_MUTED, KP_START, L(f, "summary", "alerts"));
    if (nalerts == 0)
        text_at(f, ax, top - 29, 9, 0, C_TEXT, KP_START, L(f, "summary", "no_alerts"));
    for (size_t i = 0; i < nalerts; i++) {
        buf_reset(&s);
        alert_text(f, &r->alerts[i], &s);
        fill_rect(f, ax, top - 30 - i * 14 + 1.5, 4, 4, 2, KP_RGB(C_WARN));
        text_fitted(f, ax + 8, top - 29 - i * 14, 8, 0, C_TEXT, KP_START, aw - 8, s.s);
    }
    buf_free(&s);
    f->y = bottom - GAP - 4;
}

/* ---- the KPI table ---- */

enum { COL_KPI, COL_ACTUAL, COL_TARGET, COL_ATT, COL_POINTS, COL_WEIGHT, COL_STATUS, COL_TREND,
       NCOLS };
static const double col_share[NCOLS] = {0.25, 0.12, 0.11, 0.10, 0.08, 0.07, 0.18, 0.09};

/* Right edge of the part of s up to its decimal mark (or its last digit):
 * numbers with different suffixes ("87.5%", "42 days") line up on it. */
static double decimal_anchor(const char *s, double size, const char *decimal)
{
    const char *dot = *decimal ? strstr(s, decimal) : NULL;
    size_t n;
    if (dot) {
        n = (size_t)(dot - s);
    } else {
        n = 0;
        for (size_t i = 0; s[i]; i++)
            if (s[i] >= '0' && s[i] <= '9')
                n = i + 1;
    }
    return text_width(s, n, size, 0);
}

struct cell_col {
    double x, w;       /* column box */
    double anchor_off; /* distance from the decimal anchor to the column's right edge */
};

static void table_columns(const struct flow *f, struct cell_col *cols)
{
    double x = f->left, width = f->right - f->left;
    for (int i = 0; i < NCOLS; i++) {
        cols[i].x = x;
        cols[i].w = width * col_share[i];
        cols[i].anchor_off = 0;
        x += cols[i].w;
    }
}

/* The status word and colour of one KPI. */
static const char *status_of(const struct flow *f, size_t i, unsigned *rgb)
{
    const struct kp_kpival *v = &f->r->kpis[i];
    *rgb = C_MUTED;
    if (v->status == KP_ST_NA)
        return L(f, "status", "na");
    if (v->status == KP_ST_INSUFFICIENT)
        return L(f, "status", "insufficient");
    if (isnan(v->target))
        return L(f, "status", "no_target");
    if (v->weight <= 0)
        return L(f, "status", "not_scored");
    double ratio = kdef(f, i)->lower_better ? v->target / v->value : v->value / v->target;
    if (ratio >= 1 - 1e-9) {
        *rgb = C_GOOD;
        return L(f, "status", "ok");
    }
    *rgb = ratio >= 0.9 ? C_WARN : C_BAD;
    return L(f, "status", "below");
}

/* The text of each numeric cell of row i. */
static void row_cells(const struct flow *f, size_t i, struct kp_buf cells[NCOLS])
{
    const struct kp_kpival *v = &f->r->kpis[i];
    kpi_value_vs(f, i, v->value, v->target, &cells[COL_ACTUAL]);
    if (isnan(v->target))
        buf_adds(&cells[COL_TARGET], "–");
    else
        kpi_value(f, i, v->target, &cells[COL_TARGET]);
    double att = attainment_of(f, i, v);
    if (isnan(att))
        buf_adds(&cells[COL_ATT], "–");
    else
        lang_attainment(f->lang, &cells[COL_ATT], att);
    if (isnan(v->points) || v->status != KP_ST_OK)
        buf_adds(&cells[COL_POINTS], "–");
    else
        lang_value_vs(f->lang, &cells[COL_POINTS], KP_FMT_NUMBER, 1, v->points, 100, NULL);
    if (v->weight > 0)
        lang_percent(f->lang, &cells[COL_WEIGHT], v->weight / 100, 0);
    else
        buf_adds(&cells[COL_WEIGHT], "–");
}

static void table_header(struct flow *f, const struct cell_col *cols)
{
    static const char *const keys[NCOLS] = {"kpi",    "actual", "target", "attainment",
                                            "points", "weight", "status", "trend"};
    double y = f->y - 10;
    for (int c = 0; c < NCOLS; c++) {
        int right = c >= COL_ACTUAL && c <= COL_WEIGHT;
        double x = right ? cols[c].x + cols[c].w - 6 : cols[c].x + (c == COL_TREND ? 0 : 4);
        text_fitted(f, x, y, 7.5, 1, C_MUTED, right ? KP_END : KP_START, cols[c].w - 6,
                    L(f, "table", keys[c]));
    }
    rule(f, f->left, f->y - 15, f->right, C_RULE, 0.8);
    f->y -= 15;
}

static void table_row(struct flow *f, const struct cell_col *cols, size_t i, int stripe,
                      const char *decimal)
{
    const double rh = 17;
    double base = f->y - 11.5;
    if (stripe)
        fill_rect(f, f->left, f->y - rh, f->right - f->left, rh, 0, KP_RGB(0xf7f9fb));
    int dim = f->r->kpis[i].weight <= 0;
    text_fitted(f, cols[COL_KPI].x + 4, base, 9, 0, dim ? C_MUTED : C_TEXT, KP_START,
                cols[COL_KPI].w - 8, kpi_label(f, i));
    struct kp_buf cells[NCOLS];
    memset(cells, 0, sizeof cells);
    row_cells(f, i, cells);
    for (int c = COL_ACTUAL; c <= COL_WEIGHT; c++) {
        const char *s = cells[c].s ? cells[c].s : "";
        double right = cols[c].x + cols[c].w - 6;
        double x = right - cols[c].anchor_off;
        /* Start so that the decimal anchor lands on x. */
        double start = x - decimal_anchor(s, 9, decimal);
        double wdt = text_width(s, KP_TEXT_NUL, 9, 0);
        if (start + wdt > right + 0.01 || start < cols[c].x)
            start = right - wdt; /* would not fit aligned: plain right alignment */
        text_at(f, start, base, 9, c == COL_ACTUAL, dim ? C_MUTED : C_TEXT, KP_START, s);
        buf_free(&cells[c]);
    }
    unsigned rgb;
    const char *st = status_of(f, i, &rgb);
    fill_rect(f, cols[COL_STATUS].x + 4, base + 1, 6, 6, 3, KP_RGB(rgb));
    text_fitted(f, cols[COL_STATUS].x + 14, base, 8.5, 0, C_TEXT, KP_START,
                cols[COL_STATUS].w - 16, st);
    int good;
    int dir = trend_of(f, i, &good);
    if (dir != 2)
        trend_mark(f, cols[COL_TREND].x + 10, base + 3, dir,
                   good > 0 ? C_GOOD : good < 0 ? C_BAD : C_MUTED);
    f->y -= rh;
}

/* Decimal anchors: the widest suffix after the anchor in each column. */
static void table_anchors(const struct flow *f, struct cell_col *cols, const size_t *rows,
                          size_t n, const char *decimal)
{
    for (size_t j = 0; j < n; j++) {
        struct kp_buf cells[NCOLS];
        memset(cells, 0, sizeof cells);
        row_cells(f, rows[j], cells);
        for (int c = COL_ACTUAL; c <= COL_WEIGHT; c++) {
            const char *s = cells[c].s ? cells[c].s : "";
            double after = text_width(s, KP_TEXT_NUL, 9, 0) - decimal_anchor(s, 9, decimal);
            if (after > cols[c].anchor_off)
                cols[c].anchor_off = after;
            buf_free(&cells[c]);
        }
    }
}

static void kpi_notes(struct flow *f)
{
    struct kp_buf b = {0};
    for (size_t i = 0; i < f->ts->meta->nkpis; i++) {
        const struct kp_kpival *v = &f->r->kpis[i];
        if (v->status != KP_ST_INSUFFICIENT)
            continue;
        struct kp_buf n = {0}, m = {0};
        lang_value_vs(f->lang, &n, KP_FMT_NUMBER, 0, v->sample, kdef(f, i)->min_sample, NULL);
        lang_number(f->lang, &m, kdef(f, i)->min_sample, 0);
        char *s = fill(L(f, "table", "note_insufficient"), "kpi", kpi_label(f, i), "sample", n.s,
                       "min", m.s);
        buf_printf(&b, "%s%s", b.len ? " " : "", s);
        free(s);
        buf_free(&n), buf_free(&m);
    }
    /* Attainment is shown as achieved; the points it gives are capped. */
    double cap = f->ts->cfg->cap;
    for (size_t i = 0; i < f->ts->meta->nkpis && cap > 0 && !isnan(cap); i++) {
        const struct kp_kpival *v = &f->r->kpis[i];
        if (v->status == KP_ST_OK && attainment_of(f, i, v) > cap) { /* weighted or not: its points show */
            struct kp_buf c = {0}, p = {0};
            lang_attainment(f->lang, &c, cap);
            lang_number(f->lang, &p, cap * 100, 0);
            char *s = fill(L(f, "table", "note_cap"), "cap", c.s, "points", p.s, NULL, NULL);
            buf_printf(&b, "%s%s", b.len ? " " : "", s);
            free(s);
            buf_free(&c), buf_free(&p);
            break;
        }
    }
    if (b.len) {
        struct kp_textstyle st = style(7.5, 0, C_MUTED);
        double h = pdf_paragraph_height(&st, f->right - f->left, 0, b.s);
        flow_need(f, h + 4);
        pdf_paragraph(f->doc, &st, f->left, f->y - 4, f->right - f->left, 0, KP_START, b.s);
        f->y -= h + 4;
    }
    buf_free(&b);
}

static void kpi_table(struct flow *f)
{
    size_t nk = f->ts->meta->nkpis, n = 0;
    size_t *rows = xcalloc(nk ? nk : 1, sizeof *rows);
    /* The role's scored KPIs first, then the others that have a value. */
    for (size_t i = 0; i < nk; i++)
        if (f->r->kpis[i].weight > 0)
            rows[n++] = i;
    for (size_t i = 0; i < nk; i++)
        if (f->r->kpis[i].weight <= 0 && f->r->kpis[i].status != KP_ST_NA)
            rows[n++] = i;
    struct cell_col cols[NCOLS];
    table_columns(f, cols);
    const char *decimal = ".";
    table_anchors(f, cols, rows, n, decimal);
    heading(f, L(f, "table", "heading"), 15 + 17 * 3);
    table_header(f, cols);
    for (size_t j = 0; j < n; j++) {
        if (f->y - 17 < MARGIN_BOTTOM) {
            new_page(f);
            table_header(f, cols);
        }
        table_row(f, cols, rows[j], j % 2 == 1, decimal);
    }
    rule(f, f->left, f->y, f->right, C_RULE, 0.8);
    f->y -= 4;
    kpi_notes(f);
    f->y -= GAP;
    free(rows);
}

/* ---- charts ---- */

static void charts_block(struct flow *f, const struct kp_record *team)
{
    if (!f->ts->figures)
        return;
    double width = f->right - f->left, cw = (width - GAP) / 2, chh = 150;
    size_t n = figures_person_count(f->ts->figures);
    for (size_t i = 0; i < n; i += 2) {
        flow_need(f, chh + GAP);
        for (size_t j = i; j < n && j < i + 2; j++) {
            double x = f->left + (double)(j - i) * (cw + GAP);
            figures_person(f->ts->figures, f->doc, f->lang, j, f->r, team, x, f->y - chh, cw, chh);
        }
        f->y -= chh + GAP;
    }
}

/* ---- GROW ---- */

static const char *const steps[4] = {"goal", "reality", "options", "will"};

/* The lines of a GROW box: each prompt of the step as a paragraph; in Will,
 * every question but the last line (the follow-up date) gets ruled lines
 * for the person's own answer. The same walk measures (draw = 0) and draws. */
#define COACH_TEXT_INSET 20.0
#define ANSWER_LINES 2
#define ANSWER_GAP 15.0

static double coach_items(struct flow *f, int step, double x, double top, double w, int draw)
{
    struct kp_textstyle st = style(8.5, 0, C_TEXT);
    size_t last = 0, n = 0;
    for (size_t i = 0; i < f->r->ncoach; i++)
        if (str_eq(f->r->coach[i].step, steps[step])) /* step may be null: see above */
            last = i, n++;
    double y = top - 24;
    for (size_t i = 0; i < f->r->ncoach; i++) {
        if (!str_eq(f->r->coach[i].step, steps[step]))
            continue;
        const char *text = f->r->coach[i].text;
        double tw = w - COACH_TEXT_INSET;
        if (draw) {
            fill_rect(f, x + 7, y - 8, 2.5, 2.5, 1.25, f->ts->theme.accent);
            y -= pdf_paragraph(f->doc, &st, x + 13, y, tw, 11.5, KP_START, text) + 3;
        } else {
            y -= pdf_paragraph_height(&st, tw, 11.5, text) + 3;
        }
        if (step == 3 && (i != last || n == 1)) {
            for (int k = 1; k <= ANSWER_LINES; k++)
                if (draw)
                    rule(f, x + 13, y - k * ANSWER_GAP, x + w - 10, C_RULE, 0.6);
            y -= ANSWER_LINES * ANSWER_GAP + 6;
        }
    }
    return top - y + 6;
}

static double coach_box_height(struct flow *f, int step, double w)
{
    return coach_items(f, step, 0, 0, w, 0);
}

static void coach_box(struct flow *f, int step, double x, double top, double w, double h)
{
    struct kp_paint border = {0};
    border.stroke = KP_RGB(C_RULE);
    border.width = 0.8;
    pdf_rect(f->doc, x, top - h, w, h, 5, &border);
    fill_rect(f, x, top - 18, w, 18, 5, f->ts->theme.accent);
    fill_rect(f, x, top - 18, w, 8, 0, f->ts->theme.accent); /* square bottom corners */
    char letter[2] = {(char)(steps[step][0] - 32), 0};
    text_at(f, x + 8, top - 13, 9.5, 1, C_WHITE, KP_START, letter);
    text_fitted(f, x + 22, top - 13, 9, 1, C_WHITE, KP_START, w - 30, L(f, "grow", steps[step]));
    coach_items(f, step, x, top, w, 1);
}

static void grow(struct flow *f)
{
    if (f->r->ncoach == 0)
        return;
    heading(f, L(f, "grow", "heading"), 60);
    double width = f->right - f->left, w = (width - GAP) / 2;
    for (int row = 0; row < 2; row++) {
        double h = fmax(coach_box_height(f, row * 2, w), coach_box_height(f, row * 2 + 1, w));
        if (h > f->h - MARGIN_TOP - MARGIN_BOTTOM - 40) { /* too tall side by side: stack */
            for (int s = row * 2; s < row * 2 + 2; s++) {
                double hs = coach_box_height(f, s, width);
                flow_need(f, hs + GAP);
                coach_box(f, s, f->left, f->y, width, hs);
                f->y -= hs + GAP;
            }
            continue;
        }
        flow_need(f, h + GAP);
        coach_box(f, row * 2, f->left, f->y, w, h);
        coach_box(f, row * 2 + 1, f->left + w + GAP, f->y, w, h);
        f->y -= h + GAP;
    }
}

/* ---- commission, signatures ---- */

static void commission(struct flow *f)
{
    const struct kp_record *r = f->r;
    if (!f->ts->cfg->commission.enabled || isnan(r->payout))
        return;
    flow_need(f, 40);
    struct kp_buf pay = {0}, rate = {0};
    lang_money(f->lang, &pay, r->payout, f->ts->meta->currency);
    lang_percent(f->lang, &rate, r->payout_rate, 1);
    char *s = fill(L(f, "commission", "estimate"), "amount", pay.s, "rate", rate.s, NULL, NULL);
    text_at(f, f->left, f->y - 10, 10, 1, C_TEXT, KP_START, L(f, "commission", "heading"));
    text_fitted(f, f->left, f->y - 24, 9, 0, C_TEXT, KP_START, f->right - f->left, s);
    text_fitted(f, f->left, f->y - 35, 7.5, 0, C_MUTED, KP_START, f->right - f->left,
                L(f, "commission", "disclaimer"));
    free(s);
    buf_free(&pay), buf_free(&rate);
    f->y -= 40 + GAP;
}

static void signatures(struct flow *f)
{
    flow_need(f, 58);
    const char *labels[3] = {L(f, "signature", "employee"), L(f, "signature", "manager"),
                             L(f, "signature", "date")};
    double width = f->right - f->left, w = (width - 2 * GAP) / 3;
    text_at(f, f->left, f->y - 10, 10, 1, C_TEXT, KP_START, L(f, "signature", "heading"));
    for (int i = 0; i < 3; i++) {
        double x = f->left + i * (w + GAP);
        rule(f, x, f->y - 44, x + w, C_TEXT, 0.6);
        text_fitted(f, x, f->y - 54, 7.5, 0, C_MUTED, KP_START, w, labels[i]);
    }
    f->y -= 58 + GAP;
}

static void leaderboard(struct flow *f, const struct kp_record *team)
{
    int mode = f->ts->cfg->leaderboard;
    if (mode == 0 || !team || team->nmembers == 0)
        return;
    size_t n = team->nmembers < 12 ? team->nmembers : 12;
    heading(f, L(f, "summary", "leaderboard"), 14 * (double)n);
    for (size_t i = 0; i < n; i++) {
        const struct kp_member *m = &team->members[i];
        int self = str_eq(m->rep_id, f->r->id);
        char rank[16];
        snprintf(rank, sizeof rank, "%d", m->rank);
        char *anon = fill(L(f, "summary", "colleague"), "n", rank, NULL, NULL, NULL, NULL);
        const char *who = self || mode == 2 ? m->name : anon;
        struct kp_buf c = {0};
        composite_text(f, m->composite, &c);
        if (self)
            fill_rect(f, f->left, f->y - 13, f->right - f->left, 13, 0, KP_RGB(C_PANEL));
        text_at(f, f->left + 4, f->y - 9.5, 8.5, self, C_TEXT, KP_START, m->rank ? rank : "–");
        text_fitted(f, f->left + 30, f->y - 9.5, 8.5, self, C_TEXT, KP_START, 200, who);
        text_at(f, f->left + 300, f->y - 9.5, 8.5, self, C_TEXT, KP_END, c.s);
        buf_free(&c);
        free(anon);
        f->y -= 13;
    }
    f->y -= GAP;
}

/* ---- footers ---- */

void typeset_docid(const struct kp_typeset *ts, const struct kp_record *r, char out[24])
{
    struct kp_buf b = {0};
    record_write_json(r, ts->meta, &b);
    buf_adds(&b, ts->meta->label);
    uint64_t h = hash64(b.s, b.len);
    snprintf(out, 24, "KP-%04X-%04X-%04X", (unsigned)(h >> 48) & 0xFFFF,
             (unsigned)(h >> 32) & 0xFFFF, (unsigned)(h >> 16) & 0xFFFF);
    buf_free(&b);
}

static void footers(struct flow *f)
{
    int pages = pdf_page_count(f->doc) - f->first_page;
    char docid[24];
    typeset_docid(f->ts, f->r, docid);
    struct kp_buf date = {0};
    lang_date(f->lang, &date, f->ts->meta->doc_date);
    char *conf = f->packet ? fill(L(f, "packet", "confidential"), "team", f->r->name, NULL, NULL,
                                  NULL, NULL)
                           : fill(themed(f, "confidential", "doc",
                                         f->r->manager_id && *f->r->manager_id
                                             ? "confidential"
                                             : "confidential_own"), /* no manager */
                                  "name", f->r->name, NULL, NULL, NULL, NULL);
    char *gen = fill(L(f, "doc", "generated"), "date", date.s, NULL, NULL, NULL, NULL);
    char *id = fill(L(f, "doc", "docid"), "id", docid, NULL, NULL, NULL, NULL);
    double third = (f->right - f->left) / 3;
    for (int p = 0; p < pages; p++) {
        pdf_set_page(f->doc, f->first_page + p);
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", p + 1);
        snprintf(b, sizeof b, "%d", pages);
        char *pg = fill(L(f, "doc", "page"), "page", a, "pages", b, NULL, NULL);
        double y = MARGIN_BOTTOM - 22;
        rule(f, f->left, y + 10, f->right, C_RULE, 0.6);
        text_fitted(f, f->left, y, 7, 0, C_MUTED, KP_START, third * 1.5, conf);
        text_fitted(f, f->right, y, 7, 0, C_MUTED, KP_END, third * 1.3, pg);
        text_fitted(f, f->left, y - 10, 7, 0, C_MUTED, KP_START, third * 1.5, gen);
        text_fitted(f, f->right, y - 10, 7, 0, C_MUTED, KP_END, third * 1.3, id);
        free(pg);
    }
    pdf_set_page(f->doc, pdf_page_count(f->doc) - 1);
    free(conf), free(gen), free(id);
    buf_free(&date);
}

/* ------------------------------------------------------------------ */

static void flow_init(struct flow *f, struct kp_typeset *ts, struct kp_pdf *doc,
                      const struct kp_record *r)
{
    memset(f, 0, sizeof *f);
    f->ts = ts, f->doc = doc, f->r = r;
    f->lang = typeset_lang(ts, r->lang);
    pdf_page_size(doc, &f->w, &f->h);
    f->left = MARGIN_X, f->right = f->w - MARGIN_X;
}

int typeset_review(struct kp_typeset *ts, struct kp_pdf *doc, const struct kp_record *r,
                   const struct kp_record *team)
{
    struct flow f;
    flow_init(&f, ts, doc, r);
    f.first_page = pdf_add_page(doc);
    header_band(&f);
    identity(&f);
    employment_note(&f);
    summary(&f);
    kpi_table(&f);
    charts_block(&f, team);
    grow(&f);
    leaderboard(&f, team);
    commission(&f);
    signatures(&f);
    footers(&f);
    return f.first_page;
}

void typeset_info(const struct kp_typeset *ts, struct kp_pdf *doc, const struct kp_record *r)
{
    const struct kp_lang *l = typeset_lang(ts, r->lang);
    int person = r->kind == KP_REC_PERSON;
    const char *sec = person ? "doc" : r->kind == KP_REC_ORG ? "org" : "packet";
    char *title = fill(lang_text(l, sec, person ? "title_full" : "title"), "label",
                       ts->meta->label, NULL, NULL, NULL, NULL);
    char *subject = fill(lang_text(l, "doc", "subject"), "label", ts->meta->label, "name", r->name,
                         NULL, NULL);
    char *kw = xasprintf("%s, %s, %s", ts->meta->label, r->id, r->team ? r->team : r->name);
    pdf_set_info(doc, KP_INFO_TITLE, title);
    pdf_set_info(doc, KP_INFO_SUBJECT, subject);
    pdf_set_info(doc, KP_INFO_AUTHOR, ts->meta->org_name);
    pdf_set_info(doc, KP_INFO_KEYWORDS, kw);
    pdf_set_info(doc, KP_INFO_CREATOR, "kpipress " KP_VERSION);
    pdf_set_date(doc, (time_t)ts->meta->doc_date * 86400);
    free(title), free(subject), free(kw);
}

/* ------------------------------------------------------------------ */
/* The team packet                                                     */

/* A packet's cover; sec is "packet" (a team's) or "org" (the company's). */
static void packet_cover(struct flow *f, const struct kp_record *t, size_t nmembers,
                         const char *sec)
{
    const struct kp_meta *m = f->ts->meta;
    fill_rect(f, 0, 0, f->w, f->h, 0, f->ts->theme.accent);
    double x = MARGIN_X + 10, width = f->w - 2 * x;
    if (*m->org_name && strcmp(sec, "packet") == 0)
        text_fitted(f, x, f->h * 0.68, 13, 1, C_WHITE, KP_START, width, m->org_name);
    char *title = fill(L(f, sec, "title"), "label", m->label, NULL, NULL, NULL, NULL);
    text_fitted(f, x, f->h * 0.62, 26, 1, C_WHITE, KP_START, width, title);
    text_fitted(f, x, f->h * 0.57, 18, 0, C_WHITE, KP_START, width, t->name);
    char n[16];
    snprintf(n, sizeof n, "%zu", nmembers);
    char *people = fill(L(f, sec, "people"), "n", n, NULL, NULL, NULL, NULL);
    struct kp_buf date = {0};
    lang_date(f->lang, &date, m->doc_date);
    text_at(f, x, f->h * 0.52, 10, 0, C_WHITE, KP_START, people);
    text_at(f, x, f->h * 0.52 - 15, 10, 0, C_WHITE, KP_START, date.s);
    char *conf = fill(L(f, sec, "confidential"), "team", t->name, NULL, NULL, NULL, NULL);
    text_fitted(f, x, 60, 8, 0, C_WHITE, KP_START, width, conf);
    free(title), free(people), free(conf);
    buf_free(&date);
}

static void packet_kpis(struct flow *f, const struct kp_record *t, const char *title)
{
    heading(f, title, 16 * 4);
    double w = f->right - f->left;
    const double xs[4] = {0.45, 0.62, 0.79, 1.0};
    const char *hd[4] = {L(f, "table", "kpi"), L(f, "table", "actual"), L(f, "table", "target"),
                         L(f, "table", "attainment")};
    for (int c = 0; c < 4; c++)
        text_at(f, c == 0 ? f->left + 4 : f->left + w * xs[c] - 6, f->y - 10, 7.5, 1, C_MUTED,
                c == 0 ? KP_START : KP_END, hd[c]);
    rule(f, f->left, f->y - 15, f->right, C_RULE, 0.8);
    f->y -= 15;
    for (size_t i = 0; i < f->ts->meta->nkpis; i++) {
        const struct kp_kpival *v = &t->kpis[i];
        if (v->status == KP_ST_NA)
            continue;
        flow_need(f, 16);
        struct kp_buf a = {0}, b = {0}, c = {0};
        kpi_value_vs(f, i, v->value, v->target, &a);
        if (isnan(v->target))
            buf_adds(&b, "–");
        else
            kpi_value(f, i, v->target, &b);
        double att = attainment_of(f, i, v);
        if (isnan(att))
            buf_adds(&c, "–");
        else
            lang_attainment(f->lang, &c, att);
        text_fitted(f, f->left + 4, f->y - 11, 9, 0, C_TEXT, KP_START, w * 0.42, kpi_label(f, i));
        text_at(f, f->left + w * xs[1] - 6, f->y - 11, 9, 1, C_TEXT, KP_END, a.s);
        text_at(f, f->left + w * xs[2] - 6, f->y - 11, 9, 0, C_TEXT, KP_END, b.s);
        text_at(f, f->left + w * xs[3] - 6, f->y - 11, 9, 0, C_TEXT, KP_END, c.s);
        buf_free(&a), buf_free(&b), buf_free(&c);
        f->y -= 16;
    }
    f->y -= GAP;
}

static void packet_members(struct flow *f, const struct kp_record *t)
{
    heading(f, L(f, "packet", "members"), 16 * 3);
    double w = f->right - f->left;
    const char *hd[5] = {"#", L(f, "identity", "name"), L(f, "identity", "role"),
                         L(f, "summary", "composite"), L(f, "summary", "band")};
    const double xs[5] = {0.0, 0.06, 0.42, 0.74, 0.78};
    for (int c = 0; c < 5; c++)
        text_at(f, c == 3 ? f->left + w * xs[c] : f->left + w * xs[c] + 4, f->y - 10, 7.5, 1,
                C_MUTED, c == 3 ? KP_END : KP_START, hd[c]);
    rule(f, f->left, f->y - 15, f->right, C_RULE, 0.8);
    f->y -= 15;
    for (size_t i = 0; i < t->nmembers; i++) {
        const struct kp_member *m = &t->members[i];
        flow_need(f, 16);
        char rank[16] = "–";
        if (m->rank)
            snprintf(rank, sizeof rank, "%d", m->rank);
        struct kp_buf c = {0};
        composite_text(f, m->composite, &c);
        const struct kp_band *band = band_of(f->ts->cfg, m->band);
        text_at(f, f->left + 4, f->y - 11, 9, 0, C_TEXT, KP_START, rank);
        text_fitted(f, f->left + w * xs[1] + 4, f->y - 11, 9, 0, C_TEXT, KP_START, w * 0.34,
                    m->name);
        text_fitted(f, f->left + w * xs[2] + 4, f->y - 11, 9, 0, C_MUTED, KP_START, w * 0.28,
                    role_label(f, m->role));
        text_at(f, f->left + w * xs[3], f->y - 11, 9, 1, C_TEXT, KP_END, c.s);
        if (band) {
            fill_rect(f, f->left + w * xs[4] + 4, f->y - 11, 6, 6, 3, hex_color(band->color, 0));
            text_fitted(f, f->left + w * xs[4] + 14, f->y - 11, 8.5, 0, C_TEXT, KP_START,
                        w * 0.2, text_get(band->label, band->nlabel, lang_code(f->lang), band->id));
        }
        buf_free(&c);
        f->y -= 16;
    }
    f->y -= GAP;
}

void typeset_packet_begin(struct kp_typeset *ts, struct kp_pdf *doc, const struct kp_record *t,
                          size_t nmembers, const struct kp_record *org,
                          struct kp_record *const *teams, size_t nteams)
{
    struct flow f;
    flow_init(&f, ts, doc, t);
    f.packet = 1;
    f.first_page = pdf_add_page(doc);
    packet_cover(&f, t, nmembers, "packet");
    pdf_add_page(doc);
    page_header_small(&f);
    packet_kpis(&f, t, L(&f, "packet", "team_kpis"));
    packet_members(&f, t);
    if (ts->figures)
        figures_team(ts->figures, doc, f.lang, t, org, teams, nteams, &f.y, f.left, f.right,
                     MARGIN_BOTTOM, flow_new_page, &f);
    footers(&f);
}

const char *typeset_packet_summary(const struct kp_typeset *ts, const struct kp_record *t)
{
    return lang_text(typeset_lang(ts, t->lang), "packet", "summary");
}

/* ------------------------------------------------------------------ */
/* The org packet's head                                               */

static int team_cmp(const void *a, const void *b)
{
    const struct kp_record *x = *(struct kp_record *const *)a, *y = *(struct kp_record *const *)b;
    int nx = isnan(x->composite), ny = isnan(y->composite);
    if (nx != ny)
        return nx - ny;
    if (!nx && x->composite != y->composite)
        return x->composite > y->composite ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* The teams ranked by their composite: team, people, composite, first KPI. */
static void org_teams(struct flow *f, struct kp_record *const *teams, size_t nteams)
{
    struct kp_record **v = xcalloc(nteams + 1, sizeof *v);
    memcpy(v, teams, nteams * sizeof *v);
    qsort(v, nteams, sizeof *v, team_cmp);
    heading(f, L(f, "org", "teams"), 16 * 3);
    double w = f->right - f->left;
    const char *hd[4] = {L(f, "identity", "team"), L(f, "org", "people_col"),
                         L(f, "summary", "composite"), kpi_label(f, 0)};
    const double xs[4] = {0.0, 0.62, 0.79, 1.0};
    for (int c = 0; c < 4; c++)
        text_fitted(f, c ? f->left + w * xs[c] - 6 : f->left + 4, f->y - 10, 7.5, 1, C_MUTED,
                    c ? KP_END : KP_START, c ? w * 0.16 : w * 0.5, hd[c]);
    rule(f, f->left, f->y - 15, f->right, C_RULE, 0.8);
    f->y -= 15;
    for (size_t i = 0; i < nteams; i++) {
        const struct kp_record *t = v[i];
        flow_need(f, 16);
        struct kp_buf n = {0}, c = {0}, a = {0};
        buf_printf(&n, "%d", t->scope);
        composite_text(f, t->composite, &c);
        kpi_value_vs(f, 0, t->kpis[0].value, t->kpis[0].target, &a);
        text_fitted(f, f->left + 4, f->y - 11, 9, 0, C_TEXT, KP_START, w * 0.55, t->name);
        text_at(f, f->left + w * xs[1] - 6, f->y - 11, 9, 0, C_TEXT, KP_END, n.s);
        text_at(f, f->left + w * xs[2] - 6, f->y - 11, 9, 1, C_TEXT, KP_END, c.s);
        text_at(f, f->left + w * xs[3] - 6, f->y - 11, 9, 0, C_TEXT, KP_END, a.s);
        buf_free(&n), buf_free(&c), buf_free(&a);
        f->y -= 16;
    }
    f->y -= GAP;
    free(v);
}

void typeset_org_begin(struct kp_typeset *ts, struct kp_pdf *doc, const struct kp_record *org,
                       struct kp_record *const *teams, size_t nteams)
{
    struct flow f;
    flow_init(&f, ts, doc, org);
    f.packet = 1;
    f.first_page = pdf_add_page(doc);
    packet_cover(&f, org, (size_t)org->scope, "org");
    pdf_add_page(doc);
    page_header_small(&f);
    packet_kpis(&f, org, L(&f, "org", "kpis"));
    org_teams(&f, teams, nteams);
    footers(&f);
}

const char *typeset_org_summary(const struct kp_typeset *ts, const struct kp_record *org)
{
    return lang_text(typeset_lang(ts, org->lang), "org", "summary");
}
