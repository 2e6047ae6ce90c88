/* cli — see cli.h. Options are one table, commands another; each command
 * names the options it takes and the function that runs it, so dispatch,
 * usage, help, parsing and the man page check (tests/e2e/cli.sh) never
 * disagree. */
#include "cli.h"

#include "pipeline.h"
#include "plan.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_id {
    O_CONFIG = 256, O_OUT, O_ROSTER, O_METRICS, O_FROM, O_TO, O_JOBS, O_ONLY, O_SHARD,
    O_NO_CHARTS, O_QUIET, O_REPS, O_MONTHS, O_SEED, O_ZH, O_SEND, O_SMTP, O_RESEND,
    O_ARCH_TO, O_SUPERSEDE, O_HELP, O_VERSION,
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
    {O_VERSION, "version", 'V', NULL, "print the version"},
};

/* Exit statuses, per command (diag.h maps the worst message to them). */
#define EXIT_SYS "3  system error: a file could not be read or written (full disk, permissions)\n"
#define EXIT_USE "2  usage, config, input or environment error: nothing written\n"

/* One line per command: add a command here (and its function in
 * pipeline.h), and dispatch, usage, --help, option parsing, the man page
 * check (tests/e2e/cli.sh) follow. accepts: the options it takes; --help and
 * --version are taken by every command. */
struct cmd_spec {
    const char *name;
    const char *args;    /* positional arguments, for the usage line */
    const char *summary;
    int (*run)(const struct kp_opts *o);
    enum opt_id accepts[16];
    const char *exits;   /* "STATUS  meaning" lines */
};

static const struct cmd_spec cmds[] = {
    {"run", "", "compute the tables and render every review and packet", pipeline_run,
     {O_CONFIG, O_OUT, O_ROSTER, O_METRICS, O_FROM, O_TO, O_JOBS, O_ONLY, O_SHARD, O_NO_CHARTS,
      O_QUIET, O_WAIT},
     "0  every review and packet written\n"
     "1  some rows or reviews rejected (see rejects.csv and the messages)\n" EXIT_USE EXIT_SYS},
    {"check", "", "validate the config and the inputs; write nothing", pipeline_check,
     {O_CONFIG, O_ROSTER, O_METRICS, O_FROM, O_TO, O_QUIET},
     "0  config and inputs are fine\n"
     "1  some input rows would be rejected (each named)\n"
     "2  usage, config or input error\n" EXIT_SYS},
    {"compute", "", "write the tables (results, scores, teams, coaching, rejects); no PDFs",
     pipeline_compute,
     {O_CONFIG, O_OUT, O_ROSTER, O_METRICS, O_FROM, O_TO, O_ONLY, O_QUIET, O_WAIT},
     "0  tables written\n"
     "1  tables written; some rows rejected (see rejects.csv)\n" EXIT_USE EXIT_SYS},
    {"render", "", "render reviews and packets from OUTDIR's tables", pipeline_render,
     {O_CONFIG, O_OUT, O_ROSTER, O_METRICS, O_FROM, O_TO, O_JOBS, O_ONLY, O_SHARD, O_NO_CHARTS,
      O_QUIET, O_WAIT},
     "0  every review and packet written\n"
     "1  some documents failed (each named); the others are written\n"
     "2  usage or config error, or no tables in OUTDIR: nothing written\n" EXIT_SYS},
    {"explain", "REP_ID KPI", "show how one person's KPI was computed, from the inputs",
     pipeline_explain, {O_CONFIG, O_ROSTER, O_METRICS, O_FROM, O_TO},
     "0  explained (rows rejected for other people do not count)\n"
     "2  usage, config or input error, or no such REP_ID or KPI\n"
     "3  system error: the inputs could not be read or the output written\n"},
    {"mail", "", "write one message per person; send them with --send", pipeline_mail,
     {O_CONFIG, O_OUT, O_ROSTER, O_METRICS, O_FROM, O_TO, O_SEND, O_SMTP, O_RESEND, O_QUIET},
     "0  every message written (with --send: sent)\n"
     "1  some people got no message (each named: no address, no review, refused...)\n"
     "2  usage, config, template or SMTP setting error, or no tables in OUTDIR\n" EXIT_SYS},
    {"archive", "", "file the run's documents in an append-only archive", pipeline_archive,
     {O_OUT, O_ARCH_TO, O_SUPERSEDE, O_QUIET},
     "0  every document filed (or filed before with the same bytes)\n"
     "1  nothing filed: documents differ from the archived ones (see --supersede),\n"
     "   or changed since the run\n"
     "2  usage error, or OUTDIR has no run to archive\n" EXIT_SYS},
    {"verify", "ARCHIVE_DIR", "check an archive: missing, altered and unexpected files",
     pipeline_verify, {O_QUIET},
     "0  the archive is intact\n"
     "1  the archive is damaged: missing, altered, unexpected or broken files (listed)\n"
     "2  usage error, or ARCHIVE_DIR is not a folder or not a kpipress archive\n"
     "3  system error: ARCHIVE_DIR could not be read\n"},
    {"sample", "", "write a synthetic roster.csv and metrics.csv in the input layout",
     pipeline_sample, {O_OUT, O_REPS, O_MONTHS, O_SEED, O_ZH, O_QUIET},
     "0  written\n"
     "2  usage error\n"
     "3  system error: the files could not be written\n"},
    {"plan", "[REP_ID KPI]",
     "propose the next window's targets from history (docs/plan.md); with REP_ID KPI: how "
     "that planned target was computed",
     plan_main, {O_CONFIG, O_OUT, O_ROSTER, O_METRICS, O_FOR, O_QUIET},
     "0  planned (or explained)\n"
     "1  planned, but some input rows were rejected (each reported)\n"
     "2  usage or config error, or an input that cannot be used (nothing written)\n"
     "3  system error: the files could not be written\n"},
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

/* The options COMMAND takes: its own, then --help and --version. */
static size_t cmd_opts(const struct cmd_spec *c, enum opt_id *out)
{
    size_t n = 0;
    for (size_t i = 0; i < KP_NELEM(c->accepts) && c->accepts[i]; i++)
        out[n++] = c->accepts[i];
    out[n++] = O_HELP;
    out[n++] = O_VERSION;
    return n;
}

static int accepts(const struct cmd_spec *c, enum opt_id id)
{
    enum opt_id ids[KP_NELEM(c->accepts) + 2];
    size_t n = cmd_opts(c, ids);
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

const struct kp_command *cli_command(const char *name)
{
    static struct kp_command k;
    const struct cmd_spec *c = find_cmd(name);
    if (!c)
        return NULL;
    k.name = c->name, k.run = c->run;
    return &k;
}

void cli_usage(FILE *f)
{
    fputs("usage: kpipress COMMAND [options] [ARGS]\n"
          "\n"
          "Turn a quarter's sales data into performance reviews, team packets and mail.\n"
          "\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < KP_NELEM(cmds); i++)
        fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
    fputs("\n"
          "kpipress help COMMAND (or kpipress COMMAND --help) shows a command's options and\n"
          "exit statuses; kpipress --version the version; man kpipress the manual.\n",
          f);
}

void cli_help(const char *name)
{
    const struct cmd_spec *c = name ? find_cmd(name) : NULL;
    if (!c) {
        cli_usage(stdout);
        return;
    }
    printf("usage: kpipress %s [options]%s%s\n\n%s.\n\noptions:\n", c->name, *c->args ? " " : "",
           c->args, c->summary);
    enum opt_id ids[KP_NELEM(c->accepts) + 2];
    size_t n = cmd_opts(c, ids);
    for (size_t i = 0; i < n; i++) {
        const struct opt_spec *o = find_opt(ids[i]);
        char left[64];
        if (o->shortopt)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->shortopt, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        printf("  %-28s %s\n", left, o->help);
    }
    printf("\nOptions may come before, between or after the arguments; -- ends them.\n"
           "\nexit status:\n");
    for (const char *l = c->exits; *l;) {
        const char *nl = strchr(l, '\n');
        printf("  %.*s\n", (int)(nl - l), l);
        l = nl + 1;
    }
}

static int usage_error(const char *cmd, const char *msg, const char *arg)
{
    fprintf(stderr, "kpipress %s: %s%s%s\n", cmd, msg, arg ? " " : "", arg ? arg : "");
    fprintf(stderr, "Try 'kpipress %s --help'.\n", cmd);
    return 2;
}

/* Edit distance (Levenshtein), for "did you mean"; short names only. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t d[41];
    for (size_t j = 0; j <= lb; j++)
        d[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = d[0];
        d[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = d[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (d[j] + 1 < best)
                best = d[j] + 1;
            if (d[j - 1] + 1 < best)
                best = d[j - 1] + 1;
            d[j] = best;
            diag = up;
        }
    }
    return d[lb];
}

/* The nearest of names (n of them, stride apart) to s, when near enough. */
static const char *nearest(const char *s, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t bd = 99, len = strlen(s);
    for (size_t i = 0; i < n; i++) {
        size_t dd = distance(s, names[i]);
        /* a prefix counts as near: --conf for --config */
        if (strncmp(s, names[i], len) == 0 && len >= 2)
            dd = 1;
        if (dd < bd)
            bd = dd, best = names[i];
    }
    return bd <= (len < 6 ? 2 : len / 3) ? best : NULL;
}

/* "unknown option --bogus": which command does not take it, who does, and
 * the nearest option the command does take. */
static int unknown_option(const struct cmd_spec *c, const char *arg)
{
    char *name = xstrdup(arg);
    char *eq = strchr(name, '=');
    if (eq && name[1] == '-')
        *eq = '\0';
    const char *bare = name + (name[1] == '-' ? 2 : 1);
    const char *others = NULL;
    for (size_t i = 0; i < KP_NELEM(cmds) && !others; i++)
        for (size_t k = 0; k < KP_NELEM(opts); k++)
            if (&cmds[i] != c && accepts(&cmds[i], opts[k].id) &&
                ((strncmp(opts[k].name, bare, strlen(bare)) == 0 && strlen(bare) >= 3) ||
                 (name[1] != '-' && opts[k].shortopt == *bare && !bare[1])))
                others = cmds[i].name;
    enum opt_id ids[KP_NELEM(c->accepts) + 2];
    size_t n = cmd_opts(c, ids);
    const char *names[KP_NELEM(c->accepts) + 2];
    for (size_t i = 0; i < n; i++)
        names[i] = find_opt(ids[i])->name;
    const char *near = name[1] == '-' ? nearest(bare, names, n) : NULL;
    struct kp_buf b = {0};
    buf_printf(&b, "unknown option %s: kpipress %s does not take it", name, c->name);
    if (others)
        buf_printf(&b, " (kpipress %s does)", others);
    if (near)
        buf_printf(&b, "; did you mean --%s?", near);
    fprintf(stderr, "kpipress %s: %s\n", c->name, b.s);
    fprintf(stderr, "Try 'kpipress %s --help'.\n", c->name);
    buf_free(&b);
    free(name);
    return 2;
}

static void unknown_command(const char *name)
{
    const char *names[KP_NELEM(cmds)];
    for (size_t i = 0; i < KP_NELEM(cmds); i++)
        names[i] = cmds[i].name;
    const char *near = nearest(name, names, KP_NELEM(cmds));
    fprintf(stderr, "kpipress: unknown command \"%s\"%s%s%s\n", name, near ? "; did you mean " : "",
            near ? near : "", near ? "?" : "");
    fputs("Try 'kpipress help'.\n", stderr);
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
    case O_HELP:
    case O_VERSION: break;
    }
    return 0;
}

/* An option's name as the user wrote it: "-c" or "--config". */
static void opt_label(const struct opt_spec *s, int was_short, char *out, size_t size)
{
    if (was_short)
        snprintf(out, size, "-%c", s->shortopt);
    else
        snprintf(out, size, "--%s", s->name);
}

/* A value that is one of the command's options: the option before it
 * wanted a value and got none (`run -c -q`). */
static int is_option_word(const struct cmd_spec *c, const char *w)
{
    if (w[0] != '-' || !w[1])
        return 0;
    for (size_t k = 0; k < KP_NELEM(opts); k++) {
        if (!accepts(c, opts[k].id))
            continue;
        if (w[1] != '-' && !w[2] && opts[k].shortopt == w[1])
            return 1;
        size_t l = strlen(opts[k].name);
        if (w[1] == '-' && strncmp(w + 2, opts[k].name, l) == 0 && (!w[2 + l] || w[2 + l] == '='))
            return 1;
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

    enum opt_id ids[KP_NELEM(c->accepts) + 2];
    size_t nids = cmd_opts(c, ids);
    struct option lo[KP_NELEM(c->accepts) + 3];
    char so[64] = ":"; /* permute (GNU); ':' tells a missing value from an unknown option */
    size_t n = 0;
    for (size_t i = 0; i < nids; i++) {
        const struct opt_spec *s = find_opt(ids[i]);
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

    optind = 0; /* glibc: start afresh (a second call, the unit tests) */
    opterr = 0;
    int ch, want_help = 0, want_version = 0;
    while ((ch = getopt_long(argc, argv, so, lo, NULL)) != -1) {
        enum opt_id id = 0;
        const char *word = argv[optind - 1];
        int was_short = word[0] == '-' && word[1] != '-';
        if (ch == '?' && optopt >= 256) { /* --quiet=x */
            char lab[64];
            opt_label(find_opt((enum opt_id)optopt), 0, lab, sizeof lab);
            fprintf(stderr, "kpipress %s: option %s takes no value\n", name, lab);
            fprintf(stderr, "Try 'kpipress %s --help'.\n", name);
            return 2;
        }
        if (ch == '?') {
            char sh[3] = {'-', (char)optopt, '\0'};
            return unknown_option(c, optopt ? sh : word);
        }
        if (ch == ':')
            id = optopt >= 256 ? (enum opt_id)optopt : 0;
        else if (ch >= 256)
            id = (enum opt_id)ch;
        int sh = ch == ':' ? optopt : ch;
        if (sh > 0 && sh < 256)
            for (size_t i = 0; i < nids; i++)
                if (find_opt(ids[i])->shortopt == sh)
                    id = ids[i];
        const struct opt_spec *s = find_opt(id);
        if (ch == ':' || (s && s->arg && (!*optarg || (optarg == argv[optind - 1] &&
                                                          is_option_word(c, optarg))))) {
            char lab[64], msg[256];
            opt_label(s, ch == ':' ? optopt < 256 : was_short, lab, sizeof lab);
            snprintf(msg, sizeof msg, "option %s needs a value: %s %s", lab, lab, s->arg);
            return usage_error(name, msg, NULL);
        }
        if (id == O_HELP)
            want_help = 1;
        else if (id == O_VERSION)
            want_version = 1;
        else if (set_opt(name, id, optarg, o) != 0)
            return 2;
    }
    if (want_help || want_version) {
        if (want_help)
            cli_help(name);
        else
            printf("kpipress %s\n", KP_VERSION);
        return 1;
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

/* The command among argv: the first word that is not an option or an
 * option's value (options before the command take values as any command
 * does). 0 when there is none. */
static int find_command_word(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        if (strcmp(w, "--") == 0)
            return i + 1 < argc ? i + 1 : 0;
        if (w[0] != '-' || !w[1])
            return i;
        int takes = 0;
        for (size_t k = 0; k < KP_NELEM(opts); k++) {
            if (!opts[k].arg)
                continue;
            if (w[1] == '-' && strcmp(w + 2, opts[k].name) == 0)
                takes = 1;
            if (w[1] != '-' && w[strlen(w) - 1] == opts[k].shortopt)
                takes = 1;
        }
        i += takes;
    }
    return 0;
}

int cli_main(int argc, char **argv, const struct kp_command **cmd, struct kp_opts *o)
{
    static struct kp_command k;
    memset(o, 0, sizeof *o);
    int at = find_command_word(argc, argv);
    /* kpipress [--help|--version] alone */
    int help = 0, version = 0;
    for (int i = 1; i < (at ? at : argc); i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
        version |= strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0;
    }
    if (!at || strcmp(argv[at], "help") == 0) {
        if (at && at + 1 < argc && !find_cmd(argv[at + 1])) {
            unknown_command(argv[at + 1]);
            return 2;
        }
        if (version && !at) {
            printf("kpipress %s\n", KP_VERSION);
            return 0;
        }
        if (help || at) {
            cli_help(at && at + 1 < argc ? argv[at + 1] : NULL);
            return 0;
        }
        cli_usage(stderr);
        return 2;
    }
    const struct cmd_spec *c = find_cmd(argv[at]);
    if (!c) {
        unknown_command(argv[at]);
        return 2;
    }
    /* argv for the command: its name first, then every other word in order */
    char **av = xcalloc((size_t)argc + 1, sizeof *av);
    int ac = 0;
    av[ac++] = argv[at];
    for (int i = 1; i < argc; i++)
        if (i != at)
            av[ac++] = argv[i];
    int rc = cli_parse(c->name, ac, av, o);
    free(av);
    if (rc == 1)
        return 0; /* --help, --version */
    if (rc != 0)
        return rc;
    k.name = c->name, k.run = c->run;
    *cmd = &k;
    return -1;
}
