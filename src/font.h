/* font — the document faces, through HarfBuzz: coverage, advance widths and
 * per-document subsets.
 *
 * A process has one font set, loaded once (font_init) from
 * sys_datadir()/fonts and kept until exit (shared by every document the
 * process builds; fork()ed workers inherit it):
 *   KP_FACE_SANS       Noto Sans Regular   (Latin, Greek, Cyrillic)
 *   KP_FACE_SANS_BOLD  Noto Sans Bold
 *   KP_FACE_CJK        WenQuanYi Micro Hei, face 0 of the .ttc. It has no bold
 *                      face: CJK bold is drawn with this face, filled and
 *                      stroked (pdf.c does that).
 *
 * Widths are in 1/1000 em, computed exactly as libharu 2.3.0 computes the
 * widths it writes into the PDF (advance * 1000 / unitsPerEm, truncated), so
 * text measured here lines up with what a viewer draws.
 *
 * Only the Basic Multilingual Plane counts as covered: libharu 2.3.0 cannot
 * draw code points above U+FFFF, so font_has() is 0 for them whatever the
 * font holds.
 *
 * Subsets: font_subset() makes a small TrueType font holding exactly the given
 * code points (plus what their glyphs are built from), with glyph ids renumbered
 * from 0. That is what libharu 2.3.0 needs: it drops composite-glyph parts
 * whose glyph id is >= 32768 (PITFALLS.md), which made CJK glyphs blank. */
#ifndef KP_FONT_H
#define KP_FONT_H

#include <stddef.h>
#include <stdint.h>

/* Fallback faces: installed fonts found through fontconfig for code points
 * the bundled faces lack (font_fallback), at most KP_NFALLBACK per process. */
#define KP_NFALLBACK 4
enum kp_face {
    KP_FACE_SANS,
    KP_FACE_SANS_BOLD,
    KP_FACE_CJK,
    KP_FACE_FALLBACK, /* the first fallback slot */
    KP_NFACES = KP_FACE_FALLBACK + KP_NFALLBACK
};

/* Load the faces (once; later calls return the first result). fontdir NULL =
 * sys_datadir()/fonts. Returns 0, or -1 after a KP_FATAL diagnostic naming the
 * font file. The other functions call font_init(NULL) themselves when needed
 * and treat a set that failed to load as covering nothing. */
int font_init(const char *fontdir);

/* Does face f have a glyph for code point cp (BMP only, see above)? */
int font_has(enum kp_face f, uint32_t cp);

/* Advance width of cp in face f, in 1/1000 em; 0 when f does not cover cp. */
int font_advance(enum kp_face f, uint32_t cp);

/* A short name of the face for messages ("Noto Sans Bold"). */
const char *font_label(enum kp_face f);

/* The fallback face that draws cp, when neither bundled face does: -1 when
 * none can. Asked of fontconfig (libfontconfig) among the installed fonts,
 * once per code point: its best match (a sans-serif pattern with cp in its
 * charset) that libharu 2.3.0 can embed — TrueType outlines (a glyf table),
 * a BMP code point — and only for scripts drawn without shaping (Latin,
 * Greek, Cyrillic, Armenian, Georgian, CJK, symbols and punctuation, …; not
 * Devanagari, Arabic, Hebrew, Thai, … nor combining marks: libharu draws by
 * code point, so those would come out wrong). The answer depends on the
 * fonts installed, never on what was drawn before; a fallback face is
 * loaded once, in the first free slot (none left: -1). */
int font_fallback(uint32_t cp);

/* The order in which faces go into a document: the bundled faces, then the
 * fallback faces by file and face index (not by the slot, which depends on
 * what a process met first): so a document's bytes do not depend on which
 * worker made it. order[] gets KP_NFACES faces. */
void font_order(enum kp_face order[KP_NFACES]);

/* Subset face f to the n code points cps (any order; those f lacks are
 * ignored). On success *data is a new malloc'd TrueType font of *len bytes
 * (the caller frees it), its glyph ids below 32768; returns 0. Returns -1 when
 * HarfBuzz fails (nothing reported: the caller words the message). */
int font_subset(enum kp_face f, const uint32_t *cps, size_t n, char **data, size_t *len);

#endif
