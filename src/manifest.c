/* manifest — see manifest.h. JSON is built with jansson and laid out by
 * hand: one top-level key per line, one array element (input, table,
 * document) per line, so the file diffs and greps well. */
#include "manifest.h"

#include "config.h"
#include "diag.h"
#include "model.h"
#include "record.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tables compute writes (tables.c), hashed when present. */
static const char *const table_names[] = {
    "coaching.csv", "rejects.csv", "results.csv", "results.json", "results.xlsx", "scores.csv",
    "teams.csv",
};

static int str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct kp_doc_entry *)a)->path, ((const struct kp_doc_entry *)b)->path);
}

char *manifest_sums_name(long shard_k, long shard_n)
{
    return shard_n > 0 ? xasprintf("SHA256SUMS.shard-%ld-of-%ld", shard_k, shard_n)
                       : xstrdup("SHA256SUMS");
}

char *manifest_json_name(long shard_k, long shard_n)
{
    return shard_n > 0 ? xasprintf("manifest.shard-%ld-of-%ld.json", shard_k, shard_n)
                       : xstrdup("manifest.json");
}

void manifest_time(time_t t, char out[21])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

json_t *manifest_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (!j) {
        int bad;
        char *c = utf8_clean(s, strlen(s), 0, &bad);
        j = json_string(c);
        free(c);
    }
    return j;
}

static json_t *jdate(long days)
{
    int y, m, d;
    date_split(days, &y, &m, &d);
    if (days < 0 || y < 1900 || y > 9999)
        return json_null();
    char s[16];
    snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
    return json_string(s);
}

static json_t *jmonth(kp_month m)
{
    char s[8];
    if (m == 0)
        return json_null();
    month_format(m, s);
    return json_string(s);
}

void manifest_put(struct kp_buf *b, const char *key, struct json_t *v, int last)
{
    buf_printf(b, "\"%s\": ", key);
    if (json_is_array(v) && json_array_size(v) > 0) {
        buf_adds(b, "[\n");
        for (size_t i = 0; i < json_array_size(v); i++) {
            char *s = json_dumps(json_array_get(v, i), JSON_COMPACT | JSON_ENCODE_ANY);
            buf_printf(b, "%s%s\n", s, i + 1 < json_array_size(v) ? "," : "");
            free(s);
        }
        buf_adds(b, "]");
    } else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        buf_adds(b, s);
        free(s);
    }
    buf_adds(b, last ? "\n" : ",\n");
    json_decref(v);
}

static json_t *review_json(const struct kp_meta *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "label", manifest_str(m->label));
    json_object_set_new(o, "from", jmonth(m->from));
    json_object_set_new(o, "to", jmonth(m->to));
    json_object_set_new(o, "as_of", jdate(m->as_of));
    json_object_set_new(o, "doc_date", jdate(m->doc_date));
    json_object_set_new(o, "org", manifest_str(m->org_name));
    return o;
}

/* The config compute hashed (results.json's meta); and the one render read
 * the theme and labels from, when it is another file. */
static json_t *config_json(const struct kp_config *cfg, const struct kp_meta *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", manifest_str(cfg ? path_base(cfg->path) : NULL));
    json_object_set_new(o, "sha256",
                        manifest_str(m->config_hash && *m->config_hash ? m->config_hash : NULL));
    char hex[KP_SHA256_HEX];
    if (cfg && hash_file_hex(cfg->path, hex, NULL) == 0 && !str_eq(hex, m->config_hash)) {
        diag(KP_WARN, cfg->path, 0, 0,
             "is not the config the tables were computed with "
             "(its hash differs from results.json's): the manifest records both");
        json_object_set_new(o, "render_sha256", json_string(hex));
    }
    return o;
}

/* The templates and fonts the documents were set with: for each folder the
 * SHA-256 of its listing "<sha256>  <path>\n" (sorted, like SHA256SUMS). */
static json_t *resources_json(void)
{
    static const char *const dirs[] = {"templates", "fonts"};
    json_t *o = json_object();
    for (size_t i = 0; i < KP_NELEM(dirs); i++) {
        char *dir = path_join(sys_datadir(), dirs[i]), **v = NULL;
        size_t n = 0;
        int err = sys_list_files(dir, 1, &v, &n);
        struct kp_buf b = {0};
        for (size_t k = 0; k < n && !err; k++) {
            char *p = path_join(dir, v[k]), hex[KP_SHA256_HEX];
            err = hash_file_hex(p, hex, NULL);
            buf_printf(&b, "%s  %s\n", hex, v[k]);
            free(p);
        }
        char hex[KP_SHA256_HEX];
        hash_sha256_hex(b.s ? b.s : "", b.len, hex);
        json_object_set_new(o, dirs[i], err ? json_null() : json_string(hex));
        strv_free(v, n), buf_free(&b), free(dir);
    }
    return o;
}

static json_t *inputs_json(const struct kp_meta *m)
{
    json_t *a = json_array();
    for (size_t i = 0; i < m->ninputs; i++) {
        const struct kp_meta_input *f = &m->inputs[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", manifest_str(f->name));
        json_object_set_new(o, "size", json_integer(f->size));
        json_object_set_new(o, "sha256", manifest_str(f->sha256));
        json_object_set_new(o, "rows", json_integer(f->rows));
        json_object_set_new(o, "used", json_integer(f->used));
        json_object_set_new(o, "rejected", json_integer(f->rejected));
        json_array_append_new(a, o);
    }
    return a;
}

/* Hash the tables present in outdir: SHA256SUMS lines into sums, entries
 * into the returned array. -1 in *rc when one cannot be read (reported). */
static json_t *tables_json(const char *outdir, struct kp_buf *sums, int *rc)
{
    json_t *a = json_array();
    for (size_t i = 0; i < KP_NELEM(table_names); i++) {
        char *p = path_join(outdir, table_names[i]);
        char hex[KP_SHA256_HEX];
        long long size = 0;
        int err = sys_exists(p) ? hash_file_hex(p, hex, &size) : -1;
        if (err > 0) {
            diag(KP_SYSERR, p, 0, 0, "cannot read: %s", strerror(err));
            *rc = -1;
        } else if (err == 0) {
            json_t *o = json_object();
            json_object_set_new(o, "path", json_string(table_names[i]));
            json_object_set_new(o, "bytes", json_integer(size));
            json_object_set_new(o, "sha256", json_string(hex));
            json_array_append_new(a, o);
            buf_printf(sums, "%s  %s\n", hex, table_names[i]);
        }
        free(p);
    }
    return a;
}

static json_t *docs_json(const struct kp_doc_entry *docs, size_t n, struct kp_buf *sums,
                         json_t *totals)
{
    json_t *a = json_array();
    long long pages = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        const struct kp_doc_entry *d = &docs[i];
        json_t *o = json_object();
        json_object_set_new(o, "path", manifest_str(d->path));
        json_object_set_new(o, "kind", json_string(d->packet ? "packet" : "review"));
        json_object_set_new(o, "id", manifest_str(d->id));
        json_object_set_new(o, "pages", json_integer(d->pages));
        json_object_set_new(o, "bytes", json_integer(d->bytes));
        json_object_set_new(o, "sha256", json_string(d->sha256));
        json_array_append_new(a, o);
        buf_printf(sums, "%s  %s\n", d->sha256, d->path);
        pages += d->pages, bytes += d->bytes;
    }
    json_object_set_new(totals, "documents", json_integer((json_int_t)n));
    json_object_set_new(totals, "pages", json_integer(pages));
    json_object_set_new(totals, "bytes", json_integer(bytes));
    return a;
}

/* SHA256SUMS lists tables and documents in one path order. */
static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a + 66, *(char *const *)b + 66);
}

static char *sorted_lines(const struct kp_buf *b)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    for (const char *s = b->s ? b->s : ""; *s;) {
        const char *nl = strchr(s, '\n');
        xgrow(&v, &cap, n + 1, sizeof *v);
        v[n++] = xstrndup(s, (size_t)(nl - s + 1));
        s = nl + 1;
    }
    if (n)
        qsort(v, n, sizeof *v, line_cmp);
    struct kp_buf out = {0};
    buf_adds(&out, "");
    for (size_t i = 0; i < n; i++)
        buf_adds(&out, v[i]);
    strv_free(v, n);
    return buf_steal(&out);
}

/* Remove the other mode's files: they describe another run. */
static void remove_stale(const char *outdir, long shard_n)
{
    char **v;
    size_t n;
    if (sys_list_files(outdir, 0, &v, &n) != 0)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *f = v[i];
        int shard = str_has_prefix(f, "SHA256SUMS.shard-") || str_has_prefix(f, "manifest.shard-");
        int whole = strcmp(f, "SHA256SUMS") == 0 || strcmp(f, "manifest.json") == 0;
        if ((shard_n > 0 && whole) || (shard_n == 0 && shard)) {
            char *p = path_join(outdir, f);
            sys_remove(p);
            free(p);
        }
    }
    strv_free(v, n);
}

/* fsync OUTDIR and every folder a document went into, once each. */
static int sync_folders(const char *outdir, const struct kp_doc_entry *docs, size_t n)
{
    int rc = sys_fsync_dir(outdir);
    const char *prev = NULL;
    size_t prevlen = 0;
    for (size_t i = 0; i < n; i++) { /* sorted by path: a folder's documents are together */
        const char *slash = strrchr(docs[i].path, '/');
        size_t len = slash ? (size_t)(slash - docs[i].path) : 0;
        if (len == 0 || (prev && len == prevlen && memcmp(prev, docs[i].path, len) == 0))
            continue;
        prev = docs[i].path, prevlen = len;
        char *rel = xstrndup(docs[i].path, len);
        char *dir = path_join(outdir, rel);
        if (sys_is_dir(dir)) /* else the document was not written */
            rc |= sys_fsync_dir(dir);
        free(dir), free(rel);
    }
    return rc;
}

int manifest_write(const char *outdir, const struct kp_config *cfg, const struct kp_meta *meta,
                   struct kp_doc_entry *docs, size_t ndocs, long shard_k, long shard_n, time_t now)
{
    qsort(docs, ndocs, sizeof *docs, by_path);
    int rc = sync_folders(outdir, docs, ndocs);
    struct kp_buf sums = {0}, js = {0};
    char when[21], shard[48];
    manifest_time(now, when);
    snprintf(shard, sizeof shard, "%ld/%ld", shard_k, shard_n);
    long long sde = sys_source_date_epoch();
    json_t *totals = json_object();
    buf_adds(&js, "{\n");
    manifest_put(&js, "format", json_string(KP_MANIFEST_FORMAT), 0);
    manifest_put(&js, "tool", json_string("kpipress " KP_VERSION), 0);
    manifest_put(&js, "time", json_string(when), 0);
    manifest_put(&js, "shard", shard_n > 0 ? json_string(shard) : json_null(), 0);
    manifest_put(&js, "source_date_epoch", sde >= 0 ? json_integer(sde) : json_null(), 0);
    char *computed = meta->tool_version ? xasprintf("kpipress %s", meta->tool_version) : NULL;
    manifest_put(&js, "computed_by", manifest_str(computed), 0);
    free(computed);
    manifest_put(&js, "review", review_json(meta), 0);
    manifest_put(&js, "config", config_json(cfg, meta), 0);
    manifest_put(&js, "inputs", inputs_json(meta), 0);
    manifest_put(&js, "resources", resources_json(), 0);
    manifest_put(&js, "tables", tables_json(outdir, &sums, &rc), 0);
    manifest_put(&js, "documents", docs_json(docs, ndocs, &sums, totals), 0);
    manifest_put(&js, "totals", totals, 1);
    buf_adds(&js, "}\n");
    char *lines = sorted_lines(&sums);
    char *sname = manifest_sums_name(shard_k, shard_n);
    char *jname = manifest_json_name(shard_k, shard_n);
    char *sp = path_join(outdir, sname), *jp = path_join(outdir, jname);
    remove_stale(outdir, shard_n);
    rc |= sys_write_atomic(sp, lines, strlen(lines));
    rc |= sys_write_atomic(jp, js.s, js.len);
    rc |= sys_fsync_dir(outdir);
    free(sp), free(jp), free(sname), free(jname), free(lines);
    buf_free(&sums), buf_free(&js);
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

static int load_error(const char *path, const char *what)
{
    diag(KP_FATAL, path, 0, 0, "%s", what);
    return -1;
}

/* One document entry: path (relative, no ..), kind, id, pages, bytes,
 * sha256 (64 hex digits). In the folder record (pending_ok) an entry may be
 * "pending": true, its sha256 then null. */
static int read_doc_as(const json_t *o, struct kp_doc_entry *d, int pending_ok)
{
    const char *path = json_string_value(json_object_get(o, "path"));
    const char *kind = json_string_value(json_object_get(o, "kind"));
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *sha = json_string_value(json_object_get(o, "sha256"));
    const json_t *pages = json_object_get(o, "pages"), *bytes = json_object_get(o, "bytes");
    int pending = pending_ok && json_is_true(json_object_get(o, "pending"));
    int sha_ok = sha && strlen(sha) == 64 && strspn(sha, "0123456789abcdef") == 64;
    if (!path || !kind || !id || (!sha_ok && !pending) || !json_is_integer(pages) ||
        !json_is_integer(bytes) || path[0] == '/' || strstr(path, "..") ||
        (strcmp(kind, "review") != 0 && strcmp(kind, "packet") != 0))
        return -1;
    d->path = xstrdup(path);
    d->id = xstrdup(id);
    d->packet = strcmp(kind, "packet") == 0;
    d->pages = (int)json_integer_value(pages);
    d->bytes = json_integer_value(bytes);
    if (sha_ok && !pending)
        memcpy(d->sha256, sha, KP_SHA256_HEX);
    else
        d->sha256[0] = '\0';
    return 0;
}

static int read_doc(const json_t *o, struct kp_doc_entry *d)
{
    return read_doc_as(o, d, 0);
}

/* Parse one manifest file; its documents are appended to run. The root
 * object (json_decref it), or NULL (reported). */
static json_t *load_one(const char *outdir, const char *name, struct kp_run *run,
                        char hex[KP_SHA256_HEX])
{
    char *p = path_join(outdir, name), *data = NULL;
    size_t len = 0;
    int err = sys_read_file(p, &data, &len);
    json_t *o = NULL;
    if (err) {
        diag(KP_FATAL, p, 0, 0, "cannot read: %s (run kpipress run or render first)",
             strerror(err));
        goto out;
    }
    hash_sha256_hex(data, len, hex);
    json_error_t je;
    o = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    const json_t *docs = json_object_get(o, "documents");
    if (!o || !str_eq(json_string_value(json_object_get(o, "format")), KP_MANIFEST_FORMAT) ||
        !json_is_array(docs) || !json_is_object(json_object_get(o, "review"))) {
        load_error(p, o ? "not a kpipress manifest (format " KP_MANIFEST_FORMAT ")"
                        : "not a kpipress manifest (not valid JSON)");
        json_decref(o);
        o = NULL;
        goto out;
    }
    run->docs = xrealloc(run->docs, (run->ndocs + json_array_size(docs) + 1) * sizeof *run->docs);
    for (size_t i = 0; i < json_array_size(docs); i++) {
        struct kp_doc_entry *d = &run->docs[run->ndocs];
        memset(d, 0, sizeof *d);
        if (read_doc(json_array_get(docs, i), d) != 0) {
            char *msg = xasprintf("documents[%zu] is malformed", i);
            load_error(p, msg);
            free(msg);
            json_decref(o);
            o = NULL;
            goto out;
        }
        run->ndocs++;
    }
out:
    free(p), free(data);
    return o;
}

/* Every manifest.shard-K-of-N.json in outdir: names in K order, checked to
 * be exactly 1..N of one N. */
static char **shard_names(const char *outdir, size_t *n)
{
    char **v;
    size_t nv;
    *n = 0;
    int err = sys_list_files(outdir, 0, &v, &nv);
    if (err == ENOENT || err == ENOTDIR)
        return xcalloc(1, sizeof(char *)); /* no shards: "has no manifest.json" */
    if (err) {
        diag(KP_FATAL, outdir, 0, 0, "cannot read: %s", strerror(err));
        return NULL;
    }
    long total = 0;
    char **out = xcalloc(nv + 1, sizeof *out);
    for (size_t i = 0; i < nv; i++) {
        long k, nn;
        int used = 0;
        if (sscanf(v[i], "manifest.shard-%ld-of-%ld.json%n", &k, &nn, &used) == 2 &&
            (size_t)used == strlen(v[i]) && k >= 1 && k <= nn && nn <= (long)nv &&
            (total == 0 || total == nn)) {
            total = nn;
            out[k - 1] = xstrdup(v[i]);
        }
    }
    strv_free(v, nv);
    for (long k = 0; k < total; k++)
        if (!out[k]) {
            diag(KP_FATAL, outdir, 0, 0,
                 "has shard manifests of %ld shards, but not "
                 "manifest.shard-%ld-of-%ld.json: render every shard first",
                 total, k + 1, total);
            strv_free(out, (size_t)total);
            return NULL;
        }
    *n = (size_t)total;
    return out;
}

/* The shards must come from one computation: the same tables. */
static int same_tables(const char *outdir, const char *name, const json_t *a, const json_t *b)
{
    if (json_equal(json_object_get(a, "tables"), json_object_get(b, "tables")) &&
        json_equal(json_object_get(a, "inputs"), json_object_get(b, "inputs")))
        return 0;
    char *p = path_join(outdir, name);
    diag(KP_FATAL, p, 0, 0,
         "was rendered from other tables than the first shard: render "
         "every shard from the same compute");
    free(p);
    return -1;
}

static void set_window(struct kp_run *run)
{
    const json_t *r = json_object_get(run->provenance, "review");
    const char *label = json_string_value(json_object_get(r, "label"));
    run->label = label ? xstrdup(label) : NULL;
    const char *from = json_string_value(json_object_get(r, "from"));
    const char *to = json_string_value(json_object_get(r, "to"));
    run->from = xstrdup(from ? from : "");
    run->to = xstrdup(to ? to : "");
    json_object_del(run->provenance, "documents");
}

static int load_shards(const char *outdir, struct kp_run *run)
{
    run->files = shard_names(outdir, &run->nfiles);
    if (!run->files)
        return -1;
    if (run->nfiles == 0)
        return load_error(outdir, "has no manifest.json: run kpipress run or render first");
    struct kp_buf hashes = {0};
    int rc = 0;
    for (size_t i = 0; i < run->nfiles && rc == 0; i++) {
        char hex[KP_SHA256_HEX] = "";
        json_t *o = load_one(outdir, run->files[i], run, hex);
        if (!o)
            rc = -1;
        else if (i == 0)
            run->provenance = o;
        else
            rc = same_tables(outdir, run->files[i], run->provenance, o), json_decref(o);
        buf_printf(&hashes, "%s\n", hex);
    }
    if (rc == 0) {
        hash_sha256_hex(hashes.s, hashes.len, run->sha256);
        json_object_set_new(run->provenance, "shard", json_null());
        json_object_set_new(run->provenance, "shards", json_integer((json_int_t)run->nfiles));
    }
    buf_free(&hashes);
    return rc;
}

int manifest_load(const char *outdir, const char *name, struct kp_run *run)
{
    memset(run, 0, sizeof *run);
    char *whole = path_join(outdir, "manifest.json");
    int use_shards = !name && !sys_exists(whole);
    free(whole);
    int rc = 0;
    if (use_shards) {
        rc = load_shards(outdir, run);
    } else {
        run->files = xcalloc(2, sizeof *run->files);
        run->files[0] = xstrdup(name ? name : "manifest.json");
        run->nfiles = 1;
        run->provenance = load_one(outdir, run->files[0], run, run->sha256);
        rc = run->provenance ? 0 : -1;
    }
    if (rc == 0) {
        qsort(run->docs, run->ndocs, sizeof *run->docs, by_path);
        for (size_t i = 1; i < run->ndocs && rc == 0; i++)
            if (strcmp(run->docs[i - 1].path, run->docs[i].path) == 0)
                rc = load_error(outdir, "its manifests list a document twice");
        set_window(run);
    }
    if (rc != 0)
        manifest_run_free(run);
    return rc;
}

void manifest_run_free(struct kp_run *run)
{
    for (size_t i = 0; i < run->ndocs; i++)
        free(run->docs[i].path), free(run->docs[i].id);
    free(run->docs);
    json_decref(run->provenance);
    strv_free(run->files, run->nfiles);
    free(run->label), free(run->from), free(run->to);
    memset(run, 0, sizeof *run);
}

/* ------------------------------------------------------------------ */
/* The folder record                                                   */

#define KP_FOLDER_FORMAT "kpipress-documents/1"

struct folder {
    struct kp_doc_entry *docs; /* sorted by path once loaded */
    size_t n, cap;
    json_t *runs;
};

static struct kp_doc_entry *folder_add(struct folder *f)
{
    xgrow(&f->docs, &f->cap, f->n + 1, sizeof *f->docs);
    struct kp_doc_entry *d = &f->docs[f->n++];
    memset(d, 0, sizeof *d);
    return d;
}

/* The documents of one JSON file (a manifest, or the record: pending_ok),
 * appended to f. Quiet. The root (json_decref it), or NULL. */
static json_t *folder_read(const char *path, int pending_ok, struct folder *f)
{
    json_t *root = sys_exists(path) ? json_load_file(path, 0, NULL) : NULL;
    json_t *list = json_object_get(root, "documents");
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        struct kp_doc_entry *d = folder_add(f);
        if (read_doc_as(o, d, pending_ok) != 0)
            f->n--;
    }
    return root;
}

/* The entry for path in the sorted docs[0..n), or NULL. */
static struct kp_doc_entry *folder_find(struct kp_doc_entry *docs, size_t n, const char *path)
{
    struct kp_doc_entry key = {0};
    key.path = (char *)path;
    return n ? bsearch(&key, docs, n, sizeof *docs, by_path) : NULL;
}

/* Sorted by path, one entry per path (the first read wins). */
static void folder_sort(struct folder *f)
{
    if (f->n)
        qsort(f->docs, f->n, sizeof *f->docs, by_path);
    size_t k = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (k > 0 && strcmp(f->docs[k - 1].path, f->docs[i].path) == 0) {
            free(f->docs[i].path), free(f->docs[i].id);
            continue;
        }
        f->docs[k++] = f->docs[i];
    }
    f->n = k;
}

static void folder_free(struct folder *f)
{
    manifest_docs_free(f->docs, f->n);
    json_decref(f->runs);
    memset(f, 0, sizeof *f);
}

/* The record, or (none yet: a folder an older kpipress wrote) the
 * documents of manifest.json, else of the shard manifests. Quiet. */
static void folder_load(const char *outdir, struct folder *f, int warn)
{
    memset(f, 0, sizeof *f);
    char *p = path_join(outdir, KP_FOLDER_RECORD);
    json_t *root = folder_read(p, 1, f);
    if (root && str_eq(json_string_value(json_object_get(root, "format")), KP_FOLDER_FORMAT)) {
        f->runs = json_incref(json_object_get(root, "runs"));
    } else {
        if (warn && sys_exists(p))
            diag(KP_WARN, p, 0, 0, "is not a kpipress folder record (" KP_FOLDER_FORMAT "): "
                 "started again from manifest.json; a document an earlier run wrote and this "
                 "one does not make may be left in place");
        manifest_docs_free(f->docs, f->n);
        f->docs = NULL, f->n = f->cap = 0;
        char *q = path_join(outdir, "manifest.json");
        json_decref(folder_read(q, 0, f));
        free(q);
        char **v = NULL;
        size_t nv = 0;
        if (f->n == 0 && sys_list_files(outdir, 0, &v, &nv) == 0)
            for (size_t i = 0; i < nv; i++)
                if (str_has_prefix(v[i], "manifest.shard-")) {
                    q = path_join(outdir, v[i]);
                    json_decref(folder_read(q, 0, f));
                    free(q);
                }
        strv_free(v, nv);
    }
    free(p);
    json_decref(root);
    if (!json_is_array(f->runs)) {
        json_decref(f->runs);
        f->runs = json_array();
    }
    folder_sort(f);
}

static json_t *record_doc_json(const struct kp_doc_entry *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", manifest_str(d->path));
    json_object_set_new(o, "kind", json_string(d->packet ? "packet" : "review"));
    json_object_set_new(o, "id", manifest_str(d->id ? d->id : ""));
    json_object_set_new(o, "pages", json_integer(d->pages));
    json_object_set_new(o, "bytes", json_integer(d->bytes));
    json_object_set_new(o, "sha256", d->sha256[0] ? json_string(d->sha256) : json_null());
    if (!d->sha256[0])
        json_object_set_new(o, "pending", json_true());
    return o;
}

/* Write the record (sorted) and fsync the folder. 0 or -1 (reported). */
static int folder_write(const char *outdir, struct folder *f)
{
    folder_sort(f);
    json_t *a = json_array();
    for (size_t i = 0; i < f->n; i++)
        json_array_append_new(a, record_doc_json(&f->docs[i]));
    struct kp_buf b = {0};
    buf_adds(&b, "{\n");
    manifest_put(&b, "format", json_string(KP_FOLDER_FORMAT), 0);
    manifest_put(&b, "runs", json_incref(f->runs), 0);
    manifest_put(&b, "documents", a, 1);
    buf_adds(&b, "}\n");
    char *p = path_join(outdir, KP_FOLDER_RECORD);
    int rc = sys_write_atomic(p, b.s, b.len);
    if (rc == 0)
        rc = sys_fsync_dir(outdir);
    free(p);
    buf_free(&b);
    return rc;
}

/* The kind and id a pending path will have (before its entry is known). */
static void guess_entry(struct kp_doc_entry *d, const char *path)
{
    d->path = xstrdup(path);
    d->packet = !str_has_prefix(path, "reviews/");
    const char *base = path_base(path);
    d->id = xstrndup(base, strlen(base) > 4 ? strlen(base) - 4 : strlen(base));
}

int manifest_intend(const char *outdir, const char *scope, char *const *paths, size_t n)
{
    int lock = sys_lock_dir(outdir);
    if (lock < 0)
        return -1;
    struct folder f;
    folder_load(outdir, &f, 1);
    size_t old = f.n;
    for (size_t i = 0; i < n; i++) {
        struct kp_doc_entry *d = folder_find(f.docs, old, paths[i]);
        if (d)
            d->sha256[0] = '\0'; /* pending: what it will hold is not known */
        else
            guess_entry(folder_add(&f), paths[i]);
    }
    json_t *run = json_object(); /* no time, no pid: the same runs, the same record */
    json_object_set_new(run, "scope", manifest_str(scope));
    json_object_set_new(run, "finished", json_false());
    json_array_append_new(f.runs, run);
    int rc = folder_write(outdir, &f);
    folder_free(&f);
    sys_unlock(lock);
    return rc;
}

static int doc_exists(const char *outdir, const char *rel)
{
    char *p = path_join(outdir, rel);
    int e = sys_is_regular(p);
    free(p);
    return e;
}

int manifest_settle(const char *outdir, const char *scope, int whole,
                    const struct kp_doc_entry *written, size_t n,
                    char *const *planned, size_t nplanned, struct kp_doc_entry **merged,
                    size_t *nmerged)
{
    *merged = NULL, *nmerged = 0;
    int lock = sys_lock_dir(outdir);
    if (lock < 0)
        return -1;
    struct folder f, out = {0};
    folder_load(outdir, &f, 0);
    struct kp_doc_entry *w = xcalloc(n + 1, sizeof *w);
    memcpy(w, written, n * sizeof *w);
    if (n)
        qsort(w, n, sizeof *w, by_path);
    for (size_t i = 0; i < n; i++) {
        struct kp_doc_entry *d = folder_add(&out);
        *d = w[i];
        d->path = xstrdup(w[i].path), d->id = xstrdup(w[i].id ? w[i].id : "");
    }
    /* The rest of the record: a whole run keeps only what it meant to
     * write and did not (when it exists: unknown content, still pending). */
    char **plan = xcalloc(nplanned + 1, sizeof *plan);
    memcpy(plan, planned, nplanned * sizeof *plan);
    if (nplanned)
        qsort(plan, nplanned, sizeof *plan, str_ptr_cmp);
    for (size_t i = 0; i < f.n; i++) {
        struct kp_doc_entry *d = &f.docs[i];
        if (folder_find(w, n, d->path) || !doc_exists(outdir, d->path))
            continue;
        int mine = nplanned && bsearch(&d->path, plan, nplanned, sizeof *plan, str_ptr_cmp);
        if (whole && !mine)
            continue;
        struct kp_doc_entry *k = folder_add(&out);
        *k = *d;
        k->path = xstrdup(d->path), k->id = xstrdup(d->id ? d->id : "");
    }
    /* This run has finished; a whole run starts the list again. */
    json_t *runs = json_array(), *run = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(f.runs, i, r)
    {
        if (!run && str_eq(json_string_value(json_object_get(r, "scope")), scope) &&
            json_is_false(json_object_get(r, "finished")))
            run = r;
    }
    if (run)
        json_object_set_new(run, "finished", json_true());
    if (whole && run)
        json_array_append(runs, run);
    else
        json_array_extend(runs, f.runs);
    json_decref(out.runs);
    out.runs = runs;
    int rc = folder_write(outdir, &out);
    sys_unlock(lock);
    struct kp_doc_entry *m = xcalloc(out.n + 1, sizeof *m);
    size_t k = 0;
    for (size_t j = 0; j < out.n; j++)
        if (out.docs[j].sha256[0]) {
            m[k] = out.docs[j];
            m[k].path = xstrdup(m[k].path), m[k].id = xstrdup(m[k].id);
            k++;
        }
    *merged = m, *nmerged = k;
    folder_free(&out), folder_free(&f);
    free(w), free(plan);
    return rc;
}

size_t manifest_previous_docs(const char *outdir, struct kp_doc_entry **docs)
{
    struct folder f;
    folder_load(outdir, &f, 0);
    json_decref(f.runs);
    *docs = f.docs ? f.docs : xcalloc(1, sizeof **docs);
    return f.n;
}

void manifest_docs_free(struct kp_doc_entry *docs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(docs[i].path), free(docs[i].id);
    free(docs);
}
