/* fuzz_crm — a raw CRM export (crm.h): the team list, the deals and the
 * targets file of samples/crm, read with its config ([crm], [derive.*]:
 * names, stages, M/D/YYYY dates, amounts, a where filter, open at month
 * end), then computed.
 *
 * Input: team.csv "@@@@\n" deals.csv ["@@@@\n" targets.csv]. Invariants:
 * an unusable file says so at KP_FATAL; every row read is used or rejected
 * (rows = used + rejected per file); people have clean ids and names and no
 * manager loop; values are finite or missing. */
#include "fuzz.h"

#include "compute.h"
#include "config.h"
#include "crm.h"
#include "ingest.h"
#include "model.h"
#include "record.h"

#include <math.h>

static struct kp_config *cfg;

static int feed_file(struct kp_crm *k, enum kp_crm_file which, const char *name,
                     const struct fuzz_part *p)
{
    crm_begin(k, which, name);
    crm_feed(k, p->p, p->n);
    return crm_end(k);
}

static void check(const struct kp_data *d)
{
    for (size_t i = 0; i < d->ninputs; i++)
        FUZZ_CHECK(d->inputs[i].rows == d->inputs[i].used + d->inputs[i].rejected,
                   "%s: %ld rows, %ld used, %ld rejected", d->inputs[i].name, d->inputs[i].rows,
                   d->inputs[i].used, d->inputs[i].rejected);
    for (size_t i = 0; i < d->npeople; i++) {
        const struct kp_person *p = &d->people[i];
        FUZZ_CHECK(p->rep_id && *p->rep_id && utf8_valid(p->rep_id, strlen(p->rep_id)), "rep_id");
        FUZZ_CHECK(p->name && utf8_valid(p->name, strlen(p->name)), "name");
        size_t steps = 0;
        for (int m = p->mgr; m >= 0; m = d->people[m].mgr)
            FUZZ_CHECK(++steps <= d->npeople, "manager loop from %s", p->rep_id);
    }
    size_t cells = d->npeople * (size_t)d->nmonths * d->ncols;
    for (size_t i = 0; d->val && i < cells; i++)
        FUZZ_CHECK(!isinf(d->val[i]), "value %zu is %g", i, d->val[i]);
}

static void compute_all(const struct kp_data *d)
{
    struct kp_compute *k = compute_new(cfg, d, -1);
    for (size_t p = 0; p < d->npeople; p++)
        record_free(compute_person(k, p));
    for (size_t g = 0; g < compute_ngroups(k); g++)
        record_free(compute_group(k, g));
    compute_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024 * 1024)
        return 0;
    if (!cfg) {
        fuzz_quiet();
        cfg = config_load(FUZZ_SRCDIR "/samples/crm/review.ini");
        if (!cfg)
            abort();
    }
    fuzz_quiet();
    struct fuzz_part part[3];
    size_t np = fuzz_split(data, size, part, 3);
    struct kp_data d;
    memset(&d, 0, sizeof d);
    struct kp_ingest *in = ingest_new(cfg, &d);
    int failed = 0;
    struct kp_crm *k = crm_new(cfg, &d, in, &failed);
    FUZZ_CHECK(k && !failed, "the sample's [crm] refused");
    int bad = feed_file(k, KP_CRM_TEAM, "team.csv", &part[0]) != 0;
    bad = bad || crm_people(k) != 0;
    if (np > 1)
        bad = bad || feed_file(k, KP_CRM_DEALS, "deals.csv", &part[1]) != 0;
    if (np > 2)
        bad = bad || feed_file(k, KP_CRM_TARGETS, "targets.csv", &part[2]) != 0;
    if (bad) {
        FUZZ_CHECK(diag_count(KP_FATAL) > 0, "a file refused without a fatal message");
        ingest_fail(in);
    }
    int rc = ingest_finish(in);
    crm_free(k);
    if (rc == 0) {
        check(&d);
        compute_all(&d);
    }
    data_free(&d);
    return 0;
}
