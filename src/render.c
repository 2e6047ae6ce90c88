/* render — see render.h. */
#include "render.h"

#include "config.h"
#include "diag.h"
#include "figure.h"
#include "font.h"
#include "hash.h"
#include "image.h"
#include "lang.h"
#include "manifest.h"
#include "packet.h"
#include "pdf.h"
#include "record.h"
#include "sys.h"
#include "typeset.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One person or group line of results.json. */
struct line {
    long long off;
    size_t len;
    char *id, *team, *lang;
};

/* A job is one person's review, or a whole team: every member's review
 * built and rendered once, written when it belongs to this shard, and the
 * same bytes assembled into the team's packet (so charts, layout and PDF
 * writing are not done twice). */
enum { JOB_REVIEW, JOB_TEAM };
struct job {
    int kind;
    size_t idx;  /* person index, or the team's index among the groups */
    size_t team; /* JOB_TEAM: the team's number (its document is npeople + team) */
    size_t size; /* members (for the order: biggest teams first) */
};

struct render {
    const struct kp_config *cfg;
    const struct kp_render_opts *o;
    char *json;                  /* OUTDIR/results.json */
    struct kp_meta meta;
    int have_meta;
    int section;                 /* 0 before people, 1 people, 2 groups */
    struct line *people;
    size_t npeople, cap_people;
    size_t *by_id;               /* people indices sorted by id */
    char **paths;                /* [npeople + nteams] document paths (name_documents) */
    size_t nteams;
    size_t *team_group;          /* [nteams] the team's index among the groups */
    struct kp_doc_entry *docs;   /* [npeople + nteams] what the workers reported */
    unsigned char *written;      /* [npeople + nteams] */
    size_t expected;             /* documents this run (shard) writes */
    char **planned;              /* the paths this run may write (into paths) */
    size_t nplanned;
    struct kp_doc_entry org_doc; /* org.pdf, when written */
    int org_written;
    double ms[5];                /* time per stage (KPIPRESS_TIMINGS): see stage_names */
    struct kp_record **groups;   /* teams in order, then the org */
    size_t ngroups, cap_groups;
    struct kp_record *org;
    struct job *jobs;
    size_t njobs;
    struct kp_typeset ts;        /* per worker (set up in worker_init) */
    /* parent's tally */
    size_t ok, failed, pages;
    long long bytes;
    double t0;
    int last_pct;
    int bad_index;
    int missing_docs;      /* worker: documents of this job with undrawable characters */
    size_t missing_total;  /* parent: summed over the jobs */
    size_t full;           /* documents not written for a full disk */
    const char *full_path; /* the first of them */
};

/* ------------------------------------------------------------------ */
/* Reading results.json                                                */

static int strip_comma(const char *line, size_t len)
{
    return len > 0 && line[len - 1] == ',' ? 1 : 0;
}

static int index_line(void *arg, const char *line, size_t len, long long off)
{
    struct render *R = arg;
    char err[256];
    if (len == 0 || R->bad_index)
        return R->bad_index;
    if (str_has_prefix(line, "\"meta\": ")) {
        char *m = xstrndup(line + 8, len - 8 - strip_comma(line, len));
        R->have_meta = meta_read_json(m, &R->meta, err, sizeof err) == 0;
        if (!R->have_meta)
            diag(KP_FATAL, R->json, 0, 0, "%s", err);
        free(m);
        R->bad_index = !R->have_meta;
        return R->bad_index;
    }
    if (str_has_prefix(line, "\"people\":")) {
        R->section = 1;
        return 0;
    }
    if (str_has_prefix(line, "],") || str_has_prefix(line, "\"groups\":")) {
        R->section = str_has_prefix(line, "\"groups\":") ? 2 : R->section;
        return 0;
    }
    if (line[0] != '{' || len < 2 || !R->have_meta)
        return 0;
    struct kp_record *r = record_read_json(line, &R->meta, err, sizeof err);
    if (!r || !r->id) { /* an id is null only in a results.json someone edited */
        diag(KP_FATAL, R->json, 0, 0, "a record cannot be read (%s): run kpipress compute again",
             r ? "it has no \"id\"" : err);
        record_free(r);
        R->bad_index = 1;
        return 1;
    }
    if (r->kind == KP_REC_PERSON) {
        xgrow(&R->people, &R->cap_people, R->npeople + 1, sizeof *R->people);
        struct line *l = &R->people[R->npeople++];
        l->off = off, l->len = len - (size_t)strip_comma(line, len);
        l->id = xstrdup(r->id);
        l->team = xstrdup(r->team ? r->team : "");
        l->lang = xstrdup(r->lang ? r->lang : "");
        record_free(r);
    } else {
        xgrow(&R->groups, &R->cap_groups, R->ngroups + 1, sizeof *R->groups);
        R->groups[R->ngroups++] = r;
        if (r->kind == KP_REC_ORG)
            R->org = r;
    }
    return 0;
}

/* The results were computed with this config's KPIs? */
static int meta_matches(const struct render *R)
{
    const struct kp_config *c = R->cfg;
    if (R->meta.nkpis != c->nkpis)
        return 0;
    for (size_t i = 0; i < c->nkpis; i++)
        if (strcmp(R->meta.kpis[i], c->kpis[i].id) != 0)
            return 0;
    return 1;
}

static void index_people(struct render *R);

static long find_person(const struct render *R, const char *id);

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A team packet is in its members' majority language; on a tie, or with
 * no members, in [review] language (#15.6). */
static void team_langs(struct render *R)
{
    for (size_t g = 0; g < R->ngroups; g++) {
        struct kp_record *t = R->groups[g];
        if (t->kind != KP_REC_TEAM)
            continue;
        const char **v = xcalloc(t->nmembers + 1, sizeof *v), *best = NULL;
        size_t n = 0, nbest = 0, tie = 0;
        for (size_t m = 0; m < t->nmembers; m++) {
            long p = find_person(R, t->members[m].rep_id);
            if (p >= 0 && *R->people[p].lang)
                v[n++] = R->people[p].lang;
        }
        qsort(v, n, sizeof *v, str_cmp);
        for (size_t i = 0, j; i < n; i = j) {
            for (j = i; j < n && strcmp(v[j], v[i]) == 0; j++)
                ;
            if (j - i > nbest)
                best = v[i], nbest = j - i, tie = 0;
            else if (j - i == nbest)
                tie = 1;
        }
        char *lang = xstrdup(best && !tie ? best : R->cfg->language);
        free(t->lang);
        t->lang = lang;
        free(v);
    }
}

static int load_index(struct render *R)
{
    int err = sys_each_line(R->json, index_line, R);
    if (err) {
        diag(KP_FATAL, R->json, 0, 0, "cannot read: %s (run kpipress compute first)",
             strerror(err));
        return -1;
    }
    if (R->bad_index)
        return -1;
    index_people(R);
    team_langs(R);
    if (!R->have_meta) {
        diag(KP_FATAL, R->json, 0, 0, "not a kpipress results file: run kpipress compute again");
        return -1;
    }
    if (!meta_matches(R)) {
        diag(KP_FATAL, R->json, 0, 0, "was computed with other KPIs than %s: run kpipress "
             "compute again", R->cfg->path);
        return -1;
    }
    return 0;
}

static struct kp_record *read_person(const struct render *R, size_t i)
{
    char *line, err[256];
    int e = sys_read_range(R->json, R->people[i].off, R->people[i].len, &line);
    if (e) {
        diag(KP_SYSERR, R->json, 0, 0, "cannot read: %s", strerror(e));
        return NULL;
    }
    struct kp_record *r = record_read_json(line, &R->meta, err, sizeof err);
    if (!r) {
        diag(KP_ERROR, R->json, 0, 0, "%s: %s", R->people[i].id, err);
    } else if (!str_eq(r->id, R->people[i].id)) {
        /* The file was replaced since it was indexed (the folder lock keeps
         * other runs out; something else wrote it). */
        diag(KP_ERROR, R->json, 0, 0, "%s: the record at byte %lld is %s's: results.json "
             "changed while rendering; run kpipress run again", R->people[i].id,
             R->people[i].off, r->id ? r->id : "nobody");
        record_free(r);
        r = NULL;
    }
    free(line);
    return r;
}

static const struct render *sort_ctx;

static int by_id_cmp(const void *a, const void *b)
{
    return strcmp(sort_ctx->people[*(const size_t *)a].id, sort_ctx->people[*(const size_t *)b].id);
}

static void index_people(struct render *R)
{
    R->by_id = xmalloc((R->npeople ? R->npeople : 1) * sizeof *R->by_id);
    for (size_t i = 0; i < R->npeople; i++)
        R->by_id[i] = i;
    sort_ctx = R;
    qsort(R->by_id, R->npeople, sizeof *R->by_id, by_id_cmp);
    sort_ctx = NULL;
}

/* Index of the person with this id, or -1. */
static long find_person(const struct render *R, const char *id)
{
    size_t lo = 0, hi = R->npeople;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(R->people[R->by_id[mid]].id, id);
        if (c == 0)
            return (long)R->by_id[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static const struct kp_record *team_record(const struct render *R, const char *team)
{
    for (size_t g = 0; g < R->ngroups; g++)
        if (R->groups[g]->kind == KP_REC_TEAM && str_eq(R->groups[g]->id, team))
            return R->groups[g];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* File names                                                          */

/* [output] ascii_names = yes: today's ASCII-only names (util.h safe_name). */
static int ascii_names(const struct render *R)
{
    const char *v = config_get(R->cfg, "output", "ascii_names");
    return v && str_ieq(v, "yes");
}

/* ------------------------------------------------------------------ */
/* Jobs                                                                */

static int in_shard(const struct kp_render_opts *o, const char *key)
{
    if (o->shard_n <= 0)
        return 1;
    return (long)(hash64(key, strlen(key)) % (uint64_t)o->shard_n) == o->shard_k - 1;
}

static int wanted(const struct kp_render_opts *o, const char *id)
{
    if (o->nonly == 0)
        return 1;
    for (size_t i = 0; i < o->nonly; i++)
        if (strcmp(o->only[i], id) == 0)
            return 1;
    return 0;
}

static void add_job(struct render *R, int kind, size_t idx, size_t team, size_t size)
{
    R->jobs = xrealloc(R->jobs, (R->njobs + 1) * sizeof *R->jobs);
    struct job *j = &R->jobs[R->njobs++];
    j->kind = kind, j->idx = idx, j->team = team, j->size = size;
}

static int job_cmp(const void *a, const void *b)
{
    const struct job *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind == JOB_TEAM ? -1 : 1;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Every document's path, relative to OUTDIR: people first, then teams. */
static void name_documents(struct render *R)
{
    size_t nteams = 0;
    char **team_ids = xcalloc(R->ngroups + 1, sizeof *team_ids);
    for (size_t g = 0; g < R->ngroups; g++)
        if (R->groups[g]->kind == KP_REC_TEAM)
            team_ids[nteams++] = R->groups[g]->id;
    char **team_safe = safe_names(team_ids, nteams, ascii_names(R));
    char **person_ids = xcalloc(R->npeople + 1, sizeof *person_ids);
    for (size_t i = 0; i < R->npeople; i++)
        person_ids[i] = R->people[i].id;
    char **person_safe = safe_names(person_ids, R->npeople, ascii_names(R));
    free(person_ids);
    R->paths = xcalloc(R->npeople + nteams + 1, sizeof *R->paths);
    R->team_group = xcalloc(nteams + 1, sizeof *R->team_group);
    for (size_t g = 0, t = 0; g < R->ngroups; g++)
        if (R->groups[g]->kind == KP_REC_TEAM)
            R->team_group[t++] = g;
    for (size_t i = 0; i < R->npeople; i++) {
        size_t t = 0;
        while (t < nteams && strcmp(team_ids[t], R->people[i].team) != 0)
            t++;
        R->paths[i] = xasprintf("reviews/%s/%s.pdf", t < nteams ? team_safe[t] : "_",
                                person_safe[i]);
        free(person_safe[i]);
    }
    for (size_t t = 0; t < nteams; t++) {
        R->paths[R->npeople + t] = xasprintf("packets/%s.pdf", team_safe[t]);
        free(team_safe[t]);
    }
    R->nteams = nteams;
    free(person_safe), free(team_safe), free(team_ids);
}

/* Every document of this run (and shard), and the folders they go in: a
 * team job for each team whose packet is in this shard (it also writes its
 * members' reviews that are), a review job for everyone else selected. */
static int plan(struct render *R)
{
    name_documents(R);
    size_t ndocs = R->npeople + R->nteams;
    R->docs = xcalloc(ndocs + 1, sizeof *R->docs);
    R->written = xcalloc(ndocs + 1, 1);
    unsigned char *covered = xcalloc(R->npeople + 1, 1);
    R->planned = xcalloc(ndocs + 2, sizeof *R->planned);
    int rc = 0;
    for (size_t t = 0; t < R->nteams && R->o->nonly == 0; t++) {
        const struct kp_record *team = R->groups[R->team_group[t]];
        if (!in_shard(R->o, team->id))
            continue;
        add_job(R, JOB_TEAM, R->team_group[t], t, team->nmembers);
        R->expected++;
        for (size_t m = 0; m < team->nmembers; m++) {
            long p = find_person(R, team->members[m].rep_id);
            if (p >= 0 && in_shard(R->o, R->people[p].id) && !covered[p])
                covered[p] = 1, R->expected++;
        }
    }
    for (size_t i = 0; i < R->npeople; i++) {
        const struct line *l = &R->people[i];
        if (!covered[i] && wanted(R->o, l->id) && in_shard(R->o, l->id)) {
            add_job(R, JOB_REVIEW, i, 0, 1);
            covered[i] = 1, R->expected++;
        }
    }
    qsort(R->jobs, R->njobs, sizeof *R->jobs, job_cmp);
    /* The folders of the documents this run writes. */
    for (size_t i = 0; i < ndocs && rc == 0; i++) {
        int mine = i < R->npeople ? covered[i] : R->o->nonly == 0 &&
                                                     in_shard(R->o, R->groups[R->team_group[i - R->npeople]]->id);
        if (!mine)
            continue;
        R->planned[R->nplanned++] = R->paths[i];
        char *full = path_join(R->o->outdir, R->paths[i]);
        char *dir = path_dir(full);
        rc = sys_mkdirs(dir);
        free(dir), free(full);
    }
    free(covered);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Workers                                                             */

static void worker_init(void *arg)
{
    struct render *R = arg;
    diag_reset();
    if (!R->o->no_charts)
        R->ts.figures = figures_new(R->cfg, &R->meta);
}

static void worker_fini(void *arg)
{
    struct render *R = arg;
    figures_free(R->ts.figures);
}

/* A document with code points no face has (bundled or installed): a
 * warning naming the document, the person (or team) and the code points;
 * counted for the run's closing output. */
static void report_missing(struct render *R, const struct kp_pdf *doc, const char *doc_path,
                           const struct kp_record *r)
{
    const uint32_t *cps;
    size_t n = pdf_missing(doc, &cps);
    if (n == 0)
        return;
    struct kp_buf b = {0};
    for (size_t i = 0; i < n && i < 8; i++)
        buf_printf(&b, "%sU+%04X", i ? ", " : "", (unsigned)cps[i]);
    diag(KP_WARN, doc_path, 0, 0,
         "%s %s (%s): no font has %s%s (neither a bundled one nor an installed one that can be "
         "drawn without shaping); drawn as \xEF\xBF\xBD",
         r->kind == KP_REC_PERSON ? "the review of" : "the packet of", r->id,
         r->name ? r->name : r->id, b.s, n > 8 ? ", …" : "");
    buf_free(&b);
    R->missing_docs++;
}

/* Where a worker's time goes, summed by the parent for KPIPRESS_TIMINGS=1:
 * reading records, layout (ours), charts (gnuplot and the replay), writing
 * the PDF (libharu, zlib; a packet assembled by qpdf), writing the files
 * (and their hashes). */
enum { ST_READ, ST_LAYOUT, ST_CHARTS, ST_PDF, ST_FILES, ST_COUNT };
static const char *const stage_names[ST_COUNT] = {"read records", "layout", "charts",
                                                  "PDF (libharu, qpdf)", "files"};

static double charts_ms(const struct render *R)
{
    double engine = 0, replay = 0;
    long n = 0, failed = 0;
    if (R->ts.figures)
        figures_stats(R->ts.figures, &engine, &replay, &n, &failed);
    return engine + replay;
}

/* One person's review, built into its own document (NULL when the record
 * cannot be read: reported). */
static struct kp_pdf *build_review(struct render *R, size_t person, struct kp_record **rec)
{
    double t0 = sys_clock_ms();
    struct kp_record *r = read_person(R, person);
    double t1 = sys_clock_ms(), c0 = charts_ms(R);
    R->ms[ST_READ] += t1 - t0;
    if (!r)
        return NULL;
    struct kp_pdf *doc = pdf_new(R->ts.theme.paper);
    typeset_review(&R->ts, doc, r, team_record(R, r->team));
    double dc = charts_ms(R) - c0;
    R->ms[ST_CHARTS] += dc;
    R->ms[ST_LAYOUT] += sys_clock_ms() - t1 - dc;
    typeset_info(&R->ts, doc, r);
    report_missing(R, doc, R->paths ? R->paths[person] : NULL, r); /* none: a mail copy */
    if (rec)
        *rec = r;
    else
        record_free(r);
    return doc;
}

/* Render doc (NULL: it could not be built: reported) into *data, *len.
 * Returns 0 or -1 (after a diagnostic). */
static int render_doc(struct render *R, struct kp_pdf *doc, const char *path, char **data,
                      size_t *len)
{
    double t0 = sys_clock_ms();
    int rc = doc && pdf_render(doc, path, data, len) == 0 ? 0 : -1;
    R->ms[ST_PDF] += sys_clock_ms() - t0;
    return rc;
}

/* Write data (built: 0 = it could not be made) as document `which` and
 * note "which:pages:bytes:hash" (or "which:fail") in the job's result.
 * Returns 0 or -1. */
static int write_doc(struct render *R, size_t which, const char *path, int built,
                     const char *data, size_t len, int pages, struct kp_buf *result)
{
    double t0 = sys_clock_ms();
    int err = built ? sys_write_doc(path, data, len) : 0;
    if (err == ENOSPC || err == EDQUOT) { /* said once, by the parent */
        buf_printf(result, "%zu:full ", which);
        return -1;
    }
    if (err)
        diag(KP_SYSERR, path, 0, 0, "cannot write: %s", strerror(err));
    if (!built || err) {
        buf_printf(result, "%zu:fail ", which);
        return -1;
    }
    char hex[KP_SHA256_HEX];
    hash_sha256_hex(data, len, hex);
    buf_printf(result, "%zu:%d:%zu:%s ", which, pages, len, hex);
    R->ms[ST_FILES] += sys_clock_ms() - t0;
    return 0;
}

/* Render doc, write it as document `which` and report it (write_doc). */
static int emit(struct render *R, size_t which, struct kp_pdf *doc, struct kp_buf *result)
{
    char *path = path_join(R->o->outdir, R->paths[which]), *data = NULL;
    size_t len = 0;
    int built = render_doc(R, doc, path, &data, &len) == 0;
    int rc = write_doc(R, which, path, built, data, len, doc ? pdf_page_count(doc) : 0, result);
    free(data);
    free(path);
    return rc;
}

/* A packet's parts as rendered (owned here), for packet_assemble. */
struct parts {
    struct kp_packet_part *v; /* [0] the head, then the members */
    char **own;               /* what v points to: freed with it */
    size_t n, nown;
};

static const char *parts_own(struct parts *ps, char *s)
{
    ps->own[ps->nown++] = s;
    return s;
}

static void parts_free(struct parts *ps)
{
    for (size_t i = 0; i < ps->nown; i++)
        free(ps->own[i]);
    free(ps->own), free(ps->v);
}

/* The packet's head (cover, summary) rendered as part 0. Returns 0 or -1. */
static int packet_head(struct render *R, const struct kp_record *t, const char *path,
                       size_t which, struct parts *ps)
{
    struct kp_record **teams = xcalloc(R->nteams + 1, sizeof *teams);
    for (size_t k = 0; k < R->nteams; k++)
        teams[k] = R->groups[R->team_group[k]];
    double t0 = sys_clock_ms(), c0 = charts_ms(R);
    struct kp_pdf *head = pdf_new(R->ts.theme.paper);
    typeset_packet_begin(&R->ts, head, t, t->nmembers, R->org, teams, R->nteams);
    double dc = charts_ms(R) - c0;
    R->ms[ST_CHARTS] += dc;
    R->ms[ST_LAYOUT] += sys_clock_ms() - t0 - dc;
    typeset_info(&R->ts, head, t);
    report_missing(R, head, R->paths ? R->paths[which] : NULL, t);
    char *data = NULL;
    size_t len = 0;
    int rc = render_doc(R, head, path, &data, &len);
    struct kp_packet_part *p = &ps->v[ps->n++];
    p->pdf = parts_own(ps, data), p->len = len, p->name = path;
    p->title = typeset_packet_summary(&R->ts, t), p->label = "Team-";
    pdf_free(head);
    free(teams);
    return rc;
}

/* Member p's review: built and rendered once, written (and reported) when
 * it is in this shard, and kept as a part of the packet. Returns 0 or -1. */
static int packet_member(struct render *R, size_t p, struct parts *ps, struct kp_buf *result)
{
    struct kp_record *r = NULL;
    struct kp_pdf *review = build_review(R, p, &r);
    char *path = path_join(R->o->outdir, R->paths[p]), *data = NULL;
    size_t len = 0;
    int built = render_doc(R, review, path, &data, &len) == 0, rc = built ? 0 : -1;
    if (in_shard(R->o, R->people[p].id) &&
        write_doc(R, p, path, built, data, len, review ? pdf_page_count(review) : 0, result) != 0)
        rc = -1;
    struct kp_packet_part *pt = &ps->v[ps->n++];
    pt->pdf = parts_own(ps, data), pt->len = len, pt->name = parts_own(ps, path);
    if (r) {
        char *safe = safe_name(r->id, ascii_names(R));
        pt->title = parts_own(ps, xstrdup(r->name));
        pt->label = parts_own(ps, xasprintf("%s-", safe));
        free(safe);
    }
    pdf_free(review);
    record_free(r);
    return rc;
}

/* A team: its members' reviews (written when in this shard), then its
 * packet assembled from the head and those same bytes (packet.h). All the
 * members' PDFs are held at once: ~40 KB each. A packet missing a member is
 * not written. */
static int team_job(struct render *R, const struct job *j, struct kp_buf *result)
{
    const struct kp_record *t = R->groups[j->idx];
    size_t which = R->npeople + j->team;
    char *path = path_join(R->o->outdir, R->paths[which]);
    struct parts ps = {0};
    ps.v = xcalloc(t->nmembers + 1, sizeof *ps.v);
    ps.own = xcalloc(4 * t->nmembers + 1, sizeof *ps.own); /* data, path, title, label */
    int bad = packet_head(R, t, path, which, &ps) != 0;
    for (size_t m = 0; m < t->nmembers; m++) { /* in the team's rank order */
        long p = find_person(R, t->members[m].rep_id);
        if (p >= 0)
            bad |= packet_member(R, (size_t)p, &ps, result) != 0;
    }
    char *data = NULL;
    size_t len = 0;
    int pages = -1;
    if (!bad) {
        struct kp_packet pk = {
            .name = path, .title = t->name, .cover_label = "Cover-", .parts = ps.v, .nparts = ps.n};
        double t0 = sys_clock_ms();
        pages = packet_assemble(&pk, &data, &len);
        R->ms[ST_PDF] += sys_clock_ms() - t0;
    }
    bad |= write_doc(R, which, path, pages >= 0, data, len, pages, result) != 0;
    free(data), free(path);
    parts_free(&ps);
    return bad;
}

static int worker_job_run(struct render *R, const struct job *j, struct kp_buf *result);

static int worker_job(void *arg, size_t job, struct kp_buf *result)
{
    struct render *R = arg;
    const struct job *j = &R->jobs[job];
    long before = diag_count(KP_ERROR) + diag_count(KP_SYSERR);
    long sys_before = diag_count(KP_SYSERR);
    memset(R->ms, 0, sizeof R->ms);
    R->missing_docs = 0;
    int st = worker_job_run(R, j, result);
    buf_printf(result, "M:%d ", R->missing_docs);
    buf_printf(result, "T:%.3f:%.3f:%.3f:%.3f:%.3f ", R->ms[0], R->ms[1], R->ms[2], R->ms[3],
               R->ms[4]);
    /* 3: a system error (a full disk): the run's status is 3, as the
     * worker's message says. 2: written, but something was reported (a
     * chart that failed): the run is not clean. */
    if (diag_count(KP_SYSERR) > sys_before)
        return 3;
    if (!st && diag_count(KP_ERROR) + diag_count(KP_SYSERR) > before)
        return 2;
    return st;
}

static int worker_job_run(struct render *R, const struct job *j, struct kp_buf *result)
{
    int bad;
    if (j->kind == JOB_TEAM) {
        bad = team_job(R, j, result);
    } else {
        struct kp_pdf *doc = build_review(R, j->idx, NULL);
        bad = emit(R, j->idx, doc, result) != 0;
        pdf_free(doc);
    }
    return bad;
}

/* ------------------------------------------------------------------ */
/* The parent                                                          */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(struct render *R, int final)
{
    if (R->o->quiet)
        return;
    size_t done = R->ok + R->failed;
    double dt = now_s() - R->t0, rate = dt > 0 ? (double)done / dt : 0;
    int tty = isatty(2);
    int pct = R->expected ? (int)(100 * done / R->expected) : 100;
    if (!tty && (final || pct / 10 == R->last_pct / 10))
        return; /* plain lines: one per 10%; the summary note ends it */
    R->last_pct = pct;
    double eta = rate > 0 && R->expected > done ? (double)(R->expected - done) / rate : 0;
    char bar[21];
    for (int i = 0; i < 20; i++)
        bar[i] = i < pct / 5 ? '#' : '.';
    bar[20] = '\0';
    if (tty)
        fprintf(stderr, "\r  [%s] %zu/%zu documents  %.1f/s  ETA %d:%02d%s", bar, done, R->expected,
                rate, (int)eta / 60, (int)eta % 60, final ? "\n" : "");
    else
        fprintf(stderr, "kpipress: rendering %zu/%zu documents (%.1f/s)\n", done, R->expected, rate);
}

/* The documents a job was to write (for a job whose worker died). */
static void job_lost(struct render *R, const struct job *j, const char *why)
{
    size_t idx[2] = {j->idx, 0}, n = 1;
    if (j->kind == JOB_TEAM) {
        idx[0] = R->npeople + j->team;
        n = 1; /* its members' reviews are reported with the packet */
    }
    for (size_t i = 0; i < n; i++) {
        R->failed++;
        diag(KP_ERROR, R->paths[idx[i]], 0, 0, "not written: %s", why);
    }
}

static void job_done(void *arg, size_t job, int status, const char *result)
{
    struct render *R = arg;
    if (status < 0) {
        job_lost(R, &R->jobs[job], result);
        progress(R, 0);
        return;
    }
    if (status == 2)
        diag_raise(KP_ERROR);
    if (status == 3)
        diag_raise(KP_SYSERR);
    const char *p = result;
    while (*p) {
        if (p[0] == 'M' && p[1] == ':') {
            R->missing_total += strtoul(p + 2, NULL, 10);
            p += strcspn(p, " ");
            p += *p == ' ';
            continue;
        }
        if (p[0] == 'T' && p[1] == ':') {
            double v[ST_COUNT] = {0};
            if (sscanf(p, "T:%lf:%lf:%lf:%lf:%lf", &v[0], &v[1], &v[2], &v[3], &v[4]) == 5)
                for (int i = 0; i < ST_COUNT; i++)
                    R->ms[i] += v[i];
            p += strcspn(p, " ");
            p += *p == ' ';
            continue;
        }
        char *end;
        size_t which = (size_t)strtoull(p, &end, 10);
        if (end == p || *end != ':' || which >= R->npeople + R->nteams)
            break;
        p = end + 1;
        if (strncmp(p, "full", 4) == 0) {
            if (R->full++ == 0)
                R->full_path = R->paths[which];
        } else if (strncmp(p, "fail", 4) == 0) {
            R->failed++;
            if (!R->full) /* else a packet whose member did not fit: counted there */
                diag(KP_ERROR, R->paths[which], 0, 0, "not written (see above)");
        } else {
            struct kp_doc_entry *d = &R->docs[which];
            long long bytes = 0;
            int pages = 0;
            if (sscanf(p, "%d:%lld:%64s", &pages, &bytes, d->sha256) == 3) {
                d->pages = pages, d->bytes = bytes;
                R->written[which] = 1;
                R->ok++, R->pages += (size_t)pages, R->bytes += bytes;
                sys_test_kill("documents", (long)R->ok);
            }
        }
        p += strcspn(p, " ");
        p += *p == ' ';
    }
    progress(R, 0);
}

/* A full disk stops the batch: no document after it would fit either. */
static int pool_stop(void *arg)
{
    return ((const struct render *)arg)->full > 0;
}

/* One message for a full disk, however many documents it cost: the first
 * file, the reason, how many were not written. The manifests are not
 * written (there is no room) and the previous ones are removed (they no
 * longer describe the folder); the folder record keeps this run's names, so
 * the next run cleans up. */
static void disk_full(struct render *R)
{
    size_t lost = R->expected > R->ok ? R->expected - R->ok : 0;
    char *first = path_join(R->o->outdir, R->full_path);
    char *sums = manifest_sums_name(R->o->shard_k, R->o->shard_n);
    char *json = manifest_json_name(R->o->shard_k, R->o->shard_n);
    char *sp = path_join(R->o->outdir, sums), *jp = path_join(R->o->outdir, json);
    sys_remove(sp), sys_remove(jp);
    diag(KP_SYSERR, first, 0, 0, "cannot write: %s; the run stopped there: %zu of %zu documents "
         "not written, %s and %s removed (make room and run again)", strerror(ENOSPC), lost,
         R->expected, sums, json);
    free(first), free(sums), free(json), free(sp), free(jp);
}

static int load_langs(struct render *R)
{
    char *dir = path_join(sys_datadir(), "templates");
    const char *codes[] = {R->cfg->language, "en", "zh"};
    int rc = 0;
    R->ts.langs = xcalloc(KP_NELEM(codes), sizeof *R->ts.langs);
    for (size_t i = 0; i < KP_NELEM(codes) && rc == 0; i++) {
        int dup = 0;
        for (size_t k = 0; k < R->ts.nlangs; k++)
            dup |= strcmp(lang_code(R->ts.langs[k]), codes[i]) == 0;
        if (dup || (i > 0 && !lang_exists(dir, codes[i])))
            continue;
        struct kp_lang *l = lang_load(dir, codes[i]);
        if (!l)
            rc = -1;
        else
            R->ts.langs[R->ts.nlangs++] = l;
    }
    free(dir);
    return rc;
}

static int load_theme(struct render *R)
{
    struct kp_theme *th = &R->ts.theme;
    th->paper = R->cfg->letter ? KP_LETTER : KP_A4;
    const char *accent = config_get(R->cfg, "theme", "accent");
    th->accent = KP_RGB(0x1f4e79);
    if (accent)
        pdf_color_parse(accent, &th->accent); /* checked at config load */
    if (!R->cfg->logo)
        return 0;
    char *data, err[160];
    size_t len;
    int e = sys_read_file(R->cfg->logo, &data, &len);
    if (e) {
        diag(KP_FATAL, R->cfg->logo, 0, 0, "cannot read the logo: %s", strerror(e));
        return -1;
    }
    int rc = image_png_clean(data, len, (char **)&th->logo, &th->logo_len, err, sizeof err);
    if (rc != 0)
        diag(KP_FATAL, R->cfg->logo, 0, 0, "the logo: %s", err);
    free(data);
    return rc;
}

static int str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int whole_run(const struct render *R)
{
    return R->o->shard_n == 0 && R->o->nonly == 0;
}

/* A whole run (not a shard, not --only) removes the documents earlier runs
 * in this folder made (the folder record, manifest.h) that this one does
 * not: the review of someone no longer in the roster, or who moved to
 * another team, must not stay in a folder the team's manager is given. Only
 * under reviews/, packets/ or org.pdf; only documents still as the run that
 * wrote them said (same sha256), or that a run meant to write and never
 * said it did (it was killed: their content is not known, but their name
 * was reserved for kpipress before they were written); anything else is
 * left, with a warning when changed. */
static void remove_stale(struct render *R)
{
    if (!whole_run(R))
        return;
    struct kp_doc_entry *old;
    size_t n = manifest_previous_docs(R->o->outdir, &old), removed = 0;
    /* This run's documents, sorted for bsearch (a 10,000-person folder). */
    size_t nplan = R->npeople + R->nteams;
    const char **plan = xcalloc(nplan + 2, sizeof *plan);
    memcpy(plan, R->paths, nplan * sizeof *plan);
    if (R->org_written)
        plan[nplan++] = "org.pdf";
    qsort(plan, nplan, sizeof *plan, str_ptr_cmp);
    struct kp_buf names = {0};
    buf_adds(&names, "");
    for (size_t i = 0; i < n; i++) {
        const char *p = old[i].path;
        size_t len = strlen(p);
        int ours = (str_has_prefix(p, "reviews/") || str_has_prefix(p, "packets/") ||
                    strcmp(p, "org.pdf") == 0) &&
                   !strstr(p, "..") && len > 4 && strcmp(p + len - 4, ".pdf") == 0;
        if (!ours || bsearch(&p, plan, nplan, sizeof *plan, str_ptr_cmp))
            continue;
        char *full = path_join(R->o->outdir, p), sha[KP_SHA256_HEX];
        long long size = 0;
        if (!sys_is_regular(full)) {
            free(full);
            continue;
        }
        if (old[i].sha256[0] && (hash_file_hex(full, sha, &size) != 0 || strcmp(sha, old[i].sha256) != 0)) {
            diag(KP_WARN, full, 0, 0, "left in place: made by an earlier run for someone this run "
                 "has no document for, and changed since");
        } else if (sys_remove(full) == 0) {
            if (removed++ < 3)
                buf_printf(&names, "%s%s", removed > 1 ? ", " : "", p);
            char *dir = path_dir(full);
            sys_rmdir_empty(dir); /* a team folder left empty */
            free(dir);
        }
        free(full);
    }
    if (removed)
        diag(KP_NOTE, NULL, 0, 0, "removed %zu document%s of earlier runs in %s that this run "
             "does not make (%s%s)", removed, removed == 1 ? "" : "s", R->o->outdir, names.s,
             removed > 3 ? ", …" : "");
    buf_free(&names);
    free(plan);
    manifest_docs_free(old, n);
}

/* How the folder record names this run: "whole", "only R1 R2", "shard 2/4". */
static char *run_scope(const struct render *R)
{
    struct kp_buf scope = {0};
    if (R->o->shard_n > 0)
        buf_printf(&scope, "shard %ld/%ld", R->o->shard_k, R->o->shard_n);
    else if (R->o->nonly)
        for (size_t i = 0; i < R->o->nonly; i++)
            buf_printf(&scope, "%s%s", i ? " " : "only ", R->o->only[i]);
    else
        buf_adds(&scope, "whole");
    return buf_steal(&scope);
}

/* The folder record (manifest.h) takes the documents written; then
 * SHA256SUMS and manifest.json (in path order): a whole run's or a shard's
 * documents, or for --only every document the folder holds (the record's),
 * so that a partial run never makes the folder's manifest forget the rest. */
static void write_manifest(struct render *R)
{
    struct kp_doc_entry *docs = xcalloc(R->npeople + R->nteams + 2, sizeof *docs), *merged;
    size_t n = 0, nmerged;
    if (R->org_written)
        docs[n++] = R->org_doc;
    for (size_t i = 0; i < R->npeople + R->nteams; i++) {
        if (!R->written[i])
            continue;
        docs[n] = R->docs[i];
        docs[n].path = R->paths[i];
        docs[n].packet = i >= R->npeople;
        docs[n++].id = i < R->npeople ? R->people[i].id : R->groups[R->team_group[i - R->npeople]]->id;
    }
    char *scope = run_scope(R);
    manifest_settle(R->o->outdir, scope, whole_run(R), docs, n, R->planned, R->nplanned, &merged,
                    &nmerged);
    free(scope);
    if (R->o->nonly)
        manifest_write(R->o->outdir, R->cfg, &R->meta, merged, nmerged, 0, 0, sys_now());
    else
        manifest_write(R->o->outdir, R->cfg, &R->meta, docs, n, R->o->shard_k, R->o->shard_n,
                       sys_now());
    manifest_docs_free(merged, nmerged);
    free(docs);
}

static int org_wanted(const struct render *R);

/* Before any document is written: their names in the folder record, so a
 * run killed at any point leaves the list of what it may have made. */
static int intend(struct render *R)
{
    if (org_wanted(R))
        R->planned[R->nplanned++] = "org.pdf";
    char *scope = run_scope(R);
    int rc = manifest_intend(R->o->outdir, scope, R->planned, R->nplanned);
    free(scope);
    return rc;
}

/* The org packet (OUTDIR/org.pdf, [output] org_packet = yes): the company's
 * cover and summary, then every team's packet as written, bookmarked by
 * team, each team's bookmark opening onto its summary and members. Made by
 * the parent once all packets exist: an unsharded run only. */
static int org_wanted(const struct render *R)
{
    const char *want = config_get(R->cfg, "output", "org_packet");
    return want && str_ieq(want, "yes") && R->o->shard_n == 0 && !R->o->nonly && R->org &&
           R->nteams > 0;
}

static void org_packet(struct render *R)
{
    if (!org_wanted(R))
        return;
    struct kp_record **teams = xcalloc(R->nteams + 1, sizeof *teams);
    for (size_t k = 0; k < R->nteams; k++)
        teams[k] = R->groups[R->team_group[k]];
    struct kp_pdf *head = pdf_new(R->ts.theme.paper);
    typeset_org_begin(&R->ts, head, R->org, teams, R->nteams);
    typeset_info(&R->ts, head, R->org);
    char *hbytes = NULL;
    size_t hlen = 0;
    struct kp_packet_part *parts = xcalloc(R->nteams + 1, sizeof *parts);
    char **data = xcalloc(R->nteams + 1, sizeof *data);
    int bad = pdf_render(head, "org.pdf", &hbytes, &hlen) != 0;
    parts[0] = (struct kp_packet_part){hbytes, hlen, "org.pdf", typeset_org_summary(&R->ts, R->org),
                                       "Org-", 0};
    for (size_t t = 0; t < R->nteams && !bad; t++) {
        size_t w = R->npeople + t, len = 0;
        char *path = path_join(R->o->outdir, R->paths[w]);
        int e = R->written[w] ? sys_read_file(path, &data[t], &len) : -1;
        if (e)
            diag(KP_ERROR, "org.pdf", 0, 0, "not written: %s is missing", R->paths[w]);
        bad |= e != 0;
        char *safe = safe_name(teams[t]->id, ascii_names(R));
        parts[t + 1] = (struct kp_packet_part){data[t], len, R->paths[w], teams[t]->name,
                                               xasprintf("%.*s-", (int)utf8_prefix(safe, strlen(safe), 20), safe), 1};
        free(safe), free(path);
    }
    char *out = NULL;
    size_t olen = 0;
    struct kp_packet p = {"org.pdf", R->org->name && *R->org->name ? R->org->name : "*", "Cover-",
                          parts, R->nteams + 1};
    int pages = bad ? -1 : packet_assemble(&p, &out, &olen);
    char *opath = path_join(R->o->outdir, "org.pdf");
    if (pages >= 0 && sys_write_atomic_nosync(opath, out, olen) == 0) {
        R->org_doc.path = "org.pdf", R->org_doc.id = "*", R->org_doc.packet = 1;
        R->org_doc.pages = pages, R->org_doc.bytes = (long long)olen;
        hash_sha256_hex(out, olen, R->org_doc.sha256);
        R->org_written = 1;
        R->ok++, R->pages += (size_t)pages, R->bytes += (long long)olen;
    } else {
        R->failed++;
        diag(KP_ERROR, opath, 0, 0, "the org packet was not written");
    }
    for (size_t t = 0; t < R->nteams; t++)
        free(data[t]), free((char *)parts[t + 1].label);
    free(opath), free(out), free(hbytes), free(data), free(parts), free(teams);
    pdf_free(head);
}

static void render_free(struct render *R)
{
    for (size_t i = 0; i < R->npeople; i++)
        free(R->people[i].id), free(R->people[i].team), free(R->people[i].lang);
    free(R->people);
    free(R->by_id);
    for (size_t i = 0; R->paths && i < R->npeople + R->nteams; i++)
        free(R->paths[i]);
    free(R->paths);
    for (size_t g = 0; g < R->ngroups; g++)
        record_free(R->groups[g]);
    free(R->groups);
    free(R->jobs);
    free(R->team_group), free(R->docs), free(R->written), free(R->planned);
    for (size_t i = 0; i < R->ts.nlangs; i++)
        lang_free(R->ts.langs[i]);
    free(R->ts.langs);
    free(R->ts.theme.logo);
    if (R->have_meta)
        meta_free(&R->meta);
    free(R->json);
}

int render_run(const struct kp_config *cfg, const struct kp_render_opts *o)
{
    struct render R;
    memset(&R, 0, sizeof R);
    R.cfg = cfg, R.o = o;
    R.json = path_join(o->outdir, "results.json");
    R.ts.cfg = cfg;
    R.ts.meta = &R.meta;
    char *fonts = path_join(sys_datadir(), "fonts");
    int rc = load_index(&R) == 0 && load_langs(&R) == 0 && load_theme(&R) == 0 &&
                     (o->no_charts || figures_check(cfg) == 0) && font_init(fonts) == 0 &&
                     sys_tmpdir() && plan(&R) == 0 && intend(&R) == 0
                 ? 0
                 : -1;
    free(fonts);
    if (rc == 0) {
        long workers = o->jobs > 0 ? o->jobs : sys_cpu_count();
        struct kp_pool_ops ops = {worker_init, worker_job, worker_fini, job_done, pool_stop};
        R.t0 = now_s();
        if (sys_pool(workers, R.njobs, &ops, &R) != 0)
            rc = -1;
        progress(&R, 1);
        if (R.full) {
            disk_full(&R);
        } else {
            org_packet(&R);
            remove_stale(&R);
            sys_sync_fs(o->outdir); /* the documents were written without fsync each */
            write_manifest(&R);
        }
        double dt = now_s() - R.t0;
        diag(KP_NOTE, NULL, 0, 0, "%zu documents (%zu pages, %.1f MB) in %.2f s = %.1f/s%s%s",
             R.ok, R.pages, (double)R.bytes / 1e6, dt, dt > 0 ? (double)R.ok / dt : 0,
             R.failed ? "; not written: " : "", R.failed ? "see above" : "");
        if (R.missing_total)
            diag(KP_WARN, NULL, 0, 0,
                 "%zu document%s ha%s characters no font has, drawn as \xEF\xBF\xBD: see the "
                 "warnings above",
                 R.missing_total, R.missing_total == 1 ? "" : "s",
                 R.missing_total == 1 ? "s" : "ve");
        diag(KP_NOTE, NULL, 0, 0, "peak memory: %.1f MB (parent), %.1f MB (largest worker)",
             sys_peak_rss_kb(0) / 1024.0, sys_peak_rss_kb(1) / 1024.0);
        const char *t = getenv("KPIPRESS_TIMINGS");
        if (t && *t == '1' && R.ok) {
            struct kp_buf b = {0};
            for (int i = 0; i < ST_COUNT; i++)
                buf_printf(&b, "%s%s %.2f ms", i ? ", " : "", stage_names[i],
                           R.ms[i] / (double)R.npeople);
            diag(KP_NOTE, NULL, 0, 0, "timing: worker time per person: %s", b.s);
            buf_free(&b);
        }
    }
    render_free(&R);
    return diag_status();
}

int render_docpaths(const struct kp_config *cfg, const char *outdir, struct kp_docpath **out,
                    size_t *n)
{
    struct render R;
    struct kp_render_opts o = {0};
    memset(&R, 0, sizeof R);
    o.outdir = outdir;
    R.cfg = cfg, R.o = &o;
    R.json = path_join(outdir, "results.json");
    int rc = load_index(&R);
    if (rc == 0) {
        name_documents(&R);
        *n = R.npeople + R.nteams;
        *out = xcalloc(*n + 1, sizeof **out);
        for (size_t i = 0; i < R.npeople; i++) {
            (*out)[i].id = xstrdup(R.people[i].id);
            (*out)[i].team = xstrdup(R.people[i].team);
            (*out)[i].rel = xstrdup(R.paths[i]);
        }
        for (size_t g = 0, t = 0; g < R.ngroups; g++) {
            if (R.groups[g]->kind != KP_REC_TEAM)
                continue;
            struct kp_docpath *d = &(*out)[R.npeople + t];
            d->id = xstrdup(R.groups[g]->id);
            d->team = xstrdup(R.groups[g]->id);
            d->rel = xstrdup(R.paths[R.npeople + t]);
            d->packet = 1;
            t++;
        }
    }
    render_free(&R);
    return rc;
}

void render_docpaths_free(struct kp_docpath *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].id), free(v[i].team), free(v[i].rel);
    free(v);
}
