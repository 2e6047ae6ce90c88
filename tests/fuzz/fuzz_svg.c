/* fuzz_svg — the gnuplot-output reader (svg.h): svg (XML through expat)
 * replayed into a display list (vg.h).
 *
 * Input: the svg file. It parses into a vg or is refused with a message;
 * never both, never neither. What a vg holds is drawable: every coordinate,
 * width, size and dash finite and within the limits svg.h promises,
 * opacities in 0..1, clips balanced, text valid UTF-8, segments in range. */
#include "fuzz.h"

#include "svg.h"
#include "vg.h"

#include <math.h>

#define FIN(v) (isfinite(v) && fabs(v) <= 1e7)

static void check_path(const struct kp_vg *vg, const struct kp_vg_item *it)
{
    const struct kp_vg_style *s = &it->style;
    FUZZ_CHECK(s->fill_on || s->stroke_on, "a path that paints nothing");
    FUZZ_CHECK(s->fill_opacity >= 0 && s->fill_opacity <= 1 && s->stroke_opacity >= 0 &&
                   s->stroke_opacity <= 1,
               "opacity %g / %g", s->fill_opacity, s->stroke_opacity);
    FUZZ_CHECK(FIN(s->width) && s->width >= 0, "width %g", s->width);
    FUZZ_CHECK(s->ndash >= 0 && s->ndash <= KP_VG_MAXDASH, "%d dashes", s->ndash);
    for (int i = 0; i < s->ndash; i++)
        FUZZ_CHECK(FIN(s->dash[i]) && s->dash[i] >= 0, "dash %g", s->dash[i]);
    FUZZ_CHECK(it->nseg > 0, "empty path kept");
    const struct kp_vg_seg *seg = vg_segs(vg, it);
    for (size_t i = 0; i < it->nseg; i++) {
        int np = seg[i].op == KP_VG_CURVE ? 3 : seg[i].op == KP_VG_CLOSE ? 0 : 1;
        FUZZ_CHECK(seg[i].op <= KP_VG_CLOSE, "op %d", (int)seg[i].op);
        for (int k = 0; k < np; k++)
            FUZZ_CHECK(fabs(seg[i].x[k]) <= KP_SVG_MAX_COORD * 1.001 &&
                           fabs(seg[i].y[k]) <= KP_SVG_MAX_COORD * 1.001,
                       "point (%g, %g)", seg[i].x[k], seg[i].y[k]);
    }
}

static void check(const struct kp_vg *vg)
{
    FUZZ_CHECK(FIN(vg_width(vg)) && FIN(vg_height(vg)), "size %g x %g", vg_width(vg),
               vg_height(vg));
    long depth = 0;
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        switch (it->kind) {
        case KP_VG_PATH:
            check_path(vg, it);
            break;
        case KP_VG_TEXT: {
            const char *t = vg_text(vg, it);
            FUZZ_CHECK(t && utf8_valid(t, strlen(t)), "text not UTF-8");
            FUZZ_CHECK(FIN(it->x) && FIN(it->y) && FIN(it->rot) && FIN(it->size),
                       "text at (%g, %g) rot %g size %g", it->x, it->y, it->rot, it->size);
            FUZZ_CHECK(it->opacity >= 0 && it->opacity <= 1, "text opacity %g", it->opacity);
            break;
        }
        case KP_VG_CLIP:
            FUZZ_CHECK(FIN(it->x) && FIN(it->y) && FIN(it->w) && FIN(it->h), "clip");
            depth++;
            break;
        case KP_VG_UNCLIP:
            FUZZ_CHECK(--depth >= 0, "unclip without clip");
            break;
        }
    }
    FUZZ_CHECK(depth == 0, "%ld clips left open", depth);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    struct kp_svg_info info;
    char *err = NULL;
    struct kp_vg *vg = svg_parse((const char *)data, size, &info, &err);
    FUZZ_CHECK((vg == NULL) != (err == NULL), "vg %p with err %s", (void *)vg, err ? err : "");
    if (vg) {
        check(vg);
        vg_free(vg);
    } else {
        FUZZ_CHECK(*err && utf8_valid(err, strlen(err)), "empty or non-UTF-8 message");
        free(err);
    }
    return 0;
}
