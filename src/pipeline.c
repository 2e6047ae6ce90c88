/* pipeline — see pipeline.h. (Skeleton: the commands are filled in as the
 * stages land.) */
#include "pipeline.h"

#include "cli.h"
#include "diag.h"
#include "sample.h"

static int not_yet(const struct kp_opts *o)
{
    diag_fatal("'%s' is not implemented yet", o->cmd);
    return diag_status();
}

int pipeline_run(const struct kp_opts *o) { return not_yet(o); }
int pipeline_check(const struct kp_opts *o) { return not_yet(o); }
int pipeline_compute(const struct kp_opts *o) { return not_yet(o); }
int pipeline_render(const struct kp_opts *o) { return not_yet(o); }
int pipeline_explain(const struct kp_opts *o) { return not_yet(o); }
int pipeline_mail(const struct kp_opts *o) { return not_yet(o); }
int pipeline_archive(const struct kp_opts *o) { return not_yet(o); }
int pipeline_verify(const struct kp_opts *o) { return not_yet(o); }
int pipeline_sample(const struct kp_opts *o) { return sample_main(o); }
