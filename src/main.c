/* main — kpipress COMMAND [options]: parse the options, run the command,
 * exit with the worst diagnostic's status (diag.h). */
#include "cli.h"
#include "diag.h"
#include "pipeline.h"
#include "plan.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(const struct kp_opts *o); /* returns an exit status */
};

/* The dispatch table: one line per command of SPEC.md. */
static const struct command commands[] = {
    {"run", pipeline_run},         {"check", pipeline_check},   {"compute", pipeline_compute},
    {"render", pipeline_render},   {"explain", pipeline_explain}, {"mail", pipeline_mail},
    {"archive", pipeline_archive}, {"verify", pipeline_verify}, {"sample", pipeline_sample},
    {"plan", plan_main},
};

static void usage(FILE *f)
{
    fputs("usage: kpipress COMMAND [options]\n"
          "\n"
          "Turn a quarter's sales data into performance reviews, team packets and mail.\n"
          "\n"
          "commands:\n"
          "  run      compute the tables and render every review and packet\n"
          "  check    validate the config and the inputs; write nothing\n"
          "  compute  write the tables only (no PDFs)\n"
          "  render   render reviews and packets from OUTDIR's tables\n"
          "  explain  show how one person's KPI was computed\n"
          "  mail     write (and with --send, send) one message per person\n"
          "  archive  file the run's documents in an append-only archive\n"
          "  verify   check an archive is complete and unaltered\n"
          "  sample   write synthetic input data\n"
          "  plan     propose the next window's targets from history\n"
          "\n"
          "kpipress COMMAND --help shows a command's options; kpipress --version the version.\n",
          f);
}

/* What went to stdout (explain, --help) must have arrived: a full disk or a
 * closed pipe is a system error (exit 3), not a silent success. */
static int finish(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        diag_sys("cannot write to standard output: %s", strerror(errno ? errno : EIO));
        return diag_status() > rc ? diag_status() : rc;
    }
    return rc;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C");
    sys_init();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return finish(0);
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("kpipress %s\n", KP_VERSION);
        return finish(0);
    }
    for (size_t i = 0; i < KP_NELEM(commands); i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        struct kp_opts o;
        int rc = cli_parse(commands[i].name, argc - 1, argv + 1, &o);
        if (rc == 0) {
            diag_set_quiet(o.quiet);
            rc = commands[i].run(&o);
        } else if (rc == 1) {
            rc = 0; /* --help */
        }
        cli_free(&o);
        return finish(rc);
    }
    fprintf(stderr, "kpipress: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
