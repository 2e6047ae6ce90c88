/* mime — see mime.h. */
#include "mime.h"

#include "util.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LINE_SOFT 78 /* RFC 5322: lines SHOULD be at most 78 characters */

/* ------------------------------------------------------------------ */
/* Addresses                                                           */

static int is_atext(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int is_ldh(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

static const char *check_local(const char *s, size_t n)
{
    if (n == 0)
        return "has nothing before the @";
    if (n > 64)
        return "has more than 64 characters before the @";
    if (s[0] == '.' || s[n - 1] == '.')
        return "starts or ends with a dot before the @";
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && s[i + 1] == '.')
            return "has two dots in a row";
        if (s[i] != '.' && !is_atext((unsigned char)s[i]))
            return s[i] == ' ' ? "has a space" : "has a character an address cannot have";
    }
    return NULL;
}

static const char *check_domain(const char *s, size_t n)
{
    if (n == 0)
        return "has nothing after the @";
    if (n > 253)
        return "has a domain of more than 253 characters";
    size_t labels = 0, start = 0, digits = 1;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            if (!is_ldh((unsigned char)s[i]))
                return s[i] == ' ' ? "has a space" : "has a character a domain cannot have";
            continue;
        }
        size_t len = i - start;
        if (len == 0 || len > 63)
            return len ? "has a domain label of more than 63 characters" : "has an empty domain label";
        if (s[start] == '-' || s[i - 1] == '-')
            return "has a domain label starting or ending with a hyphen";
        digits = strspn(s + start, "0123456789") >= len;
        labels++;
        start = i + 1;
    }
    if (labels < 2)
        return "has no dot in its domain";
    return digits ? "has a domain that ends in a number" : NULL;
}

const char *mime_addr_check(const char *addr)
{
    if (str_empty(addr))
        return "is empty";
    for (const char *p = addr; *p; p++) {
        if ((unsigned char)*p >= 0x80)
            return "has characters other than ASCII (not supported)";
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "has a control character";
    }
    if (strlen(addr) > 254)
        return "has more than 254 characters";
    const char *at = strchr(addr, '@');
    if (!at)
        return "has no @";
    if (strchr(at + 1, '@'))
        return "has more than one @";
    const char *why = check_local(addr, (size_t)(at - addr));
    return why ? why : check_domain(at + 1, strlen(at + 1));
}

/* The display name of "Name <addr>": unquoted and trimmed. */
static char *parse_name(const char *s, size_t n)
{
    char *name = xstrndup(s, n);
    char *t = str_trim(name);
    size_t len = strlen(t);
    struct kp_buf b = {0};
    buf_adds(&b, "");
    if (len >= 2 && t[0] == '"' && t[len - 1] == '"') {
        for (size_t i = 1; i + 1 < len; i++) {
            if (t[i] == '\\' && i + 2 < len)
                i++;
            buf_addc(&b, t[i]);
        }
    } else {
        buf_adds(&b, t);
    }
    free(name);
    return buf_steal(&b);
}

int mime_addr_parse(const char *s, char **name, char **addr, const char **why)
{
    const char *lt = strrchr(s, '<');
    *name = *addr = NULL;
    if (!lt) {
        char *a = xstrdup(s);
        *addr = xstrdup(str_trim(a));
        *name = xstrdup("");
        free(a);
    } else {
        const char *gt = strchr(lt, '>');
        if (!gt || gt[1 + strspn(gt + 1, " \t")] != '\0') {
            *why = "is not of the form Name <address>";
            return -1;
        }
        *addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
        *name = parse_name(s, (size_t)(lt - s));
    }
    if (strpbrk(*addr, "<>,\"") || strpbrk(*name, "<>")) {
        *why = "is not one address";
        free(*name), free(*addr);
        *name = *addr = NULL;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Encodings                                                           */

static void b64_raw(struct kp_buf *out, const void *p, size_t n)
{
    unsigned char *enc = xmalloc(4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock(enc, p, (int)n);
    buf_add(out, enc, (size_t)len);
    free(enc);
}

void mime_base64(struct kp_buf *out, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i += 57) {
        b64_raw(out, s + i, n - i < 57 ? n - i : 57);
        buf_adds(out, "\r\n");
    }
}

/* Header text made safe: controls become spaces, invalid UTF-8 U+FFFD. */
static char *header_clean(const char *s)
{
    char *t = xstrdup(s ? s : "");
    for (char *p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    char *c = utf8_clean(t, strlen(t), 0, NULL);
    free(t);
    return c;
}

static int is_plain(const char *s)
{
    for (const char *p = s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return 0;
    return strstr(s, "=?") == NULL;
}

/* Characters on the current (last) line of out. */
static size_t line_col(const struct kp_buf *out)
{
    size_t i = out->len;
    while (i > 0 && out->s[i - 1] != '\n')
        i--;
    return out->len - i;
}

/* RFC 2047 "B" encoded words for s, folded to keep lines within 78. */
static void encoded_words(struct kp_buf *out, const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t col = line_col(out);
        size_t room = col + 12 + 4 <= LINE_SOFT ? LINE_SOFT - col - 12 : 0;
        if (room > 60)
            room = 60; /* an encoded word is at most 75 characters */
        if (room < 4 && col > 1) {
            buf_adds(out, "\r\n ");
            continue;
        }
        size_t take = utf8_prefix(s + i, n - i, room < 4 ? 3 : room / 4 * 3);
        buf_adds(out, "=?UTF-8?B?");
        b64_raw(out, s + i, take);
        buf_adds(out, "?=");
        i += take;
        if (i < n)
            buf_adds(out, "\r\n ");
    }
}

void mime_header_text(struct kp_buf *out, const char *field, const char *text)
{
    char *t = header_clean(text);
    buf_printf(out, "%s: ", field);
    if (is_plain(t) && strlen(field) + 2 + strlen(t) <= LINE_SOFT)
        buf_adds(out, t);
    else
        encoded_words(out, t);
    buf_adds(out, "\r\n");
    free(t);
}

/* A display name as a phrase: atoms as they are, other ASCII quoted,
 * anything else encoded. */
static void display_name(struct kp_buf *out, const char *name)
{
    char *t = header_clean(name);
    char *s = str_trim(t);
    int atoms = 1;
    for (const char *p = s; *p && atoms; p++)
        atoms = is_atext((unsigned char)*p) || *p == ' ';
    /* Not plain, or too long for the line (RFC 5322: at most 998 bytes;
     * encoded words are folded). */
    if (!is_plain(s) || line_col(out) + strlen(s) + 2 > LINE_SOFT) {
        encoded_words(out, s);
    } else if (atoms) {
        buf_adds(out, s);
    } else {
        buf_addc(out, '"');
        for (const char *p = s; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_addc(out, '\\');
            buf_addc(out, *p);
        }
        buf_addc(out, '"');
    }
    free(t);
}

void mime_header_addrs(struct kp_buf *out, const char *field, const struct kp_addr *v, size_t n)
{
    buf_printf(out, "%s: ", field);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_adds(out, ",\r\n ");
        char *name = header_clean(v[i].name);
        if (str_empty(str_trim(name))) {
            buf_adds(out, v[i].addr);
        } else {
            display_name(out, v[i].name);
            if (line_col(out) + strlen(v[i].addr) + 3 > LINE_SOFT)
                buf_adds(out, "\r\n");
            buf_printf(out, " <%s>", v[i].addr);
        }
        free(name);
    }
    buf_adds(out, "\r\n");
}

void mime_date(struct kp_buf *out, long long t)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
               months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ------------------------------------------------------------------ */
/* The message                                                         */

/* Text with CRLF line ends, ending in CRLF. */
static char *crlf(const char *s)
{
    struct kp_buf b = {0};
    buf_adds(&b, "");
    for (const char *p = s; *p; p++) {
        if (*p == '\r' && p[1] == '\n')
            continue;
        if (*p == '\n' || *p == '\r')
            buf_adds(&b, "\r\n");
        else
            buf_addc(&b, *p);
    }
    if (b.len < 2 || strcmp(b.s + b.len - 2, "\r\n") != 0)
        buf_adds(&b, "\r\n");
    return buf_steal(&b);
}

/* Can the text go as 7bit: ASCII, lines within 998, no boundary inside? */
static int fits_7bit(const char *s, const char *boundary)
{
    size_t col = 0;
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p >= 0x80)
            return 0;
        col = *p == '\n' ? 0 : col + 1;
        if (col > 998)
            return 0;
    }
    return strstr(s, boundary) == NULL;
}

/* Quoted-printable (RFC 2045 6.7) of CRLF text: lines within 76. */
static void quoted_printable(struct kp_buf *out, const char *s)
{
    size_t col = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            buf_adds(out, "\r\n");
            col = 0, p++;
            continue;
        }
        int at_eol = p[1] == '\r' || p[1] == '\0';
        int plain = (*p >= 33 && *p <= 126 && *p != '=') || ((*p == ' ' || *p == '\t') && !at_eol);
        size_t w = plain ? 1 : 3;
        if (col + w > 75) {
            buf_adds(out, "=\r\n");
            col = 0;
        }
        if (plain)
            buf_addc(out, (char)*p);
        else
            buf_printf(out, "=%02X", *p);
        col += w;
    }
}

/* 7bit when it can; quoted-printable when most of it is ASCII (readable in
 * the .eml), else base64. */
static void text_part(struct kp_buf *out, const char *type, const char *body, const char *boundary)
{
    char *t = crlf(body);
    size_t high = 0, n = strlen(t);
    for (size_t i = 0; i < n; i++)
        high += (unsigned char)t[i] >= 0x80;
    const char *enc = fits_7bit(t, boundary) ? "7bit" : high * 8 < n ? "quoted-printable" : "base64";
    buf_printf(out, "Content-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: %s\r\n\r\n",
               type, enc);
    if (*enc == '7')
        buf_adds(out, t);
    else if (*enc == 'q')
        quoted_printable(out, t);
    else
        mime_base64(out, t, n);
    free(t);
}

/* The ASCII stand-in for old readers: a run of other characters becomes
 * one '_'. */
static char *ascii_name(const char *s, size_t max)
{
    struct kp_buf b = {0};
    buf_adds(&b, "");
    const char *p = s, *end = s + strlen(s);
    while (p < end) {
        int32_t cp = utf8_next(&p, end);
        char c = cp >= 0x20 && cp < 0x7f && !strchr("\"\\/", (int)cp) ? (char)cp : '_';
        if (c != '_' || b.len == 0 || b.s[b.len - 1] != '_')
            buf_addc(&b, c);
    }
    /* At most max characters, the extension kept, so that the Content-Type
     * line stays within 78 (the real name is in filename*). */
    if (b.len > max) {
        const char *dot = strrchr(b.s, '.');
        size_t ext = dot && b.s + b.len - dot <= 10 ? (size_t)(b.s + b.len - dot) : 0;
        memmove(b.s + max - ext, b.s + b.len - ext, ext + 1);
        b.len = max;
    }
    return buf_steal(&b);
}

static void pct_encode(struct kp_buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p);
        if (keep)
            buf_addc(out, (char)*p);
        else
            buf_printf(out, "%%%02X", *p);
    }
}

/* filename*=UTF-8''… on one line when it fits in 78 characters, else as
 * RFC 2231 continuations (filename*0*=UTF-8''…; filename*1*=…), never
 * splitting a %XX. */
static void filename_param(struct kp_buf *out, const char *name)
{
    struct kp_buf pct = {0};
    buf_adds(&pct, "");
    pct_encode(&pct, name);
    if (pct.len <= 60) {
        buf_printf(out, " filename*=UTF-8''%s", pct.s);
        buf_free(&pct);
        return;
    }
    for (size_t i = 0, k = 0; i < pct.len; k++) {
        size_t room = k ? 60 : 54; /* " filename*0*=UTF-8''" is 20 characters, ";" 1 */
        size_t take = pct.len - i < room ? pct.len - i : room;
        if (i + take < pct.len)
            take -= pct.s[i + take - 1] == '%' ? 1 : pct.s[i + take - 2] == '%' ? 2 : 0;
        buf_printf(out, "%s filename*%zu*=%s", k ? ";\r\n" : "", k, k ? "" : "UTF-8''");
        buf_add(out, pct.s + i, take);
        i += take;
    }
    buf_free(&pct);
}

static void file_part(struct kp_buf *out, const struct kp_mime_msg *m)
{
    char *clean = header_clean(m->file_name);
    /* "Content-Type: " + type + "; name=\"" + name + "\"" within 78. */
    size_t used = 14 + strlen(m->file_type) + 9;
    char *fallback = ascii_name(clean, used + 16 < 78 ? 78 - used : 16);
    /* The real name only as filename* (readers disagree on which wins when
     * both filename and filename* are there); the ASCII stand-in as name. */
    buf_printf(out, "Content-Type: %s; name=\"%s\"\r\n", m->file_type, fallback);
    buf_adds(out, "Content-Disposition: attachment;\r\n");
    filename_param(out, clean);
    buf_adds(out, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    mime_base64(out, m->file, m->file_len);
    free(fallback);
    free(clean);
}

static void headers(struct kp_buf *out, const struct kp_mime_msg *m, const char *mixed)
{
    buf_adds(out, "Date: ");
    mime_date(out, m->date);
    buf_adds(out, "\r\n");
    mime_header_addrs(out, "From", &m->from, 1);
    if (m->reply_to.addr)
        mime_header_addrs(out, "Reply-To", &m->reply_to, 1);
    mime_header_addrs(out, "To", &m->to, 1);
    if (m->ncc)
        mime_header_addrs(out, "Cc", m->cc, m->ncc);
    mime_header_text(out, "Subject", m->subject);
    buf_printf(out, "Message-ID: <%s>\r\n", m->message_id);
    buf_adds(out, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
    buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", mixed);
}

void mime_compose(const struct kp_mime_msg *m, struct kp_buf *out)
{
    char *mixed = xasprintf("=_kp_m_%s", m->boundary);
    char *alt = xasprintf("=_kp_a_%s", m->boundary);
    headers(out, m, mixed);
    buf_printf(out, "--%s\r\n", mixed);
    if (m->html) {
        buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", alt);
        buf_printf(out, "--%s\r\n", alt);
        text_part(out, "text/plain", m->text, alt);
        buf_printf(out, "--%s\r\n", alt);
        text_part(out, "text/html", m->html, alt);
        buf_printf(out, "--%s--\r\n", alt);
    } else {
        text_part(out, "text/plain", m->text, mixed);
    }
    buf_printf(out, "--%s\r\n", mixed);
    file_part(out, m);
    buf_printf(out, "--%s--\r\n", mixed);
    free(mixed), free(alt);
}

char *mime_header_get(const char *msg, size_t len, const char *field)
{
    size_t flen = strlen(field);
    const char *p = msg, *end = msg + len;
    while (p < end && *p != '\r' && *p != '\n') {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *next = eol ? eol + 1 : end;
        if ((size_t)(end - p) > flen && strncasecmp(p, field, flen) == 0 && p[flen] == ':') {
            struct kp_buf b = {0};
            buf_add(&b, p + flen + 1, (size_t)(next - p - flen - 1));
            for (p = next; p < end && (*p == ' ' || *p == '\t'); p = next) {
                eol = memchr(p, '\n', (size_t)(end - p));
                next = eol ? eol + 1 : end;
                buf_add(&b, p, (size_t)(next - p));
            }
            struct kp_buf v = {0};
            buf_adds(&v, "");
            for (size_t i = 0; i < b.len; i++)
                if (b.s[i] != '\r' && b.s[i] != '\n')
                    buf_addc(&v, b.s[i]);
            buf_free(&b);
            char *r = xstrdup(str_trim(v.s));
            buf_free(&v);
            return r;
        }
        p = next;
    }
    return NULL;
}
