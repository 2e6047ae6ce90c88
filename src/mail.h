/* mail — e-mail bursting: one message per person, each carrying that
 * person's own review, written to OUTDIR/mail/<name>.eml and, with send,
 * delivered over SMTP exactly once.
 *
 * Takes OUTDIR/results.json (the people: name, address, manager, language),
 * the reviews render wrote (render_docpaths names them), the config's [mail]
 * section and templates/<lang>/email.ini, email.txt, email.html. Gives the
 * .eml files (mime.h), OUTDIR/mail/ledger.csv and messages through diag.
 *
 * The message: To the person, Cc their manager ([mail] cc_manager), From and
 * Reply-To from the config, subject and bodies from the person's language's
 * templates, the review attached (encrypted with the person's password when
 * [mail] pdf_password names a roster column: then the caller passes the
 * roster, and the review file as render wrote it is encrypted with libqpdf
 * as AES-256 (R6) into the message; the file itself is never changed).
 * Message-ID is a hash of everything the message says (not its Date), so it
 * names the content: an .eml whose Message-ID matches is kept as it is from
 * run to run (its bytes, and so its hash, stay the same even when the
 * attachment is encrypted). Date is SOURCE_DATE_EPOCH, else when the message
 * was first written.
 *
 * The ledger (OUTDIR/mail/ledger.csv: rep_id,address,sha256,status,time,reply)
 * has one line per attempt, appended and fsynced as it happens. status:
 *   delivered  the server answered 2xx to the end of DATA
 *   deferred   a 4xx reply or a connection problem (tried again with backoff
 *              up to [mail] retries times; "not attempted: …" when the batch
 *              had stopped before this message)
 *   rejected   a 5xx reply (not tried again in this run)
 *   unknown    the outcome is unknown: the message was handed over with no
 *              reply, or kpipress stopped during the attempt (a marker file,
 *              ledger.pending, is written before each attempt and turned into
 *              this line by the next run)
 * A person whose latest line is delivered is not sent again, nor one whose
 * latest is unknown (reported: check the mailbox, then --resend); everyone
 * else with a message is sent. When a delivered person's message would now
 * be different, that is reported and nothing is sent: --resend REP_ID sends
 * the new one. One process at a time: mail/.lock is held while it runs.
 *
 * Only kp_mail_opts.send reaches the network; without it nothing leaves the
 * machine. */
#ifndef KP_MAIL_H
#define KP_MAIL_H

#include <stddef.h>

struct kp_config;
struct kp_data;
struct kp_smtp_result;

struct kp_mail_opts {
    const char *outdir;
    int send;                     /* 0 = dry run: write the messages, send nothing */
    int list;                     /* print each person's message or reason to stdout */
    const char *smtp;             /* --smtp URL (overrides [mail] smtp), or NULL */
    char *const *resend;          /* --resend REP_ID… */
    size_t nresend;
    const struct kp_data *roster; /* the roster with [input] keep columns (pdf_password); may be NULL */
    int in_run;                   /* the dry step of kpipress run: a busy ledger only warns */
};

/* Is there a [mail] section with a from address (mail has something to do)? */
int mail_configured(const struct kp_config *cfg);
/* Does the config ask for per-person PDF passwords (the caller then reads the
 * roster and passes it)? */
int mail_wants_roster(const struct kp_config *cfg);

/* Write (and with o->send, send) everyone's message. Returns diag_status(). */
int mail_run(const struct kp_config *cfg, const struct kp_mail_opts *o);

/* Tests: what mail uses to reach a server and the clock. NULL restores the
 * real ones (smtp.h, sys.h). send replaces smtp_new/smtp_send entirely. */
struct kp_mail_hooks {
    void *ctx;
    void (*send)(void *ctx, const char *from, char *const *rcpt, size_t n, const char *msg,
                 size_t len, struct kp_smtp_result *res);
    void (*sleep_ms)(void *ctx, double ms);
    double (*clock_ms)(void *ctx);
    long long (*now)(void *ctx);
};
void mail_set_hooks(const struct kp_mail_hooks *h);

#endif
