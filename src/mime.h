/* mime — e-mail messages as bytes: RFC 5322 headers, a MIME multipart body
 * (text/plain, optional text/html, one attachment in base64), RFC 2047
 * encoded words for header text that is not plain ASCII, an RFC 2231 file
 * name, and checks of addresses. Pure: buffers in, buffers out; nothing reads
 * the clock (the caller gives the Date).
 *
 * Every line ends in CRLF; header lines are kept within 78 characters where
 * the content allows (encoded words are folded), body lines within 76 (base64)
 * or 998 (7bit). Control characters in header text become spaces, so no data
 * can start a header line of its own. Strings are UTF-8; the caller keeps
 * ownership of everything it passes in. */
#ifndef KP_MIME_H
#define KP_MIME_H

#include <stddef.h>

struct kp_buf;

/* An address with an optional display name (NULL or "" = none). */
struct kp_addr {
    const char *name;
    const char *addr;
};

/* NULL when addr is an address we send to: ASCII, local@domain, a dot-atom
 * local part of at most 64 bytes, a domain of two or more labels (letters,
 * digits, inner hyphens; at most 63 bytes each, 253 in all; the last not all
 * digits). Else why not, as a short phrase ("has no @"); a static string.
 * Quoted local parts, address literals and non-ASCII addresses are refused. */
const char *mime_addr_check(const char *addr);

/* "Name <addr>", "\"Name, Inc.\" <addr>" or "addr" -> *name (maybe "") and
 * *addr, new strings. 0, or -1 with *why (static) when it is not one address
 * (the address itself is checked with mime_addr_check). */
int mime_addr_parse(const char *s, char **name, char **addr, const char **why);

/* Base64 (OpenSSL EVP_EncodeBlock) in lines of 76 characters, each ending in
 * CRLF. */
void mime_base64(struct kp_buf *out, const void *p, size_t n);

/* "Field: text" CRLF: as it is when printable ASCII that fits on one line,
 * else as RFC 2047 "B" encoded words (UTF-8), folded. */
void mime_header_text(struct kp_buf *out, const char *field, const char *text);
/* "Field: Name <addr>, …" CRLF; names encoded or quoted as needed. */
void mime_header_addrs(struct kp_buf *out, const char *field, const struct kp_addr *v, size_t n);
/* An RFC 5322 date in UTC: "Tue, 30 Jun 2026 00:00:00 +0000". */
void mime_date(struct kp_buf *out, long long t);

struct kp_mime_msg {
    struct kp_addr from;
    struct kp_addr reply_to;    /* addr NULL = no Reply-To */
    struct kp_addr to;
    const struct kp_addr *cc;   /* ncc entries */
    size_t ncc;
    const char *subject;
    const char *message_id;     /* without the angle brackets */
    long long date;             /* seconds since the epoch */
    const char *text;           /* the plain-text body (LF or CRLF line ends) */
    const char *html;           /* NULL = no HTML alternative */
    const char *file_name;      /* the attachment's name (UTF-8) */
    const char *file_type;      /* e.g. "application/pdf" */
    const void *file;
    size_t file_len;
    const char *boundary;       /* a token of [0-9a-z] the parts' boundaries are made from */
};

/* The whole message, appended to out. */
void mime_compose(const struct kp_mime_msg *m, struct kp_buf *out);

/* The value of the first `field` header (case-insensitive) in the header
 * block of msg, unfolded and trimmed: a new string, or NULL. */
char *mime_header_get(const char *msg, size_t len, const char *field);

#endif
