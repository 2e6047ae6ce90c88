/* Unit tests for pdf: a 2-page English/Chinese document checked with qpdf,
 * pdffonts, pdftotext and rendered pixels (pdftoppm); the simple (WinAnsi)
 * and Type0 fonts: which runs get which, widths, extraction, pixels; errors,
 * misuse, determinism, images; and a timing report.
 *
 * KP_KEEP_PDF=path keeps a copy of the sample document there. */
#include "unit.h"

#include "diag.h"
#include "font.h"
#include "pdf.h"
#include "sys.h"
#include "text.h"
#include "util.h"

#include <qpdf/qpdf-c.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char outdir[] = "/tmp/kp-test-pdf-XXXXXX";

static int group_setup(void **state)
{
    (void)state;
    const char *src = getenv("SRC_DIR");
    setenv("KPIPRESS_DATADIR", src && *src ? src : ".", 0);
    if (!mkdtemp(outdir))
        return -1;
    return font_init(NULL) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    DIR *dir = opendir(outdir);
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
            continue;
        char *p = path_join(outdir, e->d_name);
        unlink(p);
        free(p);
    }
    if (dir)
        closedir(dir);
    rmdir(outdir);
    return 0;
}

static char *out_path(const char *name)
{
    return path_join(outdir, name);
}

/* Run a shell command; its stdout into *out (may be NULL). Returns the exit
 * status. */
static int run(const char *cmd, char **out)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct kp_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_add(&b, chunk, n);
    buf_add(&b, "", 0);
    int st = pclose(p);
    if (out)
        *out = buf_steal(&b);
    else
        buf_free(&b);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int have_tools(void)
{
    return sys_have_program("qpdf") && sys_have_program("pdffonts") &&
           sys_have_program("pdftotext") && sys_have_program("pdftoppm") &&
           sys_have_program("pdfinfo");
}

/* s without spaces and newlines (CJK lines come back split anywhere) */
static char *squeeze(const char *s)
{
    struct kp_buf b = {0};
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\f')
            buf_addc(&b, *s);
    buf_add(&b, "", 0);
    return buf_steal(&b);
}

static const struct kp_textstyle body = {.size = 10};
static const char *const para_zh =
    "本季度销售团队整体表现良好，张三的销售达成率为87.5%，较上季度提升了十二个百分点。"
    "他在新客户开发方面表现突出（新增客户二十三家），但回款周期偏长，需要在下季度重点改进。"
    "建议：每周跟进一次逾期账款，并与财务部门协作制定回款计划。";
static const char *const para_en =
    "Revenue grew 12% quarter over quarter and the pipeline now covers 3.1 times the next "
    "quarter's target. Win rate held at 31% while the average deal size rose to 48,200; the "
    "largest gap remains collection time, at 52 days against a target of 40.";

static void draw_chart(struct kp_pdf *d, double x0, double y0)
{
    struct kp_paint axis = {.stroke = KP_RGB(0x333333), .width = 0.8};
    struct kp_paint grid = {
        .stroke = KP_RGB(0x999999), .width = 0.4, .dash = {1.5, 2.5}, .ndash = 2};
    pdf_line(d, x0, y0, x0 + 220, y0, &axis);
    pdf_line(d, x0, y0, x0, y0 + 120, &axis);
    struct kp_textstyle tick = {.size = 7};
    for (int i = 1; i <= 4; i++) {
        pdf_line(d, x0, y0 + i * 28, x0 + 220, y0 + i * 28, &grid);
        char lab[16];
        snprintf(lab, sizeof lab, "%d%%", i * 25);
        pdf_text(d, &tick, x0 - 3, y0 + i * 28 - 2.5, KP_END, lab);
    }
    struct kp_paint bar = {.fill = KP_RGBA(0x1f77b4, 0xB0)};
    const double v[6] = {0.62, 0.71, 0.8, 0.77, 0.9, 0.875};
    const char *months[6] = {"1月", "2月", "3月", "4月", "5月", "6月"};
    for (int i = 0; i < 6; i++) {
        pdf_rect(d, x0 + 10 + i * 35, y0, 22, v[i] * 112, 0, &bar);
        pdf_text(d, &tick, x0 + 21 + i * 35, y0 - 9, KP_MIDDLE, months[i]);
    }
    struct kp_paint line = {.stroke = KP_RGB(0xd62728), .width = 1.5, .join = KP_JOIN_ROUND};
    pdf_move_to(d, x0 + 21, y0 + 70);
    for (int i = 1; i < 6; i++)
        pdf_curve_to(d, x0 + 21 + i * 35 - 20, y0 + 70 + i * 6, x0 + 21 + i * 35 - 15,
                     y0 + 72 + i * 6, x0 + 21 + i * 35, y0 + 70 + i * 7);
    pdf_paint(d, &line);
    struct kp_paint dot = {.fill = KP_RGB(0xffffff), .stroke = KP_RGB(0xd62728), .width = 1};
    for (int i = 0; i < 6; i++)
        pdf_circle(d, x0 + 21 + i * 35, y0 + 70 + i * 7, 2.5, &dot);
    struct kp_textstyle ylab = {.size = 8, .angle = 90, .color = KP_RGB(0x333333)};
    pdf_text(d, &ylab, x0 - 22, y0 + 60, KP_MIDDLE, "达成率 Attainment");
}

/* The sample: 2 pages, English and Chinese, bookmarks, labels, info. */
static struct kp_pdf *sample(void)
{
    struct kp_pdf *d = pdf_new(KP_A4);
    double W, H;
    pdf_page_size(d, &W, &H);
    assert_int_equal(pdf_add_page(d), 0);
    struct kp_textstyle title = {.size = 20, .bold = 1, .color = KP_RGB(0x1a3c6e)};
    pdf_text(d, &title, 56, H - 70, KP_START, "张三 Zhang San — 绩效评估 Q2 2026");
    struct kp_paint rule = {.stroke = KP_RGB(0x1a3c6e), .width = 1};
    pdf_line(d, 56, H - 80, W - 56, H - 80, &rule);
    struct kp_textstyle big = {.size = 14, .bold = 1};
    pdf_text(d, &big, 56, H - 104, KP_START, "销售达成率 87.5%");
    pdf_text(d, &body, W - 56, H - 104, KP_END, "Pinyin: lǖ lǘ lǚ lǜ (ǖǘǚǜ)");
    struct kp_paint card = {.fill = KP_RGB(0xf2f5fa), .stroke = KP_RGB(0xc8d2e0), .width = 0.5};
    double h = pdf_paragraph_height(&body, W - 132, 15, para_zh);
    pdf_rect(d, 56, H - 130 - h - 10, W - 112, h + 20, 6, &card);
    double used = pdf_paragraph(d, &body, 66, H - 130, W - 132, 15, KP_START, para_zh);
    assert_true(used == h);
    double y = H - 130 - h - 40;
    for (int i = 0; i < 12; i++) {
        char row[128];
        snprintf(row, sizeof row, "%2d  %s  %.1f%%", i + 1,
                 i % 2 ? "新客户数 New accounts" : "回款天数 DSO", 60.0 + i * 2.5);
        pdf_text(d, &body, 56, y - i * 14, KP_START, row);
    }
    draw_chart(d, 330, y - 150);
    pdf_link_uri(d, 56, 40, 200, 12, "https://example.com/kpipress");
    pdf_text(d, &body, 56, 43, KP_START, "https://example.com/kpipress");
    assert_int_equal(pdf_add_page(d), 1);
    pdf_text(d, &title, 56, H - 70, KP_START, "第二页 Page two");
    pdf_paragraph(d, &body, 56, H - 90, 300, 0, KP_START, para_en);
    pdf_link_page(d, 56, 40, 100, 12, 0, H);
    pdf_text(d, &body, 56, 43, KP_START, "Back to page 1 回到第一页");
    for (int p = 0; p < 2; p++) { /* footers, written once the count is known */
        pdf_set_page(d, p);
        char foot[32];
        snprintf(foot, sizeof foot, "%d / %d", p + 1, pdf_page_count(d));
        pdf_text(d, &body, W / 2, 28, KP_MIDDLE, foot);
    }
    int team = pdf_bookmark(d, -1, "销售一组 Sales Team A", 0, H);
    pdf_bookmark(d, team, "张三 Zhang San", 0, H);
    pdf_bookmark(d, team, "李四 Li Si", 1, H);
    pdf_page_label(d, 0, KP_NUM_DECIMAL, "R-", 1);
    pdf_page_label(d, 1, KP_NUM_ROMAN_LOWER, "附录", 1); /* not ASCII: replaced */
    pdf_set_info(d, KP_INFO_TITLE, "绩效评估 Review — 张三");
    pdf_set_info(d, KP_INFO_AUTHOR, "Sales Ops 销售运营");
    pdf_set_info(d, KP_INFO_SUBJECT, "Q2 2026");
    pdf_set_info(d, KP_INFO_KEYWORDS, "review, 绩效");
    pdf_set_info(d, KP_INFO_CREATOR, "kpipress");
    pdf_set_date(d, 1782864000); /* 2026-07-01 00:00:00 UTC */
    return d;
}

static void test_sample(void **state)
{
    (void)state;
    if (!have_tools())
        skip();
    struct kp_pdf *d = sample();
    char *path = out_path("sample.pdf");
    assert_int_equal(pdf_save(d, path), 0);
    assert_int_equal(pdf_page_count(d), 2);
    const uint32_t *miss;
    assert_int_equal(pdf_missing(d, &miss), 0);
    size_t size = pdf_size(d);
    assert_true(size > 10000 && size < 80000);
    const char *keep = getenv("KP_KEEP_PDF");
    if (keep && *keep) {
        char *data;
        size_t len;
        assert_int_equal(pdf_render(d, keep, &data, &len), 0);
        assert_int_equal(sys_write_atomic(keep, data, len), 0);
        free(data);
    }
    pdf_free(d);

    char *cmd, *out;
    cmd = xasprintf("qpdf --check '%s' 2>&1", path);
    assert_int_equal(run(cmd, &out), 0);
    free(cmd), free(out);

    /* every font embedded and subset: Latin text all in WinAnsi as simple
     * TrueType fonts (the pinyin as a Type0 font of the same subset), CJK as
     * a Type0 font with a ToUnicode map */
    cmd = xasprintf("pdffonts '%s' 2>/dev/null | sort", path);
    assert_int_equal(run(cmd, &out), 0);
    assert_string_equal(
        out, "------------------------------------ ----------------- ---------------- --- --- --- "
             "---------\n"
             "HPDFAA+NotoSans-Regular              CID TrueType      Identity-H       yes yes yes "
             "     4  0\n"
             "HPDFAA+NotoSans-Regular              TrueType          WinAnsi          yes yes no  "
             "    10  0\n"
             "HPDFAB+NotoSans-Bold,Bold            TrueType          WinAnsi          yes yes no  "
             "    11  0\n"
             "HPDFAC+WenQuanYiMicroHei             CID TrueType      Identity-H       yes yes yes "
             "    12  0\n"
             "name                                 type              encoding         emb sub uni "
             "object ID\n");
    free(cmd), free(out);

    /* the text is there, in order */
    cmd = xasprintf("pdftotext '%s' - 2>/dev/null", path);
    assert_int_equal(run(cmd, &out), 0);
    char *flat = squeeze(out);
    const char *want[] = {"张三ZhangSan—绩效评估Q22026",
                          "销售达成率87.5%",
                          "Pinyin:lǖlǘlǚlǜ(ǖǘǚǜ)",
                          NULL,
                          "回款天数DSO",
                          "第二页Pagetwo",
                          NULL,
                          "2/2"};
    char *zh = squeeze(para_zh), *en = squeeze(para_en);
    want[3] = zh;
    want[6] = en;
    const char *at = flat;
    for (size_t i = 0; i < KP_NELEM(want); i++) {
        const char *f = strstr(at, want[i]);
        if (!f)
            fail_msg("not found in order: %s\n--- pdftotext:\n%s", want[i], out);
        at = f + strlen(want[i]);
    }
    free(zh), free(en), free(flat), free(cmd), free(out);

    cmd = xasprintf("pdfinfo '%s' 2>/dev/null", path);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out, "Title:           绩效评估 Review — 张三\n"));
    assert_non_null(strstr(out, "Author:          Sales Ops 销售运营\n"));
    assert_non_null(strstr(out, "Keywords:        review, 绩效\n"));
    assert_non_null(strstr(out, "Creator:         kpipress\n"));
    assert_non_null(strstr(out, "CreationDate:    Wed Jul  1 00:00:00 2026 UTC\n"));
    assert_non_null(strstr(out, "Pages:           2\n"));
    assert_non_null(strstr(out, "Page size:       595.276 x 841.89 pts (A4)\n"));
    free(cmd), free(out);

    cmd = xasprintf("qpdf --json --json-key=pagelabels --json-key=outlines '%s'", path);
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out, "\"/P\": \"u:R-\""));
    assert_non_null(strstr(out, "\"/P\": \"u:______\""));
    assert_non_null(strstr(out, "\"/S\": \"/r\""));
    const char *t1 = strstr(out, "\"title\": \"张三 Zhang San\"");
    const char *t2 = strstr(out, "\"title\": \"李四 Li Si\"");
    const char *t0 = strstr(out, "\"title\": \"销售一组 Sales Team A\"");
    assert_true(t0 && t1 && t2 && t1 < t2 && t2 < t0); /* kids listed before their parent */
    assert_non_null(strstr(out, "\"destpageposfrom1\": 2"));
    free(cmd), free(out);
    free(path);
}

/* ---- rendered pixels ---- */

struct pgm {
    int w, h;
    unsigned char *px;
};

/* Render a box of page 1 (PDF points, y up) at 72 dpi in gray. */
static void render_box(const char *pdf, double page_h, double x, double y, int w, int h,
                       struct pgm *g)
{
    char *prefix = out_path("box");
    char *cmd = xasprintf("pdftoppm -gray -r 72 -f 1 -l 1 -singlefile -x %d -y %d -W %d -H %d "
                          "'%s' '%s' 2>/dev/null",
                          (int)x, (int)(page_h - y - h), w, h, pdf, prefix);
    assert_int_equal(run(cmd, NULL), 0);
    char *file = xasprintf("%s.pgm", prefix);
    char *data;
    size_t len;
    assert_int_equal(sys_read_file(file, &data, &len), 0);
    int maxv, off = 0;
    assert_int_equal(sscanf(data, "P5 %d %d %d%n", &g->w, &g->h, &maxv, &off), 3);
    off++; /* the single whitespace after the header */
    assert_true(len >= (size_t)off + (size_t)(g->w * g->h));
    g->px = xmalloc((size_t)(g->w * g->h));
    memcpy(g->px, data + off, (size_t)(g->w * g->h));
    unlink(file);
    free(data), free(file), free(cmd), free(prefix);
}

/* Dark pixels in [x0, x1) x [y0, y1) (image coordinates, y down). */
static int ink(const struct pgm *g, int x0, int x1, int y0, int y1)
{
    int n = 0;
    for (int y = y0; y < y1 && y < g->h; y++)
        for (int x = x0; x < x1 && x < g->w; x++)
            n += g->px[y * g->w + x] < 128;
    return n;
}

/* The remedy for libharu 2.3.0's blank CJK glyphs and lost pinyin marks:
 * every glyph has ink where it should. */
static void test_glyphs_drawn(void **state)
{
    (void)state;
    if (!have_tools())
        skip();
    struct kp_pdf *d = pdf_new(KP_A4);
    double W, H;
    pdf_page_size(d, &W, &H);
    pdf_add_page(d);
    /* 7 ideographs, 20 pt each, baseline at y = 700 */
    static const char zh[] = "销售达成率张三";
    struct kp_textstyle s20 = {.size = 20};
    assert_true(pdf_text(d, &s20, 100, 700, KP_START, zh) == 140);
    struct kp_textstyle b20 = {.size = 20, .bold = 1};
    pdf_text(d, &b20, 100, 650, KP_START, zh);
    /* pinyin at 40 pt in Noto Sans: ü with a tone mark */
    struct kp_textstyle s40 = {.size = 40};
    double pw = pdf_text(d, &s40, 100, 550, KP_START, "ǖǘǚǜ");
    char *path = out_path("glyphs.pdf");
    assert_int_equal(pdf_save(d, path), 0);
    pdf_free(d);

    for (int row = 0; row < 2; row++) {
        struct pgm g;
        render_box(path, H, 100, (row ? 650 : 700) - 5, 160, 25, &g);
        for (int i = 0; i < 7; i++) {
            int n = ink(&g, i * 20, i * 20 + 20, 0, 25);
            if (n < 25)
                fail_msg("row %d glyph %d has %d dark pixels: drawn blank?", row, i, n);
        }
        assert_int_equal(ink(&g, 140, 160, 0, 25), 0); /* after the text: blank */
        free(g.px);
    }
    struct pgm g;
    render_box(path, H, 100, 550, (int)pw + 4, 40, &g);
    /* 40 pt box above the baseline; marks sit above the x-height (0.54 em):
     * rows 0..17 of the box are 0.55..1 em */
    double adv = pw / 4;
    for (int i = 0; i < 4; i++) {
        int x0 = (int)(i * adv), x1 = (int)((i + 1) * adv);
        int top = ink(&g, x0, x1, 0, 10), mid = ink(&g, x0, x1, 10, 18),
            body = ink(&g, x0, x1, 18, 40);
        if (top < 5 || mid < 5 || body < 30)
            fail_msg("pinyin glyph %d: tone %d, diaeresis %d, body %d dark pixels", i, top, mid,
                     body);
    }
    free(g.px);
    free(path);
}

/* ---- WinAnsi (simple TrueType) and UTF-8 (Type0) fonts ---- */

/* Every printable WinAnsi character, each code once, in code order. */
static char *winansi_all(void)
{
    struct kp_buf b = {0};
    for (uint32_t cp = 0x20; cp < 0x2200; cp++) {
        char u[4];
        if (text_winansi(cp) >= 0)
            buf_add(&b, u, utf8_put(u, (int32_t)cp));
    }
    buf_add(&b, "", 0);
    return buf_steal(&b);
}

/* The simple font named base (e.g. "NotoSans-Bold") on page 1 of the PDF:
 * its /Widths by code into w[256] (-1 where it has none). Returns 1 when
 * found. */
static int simple_widths(const char *data, size_t len, const char *base, int w[256])
{
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    assert_int_equal(qpdf_read_memory(q, "doc", data, len, NULL), QPDF_SUCCESS);
    qpdf_oh fonts =
        qpdf_oh_get_key(q, qpdf_oh_get_key(q, qpdf_get_page_n(q, 0), "/Resources"), "/Font");
    int found = 0;
    qpdf_oh_begin_dict_key_iter(q, fonts);
    while (!found && qpdf_oh_dict_more_keys(q)) {
        qpdf_oh f = qpdf_oh_get_key(q, fonts, qpdf_oh_dict_next_key(q));
        const char *name = qpdf_oh_get_name(q, qpdf_oh_get_key(q, f, "/BaseFont"));
        const char *plus = strchr(name, '+');
        if (!qpdf_oh_is_name_and_equals(q, qpdf_oh_get_key(q, f, "/Subtype"), "/TrueType") ||
            !plus || strncmp(plus + 1, base, strlen(base)) != 0)
            continue;
        assert_true(
            qpdf_oh_is_name_and_equals(q, qpdf_oh_get_key(q, f, "/Encoding"), "/WinAnsiEncoding"));
        int first = qpdf_oh_get_int_value_as_int(q, qpdf_oh_get_key(q, f, "/FirstChar"));
        qpdf_oh a = qpdf_oh_get_key(q, f, "/Widths");
        for (int c = 0; c < 256; c++)
            w[c] = c >= first && c - first < qpdf_oh_get_array_n_items(q, a)
                       ? qpdf_oh_get_int_value_as_int(q, qpdf_oh_get_array_item(q, a, c - first))
                       : -1;
        found = 1;
    }
    qpdf_cleanup(&q);
    return found;
}

/* The widths libharu writes for the simple fonts are HarfBuzz's (font.c),
 * which layout used: text sits where it was measured. */
static void test_winansi_widths(void **state)
{
    (void)state;
    char *all = winansi_all();
    struct kp_pdf *d = pdf_new(KP_A4);
    pdf_add_page(d);
    const struct kp_textstyle bold = {.size = 10, .bold = 1};
    pdf_text(d, &body, 10, 700, KP_START, all);
    pdf_text(d, &bold, 10, 600, KP_START, all);
    char *data;
    size_t len;
    assert_int_equal(pdf_render(d, NULL, &data, &len), 0);
    pdf_free(d);
    const char *names[2] = {"NotoSans-Regular", "NotoSans-Bold"};
    enum kp_face faces[2] = {KP_FACE_SANS, KP_FACE_SANS_BOLD};
    for (int f = 0; f < 2; f++) {
        int w[256];
        assert_true(simple_widths(data, len, names[f], w));
        int checked = 0;
        for (uint32_t cp = 0x20; cp < 0x2200; cp++) {
            int b = text_winansi(cp);
            if (b < 0)
                continue;
            if (w[b] != font_advance(faces[f], cp))
                fail_msg("%s: code 0x%02X (U+%04X): /Widths %d, HarfBuzz %d", names[f], b, cp, w[b],
                         font_advance(faces[f], cp));
            checked++;
        }
        assert_int_equal(checked, 216);
    }
    free(data), free(all);
}

/* pdffonts' lines for the fonts, sorted, "name type encoding emb sub uni"
 * each (object numbers left out). */
static char *font_list(const char *path)
{
    char *cmd = xasprintf("pdffonts '%s' 2>/dev/null | sed -E '1,2d; s/ +[0-9]+ +[0-9]+$//; "
                          "s/ +/ /g' | sort",
                          path);
    char *out;
    assert_int_equal(run(cmd, &out), 0);
    free(cmd);
    return out;
}

static char *text_of(const char *path)
{
    char *cmd = xasprintf("pdftotext -raw '%s' - 2>/dev/null", path);
    char *out;
    assert_int_equal(run(cmd, &out), 0);
    free(cmd);
    return out;
}

/* Text all in WinAnsi: simple TrueType fonts only (no Type0 for Latin),
 * still embedded subsets, and extracted as it was written. */
static void test_winansi_only(void **state)
{
    (void)state;
    if (!have_tools())
        skip();
    static const char *const lines[] = {
        "Quota attainment 87.5% – East · Q2",
        "“Smart quotes”, ‘single’, and dashes — long…",
        "Price: €1,234 ™ ‰ • Šimon Œuvre Ÿves žena ƒ ‚low„ †‡ ˆ˜ ‹x›",
        "Café naïve Ångström Søren Øre ß ¿Qué? ¡Sí! © ® ° ± ¼ ½ ¾ × ÷",
        "Escapes: (a) [b] {c} \\back\\slash <x> %percent #hash",
    };
    struct kp_pdf *d = pdf_new(KP_A4);
    pdf_add_page(d);
    const struct kp_textstyle bold = {.size = 10, .bold = 1};
    for (size_t i = 0; i < KP_NELEM(lines); i++)
        pdf_text(d, i % 2 ? &bold : &body, 40, 700 - 20 * (double)i, KP_START, lines[i]);
    char *path = out_path("winansi.pdf");
    assert_int_equal(pdf_save(d, path), 0);
    pdf_free(d);
    char *fonts = font_list(path);
    assert_string_equal(fonts, "HPDFAA+NotoSans-Regular TrueType WinAnsi yes yes no\n"
                               "HPDFAB+NotoSans-Bold,Bold TrueType WinAnsi yes yes no\n");
    char *text = text_of(path);
    struct kp_buf want = {0};
    for (size_t i = 0; i < KP_NELEM(lines); i++)
        buf_printf(&want, "%s\n", lines[i]);
    buf_add(&want, "\f", 1);
    assert_string_equal(text, want.s);
    char *cmd = xasprintf("qpdf --check '%s' >/dev/null 2>&1", path);
    assert_int_equal(run(cmd, NULL), 0);
    free(cmd), free(text), free(fonts), free(path);
    buf_free(&want);
}

/* A run with a character outside WinAnsi (ł) is drawn with the Type0 font,
 * and only that run: the other runs of the face stay in the simple font,
 * both made from the face's one subset (one embedded font program). */
static void test_winansi_mixed(void **state)
{
    (void)state;
    if (!have_tools())
        skip();
    struct kp_pdf *d = pdf_new(KP_A4);
    pdf_add_page(d);
    pdf_text(d, &body, 40, 700, KP_START, "Plain text – 87.5%");
    pdf_text(d, &body, 40, 680, KP_START, "Łukasz Wróbel");
    pdf_text(d, &body, 40, 660, KP_START, "More plain text");
    char *path = out_path("mixed.pdf");
    assert_int_equal(pdf_save(d, path), 0);
    pdf_free(d);
    char *fonts = font_list(path);
    assert_string_equal(fonts, "HPDFAA+NotoSans-Regular CID TrueType Identity-H yes yes yes\n"
                               "HPDFAA+NotoSans-Regular TrueType WinAnsi yes yes no\n");
    char *text = text_of(path);
    assert_string_equal(text, "Plain text – 87.5%\nŁukasz Wróbel\nMore plain text\n\f");
    /* the content: which font draws which run */
    char *cmd = xasprintf("qpdf --qdf --object-streams=disable '%s' - 2>/dev/null", path);
    char *qdf;
    assert_int_equal(run(cmd, &qdf), 0);
    assert_non_null(strstr(qdf, "/F1 10 Tf\n1 0 0 1 40 700 Tm\n(Plain text \\226 87.5%) Tj"));
    assert_non_null(strstr(qdf, "/F2 10 Tf\n1 0 0 1 40 680 Tm\n<0141"));
    assert_non_null(strstr(qdf, "/F1 10 Tf\n1 0 0 1 40 660 Tm\n(More plain text) Tj"));
    /* one FontFile2 for the two fonts */
    const char *ff = strstr(qdf, "/FontFile2");
    assert_non_null(ff);
    assert_null(strstr(ff + 1, "/FontFile2"));
    free(qdf), free(cmd), free(text), free(fonts), free(path);
}

/* The simple font draws exactly what the Type0 font drew: the same line in
 * both gives the same pixels. */
static void test_winansi_pixels(void **state)
{
    (void)state;
    if (!have_tools())
        skip();
    static const char line[] = "Attainment – 87.5% “East” €1,234 Œuvre ½ … Wß";
    struct kp_pdf *d = pdf_new(KP_A4);
    double W, H;
    pdf_page_size(d, &W, &H);
    pdf_add_page(d);
    const struct kp_textstyle s20 = {.size = 20};
    double w = pdf_text(d, &s20, 100, 700, KP_START, line); /* simple font */
    char *type0 = xasprintf("%s ł", line);                  /* the whole run Type0 */
    pdf_text(d, &s20, 100, 600, KP_START, type0);
    pdf_text(d, &s20, 100, 500, KP_START, "Attainment - 87.5% \"East\" EUR 1,234 OEuvre");
    char *path = out_path("pixels.pdf");
    assert_int_equal(pdf_save(d, path), 0);
    pdf_free(d);
    struct pgm a, b, c;
    render_box(path, H, 100, 695, (int)w, 25, &a);
    render_box(path, H, 100, 595, (int)w, 25, &b);
    render_box(path, H, 100, 495, (int)w, 25, &c);
    assert_int_equal(a.w * a.h, b.w * b.h);
    assert_true(ink(&a, 0, a.w, 0, a.h) > 500);
    assert_memory_equal(a.px, b.px, (size_t)(a.w * a.h));
    assert_true(memcmp(a.px, c.px, (size_t)(a.w * a.h)) != 0); /* the check can fail */
    free(a.px), free(b.px), free(c.px), free(type0), free(path);
}

/* ---- errors and API contracts ---- */

static void test_missing(void **state)
{
    (void)state;
    struct kp_pdf *d = pdf_new(KP_LETTER);
    double W, H;
    pdf_page_size(d, &W, &H);
    assert_true(W == 612 && H == 792);
    pdf_add_page(d);
    pdf_text(d, &body, 10, 10, KP_START, "ok \xF0\x9F\x98\x80 \xE0\xB8\x81 \xF0\x9F\x98\x80");
    pdf_paragraph(d, &body, 10, 100, 100, 0, KP_START, "\xF0\x9F\x98\x81");
    const uint32_t *m;
    assert_int_equal(pdf_missing(d, &m), 3);
    assert_int_equal(m[0], 0x1F600);
    assert_int_equal(m[1], 0x0E01);
    assert_int_equal(m[2], 0x1F601);
    char *data;
    size_t len;
    assert_int_equal(pdf_render(d, "x.pdf", &data, &len), 0);
    free(data);
    pdf_free(d);
}

static void expect_misuse(struct kp_pdf *d, const char *msg)
{
    struct kp_buf b = {0};
    diag_capture(&b);
    char *path = out_path("misuse.pdf");
    assert_int_equal(pdf_save(d, path), -1);
    diag_capture(NULL);
    char *want =
        xasprintf("kpipress: %s: error: cannot build the PDF: internal error: %s\n", path, msg);
    assert_string_equal(b.s, want);
    assert_false(sys_exists(path));
    free(want), free(path);
    buf_free(&b);
    pdf_free(d);
}

static void test_misuse(void **state)
{
    (void)state;
    struct kp_pdf *d = pdf_new(KP_A4);
    pdf_add_page(d);
    pdf_move_to(d, 0, 0);
    pdf_text(d, &body, 10, 10, KP_START, "x");
    expect_misuse(d, "drawing while a path is open (missing pdf_paint or pdf_clip)");

    d = pdf_new(KP_A4);
    pdf_text(d, &body, 10, 10, KP_START, "x");
    expect_misuse(d, "drawing before pdf_add_page()");

    d = pdf_new(KP_A4);
    pdf_add_page(d);
    pdf_line_to(d, 1, 1);
    expect_misuse(d, "path operation without pdf_move_to()");

    d = pdf_new(KP_A4);
    pdf_add_page(d);
    pdf_gsave(d);
    expect_misuse(d, "pdf_gsave() without pdf_grestore() on a page");

    d = pdf_new(KP_A4);
    pdf_add_page(d);
    pdf_grestore(d);
    expect_misuse(d, "pdf_grestore() without pdf_gsave()");

    d = pdf_new(KP_A4);
    pdf_add_page(d);
    pdf_bookmark(d, -1, "x", 3, 0);
    expect_misuse(d, "a bookmark or page label names a page that does not exist");

    d = pdf_new(KP_A4);
    expect_misuse(d, "a document without pages");

    d = pdf_new(KP_A4);
    pdf_add_page(d);
    pdf_set_page(d, 1);
    expect_misuse(d, "pdf_set_page() to a page that does not exist");

    d = pdf_new(KP_A4);
    pdf_add_page(d);
    pdf_link_page(d, 0, 0, 10, 10, 1, 0);
    expect_misuse(d, "pdf_link_page() to a page that does not exist");
}

/* Labels set in any order come out sorted; the last one for a page wins. */
static void test_labels(void **state)
{
    (void)state;
    if (!have_tools())
        skip();
    struct kp_pdf *d = pdf_new(KP_A4);
    for (int i = 0; i < 3; i++)
        pdf_add_page(d);
    pdf_page_label(d, 2, KP_NUM_DECIMAL, "C-", 1);
    pdf_page_label(d, 0, KP_NUM_DECIMAL, "A-", 1);
    pdf_page_label(d, 1, KP_NUM_LETTERS_UPPER, NULL, 1);
    pdf_page_label(d, 0, KP_NUM_DECIMAL, "Z-", 7);
    char *path = out_path("labels.pdf");
    assert_int_equal(pdf_save(d, path), 0);
    pdf_free(d);
    char *cmd = xasprintf("qpdf --json --json-key=pagelabels '%s' | tr -d ' \n'", path);
    char *out;
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(
        strstr(out, "\"pagelabels\":[{\"index\":0,\"label\":{\"/P\":\"u:Z-\",\"/S\":"
                    "\"/D\",\"/St\":7}},{\"index\":1,\"label\":{\"/S\":\"/A\",\"/St\":"
                    "1}},{\"index\":2,\"label\":{\"/P\":\"u:C-\",\"/S\":\"/D\",\"/St\":1}}]"));
    free(out), free(cmd), free(path);
}

/* A 1 MB name as the title and a bookmark (tests/adversarial: "a 1 MB
 * field"): libharu refused the info string (HPDF_STRING_OUT_OF_RANGE), so
 * the review and its team's packet were lost. Both are cut at 4000 bytes. */
static void test_huge_info(void **state)
{
    (void)state;
    if (!have_tools())
        skip();
    size_t n = 1000 * 1000;
    char *name = xmalloc(n + 1);
    memset(name, 'a', n);
    name[n] = '\0';
    name[0] = '\xE9', name[1] = '\x99', name[2] = '\x88'; /* a CJK character first */
    struct kp_pdf *d = pdf_new(KP_A4);
    pdf_add_page(d);
    pdf_text(d, &body, 10, 10, KP_START, "x");
    pdf_bookmark(d, -1, name, 0, 0);
    pdf_bookmark(d, -1, NULL, 0, 0); /* fuzz_typeset: a team's name null in results.json */
    pdf_set_info(d, KP_INFO_TITLE, name);
    char *path = out_path("huge-info.pdf");
    assert_int_equal(pdf_save(d, path), 0);
    pdf_free(d);
    char *cmd = xasprintf("pdfinfo '%s' | sed -n 's/^Title: *//p' | wc -c", path);
    char *out;
    assert_int_equal(run(cmd, &out), 0);
    /* bytes: the CJK character (3), 3997 a's, the ellipsis (3), a newline */
    assert_int_equal(strtol(out, NULL, 10), 3 + 3997 + 3 + 1);
    free(out), free(cmd), free(path), free(name);
}

static void test_save_fails(void **state)
{
    (void)state;
    struct kp_pdf *d = pdf_new(KP_A4);
    pdf_add_page(d);
    pdf_text(d, &body, 10, 10, KP_START, "x");
    struct kp_buf b = {0};
    diag_capture(&b);
    assert_int_equal(pdf_save(d, "/nonexistent/dir/x.pdf"), -1);
    diag_capture(NULL);
    assert_string_equal(b.s, "kpipress: /nonexistent/dir/x.pdf: error: cannot create: No such "
                             "file or directory\n");
    assert_true(pdf_size(d) > 0); /* it was rendered, then not written */
    buf_free(&b);
    pdf_free(d);
}

/* Same document, same bytes: twice from one display list, and from two. */
static void test_deterministic(void **state)
{
    (void)state;
    struct kp_pdf *a = sample(), *b = sample();
    char *d1, *d2, *d3;
    size_t n1, n2, n3;
    assert_int_equal(pdf_render(a, NULL, &d1, &n1), 0);
    assert_int_equal(pdf_render(a, NULL, &d2, &n2), 0);
    assert_int_equal(pdf_render(b, NULL, &d3, &n3), 0);
    assert_int_equal(n1, n2);
    assert_int_equal(n1, n3);
    assert_memory_equal(d1, d2, n1);
    assert_memory_equal(d1, d3, n1);
    assert_true(pdf_size(a) == n1);
    free(d1), free(d2), free(d3);
    pdf_free(a), pdf_free(b);
}

static size_t count_dir(const char *path)
{
    DIR *dir = opendir(path);
    size_t n = 0;
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL)
        n += e->d_name[0] != '.';
    if (dir)
        closedir(dir);
    return n;
}

/* The font subsets written for libharu are gone after a render, and no file
 * stays open. */
static void test_no_leftovers(void **state)
{
    (void)state;
    size_t fds = count_dir("/proc/self/fd");
    struct kp_pdf *d = sample();
    char *data;
    size_t len;
    assert_int_equal(pdf_render(d, NULL, &data, &len), 0);
    free(data);
    pdf_free(d);
    assert_int_equal(count_dir(sys_tmpdir()), 0);
    assert_int_equal(count_dir("/proc/self/fd"), fds);
}

static const unsigned char png2x2[] = {
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xFD,
    0xD4, 0x9A, 0x73, 0x00, 0x00, 0x00, 0x12, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0xF8,
    0xCF, 0x00, 0x04, 0xFF, 0x41, 0xE8, 0xFF, 0x7F, 0x06, 0x00, 0x1E, 0xEF, 0x04, 0xFC, 0x13,
    0x24, 0x17, 0xC2, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};

static void test_png(void **state)
{
    (void)state;
    struct kp_pdf *d = pdf_new(KP_A4);
    pdf_add_page(d);
    int id = pdf_png(d, png2x2, sizeof png2x2);
    assert_int_equal(id, 0);
    pdf_image(d, id, 100, 100, 50, 50);
    struct kp_buf b = {0};
    diag_capture(&b);
    assert_int_equal(pdf_png(d, "GIF89a", 6), -1);
    unsigned char lace[sizeof png2x2];
    memcpy(lace, png2x2, sizeof lace);
    lace[28] = 1;
    assert_int_equal(pdf_png(d, lace, sizeof lace), -1);
    diag_capture(NULL);
    assert_string_equal(b.s, "kpipress: error: image is not a PNG file\n"
                             "kpipress: error: interlaced PNG images are not supported\n");
    buf_free(&b);
    char *path = out_path("png.pdf");
    assert_int_equal(pdf_save(d, path), 0);
    pdf_free(d);
    if (have_tools()) {
        char *cmd = xasprintf("qpdf --check '%s' >/dev/null 2>&1", path);
        assert_int_equal(run(cmd, NULL), 0);
        free(cmd);
        cmd = xasprintf("pdfimages -list '%s' 2>/dev/null", path);
        char *out;
        run(cmd, &out);
        assert_non_null(strstr(out, "image       2     2  rgb     3   8"));
        free(out), free(cmd);
    }
    free(path);
}

/* Fractional dash lengths (libharu takes whole numbers 1..100) are written
 * ten times larger under a 1/10 transform; whole ones as they are. */
static void test_dash(void **state)
{
    (void)state;
    if (!have_tools())
        skip();
    struct kp_pdf *d = pdf_new(KP_A4);
    pdf_add_page(d);
    struct kp_paint frac = {.stroke = KP_RGB(0), .width = 0.5, .dash = {2.5, 1.5}, .ndash = 2};
    pdf_line(d, 10, 20, 200, 20, &frac);
    struct kp_paint whole = {.stroke = KP_RGB(0), .width = 1, .dash = {3, 2}, .ndash = 2};
    pdf_line(d, 10, 40, 200, 40, &whole);
    struct kp_paint dots = {
        .stroke = KP_RGB(0), .width = 1, .dash = {0, 2}, .ndash = 2, .cap = KP_CAP_ROUND};
    pdf_line(d, 10, 60, 200, 60, &dots);
    char *path = out_path("dash.pdf");
    assert_int_equal(pdf_save(d, path), 0);
    pdf_free(d);
    char *cmd = xasprintf("qpdf --qdf --object-streams=disable '%s' - 2>/dev/null", path);
    char *out;
    assert_int_equal(run(cmd, &out), 0);
    assert_non_null(strstr(out, "q\n0.1 0 0 0.1 0 0 cm\n5 w\n[25 15 ] 0 d\n100 200 m\n2000 200 l\n"
                                "S\nQ\n"));
    /* back in the page's state, where the width is still the default 1 */
    assert_non_null(strstr(out, "S\nQ\n[3 2 ] 0 d\n10 40 m\n200 40 l\nS\n"));
    /* a zero-length dash (dots with round caps) becomes 0.1 pt */
    assert_non_null(strstr(out, "q\n0.1 0 0 0.1 0 0 cm\n10 w\n[1 20 ] 0 d\n1 J\n100 600 m\n"
                                "2000 600 l\nS\nQ\n"));
    free(out), free(cmd), free(path);
}

static void test_color(void **state)
{
    (void)state;
    kp_color c = 0;
    assert_int_equal(pdf_color_parse("#1f77B4", &c), 0);
    assert_int_equal(c, 0xFF1F77B4u);
    assert_int_equal(pdf_color_parse("#f00", &c), 0);
    assert_int_equal(c, 0xFFFF0000u);
    assert_int_equal(pdf_color_parse("1f77b4", &c), -1);
    assert_int_equal(pdf_color_parse("#1f77b", &c), -1);
    assert_int_equal(pdf_color_parse("#gggggg", &c), -1);
    assert_int_equal(pdf_color_parse(NULL, &c), -1);
    assert_int_equal(KP_RGBA(0x123456, 0x80), 0x80123456u);
}

/* ---- timing (reported, not asserted) ---- */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* 2 pages, 80 lines of mixed text, 4 charts' worth of vector paths. */
static struct kp_pdf *bench_doc(void)
{
    struct kp_pdf *d = pdf_new(KP_A4);
    double W, H;
    pdf_page_size(d, &W, &H);
    for (int p = 0; p < 2; p++) {
        pdf_add_page(d);
        for (int i = 0; i < 40; i++) {
            char line[160];
            snprintf(line, sizeof line,
                     "%d. 销售达成率 %d.%d%% — Revenue %d, 新客户 %d, 张三 李四 王五", p * 40 + i,
                     50 + i, i % 10, 1000 + i * 37, i);
            struct kp_textstyle st = {.size = 9, .bold = i % 10 == 0};
            pdf_text(d, &st, 40, H - 40 - i * 18, KP_START, line);
        }
        draw_chart(d, 330, H - 300);
        draw_chart(d, 330, H - 600);
    }
    return d;
}

/* pdf.c's HPDF_MemCpy and HPDF_MemSet stand in for libharu's byte loops:
 * same results, same return values (the end of what was written). */
#include <hpdf_utils.h>
static void test_mem_loops(void **state)
{
    (void)state;
    HPDF_BYTE buf[64], want[64];
    for (int i = 0; i < 64; i++)
        buf[i] = want[i] = (HPDF_BYTE)i;
    assert_ptr_equal(HPDF_MemCpy(buf, buf + 8, 40), buf + 40); /* overlapping, forward */
    for (int i = 0; i < 40; i++)
        want[i] = (HPDF_BYTE)(i + 8);
    assert_memory_equal(buf, want, 64);
    assert_ptr_equal(HPDF_MemSet(buf + 4, 0xAB, 10), buf + 14);
    memset(want + 4, 0xAB, 10);
    assert_memory_equal(buf, want, 64);
    assert_ptr_equal(HPDF_MemCpy(buf, want, 0), buf);
}

static void test_timing(void **state)
{
    (void)state;
    const int n = 20;
    double t0 = now_ms();
    char *data;
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        struct kp_pdf *d = bench_doc();
        assert_int_equal(pdf_render(d, NULL, &data, &len), 0);
        free(data);
        pdf_free(d);
    }
    double build = (now_ms() - t0) / n;
    char *path = out_path("bench.pdf");
    t0 = now_ms();
    for (int i = 0; i < n; i++) {
        struct kp_pdf *d = bench_doc();
        assert_int_equal(pdf_save(d, path), 0);
        pdf_free(d);
    }
    double save = (now_ms() - t0) / n;
    printf("# pdf: 2 pages, 80 lines, 4 charts: build+render %.2f ms, +save %.2f ms, %.1f KB\n",
           build, save, (double)len / 1024);
    /* subsetting, per face, with the code points of that document */
    struct kp_runs r;
    text_runs(
        &r,
        "0123456789. 销售达成率 % — Revenue, 新客户 张三 李四 王五 1月2月3月4月5月6月 Attainment",
        KP_TEXT_NUL, 0);
    uint32_t cps[KP_NFACES][128];
    size_t nc[KP_NFACES] = {0};
    for (size_t i = 0; i < r.n; i++) {
        const char *p = r.s + r.v[i].off, *e = p + r.v[i].len;
        while (p < e) {
            uint32_t cp = (uint32_t)utf8_next(&p, e);
            cps[r.v[i].face][nc[r.v[i].face]++] = cp;
            if (r.v[i].face == KP_FACE_SANS)
                cps[KP_FACE_SANS_BOLD][nc[KP_FACE_SANS_BOLD]++] = cp;
        }
    }
    text_runs_free(&r);
    for (int f = 0; f < KP_FACE_FALLBACK; f++) { /* the bundled faces */
        t0 = now_ms();
        for (int i = 0; i < n; i++) {
            assert_int_equal(font_subset((enum kp_face)f, cps[f], nc[f], &data, &len), 0);
            free(data);
        }
        printf("# subset %s: %zu code points, %.3f ms, %.1f KB\n", font_label(f), nc[f],
               (now_ms() - t0) / n, (double)len / 1024);
    }
    assert_true(build < 1000);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_glyphs_drawn),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_save_fails),
        cmocka_unit_test(test_huge_info),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_no_leftovers),
        cmocka_unit_test(test_png),
        cmocka_unit_test(test_dash),
        cmocka_unit_test(test_color),
        cmocka_unit_test(test_winansi_widths),
        cmocka_unit_test(test_winansi_only),
        cmocka_unit_test(test_winansi_mixed),
        cmocka_unit_test(test_winansi_pixels),
        cmocka_unit_test(test_mem_loops),
        cmocka_unit_test(test_timing),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
