/* pipeline — see pipeline.h. Each command is a short sequence of stages;
 * everything a stage needs is passed in, and the exit status is the worst
 * diagnostic's (diag.h). */
#include "pipeline.h"

#include "archive.h"
#include "cli.h"
#include "coach.h"
#include "compute.h"
#include "config.h"
#include "crm.h"
#include "diag.h"
#include "figure.h"
#include "hash.h"
#include "ingest.h"
#include "mail.h"
#include "manifest.h"
#include "model.h"
#include "record.h"
#include "render.h"
#include "sample.h"
#include "sys.h"
#include "tables.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Loading                                                             */

static struct kp_config *load_config(const struct kp_opts *o)
{
    struct kp_config *c = config_load(o->config);
    if (c && config_override(c, o->roster, o->metrics, o->from, o->to) != 0) {
        config_free(c);
        c = NULL;
    }
    return c;
}

/* A stage's feed function and its argument, plus the input's hash. */
struct feed_ctx {
    void (*fn)(void *arg, const void *p, size_t n);
    void *arg;
    struct kp_hasher *h;
};

static void feed(void *arg, const void *p, size_t n)
{
    struct feed_ctx *f = arg;
    hash_update(f->h, p, n);
    f->fn(f->arg, p, n);
}

/* Stream one input file through ingest, hashing it on the way (the manifest
 * records each input's size and SHA-256). 0, or -1 when it could not be
 * read (reported: one line naming the file and the reason). */
/* Stream an input file through feed, hashing it into the newest entry of
 * d->inputs (the stage adds it at begin). 0, or the errno value. */
static int stream_hashed(struct kp_data *d, const char *path,
                         void (*feed_fn)(void *arg, const void *p, size_t n), void *arg)
{
    long long size = 0;
    struct feed_ctx f = {feed_fn, arg, hash_begin()};
    int err = sys_stream_file(path, feed, &f, &size);
    struct kp_input_file *file = &d->inputs[d->ninputs - 1];
    hash_end(f.h, file->sha256);
    file->size = size, file->hashed = !err;
    return err;
}

static void ingest_feed_cb(void *arg, const void *p, size_t n)
{
    ingest_feed(arg, p, n);
}

static int ingest_file(struct kp_ingest *in, struct kp_data *d, enum kp_input which,
                       const char *path)
{
    int e = sys_readable(path);
    if (e) {
        diag(KP_FATAL, path, 0, 0, "cannot read: %s",
             e == ENODEV ? "a device, not a file" : strerror(e));
        ingest_fail(in);
        return -1;
    }
    ingest_begin(in, which, path);
    int err = stream_hashed(d, path, ingest_feed_cb, in);
    int rc = ingest_end(in);
    if (err) {
        diag(KP_FATAL, path, 0, 0, "cannot read: %s", strerror(err));
        return -1;
    }
    return rc;
}

/* Wall-clock seconds for the stage timings, which only the benchmark asks
 * for (KPIPRESS_TIMINGS=1): nothing written, and no message, depends on the
 * clock otherwise. */
static double seconds(void)
{
    return sys_clock_ms() / 1000.0;
}

static int timings(void)
{
    const char *t = getenv("KPIPRESS_TIMINGS");
    return t && *t == '1';
}

static void crm_feed_cb(void *arg, const void *p, size_t n)
{
    crm_feed(arg, p, n);
}

/* Stream one file of the CRM export through crm. 0, or -1 (reported). */
static int crm_file(struct kp_crm *k, struct kp_data *d, enum kp_crm_file which)
{
    const char *path = crm_path(k, which);
    int e = sys_readable(path);
    if (e) {
        diag(KP_FATAL, path, 0, 0, "cannot read: %s",
             e == ENODEV ? "a device, not a file" : strerror(e));
        return -1;
    }
    crm_begin(k, which, path);
    int err = stream_hashed(d, path, crm_feed_cb, k);
    int rc = crm_end(k);
    if (err) {
        diag(KP_FATAL, path, 0, 0, "cannot read: %s", strerror(err));
        return -1;
    }
    return rc;
}

/* The people: the roster, or the CRM team list (crm.h). 0 or -1. */
static int load_people(const struct kp_opts *o, struct kp_config *c, struct kp_ingest *in,
                       struct kp_crm *k, struct kp_data *d)
{
    if (!k || !crm_path(k, KP_CRM_TEAM))
        return ingest_file(in, d, KP_IN_ROSTER, c->roster);
    if (o->roster) {
        diag(KP_FATAL, c->path, 0, 0, "--roster: this config reads its people from the CRM "
             "team list ([crm] team_list)");
        ingest_fail(in);
        return -1;
    }
    return crm_file(k, d, KP_CRM_TEAM);
}

/* Config and inputs; NULL (reported, exit status 2) when either is unusable.
 * With a [crm] section the deals (and the team list, the CRM targets) are
 * read too; metrics.csv then only when [input] metrics or --metrics names it. */
static struct kp_config *load_inputs_adjusted(const struct kp_opts *o, struct kp_data *d,
                                             void (*adjust)(struct kp_config *c))
{
    double t0 = seconds();
    struct kp_config *c = load_config(o);
    if (!c)
        return NULL;
    if (adjust)
        adjust(c);
    memset(d, 0, sizeof *d);
    if (hash_file_hex(c->path, d->config_sha256, NULL) != 0)
        d->config_sha256[0] = '\0';
    struct kp_ingest *in = ingest_new(c, d);
    int failed = 0;
    struct kp_crm *k = crm_new(c, d, in, &failed);
    int metrics = !k || o->metrics || config_get(c, "input", "metrics");
    /* Stop at the first unusable file: the later ones depend on it. */
    int bad = failed || load_people(o, c, in, k, d) != 0;
    bad = bad || (k && crm_people(k) != 0);
    bad = bad || (k && crm_file(k, d, KP_CRM_DEALS) != 0);
    bad = bad || (metrics && ingest_file(in, d, KP_IN_METRICS, c->metrics) != 0);
    bad = bad || (c->targets && ingest_file(in, d, KP_IN_TARGETS, c->targets) != 0);
    bad = bad || (k && crm_path(k, KP_CRM_TARGETS) && crm_file(k, d, KP_CRM_TARGETS) != 0);
    if (bad)
        ingest_fail(in);
    bad |= ingest_finish(in) != 0;
    crm_free(k);
    if (bad) {
        data_free(d);
        config_free(c);
        return NULL;
    }
    long rej = data_count_rejects(d);
    if (rej > 0)
        diag_raise(KP_ERROR);
    if (timings())
        diag(KP_NOTE, NULL, 0, 0, "timing: read the config and inputs in %.2f s", seconds() - t0);
    return c;
}

static struct kp_config *load_inputs(const struct kp_opts *o, struct kp_data *d)
{
    return load_inputs_adjusted(o, d, NULL);
}

struct kp_config *pipeline_load(const struct kp_opts *o, struct kp_data *d,
                                void (*adjust)(struct kp_config *c))
{
    return load_inputs_adjusted(o, d, adjust);
}

static const char *outdir_of(const struct kp_opts *o, const struct kp_config *c)
{
    return o->outdir ? o->outdir : c->outdir;
}

/* Days since epoch to print on documents: SOURCE_DATE_EPOCH when set, else
 * -1 (= the review's as-of date). Never the wall clock. */
static long doc_date(void)
{
    long long e = sys_source_date_epoch();
    return e >= 0 ? (long)(e / 86400) : -1;
}

/* --only: are all the named people there? */
static int check_only(const struct kp_opts *o, const struct kp_data *d)
{
    int bad = 0;
    for (size_t i = 0; i < o->nonly; i++)
        if (data_find_person(d, o->only[i]) < 0) {
            diag_fatal("--only %s: no such rep_id in the roster", o->only[i]);
            bad = 1;
        }
    return bad ? -1 : 0;
}

static int selected(const struct kp_opts *o, const char *rep_id)
{
    if (o->nonly == 0)
        return 1;
    for (size_t i = 0; i < o->nonly; i++)
        if (strcmp(o->only[i], rep_id) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Stages                                                              */

/* compute: the tables for everyone (or --only), streamed person by person. */
static int write_tables(const struct kp_opts *o, const struct kp_config *c,
                        const struct kp_data *d, struct kp_coaching *coach, const char *outdir)
{
    double t0 = seconds();
    struct kp_compute *k = compute_new(c, d, doc_date());
    struct kp_tables *t = tables_open(outdir, c, compute_meta(k));
    if (!t) {
        compute_free(k);
        return -1;
    }
    size_t n = 0;
    for (size_t p = 0; p < d->npeople; p++) {
        if (!selected(o, d->people[p].rep_id))
            continue;
        struct kp_record *r = compute_person(k, p);
        coach_person(coach, r, compute_meta(k));
        tables_person(t, r);
        record_free(r);
        n++;
    }
    for (size_t g = 0; g < compute_ngroups(k); g++) {
        struct kp_record *r = compute_group(k, g);
        tables_group(t, r);
        record_free(r);
    }
    tables_rejects(t, d);
    compute_free(k);
    if (tables_commit(t) != 0)
        return -1;
    diag(KP_NOTE, NULL, 0, 0, "%zu %s, %zu %s: tables in %s", n, n == 1 ? "person" : "people",
         d->nteams, d->nteams == 1 ? "team" : "teams", outdir);
    if (timings())
        diag(KP_NOTE, NULL, 0, 0, "timing: compute and tables in %.2f s", seconds() - t0);
    return 0;
}

/* The run's closing block (check, compute, run): per input its rows, used
 * and not used by kind; the KPIs left out and for how many people; how many
 * rows were rejected and where they are listed. Collected from kp_data while
 * it is there, printed when the command ends: one place, in a fixed order. */
struct closing_line {
    enum kp_level lvl;
    char *file;
    long line;
    char *text;
};
struct closing {
    struct closing_line *l;
    size_t n;
};

static void closing_add(struct closing *cl, enum kp_level lvl, const char *file, long line,
                        char *text)
{
    cl->l = xrealloc(cl->l, (cl->n + 1) * sizeof *cl->l);
    cl->l[cl->n++] = (struct closing_line){lvl, file ? xstrdup(file) : NULL, line, text};
}

static void closing_inputs(struct closing *cl, const struct kp_data *d)
{
    for (size_t i = 0; i < d->ninputs; i++) {
        const struct kp_input_file *f = &d->inputs[i];
        struct kp_buf b = {0};
        buf_printf(&b, "%ld rows: %ld used, %ld not used", f->rows, f->used, f->rejected);
        const char *sep = " (";
        for (size_t k = 0; k < d->nkinds; k++) {
            const struct kp_reject_kind *r = &d->kinds[k];
            if (r->input != i)
                continue;
            buf_printf(&b, "%s%ld \xC3\x97 %s, %s line %ld", sep, r->n, r->what,
                       r->n == 1 ? "at" : "first at", r->first);
            sep = "; ";
        }
        if (*sep == ';')
            buf_addc(&b, ')');
        /* a note: the line on the rejected rows below is the warning */
        closing_add(cl, KP_NOTE, f->name, 0, buf_steal(&b));
    }
}

static void closing_nodata(struct closing *cl, const struct kp_config *c, const struct kp_data *d)
{
    for (size_t k = 0; d->nodata && k < c->nkpis; k++) {
        if (!d->nodata[k])
            continue;
        size_t weighted = 0;
        for (size_t p = 0; p < d->npeople; p++) {
            int r = d->people[p].role_idx;
            weighted += r >= 0 && (size_t)r < c->nroles && c->roles[r].weight[k] > 0;
        }
        char *sec = xasprintf("kpi.%s", c->kpis[k].id);
        const char *file;
        long line = config_where(c, sec, "missing", &file);
        closing_add(cl, KP_WARN, file, line,
                    xasprintf("KPI %s left out: a column it needs is in no input (missing = "
                              "allow), so it is \"no data\" for all %zu people and left out "
                              "of the composite of %zu who are weighted on it",
                              c->kpis[k].id, d->npeople, weighted));
        free(sec);
    }
}

static void closing_rejects(struct closing *cl, const struct kp_data *d, const char *rejects)
{
    long rej = data_count_rejects(d);
    struct kp_buf b = {0};
    if (rej > 0)
        buf_printf(&b, "%ld %s rejected", rej, rej == 1 ? "row was" : "rows were");
    if (d->rejects_left_out > 0)
        buf_printf(&b, "%s%ld %s left out of rejects.csv ([output] rejects_max = %ld)",
                   b.s ? "; " : "", d->rejects_left_out,
                   d->rejects_left_out == 1 ? "row is" : "rows are", d->rejects_max);
    if (b.s)
        buf_printf(&b, "%s%s", rejects ? ": see " : " (kpipress compute lists them in rejects.csv)",
                   rejects ? rejects : "");
    if (b.s)
        closing_add(cl, KP_WARN, NULL, 0, buf_steal(&b));
}

static void closing_collect(struct closing *cl, const struct kp_config *c,
                            const struct kp_data *d, const char *rejects)
{
    closing_inputs(cl, d);
    closing_nodata(cl, c, d);
    closing_rejects(cl, d, rejects);
}

/* run's last line: where the reviews, packets and tables are, and how many
 * of each are there (the rejected rows: closing_rejects). */
static void closing_outputs(struct closing *cl, const struct kp_config *c, const char *outdir)
{
    struct kp_docpath *dp = NULL;
    size_t n = 0, have[2] = {0, 0}, want[2] = {0, 0};
    struct kp_buf said = {0};
    struct kp_diag_mark mark;
    diag_mark(&mark);
    diag_capture(&said); /* render has reported a missing results.json already */
    if (render_docpaths(c, outdir, &dp, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            char *p = path_join(outdir, dp[i].rel);
            want[dp[i].packet]++;
            have[dp[i].packet] += sys_is_regular(p) != 0;
            free(p);
        }
        render_docpaths_free(dp, n);
    }
    diag_capture(NULL);
    diag_rewind(&mark);
    buf_free(&said);
    struct kp_buf b = {0}, t = {0};
    buf_printf(&b, "in %s: ", outdir);
    const char *what[2] = {"review", "packet"}, *dir[2] = {"reviews", "packets"};
    for (int k = 0; k < 2; k++) {
        if (have[k] != want[k])
            buf_printf(&b, "%zu of ", have[k]);
        buf_printf(&b, "%zu %s%s in %s/, ", want[k], what[k], want[k] == 1 ? "" : "s", dir[k]);
    }
    char **v = NULL;
    size_t nv = 0, ntab = 0;
    if (sys_list_files(outdir, 0, &v, &nv) == 0)
        for (size_t i = 0; i < nv; i++) {
            const char *e = strrchr(v[i], '.');
            if (v[i][0] == '.' || sys_is_tmp(v[i]) || strcmp(v[i], "manifest.json") == 0 || !e ||
                (strcmp(e, ".csv") != 0 && strcmp(e, ".json") != 0 && strcmp(e, ".xlsx") != 0))
                continue;
            buf_printf(&t, "%s%s", ntab++ ? ", " : "", v[i]);
        }
    strv_free(v, nv);
    buf_printf(&b, "%zu tables (%s)", ntab, t.s ? t.s : "none");
    buf_free(&t);
    closing_add(cl, KP_NOTE, NULL, 0, buf_steal(&b));
}

static void closing_print(struct closing *cl)
{
    for (size_t i = 0; i < cl->n; i++) {
        diag(cl->l[i].lvl, cl->l[i].file, cl->l[i].line, 0, "%s", cl->l[i].text);
        free(cl->l[i].file), free(cl->l[i].text);
    }
    free(cl->l);
    memset(cl, 0, sizeof *cl);
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

/* A [review] history that reaches back before the first month with data:
 * the charts start at the data (figure.c), so say so. */
static void note_history(const struct kp_config *c, const struct kp_data *d)
{
    int first = d->nmonths;
    for (int m = 0; m < first; m++)
        for (size_t p = 0; p < d->npeople && first == d->nmonths; p++)
            for (size_t k = 0; k < d->ncols && first == d->nmonths; k++)
                if (isfinite(*data_cell(d, p, m, k)))
                    first = m;
    if (c->history <= 0 || first == 0 || first >= d->nmonths)
        return;
    char a[8], b[8];
    month_format(d->m0, a);
    month_format(d->m0 + first, b);
    int have = (int)(c->from - d->m0) - first;
    diag(KP_NOTE, c->path, config_line(c, "review", "history"), 0,
         "[review] history = %d reaches back to %s, but the data starts in %s: the monthly "
         "charts start there (%d month%s of history)",
         c->history, a, b, have < 0 ? 0 : have, have == 1 ? "" : "s");
}

int pipeline_check(const struct kp_opts *o)
{
    struct kp_data d;
    struct kp_config *c = load_inputs(o, &d);
    if (!c)
        return diag_status();
    note_history(c, &d);
    diag(KP_NOTE, c->path, 0, 0, "config OK: %zu KPIs, %zu roles, %zu people in %zu teams",
         c->nkpis, c->nroles, d.npeople, d.nteams);
    struct closing cl = {0};
    closing_collect(&cl, c, &d, NULL);
    closing_print(&cl);
    data_free(&d);
    config_free(c);
    return diag_status();
}

/* What compute and run share: config, inputs, coaching templates, the charts
 * check and --only, all before anything is written; then the output folder.
 * 0 when the tables can be written. */
struct prep {
    struct kp_config *c;
    struct kp_data d;
    struct kp_coaching *coach;
    const char *outdir;
    struct closing closing; /* printed when the command ends */
    int lock;               /* OUTDIR's, held until prep_free */
};

static int prepare(const struct kp_opts *o, struct prep *p, int charts)
{
    memset(p, 0, sizeof *p);
    p->lock = -1;
    p->c = load_inputs(o, &p->d);
    if (!p->c)
        return -1;
    p->outdir = outdir_of(o, p->c);
    char *tdir = path_join(sys_datadir(), "templates");
    p->coach = coach_new(p->c, &p->d, tdir);
    free(tdir);
    if (!p->coach || (charts && figures_check(p->c) != 0) || check_only(o, &p->d) != 0 ||
        sys_check_writable(p->outdir) != 0 ||
        (p->lock = sys_lock_outdir(p->outdir, 0, o->wait)) < 0)
        return -1;
    sys_sweep_tmp(p->outdir); /* under the lock: no other run's files */
    return 0;
}

static void prep_free(struct prep *p)
{
    closing_print(&p->closing);
    sys_unlock_outdir(p->lock);
    coach_free(p->coach);
    data_free(&p->d);
    config_free(p->c);
}

/* The tables; the closing block is collected for the end of the command. */
static int tables_stage(const struct kp_opts *o, struct prep *p)
{
    if (write_tables(o, p->c, &p->d, p->coach, p->outdir) != 0)
        return -1;
    char *rej = path_join(p->outdir, "rejects.csv");
    closing_collect(&p->closing, p->c, &p->d, rej);
    free(rej);
    return 0;
}

int pipeline_compute(const struct kp_opts *o)
{
    struct prep p;
    if (prepare(o, &p, 0) == 0)
        tables_stage(o, &p);
    prep_free(&p);
    return diag_status();
}

/* run: file the documents when the config names an archive ([archive] dir,
 * relative to the config's folder) and the run wrote its documents. */
static void archive_outputs(const struct kp_opts *o, const struct kp_config *c, const char *outdir)
{
    const char *dir = config_get(c, "archive", "dir");
    if (!dir || !*dir || diag_status() > 1)
        return;
    char *base = path_dir(c->path), *to = path_resolve(base, dir);
    char *name = manifest_json_name(o->shard_k, o->shard_n);
    archive_run(outdir, name, to, NULL);
    free(base), free(to), free(name);
}

static int render_outputs(const struct kp_opts *o, const struct kp_config *c, const char *outdir)
{
    /* Temporary files a killed run left; not when sharding (shards may render
     * into one folder at once, and would remove each other's). */
    if (o->shard_n == 0) {
        char *r = path_join(outdir, "reviews"), *p = path_join(outdir, "packets");
        sys_sweep_tmp_tree(r), sys_sweep_tmp_tree(p);
        free(r), free(p);
    }
    struct kp_render_opts ro = {outdir, o->jobs, o->shard_k, o->shard_n, o->only, o->nonly,
                                o->no_charts, o->quiet};
    return render_run(c, &ro);
}

/* mail's per-person PDF passwords are a roster column ([mail] pdf_password,
 * kept by [input] keep), read again here rather than carried in
 * results.json, so no password ever lands in an output file. The roster's
 * row messages were compute's business (rejects.csv): they are dropped,
 * unless the roster cannot be used at all. */
static int load_roster(const struct kp_config *c, struct kp_data *d)
{
    struct kp_buf said = {0};
    struct kp_diag_mark mark;
    diag_mark(&mark);
    diag_capture(&said);
    memset(d, 0, sizeof *d);
    struct kp_ingest *in = ingest_new(c, d);
    int bad = ingest_file(in, d, KP_IN_ROSTER, c->roster) != 0;
    bad |= ingest_finish(in) != 0;
    diag_capture(NULL);
    if (bad && said.s)
        fputs(said.s, stderr);
    if (!bad)
        diag_rewind(&mark);
    buf_free(&said);
    return bad ? -1 : 0;
}

/* The mail stage: `kpipress mail`, and the dry run that ends `kpipress run`
 * (in_run: never sends, prints nothing on stdout). */
static void mail_outputs(const struct kp_opts *o, const struct kp_config *c, const char *outdir,
                         int in_run)
{
    struct kp_data d;
    memset(&d, 0, sizeof d);
    int roster = mail_wants_roster(c);
    if (roster && load_roster(c, &d) != 0)
        return;
    struct kp_mail_opts mo = {outdir,          !in_run && o->send, !in_run && !o->send,
                              o->smtp,         o->resend,          o->nresend,
                              roster ? &d : NULL, in_run};
    mail_run(c, &mo);
    data_free(&d);
}

int pipeline_run(const struct kp_opts *o)
{
    struct prep p;
    if (prepare(o, &p, !o->no_charts) == 0 && tables_stage(o, &p) == 0) {
        data_free(&p.d); /* rendering needs only the tables */
        render_outputs(o, p.c, p.outdir);
        if (mail_configured(p.c) && o->shard_n == 0)
            mail_outputs(o, p.c, p.outdir, 1);
        archive_outputs(o, p.c, p.outdir);
        closing_outputs(&p.closing, p.c, p.outdir);
    }
    prep_free(&p);
    return diag_status();
}

int pipeline_render(const struct kp_opts *o)
{
    struct kp_config *c = load_config(o);
    if (!c)
        return diag_status();
    const char *outdir = outdir_of(o, c);
    /* Shards of one compute may render into one folder at once. */
    int lock = -1;
    if (sys_check_writable(outdir) == 0 &&
        (lock = sys_lock_outdir(outdir, o->shard_n > 0, o->wait)) >= 0)
        render_outputs(o, c, outdir);
    sys_unlock_outdir(lock);
    config_free(c);
    return diag_status();
}

int pipeline_explain(const struct kp_opts *o)
{
    struct kp_data d;
    struct kp_config *c = load_inputs(o, &d);
    if (!c)
        return diag_status();
    int p = data_find_person(&d, o->explain_rep);
    int k = config_find_kpi(c, o->explain_kpi);
    if (p < 0)
        diag_fatal("no rep_id \"%s\" in the roster", o->explain_rep);
    if (k < 0)
        diag_fatal("no KPI \"%s\" in the config", o->explain_kpi);
    if (p >= 0 && k >= 0) {
        struct kp_compute *comp = compute_new(c, &d, doc_date());
        struct kp_buf b = {0};
        compute_explain(comp, (size_t)p, k, &b);
        fputs(b.s, stdout);
        buf_free(&b);
        compute_free(comp);
    }
    struct closing cl = {0}; /* only when rows were rejected (the messages promise it) */
    if (data_count_rejects(&d) > 0 || d.nodata)
        closing_collect(&cl, c, &d, NULL);
    closing_print(&cl);
    data_free(&d);
    config_free(c);
    /* explain reports on one person: rejected rows elsewhere don't fail it. */
    return diag_status() == 1 ? 0 : diag_status();
}

int pipeline_mail(const struct kp_opts *o)
{
    struct kp_config *c = load_config(o);
    if (!c)
        return diag_status();
    mail_outputs(o, c, outdir_of(o, c), 0);
    config_free(c);
    return diag_status();
}

int pipeline_archive(const struct kp_opts *o)
{
    return archive_run(o->outdir, NULL, o->archive_to, o->supersede);
}

int pipeline_verify(const struct kp_opts *o)
{
    return archive_verify(o->verify_dir, stdout);
}

int pipeline_sample(const struct kp_opts *o)
{
    return sample_main(o);
}
