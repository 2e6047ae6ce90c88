/* Unit tests for cli: options anywhere (GNU permutation) and `--`, the
 * command before or after options, repeated parses (optind starts afresh),
 * missing values, and that every command of the table dispatches. */
#include "unit.h"

#include "cli.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* cli_main on a command line given as words (NULL-terminated). */
static int cmdline(struct kp_opts *o, const struct kp_command **cmd, const char *const *words)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"kpipress";
    for (; *words; words++)
        argv[argc++] = (char *)*words;
    argv[argc] = NULL;
    *cmd = NULL;
    return cli_main(argc, argv, cmd, o);
}

static void test_permutation(void **state)
{
    (void)state;
    struct kp_opts o;
    const struct kp_command *cmd;
    const char *const a[] = {"explain", "R0003", "conversion", "-c", "review.ini", NULL};
    const char *const b[] = {"-c", "review.ini", "explain", "R0003", "--from", "2026-04", "conversion", NULL};
    const char *const *lines[] = {a, b};
    for (size_t i = 0; i < KP_NELEM(lines); i++) {
        assert_int_equal(cmdline(&o, &cmd, lines[i]), -1);
        assert_non_null(cmd);
        assert_string_equal(cmd->name, "explain");
        assert_string_equal(o.config, "review.ini");
        assert_string_equal(o.explain_rep, "R0003");
        assert_string_equal(o.explain_kpi, "conversion");
        cli_free(&o);
    }
}

static void test_double_dash(void **state)
{
    (void)state;
    struct kp_opts o;
    const struct kp_command *cmd;
    const char *const a[] = {"explain", "-c", "x.ini", "--", "-q", "--only", NULL};
    assert_int_equal(cmdline(&o, &cmd, a), -1);
    assert_string_equal(o.explain_rep, "-q");
    assert_string_equal(o.explain_kpi, "--only");
    assert_int_equal(o.quiet, 0);
    cli_free(&o);
}

static void test_repeated_options(void **state)
{
    (void)state;
    struct kp_opts o;
    const struct kp_command *cmd;
    const char *const a[] = {"run", "--only", "A", "-c", "x.ini", "--only=B", "-j4", NULL};
    assert_int_equal(cmdline(&o, &cmd, a), -1);
    assert_int_equal(o.nonly, 2);
    assert_string_equal(o.only[0], "A");
    assert_string_equal(o.only[1], "B");
    assert_int_equal(o.jobs, 4);
    cli_free(&o);
}

static void test_usage_errors(void **state)
{
    (void)state;
    struct kp_opts o;
    const struct kp_command *cmd;
    const char *const a[] = {"run", "-c", NULL};
    const char *const b[] = {"run", "--config=", NULL};
    const char *const c[] = {"check", "-c", "x.ini", "--send", NULL};
    const char *const d[] = {"frobnicate", NULL};
    const char *const *lines[] = {a, b, c, d};
    for (size_t i = 0; i < KP_NELEM(lines); i++) {
        assert_int_equal(cmdline(&o, &cmd, lines[i]), 2);
        assert_null(cmd);
        cli_free(&o);
    }
}

static void test_every_command_dispatches(void **state)
{
    (void)state;
    const char *const names[] = {"run",  "check",   "compute", "render", "explain",
                                 "mail", "archive", "verify",  "sample"};
    for (size_t i = 0; i < KP_NELEM(names); i++) {
        const struct kp_command *c = cli_command(names[i]);
        assert_non_null(c);
        assert_string_equal(c->name, names[i]);
        assert_non_null(c->run);
    }
    assert_null(cli_command("help"));
}

UNIT_MAIN(cmocka_unit_test(test_permutation), cmocka_unit_test(test_double_dash),
          cmocka_unit_test(test_repeated_options), cmocka_unit_test(test_usage_errors),
          cmocka_unit_test(test_every_command_dispatches))
