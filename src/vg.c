/* vg — see vg.h. */
#include "vg.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct kp_vg {
    double w, h;
    struct kp_vg_item *items;
    size_t nitems, items_cap;
    struct kp_vg_seg *segs;
    size_t nsegs, segs_cap;
    struct kp_buf text;
    size_t max_items, max_segs, max_text;
    int open;         /* a path is being built: items[nitems] is it */
    int clip_depth;
    int has_plot;
    struct kp_vg_plot plot;
    struct kp_vg_slot *slots;
    size_t nslots, slots_cap;
    struct kp_vg_key *keys;
    size_t nkeys, keys_cap;
    double lx, ly, lw, lh;
};

struct kp_vg *vg_new(double width, double height)
{
    struct kp_vg *vg = xcalloc(1, sizeof *vg);
    vg->w = width;
    vg->h = height;
    vg->max_items = 50000;
    vg->max_segs = 200000;
    vg->max_text = 1 << 20;
    return vg;
}

void vg_free(struct kp_vg *vg)
{
    if (!vg)
        return;
    free(vg->items);
    free(vg->segs);
    buf_free(&vg->text);
    free(vg->slots);
    free(vg->keys);
    free(vg);
}

void vg_set_limits(struct kp_vg *vg, size_t max_items, size_t max_segs, size_t max_text)
{
    vg->max_items = max_items;
    vg->max_segs = max_segs;
    vg->max_text = max_text;
}

double vg_width(const struct kp_vg *vg)
{
    return vg->w;
}

double vg_height(const struct kp_vg *vg)
{
    return vg->h;
}

size_t vg_count(const struct kp_vg *vg)
{
    return vg->nitems;
}

const struct kp_vg_item *vg_item(const struct kp_vg *vg, size_t i)
{
    return i < vg->nitems ? &vg->items[i] : NULL;
}

const struct kp_vg_seg *vg_segs(const struct kp_vg *vg, const struct kp_vg_item *it)
{
    return vg->segs + it->seg0;
}

const char *vg_text(const struct kp_vg *vg, const struct kp_vg_item *it)
{
    return vg->text.s + it->text0;
}

void vg_style_init(struct kp_vg_style *st)
{
    memset(st, 0, sizeof *st);
    st->fill_opacity = 1;
    st->stroke_opacity = 1;
    st->width = 1;
}

/* A new item slot at items[nitems] (not yet counted), or NULL at the limit. */
static struct kp_vg_item *item_slot(struct kp_vg *vg)
{
    if (vg->nitems >= vg->max_items)
        return NULL;
    xgrow(&vg->items, &vg->items_cap, vg->nitems + 1, sizeof *vg->items);
    struct kp_vg_item *it = &vg->items[vg->nitems];
    memset(it, 0, sizeof *it);
    return it;
}

int vg_path_begin(struct kp_vg *vg, const struct kp_vg_style *st)
{
    vg_path_end(vg);
    struct kp_vg_item *it = item_slot(vg);
    if (!it)
        return -1;
    it->kind = KP_VG_PATH;
    it->style = *st;
    it->seg0 = vg->nsegs;
    vg->open = 1;
    return 0;
}

static int add_seg(struct kp_vg *vg, enum kp_vg_op op, const double *xy, int npts)
{
    if (!vg->open)
        return -1;
    for (int i = 0; i < 2 * npts; i++)
        if (!isfinite(xy[i]))
            return -1;
    if (vg->nsegs >= vg->max_segs) {
        vg->nsegs = vg->items[vg->nitems].seg0; /* drop the unfinished path */
        vg->open = 0;
        return -1;
    }
    xgrow(&vg->segs, &vg->segs_cap, vg->nsegs + 1, sizeof *vg->segs);
    struct kp_vg_seg *s = &vg->segs[vg->nsegs++];
    memset(s, 0, sizeof *s);
    s->op = op;
    for (int i = 0; i < npts; i++) {
        s->x[i] = xy[2 * i];
        s->y[i] = xy[2 * i + 1];
    }
    return 0;
}

int vg_move(struct kp_vg *vg, double x, double y)
{
    double p[2] = {x, y};
    return add_seg(vg, KP_VG_MOVE, p, 1);
}

int vg_line(struct kp_vg *vg, double x, double y)
{
    double p[2] = {x, y};
    return add_seg(vg, KP_VG_LINE, p, 1);
}

int vg_curve(struct kp_vg *vg, double x1, double y1, double x2, double y2, double x3, double y3)
{
    double p[6] = {x1, y1, x2, y2, x3, y3};
    return add_seg(vg, KP_VG_CURVE, p, 3);
}

int vg_close(struct kp_vg *vg)
{
    return add_seg(vg, KP_VG_CLOSE, NULL, 0);
}

/* Does the path draw anything: a segment other than a move? */
static int path_draws(const struct kp_vg *vg, const struct kp_vg_item *it)
{
    if (!it->style.fill_on && !it->style.stroke_on)
        return 0;
    for (size_t i = it->seg0; i < vg->nsegs; i++)
        if (vg->segs[i].op != KP_VG_MOVE)
            return 1;
    return 0;
}

void vg_path_end(struct kp_vg *vg)
{
    if (!vg->open)
        return;
    vg->open = 0;
    struct kp_vg_item *it = &vg->items[vg->nitems];
    if (!path_draws(vg, it)) {
        vg->nsegs = it->seg0;
        return;
    }
    it->nseg = vg->nsegs - it->seg0;
    vg->nitems++;
}

int vg_add_text(struct kp_vg *vg, double x, double y, double rot, double size,
                enum kp_vg_anchor anchor, uint32_t color, double opacity, const char *s, size_t n)
{
    vg_path_end(vg);
    if (!isfinite(x) || !isfinite(y) || !isfinite(rot) || !isfinite(size))
        return -1;
    if (vg->text.len + n + 1 > vg->max_text)
        return -1;
    struct kp_vg_item *it = item_slot(vg);
    if (!it)
        return -1;
    it->kind = KP_VG_TEXT;
    it->x = x, it->y = y, it->rot = rot, it->size = size;
    it->anchor = anchor;
    it->color = color & 0xFFFFFF;
    it->opacity = opacity;
    it->text0 = vg->text.len;
    buf_add(&vg->text, s, n);
    buf_addc(&vg->text, '\0');
    vg->nitems++;
    return 0;
}

int vg_clip_push(struct kp_vg *vg, double x, double y, double w, double h)
{
    vg_path_end(vg);
    if (!isfinite(x) || !isfinite(y) || !isfinite(w) || !isfinite(h))
        return -1;
    struct kp_vg_item *it = item_slot(vg);
    if (!it)
        return -1;
    it->kind = KP_VG_CLIP;
    it->x = x, it->y = y, it->w = w, it->h = h;
    vg->nitems++;
    vg->clip_depth++;
    return 0;
}

int vg_clip_pop(struct kp_vg *vg)
{
    vg_path_end(vg);
    if (vg->clip_depth == 0)
        return -1;
    /* Popping must never fail on the limit, or clips would stay unbalanced. */
    xgrow(&vg->items, &vg->items_cap, vg->nitems + 1, sizeof *vg->items);
    struct kp_vg_item *it = &vg->items[vg->nitems++];
    memset(it, 0, sizeof *it);
    it->kind = KP_VG_UNCLIP;
    vg->clip_depth--;
    return 0;
}

void vg_set_plot(struct kp_vg *vg, const struct kp_vg_plot *p)
{
    vg->plot = *p;
    if (!(vg->plot.yscale > 0))
        vg->plot.yscale = 1;
    vg->has_plot = 1;
}

const struct kp_vg_plot *vg_plot(const struct kp_vg *vg)
{
    return vg->has_plot ? &vg->plot : NULL;
}

int vg_map(const struct kp_vg *vg, double dx, double dy, double *ux, double *uy)
{
    const struct kp_vg_plot *p = &vg->plot;
    if (!vg->has_plot || p->xmax == p->xmin || p->ymax == p->ymin)
        return -1;
    *ux = p->left + (dx - p->xmin) / (p->xmax - p->xmin) * (p->right - p->left);
    *uy = p->bottom + (dy / p->yscale - p->ymin) / (p->ymax - p->ymin) * (p->top - p->bottom);
    return 0;
}

void vg_add_slot(struct kp_vg *vg, const struct kp_vg_slot *s)
{
    xgrow(&vg->slots, &vg->slots_cap, vg->nslots + 1, sizeof *vg->slots);
    vg->slots[vg->nslots++] = *s;
}

size_t vg_nslots(const struct kp_vg *vg)
{
    return vg->nslots;
}

const struct kp_vg_slot *vg_slot(const struct kp_vg *vg, size_t i)
{
    return i < vg->nslots ? &vg->slots[i] : NULL;
}

void vg_add_key(struct kp_vg *vg, const struct kp_vg_key *k)
{
    xgrow(&vg->keys, &vg->keys_cap, vg->nkeys + 1, sizeof *vg->keys);
    vg->keys[vg->nkeys++] = *k;
}

size_t vg_nkeys(const struct kp_vg *vg)
{
    return vg->nkeys;
}

const struct kp_vg_key *vg_key(const struct kp_vg *vg, size_t i)
{
    return i < vg->nkeys ? &vg->keys[i] : NULL;
}

void vg_set_legend(struct kp_vg *vg, double x, double y, double w, double h)
{
    vg->lx = x, vg->ly = y, vg->lw = w, vg->lh = h;
}

void vg_legend(const struct kp_vg *vg, double *x, double *y, double *w, double *h)
{
    *x = vg->lx, *y = vg->ly, *w = vg->lw, *h = vg->lh;
}

size_t vg_count_kind(const struct kp_vg *vg, enum kp_vg_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < vg->nitems; i++)
        n += vg->items[i].kind == kind;
    return n;
}

void vg_fit(const struct kp_vg *vg, double x, double y, double w, double h, struct kp_vg_fit *f)
{
    double sx = vg->w > 0 ? w / vg->w : 1, sy = vg->h > 0 ? h / vg->h : 1;
    f->s = sx < sy ? sx : sy;
    f->tx = x + (w - f->s * vg->w) / 2;
    f->ty = y + h - (h - f->s * vg->h) / 2;
}

static void dump_style(const struct kp_vg_style *st, struct kp_buf *out)
{
    if (st->fill_on)
        buf_printf(out, " fill=#%06x", (unsigned)st->fill);
    if (st->fill_on && st->fill_opacity < 1)
        buf_printf(out, "/%.2f", st->fill_opacity);
    if (st->stroke_on)
        buf_printf(out, " stroke=#%06x w=%.2f", (unsigned)st->stroke, st->width);
    if (st->stroke_on && st->stroke_opacity < 1)
        buf_printf(out, "/%.2f", st->stroke_opacity);
    for (int i = 0; i < st->ndash; i++)
        buf_printf(out, "%s%.2f", i ? "," : " dash=", st->dash[i]);
}

static void dump_segs(const struct kp_vg *vg, const struct kp_vg_item *it, struct kp_buf *out)
{
    static const char ops[] = "MLCZ";
    for (size_t j = 0; j < it->nseg; j++) {
        const struct kp_vg_seg *s = &vg->segs[it->seg0 + j];
        buf_printf(out, " %c", ops[s->op]);
        int n = s->op == KP_VG_CURVE ? 3 : s->op == KP_VG_CLOSE ? 0 : 1;
        for (int k = 0; k < n; k++)
            buf_printf(out, "%s%.2f,%.2f", k ? " " : "", s->x[k], s->y[k]);
    }
}

void vg_dump(const struct kp_vg *vg, struct kp_buf *out)
{
    static const char *const anchors[] = {"start", "middle", "end"};
    buf_printf(out, "vg %.2f x %.2f\n", vg->w, vg->h);
    for (size_t i = 0; i < vg->nitems; i++) {
        const struct kp_vg_item *it = &vg->items[i];
        switch (it->kind) {
        case KP_VG_PATH:
            buf_adds(out, "path");
            dump_style(&it->style, out);
            dump_segs(vg, it, out);
            break;
        case KP_VG_TEXT:
            buf_printf(out, "text %.2f,%.2f rot=%.0f size=%.2f %s #%06x \"%s\"", it->x, it->y,
                       it->rot, it->size, anchors[it->anchor], (unsigned)it->color,
                       vg_text(vg, it));
            break;
        case KP_VG_CLIP:
            buf_printf(out, "clip %.2f,%.2f %.2fx%.2f", it->x, it->y, it->w, it->h);
            break;
        case KP_VG_UNCLIP: buf_adds(out, "unclip"); break;
        }
        buf_addc(out, '\n');
    }
}
