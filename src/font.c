/* font — see font.h. */
#include "font.h"

#include "diag.h"
#include "sys.h"
#include "util.h"

#include <fontconfig/fontconfig.h>
#include <hb-ot.h>
#include <hb-subset.h>
#include <hb.h>

#include <stdlib.h>
#include <string.h>

/* Advance cache values (per BMP code point). */
#define ADV_UNKNOWN -1
#define ADV_MISSING -2

struct face {
    const char *file;  /* bundled: name in the fonts folder; fallback: full path (owned) */
    unsigned index;    /* face in a .ttc */
    const char *label; /* fallback: the family name (owned) */
    hb_face_t *face;
    hb_font_t *font;
    unsigned upem;
    int16_t *adv; /* [0x10000], filled lazily */
};

static struct face faces[KP_NFACES] = {
    [KP_FACE_SANS] = {"NotoSans-Regular.ttf", 0, "Noto Sans", NULL, NULL, 0, NULL},
    [KP_FACE_SANS_BOLD] = {"NotoSans-Bold.ttf", 0, "Noto Sans Bold", NULL, NULL, 0, NULL},
    [KP_FACE_CJK] = {"wqy-microhei.ttc", 0, "WenQuanYi Micro Hei", NULL, NULL, 0, NULL},
};

/* 0 = not tried, 1 = loaded, -1 = failed */
static int init_state;

/* Tables libharu 2.3.0 never writes into the PDF: dropping them makes
 * subsetting much faster (GSUB/GPOS are the costly ones). Hinting (cvt,
 * fpgm, prep, glyph instructions) is kept: without it libharu writes those
 * required tables with length 0, which saves ~25% of the file but is an
 * unusual font for viewers to meet. */
static const char *const drop_tags[] = {"GSUB", "GPOS", "GDEF", "DSIG", "gasp",
                                        "vhea", "vmtx", "FFTM", "kern", "BASE"};

/* dir NULL: fc->file is a full path (a fallback: failures are not reported,
 * the face is just not used). */
static int face_load(struct face *fc, const char *dir)
{
    char *path = dir ? path_join(dir, fc->file) : xstrdup(fc->file);
    char *data;
    size_t len;
    int err = sys_read_file(path, &data, &len);
    if (err) {
        if (dir)
            diag(KP_FATAL, path, 0, 0, "cannot read font: %s", strerror(err));
        free(path);
        return -1;
    }
    hb_blob_t *blob = hb_blob_create(data, (unsigned)len, HB_MEMORY_MODE_READONLY, data, free);
    unsigned nfaces = hb_face_count(blob);
    if (fc->index >= nfaces) {
        if (dir)
            diag(KP_FATAL, path, 0, 0, "not a TrueType font (or no face %u in it)", fc->index);
        hb_blob_destroy(blob);
        free(path);
        return -1;
    }
    fc->face = hb_face_create(blob, fc->index);
    hb_blob_destroy(blob);
    fc->upem = hb_face_get_upem(fc->face);
    if (hb_face_get_glyph_count(fc->face) == 0 || fc->upem == 0) {
        if (dir)
            diag(KP_FATAL, path, 0, 0, "font has no glyphs");
        free(path);
        return -1;
    }
    hb_face_make_immutable(fc->face);
    fc->font = hb_font_create(fc->face);
    hb_font_make_immutable(fc->font);
    fc->adv = xmalloc(0x10000 * sizeof *fc->adv);
    memset(fc->adv, 0xFF, 0x10000 * sizeof *fc->adv); /* ADV_UNKNOWN */
    free(path);
    return 0;
}

int font_init(const char *fontdir)
{
    if (init_state)
        return init_state > 0 ? 0 : -1;
    char *dir = fontdir ? xstrdup(fontdir) : path_join(sys_datadir(), "fonts");
    init_state = 1;
    for (int f = 0; f < KP_FACE_FALLBACK && init_state > 0; f++)
        if (face_load(&faces[f], dir) != 0)
            init_state = -1;
    free(dir);
    return init_state > 0 ? 0 : -1;
}

static struct face *face_get(enum kp_face f)
{
    if ((unsigned)f >= KP_NFACES)
        return NULL;
    if (!init_state)
        font_init(NULL);
    return faces[f].adv ? &faces[f] : NULL;
}

/* The cached advance of cp (BMP) in 1/1000 em, or ADV_MISSING. */
static int advance_of(struct face *fc, uint32_t cp)
{
    int16_t a = fc->adv[cp];
    if (a != ADV_UNKNOWN)
        return a;
    hb_codepoint_t gid;
    if (!hb_font_get_nominal_glyph(fc->font, cp, &gid)) {
        a = ADV_MISSING;
    } else {
        /* libharu: (HPDF_UINT)advance_width * 1000 / units_per_em */
        unsigned w = (unsigned)hb_font_get_glyph_h_advance(fc->font, gid);
        a = (int16_t)(w * 1000u / fc->upem);
    }
    fc->adv[cp] = a;
    return a;
}

int font_has(enum kp_face f, uint32_t cp)
{
    struct face *fc = face_get(f);
    return fc && cp <= 0xFFFF && advance_of(fc, cp) != ADV_MISSING;
}

int font_advance(enum kp_face f, uint32_t cp)
{
    struct face *fc = face_get(f);
    if (!fc || cp > 0xFFFF)
        return 0;
    int a = advance_of(fc, cp);
    return a == ADV_MISSING ? 0 : a;
}

const char *font_label(enum kp_face f)
{
    return (unsigned)f < KP_NFACES && faces[f].label ? faces[f].label : "?";
}

/* ---- fallback faces (fontconfig) ---- */

/* Per BMP code point: 0 not asked yet, -1 none, else KP_FACE_FALLBACK + k + 1. */
static int8_t *fallback_of;

/* Scripts drawn code point by code point, without shaping. */
static int drawn_without_shaping(uint32_t cp)
{
    hb_unicode_funcs_t *u = hb_unicode_funcs_get_default();
    switch (hb_unicode_general_category(u, cp)) {
    case HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK:
    case HB_UNICODE_GENERAL_CATEGORY_SPACING_MARK:
    case HB_UNICODE_GENERAL_CATEGORY_ENCLOSING_MARK:
    case HB_UNICODE_GENERAL_CATEGORY_UNASSIGNED:
    case HB_UNICODE_GENERAL_CATEGORY_PRIVATE_USE:
    case HB_UNICODE_GENERAL_CATEGORY_SURROGATE:
    case HB_UNICODE_GENERAL_CATEGORY_FORMAT: return 0;
    default: break;
    }
    switch (hb_unicode_script(u, cp)) {
    case HB_SCRIPT_COMMON:
    case HB_SCRIPT_LATIN:
    case HB_SCRIPT_GREEK:
    case HB_SCRIPT_CYRILLIC:
    case HB_SCRIPT_ARMENIAN:
    case HB_SCRIPT_GEORGIAN:
    case HB_SCRIPT_HAN:
    case HB_SCRIPT_HIRAGANA:
    case HB_SCRIPT_KATAKANA:
    case HB_SCRIPT_HANGUL:
    case HB_SCRIPT_BOPOMOFO:
    case HB_SCRIPT_ETHIOPIC:
    case HB_SCRIPT_CHEROKEE:
    case HB_SCRIPT_CANADIAN_SYLLABICS:
    case HB_SCRIPT_YI:
    case HB_SCRIPT_BRAILLE:
    case HB_SCRIPT_RUNIC:
    case HB_SCRIPT_OGHAM:
    case HB_SCRIPT_COPTIC:
    case HB_SCRIPT_GLAGOLITIC:
    case HB_SCRIPT_TIFINAGH:
    case HB_SCRIPT_VAI: return 1;
    default: return 0;
    }
}

/* Can libharu embed face `index` of file `path`, and does it draw cp? */
static int usable(const char *path, unsigned index, uint32_t cp)
{
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(path);
    if (!blob)
        return 0;
    int ok = 0;
    if (index < hb_face_count(blob)) {
        hb_face_t *face = hb_face_create(blob, index);
        hb_blob_t *glyf = hb_face_reference_table(face, HB_TAG('g', 'l', 'y', 'f'));
        hb_font_t *font = hb_font_create(face);
        hb_codepoint_t gid;
        ok = hb_blob_get_length(glyf) > 0 && hb_face_get_upem(face) > 0 &&
             hb_font_get_nominal_glyph(font, cp, &gid) && gid > 0;
        hb_font_destroy(font);
        hb_blob_destroy(glyf);
        hb_face_destroy(face);
    }
    hb_blob_destroy(blob);
    return ok;
}

/* The slot of path/index, loading it into a free one; -1 when none is free
 * or it does not load. */
static int slot_of(const char *path, unsigned index, const char *family)
{
    for (int k = KP_FACE_FALLBACK; k < KP_NFACES; k++)
        if (faces[k].file && faces[k].index == index && strcmp(faces[k].file, path) == 0)
            return faces[k].adv ? k : -1;
    for (int k = KP_FACE_FALLBACK; k < KP_NFACES; k++)
        if (!faces[k].file) {
            faces[k].file = xstrdup(path);
            faces[k].index = index;
            faces[k].label = xstrdup(family ? family : path);
            return face_load(&faces[k], NULL) == 0 ? k : -1;
        }
    return -1;
}

/* fontconfig's best usable match for cp, or -1. */
static int ask_fontconfig(uint32_t cp)
{
    if (!FcInit())
        return -1;
    FcPattern *pat = FcNameParse((const FcChar8 *)"sans-serif");
    FcCharSet *cs = FcCharSetCreate();
    FcCharSetAddChar(cs, cp);
    FcPatternAddCharSet(pat, FC_CHARSET, cs);
    FcPatternAddBool(pat, FC_SCALABLE, FcTrue);
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcFontSet *fs = FcFontSort(NULL, pat, FcFalse, NULL, &res);
    int slot = -1;
    for (int i = 0; fs && i < fs->nfont && slot < 0; i++) {
        FcCharSet *have = NULL;
        FcChar8 *file = NULL, *family = NULL;
        int index = 0;
        if (FcPatternGetCharSet(fs->fonts[i], FC_CHARSET, 0, &have) != FcResultMatch ||
            !FcCharSetHasChar(have, cp) ||
            FcPatternGetString(fs->fonts[i], FC_FILE, 0, &file) != FcResultMatch)
            continue;
        FcPatternGetInteger(fs->fonts[i], FC_INDEX, 0, &index);
        FcPatternGetString(fs->fonts[i], FC_FAMILY, 0, &family);
        if (index >= 0 && usable((const char *)file, (unsigned)index, cp))
            slot = slot_of((const char *)file, (unsigned)index, (const char *)family);
    }
    if (fs)
        FcFontSetDestroy(fs);
    FcCharSetDestroy(cs);
    FcPatternDestroy(pat);
    return slot;
}

int font_fallback(uint32_t cp)
{
    if (cp > 0xFFFF || cp == 0)
        return -1;
    if (!fallback_of)
        fallback_of = xcalloc(0x10000, sizeof *fallback_of);
    if (!fallback_of[cp]) {
        int slot = drawn_without_shaping(cp) ? ask_fontconfig(cp) : -1;
        fallback_of[cp] = (int8_t)(slot < 0 ? -1 : slot + 1);
    }
    return fallback_of[cp] < 0 ? -1 : fallback_of[cp] - 1;
}

void font_order(enum kp_face order[KP_NFACES])
{
    for (int f = 0; f < KP_NFACES; f++)
        order[f] = (enum kp_face)f;
    /* insertion sort of the fallback slots by (file, index); empty ones last */
    for (int i = KP_FACE_FALLBACK + 1; i < KP_NFACES; i++)
        for (int j = i; j > KP_FACE_FALLBACK; j--) {
            const struct face *a = &faces[order[j - 1]], *b = &faces[order[j]];
            int c = !a->file ? 1 : !b->file ? -1 : strcmp(a->file, b->file);
            if (c == 0)
                c = (a->index > b->index) - (a->index < b->index);
            if (c <= 0)
                break;
            enum kp_face t = order[j - 1];
            order[j - 1] = order[j], order[j] = t;
        }
}

static void subset_setup(hb_subset_input_t *in, const uint32_t *cps, size_t n)
{
    hb_set_t *u = hb_subset_input_unicode_set(in);
    for (size_t i = 0; i < n; i++)
        hb_set_add(u, cps[i]);
    /* No hinting (cvt, fpgm, prep and the glyphs' instructions): PDF viewers
     * draw the outlines unhinted, and Noto's instructions were a third of
     * an English review (39.5 KB -> 29.4 KB at the median). */
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NO_HINTING);
    hb_set_t *drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (size_t i = 0; i < KP_NELEM(drop_tags); i++)
        hb_set_add(drop, hb_tag_from_string(drop_tags[i], 4));
}

/* ---- a compact cmap for libharu ----
 *
 * libharu 2.3.0 looks up every one of the 65536 BMP code points when it makes
 * a UTF-8 font, each by a linear scan of the cmap's format-4 segments. The
 * cmap hb-subset writes has a segment per run of consecutive code points: a
 * few hundred scattered ideographs make a few hundred segments, and that
 * scan made a document with 300 distinct ideographs take 17 ms instead of 9.
 * So the subset gets a cmap with few segments: code points less than
 * CMAP_GAP apart share a segment, the gaps mapped to glyph 0 through the
 * glyphIdArray (each entry costs libharu a little too: 256 measured best).
 * Viewers never read this cmap: the PDF maps CIDs to glyphs itself. */

#define CMAP_GAP         256   /* merge code points closer than this */
#define CMAP_MAX_ENTRIES 30000 /* keep the subtable below 64 KB */

struct seg {
    uint32_t start, end;
};

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

/* Group the sorted code points into segments; returns the count, and the
 * glyphIdArray length in *entries. */
static size_t plan_segments(const uint32_t *cps, size_t n, uint32_t gap, struct seg *segs,
                            size_t *entries)
{
    size_t ns = 0;
    *entries = 0;
    for (size_t i = 0; i < n; i++) {
        if (ns && cps[i] - segs[ns - 1].end <= gap) {
            segs[ns - 1].end = cps[i];
            continue;
        }
        segs[ns].start = segs[ns].end = cps[i];
        ns++;
    }
    for (size_t i = 0; i < ns; i++)
        *entries += segs[i].end - segs[i].start + 1;
    return ns;
}

/* A cmap table (one 3/1 format-4 subtable) for the n sorted BMP code points
 * cps mapping to gids; NULL when it cannot be that small. */
static hb_blob_t *cmap_build(const uint32_t *cps, const uint16_t *gids, size_t n)
{
    struct seg *segs = xmalloc((n + 1) * sizeof *segs);
    size_t entries = 0, ns = 0;
    for (uint32_t gap = CMAP_GAP;; gap /= 4) {
        ns = plan_segments(cps, n, gap, segs, &entries);
        if (entries <= CMAP_MAX_ENTRIES || gap <= 1)
            break;
    }
    if (entries > CMAP_MAX_ENTRIES) {
        free(segs);
        return NULL;
    }
    segs[ns].start = segs[ns].end = 0xFFFF; /* the required last segment */
    ns++;
    size_t sub = 16 + 8 * ns + 2 * entries, len = 12 + sub;
    unsigned char *t = xcalloc(1, len), *s = t + 12;
    put16(t + 2, 1);                                     /* version 0, 1 subtable */
    put16(t + 4, 3), put16(t + 6, 1), put16(t + 10, 12); /* 3/1 at offset 12 */
    unsigned pow2 = 1, log2 = 0;
    while (pow2 * 2 <= ns)
        pow2 *= 2, log2++;
    put16(s, 4), put16(s + 2, (unsigned)sub);
    put16(s + 6, (unsigned)(2 * ns)), put16(s + 8, 2 * pow2), put16(s + 10, log2);
    put16(s + 12, (unsigned)(2 * ns - 2 * pow2));
    unsigned char *end = s + 14, *start = end + 2 * ns + 2, *delta = start + 2 * ns,
                  *range = delta + 2 * ns, *ids = range + 2 * ns;
    size_t at = 0, k = 0;
    for (size_t i = 0; i < ns; i++) {
        put16(end + 2 * i, segs[i].end);
        put16(start + 2 * i, segs[i].start);
        if (i == ns - 1) {
            put16(delta + 2 * i, 1); /* 0xFFFF -> glyph 0 */
            break;
        }
        put16(range + 2 * i, (unsigned)(2 * (ns - i) + 2 * at));
        for (uint32_t cp = segs[i].start; cp <= segs[i].end; cp++, at++)
            if (k < n && cps[k] == cp)
                put16(ids + 2 * at, gids[k++]);
    }
    free(segs);
    return hb_blob_create((const char *)t, (unsigned)len, HB_MEMORY_MODE_READONLY, t, free);
}

/* The subset's own mapping, sorted by code point (BMP only). */
static size_t subset_mapping(hb_face_t *sub, uint32_t **cps, uint16_t **gids)
{
    hb_set_t *u = hb_set_create();
    hb_face_collect_unicodes(sub, u);
    hb_font_t *font = hb_font_create(sub);
    size_t n = 0, cap = hb_set_get_population(u);
    *cps = xmalloc((cap + 1) * sizeof **cps);
    *gids = xmalloc((cap + 1) * sizeof **gids);
    hb_codepoint_t cp = HB_SET_VALUE_INVALID, gid;
    while (hb_set_next(u, &cp) && cp < 0xFFFF)
        if (hb_font_get_nominal_glyph(font, cp, &gid)) {
            (*cps)[n] = cp;
            (*gids)[n++] = (uint16_t)gid;
        }
    hb_font_destroy(font);
    hb_set_destroy(u);
    return n;
}

/* The subset font (sub: a face made from its bytes) again with the compact
 * cmap (or, when it cannot be that small, its own), and with the hinting
 * tables it no longer has present, as stubs: libharu 2.3.0 writes a missing
 * one from a static record whose offset it leaves at the last font's end,
 * and the next, smaller font's save then fails ("libharu error 0x1033"). */
static hb_blob_t *rebuilt(hb_face_t *sub)
{
    uint32_t *cps;
    uint16_t *gids;
    size_t n = subset_mapping(sub, &cps, &gids);
    hb_blob_t *cmap = cmap_build(cps, gids, n);
    free(cps);
    free(gids);
    hb_face_t *b = hb_face_builder_create();
    hb_tag_t tags[64];
    unsigned nt = KP_NELEM(tags);
    hb_face_get_table_tags(sub, 0, &nt, tags);
    for (unsigned i = 0; i < nt; i++) {
        hb_blob_t *t = tags[i] == HB_TAG('c', 'm', 'a', 'p') && cmap
                           ? hb_blob_reference(cmap)
                           : hb_face_reference_table(sub, tags[i]);
        hb_face_builder_add_table(b, tags[i], t);
        hb_blob_destroy(t);
    }
    /* A cvt of one 0, and programs that push a byte and pop it: present,
     * doing nothing (an empty table is left out of the file). */
    static const struct {
        hb_tag_t tag;
        const char *data;
    } stub[] = {{HB_TAG('c', 'v', 't', ' '), "\x00\x00"},
                {HB_TAG('f', 'p', 'g', 'm'), "\xB0\x00\x21"},
                {HB_TAG('p', 'r', 'e', 'p'), "\xB0\x00\x21"}};
    for (size_t i = 0; i < KP_NELEM(stub); i++) {
        hb_blob_t *t = hb_face_reference_table(sub, stub[i].tag);
        if (hb_blob_get_length(t) == 0) {
            hb_blob_t *s = hb_blob_create(stub[i].data, i == 0 ? 2 : 3, HB_MEMORY_MODE_READONLY,
                                          NULL, NULL);
            hb_face_builder_add_table(b, stub[i].tag, s);
            hb_blob_destroy(s);
        }
        hb_blob_destroy(t);
    }
    hb_blob_t *out = hb_face_reference_blob(b);
    hb_face_destroy(b);
    hb_blob_destroy(cmap);
    return out;
}

int font_subset(enum kp_face f, const uint32_t *cps, size_t n, char **data, size_t *len)
{
    struct face *fc = face_get(f);
    if (!fc)
        return -1;
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in)
        return -1;
    subset_setup(in, cps, n);
    hb_face_t *sub = hb_subset_or_fail(fc->face, in);
    hb_subset_input_destroy(in);
    if (!sub)
        return -1;
    /* a builder face lists no tables: read the serialised font back */
    hb_blob_t *plain = hb_face_reference_blob(sub);
    hb_face_destroy(sub);
    sub = hb_face_create(plain, 0);
    hb_blob_t *blob = rebuilt(sub);
    hb_blob_destroy(plain);
    unsigned blen = 0;
    const char *bytes = hb_blob_get_data(blob, &blen);
    int rc = -1;
    if (bytes && blen > 0 && hb_face_get_glyph_count(sub) < 32768) {
        *data = xmalloc(blen);
        memcpy(*data, bytes, blen);
        *len = blen;
        rc = 0;
    }
    hb_blob_destroy(blob);
    hb_face_destroy(sub);
    return rc;
}
