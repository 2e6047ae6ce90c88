/* fuzz_mime — e-mail header encoding (mime.h, the mail module): header text
 * as RFC 2047 encoded words, display names, address parsing and checking,
 * reading a header back, and a whole message composed from hostile text.
 *
 * Input: subject "@@@@\n" display name "@@@@\n" attachment name "@@@@\n"
 * body (each part optional). Invariants: every line ends in CRLF, no bare CR
 * or LF, no line over 998 bytes (RFC 5322's hard limit), headers are ASCII;
 * a header never starts a second header line (every continuation begins
 * with a space or tab), so the header block holds exactly the fields
 * mime_compose writes; the subject decodes back to the text as cleaned
 * (controls as spaces, invalid UTF-8 as U+FFFD). */
#include "fuzz.h"

#include "mime.h"

#include <openssl/evp.h>

/* RFC 5322 2.1.1: a line MUST be at most 998 characters. (A build with a
 * larger value explores past a known long-line finding.) */
#ifndef FUZZ_MIME_MAX_LINE
#define FUZZ_MIME_MAX_LINE 998
#endif

/* The text as the header carries it: controls become spaces, invalid UTF-8
 * U+FFFD. */
static char *cleaned(const char *s)
{
    char *t = xstrdup(s);
    for (char *p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    char *c = utf8_clean(t, strlen(t), 0, NULL);
    free(t);
    return c;
}

/* Lines end in CRLF, none over 998 bytes; headers (up to the first empty
 * line) are printable ASCII, continuations start with a space or a tab,
 * and each field name is one of `allowed` (space-separated, with colons). */
static void check_lines(const char *s, size_t n, const char *allowed)
{
    FUZZ_CHECK(n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n', "does not end in CRLF");
    int in_head = allowed != NULL;
    size_t col = 0;
    const char *line = s;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            FUZZ_CHECK(i + 1 < n && s[i + 1] == '\n', "bare CR at %zu", i);
            continue;
        }
        if (s[i] == '\n') {
            FUZZ_CHECK(i > 0 && s[i - 1] == '\r', "bare LF at %zu", i);
            if (in_head && col == 0)
                in_head = 0;
            col = 0;
            line = s + i + 1;
            continue;
        }
        col++;
        FUZZ_CHECK(col <= FUZZ_MIME_MAX_LINE, "a line over %d bytes: %.80s...", FUZZ_MIME_MAX_LINE,
                   line);
        if (!in_head)
            continue;
        FUZZ_CHECK(s[i] == '\t' || (s[i] >= 0x20 && s[i] < 0x7f), "header byte 0x%02x",
                   (unsigned char)s[i]);
        if (col == 1 && s[i] != ' ' && s[i] != '\t') {
            const char *colon = memchr(line, ':', (size_t)(s + n - line));
            FUZZ_CHECK(colon, "header line without a colon: %.80s", line);
            char *field = xasprintf(" %.*s: ", (int)(colon - line), line);
            FUZZ_CHECK(strstr(allowed, field), "unexpected header \"%.*s\"", (int)(colon - line),
                       line);
            free(field);
        }
    }
}

/* Unfolded header value -> text: encoded words decoded, the whitespace
 * between two encoded words dropped. */
static char *decode(const char *v)
{
    const char *p = v;
    if (strncmp(p, "=?UTF-8?B?", 10) != 0)
        return xstrdup(v);
    struct kp_buf b = {0};
    buf_adds(&b, "");
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        FUZZ_CHECK(strncmp(p, "=?UTF-8?B?", 10) == 0, "not an encoded word: %s", p);
        const char *q = strstr(p + 10, "?=");
        FUZZ_CHECK(q, "unterminated encoded word");
        size_t len = (size_t)(q - p - 10);
        FUZZ_CHECK(len % 4 == 0 && q - p + 2 <= 75, "encoded word of %zu", (size_t)(q - p + 2));
        unsigned char *out = xmalloc(len + 1);
        int got = EVP_DecodeBlock(out, (const unsigned char *)p + 10, (int)len);
        FUZZ_CHECK(got >= 0, "bad base64");
        size_t pad = len >= 2 ? (p[10 + len - 1] == '=') + (p[10 + len - 2] == '=') : 0;
        size_t n = (size_t)got - pad;
        FUZZ_CHECK(utf8_valid((char *)out, n), "an encoded word splits a character");
        buf_add(&b, out, n);
        free(out);
        p = q + 2;
    }
    return buf_steal(&b);
}

static void subject(const char *text)
{
    struct kp_buf h = {0};
    mime_header_text(&h, "Subject", text);
    check_lines(h.s, h.len, " Subject: ");
    char *v = mime_header_get(h.s, h.len, "Subject");
    FUZZ_CHECK(v, "Subject not found in %s", h.s);
    char *got = decode(v), *want = cleaned(text);
    /* mime_header_get trims; so compare trimmed */
    char *w = str_trim(want);
    FUZZ_CHECK(strcmp(str_trim(got), w) == 0, "subject \"%s\" came back as \"%s\"", w, got);
    free(v), free(got), free(want);
    buf_free(&h);
}

static void addresses(const char *s)
{
    char *name, *addr;
    const char *why = NULL;
    if (mime_addr_parse(s, &name, &addr, &why) == 0) {
        FUZZ_CHECK(name && addr, "NULL parts");
        (void)mime_addr_check(addr);
        free(name), free(addr);
    } else {
        FUZZ_CHECK(why && !name && !addr, "refused without a reason");
    }
    (void)mime_addr_check(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 128 * 1024)
        return 0;
    fuzz_quiet();
    struct fuzz_part part[4];
    size_t np = fuzz_split(data, size, part, 4);
    char *s[4];
    for (size_t i = 0; i < 4; i++)
        s[i] = i < np ? xstrndup(part[i].p, part[i].n) : xstrdup("");
    subject(s[0]);
    addresses(s[1]);
    char *hv = mime_header_get(s[3], strlen(s[3]), "Subject");
    FUZZ_CHECK(!hv || !strpbrk(hv, "\r\n"), "a header value with a line break");
    free(hv);
    struct kp_addr cc[2] = {{s[1], "boss@example.com"}, {"", "hr@example.org"}};
    struct kp_mime_msg m = {
        .from = {"Sales Ops", "ops@example.com"},
        .reply_to = {s[1], "reply@example.com"},
        .to = {s[1], "rep@example.com"},
        .cc = cc,
        .ncc = 2,
        .subject = s[0],
        .message_id = "abc123@kpipress",
        .date = 1782864000,
        .text = s[3],
        .html = size & 1 ? s[3] : NULL,
        .file_name = s[2],
        .file_type = "application/pdf",
        .file = data,
        .file_len = size < 300 ? size : 300,
        .boundary = "0123abcd",
    };
    struct kp_buf msg = {0};
    mime_compose(&m, &msg);
    check_lines(msg.s, msg.len,
                " Date: From: Reply-To: To: Cc: Subject: Message-ID: MIME-Version: "
                "Auto-Submitted: Content-Type: ");
    buf_free(&msg);
    for (size_t i = 0; i < 4; i++)
        free(s[i]);
    return 0;
}
