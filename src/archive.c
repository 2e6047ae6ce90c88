/* archive — see archive.h. The period's manifest is read into a struct
 * period (documents and events), changed in memory, and written back as a
 * new version; SHA256SUMS is derived from it (never from what is on disk,
 * so filing new documents cannot bless an altered one). */
#include "archive.h"

#include "diag.h"
#include "hash.h"
#include "manifest.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One archived document version. */
struct adoc {
    char *path;   /* relative to the period folder */
    char *kind;   /* "review" or "packet" */
    char *id;     /* rep_id or team */
    char *source; /* its path in OUTDIR */
    int version, pages;
    long long bytes;
    char sha256[KP_SHA256_HEX];
    long archived;   /* the event that filed it */
    long superseded; /* the event that replaced it; 0 = current */
};

/* A period's manifest. */
struct period {
    char *label, *folder;
    long version;   /* = number of events */
    char *previous; /* hex SHA-256 of history/<version - 1>, NULL for version 1 */
    struct adoc *docs;
    size_t ndocs, cap;
    json_t *events; /* array */
};

static void period_free(struct period *P)
{
    for (size_t i = 0; i < P->ndocs; i++)
        free(P->docs[i].path), free(P->docs[i].kind), free(P->docs[i].id), free(P->docs[i].source);
    free(P->docs);
    free(P->label), free(P->folder), free(P->previous);
    json_decref(P->events);
    memset(P, 0, sizeof *P);
}

static int adoc_cmp(const void *a, const void *b)
{
    return strcmp(((const struct adoc *)a)->path, ((const struct adoc *)b)->path);
}

static char *history_name(long version)
{
    return xasprintf("history/%04ld.json", version);
}

/* ------------------------------------------------------------------ */
/* Reading and writing a period manifest                               */

static const char *jget_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int jget_long(const json_t *o, const char *key, long lo, long *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > 1000000000)
        return -1;
    *out = (long)json_integer_value(v);
    return 0;
}

static int is_hex64(const char *s)
{
    return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* A path inside the period folder: relative, no "..", no empty part. */
static int is_inner_path(const char *p)
{
    return p && *p && p[0] != '/' && !strstr(p, "..") && !strstr(p, "//") &&
           p[strlen(p) - 1] != '/';
}

static int read_adoc(const json_t *o, struct adoc *d)
{
    long version, pages, archived, superseded = 0;
    const char *path = jget_str(o, "path"), *kind = jget_str(o, "kind"), *id = jget_str(o, "id");
    const char *sha = jget_str(o, "sha256"), *source = jget_str(o, "source");
    const json_t *bytes = json_object_get(o, "bytes"), *sup = json_object_get(o, "superseded");
    if (!is_inner_path(path) || !kind || !id || !is_hex64(sha) || !json_is_integer(bytes) ||
        jget_long(o, "version", 1, &version) || jget_long(o, "pages", 0, &pages) ||
        jget_long(o, "archived", 1, &archived) ||
        (sup && !json_is_null(sup) && jget_long(o, "superseded", 1, &superseded)))
        return -1;
    d->path = xstrdup(path), d->kind = xstrdup(kind), d->id = xstrdup(id);
    d->source = source ? xstrdup(source) : NULL;
    d->version = (int)version, d->pages = (int)pages;
    d->bytes = json_integer_value(bytes);
    memcpy(d->sha256, sha, KP_SHA256_HEX);
    d->archived = archived, d->superseded = superseded;
    return 0;
}

static int read_docs(const json_t *a, struct period *P)
{
    if (!json_is_array(a))
        return -1;
    for (size_t i = 0; i < json_array_size(a); i++) {
        xgrow(&P->docs, &P->cap, P->ndocs + 1, sizeof *P->docs);
        memset(&P->docs[P->ndocs], 0, sizeof *P->docs);
        if (read_adoc(json_array_get(a, i), &P->docs[P->ndocs]) != 0)
            return -1;
        P->ndocs++;
    }
    qsort(P->docs, P->ndocs, sizeof *P->docs, adoc_cmp);
    for (size_t i = 1; i < P->ndocs; i++)
        if (strcmp(P->docs[i - 1].path, P->docs[i].path) == 0)
            return -1;
    return 0;
}

/* Parse a period manifest (manifest.json or a history version). 0, or -1
 * with P freed. */
static int period_parse(const char *data, size_t len, struct period *P)
{
    memset(P, 0, sizeof *P);
    json_t *o = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
    const char *prev = jget_str(o, "previous"), *label = jget_str(o, "period");
    const char *folder = jget_str(o, "folder");
    int rc = -1;
    if (o && str_eq(jget_str(o, "format"), KP_ARCHIVE_FORMAT) && folder &&
        jget_long(o, "version", 1, &P->version) == 0 && (prev ? is_hex64(prev) : P->version == 1) &&
        json_is_array(json_object_get(o, "events")) &&
        json_array_size(json_object_get(o, "events")) == (size_t)P->version) {
        P->label = label ? xstrdup(label) : NULL;
        P->folder = xstrdup(folder);
        P->previous = prev ? xstrdup(prev) : NULL;
        P->events = json_incref(json_object_get(o, "events"));
        rc = read_docs(json_object_get(o, "documents"), P);
    }
    json_decref(o);
    if (rc != 0)
        period_free(P);
    return rc;
}

static json_t *adoc_json(const struct adoc *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(d->path));
    json_object_set_new(o, "kind", json_string(d->kind));
    json_object_set_new(o, "id", manifest_str(d->id));
    json_object_set_new(o, "version", json_integer(d->version));
    json_object_set_new(o, "pages", json_integer(d->pages));
    json_object_set_new(o, "bytes", json_integer(d->bytes));
    json_object_set_new(o, "sha256", json_string(d->sha256));
    json_object_set_new(o, "archived", json_integer(d->archived));
    json_object_set_new(o, "superseded", d->superseded ? json_integer(d->superseded) : json_null());
    json_object_set_new(o, "source", manifest_str(d->source));
    return o;
}

static void period_write(struct period *P, struct kp_buf *b)
{
    qsort(P->docs, P->ndocs, sizeof *P->docs, adoc_cmp);
    json_t *docs = json_array();
    for (size_t i = 0; i < P->ndocs; i++)
        json_array_append_new(docs, adoc_json(&P->docs[i]));
    buf_adds(b, "{\n");
    manifest_put(b, "format", json_string(KP_ARCHIVE_FORMAT), 0);
    manifest_put(b, "period", manifest_str(P->label), 0);
    manifest_put(b, "folder", json_string(P->folder), 0);
    manifest_put(b, "version", json_integer(P->version), 0);
    manifest_put(b, "previous", P->previous ? json_string(P->previous) : json_null(), 0);
    manifest_put(b, "documents", docs, 0);
    manifest_put(b, "events", json_incref(P->events), 1);
    buf_adds(b, "}\n");
}

/* ------------------------------------------------------------------ */
/* SHA256SUMS                                                          */

struct sum {
    char *path;
    char sha256[KP_SHA256_HEX];
    int seen;
};

struct sums {
    struct sum *v;
    size_t n, cap;
    long bad_line; /* first unreadable line, 0 = none */
};

static void sums_free(struct sums *S)
{
    for (size_t i = 0; i < S->n; i++)
        free(S->v[i].path);
    free(S->v);
    memset(S, 0, sizeof *S);
}

static int sum_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sum *)a)->path, ((const struct sum *)b)->path);
}

/* "<64 hex>  path" or "<64 hex> *path" per line. */
static void sums_parse(const char *data, struct sums *S)
{
    long line = 0;
    for (const char *s = data; *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        line++;
        char *hex = xstrndup(s, len < 64 ? len : 64);
        if (len > 66 && is_hex64(hex) && s[64] == ' ' && (s[65] == ' ' || s[65] == '*')) {
            xgrow(&S->v, &S->cap, S->n + 1, sizeof *S->v);
            struct sum *e = &S->v[S->n++];
            e->path = xstrndup(s + 66, len - 66);
            memcpy(e->sha256, hex, KP_SHA256_HEX);
            e->seen = 0;
        } else if (len > 0 && !S->bad_line) {
            S->bad_line = line;
        }
        free(hex);
        s += len + (nl ? 1 : 0);
    }
    if (S->n)
        qsort(S->v, S->n, sizeof *S->v, sum_cmp);
}

static struct sum *sums_find(const struct sums *S, const char *path)
{
    struct sum key = {.path = (char *)path};
    return S->n ? bsearch(&key, S->v, S->n, sizeof *S->v, sum_cmp) : NULL;
}

/* Read dir/SHA256SUMS. 0, or the errno value. */
static int sums_read(const char *dir, struct sums *S)
{
    memset(S, 0, sizeof *S);
    char *p = path_join(dir, "SHA256SUMS"), *data = NULL;
    size_t len;
    int err = sys_read_file(p, &data, &len);
    if (!err)
        sums_parse(data, S);
    free(p), free(data);
    return err;
}

/* ------------------------------------------------------------------ */
/* Filing a run                                                        */

enum what { ADD, SAME, CHANGE };

struct item {
    const struct kp_doc_entry *src;
    char *target; /* relative to the period folder */
    long cur;     /* index of the current archived version at target, or -1 */
    enum what what;
};

struct job {
    const char *outdir, *to, *why;
    struct kp_run run;
    char *pdir; /* ARCHIVE/<folder> */
    struct period P;
    int fresh;       /* no manifest.json yet */
    int behind;      /* SHA256SUMS is the one of the version before (a killed run) */
    char **found;    /* fresh: the files a killed first run left in the period folder */
    size_t nfound;
    char manifest_sha[KP_SHA256_HEX];
    struct item *items;
    size_t nitems, nadd, nchange;
};

static char *full(const struct job *J, const char *rel)
{
    return path_join(J->pdir, rel);
}

/* reviews/<team>/<rep>.pdf -> <team>/<rep>.pdf; packets/<team>.pdf ->
 * <team>/+packet.pdf; org.pdf (the org packet) -> +org.pdf; NULL for any
 * other path. ("+" is never in a name made from data.) */
static char *target_of(const struct kp_doc_entry *d)
{
    const char *p = d->path;
    size_t n = strlen(p);
    if (n < 5 || strcmp(p + n - 4, ".pdf") != 0)
        return NULL;
    if (!d->packet && str_has_prefix(p, "reviews/")) {
        const char *slash = strchr(p + 8, '/');
        if (!slash || slash == p + 8 || strchr(slash + 1, '/') || slash[1] == '.')
            return NULL;
        return xstrdup(p + 8);
    }
    if (d->packet && str_has_prefix(p, "packets/") && !strchr(p + 8, '/') && n > 12)
        return xasprintf("%.*s/+packet.pdf", (int)(n - 12), p + 8);
    if (d->packet && strcmp(p, "org.pdf") == 0)
        return xstrdup("+org.pdf");
    return NULL;
}

/* <team>/<rep>.pdf, version 1 -> <team>/<rep>+v1.pdf */
static char *old_name(const char *target, int version)
{
    return xasprintf("%.*s+v%d.pdf", (int)(strlen(target) - 4), target, version);
}

/* The period's folder keeps the ASCII rule whatever the run's names: an
 * archive spans years, and a period filed by an earlier version must not
 * split into two folders. The team folders inside follow the run's own. */
static char *period_folder(const struct kp_run *run)
{
    if (run->label && *run->label)
        return safe_name(run->label, 1);
    char *w = xasprintf("%s_%s", run->from, run->to);
    char *s = safe_name(w, 1);
    free(w);
    return s;
}

/* Every document still as the run wrote it? (Each is re-hashed.) */
static int check_sources(struct job *J)
{
    int bad = 0;
    for (size_t i = 0; i < J->run.ndocs; i++) {
        const struct kp_doc_entry *d = &J->run.docs[i];
        char *p = path_join(J->outdir, d->path), hex[KP_SHA256_HEX];
        int err = hash_file_hex(p, hex, NULL);
        if (err)
            diag(KP_ERROR, p, 0, 0, "cannot read: %s", strerror(err));
        else if (strcmp(hex, d->sha256) != 0)
            diag(KP_ERROR, p, 0, 0,
                 "has changed since the run wrote it (its hash is not the "
                 "one in %s)",
                 J->run.files[0]);
        bad |= err || strcmp(hex, d->sha256) != 0;
        free(p);
    }
    if (bad)
        diag(KP_ERROR, J->outdir, 0, 0,
             "nothing archived: run kpipress again to rebuild the "
             "documents and their manifest");
    return bad ? -1 : 0;
}

static int refuse(const struct job *J, const char *rel, const char *what)
{
    char *p = full(J, rel);
    diag(KP_ERROR, p, 0, 0, "%s", what);
    free(p);
    return -1;
}

static char *sums_text(const char *pdir, const struct period *P, const char *newest_sha);
static int chain_intact(const char *pdir, const struct period *P, const char *manifest_sha);

/* SHA256SUMS must be exactly what manifest.json and history/ make it, or
 * (a run killed after it renamed manifest.json) what the version before
 * made it: else it was cut or edited, and writing a new one would hide that. */
static int sums_check(struct job *J)
{
    char *sp = full(J, "SHA256SUMS"), *data = NULL, *want = NULL;
    size_t len = 0;
    int err = sys_read_file(sp, &data, &len);
    if (!err && !data)
        data = xstrdup(""); /* an empty file */
    if (err == ENOENT && J->P.version == 1) {
        J->behind = 1, err = 0; /* killed before the first SHA256SUMS was written */
    } else if (err) {
        diag(KP_ERROR, sp, 0, 0, "cannot be read (%s): nothing archived; run kpipress verify",
             strerror(err));
    } else if (want = sums_text(J->pdir, &J->P, J->manifest_sha),
               strlen(want) == len && memcmp(want, data, len) == 0) {
        err = 0;
    } else if (J->P.version > 1) {
        char *hn = history_name(J->P.version - 1), *hp = full(J, hn), *hdata = NULL;
        size_t hlen;
        struct period H;
        free(want), want = NULL;
        if (sys_read_file(hp, &hdata, &hlen) == 0 && period_parse(hdata, hlen, &H) == 0) {
            want = sums_text(J->pdir, &H, J->P.previous);
            J->behind = strlen(want) == len && memcmp(want, data, len) == 0;
            period_free(&H);
        }
        free(hn), free(hp), free(hdata);
        err = !J->behind;
    } else {
        err = 1;
    }
    if (err && data)
        diag(KP_ERROR, sp, 0, 0, "does not list what manifest.json and history/ record (lines "
             "cut, added or edited): nothing archived, so the evidence stays; run kpipress "
             "verify");
    free(sp), free(data), free(want);
    return err ? -1 : 0;
}

/* The period's manifest.json, checked against its history and SHA256SUMS
 * before anything is added to it. */
static int load_period(struct job *J)
{
    char *mp = full(J, "manifest.json"), *data = NULL;
    size_t len;
    int err = sys_read_file(mp, &data, &len), rc = 0;
    if (err == ENOENT) {
        char **v = NULL;
        size_t n = 0;
        if (sys_list_files(J->pdir, 1, &v, &n) != 0)
            v = NULL, n = 0;
        J->fresh = 1;
        J->found = v, J->nfound = n; /* checked against the plan (leftovers_check) */
    } else if (err) {
        diag(KP_SYSERR, mp, 0, 0, "cannot read: %s", strerror(err));
        rc = -1;
    } else if (period_parse(data, len, &J->P) != 0) {
        rc = refuse(J, "manifest.json", "is not a kpipress archive manifest: run kpipress verify");
    } else {
        hash_sha256_hex(data, len, J->manifest_sha);
        char *hn = history_name(J->P.version), *hp = full(J, hn), *hdata = NULL;
        size_t hlen;
        int same =
            sys_read_file(hp, &hdata, &hlen) == 0 && hlen == len && memcmp(hdata, data, len) == 0;
        if (!same)
            rc = refuse(J, "manifest.json",
                        "was altered since the last archive run (it is not the last version in "
                        "its history): nothing archived; run kpipress verify");
        else if (!chain_intact(J->pdir, &J->P, J->manifest_sha))
            rc = refuse(J, "history", "is broken (see above): nothing archived, so the evidence "
                        "stays; run kpipress verify");
        else
            rc = sums_check(J);
        free(hn), free(hp), free(hdata);
    }
    free(mp), free(data);
    return rc;
}

/* Index of the current version at path, or -1 (P->docs sorted by path). */
static long find_current(const struct period *P, const char *path)
{
    struct adoc key = {.path = (char *)path};
    struct adoc *d = P->ndocs ? bsearch(&key, P->docs, P->ndocs, sizeof *P->docs, adoc_cmp) : NULL;
    return d && d->superseded == 0 ? (long)(d - P->docs) : -1;
}

static struct adoc *cur_of(const struct job *J, const struct item *it)
{
    return it->cur >= 0 ? &J->P.docs[it->cur] : NULL;
}

static int plan_item(struct job *J, const struct kp_doc_entry *d, struct item *it)
{
    it->src = d;
    it->target = target_of(d);
    if (!it->target) {
        diag(KP_ERROR, J->outdir, 0, 0, "%s: not a review or packet path kpipress archives",
             d->path);
        return -1;
    }
    it->cur = find_current(&J->P, it->target);
    const struct adoc *cur = cur_of(J, it);
    const char *kind = d->packet ? "packet" : "review";
    if (cur && (strcmp(cur->id, d->id) != 0 || strcmp(cur->kind, kind) != 0)) {
        char *msg = xasprintf("holds the %s of \"%s\"; %s of \"%s\" cannot go there", cur->kind,
                              cur->id, d->path, d->id);
        refuse(J, it->target, msg);
        free(msg);
        return -1;
    }
    it->what = !cur ? ADD : strcmp(cur->sha256, d->sha256) == 0 ? SAME : CHANGE;
    J->nadd += it->what == ADD, J->nchange += it->what == CHANGE;
    return 0;
}

static int item_cmp(const void *a, const void *b)
{
    return strcmp(((const struct item *)a)->target, ((const struct item *)b)->target);
}

static int plan(struct job *J)
{
    J->items = xcalloc(J->run.ndocs + 1, sizeof *J->items);
    int rc = 0;
    for (size_t i = 0; i < J->run.ndocs; i++) {
        rc |= plan_item(J, &J->run.docs[i], &J->items[J->nitems]);
        if (J->items[J->nitems].target)
            J->nitems++;
    }
    qsort(J->items, J->nitems, sizeof *J->items, item_cmp);
    for (size_t i = 1; i < J->nitems; i++)
        if (strcmp(J->items[i - 1].target, J->items[i].target) == 0)
            rc = refuse(J, J->items[i].target, "two documents of the run would be filed here");
    return rc;
}

static int refuse_changes(const struct job *J)
{
    for (size_t i = 0; i < J->nitems; i++) {
        const struct item *it = &J->items[i];
        if (it->what != CHANGE)
            continue;
        const struct adoc *cur = cur_of(J, it);
        char *msg = xasprintf("differs from the archived copy (version %d, sha256 %.12s…; the "
                              "run's %s has %.12s…)",
                              cur->version, cur->sha256, it->src->path, it->src->sha256);
        refuse(J, it->target, msg);
        free(msg);
    }
    diag(KP_ERROR, J->to, 0, 0,
         "nothing archived: %zu %s differ%s from the archived copies; "
         "to replace them, keeping the old versions, run again with --supersede \"reason\"",
         J->nchange, J->nchange == 1 ? "document" : "documents", J->nchange == 1 ? "s" : "");
    return -1;
}

/* A file already at rel must hold exactly sha (a file left by a killed
 * archive run does). 0 when absent or equal. */
static int in_the_way(const struct job *J, const char *rel, const char *sha, const char *what)
{
    char *p = full(J, rel), hex[KP_SHA256_HEX];
    int rc = 0;
    if (sys_exists(p) && (hash_file_hex(p, hex, NULL) != 0 || strcmp(hex, sha) != 0))
        rc = refuse(J, rel, what);
    free(p);
    return rc;
}

/* What is on disk where we are about to write. */
static int disk_checks(const struct job *J)
{
    int rc = 0;
    for (size_t i = 0; i < J->nitems; i++) {
        const struct item *it = &J->items[i];
        if (it->what == ADD)
            rc |= in_the_way(J, it->target, it->src->sha256,
                             "is in the way: a file the archive's manifest does not list (run "
                             "kpipress verify)");
        if (it->what != CHANGE)
            continue;
        const struct adoc *cur = cur_of(J, it);
        char *p = full(J, it->target), hex[KP_SHA256_HEX];
        int err = hash_file_hex(p, hex, NULL);
        /* After a killed run the new bytes may be in place already, the old
         * ones safe under the +vN name. */
        char *old = old_name(it->target, cur->version), *op = full(J, old), ohex[KP_SHA256_HEX];
        int done = !err && strcmp(hex, it->src->sha256) == 0 &&
                   hash_file_hex(op, ohex, NULL) == 0 && strcmp(ohex, cur->sha256) == 0;
        if (!done && (err || strcmp(hex, cur->sha256) != 0))
            rc |= refuse(J, it->target,
                         err ? "is missing from the archive (run kpipress verify)"
                             : "was altered in the archive (run kpipress verify)");
        free(p), free(op);
        rc |= in_the_way(J, old, cur->sha256, "is in the way of the old version");
        free(old);
    }
    return rc;
}

/* Copy OUTDIR's document to the archive, checking its bytes once more. */
static int copy_doc(const struct job *J, const struct item *it)
{
    char *src = path_join(J->outdir, it->src->path), *dst = full(J, it->target), *data = NULL;
    size_t len;
    char hex[KP_SHA256_HEX];
    int err = sys_read_file(src, &data, &len), rc = -1;
    if (err)
        diag(KP_SYSERR, src, 0, 0, "cannot read: %s", strerror(err));
    else if (hash_sha256_hex(data, len, hex), strcmp(hex, it->src->sha256) != 0)
        diag(KP_ERROR, src, 0, 0, "changed while being archived");
    else
        rc = sys_write_atomic(dst, data, len);
    free(src), free(dst), free(data);
    return rc;
}

/* Keep the old version under its +vN name (a second name: the bytes stay). */
static int keep_old(const struct job *J, const struct item *it)
{
    char *old = old_name(it->target, cur_of(J, it)->version);
    char *o = full(J, old), *cur = full(J, it->target);
    int err = sys_exists(o) ? 0 : sys_link(cur, o);
    if (err)
        diag(KP_SYSERR, o, 0, 0, "cannot keep the old version: %s", strerror(err));
    free(old), free(o), free(cur);
    return err ? -1 : 0;
}

/* The folder of each target, made and (after the writes) synced. */
static int each_folder(const struct job *J, int sync)
{
    int rc = 0;
    for (size_t i = 0; i < J->nitems && rc == 0; i++) {
        const char *t = J->items[i].target;
        const char *slash = strrchr(t, '/');
        size_t len = slash ? (size_t)(slash - t) : 0; /* +org.pdf: the period's own folder */
        if (i > 0 && strncmp(J->items[i - 1].target, t, len + 1) == 0 &&
            !strchr(J->items[i - 1].target + len + 1, '/'))
            continue; /* same folder as the previous item (sorted) */
        char *rel = xstrndup(t, len), *dir = full(J, rel);
        rc = sync ? sys_fsync_dir(dir) : sys_mkdirs(dir);
        free(rel), free(dir);
    }
    return rc;
}

static int write_docs(const struct job *J)
{
    if (each_folder(J, 0) != 0)
        return -1;
    for (size_t i = 0; i < J->nitems; i++) {
        const struct item *it = &J->items[i];
        if (it->what == CHANGE && keep_old(J, it) != 0)
            return -1;
        if (it->what != SAME && copy_doc(J, it) != 0)
            return -1;
        sys_test_kill("archive-after-document", 0);
    }
    return each_folder(J, 1);
}

/* ------------------------------------------------------------------ */
/* The new manifest version                                            */

static void add_adoc(struct period *P, const struct item *it, long seq, int version)
{
    xgrow(&P->docs, &P->cap, P->ndocs + 1, sizeof *P->docs);
    struct adoc *d = &P->docs[P->ndocs++];
    memset(d, 0, sizeof *d);
    d->path = xstrdup(it->target);
    d->kind = xstrdup(it->src->packet ? "packet" : "review");
    d->id = xstrdup(it->src->id);
    d->source = xstrdup(it->src->path);
    d->version = version, d->pages = it->src->pages;
    d->bytes = it->src->bytes;
    memcpy(d->sha256, it->src->sha256, KP_SHA256_HEX);
    d->archived = seq;
}

static json_t *event_json(const struct job *J, long seq, json_t *added, json_t *superseded)
{
    char when[21];
    manifest_time(sys_now(), when);
    char *who = sys_user_name();
    json_t *e = json_object();
    json_object_set_new(e, "seq", json_integer(seq));
    json_object_set_new(e, "time", json_string(when));
    json_object_set_new(e, "who", manifest_str(who));
    json_object_set_new(e, "why", manifest_str(J->nchange ? J->why : NULL));
    json_object_set_new(e, "run_manifest_sha256", json_string(J->run.sha256));
    json_object_set_new(e, "run", json_deep_copy(J->run.provenance));
    json_object_set_new(e, "added", added);
    json_object_set_new(e, "superseded", superseded);
    free(who);
    return e;
}

/* Apply the plan to the period: an event, new entries, old ones renamed. */
static void update_period(struct job *J)
{
    struct period *P = &J->P;
    long seq = P->version + 1;
    json_t *added = json_array(), *superseded = json_array();
    for (size_t i = 0; i < J->nitems; i++) {
        const struct item *it = &J->items[i];
        if (it->what == ADD) {
            json_array_append_new(added, json_string(it->target));
            add_adoc(P, it, seq, 1);
        } else if (it->what == CHANGE) {
            struct adoc *cur = cur_of(J, it);
            int version = cur->version;
            char *old = old_name(it->target, version);
            json_t *s = json_object();
            json_object_set_new(s, "id", manifest_str(it->src->id));
            json_object_set_new(s, "old", json_string(old));
            json_object_set_new(s, "old_sha256", json_string(cur->sha256));
            json_object_set_new(s, "new", json_string(it->target));
            json_object_set_new(s, "new_sha256", json_string(it->src->sha256));
            json_array_append_new(superseded, s);
            free(cur->path);
            cur->path = old; /* the old entry follows its bytes */
            cur->superseded = seq;
            add_adoc(P, it, seq, version + 1); /* appends: indexes stay valid */
        }
    }
    if (!P->events)
        P->events = json_array();
    json_array_append_new(P->events, event_json(J, seq, added, superseded));
    P->version = seq;
    free(P->previous);
    P->previous = J->fresh ? NULL : xstrdup(J->manifest_sha);
}

/* SHA256SUMS of the period P (in folder pdir): every document version
 * (hashes from the manifest), every history version before P's (hashed on
 * disk: chain_intact has checked them against P) and P's own version and
 * manifest.json (newest_sha). */
static char *sums_text(const char *pdir, const struct period *P, const char *newest_sha)
{
    struct kp_buf b = {0};
    buf_adds(&b, "");
    for (size_t i = 0; i < P->ndocs; i++)
        buf_printf(&b, "%s  %s\n", P->docs[i].sha256, P->docs[i].path);
    for (long k = 1; k < P->version; k++) {
        char *hn = history_name(k), *hp = path_join(pdir, hn), hex[KP_SHA256_HEX];
        if (hash_file_hex(hp, hex, NULL) == 0)
            buf_printf(&b, "%s  %s\n", hex, hn);
        free(hn), free(hp);
    }
    char *hn = history_name(P->version);
    buf_printf(&b, "%s  %s\n%s  manifest.json\n", newest_sha, hn, newest_sha);
    free(hn);
    return buf_steal(&b);
}

/* history/NNNN.json, then manifest.json (the commit), then SHA256SUMS. */
static int commit(struct job *J)
{
    struct kp_buf m = {0};
    period_write(&J->P, &m);
    char sha[KP_SHA256_HEX];
    hash_sha256_hex(m.s, m.len, sha);
    char *hn = history_name(J->P.version), *hp = full(J, hn), *hdir = full(J, "history");
    char *mp = full(J, "manifest.json"), *sp = full(J, "SHA256SUMS");
    int rc = sys_mkdirs(hdir);
    rc = rc || sys_write_atomic(hp, m.s, m.len) || sys_fsync_dir(hdir);
    if (rc == 0)
        sys_test_kill("archive-after-history", 0);
    rc = rc || sys_write_atomic(mp, m.s, m.len) || sys_fsync_dir(J->pdir);
    if (rc == 0)
        sys_test_kill("archive-after-manifest", 0);
    char *sums = sums_text(J->pdir, &J->P, sha);
    rc = rc || sys_write_atomic(sp, sums, strlen(sums)) || sys_fsync_dir(J->pdir);
    rc = rc || sys_fsync_dir(J->to);
    if (rc == 0)
        memcpy(J->manifest_sha, sha, sizeof sha);
    free(hn), free(hp), free(hdir), free(mp), free(sp), free(sums);
    buf_free(&m);
    return rc ? -1 : 0;
}

/* A killed run left manifest.json committed but SHA256SUMS behind: finish it. */
static int complete_killed(struct job *J)
{
    if (J->fresh || !J->behind)
        return 0;
    char *sums = sums_text(J->pdir, &J->P, J->manifest_sha), *sp = full(J, "SHA256SUMS");
    diag(KP_NOTE, sp, 0, 0, "completing an archive run that was interrupted");
    int rc = sys_write_atomic(sp, sums, strlen(sums)) || sys_fsync_dir(J->pdir);
    free(sums), free(sp);
    return rc ? -1 : 0;
}

static void job_free(struct job *J)
{
    for (size_t i = 0; i < J->nitems; i++)
        free(J->items[i].target);
    free(J->items);
    manifest_run_free(&J->run);
    period_free(&J->P);
    strv_free(J->found, J->nfound);
    free(J->pdir);
}

/* Every archived document version still has its bytes. The one exception
 * is a supersede killed after the new bytes took the name, the old ones
 * kept under +vN: the same --supersede run completes it (disk_checks). */
static int docs_intact(const struct job *J)
{
    int rc = 0;
    for (size_t i = 0; i < J->P.ndocs; i++) {
        const struct adoc *d = &J->P.docs[i];
        char *p = full(J, d->path), hex[KP_SHA256_HEX];
        int err = hash_file_hex(p, hex, NULL);
        free(p);
        if (!err && strcmp(hex, d->sha256) == 0)
            continue;
        struct item key = {.target = d->path};
        const struct item *it =
            J->nitems ? bsearch(&key, J->items, J->nitems, sizeof key, item_cmp) : NULL;
        if (!err && it && it->what == CHANGE && strcmp(hex, it->src->sha256) == 0)
            continue;
        rc = refuse(J, d->path, err ? "is missing from the archive: nothing archived, so the "
                                      "evidence stays; run kpipress verify"
                                    : "was altered in the archive (its hash is not the one in "
                                      "manifest.json): nothing archived, so the evidence "
                                      "stays; run kpipress verify");
    }
    return rc;
}

/* A period folder without manifest.json may hold what a killed first
 * archive run filed: this run's documents (their bytes are checked by
 * disk_checks) and history/0001.json (not committed: written again). Any
 * other file: refused. */
static int leftovers_check(const struct job *J)
{
    size_t mine = 0;
    int rc = 0;
    for (size_t i = 0; i < J->nfound; i++) {
        const char *f = J->found[i];
        struct item key = {.target = (char *)f};
        if (sys_is_tmp(f) || strcmp(f, "history/0001.json") == 0)
            continue;
        if (J->nitems && bsearch(&key, J->items, J->nitems, sizeof key, item_cmp))
            mine++;
        else
            rc = refuse(J, f, "is in a period folder that has no manifest.json, and is not a "
                        "document of this run: this is not an interrupted archive run of these "
                        "documents (run kpipress verify)");
    }
    if (rc == 0 && J->nfound)
        diag(KP_NOTE, J->pdir, 0, 0, "completing the first archive run of this period, which was "
             "interrupted (%zu of its %zu documents were filed)", mine, J->nitems);
    return rc;
}

static int file_run(struct job *J)
{
    if (load_period(J) != 0 || plan(J) != 0)
        return -1;
    if ((J->fresh ? leftovers_check(J) : docs_intact(J)) != 0 || complete_killed(J) != 0)
        return -1;
    if (J->nchange && !J->why)
        return refuse_changes(J);
    if (J->why && !J->nchange)
        diag(KP_NOTE, J->pdir, 0, 0,
             "--supersede: no archived document differs; nothing to "
             "supersede");
    if (J->nadd + J->nchange == 0) {
        diag(KP_NOTE, J->pdir, 0, 0, "nothing new: all %zu documents are archived already",
             J->nitems);
        return 0;
    }
    if (disk_checks(J) != 0 || write_docs(J) != 0)
        return -1;
    if (J->fresh) {
        J->P.label = J->run.label ? xstrdup(J->run.label) : NULL;
        J->P.folder = xstrdup(path_base(J->pdir));
    }
    update_period(J);
    if (commit(J) != 0)
        return -1;
    diag(KP_NOTE, J->pdir, 0, 0,
         "archived %zu new and %zu superseded %s (version %ld); "
         "manifest sha256 %s",
         J->nadd, J->nchange, J->nadd + J->nchange == 1 ? "document" : "documents", J->P.version,
         J->manifest_sha);
    return 0;
}

int archive_run(const char *outdir, const char *manifest, const char *to, const char *why)
{
    struct job J;
    memset(&J, 0, sizeof J);
    J.outdir = outdir, J.to = to, J.why = why;
    if (manifest_load(outdir, manifest, &J.run) != 0)
        return diag_status();
    if (check_sources(&J) == 0 && sys_check_writable(to) == 0) {
        int lock = sys_lock_dir(to);
        if (lock >= 0) {
            sys_sweep_tmp_tree(to);
            char *folder = period_folder(&J.run);
            J.pdir = path_join(to, folder);
            free(folder);
            file_run(&J);
            sys_unlock(lock);
        }
    }
    job_free(&J);
    return diag_status();
}

/* ------------------------------------------------------------------ */
/* Verifying                                                           */

struct tally {
    size_t missing, altered, unexpected, broken, temporary;
};

/* One report line on stdout: KIND PATH[: why]; control characters in
 * names from disk are shown as '?'. */
static FILE *out; /* verify's report */

static void put_name(const char *s)
{
    for (; s && *s; s++)
        putc((unsigned char)*s < 32 || *s == 127 ? '?' : *s, out);
}

static void report(const char *kind, const char *folder, const char *rel, const char *why)
{
    fprintf(out, "%-10s ", kind);
    put_name(folder);
    fputs(folder && rel && *rel ? "/" : "", out);
    put_name(rel);
    fprintf(out, "%s%s\n", why ? ": " : "", why ? why : "");
}

struct check {
    const char *root;   /* ARCHIVE */
    const char *folder; /* the period folder's name */
    char *pdir;
    struct sums sums;
    struct period P;
    int have_manifest;
    char manifest_sha[KP_SHA256_HEX];
    struct tally t;
};

static void broken(struct check *C, const char *rel, const char *why)
{
    report("broken", C->folder, rel, why);
    C->t.broken++;
}

/* Every file of the period on disk against SHA256SUMS. */
static void check_files(struct check *C, char **files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *f = files[i];
        if (strcmp(f, "SHA256SUMS") == 0)
            continue;
        if (sys_is_tmp(f)) {
            report("temporary", C->folder, f, "left by a killed run (ignored)");
            C->t.temporary++;
            continue;
        }
        struct sum *e = sums_find(&C->sums, f);
        char *p = path_join(C->pdir, f), hex[KP_SHA256_HEX];
        if (!e) {
            report("unexpected", C->folder, f, NULL);
            C->t.unexpected++;
        } else {
            e->seen = 1;
            if (!sys_is_regular(p) || hash_file_hex(p, hex, NULL) != 0 ||
                strcmp(hex, e->sha256) != 0) {
                report("altered", C->folder, f, NULL);
                C->t.altered++;
            }
        }
        free(p);
    }
    for (size_t i = 0; i < C->sums.n; i++)
        if (!C->sums.v[i].seen) {
            report("missing", C->folder, C->sums.v[i].path, NULL);
            C->t.missing++;
        }
}

/* Is rel a history/NNNN.json with NNNN <= version? */
static int is_history(const char *rel, long version)
{
    long k;
    int used = 0;
    return sscanf(rel, "history/%4ld.json%n", &k, &used) == 1 && (size_t)used == strlen(rel) &&
           strlen(rel) == 17 && k >= 1 && k <= version;
}

/* The manifest's documents and SHA256SUMS must agree, both ways. */
static void check_cross(struct check *C)
{
    for (size_t i = 0; i < C->P.ndocs; i++) {
        const struct adoc *d = &C->P.docs[i];
        const struct sum *e = sums_find(&C->sums, d->path);
        if (!e)
            broken(C, d->path, "recorded in manifest.json but not listed in SHA256SUMS");
        else if (strcmp(e->sha256, d->sha256) != 0)
            broken(C, d->path, "its hash in SHA256SUMS is not the one in manifest.json");
    }
    for (size_t i = 0; i < C->sums.n; i++) {
        const char *f = C->sums.v[i].path;
        struct adoc key = {.path = (char *)f};
        int doc = C->P.ndocs && bsearch(&key, C->P.docs, C->P.ndocs, sizeof key, adoc_cmp);
        if (!doc && strcmp(f, "manifest.json") != 0 && !is_history(f, C->P.version))
            broken(C, f, "listed in SHA256SUMS but not recorded in manifest.json");
    }
}

/* Every entry of the earlier version is still in the later one with the
 * same bytes (under its own path, or its +vN name once superseded), and the
 * earlier events are the later one's first events, unchanged. */
static void check_append_only(struct check *C, const char *hn, const struct period *a,
                              const struct period *b)
{
    for (size_t i = 0; i < a->ndocs; i++) {
        const struct adoc *d = &a->docs[i];
        char *old = old_name(d->path, d->version);
        const char *names[] = {d->path, old};
        int found = 0;
        for (size_t k = 0; k < 2 && !found; k++) {
            struct adoc key = {.path = (char *)names[k]};
            const struct adoc *e =
                b->ndocs ? bsearch(&key, b->docs, b->ndocs, sizeof key, adoc_cmp) : NULL;
            found =
                e && strcmp(e->sha256, d->sha256) == 0 && strcmp(e->id, d->id) == 0 &&
                e->version == d->version && e->archived == d->archived &&
                (e->superseded == d->superseded || (!d->superseded && e->superseded == b->version));
        }
        free(old);
        if (!found) {
            char *why = xasprintf("drops or changes %s (version %d) of the version before", d->path,
                                  d->version);
            broken(C, hn, why);
            free(why);
            return;
        }
    }
    for (size_t i = 0; i < json_array_size(a->events); i++)
        if (!json_equal(json_array_get(a->events, i), json_array_get(b->events, i))) {
            broken(C, hn, "rewrites an earlier event");
            return;
        }
}

/* history/0001.json … history/<version>.json: each names the previous one's
 * hash, each keeps everything of the one before, and the last one is
 * manifest.json. */
static void check_chain(struct check *C)
{
    struct period prev = {0};
    char prev_sha[KP_SHA256_HEX] = "";
    for (long k = 1; k <= C->P.version; k++) {
        char *hn = history_name(k), *hp = path_join(C->pdir, hn), *data = NULL, sha[KP_SHA256_HEX];
        size_t len;
        struct period H;
        if (sys_read_file(hp, &data, &len) != 0) {
            broken(C, hn, "cannot be read: the history is incomplete");
            period_free(&prev), prev_sha[0] = '\0';
        } else if (hash_sha256_hex(data, len, sha), period_parse(data, len, &H) != 0) {
            broken(C, hn, "is not a kpipress archive manifest");
            period_free(&prev), prev_sha[0] = '\0';
        } else {
            if (H.version != k)
                broken(C, hn, "its version is not its number");
            else if (k == 1 ? H.previous != NULL : *prev_sha && !str_eq(H.previous, prev_sha))
                broken(C, hn, "its \"previous\" is not the hash of the version before");
            if (prev.folder)
                check_append_only(C, hn, &prev, &H);
            if (k == C->P.version && strcmp(sha, C->manifest_sha) != 0)
                broken(C, "manifest.json", "is not the last version in history/");
            period_free(&prev);
            prev = H;
            memcpy(prev_sha, sha, sizeof sha);
        }
        free(hn), free(hp), free(data);
    }
    period_free(&prev);
}

/* archive's check before it adds a version: the chain check of verify,
 * reported on stderr. */
static int chain_intact(const char *pdir, const struct period *P, const char *manifest_sha)
{
    struct check C;
    memset(&C, 0, sizeof C);
    C.folder = path_base(pdir);
    C.pdir = (char *)pdir;
    C.P = *P; /* borrowed: not freed here */
    memcpy(C.manifest_sha, manifest_sha, KP_SHA256_HEX);
    FILE *was = out;
    out = stderr;
    check_chain(&C);
    fflush(out);
    out = was;
    return C.t.broken == 0;
}

static void read_manifest(struct check *C)
{
    char *p = path_join(C->pdir, "manifest.json"), *data = NULL;
    size_t len;
    if (sys_read_file(p, &data, &len) != 0 || period_parse(data, len, &C->P) != 0)
        broken(C, "manifest.json", "cannot be read as a kpipress archive manifest");
    else
        C->have_manifest = 1, hash_sha256_hex(data, len, C->manifest_sha);
    free(p), free(data);
}

static void summarize(const struct check *C)
{
    const struct tally *t = &C->t;
    if (t->missing + t->altered + t->unexpected + t->broken) {
        fprintf(out, "%s: NOT intact: %zu missing, %zu altered, %zu unexpected, %zu broken\n",
                C->folder, t->missing, t->altered, t->unexpected, t->broken);
        return;
    }
    size_t old = 0;
    for (size_t i = 0; i < C->P.ndocs; i++)
        old += C->P.docs[i].superseded != 0;
    fprintf(out, "%s: intact: %zu documents (%zu superseded), version %ld, manifest sha256 %s\n",
            C->folder, C->P.ndocs - old, old, C->P.version, C->manifest_sha);
}

static void verify_period(const char *root, const char *folder, char **files, size_t n,
                          struct tally *total)
{
    struct check C;
    memset(&C, 0, sizeof C);
    C.root = root, C.folder = folder;
    C.pdir = path_join(root, folder);
    if (sums_read(C.pdir, &C.sums) != 0) {
        report("missing", folder, "SHA256SUMS", NULL);
        C.t.missing++;
    } else if (C.sums.bad_line) {
        char *why = xasprintf("line %ld cannot be read", C.sums.bad_line);
        broken(&C, "SHA256SUMS", why);
        free(why);
    }
    read_manifest(&C);
    check_files(&C, files, n);
    if (C.have_manifest) {
        check_cross(&C);
        check_chain(&C);
    }
    summarize(&C);
    total->missing += C.t.missing, total->altered += C.t.altered;
    total->unexpected += C.t.unexpected, total->broken += C.t.broken;
    total->temporary += C.t.temporary;
    sums_free(&C.sums);
    period_free(&C.P);
    free(C.pdir);
}

/* A top-level folder: a period when it has a manifest.json, else every file
 * in it is unexpected. A folder of PDFs (and history/0001.json) with no
 * manifest.json is what a first archive run killed before its commit
 * leaves: a period, broken, that the same archive command completes.
 * files: relative to the folder. */
static int verify_folder(const char *dir, const char *folder, char **files, size_t n,
                         struct tally *t)
{
    int period = 0, first = n > 0;
    size_t filed = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(files[i]);
        int pdf = len > 4 && strcmp(files[i] + len - 4, ".pdf") == 0;
        period |= strcmp(files[i], "manifest.json") == 0;
        first &= sys_is_tmp(files[i]) || pdf || strcmp(files[i], "history/0001.json") == 0;
        filed += pdf && !sys_is_tmp(files[i]);
    }
    if (period) {
        verify_period(dir, folder, files, n, t);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        report(sys_is_tmp(files[i]) ? "temporary" : "unexpected", folder, files[i], NULL);
        *(sys_is_tmp(files[i]) ? &t->temporary : &t->unexpected) += 1;
    }
    if (!first || !filed)
        return 0;
    char *why = xasprintf("has no manifest.json: a first archive run was interrupted after "
                          "filing %zu %s; run the same kpipress archive command again to "
                          "complete it", filed, filed == 1 ? "document" : "documents");
    report("broken", folder, "", why);
    t->broken++;
    fprintf(out, "%s: NOT intact: an interrupted first archive run (no manifest.json yet)\n",
            folder);
    free(why);
    return 1;
}

static void verify_verdict(const char *dir, const struct tally *t, size_t periods, size_t nfiles)
{
    size_t bad = t->missing + t->altered + t->unexpected + t->broken;
    if (periods == 0)
        diag(KP_FATAL, dir, 0, 0,
             "is not a kpipress archive (no period folder with a "
             "manifest.json)");
    else if (bad)
        diag(KP_ERROR, dir, 0, 0,
             "NOT intact: %zu missing, %zu altered, %zu unexpected, "
             "%zu broken",
             t->missing, t->altered, t->unexpected, t->broken);
    else
        diag(KP_NOTE, dir, 0, 0, "intact: %zu %s, %zu files checked", periods,
             periods == 1 ? "period" : "periods", nfiles);
}

int archive_verify(const char *dir, FILE *report_to)
{
    out = report_to;
    if (!sys_is_dir(dir)) {
        diag(KP_FATAL, dir, 0, 0, "is not a folder");
        return diag_status();
    }
    char **v;
    size_t n, periods = 0;
    int err = sys_list_files(dir, 1, &v, &n);
    if (err) {
        diag(KP_SYSERR, dir, 0, 0, "cannot list: %s", strerror(err));
        return diag_status();
    }
    struct tally t = {0};
    for (size_t i = 0; i < n;) {
        const char *slash = strchr(v[i], '/');
        if (!slash) { /* a file at the top */
            report(sys_is_tmp(v[i]) ? "temporary" : "unexpected", NULL, v[i], NULL);
            *(sys_is_tmp(v[i]) ? &t.temporary : &t.unexpected) += 1;
            i++;
            continue;
        }
        size_t flen = (size_t)(slash - v[i]), j = i;
        while (j < n && strncmp(v[j], v[i], flen + 1) == 0)
            j++; /* sorted: a folder's files are together */
        char *folder = xstrndup(v[i], flen);
        char **files = xcalloc(j - i + 1, sizeof *files);
        for (size_t k = i; k < j; k++)
            files[k - i] = v[k] + flen + 1;
        periods += (size_t)verify_folder(dir, folder, files, j - i, &t);
        free(files), free(folder);
        i = j;
    }
    verify_verdict(dir, &t, periods, n);
    strv_free(v, n);
    fflush(out);
    return diag_status();
}
