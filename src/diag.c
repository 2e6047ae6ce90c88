/* diag — see diag.h. */
#include "diag.h"

#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int worst = KP_NOTE;
static long counts[KP_SYSERR + 1];
static int quiet;
static FILE *logf;
static struct kp_buf *capture;

static const char *level_name(enum kp_level l)
{
    switch (l) {
    case KP_NOTE: return "note";
    case KP_WARN: return "warning";
    case KP_ERROR: return "error";
    case KP_FATAL: return "error";
    case KP_SYSERR: return "error";
    }
    return "error";
}

/* Colour for "error:" and "warning:" on stderr: only on a terminal, and not
 * with NO_COLOR set (no-color.org) or TERM=dumb. Decided once. */
static int use_colour(void)
{
    static int on = -1;
    if (on < 0) {
        const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
        on = !(nc && *nc) && !(term && strcmp(term, "dumb") == 0) && isatty(fileno(stderr));
    }
    return on;
}

static const char *level_colour(enum kp_level l)
{
    switch (l) {
    case KP_NOTE: return NULL;
    case KP_WARN: return "\033[1;35m";
    default: return "\033[1;31m";
    }
}

void diag(enum kp_level lvl, const char *file, long line, long col, const char *fmt, ...)
{
    struct kp_buf b = {0};
    buf_adds(&b, "kpipress: ");
    if (file) {
        buf_adds(&b, file);
        if (line > 0)
            buf_printf(&b, ":%ld", line);
        if (line > 0 && col > 0)
            buf_printf(&b, ":%ld", col);
        buf_adds(&b, ": ");
    }
    size_t at = b.len; /* where the level starts: coloured on a terminal */
    buf_printf(&b, "%s: ", level_name(lvl));
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    char *clean = utf8_clean(msg, strlen(msg), 0, NULL);
    buf_adds(&b, clean);
    buf_addc(&b, '\n');
    free(clean);
    free(msg);

    diag_raise(lvl);
    counts[lvl]++;
    if (capture)
        buf_adds(capture, b.s);
    else if (!(quiet && lvl == KP_NOTE) && use_colour() && level_colour(lvl))
        fprintf(stderr, "%.*s%s%s:\033[0m%s", (int)at, b.s, level_colour(lvl), level_name(lvl),
                b.s + at + strlen(level_name(lvl)) + 1);
    else if (!(quiet && lvl == KP_NOTE))
        fputs(b.s, stderr);
    if (logf)
        fputs(b.s, logf);
    buf_free(&b);
}

int diag_status(void)
{
    switch (worst) {
    case KP_ERROR: return 1;
    case KP_FATAL: return 2;
    case KP_SYSERR: return 3;
    default: return 0;
    }
}

long diag_count(enum kp_level lvl)
{
    return counts[lvl];
}

void diag_reset(void)
{
    worst = KP_NOTE;
    memset(counts, 0, sizeof counts);
}

void diag_set_quiet(int q)
{
    quiet = q;
}

void diag_set_log(FILE *f)
{
    logf = f;
}

void diag_capture(struct kp_buf *buf)
{
    capture = buf;
}

void diag_raise(enum kp_level lvl)
{
    if ((int)lvl > worst)
        worst = lvl;
}

void diag_log_only(const char *fmt, ...)
{
    if (!logf)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    char *clean = utf8_clean(msg, strlen(msg), 0, NULL);
    fprintf(logf, "kpipress: note: %s\n", clean);
    free(clean);
    free(msg);
}

void diag_mark(struct kp_diag_mark *m)
{
    m->worst = worst;
    memcpy(m->counts, counts, sizeof counts);
}

void diag_rewind(const struct kp_diag_mark *m)
{
    worst = m->worst;
    memcpy(counts, m->counts, sizeof counts);
}
