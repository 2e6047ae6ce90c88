/* Unit tests for packet: a head and two members made with pdf.h, assembled,
 * and the result read back with qpdf: pages, outline (structure, titles in
 * English and Chinese, destinations), page labels, the head's Info, the
 * /ID; streams copied byte for byte; determinism; damaged parts (an error
 * naming the part, nothing on stderr from qpdf); and, with poppler, the
 * packet's pages drawn exactly as the members' own. */
#include "unit.h"

#include "diag.h"
#include "font.h"
#include "packet.h"
#include "pdf.h"
#include "sys.h"
#include "util.h"

#include <qpdf/qpdf-c.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char outdir[] = "/tmp/kp-test-packet-XXXXXX";

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
    char *cmd = xasprintf("rm -rf '%s'", outdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

/* ---- the inputs ---- */

static const struct kp_textstyle body = {.size = 11};

/* A document of n pages, each showing "<who> page <i>". */
static char *make_pdf(const char *who, int n, size_t *len)
{
    struct kp_pdf *d = pdf_new(KP_A4);
    double w, h;
    pdf_page_size(d, &w, &h);
    for (int i = 0; i < n; i++) {
        pdf_add_page(d);
        char *s = xasprintf("%s page %d", who, i + 1);
        pdf_text(d, &body, 72, h - 100, KP_START, s);
        struct kp_paint p = {.fill = KP_RGB(0x1f4e79)};
        pdf_rect(d, 72, h - 300 - 20 * i, 100 + 30 * i, 120, 4, &p);
        free(s);
    }
    /* The parts' own marks: the packet drops them. */
    pdf_bookmark(d, -1, "own bookmark", 0, h);
    pdf_page_label(d, 0, KP_NUM_ROMAN_LOWER, "own-", 1);
    pdf_set_info(d, KP_INFO_TITLE, who);
    char *data;
    assert_int_equal(pdf_render(d, who, &data, len), 0);
    pdf_free(d);
    return data;
}

/* The head: a cover and two summary pages, with the packet's Info. */
static char *make_head(size_t *len)
{
    struct kp_pdf *d = pdf_new(KP_A4);
    double w, h;
    pdf_page_size(d, &w, &h);
    const char *texts[3] = {"Cover East", "Team summary 1", "Team summary 2"};
    for (int i = 0; i < 3; i++) {
        pdf_add_page(d);
        pdf_text(d, &body, 72, h - 100, KP_START, texts[i]);
    }
    pdf_set_info(d, KP_INFO_TITLE, "2026-Q2 team review");
    pdf_set_info(d, KP_INFO_SUBJECT, "Performance review 2026-Q2 for 华东");
    pdf_set_info(d, KP_INFO_AUTHOR, "Acme Corp");
    pdf_set_info(d, KP_INFO_KEYWORDS, "2026-Q2, East");
    pdf_set_date(d, 1782777600); /* 2026-06-30 */
    char *data;
    assert_int_equal(pdf_render(d, "head", &data, len), 0);
    pdf_free(d);
    return data;
}

struct inputs {
    char *pdf[3];
    size_t len[3];
    struct kp_packet_part parts[3];
    struct kp_packet pk;
};

/* Head (3 pages), Janet Johnson (2 pages), 张敏 (1 page). */
static void inputs(struct inputs *in)
{
    memset(in, 0, sizeof *in);
    in->pdf[0] = make_head(&in->len[0]);
    in->pdf[1] = make_pdf("Janet Johnson", 2, &in->len[1]);
    in->pdf[2] = make_pdf("张敏 Zhang Min", 1, &in->len[2]);
    const char *names[3] = {"head.pdf", "R0003.pdf", "R0013.pdf"};
    const char *titles[3] = {"Team summary", "Janet Johnson", "张敏"};
    const char *labels[3] = {"Team-", "R0003-", "R\xC3\xA9\x01-"};
    for (int i = 0; i < 3; i++) {
        struct kp_packet_part *p = &in->parts[i];
        p->pdf = in->pdf[i], p->len = in->len[i], p->name = names[i];
        p->title = titles[i], p->label = labels[i];
    }
    in->pk.name = "packets/East.pdf";
    in->pk.title = "East 华东";
    in->pk.cover_label = "Cover-";
    in->pk.parts = in->parts;
    in->pk.nparts = 3;
}

static void inputs_free(struct inputs *in)
{
    for (int i = 0; i < 3; i++)
        free(in->pdf[i]);
}

/* ---- reading the result back ---- */

static qpdf_data open_pdf(const char *data, size_t len)
{
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    assert_int_equal(qpdf_read_memory(q, "packet", data, len, NULL), QPDF_SUCCESS);
    assert_int_equal(qpdf_check_pdf(q), QPDF_SUCCESS);
    return q;
}

static char *utf8(qpdf_data q, qpdf_oh dict, const char *key)
{
    return xstrdup(qpdf_oh_get_utf8_value(q, qpdf_oh_get_key(q, dict, key)));
}

static int same_object(qpdf_data q, qpdf_oh a, qpdf_oh b)
{
    return qpdf_oh_get_object_id(q, a) == qpdf_oh_get_object_id(q, b) &&
           qpdf_oh_get_object_id(q, a) != 0;
}

static int key_is(qpdf_data q, qpdf_oh dict, const char *key, qpdf_oh want)
{
    return same_object(q, qpdf_oh_get_key(q, dict, key), want);
}

/* An item's destination: [page /XYZ null 841.89 null] to the index'th page. */
static void check_dest(qpdf_data q, qpdf_oh item, size_t page)
{
    qpdf_oh d = qpdf_oh_get_key(q, item, "/Dest");
    assert_true(qpdf_oh_is_array(q, d));
    assert_int_equal(qpdf_oh_get_array_n_items(q, d), 5);
    assert_true(same_object(q, qpdf_oh_get_array_item(q, d, 0), qpdf_get_page_n(q, page)));
    assert_true(qpdf_oh_is_name_and_equals(q, qpdf_oh_get_array_item(q, d, 1), "/XYZ"));
    assert_true(qpdf_oh_is_null(q, qpdf_oh_get_array_item(q, d, 2)));
    assert_true(qpdf_oh_get_numeric_value(q, qpdf_oh_get_array_item(q, d, 3)) > 841.8);
    assert_true(qpdf_oh_is_null(q, qpdf_oh_get_array_item(q, d, 4)));
}

static void check_outline(qpdf_data q)
{
    qpdf_oh root = qpdf_get_root(q);
    assert_true(
        qpdf_oh_is_name_and_equals(q, qpdf_oh_get_key(q, root, "/PageMode"), "/UseOutlines"));
    qpdf_oh ol = qpdf_oh_get_key(q, root, "/Outlines");
    assert_true(qpdf_oh_is_indirect(q, ol));
    assert_true(qpdf_oh_is_name_and_equals(q, qpdf_oh_get_key(q, ol, "/Type"), "/Outlines"));
    assert_int_equal(qpdf_oh_get_int_value(q, qpdf_oh_get_key(q, ol, "/Count")), 4);
    qpdf_oh top = qpdf_oh_get_key(q, ol, "/First");
    assert_true(key_is(q, ol, "/Last", top));
    assert_true(key_is(q, top, "/Parent", ol));
    assert_false(qpdf_oh_has_key(q, top, "/Next"));
    assert_false(qpdf_oh_has_key(q, top, "/Prev"));
    char *t = utf8(q, top, "/Title");
    assert_string_equal(t, "East 华东");
    free(t);
    assert_int_equal(qpdf_oh_get_int_value(q, qpdf_oh_get_key(q, top, "/Count")), 3);
    check_dest(q, top, 0);
    /* The children: summary (page 2), Janet Johnson (page 4), 张敏 (page 6). */
    const char *titles[3] = {"Team summary", "Janet Johnson", "张敏"};
    const size_t pages[3] = {1, 3, 5};
    qpdf_oh it = qpdf_oh_get_key(q, top, "/First"), prev = 0;
    for (int i = 0; i < 3; i++) {
        char *s = utf8(q, it, "/Title");
        assert_string_equal(s, titles[i]);
        free(s);
        assert_true(qpdf_oh_is_indirect(q, it));
        assert_true(key_is(q, it, "/Parent", top));
        assert_false(qpdf_oh_has_key(q, it, "/First"));
        assert_false(qpdf_oh_has_key(q, it, "/Count"));
        if (i == 0)
            assert_false(qpdf_oh_has_key(q, it, "/Prev"));
        else
            assert_true(key_is(q, it, "/Prev", prev));
        check_dest(q, it, pages[i]);
        prev = it;
        if (i < 2)
            it = qpdf_oh_get_key(q, it, "/Next");
    }
    assert_false(qpdf_oh_has_key(q, it, "/Next"));
    assert_true(key_is(q, top, "/Last", it));
}

/* The first occurrence of needle in hay, or NULL (memmem is a GNU extension). */
static const char *find(const char *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

/* The objects (every one, in object streams too) titled title. */
static int count_titled(qpdf_data q, const char *title)
{
    long long size = qpdf_oh_get_int_value(q, qpdf_oh_get_key(q, qpdf_get_trailer(q), "/Size"));
    int n = 0;
    for (int id = 1; id < size; id++) {
        qpdf_oh o = qpdf_get_object_by_id(q, id, 0);
        qpdf_oh t = qpdf_oh_get_key_if_dict(q, o, "/Title");
        n += qpdf_oh_is_string(q, t) && strcmp(qpdf_oh_get_utf8_value(q, t), title) == 0;
        qpdf_oh_release(q, o), qpdf_oh_release(q, t);
    }
    return n;
}

static char *unparse(qpdf_data q, qpdf_oh oh)
{
    return xstrdup(qpdf_oh_unparse(q, oh));
}

static void check_info(qpdf_data q)
{
    qpdf_oh info = qpdf_oh_get_key(q, qpdf_get_trailer(q), "/Info");
    const char *keys[5] = {"/Title", "/Author", "/Keywords", "/CreationDate", "/Subject"};
    const char *want[5] = {"2026-Q2 team review", "Acme Corp", "2026-Q2, East",
                           "D:20260630000000Z00'00'", "Performance review 2026-Q2 for 华东"};
    for (int i = 0; i < 5; i++) {
        char *v = utf8(q, info, keys[i]);
        assert_string_equal(v, want[i]);
        free(v);
    }
    /* /ID: two equal 16-byte strings (qpdf's deterministic ID, not the head's) */
    qpdf_oh id = qpdf_oh_get_key(q, qpdf_get_trailer(q), "/ID");
    assert_int_equal(qpdf_oh_get_array_n_items(q, id), 2);
    char *a = unparse(q, qpdf_oh_get_array_item(q, id, 0));
    char *b = unparse(q, qpdf_oh_get_array_item(q, id, 1));
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 34); /* <32 hex digits> */
    free(a), free(b);
}

/* A font's name, the same in its descendant (Type0) and their descriptors. */
static char *font_name(qpdf_data q, qpdf_oh f)
{
    char *name = xstrdup(qpdf_oh_get_name(q, qpdf_oh_get_key(q, f, "/BaseFont")));
    qpdf_oh d = f; /* a simple TrueType font names its own descriptor */
    if (qpdf_oh_has_key(q, f, "/DescendantFonts")) {
        d = qpdf_oh_get_array_item(q, qpdf_oh_get_key(q, f, "/DescendantFonts"), 0);
        assert_string_equal(qpdf_oh_get_name(q, qpdf_oh_get_key(q, d, "/BaseFont")), name);
    }
    qpdf_oh fd = qpdf_oh_get_key(q, d, "/FontDescriptor");
    assert_string_equal(qpdf_oh_get_name(q, qpdf_oh_get_key(q, fd, "/FontName")), name);
    return name;
}

/* Every font of the packet, once, in page order: "name name …". */
static char *fonts(qpdf_data q)
{
    struct kp_buf b = {0};
    int seen[64], nseen = 0;
    for (int p = 0; p < qpdf_get_num_pages(q); p++) {
        qpdf_oh res = qpdf_oh_get_key(q, qpdf_get_page_n(q, (size_t)p), "/Resources");
        qpdf_oh dict = qpdf_oh_get_key(q, res, "/Font");
        for (const char *k = "/F1"; k; k = strcmp(k, "/F1") == 0 ? "/F2" : NULL) {
            qpdf_oh f = qpdf_oh_get_key(q, dict, k);
            if (qpdf_oh_is_null(q, f))
                continue;
            int id = qpdf_oh_get_object_id(q, f), dup = 0;
            for (int i = 0; i < nseen; i++)
                dup |= seen[i] == id;
            if (dup)
                continue;
            seen[nseen++] = id;
            char *name = font_name(q, f);
            buf_printf(&b, "%s%s", b.len ? " " : "", name);
            free(name);
        }
    }
    return buf_steal(&b);
}

static void test_assemble(void **state)
{
    (void)state;
    struct inputs in;
    inputs(&in);
    char *out;
    size_t len;
    assert_int_equal(packet_assemble(&in.pk, &out, &len), 6);
    qpdf_data q = open_pdf(out, len);
    assert_int_equal(qpdf_get_num_pages(q), 6);
    check_outline(q);
    char *labels = unparse(q, qpdf_oh_get_key(q, qpdf_get_root(q), "/PageLabels"));
    assert_string_equal(labels, "<< /Nums [ 0 << /P (Cover-) /S /D /St 1 >> 1 << /P (Team-) /S "
                                "/D /St 1 >> 3 << /P (R0003-) /S /D /St 1 >> 5 << /P (R___-) /S "
                                "/D /St 1 >> ] >>");
    free(labels);
    check_info(q);
    /* Different subsets, different tags: the members' fonts renamed. */
    char *f = fonts(q);
    assert_string_equal(f, "/HPDFAA+NotoSans-Regular /KPAAAA+NotoSans-Regular "
                           "/KPAAAB+WenQuanYiMicroHei /KPAAAC+NotoSans-Regular");
    free(f);
    assert_memory_equal(out, "%PDF-1.5\n", 9);
    assert_int_equal(count_titled(q, "Janet Johnson"), 1);
    assert_int_equal(count_titled(q, "own bookmark"), 0); /* the parts' outlines dropped */
    qpdf_cleanup(&q);
    free(out);
    inputs_free(&in);
}

/* A member whose face is drawn both as a simple TrueType font (WinAnsi text)
 * and as a Type0 font (ł): one font program, so one new tag for both. */
static void test_shared_font(void **state)
{
    (void)state;
    struct inputs in;
    inputs(&in);
    struct kp_pdf *d = pdf_new(KP_A4);
    pdf_add_page(d);
    pdf_text(d, &body, 72, 700, KP_START, "Plain text");
    pdf_text(d, &body, 72, 680, KP_START, "Łukasz");
    free(in.pdf[2]);
    assert_int_equal(pdf_render(d, "lukasz", &in.pdf[2], &in.len[2]), 0);
    pdf_free(d);
    in.parts[2].pdf = in.pdf[2], in.parts[2].len = in.len[2];
    char *out;
    size_t len;
    assert_int_equal(packet_assemble(&in.pk, &out, &len), 6);
    qpdf_data q = open_pdf(out, len);
    char *f = fonts(q);
    assert_string_equal(f, "/HPDFAA+NotoSans-Regular /KPAAAA+NotoSans-Regular "
                           "/KPAAAB+NotoSans-Regular /KPAAAB+NotoSans-Regular");
    free(f);
    qpdf_cleanup(&q);
    free(out);
    inputs_free(&in);
}

/* Without a cover, without titles or labels: plain numbers, only the top
 * bookmark; a one-page head with a cover has no summary range. */
static void test_plain(void **state)
{
    (void)state;
    struct inputs in;
    inputs(&in);
    for (int i = 0; i < 3; i++)
        in.parts[i].title = NULL, in.parts[i].label = NULL;
    in.pk.cover_label = NULL;
    char *out;
    size_t len;
    assert_int_equal(packet_assemble(&in.pk, &out, &len), 6);
    qpdf_data q = open_pdf(out, len);
    char *labels = unparse(q, qpdf_oh_get_key(q, qpdf_get_root(q), "/PageLabels"));
    assert_string_equal(labels, "<< /Nums [ 0 << /S /D /St 1 >> 3 << /S /D /St 1 >> 5 << /S /D "
                                "/St 1 >> ] >>");
    qpdf_oh ol = qpdf_oh_get_key(q, qpdf_get_root(q), "/Outlines");
    assert_int_equal(qpdf_oh_get_int_value(q, qpdf_oh_get_key(q, ol, "/Count")), 1);
    assert_false(qpdf_oh_has_key(q, qpdf_oh_get_key(q, ol, "/First"), "/First"));
    qpdf_cleanup(&q);
    free(out), free(labels);

    free(in.pdf[0]);
    in.pdf[0] = make_pdf("Cover only", 1, &in.len[0]);
    in.parts[0].pdf = in.pdf[0], in.parts[0].len = in.len[0];
    in.parts[0].title = "Summary", in.parts[0].label = "Team-";
    in.parts[1].title = "Janet Johnson", in.parts[1].label = "R0003-";
    in.pk.cover_label = "Cover-";
    assert_int_equal(packet_assemble(&in.pk, &out, &len), 4);
    q = open_pdf(out, len);
    labels = unparse(q, qpdf_oh_get_key(q, qpdf_get_root(q), "/PageLabels"));
    assert_string_equal(labels, "<< /Nums [ 0 << /P (Cover-) /S /D /St 1 >> 1 << /P (R0003-) /S "
                                "/D /St 1 >> 3 << /S /D /St 1 >> ] >>");
    qpdf_oh top = qpdf_oh_get_key(q, qpdf_oh_get_key(q, qpdf_get_root(q), "/Outlines"), "/First");
    assert_int_equal(qpdf_oh_get_int_value(q, qpdf_oh_get_key(q, top, "/Count")), 1);
    char *t = utf8(q, qpdf_oh_get_key(q, top, "/First"), "/Title");
    assert_string_equal(t, "Janet Johnson");
    qpdf_cleanup(&q);
    free(out), free(labels), free(t);
    inputs_free(&in);
}

/* Every stream of every part is in the packet byte for byte: copied, not
 * decoded and compressed again. */
static void test_streams_copied(void **state)
{
    (void)state;
    struct inputs in;
    inputs(&in);
    char *out;
    size_t len;
    assert_int_equal(packet_assemble(&in.pk, &out, &len), 6);
    int streams = 0;
    for (int i = 0; i < 3; i++) {
        qpdf_data q = open_pdf(in.pdf[i], in.len[i]);
        int size = (int)qpdf_oh_get_int_value(q, qpdf_oh_get_key(q, qpdf_get_trailer(q), "/Size"));
        for (int id = 1; id < size; id++) {
            qpdf_oh o = qpdf_get_object_by_id(q, id, 0);
            if (!qpdf_oh_is_stream(q, o))
                continue;
            unsigned char *raw;
            size_t n;
            assert_int_equal(qpdf_oh_get_stream_data(q, o, qpdf_dl_none, NULL, &raw, &n), 0);
            assert_true(n > 0);
            assert_non_null(find(out, len, raw, n));
            free(raw);
            streams++;
        }
        qpdf_cleanup(&q);
    }
    assert_true(streams >= 3 * 4); /* pages, fonts, cmaps */
    free(out);
    inputs_free(&in);
}

/* The largest stream of a PDF, raw (as stored): *n bytes, malloc'd. */
static unsigned char *largest_stream(const char *pdf, size_t len, size_t *n)
{
    qpdf_data q = open_pdf(pdf, len);
    long long size = qpdf_oh_get_int_value(q, qpdf_oh_get_key(q, qpdf_get_trailer(q), "/Size"));
    unsigned char *best = NULL;
    *n = 0;
    for (int id = 1; id < size; id++) {
        qpdf_oh o = qpdf_get_object_by_id(q, id, 0);
        unsigned char *raw;
        size_t m;
        if (!qpdf_oh_is_stream(q, o) ||
            qpdf_oh_get_stream_data(q, o, qpdf_dl_none, NULL, &raw, &m) != 0)
            continue;
        if (m > *n)
            free(best), best = raw, *n = m;
        else
            free(raw);
    }
    qpdf_cleanup(&q);
    return best;
}

/* A part whose compressed font is damaged still goes in as it is, without a
 * word: nothing is decoded (qpdf would warn if it tried). */
static void test_not_decoded(void **state)
{
    (void)state;
    struct inputs in;
    inputs(&in);
    size_t n;
    unsigned char *raw = largest_stream(in.pdf[1], in.len[1], &n);
    assert_true(n > 1000);
    char *at = (char *)find(in.pdf[1], in.len[1], raw, n);
    assert_non_null(at);
    for (size_t i = n / 2; i < n / 2 + 8; i++)
        at[i] ^= 0x55, raw[i] ^= 0x55;
    struct kp_buf msg = {0};
    char *out;
    size_t len;
    diag_capture(&msg);
    assert_int_equal(packet_assemble(&in.pk, &out, &len), 6);
    diag_capture(NULL);
    assert_null(msg.s);
    assert_non_null(find(out, len, raw, n));
    free(out), free(raw);
    inputs_free(&in);
}

static void test_deterministic(void **state)
{
    (void)state;
    struct inputs in;
    inputs(&in);
    char *a, *b, *c;
    size_t na, nb, nc;
    assert_int_equal(packet_assemble(&in.pk, &a, &na), 6);
    assert_int_equal(packet_assemble(&in.pk, &b, &nb), 6);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    /* Other content, other /ID. */
    struct kp_packet_part swap = in.parts[1];
    in.parts[1] = in.parts[2], in.parts[2] = swap;
    assert_int_equal(packet_assemble(&in.pk, &c, &nc), 6);
    qpdf_data qa = open_pdf(a, na), qc = open_pdf(c, nc);
    char *ida = unparse(qa, qpdf_oh_get_key(qa, qpdf_get_trailer(qa), "/ID"));
    char *idc = unparse(qc, qpdf_oh_get_key(qc, qpdf_get_trailer(qc), "/ID"));
    assert_string_not_equal(ida, idc);
    qpdf_cleanup(&qa), qpdf_cleanup(&qc);
    free(ida), free(idc);
    free(a), free(b), free(c);
    inputs_free(&in);
}

/* Call packet_assemble with part 2 replaced by bad bytes: -1, no output,
 * the message captured, nothing written to stderr. Returns the message. */
static char *assemble_bad(const char *bytes, size_t n)
{
    struct inputs in;
    inputs(&in);
    in.parts[2].pdf = bytes, in.parts[2].len = n;
    char *tmp = xasprintf("%s/stderr", outdir);
    fflush(stderr);
    int saved = dup(2), fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    struct kp_buf msg = {0};
    diag_capture(&msg);
    char *out = (char *)"x";
    size_t len = 1;
    int rc = packet_assemble(&in.pk, &out, &len);
    diag_capture(NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved), close(fd);
    assert_int_equal(rc, -1);
    assert_null(out);
    assert_int_equal(len, 0);
    char *err;
    size_t elen;
    assert_int_equal(sys_read_file(tmp, &err, &elen), 0);
    assert_int_equal(elen, 0); /* qpdf printed nothing */
    free(err), free(tmp);
    inputs_free(&in);
    buf_add(&msg, "", 0);
    return buf_steal(&msg);
}

static void test_damaged(void **state)
{
    (void)state;
    const char *E = "kpipress: packets/East.pdf: error: cannot assemble the packet: ";
    const char *W = "kpipress: packets/East.pdf: warning: qpdf: ";
    char *m = assemble_bad("not a PDF at all", 16);
    char *want = xasprintf("%sR0013.pdf: can't find PDF header\n"
                           "%scannot read: R0013.pdf: can't find startxref\n",
                           W, E);
    assert_string_equal(m, want);
    free(m), free(want);
    /* A real review cut in half: no cross-reference table, no recovery. */
    size_t n;
    char *half = make_pdf("Cut", 2, &n);
    m = assemble_bad(half, n / 2);
    want = xasprintf("%scannot read: R0013.pdf: can't find startxref\n", E);
    assert_string_equal(m, want);
    free(m), free(want);
    /* A broken object (a flipped byte inside a compressed stream would not
     * be noticed: streams are copied, not decoded). */
    char *obj = (char *)find(half, n, " 0 obj", 6);
    assert_non_null(obj);
    memcpy(obj, " 0 job", 6);
    m = assemble_bad(half, n);
    want = xasprintf("%sR0013.pdf (object 1 0, offset 15): expected n n obj\n"
                     "%scannot read its pages: R0013.pdf: unable to find /Root dictionary\n",
                     W, E);
    assert_string_equal(m, want);
    free(m), free(want), free(half);
    m = assemble_bad(NULL, 0);
    assert_string_equal(m, "kpipress: packets/East.pdf: error: cannot assemble the packet: "
                           "R0013.pdf is empty\n");
    free(m);

    struct kp_buf msg = {0};
    struct kp_packet none = {.name = "p.pdf", .title = "T"};
    char *out;
    size_t len;
    diag_capture(&msg);
    assert_int_equal(packet_assemble(&none, &out, &len), -1);
    diag_capture(NULL);
    assert_string_equal(msg.s, "kpipress: p.pdf: error: cannot assemble the packet: no parts\n");
    buf_free(&msg);
    diag_reset();
}

/* ---- with poppler: the pages look and read as the members' own ---- */

static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *save(const char *name, const char *data, size_t len)
{
    char *path = xasprintf("%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Page `page` (from 1) of a and page `bpage` of b render to the same pixels. */
static int same_pixels(const char *a, int page, const char *b, int bpage)
{
    char *cmd = xasprintf("cd '%s' && pdftoppm -r 40 -f %d -l %d '%s' A 2>/dev/null && "
                          "pdftoppm -r 40 -f %d -l %d '%s' B 2>/dev/null && "
                          "cmp -s A-%d.ppm B-%d.ppm",
                          outdir, page, page, a, bpage, bpage, b, page, bpage);
    int rc = run(cmd);
    free(cmd);
    return rc == 0;
}

static void test_rendered(void **state)
{
    (void)state;
    if (!sys_have_program("pdftoppm") || !sys_have_program("pdftotext"))
        skip();
    struct inputs in;
    inputs(&in);
    char *out;
    size_t len;
    assert_int_equal(packet_assemble(&in.pk, &out, &len), 6);
    char *pk = save("packet.pdf", out, len), *janet = save("janet.pdf", in.pdf[1], in.len[1]);
    char *head = save("head.pdf", in.pdf[0], in.len[0]);
    assert_true(same_pixels(pk, 1, head, 1));
    assert_true(same_pixels(pk, 4, janet, 1));
    assert_true(same_pixels(pk, 5, janet, 2));
    assert_false(same_pixels(pk, 4, janet, 2)); /* the check can fail */
    char *cmd =
        xasprintf("pdftotext '%s' - 2>/dev/null | tr '\\f' '\\n' | grep . >'%s/text'", pk, outdir);
    assert_int_equal(run(cmd), 0);
    char *text, *path = xasprintf("%s/text", outdir);
    size_t n;
    assert_int_equal(sys_read_file(path, &text, &n), 0);
    assert_string_equal(text, "Cover East\nTeam summary 1\nTeam summary 2\nJanet Johnson page "
                              "1\nJanet Johnson page 2\n张敏 Zhang Min page 1\n");
    free(text), free(path), free(cmd);
    free(pk), free(janet), free(head), free(out);
    inputs_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assemble),       cmocka_unit_test(test_plain),
        cmocka_unit_test(test_streams_copied), cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_not_decoded),    cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_rendered),       cmocka_unit_test(test_shared_font),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
