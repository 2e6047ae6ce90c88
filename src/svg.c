/* svg — see svg.h. */
#include "svg.h"

#include "util.h"

#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEFS 256
#define MAX_USE_DEPTH 8
#define MAX_USES 100000 /* <use> expansions in one document */
#define MAX_TEXT_ITEM 65536
#define KAPPA 0.5522847498307936 /* cubic Bezier quarter circle */

enum paint_kind { PAINT_NONE, PAINT_RGB, PAINT_CURRENT, PAINT_URL };
struct paint {
    enum paint_kind k;
    uint32_t rgb;
};

/* The inherited graphics state. Lengths (width, dash, font size) are kept as
 * written and scaled by the transformation where they are used. */
struct gstate {
    double m[6]; /* x' = m0 x + m2 y + m4, y' = m1 x + m3 y + m5 */
    struct paint fill, stroke;
    uint32_t color;
    double fill_op, stroke_op, opacity;
    double width;
    double dash[KP_VG_MAXDASH];
    int ndash;
    enum kp_vg_cap cap;
    enum kp_vg_join join;
    int evenodd;
    double font_size;
    enum kp_vg_anchor anchor;
    int preserve; /* xml:space="preserve" */
    int hidden;   /* 1 visibility hidden, 2 display none */
};

struct frame {
    struct gstate gs;
    int skip;    /* draw nothing inside */
    int defs;    /* inside <defs> */
    int clips;   /* clip rectangles this element pushed */
    int clipdef; /* inside <clipPath>: its index + 1 */
};

struct def {
    char *id, *name;
    char **atts; /* name, value, ..., NULL */
};

struct clipdef {
    char *id;
    double x, y, w, h;
    int set, bad;
};

struct parser {
    XML_Parser xp;
    struct kp_vg *vg;
    struct frame *st;
    size_t depth, cap;
    struct def defs[MAX_DEFS];
    size_t ndefs;
    struct clipdef clips[MAX_DEFS];
    size_t nclips;
    struct kp_svg_info *info;
    size_t in_text; /* depth of the open <text>, 0 = none */
    long uses;
    struct gstate text_gs;
    double tx, ty;
    struct kp_buf text;
    char *err;
};

static void fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct parser *p, const char *fmt, ...)
{
    if (p->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    p->err = xasprintf("line %lu: %s", (unsigned long)XML_GetCurrentLineNumber(p->xp), msg);
    free(msg);
    XML_StopParser(p->xp, XML_FALSE);
}

static void unsupported(struct parser *p, const char *what)
{
    if (p->info->unsupported++ == 0)
        snprintf(p->info->unsupported_what, sizeof p->info->unsupported_what, "%s", what);
}

/* ---- numbers, lists, colours ---- */

static int is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static const char *skip_sep(const char *s)
{
    while (is_sep(*s))
        s++;
    return s;
}

/* One SVG number at *pp (separators before it skipped): [+-] digits [. digits]
 * [e [+-] digits]. Locale-independent in what it accepts; finite only. */
static int scan_num(const char **pp, double *v)
{
    const char *p = skip_sep(*pp), *s = p;
    size_t dig = 0;
    if (*p == '+' || *p == '-')
        p++;
    for (; is_digit(*p); p++)
        dig++;
    if (*p == '.')
        for (p++; is_digit(*p); p++)
            dig++;
    if (dig == 0)
        return -1;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (is_digit(*q)) {
            while (is_digit(*q))
                q++;
            p = q;
        }
    }
    char tmp[64];
    size_t n = (size_t)(p - s);
    if (n >= sizeof tmp)
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    *v = strtod(tmp, NULL);
    if (!isfinite(*v))
        return -1;
    *pp = p;
    return 0;
}

/* A length attribute: a number, optionally "px" or "pt", nothing else. */
static int attr_num(const char *s, double *v)
{
    if (!s || scan_num(&s, v) != 0)
        return -1;
    if (strncmp(s, "px", 2) == 0)
        s += 2;
    else if (strncmp(s, "pt", 2) == 0)
        s += 2, *v *= 1.25;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return *s ? -1 : 0;
}

static double attr_or(const char *s, double dflt)
{
    double v;
    return attr_num(s, &v) == 0 ? v : dflt;
}

static const struct {
    const char *name;
    uint32_t rgb;
} color_names[] = {
    {"black", 0x000000},     {"white", 0xffffff},   {"gray", 0x808080},    {"grey", 0x808080},
    {"lightgray", 0xd3d3d3}, {"lightgrey", 0xd3d3d3}, {"darkgray", 0xa9a9a9}, {"darkgrey", 0xa9a9a9},
    {"silver", 0xc0c0c0},    {"red", 0xff0000},     {"green", 0x008000},   {"blue", 0x0000ff},
    {"cyan", 0x00ffff},      {"magenta", 0xff00ff}, {"yellow", 0xffff00},  {"orange", 0xffa500},
    {"purple", 0x800080},    {"brown", 0xa52a2a},   {"navy", 0x000080},    {"maroon", 0x800000},
    {"olive", 0x808000},     {"teal", 0x008080},    {"lime", 0x00ff00},    {"aqua", 0x00ffff},
    {"fuchsia", 0xff00ff},   {"pink", 0xffc0cb},    {"gold", 0xffd700},    {"sienna", 0xa0522d},
    {"coral", 0xff7f50},     {"violet", 0xee82ee},  {"darkgreen", 0x006400}, {"darkblue", 0x00008b},
    {"darkred", 0x8b0000},
};

static int hexval(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_hex(const char *s, size_t n, uint32_t *rgb)
{
    if (n != 3 && n != 6)
        return -1;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return -1;
        v = n == 3 ? (v << 8) | (uint32_t)(h * 17) : (v << 4) | (uint32_t)h;
    }
    *rgb = v;
    return 0;
}

/* rgb(r, g, b) with integers 0..255 or percentages. s points after "rgb(". */
static int parse_rgb_fn(const char *s, uint32_t *rgb)
{
    uint32_t v = 0;
    for (int i = 0; i < 3; i++) {
        double c;
        if (scan_num(&s, &c) != 0)
            return -1;
        if (*s == '%')
            s++, c = c * 255.0 / 100.0;
        c = c < 0 ? 0 : c > 255 ? 255 : c;
        v = (v << 8) | (uint32_t)lround(c);
    }
    s = skip_sep(s);
    return *s == ')' ? (*rgb = v, 0) : -1;
}

static int parse_paint(const char *s, struct paint *out)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    if (n == 4 && strncmp(s, "none", 4) == 0)
        return out->k = PAINT_NONE, 0;
    if (n == 12 && strncmp(s, "currentColor", 12) == 0)
        return out->k = PAINT_CURRENT, 0;
    if (strncmp(s, "url(", 4) == 0)
        return out->k = PAINT_URL, 0;
    out->k = PAINT_RGB;
    if (s[0] == '#')
        return parse_hex(s + 1, n - 1, &out->rgb);
    if (strncmp(s, "rgb(", 4) == 0)
        return parse_rgb_fn(s + 4, &out->rgb);
    for (size_t i = 0; i < KP_NELEM(color_names); i++)
        if (strlen(color_names[i].name) == n && strncasecmp(s, color_names[i].name, n) == 0)
            return out->rgb = color_names[i].rgb, 0;
    return -1;
}

/* ---- transformations ---- */

static void mat_mul(double r[6], const double m[6], const double t[6])
{
    double o[6] = {
        m[0] * t[0] + m[2] * t[1],        m[1] * t[0] + m[3] * t[1],
        m[0] * t[2] + m[2] * t[3],        m[1] * t[2] + m[3] * t[3],
        m[0] * t[4] + m[2] * t[5] + m[4], m[1] * t[4] + m[3] * t[5] + m[5],
    };
    memcpy(r, o, sizeof o);
}

static void mat_translate(double m[6], double x, double y)
{
    double t[6] = {1, 0, 0, 1, x, y};
    mat_mul(m, m, t);
}

static double mat_scale(const double m[6])
{
    return sqrt(fabs(m[0] * m[3] - m[1] * m[2]));
}

/* One transform function into t; s points after "name(". Returns the
 * position after ')' or NULL. */
static const char *parse_xf_fn(const char *name, size_t nl, const char *s, double t[6])
{
    double a[6];
    int n = 0;
    while (n < 6 && scan_num(&s, &a[n]) == 0)
        n++;
    s = skip_sep(s);
    if (*s != ')')
        return NULL;
    double r = 0;
    t[0] = 1, t[1] = 0, t[2] = 0, t[3] = 1, t[4] = 0, t[5] = 0;
    if (nl == 6 && strncmp(name, "matrix", 6) == 0 && n == 6)
        memcpy(t, a, sizeof a);
    else if (nl == 9 && strncmp(name, "translate", 9) == 0 && (n == 1 || n == 2))
        t[4] = a[0], t[5] = n == 2 ? a[1] : 0;
    else if (nl == 5 && strncmp(name, "scale", 5) == 0 && (n == 1 || n == 2))
        t[0] = a[0], t[3] = n == 2 ? a[1] : a[0];
    else if (nl == 6 && strncmp(name, "rotate", 6) == 0 && (n == 1 || n == 3)) {
        r = a[0] * M_PI / 180;
        t[0] = cos(r), t[1] = sin(r), t[2] = -sin(r), t[3] = cos(r);
        if (n == 3) { /* rotate about (cx, cy) */
            t[4] = a[1] - t[0] * a[1] - t[2] * a[2];
            t[5] = a[2] - t[1] * a[1] - t[3] * a[2];
        }
    } else if (nl == 5 && strncmp(name, "skewX", 5) == 0 && n == 1)
        t[2] = tan(a[0] * M_PI / 180);
    else if (nl == 5 && strncmp(name, "skewY", 5) == 0 && n == 1)
        t[1] = tan(a[0] * M_PI / 180);
    else
        return NULL;
    return s + 1;
}

/* A transform list, composed onto m; an invalid list changes nothing. */
static int parse_transform(const char *s, double m[6])
{
    double acc[6];
    memcpy(acc, m, sizeof acc);
    for (s = skip_sep(s); *s; s = skip_sep(s)) {
        const char *name = s;
        while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
            s++;
        size_t nl = (size_t)(s - name);
        while (*s == ' ')
            s++;
        double t[6];
        if (nl == 0 || *s != '(' || !(s = parse_xf_fn(name, nl, s + 1, t)))
            return -1;
        mat_mul(acc, acc, t);
    }
    memcpy(m, acc, sizeof acc);
    return 0;
}

/* ---- attributes ---- */

static const char *att(const char **atts, const char *name)
{
    for (; atts && atts[0]; atts += 2)
        if (strcmp(atts[0], name) == 0)
            return atts[1];
    return NULL;
}

static int parse_dash(const char *v, struct gstate *gs)
{
    double d[KP_VG_MAXDASH];
    int n = 0;
    if (strcmp(v, "none") == 0)
        return gs->ndash = 0, 0;
    const char *s = v;
    double x, sum = 0;
    while (scan_num(&s, &x) == 0) {
        if (x < 0 || n == KP_VG_MAXDASH)
            return -1;
        d[n++] = x, sum += x;
    }
    if (*skip_sep(s))
        return -1;
    if (n % 2 == 1 && 2 * n <= KP_VG_MAXDASH) /* an odd list repeats */
        for (int i = 0; i < n; i++)
            d[n + i] = d[i];
    n = n % 2 == 1 ? (2 * n <= KP_VG_MAXDASH ? 2 * n : n - 1) : n;
    gs->ndash = sum > 0 ? n : 0;
    memcpy(gs->dash, d, sizeof d);
    return 0;
}

static int parse_opacity(const char *v, double *out)
{
    double x;
    if (attr_num(v, &x) != 0)
        return -1;
    *out = x < 0 ? 0 : x > 1 ? 1 : x;
    return 0;
}

static const char *const ignored_attrs[] = {
    "id", "class", "shape-rendering", "font-family", "font-weight", "font-style", "xmlns",
    "xmlns:xlink", "version", "width", "height", "viewBox", "x", "y", "dx", "dy", "d", "points",
    "cx", "cy", "r", "rx", "ry", "x1", "y1", "x2", "y2", "xlink:href", "href", "pointer-events",
    "onclick", "onmousemove", "onload", "preserveAspectRatio", "clipPathUnits", "text-rendering",
    "stroke-miterlimit", "xml:lang", "lang", "baseProfile", "clip-path",
};

static int is_ignored_attr(const char *k)
{
    for (size_t i = 0; i < KP_NELEM(ignored_attrs); i++)
        if (strcmp(k, ignored_attrs[i]) == 0)
            return 1;
    return 0;
}

static int apply_one(struct parser *p, struct gstate *gs, const char *k, const char *v);

/* style="k: v; k: v" */
static void apply_style(struct parser *p, struct gstate *gs, const char *v)
{
    char *copy = xstrdup(v);
    for (char *s = copy, *next; s && *s; s = next) {
        next = strchr(s, ';');
        if (next)
            *next++ = '\0';
        char *colon = strchr(s, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *key = str_trim(s), *val = str_trim(colon + 1);
        if (*key && apply_one(p, gs, key, val) != 0)
            p->info->bad_data++;
    }
    free(copy);
}

static int apply_cap_join(struct gstate *gs, const char *k, const char *v)
{
    if (strcmp(k, "stroke-linecap") == 0) {
        gs->cap = strcmp(v, "round") == 0    ? KP_VG_CAP_ROUND
                  : strcmp(v, "square") == 0 ? KP_VG_CAP_SQUARE
                                             : KP_VG_CAP_BUTT;
        return 0;
    }
    gs->join = strcmp(v, "round") == 0   ? KP_VG_JOIN_ROUND
               : strcmp(v, "bevel") == 0 ? KP_VG_JOIN_BEVEL
                                         : KP_VG_JOIN_MITER;
    return 0;
}

static int apply_text_attr(struct gstate *gs, const char *k, const char *v)
{
    if (strcmp(k, "font-size") == 0) {
        double x;
        if (attr_num(v, &x) != 0 || x <= 0 || x > 1e4)
            return -1;
        gs->font_size = x;
        return 0;
    }
    if (strcmp(k, "text-anchor") == 0) {
        gs->anchor = strcmp(v, "middle") == 0 ? KP_VG_MIDDLE
                     : strcmp(v, "end") == 0  ? KP_VG_END
                                              : KP_VG_START;
        return 0;
    }
    gs->preserve = strcmp(v, "preserve") == 0; /* xml:space */
    return 0;
}

static int apply_paint(struct gstate *gs, const char *k, const char *v)
{
    if (strcmp(k, "fill") == 0)
        return parse_paint(v, &gs->fill);
    if (strcmp(k, "stroke") == 0)
        return parse_paint(v, &gs->stroke);
    struct paint c; /* color: currentColor there means "inherit" */
    if (parse_paint(v, &c) != 0 || c.k == PAINT_URL || c.k == PAINT_NONE)
        return -1;
    if (c.k == PAINT_RGB)
        gs->color = c.rgb;
    return 0;
}

/* One presentation attribute. 0 handled (or knowingly ignored), 1 unknown,
 * -1 malformed value. */
static int apply_one(struct parser *p, struct gstate *gs, const char *k, const char *v)
{
    if (strcmp(k, "fill") == 0 || strcmp(k, "stroke") == 0 || strcmp(k, "color") == 0)
        return apply_paint(gs, k, v);
    if (strcmp(k, "stroke-width") == 0) {
        double x;
        return attr_num(v, &x) == 0 && x >= 0 && x < 1e4 ? (gs->width = x, 0) : -1;
    }
    if (strcmp(k, "stroke-dasharray") == 0)
        return parse_dash(v, gs);
    if (strcmp(k, "stroke-linecap") == 0 || strcmp(k, "stroke-linejoin") == 0)
        return apply_cap_join(gs, k, v);
    if (strcmp(k, "fill-opacity") == 0)
        return parse_opacity(v, &gs->fill_op);
    if (strcmp(k, "stroke-opacity") == 0)
        return parse_opacity(v, &gs->stroke_op);
    if (strcmp(k, "opacity") == 0) {
        double o;
        return parse_opacity(v, &o) == 0 ? (gs->opacity *= o, 0) : -1;
    }
    if (strcmp(k, "fill-rule") == 0)
        return gs->evenodd = strcmp(v, "evenodd") == 0, 0;
    if (strcmp(k, "font-size") == 0 || strcmp(k, "text-anchor") == 0 || strcmp(k, "xml:space") == 0)
        return apply_text_attr(gs, k, v);
    if (strcmp(k, "transform") == 0)
        return parse_transform(v, gs->m);
    if (strcmp(k, "visibility") == 0) {
        if (gs->hidden != 2)
            gs->hidden = strcmp(v, "visible") != 0;
        return 0;
    }
    if (strcmp(k, "display") == 0) {
        if (strcmp(v, "none") == 0)
            gs->hidden = 2;
        return 0;
    }
    if (strcmp(k, "style") == 0)
        return apply_style(p, gs, v), 0;
    if (strcmp(k, "filter") == 0) {
        if (strcmp(v, "none") != 0)
            unsupported(p, "filter");
        return 0;
    }
    return is_ignored_attr(k) ? 0 : 1;
}

static void apply_attrs(struct parser *p, struct gstate *gs, const char **atts)
{
    for (; atts && atts[0]; atts += 2) {
        int rc = apply_one(p, gs, atts[0], atts[1]);
        if (rc > 0)
            p->info->unknown_attrs++;
        else if (rc < 0)
            p->info->bad_data++;
    }
}

/* ---- geometry into the vg ---- */

static int xf(struct parser *p, const double m[6], double x, double y, double *ox, double *oy)
{
    *ox = m[0] * x + m[2] * y + m[4];
    *oy = m[1] * x + m[3] * y + m[5];
    if (!isfinite(*ox) || !isfinite(*oy) || fabs(*ox) > KP_SVG_MAX_COORD ||
        fabs(*oy) > KP_SVG_MAX_COORD) {
        fail(p, "coordinate out of range (%g, %g)", *ox, *oy);
        return -1;
    }
    return 0;
}

static int vg_check(struct parser *p, int rc)
{
    if (rc != 0)
        fail(p, "too many primitives (more than the display list holds)");
    return rc;
}

static int pen_move(struct parser *p, const double m[6], double x, double y)
{
    double a, b;
    return xf(p, m, x, y, &a, &b) ? -1 : vg_check(p, vg_move(p->vg, a, b));
}

static int pen_line(struct parser *p, const double m[6], double x, double y)
{
    double a, b;
    return xf(p, m, x, y, &a, &b) ? -1 : vg_check(p, vg_line(p->vg, a, b));
}

static int pen_curve(struct parser *p, const double m[6], const double c[6])
{
    double o[6];
    for (int i = 0; i < 3; i++)
        if (xf(p, m, c[2 * i], c[2 * i + 1], &o[2 * i], &o[2 * i + 1]))
            return -1;
    return vg_check(p, vg_curve(p->vg, o[0], o[1], o[2], o[3], o[4], o[5]));
}

static int pen_close(struct parser *p)
{
    return vg_check(p, vg_close(p->vg));
}

static void resolve(const struct paint *pa, uint32_t color, int *on, uint32_t *rgb,
                    struct parser *p)
{
    *on = pa->k == PAINT_RGB || pa->k == PAINT_CURRENT;
    *rgb = pa->k == PAINT_RGB ? pa->rgb : color;
    if (pa->k == PAINT_URL)
        unsupported(p, "url() paint");
}

/* The vg style for a shape drawn in gs; 0 when it paints nothing. */
static int shape_style(struct parser *p, const struct gstate *gs, int fillable,
                       struct kp_vg_style *st)
{
    vg_style_init(st);
    if (gs->hidden)
        return 0;
    if (fillable)
        resolve(&gs->fill, gs->color, &st->fill_on, &st->fill, p);
    resolve(&gs->stroke, gs->color, &st->stroke_on, &st->stroke, p);
    double s = mat_scale(gs->m);
    st->fill_opacity = gs->fill_op * gs->opacity;
    st->stroke_opacity = gs->stroke_op * gs->opacity;
    st->width = gs->width * s;
    if (!(st->width > 0))
        st->stroke_on = 0;
    for (int i = 0; i < gs->ndash; i++)
        st->dash[i] = gs->dash[i] * s;
    st->ndash = gs->ndash;
    st->cap = gs->cap;
    st->join = gs->join;
    st->evenodd = gs->evenodd;
    return st->fill_on || st->stroke_on;
}

static void ellipse(struct parser *p, const double m[6], double cx, double cy, double rx,
                    double ry)
{
    double kx = rx * KAPPA, ky = ry * KAPPA;
    double c1[6] = {cx + rx, cy + ky, cx + kx, cy + ry, cx, cy + ry};
    double c2[6] = {cx - kx, cy + ry, cx - rx, cy + ky, cx - rx, cy};
    double c3[6] = {cx - rx, cy - ky, cx - kx, cy - ry, cx, cy - ry};
    double c4[6] = {cx + kx, cy - ry, cx + rx, cy - ky, cx + rx, cy};
    if (pen_move(p, m, cx + rx, cy) || pen_curve(p, m, c1) || pen_curve(p, m, c2) ||
        pen_curve(p, m, c3) || pen_curve(p, m, c4))
        return;
    pen_close(p);
}

static void rect(struct parser *p, const double m[6], const char **atts)
{
    double x = attr_or(att(atts, "x"), 0), y = attr_or(att(atts, "y"), 0);
    double w = attr_or(att(atts, "width"), 0), h = attr_or(att(atts, "height"), 0);
    if (w < 0 || h < 0)
        p->info->bad_data++;
    if (!(w > 0 && h > 0))
        return;
    if (attr_or(att(atts, "rx"), 0) > 0 || attr_or(att(atts, "ry"), 0) > 0)
        p->info->approximated++; /* rounded corners drawn square */
    if (pen_move(p, m, x, y) || pen_line(p, m, x + w, y) || pen_line(p, m, x + w, y + h) ||
        pen_line(p, m, x, y + h))
        return;
    pen_close(p);
}

static void points(struct parser *p, const double m[6], const char *s, int close)
{
    double x, y;
    int n = 0;
    if (!s)
        return;
    while (scan_num(&s, &x) == 0) {
        if (scan_num(&s, &y) != 0) {
            p->info->bad_data++;
            break;
        }
        if ((n++ ? pen_line(p, m, x, y) : pen_move(p, m, x, y)) != 0)
            return;
    }
    if (*skip_sep(s))
        p->info->bad_data++;
    if (close && n > 0)
        pen_close(p);
}

/* ---- path data ---- */

struct pathpos {
    double cx, cy, sx, sy; /* current point, subpath start */
    double qx, qy;         /* last control point (for S and T) */
    char last;             /* previous command, upper case */
};

static int nargs(char c)
{
    switch (c) {
    case 'M': case 'L': case 'T': return 2;
    case 'H': case 'V': return 1;
    case 'C': return 6;
    case 'S': case 'Q': return 4;
    case 'A': return 7;
    default: return 0;
    }
}

/* The arguments of one command; arcs have single-character flags. */
static int path_args(const char **s, char up, double *a)
{
    int n = nargs(up);
    for (int i = 0; i < n; i++) {
        if (up == 'A' && (i == 3 || i == 4)) {
            const char *t = skip_sep(*s);
            if (*t != '0' && *t != '1')
                return -1;
            a[i] = *t - '0';
            *s = t + 1;
        } else if (scan_num(s, &a[i]) != 0)
            return -1;
    }
    return 0;
}

static int path_curve(struct parser *p, const double m[6], struct pathpos *pp, double *c)
{
    pp->qx = c[2], pp->qy = c[3];
    pp->cx = c[4], pp->cy = c[5];
    return pen_curve(p, m, c);
}

/* A quadratic Bezier from the current point as a cubic. */
static int path_quad(struct parser *p, const double m[6], struct pathpos *pp, double qx, double qy,
                     double x, double y)
{
    double c[6] = {pp->cx + 2.0 / 3 * (qx - pp->cx), pp->cy + 2.0 / 3 * (qy - pp->cy),
                   x + 2.0 / 3 * (qx - x),           y + 2.0 / 3 * (qy - y),
                   x,                                y};
    int rc = pen_curve(p, m, c);
    pp->qx = qx, pp->qy = qy, pp->cx = x, pp->cy = y;
    return rc;
}

static int path_cmd(struct parser *p, const double m[6], struct pathpos *pp, char up, int rel,
                    double *a)
{
    double ox = rel ? pp->cx : 0, oy = rel ? pp->cy : 0;
    int smooth = pp->last == 'C' || pp->last == 'S' || pp->last == 'Q' || pp->last == 'T';
    double rx = smooth ? 2 * pp->cx - pp->qx : pp->cx, ry = smooth ? 2 * pp->cy - pp->qy : pp->cy;
    switch (up) {
    case 'M':
        pp->cx = pp->sx = a[0] + ox, pp->cy = pp->sy = a[1] + oy;
        return pen_move(p, m, pp->cx, pp->cy);
    case 'L': pp->cx = a[0] + ox, pp->cy = a[1] + oy; break;
    case 'H': pp->cx = a[0] + ox; break;
    case 'V': pp->cy = a[0] + oy; break;
    case 'A': /* an arc: drawn as a straight line to its end */
        p->info->approximated++;
        pp->cx = a[5] + ox, pp->cy = a[6] + oy;
        break;
    case 'C': {
        double c[6] = {a[0] + ox, a[1] + oy, a[2] + ox, a[3] + oy, a[4] + ox, a[5] + oy};
        return path_curve(p, m, pp, c);
    }
    case 'S': {
        double c[6] = {rx, ry, a[0] + ox, a[1] + oy, a[2] + ox, a[3] + oy};
        return path_curve(p, m, pp, c);
    }
    case 'Q': return path_quad(p, m, pp, a[0] + ox, a[1] + oy, a[2] + ox, a[3] + oy);
    case 'T':
        if (!(pp->last == 'Q' || pp->last == 'T'))
            rx = pp->cx, ry = pp->cy;
        return path_quad(p, m, pp, rx, ry, a[0] + ox, a[1] + oy);
    }
    return pen_line(p, m, pp->cx, pp->cy);
}

static void path_data(struct parser *p, const double m[6], const char *s)
{
    struct pathpos pp = {0};
    char cmd = 0;
    while (s && !p->err) {
        s = skip_sep(s);
        if (!*s)
            return;
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
            cmd = *s++;
        } else if (!cmd || cmd == 'Z' || cmd == 'z') {
            break; /* numbers without a command */
        }
        char up = (char)(cmd & ~0x20);
        if (up == 'Z') {
            if (pen_close(p))
                return;
            pp.cx = pp.sx, pp.cy = pp.sy, pp.last = 'Z';
            continue;
        }
        double a[7];
        if (!nargs(up) || path_args(&s, up, a) != 0)
            break;
        if (path_cmd(p, m, &pp, up, cmd != up, a) != 0)
            return;
        pp.last = up;
        if (up == 'M') /* further pairs after a moveto are linetos */
            cmd = cmd == 'M' ? 'L' : 'l';
    }
    p->info->bad_data++;
}

/* Draw one shape element in gs. */
static void shape_draw(struct parser *p, const char *name, const char **atts,
                       const struct gstate *gs)
{
    struct kp_vg_style st;
    int fillable = strcmp(name, "line") != 0;
    if (!shape_style(p, gs, fillable, &st))
        return;
    if (vg_check(p, vg_path_begin(p->vg, &st)))
        return;
    const double *m = gs->m;
    if (strcmp(name, "path") == 0)
        path_data(p, m, att(atts, "d"));
    else if (strcmp(name, "rect") == 0)
        rect(p, m, atts);
    else if (strcmp(name, "circle") == 0 || strcmp(name, "ellipse") == 0) {
        double r = attr_or(att(atts, "r"), 0);
        double rx = attr_or(att(atts, "rx"), r), ry = attr_or(att(atts, "ry"), r);
        if (rx > 0 && ry > 0)
            ellipse(p, m, attr_or(att(atts, "cx"), 0), attr_or(att(atts, "cy"), 0), rx, ry);
    } else if (strcmp(name, "line") == 0) {
        if (!pen_move(p, m, attr_or(att(atts, "x1"), 0), attr_or(att(atts, "y1"), 0)))
            pen_line(p, m, attr_or(att(atts, "x2"), 0), attr_or(att(atts, "y2"), 0));
    } else
        points(p, m, att(atts, "points"), strcmp(name, "polygon") == 0);
    vg_path_end(p->vg);
}

/* ---- defs, use, clip paths ---- */

static const struct def *def_find(const struct parser *p, const char *href)
{
    if (!href || href[0] != '#')
        return NULL;
    for (size_t i = 0; i < p->ndefs; i++)
        if (strcmp(p->defs[i].id, href + 1) == 0)
            return &p->defs[i];
    return NULL;
}

static void def_add(struct parser *p, const char *name, const char **atts)
{
    const char *id = att(atts, "id");
    if (!id || p->ndefs == MAX_DEFS) {
        p->info->unknown++;
        return;
    }
    size_t n = 0;
    while (atts[n])
        n++;
    struct def *d = &p->defs[p->ndefs++];
    d->id = xstrdup(id);
    d->name = xstrdup(name);
    d->atts = xcalloc(n + 1, sizeof *d->atts);
    for (size_t i = 0; i < n; i++)
        d->atts[i] = xstrdup(atts[i]);
}

static void use_draw(struct parser *p, const char **atts, const struct gstate *gs, int depth);

static void def_draw(struct parser *p, const struct def *d, const struct gstate *gs, int depth)
{
    struct gstate g = *gs;
    apply_attrs(p, &g, (const char **)d->atts);
    if (strcmp(d->name, "use") == 0)
        use_draw(p, (const char **)d->atts, &g, depth + 1);
    else
        shape_draw(p, d->name, (const char **)d->atts, &g);
}

/* <use>: the referenced element drawn in the use's state gs (its attributes
 * already applied), moved by x, y. */
static void use_draw(struct parser *p, const char **atts, const struct gstate *gs, int depth)
{
    if (++p->uses > MAX_USES) {
        fail(p, "more than %d <use> expansions", MAX_USES);
        return;
    }
    const struct def *d = def_find(p, att(atts, "xlink:href") ? att(atts, "xlink:href")
                                                                : att(atts, "href"));
    if (!d || depth > MAX_USE_DEPTH) {
        p->info->bad_data++;
        return;
    }
    struct gstate g = *gs;
    mat_translate(g.m, attr_or(att(atts, "x"), 0), attr_or(att(atts, "y"), 0));
    def_draw(p, d, &g, depth);
}

static void clip_begin(struct parser *p, struct frame *f, const char **atts)
{
    const char *id = att(atts, "id");
    f->skip = 1;
    if (!id || p->nclips == MAX_DEFS) {
        p->info->unknown++;
        return;
    }
    struct clipdef *c = &p->clips[p->nclips++];
    memset(c, 0, sizeof *c);
    c->id = xstrdup(id);
    f->clipdef = (int)p->nclips;
}

/* A child of <clipPath>: one rectangle is what we can clip to. */
static void clip_child(struct parser *p, struct frame *f, const char *name, const char **atts)
{
    struct clipdef *c = &p->clips[f->clipdef - 1];
    if (strcmp(name, "rect") != 0 || c->set || att(atts, "transform")) {
        c->bad = 1;
        return;
    }
    c->x = attr_or(att(atts, "x"), 0), c->y = attr_or(att(atts, "y"), 0);
    c->w = attr_or(att(atts, "width"), 0), c->h = attr_or(att(atts, "height"), 0);
    c->set = 1;
}

/* clip-path="url(#id)" on an element: push the rectangle's bounding box in
 * the element's user space. */
static void clip_apply(struct parser *p, struct frame *f, const char *v)
{
    const struct clipdef *c = NULL;
    size_t n = v ? strlen(v) : 0;
    if (!v || strcmp(v, "none") == 0)
        return;
    for (size_t i = 0; n > 6 && i < p->nclips; i++)
        if (strncmp(v, "url(#", 5) == 0 && strlen(p->clips[i].id) == n - 6 &&
            strncmp(v + 5, p->clips[i].id, n - 6) == 0 && v[n - 1] == ')')
            c = &p->clips[i];
    if (!c || !c->set || c->bad) {
        unsupported(p, "clip-path");
        return;
    }
    double xs[4], ys[4], x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    double px[4] = {c->x, c->x + c->w, c->x + c->w, c->x}, py[4] = {c->y, c->y, c->y + c->h, c->y + c->h};
    for (int i = 0; i < 4; i++) {
        if (xf(p, f->gs.m, px[i], py[i], &xs[i], &ys[i]))
            return;
        x0 = fmin(x0, xs[i]), y0 = fmin(y0, ys[i]), x1 = fmax(x1, xs[i]), y1 = fmax(y1, ys[i]);
    }
    if (vg_check(p, vg_clip_push(p->vg, x0, y0, x1 - x0, y1 - y0)) == 0)
        f->clips++;
}

/* ---- text ---- */

static void text_begin(struct parser *p, struct frame *f, const char **atts)
{
    apply_attrs(p, &f->gs, atts);
    const char *x = att(atts, "x"), *y = att(atts, "y");
    p->tx = 0, p->ty = 0;
    if (x)
        scan_num(&x, &p->tx);
    if (y)
        scan_num(&y, &p->ty);
    p->text_gs = f->gs;
    p->in_text = p->depth;
    buf_reset(&p->text);
}

/* SVG's default white-space handling (or xml:space="preserve"). */
static char *text_normalise(const char *s, size_t n, int preserve)
{
    struct kp_buf b = {0};
    int space = 0;
    buf_adds(&b, "");
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n' && !preserve)
            continue;
        if (c == '\n' || c == '\t' || c == '\r')
            c = ' ';
        if (c == ' ' && !preserve) {
            space = b.len > 0;
            continue;
        }
        if (space)
            buf_addc(&b, ' ');
        space = 0;
        buf_addc(&b, c);
    }
    char *clean = utf8_clean(b.s, b.len, 0, NULL);
    buf_free(&b);
    return clean;
}

static void text_end(struct parser *p)
{
    const struct gstate *gs = &p->text_gs;
    int on;
    uint32_t rgb;
    p->in_text = 0;
    resolve(&gs->fill, gs->color, &on, &rgb, p);
    if (!on || gs->hidden || p->text.len == 0)
        return;
    char *s = text_normalise(p->text.s, p->text.len, gs->preserve);
    double x, y;
    if (*s && xf(p, gs->m, p->tx, p->ty, &x, &y) == 0) {
        double rot = -atan2(gs->m[1], gs->m[0]) * 180 / M_PI;
        double size = gs->font_size * mat_scale(gs->m);
        if (fabs(rot) < 1e-9)
            rot = 0;
        vg_check(p, vg_add_text(p->vg, x, y, rot, size, gs->anchor, rgb,
                                gs->fill_op * gs->opacity, s, strlen(s)));
    }
    free(s);
}

/* ---- the expat callbacks ---- */

static void root_begin(struct parser *p, struct frame *f, const char *name, const char **atts)
{
    if (strcmp(name, "svg") != 0) {
        fail(p, "not an svg document (the root element is <%s>)", name);
        return;
    }
    double vb[4] = {0, 0, 0, 0};
    const char *s = att(atts, "viewBox");
    int have_vb = s != NULL;
    for (int i = 0; s && i < 4; i++)
        have_vb = have_vb && scan_num(&s, &vb[i]) == 0;
    double w = have_vb ? vb[2] : attr_or(att(atts, "width"), -1);
    double h = have_vb ? vb[3] : attr_or(att(atts, "height"), -1);
    if (!(w > 0 && h > 0 && w <= 1e5 && h <= 1e5)) {
        fail(p, "the svg has no usable size");
        return;
    }
    p->vg = vg_new(w, h);
    mat_translate(f->gs.m, -vb[0], -vb[1]);
    apply_attrs(p, &f->gs, atts);
}

static struct frame *push(struct parser *p)
{
    xgrow(&p->st, &p->cap, p->depth + 1, sizeof *p->st);
    struct frame *f = &p->st[p->depth];
    if (p->depth > 0) {
        *f = p->st[p->depth - 1];
    } else {
        memset(f, 0, sizeof *f);
        f->gs.m[0] = f->gs.m[3] = 1;
        f->gs.fill.k = PAINT_RGB; /* SVG's initial fill is black */
        f->gs.stroke.k = PAINT_NONE;
        f->gs.fill_op = f->gs.stroke_op = f->gs.opacity = 1;
        f->gs.width = 1;
        f->gs.font_size = 16;
    }
    f->clips = 0;
    p->depth++;
    return f;
}

static int name_in(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

static const char *const shapes[] = {"path", "rect", "circle", "ellipse", "line", "polyline",
                                     "polygon"};
static const char *const silent[] = {"title", "desc", "metadata", "script", "style", "symbol",
                                     "marker", "pattern", "linearGradient", "radialGradient",
                                     "filter", "mask"};
static const char *const cannot[] = {"image", "foreignObject", "video", "audio", "iframe"};

static void element(struct parser *p, struct frame *f, const char *name, const char **atts)
{
    int shape = name_in(name, shapes, KP_NELEM(shapes));
    if (f->defs && (shape || strcmp(name, "use") == 0)) {
        def_add(p, name, atts);
        f->skip = 1;
    } else if (strcmp(name, "g") == 0 || strcmp(name, "a") == 0 || strcmp(name, "svg") == 0 ||
               strcmp(name, "switch") == 0) {
        apply_attrs(p, &f->gs, atts);
        clip_apply(p, f, att(atts, "clip-path"));
    } else if (strcmp(name, "defs") == 0) {
        f->defs = 1;
    } else if (strcmp(name, "clipPath") == 0) {
        clip_begin(p, f, atts);
    } else if (f->defs || name_in(name, silent, KP_NELEM(silent))) {
        f->skip = 1;
    } else if (shape || strcmp(name, "use") == 0) {
        apply_attrs(p, &f->gs, atts);
        clip_apply(p, f, att(atts, "clip-path"));
        if (shape)
            shape_draw(p, name, atts, &f->gs);
        else
            use_draw(p, atts, &f->gs, 0);
        f->skip = 1;
    } else if (strcmp(name, "text") == 0) {
        text_begin(p, f, atts);
    } else if (name_in(name, cannot, KP_NELEM(cannot))) {
        unsupported(p, name);
        f->skip = 1;
    } else {
        p->info->unknown++;
        f->skip = 1;
    }
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct parser *p = ud;
    if (p->err)
        return;
    p->info->elements++;
    if (p->depth >= KP_SVG_MAX_DEPTH) {
        fail(p, "elements nested deeper than %d", KP_SVG_MAX_DEPTH);
        return;
    }
    struct frame *f = push(p);
    if (p->depth == 1)
        root_begin(p, f, name, atts);
    else if (f->clipdef) {
        clip_child(p, f, name, atts);
        f->skip = 1;
    } else if (f->skip) {
        return;
    } else if (p->in_text) {
        if (strcmp(name, "tspan") != 0) /* tspans add their text to the line */
            p->info->unknown++, f->skip = 1;
    } else
        element(p, f, name, atts);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct parser *p = ud;
    (void)name;
    if (p->err || p->depth == 0)
        return;
    struct frame *f = &p->st[p->depth - 1];
    if (p->in_text == p->depth)
        text_end(p);
    for (int i = 0; i < f->clips; i++)
        vg_clip_pop(p->vg);
    p->depth--;
}

static void XMLCALL on_chars(void *ud, const XML_Char *s, int len)
{
    struct parser *p = ud;
    if (p->err || !p->in_text || p->st[p->depth - 1].skip)
        return;
    if (p->text.len + (size_t)len > MAX_TEXT_ITEM) {
        fail(p, "a text longer than %d bytes", MAX_TEXT_ITEM);
        return;
    }
    buf_add(&p->text, s, (size_t)len);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                              int value_len, const XML_Char *base, const XML_Char *system_id,
                              const XML_Char *public_id, const XML_Char *notation)
{
    (void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)system_id;
    (void)public_id, (void)notation;
    fail(ud, "entity declarations are not allowed");
}

static void parser_free(struct parser *p)
{
    for (size_t i = 0; i < p->ndefs; i++) {
        for (char **a = p->defs[i].atts; *a; a++)
            free(*a);
        free(p->defs[i].atts);
        free(p->defs[i].id);
        free(p->defs[i].name);
    }
    for (size_t i = 0; i < p->nclips; i++)
        free(p->clips[i].id);
    free(p->st);
    buf_free(&p->text);
    if (p->xp)
        XML_ParserFree(p->xp);
    free(p);
}

struct kp_vg *svg_parse(const char *data, size_t n, struct kp_svg_info *info, char **err)
{
    struct kp_svg_info dummy;
    struct kp_vg *vg = NULL;
    *err = NULL;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    if (n > KP_SVG_MAX_INPUT) {
        *err = xasprintf("the svg is larger than %u bytes", KP_SVG_MAX_INPUT);
        return NULL;
    }
    struct parser *p = xcalloc(1, sizeof *p);
    p->info = info;
    p->xp = XML_ParserCreate("UTF-8");
    if (!p->xp)
        *err = xstrdup("cannot create an XML parser");
    else {
        XML_SetUserData(p->xp, p);
        XML_SetElementHandler(p->xp, on_start, on_end);
        XML_SetCharacterDataHandler(p->xp, on_chars);
        XML_SetEntityDeclHandler(p->xp, on_entity);
        if (XML_Parse(p->xp, data, (int)n, XML_TRUE) != XML_STATUS_OK && !p->err)
            p->err = xasprintf("line %lu: %s", (unsigned long)XML_GetCurrentLineNumber(p->xp),
                               XML_ErrorString(XML_GetErrorCode(p->xp)));
        if (!p->err && !p->vg)
            p->err = xstrdup("not an svg document");
        if (p->err)
            *err = p->err, vg_free(p->vg);
        else
            vg = p->vg;
    }
    parser_free(p);
    return vg;
}
