/* vg — a vector display list: what a chart is made of, independent of any
 * PDF library.
 *
 * Takes primitives from a producer (svg.c replays gnuplot's svg output into
 * one; chart.c adds the plot-area mapping, label slots and legend keys) and
 * gives them back, in drawing order, to a consumer (the PDF adapter).
 *
 * Coordinates are the chart's "user units": the svg's own coordinates, origin
 * at the top-left corner, y pointing DOWN, 1 unit = 1 pt when the chart is
 * drawn at its natural size (vg_width x vg_height). Colours are 0xRRGGBB.
 *
 * Items, in drawing order:
 *   KP_VG_PATH    segments (vg_segs) painted with a style: fill first (by its
 *                 fill rule), then stroke. Either may be off; never both.
 *   KP_VG_TEXT    one line of UTF-8 (vg_text) set on a baseline through
 *                 (x, y): `anchor` says which end of the line (or its middle)
 *                 sits at (x, y); `rot` turns the baseline counter-clockwise
 *                 AS SEEN ON THE PAGE, in degrees, about (x, y). Set it in the
 *                 document's own font at `size` user units.
 *   KP_VG_CLIP    intersect the clip with the rectangle x, y, w, h (top-left
 *                 corner, y down) until the matching KP_VG_UNCLIP (they nest;
 *                 a PDF consumer maps them to q ... re W n / Q).
 *
 * Replaying on a PDF page (libharu), with vg_fit's s, tx, ty and
 * P(u) = (tx + s * ux, ty - s * uy):
 *   PATH   GSave; alpha through an ExtGState when an opacity is < 1 (cache
 *          them); fill/stroke RGB; line width, dash (libharu 2.3.0 takes
 *          integer dash lengths: round s * dash, at least 1), cap, join;
 *          MoveTo/LineTo/CurveTo/ClosePath at P(...); Fill, Stroke or
 *          FillStroke (Eofill... when evenodd); GRestore.
 *   TEXT   w = the text's width in our font at s * size; off = 0, w/2, w for
 *          start, middle, end; r = rot in radians; text matrix
 *          [cos r, sin r, -sin r, cos r, P.x - off cos r, P.y - off sin r].
 *   CLIP   GSave; Rectangle(P(x, y + h), s w, s h); Clip; EndPath.
 *   UNCLIP GRestore.
 * Then set the names at the slots, and the legend from the keys.
 *
 * A struct kp_vg owns everything in it; vg_free releases it. The pointers
 * vg_item/vg_segs/vg_text return stay valid until the next vg_add_* call or
 * vg_free. Adding fails (returns -1) once a limit is reached (vg_set_limits:
 * by default 50,000 items, 200,000 segments, 1 MiB of text), so hostile input
 * cannot make a display list grow without bound. */
#ifndef KP_VG_H
#define KP_VG_H

#include <stddef.h>
#include <stdint.h>

struct kp_buf;

enum kp_vg_kind { KP_VG_PATH, KP_VG_TEXT, KP_VG_CLIP, KP_VG_UNCLIP };
enum kp_vg_op { KP_VG_MOVE, KP_VG_LINE, KP_VG_CURVE, KP_VG_CLOSE };
enum kp_vg_anchor { KP_VG_START, KP_VG_MIDDLE, KP_VG_END };
enum kp_vg_cap { KP_VG_CAP_BUTT, KP_VG_CAP_ROUND, KP_VG_CAP_SQUARE };
enum kp_vg_join { KP_VG_JOIN_MITER, KP_VG_JOIN_ROUND, KP_VG_JOIN_BEVEL };

#define KP_VG_MAXDASH 8

/* MOVE and LINE use point 0; CURVE is a cubic Bezier from the current point
 * through controls 0 and 1 to point 2; CLOSE uses none. */
struct kp_vg_seg {
    enum kp_vg_op op;
    double x[3], y[3];
};

struct kp_vg_style {
    int fill_on, stroke_on;
    uint32_t fill, stroke;       /* 0xRRGGBB */
    double fill_opacity;         /* 0..1 */
    double stroke_opacity;       /* 0..1 */
    double width;                /* stroke width, user units */
    double dash[KP_VG_MAXDASH];  /* on, off, on, ... user units; ndash 0 = solid */
    int ndash;
    enum kp_vg_cap cap;
    enum kp_vg_join join;
    int evenodd; /* fill rule: 0 nonzero winding, 1 even-odd */
};

struct kp_vg_item {
    enum kp_vg_kind kind;
    /* KP_VG_PATH */
    struct kp_vg_style style;
    size_t seg0, nseg; /* use vg_segs() */
    /* KP_VG_TEXT: baseline point, rotation, size, anchor, colour */
    double x, y, rot, size;
    enum kp_vg_anchor anchor;
    uint32_t color;
    double opacity;
    size_t text0; /* use vg_text() */
    /* KP_VG_CLIP: x, y (top-left) and w, h */
    double w, h;
};

/* The plot area: where gnuplot put the data rectangle, and the data values at
 * its edges, so our own code can place names, legends and category labels at
 * data positions. Data value v on the y axis maps as v / yscale (charts that
 * print "1.2M" plot millions: yscale 1e6). */
struct kp_vg_plot {
    double left, top, right, bottom; /* user units */
    double xmin, xmax;               /* data x at left, right */
    double ymin, ymax;               /* data y at bottom, top */
    double yscale;                   /* 1 unless the chart scaled its y data */
};

/* A place where our code sets a name the chart itself leaves out (a KPI, a
 * person, a team, a funnel stage): category i of the chart is slot i. Set the
 * text on the baseline through (x, y) with `anchor`, at font size `size`,
 * fitting it (shrink, wrap or ellipsis) into max_w along the baseline; rows of
 * wrapped text go downwards (y + line height). */
struct kp_vg_slot {
    double x, y;
    enum kp_vg_anchor anchor;
    double max_w;
    double size;
};

/* A legend entry: which series (the chart's own enum, see chart.h) is drawn
 * how. The consumer draws a swatch (filled box, or a short line, dashed when
 * `dashed`, with a dot when `point`) in `color`, then the series name. */
enum kp_vg_keykind { KP_VG_KEY_BOX, KP_VG_KEY_LINE };
struct kp_vg_key {
    int series;
    enum kp_vg_keykind kind;
    uint32_t color;
    int dashed, point;
};

struct kp_vg;

struct kp_vg *vg_new(double width, double height);
void vg_free(struct kp_vg *vg);
void vg_set_limits(struct kp_vg *vg, size_t max_items, size_t max_segs, size_t max_text);

double vg_width(const struct kp_vg *vg);
double vg_height(const struct kp_vg *vg);

/* Iteration, in drawing order. */
size_t vg_count(const struct kp_vg *vg);
const struct kp_vg_item *vg_item(const struct kp_vg *vg, size_t i);
const struct kp_vg_seg *vg_segs(const struct kp_vg *vg, const struct kp_vg_item *it);
const char *vg_text(const struct kp_vg *vg, const struct kp_vg_item *it);

/* Building. A path is begun with a style, given segments, then ended; an
 * empty path (or one that paints nothing) is dropped at vg_path_end. Every
 * call returns 0, or -1 when a limit is reached (the vg stays consistent:
 * an unfinished path is dropped). Coordinates must be finite. */
int vg_path_begin(struct kp_vg *vg, const struct kp_vg_style *st);
int vg_move(struct kp_vg *vg, double x, double y);
int vg_line(struct kp_vg *vg, double x, double y);
int vg_curve(struct kp_vg *vg, double x1, double y1, double x2, double y2, double x3, double y3);
int vg_close(struct kp_vg *vg);
void vg_path_end(struct kp_vg *vg);
int vg_add_text(struct kp_vg *vg, double x, double y, double rot, double size,
                enum kp_vg_anchor anchor, uint32_t color, double opacity, const char *s, size_t n);
int vg_clip_push(struct kp_vg *vg, double x, double y, double w, double h);
int vg_clip_pop(struct kp_vg *vg);
/* A style with nothing painted: black, width 1, opacity 1, solid. */
void vg_style_init(struct kp_vg_style *st);

/* The plot area (NULL until set). */
void vg_set_plot(struct kp_vg *vg, const struct kp_vg_plot *p);
const struct kp_vg_plot *vg_plot(const struct kp_vg *vg);
/* Data (x, y) -> user units. 0, or -1 when there is no plot area. */
int vg_map(const struct kp_vg *vg, double dx, double dy, double *ux, double *uy);

void vg_add_slot(struct kp_vg *vg, const struct kp_vg_slot *s);
size_t vg_nslots(const struct kp_vg *vg);
const struct kp_vg_slot *vg_slot(const struct kp_vg *vg, size_t i);
void vg_add_key(struct kp_vg *vg, const struct kp_vg_key *k);
size_t vg_nkeys(const struct kp_vg *vg);
const struct kp_vg_key *vg_key(const struct kp_vg *vg, size_t i);
/* Where the legend goes: the band above the plot area (user units). h is 0
 * when the chart left no room (a single series needs no legend). */
void vg_set_legend(struct kp_vg *vg, double x, double y, double w, double h);
void vg_legend(const struct kp_vg *vg, double *x, double *y, double *w, double *h);

/* Counts by kind (tests, statistics). */
size_t vg_count_kind(const struct kp_vg *vg, enum kp_vg_kind kind);

/* Drawing a chart into a box on a page whose y axis points UP (PDF): the box
 * has its lower-left corner at (x, y) and size w x h. The chart keeps its
 * aspect ratio, is scaled by s = min(w / vg_width, h / vg_height) and centred:
 *   page_x = tx + s * ux,  page_y = ty - s * uy.
 * Stroke widths, dash lengths and font sizes scale by s too. */
struct kp_vg_fit {
    double s, tx, ty;
};
void vg_fit(const struct kp_vg *vg, double x, double y, double w, double h, struct kp_vg_fit *f);

/* A readable dump, one item a line (tests, `-T tree`-style debugging). */
void vg_dump(const struct kp_vg *vg, struct kp_buf *out);

#endif
