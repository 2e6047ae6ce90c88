/* smtp — hands one message at a time to an SMTP server through libcurl, and
 * says what became of it. The module that talks to the network (as sys.c is
 * for files and processes).
 *
 * smtp:// uses STARTTLS: required when logging in (unless the host is a
 * loopback address), taken when the server offers it otherwise; smtps:// is
 * TLS from the start. The server's certificate is verified. AUTH uses the
 * user and password given (never part of the URL). One connection is kept
 * open from message to message while every message is delivered; after any
 * other outcome (a timeout, a break, a 4xx or 5xx) it is closed and the next
 * message goes over a new one.
 *
 * What a send comes to (struct kp_smtp_result):
 *   KP_SMTP_OK       the server answered 2xx to the end of DATA: delivered.
 *   KP_SMTP_TEMP     a 4xx reply, or the connection failed or broke before the
 *                    whole message was handed over: worth trying again later.
 *                    unreachable = 1 when no connection could be made at all.
 *   KP_SMTP_PERM     a 5xx reply (a recipient refused, message too big …).
 *   KP_SMTP_UNKNOWN  the whole message was handed over but no final reply
 *                    came: the server may or may not have it.
 *   KP_SMTP_STOP     a problem no retry can fix (login refused, TLS failure,
 *                    bad URL): stop the batch.
 * reply: the server's last reply line ("250 2.0.0 Ok: queued as …"), or what
 * went wrong ("no connection: Connection refused"), one line. */
#ifndef KP_SMTP_H
#define KP_SMTP_H

#include <stddef.h>

struct kp_smtp_conf {
    const char *url;      /* smtp://host[:port] or smtps://host[:port] */
    const char *user;     /* NULL = no AUTH */
    const char *password;
    long timeout_s;       /* connect timeout, and the longest stall of a transfer */
    const char *ca_file;  /* PEM certificates to verify the server with; NULL = the system's */
};

enum kp_smtp_status { KP_SMTP_OK, KP_SMTP_TEMP, KP_SMTP_PERM, KP_SMTP_UNKNOWN, KP_SMTP_STOP };

struct kp_smtp_result {
    enum kp_smtp_status status;
    int unreachable; /* TEMP: no connection could be made */
    long code;       /* the server's last reply code, 0 = none */
    char reply[512];
};

/* NULL when url is usable, else why not (a static string): smtp:// or
 * smtps:// with a host and no user name or password in it. *loopback: the
 * host is 127.x, ::1 or localhost. */
const char *smtp_url_check(const char *url, int *loopback);

/* Copies what it needs from c (the password is wiped from memory by
 * smtp_free). NULL when libcurl cannot start (reported). */
struct kp_smtp *smtp_new(const struct kp_smtp_conf *c);
/* Send msg (len bytes, CRLF line ends) from `from` to the n addresses rcpt. */
void smtp_send(struct kp_smtp *s, const char *from, char *const *rcpt, size_t n, const char *msg,
               size_t len, struct kp_smtp_result *res);
void smtp_free(struct kp_smtp *s);

#endif
