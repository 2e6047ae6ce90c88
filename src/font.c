/* font — see font.h. */
#include "font.h"

#include "diag.h"
#include "sys.h"
#include "util.h"

#include <hb-ot.h>
#include <hb-subset.h>
#include <hb.h>

#include <stdlib.h>
#include <string.h>

/* Advance cache values (per BMP code point). */
#define ADV_UNKNOWN -1
#define ADV_MISSING -2

struct face {
    const char *file;
    unsigned index; /* face in a .ttc */
    const char *label;
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

static int face_load(struct face *fc, const char *dir)
{
    char *path = path_join(dir, fc->file);
    char *data;
    size_t len;
    int err = sys_read_file(path, &data, &len);
    if (err) {
        diag(KP_FATAL, path, 0, 0, "cannot read font: %s", strerror(err));
        free(path);
        return -1;
    }
    hb_blob_t *blob =
        hb_blob_create(data, (unsigned)len, HB_MEMORY_MODE_READONLY, data, free);
    unsigned nfaces = hb_face_count(blob);
    if (fc->index >= nfaces) {
        diag(KP_FATAL, path, 0, 0, "not a TrueType font (or no face %u in it)", fc->index);
        hb_blob_destroy(blob);
        free(path);
        return -1;
    }
    fc->face = hb_face_create(blob, fc->index);
    hb_blob_destroy(blob);
    fc->upem = hb_face_get_upem(fc->face);
    if (hb_face_get_glyph_count(fc->face) == 0 || fc->upem == 0) {
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
    for (int f = 0; f < KP_NFACES && init_state > 0; f++)
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
    return (unsigned)f < KP_NFACES ? faces[f].label : "?";
}

static void subset_setup(hb_subset_input_t *in, const uint32_t *cps, size_t n)
{
    hb_set_t *u = hb_subset_input_unicode_set(in);
    for (size_t i = 0; i < n; i++)
        hb_set_add(u, cps[i]);
    hb_set_t *drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (size_t i = 0; i < KP_NELEM(drop_tags); i++)
        hb_set_add(drop, hb_tag_from_string(drop_tags[i], 4));
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
    hb_blob_t *blob = hb_face_reference_blob(sub);
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
