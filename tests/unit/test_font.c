/* Unit tests for font: coverage, advances (libharu's units), subsets. */
#include "unit.h"

#include "diag.h"
#include "font.h"
#include "util.h"

#include <hb.h>

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Tests run from the source tree (tests/run.sh cds there). */
static int setup(void **state)
{
    (void)state;
    const char *src = getenv("SRC_DIR");
    setenv("KPIPRESS_DATADIR", src && *src ? src : ".", 0);
    return font_init(NULL) == 0 ? 0 : -1;
}

static void test_coverage(void **state)
{
    (void)state;
    assert_true(font_has(KP_FACE_SANS, 'A'));
    assert_true(font_has(KP_FACE_SANS_BOLD, 0x01D6)); /* ǖ */
    assert_true(font_has(KP_FACE_SANS, 0xFFFD));
    assert_true(font_has(KP_FACE_SANS, 0x2026));  /* … */
    assert_false(font_has(KP_FACE_SANS, 0x5F20)); /* 张 */
    assert_true(font_has(KP_FACE_CJK, 0x5F20));
    assert_true(font_has(KP_FACE_CJK, 0xFF0C));   /* ， */
    assert_false(font_has(KP_FACE_SANS, 0x3002)); /* 。 */
    for (int f = 0; f < KP_NFACES; f++) {
        assert_false(font_has((enum kp_face)f, 0x0E01));  /* Thai ก: nobody */
        assert_false(font_has((enum kp_face)f, 0x1F600)); /* emoji */
        assert_false(font_has((enum kp_face)f, 0x20000)); /* above the BMP: never */
    }
    assert_false(font_has(KP_NFACES, 'A'));
}

static void test_advance(void **state)
{
    (void)state;
    /* Noto Sans: 1000 units per em, so units pass through. */
    assert_int_equal(font_advance(KP_FACE_SANS, ' '), 260);
    assert_int_equal(font_advance(KP_FACE_SANS, '%'), 831);
    assert_int_equal(font_advance(KP_FACE_SANS_BOLD, '%'), 901);
    assert_int_equal(font_advance(KP_FACE_SANS, 0x2026), 791);
    assert_int_equal(font_advance(KP_FACE_SANS, 0xFFFD), 1000);
    /* WenQuanYi: 2048 units per em, truncated as libharu does. */
    assert_int_equal(font_advance(KP_FACE_CJK, 0x5F20), 1000); /* 2048 */
    assert_int_equal(font_advance(KP_FACE_CJK, '%'), 825);     /* 1690 -> 825.19 */
    assert_int_equal(font_advance(KP_FACE_CJK, ' '), 259);     /* 532 -> 259.77 */
    assert_int_equal(font_advance(KP_FACE_CJK, 0x01D6), 589);  /* 1208 -> 589.84 */
    /* Not covered: 0. */
    assert_int_equal(font_advance(KP_FACE_SANS, 0x5F20), 0);
    assert_int_equal(font_advance(KP_FACE_CJK, 0x1F600), 0);
}

static void test_label(void **state)
{
    (void)state;
    assert_string_equal(font_label(KP_FACE_SANS_BOLD), "Noto Sans Bold");
    assert_string_equal(font_label(KP_FACE_CJK), "WenQuanYi Micro Hei");
    assert_string_equal(font_label(KP_NFACES), "?");
}

static int has_table(hb_face_t *f, const char *tag)
{
    hb_blob_t *b = hb_face_reference_table(f, hb_tag_from_string(tag, 4));
    int has = hb_blob_get_length(b) > 0;
    hb_blob_destroy(b);
    return has;
}

static void test_subset(void **state)
{
    (void)state;
    /* 张 三 ǖ and one code point the face lacks (ignored). */
    const uint32_t cps[] = {0x5F20, 0x4E09, 0x01D6, 0x0E01};
    char *data;
    size_t len;
    assert_int_equal(font_subset(KP_FACE_CJK, cps, KP_NELEM(cps), &data, &len), 0);
    assert_true(len > 1000 && len < 20000);
    assert_memory_equal(data, "\x00\x01\x00\x00", 4); /* a TrueType font */
    hb_blob_t *blob = hb_blob_create(data, (unsigned)len, HB_MEMORY_MODE_READONLY, NULL, NULL);
    hb_face_t *face = hb_face_create(blob, 0);
    hb_font_t *font = hb_font_create(face);
    /* Few glyphs, renumbered: .notdef + 3 (+ the parts of composites). */
    unsigned n = hb_face_get_glyph_count(face);
    assert_true(n >= 4 && n < 16);
    hb_codepoint_t g;
    assert_true(hb_font_get_nominal_glyph(font, 0x5F20, &g));
    assert_true(g < n);
    assert_int_equal(hb_font_get_glyph_h_advance(font, g), 2048);
    assert_true(hb_font_get_nominal_glyph(font, 0x01D6, &g));
    assert_false(hb_font_get_nominal_glyph(font, 0x4E00, &g)); /* not asked for */
    assert_false(hb_font_get_nominal_glyph(font, 0x0E01, &g));
    /* What libharu needs is there; what it never writes is gone. */
    const char *need[] = {"OS/2", "cmap", "glyf", "head", "hhea", "hmtx", "loca",
                          "maxp", "name", "post", "cvt ", "fpgm", "prep"};
    for (size_t i = 0; i < KP_NELEM(need); i++)
        assert_true(has_table(face, need[i]));
    /* No hinting: PDF viewers draw unhinted outlines. The three tables are
     * there for libharu, as stubs of a few bytes. */
    const char *stub[] = {"cvt ", "fpgm", "prep"};
    for (size_t i = 0; i < KP_NELEM(stub); i++) {
        hb_blob_t *t = hb_face_reference_table(face, hb_tag_from_string(stub[i], 4));
        assert_true(hb_blob_get_length(t) > 0 && hb_blob_get_length(t) <= 3);
        hb_blob_destroy(t);
    }
    assert_false(has_table(face, "GSUB"));
    assert_false(has_table(face, "vmtx"));
    assert_int_equal(hb_face_get_upem(face), 2048);
    hb_font_destroy(font);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    free(data);
}

/* The subset's cmap: one 3/1 format-4 subtable with few segments (libharu
 * scans them linearly for each of 65536 code points). */
static unsigned cmap_segments(hb_face_t *face)
{
    hb_blob_t *b = hb_face_reference_table(face, HB_TAG('c', 'm', 'a', 'p'));
    unsigned len;
    const unsigned char *t = (const unsigned char *)hb_blob_get_data(b, &len);
    assert_true(len >= 12 + 16);
    assert_int_equal(t[2] << 8 | t[3], 1);                              /* one subtable */
    assert_int_equal((t[4] << 8 | t[5]) * 10 + (t[6] << 8 | t[7]), 31); /* 3/1 */
    const unsigned char *s = t + 12;
    assert_int_equal(s[0] << 8 | s[1], 4);
    unsigned segs = (unsigned)(s[6] << 8 | s[7]) / 2;
    hb_blob_destroy(b);
    return segs;
}

static void test_subset_cmap(void **state)
{
    (void)state;
    /* 300 ideographs scattered over the CJK block, about 70 apart */
    uint32_t cps[300];
    for (uint32_t i = 0; i < 300; i++)
        cps[i] = 0x4E00 + (i * 41) % 20900;
    char *data;
    size_t len;
    assert_int_equal(font_subset(KP_FACE_CJK, cps, 300, &data, &len), 0);
    hb_blob_t *blob = hb_blob_create(data, (unsigned)len, HB_MEMORY_MODE_READONLY, NULL, NULL);
    hb_face_t *face = hb_face_create(blob, 0);
    hb_font_t *font = hb_font_create(face);
    assert_true(cmap_segments(face) <= 3);
    /* composites bring their parts along, still far below 32768 */
    assert_true(hb_face_get_glyph_count(face) > 300 && hb_face_get_glyph_count(face) < 2000);
    /* every code point still maps to its own glyph, nothing else maps */
    hb_set_t *seen = hb_set_create();
    for (size_t i = 0; i < 300; i++) {
        hb_codepoint_t g;
        assert_true(hb_font_get_nominal_glyph(font, cps[i], &g));
        assert_true(g > 0 && g < hb_face_get_glyph_count(face)); /* < 32768 */
        assert_false(hb_set_has(seen, g));
        hb_set_add(seen, g);
    }
    hb_set_t *u = hb_set_create();
    hb_face_collect_unicodes(face, u);
    assert_int_equal(hb_set_get_population(u), 300);
    hb_set_destroy(u);
    hb_set_destroy(seen);
    hb_font_destroy(font);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    free(data);

    /* far apart: a segment each (plus the final 0xFFFF one) */
    const uint32_t far[] = {0x41, 0x01D6, 0x4E09, 0x5F20};
    assert_int_equal(font_subset(KP_FACE_CJK, far, 4, &data, &len), 0);
    blob = hb_blob_create(data, (unsigned)len, HB_MEMORY_MODE_READONLY, NULL, NULL);
    face = hb_face_create(blob, 0);
    assert_int_equal(cmap_segments(face), 5);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    free(data);
}

static void test_subset_latin(void **state)
{
    (void)state;
    uint32_t cps[95];
    for (uint32_t i = 0; i < 95; i++)
        cps[i] = 0x20 + i;
    char *data;
    size_t len;
    assert_int_equal(font_subset(KP_FACE_SANS_BOLD, cps, 95, &data, &len), 0);
    hb_blob_t *blob = hb_blob_create(data, (unsigned)len, HB_MEMORY_MODE_READONLY, NULL, NULL);
    hb_face_t *face = hb_face_create(blob, 0);
    assert_true(hb_face_get_glyph_count(face) >= 96 && hb_face_get_glyph_count(face) < 120);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    free(data);
    /* An empty set still gives a font (with .notdef). */
    assert_int_equal(font_subset(KP_FACE_SANS, NULL, 0, &data, &len), 0);
    free(data);
}

/* A missing font folder: KP_FATAL naming the file. Runs first, in a child
 * process, before any test has loaded the set (it loads once per process). */
/* Fallback faces through fontconfig (#15.5). DejaVu Sans (fonts-dejavu-core,
 * scripts/deps.sh test) has Armenian, which the bundled faces lack. */
#define DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
static void test_fallback(void **state)
{
    (void)state;
    assert_int_equal(font_fallback(0x1F600), -1); /* emoji: above the BMP */
    assert_int_equal(font_fallback(0x0930), -1);  /* Devanagari: needs shaping */
    assert_int_equal(font_fallback(0x05D0), -1);  /* Hebrew: right to left */
    assert_int_equal(font_fallback(0x0301), -1);  /* a combining mark */
    if (access(DEJAVU, R_OK) != 0) {
        skip(); /* the test fonts are not installed */
        return;
    }
    assert_false(font_has(KP_FACE_SANS, 0x0531) || font_has(KP_FACE_CJK, 0x0531)); /* Ա */
    int f = font_fallback(0x0531);
    assert_true(f >= KP_FACE_FALLBACK && f < KP_NFACES);
    assert_non_null(strstr(font_label((enum kp_face)f), "DejaVu"));
    assert_true(font_has((enum kp_face)f, 0x0531));
    assert_true(font_advance((enum kp_face)f, 0x0531) > 0);
    assert_int_equal(font_fallback(0x0531), f); /* asked once, the same answer */
    assert_int_equal(font_fallback(0x0561), f); /* ա: the same face, no new slot */
    char *data = NULL;
    size_t len = 0;
    uint32_t cps[] = {0x0531, 0x0561};
    assert_int_equal(font_subset((enum kp_face)f, cps, 2, &data, &len), 0);
    assert_true(len > 0 && len < 20000);
    free(data);
    enum kp_face order[KP_NFACES];
    font_order(order);
    assert_int_equal(order[0], KP_FACE_SANS);
    assert_int_equal(order[2], KP_FACE_CJK);
}

static void test_init_fails(void **state)
{
    (void)state;
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        struct kp_buf b = {0};
        diag_capture(&b);
        int rc = font_init("/nonexistent");
        int again = font_init(NULL); /* remembered: no second attempt */
        buf_printf(&b, "rc=%d again=%d has=%d", rc, again, font_has(KP_FACE_SANS, 'A'));
        if (write(fd[1], b.s, b.len) < 0)
            _exit(2);
        _exit(0);
    }
    close(fd[1]);
    char out[512] = {0};
    ssize_t n = read(fd[0], out, sizeof out - 1);
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
    assert_true(n > 0);
    assert_string_equal(out, "kpipress: /nonexistent/NotoSans-Regular.ttf: error: cannot read "
                             "font: No such file or directory\nrc=-1 again=-1 has=0");
}

UNIT_MAIN(cmocka_unit_test(test_init_fails), cmocka_unit_test_setup(test_coverage, setup),
          cmocka_unit_test_setup(test_advance, setup), cmocka_unit_test_setup(test_label, setup),
          cmocka_unit_test_setup(test_subset, setup),
          cmocka_unit_test_setup(test_subset_cmap, setup),
          cmocka_unit_test_setup(test_subset_latin, setup),
          cmocka_unit_test_setup(test_fallback, setup))
