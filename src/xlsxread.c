/* xlsxread — an .xlsx worksheet as CSV records (xlsxread.h). */
#include "xlsxread.h"

#include "field.h"
#include "util.h"

#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

enum kind { K_NUMBER, K_DATE, K_MONTH };

struct kp_xlsxread {
    kp_csv_fn fn;
    void *ctx;
    char *want; /* the sheet asked for, or NULL */
    struct kp_buf file;
    int too_big, stopped;
    char *err;
    zip_t *za;
    /* workbook.xml and its rels */
    char **sname, **srid;
    size_t nsheet;
    int date1904;
    char **rid, **rtarget, **rtype;
    size_t nrel;
    /* sharedStrings.xml */
    char **sst;
    size_t nsst, sstcap;
    /* styles.xml */
    long *fmtid;
    char **fmtcode;
    size_t nfmt;
    unsigned char *xfkind;
    size_t nxf, xfcap;
    /* parsing state (one part at a time) */
    XML_Parser xp;
    const char *part;
    int in_si, in_t, in_rph, in_xfs, in_v, in_is, in_c;
    struct kp_buf text;
    /* the sheet */
    const char *sheet; /* its name */
    long row, lastrow, col;
    char ctype[16];
    long cstyle;
    char **cell;
    size_t ncell, cellcap, width;
    int have_header;
    long rowbytes, errcol;
    char *rowerr;
};

static const char *local(const char *n)
{
    const char *c = strrchr(n, ':');
    return c ? c + 1 : n;
}

static const char *attr(const char **a, const char *name)
{
    for (; a[0]; a += 2)
        if (strcmp(local(a[0]), name) == 0)
            return a[1];
    return NULL;
}

static void fail(struct kp_xlsxread *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct kp_xlsxread *r, const char *fmt, ...)
{
    if (r->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    r->err = xvasprintf(fmt, ap);
    va_end(ap);
    if (r->xp)
        XML_StopParser(r->xp, XML_FALSE);
}

void xlsx_cell_name(long col, long row, char *out, size_t n)
{
    char letters[8];
    int k = 0;
    for (long c = col; c > 0 && k < 7; c = (c - 1) / 26)
        letters[k++] = (char)('A' + (c - 1) % 26);
    char rev[8];
    for (int i = 0; i < k; i++)
        rev[i] = letters[k - 1 - i];
    rev[k] = 0;
    snprintf(out, n, "%s%ld", rev, row);
}

struct kp_xlsxread *xlsxread_new(const char *sheet, kp_csv_fn fn, void *ctx)
{
    struct kp_xlsxread *r = xcalloc(1, sizeof *r);
    r->fn = fn;
    r->ctx = ctx;
    r->want = sheet && *sheet ? xstrdup(sheet) : NULL;
    return r;
}

void xlsxread_feed(struct kp_xlsxread *r, const void *bytes, size_t n)
{
    if (r->too_big || r->stopped)
        return;
    if (r->file.len + n > (size_t)KP_XLSX_MAX_FILE) {
        r->too_big = 1;
        buf_free(&r->file);
        return;
    }
    buf_add(&r->file, bytes, n);
}

void xlsxread_stop(struct kp_xlsxread *r)
{
    r->stopped = 1;
    if (r->xp)
        XML_StopParser(r->xp, XML_FALSE);
}

/* ---- reading one part through expat ---- */

static void XMLCALL chars(void *ud, const XML_Char *s, int len)
{
    struct kp_xlsxread *r = ud;
    if (!(r->in_t && !r->in_rph) && !r->in_v)
        return;
    if (r->text.len + (size_t)len > KP_CSV_MAX_FIELD + 1)
        len = (int)(KP_CSV_MAX_FIELD + 1 - r->text.len); /* marked too long */
    if (len > 0)
        buf_add(&r->text, s, (size_t)len);
}

/* Parse the part at path. 0; 1 when it is absent (and !required); -1 on an
 * error (r->err). */
static int parse_part(struct kp_xlsxread *r, const char *path, int required,
                      XML_StartElementHandler start, XML_EndElementHandler end)
{
    zip_int64_t i = zip_name_locate(r->za, path, 0);
    if (i < 0) {
        if (required)
            fail(r, "not an .xlsx workbook: it has no %s", path);
        return required ? -1 : 1;
    }
    zip_stat_t st;
    if (zip_stat_index(r->za, (zip_uint64_t)i, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
        st.size > (zip_uint64_t)KP_XLSX_MAX_PART) {
        fail(r, "%s is %llu bytes once uncompressed (over the limit of %ld MiB): refused", path,
             (unsigned long long)st.size, KP_XLSX_MAX_PART >> 20);
        return -1;
    }
    zip_file_t *zf = zip_fopen_index(r->za, (zip_uint64_t)i, 0);
    if (!zf) {
        fail(r, "cannot read %s in the workbook: %s", path, zip_strerror(r->za));
        return -1;
    }
    r->xp = XML_ParserCreate("UTF-8");
    XML_SetUserData(r->xp, r);
    XML_SetElementHandler(r->xp, start, end);
    XML_SetCharacterDataHandler(r->xp, chars);
    r->part = path;
    r->in_si = r->in_t = r->in_rph = r->in_xfs = r->in_v = r->in_is = r->in_c = 0;
    buf_reset(&r->text);
    static char chunk[65536];
    long long total = 0;
    for (;;) {
        zip_int64_t n = zip_fread(zf, chunk, sizeof chunk);
        if (n < 0) {
            fail(r, "cannot read %s in the workbook: %s", path, zip_file_strerror(zf));
            break;
        }
        total += n;
        if (total > KP_XLSX_MAX_PART) {
            fail(r, "%s is over %ld MiB once uncompressed: refused", path,
                 KP_XLSX_MAX_PART >> 20);
            break;
        }
        if (XML_Parse(r->xp, chunk, (int)n, n == 0) == XML_STATUS_ERROR) {
            if (!r->err && !r->stopped)
                fail(r, "%s in the workbook: bad XML at its line %lu: %s", path,
                     (unsigned long)XML_GetCurrentLineNumber(r->xp),
                     XML_ErrorString(XML_GetErrorCode(r->xp)));
            break;
        }
        if (n == 0 || r->err || r->stopped)
            break;
    }
    zip_fclose(zf);
    XML_ParserFree(r->xp);
    r->xp = NULL;
    return r->err ? -1 : 0;
}

/* ---- workbook.xml, its rels ---- */

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct kp_xlsxread *r = ud;
    const char *n = local(name);
    if (strcmp(n, "sheet") == 0) {
        const char *nm = attr(a, "name"), *id = attr(a, "id");
        r->sname = xrealloc(r->sname, (r->nsheet + 1) * sizeof *r->sname);
        r->srid = xrealloc(r->srid, (r->nsheet + 1) * sizeof *r->srid);
        r->sname[r->nsheet] = xstrdup(nm ? nm : "");
        r->srid[r->nsheet] = xstrdup(id ? id : "");
        r->nsheet++;
    } else if (strcmp(n, "workbookPr") == 0) {
        const char *d = attr(a, "date1904");
        r->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
    }
}

static void XMLCALL rel_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct kp_xlsxread *r = ud;
    if (strcmp(local(name), "Relationship") != 0)
        return;
    const char *id = attr(a, "Id"), *target = attr(a, "Target"), *type = attr(a, "Type");
    if (!id || !target)
        return;
    r->rid = xrealloc(r->rid, (r->nrel + 1) * sizeof *r->rid);
    r->rtarget = xrealloc(r->rtarget, (r->nrel + 1) * sizeof *r->rtarget);
    r->rtype = xrealloc(r->rtype, (r->nrel + 1) * sizeof *r->rtype);
    r->rid[r->nrel] = xstrdup(id);
    /* Relative to xl/, or absolute within the package. */
    r->rtarget[r->nrel] = target[0] == '/' ? xstrdup(target + 1) : xasprintf("xl/%s", target);
    const char *slash = type ? strrchr(type, '/') : NULL;
    r->rtype[r->nrel] = xstrdup(slash ? slash + 1 : "");
    r->nrel++;
}

static void XMLCALL no_end(void *ud, const XML_Char *name)
{
    (void)ud, (void)name;
}

static const char *rel_of_type(const struct kp_xlsxread *r, const char *type, const char *dflt)
{
    for (size_t i = 0; i < r->nrel; i++)
        if (strcmp(r->rtype[i], type) == 0)
            return r->rtarget[i];
    return dflt;
}

/* ---- sharedStrings.xml ---- */

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct kp_xlsxread *r = ud;
    const char *n = local(name);
    (void)a;
    if (strcmp(n, "si") == 0) {
        r->in_si = 1;
        buf_reset(&r->text);
        buf_adds(&r->text, "");
    } else if (strcmp(n, "rPh") == 0) {
        r->in_rph++;
    } else if (strcmp(n, "t") == 0 && r->in_si) {
        r->in_t = 1;
    }
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    struct kp_xlsxread *r = ud;
    const char *n = local(name);
    if (strcmp(n, "t") == 0) {
        r->in_t = 0;
    } else if (strcmp(n, "rPh") == 0) {
        r->in_rph -= r->in_rph > 0;
    } else if (strcmp(n, "si") == 0 && r->in_si) {
        xgrow(&r->sst, &r->sstcap, r->nsst + 1, sizeof *r->sst);
        r->sst[r->nsst++] = xstrndup(r->text.s ? r->text.s : "", r->text.len);
        r->in_si = 0;
        buf_reset(&r->text);
    }
}

/* ---- styles.xml: which cell styles are dates ---- */

/* A custom number format's kind: a date when d, y, or m (not as minutes:
 * without h and s) appears outside quotes, brackets and escapes. */
static enum kind code_kind(const char *s)
{
    int d = 0, m = 0, y = 0, hs = 0;
    for (; *s && *s != ';'; s++) {
        char c = *s;
        if (c == '"') {
            while (s[1] && s[1] != '"')
                s++;
            if (s[1])
                s++;
        } else if (c == '[') {
            while (s[1] && s[1] != ']')
                s++;
            if (s[1])
                s++;
        } else if (c == '\\' || c == '_' || c == '*') {
            if (s[1])
                s++;
        } else if (c == 'd' || c == 'D') {
            d = 1;
        } else if (c == 'm' || c == 'M') {
            m = 1;
        } else if (c == 'y' || c == 'Y' || c == 'e') {
            y |= c != 'e';
        } else if (c == 'h' || c == 'H' || c == 's' || c == 'S') {
            hs = 1;
        }
    }
    if (!d && !y && !(m && !hs))
        return K_NUMBER;
    return d ? K_DATE : K_MONTH;
}

static enum kind fmt_kind(const struct kp_xlsxread *r, long id)
{
    for (size_t i = 0; i < r->nfmt; i++)
        if (r->fmtid[i] == id)
            return code_kind(r->fmtcode[i]);
    if (id == 17)
        return K_MONTH; /* mmm-yy */
    return (id >= 14 && id <= 22) || (id >= 45 && id <= 47) ? K_DATE : K_NUMBER;
}

static void XMLCALL sty_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct kp_xlsxread *r = ud;
    const char *n = local(name);
    if (strcmp(n, "numFmt") == 0) {
        const char *id = attr(a, "numFmtId"), *code = attr(a, "formatCode");
        long v;
        if (!id || !code || parse_long(id, &v) != 0)
            return;
        r->fmtid = xrealloc(r->fmtid, (r->nfmt + 1) * sizeof *r->fmtid);
        r->fmtcode = xrealloc(r->fmtcode, (r->nfmt + 1) * sizeof *r->fmtcode);
        r->fmtid[r->nfmt] = v;
        r->fmtcode[r->nfmt++] = xstrdup(code);
    } else if (strcmp(n, "cellXfs") == 0) {
        r->in_xfs = 1;
    } else if (strcmp(n, "xf") == 0 && r->in_xfs) {
        const char *id = attr(a, "numFmtId");
        long v = 0;
        if (!id || parse_long(id, &v) != 0)
            v = 0;
        xgrow(&r->xfkind, &r->xfcap, r->nxf + 1, 1);
        r->xfkind[r->nxf++] = (unsigned char)fmt_kind(r, v);
    }
}

static void XMLCALL sty_end(void *ud, const XML_Char *name)
{
    struct kp_xlsxread *r = ud;
    if (strcmp(local(name), "cellXfs") == 0)
        r->in_xfs = 0;
}

/* ---- the sheet ---- */

static void row_error(struct kp_xlsxread *r, long col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void row_error(struct kp_xlsxread *r, long col, const char *fmt, ...)
{
    if (r->rowerr)
        return;
    va_list ap;
    va_start(ap, fmt);
    r->rowerr = xvasprintf(fmt, ap);
    va_end(ap);
    r->errcol = col;
}

static void clear_row(struct kp_xlsxread *r)
{
    for (size_t i = 0; i < r->ncell; i++) {
        free(r->cell[i]);
        r->cell[i] = NULL;
    }
    r->ncell = 0;
    r->rowbytes = 0;
    free(r->rowerr);
    r->rowerr = NULL;
    r->errcol = 0;
}

/* "C17" -> column 3 (and the row, unused). 0 when it is not a reference. */
static long ref_col(const char *s)
{
    long c = 0;
    for (; *s >= 'A' && *s <= 'Z'; s++) {
        c = c * 26 + (*s - 'A' + 1);
        if (c > KP_XLSX_MAX_COLS)
            return -1;
    }
    return c;
}

static void deliver(struct kp_xlsxread *r)
{
    if (r->stopped)
        return;
    size_t last = 0;
    for (size_t i = 0; i < r->ncell; i++)
        if (r->cell[i] && *r->cell[i])
            last = i + 1;
    if (!last && !r->rowerr)
        return; /* an empty row, as an empty line in a CSV file */
    if (!r->have_header) {
        r->have_header = 1;
        r->width = last;
    }
    size_t n = last > r->width ? last : r->width;
    char **f = xcalloc(n ? n : 1, sizeof *f);
    struct kp_buf raw = {0};
    buf_adds(&raw, "");
    for (size_t i = 0; i < n; i++) {
        f[i] = i < r->ncell && r->cell[i] ? r->cell[i] : "";
        if (i)
            buf_addc(&raw, ',');
        if (raw.len > KP_CSV_MAX_RAW)
            continue;
        if (strpbrk(f[i], ",\"\n\r")) {
            buf_addc(&raw, '"');
            for (const char *p = f[i]; *p; p++) {
                if (*p == '"')
                    buf_addc(&raw, '"');
                buf_addc(&raw, *p);
            }
            buf_addc(&raw, '"');
        } else {
            buf_adds(&raw, f[i]);
        }
    }
    if (raw.len > KP_CSV_MAX_RAW) {
        raw.len = utf8_prefix(raw.s, raw.len, KP_CSV_MAX_RAW);
        raw.s[raw.len] = 0;
        buf_adds(&raw, "…");
    }
    struct kp_csvrec rec = {0};
    rec.line = r->row;
    rec.raw = raw.s;
    rec.sheet = r->sheet;
    if (r->rowerr) {
        rec.error = r->rowerr;
        rec.col = r->errcol;
    } else {
        rec.field = f;
        rec.nfield = n;
    }
    r->fn(r->ctx, &rec);
    free(f);
    buf_free(&raw);
}

/* Excel serial -> ISO date text. 0, or -1 (out of range), -2 (serial 60 in
 * the 1900 system). */
static int serial_date(const struct kp_xlsxread *r, double v, enum kind k, char out[16])
{
    if (!(v >= 0 && v < 2958466)) /* 9999-12-31 */
        return -1;
    long s = (long)floor(v), days;
    if (r->date1904) {
        days = s - 24107;
    } else {
        if (s == 60)
            return -2;
        if (s < 1)
            return -1;
        days = s < 60 ? s - 25568 : s - 25569;
    }
    field_date(days, out);
    if (k == K_MONTH)
        out[7] = 0;
    return 0;
}

static char *trimmed(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return xstrndup(s, n);
}

static void end_cell(struct kp_xlsxread *r)
{
    const char *v = r->text.s ? r->text.s : "";
    size_t len = r->text.len;
    long col = r->col;
    if (col <= 0) {
        row_error(r, 0, "a cell beyond column XFD");
        return;
    }
    if (len > KP_CSV_MAX_FIELD) {
        row_error(r, col, "a cell over %d bytes", KP_CSV_MAX_FIELD);
        return;
    }
    char *val = NULL;
    const char *t = r->ctype;
    if (strcmp(t, "s") == 0) {
        long i;
        if (!len)
            return;
        if (parse_long(v, &i) != 0 || i < 0 || (size_t)i >= r->nsst) {
            char *sh = field_shown(v);
            row_error(r, col, "a shared string index \"%s\" that is not in the workbook", sh);
            free(sh);
            return;
        }
        val = trimmed(r->sst[i], strlen(r->sst[i]));
    } else if (strcmp(t, "inlineStr") == 0 || strcmp(t, "str") == 0) {
        val = trimmed(v, len);
    } else if (strcmp(t, "b") == 0) {
        if (!len)
            return;
        if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0) {
            row_error(r, col, "a bad boolean cell");
            return;
        }
        val = xstrdup(*v == '1' ? "TRUE" : "FALSE");
    } else if (strcmp(t, "e") == 0) {
        char *s = field_shown(v);
        row_error(r, col, "the cell holds the Excel error %s", s);
        free(s);
        return;
    } else if (strcmp(t, "d") == 0) {
        const char *T = memchr(v, 'T', len);
        val = trimmed(v, T ? (size_t)(T - v) : len);
    } else {
        if (!len)
            return;
        enum kind k = r->cstyle >= 0 && (size_t)r->cstyle < r->nxf ? r->xfkind[r->cstyle]
                                                                     : K_NUMBER;
        double d;
        if (k != K_NUMBER && parse_double(v, &d) == 0) {
            char iso[16];
            int e = serial_date(r, d, k, iso);
            if (e == -2) {
                row_error(r, col, "the date 29 Feb 1900 (Excel's serial 60, a day that never was)");
                return;
            }
            if (e) {
                row_error(r, col, "a date serial %s out of range", v);
                return;
            }
            val = xstrdup(iso);
        } else {
            val = trimmed(v, len);
        }
    }
    r->rowbytes += (long)strlen(val);
    if (r->rowbytes > KP_CSV_MAX_RECORD) {
        free(val);
        row_error(r, col, "a row over %ld bytes", KP_CSV_MAX_RECORD);
        return;
    }
    if ((size_t)col > r->ncell) {
        xgrow(&r->cell, &r->cellcap, (size_t)col, sizeof *r->cell);
        for (size_t i = r->ncell; i < (size_t)col; i++)
            r->cell[i] = NULL;
        r->ncell = (size_t)col;
    }
    free(r->cell[col - 1]);
    r->cell[col - 1] = val;
}

static void XMLCALL sh_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct kp_xlsxread *r = ud;
    const char *n = local(name);
    if (strcmp(n, "row") == 0) {
        clear_row(r);
        const char *rr = attr(a, "r");
        long v;
        r->row = rr && parse_long(rr, &v) == 0 && v > r->lastrow ? v : r->lastrow + 1;
        r->lastrow = r->row;
        r->col = 0;
    } else if (strcmp(n, "c") == 0) {
        const char *ref = attr(a, "r"), *t = attr(a, "t"), *s = attr(a, "s");
        r->col = ref ? ref_col(ref) : r->col + 1;
        if (r->col == 0)
            r->col = -1; /* a reference without a column */
        if (r->col > KP_XLSX_MAX_COLS)
            r->col = -1;
        snprintf(r->ctype, sizeof r->ctype, "%s", t ? t : "n");
        long sv;
        r->cstyle = s && parse_long(s, &sv) == 0 ? sv : 0;
        r->in_c = 1;
        buf_reset(&r->text);
    } else if (r->in_c && strcmp(n, "v") == 0) {
        r->in_v = 1;
    } else if (r->in_c && strcmp(n, "is") == 0) {
        r->in_is = 1;
    } else if (r->in_is && strcmp(n, "rPh") == 0) {
        r->in_rph++;
    } else if (r->in_is && strcmp(n, "t") == 0) {
        r->in_t = 1;
    }
}

static void XMLCALL sh_end(void *ud, const XML_Char *name)
{
    struct kp_xlsxread *r = ud;
    const char *n = local(name);
    if (strcmp(n, "v") == 0) {
        r->in_v = 0;
    } else if (strcmp(n, "t") == 0) {
        r->in_t = 0;
    } else if (strcmp(n, "rPh") == 0) {
        r->in_rph -= r->in_rph > 0;
    } else if (strcmp(n, "is") == 0) {
        r->in_is = 0;
    } else if (strcmp(n, "c") == 0 && r->in_c) {
        r->in_c = 0;
        if (r->col < 0)
            row_error(r, 0, "a cell beyond column XFD");
        else
            end_cell(r);
        r->col = r->col < 0 ? KP_XLSX_MAX_COLS : r->col;
    } else if (strcmp(n, "row") == 0) {
        deliver(r);
        clear_row(r);
    }
}

/* ---- the whole workbook ---- */

static const char *read_workbook(struct kp_xlsxread *r)
{
    const unsigned char *b = (const unsigned char *)r->file.s;
    if (r->too_big)
        return "the workbook is over 256 MiB: refused";
    if (r->file.len >= 4 && memcmp(b, "\xD0\xCF\x11\xE0", 4) == 0)
        return "a legacy Excel .xls workbook: save it as .xlsx or CSV";
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(r->file.s ? r->file.s : "", r->file.len, 0, &ze);
    if (src)
        r->za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!r->za) {
        if (src)
            zip_source_free(src);
        zip_error_fini(&ze);
        return "not an .xlsx workbook (not a zip archive): save it as .xlsx or CSV";
    }
    zip_error_fini(&ze);
    if (parse_part(r, "xl/workbook.xml", 1, wb_start, no_end) < 0 ||
        parse_part(r, "xl/_rels/workbook.xml.rels", 1, rel_start, no_end) < 0)
        return r->err;
    if (!r->nsheet)
        return "the workbook has no sheet";
    size_t k = 0;
    if (r->want) {
        while (k < r->nsheet && strcmp(r->sname[k], r->want) != 0)
            k++;
        if (k == r->nsheet) {
            struct kp_buf names = {0};
            for (size_t i = 0; i < r->nsheet; i++)
                buf_printf(&names, "%s\"%s\"", i ? ", " : "", r->sname[i]);
            fail(r, "no sheet named \"%s\" ([input] sheet; the sheets: %s)", r->want, names.s);
            buf_free(&names);
            return r->err;
        }
    }
    r->sheet = r->sname[k];
    const char *path = NULL;
    for (size_t i = 0; i < r->nrel; i++)
        if (strcmp(r->rid[i], r->srid[k]) == 0)
            path = r->rtarget[i];
    if (!path) {
        fail(r, "not an .xlsx workbook: sheet \"%s\" has no part", r->sheet);
        return r->err;
    }
    if (parse_part(r, rel_of_type(r, "sharedStrings", "xl/sharedStrings.xml"), 0, sst_start,
                   sst_end) < 0 ||
        parse_part(r, rel_of_type(r, "styles", "xl/styles.xml"), 0, sty_start, sty_end) < 0)
        return r->err;
    if (parse_part(r, path, 1, sh_start, sh_end) < 0)
        return r->err;
    return NULL;
}

const char *xlsxread_end(struct kp_xlsxread *r)
{
    if (r->stopped)
        return NULL;
    const char *e = read_workbook(r);
    if (r->stopped)
        return NULL;
    return e;
}

void xlsxread_free(struct kp_xlsxread *r)
{
    if (!r)
        return;
    if (r->za)
        zip_close(r->za);
    clear_row(r);
    free(r->cell);
    free(r->want);
    free(r->err);
    buf_free(&r->file);
    buf_free(&r->text);
    strv_free(r->sname, r->nsheet);
    strv_free(r->srid, r->nsheet);
    strv_free(r->rid, r->nrel);
    strv_free(r->rtarget, r->nrel);
    strv_free(r->rtype, r->nrel);
    strv_free(r->sst, r->nsst);
    strv_free(r->fmtcode, r->nfmt);
    free(r->fmtid);
    free(r->xfkind);
    free(r);
}

/* ---- a CSV or an .xlsx file ---- */

struct kp_tabread {
    struct kp_csvread *csv;
    struct kp_xlsxread *xlsx;
    char *sheet;
    kp_csv_fn fn;
    void *ctx;
    int decided;
    unsigned char head[4];
    size_t nhead;
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && str_ieq(s + n - m, suffix);
}

struct kp_tabread *tabread_new(const char *name, const char *encoding, char delim,
                               const char *sheet, kp_csv_fn fn, void *ctx, char **err)
{
    struct kp_csvread *csv = csvread_new(encoding, delim, fn, ctx, err);
    if (!csv)
        return NULL;
    struct kp_tabread *t = xcalloc(1, sizeof *t);
    t->csv = csv;
    t->sheet = sheet ? xstrdup(sheet) : NULL;
    t->fn = fn;
    t->ctx = ctx;
    if (name && (ends_with(name, ".xlsx") || ends_with(name, ".xls"))) {
        t->xlsx = xlsxread_new(sheet, fn, ctx);
        t->decided = 1;
    }
    return t;
}

/* On the first bytes: a zip ("PK\3\4") or an OLE file (a legacy .xls) goes to
 * the workbook reader, anything else to the CSV one. */
static void decide(struct kp_tabread *t)
{
    t->decided = 1;
    if ((t->nhead == 4 && memcmp(t->head, "PK\3\4", 4) == 0) ||
        (t->nhead == 4 && memcmp(t->head, "\xD0\xCF\x11\xE0", 4) == 0)) {
        t->xlsx = xlsxread_new(t->sheet, t->fn, t->ctx);
        xlsxread_feed(t->xlsx, t->head, t->nhead);
    } else {
        csvread_feed(t->csv, t->head, t->nhead);
    }
}

void tabread_feed(struct kp_tabread *t, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    while (!t->decided && n) {
        t->head[t->nhead++] = *p++;
        n--;
        if (t->nhead == 4)
            decide(t);
    }
    if (!n)
        return;
    if (t->xlsx)
        xlsxread_feed(t->xlsx, p, n);
    else
        csvread_feed(t->csv, p, n);
}

const char *tabread_end(struct kp_tabread *t)
{
    if (!t->decided)
        decide(t);
    if (t->xlsx)
        return xlsxread_end(t->xlsx);
    csvread_end(t->csv);
    return NULL;
}

void tabread_stop(struct kp_tabread *t)
{
    csvread_stop(t->csv);
    if (t->xlsx)
        xlsxread_stop(t->xlsx);
}

void tabread_free(struct kp_tabread *t)
{
    if (!t)
        return;
    csvread_free(t->csv);
    xlsxread_free(t->xlsx);
    free(t->sheet);
    free(t);
}
