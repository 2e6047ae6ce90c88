/* smtp — see smtp.h. */
#include "smtp.h"

#include "diag.h"
#include "util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct kp_smtp {
    CURL *h;
    char *url, *user, *password, *ca_file;
    long use_ssl;
    long timeout_s;
};

/* What one transfer saw. */
struct xfer {
    const char *msg;
    size_t len, pos;
    int eod;           /* the whole message was handed to curl */
    char last[512];    /* the server's last reply line */
    long code;         /* its code */
    char fail[512];    /* the latest 4xx/5xx reply (the last line may answer QUIT) */
    long fail_code;
    struct kp_buf partial;
};

/* ------------------------------------------------------------------ */
/* The URL                                                             */

static int host_is_loopback(const char *h, size_t n)
{
    return (n == 9 && strncasecmp(h, "localhost", 9) == 0) || (n >= 4 && strncmp(h, "127.", 4) == 0) ||
           (n == 5 && strncmp(h, "[::1]", 5) == 0);
}

const char *smtp_url_check(const char *url, int *loopback)
{
    size_t skip = strncasecmp(url, "smtp://", 7) == 0    ? 7
                  : strncasecmp(url, "smtps://", 8) == 0 ? 8
                                                          : 0;
    if (!skip)
        return "is not an smtp:// or smtps:// URL";
    const char *host = url + skip;
    size_t auth = strcspn(host, "/?#");
    if (memchr(host, '@', auth))
        return "has a user name or password in it: set [mail] user, and the password through "
               "password_env or password_file";
    size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/?#");
    if (n == 0 || n > auth)
        return "has no host";
    for (size_t i = 0; i < auth; i++)
        if ((unsigned char)host[i] <= ' ')
            return "has a space or control character in it";
    *loopback = host_is_loopback(host, n);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* libcurl callbacks                                                   */

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
    struct xfer *x = arg;
    size_t room = size * nitems, left = x->len - x->pos;
    size_t n = left < room ? left : room;
    memcpy(buf, x->msg + x->pos, n);
    x->pos += n;
    if (x->pos == x->len)
        x->eod = 1; /* curl asks no more once it has INFILESIZE bytes */
    return n;
}

/* Keep the server's last complete reply line (CURLINFO_HEADER_IN). What we
 * send (HEADER_OUT: AUTH carries the password) is never looked at. */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)h;
    struct xfer *x = arg;
    if (type != CURLINFO_HEADER_IN)
        return 0;
    buf_add(&x->partial, data, size);
    char *nl;
    while (x->partial.s && (nl = strchr(x->partial.s, '\n')) != NULL) {
        size_t len = (size_t)(nl - x->partial.s);
        while (len > 0 && (x->partial.s[len - 1] == '\r'))
            len--;
        if (len >= 3) {
            snprintf(x->last, sizeof x->last, "%.*s", (int)len, x->partial.s);
            x->code = strtol(x->last, NULL, 10);
            if (x->code >= 400)
                memcpy(x->fail, x->last, sizeof x->fail), x->fail_code = x->code;
        }
        size_t rest = x->partial.len - (size_t)(nl + 1 - x->partial.s);
        memmove(x->partial.s, nl + 1, rest + 1);
        x->partial.len = rest;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

struct kp_smtp *smtp_new(const struct kp_smtp_conf *c)
{
    int loopback = 0;
    if (smtp_url_check(c->url, &loopback))
        return NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        diag(KP_FATAL, NULL, 0, 0, "libcurl could not start");
        return NULL;
    }
    struct kp_smtp *s = xcalloc(1, sizeof *s);
    s->h = curl_easy_init();
    if (!s->h) {
        diag(KP_FATAL, NULL, 0, 0, "libcurl could not start");
        free(s);
        return NULL;
    }
    s->url = xstrdup(c->url);
    s->user = c->user ? xstrdup(c->user) : NULL;
    s->password = c->password ? xstrdup(c->password) : NULL;
    s->timeout_s = c->timeout_s > 0 ? c->timeout_s : 60;
    s->ca_file = c->ca_file ? xstrdup(c->ca_file) : NULL;
    /* Never send a password in the clear, except to this machine. */
    s->use_ssl = s->user && !loopback ? CURLUSESSL_ALL : CURLUSESSL_TRY;
    return s;
}

static void set_options(struct kp_smtp *s, struct xfer *x, struct curl_slist *rcpt,
                        const char *from, char *err)
{
    CURL *h = s->h;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, s->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USE_SSL, s->use_ssl);
    if (s->ca_file) /* a company's own CA; the server is still verified */
        curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_file);
    if (s->user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, s->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, s->password ? s->password : "");
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, x);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->len);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, s->timeout_s);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, s->timeout_s);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, x);
}

static int is_stop(CURLcode rc)
{
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_LOGIN_DENIED:
    case CURLE_AUTH_ERROR:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_CIPHER:
        return 1;
    default:
        return 0;
    }
}

static void classify(CURLcode rc, const struct xfer *x, const char *err,
                     struct kp_smtp_result *res)
{
    const char *why = *err ? err : curl_easy_strerror(rc);
    int got_reply = x->last[0] != '\0';
    long code = rc != CURLE_OK && x->fail_code ? x->fail_code : x->code;
    const char *line = rc != CURLE_OK && x->fail_code ? x->fail : x->last;
    res->code = code;
    if (rc == CURLE_OK) {
        res->status = KP_SMTP_OK;
    } else if (is_stop(rc)) {
        res->status = KP_SMTP_STOP;
    } else if (code >= 400 && code < 600 && code != 421) {
        res->status = code >= 500 ? KP_SMTP_PERM : KP_SMTP_TEMP;
    } else if (!got_reply && (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                              rc == CURLE_OPERATION_TIMEDOUT)) {
        res->status = KP_SMTP_TEMP;
        res->unreachable = 1;
        snprintf(res->reply, sizeof res->reply, "no connection: %s", why);
        return;
    } else if (x->eod && x->code == 354) {
        res->status = KP_SMTP_UNKNOWN;
        snprintf(res->reply, sizeof res->reply, "no reply after the whole message was sent: %s",
                 why);
        return;
    } else {
        res->status = KP_SMTP_TEMP; /* 421 (closing) or a connection that broke */
    }
    if (got_reply && (rc == CURLE_OK || code >= 400))
        snprintf(res->reply, sizeof res->reply, "%s", line);
    else if (got_reply)
        snprintf(res->reply, sizeof res->reply, "%s (last reply: %.200s)", why, line);
    else
        snprintf(res->reply, sizeof res->reply, "%s", why);
    if (rc == CURLE_PEER_FAILED_VERIFICATION) { /* say what the user can do */
        size_t used = strlen(res->reply);
        snprintf(res->reply + used, sizeof res->reply - used,
                 "; a server with a certificate from the company's own CA: [mail] ca_file");
    }
}

void smtp_send(struct kp_smtp *s, const char *from, char *const *rcpt, size_t n, const char *msg,
               size_t len, struct kp_smtp_result *res)
{
    memset(res, 0, sizeof *res);
    if (!s->h) {
        res->status = KP_SMTP_STOP;
        snprintf(res->reply, sizeof res->reply, "libcurl could not start");
        return;
    }
    struct xfer x;
    memset(&x, 0, sizeof x);
    x.msg = msg, x.len = len;
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < n; i++) {
        char *a = xasprintf("<%s>", rcpt[i]);
        list = curl_slist_append(list, a);
        free(a);
    }
    char *mail_from = xasprintf("<%s>", from);
    char err[CURL_ERROR_SIZE] = "";
    set_options(s, &x, list, mail_from, err);
    CURLcode rc = curl_easy_perform(s->h);
    classify(rc, &x, err, res);
    if (res->status != KP_SMTP_OK) {
        /* After a timeout, a break or a refusal the connection's state is not
         * known (a late "250" may still be on its way): never reuse it. A
         * new handle drops the old one's connections. */
        curl_easy_cleanup(s->h);
        s->h = curl_easy_init();
    }
    for (char *p = res->reply; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    curl_slist_free_all(list);
    free(mail_from);
    buf_free(&x.partial);
}

void smtp_free(struct kp_smtp *s)
{
    if (!s)
        return;
    curl_easy_cleanup(s->h);
    if (s->password)
        explicit_bzero(s->password, strlen(s->password));
    free(s->password), free(s->user), free(s->url), free(s->ca_file);
    free(s);
    curl_global_cleanup();
}
