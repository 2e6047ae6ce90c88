/* pdf — documents: recorded as a display list, written with libharu 2.3.0.
 *
 * Takes drawing calls (text, paths, rectangles, images, links, bookmarks,
 * page labels, document info) and records them in memory, page by page,
 * noting which code points each face draws. Nothing touches libharu until
 * pdf_render()/pdf_save(): then each face is subset (hb-subset, exactly the
 * code points the document uses), one HPDF_Doc is made, the subsets loaded,
 * the display list replayed, and the file written (compressed, atomically).
 * So layout can measure text (text.h) before any font is loaded, and a
 * document is cheap to build and throw away.
 *
 * Ownership: pdf_new() returns a document the caller frees with pdf_free().
 * Every string and byte buffer passed in is copied. pdf_render() hands back a
 * malloc'd buffer the caller frees.
 *
 * Coordinates: points (1/72 in), origin at the bottom-left of the page, y up.
 * Angles: degrees, counter-clockwise. Colours: kp_color, 0xAARRGGBB where
 * AA is opacity (0xFF opaque); 0 (KP_NONE) means "no colour" (no fill, no
 * stroke) — except for text, where it means black.
 *
 * Text is UTF-8. It is split by face (text.h): Latin in Noto Sans, the rest in
 * WenQuanYi Micro Hei (CJK bold = fill+stroke). Invalid UTF-8 and what no face
 * can draw are replaced by U+FFFD; the code points no face has are collected
 * (pdf_missing) so the caller can report them. No kerning, no shaping.
 *
 * Fonts in the file: each face used is one embedded subset. A Latin run whose
 * code points are all in WinAnsiEncoding (text_winansi) is drawn with a
 * simple TrueType font (/Encoding /WinAnsiEncoding: viewers extract the text
 * through the standard encoding, no ToUnicode needed); any other run with a
 * Type0 font (Identity-H, with a ToUnicode CMap) of the same subset, which is
 * in the file only when some run needs it. The widths in both are the ones
 * text.h measured with. CJK is always Type0.
 *
 * Errors: misuse of the API (a path op outside a path, unbalanced
 * pdf_grestore, a bad page index…) is remembered and makes pdf_render() fail
 * with a KP_ERROR naming it. libharu errors are recorded by an error handler
 * (no longjmp), checked after each stage and reported as KP_ERROR with
 * libharu's error and detail codes; the document is then not written. */
#ifndef KP_PDF_H
#define KP_PDF_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef uint32_t kp_color;
#define KP_NONE     ((kp_color)0)
#define KP_RGB(rgb) ((kp_color)(0xFF000000u | ((uint32_t)(rgb)&0xFFFFFFu)))
/* opacity a: 1..255 */
#define KP_RGBA(rgb, a) ((kp_color)(((uint32_t)(a)&0xFFu) << 24 | ((uint32_t)(rgb)&0xFFFFFFu)))

/* "#rrggbb" or "#rgb" -> *out (opaque). Returns 0, or -1 when malformed. */
int pdf_color_parse(const char *s, kp_color *out);

enum kp_paper { KP_A4, KP_LETTER };

/* Where (x, y) lies on the text's baseline: its start (left), middle or end. */
enum kp_anchor { KP_START, KP_MIDDLE, KP_END };

struct kp_textstyle {
    double size; /* points (clamped to 0.1 .. 600) */
    int bold;
    kp_color color; /* KP_NONE = black */
    double angle;   /* degrees counter-clockwise about (x, y) */
};

enum kp_cap { KP_CAP_BUTT, KP_CAP_ROUND, KP_CAP_SQUARE };
enum kp_join { KP_JOIN_MITER, KP_JOIN_ROUND, KP_JOIN_BEVEL };

#define KP_DASH_MAX 8
/* How a path is painted. A zero-initialised paint paints nothing. */
struct kp_paint {
    kp_color fill;            /* KP_NONE = not filled */
    kp_color stroke;          /* KP_NONE = not stroked */
    double width;             /* stroke width in points; 0 = 1 pt */
    double dash[KP_DASH_MAX]; /* on/off lengths in points (any > 0 values) */
    int ndash;                /* 0 = solid */
    double dash_phase;
    enum kp_cap cap;
    enum kp_join join;
    int even_odd; /* fill rule: 0 nonzero winding, 1 even-odd */
};

struct kp_pdf;

/* A new empty document (no pages yet). */
struct kp_pdf *pdf_new(enum kp_paper paper);
void pdf_free(struct kp_pdf *d);

/* Pages. pdf_add_page() appends a page and makes it current; returns its
 * index (0-based). pdf_set_page() makes an earlier page current again (e.g.
 * to write "page 2 of 5" once the count is known). */
int pdf_add_page(struct kp_pdf *d);
void pdf_set_page(struct kp_pdf *d, int page);
int pdf_page_count(const struct kp_pdf *d);
int pdf_current_page(const struct kp_pdf *d);
void pdf_page_size(const struct kp_pdf *d, double *width, double *height);

/* Text on one line at baseline point (x, y), anchored there, rotated by
 * st->angle. Returns its width in points. A \n is drawn as a space. */
double pdf_text(struct kp_pdf *d, const struct kp_textstyle *st, double x, double y,
                enum kp_anchor a, const char *s);
double pdf_textn(struct kp_pdf *d, const struct kp_textstyle *st, double x, double y,
                 enum kp_anchor a, const char *s, size_t n);
/* Width of s in points (nothing drawn). */
double pdf_text_width(const struct kp_textstyle *st, const char *s);

/* A paragraph broken into lines of at most `width` points (text.h rules),
 * drawn from `top` down: each line is a box `leading` points tall (0 = 1.25 ×
 * size) with the text's em box (0.8 em above the baseline, 0.2 below) centred
 * in it; lines are aligned in [x, x + width] by align (KP_START = left).
 * st->angle is ignored. Returns the height used (lines × leading). */
double pdf_paragraph(struct kp_pdf *d, const struct kp_textstyle *st, double x, double top,
                     double width, double leading, enum kp_anchor align, const char *s);
/* What pdf_paragraph() would return, without drawing. */
double pdf_paragraph_height(const struct kp_textstyle *st, double width, double leading,
                            const char *s);

/* Shapes. (x, y) is the bottom-left corner; radius > 0 rounds the corners. */
void pdf_rect(struct kp_pdf *d, double x, double y, double w, double h, double radius,
              const struct kp_paint *p);
void pdf_line(struct kp_pdf *d, double x1, double y1, double x2, double y2,
              const struct kp_paint *p);
void pdf_circle(struct kp_pdf *d, double cx, double cy, double r, const struct kp_paint *p);

/* Paths: pdf_move_to starts a path (or a new subpath of the open one); the
 * path ends with pdf_paint() or pdf_clip(). Nothing else may be drawn while a
 * path is open. */
void pdf_move_to(struct kp_pdf *d, double x, double y);
void pdf_line_to(struct kp_pdf *d, double x, double y);
void pdf_curve_to(struct kp_pdf *d, double x1, double y1, double x2, double y2, double x3,
                  double y3);
void pdf_rect_path(struct kp_pdf *d, double x, double y, double w, double h);
void pdf_close_path(struct kp_pdf *d);
void pdf_paint(struct kp_pdf *d, const struct kp_paint *p);
/* Intersect the clip region with the open path (and end it). The clip lasts
 * until the matching pdf_grestore(). */
void pdf_clip(struct kp_pdf *d, int even_odd);
void pdf_clip_rect(struct kp_pdf *d, double x, double y, double w, double h);

/* Graphics state: save/restore the clip region and transform (nesting at most
 * 20 deep; a page's saves must be restored on that page). pdf_transform()
 * concatenates m = {a, b, c, d, e, f} to the current transform. */
void pdf_gsave(struct kp_pdf *d);
void pdf_grestore(struct kp_pdf *d);
void pdf_transform(struct kp_pdf *d, const double m[6]);

/* Images: register a PNG (the bytes are copied; the caller must have
 * validated them — libharu 2.3.0 aborts the process on a corrupt PNG; an
 * interlaced one is refused here). Returns an id, or -1 after a KP_ERROR.
 * pdf_image() draws it into the box (x, y, w, h). */
int pdf_png(struct kp_pdf *d, const void *png, size_t n);
void pdf_image(struct kp_pdf *d, int id, double x, double y, double w, double h);

/* Bookmarks (outline): parent -1 = top level, else an id this returned.
 * The destination is `page` with `top` at the top of the window. Returns the
 * new bookmark's id (>= 0). */
int pdf_bookmark(struct kp_pdf *d, int parent, const char *title, int page, double top);

enum kp_numstyle {
    KP_NUM_DECIMAL,
    KP_NUM_ROMAN_UPPER,
    KP_NUM_ROMAN_LOWER,
    KP_NUM_LETTERS_UPPER,
    KP_NUM_LETTERS_LOWER
};
/* Page labels from `page` on: prefix (ASCII only: other bytes become '_';
 * NULL = none) followed by the number, counting from `first`. Any order; a
 * page labelled twice keeps the last call's label. */
void pdf_page_label(struct kp_pdf *d, int page, enum kp_numstyle style, const char *prefix,
                    int first);

/* Link areas on the current page: to a page of this document (top as for
 * bookmarks) or to a URI (ASCII). */
void pdf_link_page(struct kp_pdf *d, double x, double y, double w, double h, int page, double top);
void pdf_link_uri(struct kp_pdf *d, double x, double y, double w, double h, const char *uri);

/* Document information (UTF-8). Nothing dated is written unless
 * pdf_set_date() is called: then CreationDate and ModDate = t, in UTC. */
enum kp_info {
    KP_INFO_TITLE,
    KP_INFO_SUBJECT,
    KP_INFO_AUTHOR,
    KP_INFO_KEYWORDS,
    KP_INFO_CREATOR,
    KP_NINFO
};
void pdf_set_info(struct kp_pdf *d, enum kp_info key, const char *value);
void pdf_set_date(struct kp_pdf *d, time_t t);

/* Encrypt the rendered file (libharu: RC4, 128-bit key, revision 3): it
 * opens only with user_pw (or owner_pw, which must be non-empty and differ
 * from it; both ASCII, at most 32 bytes, as PDF 1.4 passwords are). NULL
 * user_pw = no encryption again. libharu puts the clock into an encrypted
 * file's /ID, so encrypted output is not reproducible: use it for copies
 * (mail), never for the documents of record. */
void pdf_set_password(struct kp_pdf *d, const char *user_pw, const char *owner_pw);

/* The code points no face could draw (drawn as U+FFFD), each once, in order
 * of first use. Valid until the next drawing call or pdf_free(). */
size_t pdf_missing(const struct kp_pdf *d, const uint32_t **cps);
/* Note the code points of s that no face draws, as drawing s would: for text
 * cleaned before it is drawn (text_fit's answer has U+FFFD in their place). */
void pdf_note_missing(struct kp_pdf *d, const char *s);

/* Build the PDF in memory: *data (malloc'd, the caller frees) and *len.
 * Returns 0, or -1 after a KP_ERROR diagnostic (name: what the message calls
 * the document, e.g. its path; may be NULL). The document stays usable: it
 * can be rendered again. */
int pdf_render(struct kp_pdf *d, const char *name, char **data, size_t *len);
/* Render and write to path atomically (temporary file, then rename). Returns
 * 0, or -1 after a diagnostic (KP_ERROR, or KP_SYSERR for I/O). A failed save
 * writes nothing at path: no partial file, and an older file there stays. */
int pdf_save(struct kp_pdf *d, const char *path);
/* The document's /ID, derived from its content (pdf_render does this to
 * every document): a copy of the PDF in data[0..len) with
 * `/ID [<h><h>]` added to its trailer dictionary, h = the first 16 bytes of
 * the SHA-256 of data as it is, in hex. The trailer follows the
 * cross-reference table, so no object offset moves and startxref stays
 * right. Returns a new buffer (*outlen bytes), or NULL when data has no
 * trailer dictionary or its trailer has an /ID already. */
char *pdf_add_id(const char *data, size_t len, size_t *outlen);

/* Bytes of the last successful render/save (0 before). */
size_t pdf_size(const struct kp_pdf *d);

#endif
