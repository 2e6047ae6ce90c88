/* Unit tests for archive: filing a run (layout, idempotence, refusal,
 * --supersede, a run killed half-way) and verify (missing, altered,
 * unexpected, a tampered manifest or history), on small fake runs in the
 * test's private temporary folder. */
#include "unit.h"

#include "archive.h"
#include "diag.h"
#include "hash.h"
#include "manifest.h"
#include "record.h"
#include "sys.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *fresh_dir(const char *tag)
{
    static int n;
    char *name = xasprintf("%s-%d", tag, n++);
    char *d = path_join(sys_tmpdir(), name);
    free(name);
    assert_int_equal(sys_mkdirs(d), 0);
    return d;
}

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
    char *p = path_join(dir, name), *d = path_dir(p);
    assert_int_equal(sys_mkdirs(d), 0);
    assert_int_equal(sys_write_atomic(p, text, strlen(text)), 0);
    free(p), free(d);
}

static char *sha_of(const char *text)
{
    char *h = xmalloc(KP_SHA256_HEX);
    hash_sha256_hex(text, strlen(text), h);
    return h;
}

/* A run in outdir: R1 and R2 in East, R3 in West, East's packet; the text
 * of R1 given (the others fixed). */
static void make_run(const char *outdir, const char *r1)
{
    const char *paths[] = {"reviews/East/R1.pdf", "reviews/East/R2.pdf", "reviews/West/R3.pdf",
                           "packets/East.pdf"};
    const char *ids[] = {"R1", "R2", "R3", "East"};
    const char *texts[] = {r1, "review R2", "review R3", "packet East"};
    struct kp_doc_entry docs[4];
    for (int i = 0; i < 4; i++) {
        put_file(outdir, paths[i], texts[i]);
        docs[i] = (struct kp_doc_entry){
            (char *)paths[i], (char *)ids[i], i == 3, 1, (long long)strlen(texts[i]), ""};
        hash_sha256_hex(texts[i], strlen(texts[i]), docs[i].sha256);
    }
    struct kp_meta m;
    memset(&m, 0, sizeof m);
    m.label = "2026 Q2";
    month_parse("2026-04", &m.from);
    month_parse("2026-06", &m.to);
    m.as_of = m.doc_date = -1;
    assert_int_equal(manifest_write(outdir, NULL, &m, docs, 4, 0, 0, 1782864000), 0);
}

struct out {
    struct kp_buf msgs;
    char *report;
    int status;
};

static void out_free(struct out *o)
{
    buf_free(&o->msgs);
    free(o->report);
    memset(o, 0, sizeof *o);
}

static void do_archive(struct out *o, const char *outdir, const char *to, const char *why)
{
    out_free(o);
    diag_reset();
    diag_capture(&o->msgs);
    o->status = archive_run(outdir, NULL, to, why);
    diag_capture(NULL);
    diag_reset();
    buf_adds(&o->msgs, "");
}

static void do_verify(struct out *o, const char *dir)
{
    out_free(o);
    size_t len;
    FILE *f = open_memstream(&o->report, &len);
    diag_reset();
    diag_capture(&o->msgs);
    o->status = archive_verify(dir, f);
    diag_capture(NULL);
    diag_reset();
    fclose(f);
    buf_adds(&o->msgs, "");
}

/* "P: intact: …" for the archive as it is. */
static char *intact_line(const char *arch, int docs, int old, int version)
{
    char *m = slurp(arch, "2026_Q2/manifest.json"), *h = sha_of(m);
    char *s = xasprintf("2026_Q2: intact: %d documents (%d superseded), version %d, manifest "
                        "sha256 %s\n",
                        docs, old, version, h);
    free(m), free(h);
    return s;
}

struct fx {
    char *outdir, *arch;
    struct out o;
};

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    f->outdir = fresh_dir("out");
    f->arch = fresh_dir("arch");
    setenv("USER", "tester", 1);
    make_run(f->outdir, "review R1");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    out_free(&f->o);
    free(f->outdir), free(f->arch), free(f);
    return 0;
}

static void test_layout(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    assert_int_equal(f->o.status, 0);
    char **v;
    size_t n;
    assert_int_equal(sys_list_files(f->arch, 1, &v, &n), 0);
    const char *want[] = {"2026_Q2/East/+packet.pdf", "2026_Q2/East/R1.pdf",
                          "2026_Q2/East/R2.pdf",      "2026_Q2/SHA256SUMS",
                          "2026_Q2/West/R3.pdf",      "2026_Q2/history/0001.json",
                          "2026_Q2/manifest.json"};
    assert_int_equal(n, KP_NELEM(want));
    for (size_t i = 0; i < n; i++)
        assert_string_equal(v[i], want[i]);
    strv_free(v, n);
    char *r1 = slurp(f->arch, "2026_Q2/East/R1.pdf");
    assert_string_equal(r1, "review R1");
    char *m = slurp(f->arch, "2026_Q2/manifest.json");
    char *h1 = slurp(f->arch, "2026_Q2/history/0001.json");
    assert_string_equal(m, h1);
    assert_non_null(strstr(m,
                           "{\n\"format\": \"kpipress-archive/1\",\n\"period\": \"2026 Q2\",\n"
                           "\"folder\": \"2026_Q2\",\n\"version\": 1,\n\"previous\": null,\n"
                           "\"documents\": [\n{\"path\":\"East/+packet.pdf\",\"kind\":\"packet\","
                           "\"id\":\"East\",\"version\":1,\"pages\":1,\"bytes\":11,"));
    assert_non_null(
        strstr(m, "\"archived\":1,\"superseded\":null,\"source\":\"reviews/East/R1.pdf\"}"));
    assert_non_null(strstr(m, "\"events\": [\n{\"seq\":1,\"time\":\""));
    assert_non_null(strstr(m, "\"who\":\"tester\",\"why\":null,\"run_manifest_sha256\":\""));
    assert_non_null(strstr(m, "\"added\":[\"East/+packet.pdf\",\"East/R1.pdf\",\"East/R2.pdf\","
                              "\"West/R3.pdf\"],\"superseded\":[]}\n]\n}\n"));
    /* SHA256SUMS: documents, history, manifest; sha256sum -c layout. */
    char *sums = slurp(f->arch, "2026_Q2/SHA256SUMS"), *hm = sha_of(m), *hr = sha_of("review R1");
    char *line = xasprintf("%s  East/R1.pdf\n", hr);
    assert_non_null(strstr(sums, line));
    char *tail = xasprintf("%s  history/0001.json\n%s  manifest.json\n", hm, hm);
    assert_string_equal(sums + strlen(sums) - strlen(tail), tail);
    assert_non_null(strstr(f->o.msgs.s, "note: archived 4 new and 0 superseded documents "
                                        "(version 1); manifest sha256 "));
    free(r1), free(m), free(h1), free(sums), free(hm), free(hr), free(line), free(tail);
}

static void test_idempotent(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    char *m1 = slurp(f->arch, "2026_Q2/manifest.json");
    char *s1 = slurp(f->arch, "2026_Q2/SHA256SUMS");
    do_archive(&f->o, f->outdir, f->arch, NULL);
    assert_int_equal(f->o.status, 0);
    char *want = xasprintf("kpipress: %s/2026_Q2: note: nothing new: all 4 documents are archived "
                           "already\n",
                           f->arch);
    assert_string_equal(f->o.msgs.s, want);
    char *m2 = slurp(f->arch, "2026_Q2/manifest.json");
    char *s2 = slurp(f->arch, "2026_Q2/SHA256SUMS");
    assert_string_equal(m1, m2);
    assert_string_equal(s1, s2);
    assert_null(slurp(f->arch, "2026_Q2/history/0002.json"));
    free(m1), free(m2), free(s1), free(s2), free(want);
}

static void test_verify_intact(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 0);
    char *want = intact_line(f->arch, 4, 0, 1);
    assert_string_equal(f->o.report, want);
    char *note = xasprintf("kpipress: %s: note: intact: 1 period, 7 files checked\n", f->arch);
    assert_string_equal(f->o.msgs.s, note);
    free(want), free(note);
}

static void test_verify_problems(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    put_file(f->arch, "2026_Q2/East/R1.pdf", "review R!"); /* a flipped byte */
    char *r2 = path_join(f->arch, "2026_Q2/East/R2.pdf");
    assert_int_equal(sys_remove(r2), 0);
    put_file(f->arch, "2026_Q2/West/notes.txt", "hello");
    put_file(f->arch, "2026_Q2/West/.R3.pdf.kp-tmp-99-0", "half");
    put_file(f->arch, "README", "hello");
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 1);
    assert_string_equal(f->o.report,
                        "altered    2026_Q2/East/R1.pdf\n"
                        "temporary  2026_Q2/West/.R3.pdf.kp-tmp-99-0: left by a killed run "
                        "(ignored)\n"
                        "unexpected 2026_Q2/West/notes.txt\n"
                        "missing    2026_Q2/East/R2.pdf\n"
                        "2026_Q2: NOT intact: 1 missing, 1 altered, 1 unexpected, 0 broken\n"
                        "unexpected README\n");
    char *want = xasprintf("kpipress: %s: error: NOT intact: 1 missing, 1 altered, 2 unexpected, "
                           "0 broken\n",
                           f->arch);
    assert_string_equal(f->o.msgs.s, want);
    free(r2), free(want);
}

/* Someone edits manifest.json and its SHA256SUMS line to match: the
 * history no longer ends in it. */
static void test_verify_tampered_manifest(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    char *m = slurp(f->arch, "2026_Q2/manifest.json"), *sums = slurp(f->arch, "2026_Q2/SHA256SUMS");
    char *who = strstr(m, "\"tester\"");
    memcpy(who, "\"mallet\"", 8);
    char *h1 = slurp(f->arch, "2026_Q2/history/0001.json"), *old = sha_of(h1), *new = sha_of(m);
    char *line = xasprintf("%s  manifest.json", old);
    memcpy(strstr(sums, line), new, 64);
    free(h1), free(line);
    put_file(f->arch, "2026_Q2/manifest.json", m);
    put_file(f->arch, "2026_Q2/SHA256SUMS", sums);
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 1);
    assert_string_equal(f->o.report, "broken     2026_Q2/manifest.json: is not the last version "
                                     "in history/\n"
                                     "2026_Q2: NOT intact: 0 missing, 0 altered, 0 unexpected, 1 "
                                     "broken\n");
    /* And archive refuses to add to it. */
    make_run(f->outdir, "review R1, new");
    do_archive(&f->o, f->outdir, f->arch, "why");
    assert_int_equal(f->o.status, 1);
    char *want = xasprintf("kpipress: %s/2026_Q2/manifest.json: error: was altered since the last "
                           "archive run (it is not the last version in its history): nothing "
                           "archived; run kpipress verify\n",
                           f->arch);
    assert_string_equal(f->o.msgs.s, want);
    free(m), free(sums), free(old), free(new), free(want);
}

static void test_refuse_changed(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    char *m1 = slurp(f->arch, "2026_Q2/manifest.json");
    make_run(f->outdir, "review R1, corrected");
    do_archive(&f->o, f->outdir, f->arch, NULL);
    assert_int_equal(f->o.status, 1);
    char *old = sha_of("review R1"), *new = sha_of("review R1, corrected");
    char *want = xasprintf("kpipress: %s/2026_Q2/East/R1.pdf: error: differs from the archived "
                           "copy (version 1, sha256 %.12s…; the run's reviews/East/R1.pdf has "
                           "%.12s…)\n"
                           "kpipress: %s: error: nothing archived: 1 document differs from the "
                           "archived copies; to replace them, keeping the old versions, run "
                           "again with --supersede \"reason\"\n",
                           f->arch, old, new, f->arch);
    assert_string_equal(f->o.msgs.s, want);
    char *m2 = slurp(f->arch, "2026_Q2/manifest.json"), *r1 = slurp(f->arch, "2026_Q2/East/R1.pdf");
    assert_string_equal(m1, m2);
    assert_string_equal(r1, "review R1");
    free(m1), free(m2), free(r1), free(old), free(new), free(want);
}

static void test_supersede(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    char *m1 = slurp(f->arch, "2026_Q2/manifest.json"), *h1 = sha_of(m1);
    make_run(f->outdir, "review R1, corrected");
    do_archive(&f->o, f->outdir, f->arch, "quota for R1 was wrong");
    assert_int_equal(f->o.status, 0);
    char *old = slurp(f->arch, "2026_Q2/East/R1+v1.pdf"),
         *cur = slurp(f->arch, "2026_Q2/East/R1.pdf");
    assert_string_equal(old, "review R1");
    assert_string_equal(cur, "review R1, corrected");
    char *m2 = slurp(f->arch, "2026_Q2/manifest.json");
    char *prev = xasprintf("\"version\": 2,\n\"previous\": \"%s\",\n", h1);
    assert_non_null(strstr(m2, prev));
    assert_non_null(strstr(m2, "{\"path\":\"East/R1+v1.pdf\",\"kind\":\"review\",\"id\":\"R1\","
                               "\"version\":1,"));
    assert_non_null(
        strstr(m2, "\"archived\":1,\"superseded\":2,\"source\":\"reviews/East/R1.pdf\"}"));
    assert_non_null(strstr(m2, "{\"path\":\"East/R1.pdf\",\"kind\":\"review\",\"id\":\"R1\","
                               "\"version\":2,"));
    assert_non_null(strstr(m2, "{\"seq\":2,\"time\":\""));
    assert_non_null(strstr(m2, "\"who\":\"tester\",\"why\":\"quota for R1 was wrong\","));
    char *hold = sha_of("review R1"), *hnew = sha_of("review R1, corrected");
    char *sup = xasprintf("\"added\":[],\"superseded\":[{\"id\":\"R1\",\"old\":\"East/R1+v1.pdf\","
                          "\"old_sha256\":\"%s\",\"new\":\"East/R1.pdf\",\"new_sha256\":\"%s\"}]}",
                          hold, hnew);
    assert_non_null(strstr(m2, sup));
    /* The first event is kept as it was. */
    const char *e1 = strstr(m1, "{\"seq\":1,");
    char *e1line = xstrndup(e1, (size_t)(strchr(e1, '\n') - e1));
    assert_non_null(strstr(m2, e1line));
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 0);
    char *want = intact_line(f->arch, 4, 1, 2);
    assert_string_equal(f->o.report, want);
    free(m1), free(h1), free(old), free(cur), free(m2), free(prev), free(hold), free(hnew);
    free(sup), free(e1line), free(want);
}

/* history/0001.json rewritten (and its SHA256SUMS line): 0002 no longer
 * names its hash. */
static void test_verify_history(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    make_run(f->outdir, "review R1, corrected");
    do_archive(&f->o, f->outdir, f->arch, "fix");
    char *h = slurp(f->arch, "2026_Q2/history/0001.json"),
         *sums = slurp(f->arch, "2026_Q2/SHA256SUMS");
    char *old = sha_of(h);
    memcpy(strstr(h, "\"tester\""), "\"mallet\"", 8);
    char *new = sha_of(h);
    char *at = strstr(sums, old);
    memcpy(at, new, 64);
    put_file(f->arch, "2026_Q2/history/0001.json", h);
    put_file(f->arch, "2026_Q2/SHA256SUMS", sums);
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 1);
    assert_string_equal(f->o.report, "broken     2026_Q2/history/0002.json: its \"previous\" is "
                                     "not the hash of the version before\n"
                                     "broken     2026_Q2/history/0002.json: rewrites an earlier "
                                     "event\n"
                                     "2026_Q2: NOT intact: 0 missing, 0 altered, 0 unexpected, 2 "
                                     "broken\n");
    free(h), free(sums), free(old), free(new);
}

/* Killed after manifest.json was committed, before SHA256SUMS: verify
 * reports it; the same archive command completes it. */
static void test_killed_run(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    char *sums1 = slurp(f->arch, "2026_Q2/SHA256SUMS");
    make_run(f->outdir, "review R1, corrected");
    do_archive(&f->o, f->outdir, f->arch, "fix");
    char *sums2 = slurp(f->arch, "2026_Q2/SHA256SUMS");
    put_file(f->arch, "2026_Q2/SHA256SUMS", sums1);
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 1);
    assert_string_equal(f->o.report, "unexpected 2026_Q2/East/R1+v1.pdf\n"
                                     "altered    2026_Q2/East/R1.pdf\n"
                                     "unexpected 2026_Q2/history/0002.json\n"
                                     "altered    2026_Q2/manifest.json\n"
                                     "broken     2026_Q2/East/R1+v1.pdf: recorded in manifest.json "
                                     "but not listed in SHA256SUMS\n"
                                     "broken     2026_Q2/East/R1.pdf: its hash in SHA256SUMS is "
                                     "not the one in manifest.json\n"
                                     "2026_Q2: NOT intact: 0 missing, 2 altered, 2 unexpected, 2 "
                                     "broken\n");
    do_archive(&f->o, f->outdir, f->arch, "fix");
    assert_int_equal(f->o.status, 0);
    assert_non_null(strstr(f->o.msgs.s, "SHA256SUMS: note: completing an archive run that was "
                                        "interrupted\n"));
    char *sums3 = slurp(f->arch, "2026_Q2/SHA256SUMS");
    assert_string_equal(sums2, sums3);
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 0);
    free(sums1), free(sums2), free(sums3);
}

static void test_source_changed(void **state)
{
    struct fx *f = *state;
    put_file(f->outdir, "reviews/West/R3.pdf", "edited by hand");
    do_archive(&f->o, f->outdir, f->arch, NULL);
    assert_int_equal(f->o.status, 1);
    char *want = xasprintf("kpipress: %s/reviews/West/R3.pdf: error: has changed since the run "
                           "wrote it (its hash is not the one in manifest.json)\n"
                           "kpipress: %s: error: nothing archived: run kpipress again to rebuild "
                           "the documents and their manifest\n",
                           f->outdir, f->outdir);
    assert_string_equal(f->o.msgs.s, want);
    char *p = path_join(f->arch, "2026_Q2");
    assert_false(sys_exists(p));
    free(want), free(p);
}

static void test_not_an_archive(void **state)
{
    struct fx *f = *state;
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 2);
    char *want = xasprintf("kpipress: %s: error: is not a kpipress archive (no period folder with "
                           "a manifest.json)\n",
                           f->arch);
    assert_string_equal(f->o.msgs.s, want);
    free(want);
    char *none = path_join(f->arch, "nope");
    do_verify(&f->o, none);
    assert_int_equal(f->o.status, 2);
    free(none);
}

/* archive verifies before it adds: a cut SHA256SUMS is refused, and left
 * as it is (the evidence stays for verify). */
static void test_refuse_cut_sums(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    char *sums = slurp(f->arch, "2026_Q2/SHA256SUMS");
    char *cut = strchr(sums, '\n') + 1; /* the first line removed */
    put_file(f->arch, "2026_Q2/SHA256SUMS", cut);
    make_run(f->outdir, "review R1, corrected");
    do_archive(&f->o, f->outdir, f->arch, "fix");
    assert_int_equal(f->o.status, 1);
    char *want = xasprintf("kpipress: %s/2026_Q2/SHA256SUMS: error: does not list what "
                           "manifest.json and history/ record (lines cut, added or edited): "
                           "nothing archived, so the evidence stays; run kpipress verify\n",
                           f->arch);
    assert_string_equal(f->o.msgs.s, want);
    char *after = slurp(f->arch, "2026_Q2/SHA256SUMS");
    assert_string_equal(after, cut);
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 1);
    free(sums), free(want), free(after);
}

/* An edited earlier history version: refused, even when nothing is new. */
static void test_refuse_edited_history(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    make_run(f->outdir, "review R1, corrected");
    do_archive(&f->o, f->outdir, f->arch, "fix");
    char *h = slurp(f->arch, "2026_Q2/history/0001.json");
    memcpy(strstr(h, "\"tester\""), "\"mallet\"", 8);
    put_file(f->arch, "2026_Q2/history/0001.json", h);
    do_archive(&f->o, f->outdir, f->arch, NULL);
    assert_int_equal(f->o.status, 1);
    char *want = xasprintf("kpipress: %s/2026_Q2/history: error: is broken (see above): nothing "
                           "archived, so the evidence stays; run kpipress verify\n",
                           f->arch);
    assert_string_equal(f->o.msgs.s, want);
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 1);
    free(h), free(want);
}

/* An archived document altered: refused, naming it. */
static void test_refuse_altered_doc(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    put_file(f->arch, "2026_Q2/West/R3.pdf", "edited in the archive");
    make_run(f->outdir, "review R1, corrected");
    do_archive(&f->o, f->outdir, f->arch, "fix");
    assert_int_equal(f->o.status, 1);
    char *want = xasprintf("kpipress: %s/2026_Q2/West/R3.pdf: error: was altered in the archive "
                           "(its hash is not the one in manifest.json): nothing archived, so the "
                           "evidence stays; run kpipress verify\n",
                           f->arch);
    assert_string_equal(f->o.msgs.s, want);
    free(want);
}

/* A first archive run killed before manifest.json: verify says so; the
 * same command completes it; a file that is not the run's is refused. */
static void test_first_run_interrupted(void **state)
{
    struct fx *f = *state;
    do_archive(&f->o, f->outdir, f->arch, NULL);
    char *sums = slurp(f->arch, "2026_Q2/SHA256SUMS");
    const char *gone[] = {"2026_Q2/manifest.json", "2026_Q2/SHA256SUMS", "2026_Q2/West/R3.pdf"};
    for (int i = 0; i < 3; i++) {
        char *p = path_join(f->arch, gone[i]);
        assert_int_equal(sys_remove(p), 0);
        free(p);
    }
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 1);
    assert_non_null(strstr(f->o.report, "broken     2026_Q2: has no manifest.json: a first archive "
                                        "run was interrupted after filing 3 documents; run the "
                                        "same kpipress archive command again to complete it\n"
                                        "2026_Q2: NOT intact: an interrupted first archive run (no "
                                        "manifest.json yet)\n"));
    put_file(f->arch, "2026_Q2/notes.txt", "not ours");
    do_archive(&f->o, f->outdir, f->arch, NULL);
    assert_int_equal(f->o.status, 1);
    assert_non_null(strstr(f->o.msgs.s, "2026_Q2/notes.txt: error: is in a period folder that has "
                                        "no manifest.json, and is not a document of this run"));
    char *p = path_join(f->arch, "2026_Q2/notes.txt");
    assert_int_equal(sys_remove(p), 0);
    free(p);
    do_archive(&f->o, f->outdir, f->arch, NULL);
    assert_int_equal(f->o.status, 0);
    assert_non_null(strstr(f->o.msgs.s, "note: completing the first archive run of this period, "
                                        "which was interrupted (3 of its 4 documents were filed)"));
    do_verify(&f->o, f->arch);
    assert_int_equal(f->o.status, 0);
    char *again = slurp(f->arch, "2026_Q2/SHA256SUMS");
    /* The same document lines; only the manifest's event time may differ. */
    size_t docs = (size_t)(strstr(sums, "  history/") - sums) - 64;
    assert_true(strlen(again) > docs);
    assert_memory_equal(again, sums, docs);
    free(sums), free(again);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

UNIT_MAIN(T(test_layout), T(test_idempotent), T(test_verify_intact), T(test_verify_problems),
          T(test_verify_tampered_manifest), T(test_refuse_changed), T(test_supersede),
          T(test_verify_history), T(test_killed_run), T(test_source_changed),
          T(test_not_an_archive), T(test_refuse_cut_sums), T(test_refuse_edited_history),
          T(test_refuse_altered_doc), T(test_first_run_interrupted))
