/* Unit tests for svg (and vg): the replay of gnuplot's recorded svg output of
 * every chart type (tests/data/svg/, made by test_chart with KP_RECORD_SVG),
 * each svg feature on small hand-written documents, and hostile input:
 * truncated, garbage, deep nesting, absurd coordinates, entity bombs, too many
 * primitives — an error or a graceful result, never a crash. */
#include "unit.h"

#include "svg.h"
#include "sys.h"
#include "util.h"
#include "vg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA "tests/data/svg/"

static struct kp_vg *parse_file(const char *name, struct kp_svg_info *info)
{
    char *path = xasprintf(DATA "%s", name), *data, *err = NULL;
    size_t n;
    if (sys_read_file(path, &data, &n) != 0)
        fail_msg("cannot read %s (run the tests from the source tree)", path);
    struct kp_vg *vg = svg_parse(data, n, info, &err);
    if (!vg)
        fail_msg("%s: %s", name, err);
    free(data);
    free(path);
    return vg;
}

static struct kp_vg *parse_str(const char *s, struct kp_svg_info *info, char **err)
{
    return svg_parse(s, strlen(s), info, err);
}

/* A document: a 100 x 50 svg around body. */
static struct kp_vg *doc(const char *body, struct kp_svg_info *info)
{
    char *s = xasprintf("<svg width='100' height='50' viewBox='0 0 100 50' "
                        "xmlns='http://www.w3.org/2000/svg' "
                        "xmlns:xlink='http://www.w3.org/1999/xlink'>%s</svg>",
                        body);
    char *err = NULL;
    struct kp_vg *vg = parse_str(s, info, &err);
    if (!vg)
        fail_msg("%s: %s", body, err);
    free(s);
    return vg;
}

static const struct kp_vg_item *find_text(const struct kp_vg *vg, const char *s)
{
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        if (it->kind == KP_VG_TEXT && strcmp(vg_text(vg, it), s) == 0)
            return it;
    }
    return NULL;
}

static size_t count_fill(const struct kp_vg *vg, uint32_t rgb)
{
    size_t n = 0;
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        n += it->kind == KP_VG_PATH && it->style.fill_on && it->style.fill == rgb;
    }
    return n;
}

static char *dump(const struct kp_vg *vg)
{
    struct kp_buf b = {0};
    vg_dump(vg, &b);
    return buf_steal(&b);
}

/* ---- recorded gnuplot output ---- */

static void test_recorded_counts(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        size_t paths, texts;
        long elements;
    } cases[] = {
        {"revenue.svg", 43, 21, 190},      {"revenue_long.svg", 67, 22, 266},
        {"attainment.svg", 43, 20, 185},   {"kpis.svg", 30, 13, 137},
        {"funnel.svg", 3, 5, 59},          {"distribution.svg", 34, 18, 145},
        {"ranked.svg", 28, 16, 134},       {"teams.svg", 24, 13, 121},
    };
    for (size_t i = 0; i < KP_NELEM(cases); i++) {
        struct kp_svg_info info;
        struct kp_vg *vg = parse_file(cases[i].file, &info);
        if (vg_count_kind(vg, KP_VG_PATH) != cases[i].paths ||
            vg_count_kind(vg, KP_VG_TEXT) != cases[i].texts || info.elements != cases[i].elements)
            fail_msg("%s: %zu paths, %zu texts, %ld elements", cases[i].file,
                     vg_count_kind(vg, KP_VG_PATH), vg_count_kind(vg, KP_VG_TEXT),
                     info.elements);
        assert_int_equal(info.unknown + info.unknown_attrs + info.unsupported, 0);
        assert_int_equal(info.bad_data + info.approximated, 0);
        assert_int_equal(vg_count_kind(vg, KP_VG_CLIP), 0);
        vg_free(vg);
    }
}

static void test_recorded_revenue(void **state)
{
    (void)state;
    struct kp_vg *vg = parse_file("revenue.svg", NULL);
    assert_true(vg_width(vg) == 480 && vg_height(vg) == 190);
    static const char *const labels[] = {"2025-07", "2025-12", "2026-06", "0k", "80k", "160k"};
    for (size_t i = 0; i < KP_NELEM(labels); i++) {
        const struct kp_vg_item *t = find_text(vg, labels[i]);
        if (!t)
            fail_msg("no tick label %s", labels[i]);
        assert_int_equal(t->anchor, labels[i][0] == '2' ? KP_VG_MIDDLE : KP_VG_END);
        assert_true(t->rot == 0 && t->size == 7 && t->color == 0x33404d);
    }
    assert_int_equal(count_fill(vg, 0x1f4e79), 2); /* window bars */
    assert_int_equal(count_fill(vg, 0x9aa5b1), 8); /* history bars */
    /* The quota dots: gpPt6 (a <use> of the circle gpPt5) expanded at each
     * use's translate(...) scale(...): a closed 4-curve circle, filled and
     * stroked in the use's color (currentColor), stroke 0.381 x 1.18. */
    size_t dots = 0;
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        if (it->kind != KP_VG_PATH || !it->style.fill_on || it->style.fill != 0x33404d)
            continue;
        const struct kp_vg_seg *s = vg_segs(vg, it);
        assert_int_equal(it->nseg, 6);
        assert_int_equal(s[0].op, KP_VG_MOVE);
        assert_int_equal(s[1].op, KP_VG_CURVE);
        assert_int_equal(s[5].op, KP_VG_CLOSE);
        double r = (s[0].x[0] - s[2].x[2]) / 2; /* 3 o'clock to 9 o'clock */
        assert_true(fabs(r - 1.18) < 0.01);
        assert_true(it->style.stroke_on && it->style.stroke == 0x33404d);
        assert_true(fabs(it->style.width - 0.381 * 1.18) < 0.001);
        dots++;
    }
    assert_int_equal(dots, 12);
    vg_free(vg);
}

static void test_recorded_rotation(void **state)
{
    (void)state;
    struct kp_vg *vg = parse_file("revenue_long.svg", NULL);
    const struct kp_vg_item *t = find_text(vg, "2024-07");
    assert_non_null(t);
    assert_true(fabs(t->rot - 45) < 1e-9); /* counter-clockwise on the page */
    assert_int_equal(t->anchor, KP_VG_END);
    assert_null(find_text(vg, "2024-08")); /* every second month */
    assert_non_null(find_text(vg, "2026-05"));
    assert_non_null(find_text(vg, "180k"));
    vg_free(vg);
}

static void test_recorded_attainment(void **state)
{
    (void)state;
    struct kp_vg *vg = parse_file("attainment.svg", NULL);
    int team = 0, target = 0, person = 0;
    for (size_t i = 0; i < vg_count(vg); i++) {
        const struct kp_vg_item *it = vg_item(vg, i);
        if (it->kind != KP_VG_PATH || it->style.fill_on)
            continue;
        int moves = 0;
        for (size_t k = 0; k < it->nseg; k++)
            moves += vg_segs(vg, it)[k].op == KP_VG_MOVE;
        const struct kp_vg_style *st = &it->style;
        if (st->stroke == 0x9aa5b1) { /* the team: dashed, one month missing */
            assert_int_equal(st->ndash, 2);
            assert_true(st->dash[0] == 2.5 && st->dash[1] == 4);
            assert_int_equal(moves, 2);
            team++;
        } else if (st->stroke == 0x1a7f37) { /* the 100% line */
            assert_int_equal(st->ndash, 2);
            target++;
        } else if (st->stroke == 0x1f4e79) { /* the person: two months missing */
            assert_int_equal(st->ndash, 0);
            assert_true(fabs(st->width - 1.5) < 1e-9);
            assert_int_equal(moves, 3);
            person++;
        }
    }
    assert_int_equal(team, 1);
    assert_int_equal(target, 1);
    assert_int_equal(person, 1);
    assert_int_equal(count_fill(vg, 0xeef2f6), 1); /* the window band */
    assert_non_null(find_text(vg, "140%"));
    vg_free(vg);
}

static void test_recorded_others(void **state)
{
    (void)state;
    struct kp_vg *vg = parse_file("funnel.svg", NULL);
    char *d = dump(vg);
    assert_string_equal(strstr(d, "text"), "text 258.92,31.49 rot=0 size=7.00 start #33404d \"240\"\n"
                                           "text 204.23,62.64 rot=0 size=7.00 start #33404d \"61\"\n"
                                           "text 190.79,93.80 rot=0 size=7.00 start #33404d \"17\"\n"
                                           "text 182.67,47.07 rot=0 size=7.00 middle #9aa5b1 \"25%\"\n"
                                           "text 182.67,78.22 rot=0 size=7.00 middle #9aa5b1 \"28%\"\n");
    assert_int_equal(count_fill(vg, 0x1f4e79), 1);
    free(d);
    vg_free(vg);
    vg = parse_file("ranked.svg", NULL);
    assert_int_equal(count_fill(vg, 0x1a7f37), 3);
    assert_int_equal(count_fill(vg, 0x1f4e79), 4);
    assert_int_equal(find_text(vg, "131%")->anchor, KP_VG_START);
    vg_free(vg);
    vg = parse_file("teams.svg", NULL);
    assert_int_equal(count_fill(vg, 0x1f4e79), 1);
    assert_int_equal(count_fill(vg, 0x9aa5b1), 4);
    assert_int_equal(find_text(vg, "112%")->anchor, KP_VG_MIDDLE);
    vg_free(vg);
    vg = parse_file("kpis.svg", NULL);
    assert_non_null(find_text(vg, "130"));
    assert_null(find_text(vg, "NaN"));
    vg_free(vg);
    vg = parse_file("distribution.svg", NULL);
    assert_int_equal(count_fill(vg, 0x1f4e79), 7);
    assert_non_null(find_text(vg, "110"));
    vg_free(vg);
}

/* ---- features, on hand-written documents ---- */

static void test_transforms(void **state)
{
    (void)state;
    struct kp_vg *vg =
        doc("<g stroke='red' fill='none' transform='translate(10,20) scale(2)'>"
            "<path d='M1,1 L2,1'/>"
            "<g transform='rotate(90)'><path stroke-width='0.5' d='M1,0 L2,0'/></g>"
            "<path transform='matrix(1 0 0 1 5 5)' d='M0 0 L1 0'/>"
            "<path transform='rotate(90, 1, 1)' d='M2,1 L3,1'/>"
            "</g>",
            NULL);
    char *d = dump(vg);
    assert_string_equal(d, "vg 100.00 x 50.00\n"
                           "path stroke=#ff0000 w=2.00 M12.00,22.00 L14.00,22.00\n"
                           "path stroke=#ff0000 w=1.00 M10.00,22.00 L10.00,24.00\n"
                           "path stroke=#ff0000 w=2.00 M20.00,30.00 L22.00,30.00\n"
                           "path stroke=#ff0000 w=2.00 M12.00,24.00 L12.00,26.00\n");
    free(d);
    vg_free(vg);
}

static void test_path_data(void **state)
{
    (void)state;
    struct kp_svg_info info;
    struct kp_vg *vg = doc("<g stroke='black' fill='none'>"
                           "<path d='m10,10 h5 v5 h-5 z M1e1,2E+1 l.5-.5 1-1'/>"
                           "<path d='M0,0 C1,1 2,1 3,0 S5,-1 6,0'/>"
                           "<path d='M0,0 Q1,2 2,0 T4,0'/>"
                           "<path d='M0,0 A5,5 0 01 10,0 a5 5 0 1 0 10 0'/>"
                           "<path d='M0,0 L1,1 X 5,5'/>"
                           "<path d='M-1.5-2.5.5.5'/>"
                           "</g>",
                           &info);
    char *d = dump(vg);
    assert_string_equal(
        d, "vg 100.00 x 50.00\n"
           "path stroke=#000000 w=1.00 M10.00,10.00 L15.00,10.00 L15.00,15.00 L10.00,15.00 Z "
           "M10.00,20.00 L10.50,19.50 L11.50,18.50\n"
           "path stroke=#000000 w=1.00 M0.00,0.00 C1.00,1.00 2.00,1.00 3.00,0.00 "
           "C4.00,-1.00 5.00,-1.00 6.00,0.00\n"
           "path stroke=#000000 w=1.00 M0.00,0.00 C0.67,1.33 1.33,1.33 2.00,0.00 "
           "C2.67,-1.33 3.33,-1.33 4.00,0.00\n"
           "path stroke=#000000 w=1.00 M0.00,0.00 L10.00,0.00 L20.00,0.00\n"
           "path stroke=#000000 w=1.00 M0.00,0.00 L1.00,1.00\n"
           "path stroke=#000000 w=1.00 M-1.50,-2.50 L0.50,0.50\n");
    assert_int_equal(info.approximated, 2); /* the arcs */
    assert_int_equal(info.bad_data, 1);     /* X */
    free(d);
    vg_free(vg);
}

static void test_shapes(void **state)
{
    (void)state;
    struct kp_vg *vg = doc("<rect x='1' y='2' width='3' height='4' fill='#abc'/>"
                           "<circle cx='10' cy='10' r='2' fill='blue'/>"
                           "<ellipse cx='0' cy='0' rx='2' ry='1' fill='blue'/>"
                           "<line x1='0' y1='0' x2='5' y2='5' stroke='black' fill='red'/>"
                           "<polygon points='0,0 4,0 4,4' fill='green'/>"
                           "<polyline points='0 0, 1 1, 2 0' stroke='gray' fill='none'/>",
                           NULL);
    assert_int_equal(vg_count(vg), 6);
    const struct kp_vg_item *it = vg_item(vg, 0);
    assert_true(it->style.fill_on && it->style.fill == 0xaabbcc && !it->style.stroke_on);
    assert_int_equal(it->nseg, 5);
    it = vg_item(vg, 1);
    assert_int_equal(it->nseg, 6);
    assert_true(vg_segs(vg, it)[0].x[0] == 12 && vg_segs(vg, it)[0].y[0] == 10);
    it = vg_item(vg, 3); /* a line is never filled */
    assert_true(!it->style.fill_on && it->style.stroke_on);
    it = vg_item(vg, 4);
    assert_int_equal(vg_segs(vg, it)[3].op, KP_VG_CLOSE);
    it = vg_item(vg, 5);
    assert_int_equal(it->nseg, 3);
    assert_int_equal(it->style.stroke, 0x808080);
    vg_free(vg);
}

static void test_colors(void **state)
{
    (void)state;
    struct kp_svg_info info;
    struct kp_vg *vg = doc("<g color='rgb( 31,  78, 121)' stroke='currentColor'>"
                           "<rect width='1' height='1' fill='currentColor'/>"
                           "<rect width='1' height='1' fill='rgb(100%,0%,50%)' stroke='none'/>"
                           "<rect width='1' height='1' fill='#0A0b0C' stroke='LightGrey'/>"
                           "<rect width='1' height='1' fill='chartreuse-ish' stroke='none'/>"
                           "<rect width='1' height='1' fill='none' stroke='none'/>"
                           "<g opacity='0.5'><rect width='1' height='1' fill='red' "
                           "fill-opacity='0.5' stroke='none'/></g>"
                           "<rect width='1' height='1' style='fill: #ff0000; stroke:none ;' />"
                           "</g>",
                           &info);
    char *d = dump(vg);
    assert_string_equal(d, "vg 100.00 x 50.00\n"
                           "path fill=#1f4e79 stroke=#1f4e79 w=1.00 M0.00,0.00 L1.00,0.00 "
                           "L1.00,1.00 L0.00,1.00 Z\n"
                           "path fill=#ff0080 M0.00,0.00 L1.00,0.00 L1.00,1.00 L0.00,1.00 Z\n"
                           "path fill=#0a0b0c stroke=#d3d3d3 w=1.00 M0.00,0.00 L1.00,0.00 "
                           "L1.00,1.00 L0.00,1.00 Z\n"
                           "path fill=#000000 M0.00,0.00 L1.00,0.00 L1.00,1.00 L0.00,1.00 Z\n"
                           "path fill=#ff0000/0.25 M0.00,0.00 L1.00,0.00 L1.00,1.00 L0.00,1.00 Z\n"
                           "path fill=#ff0000 M0.00,0.00 L1.00,0.00 L1.00,1.00 L0.00,1.00 Z\n");
    assert_int_equal(info.bad_data, 1); /* chartreuse-ish: the inherited (initial) black */
    free(d);
    vg_free(vg);
}

static void test_dash_cap_join(void **state)
{
    (void)state;
    struct kp_vg *vg = doc("<g stroke='black' stroke-dasharray='2,4' stroke-linecap='round' "
                           "stroke-linejoin='bevel' transform='scale(2)'>"
                           "<path d='M0,0 L1,0'/>"
                           "<path stroke-dasharray='1 2 3' d='M0,0 L1,0'/>"
                           "<path stroke-dasharray='none' d='M0,0 L1,0'/>"
                           "<path stroke-dasharray='0,0' d='M0,0 L1,0'/>"
                           "</g>",
                           NULL);
    const struct kp_vg_item *a = vg_item(vg, 0), *b = vg_item(vg, 1);
    assert_int_equal(a->style.ndash, 2);
    assert_true(a->style.dash[0] == 4 && a->style.dash[1] == 8);
    assert_int_equal(a->style.cap, KP_VG_CAP_ROUND);
    assert_int_equal(a->style.join, KP_VG_JOIN_BEVEL);
    assert_int_equal(b->style.ndash, 6); /* an odd list repeats */
    assert_true(b->style.dash[3] == 2 && b->style.dash[5] == 6);
    assert_int_equal(vg_item(vg, 2)->style.ndash, 0);
    assert_int_equal(vg_item(vg, 3)->style.ndash, 0);
    vg_free(vg);
}

static void test_use_and_defs(void **state)
{
    (void)state;
    struct kp_svg_info info;
    struct kp_vg *vg =
        doc("<defs>"
            "<path id='tri' stroke-width='0.5' stroke='currentColor' d='M0,-1 L1,1 L-1,1 z'/>"
            "<use xlink:href='#tri' id='filled' fill='currentColor' stroke='none'/>"
            "<use xlink:href='#filled' id='flip' transform='rotate(180)'/>"
            "<use xlink:href='#loop' id='loop'/>"
            "</defs>"
            "<g fill='none'>"
            "<use xlink:href='#flip' transform='translate(10,10) scale(2)' color='red'/>"
            "<use href='#tri' x='5' y='5' color='blue'/>"
            "<use xlink:href='#loop'/>"
            "<use xlink:href='#nothing'/>"
            "<use/>"
            "</g>",
            &info);
    char *d = dump(vg);
    assert_string_equal(d, "vg 100.00 x 50.00\n"
                           "path fill=#ff0000 stroke=#ff0000 w=1.00 M10.00,12.00 L8.00,8.00 "
                           "L12.00,8.00 Z\n"
                           "path stroke=#0000ff w=0.50 M5.00,4.00 L6.00,6.00 L4.00,6.00 Z\n");
    assert_int_equal(info.bad_data, 3); /* the loop (cut at depth 8), #nothing, no href */
    free(d);
    vg_free(vg);
}

static void test_clip(void **state)
{
    (void)state;
    struct kp_svg_info info;
    struct kp_vg *vg = doc("<defs><clipPath id='c'><rect x='1' y='2' width='30' height='20'/>"
                           "</clipPath></defs>"
                           "<g clip-path='url(#c)' transform='translate(10,0)'>"
                           "<rect width='50' height='50' fill='red'/></g>"
                           "<rect width='5' height='5' fill='blue' clip-path='url(#c)'/>"
                           "<g clip-path='url(#none)'><rect width='1' height='1'/></g>",
                           &info);
    char *d = dump(vg);
    assert_string_equal(d, "vg 100.00 x 50.00\n"
                           "clip 11.00,2.00 30.00x20.00\n"
                           "path fill=#ff0000 M10.00,0.00 L60.00,0.00 L60.00,50.00 L10.00,50.00 Z\n"
                           "unclip\n"
                           "clip 1.00,2.00 30.00x20.00\n"
                           "path fill=#0000ff M0.00,0.00 L5.00,0.00 L5.00,5.00 L0.00,5.00 Z\n"
                           "unclip\n"
                           "path fill=#000000 M0.00,0.00 L1.00,0.00 L1.00,1.00 L0.00,1.00 Z\n");
    assert_int_equal(info.unsupported, 1); /* url(#none): cannot clip, says so */
    assert_string_equal(info.unsupported_what, "clip-path");
    free(d);
    vg_free(vg);
}

static void test_text(void **state)
{
    (void)state;
    struct kp_vg *vg =
        doc("<g font-size='8' fill='black' text-anchor='middle'>"
            "<g transform='translate(20,30) rotate(-90)'><text>\n\t 120% </text></g>"
            "<text x='5' y='6' text-anchor='end' font-size='10px'>a  <tspan>b</tspan>\n c</text>"
            "<text x='1' y='1' xml:space='preserve'> 2 \t3 </text>"
            "<text x='1' y='1'>R&amp;D &lt;1&gt; \xe5\xbc\xa0\xe4\xb8\x89</text>"
            "<g transform='scale(2)'><text x='1' y='1' fill='#336699'>big</text></g>"
            "<text fill='none'>invisible</text>"
            "<text>   </text>"
            "<text x='1' y='1' opacity='0.5' visibility='hidden'>hidden</text>"
            "<g display='none'><text visibility='visible'>gone</text></g>"
            "</g>",
            NULL);
    char *d = dump(vg);
    assert_string_equal(d, "vg 100.00 x 50.00\n"
                           "text 20.00,30.00 rot=90 size=8.00 middle #000000 \"120%\"\n"
                           "text 5.00,6.00 rot=0 size=10.00 end #000000 \"a b c\"\n"
                           "text 1.00,1.00 rot=0 size=8.00 middle #000000 \" 2  3 \"\n"
                           "text 1.00,1.00 rot=0 size=8.00 middle #000000 \"R&D <1> 张三\"\n"
                           "text 2.00,2.00 rot=0 size=16.00 middle #336699 \"big\"\n");
    free(d);
    vg_free(vg);
}

static void test_unknown_and_unsupported(void **state)
{
    (void)state;
    struct kp_svg_info info;
    struct kp_vg *vg =
        doc("<title>t</title><desc>d</desc><script>alert(1)</script>"
            "<blink><rect width='1' height='1'/></blink>"
            "<g frobnicate='yes' stroke='black'><path d='M0,0 L1,1' wobble='2'/></g>"
            "<image x='0' y='0' width='10' height='10' xlink:href='data:image/png;base64,AA'/>"
            "<rect width='2' height='2' fill='url(#gpPat1)'/>"
            "<text x='1' y='1' filter='url(#textbox)'>boxed</text>",
            &info);
    assert_int_equal(info.unknown, 1);       /* blink (and what is inside it) */
    assert_int_equal(info.unknown_attrs, 2); /* frobnicate, wobble */
    assert_int_equal(info.unsupported, 3);   /* image, url() fill, filter */
    assert_string_equal(info.unsupported_what, "image");
    assert_int_equal(vg_count_kind(vg, KP_VG_PATH), 1);
    assert_int_equal(vg_count_kind(vg, KP_VG_TEXT), 1);
    vg_free(vg);
}

static void test_missing_attributes(void **state)
{
    (void)state;
    struct kp_svg_info info;
    struct kp_vg *vg = doc("<rect height='5'/><rect width='-1' height='2'/><circle cx='1'/>"
                           "<path stroke='black'/><path d=''/><polygon/><line stroke='red'/>"
                           "<text>no position</text><ellipse rx='1'/>"
                           "<polyline points='1,2 3' stroke='red'/>",
                           &info);
    /* Only what can be drawn: the text at (0,0), the zero-length line and the
     * polyline up to its odd coordinate. */
    char *d = dump(vg);
    assert_string_equal(d, "vg 100.00 x 50.00\n"
                           "path stroke=#ff0000 w=1.00 M0.00,0.00 L0.00,0.00\n"
                           "text 0.00,0.00 rot=0 size=16.00 start #000000 \"no position\"\n");
    assert_int_equal(info.bad_data, 3); /* the negative width, no d, the odd points */
    free(d);
    vg_free(vg);
}

/* ---- hostile input ---- */

static void expect_error(const char *s, size_t n, const char *err_part)
{
    char *err = NULL;
    struct kp_vg *vg = svg_parse(s, n, NULL, &err);
    if (vg)
        fail_msg("accepted: %.60s", s);
    assert_non_null(err);
    if (err_part && !strstr(err, err_part))
        fail_msg("error \"%s\" lacks \"%s\"", err, err_part);
    free(err);
}

static void test_truncated(void **state)
{
    (void)state;
    char *data;
    size_t n;
    assert_int_equal(sys_read_file(DATA "revenue.svg", &data, &n), 0);
    size_t end = (size_t)(strstr(data, "</svg>") - data);
    for (size_t cut = 0; cut < end; cut += 97)
        expect_error(data, cut, NULL);
    expect_error(data, end + 3, "line ");
    free(data);
}

static void test_garbage(void **state)
{
    (void)state;
#define LIT(s) s, sizeof s - 1
    expect_error(LIT(""), "no element found");
    expect_error(LIT("not xml at all"), "line 1:");
    expect_error(LIT("<html><body/></html>"), "not an svg document");
    expect_error(LIT("<svg><rect/></svg>"), "no usable size");
    expect_error(LIT("<svg width='1e9' height='1'/>"), "no usable size");
    expect_error(LIT("<svg width='10' height='10'><text>\xff\xfe</text></svg>"), "not well-formed");
    expect_error(LIT("<svg width='10' height='10'>\0</svg>"), "not well-formed");
    expect_error(LIT("<svg width='10' height='10'><g></svg>"), "mismatched tag");
    expect_error(LIT("<svg width='10' height='10'></svg><svg/>"), "junk after document");
    unsigned x = 12345;
    char *g = xmalloc(65536);
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < 65536; i++)
            g[i] = (char)((x = x * 1103515245u + 12345u) >> 16);
        if (round % 2)
            memcpy(g, "<svg width='9' height='9'>", 26);
        expect_error(g, 65536, NULL);
    }
    free(g);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    struct kp_buf b = {0};
    buf_adds(&b, "<svg width='10' height='10'>");
    while (b.len < 10u << 20)
        buf_adds(&b, "<g><g><g><g><g><g><g><g>");
    expect_error(b.s, b.len, "nested deeper than 64");
    buf_free(&b);
    /* 63 levels are fine. */
    buf_adds(&b, "<svg width='10' height='10'>");
    for (int i = 0; i < 62; i++)
        buf_adds(&b, "<g>");
    buf_adds(&b, "<rect width='1' height='1'/>");
    for (int i = 0; i < 62; i++)
        buf_adds(&b, "</g>");
    buf_adds(&b, "</svg>");
    char *err = NULL;
    struct kp_vg *vg = svg_parse(b.s, b.len, NULL, &err);
    assert_non_null(vg);
    assert_int_equal(vg_count(vg), 1);
    vg_free(vg);
    buf_free(&b);
}

static void test_absurd_numbers(void **state)
{
    (void)state;
    const char *s = "<svg width='10' height='10'><path stroke='red' d='M0,0 L1e300,5'/></svg>";
    expect_error(s, strlen(s), "coordinate out of range");
    s = "<svg width='10' height='10'><g transform='scale(1e7)'><rect width='1' height='1'/></g>"
        "</svg>";
    expect_error(s, strlen(s), "coordinate out of range");
    s = "<svg width='10' height='10'><text x='-2e6' y='1'>x</text></svg>";
    expect_error(s, strlen(s), "coordinate out of range");
    /* Not a finite number at all: the path stops there. */
    struct kp_svg_info info;
    struct kp_vg *vg = doc("<path stroke='red' d='M0,0 L1,1 L1e999,5'/>"
                           "<path stroke='red' stroke-width='1e999' d='M0,0 L1,1'/>"
                           "<rect width='1' height='1' transform='scale(NaN)'/>",
                           &info);
    assert_int_equal(vg_count(vg), 3);
    assert_int_equal(vg_item(vg, 0)->nseg, 2);
    assert_true(vg_item(vg, 1)->style.width == 1);
    assert_int_equal(info.bad_data, 3);
    vg_free(vg);
}

static void test_entities(void **state)
{
    (void)state;
    const char *bomb = "<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY a 'aaaaaaaaaa'>"
                       "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>"
                       "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]>"
                       "<svg width='10' height='10'><text>&c;</text></svg>";
    expect_error(bomb, strlen(bomb), "entity declarations are not allowed");
    const char *ext = "<!DOCTYPE svg [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                      "<svg width='10' height='10'><text>&x;</text></svg>";
    expect_error(ext, strlen(ext), "entity declarations are not allowed");
    const char *undef = "<svg width='10' height='10'><text>&nbsp;</text></svg>";
    expect_error(undef, strlen(undef), "undefined entity");
}

static void test_too_many(void **state)
{
    (void)state;
    struct kp_buf b = {0};
    buf_adds(&b, "<svg width='10' height='10'><g stroke='black'>");
    for (int i = 0; i < 50001; i++)
        buf_adds(&b, "<path d='M0,0 L1,1'/>");
    buf_adds(&b, "</g></svg>");
    expect_error(b.s, b.len, "too many primitives");
    buf_reset(&b);
    buf_adds(&b, "<svg width='10' height='10'><path stroke='black' d='M0,0");
    for (int i = 0; i < 200001; i++)
        buf_adds(&b, " L1,1");
    buf_adds(&b, "'/></svg>");
    expect_error(b.s, b.len, "too many primitives");
    buf_reset(&b);
    buf_adds(&b, "<svg width='10' height='10'><text>");
    for (int i = 0; i < 70000; i++)
        buf_addc(&b, 'x');
    buf_adds(&b, "</text></svg>");
    expect_error(b.s, b.len, "a text longer than");
    buf_reset(&b);
    buf_adds(&b, "<svg width='10' height='10'><defs><path id='a' d='M0,0'/></defs>");
    for (int i = 0; i < 100001; i++)
        buf_adds(&b, "<use xlink:href='#a'/>");
    buf_adds(&b, "</svg>");
    expect_error(b.s, b.len, "more than 100000 <use> expansions");
    buf_free(&b);
}

/* ---- vg itself ---- */

static void test_vg_api(void **state)
{
    (void)state;
    struct kp_vg *vg = vg_new(200, 100);
    struct kp_vg_style st;
    vg_style_init(&st);
    assert_int_equal(vg_path_begin(vg, &st), 0); /* paints nothing: dropped */
    vg_move(vg, 0, 0);
    vg_line(vg, 1, 1);
    vg_path_end(vg);
    st.stroke_on = 1;
    assert_int_equal(vg_path_begin(vg, &st), 0); /* only moves: dropped */
    vg_move(vg, 0, 0);
    vg_path_end(vg);
    assert_int_equal(vg_count(vg), 0);
    assert_int_equal(vg_path_begin(vg, &st), 0);
    assert_int_equal(vg_move(vg, 0, 0), 0);
    assert_int_equal(vg_line(vg, NAN, 1), -1);
    assert_int_equal(vg_curve(vg, 1, 2, 3, 4, 5, 6), 0);
    assert_int_equal(vg_close(vg), 0);
    assert_int_equal(vg_add_text(vg, 1, 2, 0, 7, KP_VG_END, 0x123456, 1, "120%", 4), 0);
    assert_int_equal(vg_clip_pop(vg), -1); /* nothing to pop */
    assert_int_equal(vg_clip_push(vg, 0, 0, 10, 10), 0);
    assert_int_equal(vg_clip_pop(vg), 0);
    assert_int_equal(vg_count(vg), 4);
    assert_string_equal(vg_text(vg, vg_item(vg, 1)), "120%");
    assert_null(vg_item(vg, 4));
    assert_null(vg_plot(vg));
    double x, y;
    assert_int_equal(vg_map(vg, 1, 1, &x, &y), -1);
    struct kp_vg_plot p = {.left = 20, .top = 10, .right = 180, .bottom = 90, .xmin = 0.5,
                           .xmax = 4.5, .ymin = 0, .ymax = 160, .yscale = 1000};
    vg_set_plot(vg, &p);
    assert_int_equal(vg_map(vg, 2.5, 80000, &x, &y), 0);
    assert_true(x == 100 && y == 50);
    struct kp_vg_fit f;
    vg_fit(vg, 10, 10, 100, 100, &f); /* half size, centred vertically */
    assert_true(f.s == 0.5 && f.tx == 10 && f.ty == 85);
    vg_free(vg);

    vg = vg_new(10, 10);
    vg_set_limits(vg, 2, 3, 8);
    assert_int_equal(vg_path_begin(vg, &st), 0);
    vg_move(vg, 0, 0);
    vg_line(vg, 1, 0);
    vg_line(vg, 1, 1);
    assert_int_equal(vg_line(vg, 0, 1), -1); /* 4th segment: the path is dropped */
    vg_path_end(vg);
    assert_int_equal(vg_count(vg), 0);
    assert_int_equal(vg_add_text(vg, 0, 0, 0, 1, 0, 0, 1, "1234567", 7), 0);
    assert_int_equal(vg_add_text(vg, 0, 0, 0, 1, 0, 0, 1, "x", 1), -1); /* text limit */
    assert_int_equal(vg_clip_push(vg, 0, 0, 1, 1), 0);
    assert_int_equal(vg_clip_push(vg, 0, 0, 1, 1), -1); /* item limit */
    assert_int_equal(vg_clip_pop(vg), 0);                /* popping always works */
    assert_int_equal(vg_count(vg), 3);
    vg_free(vg);
}

UNIT_MAIN(cmocka_unit_test(test_recorded_counts), cmocka_unit_test(test_recorded_revenue),
          cmocka_unit_test(test_recorded_rotation), cmocka_unit_test(test_recorded_attainment),
          cmocka_unit_test(test_recorded_others), cmocka_unit_test(test_transforms),
          cmocka_unit_test(test_path_data), cmocka_unit_test(test_shapes),
          cmocka_unit_test(test_colors), cmocka_unit_test(test_dash_cap_join),
          cmocka_unit_test(test_use_and_defs), cmocka_unit_test(test_clip),
          cmocka_unit_test(test_text), cmocka_unit_test(test_unknown_and_unsupported),
          cmocka_unit_test(test_missing_attributes), cmocka_unit_test(test_truncated),
          cmocka_unit_test(test_garbage), cmocka_unit_test(test_deep_nesting),
          cmocka_unit_test(test_absurd_numbers), cmocka_unit_test(test_entities),
          cmocka_unit_test(test_too_many), cmocka_unit_test(test_vg_api))
