/* main — kpipress COMMAND [options]: parse the command line (cli.c, whose
 * table names the commands), run the command, exit with the worst diagnostic's status (diag.h). */
#include "cli.h"
#include "diag.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

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
    const struct kp_command *cmd = NULL;
    struct kp_opts o;
    int rc = cli_main(argc, argv, &cmd, &o);
    if (rc < 0) {
        diag_set_quiet(o.quiet);
        rc = cmd->run(&o);
    }
    cli_free(&o);
    return finish(rc);
}
