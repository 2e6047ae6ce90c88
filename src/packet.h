/* packet — a team packet assembled from PDFs already rendered, with libqpdf.
 *
 * Takes whole PDF files in memory: part 0 is the packet's head (its cover
 * and summary pages, made by pdf.h, carrying the document information),
 * parts 1.. are the members' reviews, in order. Gives one PDF: every part's
 * pages in order, the head's Info dictionary (title, subject, author,
 * keywords, dates) kept, and a new outline and page labels:
 *
 *   outline:  <title>                  -> the first page (the cover)
 *               parts[0].title         -> the head's second page (summary)
 *               parts[i].title         -> part i's first page
 *   labels:   <cover_label>1 on the first page, then each part's pages
 *             numbered from 1 after its label prefix (Team-1, R0003-1 …)
 *
 * Whatever outline or page labels the head had are replaced; the parts'
 * own outlines (unless .nest), labels and Info are dropped. Pages are copied as they are:
 * their streams (contents, fonts, images) keep their compression, byte for
 * byte (no decoding, no recompressing); only the small objects around them
 * are rewritten (into object streams). So every member's fonts come along:
 * a packet is about the sum of its parts' sizes. The members' font subsets
 * get new tags (KPAAAA+NotoSans-Regular …): every document names its own
 * HPDFAA+…, and different subsets in one file must have different tags.
 *
 * The output is a function of the inputs only: no dates are added, and the
 * /ID is qpdf's deterministic one (an MD5 over the written file), so the same
 * parts give the same bytes.
 *
 * Ownership: the parts' bytes and strings are the caller's and are only read
 * during the call. *out is malloc'd; the caller frees it.
 *
 * Errors: a part qpdf cannot read (damaged, password-protected, no pages), or a
 * failure to write, is reported as a KP_ERROR naming the packet and the
 * part, and the call returns -1 (nothing in *out). qpdf prints nothing
 * itself: its warnings are reported as KP_WARN. No recovery of damaged
 * files is attempted: a part that needs it is an error. */
#ifndef KP_PACKET_H
#define KP_PACKET_H

#include <stddef.h>

/* One document of the packet. */
struct kp_packet_part {
    const char *pdf; /* a whole PDF file */
    size_t len;
    const char *name;  /* what messages call it (e.g. the review's path); NULL = "part N" */
    const char *title; /* its bookmark under the top one (UTF-8); NULL = none */
    const char *label; /* its pages' label prefix (ASCII; other bytes become '_');
                          NULL = plain numbers */
    int nest;          /* keep the part's own bookmarks (those under its top ones) under
                          its bookmark, closed: an org packet's teams open onto their
                          members */
};

struct kp_packet {
    const char *name;        /* what messages call the packet (its path); may be NULL */
    const char *title;       /* the top bookmark (UTF-8), to the first page */
    const char *cover_label; /* NULL, or the first page is a cover: it alone is labelled
                                <cover_label>1, and parts[0]'s title and label apply from
                                its second page (to nothing when it has only one) */
    const struct kp_packet_part *parts;
    size_t nparts; /* >= 1 */
};

/* Assemble p into *out (*outlen bytes) and return the packet's pages, or
 * -1 after a KP_ERROR. */
int packet_assemble(const struct kp_packet *p, char **out, size_t *outlen);

#endif
