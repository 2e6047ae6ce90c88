/* cli — the command line: the options every command may take, parsed from a
 * table, and each command's --help text. main.c dispatches; the commands live
 * in pipeline.c (run, check, compute, render), sample.c, mail.c, archive.c. */
#ifndef KP_CLI_H
#define KP_CLI_H

#include <stddef.h>

struct kp_opts {
    const char *cmd;
    const char *config, *outdir, *roster, *metrics, *from, *to;
    long jobs;              /* 0 = number of CPUs */
    char **only;            /* --only REP_ID (repeatable) */
    size_t nonly;
    long shard_k, shard_n;  /* --shard K/N; n = 0 when not sharding */
    int no_charts, quiet;
    int wait;               /* --wait: for another run's lock on OUTDIR */
    /* sample */
    long reps, months;
    unsigned long seed;
    double zh_share;
    /* mail */
    int send;
    const char *smtp;
    char **resend;
    size_t nresend;
    /* archive */
    const char *archive_to;
    const char *supersede;
    /* explain */
    const char *explain_rep, *explain_kpi;
    /* plan: --for FROM..TO; REP_ID KPI to explain one planned target */
    const char *plan_for, *plan_rep, *plan_kpi;
    /* verify */
    const char *verify_dir;
};

/* Option letters a command accepts are declared in its spec string (see
 * cli.c). Parses argv (after the command name); prints a usage error and
 * returns 2, or 1 when --help was printed (exit 0), or 0 to go on. */
int cli_parse(const char *cmd, int argc, char **argv, struct kp_opts *o);
void cli_free(struct kp_opts *o);
/* Print COMMAND's help to stdout. */
void cli_help(const char *cmd);

#endif
