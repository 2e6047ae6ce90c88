/* fuzz_ingest — CSV ingest with number parsing (ingest.h over csvread.h),
 * and what compute makes of whatever ingest accepted.
 *
 * Setup (once): the config of tests/data/small (the sample KPI set, roles
 * ae/kam/channel/support/manager, window 2026-04..06 with 3 months of
 * history). Input: byte 0 sets the decimal comma, the delimiter and the
 * chunk size; the rest is roster.csv "@@@@\n" metrics.csv ["@@@@\n"
 * targets.csv]. Invariants after ingest_finish: people have non-empty,
 * clean UTF-8 ids, names and teams; manager links point at people and
 * never loop; teams and the id index are consistent; every reject has a
 * file and a UTF-8 reason and raw text; rows = used + rejected; a value
 * is finite or missing. When the data is usable, every person and group
 * is computed and one record goes through the results.json round trip. */
#include "fuzz.h"

#include "compute.h"
#include "config.h"
#include "ingest.h"
#include "model.h"
#include "record.h"

#include <math.h>

static struct kp_config *cfg;

static int clean(const char *s)
{
    if (!s || !utf8_valid(s, strlen(s)))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return 0;
    return 1;
}

static void check_people(const struct kp_data *d)
{
    for (size_t i = 0; i < d->npeople; i++) {
        const struct kp_person *p = &d->people[i];
        FUZZ_CHECK(p->rep_id && *p->rep_id && clean(p->rep_id), "person %zu: rep_id", i);
        FUZZ_CHECK(clean(p->name) && clean(p->team), "person %zu (%s): name or team", i, p->rep_id);
        FUZZ_CHECK(p->mgr >= -1 && p->mgr < (int)d->npeople && p->mgr != (int)i, "mgr %d", p->mgr);
        FUZZ_CHECK(p->team_idx >= 0 && (size_t)p->team_idx < d->nteams &&
                       strcmp(d->teams[p->team_idx], p->team) == 0,
                   "team_idx %d", p->team_idx);
        FUZZ_CHECK(p->role_idx >= 0 && (size_t)p->role_idx < cfg->nroles, "role %d", p->role_idx);
        size_t steps = 0;
        for (int m = p->mgr; m >= 0; m = d->people[m].mgr)
            FUZZ_CHECK(++steps <= d->npeople, "manager loop from %s", p->rep_id);
        FUZZ_CHECK(data_find_person(d, p->rep_id) == (int)i, "by_id for %s", p->rep_id);
        if (i > 0) {
            int t = strcmp(d->people[i - 1].team, p->team);
            FUZZ_CHECK(t < 0 || (t == 0 && strcmp(d->people[i - 1].rep_id, p->rep_id) < 0),
                       "people not sorted at %zu", i);
        }
    }
}

static void check_data(const struct kp_data *d)
{
    check_people(d);
    for (size_t i = 0; i < d->nrejects; i++) {
        const struct kp_reject *r = &d->rejects[i];
        FUZZ_CHECK(r->file && r->reason && utf8_valid(r->reason, strlen(r->reason)),
                   "reject %zu: reason", i);
        FUZZ_CHECK(!r->raw || utf8_valid(r->raw, strlen(r->raw)), "reject %zu: raw", i);
        FUZZ_CHECK(r->line >= 0, "reject %zu: line %ld", i, r->line);
    }
    for (size_t i = 0; i < d->ninputs; i++)
        FUZZ_CHECK(d->inputs[i].rows == d->inputs[i].used + d->inputs[i].rejected,
                   "input %zu: %ld rows, %ld used, %ld rejected", i, d->inputs[i].rows,
                   d->inputs[i].used, d->inputs[i].rejected);
    size_t cells = d->npeople * (size_t)d->nmonths * d->ncols;
    for (size_t i = 0; d->val && i < cells; i++)
        FUZZ_CHECK(!isinf(d->val[i]), "value %zu is %g", i, d->val[i]);
}

static void compute_all(const struct kp_data *d)
{
    struct kp_compute *k = compute_new(cfg, d, -1);
    const struct kp_meta *m = compute_meta(k);
    for (size_t p = 0; p < d->npeople; p++) {
        struct kp_record *r = compute_person(k, p);
        if (p == 0) {
            struct kp_buf a = {0}, b = {0};
            record_write_json(r, m, &a);
            char err[256];
            struct kp_record *r2 = record_read_json(a.s, m, err, sizeof err);
            FUZZ_CHECK(r2, "computed record does not read back: %s\n%.2000s", err, a.s);
            record_write_json(r2, m, &b);
            FUZZ_CHECK(strcmp(a.s, b.s) == 0, "round trip:\n%.2000s\n%.2000s", a.s, b.s);
            record_free(r2);
            buf_free(&a), buf_free(&b);
        }
        record_free(r);
    }
    for (size_t g = 0; g < compute_ngroups(k); g++)
        record_free(compute_group(k, g));
    compute_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1024 * 1024)
        return 0;
    if (!cfg) {
        fuzz_quiet();
        cfg = config_load(FUZZ_SRCDIR "/tests/data/small/review.ini");
        if (!cfg)
            abort();
    }
    fuzz_quiet();
    static const char delims[] = {0, ',', ';', '\t'};
    cfg->decimal_comma = data[0] & 1;
    cfg->delimiter = delims[(data[0] >> 1) & 3];
    size_t chunk = (data[0] >> 3) ? (size_t)(data[0] >> 3) : 65536;
    struct fuzz_part part[3];
    size_t np = fuzz_split(data + 1, size - 1, part, 3);
    static const char *const names[3] = {"roster.csv", "metrics.csv", "targets.csv"};
    struct kp_data d;
    memset(&d, 0, sizeof d);
    struct kp_ingest *in = ingest_new(cfg, &d);
    int bad = 0;
    for (size_t i = 0; i < np && !bad; i++) {
        ingest_begin(in, (enum kp_input)i, names[i]);
        for (size_t o = 0; o < part[i].n; o += chunk)
            ingest_feed(in, part[i].p + o, part[i].n - o < chunk ? part[i].n - o : chunk);
        bad = ingest_end(in) != 0;
    }
    if (bad)
        ingest_fail(in);
    int rc = ingest_finish(in);
    if (rc == 0) {
        check_data(&d);
        compute_all(&d);
    } else {
        FUZZ_CHECK(diag_count(KP_FATAL) > 0, "unusable input without a fatal message");
    }
    data_free(&d);
    return 0;
}
