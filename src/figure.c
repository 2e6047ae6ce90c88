/* figure — see figure.h.
 *
 * Each chart is asked for at its natural size (the box below its title), so
 * vg_fit's scale is 1 and gnuplot's 7 pt ticks are 7 pt on the page. The vg
 * is replayed as vg.h's top comment says, through our PDF display list; then
 * our code sets the legend (from vg_key, in the legend band), the names at
 * vg_slot positions, and the title above. Month tick labels ("2026-04", the
 * only text gnuplot prints that is not a number) are set as the language's
 * short month names, and amount ticks ("140#", chart.h) as the language
 * abbreviates amounts (lang_amount: 140k, 14万). */
#include "figure.h"

#include "chart.h"
#include "config.h"
#include "diag.h"
#include "lang.h"
#include "pdf.h"
#include "record.h"
#include "sys.h"
#include "text.h"
#include "util.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define TITLE_H    16.0 /* the title line above a chart */
#define TITLE_SIZE 9.0
#define ROW_GAP    14.0 /* between team charts */
#define RANK_ROW   13.0 /* height of a member's bar in the ranked chart */
#define MAX_CLIP   8    /* clip nesting a chart may use on the page */

enum { C_TEXT = 0x1b2430, C_MUTED = 0x5f6b7a, C_RULE = 0xc3ccd6 };

struct kp_figures {
    const struct kp_config *cfg;
    const struct kp_meta *meta;
    struct kp_chart_style st;
    int person[KP_NCHART_TYPES], team[KP_NCHART_TYPES];
    size_t nperson, nteam;
    struct kp_gnuplot *gp; /* its process starts with the first chart */
    int att;               /* the attainment KPI (meta index), -1 = none */
    int col_rev, col_quota, col_visits, col_opps, col_won;
    double engine_ms, replay_ms;
    long charts, failures;
};

/* ------------------------------------------------------------------ */
/* The theme                                                           */

static const char default_charts[] =
    "revenue, attainment, kpis, funnel, distribution, teams, ranked";

static int is_person_chart(int type)
{
    return type >= KP_CHART_REVENUE && type <= KP_CHART_FUNNEL;
}

/* The listed charts, person and team ones apart, each once, in list order
 * (config_load reported anything else). */
static void theme_charts(struct kp_figures *fg, const char *list)
{
    char **v;
    size_t n = str_split(list ? list : default_charts, ',', &v);
    int seen[KP_NCHART_TYPES] = {0};
    for (size_t i = 0; i < n; i++) {
        int t = chart_type_find(v[i]);
        if (t < 0 || seen[t])
            continue;
        seen[t] = 1;
        if (is_person_chart(t))
            fg->person[fg->nperson++] = t;
        else
            fg->team[fg->nteam++] = t;
    }
    strv_free(v, n);
}

static void theme_color(const struct kp_config *cfg, const char *key, uint32_t *out)
{
    kp_color c;
    const char *v = config_get(cfg, "theme", key);
    if (v && pdf_color_parse(v, &c) == 0)
        *out = c & 0xFFFFFFu;
}

static double theme_number(const struct kp_config *cfg, const char *key, double def)
{
    const char *v = config_get(cfg, "theme", key);
    double d;
    return v && parse_double(v, &d) == 0 ? d : def;
}

static void theme_style(const struct kp_config *cfg, struct kp_chart_style *st)
{
    static const struct {
        const char *key;
        size_t off;
    } colors[] = {
        {"chart_color.accent", offsetof(struct kp_chart_style, accent)},
        {"chart_color.second", offsetof(struct kp_chart_style, second)},
        {"chart_color.positive", offsetof(struct kp_chart_style, positive)},
        {"chart_color.negative", offsetof(struct kp_chart_style, negative)},
        {"chart_color.target", offsetof(struct kp_chart_style, target)},
        {"chart_color.grid", offsetof(struct kp_chart_style, grid)},
        {"chart_color.band", offsetof(struct kp_chart_style, band)},
        {"chart_color.axis", offsetof(struct kp_chart_style, axis)},
        {"chart_color.text", offsetof(struct kp_chart_style, text)},
    };
    chart_style_default(st);
    theme_color(cfg, "accent", &st->accent);
    for (size_t i = 0; i < KP_NELEM(colors); i++)
        theme_color(cfg, colors[i].key, (uint32_t *)(void *)((char *)st + colors[i].off));
    st->font_size = theme_number(cfg, "chart_font_size", st->font_size);
    st->line_width = theme_number(cfg, "chart_line_width", st->line_width);
}

static int charts_none(const struct kp_config *cfg)
{
    const char *v = config_get(cfg, "theme", "charts");
    char **items;
    size_t n = str_split(v, ',', &items);
    int none = n == 1 && strcmp(items[0], "none") == 0;
    strv_free(items, n);
    return none;
}

int figures_check(const struct kp_config *cfg)
{
    return charts_none(cfg) ? 0 : chart_check_gnuplot();
}

static int find_col(const struct kp_meta *m, const char *name)
{
    for (size_t c = 0; c < m->ncols; c++)
        if (strcmp(m->cols[c], name) == 0)
            return (int)c;
    return -1;
}

/* The KPI the attainment charts show: "attainment", else the first percent KPI. */
static int find_attainment(const struct kp_config *cfg, const struct kp_meta *m)
{
    for (size_t k = 0; k < m->nkpis; k++)
        if (strcmp(m->kpis[k], "attainment") == 0)
            return (int)k;
    for (size_t k = 0; k < m->nkpis && k < cfg->nkpis; k++)
        if (cfg->kpis[k].format == KP_FMT_PERCENT)
            return (int)k;
    return -1;
}

/* gnuplot's stderr: the run's log, never the terminal. */
static void gp_log(void *arg, const char *line)
{
    (void)arg;
    diag_log_only("gnuplot: %s", line);
}

struct kp_figures *figures_new(const struct kp_config *cfg, const struct kp_meta *meta)
{
    if (charts_none(cfg))
        return NULL;
    struct kp_figures *fg = xcalloc(1, sizeof *fg);
    fg->cfg = cfg, fg->meta = meta;
    theme_charts(fg, config_get(cfg, "theme", "charts"));
    if (fg->nperson + fg->nteam == 0) {
        free(fg);
        return NULL;
    }
    theme_style(cfg, &fg->st);
    fg->att = find_attainment(cfg, meta);
    fg->col_rev = find_col(meta, "revenue"), fg->col_quota = find_col(meta, "quota");
    fg->col_visits = find_col(meta, "visits"), fg->col_opps = find_col(meta, "opportunities");
    fg->col_won = find_col(meta, "won");
    figures_set_program(fg, NULL);
    return fg;
}

void figures_set_program(struct kp_figures *fg, const char *program)
{
    gnuplot_free(fg->gp);
    fg->gp = gnuplot_new(program);
    gnuplot_set_timeout(fg->gp, (int)theme_number(fg->cfg, "chart_timeout", 5000));
    gnuplot_set_log(fg->gp, gp_log, NULL);
}

void figures_free(struct kp_figures *fg)
{
    if (!fg)
        return;
    gnuplot_free(fg->gp);
    free(fg);
}

size_t figures_person_count(const struct kp_figures *fg)
{
    return fg ? fg->nperson : 0;
}

void figures_stats(const struct kp_figures *fg, double *engine_ms, double *replay_ms, long *charts,
                   long *failures)
{
    *engine_ms = fg ? fg->engine_ms : 0;
    *replay_ms = fg ? fg->replay_ms : 0;
    *charts = fg ? fg->charts : 0;
    *failures = fg ? fg->failures : 0;
}

/* ------------------------------------------------------------------ */
/* Replaying a vg on a page                                            */

struct replay {
    struct kp_pdf *doc;
    const struct kp_lang *lang;
    struct kp_vg_fit f;
    int depth, skipped; /* clips pushed on the page, clips ignored (too deep) */
    int flat_months;    /* set turned month ticks level: our names are short */
    double amounts_of;  /* the largest amount tick: their unit (lang_amount) */
};

static double px(const struct replay *R, double ux)
{
    return R->f.tx + R->f.s * ux;
}

static double py(const struct replay *R, double uy)
{
    return R->f.ty - R->f.s * uy;
}

static kp_color with_opacity(uint32_t rgb, double opacity)
{
    if (!(opacity > 0))
        return KP_NONE;
    long a = lround(fmin(opacity, 1) * 255);
    return KP_RGBA(rgb, a < 1 ? 1 : a);
}

static void paint_of(const struct replay *R, const struct kp_vg_style *st, struct kp_paint *p)
{
    memset(p, 0, sizeof *p);
    if (st->fill_on)
        p->fill = with_opacity(st->fill, st->fill_opacity);
    if (st->stroke_on)
        p->stroke = with_opacity(st->stroke, st->stroke_opacity);
    p->width = fmax(st->width * R->f.s, 0.05); /* 0 would mean 1 pt */
    p->ndash = st->ndash < KP_DASH_MAX ? st->ndash : KP_DASH_MAX;
    for (int i = 0; i < p->ndash; i++)
        p->dash[i] = st->dash[i] * R->f.s;
    p->cap = st->cap == KP_VG_CAP_ROUND    ? KP_CAP_ROUND
             : st->cap == KP_VG_CAP_SQUARE ? KP_CAP_SQUARE
                                           : KP_CAP_BUTT;
    p->join = st->join == KP_VG_JOIN_ROUND   ? KP_JOIN_ROUND
              : st->join == KP_VG_JOIN_BEVEL ? KP_JOIN_BEVEL
                                             : KP_JOIN_MITER;
    p->even_odd = st->evenodd;
}

static void replay_path(struct replay *R, const struct kp_vg *vg, const struct kp_vg_item *it)
{
    struct kp_paint p;
    paint_of(R, &it->style, &p);
    const struct kp_vg_seg *sg = vg_segs(vg, it);
    if ((!p.fill && !p.stroke) || it->nseg == 0)
        return;
    int open = 0;
    for (size_t k = 0; k < it->nseg; k++) {
        const struct kp_vg_seg *s = &sg[k];
        if (s->op == KP_VG_MOVE || (!open && s->op != KP_VG_CLOSE)) {
            pdf_move_to(R->doc, px(R, s->x[0]), py(R, s->y[0]));
            open = 1;
        } else if (s->op == KP_VG_LINE) {
            pdf_line_to(R->doc, px(R, s->x[0]), py(R, s->y[0]));
        } else if (s->op == KP_VG_CURVE) {
            pdf_curve_to(R->doc, px(R, s->x[0]), py(R, s->y[0]), px(R, s->x[1]), py(R, s->y[1]),
                         px(R, s->x[2]), py(R, s->y[2]));
        } else if (open) {
            pdf_close_path(R->doc);
        }
    }
    if (open)
        pdf_paint(R->doc, &p);
}

/* "2026-04" -> the language's short month name; else NULL. */
static char *month_label(const struct kp_lang *lang, const char *s)
{
    kp_month m;
    if (strlen(s) != 7 || s[4] != '-' || month_parse(s, &m) != 0)
        return NULL;
    struct kp_buf b = {0};
    lang_month_short(lang, &b, m);
    return buf_steal(&b);
}

/* "140#" (chart.h, KP_CHART_AMOUNT_MARK) -> 1 and *v = 140 x the vg's
 * yscale; else 0. */
static int amount_tick(const struct kp_vg *vg, const char *s, double *v)
{
    size_t n = strlen(s);
    if (n < 2 || n > 40 || s[n - 1] != KP_CHART_AMOUNT_MARK)
        return 0;
    char buf[48], *end;
    memcpy(buf, s, n - 1);
    buf[n - 1] = '\0';
    double x = strtod(buf, &end);
    if (*end || end == buf || !isfinite(x))
        return 0;
    *v = x * vg_plot(vg)->yscale;
    return 1;
}

/* An amount tick as the language writes it, in the axis's unit; else NULL. */
static char *amount_label(const struct replay *R, const struct kp_vg *vg, const char *s)
{
    double v;
    if (!amount_tick(vg, s, &v))
        return NULL;
    struct kp_buf b = {0};
    lang_amount(R->lang, &b, v, R->amounts_of);
    return buf_steal(&b);
}

static double largest_amount(const struct kp_vg *vg)
{
    double of = 0, v;
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        if (it->kind == KP_VG_TEXT && amount_tick(vg, vg_text(vg, it), &v))
            of = fmax(of, fabs(v));
    }
    return of;
}

static enum kp_anchor anchor_of(enum kp_vg_anchor a)
{
    return a == KP_VG_MIDDLE ? KP_MIDDLE : a == KP_VG_END ? KP_END : KP_START;
}

static void replay_text(struct replay *R, const struct kp_vg *vg, const struct kp_vg_item *it)
{
    kp_color c = with_opacity(it->color, it->opacity);
    if (!c)
        return;
    const char *s = vg_text(vg, it);
    char *month = month_label(R->lang, s), *amount = month ? NULL : amount_label(R, vg, s);
    struct kp_textstyle ts = {it->size * R->f.s, 0, c, it->rot};
    double x = px(R, it->x), y = py(R, it->y);
    enum kp_anchor a = anchor_of(it->anchor);
    if (month && it->rot != 0 && R->flat_months) {
        /* gnuplot turned "2026-04" to fit; the short name fits level, hung
         * from where the turned label began */
        ts.angle = 0, a = KP_MIDDLE;
        y -= ts.size * 0.75;
    }
    pdf_text(R->doc, &ts, x, y, a, month ? month : amount ? amount : s);
    free(month);
    free(amount);
}

/* Do the month ticks, as short names, fit side by side without turning? */
static int months_fit_level(const struct replay *R, const struct kp_vg *vg)
{
    double last = NAN, gap = INFINITY, widest = 0;
    int turned = 0;
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        char *m = it->kind == KP_VG_TEXT ? month_label(R->lang, vg_text(vg, it)) : NULL;
        if (!m)
            continue;
        turned |= it->rot != 0;
        widest = fmax(widest, text_width(m, KP_TEXT_NUL, it->size * R->f.s, 0));
        double x = px(R, it->x);
        if (isfinite(last))
            gap = fmin(gap, fabs(x - last));
        last = x;
        free(m);
    }
    return turned && widest + 3 < gap;
}

static void replay_clip(struct replay *R, const struct kp_vg_item *it)
{
    if (R->depth >= MAX_CLIP) {
        R->skipped++;
        return;
    }
    pdf_gsave(R->doc);
    pdf_clip_rect(R->doc, px(R, it->x), py(R, it->y + it->h), it->w * R->f.s, it->h * R->f.s);
    R->depth++;
}

static void replay_unclip(struct replay *R)
{
    if (R->skipped > 0)
        R->skipped--;
    else if (R->depth > 0)
        pdf_grestore(R->doc), R->depth--;
}

static void replay(struct replay *R, const struct kp_vg *vg)
{
    R->flat_months = months_fit_level(R, vg);
    R->amounts_of = largest_amount(vg);
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        switch (it->kind) {
        case KP_VG_PATH: replay_path(R, vg, it); break;
        case KP_VG_TEXT: replay_text(R, vg, it); break;
        case KP_VG_CLIP: replay_clip(R, it); break;
        case KP_VG_UNCLIP: replay_unclip(R); break;
        }
    }
    while (R->depth > 0)
        pdf_grestore(R->doc), R->depth--;
}

/* ------------------------------------------------------------------ */
/* Our own words: titles, legends, names, notes                        */

static const char *label(const struct kp_lang *lang, const char *key)
{
    return lang_text(lang, "chart", key);
}

static const char *const title_keys[KP_NCHART_TYPES] = {
    [KP_CHART_REVENUE] = "revenue_title",
    [KP_CHART_ATTAINMENT] = "attainment_title",
    [KP_CHART_KPIS] = "points_title",
    [KP_CHART_FUNNEL] = "funnel_title",
    [KP_CHART_DISTRIBUTION] = "distribution_title",
    [KP_CHART_RANKED] = "ranked_title",
    [KP_CHART_TEAMS] = "teams_title",
};

static const char *series_label(const struct kp_lang *lang, int type, int series)
{
    static const char *const keys[] = {
        [KP_SER_REVENUE] = "revenue",     [KP_SER_REVENUE_HISTORY] = "revenue_history",
        [KP_SER_QUOTA] = "quota",         [KP_SER_ATTAINMENT] = "attainment",
        [KP_SER_TEAM] = "team",           [KP_SER_TARGET] = "target",
        [KP_SER_POINTS] = "points",       [KP_SER_TEAM_AVG] = "team_avg",
        [KP_SER_PEOPLE] = "people",       [KP_SER_MARK] = "team_mark",
        [KP_SER_AT_TARGET] = "at_target", [KP_SER_OTHER_TEAMS] = "other_teams",
        [KP_SER_OWN_TEAM] = "own_team",   [KP_SER_REFERENCE] = "company",
        [KP_SER_WINDOW] = "window",
    };
    if (type == KP_CHART_RANKED && series == KP_SER_ATTAINMENT)
        return label(lang, "below_target"); /* the bars of those below 100% */
    if (series < 0 || (size_t)series >= KP_NELEM(keys) || !keys[series])
        return "";
    return label(lang, keys[series]);
}

static void text_fitted(struct kp_pdf *doc, double x, double y, double size, int bold, kp_color c,
                        enum kp_anchor a, double width, const char *s)
{
    double got;
    char *t = text_fit(s, KP_TEXT_NUL, size, size * 0.8, bold, width > 1 ? width : 1, &got);
    pdf_note_missing(doc, s); /* t has U+FFFD for them */
    struct kp_textstyle st = {got, bold, c, 0};
    pdf_text(doc, &st, x, y, a, t);
    free(t);
}

/* A note in the middle of a box; framed when it stands for a failure. */
static void draw_note(struct kp_pdf *doc, const char *s, int framed, double x, double y, double w,
                      double h)
{
    if (framed) {
        struct kp_paint p = {0};
        p.stroke = KP_RGB(C_RULE);
        p.fill = KP_RGB(0xf7f9fb);
        p.width = 0.8;
        pdf_rect(doc, x + 0.4, y + 0.4, w - 0.8, h - 0.8, 4, &p);
    }
    text_fitted(doc, x + w / 2, y + h / 2 - 3, 8.5, 0, KP_RGB(C_MUTED), KP_MIDDLE, w - 16, s);
}

struct legend_item {
    const struct kp_vg_key *key;
    const char *text;
    double w; /* swatch, gap and text */
};

static double swatch_w(const struct kp_vg_key *k, double size)
{
    return k->kind == KP_VG_KEY_BOX ? size : size * 2;
}

static void draw_swatch(const struct replay *R, const struct kp_figures *fg,
                        const struct kp_vg_key *k, double x, double base, double size)
{
    struct kp_paint p = {0};
    double mid = base + size * 0.33;
    if (k->kind == KP_VG_KEY_BOX) {
        unsigned r = k->color >> 16 & 0xff, g = k->color >> 8 & 0xff, b = k->color & 0xff;
        p.fill = KP_RGB(k->color);
        if (r + g + b > 3 * 225) /* a pale box needs an edge to be seen */
            p.stroke = KP_RGB(fg->st.axis), p.width = 0.3;
        pdf_rect(R->doc, x, mid - size * 0.4, size * 0.8, size * 0.8, 0, &p);
        return;
    }
    p.stroke = KP_RGB(k->color);
    p.width = fmin(fg->st.line_width * R->f.s, 1.6);
    if (k->dashed)
        p.dash[0] = 2.4, p.dash[1] = 1.6, p.ndash = 2;
    pdf_line(R->doc, x, mid, x + size * 2, mid, &p);
    if (k->point) {
        struct kp_paint d = {0};
        d.fill = KP_RGB(k->color);
        pdf_circle(R->doc, x + size, mid, size * 0.24, &d);
    }
}

/* The keys left to right in the legend band, one row (or two when one is
 * too narrow and the band is tall enough), the texts shrunk as a last resort. */
static void draw_legend(const struct replay *R, const struct kp_figures *fg, int type,
                        const struct kp_vg *vg)
{
    double lx, ly, lw, lh;
    vg_legend(vg, &lx, &ly, &lw, &lh);
    (void)lx, (void)lw;
    size_t n = vg_nkeys(vg);
    if (lh <= 0 || n == 0)
        return;
    double size = fg->st.font_size * R->f.s, gap = size * 1.4, total = 0;
    struct legend_item *it = xcalloc(n, sizeof *it);
    for (size_t i = 0; i < n; i++) {
        it[i].key = vg_key(vg, i);
        it[i].text = series_label(R->lang, type, it[i].key->series);
        it[i].w =
            swatch_w(it[i].key, size) + size * 0.4 + text_width(it[i].text, KP_TEXT_NUL, size, 0);
        total += it[i].w + (i ? gap : 0);
    }
    /* the band's height, but the chart's whole width: lined up with the title */
    double width = vg_width(vg) * R->f.s, left = px(R, 0);
    int rows = total > width && lh * R->f.s >= size * 2.5 ? 2 : 1;
    size_t per_row = rows == 2 ? (n + 1) / 2 : n;
    double row_h = size * 1.25, top = py(R, ly);
    double base = top - size * (rows == 2 ? 0.95 : 1.1); /* clear of the plot's top label */
    double x = left;
    for (size_t i = 0; i < n; i++) {
        if (i == per_row)
            x = left, base -= row_h;
        double room = left + width - x - swatch_w(it[i].key, size) - size * 0.4;
        if (room < size * 2)
            break; /* no room left at all */
        draw_swatch(R, fg, it[i].key, x, base, size);
        double tx = x + swatch_w(it[i].key, size) + size * 0.4;
        text_fitted(R->doc, tx, base, size, 0, KP_RGB(fg->st.text), KP_START, room, it[i].text);
        x += it[i].w + gap;
    }
    free(it);
}

static int has_cjk(const char *s)
{
    const char *p = s, *end = s + strlen(s);
    while (p < end)
        if (utf8_next(&p, end) >= 0x2E80)
            return 1;
    return 0;
}

/* Up to two lines of name for a slot maxw wide at size: Latin text breaks
 * at spaces only (a word too wide is cut with "…" rather than split), CJK
 * text between characters (text_break). Returns the line count (0..2);
 * lines[] are new strings, the second holding the rest of the name. */
static int slot_lines(const char *name, double size, double maxw, char *lines[2])
{
    lines[0] = lines[1] = NULL;
    if (has_cjk(name) || !strchr(name, ' ')) {
        struct kp_lines l;
        text_break(&l, name, KP_TEXT_NUL, size, 0, maxw);
        int n = l.n > 2 ? 2 : (int)l.n;
        if (!has_cjk(name) && n > 1) /* one Latin word: cut, do not split */
            n = 1, lines[0] = xstrdup(l.s);
        else
            for (int i = 0; i < n; i++)
                lines[i] =
                    i == 1 ? xstrdup(l.s + l.v[1].off) : xstrndup(l.s + l.v[0].off, l.v[0].len);
        text_lines_free(&l);
        return n;
    }
    char *copy = xstrdup(name);
    size_t cut = 0;
    for (char *sp = strchr(copy, ' '); sp; sp = strchr(sp + 1, ' ')) {
        if (text_width(copy, (size_t)(sp - copy), size, 0) > maxw)
            break;
        cut = (size_t)(sp - copy);
    }
    if (cut == 0)
        cut = (size_t)(strchr(copy, ' ') - copy);
    lines[0] = xstrndup(copy, cut);
    lines[1] = xstrdup(str_trim(copy + cut));
    free(copy);
    return 2;
}

/* The size a name below the plot needs to take at most two lines of maxw:
 * size, or less so that its widest line fits (not below 75%). */
static double slot_size(const char *name, double size, double maxw)
{
    if (text_width(name, KP_TEXT_NUL, size, 0) <= maxw)
        return size;
    char *lines[2];
    int n = slot_lines(name, size, maxw, lines);
    double need = size;
    for (int k = 0; k < n; k++) {
        double w = text_width(lines[k], KP_TEXT_NUL, size, 0);
        if (w > maxw && (k == 0 || strchr(lines[k], ' ') == NULL))
            need = fmin(need, size * maxw / w);
    }
    free(lines[0]), free(lines[1]);
    return fmax(need, size * 0.75);
}

/* A name at slot i at `size`: left or right of the plot one line, shrunk (to
 * 80%) or cut with "…" to fit; below it (centred), up to two lines. */
static void draw_slot(const struct replay *R, const struct kp_figures *fg, const struct kp_vg *vg,
                      size_t i, const char *name, double size)
{
    const struct kp_vg_slot *sl = vg_slot(vg, i);
    double maxw = fmax(sl->max_w * R->f.s, 1);
    double x = px(R, sl->x), y = py(R, sl->y);
    kp_color c = KP_RGB(fg->st.text);
    enum kp_anchor a = anchor_of(sl->anchor);
    if (sl->anchor != KP_VG_MIDDLE || text_width(name, KP_TEXT_NUL, size, 0) <= maxw) {
        text_fitted(R->doc, x, y, size, 0, c, a, maxw, name);
        return;
    }
    char *lines[2];
    int n = slot_lines(name, size, maxw, lines);
    pdf_note_missing(R->doc, name); /* the lines are cleaned text */
    for (int k = 0; k < n; k++)
        text_fitted(R->doc, x, y - k * size * 1.15, size, 0, c, a, maxw, lines[k]);
    free(lines[0]), free(lines[1]);
}

/* The names at the slots, those below the plot all at one size. */
static void draw_slots(const struct replay *R, const struct kp_figures *fg, const struct kp_vg *vg,
                       const char *const *names, size_t n)
{
    double size = INFINITY;
    n = n < vg_nslots(vg) ? n : vg_nslots(vg);
    for (size_t i = 0; i < n; i++) {
        const struct kp_vg_slot *sl = vg_slot(vg, i);
        double own = sl->size * R->f.s;
        if (sl->anchor == KP_VG_MIDDLE)
            own = slot_size(names[i] ? names[i] : "", own, fmax(sl->max_w * R->f.s, 1));
        size = fmin(size, own);
    }
    for (size_t i = 0; i < n; i++) {
        const struct kp_vg_slot *sl = vg_slot(vg, i);
        double own = sl->anchor == KP_VG_MIDDLE ? size : sl->size * R->f.s;
        draw_slot(R, fg, vg, i, names[i] ? names[i] : "", own);
    }
}

/* ------------------------------------------------------------------ */
/* One chart in its box                                                */

struct names {
    const char **v;
    size_t n;
};

/* Draw what the builder gave (rc) below the title in the box (x, y, w, h);
 * the title is the label title_key, NULL for the chart type's own. */
static void finish(struct kp_figures *fg, struct kp_pdf *doc, const struct kp_lang *lang, int type,
                   const char *title_key, int rc, struct kp_vg *vg, const struct names *nm,
                   const char *who, double x, double y, double w, double h)
{
    double t0 = sys_clock_ms();
    text_fitted(doc, x, y + h - 10, TITLE_SIZE, 1, KP_RGB(C_TEXT), KP_START, w,
                label(lang, title_key ? title_key : title_keys[type]));
    h -= TITLE_H;
    if (rc == KP_CHART_OK) {
        struct replay R = {doc, lang, {1, 0, 0}, 0, 0, 0, 0};
        vg_fit(vg, x, y, w, h, &R.f);
        replay(&R, vg);
        draw_legend(&R, fg, type, vg);
        if (nm)
            draw_slots(&R, fg, vg, nm->v, nm->n);
    } else if (rc == KP_CHART_EMPTY) {
        draw_note(doc, label(lang, "no_data"), 0, x, y, w, h);
    } else {
        fg->failures++;
        draw_note(doc, label(lang, "unavailable"), 1, x, y, w, h);
        diag(KP_ERROR, NULL, 0, 0, "%s: the %s chart is unavailable: %s", who, kp_chart_names[type],
             gnuplot_error(fg->gp));
    }
    vg_free(vg);
    fg->replay_ms += sys_clock_ms() - t0;
}

/* A builder's result, its time (since t0) added to the engine's. */
static int engine_done(struct kp_figures *fg, double t0, int rc)
{
    fg->engine_ms += sys_clock_ms() - t0;
    fg->charts++;
    return rc;
}

/* ------------------------------------------------------------------ */
/* The person charts' numbers                                          */

/* The first month (index into the series) in which r has any value; n when
 * none (or no record). */
static int first_data(const struct kp_meta *m, const struct kp_record *r, size_t ncols)
{
    if (!r || !r->cols)
        return m->nmonths;
    for (int i = 0; i < m->nmonths; i++)
        for (size_t c = 0; c < ncols; c++)
            if (isfinite(r->cols[c * (size_t)m->nmonths + (size_t)i]))
                return i;
    return m->nmonths;
}

/* The months a monthly chart shows: meta's from the first month with data
 * (the person's or, when given, the team's; the history before the data is
 * not drawn as empty months), the window always; at most the last 120. */
static void monthly_span(const struct kp_meta *m, const struct kp_record *r,
                         const struct kp_record *team, struct kp_chart_monthly *in, int *skip)
{
    int first = first_data(m, r, m->ncols), t = first_data(m, team, m->ncols);
    if (t < first)
        first = t;
    if (first > m->from - m->m0)
        first = m->from - m->m0;
    if (first < 0)
        first = 0;
    *skip = m->nmonths - first > 120 ? m->nmonths - 120 : first;
    in->first = m->m0 + *skip;
    in->n = m->nmonths - *skip;
    int hist = (int)(m->from - in->first);
    in->nhist = hist < 0 ? 0 : hist > in->n ? in->n : hist;
}

static const double *col_series(const struct kp_figures *fg, const struct kp_record *r, int c)
{
    return c < 0 ? NULL : r->cols + (size_t)c * (size_t)fg->meta->nmonths;
}

static int person_revenue(struct kp_figures *fg, const struct kp_record *r,
                          const struct kp_record *team, const struct kp_chart_box *box,
                          struct kp_vg **vg)
{
    struct kp_chart_monthly in;
    int skip, rc;
    if (fg->col_rev < 0)
        return KP_CHART_EMPTY;
    monthly_span(fg->meta, r, team, &in, &skip); /* the same months as the attainment's */
    in.a = col_series(fg, r, fg->col_rev) + skip;
    in.b = fg->col_quota >= 0 ? col_series(fg, r, fg->col_quota) + skip : NULL;
    double t0 = sys_clock_ms();
    rc = engine_done(fg, t0, chart_revenue(fg->gp, &fg->st, box, &in, vg));
    return rc;
}

/* A KPI's monthly series in percent (new array), NULL without a record. */
static double *percent_series(const struct kp_record *r, int k, int skip, int n)
{
    if (!r)
        return NULL;
    double *v = xmalloc((size_t)n * sizeof *v);
    for (int i = 0; i < n; i++)
        v[i] = r->kpis[k].series[skip + i] * 100;
    return v;
}

static int person_attainment(struct kp_figures *fg, const struct kp_record *r,
                             const struct kp_record *team, const struct kp_chart_box *box,
                             struct kp_vg **vg)
{
    struct kp_chart_monthly in;
    int skip, rc;
    if (fg->att < 0)
        return KP_CHART_EMPTY;
    monthly_span(fg->meta, r, team, &in, &skip);
    double *a = percent_series(r, fg->att, skip, in.n),
           *b = percent_series(team, fg->att, skip, in.n);
    in.a = a, in.b = b;
    double t0 = sys_clock_ms();
    rc = engine_done(fg, t0, chart_attainment(fg->gp, &fg->st, box, &in, vg));
    free(a), free(b);
    return rc;
}

static const char *kpi_label(const struct kp_figures *fg, const struct kp_lang *lang, size_t k)
{
    if (k >= fg->cfg->nkpis)
        return fg->meta->kpis[k];
    const struct kp_kpi_def *d = &fg->cfg->kpis[k];
    return text_get(d->label, d->nlabel, lang_code(lang), d->id);
}

/* The KPIs r's role weights: points against the team's mean points. */
static int person_kpis(struct kp_figures *fg, const struct kp_lang *lang, const struct kp_record *r,
                       const struct kp_chart_box *box, struct kp_vg **vg, struct names *nm)
{
    size_t nk = fg->meta->nkpis;
    double *pts = xcalloc(nk + 1, sizeof *pts), *team = xcalloc(nk + 1, sizeof *team);
    int n = 0, rc = KP_CHART_EMPTY;
    for (size_t k = 0; k < nk && n < 40; k++) {
        const struct kp_kpival *v = &r->kpis[k];
        if (!(v->weight > 0))
            continue;
        pts[n] = v->status == KP_ST_OK ? v->points : NAN;
        team[n] = v->group_points;
        nm->v[n++] = kpi_label(fg, lang, k);
    }
    nm->n = (size_t)n;
    if (n > 0) {
        struct kp_chart_kpis in = {n, pts, team};
        double t0 = sys_clock_ms();
        rc = engine_done(fg, t0, chart_kpis(fg->gp, &fg->st, box, &in, vg));
    }
    free(pts), free(team);
    return rc;
}

/* A column's sum over the review window; NaN when no month has a value. */
static double window_sum(const struct kp_figures *fg, const struct kp_record *r, int c)
{
    const struct kp_meta *m = fg->meta;
    double s = NAN;
    if (c < 0)
        return NAN;
    const double *v = col_series(fg, r, c);
    for (int i = (int)(m->from - m->m0); i < m->nmonths; i++)
        if (i >= 0 && isfinite(v[i]))
            s = isnan(s) ? v[i] : s + v[i];
    return s;
}

static int person_funnel(struct kp_figures *fg, const struct kp_lang *lang,
                         const struct kp_record *r, const struct kp_chart_box *box,
                         struct kp_vg **vg, struct names *nm)
{
    int rc;
    struct kp_chart_funnel in = {window_sum(fg, r, fg->col_visits), window_sum(fg, r, fg->col_opps),
                                 window_sum(fg, r, fg->col_won)};
    nm->v[0] = label(lang, "visits");
    nm->v[1] = label(lang, "opportunities");
    nm->v[2] = label(lang, "won");
    nm->n = 3;
    double t0 = sys_clock_ms();
    rc = engine_done(fg, t0, chart_funnel(fg->gp, &fg->st, box, &in, vg));
    return rc;
}

void figures_person(struct kp_figures *fg, struct kp_pdf *doc, const struct kp_lang *lang, size_t i,
                    const struct kp_record *r, const struct kp_record *team, double x, double y,
                    double w, double h)
{
    if (!fg || i >= fg->nperson || h <= TITLE_H + 20)
        return;
    int type = fg->person[i], rc = KP_CHART_EMPTY;
    struct kp_chart_box box = {w, h - TITLE_H, 0};
    struct kp_vg *vg = NULL;
    const char **v = xcalloc(fg->meta->nkpis + 4, sizeof *v);
    struct names nm = {v, 0};
    switch (type) {
    case KP_CHART_REVENUE: rc = person_revenue(fg, r, team, &box, &vg); break;
    case KP_CHART_ATTAINMENT: rc = person_attainment(fg, r, team, &box, &vg); break;
    case KP_CHART_KPIS: rc = person_kpis(fg, lang, r, &box, &vg, &nm); break;
    case KP_CHART_FUNNEL: rc = person_funnel(fg, lang, r, &box, &vg, &nm); break;
    }
    finish(fg, doc, lang, type, NULL, rc, vg, &nm, r->id, x, y, w, h);
    free(v);
}

/* ------------------------------------------------------------------ */
/* The team charts                                                     */

struct team_ctx {
    struct kp_figures *fg;
    struct kp_pdf *doc;
    const struct kp_lang *lang;
    const struct kp_record *t, *org;
    struct kp_record *const *teams;
    size_t nteams;
    double *y, left, right, bottom;
    void (*new_page)(void *arg);
    void *arg;
    char *who; /* "team <id>" for messages */
};

/* Room for a block h tall: a new page when it does not fit (and can). */
static void team_need(struct team_ctx *c, double h)
{
    if (*c->y - h < c->bottom && c->new_page)
        c->new_page(c->arg);
}

static double percent_of(double v)
{
    return isfinite(v) ? v * 100 : NAN;
}

static void team_distribution(struct team_ctx *c, double x, double top, double w, double h)
{
    struct kp_figures *fg = c->fg;
    size_t n = c->t->nmembers;
    double *s = xcalloc(n + 1, sizeof *s), sum = 0;
    int k = 0, rc = KP_CHART_EMPTY;
    for (size_t i = 0; i < n; i++) {
        s[i] = c->t->members[i].composite;
        if (isfinite(s[i]))
            sum += s[i], k++;
    }
    struct kp_vg *vg = NULL;
    struct kp_chart_box box = {w, h - TITLE_H, 0};
    struct kp_chart_distribution in = {(int)n, s, 10, k ? sum / k : NAN};
    double t0 = sys_clock_ms();
    if (n > 0)
        rc = engine_done(fg, t0, chart_distribution(fg->gp, &fg->st, &box, &in, &vg));
    finish(fg, c->doc, c->lang, KP_CHART_DISTRIBUTION, NULL, rc, vg, NULL, c->who, x, top - h, w,
           h);
    free(s);
}

/* Teams in the order of their attainment, highest first, n/a last; ties
 * in the teams' own order. */
struct by_att {
    double v;
    size_t i;
};

static int by_att_cmp(const void *a, const void *b)
{
    const struct by_att *x = a, *y = b;
    int fx = isfinite(x->v), fy = isfinite(y->v);
    if (fx != fy)
        return fy - fx;
    if (fx && x->v != y->v)
        return x->v < y->v ? 1 : -1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Team against team: attainment (a ratio of sums, so teams of any size
 * compare), the org's as the reference line. Up to TEAMS_SHOWN teams as
 * they are; more would be bars too thin to read: then this team and the
 * teams nearest it in attainment rank, in rank order, under their own
 * title. */
#define TEAMS_SHOWN 12
static void team_teams(struct team_ctx *c, double x, double top, double w, double h)
{
    struct kp_figures *fg = c->fg;
    size_t n = c->nteams < TEAMS_SHOWN ? c->nteams : TEAMS_SHOWN, from = 0;
    struct by_att *order = xcalloc(c->nteams + 1, sizeof *order);
    for (size_t i = 0; i < c->nteams; i++) {
        order[i].v = fg->att >= 0 ? percent_of(c->teams[i]->kpis[fg->att].value) : NAN;
        order[i].i = i;
    }
    if (c->nteams > TEAMS_SHOWN) {
        qsort(order, c->nteams, sizeof *order, by_att_cmp);
        size_t at = 0;
        for (size_t k = 0; k < c->nteams; k++)
            if (c->teams[order[k].i] == c->t || str_eq(c->teams[order[k].i]->id, c->t->id))
                at = k;
        from = at < TEAMS_SHOWN / 2 ? 0 : at - TEAMS_SHOWN / 2;
        if (from + n > c->nteams)
            from = c->nteams - n;
    }
    double *v = xcalloc(n + 1, sizeof *v);
    const char **names = xcalloc(n + 1, sizeof *names);
    int hi = -1, rc = KP_CHART_EMPTY;
    for (size_t i = 0; i < n; i++) {
        const struct kp_record *tm = c->teams[order[from + i].i];
        v[i] = order[from + i].v;
        names[i] = tm->name ? tm->name : tm->id;
        if (tm == c->t || str_eq(tm->id, c->t->id))
            hi = (int)i;
    }
    free(order);
    double ref = c->org && fg->att >= 0 ? percent_of(c->org->kpis[fg->att].value) : NAN;
    struct kp_chart_teams in = {(int)n, v, hi, 1, ref};
    struct kp_chart_box box = {w, h - TITLE_H, 0};
    struct kp_vg *vg = NULL;
    struct names nm = {names, n};
    double t0 = sys_clock_ms();
    if (n > 0)
        rc = engine_done(fg, t0, chart_teams(fg->gp, &fg->st, &box, &in, &vg));
    finish(fg, c->doc, c->lang, KP_CHART_TEAMS, c->nteams > TEAMS_SHOWN ? "teams_near_title" : NULL,
           rc, vg, &nm, c->who, x, top - h, w, h);
    free(v);
    free(names);
}

/* Members order[from..from+n) (sorted by what the bars show), attainment
 * bars, names at the left. */
static void ranked_part(struct team_ctx *c, const struct by_att *order, size_t from, size_t n)
{
    struct kp_figures *fg = c->fg;
    double *v = xcalloc(n + 1, sizeof *v), h = TITLE_H + RANK_ROW * (double)n + 40;
    const char **names = xcalloc(n + 1, sizeof *names);
    int rc = KP_CHART_EMPTY;
    for (size_t i = 0; i < n; i++) {
        const struct kp_member *m = &c->t->members[order[from + i].i];
        v[i] = order[from + i].v;
        names[i] = m->name ? m->name : m->rep_id;
    }
    team_need(c, h);
    double w = c->right - c->left;
    struct kp_chart_box box = {w, h - TITLE_H, fmin(150, w * 0.3)};
    struct kp_chart_ranked in = {(int)n, v};
    struct kp_vg *vg = NULL;
    struct names nm = {names, n};
    double t0 = sys_clock_ms();
    if (fg->att == 0) /* members carry the first KPI's value */
        rc = engine_done(fg, t0, chart_ranked(fg->gp, &fg->st, &box, &in, &vg));
    finish(fg, c->doc, c->lang, KP_CHART_RANKED, NULL, rc, vg, &nm, c->who, c->left, *c->y - h, w,
           h);
    *c->y -= h + ROW_GAP;
    free(v);
    free(names);
}

/* As many members per chart as a page holds; the members in the order of
 * the attainment the bars show, highest first (n/a last, ties in rank
 * order) — not in composite rank, which would put 95% above 96%. */
static void team_ranked(struct team_ctx *c, double page_room)
{
    size_t n = c->t->nmembers;
    size_t per = (size_t)fmax(5, floor((page_room - TITLE_H - 40) / RANK_ROW));
    struct by_att *order = xcalloc(n + 1, sizeof *order);
    for (size_t i = 0; i < n; i++) {
        order[i].v = percent_of(c->t->members[i].attainment);
        order[i].i = i;
    }
    qsort(order, n, sizeof *order, by_att_cmp);
    if (n == 0)
        ranked_part(c, order, 0, 0);
    for (size_t from = 0; from < n; from += per)
        ranked_part(c, order, from, n - from < per ? n - from : per);
    free(order);
}

/* Distribution and team-against-team side by side (or alone at full width). */
static void team_pair(struct team_ctx *c, int a, int b)
{
    const double h = 170;
    double width = c->right - c->left, w = b >= 0 ? (width - ROW_GAP) / 2 : width;
    team_need(c, h);
    int types[2] = {a, b};
    for (int i = 0; i < 2 && types[i] >= 0; i++) {
        double x = c->left + i * (w + ROW_GAP);
        if (types[i] == KP_CHART_DISTRIBUTION)
            team_distribution(c, x, *c->y, w, h);
        else
            team_teams(c, x, *c->y, w, h);
    }
    *c->y -= h + ROW_GAP;
}

void figures_team(struct kp_figures *fg, struct kp_pdf *doc, const struct kp_lang *lang,
                  const struct kp_record *t, const struct kp_record *org,
                  struct kp_record *const *teams, size_t nteams, double *y, double left,
                  double right, double bottom, void (*new_page)(void *arg), void *arg)
{
    if (!fg || fg->nteam == 0)
        return;
    struct team_ctx c = {fg, doc,  lang,  t,      org,      teams, nteams,
                         y,  left, right, bottom, new_page, arg,   xasprintf("team %s", t->id)};
    double pw, ph;
    pdf_page_size(doc, &pw, &ph);
    double page_room = ph - 70 - bottom; /* a new page's free space, below its header */
    int pending = -1;                    /* a half-width chart waiting for its neighbour */
    for (size_t i = 0; i < fg->nteam; i++) {
        int type = fg->team[i];
        if (type == KP_CHART_RANKED) {
            if (pending >= 0)
                team_pair(&c, pending, -1), pending = -1;
            team_ranked(&c, page_room);
        } else if (pending >= 0) {
            team_pair(&c, pending, type), pending = -1;
        } else {
            pending = type;
        }
    }
    if (pending >= 0)
        team_pair(&c, pending, -1);
    free(c.who);
}
