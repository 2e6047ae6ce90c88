/* Unit tests for xlsxread: workbooks built here with libzip from XML parts
 * (the way Excel and other writers lay them out), read whole and one byte at
 * a time: shared strings with runs and phonetic runs, inline strings,
 * booleans, formula text, error cells, dates by built-in and custom formats
 * (serial 60, the 1904 system, YYYY-MM when the format shows no day), cells
 * placed by their reference, the sheet order from workbook.xml and its rels,
 * a sheet by name, and what is refused: not a zip, a legacy .xls, a missing
 * part or sheet, a cell beyond XFD. */
#include "unit.h"

#include "xlsxread.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

/* A zip of the parts (name, text, name, text, …, NULL), as bytes. */
static char *make_zip(size_t *len, const char *const *parts)
{
    char path[] = "/tmp/kp-xlsxread-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int err;
    zip_t *za = zip_open(path, ZIP_TRUNCATE, &err);
    assert_non_null(za);
    for (size_t i = 0; parts[i]; i += 2) {
        zip_source_t *s = zip_source_buffer(za, parts[i + 1], strlen(parts[i + 1]), 0);
        assert_non_null(s);
        assert_true(zip_file_add(za, parts[i], s, ZIP_FL_ENC_UTF_8) >= 0);
    }
    assert_int_equal(zip_close(za), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct kp_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    unlink(path);
    *len = b.len;
    return buf_steal(&b);
}

/* Every record as "ROW:f1|f2|…" or "ROW!COL!error", then "end:ERROR". */
static void dump(void *ctx, const struct kp_csvrec *rec)
{
    struct kp_buf *b = ctx;
    assert_non_null(rec->sheet);
    if (rec->error) {
        buf_printf(b, "%ld!%ld!%s\n", rec->line, rec->col, rec->error);
        return;
    }
    buf_printf(b, "%ld:", rec->line);
    for (size_t i = 0; i < rec->nfield; i++)
        buf_printf(b, "%s%s", i ? "|" : "", rec->field[i]);
    buf_addc(b, '\n');
}

static char *read_bytes(const char *s, size_t n, const char *sheet, size_t chunk)
{
    struct kp_buf b = {0};
    buf_adds(&b, "");
    struct kp_xlsxread *r = xlsxread_new(sheet, dump, &b);
    for (size_t i = 0; i < n; i += chunk)
        xlsxread_feed(r, s + i, n - i < chunk ? n - i : chunk);
    const char *e = xlsxread_end(r);
    buf_printf(&b, "end:%s", e ? e : "");
    xlsxread_free(r);
    return buf_steal(&b);
}

/* Read whole and byte by byte: the same. */
static char *read_parts(const char *const *parts, const char *sheet)
{
    size_t n;
    char *z = make_zip(&n, parts);
    char *whole = read_bytes(z, n, sheet, n ? n : 1);
    char *bytes = read_bytes(z, n, sheet, 1);
    assert_string_equal(whole, bytes);
    free(bytes);
    free(z);
    return whole;
}

#define WB(sheets, pr)                                                                             \
    "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"     \
    "2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"                  \
    "relationships\">" pr "<sheets>" sheets "</sheets></workbook>"
#define RELS(rels)                                                                                 \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" rels  \
    "</Relationships>"
#define REL(id, type, target)                                                                      \
    "<Relationship Id=\"" id "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"    \
    "relationships/" type "\" Target=\"" target "\"/>"
#define SHEET(rows) "<worksheet><sheetData>" rows "</sheetData></worksheet>"

static const char styles[] =
    "<styleSheet><numFmts count=\"3\"><numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"0.0&quot; days&quot;\"/>"
    "<numFmt numFmtId=\"166\" formatCode=\"[$-409]d/m/yyyy;[Red]0\"/></numFmts>"
    "<cellStyleXfs><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>"
    "<xf numFmtId=\"165\"/><xf numFmtId=\"166\"/><xf numFmtId=\"4\"/></cellXfs></styleSheet>";

static void test_cells(void **state)
{
    (void)state;
    const char *const parts[] = {
        "xl/workbook.xml", WB("<sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/>", ""),
        "xl/_rels/workbook.xml.rels",
        RELS(REL("rId1", "worksheet", "worksheets/sheet1.xml")
                 REL("rId2", "sharedStrings", "sharedStrings.xml")
                     REL("rId3", "styles", "styles.xml")),
        "xl/sharedStrings.xml",
        "<sst><si><t>rep_id</t></si><si><r><t>赵</t></r><r><rPr/><t xml:space=\"preserve\">勇 "
        "</t></r><rPh><t>ちょう</t></rPh></si><si><t>when</t></si></sst>",
        "xl/styles.xml", styles, "xl/worksheets/sheet1.xml",
        SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>2</v></c>"
              "<c r=\"D1\" t=\"inlineStr\"><is><t>d</t></is></c></row>"
              "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>1</v></c><c r=\"B3\" s=\"1\"><v>45382.75</v></c>"
              "<c r=\"C3\" t=\"b\"><v>1</v></c><c r=\"D3\" t=\"str\"><f>A1</f><v>x</v></c></row>"
              "<row r=\"4\"><c r=\"A4\" s=\"2\"><v>46113</v></c><c r=\"B4\" s=\"3\"><v>4.5</v></c>"
              "<c r=\"C4\" s=\"4\"><v>59</v></c><c r=\"D4\" s=\"5\"><v>1200.5</v></c>"
              "<c r=\"F4\" s=\"1\"/></row>"
              "<row r=\"5\"><c r=\"A5\" s=\"1\"><v>61</v></c><c r=\"B5\" s=\"1\"><v>1</v></c></row>"
              "<row r=\"6\"><c r=\"A6\"><v>1</v></c><c r=\"B6\" s=\"1\"><v>60</v></c></row>"
              "<row r=\"7\"><c r=\"C7\" t=\"e\"><v>#N/A</v></c></row>"
              "<row r=\"8\"><c r=\"A8\" t=\"s\"><v>9</v></c></row>"
              "<row r=\"9\"><c r=\"XFE9\"><v>1</v></c></row>"
              "<row r=\"10\"><c r=\"A10\"><v></v></c></row>"
              "<row r=\"11\"><c r=\"F11\"><v>7</v></c></row>"),
        NULL};
    char *got = read_parts(parts, NULL);
    assert_string_equal(got, "1:rep_id|when||d\n"
                             "3:赵勇|2024-03-31|TRUE|x\n"
                             "4:2026-04|4.5|1900-02-28|1200.5\n"
                             "5:1900-03-01|1900-01-01||\n"
                             "6!2!the date 29 Feb 1900 (Excel's serial 60, a day that never was)\n"
                             "7!3!the cell holds the Excel error #N/A\n"
                             "8!1!a shared string index \"9\" that is not in the workbook\n"
                             "9!0!a cell beyond column XFD\n"
                             "11:|||||7\n"
                             "end:");
    free(got);
}

static const char *const two_sheets[] = {
    "xl/workbook.xml",
    WB("<sheet name=\"说明\" sheetId=\"2\" r:id=\"rId2\"/><sheet name=\"名单\" sheetId=\"1\" "
       "r:id=\"rId1\"/>",
       "<workbookPr date1904=\"1\"/>"),
    "xl/_rels/workbook.xml.rels",
    RELS(REL("rId1", "worksheet", "worksheets/sheet1.xml")
             REL("rId2", "worksheet", "/xl/worksheets/sheet2.xml")
                 REL("rId3", "styles", "styles.xml")),
    "xl/styles.xml", styles,
    "xl/worksheets/sheet1.xml",
    SHEET("<row><c t=\"inlineStr\"><is><t>a</t></is></c><c s=\"1\"><v>0</v></c></row>"),
    "xl/worksheets/sheet2.xml", SHEET("<row r=\"2\"><c r=\"B2\"><v>notes</v></c></row>"), NULL};

static void test_sheets(void **state)
{
    (void)state;
    char *got = read_parts(two_sheets, NULL); /* the first in workbook.xml */
    assert_string_equal(got, "2:|notes\nend:");
    free(got);
    got = read_parts(two_sheets, "名单"); /* by name; 1904: serial 0 is 1904-01-01 */
    assert_string_equal(got, "1:a|1904-01-01\nend:");
    free(got);
    got = read_parts(two_sheets, "Data");
    assert_string_equal(got, "end:no sheet named \"Data\" ([input] sheet; the sheets: \"说明\", "
                             "\"名单\")");
    free(got);
}

static void test_refused(void **state)
{
    (void)state;
    const char csv[] = "rep_id,name\nR1,A\n";
    char *got = read_bytes(csv, sizeof csv - 1, NULL, 4);
    assert_string_equal(got, "end:not an .xlsx workbook (not a zip archive): save it as .xlsx "
                             "or CSV");
    free(got);
    const char ole[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 more";
    got = read_bytes(ole, sizeof ole - 1, NULL, 3);
    assert_string_equal(got, "end:a legacy Excel .xls workbook: save it as .xlsx or CSV");
    free(got);
    const char *const no_wb[] = {"docProps/app.xml", "<x/>", NULL};
    got = read_parts(no_wb, NULL);
    assert_string_equal(got, "end:not an .xlsx workbook: it has no xl/workbook.xml");
    free(got);
    const char *const bad_xml[] = {
        "xl/workbook.xml", WB("<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>", ""),
        "xl/_rels/workbook.xml.rels", RELS(REL("rId1", "worksheet", "worksheets/s.xml")),
        "xl/worksheets/s.xml", "<worksheet><sheetData><row><c><v>1</v></row>", NULL};
    got = read_parts(bad_xml, NULL);
    assert_string_equal(got, "end:xl/worksheets/s.xml in the workbook: bad XML at its line "
                             "1: mismatched tag");
    free(got);
}

static void test_cell_name(void **state)
{
    (void)state;
    char s[24];
    xlsx_cell_name(1, 17, s, sizeof s);
    assert_string_equal(s, "A17");
    xlsx_cell_name(28, 5, s, sizeof s);
    assert_string_equal(s, "AB5");
    xlsx_cell_name(16384, 1, s, sizeof s);
    assert_string_equal(s, "XFD1");
}

UNIT_MAIN(cmocka_unit_test(test_cells), cmocka_unit_test(test_sheets),
          cmocka_unit_test(test_refused), cmocka_unit_test(test_cell_name))
