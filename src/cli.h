/* cli — the command line: the options every command may take, parsed from a
 * table, and each command's --help text. main.c calls cli_main; the commands live
 * in pipeline.c (run, check, compute, render), sample.c, mail.c, archive.c. */
#ifndef KP_CLI_H
#define KP_CLI_H

#include <stddef.h>
#include <stdio.h>

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

/* The commands: one table in cli.c (name, arguments, summary, the function
 * that runs it, the options it takes, its exit statuses) drives dispatch,
 * the general usage, each command's --help and which options parse. */
struct kp_command {
    const char *name;
    int (*run)(const struct kp_opts *o); /* returns the exit status */
};
const struct kp_command *cli_command(const char *name); /* NULL: unknown */

/* The whole command line: kpipress [options] COMMAND [options] [ARGS];
 * options anywhere (GNU permutation), `--` ends them; `help [COMMAND]`,
 * --help, --version / -V anywhere. Returns -1 to go on with *cmd and *o
 * filled (cli_free afterwards), else the exit status to end with (what was
 * asked for printed, or a usage error on stderr). */
int cli_main(int argc, char **argv, const struct kp_command **cmd, struct kp_opts *o);

/* Parses argv (argv[0] = the command name); prints a usage error and
 * returns 2, or 1 when --help or --version was printed (exit 0), or 0 to go on. */
int cli_parse(const char *cmd, int argc, char **argv, struct kp_opts *o);
void cli_free(struct kp_opts *o);
/* Print COMMAND's help to stdout; the general usage with NULL. */
void cli_help(const char *cmd);
void cli_usage(FILE *f);

#endif
