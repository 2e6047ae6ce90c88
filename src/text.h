/* text — UTF-8 text as the layout sees it: runs by face, widths, line breaks.
 *
 * Every function takes a UTF-8 buffer (s, n bytes; n may be (size_t)-1 for a
 * NUL-terminated string) and first cleans it:
 *   - invalid UTF-8 and control characters become U+FFFD (tab: a space; \r
 *     dropped; \n kept where lines are broken, a space elsewhere);
 *   - a code point that no face can draw (neither Noto Sans nor WenQuanYi has
 *     it, or it lies above U+FFFF, which libharu 2.3.0 cannot draw) is
 *     REPORTED in `missing` (each distinct code point once, in order of first
 *     appearance) and replaced by U+FFFD — never an empty box.
 * Results refer to that cleaned text, which they own (`s`).
 *
 * Faces: a code point goes to the Latin face (KP_FACE_SANS, or
 * KP_FACE_SANS_BOLD when bold) when it has the glyph, else to KP_FACE_CJK.
 * CJK bold is the CJK face drawn with fill+stroke (`fake_bold`).
 *
 * Widths are in points for a given size: the sum of the glyph advances
 * (1/1000 em, as libharu writes them) times size / 1000. No kerning: libharu
 * draws none either.
 *
 * Line breaking (text_break): Latin text breaks at spaces (no hyphenation; a
 * word wider than the line is broken between characters as a last resort);
 * CJK text between any two characters, except that no line starts with a
 * closing mark (，。、；：！？）」』》〉】〕］｝〗’”…‥・ and ,.;:!?)]}) and no line
 * ends with an opening one (（「『《〈【〔［｛〖‘“ and ([{). Between a CJK character
 * and a Latin one a break is allowed (same marks rule). Spaces at a break hang
 * (not counted, not part of the line); \n always breaks. "" gives no lines;
 * a final \n does not start an empty line.
 *
 * WinAnsi (text_winansi): which code points a PDF simple font with
 * /Encoding /WinAnsiEncoding draws and extracts as themselves — the
 * printable part of Windows-1252 (ASCII, Latin-1 and € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ
 * Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ) except U+00A0 and U+00AD: PDF's
 * WinAnsiEncoding names bytes A0 and AD "space" and "hyphen" (ISO 32000-1,
 * D.2), so viewers would draw and extract those as U+0020 and U+002D. */
#ifndef KP_TEXT_H
#define KP_TEXT_H

#include "font.h"

#include <stddef.h>
#include <stdint.h>

#define KP_TEXT_NUL ((size_t)-1) /* n for a NUL-terminated string */

/* The replacement drawn for what cannot be drawn. */
#define KP_REPLACEMENT 0xFFFDu

struct kp_run {
    enum kp_face face;
    int fake_bold;   /* draw with fill+stroke (CJK bold) */
    size_t off, len; /* bytes of the cleaned text */
    long units;      /* advance in 1/1000 em */
};

struct kp_runs {
    char *s; /* the cleaned text, NUL-terminated (owned) */
    size_t len;
    struct kp_run *v;
    size_t n;
    uint32_t *missing; /* code points replaced because no face has them */
    size_t nmissing;
    size_t ninvalid; /* invalid UTF-8 sequences and control characters replaced */
};

/* Split s into runs (newlines become spaces). Free with text_runs_free. */
void text_runs(struct kp_runs *r, const char *s, size_t n, int bold);
void text_runs_free(struct kp_runs *r);

/* Width of s in points at `size` (newlines count as spaces). */
double text_width(const char *s, size_t n, double size, int bold);

/* How many distinct code points of s no face can draw; the first one goes to
 * *first when first is not NULL (left alone when there is none). Invalid
 * UTF-8 is not counted here. */
size_t text_missing(const char *s, size_t n, uint32_t *first);

struct kp_line {
    size_t off, len; /* bytes of kp_lines.s, trailing spaces excluded */
    double width;    /* points */
};

struct kp_lines {
    char *s; /* the cleaned text (owned) */
    struct kp_line *v;
    size_t n;
    uint32_t *missing;
    size_t nmissing;
};

/* Break s into lines no wider than `width` points at `size` (a line holding a
 * single character wider than that is the only exception). */
void text_break(struct kp_lines *l, const char *s, size_t n, double size, int bold, double width);
void text_lines_free(struct kp_lines *l);

/* Fit s on one line of `width` points: at `size` when it fits; else at the
 * largest size (rounded down to 0.1 pt) not below min_size that fits; else at
 * min_size, cut at a character and ended with "…". Returns the (cleaned) text
 * to draw, a new string the caller frees, and its size in *size_out. */
char *text_fit(const char *s, size_t n, double size, double min_size, int bold, double width,
               double *size_out);

/* The WinAnsiEncoding byte (0x20..0xFF) that draws cp, or -1 when there is
 * none (see above). */
int text_winansi(uint32_t cp);

/* s (n bytes of UTF-8) as WinAnsiEncoding bytes into out (room for n + 1
 * bytes; NUL-terminated). Returns the length, or -1 when some code point has
 * no byte (invalid UTF-8 included); out is then undefined. */
long text_to_winansi(const char *s, size_t n, char *out);

#endif
