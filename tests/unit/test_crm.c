/* Unit tests for crm: every accepted date format and the ambiguous ones,
 * Excel serials (the 1900 leap-year bug), name keys and rep_ids; then whole
 * runs (config + team list + deals + targets, fed in small chunks) checking
 * the derived monthly values at month boundaries, leap days, the last day of
 * the window, empty months, other spellings of stages, open pipeline at
 * month ends, the people built from a team list, every reject reason (exact
 * text, line, counts), targets and the config's mistakes. */
#include "unit.h"

#include "config.h"
#include "crm.h"
#include "diag.h"
#include "field.h"
#include "ingest.h"
#include "model.h"
#include "sys.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Dates                                                               */

/* "YYYY-MM-DD" of s in mask, "empty", or "bad". */
static char out[32];
static const char *date(const char *s, unsigned mask)
{
    long d;
    int rc = field_date_parse(s, mask, &d);
    if (rc == 1)
        return "empty";
    if (rc < 0)
        return "bad";
    int y, m, dd;
    date_split(d, &y, &m, &dd);
    snprintf(out, sizeof out, "%04d-%02d-%02d", y, m, dd);
    return out;
}

static void test_date_formats(void **state)
{
    (void)state;
    /* ISO and the other year-first spellings */
    assert_string_equal(date("2026-03-05", KP_DATE_ISO), "2026-03-05");
    assert_string_equal(date("2026/3/5", KP_DATE_ISO), "2026-03-05");
    assert_string_equal(date("2026.03.05", KP_DATE_ISO), "2026-03-05");
    assert_string_equal(date(" 2026-03-05 ", KP_DATE_ISO), "2026-03-05");
    assert_string_equal(date("2026-03/05", KP_DATE_ISO), "bad"); /* mixed separators */
    assert_string_equal(date("26-03-05", KP_DATE_ISO), "bad");
    assert_string_equal(date("2026-3-5x", KP_DATE_ISO), "bad");
    /* M/D/YYYY and D/M/YYYY: 03/04/2017 follows the configured order */
    assert_string_equal(date("03/04/2017", KP_DATE_MDY), "2017-03-04");
    assert_string_equal(date("03/04/2017", KP_DATE_DMY), "2017-04-03");
    assert_string_equal(date("3/4/2017", KP_DATE_MDY), "2017-03-04");
    assert_string_equal(date("3-4-2017", KP_DATE_MDY), "2017-03-04");
    assert_string_equal(date("3.4.2017", KP_DATE_DMY), "2017-04-03");
    assert_string_equal(date("12/31/2026", KP_DATE_MDY), "2026-12-31");
    assert_string_equal(date("31/12/2026", KP_DATE_MDY), "bad"); /* never swapped to fit */
    assert_string_equal(date("12/31/2026", KP_DATE_DMY), "bad");
    assert_string_equal(date("3/4/17", KP_DATE_MDY), "bad");     /* two-digit years: no guess */
    assert_string_equal(date("2017-03-04", KP_DATE_MDY), "bad"); /* not the configured format */
    /* YYYY年M月D日 */
    assert_string_equal(date("2017年3月4日", KP_DATE_CJK), "2017-03-04");
    assert_string_equal(date("2017年03月04日", KP_DATE_CJK), "2017-03-04");
    assert_string_equal(date("2017 年 3 月 4 日", KP_DATE_CJK), "2017-03-04");
    assert_string_equal(date("2017年3月", KP_DATE_CJK), "bad");
    /* times and zones are ignored: the date is the date as written */
    assert_string_equal(date("3/4/2017 14:30", KP_DATE_MDY), "2017-03-04");
    assert_string_equal(date("3/4/2017 2:30 PM", KP_DATE_MDY), "2017-03-04");
    assert_string_equal(date("2017-03-04T23:59:59Z", KP_DATE_ISO), "2017-03-04");
    assert_string_equal(date("2017-03-04 23:59:59.123+08:00", KP_DATE_ISO), "2017-03-04");
    assert_string_equal(date("2017-03-04T00:30-0500", KP_DATE_ISO), "2017-03-04");
    assert_string_equal(date("2017年3月4日 10:00", KP_DATE_CJK), "2017-03-04");
    assert_string_equal(date("3/4/2017 noon", KP_DATE_MDY), "bad");
    assert_string_equal(date("3/4/2017 14", KP_DATE_MDY), "bad");
    /* several formats: each is tried */
    unsigned both = KP_DATE_MDY | KP_DATE_EXCEL | KP_DATE_ISO;
    assert_string_equal(date("46082", both), "2026-03-01");
    assert_string_equal(date("3/1/2026", both), "2026-03-01");
    assert_string_equal(date("2026-03-01", both), "2026-03-01");
    assert_string_equal(date("", both), "empty");
    assert_string_equal(date("   ", both), "empty");
    assert_string_equal(date("soon", both), "bad");
}

static void test_leap_days(void **state)
{
    (void)state;
    assert_string_equal(date("2/29/2024", KP_DATE_MDY), "2024-02-29");
    assert_string_equal(date("29/2/2024", KP_DATE_DMY), "2024-02-29");
    assert_string_equal(date("2/29/2025", KP_DATE_MDY), "bad");
    assert_string_equal(date("2000-02-29", KP_DATE_ISO), "2000-02-29"); /* divisible by 400 */
    assert_string_equal(date("1900-02-29", KP_DATE_ISO), "bad");        /* by 100 only */
    assert_string_equal(date("2100年2月29日", KP_DATE_CJK), "bad");
    assert_string_equal(date("2/30/2026", KP_DATE_MDY), "bad");
    assert_string_equal(date("4/31/2026", KP_DATE_MDY), "bad");
    assert_string_equal(date("0/10/2026", KP_DATE_MDY), "bad");
    assert_string_equal(date("13/10/2026", KP_DATE_MDY), "bad");
}

static void test_excel_serials(void **state)
{
    (void)state;
    assert_string_equal(date("1", KP_DATE_EXCEL), "1900-01-01");
    assert_string_equal(date("59", KP_DATE_EXCEL), "1900-02-28");
    /* 60 is Excel's 29 February 1900, a day that never was */
    assert_string_equal(date("60", KP_DATE_EXCEL), "bad");
    assert_string_equal(date("61", KP_DATE_EXCEL), "1900-03-01");
    assert_string_equal(date("45292", KP_DATE_EXCEL), "2024-01-01");
    assert_string_equal(date("45351", KP_DATE_EXCEL), "2024-02-29");
    assert_string_equal(date("45658.75", KP_DATE_EXCEL), "2025-01-01"); /* 6 pm */
    /* fuzz_number: a 12-digit fraction overflowed an int (UBSan). */
    assert_string_equal(date("88888.188888888888", KP_DATE_EXCEL), "2143-05-13");
    assert_string_equal(date("2958465", KP_DATE_EXCEL), "9999-12-31");
    assert_string_equal(date("2958466", KP_DATE_EXCEL), "bad");
    assert_string_equal(date("0", KP_DATE_EXCEL), "bad");
    assert_string_equal(date("-5", KP_DATE_EXCEL), "bad");
    assert_string_equal(date("4.5e4", KP_DATE_EXCEL), "bad");
    assert_string_equal(date("45292", KP_DATE_MDY), "bad");
}

static void expect_formats(const char *spec, unsigned want, const char *err)
{
    unsigned mask = 99;
    char *e = NULL;
    int rc = field_date_formats(spec, &mask, &e);
    if (err) {
        assert_int_equal(rc, -1);
        assert_string_equal(e, err);
    } else {
        assert_int_equal(rc, 0);
        assert_null(e);
        assert_int_equal(mask, want);
    }
    free(e);
}

static void test_date_format_names(void **state)
{
    (void)state;
    expect_formats("M/D/YYYY", KP_DATE_MDY, NULL);
    expect_formats("mdy, excel", KP_DATE_MDY | KP_DATE_EXCEL, NULL);
    expect_formats("ISO, YYYY年M月D日, d/m/yyyy", KP_DATE_ISO | KP_DATE_CJK | KP_DATE_DMY, NULL);
    expect_formats("M/D/YYYY, D/M/YYYY", 0,
                   "M/D/YYYY and D/M/YYYY cannot both be accepted: 03/04/2017 would be a guess");
    expect_formats("auto", 0,
                   "\"auto\" is not a date format: write ISO, M/D/YYYY, D/M/YYYY, "
                   "YYYY年M月D日 or excel (several: separated by commas)");
    expect_formats(" , ", 0, "no date format given");
    char *w = field_date_want(KP_DATE_MDY);
    assert_string_equal(w, "M/D/YYYY");
    free(w);
    w = field_date_want(KP_DATE_ISO | KP_DATE_MDY | KP_DATE_EXCEL);
    assert_string_equal(w, "YYYY-MM-DD, M/D/YYYY or an Excel serial number");
    free(w);
}

/* The metrics' period under [input] date_format: "YYYY-MM" of s, "empty"
 * or "bad". */
static const char *month(const char *s, unsigned mask)
{
    int m;
    int rc = field_month(s, mask, &m);
    if (rc == 1)
        return "empty";
    if (rc < 0)
        return "bad";
    snprintf(out, sizeof out, "%04d-%02d", m / 12, m % 12 + 1);
    return out;
}

static void test_months(void **state)
{
    (void)state;
    /* YYYY-MM whatever the formats */
    assert_string_equal(month("2026-05", KP_DATE_MDY), "2026-05");
    assert_string_equal(month(" 2026-05 ", KP_DATE_CJK), "2026-05");
    /* each format's month without the day */
    assert_string_equal(month("2026-5", KP_DATE_ISO), "bad"); /* "2026-12" cut short? */
    assert_string_equal(month("2026/05", KP_DATE_ISO), "2026-05");
    assert_string_equal(month("5/2026", KP_DATE_MDY), "2026-05");
    assert_string_equal(month("05.2026", KP_DATE_DMY), "2026-05");
    assert_string_equal(month("2026年5月", KP_DATE_CJK), "2026-05");
    assert_string_equal(month("2026 年 12 月", KP_DATE_CJK), "2026-12");
    /* a day of the month: the month it falls in */
    assert_string_equal(month("2026-05-31", KP_DATE_ISO), "2026-05");
    assert_string_equal(month("5/1/2026", KP_DATE_MDY), "2026-05");
    assert_string_equal(month("31/5/2026", KP_DATE_DMY), "2026-05");
    assert_string_equal(month("2026年5月1日", KP_DATE_CJK), "2026-05");
    assert_string_equal(month("46143", KP_DATE_EXCEL), "2026-05"); /* 2026-05-01 */
    /* not in the formats given, or not a month */
    assert_string_equal(month("5/2026", KP_DATE_ISO), "bad");
    assert_string_equal(month("2026年5月", KP_DATE_ISO), "bad");
    assert_string_equal(month("46143", KP_DATE_ISO), "bad");
    assert_string_equal(month("2026-13", KP_DATE_ISO | KP_DATE_MDY), "bad");
    assert_string_equal(month("13/2026", KP_DATE_MDY), "bad");
    assert_string_equal(month("5/26", KP_DATE_MDY), "bad"); /* two-digit years: no guess */
    assert_string_equal(month("May 2026", KP_DATE_ISO | KP_DATE_MDY), "bad");
    assert_string_equal(month("2/30/2026", KP_DATE_MDY), "bad"); /* not a real day */
    assert_string_equal(month("", KP_DATE_ISO), "empty");
    char *w = field_month_want(KP_DATE_ISO);
    assert_string_equal(w, "YYYY-MM or a day of the month (YYYY-MM-DD)");
    free(w);
    w = field_month_want(KP_DATE_MDY | KP_DATE_CJK | KP_DATE_EXCEL);
    assert_string_equal(w, "YYYY-MM, M/YYYY, YYYY年M月 or a day of the month (M/D/YYYY, "
                           "YYYY年M月D日 or an Excel serial number)");
    free(w);
}

/* ------------------------------------------------------------------ */
/* Names                                                               */

static void expect_key(const char *s, int stage, const char *want)
{
    char *k = crm_key(s, stage);
    assert_string_equal(k, want);
    free(k);
}

static void expect_id(const char *key, const char *want)
{
    char *id = crm_rep_id(key);
    assert_string_equal(id, want);
    free(id);
}

static void test_keys(void **state)
{
    (void)state;
    expect_key("  Alice   CHEN ", 0, "alice chen");
    expect_key("Alice\xC2\xA0"
               "Chen",
               0, "alice chen");                                    /* no-break space */
    expect_key("\xE7\x8E\x8B\xE3\x80\x80\xE4\xBC\x9F", 0, "王 伟"); /* ideographic space */
    expect_key("\xC3\x89LODIE \xC3\x85SE", 0, "élodie åse");
    expect_key("\xC5\x81UKASZ", 0, "łukasz");
    expect_key("\xD0\x98\xD0\x92\xD0\x90\xD0\x9D", 0, "иван");
    expect_key("\xEF\xBC\xA1\xEF\xBC\xA2", 0, "ａｂ"); /* full-width */
    expect_key("Closed-Won", 0, "closed-won");
    expect_key("Closed-Won", 1, "closed won");
    expect_key(" CLOSED_WON ", 1, "closed won");
    expect_key("closed  won.", 1, "closed won");
    expect_key("赢单", 1, "赢单");
    expect_key("", 0, "");
    expect_id("alice chen", "alice-chen");
    expect_id("al2 x", "al2-x");
    expect_id("josé núñez", "jose-nunez-53908ce1");
    expect_id("王 伟", "p-f6246eb6");
    expect_id("o'brien", "o-brien-5a9d2b63");
    expect_id("alice-chen", "alice-chen-9ade66ac"); /* not the same person as "alice chen" */
}

/* ------------------------------------------------------------------ */
/* Whole runs                                                          */

/* Months held: 2024-01 .. 2024-04 (window 2024-02 .. 2024-04, one month of
 * history): February 2024 has a 29th. */
/* The KPIs say missing = allow: tests with their own rules derive other
 * columns (test_kpi_column_missing checks the error without it). */
static const char cfg_head[] = "[review]\nfrom = 2024-02\nto = 2024-04\nhistory = 1\n"
                               "[kpi.revenue]\nformula = sum(revenue)\nmissing = allow\n"
                               "[kpi.win_rate]\nformula = sum(won) / (sum(won) + sum(lost))\n"
                               "missing = allow\n"
                               "[kpi.cycle]\nformula = avg(cycle_days)\nmissing = allow\n"
                               "[role.ae]\nweight.revenue = 100\naliases = Account Executive\n"
                               "[role.manager]\nweight.revenue = 100\n";
static const char cfg_rules[] =
    "[derive.revenue]\ndeals = won\ndate = closed\nvalue = sum(amount)\n"
    "[derive.won]\ndeals = won\ndate = closed\nvalue = count\n"
    "[derive.lost]\ndeals = lost\ndate = closed\nvalue = count\n"
    "[derive.opportunities]\ndeals = all\ndate = engaged|created\nvalue = count\n"
    "[derive.cycle_days]\ndeals = won\ndate = closed\nvalue = mean(days(closed - engaged))\n"
    "[derive.pipeline]\ndeals = all\ndate = open_at_month_end\nvalue = sum(amount)\n"
    "[derive.open_deals]\ndate = open_at_month_end(engaged|created)\nvalue = count\n"
    "[derive.big]\ndeals = closed\ndate = closed\nvalue = count\n"
    "where = Product = Enterprise, Mid Market & Region != Export\n";

/* [crm] comes last, so a test can add keys to it. */
static const char cfg_crm[] =
    "[crm]\ndeals = deals.csv\nowner = Owner\nstage = Stage\namount = Amount\n"
    "created = Created\nengaged = Engaged\nclosed = Closed\ndeal_id = ID\n"
    "date_format = M/D/YYYY\nwon = Closed Won, Won, 赢单\nlost = Closed Lost, 输单\n";
static const char cfg_team[] = "team_list = team.csv\nname = Agent\nmanager = Manager\n"
                               "team = Office\n";

/* Set before run(): a metrics file read after the deals (NULL = none). */
static const char *metrics_text;

static const char team_ok[] =
    "Agent,Manager,Office\n"
    "Alice Chen,Bob Lee,East\n"
    "  carol   DIAZ ,Bob Lee,east\n" /* spelling and spaces: one team "East" */
    "Dan Wu,Eve Park,West\n";

#define DEALS_HDR "ID,Owner,Product,Region,Stage,Created,Engaged,Closed,Amount\n"

struct run {
    struct kp_config *c;
    struct kp_data d;
    struct kp_buf msgs;
    int failed; /* crm_new */
    int rc;     /* -1 if any stage failed */
    char *path;
};

static void feed(struct kp_crm *k, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i += 7) /* small chunks: records cross them */
        crm_feed(k, s + i, n - i < 7 ? n - i : 7);
}

static int file(struct kp_crm *k, enum kp_crm_file which, const char *name, const char *text)
{
    crm_begin(k, which, name);
    feed(k, text);
    return crm_end(k);
}

static int ingest_text(struct kp_ingest *in, enum kp_input which, const char *name,
                       const char *text)
{
    ingest_begin(in, which, name);
    ingest_feed(in, text, strlen(text));
    return ingest_end(in);
}

/* The config is cfg_head + rules (NULL: cfg_rules) + cfg_crm (+ cfg_team) + crm_extra. A team
 * text that starts with "rep_id," is a roster, read by ingest (no team_list). */
static void run(struct run *r, const char *rules, const char *crm_extra, const char *team,
                const char *deals, const char *targets)
{
    int roster = strncmp(team, "rep_id,", 7) == 0;
    memset(r, 0, sizeof *r);
    buf_adds(&r->msgs, "");
    char *text = xasprintf("%s%s%s%s%s", cfg_head, rules ? rules : cfg_rules, cfg_crm,
                           roster ? "" : cfg_team, crm_extra);
    r->path = sys_tmpfile("crm", text, strlen(text));
    free(text);
    assert_non_null(r->path);
    diag_reset();
    diag_capture(&r->msgs);
    r->c = config_load(r->path);
    if (!r->c) {
        r->failed = r->rc = -1;
        diag_capture(NULL);
        return;
    }
    struct kp_ingest *in = ingest_new(r->c, &r->d);
    struct kp_crm *k = crm_new(r->c, &r->d, in, &r->failed);
    int bad = r->failed;
    if (roster)
        bad = bad || ingest_text(in, KP_IN_ROSTER, "roster.csv", team) != 0;
    else
        bad = bad || file(k, KP_CRM_TEAM, "team.csv", team) != 0;
    bad = bad || crm_people(k) != 0;
    bad = bad || file(k, KP_CRM_DEALS, "deals.csv", deals) != 0;
    bad = bad || (metrics_text && ingest_text(in, KP_IN_METRICS, "metrics.csv", metrics_text));
    bad = bad || (targets && file(k, KP_CRM_TARGETS, "targets.csv", targets) != 0);
    if (bad)
        ingest_fail(in);
    r->rc = ingest_finish(in) != 0 || bad ? -1 : 0;
    crm_free(k);
    diag_capture(NULL);
}

static void run_free(struct run *r)
{
    data_free(&r->d);
    config_free(r->c);
    buf_free(&r->msgs);
    sys_remove(r->path);
    free(r->path);
}

/* The value of column col for a person (by rep_id) in month "YYYY-MM". */
static double cell(const struct run *r, const char *id, const char *month, const char *col)
{
    int p = data_find_person(&r->d, id);
    int c = data_find_col(&r->d, col);
    kp_month m;
    assert_true(p >= 0);
    assert_true(c >= 0);
    assert_int_equal(month_parse(month, &m), 0);
    assert_true(m >= r->d.m0 && m < r->d.m0 + r->d.nmonths);
    return *data_cell(&r->d, (size_t)p, m - r->d.m0, (size_t)c);
}

#define assert_cell(r, id, month, col, want) assert_true(cell(r, id, month, col) == (want))
#define assert_missing(r, id, month, col)    assert_true(isnan(cell(r, id, month, col)))

/* "file:line:counts:reason" per reject */
static char *rejects(const struct kp_data *d)
{
    struct kp_buf b = {0};
    buf_adds(&b, "");
    for (size_t i = 0; i < d->nrejects; i++)
        buf_printf(&b, "%s:%ld:%d:%s\n", d->rejects[i].file, d->rejects[i].line,
                   d->rejects[i].counts, d->rejects[i].reason);
    return buf_steal(&b);
}

static void assert_rejects(const struct kp_data *d, const char *want)
{
    char *got = rejects(d);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "rejects:\n%s\nwanted:\n%s\n", got, want);
    assert_string_equal(got, want);
    free(got);
}

static void assert_msg(const struct run *r, const char *want)
{
    if (!strstr(r->msgs.s, want)) {
        fprintf(stderr, "wanted: %s\ngot:\n%s\n", want, r->msgs.s);
        fail();
    }
}

static const struct kp_input_file *input(const struct run *r, const char *name)
{
    for (size_t i = 0; i < r->d.ninputs; i++)
        if (strcmp(r->d.inputs[i].name, name) == 0)
            return &r->d.inputs[i];
    fail();
    return NULL;
}

/* ------------------------------------------------------------------ */

static const char deals_agg[] = DEALS_HDR
    "1,Alice Chen,Enterprise,US,Closed Won,12/1/2023,12/10/2023,1/31/2024,\"$1,000\"\n" /* 2 */
    "2,alice chen,Starter,US,closed won,1/15/2024,2/1/2024,2/29/2024,500\n"
    "3,ALICE  CHEN,Mid-Market,US,CLOSED_WON,2/29/2024,2/29/2024,3/1/2024,250\n"
    "4,Alice Chen,Enterprise,Export,Won,3/1/2024,3/5/2024,4/30/2024,2000\n"
    "5,Alice Chen,Starter,US,Closed Won,4/1/2024,4/2/2024,5/1/2024,300\n"
    "6,Alice Chen,Starter,US,Closed Lost,1/10/2024,1/11/2024,3/31/2024,700\n"
    "7,Alice Chen,Starter,US,Negotiation,2/10/2024,,6/30/2024,400\n"
    "8,Carol Diaz,Starter,US,赢单,11/5/2023,11/6/2023,12/31/2023,900\n" /* 9 */
    ",,,,,,,,\n" /* a spreadsheet's empty row: not a deal */
    "9,Carol Diaz,Starter,US,输单,1/2/2024,1/3/2024,1/3/2024,100\n";

static void test_aggregation(void **state)
{
    (void)state;
    struct run r;
    run(&r, NULL, "", team_ok, deals_agg, NULL);
    assert_int_equal(r.rc, 0);
    static const char *const mon[] = {"2024-01", "2024-02", "2024-03", "2024-04"};
    /* month boundaries: 1/31 is January, 2/29 February, 3/1 March; 4/30 is the
     * last day of the window (counted), 5/1 after it (not) */
    static const double rev[] = {1000, 500, 250, 2000}, won[] = {1, 1, 1, 1};
    static const double lost[] = {0, 0, 1, 0}, opp[] = {1, 3, 1, 1};
    static const double cyc[] = {52, 28, 1, 56}, pipe[] = {1200, 1350, 2400, 700};
    static const double big[] = {1, 0, 1, 0}, open[] = {1, 3, 2, 2};
    for (int m = 0; m < 4; m++) {
        assert_cell(&r, "alice-chen", mon[m], "revenue", rev[m]);
        assert_cell(&r, "alice-chen", mon[m], "won", won[m]);
        assert_cell(&r, "alice-chen", mon[m], "lost", lost[m]);
        assert_cell(&r, "alice-chen", mon[m], "opportunities", opp[m]);
        assert_cell(&r, "alice-chen", mon[m], "cycle_days", cyc[m]);
        assert_cell(&r, "alice-chen", mon[m], "pipeline", pipe[m]);
        assert_cell(&r, "alice-chen", mon[m], "big", big[m]);
        assert_cell(&r, "alice-chen", mon[m], "open_deals", open[m]);
        /* empty months: nothing won is 0, a mean of nothing is missing */
        assert_cell(&r, "dan-wu", mon[m], "revenue", 0);
        assert_cell(&r, "dan-wu", mon[m], "won", 0);
        assert_cell(&r, "dan-wu", mon[m], "pipeline", 0);
        assert_missing(&r, "dan-wu", mon[m], "cycle_days");
        assert_cell(&r, "carol-diaz", mon[m], "lost", m == 0);
        assert_cell(&r, "carol-diaz", mon[m], "pipeline", 0);
        assert_cell(&r, "bob-lee", mon[m], "opportunities", 0);
        /* columns no rule derives stay missing */
        assert_missing(&r, "alice-chen", mon[m], "quota");
    }
    /* deal 8 closed in December 2023: listed, not an error */
    assert_rejects(&r.d, "deals.csv:9:0:falls in no month used (2024-01..2024-04)\n");
    const struct kp_input_file *f = input(&r, "deals.csv");
    assert_int_equal(f->rows, 9);
    assert_int_equal(f->used, 8);
    assert_int_equal(f->rejected, 1);
    assert_msg(&r, "kpipress: deals.csv: note: stages counted as open (neither won nor lost; list "
                   "them in [crm] open to reject any other): Negotiation\n");
    assert_msg(&r, "kpipress: deals.csv: note: 1 deal was counted in no month used (listed in "
                   "rejects.csv, not an error)\n");
    assert_int_equal(diag_count(KP_ERROR), 0);
    run_free(&r);
}

static void test_people_from_team_list(void **state)
{
    (void)state;
    struct run r;
    run(&r, NULL, "", team_ok, DEALS_HDR, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.d.npeople, 5);
    assert_int_equal(r.d.nteams, 2);
    assert_string_equal(r.d.teams[0], "East"); /* "east" is the same team */
    const struct kp_person *p = &r.d.people[data_find_person(&r.d, "carol-diaz")];
    assert_string_equal(p->name, "carol DIAZ"); /* the spelling kept, spaces tidied */
    assert_string_equal(p->team, "East");
    assert_string_equal(p->role, "ae"); /* default_role: the first role */
    assert_string_equal(p->manager_id, "bob-lee");
    assert_int_equal(p->line, 3);
    p = &r.d.people[data_find_person(&r.d, "bob-lee")];
    assert_string_equal(p->name, "Bob Lee"); /* made from the manager column */
    assert_string_equal(p->team, "East");    /* the team of the people he manages */
    assert_string_equal(p->role, "manager");
    assert_null(p->manager_id);
    p = &r.d.people[data_find_person(&r.d, "eve-park")];
    assert_string_equal(p->team, "West");
    const struct kp_input_file *f = input(&r, "team.csv");
    assert_int_equal(f->rows, 3);
    assert_int_equal(f->used, 3);
    assert_int_equal(f->rejected, 0);
    /* no usable deal: every derived column is missing */
    assert_missing(&r, "alice-chen", "2024-02", "revenue");
    assert_msg(&r, "kpipress: deals.csv: warning: no usable deal: every derived column is "
                   "missing\n");
    run_free(&r);
}

static const char team_rich[] = "Agent,Manager,Office,Role,Email,Lang,Start,Emp\n"
                                "Alice Chen,Bob Lee,East,,a@x.com,zh-CN,1/2/2020,\n" /* 2 */
                                "Bob Lee,Vic Boss,East,,,,,\n"
                                "Carl,Vic Boss,West,Account Executive,,,,\n"
                                "Dora,,West,vp,,,,\n" /* 5 */
                                "Erin,Dora,West,,,,,\n"
                                "alice chen,,East,,,,,\n"
                                ",Bob Lee,East,,,,,\n"
                                "Fay,Bob Lee,,,,,,\n"
                                "Gus,,East,,,english,,\n" /* 10 */
                                "Hal,,East,,,,31/1/2020,\n"
                                "Ian,,East,,,,,E7\n"
                                "Jo,,East,,,,,E7\n"
                                "Kim,Dora,West\n"; /* 14 */

static void test_team_list_rows(void **state)
{
    (void)state;
    struct run r;
    run(&r, NULL,
        "role = Role\nemail = Email\nlocale = Lang\nhire_date = Start\nid = Emp\n"
        "leaders_team = Sales Leadership\n",
        team_rich,
        DEALS_HDR "1,Dora,Starter,US,Won,1/2/2024,1/3/2024,1/4/2024,10\n"
                  "2,erin,Starter,US,Won,1/2/2024,1/3/2024,1/4/2024,10\n",
        NULL);
    assert_int_equal(r.rc, 0);
    assert_rejects(&r.d,
                   "team.csv:5:1:unknown role \"vp\" (known roles: ae, manager)\n"
                   "team.csv:7:1:duplicate name \"alice chen\" (first at line 2)\n"
                   "team.csv:8:1:empty name (column Agent)\n"
                   "team.csv:9:1:empty team (column Office)\n"
                   "team.csv:10:1:bad locale \"english\" (want a language code such as en or zh)\n"
                   "team.csv:11:1:bad date \"31/1/2020\" in column Start (want M/D/YYYY)\n"
                   "team.csv:13:1:duplicate id \"E7\" (first at line 12)\n"
                   "team.csv:14:1:wrong number of fields: 3, expected 8\n"
                   "deals.csv:2:1:owner \"Dora\" was rejected in team.csv (line 5)\n");
    assert_msg(&r, "kpipress: team.csv:6: error: manager \"Dora\" of Erin was rejected (line 5); "
                   "kept without a manager\n");
    assert_int_equal(r.d.npeople, 6);
    const struct kp_person *p = &r.d.people[data_find_person(&r.d, "alice-chen")];
    assert_string_equal(p->email, "a@x.com");
    assert_string_equal(p->locale, "zh");
    assert_string_equal(p->hire_date, "2020-01-02");
    assert_string_equal(p->role, "ae");
    p = &r.d.people[data_find_person(&r.d, "bob-lee")];
    assert_string_equal(p->role, "manager"); /* his row has no role, and he manages Alice */
    assert_string_equal(p->manager_id, "vic-boss");
    assert_int_equal(p->line, 3);
    p = &r.d.people[data_find_person(&r.d, "vic-boss")];
    assert_string_equal(p->team, "Sales Leadership"); /* reports in East and West */
    assert_string_equal(p->role, "manager");
    assert_string_equal(r.d.people[data_find_person(&r.d, "carl")].role, "ae"); /* alias */
    assert_null(r.d.people[data_find_person(&r.d, "erin")].manager_id);
    assert_true(data_find_person(&r.d, "E7") >= 0); /* the id column */
    assert_true(data_find_person(&r.d, "dora") < 0);
    const struct kp_input_file *f = input(&r, "team.csv");
    assert_int_equal(f->rows, 13);
    assert_int_equal(f->used, 5);
    assert_int_equal(f->rejected, 8);
    assert_cell(&r, "erin", "2024-01", "won", 1); /* owner "erin" is Erin */
    run_free(&r);
}

static const char team_fired[] = "Agent,Manager,Office\n"
                                 "Alice Chen,,East\n"
                                 "Fired Person,,\n" /* 3: empty team */
                                 "Al Twin,,East\n";

static const char deals_bad[] =
    DEALS_HDR "1,,Starter,US,Won,1/2/2024,1/3/2024,1/4/2024,10\n" /* 2 */
              "2,Zed,Starter,US,Won,1/2/2024,1/3/2024,1/4/2024,10\n"
              "3,Alice Chen,Starter,US,Won,1/2/2024,1/3/2024,1/5/2024,10\n"
              "3,Alice Chen,Starter,US,Won,1/2/2024,1/3/2024,1/5/2024,10\n" /* 5 */
              "4,Alice Chen,Starter,US,,1/2/2024,1/3/2024,1/5/2024,10\n"
              "5,Alice Chen,Starter,US,Negotiation,1/2/2024,1/3/2024,1/5/2024,10\n"
              "6,Alice Chen,Starter,US,Won,13/1/2024,1/3/2024,1/5/2024,10\n"
              "7,Alice Chen,Starter,US,Won,1/2/2024,1/3/2024,45300,10\n"
              "8,Alice Chen,Starter,US,Won,1/2/2024,1/3/2024,,10\n" /* 10 */
              "9,Alice Chen,Starter,US,Closed Lost,1/2/2024,1/3/2024,,10\n"
              "10,Alice Chen,Starter,US,Won,1/2/2024,1/10/2024,1/5/2024,10\n"
              "11,Alice Chen,Starter,US,Won,1/9/2024,,1/5/2024,10\n"
              "12,Alice Chen,Starter,US,Won,1/2/2024,1/3/2024,1/5/2024,12x\n"
              "13,Alice Chen,Starter,US,Won,1/2/2024,1/3/2024,1/5/2024,1e16\n" /* 15 */
              "14,Alice Chen,Starter,US,Won,1/2/2024,1/3/2024,1/5/2024,\n"
              "15,Alice Chen,Starter,US,Won,1/2/2024,,1/5/2024,10\n"
              "16,Alice Chen,Starter,US,Prospecting,,,,10\n"
              "17,Alice Chen,Starter,US,Won,1/2/2024,1/3/2024\n"
              "18,Al\"ice,Starter,US,Won,1/2/2024,1/3/2024,1/5/2024,10\n" /* 20 */
              "19,fired person,Starter,US,Won,1/2/2024,1/3/2024,1/5/2024,10\n"
              "20,Alice Chen,Starter,US,Prospecting,1/2/2024,1/3/2024,,\n" /* open, no amount */
              "21,Alice Chen,Starter,US,Closed Lost,1/2/2024,1/3/2024,1/3/2024,\n";

static void test_reject_reasons(void **state)
{
    (void)state;
    struct run r;
    run(&r, NULL, "open = Prospecting\n", team_fired, deals_bad, NULL);
    assert_int_equal(r.rc, 0);
    assert_rejects(
        &r.d,
        "team.csv:3:1:empty team (column Office)\n"
        "deals.csv:2:1:empty owner (column Owner)\n"
        "deals.csv:3:1:owner \"Zed\" is not in team.csv\n"
        "deals.csv:5:1:duplicate deal \"3\" (first at line 4)\n"
        "deals.csv:6:1:empty stage (column Stage)\n"
        "deals.csv:7:1:unknown stage \"Negotiation\" (won: Closed Won, Won, 赢单; lost: Closed "
        "Lost, 输单; open: Prospecting)\n"
        "deals.csv:8:1:bad date \"13/1/2024\" in column Created (want M/D/YYYY)\n"
        "deals.csv:9:1:bad date \"45300\" in column Closed (want M/D/YYYY; an Excel serial "
        "number? add excel to [crm] date_format)\n"
        "deals.csv:10:1:won deal without a close date (column Closed)\n"
        "deals.csv:11:1:lost deal without a close date (column Closed)\n"
        "deals.csv:12:1:close date \"1/5/2024\" is before the engaged date \"1/10/2024\"\n"
        "deals.csv:13:1:close date \"1/5/2024\" is before the created date \"1/9/2024\"\n"
        "deals.csv:14:1:bad number \"12x\" in column Amount\n"
        "deals.csv:15:1:implausible number \"1e16\" in column Amount (over 1e15)\n"
        "deals.csv:16:1:empty Amount (needed by [derive.revenue])\n"
        "deals.csv:17:1:empty Engaged (needed by [derive.cycle_days])\n"
        "deals.csv:18:1:empty Engaged and Created (needed by [derive.opportunities])\n"
        "deals.csv:19:1:wrong number of fields: 7, expected 9\n"
        "deals.csv:20:1:bad quoting: a quote inside an unquoted field (quote the whole field and "
        "double the quote)\n"
        "deals.csv:21:1:owner \"fired person\" was rejected in team.csv (line 3)\n"
        "deals.csv:22:1:empty Amount (needed by [derive.pipeline])\n");
    /* a lost deal without an amount is fine: it was open at no month's end, so no
     * rule adds its amount anywhere */
    assert_cell(&r, "alice-chen", "2024-01", "lost", 1);
    assert_cell(&r, "alice-chen", "2024-01", "won", 1);
    assert_cell(&r, "alice-chen", "2024-01", "revenue", 10);
    const struct kp_input_file *f = input(&r, "deals.csv");
    assert_int_equal(f->rows, 22);
    assert_int_equal(f->used, 2);
    assert_int_equal(f->rejected, 20);
    /* the first 10 are printed, the rest counted */
    assert_msg(&r, "kpipress: deals.csv:2: error: empty owner (column Owner)\n");
    assert_msg(&r, "kpipress: deals.csv: error: 10 more rows rejected (counted in the summary "
                   "at the end)\n");
    assert_int_equal(diag_status(), 1);
    run_free(&r);
}

static void test_first_months(void **state)
{
    (void)state;
    static const char team[] = "Agent,Manager,Office,Start\n"
                               "Alice Chen,,East,\n"
                               "Dan Wu,,East,3/15/2024\n";
    static const char deals[] =
        DEALS_HDR "1,Alice Chen,Starter,US,Won,2/2/2024,2/3/2024,2/4/2024,10\n"
                  "2,Dan Wu,Starter,US,Won,2/2/2024,2/3/2024,2/20/2024,10\n" /* before he started */
                  "3,Dan Wu,Starter,US,Won,2/2/2024,2/3/2024,3/20/2024,30\n";
    struct run r;
    run(&r, NULL, "hire_date = Start\n", team, deals, NULL);
    assert_int_equal(r.rc, 0);
    /* the export starts in February: January is missing for everyone */
    assert_missing(&r, "alice-chen", "2024-01", "won");
    assert_cell(&r, "alice-chen", "2024-02", "won", 1);
    assert_cell(&r, "alice-chen", "2024-03", "won", 0);
    /* Dan counts from his hire month */
    assert_missing(&r, "dan-wu", "2024-02", "won");
    assert_cell(&r, "dan-wu", "2024-03", "revenue", 30);
    assert_cell(&r, "dan-wu", "2024-04", "revenue", 0);
    assert_rejects(&r.d, "deals.csv:3:0:falls before 2024-03, the first month counted for Dan Wu "
                         "(hire date or [crm] since)\n");
    run_free(&r);

    run(&r, NULL, "since = 2024-03\n", team_ok, deals, NULL);
    assert_int_equal(r.rc, 0);
    assert_missing(&r, "alice-chen", "2024-02", "won");
    assert_cell(&r, "alice-chen", "2024-03", "won", 0);
    assert_cell(&r, "dan-wu", "2024-03", "won", 1);
    assert_rejects(&r.d, "deals.csv:2:0:falls before 2024-03, the first month counted for Alice "
                         "Chen (hire date or [crm] since)\n"
                         "deals.csv:3:0:falls before 2024-03, the first month counted for Dan Wu "
                         "(hire date or [crm] since)\n");
    run_free(&r);
}

static void test_unmatched_deals(void **state)
{
    (void)state;
    /* a rule set that counts only won Enterprise deals */
    static const char deals[] =
        DEALS_HDR "1,Alice Chen,Enterprise,US,Won,2/2/2024,2/3/2024,2/4/2024,10\n"
                  "2,Alice Chen,Starter,US,Won,2/2/2024,2/3/2024,2/4/2024,20\n"
                  "3,Alice Chen,Enterprise,US,Closed Lost,2/2/2024,2/3/2024,2/4/2024,30\n"
                  "4,Alice Chen,enterprise,US,Won,2/2/2024,2/3/2024,2/29/2024,40\n";
    struct run r;
    run(&r,
        "[derive.ent]\ndeals = won\ndate = closed\nvalue = sum(amount)\n"
        "where = product = ENTERPRISE\n",
        "", team_ok, deals, NULL);
    assert_int_equal(r.rc, 0);
    assert_cell(&r, "alice-chen", "2024-02", "ent", 50);
    assert_cell(&r, "alice-chen", "2024-03", "ent", 0);
    assert_missing(&r, "alice-chen", "2024-02", "revenue"); /* not derived here */
    assert_rejects(&r.d, "deals.csv:3:0:no [derive.*] rule counts this deal (a won deal; see "
                         "deals = and where = in the rules)\n"
                         "deals.csv:4:0:no [derive.*] rule counts this deal (a lost deal; see "
                         "deals = and where = in the rules)\n");
    assert_int_equal(diag_status(), 0);
    run_free(&r);
}

static double target(const struct run *r, const char *id, const char *kpi)
{
    int p = data_find_person(&r->d, id), k = config_find_kpi(r->c, kpi);
    assert_true(p >= 0 && k >= 0);
    assert_non_null(r->d.ptarget);
    return r->d.ptarget[(size_t)p * r->d.nkpis + (size_t)k];
}

static void test_targets(void **state)
{
    (void)state;
    static const char targets[] = "person,team,role,kpi,target,per\n"
                                  ",,ae,revenue,100,month\n" /* 2 */
                                  ",East,,revenue,\"$200\",Month\n"
                                  "alice chen,,,revenue,1000,\n"
                                  ",,ae,win_rate,40%,window\n" /* 5 */
                                  ",,manager,win_rate,0.5,month\n"
                                  ",,ae,revenue,5,month\n"
                                  "Zed,,,revenue,1,\n"
                                  ",North,,revenue,1,\n"
                                  ",,vp,revenue,1,\n" /* 10 */
                                  ",,ae,attainment,1,\n"
                                  "Alice Chen,East,,revenue,1,\n"
                                  ",,ae,cycle,,\n"
                                  ",,ae,cycle,abc,\n"
                                  ",,ae,cycle,30,weekly\n" /* 15 */
                                  ",,Account Executive,cycle,30,window\n";
    struct run r;
    run(&r, NULL, "targets = targets.csv\n", team_ok, DEALS_HDR, targets);
    assert_int_equal(r.rc, 0);
    assert_rejects(
        &r.d, "targets.csv:6:1:a monthly target needs a KPI that adds up over months (like "
              "sum(revenue)); win_rate is sum(won) / (sum(won) + sum(lost)): write per = window\n"
              "targets.csv:7:1:duplicate target for role \"ae\" revenue (first at line 2)\n"
              "targets.csv:8:1:unknown person \"Zed\" (not in team.csv)\n"
              "targets.csv:9:1:unknown team \"North\" (not in team.csv)\n"
              "targets.csv:10:1:unknown role \"vp\" (known roles: ae, manager)\n"
              "targets.csv:11:1:unknown kpi \"attainment\" (known KPIs: revenue, win_rate, cycle)\n"
              "targets.csv:12:1:name one person, team or role (2 given)\n"
              "targets.csv:13:1:empty target\n"
              "targets.csv:14:1:bad number \"abc\" in column target\n"
              "targets.csv:15:1:per \"weekly\": write month or window\n");
    /* a person's own row, else the team's, else the role's; per month x 3 */
    assert_true(target(&r, "alice-chen", "revenue") == 1000);
    assert_true(target(&r, "carol-diaz", "revenue") == 600);
    assert_true(isnan(target(&r, "bob-lee", "revenue"))); /* East's manager: his people's */
    assert_true(target(&r, "dan-wu", "revenue") == 300);
    assert_true(isnan(target(&r, "eve-park", "revenue"))); /* a West manager: none */
    assert_true(target(&r, "dan-wu", "win_rate") == 0.4);
    assert_true(target(&r, "dan-wu", "cycle") == 30);
    assert_true(isnan(target(&r, "bob-lee", "win_rate")));
    const struct kp_input_file *f = input(&r, "targets.csv");
    assert_int_equal(f->rows, 15);
    assert_int_equal(f->used, 5);
    run_free(&r);
}

/* Without a team list: the roster's people, owners matched by name or rep_id. */
static void test_roster_owners(void **state)
{
    (void)state;
    static const char roster[] = "rep_id,name,email,team,role,manager_id,hire_date,locale\n"
                                 "R1,Alice Chen,,East,ae,,,\n"
                                 "R2,Wei Wang,,East,ae,,,\n"
                                 "R3,wei  wang,,West,ae,,,\n";
    static const char deals[] =
        DEALS_HDR "1,ALICE CHEN,Starter,US,Won,2/2/2024,2/3/2024,2/4/2024,10\n"
                  "2,r2,Starter,US,Won,2/2/2024,2/3/2024,2/4/2024,20\n"
                  "3,Wei Wang,Starter,US,Won,2/2/2024,2/3/2024,2/4/2024,30\n";
    struct run r;
    run(&r, NULL, "", roster, deals, NULL);
    assert_int_equal(r.rc, 0);
    assert_cell(&r, "R1", "2024-02", "revenue", 10);
    assert_cell(&r, "R2", "2024-02", "revenue", 20);
    assert_cell(&r, "R3", "2024-02", "revenue", 0);
    assert_rejects(&r.d, "deals.csv:4:1:owner \"Wei Wang\" matches more than one person in "
                         "roster.csv\n");
    run_free(&r);
}

/* Derived columns and metrics.csv columns side by side. */
static void test_with_metrics(void **state)
{
    (void)state;
    static const char deals[] =
        DEALS_HDR "1,Alice Chen,Starter,US,Won,2/2/2024,2/3/2024,2/4/2024,10\n";
    metrics_text = "period,rep_id,quota,revenue,visits\n"
                   "2024-02,alice-chen,100,999,7\n";
    struct run r;
    run(&r, NULL, "", team_ok, deals, NULL);
    metrics_text = NULL;
    assert_int_equal(r.rc, 0);
    assert_cell(&r, "alice-chen", "2024-02", "revenue", 10); /* derived, not 999 */
    assert_cell(&r, "alice-chen", "2024-02", "quota", 100);
    assert_cell(&r, "alice-chen", "2024-02", "visits", 7);
    assert_cell(&r, "alice-chen", "2024-02", "won", 1);
    assert_msg(&r, "kpipress: metrics.csv:1: note: columns derived from the CRM export "
                   "([derive.*]), so not read from this file: revenue\n");
    /* no warning that won, lost … are missing from metrics.csv: they are derived */
    assert_false(strstr(r.msgs.s, "opportunities"));
    run_free(&r);
}

static void test_whole_file_errors(void **state)
{
    (void)state;
    struct run r;
    run(&r, NULL, "", team_ok, "ID,Owner,Product,Region,Stage,Created,Engaged,Amount\n", NULL);
    assert_int_equal(r.rc, -1);
    /* at the config's line, with the file's columns */
    assert_msg(&r, ":58: error: [crm] closed: deals.csv has no column \"Closed\" (its columns: "
                   "ID, Owner, Product, Region, Stage, Created, Engaged, Amount)\n");
    run_free(&r);
    /* a typo: the nearest header by characters */
    run(&r, NULL, "", team_ok, "ID,Owner,Product,Region,Stage,Created,Engaged,Amount,closd\n",
        NULL);
    assert_int_equal(r.rc, -1);
    assert_msg(&r, ":58: error: [crm] closed: deals.csv has no column \"Closed\" (did you mean "
                   "\"closd\"?)\n");
    run_free(&r);
    /* a column a rule names: sum(Qty), where Tier = … */
    run(&r,
        "[derive.units]\ndeals = won\ndate = closed\nvalue = sum(Qty)\n"
        "[derive.gold]\ndate = closed\nvalue = count\nwhere = Tier = Gold\n",
        "", team_ok,
        "ID,Owner,Stage,Created,Engaged,Closed,Amount,qty\n"
        "1,Alice Chen,Won,1/2/2024,1/3/2024,1/4/2024,10,\"1,500\"\n",
        NULL);
    assert_int_equal(r.rc, -1);
    assert_msg(&r, ": error: [derive.gold] where: deals.csv has no column \"Tier\" (its "
                   "columns: ID, Owner, Stage, Created, Engaged, Closed, Amount, qty)\n");
    run_free(&r);
    run(&r, "[derive.units]\ndeals = won\ndate = closed\nvalue = sum(Qty)\n", "", team_ok,
        "ID,Owner,Stage,Created,Engaged,Closed,Amount,qty\n"
        "1,Alice Chen,Won,1/2/2024,1/3/2024,1/4/2024,10,\"1,500\"\n"
        "2,Alice Chen,Won,1/2/2024,1/3/2024,1/5/2024,10,x\n"
        "3,Alice Chen,Closed Lost,1/2/2024,1/3/2024,1/5/2024,10,\n",
        NULL);
    assert_int_equal(r.rc, 0);
    assert_cell(&r, "alice-chen", "2024-01", "units", 1500);
    assert_rejects(&r.d, "deals.csv:3:1:bad number \"x\" in column Qty\n"
                         "deals.csv:4:0:no [derive.*] rule counts this deal (a lost deal; see "
                         "deals = and where = in the rules)\n");
    run_free(&r);
    run(&r, NULL, "", "Agent,Office,Agent\n", DEALS_HDR, NULL);
    assert_int_equal(r.rc, -1);
    assert_msg(&r, "kpipress: team.csv:1: error: two columns are named \"Agent\" (columns 1 and "
                   "3)\n");
    run_free(&r);
    run(&r, NULL, "", "", DEALS_HDR, NULL);
    assert_int_equal(r.rc, -1);
    assert_msg(&r, "kpipress: team.csv: error: the file is empty (no header row)\n");
    run_free(&r);
}

/* The config's mistakes: reported at the key's line, the load fails. */
static void expect_cfg_error(const char *rules, const char *crm_extra, const char *want)
{
    struct run r;
    run(&r, rules, crm_extra, team_ok, DEALS_HDR, NULL);
    if (!r.failed || !strstr(r.msgs.s, want)) {
        fprintf(stderr, "wanted: %s\ngot:\n%s\n", want, r.msgs.s);
        fail();
    }
    run_free(&r);
}

static void test_config_errors(void **state)
{
    (void)state;
    const char *rev = "[derive.revenue]\ndeals = won\ndate = closed\nvalue = sum(amount)\n";
    expect_cfg_error(NULL, "date_format = M/D/YYYY, D/M/YYYY\n",
                     "error: [crm] date_format: M/D/YYYY and D/M/YYYY cannot both be accepted: "
                     "03/04/2017 would be a guess");
    expect_cfg_error(NULL, "owner =\n", "error: [crm] owner: name the deals file's column");
    expect_cfg_error(NULL, "open = Won\n", "error: [crm] open: \"won\" is won as well");
    expect_cfg_error(NULL, "default_role = vp\n",
                     "error: [crm] default_role: no role \"vp\" is defined");
    expect_cfg_error(NULL, "since = 2024\n", "error: [crm] since: \"2024\" is not a month");
    expect_cfg_error(NULL, "deals =\n", "error: [crm] deals: name the opportunity export");
    expect_cfg_error(NULL, "team =\n", "error: [crm] team: name the team list's column");
    expect_cfg_error("", "", "error: [crm]: no [derive.NAME] rule: nothing would be counted");
    expect_cfg_error("[derive.revenue]\nvalue = count\n", "",
                     "error: [derive.revenue]: a rule needs date = created, engaged, closed or "
                     "open_at_month_end");
    expect_cfg_error("[derive.revenue]\ndate = shipped\nvalue = count\n", "",
                     "error: [derive.revenue] date: \"shipped\" is not a date: created, engaged "
                     "or closed");
    expect_cfg_error("[derive.revenue]\ndeals = pending\ndate = closed\nvalue = count\n", "",
                     "error: [derive.revenue] deals: \"pending\": write won, lost, open, closed "
                     "or all");
    expect_cfg_error("[derive.revenue]\ndate = closed\nvalue = total(amount)\n", "",
                     "error: [derive.revenue] value: \"total(amount)\": write count, sum(X) or "
                     "mean(X)");
    expect_cfg_error("[derive.revenue]\ndate = closed\nvalue = mean(days(closed))\n", "",
                     "error: [derive.revenue] value: write days(closed - engaged)");
    expect_cfg_error("[derive.revenue]\ndate = open_at_month_end[created]\nvalue = count\n", "",
                     "error: [derive.revenue] date: write open_at_month_end or "
                     "open_at_month_end(created)");
    expect_cfg_error("[derive.revenue]\ndate = closed\nvalue = count\nwhere = Product\n", "",
                     "error: [derive.revenue] where: \"Product\": write COLUMN = VALUE, VALUE");
    expect_cfg_error("[derive.re-v]\ndate = closed\nvalue = count\n", "",
                     "a derived column's name is lower case letters, digits and _");
    expect_cfg_error(rev, "amount =\n",
                     "error: [derive.revenue] value: uses the amount, but [crm] amount names no "
                     "column");
    expect_cfg_error("[derive.x]\ndate = engaged\nvalue = count\n", "engaged =\n",
                     "error: [derive.x] date: uses the engaged date, but [crm] engaged names no "
                     "column");
}

/* [derive.*] without [crm]; [crm] targets beside [input] targets. */
static void test_config_sections(void **state)
{
    (void)state;
    const char *text = "[review]\nfrom = 2024-02\nto = 2024-04\n"
                       "[kpi.revenue]\nformula = sum(revenue)\n"
                       "[role.ae]\nweight.revenue = 100\n"
                       "[derive.revenue]\ndeals = won\ndate = closed\nvalue = sum(amount)\n";
    char *path = sys_tmpfile("crm", text, strlen(text));
    struct kp_buf msgs = {0};
    buf_adds(&msgs, "");
    diag_reset();
    diag_capture(&msgs);
    struct kp_config *c = config_load(path);
    assert_non_null(c);
    struct kp_data d = {0};
    struct kp_ingest *in = ingest_new(c, &d);
    int failed = 0;
    assert_null(crm_new(c, &d, in, &failed));
    assert_int_equal(failed, 1);
    diag_capture(NULL);
    assert_non_null(strstr(msgs.s, "error: [derive.*] rules need a [crm] section"));
    ingest_fail(in);
    ingest_finish(in);
    data_free(&d);
    config_free(c);
    sys_remove(path);
    free(path);
    buf_free(&msgs);
    expect_cfg_error(NULL, "targets = t.csv\n[input]\ntargets = x.csv\n",
                     "error: [crm] targets: [input] targets is set too: use one targets file");
}

UNIT_MAIN(cmocka_unit_test(test_date_formats), cmocka_unit_test(test_leap_days),
          cmocka_unit_test(test_excel_serials), cmocka_unit_test(test_date_format_names),
          cmocka_unit_test(test_months),
          cmocka_unit_test(test_keys), cmocka_unit_test(test_aggregation),
          cmocka_unit_test(test_people_from_team_list), cmocka_unit_test(test_team_list_rows),
          cmocka_unit_test(test_reject_reasons), cmocka_unit_test(test_first_months),
          cmocka_unit_test(test_unmatched_deals), cmocka_unit_test(test_targets),
          cmocka_unit_test(test_roster_owners), cmocka_unit_test(test_with_metrics),
          cmocka_unit_test(test_whole_file_errors), cmocka_unit_test(test_config_errors),
          cmocka_unit_test(test_config_sections))
