/* csvread — see csvread.h.
 *
 * The bytes go through four stages, each fed by the one before:
 *   conv    iconv to UTF-8 (only when an encoding is named); a byte it cannot
 *           convert becomes BAD_BYTE, which is never valid UTF-8, so the
 *           record that holds it fails the per-field UTF-8 check;
 *   bom     drops a UTF-8 byte-order mark at the start of the stream;
 *   detect  holds the header line until the delimiter is known;
 *   split   cuts the stream after every CR and LF byte and hands the pieces
 *           to libcsv. libcsv ends a record only on a CR or LF, so a record
 *           can only end at the last byte of a piece: everything before it is
 *           on one line, which is how we know the line of every record and
 *           field without line numbers from libcsv (PITFALLS.md). */
#include "csvread.h"

#include "util.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DETECT_MAX              (1024 * 1024) /* header bytes held while detecting the delimiter */
#define BAD_BYTE                '\xFF'        /* stands for bytes iconv could not convert */
#define PSTATE_MIGHT_HAVE_ENDED 3             /* libcsv 3.0.3: a quote seen inside a quoted field */

struct kp_csvread {
    kp_csv_fn fn;
    void *ctx;
    char *encoding; /* NULL = UTF-8 */
    iconv_t cd;
    size_t unit;    /* bytes skipped after a sequence iconv rejects */
    char carry[16]; /* an incomplete multibyte sequence at a chunk's end */
    size_t ncarry;
    struct kp_buf tmp; /* carry + the next chunk */
    size_t nbom;       /* BOM bytes matched so far */
    int bom_done;
    char delim;         /* 0 = still detecting */
    struct kp_buf hold; /* stream held while detecting */
    int hold_inq, hold_text;
    long count[3]; /* , ; TAB outside quotes in the header line */
    struct csv_parser p;
    long line;   /* line of the bytes being parsed */
    int prev_cr; /* the last byte seen was a CR */
    /* The record being read. */
    int in_rec;
    long rec_line, field_line;
    struct kp_buf fbuf; /* fields, each followed by a NUL */
    size_t *foff, nfield, foff_cap;
    char **fptr;
    size_t fptr_cap;
    struct kp_buf err; /* non-empty: the record failed */
    struct kp_buf raw, rawout;
    size_t raw_total;
    int skipping;           /* after a parse error: skipping to the record's end */
    int skip_inq;           /* 0 outside quotes, 1 inside, 2 inside just after a quote */
    char skip_prev;         /* the character before, outside quotes */
    char sniff[2];          /* the first bytes, when no encoding is named */
    size_t nsniff;
    int sniffed;
    int stopped, ended;
};

static void detect_feed(struct kp_csvread *r, const char *p, size_t n);
static void split_feed(struct kp_csvread *r, const char *p, size_t n);

/* ---- the record ---- */

static void rec_error(struct kp_csvread *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void rec_error(struct kp_csvread *r, const char *fmt, ...)
{
    if (r->err.len)
        return; /* the first problem is the one reported */
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    buf_adds(&r->err, s);
    free(s);
}

static void rec_begin(struct kp_csvread *r)
{
    r->in_rec = 1;
    r->rec_line = r->field_line = r->line;
    buf_reset(&r->fbuf);
    buf_reset(&r->err);
    buf_reset(&r->raw);
    r->raw_total = 0;
    r->nfield = 0;
}

static void raw_add(struct kp_csvread *r, const char *p, size_t n)
{
    r->raw_total += n;
    if (r->raw.len < KP_CSV_MAX_RAW) {
        size_t room = KP_CSV_MAX_RAW - r->raw.len;
        buf_add(&r->raw, p, n < room ? n : room);
    }
}

/* n, or less so that s[0..n) does not end inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = n;
    while (k && (u[k - 1] & 0xC0) == 0x80)
        k--;
    size_t need = !k                 ? 0
                  : u[k - 1] >= 0xF0 ? 4
                  : u[k - 1] >= 0xE0 ? 3
                  : u[k - 1] >= 0xC0 ? 2
                                     : 1;
    return k && n - (k - 1) < need ? k - 1 : n;
}

/* The raw text as given to the caller: without the record's terminator,
 * line breaks as "\n", NUL bytes replaced, "…" when cut. */
static const char *raw_finish(struct kp_csvread *r, int had_term)
{
    if (!r->raw.s)
        buf_add(&r->raw, "", 0);
    size_t content = r->raw_total - (had_term && r->raw_total ? 1 : 0);
    int cut = content > KP_CSV_MAX_RAW;
    size_t n = cut ? utf8_cut(r->raw.s, r->raw.len) : content;
    if (!cut && !memchr(r->raw.s, '\r', n) && !memchr(r->raw.s, '\0', n)) {
        r->raw.s[n] = '\0'; /* the common case: nothing to change */
        return r->raw.s;
    }
    buf_reset(&r->rawout);
    buf_add(&r->rawout, "", 0);
    for (size_t i = 0; i < n; i++) {
        char c = r->raw.s[i];
        if (c == '\r' && i + 1 < n && r->raw.s[i + 1] == '\n')
            continue;
        if (c == '\r')
            buf_addc(&r->rawout, '\n');
        else if (c == '\0')
            buf_adds(&r->rawout, "\xEF\xBF\xBD");
        else
            buf_addc(&r->rawout, c);
    }
    if (r->rawout.len > KP_CSV_MAX_RAW) { /* NULs grew it (U+FFFD is 3 bytes) */
        r->rawout.len = utf8_cut(r->rawout.s, KP_CSV_MAX_RAW);
        r->rawout.s[r->rawout.len] = '\0';
        cut = 1;
    }
    if (cut)
        buf_adds(&r->rawout, "\xE2\x80\xA6");
    return r->rawout.s;
}

static void rec_emit(struct kp_csvread *r, int had_term)
{
    struct kp_csvrec rec = {0};
    rec.line = r->rec_line;
    rec.raw = raw_finish(r, had_term);
    if (r->err.len) {
        rec.error = r->err.s;
    } else {
        xgrow(&r->fptr, &r->fptr_cap, r->nfield + 1, sizeof *r->fptr);
        for (size_t i = 0; i < r->nfield; i++)
            r->fptr[i] = r->fbuf.s + r->foff[i];
        r->fptr[r->nfield] = NULL;
        rec.field = r->fptr;
        rec.nfield = r->nfield;
    }
    r->in_rec = 0;
    if (!r->stopped)
        r->fn(r->ctx, &rec);
}

static void field_check_utf8(struct kp_csvread *r, const char *s, size_t len)
{
    if (utf8_valid(s, len))
        return;
    if (r->encoding)
        rec_error(r, "bytes that are not valid %s (check [input] encoding)", r->encoding);
    else
        rec_error(r, "invalid UTF-8 \xE2\x80\x94 is the file GBK? set [input] encoding = GBK");
}

/* libcsv's field callback: copy the field (libcsv reuses its buffer). */
static void on_field(void *data, size_t len, void *ctx)
{
    struct kp_csvread *r = ctx;
    const char *s = data ? data : "";
    r->field_line = r->line; /* the next field starts after this delimiter */
    if (r->err.len)
        return;
    if (r->nfield >= KP_CSV_MAX_FIELDS)
        rec_error(r, "more than %d fields", KP_CSV_MAX_FIELDS);
    else if (len > KP_CSV_MAX_FIELD)
        rec_error(r, "a field longer than %d bytes", KP_CSV_MAX_FIELD);
    else if (r->fbuf.len + len + 1 > (size_t)KP_CSV_MAX_RECORD)
        rec_error(r, "a record longer than %ld bytes", KP_CSV_MAX_RECORD);
    else if (memchr(s, '\0', len))
        rec_error(r, "NUL byte in the data (if the file is UTF-16, set [input] encoding = "
                     "UTF-16LE)");
    else
        field_check_utf8(r, s, len);
    if (r->err.len)
        return;
    xgrow(&r->foff, &r->foff_cap, r->nfield + 1, sizeof *r->foff);
    r->foff[r->nfield++] = r->fbuf.len;
    buf_add(&r->fbuf, s, len);
    r->fbuf.len++; /* keep the NUL buf_add wrote after it */
}

/* libcsv's record callback; c is the terminator, -1 at the end of input. */
static void on_row(int c, void *ctx)
{
    rec_emit(ctx, c != -1);
}

/* ---- libcsv ---- */

/* libcsv grows its field buffer with this; refusing makes csv_parse stop
 * with CSV_ENOMEM, which bounds the memory a hostile field can take. The
 * buffer also holds a closing quote and trailing spaces, hence the slack;
 * on_field checks the exact limit. NULL is libcsv's protocol here, so this
 * is plain realloc, not xrealloc. */
static void *limited_realloc(void *p, size_t n)
{
    if (n > (size_t)KP_CSV_MAX_FIELD + 4096)
        return NULL;
    return realloc(p, n);
}

static void parser_init(struct kp_csvread *r)
{
    csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_realloc_func(&r->p, limited_realloc);
    csv_set_blk_size(&r->p, 4096);
    if (r->delim)
        csv_set_delim(&r->p, (unsigned char)r->delim);
}

/* After an error: csv_fini would flush the partial row and may keep the
 * quoted state, so start over with a fresh parser. */
static void parser_reset(struct kp_csvread *r)
{
    csv_fini(&r->p, NULL, NULL, NULL);
    csv_free(&r->p);
    parser_init(r);
}

/* Skip the rest of a failed record: up to a line break outside quotes. A
 * quote opens a quoted field only where a field begins (after the
 * delimiter): a stray quote in the middle of the bad field, as in
 * =HYPERLINK("x"), is not one, or the next row would be swallowed. */
static void skip_scan(struct kp_csvread *r, const char *p, size_t n)
{
    char delim = r->delim ? r->delim : ',';
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (r->skip_inq == 1) {
            r->skip_inq = c == '"' ? 2 : 1;
            continue;
        }
        if (r->skip_inq == 2 && c == '"') { /* "" inside quotes */
            r->skip_inq = 1;
            continue;
        }
        r->skip_inq = 0;
        if (c == '"' && r->skip_prev == delim) {
            r->skip_inq = 1;
        } else if (c == '\r' || c == '\n') {
            r->skipping = 0;
            rec_emit(r, 1);
        }
        r->skip_prev = c;
    }
}

static void parse_failed(struct kp_csvread *r, const char *rest, size_t nrest)
{
    int inq = 0;
    if (csv_error(&r->p) == CSV_EPARSE) {
        if (r->p.quoted)
            rec_error(r, "bad quoting: text after the closing quote of a field");
        else
            rec_error(r, "bad quoting: a quote inside an unquoted field (quote the whole "
                         "field and double the quote)");
        rest++, nrest--; /* the offending character */
    } else {
        rec_error(r, "a field longer than %d bytes", KP_CSV_MAX_FIELD);
        inq = r->p.quoted && r->p.pstate != PSTATE_MIGHT_HAVE_ENDED;
    }
    parser_reset(r);
    r->skipping = 1;
    r->skip_inq = inq;
    r->skip_prev = 0;
    skip_scan(r, rest, nrest);
}

/* ---- split: pieces that end at a line break ---- */

static int is_blank(const struct kp_csvread *r, char c)
{
    return c == ' ' || (c == '\t' && r->delim != '\t') || c == '\r' || c == '\n';
}

static void count_line(struct kp_csvread *r, const char *p, size_t n)
{
    char last = p[n - 1];
    if (last == '\r' || (last == '\n' && !(n == 1 && r->prev_cr)))
        r->line++;
    r->prev_cr = last == '\r';
}

static void piece(struct kp_csvread *r, const char *p, size_t n)
{
    const char *q = p;
    size_t m = n;
    if (!r->in_rec) {
        while (m && is_blank(r, *q))
            q++, m--;
        if (m)
            rec_begin(r);
    }
    if (m) {
        raw_add(r, q, m);
        if (r->skipping) {
            skip_scan(r, q, m);
        } else {
            size_t done = csv_parse(&r->p, q, m, on_field, on_row, r);
            if (csv_error(&r->p) != CSV_SUCCESS)
                parse_failed(r, q + done, m - done);
        }
    }
    count_line(r, p, n);
}

static void split_feed(struct kp_csvread *r, const char *p, size_t n)
{
    while (n && !r->stopped) {
        size_t i = 0;
        while (i < n && p[i] != '\r' && p[i] != '\n')
            i++;
        size_t len = i < n ? i + 1 : n;
        piece(r, p, len);
        p += len, n -= len;
    }
}

/* ---- detect: the delimiter from the header line ---- */

static void detect_decide(struct kp_csvread *r)
{
    static const char cand[3] = {',', ';', '\t'};
    int best = 0;
    for (int i = 1; i < 3; i++)
        if (r->count[i] > r->count[best])
            best = i;
    r->delim = cand[best];
    csv_set_delim(&r->p, (unsigned char)r->delim);
    struct kp_buf h = r->hold;
    memset(&r->hold, 0, sizeof r->hold);
    split_feed(r, h.s, h.len);
    buf_free(&h);
}

static void detect_feed(struct kp_csvread *r, const char *p, size_t n)
{
    if (r->delim) {
        split_feed(r, p, n);
        return;
    }
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        char c = p[i];
        if (c == '"')
            r->hold_inq ^= 1;
        else if (r->hold_inq)
            continue;
        else if (c == '\r' || c == '\n')
            found = r->hold_text;
        else if (c == ',' || c == ';' || c == '\t')
            r->count[c == ',' ? 0 : c == ';' ? 1 : 2]++;
        if (c != ' ' && c != '\r' && c != '\n')
            r->hold_text = 1;
    }
    buf_add(&r->hold, p, n);
    if (found || r->hold.len >= DETECT_MAX)
        detect_decide(r);
}

/* ---- bom ---- */

static void bom_feed(struct kp_csvread *r, const char *p, size_t n)
{
    static const char bom[3] = {'\xEF', '\xBB', '\xBF'};
    while (!r->bom_done && n) {
        if (*p != bom[r->nbom]) {
            r->bom_done = 1;
            detect_feed(r, bom, r->nbom); /* what matched so far was data */
            break;
        }
        p++, n--;
        if (++r->nbom == 3)
            r->bom_done = 1;
    }
    if (n)
        detect_feed(r, p, n);
}

/* ---- conv ---- */

static void conv_run(struct kp_csvread *r, const char *in, size_t n)
{
    char out[8192];
    char *ip = (char *)in; /* iconv does not write through it */
    size_t left = n;
    while (left && !r->stopped) {
        char *op = out;
        size_t room = sizeof out;
        size_t rc = iconv(r->cd, &ip, &left, &op, &room);
        int e = errno;
        bom_feed(r, out, (size_t)(op - out));
        if (rc != (size_t)-1 || e == E2BIG)
            continue;
        if (e == EINVAL && left < sizeof r->carry) {
            memcpy(r->carry, ip, left); /* completed by the next chunk */
            r->ncarry = left;
            return;
        }
        bom_feed(r, (const char[]){BAD_BYTE}, 1);
        size_t skip = left < r->unit ? left : r->unit;
        ip += skip, left -= skip;
    }
}

static void conv_feed(struct kp_csvread *r, const char *p, size_t n)
{
    if (!r->ncarry) {
        conv_run(r, p, n);
        return;
    }
    buf_reset(&r->tmp);
    buf_add(&r->tmp, r->carry, r->ncarry);
    buf_add(&r->tmp, p, n);
    r->ncarry = 0;
    conv_run(r, r->tmp.s, r->tmp.len);
}

static void conv_end(struct kp_csvread *r)
{
    if (r->ncarry)
        bom_feed(r, (const char[]){BAD_BYTE}, 1); /* cut off at the end of the file */
    r->ncarry = 0;
    char out[64], *op = out;
    size_t room = sizeof out;
    iconv(r->cd, NULL, NULL, &op, &room); /* shift back to the initial state */
    bom_feed(r, out, (size_t)(op - out));
}

/* ---- public ---- */

static size_t unit_of(const char *enc)
{
    char *l = xstrdup(enc);
    for (char *s = l; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
    size_t u = 1;
    if (strstr(l, "utf-16") || strstr(l, "utf16") || strstr(l, "ucs-2") || strstr(l, "ucs2"))
        u = 2;
    else if (strstr(l, "utf-32") || strstr(l, "utf32") || strstr(l, "ucs-4") || strstr(l, "ucs4"))
        u = 4;
    free(l);
    return u;
}

static int is_utf8_name(const char *enc)
{
    return !enc || !*enc || str_ieq(enc, "UTF-8") || str_ieq(enc, "UTF8") ||
           str_ieq(enc, "UTF-8-SIG");
}

struct kp_csvread *csvread_new(const char *encoding, char delim, kp_csv_fn fn, void *ctx,
                               char **err)
{
    iconv_t cd = (iconv_t)-1;
    if (!is_utf8_name(encoding)) {
        cd = iconv_open("UTF-8", encoding);
        if (cd == (iconv_t)-1) {
            if (err)
                *err = xasprintf("unknown encoding \"%s\" (iconv cannot convert it; names "
                                 "look like GBK, GB18030, UTF-16LE, ISO-8859-1)",
                                 encoding);
            return NULL;
        }
    }
    struct kp_csvread *r = xcalloc(1, sizeof *r);
    r->fn = fn;
    r->ctx = ctx;
    r->cd = cd;
    if (cd != (iconv_t)-1) {
        r->encoding = xstrdup(encoding);
        r->unit = unit_of(encoding);
    }
    r->delim = delim;
    r->line = 1;
    r->sniffed = r->encoding != NULL;
    parser_init(r);
    return r;
}

static void route(struct kp_csvread *r, const char *p, size_t n)
{
    if (r->encoding)
        conv_feed(r, p, n);
    else
        bom_feed(r, p, n);
}

/* With no encoding named, a UTF-16 byte-order mark (Excel's "Unicode text")
 * names it: FF FE or FE FF never start UTF-8. */
static void sniff_feed(struct kp_csvread *r, const char *p, size_t n)
{
    while (n && r->nsniff < 2)
        r->sniff[r->nsniff++] = *p++, n--;
    if (r->nsniff < 2)
        return;
    r->sniffed = 1;
    const char *enc = NULL;
    if (r->sniff[0] == '\xFF' && r->sniff[1] == '\xFE')
        enc = "UTF-16LE";
    else if (r->sniff[0] == '\xFE' && r->sniff[1] == '\xFF')
        enc = "UTF-16BE";
    iconv_t cd = enc ? iconv_open("UTF-8", enc) : (iconv_t)-1;
    if (cd != (iconv_t)-1) {
        r->cd = cd;
        r->encoding = xstrdup(enc);
        r->unit = 2;
    }
    route(r, r->sniff, 2); /* the BOM comes out as U+FEFF, which bom_feed drops */
    if (n)
        route(r, p, n);
}

void csvread_feed(struct kp_csvread *r, const void *bytes, size_t n)
{
    if (r->stopped || r->ended || !n)
        return;
    if (!r->sniffed)
        sniff_feed(r, bytes, n);
    else
        route(r, bytes, n);
}

void csvread_end(struct kp_csvread *r)
{
    if (r->ended)
        return;
    if (!r->sniffed && !r->stopped) {
        r->sniffed = 1;
        route(r, r->sniff, r->nsniff); /* a file of one byte */
    }
    if (r->encoding && !r->stopped)
        conv_end(r);
    r->ended = 1;
    if (!r->bom_done && r->nbom && !r->stopped)
        detect_feed(r, "\xEF\xBB", r->nbom); /* a BOM cut short was data */
    r->bom_done = 1;
    if (!r->delim && !r->stopped)
        detect_decide(r);
    if (r->stopped || !r->in_rec)
        return;
    if (r->skipping) {
        r->skipping = 0;
        rec_emit(r, 0);
    } else if (csv_fini(&r->p, on_field, on_row, r) != 0) {
        rec_error(r, "unterminated quoted field: the quote opened on line %ld is never closed",
                  r->field_line);
        rec_emit(r, 0);
    }
}

void csvread_stop(struct kp_csvread *r)
{
    r->stopped = 1;
}

char csvread_delim(const struct kp_csvread *r)
{
    return r->delim;
}

void csvread_free(struct kp_csvread *r)
{
    if (!r)
        return;
    csv_free(&r->p);
    if (r->encoding)
        iconv_close(r->cd);
    free(r->encoding);
    buf_free(&r->tmp);
    buf_free(&r->hold);
    buf_free(&r->fbuf);
    buf_free(&r->err);
    buf_free(&r->raw);
    buf_free(&r->rawout);
    free(r->foff);
    free(r->fptr);
    free(r);
}
