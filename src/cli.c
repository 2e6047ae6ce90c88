/* cli — see cli.h. Options are one table; each command names the options it
 * takes, so help and parsing never disagree. */
#include "cli.h"

#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_id {
    O_CONFIG = 256, O_OUT, O_ROSTER, O_METRICS, O_FROM, O_TO, O_JOBS, O_ONLY, O_SHARD,
    O_NO_CHARTS, O_QUIET, O_REPS, O_MONTHS, O_SEED, O_ZH, O_SEND, O_SMTP, O_RESEND,
    O_ARCH_TO, O_SUPERSEDE, O_HELP,
    O_WAIT, O_FOR
};

struct opt_spec {
    enum opt_id id;
    const char *name;
    char shortopt;
    const char *arg; /* NULL = flag */
    const char *help;
};

static const struct opt_spec opts[] = {
    {O_CONFIG, "config", 'c', "CONFIG", "the review configuration (INI)"},
    {O_OUT, "output", 'o', "OUTDIR", "output folder (default: [output] dir of the config)"},
    {O_ROSTER, "roster", 0, "FILE", "roster CSV instead of [input] roster"},
    {O_METRICS, "metrics", 0, "FILE", "metrics CSV instead of [input] metrics"},
    {O_FROM, "from", 0, "YYYY-MM", "first month of the review window"},
    {O_TO, "to", 0, "YYYY-MM", "last month of the review window"},
    {O_JOBS, "jobs", 'j', "N", "worker processes (default: number of CPUs)"},
    {O_ONLY, "only", 0, "REP_ID", "only this person (repeatable)"},
    {O_SHARD, "shard", 0, "K/N", "render only shard K of N (1-based)"},
    {O_NO_CHARTS, "no-charts", 0, NULL, "leave the charts out (no gnuplot needed)"},
    {O_QUIET, "quiet", 'q', NULL, "no progress or notes on stderr"},
    {O_REPS, "reps", 0, "N", "people to generate (default 30)"},
    {O_MONTHS, "months", 0, "M", "months of data to generate (default 9)"},
    {O_SEED, "seed", 0, "S", "random seed (default 1)"},
    {O_ZH, "zh-share", 0, "F", "share of people with Chinese names and locale (0..1, default 0.3)"},
    {O_SEND, "send", 0, NULL, "really send (without it: a dry run)"},
    {O_SMTP, "smtp", 0, "URL", "SMTP server, e.g. smtp://mail.example.com:587"},
    {O_RESEND, "resend", 0, "REP_ID", "send this person's message again (repeatable)"},
    {O_ARCH_TO, "to", 0, "ARCHIVE_DIR", "the archive folder"},
    {O_SUPERSEDE, "supersede", 0, "REASON", "replace changed documents, keeping the old ones"},
    {O_WAIT, "wait", 0, NULL, "when another kpipress writes OUTDIR, wait for it (else: exit 2)"},
    {O_FOR, "for", 0, "FROM..TO", "the window to plan, e.g. 2026-07..2026-09"},
    {O_HELP, "help", 'h', NULL, "this help"},
};

struct cmd_spec {
    const char *name;
    const char *args;    /* positional arguments, for the usage line */
    const char *summary;
    enum opt_id accepts[16];
};

static const struct cmd_spec cmds[] = {
    {"run", "", "compute the tables and render every review and packet",
     {O_CONFIG, O_OUT, O_ROSTER, O_METRICS, O_FROM, O_TO, O_JOBS, O_ONLY, O_SHARD, O_NO_CHARTS,
      O_QUIET, O_WAIT, O_HELP}},
    {"check", "", "validate the config and the inputs; write nothing",
     {O_CONFIG, O_ROSTER, O_METRICS, O_FROM, O_TO, O_QUIET, O_HELP}},
    {"compute", "", "write the tables (results, scores, teams, coaching, rejects); no PDFs",
     {O_CONFIG, O_OUT, O_ROSTER, O_METRICS, O_FROM, O_TO, O_ONLY, O_QUIET, O_WAIT, O_HELP}},
    {"render", "", "render reviews and packets from OUTDIR's tables",
     {O_CONFIG, O_OUT, O_ROSTER, O_METRICS, O_FROM, O_TO, O_JOBS, O_ONLY, O_SHARD, O_NO_CHARTS,
      O_QUIET, O_WAIT, O_HELP}},
    {"explain", "REP_ID KPI", "show how one person's KPI was computed, from the inputs",
     {O_CONFIG, O_ROSTER, O_METRICS, O_FROM, O_TO, O_HELP}},
    {"mail", "", "write one message per person; send them with --send",
     {O_CONFIG, O_OUT, O_ROSTER, O_METRICS, O_FROM, O_TO, O_SEND, O_SMTP, O_RESEND, O_QUIET,
      O_HELP}},
    {"archive", "", "file the run's documents in an append-only archive",
     {O_OUT, O_ARCH_TO, O_SUPERSEDE, O_QUIET, O_HELP}},
    {"verify", "ARCHIVE_DIR", "check an archive: missing, altered and unexpected files",
     {O_QUIET, O_HELP}},
    {"sample", "", "write a synthetic roster.csv and metrics.csv in SPEC's layout",
     {O_OUT, O_REPS, O_MONTHS, O_SEED, O_ZH, O_QUIET, O_HELP}},
    {"plan", "[REP_ID KPI]", "propose the next window's targets from history (docs/plan.md); "
     "with REP_ID KPI: how that planned target was computed",
     {O_CONFIG, O_OUT, O_ROSTER, O_METRICS, O_FOR, O_QUIET, O_HELP}},
};

static const struct cmd_spec *find_cmd(const char *name)
{
    for (size_t i = 0; i < KP_NELEM(cmds); i++)
        if (strcmp(cmds[i].name, name) == 0)
            return &cmds[i];
    return NULL;
}

static const struct opt_spec *find_opt(enum opt_id id)
{
    for (size_t i = 0; i < KP_NELEM(opts); i++)
        if (opts[i].id == id)
            return &opts[i];
    return NULL;
}

static int accepts(const struct cmd_spec *c, enum opt_id id)
{
    for (size_t i = 0; i < KP_NELEM(c->accepts) && c->accepts[i]; i++)
        if (c->accepts[i] == id)
            return 1;
    return 0;
}

void cli_help(const char *name)
{
    const struct cmd_spec *c = find_cmd(name);
    if (!c)
        return;
    printf("usage: kpipress %s [options]%s%s\n\n%s.\n\noptions:\n", c->name, *c->args ? " " : "",
           c->args, c->summary);
    for (size_t i = 0; i < KP_NELEM(c->accepts) && c->accepts[i]; i++) {
        const struct opt_spec *o = find_opt(c->accepts[i]);
        char left[64];
        if (o->shortopt)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->shortopt, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        printf("  %-28s %s\n", left, o->help);
    }
    printf("\nExit status: 0 all done; 1 some rows or reviews rejected (see rejects.csv);\n"
           "2 usage, config or environment error; 3 system error.\n");
}

static int usage_error(const char *cmd, const char *msg, const char *arg)
{
    fprintf(stderr, "kpipress %s: %s%s%s\n", cmd, msg, arg ? " " : "", arg ? arg : "");
    fprintf(stderr, "Try 'kpipress %s --help'.\n", cmd);
    return 2;
}

static int num_arg(const char *cmd, const char *name, const char *s, long lo, long hi, long *out)
{
    long v;
    if (parse_long(s, &v) != 0 || v < lo || v > hi) {
        fprintf(stderr, "kpipress %s: --%s wants a whole number from %ld to %ld, not \"%s\"\n", cmd,
                name, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static void push(char ***v, size_t *n, const char *s)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = xstrdup(s);
}

static int set_opt(const char *cmd, enum opt_id id, const char *arg, struct kp_opts *o)
{
    long v;
    switch (id) {
    case O_CONFIG: o->config = arg; break;
    case O_OUT: o->outdir = arg; break;
    case O_ROSTER: o->roster = arg; break;
    case O_METRICS: o->metrics = arg; break;
    case O_FROM: o->from = arg; break;
    case O_TO:
        if (strcmp(cmd, "archive") == 0)
            o->archive_to = arg;
        else
            o->to = arg;
        break;
    case O_ARCH_TO: o->archive_to = arg; break;
    case O_JOBS:
        if (num_arg(cmd, "jobs", arg, 1, 256, &o->jobs))
            return -1;
        break;
    case O_ONLY: push(&o->only, &o->nonly, arg); break;
    case O_SHARD: {
        char *slash = strchr(arg, '/');
        long k, n;
        char *ks = slash ? xstrndup(arg, (size_t)(slash - arg)) : NULL;
        int ok = ks && parse_long(ks, &k) == 0 && parse_long(slash + 1, &n) == 0 && n >= 1 &&
                 n <= 100000 && k >= 1 && k <= n;
        free(ks);
        if (!ok) {
            fprintf(stderr, "kpipress %s: --shard wants K/N with 1 <= K <= N, not \"%s\"\n", cmd,
                    arg);
            return -1;
        }
        o->shard_k = k, o->shard_n = n;
        break;
    }
    case O_NO_CHARTS: o->no_charts = 1; break;
    case O_QUIET: o->quiet = 1; break;
    case O_WAIT: o->wait = 1; break;
    case O_REPS:
        if (num_arg(cmd, "reps", arg, 1, 1000000, &o->reps))
            return -1;
        break;
    case O_MONTHS:
        if (num_arg(cmd, "months", arg, 1, 120, &o->months))
            return -1;
        break;
    case O_SEED:
        if (num_arg(cmd, "seed", arg, 0, 2147483647L, &v))
            return -1;
        o->seed = (unsigned long)v;
        break;
    case O_ZH:
        if (parse_double(arg, &o->zh_share) != 0 || o->zh_share < 0 || o->zh_share > 1) {
            fprintf(stderr, "kpipress %s: --zh-share wants a number from 0 to 1, not \"%s\"\n",
                    cmd, arg);
            return -1;
        }
        break;
    case O_SEND: o->send = 1; break;
    case O_SMTP: o->smtp = arg; break;
    case O_RESEND: push(&o->resend, &o->nresend, arg); break;
    case O_SUPERSEDE: o->supersede = arg; break;
    case O_FOR: o->plan_for = arg; break;
    case O_HELP: break;
    }
    return 0;
}

int cli_parse(const char *name, int argc, char **argv, struct kp_opts *o)
{
    const struct cmd_spec *c = find_cmd(name);
    memset(o, 0, sizeof *o);
    o->cmd = name;
    o->reps = 30, o->months = 9, o->seed = 1, o->zh_share = 0.3;
    if (!c)
        return 2;

    struct option lo[KP_NELEM(c->accepts) + 1];
    char so[64] = "+";
    size_t n = 0;
    for (size_t i = 0; i < KP_NELEM(c->accepts) && c->accepts[i]; i++) {
        const struct opt_spec *s = find_opt(c->accepts[i]);
        lo[n].name = s->name;
        lo[n].has_arg = s->arg ? required_argument : no_argument;
        lo[n].flag = NULL;
        lo[n].val = (int)s->id;
        n++;
        if (s->shortopt) {
            size_t l = strlen(so);
            so[l] = s->shortopt;
            so[l + 1] = s->arg ? ':' : '\0';
            so[l + 2] = '\0';
        }
    }
    memset(&lo[n], 0, sizeof lo[n]);

    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, so, lo, NULL)) != -1) {
        enum opt_id id = 0;
        if (ch == '?' || ch == ':') {
            const char *bad = argv[optind - 1];
            return usage_error(name, ch == ':' ? "missing value for" : "unknown option", bad);
        }
        if (ch < 256) {
            for (size_t i = 0; i < KP_NELEM(opts); i++)
                if (opts[i].shortopt == ch && accepts(c, opts[i].id))
                    id = opts[i].id;
        } else {
            id = (enum opt_id)ch;
        }
        if (id == O_HELP) {
            cli_help(name);
            return 1;
        }
        if (set_opt(name, id, optarg, o) != 0)
            return 2;
    }
    int npos = argc - optind;
    if (strcmp(name, "explain") == 0) {
        if (npos != 2)
            return usage_error(name, "wants REP_ID and KPI", NULL);
        o->explain_rep = argv[optind], o->explain_kpi = argv[optind + 1];
    } else if (strcmp(name, "verify") == 0) {
        if (npos != 1)
            return usage_error(name, "wants the archive folder", NULL);
        o->verify_dir = argv[optind];
    } else if (strcmp(name, "plan") == 0) {
        if (npos != 0 && npos != 2)
            return usage_error(name, "wants no argument, or REP_ID and KPI", NULL);
        if (npos == 2)
            o->plan_rep = argv[optind], o->plan_kpi = argv[optind + 1];
        if (!o->plan_for)
            return usage_error(name, "needs the window to plan: --for FROM..TO", NULL);
    } else if (npos > 0) {
        return usage_error(name, "unexpected argument", argv[optind]);
    }

    int needs_config = accepts(c, O_CONFIG);
    if (needs_config && !o->config)
        return usage_error(name, "needs a config: -c CONFIG", NULL);
    if (strcmp(name, "sample") == 0 && !o->outdir)
        return usage_error(name, "needs an output folder: -o DIR", NULL);
    if (strcmp(name, "archive") == 0 && (!o->outdir || !o->archive_to))
        return usage_error(name, "needs -o OUTDIR and --to ARCHIVE_DIR", NULL);
    return 0;
}

void cli_free(struct kp_opts *o)
{
    strv_free(o->only, o->nonly);
    strv_free(o->resend, o->nresend);
    o->only = o->resend = NULL;
    o->nonly = o->nresend = 0;
}
