/* svg — replays gnuplot's svg terminal output (gnuplot 5.4) as a vg.
 *
 * Takes a buffer of svg (XML, parsed with expat) and gives a new struct kp_vg
 * (vg.h; the caller frees it with vg_free) in the svg's user units.
 *
 * Handled: nested <g> with inherited fill, stroke, color (currentColor),
 * stroke-width, stroke-dasharray, stroke-linecap/-linejoin, opacity,
 * fill-opacity, stroke-opacity, font-size, text-anchor, transform
 * (translate, rotate, scale, matrix, skewX/Y) and style="k:v;..."; <path>
 * (every command, absolute and relative; arcs become straight lines and are
 * counted as approximated), <rect>, <circle>, <ellipse>, <line>, <polygon>,
 * <polyline>; <use> of <defs> entries (gnuplot's point symbols gpPt0..14,
 * which are themselves <use>s of one another); <text>/<tspan> with
 * xml:space; <clipPath> made of rectangles; visibility/display.
 *
 * Ignored and counted in info: unknown elements and attributes. Counted as
 * unsupported (the replay cannot draw them faithfully, so a chart must not be
 * shown from this replay without saying so): <image>, <foreignObject>, fill or
 * stroke by url(#pattern/gradient), filter="...".
 *
 * Hostile input: a size limit (64 MiB), nesting limit (64), no entity
 * declarations, coordinates beyond +-1e6 after transformation, non-finite
 * numbers and more primitives than vg's limits all make the parse fail with a
 * message; it never crashes and frees what it built. */
#ifndef KP_SVG_H
#define KP_SVG_H

#include "vg.h"

#include <stddef.h>

struct kp_svg_info {
    long elements;          /* elements read */
    long unknown;           /* elements ignored: not part of what we replay */
    long unknown_attrs;     /* attributes ignored */
    long unsupported;       /* content the replay cannot draw (see above) */
    char unsupported_what[32]; /* the first such element or attribute */
    long approximated;      /* path arcs drawn as straight lines */
    long bad_data;          /* malformed path data, lists or colours (drawn up to the error) */
};

#define KP_SVG_MAX_INPUT (64u << 20)
#define KP_SVG_MAX_DEPTH 64
#define KP_SVG_MAX_COORD 1e6

/* Parse n bytes of svg. Returns a new vg, or NULL with *err set to a new
 * string (caller frees) such as "line 3: not well-formed (invalid token)".
 * info may be NULL. */
struct kp_vg *svg_parse(const char *data, size_t n, struct kp_svg_info *info, char **err);

#endif
