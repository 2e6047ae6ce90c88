/* Unit tests for coach: the shipped templates load (strictly, against the
 * sample KPI set); every template error is reported with its file, line and
 * column; prompts for hand-made records (no data, ties, a language without
 * texts, pacing, determinism); and, for every golden case, that every number
 * a prompt quotes is a figure of that person's results.csv / results.json
 * row, formatted the same way, or follows from them by the documented rule. */
#define _XOPEN_SOURCE 700
#include "unit.h"

#include "cli.h"
#include "coach.h"
#include "config.h"
#include "diag.h"
#include "expr.h"
#include "lang.h"
#include "model.h"
#include "pipeline.h"
#include "record.h"
#include "sys.h"
#include "util.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp[] = "/tmp/kp-coach-XXXXXX";

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    /* pipeline_compute finds templates/ through the data folder: this tree
     * (the sanitizer build's binaries sit one level deeper than usual). */
    char *cwd = getcwd(NULL, 0);
    setenv("KPIPRESS_DATADIR", cwd, 0);
    free(cwd);
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    if (sys_read_file(path, &data, &len) != 0)
        fail_msg("cannot read %s", path);
    char *copy = xstrndup(data, len);
    free(data);
    return copy;
}

static void spit(const char *path, const char *text)
{
    char *dir = path_dir(path);
    assert_int_equal(sys_mkdirs(dir), 0);
    assert_int_equal(sys_write_atomic(path, text, strlen(text)), 0);
    free(dir);
}

/* s with the first `from` replaced by `to` (which must be there). */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    if (!at)
        fprintf(stderr, "not found: %s\n", from);
    assert_non_null(at);
    return xasprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

/* 1-based line of the first occurrence of needle in text. */
static long line_of(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    assert_non_null(at);
    long n = 1;
    for (const char *p = text; p < at; p++)
        n += *p == '\n';
    return n;
}

/* Column (in characters) of needle within its line. */
static long col_of(const char *text, const char *needle)
{
    const char *at = strstr(text, needle), *bol = at;
    while (bol > text && bol[-1] != '\n')
        bol--;
    char *pre = xstrndup(bol, (size_t)(at - bol));
    long c = (long)utf8_count(pre) + 1;
    free(pre);
    return c;
}

/* ------------------------------------------------------------------ */
/* A config with [coaching] keys, and template folders with one edit   */

static int ncfg;

/* golden team-zh's config (language zh, absolute inputs) with coaching
 * keys; the caller config_free()s. */
static struct kp_config *config_with(const char *coaching)
{
    char *base = slurp("tests/golden/coach/team-zh/review.ini");
    char *cwd = getcwd(NULL, 0);
    char *abs_roster = xasprintf("roster  = %s/tests/golden/coach/team-zh/roster.csv", cwd);
    char *abs_metrics = xasprintf("metrics = %s/tests/golden/coach/team-en/metrics.csv", cwd);
    char *a = replace(base, "roster  = roster.csv", abs_roster);
    char *b = replace(a, "metrics = ../team-en/metrics.csv", abs_metrics);
    char *extra = xasprintf("[coaching]\n%s", coaching);
    char *c = replace(b, "[coaching]\n", extra);
    char *path = xasprintf("%s/cfg%d.ini", tmp, ncfg++);
    spit(path, c);
    struct kp_config *cfg = config_load(path);
    assert_non_null(cfg);
    free(base), free(cwd), free(abs_roster), free(abs_metrics), free(a), free(b), free(extra);
    free(c), free(path);
    return cfg;
}

/* A copy of the shipped templates in tmp/<name> with en_from -> en_to in
 * en/coaching.ini and zh_from -> zh_to in zh/coaching.ini (NULL: no edit). */
static char *templates_with(const char *name, const char *en_from, const char *en_to,
                            const char *zh_from, const char *zh_to)
{
    char *dir = xasprintf("%s/%s", tmp, name);
    const char *codes[] = {"en", "zh"};
    const char *from[] = {en_from, zh_from}, *to[] = {en_to, zh_to};
    for (int i = 0; i < 2; i++) {
        char *src = xasprintf("templates/%s/coaching.ini", codes[i]);
        char *dst = xasprintf("%s/%s/coaching.ini", dir, codes[i]);
        char *text = slurp(src);
        char *edited = from[i] ? replace(text, from[i], to[i]) : xstrdup(text);
        spit(dst, edited);
        free(src), free(dst), free(text), free(edited);
    }
    return dir;
}

/* One more edit of a file written by templates_with. */
static void edit(const char *path, const char *from, const char *to)
{
    char *text = slurp(path), *edited = replace(text, from, to);
    spit(path, edited);
    free(text), free(edited);
}

/* Load with [coaching] templates = dir; must fail with exactly these
 * messages (each a whole line, in any order, and nothing else). */
static void expect_load_error(const char *dir, const char *coaching_extra, const char *const *want,
                              size_t nwant)
{
    char *keys = xasprintf("templates = %s\n%s", dir, coaching_extra ? coaching_extra : "");
    struct kp_config *cfg = config_with(keys);
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    struct kp_coaching *c = coach_new(cfg, NULL, "templates");
    diag_capture(NULL);
    assert_int_equal(diag_status(), 2);
    diag_reset();
    size_t lines = 0;
    for (const char *p = msgs.s ? msgs.s : ""; *p; p++)
        lines += *p == '\n';
    int ok = c == NULL && lines == nwant;
    for (size_t i = 0; i < nwant; i++) {
        char *line = xasprintf("%s\n", want[i]);
        ok &= msgs.s && strstr(msgs.s, line) != NULL;
        free(line);
    }
    if (!ok) {
        fprintf(stderr, "got:\n%s\nwanted:\n", msgs.s ? msgs.s : "");
        for (size_t i = 0; i < nwant; i++)
            fprintf(stderr, "%s\n", want[i]);
    }
    assert_true(ok);
    coach_free(c);
    config_free(cfg);
    buf_free(&msgs);
    free(keys);
}

/* ------------------------------------------------------------------ */

static void test_shipped_templates(void **state)
{
    (void)state;
    /* The shipped folder named as a user's folder: every KPI and role a
     * rule names must be one the sample configs define. */
    char *cwd = getcwd(NULL, 0);
    char *keys = xasprintf("templates = %s/templates\n", cwd);
    struct kp_config *cfg = config_with(keys);
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    struct kp_coaching *c = coach_new(cfg, NULL, "templates");
    diag_capture(NULL);
    assert_null(msgs.s);
    assert_non_null(c);
    coach_free(c);
    config_free(cfg);
    const char *samples[] = {"samples/acme/review.ini", "samples/huadong/review.ini"};
    for (size_t i = 0; i < KP_NELEM(samples); i++) {
        cfg = config_load(samples[i]);
        assert_non_null(cfg);
        diag_capture(&msgs);
        c = coach_new(cfg, NULL, "templates");
        diag_capture(NULL);
        assert_null(msgs.s);
        assert_non_null(c);
        coach_free(c);
        config_free(cfg);
    }
    diag_reset();
    free(cwd), free(keys);
}

static void test_unknown_placeholder(void **state)
{
    (void)state;
    const char *en_line = "goal_up            = {kpi}: from {value} to {aim} by {due} (up {gap}).";
    char *dir = templates_with("ph", en_line,
                               "goal_up            = {kpi}: from {value} to {aim} by {due} (up "
                               "{gapp}).",
                               "will_when    = 第一步什么时候完成？",
                               "will_when    = {kpi}第一步什么时候完成？");
    char *en = xasprintf("%s/en/coaching.ini", dir), *zh = xasprintf("%s/zh/coaching.ini", dir);
    char *en_text = slurp(en), *zh_text = slurp(zh);
    char *w1 = xasprintf("kpipress: %s:%ld:%ld: error: unknown placeholder {gapp} in [text] "
                         "goal_up (docs/coaching.md lists what each text may use)",
                         en, line_of(en_text, "{gapp}"), col_of(en_text, "{gapp}"));
    /* will_when is about no KPI: {kpi} is unknown there; the column counts characters. */
    char *w2 = xasprintf("kpipress: %s:%ld:%ld: error: unknown placeholder {kpi} in [text] "
                         "will_when (docs/coaching.md lists what each text may use)",
                         zh, line_of(zh_text, "{kpi}第一步"), col_of(zh_text, "{kpi}第一步"));
    const char *want[] = {w1, w2};
    expect_load_error(dir, NULL, want, 2);
    free(dir), free(en), free(zh), free(en_text), free(zh_text), free(w1), free(w2);
}

static void test_unknown_kpi_role_column(void **state)
{
    (void)state;
    char *d1 = templates_with("kpi", "kpi  = conversion, win_rate\ntext = Go through",
                              "kpi  = conversion, win_rte\ntext = Go through", NULL, NULL);
    char *en = xasprintf("%s/en/coaching.ini", d1), *text = slurp(en);
    char *cfgpath = xasprintf("%s/cfg%d.ini", tmp, ncfg); /* the one expect_load_error writes */
    char *w = xasprintf("kpipress: %s:%ld:8: error: [play.conversion_lost] kpi names a KPI "
                        "\"win_rte\", which the config (%s) does not define",
                        en, line_of(text, "win_rte"), cfgpath);
    free(cfgpath);
    const char *want[] = {w};
    expect_load_error(d1, NULL, want, 1);
    free(w), free(en), free(text);

    char *d2 = templates_with("role", "role = channel", "role = chanel", NULL, NULL);
    en = xasprintf("%s/en/coaching.ini", d2), text = slurp(en);
    cfgpath = xasprintf("%s/cfg%d.ini", tmp, ncfg);
    w = xasprintf("kpipress: %s:%ld:8: error: [play.attainment_partners] role names a role "
                  "\"chanel\", which the config (%s) does not define",
                  en, line_of(text, "chanel"), cfgpath);
    free(cfgpath);
    want[0] = w;
    expect_load_error(d2, NULL, want, 1);
    free(w), free(en), free(text);

    char *d3 = templates_with("col", "[col.lost]", "[col.lots]", "[col.lost]", "[col.lots]");
    en = xasprintf("%s/en/coaching.ini", d3), text = slurp(en);
    char *w1 = xasprintf("kpipress: %s:%ld:1: error: [col.lots]: there is no metric column "
                         "\"lots\"",
                         en, line_of(text, "[col.lots]"));
    /* {lost} is no longer a column placeholder either. */
    char *w2 = xasprintf("kpipress: %s:%ld:%ld: error: unknown placeholder {lost} in "
                         "[play.conversion_lost] text (docs/coaching.md lists what each text may "
                         "use)",
                         en, line_of(text, "({lost} in all)"), col_of(text, "{lost} in all"));
    char *zh = xasprintf("%s/zh/coaching.ini", d3), *zh_text = slurp(zh);
    char *w3 = xasprintf("kpipress: %s:%ld:%ld: error: unknown placeholder {lost} in "
                         "[play.conversion_lost] text (docs/coaching.md lists what each text may "
                         "use)",
                         zh, line_of(zh_text, "（共{lost}）"), col_of(zh_text, "{lost}）"));
    const char *want3[] = {w1, w2, w3};
    expect_load_error(d3, NULL, want3, 3);
    free(w1), free(w2), free(w3), free(en), free(text), free(zh), free(zh_text);
    free(d1), free(d2), free(d3);
}

static void test_language_incomplete(void **state)
{
    (void)state;
    /* zh lacks a text, has a rule, a key and a section English lacks. */
    char *dir = templates_with("zh", NULL, NULL, "will_when    = 第一步什么时候完成？\n", "");
    char *last = xasprintf("%s/zh/coaching.ini", dir);
    edit(last, "同事来主持。\n",
         "同事来主持。\n[play.extra]\ntext = 多出来的\n[word]\nfoo = 多余\n");
    free(last);
    char *d2 = templates_with("zh2", NULL, NULL, "[play.forecast_review]\n",
                              "[play.forecast_review]\nkpi = forecast_accuracy\n");
    char *en = xasprintf("%s/en/coaching.ini", dir), *zh = xasprintf("%s/zh/coaching.ini", dir);
    char *en_text = slurp(en), *zh_text = slurp(zh);
    char *w1 = xasprintf("kpipress: %s: error: [text] will_when is missing (English has it at "
                         "%s:%ld)",
                         zh, en, line_of(en_text, "will_when "));
    char *w2 = xasprintf("kpipress: %s:%ld:1: error: [play.extra] is not a section English has", zh,
                         line_of(zh_text, "[play.extra]"));
    char *w3 = xasprintf("kpipress: %s:%ld:1: error: unknown key \"foo\" in [word]", zh,
                         line_of(zh_text, "foo = "));
    const char *want[] = {w1, w2, w3};
    expect_load_error(dir, NULL, want, 3);
    char *zh2 = xasprintf("%s/zh/coaching.ini", d2), *zh2_text = slurp(zh2);
    char *w4 = xasprintf("kpipress: %s:%ld:1: error: [play.forecast_review] kpi is a rule: rules "
                         "are read from the English file only (%s/en/coaching.ini)",
                         zh2, line_of(zh2_text, "kpi = forecast_accuracy"), d2);
    const char *want2[] = {w4};
    expect_load_error(d2, NULL, want2, 1);
    free(dir), free(d2), free(en), free(zh), free(en_text), free(zh_text), free(zh2);
    free(zh2_text), free(w1), free(w2), free(w3), free(w4);
}

static void test_bad_rules_and_config(void **state)
{
    (void)state;
    char *dir = templates_with("rules", "when = stretch\nwho  = individual",
                               "when = sometimes\nwho  = individual", NULL, NULL);
    char *en = xasprintf("%s/en/coaching.ini", dir), *text = slurp(en);
    char *w1 = xasprintf("kpipress: %s:%ld:8: error: [play.stretch_share] when is gap, stretch "
                         "or any, not \"sometimes\"",
                         en, line_of(text, "sometimes"));
    const char *want[] = {w1};
    expect_load_error(dir, NULL, want, 1);
    free(dir), free(en), free(text), free(w1);

    dir = templates_with("rules2", "max_options = 3 ", "max_options = 9 ", NULL, NULL);
    en = xasprintf("%s/en/coaching.ini", dir), text = slurp(en);
    w1 = xasprintf("kpipress: %s:%ld:15: error: [rules] max_options wants a whole number from 1 "
                   "to 5, not \"9\"",
                   en, line_of(text, "max_options = 9"));
    want[0] = w1;
    expect_load_error(dir, NULL, want, 1);
    free(w1), free(en), free(text);

    /* The config's own keys: goal, focus, follow_up_days, templates. The
     * probe writes the very config expect_load_error will write. */
    const char *extra = "goal = best\nfocus = 4\nfollow_up_days = -1\n";
    char *keys = xasprintf("templates = %s\n%s", dir, extra);
    struct kp_config *probe = config_with(keys);
    char *cfgfile = xstrdup(probe->path);
    char *cfgtext = slurp(cfgfile);
    config_free(probe);
    free(keys);
    ncfg--;
    char *g = xasprintf("kpipress: %s:%ld: error: [coaching] goal: \"best\": write target or team",
                        cfgfile, line_of(cfgtext, "goal = best"));
    char *f = xasprintf("kpipress: %s:%ld: error: [coaching] focus: \"4\": write a number of focus "
                        "areas from 1 to 3",
                        cfgfile, line_of(cfgtext, "focus = 4"));
    char *u = xasprintf("kpipress: %s:%ld: error: [coaching] follow_up_days: \"-1\": write a "
                        "number of days from 0 to 366",
                        cfgfile, line_of(cfgtext, "follow_up_days = -1"));
    const char *want3[] = {g, f, u};
    expect_load_error(dir, extra, want3, 3);
    free(g), free(f), free(u), free(cfgtext), free(cfgfile), free(dir);

    char *missing = xasprintf("%s/nowhere", tmp);
    struct kp_config *cfg = config_with("templates = nowhere\n");
    char *w = xasprintf("kpipress: %s:%ld: error: [coaching] templates: \"%s/nowhere\" is not a "
                        "folder\n",
                        cfg->path, config_line(cfg, "coaching", "templates"), tmp);
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    assert_null(coach_new(cfg, NULL, "templates"));
    diag_capture(NULL);
    diag_reset();
    assert_string_equal(msgs.s, w);
    buf_free(&msgs);
    config_free(cfg);
    free(w), free(missing);
}

/* ------------------------------------------------------------------ */
/* Running a golden case and reading its tables back                   */

struct run {
    char *out;
    struct kp_config *cfg;
    struct kp_meta meta;
    struct kp_record **people;
    size_t n;
};

static void run_case(const char *name, struct run *r)
{
    memset(r, 0, sizeof *r);
    r->out = xasprintf("%s/out-%s", tmp, name);
    char *config = xasprintf("tests/golden/coach/%s/review.ini", name);
    struct kp_opts o = {0};
    o.cmd = "compute", o.config = config, o.outdir = r->out;
    struct kp_buf msgs = {0};
    diag_capture(&msgs);
    int rc = pipeline_compute(&o);
    diag_capture(NULL);
    diag_reset();
    if (rc != 0)
        fprintf(stderr, "%s", msgs.s ? msgs.s : "");
    assert_int_equal(rc, 0);
    buf_free(&msgs);
    r->cfg = config_load(config);
    assert_non_null(r->cfg);
    char *path = xasprintf("%s/results.json", r->out), *json = slurp(path), *save = NULL;
    char err[200];
    int in_people = 0;
    for (char *line = strtok_r(json, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (str_has_prefix(line, "\"meta\": ")) {
            assert_int_equal(meta_read_json(line + 8, &r->meta, err, sizeof err), 0);
        } else if (str_has_prefix(line, "\"people\": [")) {
            in_people = 1;
        } else if (line[0] == ']') {
            in_people = 0;
        } else if (in_people) {
            struct kp_record *rec = record_read_json(line, &r->meta, err, sizeof err);
            if (!rec)
                fprintf(stderr, "%s\n", err);
            assert_non_null(rec);
            r->people = xrealloc(r->people, (r->n + 1) * sizeof *r->people);
            r->people[r->n++] = rec;
        }
    }
    free(config), free(path), free(json);
}

static void run_free(struct run *r)
{
    for (size_t i = 0; i < r->n; i++)
        record_free(r->people[i]);
    free(r->people);
    meta_free(&r->meta);
    config_free(r->cfg);
    free(r->out);
}

static struct kp_record *person(const struct run *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->people[i]->id, id) == 0)
            return r->people[i];
    fail_msg("no person %s", id);
    return NULL;
}

static int kpi_index(const struct run *r, const char *id)
{
    int k = config_find_kpi(r->cfg, id);
    assert_true(k >= 0);
    return k;
}

/* The person's rows as "step|kpi|text" lines. */
static char *rows(const struct kp_record *p)
{
    struct kp_buf b = {0};
    for (size_t i = 0; i < p->ncoach; i++)
        buf_printf(&b, "%s|%s|%s\n", p->coach[i].step, p->coach[i].kpi, p->coach[i].text);
    return b.s ? buf_steal(&b) : xstrdup("");
}

/* ------------------------------------------------------------------ */
/* Prompts for hand-made records                                       */

static void test_no_data(void **state)
{
    (void)state;
    struct run r;
    run_case("team-en", &r);
    struct kp_coaching *c = coach_new(r.cfg, NULL, "templates");
    assert_non_null(c);
    struct kp_record *p = person(&r, "A01");
    for (size_t k = 0; k < r.meta.nkpis; k++) {
        struct kp_kpival *v = &p->kpis[k];
        v->value = v->ratio = v->points = v->prev = NAN;
        v->status = KP_ST_NA;
        for (int m = 0; m < r.meta.nmonths; m++)
            v->series[m] = NAN;
    }
    for (size_t i = 0; i < p->nalerts; i++)
        free(p->alerts[i].rule), free(p->alerts[i].kind);
    p->nalerts = 0;
    coach_person(c, p, &r.meta);
    char *got = rows(p);
    assert_string_equal(got,
                        "goal||There are no scored figures yet. Agree two or three goals together, "
                        "and look at them again on 14 July 2026.\n"
                        "reality||There are no scored figures this quarter yet, so this "
                        "conversation starts from expectations rather than results.\n"
                        "will||What will you focus on first, and what would a good first month "
                        "look like?\n"
                        "will||What support do you need from me or from the team?\n"
                        "will||We will meet again on 14 July 2026 to review progress.\n");
    free(got);
    coach_free(c);
    run_free(&r);
}

/* Equal weighted shortfalls: KPI order decides; the same record always
 * gives the same rows, and coaching again replaces them. */
static void test_ties_and_determinism(void **state)
{
    (void)state;
    struct run r;
    run_case("team-en", &r);
    struct kp_coaching *c = coach_new(r.cfg, NULL, "templates");
    struct kp_record *p = person(&r, "A04"); /* at target everywhere */
    struct kp_kpival *conv = &p->kpis[kpi_index(&r, "conversion")];
    struct kp_kpival *newc = &p->kpis[kpi_index(&r, "new_customers")];
    conv->value = 0.125, newc->value = 3; /* both 15 x (1 - 0.5) */
    coach_person(c, p, &r.meta);
    assert_string_equal(p->coach[0].text, "What to focus on next quarter: Opportunity conversion "
                                          "and New customers.");
    assert_string_equal(p->coach[1].kpi, "conversion");
    assert_string_equal(p->coach[2].kpi, "new_customers");
    char *first = rows(p);
    size_t n = p->ncoach;
    coach_person(c, p, &r.meta);
    char *again = rows(p);
    assert_int_equal(p->ncoach, n);
    assert_string_equal(first, again);
    /* Weight decides before KPI order: a heavier KPI with the same ratio. */
    p->kpis[kpi_index(&r, "attainment")].value = 0.5;
    coach_person(c, p, &r.meta);
    assert_string_equal(p->coach[1].kpi, "attainment");
    free(first), free(again);
    coach_free(c);
    run_free(&r);
}

static void test_language_fallback(void **state)
{
    (void)state;
    struct run r;
    run_case("team-en", &r);
    struct kp_coaching *c = coach_new(r.cfg, NULL, "templates");
    struct kp_record *p = person(&r, "A02");
    coach_person(c, p, &r.meta);
    char *en = rows(p);
    free(p->lang);
    p->lang = xstrdup("fr");
    coach_person(c, p, &r.meta);
    char *fr = rows(p);
    assert_string_equal(en, fr); /* the config's language */
    free(p->lang);
    p->lang = xstrdup("zh"); /* not loaded: the roster has no zh */
    coach_person(c, p, &r.meta);
    assert_string_equal(p->coach[0].text, "What to focus on next quarter: Collection rate.");
    free(en), free(fr);
    coach_free(c);
    run_free(&r);
}

/* While the window is still open, the goal is the end of this window and
 * the amount per remaining month is compute's `needed`. */
static void test_pacing(void **state)
{
    (void)state;
    struct run r;
    run_case("team-en", &r);
    struct kp_coaching *c = coach_new(r.cfg, NULL, "templates");
    struct kp_record *p = person(&r, "A05");
    r.meta.pacing = 1;
    for (size_t k = 0; k < r.meta.nkpis; k++)
        p->kpis[k].projected = p->kpis[k].value;
    struct kp_kpival *att = &p->kpis[kpi_index(&r, "attainment")];
    att->projected = 0.9;
    att->needed = 40000.0 / 3;
    struct kp_kpival *vis = &p->kpis[kpi_index(&r, "visits")];
    vis->projected = 33, vis->needed = 11.5;
    coach_person(c, p, &r.meta);
    char *got = rows(p);
    assert_non_null(strstr(got, "goal||What to focus on this quarter: Quota attainment, Sales "
                                "cycle and Customer visits.\n"));
    assert_non_null(strstr(got, "goal|attainment|Quota attainment: 100.0% by 30 June 2026. So far "
                                "95.0%, on pace for 90.0%: that takes about ¥13,300 of revenue a "
                                "month for the rest of this quarter.\n"));
    assert_non_null(strstr(got, "goal|visits|Customer visits: 36 by 30 June 2026. So far 33, on "
                                "pace for 33: that takes about 12 visits a month for the rest "
                                "of this quarter.\n"));
    assert_non_null(strstr(got, "reality|attainment|Quota attainment: 95.0% against a target of "
                                "100.0%, 95% of target, 5.0 points short. On the current pace "
                                "it ends this quarter at 90.0%.\n"));
    free(got);
    coach_free(c);
    run_free(&r);
}

/* ------------------------------------------------------------------ */
/* Every number in a prompt is one of the person's figures             */

struct set {
    char **s;
    size_t n;
};

static void set_add(struct set *s, const char *v)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->s[i], v) == 0)
            return;
    s->s = xrealloc(s->s, (s->n + 1) * sizeof *s->s);
    s->s[s->n++] = xstrdup(v);
}

static int set_has(const struct set *s, const char *v)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->s[i], v) == 0)
            return 1;
    return 0;
}

static void set_free(struct set *s)
{
    strv_free(s->s, s->n);
    memset(s, 0, sizeof *s);
}

/* The numbers of a text: an optional currency symbol, digits with , and .
 * between digits, an optional %. */
static void tokens(const char *t, const char *sym, struct set *out)
{
    size_t sl = strlen(sym);
    for (const char *p = t; *p;) {
        const char *start = p;
        int has_sym = sl && strncmp(p, sym, sl) == 0 && p[sl] >= '0' && p[sl] <= '9';
        if (has_sym)
            p += sl;
        if (!(*p >= '0' && *p <= '9') || (!has_sym && p > t && (p[-1] == '.' || p[-1] == ','))) {
            p = start + 1;
            continue;
        }
        while ((*p >= '0' && *p <= '9') || ((*p == ',' || *p == '.') && p[1] >= '0' && p[1] <= '9'))
            p++;
        if (*p == '%')
            p++;
        char *tok = xstrndup(start, (size_t)(p - start));
        set_add(out, tok);
        free(tok);
    }
}

/* Blank out every occurrence of s in text. */
static void blank(char *text, const char *s)
{
    size_t n = strlen(s);
    for (char *at = n ? strstr(text, s) : NULL; at; at = strstr(at + n, s))
        memset(at, ' ', n);
}

struct chk {
    const struct run *r;
    const struct kp_record *p;
    struct kp_lang *l;
    struct set ok;    /* allowed number tokens */
    struct set dates; /* date and month texts, removed before tokenising */
    int len, w0, w1;
};

static void allow(struct chk *c, struct kp_buf *b)
{
    if (b->s)
        tokens(b->s, c->r->meta.currency, &c->ok);
    buf_free(b);
}

static void allow_value(struct chk *c, const struct kp_kpi_def *d, double v)
{
    if (isnan(v))
        return;
    struct kp_buf b = {0};
    lang_value(c->l, &b, d->format, d->decimals, v, c->r->meta.currency);
    allow(c, &b);
}

static void allow_number(struct chk *c, double v, int dec)
{
    struct kp_buf b = {0};
    lang_number(c->l, &b, v, dec);
    allow(c, &b);
}

static void allow_money(struct chk *c, double v)
{
    struct kp_buf b = {0};
    lang_money(c->l, &b, v, c->r->meta.currency);
    allow(c, &b);
}

static void allow_percent(struct chk *c, double v)
{
    struct kp_buf b = {0};
    if (!isnan(v))
        lang_percent(c->l, &b, v, 1);
    allow(c, &b);
}

/* An attainment as every document shows it (lang_attainment). */
static void allow_attainment(struct chk *c, double v)
{
    struct kp_buf b = {0};
    if (!isnan(v))
        lang_attainment(c->l, &b, v);
    allow(c, &b);
}

static int dec_of(const struct kp_kpi_def *d)
{
    if (d->format == KP_FMT_CURRENCY)
        return 0;
    if (d->decimals >= 0)
        return d->decimals;
    return d->format == KP_FMT_PERCENT ? 1 : d->format == KP_FMT_SCORE ? 2 : 0;
}

/* v as printed (percent: in points), read back. */
static double as_shown(const struct kp_kpi_def *d, double v)
{
    double k = d->format == KP_FMT_PERCENT ? 100 : 1;
    char s[64];
    snprintf(s, sizeof s, "%.*f", dec_of(d), v * k);
    return strtod(s, NULL) / k;
}

/* docs/coaching.md: "about" figures. */
static double about_of(double x, int *dec)
{
    double a = fabs(x);
    *dec = 0;
    if (a >= 1000) {
        double p = pow(10, floor(log10(a)) - 2);
        return round(x / p) * p;
    }
    if (a >= 10)
        return round(x);
    double r = round(x * 10) / 10;
    *dec = r != round(r);
    return r;
}

static void allow_about(struct chk *c, double x, int money)
{
    int dec;
    double a = about_of(x, &dec);
    if (money)
        allow_money(c, a);
    else
        allow_number(c, a, dec);
}

/* Window sum of a column of the record. */
static double window_sum(const struct chk *c, const char *col)
{
    const struct kp_meta *m = &c->r->meta;
    for (size_t i = 0; i < m->ncols; i++)
        if (strcmp(m->cols[i], col) == 0) {
            double s = 0;
            for (int k = c->w0; k <= c->w1; k++) {
                double x = c->p->cols[i * (size_t)m->nmonths + (size_t)k];
                s += isnan(x) ? 0 : x;
            }
            return s;
        }
    return NAN;
}

static const char *sum_col(const struct chk *c, const struct kp_expr *e)
{
    int i = e ? expr_single_column(e) : -1;
    return i >= 0 && expr_is_additive(e) ? c->r->cfg->cols[i] : NULL;
}

static int money_col(const char *name)
{
    return strcmp(name, "revenue") == 0 || strcmp(name, "quota") == 0 ||
           strcmp(name, "collected") == 0 || strcmp(name, "forecast") == 0;
}

/* What it takes to reach aim from value V, in every form a prompt shows. */
static void allow_aim(struct chk *c, const struct kp_kpi_def *d, double V, double aim)
{
    if (isnan(aim) || isnan(V))
        return;
    allow_value(c, d, aim);
    double gap = fabs(as_shown(d, aim) - as_shown(d, V));
    if (d->format == KP_FMT_PERCENT)
        allow_number(c, gap * 100, dec_of(d));
    else
        allow_value(c, d, gap);
    int money = d->format == KP_FMT_CURRENCY;
    if (expr_is_additive(d->formula)) {
        allow_about(c, gap / c->len, money);
        allow_about(c, aim / c->len, money);
        return;
    }
    const char *a = sum_col(c, expr_dividend(d->formula)),
               *b = sum_col(c, expr_divisor(d->formula));
    if (!a || !b)
        return;
    double A = window_sum(c, a), B = window_sum(c, b);
    int m = money_col(a);
    double need = m ? round(aim * B) : ceil(aim * B - 1e-9), more = need - (m ? round(A) : A);
    m ? allow_money(c, need) : allow_number(c, need, 0);
    m ? allow_money(c, more) : allow_number(c, more, 0);
    money_col(b) ? allow_money(c, B) : allow_number(c, B, 0);
    allow_about(c, more / c->len, m);
}

/* Numbers of results.csv for (rep, kpi): value and target. */
static void csv_figures(const char *csv, const char *rep, const char *kpi, double *v, double *t)
{
    *v = *t = NAN;
    char *key = xasprintf("\n%s,", rep);
    for (const char *at = strstr(csv, key); at; at = strstr(at + 1, key)) {
        char *line = xstrndup(at + 1, strcspn(at + 1, "\r\n"));
        char *f[12] = {NULL}; /* names here have no commas; empty cells stay */
        size_t n = 0;
        for (char *p = line; n < 12; n++) {
            f[n] = p;
            char *comma = strchr(p, ',');
            if (!comma) {
                n++;
                break;
            }
            *comma = '\0', p = comma + 1;
        }
        if (n == 11 && strcmp(f[4], kpi) == 0) {
            if (parse_double(f[5], v) != 0)
                *v = NAN;
            if (parse_double(f[6], t) != 0)
                *t = NAN;
        }
        free(line);
    }
    free(key);
}

static void allow_kpi(struct chk *c, const char *csv, size_t k)
{
    const struct kp_kpi_def *d = &c->r->cfg->kpis[k];
    const struct kp_kpival *v = &c->p->kpis[k];
    double V, T;
    csv_figures(csv, c->p->id, d->id, &V, &T);
    /* results.csv and results.json agree on the figures quoted. */
    assert_true((isnan(V) && isnan(v->value)) || V == v->value);
    assert_true((isnan(T) && isnan(v->target)) || T == v->target);
    allow_value(c, d, V);
    allow_value(c, d, T);
    allow_value(c, d, v->prev);
    allow_value(c, d, v->group_value);
    allow_value(c, d, v->projected);
    for (int i = 0; i < c->r->meta.nmonths; i++)
        allow_value(c, d, v->series[i]);
    allow_attainment(c, d->lower_better ? T / V : V / T);
    if (!isnan(V) && !isnan(T)) { /* the value against its target (display rule) */
        struct kp_buf b = {0};
        lang_value_vs(c->l, &b, d->format, d->decimals, V, T, c->r->meta.currency);
        allow(c, &b);
    }
    allow_aim(c, d, V, T);
    allow_aim(c, d, V, v->group_value);
    /* Stretch (docs/coaching.md): 10% beyond today (while pacing: beyond
     * the projection), shares stop at 100%, totals rounded up; averages aim
     * at a month already reached. */
    double base = c->r->meta.pacing && !isnan(v->projected) ? v->projected : V;
    double s = d->lower_better ? base * 0.9 : base * 1.1;
    if (d->format == KP_FMT_PERCENT && T < 1 && base < 1 && s > 1)
        s = 1;
    if (expr_is_additive(d->formula))
        s = d->lower_better ? floor(s + 1e-9) : ceil(s - 1e-9);
    allow_aim(c, d, V, s);
    for (int i = 0; i < c->r->meta.nmonths; i++)
        allow_aim(c, d, V, v->series[i]);
    if (!isnan(v->needed)) { /* pacing: per remaining month, in either unit */
        allow_about(c, v->needed, 0);
        allow_about(c, v->needed, 1);
    }
    if (!isnan(v->sample)) {
        allow_number(c, v->sample, v->sample == round(v->sample) ? 0 : 1);
        allow_number(c, d->min_sample, d->min_sample == round(d->min_sample) ? 0 : 1);
    }
}

static void allow_date(struct chk *c, long days)
{
    struct kp_buf b = {0};
    lang_date(c->l, &b, days);
    set_add(&c->dates, b.s);
    buf_free(&b);
}

static void allow_person(struct chk *c, const char *csv)
{
    const struct kp_meta *m = &c->r->meta;
    for (size_t k = 0; k < m->nkpis; k++)
        allow_kpi(c, csv, k);
    for (size_t i = 0; i < m->ncols; i++) {
        double s = window_sum(c, m->cols[i]);
        money_col(m->cols[i]) ? allow_money(c, s) : allow_number(c, s, s == round(s) ? 0 : 1);
    }
    for (size_t i = 0; i < c->p->nalerts; i++) {
        allow_percent(c, fabs(c->p->alerts[i].value));
        allow_attainment(c, c->p->alerts[i].value);
    }
    allow_number(c, c->len, 0);
    allow_number(c, c->p->scope - 1, 0);
    kp_month end = m->pacing ? m->to : m->to + c->len;
    allow_date(c, date_from_ymd(end / 12, end % 12 + 1, month_days(end)));
    const char *fu = config_get(c->r->cfg, "coaching", "follow_up_days");
    allow_date(c, m->as_of + (fu ? strtol(fu, NULL, 10) : 14));
    for (int i = 0; i < m->nmonths; i++) {
        struct kp_buf b = {0};
        lang_month(c->l, &b, meta_month(m, i));
        set_add(&c->dates, b.s);
        buf_reset(&b);
        lang_month_short(c->l, &b, meta_month(m, i));
        set_add(&c->dates, b.s);
        buf_free(&b);
    }
}

/* One coaching.csv line: rep_id,step,kpi,text (text maybe quoted). */
static void parse_row(const char *line, char **rep, char **text)
{
    const char *c1 = strchr(line, ','), *c2 = strchr(c1 + 1, ','), *c3 = strchr(c2 + 1, ',');
    *rep = xstrndup(line, (size_t)(c1 - line));
    const char *t = c3 + 1;
    struct kp_buf b = {0};
    if (*t == '"') {
        for (t++; *t && !(t[0] == '"' && t[1] != '"'); t++) {
            buf_addc(&b, *t);
            if (t[0] == '"')
                t++;
        }
    } else {
        buf_adds(&b, t);
    }
    *text = b.s ? buf_steal(&b) : xstrdup("");
}

/* Run a golden case (then, when from is set, edit its coaching.csv) and
 * count the numbers of prompts that are no figure of their person. */
static size_t count_strays(const char *name, const char *from, const char *to)
{
    struct run r;
    run_case(name, &r);
    char *p1 = xasprintf("%s/results.csv", r.out), *p2 = xasprintf("%s/coaching.csv", r.out);
    if (from)
        edit(p2, from, to);
    char *csv = slurp(p1), *coaching = slurp(p2), *save = NULL;
    size_t checked = 0, numbers = 0, strays = 0;
    for (char *line = strtok_r(coaching, "\r\n", &save); line;
         line = strtok_r(NULL, "\r\n", &save)) {
        if (str_has_prefix(line, "rep_id,"))
            continue;
        char *rep, *text;
        parse_row(line, &rep, &text);
        struct chk c = {&r, person(&r, rep), NULL, {0}, {0}, 0, 0, 0};
        c.l = lang_load("templates", c.p->lang);
        assert_non_null(c.l);
        c.w0 = r.meta.from - r.meta.m0, c.w1 = r.meta.to - r.meta.m0, c.len = c.w1 - c.w0 + 1;
        allow_person(&c, csv);
        for (size_t i = 0; i < c.dates.n; i++) /* dates and months before short months */
            if (strlen(c.dates.s[i]) > 6)
                blank(text, c.dates.s[i]);
        for (size_t i = 0; i < c.dates.n; i++)
            blank(text, c.dates.s[i]);
        struct set found = {0};
        tokens(text, r.meta.currency, &found);
        for (size_t i = 0; i < found.n; i++, numbers++)
            if (!set_has(&c.ok, found.s[i])) {
                strays++;
                if (!from)
                    fprintf(stderr, "%s %s: \"%s\" is not one of the person's figures in: %s\n",
                            name, rep, found.s[i], line);
            }
        checked++;
        set_free(&found), set_free(&c.ok), set_free(&c.dates);
        lang_free(c.l);
        free(rep), free(text);
    }
    assert_true(checked > 20 && numbers > 50);
    free(p1), free(p2), free(csv), free(coaching);
    run_free(&r);
    return strays;
}

static void test_golden_numbers(void **state)
{
    (void)state;
    assert_int_equal(count_strays("team-en", NULL, NULL), 0);
    assert_int_equal(count_strays("team-zh", NULL, NULL), 0);
    assert_int_equal(count_strays("options", NULL, NULL), 0);
    assert_int_equal(count_strays("pacing", NULL, NULL), 0);
}

/* The checker itself: numbers are found, and a wrong one is caught. */
static void test_checker_catches(void **state)
{
    (void)state;
    struct set s = {0};
    tokens("Collecting ¥136,500 more would have brought you to 95.0%. 30 deals, 4.70.", "¥", &s);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.s[0], "¥136,500");
    assert_string_equal(s.s[1], "95.0%");
    assert_string_equal(s.s[2], "30");
    assert_string_equal(s.s[3], "4.70");
    set_free(&s);
    tokens("下季度做到36次（本季度30次），多6次", "¥", &s);
    assert_int_equal(s.n, 3);
    set_free(&s);
    assert_int_equal(count_strays("team-en", "¥136,500 more than", "¥136,600 more than"), 1);
    assert_int_equal(count_strays("team-en", "about ¥45,500", "about ¥45,000"), 1);
    assert_int_equal(count_strays("team-zh", "平均每月多¥20,000", "平均每月多¥21,000"), 1);
    assert_true(count_strays("team-en", "on 14 July 2026", "on 15 July 2026") > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_templates),
        cmocka_unit_test(test_unknown_placeholder),
        cmocka_unit_test(test_unknown_kpi_role_column),
        cmocka_unit_test(test_language_incomplete),
        cmocka_unit_test(test_bad_rules_and_config),
        cmocka_unit_test(test_no_data),
        cmocka_unit_test(test_ties_and_determinism),
        cmocka_unit_test(test_language_fallback),
        cmocka_unit_test(test_pacing),
        cmocka_unit_test(test_checker_catches),
        cmocka_unit_test(test_golden_numbers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
