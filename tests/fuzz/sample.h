/* sample.h — for fuzz targets that need a computed sample batch: load one of
 * samples/<name>/review.ini, read its roster and metrics and compute. Aborts
 * on any failure (the fuzzer's set-up, not the input under test). */
#ifndef KP_FUZZ_SAMPLE_H
#define KP_FUZZ_SAMPLE_H

#include "compute.h"
#include "config.h"
#include "ingest.h"
#include "model.h"
#include "sys.h"

#include <stdlib.h>

static void fuzz_sample_feed(void *arg, const void *p, size_t n)
{
    ingest_feed(arg, p, n);
}

/* The config samples/<name>/review.ini, its data in *dat, and the batch
 * computed (*comp). */
static inline struct kp_config *fuzz_sample(const char *name, struct kp_data *dat,
                                            struct kp_compute **comp)
{
    char *ini = xasprintf("%s/samples/%s/review.ini", FUZZ_SRCDIR, name);
    struct kp_config *cfg = config_load(ini);
    free(ini);
    if (!cfg)
        abort();
    struct kp_ingest *in = ingest_new(cfg, dat);
    const char *files[2] = {cfg->roster, cfg->metrics};
    for (int i = 0; i < 2; i++) {
        ingest_begin(in, i ? KP_IN_METRICS : KP_IN_ROSTER, files[i]);
        long long sz;
        if (sys_stream_file(files[i], fuzz_sample_feed, in, &sz) != 0 || ingest_end(in) != 0)
            abort();
    }
    if (ingest_finish(in) != 0)
        abort();
    *comp = compute_new(cfg, dat, -1);
    return cfg;
}

#endif
