/* diag — the one channel for messages to the user.
 *
 * Every message is printed as `kpipress: FILE:LINE:COL: LEVEL: text` (the parts
 * that are unknown are left out) on stderr, and also appended to the run's log
 * when one is open. The worst level seen becomes the exit status (SPEC.md):
 *   KP_NOTE, KP_WARN  -> 0
 *   KP_ERROR          -> 1  (a row or a review was rejected; the batch went on)
 *   KP_FATAL          -> 2  (usage, config or environment: nothing written)
 *   KP_SYSERR         -> 3  (I/O failure, out of disk)
 * Messages are one line: control characters in the text are replaced. On a
 * terminal, "error:" and "warning:" are coloured (not with NO_COLOR set, nor
 * TERM=dumb, nor when stderr is a file or a pipe, nor in the log). */
#ifndef KP_DIAG_H
#define KP_DIAG_H

#include <stdio.h>

enum kp_level { KP_NOTE, KP_WARN, KP_ERROR, KP_FATAL, KP_SYSERR };

/* file may be NULL; line/col 0 = unknown. */
void diag(enum kp_level lvl, const char *file, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Shorthands without a position. */
#define diag_fatal(...) diag(KP_FATAL, NULL, 0, 0, __VA_ARGS__)
#define diag_sys(...) diag(KP_SYSERR, NULL, 0, 0, __VA_ARGS__)

/* Exit status for the worst level so far (0..3). */
int diag_status(void);
/* Count of messages at exactly this level. */
long diag_count(enum kp_level lvl);
/* Forget what was seen (tests; the worker processes of render). */
void diag_reset(void);

/* Where messages go. Quiet drops KP_NOTE from stderr (never from the log).
 * A capture buffer (tests) receives every message instead of stderr. */
void diag_set_quiet(int quiet);
void diag_set_log(FILE *log);         /* not owned; NULL to stop */
struct kp_buf;
void diag_capture(struct kp_buf *buf); /* NULL to stop */

/* Raise the worst level without printing (e.g. a worker reported a failure). */
void diag_raise(enum kp_level lvl);

/* A line for the run's log only (when one is open; else dropped): never on
 * the terminal or in a capture, not counted, no effect on the exit status.
 * For a child's chatter, e.g. gnuplot's stderr. Printed as diag prints a note. */
void diag_log_only(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Save, then later restore, the worst level and the counts: around a step
 * whose messages (captured) are not the caller's business. */
struct kp_diag_mark {
    int worst;
    long counts[KP_SYSERR + 1];
};
void diag_mark(struct kp_diag_mark *m);
void diag_rewind(const struct kp_diag_mark *m);

#endif
