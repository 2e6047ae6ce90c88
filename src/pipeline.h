/* pipeline — the commands: each loads what it needs, runs the stages in order
 * (ingest -> compute -> coach -> tables -> render -> mail/archive) and returns
 * the exit status (diag_status() folded with its own outcome). */
#ifndef KP_PIPELINE_H
#define KP_PIPELINE_H

struct kp_opts;

int pipeline_run(const struct kp_opts *o);
int pipeline_check(const struct kp_opts *o);
int pipeline_compute(const struct kp_opts *o);
int pipeline_render(const struct kp_opts *o);
int pipeline_explain(const struct kp_opts *o);
int pipeline_mail(const struct kp_opts *o);
int pipeline_archive(const struct kp_opts *o);
int pipeline_verify(const struct kp_opts *o);
int pipeline_sample(const struct kp_opts *o);
/* The config (adjust(c) runs before the inputs are read: kpipress plan widens
 * the history) and the inputs, as every command reads them; NULL when unusable
 * (reported). */
struct kp_config;
struct kp_data;
struct kp_config *pipeline_load(const struct kp_opts *o, struct kp_data *d,
                                void (*adjust)(struct kp_config *c));

#endif
