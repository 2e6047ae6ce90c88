/* Unit tests for mail and its parts: mime (addresses, encoded words, RFC
 * 2231 names, the multipart layout, quoted-printable), smtp_url_check,
 * pdf_set_password, and mail_run against a fake server (mail_set_hooks):
 * exactly once, retries and backoff, 5xx not retried, an unreachable server
 * stops the batch, pace, unknown outcomes held, interrupted attempts
 * recorded, changed messages not resent, a damaged ledger. The people and
 * reviews come from one `kpipress run` of tests/data/small in a temporary
 * folder. */
#include "unit.h"

#include "cli.h"
#include "config.h"
#include "diag.h"
#include "font.h"
#include "hash.h"
#include "mail.h"
#include "mime.h"
#include "pdf.h"
#include "pipeline.h"
#include "smtp.h"
#include "sys.h"
#include "util.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp[] = "/tmp/kp-test-mail-XXXXXX";
static char *outdir, *cfgpath;
static struct kp_buf said;

/* ------------------------------------------------------------------ */
/* mime                                                                */

static void test_addr_check(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"ann@example.com", NULL},
        {"first.last+tag@sub.example.co.uk", NULL},
        {"", "is empty"},
        {"ann", "has no @"},
        {"a@@example.com", "has more than one @"},
        {"@example.com", "has nothing before the @"},
        {".a@example.com", "starts or ends with a dot before the @"},
        {"a..b@example.com", "has two dots in a row"},
        {"a b@example.com", "has a space"},
        {"a@localhost", "has no dot in its domain"},
        {"a@-x.com", "has a domain label starting or ending with a hyphen"},
        {"a@x..com", "has an empty domain label"},
        {"a@1.2.3.4", "has a domain that ends in a number"},
        {"a@exa_mple.com", "has a character a domain cannot have"},
        {"陈@example.com", "has characters other than ASCII (not supported)"},
        {"a@example.com\r\nBcc: x@evil.com", "has a control character"},
    };
    for (size_t i = 0; i < KP_NELEM(cases); i++) {
        const char *why = mime_addr_check(cases[i][0]);
        if (cases[i][1])
            assert_non_null(why), assert_string_equal(why, cases[i][1]);
        else
            assert_null(why);
    }
}

static void test_addr_parse(void **state)
{
    (void)state;
    char *name, *addr;
    const char *why = NULL;
    assert_int_equal(mime_addr_parse("Sales Ops <ops@example.com>", &name, &addr, &why), 0);
    assert_string_equal(name, "Sales Ops");
    assert_string_equal(addr, "ops@example.com");
    free(name), free(addr);
    assert_int_equal(mime_addr_parse(" \"Doe, \\\"J\\\"\" <j@example.com> ", &name, &addr, &why), 0);
    assert_string_equal(name, "Doe, \"J\"");
    assert_string_equal(addr, "j@example.com");
    free(name), free(addr);
    assert_int_equal(mime_addr_parse("ops@example.com", &name, &addr, &why), 0);
    assert_string_equal(name, "");
    assert_string_equal(addr, "ops@example.com");
    free(name), free(addr);
    assert_int_equal(mime_addr_parse("a@x.com, b@x.com", &name, &addr, &why), -1);
    assert_string_equal(why, "is not one address");
    assert_int_equal(mime_addr_parse("Name <a@x.com", &name, &addr, &why), -1);
    assert_string_equal(why, "is not of the form Name <address>");
}

static char *header(void (*fn)(struct kp_buf *, const char *, const char *), const char *text)
{
    struct kp_buf b = {0};
    fn(&b, "Subject", text);
    return buf_steal(&b);
}

/* The text of every encoded word of a header, decoded and joined. */
static char *decode_words(const char *h)
{
    struct kp_buf b = {0};
    buf_adds(&b, "");
    for (const char *p = h; (p = strstr(p, "=?UTF-8?B?")) != NULL;) {
        p += 10;
        const char *end = strstr(p, "?=");
        unsigned char out[256];
        int n = EVP_DecodeBlock(out, (const unsigned char *)p, (int)(end - p));
        while (end > p && end[-1] == '=')
            end--, n--;
        buf_add(&b, out, (size_t)n);
        p = end;
    }
    return buf_steal(&b);
}

static void assert_lines_fit(const char *s, size_t max)
{
    for (const char *p = s; *p;) {
        const char *nl = strstr(p, "\r\n");
        assert_non_null(nl);
        assert_true((size_t)(nl - p) <= max);
        p = nl + 2;
    }
}

static void test_header_text(void **state)
{
    (void)state;
    char *h = header(mime_header_text, "Your 2026-Q2 review");
    assert_string_equal(h, "Subject: Your 2026-Q2 review\r\n");
    free(h);
    h = header(mime_header_text, "您的 2026-Q2 绩效评估");
    assert_string_equal(h, "Subject: =?UTF-8?B?5oKo55qEIDIwMjYtUTIg57up5pWI6K+E5Lyw?=\r\n");
    free(h);
    /* No data can start a header line of its own. */
    h = header(mime_header_text, "Hi\r\nBcc: evil@example.com");
    assert_string_equal(h, "Subject: Hi  Bcc: evil@example.com\r\n");
    free(h);
    /* Text that looks like an encoded word is encoded. */
    h = header(mime_header_text, "=?UTF-8?B?eA==?=");
    assert_true(str_has_prefix(h, "Subject: =?UTF-8?B?PT9VVEYtOD9CP2VBPT0/PQ==?="));
    free(h);
    /* Long: folded, each line within 78, each word whole characters. */
    const char *long_zh = "绩效评估：华东一区销售经理张伟的二〇二六年第二季度绩效评估与辅导计划，"
                          "含业绩、回款、客户拜访、商机转化、续约与客户满意度";
    h = header(mime_header_text, long_zh);
    assert_lines_fit(h, 78);
    assert_non_null(strstr(h, "?=\r\n =?UTF-8?B?"));
    char *back = decode_words(h);
    assert_string_equal(back, long_zh);
    free(back), free(h);
}

static void test_header_addrs(void **state)
{
    (void)state;
    struct kp_addr v[] = {{"Ann Able", "ann@example.com"},
                          {"Doe, John", "j@example.com"},
                          {"陈静", "chen@example.com"},
                          {NULL, "x@example.com"}};
    struct kp_buf b = {0};
    mime_header_addrs(&b, "To", v, 4);
    assert_string_equal(b.s, "To: Ann Able <ann@example.com>,\r\n \"Doe, John\" <j@example.com>,\r\n "
                             "=?UTF-8?B?6ZmI6Z2Z?= <chen@example.com>,\r\n x@example.com\r\n");
    buf_free(&b);
    mime_date(&b, 1782864000);
    assert_string_equal(b.s, "Wed, 01 Jul 2026 00:00:00 +0000");
    buf_free(&b);
}

static struct kp_mime_msg sample_msg(const char *text, const char *html)
{
    static const struct kp_addr cc = {"Mia Manager", "mia@example.com"};
    struct kp_mime_msg m = {
        .from = {"Sales Ops", "ops@example.com"},
        .to = {"陈静", "chen@example.com"},
        .cc = &cc,
        .ncc = 1,
        .subject = "您的 2026-Q2 绩效评估",
        .message_id = "kp.0123@example.com",
        .date = 1782864000,
        .text = text,
        .html = html,
        .file_name = "2026-Q2 绩效评估 - 陈静.pdf",
        .file_type = "application/pdf",
        .file = "abc",
        .file_len = 3,
        .boundary = "seed",
    };
    return m;
}

static void test_compose(void **state)
{
    (void)state;
    struct kp_mime_msg m = sample_msg("Dear Chen,\nhere it is.\n", NULL);
    struct kp_buf b = {0};
    mime_compose(&m, &b);
    const char *want_head =
        "Date: Wed, 01 Jul 2026 00:00:00 +0000\r\n"
        "From: Sales Ops <ops@example.com>\r\n"
        "To: =?UTF-8?B?6ZmI6Z2Z?= <chen@example.com>\r\n"
        "Cc: Mia Manager <mia@example.com>\r\n"
        "Subject: =?UTF-8?B?5oKo55qEIDIwMjYtUTIg57up5pWI6K+E5Lyw?=\r\n"
        "Message-ID: <kp.0123@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "Content-Type: multipart/mixed; boundary=\"=_kp_m_seed\"\r\n"
        "\r\n"
        "--=_kp_m_seed\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: 7bit\r\n"
        "\r\n"
        "Dear Chen,\r\nhere it is.\r\n"
        "--=_kp_m_seed\r\n"
        "Content-Type: application/pdf; name=\"2026-Q2 _ - _.pdf\"\r\n"
        "Content-Disposition: attachment;\r\n"
        " filename*0*=UTF-8''2026-Q2%20%E7%BB%A9%E6%95%88%E8%AF%84%E4%BC%B0%20-%20;\r\n"
        " filename*1*=%E9%99%88%E9%9D%99.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "YWJj\r\n"
        "--=_kp_m_seed--\r\n";
    assert_string_equal(b.s, want_head);
    buf_free(&b);
    /* With HTML: multipart/alternative inside; non-ASCII text as
     * quoted-printable (mostly ASCII) or base64 (mostly not). */
    m = sample_msg("café au lait, s'il vous plaît\n", "<p>陈静，您好</p>\n");
    mime_compose(&m, &b);
    assert_non_null(strstr(b.s, "Content-Type: multipart/alternative; boundary=\"=_kp_a_seed\"\r\n"));
    assert_non_null(strstr(b.s, "quoted-printable\r\n\r\ncaf=C3=A9 au lait, s'il vous pla=C3=AEt\r\n"));
    assert_non_null(strstr(b.s, "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-"
                                "Encoding: base64\r\n\r\nPHA+6ZmI6Z2Z77yM5oKo5aW9PC9wPg0K\r\n"));
    assert_non_null(strstr(b.s, "--=_kp_a_seed--\r\n--=_kp_m_seed\r\n"));
    assert_lines_fit(b.s, 998);
    buf_free(&b);
}

/* fuzz_mime: a long display name or attachment name made header lines of
 * thousands of bytes (RFC 5322 allows 998). Names too long for the line are
 * encoded words (folded); file names are RFC 2231 continuations. */
static void test_long_names(void **state)
{
    (void)state;
    char *ascii = xmalloc(2001), *cjk = xmalloc(120 * 3 + 5);
    memset(ascii, 'L', 2000);
    ascii[2000] = '\0';
    for (int i = 0; i < 120; i++)
        memcpy(cjk + 3 * i, "\xE9\x99\x88", 3);
    memcpy(cjk + 360, ".pdf", 5);
    struct kp_mime_msg m = sample_msg("Hi\n", NULL);
    m.to.name = ascii;
    m.file_name = cjk;
    struct kp_buf b = {0};
    mime_compose(&m, &b);
    assert_lines_fit(b.s, 78);
    assert_non_null(strstr(b.s, "To: =?UTF-8?B?TExM"));
    assert_non_null(strstr(b.s, " filename*0*=UTF-8''%E9%99%88"));
    assert_non_null(strstr(b.s, ";\r\n filename*18*=%99%88.pdf\r\n"));
    buf_free(&b);
    /* A long ASCII file name: the name= stand-in is cut, its extension kept. */
    memcpy(ascii + 1996, ".pdf", 5);
    m.file_name = ascii;
    mime_compose(&m, &b);
    assert_lines_fit(b.s, 78);
    char want[80];
    snprintf(want, sizeof want, "; name=\"%.36s.pdf\"\r\n", ascii); /* 78 in all */
    assert_non_null(strstr(b.s, want));
    buf_free(&b);
    free(ascii), free(cjk);
}

static void test_quoted_printable(void **state)
{
    (void)state;
    char line[120];
    memset(line, 'a', 99);
    memcpy(line + 99, "é \n", 5); /* non-ASCII, then a space at the line's end */
    struct kp_mime_msg m = sample_msg(line, NULL);
    struct kp_buf b = {0};
    mime_compose(&m, &b);
    char want[200];
    snprintf(want, sizeof want, "\r\n\r\n%.75s=\r\n%.24s=C3=A9=20\r\n--", line, line);
    assert_non_null(strstr(b.s, want));
    buf_free(&b);
    /* A boundary inside 7bit-able text forces an encoding (= is =3D). */
    m = sample_msg("--=_kp_m_seed\n", NULL);
    mime_compose(&m, &b);
    assert_non_null(strstr(b.s, "quoted-printable\r\n\r\n--=3D_kp_m_seed\r\n--=_kp_m_seed\r\n"));
    buf_free(&b);
}

static void test_header_get(void **state)
{
    (void)state;
    const char *msg = "Subject: a\r\n b\r\nmessage-id:  <x@y> \r\n\r\nMessage-ID: <no@no>\r\n";
    char *v = mime_header_get(msg, strlen(msg), "Message-ID");
    assert_string_equal(v, "<x@y>");
    free(v);
    v = mime_header_get(msg, strlen(msg), "Subject");
    assert_string_equal(v, "a b");
    free(v);
    assert_null(mime_header_get(msg, strlen(msg), "Date"));
}

static void test_url_check(void **state)
{
    (void)state;
    int lo = -1;
    assert_null(smtp_url_check("smtp://mail.example.com:587", &lo));
    assert_int_equal(lo, 0);
    assert_null(smtp_url_check("smtps://127.0.0.1", &lo));
    assert_int_equal(lo, 1);
    assert_null(smtp_url_check("smtp://[::1]:2525", &lo));
    assert_int_equal(lo, 1);
    assert_string_equal(smtp_url_check("http://x.example.com", &lo),
                        "is not an smtp:// or smtps:// URL");
    assert_string_equal(smtp_url_check("smtp://u:p@host.example.com", &lo),
                        "has a user name or password in it: set [mail] user, and the password "
                        "through password_env or password_file");
    assert_string_equal(smtp_url_check("smtp://", &lo), "has no host");
}

/* ------------------------------------------------------------------ */
/* pdf_set_password                                                    */

static const void *find_bytes(const void *h, size_t hn, const void *n, size_t nn)
{
    for (size_t i = 0; i + nn <= hn; i++)
        if (memcmp((const char *)h + i, n, nn) == 0)
            return (const char *)h + i;
    return NULL;
}

static void test_pdf_password(void **state)
{
    (void)state;
    assert_int_equal(font_init(NULL), 0);
    struct kp_pdf *d = pdf_new(KP_A4);
    pdf_add_page(d);
    struct kp_textstyle st = {12, 0, KP_NONE, 0};
    pdf_text(d, &st, 72, 700, KP_START, "Confidential 机密");
    char *plain, *enc, *enc2;
    size_t np, ne, ne2;
    assert_int_equal(pdf_render(d, "t", &plain, &np), 0);
    pdf_set_password(d, "user-pw", "owner-pw");
    assert_int_equal(pdf_render(d, "t", &enc, &ne), 0);
    assert_null(find_bytes(plain, np, "/Encrypt", 8));
    assert_non_null(find_bytes(enc, ne, "/Encrypt", 8));
    assert_non_null(find_bytes(enc, ne, "/V 2", 4));
    assert_non_null(find_bytes(enc, ne, "/R 3", 4));
    assert_non_null(find_bytes(enc, ne, "/Length 128", 11));
    pdf_set_password(d, NULL, NULL); /* off again: the same plain bytes */
    assert_int_equal(pdf_render(d, "t", &enc2, &ne2), 0);
    assert_int_equal(ne2, np);
    assert_memory_equal(enc2, plain, np);
    free(plain), free(enc), free(enc2);
    /* The owner's password must differ from the user's. */
    struct kp_buf b = {0};
    diag_capture(&b);
    pdf_set_password(d, "same", "same");
    assert_int_equal(pdf_render(d, "t", &plain, &np), -1);
    diag_capture(NULL);
    assert_non_null(strstr(b.s, "pdf_set_password(): passwords must be printable ASCII"));
    buf_free(&b);
    pdf_free(d);
    diag_reset();
}

/* ------------------------------------------------------------------ */
/* mail_run against a fake server                                      */

struct fake {
    int calls;
    char rcpts[32][128];
    const char *temp_for;   /* 451 for this address … */
    int temp_times;         /* … this many times (-1: always) */
    const char *perm_for;   /* 550 */
    const char *unknown_for;
    int unreachable;
    double clock, sleeps[32];
    int nsleeps;
};
static struct fake fk;

static void fake_send(void *ctx, const char *from, char *const *rcpt, size_t n, const char *msg,
                      size_t len, struct kp_smtp_result *res)
{
    (void)ctx, (void)from, (void)msg, (void)len;
    memset(res, 0, sizeof *res);
    struct kp_buf b = {0};
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s%s", i ? " " : "", rcpt[i]);
    snprintf(fk.rcpts[fk.calls++ % 32], sizeof fk.rcpts[0], "%s", b.s);
    buf_free(&b);
    if (fk.unreachable) {
        res->status = KP_SMTP_TEMP, res->unreachable = 1;
        snprintf(res->reply, sizeof res->reply, "no connection: refused");
    } else if (fk.temp_for && strcmp(rcpt[0], fk.temp_for) == 0 && fk.temp_times != 0) {
        fk.temp_times -= fk.temp_times > 0;
        res->status = KP_SMTP_TEMP, res->code = 451;
        snprintf(res->reply, sizeof res->reply, "451 4.3.0 busy");
    } else if (fk.perm_for && strcmp(rcpt[0], fk.perm_for) == 0) {
        res->status = KP_SMTP_PERM, res->code = 550;
        snprintf(res->reply, sizeof res->reply, "550 5.1.1 no such user");
    } else if (fk.unknown_for && strcmp(rcpt[0], fk.unknown_for) == 0) {
        res->status = KP_SMTP_UNKNOWN, res->code = 354;
        snprintf(res->reply, sizeof res->reply, "no reply after the whole message was sent");
    } else {
        res->status = KP_SMTP_OK, res->code = 250;
        snprintf(res->reply, sizeof res->reply, "250 OK");
    }
}

static void fake_sleep(void *ctx, double ms)
{
    (void)ctx;
    fk.clock += ms;
    if (fk.nsleeps < 32)
        fk.sleeps[fk.nsleeps++] = ms;
}

static double fake_clock(void *ctx)
{
    (void)ctx;
    return fk.clock;
}

static long long fake_now(void *ctx)
{
    (void)ctx;
    return 1782950400 + (long long)(fk.clock / 1000);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *rel)
{
    char *p = path_join(outdir, rel), *data = NULL;
    size_t len;
    if (sys_read_file(p, &data, &len) != 0)
        data = NULL;
    free(p);
    return data;
}

/* The test config; mail_extra: more [mail] keys (rate = … replaces 0). */
static void write_config(const char *mail_extra)
{
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    char *text = xasprintf("[config]\ninclude = %s/samples/acme/review.ini\n"
                           "[input]\nroster = %s/tests/data/small/roster.csv\n"
                           "metrics = %s/tests/data/small/metrics.csv\n"
                           "[review]\nlabel = 2026-Q2\nhistory = 0\n"
                           "[mail]\nfrom = \"Sales Ops <ops@example.com>\"\n"
                           "smtp = smtp://127.0.0.1:9\n%sretries = 2\nbackoff = 2\n%s",
                           cwd, cwd, cwd, strstr(mail_extra, "rate =") ? "" : "rate = 0\n",
                           mail_extra);
    write_file(cfgpath, text);
    free(text);
}

static int group_setup(void **state)
{
    (void)state;
    const char *src = getenv("SRC_DIR");
    setenv("KPIPRESS_DATADIR", src && *src ? src : ".", 0);
    setenv("SOURCE_DATE_EPOCH", "1782864000", 1);
    if (!mkdtemp(tmp))
        return -1;
    outdir = path_join(tmp, "out");
    cfgpath = path_join(tmp, "review.ini");
    write_config("");
    struct kp_opts o;
    memset(&o, 0, sizeof o);
    o.cmd = "run", o.config = cfgpath, o.outdir = outdir, o.jobs = 1, o.quiet = 1;
    diag_set_quiet(1);
    diag_capture(&said);
    int rc = pipeline_run(&o);
    diag_capture(NULL);
    if (rc != 0 && said.s)
        fputs(said.s, stderr);
    buf_free(&said);
    diag_reset();
    return rc == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmp);
    int rc = system(cmd);
    free(cmd);
    free(outdir), free(cfgpath);
    return rc;
}

/* Each test: no mail/ yet, the default config, a fresh fake. */
static int setup(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s/mail'", outdir);
    int rc = system(cmd);
    free(cmd);
    write_config("");
    memset(&fk, 0, sizeof fk);
    struct kp_mail_hooks h = {NULL, fake_send, fake_sleep, fake_clock, fake_now};
    mail_set_hooks(&h);
    buf_free(&said);
    diag_reset();
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    mail_set_hooks(NULL);
    buf_free(&said);
    return 0;
}

/* One kpipress mail: send or not, --resend ids. Returns the exit status. */
static int mail(int send, char **resend, size_t nresend)
{
    struct kp_config *c = config_load(cfgpath);
    assert_non_null(c);
    struct kp_mail_opts o = {outdir, send, 0, NULL, resend, nresend, NULL, 0};
    buf_free(&said);
    diag_reset();
    diag_capture(&said);
    int rc = mail_run(c, &o);
    diag_capture(NULL);
    config_free(c);
    return rc;
}

/* The ledger's "rep_id:status" of every line after the header. */
static char *ledger_summary(void)
{
    char *data = read_text("mail/ledger.csv");
    struct kp_buf b = {0};
    buf_adds(&b, "");
    int first = 1;
    for (char *line = data; line && *line;) {
        char *end = strstr(line, "\r\n");
        assert_non_null(end);
        *end = '\0';
        if (!first) {
            char *c1 = strchr(line, ','), *c2 = strchr(c1 + 1, ','), *c3 = strchr(c2 + 1, ',');
            char *c4 = strchr(c3 + 1, ',');
            buf_printf(&b, "%s%.*s:%.*s", b.len ? " " : "", (int)(c1 - line), line,
                       (int)(c4 - c3 - 1), c3 + 1);
        }
        first = 0;
        line = end + 2;
    }
    free(data);
    return buf_steal(&b);
}

#define assert_ledger(want)                                                                        \
    do {                                                                                           \
        char *got_ = ledger_summary();                                                             \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

static void test_send_once(void **state)
{
    (void)state;
    assert_int_equal(mail(1, NULL, 0), 0);
    assert_int_equal(fk.calls, 4);
    assert_string_equal(fk.rcpts[0], "mia@example.com");
    assert_string_equal(fk.rcpts[1], "ann@example.com mia@example.com");
    assert_string_equal(fk.rcpts[3], "chen@example.com mia@example.com");
    assert_ledger("M1:delivered R1:delivered R2:delivered R3:delivered");
    /* The ledger's hash is the .eml's, and the time is the attempt's. */
    char *eml = read_text("mail/R2.eml"), *ledger = read_text("mail/ledger.csv");
    char hex[KP_SHA256_HEX], *want;
    hash_sha256_hex(eml, strlen(eml), hex);
    want = xasprintf("R2,bo@example.com mia@example.com,%s,delivered,2026-07-02T00:00:00Z,250 OK\r\n",
                     hex);
    assert_non_null(strstr(ledger, want));
    assert_true(str_has_prefix(ledger, "rep_id,address,sha256,status,time,reply\r\n"));
    free(eml), free(ledger), free(want);
    assert_null(read_text("mail/ledger.pending"));
    /* Again: nothing. */
    assert_int_equal(mail(1, NULL, 0), 0);
    assert_int_equal(fk.calls, 4);
    assert_non_null(strstr(said.s, "mail: 0 delivered now, 4 delivered before, 0 not delivered"));
    /* --resend: exactly that one, the same bytes. */
    char *r1[] = {"R1"};
    assert_int_equal(mail(1, r1, 1), 0);
    assert_int_equal(fk.calls, 5);
    assert_string_equal(fk.rcpts[4], "ann@example.com mia@example.com");
    assert_ledger("M1:delivered R1:delivered R2:delivered R3:delivered R1:delivered");
}

static void test_dry_run(void **state)
{
    (void)state;
    assert_int_equal(mail(0, NULL, 0), 0);
    assert_int_equal(fk.calls, 0);
    assert_null(read_text("mail/ledger.csv"));
    char *eml = read_text("mail/R3.eml");
    assert_non_null(eml);
    assert_non_null(strstr(eml, "\r\nTo: =?UTF-8?B?6ZmI6Z2Z?= <chen@example.com>\r\n"));
    assert_non_null(strstr(said.s, "mail: 4 messages to send in "));
    /* The same content: the same file, even without SOURCE_DATE_EPOCH. */
    unsetenv("SOURCE_DATE_EPOCH");
    assert_int_equal(mail(0, NULL, 0), 0);
    setenv("SOURCE_DATE_EPOCH", "1782864000", 1);
    char *again = read_text("mail/R3.eml");
    assert_string_equal(again, eml);
    free(eml), free(again);
}

static void test_retry_backoff(void **state)
{
    (void)state;
    fk.temp_for = "ann@example.com", fk.temp_times = 1;
    assert_int_equal(mail(1, NULL, 0), 0);
    assert_int_equal(fk.calls, 5);
    assert_int_equal(fk.nsleeps, 1);
    assert_true(fk.sleeps[0] == 2000);
    assert_ledger("M1:delivered R1:deferred R1:delivered R2:delivered R3:delivered");
}

static void test_retries_exhausted(void **state)
{
    (void)state;
    fk.temp_for = "bo@example.com", fk.temp_times = -1;
    assert_int_equal(mail(1, NULL, 0), 1);
    assert_int_equal(fk.calls, 6);
    assert_int_equal(fk.nsleeps, 2);
    assert_true(fk.sleeps[0] == 2000 && fk.sleeps[1] == 4000);
    assert_ledger("M1:delivered R1:delivered R2:deferred R2:deferred R2:deferred R3:delivered");
    assert_non_null(strstr(said.s, "error: R2: not delivered after 3 attempts: 451 4.3.0 busy\n"));
    /* The next run sends only R2. */
    fk.temp_for = NULL;
    assert_int_equal(mail(1, NULL, 0), 0);
    assert_int_equal(fk.calls, 7);
    assert_string_equal(fk.rcpts[6], "bo@example.com mia@example.com");
}

static void test_permanent(void **state)
{
    (void)state;
    fk.perm_for = "bo@example.com";
    assert_int_equal(mail(1, NULL, 0), 1);
    assert_int_equal(fk.calls, 4);
    assert_int_equal(fk.nsleeps, 0);
    assert_ledger("M1:delivered R1:delivered R2:rejected R3:delivered");
    assert_non_null(strstr(said.s, "error: R2: refused by the server: 550 5.1.1 no such user\n"));
}

static void test_unreachable(void **state)
{
    (void)state;
    fk.unreachable = 1;
    assert_int_equal(mail(1, NULL, 0), 1);
    assert_int_equal(fk.calls, 3);
    assert_ledger("M1:deferred M1:deferred M1:deferred R1:deferred R2:deferred R3:deferred");
    char *ledger = read_text("mail/ledger.csv");
    assert_non_null(strstr(ledger, ",deferred,2026-07-02T00:00:06Z,not attempted: the server "
                                   "could not be reached (no connection: refused)\r\nR2,"));
    free(ledger);
    assert_non_null(strstr(said.s, "mail: sending stopped: the server could not be reached"));
    fk.unreachable = 0;
    assert_int_equal(mail(1, NULL, 0), 0);
    assert_int_equal(fk.calls, 7);
}

static void test_pace(void **state)
{
    (void)state;
    write_config("rate = 30\n");
    assert_int_equal(mail(1, NULL, 0), 0);
    assert_int_equal(fk.calls, 4);
    assert_int_equal(fk.nsleeps, 3);
    assert_true(fk.sleeps[0] == 2000 && fk.sleeps[1] == 2000 && fk.sleeps[2] == 2000);
}

/* No answer to the end of DATA: "unknown"; the next run sends the very same
 * message again (same bytes, same Message-ID: RFC 5321 6.1), once. */
static void test_unknown_held(void **state)
{
    (void)state;
    fk.unknown_for = "chen@example.com";
    assert_int_equal(mail(1, NULL, 0), 1);
    assert_int_equal(fk.calls, 4);
    assert_ledger("M1:delivered R1:delivered R2:delivered R3:unknown");
    char *first = read_text("mail/R3.eml");
    fk.unknown_for = NULL;
    assert_int_equal(mail(1, NULL, 0), 0);
    assert_int_equal(fk.calls, 5);
    assert_non_null(strstr(said.s, "R3: the attempt of 2026-07-02T00:00:00Z got no answer from the "
                                   "server: sending the identical message (same Message-ID) again"));
    char *again = read_text("mail/R3.eml");
    assert_string_equal(again, first); /* the same bytes went again */
    assert_ledger("M1:delivered R1:delivered R2:delivered R3:unknown R3:delivered");
    assert_int_equal(mail(1, NULL, 0), 0); /* and not a third time */
    assert_int_equal(fk.calls, 5);
    free(first);
    free(again);
}

/* kpipress stopped during an attempt: the marker becomes an "unknown" line,
 * and the message is sent again on this run. */
static void test_interrupted(void **state)
{
    (void)state;
    assert_int_equal(mail(0, NULL, 0), 0); /* makes mail/ */
    char *p = path_join(outdir, "mail/ledger.pending");
    write_file(p, "R2,bo@example.com,0000,unknown,2026-07-02T00:00:00Z,interrupted\r\n");
    assert_int_equal(mail(1, NULL, 0), 0);
    assert_int_equal(sys_exists(p), 0);
    free(p);
    assert_non_null(strstr(said.s, "the last run stopped while sending (R2): recorded as unknown"));
    assert_int_equal(fk.calls, 4);
    assert_ledger("R2:unknown M1:delivered R1:delivered R2:delivered R3:delivered");
}

static void test_changed_after_delivery(void **state)
{
    (void)state;
    assert_int_equal(mail(1, NULL, 0), 0);
    char *before = read_text("mail/R1.eml");
    write_config("cc_manager = no\n");
    assert_int_equal(mail(1, NULL, 0), 0);
    assert_int_equal(fk.calls, 4);
    assert_non_null(strstr(said.s, "warning: R1: delivered 2026-07-02T00:00:00Z, and the message "
                                   "would differ now"));
    char *kept = read_text("mail/R1.eml");
    assert_string_equal(kept, before); /* what was delivered stays */
    char *r1[] = {"R1"};
    assert_int_equal(mail(1, r1, 1), 0);
    assert_int_equal(fk.calls, 5);
    assert_string_equal(fk.rcpts[4], "ann@example.com");
    free(before), free(kept);
}

static void test_damaged_ledger(void **state)
{
    (void)state;
    assert_int_equal(mail(1, NULL, 0), 0);
    /* A line cut short by a crash: removed, and the next line is whole. */
    char *p = path_join(outdir, "mail/ledger.csv");
    FILE *f = fopen(p, "a");
    fputs("R9,x@exa", f);
    fclose(f);
    char *r1[] = {"R1"};
    assert_int_equal(mail(1, r1, 1), 0);
    assert_non_null(strstr(said.s, "its last line is incomplete (kpipress stopped while writing "
                                   "it): removed (\"R9,x@exa\")"));
    assert_ledger("M1:delivered R1:delivered R2:delivered R3:delivered R1:delivered");
    /* A damaged line in the middle: nothing is sent. */
    f = fopen(p, "a");
    fputs("R2,whatever\r\n", f);
    fclose(f);
    assert_int_equal(mail(1, r1, 1), 2);
    assert_int_equal(fk.calls, 5);
    assert_non_null(strstr(said.s, "ledger.csv:7: error: not a ledger line (6 fields with a known "
                                   "status expected): nothing is sent until it is fixed or removed"));
    free(p);
}

static void test_config_errors(void **state)
{
    (void)state;
    write_config("rate = fast\ncc_manager = maybe\npdf_password = pw\n");
    assert_int_equal(mail(0, NULL, 0), 2);
    assert_non_null(strstr(said.s, "[mail] rate: \"fast\" is not a number from 0 to 100000"));
    assert_non_null(strstr(said.s, "[mail] cc_manager: \"maybe\" is not yes or no"));
    assert_non_null(strstr(said.s, "[mail] pdf_password: the roster column \"pw\" is not kept: add "
                                   "it to [input] keep"));
    write_config("user = kp\n");
    assert_int_equal(mail(1, NULL, 0), 2);
    assert_non_null(strstr(said.s, "[mail] user: the password: set one of password_env"));
    assert_int_equal(fk.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_check),
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_header_text),
        cmocka_unit_test(test_header_addrs),
        cmocka_unit_test(test_compose),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_quoted_printable),
        cmocka_unit_test(test_header_get),
        cmocka_unit_test(test_url_check),
        cmocka_unit_test(test_pdf_password),
        cmocka_unit_test_setup_teardown(test_send_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_exhausted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permanent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_after_delivery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_ledger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
