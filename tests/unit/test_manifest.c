/* Unit tests for manifest (SHA256SUMS, manifest.json, shards, reading back),
 * the provenance it takes from the meta (record.c: "inputs"), the hashing
 * helpers (hash.c) and the content-derived PDF /ID (pdf.c: pdf_add_id). */
#include "unit.h"

#include "diag.h"
#include "hash.h"
#include "manifest.h"
#include "model.h"
#include "pdf.h"
#include "record.h"
#include "sys.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *dir, const char *name)
{
    char *p = path_join(dir, name), *data = NULL;
    size_t len;
    int err = sys_read_file(p, &data, &len);
    free(p);
    return err ? NULL : data;
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char *p = path_join(dir, name);
    char *d = path_dir(p);
    assert_int_equal(sys_mkdirs(d), 0);
    assert_int_equal(sys_write_atomic(p, text, strlen(text)), 0);
    free(p), free(d);
}

/* A fresh folder in the test's private temporary folder. */
static char *fresh_dir(const char *tag)
{
    static int n;
    char *name = xasprintf("%s-%d", tag, n++);
    char *d = path_join(sys_tmpdir(), name);
    free(name);
    assert_int_equal(sys_mkdirs(d), 0);
    return d;
}

static void test_hash(void **state)
{
    (void)state;
    char hex[KP_SHA256_HEX];
    hash_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    struct kp_hasher *h = hash_begin();
    hash_update(h, "a", 1);
    hash_update(h, "", 0);
    hash_update(h, "bc", 2);
    unsigned char d[32];
    hash_end(h, d);
    char hex2[KP_SHA256_HEX];
    hash_to_hex(d, hex2);
    assert_string_equal(hex, hex2);
    char *dir = fresh_dir("hash");
    put_file(dir, "abc.txt", "abc");
    char *p = path_join(dir, "abc.txt");
    long long size = 0;
    assert_int_equal(hash_file_hex(p, hex2, &size), 0);
    assert_string_equal(hex, hex2);
    assert_int_equal(size, 3);
    free(p), free(dir);
}

/* A minimal PDF as libharu lays out its end: xref, trailer, startxref. */
static const char mini_pdf[] = "%PDF-1.3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
                               "xref\n0 2\n0000000000 65535 f\r\n0000000009 00000 n\r\n"
                               "trailer\n<<\n/Root 1 0 R\n/Size 2\n>>\nstartxref\n44\n%%EOF\n";

static void test_pdf_id(void **state)
{
    (void)state;
    size_t n = strlen(mini_pdf), m = 0;
    char hex[KP_SHA256_HEX];
    hash_sha256_hex(mini_pdf, n, hex);
    char *out = pdf_add_id(mini_pdf, n, &m);
    assert_non_null(out);
    char *want = xasprintf("trailer\n<<\n/ID [<%.32s><%.32s>]\n/Root 1 0 R\n", hex, hex);
    assert_non_null(strstr(out, want));
    assert_int_equal(m, n + 75);
    /* Everything before the trailer (every object offset, the xref) and the
     * startxref value are unchanged. */
    size_t at = (size_t)(strstr(mini_pdf, "trailer") - mini_pdf);
    assert_memory_equal(out, mini_pdf, at + 10);
    assert_memory_equal(out + m - 27, mini_pdf + n - 27, 27);
    /* Same bytes, same /ID; a trailer with an /ID, or none, is left alone. */
    size_t m2;
    char *again = pdf_add_id(mini_pdf, n, &m2);
    assert_memory_equal(out, again, m);
    assert_null(pdf_add_id(out, m, &m2));
    assert_null(pdf_add_id("%PDF-1.3\nno trailer here\n", 25, &m2));
    free(out), free(again), free(want);
}

static void make_meta(struct kp_meta *m, int with_inputs)
{
    memset(m, 0, sizeof *m);
    m->tool_version = xstrdup("0.1.0");
    m->label = xstrdup("2026-Q2");
    month_parse("2026-04", &m->from);
    month_parse("2026-06", &m->to);
    m->m0 = m->from;
    m->nmonths = 3;
    date_parse("2026-06-30", &m->as_of);
    m->doc_date = m->as_of;
    m->org_name = xstrdup("Acme Corp");
    m->kpis = xcalloc(1, sizeof *m->kpis);
    m->kpis[0] = xstrdup("attainment");
    m->nkpis = 1;
    m->cols = xcalloc(1, sizeof *m->cols);
    m->cols[0] = xstrdup("revenue");
    m->ncols = 1;
    m->config_hash = xstrdup("c0ffee");
    if (!with_inputs)
        return;
    struct kp_data d;
    memset(&d, 0, sizeof d);
    struct kp_input_file f[2] = {
        {.name = "in/dir/roster.csv", .size = 120, .rows = 3, .used = 3},
        {.name = "metrics.csv", .size = 999, .rows = 9, .used = 8, .rejected = 1}};
    f[0].hashed = 1;
    memset(f[0].sha256, 0xab, 32);
    d.inputs = f;
    d.ninputs = 2;
    meta_set_inputs(m, &d);
}

static void test_meta_inputs(void **state)
{
    (void)state;
    struct kp_meta m, back;
    make_meta(&m, 1);
    assert_string_equal(m.inputs[0].name, "roster.csv");
    struct kp_buf b = {0}, b2 = {0};
    meta_write_json(&m, &b);
    const char *want = ",\"config_sha256\":\"c0ffee\",\"inputs\":[{\"name\":\"roster.csv\","
                       "\"size\":120,\"sha256\":\"abababababababababababababababababababababab"
                       "abababababababababab\",\"rows\":3,\"used\":3,\"rejected\":0},"
                       "{\"name\":\"metrics.csv\",\"size\":999,\"sha256\":null,\"rows\":9,"
                       "\"used\":8,\"rejected\":1}]}";
    assert_non_null(strstr(b.s, want));
    char err[200];
    assert_int_equal(meta_read_json(b.s, &back, err, sizeof err), 0);
    assert_int_equal(back.ninputs, 2);
    assert_string_equal(back.inputs[1].name, "metrics.csv");
    assert_null(back.inputs[1].sha256);
    assert_int_equal(back.inputs[0].size, 120);
    assert_int_equal(back.inputs[1].rejected, 1);
    meta_write_json(&back, &b2);
    assert_string_equal(b.s, b2.s);
    meta_free(&back);
    meta_free(&m);
    /* No inputs: no key (older results.json files read as before). */
    make_meta(&m, 0);
    buf_reset(&b);
    meta_write_json(&m, &b);
    assert_null(strstr(b.s, "inputs"));
    meta_free(&m);
    const char *bad = "{\"from\":\"2026-05\",\"to\":\"2026-06\",\"m0\":\"2026-05\",\"nmonths\":2,"
                      "\"kpis\":[],\"cols\":[],\"inputs\":[{\"name\":\"\"}]}";
    assert_int_equal(meta_read_json(bad, &back, err, sizeof err), -1);
    assert_string_equal(err, "meta: \"inputs\"[0] must be {\"name\":s, \"size\":N, \"sha256\":s, "
                             "\"rows\":N, \"used\":N, \"rejected\":N}");
    buf_free(&b), buf_free(&b2);
}

static struct kp_doc_entry doc(const char *path, const char *id, int packet, char fill)
{
    struct kp_doc_entry d = {(char *)path, (char *)id, packet, 2, 1000, ""};
    memset(d.sha256, fill, 64);
    d.sha256[64] = '\0';
    return d;
}

static void test_write(void **state)
{
    (void)state;
    char *dir = fresh_dir("write");
    put_file(dir, "results.csv", "a,b\r\n");
    put_file(dir, "scores.csv", "");
    struct kp_meta m;
    make_meta(&m, 1);
    struct kp_doc_entry docs[] = {doc("reviews/West/R2.pdf", "R2", 0, 'b'),
                                  doc("packets/West.pdf", "West", 1, 'c'),
                                  doc("reviews/East/R1.pdf", "R1", 0, 'a')};
    assert_int_equal(manifest_write(dir, NULL, &m, docs, 3, 0, 0, 1782864000), 0);
    char *sums = slurp(dir, "SHA256SUMS");
    char *want = xasprintf("%s  packets/West.pdf\n"
                           "fbf6b30113a4b6418c623a96ed6844f17ef5751b908a16abaa919d0bcd6b7784  "
                           "results.csv\n"
                           "%s  reviews/East/R1.pdf\n%s  reviews/West/R2.pdf\n"
                           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  "
                           "scores.csv\n",
                           docs[0].sha256, docs[1].sha256, docs[2].sha256);
    assert_string_equal(docs[0].path, "packets/West.pdf"); /* sorted in place */
    assert_int_equal(docs[1].sha256[0], 'a');
    char hex[KP_SHA256_HEX];
    hash_sha256_hex("a,b\r\n", 5, hex);
    assert_string_equal(hex, "fbf6b30113a4b6418c623a96ed6844f17ef5751b908a16abaa919d0bcd6b7784");
    assert_string_equal(sums, want);
    char *js = slurp(dir, "manifest.json");
    assert_non_null(strstr(js, "{\n\"format\": \"kpipress-manifest/1\",\n\"tool\": \"kpipress "));
    assert_non_null(strstr(js, "\n\"time\": \"2026-07-01T00:00:00Z\",\n\"shard\": null,\n"));
    assert_non_null(strstr(js,
                           "\n\"computed_by\": \"kpipress 0.1.0\",\n\"review\": {\"label\":"
                           "\"2026-Q2\",\"from\":\"2026-04\",\"to\":\"2026-06\",\"as_of\":"
                           "\"2026-06-30\",\"doc_date\":\"2026-06-30\",\"org\":\"Acme Corp\"},\n"
                           "\"config\": {\"name\":null,\"sha256\":\"c0ffee\"},\n\"inputs\": [\n"
                           "{\"name\":\"roster.csv\",\"size\":120,"));
    assert_non_null(strstr(js, "\n{\"path\":\"reviews/East/R1.pdf\",\"kind\":\"review\",\"id\":"
                               "\"R1\",\"pages\":2,\"bytes\":1000,\"sha256\":\"aaaa"));
    assert_non_null(strstr(js, "\n\"totals\": {\"documents\":3,\"pages\":6,\"bytes\":3000}\n}\n"));
    json_t *o = json_loads(js, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(o);
    assert_int_equal(json_array_size(json_object_get(o, "tables")), 2);
    json_decref(o);
    free(sums), free(want), free(js), free(dir);
    meta_free(&m);
}

static void test_shards(void **state)
{
    (void)state;
    char *dir = fresh_dir("shards");
    put_file(dir, "results.json", "{}\n");
    struct kp_meta m;
    make_meta(&m, 1);
    struct kp_doc_entry all[] = {doc("reviews/East/R1.pdf", "R1", 0, 'a')};
    assert_int_equal(manifest_write(dir, NULL, &m, all, 1, 0, 0, 0), 0);
    struct kp_doc_entry s1[] = {doc("reviews/West/R2.pdf", "R2", 0, 'b')};
    struct kp_doc_entry s2[] = {doc("packets/West.pdf", "West", 1, 'c')};
    assert_int_equal(manifest_write(dir, NULL, &m, s1, 1, 1, 2, 0), 0);
    /* A shard removes the whole run's files: they describe another run. */
    char *gone = slurp(dir, "manifest.json");
    assert_null(gone);
    struct kp_run run;
    struct kp_buf msgs = {0};
    diag_reset();
    diag_capture(&msgs);
    assert_int_equal(manifest_load(dir, NULL, &run), -1);
    diag_capture(NULL);
    assert_non_null(strstr(msgs.s, "has shard manifests of 2 shards, but not "
                                   "manifest.shard-2-of-2.json: render every shard first"));
    assert_int_equal(manifest_write(dir, NULL, &m, s2, 1, 2, 2, 0), 0);
    char *sums = slurp(dir, "SHA256SUMS.shard-2-of-2");
    char hex[KP_SHA256_HEX];
    hash_sha256_hex("{}\n", 3, hex);
    char *want = xasprintf("%s  packets/West.pdf\n%s  results.json\n", s2[0].sha256, hex);
    assert_string_equal(sums, want);
    assert_int_equal(manifest_load(dir, NULL, &run), 0);
    assert_int_equal(run.ndocs, 2);
    assert_string_equal(run.docs[0].path, "packets/West.pdf");
    assert_int_equal(run.docs[0].packet, 1);
    assert_string_equal(run.docs[1].id, "R2");
    assert_string_equal(run.label, "2026-Q2");
    assert_string_equal(run.from, "2026-04");
    assert_int_equal(run.nfiles, 2);
    assert_true(json_is_null(json_object_get(run.provenance, "shard")));
    assert_null(json_object_get(run.provenance, "documents"));
    manifest_run_free(&run);
    /* One shard's manifest by name. */
    assert_int_equal(manifest_load(dir, "manifest.shard-1-of-2.json", &run), 0);
    assert_int_equal(run.ndocs, 1);
    assert_string_equal(run.docs[0].path, "reviews/West/R2.pdf");
    manifest_run_free(&run);
    /* An unsharded run removes the shard files. */
    assert_int_equal(manifest_write(dir, NULL, &m, all, 1, 0, 0, 0), 0);
    assert_null(slurp(dir, "SHA256SUMS.shard-1-of-2"));
    assert_null(slurp(dir, "manifest.shard-2-of-2.json"));
    free(sums), free(want), free(dir);
    buf_free(&msgs);
    meta_free(&m);
}

static void test_load_errors(void **state)
{
    (void)state;
    char *dir = fresh_dir("bad");
    struct kp_run run;
    struct kp_buf msgs = {0};
    diag_reset();
    diag_capture(&msgs);
    assert_int_equal(manifest_load(dir, NULL, &run), -1);
    put_file(dir, "manifest.json",
             "{\"format\":\"kpipress-manifest/1\",\"review\":{},"
             "\"documents\":[{\"path\":\"../x.pdf\",\"kind\":\"review\","
             "\"id\":\"R1\",\"pages\":1,\"bytes\":1,\"sha256\":\"00\"}]}");
    assert_int_equal(manifest_load(dir, NULL, &run), -1);
    put_file(dir, "manifest.json", "[]");
    assert_int_equal(manifest_load(dir, NULL, &run), -1);
    diag_capture(NULL);
    char *want = xasprintf("kpipress: %s: error: has no manifest.json: run kpipress run or "
                           "render first\n"
                           "kpipress: %s/manifest.json: error: documents[0] is malformed\n"
                           "kpipress: %s/manifest.json: error: not a kpipress manifest (format "
                           "kpipress-manifest/1)\n",
                           dir, dir, dir);
    assert_string_equal(msgs.s, want);
    assert_int_equal(diag_status(), 2);
    diag_reset();
    free(want), free(dir);
    buf_free(&msgs);
}

static void test_time(void **state)
{
    (void)state;
    char s[21];
    manifest_time(0, s);
    assert_string_equal(s, "1970-01-01T00:00:00Z");
    manifest_time(1782864000 + 3661, s);
    assert_string_equal(s, "2026-07-01T01:01:01Z");
    char *a = manifest_sums_name(3, 8), *b = manifest_json_name(0, 0);
    assert_string_equal(a, "SHA256SUMS.shard-3-of-8");
    assert_string_equal(b, "manifest.json");
    free(a), free(b);
}

/* The folder record: merged, never truncated; pending names from a run's
 * intent; a whole run keeps only what it wrote. */
static void test_folder_record(void **state)
{
    (void)state;
    char *dir = fresh_dir("record");
    struct kp_doc_entry first[] = {doc("reviews/East/R1.pdf", "R1", 0, 'a'),
                                   doc("reviews/East/R2.pdf", "R2", 0, 'b')};
    char *plan1[] = {"reviews/East/R1.pdf", "reviews/East/R2.pdf"};
    put_file(dir, "reviews/East/R1.pdf", "1");
    put_file(dir, "reviews/East/R2.pdf", "2");
    struct kp_doc_entry *m, *prev;
    size_t nm;
    assert_int_equal(manifest_intend(dir, "whole", plan1, 2), 0);
    assert_int_equal(manifest_settle(dir, "whole", 1, first, 2, plan1, 2, &m, &nm), 0);
    assert_int_equal(nm, 2);
    manifest_docs_free(m, nm);
    /* --only R1: R2 stays in the record and in what manifest.json lists. */
    struct kp_doc_entry only[] = {doc("reviews/East/R1.pdf", "R1", 0, 'c')};
    assert_int_equal(manifest_intend(dir, "only R1", plan1, 1), 0);
    size_t n = manifest_previous_docs(dir, &prev);
    assert_int_equal(n, 2);
    assert_string_equal(prev[0].sha256, ""); /* pending: being rewritten */
    assert_int_equal(prev[1].sha256[0], 'b');
    manifest_docs_free(prev, n);
    assert_int_equal(manifest_settle(dir, "only R1", 0, only, 1, plan1, 1, &m, &nm), 0);
    assert_int_equal(nm, 2);
    assert_int_equal(m[0].sha256[0], 'c');
    assert_string_equal(m[1].path, "reviews/East/R2.pdf");
    manifest_docs_free(m, nm);
    /* A run that never settles (killed): its names stay, pending. */
    char *plan3[] = {"reviews/West/R1.pdf"};
    assert_int_equal(manifest_intend(dir, "whole", plan3, 1), 0);
    n = manifest_previous_docs(dir, &prev);
    assert_int_equal(n, 3);
    assert_string_equal(prev[2].path, "reviews/West/R1.pdf");
    assert_string_equal(prev[2].sha256, "");
    assert_string_equal(prev[2].id, "R1");
    manifest_docs_free(prev, n);
    char *js = slurp(dir, KP_FOLDER_RECORD);
    assert_non_null(strstr(js, "\"scope\":\"only R1\",\"finished\":true}"));
    assert_non_null(strstr(js, "{\"path\":\"reviews/West/R1.pdf\",\"kind\":\"review\",\"id\":"
                               "\"R1\",\"pages\":0,\"bytes\":0,\"sha256\":null,\"pending\":true}"));
    free(js);
    /* A whole run: only its own documents remain; the list of runs restarts. */
    assert_int_equal(manifest_settle(dir, "whole", 1, first, 1, plan1, 1, &m, &nm), 0);
    assert_int_equal(nm, 1);
    manifest_docs_free(m, nm);
    n = manifest_previous_docs(dir, &prev);
    assert_int_equal(n, 1);
    manifest_docs_free(prev, n);
    js = slurp(dir, KP_FOLDER_RECORD);
    assert_null(strstr(js, "only R1"));
    free(js), free(dir);
}

/* A folder an older kpipress wrote: its manifest.json seeds the record. */
static void test_folder_record_seed(void **state)
{
    (void)state;
    char *dir = fresh_dir("seed");
    struct kp_meta m;
    make_meta(&m, 1);
    struct kp_doc_entry all[] = {doc("reviews/East/R1.pdf", "R1", 0, 'a')};
    assert_int_equal(manifest_write(dir, NULL, &m, all, 1, 0, 0, 0), 0);
    struct kp_doc_entry *prev;
    size_t n = manifest_previous_docs(dir, &prev);
    assert_int_equal(n, 1);
    assert_int_equal(prev[0].sha256[0], 'a');
    manifest_docs_free(prev, n);
    /* A damaged record is said, not silently replaced. */
    put_file(dir, KP_FOLDER_RECORD, "{\"format\": 1");
    struct kp_buf msgs = {0};
    diag_reset();
    diag_capture(&msgs);
    char *plan[] = {"reviews/East/R1.pdf"};
    assert_int_equal(manifest_intend(dir, "whole", plan, 1), 0);
    diag_capture(NULL);
    assert_non_null(strstr(msgs.s, ".kpipress-documents.json: warning: is not a kpipress folder "
                                   "record (kpipress-documents/1): started again from "
                                   "manifest.json"));
    buf_free(&msgs);
    diag_reset();
    free(dir);
    meta_free(&m);
}

UNIT_MAIN(cmocka_unit_test(test_hash), cmocka_unit_test(test_pdf_id),
          cmocka_unit_test(test_meta_inputs), cmocka_unit_test(test_write),
          cmocka_unit_test(test_shards), cmocka_unit_test(test_load_errors),
          cmocka_unit_test(test_time), cmocka_unit_test(test_folder_record),
          cmocka_unit_test(test_folder_record_seed))
