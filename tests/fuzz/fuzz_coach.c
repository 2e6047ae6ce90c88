/* fuzz_coach — the coaching templates (coach.h): rules, playbook and texts
 * of templates/<lang>/coaching.ini, and the prompts drafted from them.
 *
 * Setup (once): the huadong sample (English and Chinese people) is read and
 * computed; a copy of the shipped templates is made in the scratch folder.
 * Input: the English coaching.ini, optionally followed by "@@@@\n" and the
 * Chinese one (else the shipped one). When the templates load, every
 * person of the sample is coached with them; each prompt must be a known
 * step and valid UTF-8 text. When they do not load, there must be a
 * message at KP_FATAL. */
#include "fuzz.h"
#include "sample.h"

#include "coach.h"
#include "compute.h"
#include "config.h"
#include "ingest.h"
#include "model.h"
#include "record.h"

static struct kp_config *cfg;
static struct kp_data dat;
static struct kp_compute *comp;
static struct kp_record **recs;
static size_t nrecs;
static char *tdir;
static char *zh_shipped;
static size_t zh_len;

static void copy_template(const char *lang, const char *file)
{
    char *src = xasprintf("%s/templates/%s/%s", FUZZ_SRCDIR, lang, file);
    char *dst = xasprintf("%s/%s/%s", tdir, lang, file);
    char *text;
    size_t n;
    if (sys_read_file(src, &text, &n) != 0 || sys_write_scratch(dst, text, n) != 0)
        abort();
    free(text), free(src), free(dst);
}

static void setup(void)
{
    fuzz_quiet();
    cfg = fuzz_sample("huadong", &dat, &comp);
    nrecs = dat.npeople;
    recs = xcalloc(nrecs, sizeof *recs);
    for (size_t p = 0; p < nrecs; p++)
        recs[p] = compute_person(comp, p);
    tdir = xasprintf("%s/templates", sys_tmpdir());
    const char *langs[2] = {"en", "zh"};
    for (int i = 0; i < 2; i++) {
        char *d = xasprintf("%s/%s", tdir, langs[i]);
        if (sys_mkdirs(d) != 0)
            abort();
        free(d);
        copy_template(langs[i], "labels.ini");
        copy_template(langs[i], "locale.ini");
    }
    if (sys_read_file(FUZZ_SRCDIR "/templates/zh/coaching.ini", &zh_shipped, &zh_len) != 0)
        abort();
}

static void write_coaching(const char *lang, const char *p, size_t n)
{
    char *path = xasprintf("%s/%s/coaching.ini", tdir, lang);
    if (sys_write_scratch(path, p, n) != 0)
        abort();
    free(path);
}

static void coach_everyone(const struct kp_coaching *c)
{
    static const char *const steps[] = {"goal", "reality", "options", "will"};
    for (size_t i = 0; i < nrecs; i++) {
        struct kp_record *r = recs[i];
        coach_person(c, r, compute_meta(comp));
        for (size_t j = 0; j < r->ncoach; j++) {
            const struct kp_coach *k = &r->coach[j];
            int known = 0;
            for (size_t s = 0; s < 4; s++)
                known |= strcmp(k->step, steps[s]) == 0;
            FUZZ_CHECK(known, "step \"%s\"", k->step);
            FUZZ_CHECK(k->kpi && k->text, "NULL kpi or text");
            FUZZ_CHECK(utf8_valid(k->text, strlen(k->text)), "text not UTF-8");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    if (!cfg)
        setup();
    fuzz_quiet();
    struct fuzz_part part[2];
    size_t np = fuzz_split(data, size, part, 2);
    write_coaching("en", part[0].p, part[0].n);
    if (np > 1)
        write_coaching("zh", part[1].p, part[1].n);
    else
        write_coaching("zh", zh_shipped, zh_len);
    struct kp_coaching *c = coach_new(cfg, &dat, tdir);
    if (!c) {
        FUZZ_CHECK(diag_count(KP_FATAL) > 0, "templates refused without a message");
        return 0;
    }
    FUZZ_CHECK(diag_count(KP_FATAL) == 0, "templates loaded after a fatal message:\n%s",
               fuzz_msgs.s);
    coach_everyone(c);
    coach_free(c);
    return 0;
}
