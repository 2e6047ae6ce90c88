/* pdf — see pdf.h. Recording (the display list) first, replay with libharu
 * after. */
#include "pdf.h"

#include "diag.h"
#include "font.h"
#include "hash.h"
#include "sys.h"
#include "text.h"
#include "util.h"

#include <hpdf.h>
#include <hpdf_fontdef.h> /* HPDF_TTFontDef_GetGlyphid: see the end of this file */
#include <hpdf_utils.h>   /* HPDF_MemCpy, HPDF_MemSet: see the end of this file */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GSAVE        20
#define FAKE_BOLD_STROKE 0.03 /* stroke width of CJK bold, in em */
#define NO_STR           UINT32_MAX

/* How a face's text is written: a Type0 font (Identity-H, libharu's UTF-8
 * encoder: a CIDToGIDMap and widths for all 65536 code points, ~2 ms per
 * font) or, for Latin runs all in WinAnsiEncoding, a simple TrueType font
 * (/Widths for 224 codes, no CMap). Both come from the face's one subset. */
enum { ENC_UTF8, ENC_WINANSI, NENC };

enum opk {
    OP_TEXT,
    OP_MOVE,
    OP_LINE,
    OP_CURVE,
    OP_RECT,
    OP_CLOSE,
    OP_PAINT,
    OP_CLIP,
    OP_SAVE,
    OP_RESTORE,
    OP_CONCAT,
    OP_IMAGE,
    OP_LINK_PAGE,
    OP_LINK_URI,
};

/* One drawing operation. v[] by kind: TEXT x y size cos sin; MOVE/LINE x y;
 * CURVE x1 y1 x2 y2 x3 y3; RECT/IMAGE/LINK_* x y w h (LINK_PAGE: v[4] = top);
 * CONCAT a b c d e f. */
struct op {
    uint8_t kind;
    uint8_t face;
    uint8_t flag; /* TEXT: fake bold; CLIP: even-odd */
    uint8_t enc;  /* TEXT: ENC_UTF8 (str is UTF-8) or ENC_WINANSI (WinAnsi bytes) */
    kp_color color;
    uint32_t str; /* pool offset: TEXT text, LINK_URI uri */
    int32_t ref;  /* PAINT paint index, IMAGE image id, LINK_PAGE page */
    double v[6];
};

struct page {
    struct op *ops;
    size_t n, cap;
    int depth; /* open pdf_gsave()s */
};

struct image {
    char *data;
    size_t len;
};

struct bookmark {
    int parent, page;
    uint32_t title;
    double top;
};

struct label {
    int page, first;
    enum kp_numstyle style;
    uint32_t prefix;
};

struct kp_pdf {
    double width, height;
    struct page *pages;
    size_t npages, cap_pages;
    int cur;
    int in_path;
    struct kp_buf pool;
    struct kp_paint *paints;
    size_t npaints, cap_paints;
    struct image *images;
    size_t nimages, cap_images;
    struct bookmark *marks;
    size_t nmarks, cap_marks;
    struct label *labels;
    size_t nlabels, cap_labels;
    char *info[KP_NINFO];
    int has_date;
    time_t date;
    char *user_pw, *owner_pw; /* pdf_set_password; NULL = not encrypted */
    uint8_t used[KP_NFACES][0x10000 / 8];
    uint8_t needs[KP_NFACES][NENC]; /* the fonts the text ops use */
    uint32_t *missing;
    size_t nmissing, cap_missing;
    char *misuse;      /* the first misuse of the API */
    int max_link_page; /* highest page a link points to (-1: none) */
    size_t size;
    struct op dummy; /* written to when there is no page */
};

/* ---- recording ---- */

static void misuse(struct kp_pdf *d, const char *what)
{
    if (!d->misuse)
        d->misuse = xstrdup(what);
}

static uint32_t pool_add(struct kp_pdf *d, const char *s, size_t n)
{
    uint32_t off = (uint32_t)d->pool.len;
    buf_add(&d->pool, s, n);
    buf_addc(&d->pool, '\0');
    return off;
}

static struct op *op_add(struct kp_pdf *d, enum opk kind)
{
    int path_op = kind >= OP_MOVE && kind <= OP_CLIP;
    if (d->cur < 0) {
        misuse(d, "drawing before pdf_add_page()");
        return &d->dummy;
    }
    if (!path_op && d->in_path)
        misuse(d, "drawing while a path is open (missing pdf_paint or pdf_clip)");
    if (path_op && kind != OP_MOVE && kind != OP_RECT && !d->in_path)
        misuse(d, "path operation without pdf_move_to()");
    d->in_path = path_op && kind != OP_PAINT && kind != OP_CLIP;
    struct page *pg = &d->pages[d->cur];
    xgrow(&pg->ops, &pg->cap, pg->n + 1, sizeof *pg->ops);
    struct op *o = &pg->ops[pg->n++];
    memset(o, 0, sizeof *o);
    o->kind = (uint8_t)kind;
    o->str = NO_STR;
    return o;
}

struct kp_pdf *pdf_new(enum kp_paper paper)
{
    struct kp_pdf *d = xcalloc(1, sizeof *d);
    d->width = paper == KP_LETTER ? 612 : 595.276;
    d->height = paper == KP_LETTER ? 792 : 841.89;
    d->cur = -1;
    d->max_link_page = -1;
    buf_add(&d->pool, "", 0);
    return d;
}

void pdf_free(struct kp_pdf *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->npages; i++)
        free(d->pages[i].ops);
    free(d->pages);
    for (size_t i = 0; i < d->nimages; i++)
        free(d->images[i].data);
    free(d->images);
    for (int i = 0; i < KP_NINFO; i++)
        free(d->info[i]);
    buf_free(&d->pool);
    free(d->paints);
    free(d->marks);
    free(d->labels);
    free(d->missing);
    free(d->misuse);
    free(d->user_pw);
    free(d->owner_pw);
    free(d);
}

int pdf_add_page(struct kp_pdf *d)
{
    if (d->in_path)
        misuse(d, "new page while a path is open");
    xgrow(&d->pages, &d->cap_pages, d->npages + 1, sizeof *d->pages);
    memset(&d->pages[d->npages], 0, sizeof *d->pages);
    d->cur = (int)d->npages++;
    return d->cur;
}

void pdf_set_page(struct kp_pdf *d, int page)
{
    if (page < 0 || (size_t)page >= d->npages) {
        misuse(d, "pdf_set_page() to a page that does not exist");
        return;
    }
    if (d->in_path)
        misuse(d, "page change while a path is open");
    d->cur = page;
}

int pdf_page_count(const struct kp_pdf *d)
{
    return (int)d->npages;
}

int pdf_current_page(const struct kp_pdf *d)
{
    return d->cur;
}

void pdf_page_size(const struct kp_pdf *d, double *width, double *height)
{
    *width = d->width;
    *height = d->height;
}

int pdf_color_parse(const char *s, kp_color *out)
{
    size_t n = s ? strlen(s) : 0;
    if ((n != 7 && n != 4) || s[0] != '#')
        return -1;
    uint32_t v = 0;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        int h = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (h < 0)
            return -1;
        v = n == 7 ? v << 4 | (uint32_t)h : v << 8 | (uint32_t)(h * 17);
    }
    *out = KP_RGB(v);
    return 0;
}

/* ---- text ---- */

static void note_missing(struct kp_pdf *d, const uint32_t *cps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < d->nmissing && d->missing[j] != cps[i])
            j++;
        if (j < d->nmissing)
            continue;
        xgrow(&d->missing, &d->cap_missing, d->nmissing + 1, sizeof *d->missing);
        d->missing[d->nmissing++] = cps[i];
    }
}

static void mark_used(struct kp_pdf *d, enum kp_face f, const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while (p < end) {
        int32_t cp = utf8_next(&p, end);
        if (cp >= 0 && cp <= 0xFFFF)
            d->used[f][cp >> 3] |= (uint8_t)(1u << (cp & 7));
    }
}

static double clamp_size(double size)
{
    return !(size >= 0.1) ? 0.1 : size > 600 ? 600 : size;
}

static int all_spaces(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ')
            return 0;
    return 1;
}

/* The run's text in the pool: as WinAnsi bytes when it is Latin and they can
 * say it all, else as it is (UTF-8). Sets o->enc. */
static void store_text(struct kp_pdf *d, struct op *o, const char *s, size_t n)
{
    char *b = o->face < KP_FACE_CJK ? xmalloc(n + 1) : NULL; /* Noto Sans: WinAnsi when it can */
    long k = b ? text_to_winansi(s, n, b) : -1;
    o->enc = k >= 0 ? ENC_WINANSI : ENC_UTF8;
    o->str = k >= 0 ? pool_add(d, b, (size_t)k) : pool_add(d, s, n);
    free(b);
}

static void record_run(struct kp_pdf *d, const struct kp_runs *r, const struct kp_run *run,
                       const double v[5], kp_color color)
{
    const char *s = r->s + run->off;
    if (all_spaces(s, run->len))
        return; /* nothing to draw */
    struct op *o = op_add(d, OP_TEXT);
    memcpy(o->v, v, 5 * sizeof *v);
    o->face = (uint8_t)run->face;
    o->flag = (uint8_t)run->fake_bold;
    o->color = color;
    store_text(d, o, s, run->len);
    d->needs[run->face][o->enc] = 1;
    mark_used(d, run->face, s, run->len);
}

double pdf_textn(struct kp_pdf *d, const struct kp_textstyle *st, double x, double y,
                 enum kp_anchor a, const char *s, size_t n)
{
    struct kp_runs r;
    text_runs(&r, s, n, st->bold);
    note_missing(d, r.missing, r.nmissing);
    double size = clamp_size(st->size);
    long units = 0;
    for (size_t i = 0; i < r.n; i++)
        units += r.v[i].units;
    double w = (double)units * size / 1000.0;
    double rad = st->angle * M_PI / 180.0, c = cos(rad), sn = sin(rad);
    double pen = a == KP_MIDDLE ? -w / 2 : a == KP_END ? -w : 0;
    kp_color color = st->color ? st->color : KP_RGB(0);
    for (size_t i = 0; i < r.n; i++) {
        double v[5] = {x + pen * c, y + pen * sn, size, c, sn};
        record_run(d, &r, &r.v[i], v, color);
        pen += (double)r.v[i].units * size / 1000.0;
    }
    text_runs_free(&r);
    return w;
}

double pdf_text(struct kp_pdf *d, const struct kp_textstyle *st, double x, double y,
                enum kp_anchor a, const char *s)
{
    return pdf_textn(d, st, x, y, a, s, KP_TEXT_NUL);
}

double pdf_text_width(const struct kp_textstyle *st, const char *s)
{
    return text_width(s, KP_TEXT_NUL, clamp_size(st->size), st->bold);
}

static double leading_of(const struct kp_textstyle *st, double leading)
{
    return leading > 0 ? leading : 1.25 * clamp_size(st->size);
}

double pdf_paragraph(struct kp_pdf *d, const struct kp_textstyle *st, double x, double top,
                     double width, double leading, enum kp_anchor align, const char *s)
{
    double size = clamp_size(st->size);
    leading = leading_of(st, leading);
    struct kp_lines l;
    text_break(&l, s, KP_TEXT_NUL, size, st->bold, width);
    note_missing(d, l.missing, l.nmissing);
    struct kp_textstyle flat = *st;
    flat.angle = 0;
    double ax = align == KP_MIDDLE ? x + width / 2 : align == KP_END ? x + width : x;
    for (size_t i = 0; i < l.n; i++) {
        double base = top - (double)i * leading - (leading - size) / 2 - 0.8 * size;
        pdf_textn(d, &flat, ax, base, align, l.s + l.v[i].off, l.v[i].len);
    }
    double h = (double)l.n * leading;
    text_lines_free(&l);
    return h;
}

double pdf_paragraph_height(const struct kp_textstyle *st, double width, double leading,
                            const char *s)
{
    struct kp_lines l;
    text_break(&l, s, KP_TEXT_NUL, clamp_size(st->size), st->bold, width);
    double h = (double)l.n * leading_of(st, leading);
    text_lines_free(&l);
    return h;
}

/* ---- paths and shapes ---- */

static void path_op(struct kp_pdf *d, enum opk kind, const double *v, int nv)
{
    struct op *o = op_add(d, kind);
    for (int i = 0; i < nv; i++)
        o->v[i] = v[i];
}

void pdf_move_to(struct kp_pdf *d, double x, double y)
{
    path_op(d, OP_MOVE, (double[]){x, y}, 2);
}

void pdf_line_to(struct kp_pdf *d, double x, double y)
{
    path_op(d, OP_LINE, (double[]){x, y}, 2);
}

void pdf_curve_to(struct kp_pdf *d, double x1, double y1, double x2, double y2, double x3,
                  double y3)
{
    path_op(d, OP_CURVE, (double[]){x1, y1, x2, y2, x3, y3}, 6);
}

void pdf_rect_path(struct kp_pdf *d, double x, double y, double w, double h)
{
    path_op(d, OP_RECT, (double[]){x, y, w, h}, 4);
}

void pdf_close_path(struct kp_pdf *d)
{
    path_op(d, OP_CLOSE, NULL, 0);
}

void pdf_paint(struct kp_pdf *d, const struct kp_paint *p)
{
    int same = d->npaints && memcmp(&d->paints[d->npaints - 1], p, sizeof *p) == 0;
    if (!same) {
        xgrow(&d->paints, &d->cap_paints, d->npaints + 1, sizeof *d->paints);
        d->paints[d->npaints++] = *p;
    }
    struct op *o = op_add(d, OP_PAINT);
    o->ref = (int32_t)d->npaints - 1;
}

void pdf_clip(struct kp_pdf *d, int even_odd)
{
    struct op *o = op_add(d, OP_CLIP);
    o->flag = (uint8_t)(even_odd != 0);
}

void pdf_clip_rect(struct kp_pdf *d, double x, double y, double w, double h)
{
    pdf_rect_path(d, x, y, w, h);
    pdf_clip(d, 0);
}

static void round_rect_path(struct kp_pdf *d, double x, double y, double w, double h, double r)
{
    double k = r * 0.5523; /* Bézier control distance of a quarter circle */
    pdf_move_to(d, x + r, y);
    pdf_line_to(d, x + w - r, y);
    pdf_curve_to(d, x + w - r + k, y, x + w, y + r - k, x + w, y + r);
    pdf_line_to(d, x + w, y + h - r);
    pdf_curve_to(d, x + w, y + h - r + k, x + w - r + k, y + h, x + w - r, y + h);
    pdf_line_to(d, x + r, y + h);
    pdf_curve_to(d, x + r - k, y + h, x, y + h - r + k, x, y + h - r);
    pdf_line_to(d, x, y + r);
    pdf_curve_to(d, x, y + r - k, x + r - k, y, x + r, y);
    pdf_close_path(d);
}

void pdf_rect(struct kp_pdf *d, double x, double y, double w, double h, double radius,
              const struct kp_paint *p)
{
    if (w < 0)
        x += w, w = -w;
    if (h < 0)
        y += h, h = -h;
    double r = fmin(radius, fmin(w, h) / 2);
    if (r > 0)
        round_rect_path(d, x, y, w, h, r);
    else
        pdf_rect_path(d, x, y, w, h);
    pdf_paint(d, p);
}

void pdf_circle(struct kp_pdf *d, double cx, double cy, double r, const struct kp_paint *p)
{
    double k = r * 0.5523;
    pdf_move_to(d, cx + r, cy);
    pdf_curve_to(d, cx + r, cy + k, cx + k, cy + r, cx, cy + r);
    pdf_curve_to(d, cx - k, cy + r, cx - r, cy + k, cx - r, cy);
    pdf_curve_to(d, cx - r, cy - k, cx - k, cy - r, cx, cy - r);
    pdf_curve_to(d, cx + k, cy - r, cx + r, cy - k, cx + r, cy);
    pdf_close_path(d);
    pdf_paint(d, p);
}

void pdf_line(struct kp_pdf *d, double x1, double y1, double x2, double y2,
              const struct kp_paint *p)
{
    pdf_move_to(d, x1, y1);
    pdf_line_to(d, x2, y2);
    struct kp_paint q = *p;
    q.fill = KP_NONE;
    pdf_paint(d, &q);
}

void pdf_gsave(struct kp_pdf *d)
{
    op_add(d, OP_SAVE);
    if (d->cur >= 0 && ++d->pages[d->cur].depth > MAX_GSAVE)
        misuse(d, "pdf_gsave() nested too deep");
}

void pdf_grestore(struct kp_pdf *d)
{
    op_add(d, OP_RESTORE);
    if (d->cur >= 0 && --d->pages[d->cur].depth < 0)
        misuse(d, "pdf_grestore() without pdf_gsave()");
}

void pdf_transform(struct kp_pdf *d, const double m[6])
{
    struct op *o = op_add(d, OP_CONCAT);
    memcpy(o->v, m, 6 * sizeof *m);
}

/* ---- images, navigation, info ---- */

int pdf_png(struct kp_pdf *d, const void *png, size_t n)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    const unsigned char *b = png;
    if (n < 33 || memcmp(b, sig, 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0) {
        diag(KP_ERROR, NULL, 0, 0, "image is not a PNG file");
        return -1;
    }
    if (b[28] != 0) {
        diag(KP_ERROR, NULL, 0, 0, "interlaced PNG images are not supported");
        return -1;
    }
    xgrow(&d->images, &d->cap_images, d->nimages + 1, sizeof *d->images);
    struct image *im = &d->images[d->nimages];
    im->data = xmalloc(n);
    memcpy(im->data, png, n);
    im->len = n;
    return (int)d->nimages++;
}

void pdf_image(struct kp_pdf *d, int id, double x, double y, double w, double h)
{
    if (id < 0 || (size_t)id >= d->nimages) {
        misuse(d, "pdf_image() with an unknown image id");
        return;
    }
    struct op *o = op_add(d, OP_IMAGE);
    o->ref = id;
    o->v[0] = x, o->v[1] = y, o->v[2] = w, o->v[3] = h;
}

/* Text for the document information and the outline: cleaned UTF-8, cut
 * to KP_PDF_META_MAX bytes (at a character, then "…"): libharu refuses a
 * string over 65535 bytes as UTF-16 (HPDF_STRING_OUT_OF_RANGE), and one
 * person's 1 MB name must not fail their review or their team's packet. */
#define KP_PDF_META_MAX 4000
static char *meta_text(const char *s)
{
    if (!s) /* a team's name null in an edited results.json */
        s = "";
    size_t n = strlen(s);
    if (n <= KP_PDF_META_MAX)
        return utf8_clean(s, n, 0, NULL);
    n = KP_PDF_META_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    char *c = utf8_clean(s, n, 0, NULL);
    char *r = xasprintf("%s\xE2\x80\xA6", c);
    free(c);
    return r;
}

int pdf_bookmark(struct kp_pdf *d, int parent, const char *title, int page, double top)
{
    if (parent >= (int)d->nmarks || parent < -1)
        misuse(d, "pdf_bookmark() with an unknown parent");
    xgrow(&d->marks, &d->cap_marks, d->nmarks + 1, sizeof *d->marks);
    struct bookmark *m = &d->marks[d->nmarks];
    char *t = meta_text(title);
    m->parent = parent >= (int)d->nmarks ? -1 : parent;
    m->title = pool_add(d, t, strlen(t));
    m->page = page;
    m->top = top;
    free(t);
    return (int)d->nmarks++;
}

void pdf_page_label(struct kp_pdf *d, int page, enum kp_numstyle style, const char *prefix,
                    int first)
{
    xgrow(&d->labels, &d->cap_labels, d->nlabels + 1, sizeof *d->labels);
    struct label *l = &d->labels[d->nlabels++];
    l->page = page;
    l->style = style;
    l->first = first < 1 ? 1 : first;
    l->prefix = NO_STR;
    if (prefix) {
        char *p = xstrdup(prefix);
        for (char *c = p; *c; c++)
            if (*c < 0x20 || *c > 0x7E)
                *c = '_';
        l->prefix = pool_add(d, p, strlen(p));
        free(p);
    }
}

void pdf_link_page(struct kp_pdf *d, double x, double y, double w, double h, int page, double top)
{
    if (page < 0)
        misuse(d, "pdf_link_page() to a page that does not exist");
    if (page > d->max_link_page)
        d->max_link_page = page;
    struct op *o = op_add(d, OP_LINK_PAGE);
    o->ref = page;
    o->v[0] = x, o->v[1] = y, o->v[2] = w, o->v[3] = h, o->v[4] = top;
}

void pdf_link_uri(struct kp_pdf *d, double x, double y, double w, double h, const char *uri)
{
    struct op *o = op_add(d, OP_LINK_URI);
    o->v[0] = x, o->v[1] = y, o->v[2] = w, o->v[3] = h;
    char *u = xstrdup(uri);
    for (char *c = u; *c; c++)
        if (*c <= 0x20 || *c > 0x7E)
            *c = '_';
    o->str = pool_add(d, u, strlen(u));
    free(u);
}

void pdf_set_info(struct kp_pdf *d, enum kp_info key, const char *value)
{
    if ((unsigned)key >= KP_NINFO)
        return;
    free(d->info[key]);
    d->info[key] = value ? meta_text(value) : NULL;
}

void pdf_set_date(struct kp_pdf *d, time_t t)
{
    d->has_date = 1;
    d->date = t;
}

static int pdf_password_ok(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return 0;
    return n <= 32;
}

void pdf_set_password(struct kp_pdf *d, const char *user_pw, const char *owner_pw)
{
    free(d->user_pw), free(d->owner_pw);
    d->user_pw = d->owner_pw = NULL;
    if (!user_pw)
        return;
    if (!owner_pw || !*owner_pw || strcmp(user_pw, owner_pw) == 0 || !pdf_password_ok(user_pw) ||
        !pdf_password_ok(owner_pw)) {
        misuse(d, "pdf_set_password(): passwords must be printable ASCII of at most 32 bytes, "
                  "the owner's non-empty and different from the user's");
        return;
    }
    d->user_pw = xstrdup(user_pw);
    d->owner_pw = xstrdup(owner_pw);
}

void pdf_note_missing(struct kp_pdf *d, const char *s)
{
    struct kp_runs r;
    text_runs(&r, s, KP_TEXT_NUL, 0);
    note_missing(d, r.missing, r.nmissing);
    text_runs_free(&r);
}

size_t pdf_missing(const struct kp_pdf *d, const uint32_t **cps)
{
    *cps = d->missing;
    return d->nmissing;
}

size_t pdf_size(const struct kp_pdf *d)
{
    return d->size;
}

/* ---- replay ---- */

/* What the PDF's graphics state holds (mirrored to write only changes). */
struct gs {
    uint32_t fill, stroke; /* 0xRRGGBB */
    uint8_t fill_a, stroke_a;
    uint8_t cap, join, fake_bold;
    double width;
    HPDF_UINT16 dash[KP_DASH_MAX];
    unsigned ndash, phase;
};

struct extgs {
    uint16_t key; /* fill alpha << 8 | stroke alpha */
    HPDF_ExtGState gs;
};

struct rp {
    struct kp_pdf *d;
    const char *name;
    HPDF_Doc pdf;
    HPDF_STATUS err, detail;
    const char *stage, *err_stage;
    HPDF_Font font[KP_NFACES][NENC];
    HPDF_Page *pages;
    HPDF_Image *images;
    struct extgs *egs;
    size_t negs, cap_egs;
    HPDF_Page page;
    struct gs st[MAX_GSAVE + 2];
    int depth;
};

static void HPDF_STDCALL on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
    struct rp *r = user;
    if (!r->err) {
        r->err = error_no;
        r->detail = detail_no;
        r->err_stage = r->stage;
    }
}

static const char *hpdf_error_name(HPDF_STATUS e)
{
    switch (e) {
    case HPDF_FAILD_TO_ALLOC_MEM: return "out of memory";
    case HPDF_FILE_IO_ERROR: return "file I/O error";
    case HPDF_FILE_OPEN_ERROR: return "cannot open file";
    case HPDF_TTF_MISSING_TABLE: return "TrueType table missing";
    case HPDF_TTF_INVALID_FOMAT: return "invalid TrueType font";
    case HPDF_TTF_INVALID_CMAP: return "invalid TrueType cmap";
    case HPDF_INVALID_PNG_IMAGE: return "invalid PNG image";
    case HPDF_LIBPNG_ERROR: return "libpng error";
    case HPDF_PAGE_INVALID_GMODE: return "operation not allowed here";
    case HPDF_PAGE_OUT_OF_RANGE: return "value out of range";
    case HPDF_INVALID_PARAMETER: return "invalid parameter";
    case HPDF_EXCEED_GSTATE_LIMIT: return "graphics state nested too deep";
    case HPDF_ZLIB_ERROR: return "zlib error";
    default: return "error";
    }
}

/* Report a libharu error if one happened; returns -1 then. */
static int check(struct rp *r)
{
    if (!r->err)
        return 0;
    diag(KP_ERROR, r->name, 0, 0, "cannot build the PDF: libharu %s 0x%04X (detail %u) while %s",
         hpdf_error_name(r->err), (unsigned)r->err, (unsigned)r->detail,
         r->err_stage ? r->err_stage : "writing");
    return -1;
}

static struct gs *cur_gs(struct rp *r)
{
    return &r->st[r->depth];
}

static void gs_push(struct rp *r)
{
    HPDF_Page_GSave(r->page);
    r->st[r->depth + 1] = r->st[r->depth];
    r->depth++;
}

static void gs_pop(struct rp *r)
{
    HPDF_Page_GRestore(r->page);
    if (r->depth > 0)
        r->depth--;
}

static HPDF_ExtGState extgs_get(struct rp *r, uint8_t fa, uint8_t sa)
{
    uint16_t key = (uint16_t)(fa << 8 | sa);
    for (size_t i = 0; i < r->negs; i++)
        if (r->egs[i].key == key)
            return r->egs[i].gs;
    HPDF_ExtGState gs = HPDF_CreateExtGState(r->pdf);
    HPDF_ExtGState_SetAlphaFill(gs, (HPDF_REAL)(fa / 255.0));
    HPDF_ExtGState_SetAlphaStroke(gs, (HPDF_REAL)(sa / 255.0));
    xgrow(&r->egs, &r->cap_egs, r->negs + 1, sizeof *r->egs);
    r->egs[r->negs].key = key;
    r->egs[r->negs++].gs = gs;
    return gs;
}

static void set_alpha(struct rp *r, uint8_t fa, uint8_t sa)
{
    struct gs *g = cur_gs(r);
    if (g->fill_a == fa && g->stroke_a == sa)
        return;
    HPDF_Page_SetExtGState(r->page, extgs_get(r, fa, sa));
    g->fill_a = fa, g->stroke_a = sa;
}

static HPDF_REAL chan(uint32_t rgb, int shift)
{
    return (HPDF_REAL)(((rgb >> shift) & 0xFF) / 255.0);
}

static void set_fill(struct rp *r, kp_color c)
{
    uint32_t rgb = c & 0xFFFFFF;
    if (cur_gs(r)->fill != rgb)
        HPDF_Page_SetRGBFill(r->page, chan(rgb, 16), chan(rgb, 8), chan(rgb, 0));
    cur_gs(r)->fill = rgb;
}

static void set_stroke(struct rp *r, kp_color c)
{
    uint32_t rgb = c & 0xFFFFFF;
    if (cur_gs(r)->stroke != rgb)
        HPDF_Page_SetRGBStroke(r->page, chan(rgb, 16), chan(rgb, 8), chan(rgb, 0));
    cur_gs(r)->stroke = rgb;
}

static void set_width(struct rp *r, double w)
{
    if (cur_gs(r)->width != w)
        HPDF_Page_SetLineWidth(r->page, (HPDF_REAL)w);
    cur_gs(r)->width = w;
}

static void set_dash(struct rp *r, const HPDF_UINT16 *v, unsigned n, unsigned phase)
{
    struct gs *g = cur_gs(r);
    if (g->ndash == n && g->phase == phase && memcmp(g->dash, v, n * sizeof *v) == 0)
        return;
    HPDF_Page_SetDash(r->page, n ? v : NULL, n, phase);
    memcpy(g->dash, v, n * sizeof *v);
    g->ndash = n, g->phase = phase;
}

static void set_cap_join(struct rp *r, int cap, int join)
{
    struct gs *g = cur_gs(r);
    if (g->cap != cap)
        HPDF_Page_SetLineCap(r->page, (HPDF_LineCap)cap);
    if (g->join != join)
        HPDF_Page_SetLineJoin(r->page, (HPDF_LineJoin)join);
    g->cap = (uint8_t)cap, g->join = (uint8_t)join;
}

static uint8_t alpha_of(kp_color c)
{
    return (uint8_t)(c >> 24);
}

static void replay_text(struct rp *r, const struct op *o)
{
    double size = o->v[2];
    uint8_t a = alpha_of(o->color);
    set_fill(r, o->color);
    if (o->flag) {
        static const HPDF_UINT16 none[1] = {0};
        set_stroke(r, o->color);
        set_width(r, size * FAKE_BOLD_STROKE);
        set_dash(r, none, 0, 0);
        set_cap_join(r, cur_gs(r)->cap, KP_JOIN_ROUND);
    }
    set_alpha(r, a, o->flag ? a : cur_gs(r)->stroke_a);
    HPDF_Page_BeginText(r->page);
    HPDF_Page_SetFontAndSize(r->page, r->font[o->face][o->enc], (HPDF_REAL)size);
    if (cur_gs(r)->fake_bold != o->flag)
        HPDF_Page_SetTextRenderingMode(r->page, o->flag ? HPDF_FILL_THEN_STROKE : HPDF_FILL);
    cur_gs(r)->fake_bold = o->flag;
    double c = o->v[3], s = o->v[4];
    HPDF_Page_SetTextMatrix(r->page, (HPDF_REAL)c, (HPDF_REAL)s, (HPDF_REAL)-s, (HPDF_REAL)c,
                            (HPDF_REAL)o->v[0], (HPDF_REAL)o->v[1]);
    HPDF_Page_ShowText(r->page, r->d->pool.s + o->str);
    HPDF_Page_EndText(r->page);
}

/* The scale at which a stroked, dashed path is written. libharu 2.3.0 takes
 * dash lengths as integers in 1..100: fractional ones are written ten times
 * larger under a 1/10 transform when the path's coordinates allow it. */
static double dash_scale(const struct kp_paint *p, const struct op *ops, size_t a, size_t b)
{
    if (!p->stroke || p->ndash <= 0)
        return 1;
    int whole = p->dash_phase == floor(p->dash_phase);
    double maxdash = 0, maxcoord = 0;
    for (int i = 0; i < p->ndash && i < KP_DASH_MAX; i++) {
        whole &= p->dash[i] >= 1 && p->dash[i] <= 100 && p->dash[i] == floor(p->dash[i]);
        maxdash = fmax(maxdash, p->dash[i]);
    }
    if (whole)
        return 1;
    for (size_t i = a; i < b; i++)
        for (int k = 0; k < 6; k++)
            maxcoord = fmax(maxcoord, fabs(ops[i].v[k]));
    return maxdash <= 10 && maxcoord < 3200 ? 10 : 1;
}

static void apply_paint(struct rp *r, const struct kp_paint *p, double k)
{
    if (p->fill)
        set_fill(r, p->fill);
    if (p->stroke) {
        HPDF_UINT16 v[KP_DASH_MAX];
        unsigned n = p->ndash > 0 ? (unsigned)(p->ndash > KP_DASH_MAX ? KP_DASH_MAX : p->ndash) : 0;
        for (unsigned i = 0; i < n; i++) {
            double x = round(p->dash[i] * k);
            v[i] = (HPDF_UINT16)(x < 1 ? 1 : x > 100 ? 100 : x);
        }
        if (n % 2 && n > 1)
            n--; /* libharu takes 1 or an even count */
        set_stroke(r, p->stroke);
        set_width(r, (p->width > 0 ? p->width : 1) * k);
        set_dash(r, v, n, n ? (unsigned)fmax(0, round(p->dash_phase * k)) : 0);
        set_cap_join(r, p->cap, p->join);
    }
    set_alpha(r, p->fill ? alpha_of(p->fill) : cur_gs(r)->fill_a,
              p->stroke ? alpha_of(p->stroke) : cur_gs(r)->stroke_a);
}

static void emit_path_op(struct rp *r, const struct op *o, double k)
{
    HPDF_REAL v[6];
    for (int i = 0; i < 6; i++)
        v[i] = (HPDF_REAL)(o->v[i] * k);
    switch (o->kind) {
    case OP_MOVE: HPDF_Page_MoveTo(r->page, v[0], v[1]); break;
    case OP_LINE: HPDF_Page_LineTo(r->page, v[0], v[1]); break;
    case OP_CURVE: HPDF_Page_CurveTo(r->page, v[0], v[1], v[2], v[3], v[4], v[5]); break;
    case OP_RECT: HPDF_Page_Rectangle(r->page, v[0], v[1], v[2], v[3]); break;
    case OP_CLOSE: HPDF_Page_ClosePath(r->page); break;
    default: break;
    }
}

static void finish_path(struct rp *r, const struct op *end)
{
    if (end->kind == OP_CLIP) {
        if (end->flag)
            HPDF_Page_Eoclip(r->page);
        else
            HPDF_Page_Clip(r->page);
        HPDF_Page_EndPath(r->page);
        return;
    }
    const struct kp_paint *p = &r->d->paints[end->ref];
    if (p->fill && p->stroke)
        p->even_odd ? HPDF_Page_EofillStroke(r->page) : HPDF_Page_FillStroke(r->page);
    else if (p->fill)
        p->even_odd ? HPDF_Page_Eofill(r->page) : HPDF_Page_Fill(r->page);
    else if (p->stroke)
        HPDF_Page_Stroke(r->page);
    else
        HPDF_Page_EndPath(r->page);
}

/* Replay the path starting at ops[i]; returns the index of its last op. */
static size_t replay_path(struct rp *r, const struct page *pg, size_t i)
{
    size_t end = i;
    while (end < pg->n && pg->ops[end].kind != OP_PAINT && pg->ops[end].kind != OP_CLIP)
        end++;
    if (end == pg->n)
        return end - 1; /* unterminated: reported as misuse already */
    const struct op *e = &pg->ops[end];
    double k = 1;
    if (e->kind == OP_PAINT) {
        const struct kp_paint *p = &r->d->paints[e->ref];
        k = dash_scale(p, pg->ops, i, end);
        if (k != 1) {
            gs_push(r);
            HPDF_Page_Concat(r->page, (HPDF_REAL)(1 / k), 0, 0, (HPDF_REAL)(1 / k), 0, 0);
        }
        apply_paint(r, p, k);
    }
    for (size_t j = i; j < end; j++)
        emit_path_op(r, &pg->ops[j], k);
    finish_path(r, e);
    if (k != 1)
        gs_pop(r);
    return end;
}

static HPDF_Rect rect_of(const struct op *o)
{
    HPDF_Rect rc = {(HPDF_REAL)o->v[0], (HPDF_REAL)o->v[1], (HPDF_REAL)(o->v[0] + o->v[2]),
                    (HPDF_REAL)(o->v[1] + o->v[3])};
    return rc;
}

static HPDF_Destination dest_of(struct rp *r, int page, double top)
{
    HPDF_Destination dst = HPDF_Page_CreateDestination(r->pages[page]);
    if (dst)
        HPDF_Destination_SetFitH(dst, (HPDF_REAL)fmax(0, top));
    return dst;
}

static void replay_link(struct rp *r, const struct op *o)
{
    HPDF_Annotation an;
    if (o->kind == OP_LINK_URI) {
        an = HPDF_Page_CreateURILinkAnnot(r->page, rect_of(o), r->d->pool.s + o->str);
    } else {
        if (o->ref < 0 || (size_t)o->ref >= r->d->npages)
            return;
        an = HPDF_Page_CreateLinkAnnot(r->page, rect_of(o), dest_of(r, o->ref, o->v[4]));
    }
    if (an)
        HPDF_LinkAnnot_SetBorderStyle(an, 0, 0, 0);
}

static void replay_op(struct rp *r, const struct op *o)
{
    switch (o->kind) {
    case OP_TEXT: replay_text(r, o); break;
    case OP_SAVE: gs_push(r); break;
    case OP_RESTORE: gs_pop(r); break;
    case OP_CONCAT:
        HPDF_Page_Concat(r->page, (HPDF_REAL)o->v[0], (HPDF_REAL)o->v[1], (HPDF_REAL)o->v[2],
                         (HPDF_REAL)o->v[3], (HPDF_REAL)o->v[4], (HPDF_REAL)o->v[5]);
        break;
    case OP_IMAGE:
        HPDF_Page_DrawImage(r->page, r->images[o->ref], (HPDF_REAL)o->v[0], (HPDF_REAL)o->v[1],
                            (HPDF_REAL)o->v[2], (HPDF_REAL)o->v[3]);
        break;
    case OP_LINK_PAGE:
    case OP_LINK_URI: replay_link(r, o); break;
    default: break;
    }
}

static void replay_page(struct rp *r, size_t p)
{
    const struct page *pg = &r->d->pages[p];
    r->page = r->pages[p];
    r->depth = 0;
    memset(&r->st[0], 0, sizeof r->st[0]);
    r->st[0].fill_a = r->st[0].stroke_a = 255;
    r->st[0].width = 1;
    for (size_t i = 0; i < pg->n && !r->err; i++) {
        const struct op *o = &pg->ops[i];
        if (o->kind >= OP_MOVE && o->kind <= OP_CLIP)
            i = replay_path(r, pg, i);
        else
            replay_op(r, o);
    }
}

/* The fonts of face f, from one subset of exactly the code points the
 * document draws in it. libharu loads the subset once (one font program, one
 * FontDescriptor) and makes a font of it per encoding the text needs: the
 * simple and the Type0 font then share the descriptor and its FontFile2. */
static int load_face(struct rp *r, int f, const uint32_t *cps, size_t n)
{
    char *data, *path;
    size_t len;
    if (font_subset((enum kp_face)f, cps, n, &data, &len) != 0) {
        diag(KP_ERROR, r->name, 0, 0, "cannot subset the font %s", font_label(f));
        return -1;
    }
    path = sys_tmpfile("font", data, len);
    free(data);
    if (!path)
        return -1;
    const char *fname = HPDF_LoadTTFontFromFile(r->pdf, path, HPDF_TRUE);
    /* libharu keeps the file open until HPDF_Free and reads the glyphs
     * from it when saving; the name is not needed any more. */
    sys_remove(path);
    free(path);
    static const char *const encoding[NENC] = {"UTF-8", "WinAnsiEncoding"};
    for (int e = 0; e < NENC && fname && !r->err; e++)
        if (r->d->needs[f][e])
            r->font[f][e] = HPDF_GetFont(r->pdf, fname, encoding[e]);
    return check(r);
}

/* Subset every face the document uses and load it into the HPDF_Doc. */
static int load_fonts(struct rp *r)
{
    r->stage = "loading fonts";
    uint32_t *cps = xmalloc(0x10000 * sizeof *cps);
    int rc = 0;
    enum kp_face order[KP_NFACES];
    font_order(order); /* fallback faces by file, not by slot: the same bytes in any worker */
    for (int i = 0; i < KP_NFACES && rc == 0; i++) {
        int f = (int)order[i];
        size_t n = 0;
        for (uint32_t byte = 0; byte < 0x10000 / 8; byte++)
            for (uint32_t bit = 0; r->d->used[f][byte] && bit < 8; bit++)
                if (r->d->used[f][byte] & (1u << bit))
                    cps[n++] = byte << 3 | bit;
        if (n > 0)
            rc = load_face(r, f, cps, n);
    }
    free(cps);
    return rc;
}

static void add_pages_and_images(struct rp *r)
{
    struct kp_pdf *d = r->d;
    r->stage = "adding pages";
    r->pages = xcalloc(d->npages, sizeof *r->pages);
    for (size_t i = 0; i < d->npages && !r->err; i++) {
        r->pages[i] = HPDF_AddPage(r->pdf);
        HPDF_Page_SetWidth(r->pages[i], (HPDF_REAL)d->width);
        HPDF_Page_SetHeight(r->pages[i], (HPDF_REAL)d->height);
    }
    r->stage = "loading images";
    r->images = xcalloc(d->nimages + 1, sizeof *r->images);
    for (size_t i = 0; i < d->nimages && !r->err; i++)
        r->images[i] = HPDF_LoadPngImageFromMem(r->pdf, (const HPDF_BYTE *)d->images[i].data,
                                                (HPDF_UINT)d->images[i].len);
}

static void add_outline(struct rp *r)
{
    struct kp_pdf *d = r->d;
    if (!d->nmarks)
        return;
    r->stage = "writing bookmarks";
    HPDF_Encoder enc = HPDF_GetEncoder(r->pdf, "UTF-8");
    HPDF_Outline *o = xcalloc(d->nmarks, sizeof *o);
    for (size_t i = 0; i < d->nmarks && !r->err; i++) {
        const struct bookmark *m = &d->marks[i];
        HPDF_Outline parent = m->parent >= 0 ? o[m->parent] : NULL;
        o[i] = HPDF_CreateOutline(r->pdf, parent, d->pool.s + m->title, enc);
        if (!o[i])
            break;
        HPDF_Outline_SetOpened(o[i], HPDF_TRUE);
        if (m->page >= 0 && (size_t)m->page < d->npages)
            HPDF_Outline_SetDestination(o[i], dest_of(r, m->page, m->top));
    }
    free(o);
    HPDF_SetPageMode(r->pdf, HPDF_PAGE_MODE_USE_OUTLINE);
}

static int label_cmp(const void *a, const void *b)
{
    const struct label *x = *(const struct label *const *)a, *y = *(const struct label *const *)b;
    if (x->page != y->page)
        return x->page < y->page ? -1 : 1;
    return x < y ? -1 : x > y; /* same page: in the order they were set */
}

/* Page labels in page order (the PDF needs them sorted); for a page labelled
 * twice the later call wins. */
static void add_labels(struct rp *r)
{
    struct kp_pdf *d = r->d;
    r->stage = "writing page labels";
    const struct label **v = xmalloc((d->nlabels + 1) * sizeof *v);
    for (size_t i = 0; i < d->nlabels; i++)
        v[i] = &d->labels[i];
    qsort(v, d->nlabels, sizeof *v, label_cmp);
    for (size_t i = 0; i < d->nlabels && !r->err; i++) {
        if (i + 1 < d->nlabels && v[i + 1]->page == v[i]->page)
            continue;
        const char *prefix = v[i]->prefix == NO_STR ? NULL : d->pool.s + v[i]->prefix;
        HPDF_AddPageLabel(r->pdf, (HPDF_UINT)v[i]->page, (HPDF_PageNumStyle)v[i]->style,
                          (HPDF_UINT)v[i]->first, prefix);
    }
    free(v);
}

static void add_info(struct rp *r)
{
    struct kp_pdf *d = r->d;
    r->stage = "writing document information";
    static const HPDF_InfoType keys[KP_NINFO] = {HPDF_INFO_TITLE, HPDF_INFO_SUBJECT,
                                                 HPDF_INFO_AUTHOR, HPDF_INFO_KEYWORDS,
                                                 HPDF_INFO_CREATOR};
    for (int i = 0; i < KP_NINFO && !r->err; i++)
        if (d->info[i])
            HPDF_SetInfoAttr(r->pdf, keys[i], d->info[i]);
    if (d->has_date) {
        struct tm tm;
        gmtime_r(&d->date, &tm);
        HPDF_Date dt = {tm.tm_year + 1900,
                        tm.tm_mon + 1,
                        tm.tm_mday,
                        tm.tm_hour,
                        tm.tm_min,
                        tm.tm_sec < 60 ? tm.tm_sec : 59,
                        'Z',
                        0,
                        0};
        HPDF_SetInfoDateAttr(r->pdf, HPDF_INFO_CREATION_DATE, dt);
        HPDF_SetInfoDateAttr(r->pdf, HPDF_INFO_MOD_DATE, dt);
    }
}

/* After the info dictionary: libharu encrypts it with the rest. */
static void add_encryption(struct rp *r)
{
    struct kp_pdf *d = r->d;
    if (!d->user_pw || r->err)
        return;
    r->stage = "setting the password";
    HPDF_SetPassword(r->pdf, d->owner_pw, d->user_pw);
    if (!r->err)
        HPDF_SetEncryptionMode(r->pdf, HPDF_ENCRYPT_R3, 16);
}

/* The last occurrence of the n bytes of s in data[0..len), or NULL. */
static const char *find_last(const char *data, size_t len, const char *s, size_t n)
{
    for (size_t i = len >= n ? len - n + 1 : 0; i-- > 0;)
        if (memcmp(data + i, s, n) == 0)
            return data + i;
    return NULL;
}

char *pdf_add_id(const char *data, size_t len, size_t *outlen)
{
    const char *t = find_last(data, len, "trailer", 7);
    const char *end = data + len;
    const char *open = t ? t + 7 : NULL;
    while (open && open < end && strchr(" \t\r\n", *open))
        open++;
    if (!open || end - open < 2 || memcmp(open, "<<", 2) != 0)
        return NULL;
    const char *close = find_last(open, (size_t)(end - open), ">>", 2);
    if (!close || find_last(open, (size_t)(close - open), "/ID", 3))
        return NULL;
    unsigned char h[32];
    char hex[KP_SHA256_HEX];
    hash_sha256(data, len, h);
    hash_to_hex(h, hex);
    char ins[80];
    int n = snprintf(ins, sizeof ins, "\n/ID [<%.32s><%.32s>]", hex, hex);
    size_t at = (size_t)(open + 2 - data);
    char *out = xmalloc(len + (size_t)n);
    memcpy(out, data, at);
    memcpy(out + at, ins, (size_t)n);
    memcpy(out + at + n, data + at, len - at);
    *outlen = len + (size_t)n;
    return out;
}

static int write_out(struct rp *r, char **data, size_t *len)
{
    r->stage = "writing the PDF";
    if (HPDF_SaveToStream(r->pdf) != HPDF_OK || r->err) {
        if (!check(r))
            diag(KP_ERROR, r->name, 0, 0, "cannot build the PDF: libharu could not write it");
        return -1;
    }
    HPDF_UINT32 size = HPDF_GetStreamSize(r->pdf);
    char *buf = xmalloc(size ? size : 1);
    HPDF_UINT32 got = size;
    if (size == 0 || HPDF_ReadFromStream(r->pdf, (HPDF_BYTE *)buf, &got) != HPDF_OK ||
        got != size) {
        free(buf);
        if (!check(r))
            diag(KP_ERROR, r->name, 0, 0, "cannot build the PDF: libharu wrote %u of %u bytes",
                 (unsigned)got, (unsigned)size);
        return -1;
    }
    if (r->d->user_pw) { /* encrypted: libharu wrote an /ID of its own */
        *data = buf;
        *len = size;
        return 0;
    }
    size_t idlen;
    char *withid = pdf_add_id(buf, size, &idlen);
    if (!withid) {
        free(buf);
        diag(KP_ERROR, r->name, 0, 0, "cannot build the PDF: libharu wrote no trailer");
        return -1;
    }
    free(buf);
    *data = withid;
    *len = idlen;
    return 0;
}

static int precheck(struct kp_pdf *d, const char *name)
{
    if (!d->misuse && d->in_path)
        misuse(d, "a path was left open");
    for (size_t i = 0; i < d->npages && !d->misuse; i++)
        if (d->pages[i].depth != 0)
            misuse(d, "pdf_gsave() without pdf_grestore() on a page");
    for (size_t i = 0; i < d->nmarks + d->nlabels && !d->misuse; i++) {
        int p = i < d->nmarks ? d->marks[i].page : d->labels[i - d->nmarks].page;
        if (p < 0 || (size_t)p >= d->npages)
            misuse(d, "a bookmark or page label names a page that does not exist");
    }
    if (!d->misuse && d->max_link_page >= (int)d->npages)
        misuse(d, "pdf_link_page() to a page that does not exist");
    if (!d->misuse && d->npages == 0)
        misuse(d, "a document without pages");
    if (d->misuse) {
        diag(KP_ERROR, name, 0, 0, "cannot build the PDF: internal error: %s", d->misuse);
        return -1;
    }
    if (font_init(NULL) != 0) {
        diag(KP_ERROR, name, 0, 0, "cannot build the PDF: fonts not available");
        return -1;
    }
    return 0;
}

static int build(struct rp *r, char **data, size_t *len)
{
    r->stage = "creating the document";
    r->pdf = HPDF_New(on_error, r);
    if (!r->pdf) {
        diag(KP_ERROR, r->name, 0, 0, "cannot build the PDF: libharu could not start");
        return -1;
    }
    HPDF_SetCompressionMode(r->pdf, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(r->pdf);
    HPDF_SetCurrentEncoder(r->pdf, "UTF-8");
    if (check(r) || load_fonts(r))
        return -1;
    add_pages_and_images(r);
    if (check(r))
        return -1;
    for (size_t p = 0; p < r->d->npages; p++) {
        r->stage = "drawing a page";
        replay_page(r, p);
        if (check(r))
            return -1;
    }
    add_outline(r);
    add_labels(r);
    add_info(r);
    add_encryption(r);
    if (check(r))
        return -1;
    return write_out(r, data, len);
}

int pdf_render(struct kp_pdf *d, const char *name, char **data, size_t *len)
{
    if (precheck(d, name))
        return -1;
    struct rp r;
    memset(&r, 0, sizeof r);
    r.d = d;
    r.name = name;
    int rc = build(&r, data, len);
    if (r.pdf)
        HPDF_Free(r.pdf);
    free(r.pages);
    free(r.images);
    free(r.egs);
    if (rc == 0)
        d->size = *len;
    return rc;
}

int pdf_save(struct kp_pdf *d, const char *path)
{
    char *data;
    size_t len;
    if (pdf_render(d, path, &data, &len) != 0)
        return -1;
    int rc = sys_write_atomic(path, data, len);
    free(data);
    return rc;
}

/* ---- libharu's byte loops ----
 *
 * libharu 2.3.0 copies and clears its buffers one byte at a time
 * (HPDF_MemCpy and HPDF_MemSet in hpdf_utils.c: every stream it writes
 * passes through them; 13% of a worker's instructions under callgrind,
 * 10% fewer with these).
 * Both are exported and libharu calls them through the PLT, so these
 * definitions, which do the same with the C library's memmove and memset,
 * take their place in this program. Same results, byte for byte. */

HPDF_BYTE *HPDF_MemCpy(HPDF_BYTE *out, const HPDF_BYTE *in, HPDF_UINT n)
{
    memmove(out, in, n); /* as the byte loop, never undefined for overlapping buffers */
    return out + n;
}

void *HPDF_MemSet(void *s, HPDF_BYTE c, HPDF_UINT n)
{
    memset(s, c, n);
    return (HPDF_BYTE *)s + n; /* as libharu's: the end */
}

/* ---- libharu's code-point map ----
 *
 * Each UTF-8 font libharu makes (HPDF_GetFont with "UTF-8": every Chinese
 * document, each face) looks up all 65,536 BMP code points in the font's
 * cmap (CIDFontType2_New, for the CIDToGIDMap), and
 * HPDF_TTFontDef_GetGlyphid finds each code point's segment by a linear scan
 * from the first segment: 11% of a worker's instructions under callgrind on
 * a sample with half the people Chinese. libharu calls it through the PLT,
 * so this definition takes its place: the same result, found from the
 * previous call's segment (the map asks in order) or by a binary search. Exactly libharu 2.3.0's answer whenever the segments' end codes
 * ascend, as the TrueType specification requires and as every cmap libharu
 * sees here is made (font.c: cmap_build, or hb-subset's own). Where 2.3.0
 * would read past the end of its arrays (a code point above every segment,
 * an index past the glyphIdArray), this returns glyph 0. */

HPDF_UINT16 HPDF_TTFontDef_GetGlyphid(HPDF_FontDef fontdef, HPDF_UINT16 unicode)
{
    HPDF_TTFontDefAttr attr = (HPDF_TTFontDefAttr)fontdef->attr;
    const HPDF_TTF_CmapRange *c = &attr->cmap;
    if (c->format == 0)
        return c->glyph_id_array[unicode & 0xFF];
    if (c->seg_count_x2 == 0) {
        HPDF_SetError(fontdef->error, HPDF_TTF_INVALID_CMAP, 0);
        return 0;
    }
    /* i: the first segment whose end is >= unicode. The map asks for the
     * code points in order, so last call's segment or the next one is
     * usually it: checked, whatever font the hint came from. */
    static _Thread_local HPDF_UINT hint;
    HPDF_UINT seg_count = c->seg_count_x2 / 2u, i = hint;
    if (i < seg_count && c->end_count[i] < unicode)
        i++;
    if (!(i < seg_count && c->end_count[i] >= unicode && (i == 0 || c->end_count[i - 1] < unicode))) {
        HPDF_UINT lo = 0, hi = seg_count;
        while (lo < hi) {
            HPDF_UINT mid = lo + (hi - lo) / 2;
            if (c->end_count[mid] < unicode)
                lo = mid + 1;
            else
                hi = mid;
        }
        i = lo;
    }
    hint = i;
    if (i == seg_count || c->start_count[i] > unicode)
        return 0;
    if (c->id_range_offset[i] == 0)
        return (HPDF_UINT16)(unicode + c->id_delta[i]);
    HPDF_UINT idx = c->id_range_offset[i] / 2u + (HPDF_UINT)(unicode - c->start_count[i]) -
                    (seg_count - i);
    if (idx >= c->glyph_id_array_count)
        return 0;
    return (HPDF_UINT16)(c->glyph_id_array[idx] + c->id_delta[i]);
}
