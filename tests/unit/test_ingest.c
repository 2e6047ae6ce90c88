/* Unit tests for ingest: every reject reason (file, line, reason), roster
 * checks (duplicates, roles, managers, cycles), header mapping through
 * [columns] (Chinese headers, GBK), whole-file errors, targets, and
 * ingest_number. The config is built by hand. */
#include "unit.h"

#include "config.h"
#include "diag.h"
#include "field.h"
#include "ingest.h"
#include "model.h"
#include "util.h"

#include <iconv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct kp_role roles[] = {{.id = "ae"}, {.id = "kam"}, {.id = "manager"}};
static struct kp_kpi_def kpis[] = {{.id = "attainment"}, {.id = "visits"}};

static void cfg_init(struct kp_config *c)
{
    memset(c, 0, sizeof *c);
    c->cols = (char **)kp_canon_cols;
    c->ncols = KP_NCANON;
    c->roles = roles;
    c->nroles = KP_NELEM(roles);
    c->kpis = kpis;
    c->nkpis = KP_NELEM(kpis);
    assert_int_equal(month_parse("2026-04", &c->from), 0);
    assert_int_equal(month_parse("2026-06", &c->to), 0);
    c->history = 6; /* months held: 2025-10 .. 2026-06 */
    c->as_of = -1;  /* the window is complete */
}

struct run {
    struct kp_data d;
    struct kp_buf msgs;
    int end[3];
    int rc;
};

static void feed(struct kp_ingest *in, const char *s, size_t chunk)
{
    size_t n = strlen(s), step = chunk ? chunk : n;
    for (size_t i = 0; i < n; i += step)
        ingest_feed(in, s + i, n - i < step ? n - i : step);
}

/* Ingest the files (NULL = not given), capturing the messages. */
static void run(struct run *r, const struct kp_config *c, const char *roster, const char *metrics,
                const char *targets, size_t chunk)
{
    static const char *const names[3] = {"roster.csv", "metrics.csv", "targets.csv"};
    const char *files[3] = {roster, metrics, targets};
    memset(r, 0, sizeof *r);
    buf_adds(&r->msgs, "");
    diag_reset();
    diag_capture(&r->msgs);
    struct kp_ingest *in = ingest_new(c, &r->d);
    for (int i = 0; i < 3; i++) {
        if (!files[i])
            continue;
        ingest_begin(in, (enum kp_input)i, names[i]);
        feed(in, files[i], chunk);
        r->end[i] = ingest_end(in);
    }
    r->rc = ingest_finish(in);
    diag_capture(NULL);
}

static void run_free(struct run *r)
{
    data_free(&r->d);
    buf_free(&r->msgs);
}

/* "file:line:counts:reason" per reject. */
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
    assert_string_equal(got, want);
    free(got);
}

static int person(const struct kp_data *d, const char *id)
{
    int p = data_find_person(d, id);
    assert_true(p >= 0);
    return p;
}

#define HDR "rep_id,name,email,team,role,manager_id,hire_date,locale\n"

static const char roster_bad[] =
    HDR "M1,Mia Boss,mia@x.com,North,manager,,2020-01-01,en\n" /* 2 */
        "R002,Bob,,South,kam,M1,,\n"                           /* 3 */
        "R001,\xE5\xBC\xA0\xE4\xB8\x89,zs@x.com,North,AE,M1,2021-03-04,zh-CN\n"
        "R001,Dup,,North,ae,,,\n"  /* 5 */
        "R003,Carl,,North,vp,,,\n" /* 6 */
        "R004,Dora,,North,ae,,2021/13/04,\n"
        "R005,Eve,,North,ae,M9,,english\n" /* 8 */
        "R006,Finn,,South,ae,M9,,\n"       /* 9 */
        ",Nobody,,South,ae,,,\n"           /* 10 */
        "R007,Gus,South,ae\n"              /* 11 */
        "C1,Cy One,,East,ae,C2,,\n"        /* 12 */
        "C2,Cy Two,,East,ae,C3,,\n"
        "C3,Cy Three,,East,ae,C1,,\n"
        "S1,Self,,East,ae,S1,,\n"            /* 15 */
        "R008,\"Hana\nIto\",,West,ae,C1,,\n" /* 16-17 */
        ",,,,,,,\n"                          /* 18: an empty spreadsheet row */
        "R009,Ivy,,West,ae,R008,,\n";        /* 19 */

static const char roster_bad_rejects[] =
    "roster.csv:5:1:duplicate rep_id \"R001\" (first at line 4)\n"
    "roster.csv:6:1:unknown role \"vp\" (known roles: ae, kam, manager)\n"
    "roster.csv:7:1:bad hire_date \"2021/13/04\" (want YYYY-MM-DD)\n"
    "roster.csv:8:1:bad locale \"english\" (want a language code such as en or zh)\n"
    "roster.csv:10:1:empty rep_id\n"
    "roster.csv:11:1:wrong number of fields: 4, expected 8\n";

static const char roster_bad_msgs[] =
    "kpipress: roster.csv:5: error: duplicate rep_id \"R001\" (first at line 4)\n"
    "kpipress: roster.csv:6: error: unknown role \"vp\" (known roles: ae, kam, manager)\n"
    "kpipress: roster.csv:7: error: bad hire_date \"2021/13/04\" (want YYYY-MM-DD)\n"
    "kpipress: roster.csv:8: error: bad locale \"english\" (want a language code such as en or "
    "zh)\n"
    "kpipress: roster.csv:10: error: empty rep_id\n"
    "kpipress: roster.csv:11: error: wrong number of fields: 4, expected 8\n"
    "kpipress: roster.csv:9: error: unknown manager_id \"M9\" for R006 (not in roster.csv); kept "
    "without a manager\n"
    "kpipress: roster.csv:12: error: manager cycle C1 -> C2 -> C3 -> C1: their manager links were "
    "removed\n"
    "kpipress: roster.csv:15: error: manager cycle S1 -> S1: their manager links were removed\n";

static void check_roster_bad(struct run *r)
{
    struct kp_data *d = &r->d;
    assert_int_equal(r->end[0], 0);
    assert_int_equal(r->rc, 0);
    assert_rejects(d, roster_bad_rejects);
    assert_string_equal(r->msgs.s, roster_bad_msgs);
    assert_int_equal(diag_status(), 1);
    assert_string_equal(d->rejects[5].raw, "R007,Gus,South,ae");
    /* Sorted by (team, rep_id); managers follow the sort. */
    static const char *const order[] = {"C1",   "C2",   "C3",   "S1",   "M1",
                                        "R001", "R002", "R006", "R008", "R009"};
    assert_int_equal(d->npeople, KP_NELEM(order));
    for (size_t i = 0; i < KP_NELEM(order); i++)
        assert_string_equal(d->people[i].rep_id, order[i]);
    assert_int_equal(d->nteams, 4);
    assert_string_equal(d->teams[0], "East");
    assert_string_equal(d->teams[3], "West");
    const struct kp_person *p = &d->people[person(d, "R001")];
    assert_string_equal(p->name, "\xE5\xBC\xA0\xE4\xB8\x89");
    assert_string_equal(p->role, "ae");
    assert_int_equal(p->role_idx, 0);
    assert_string_equal(p->locale, "zh");
    assert_string_equal(p->hire_date, "2021-03-04");
    assert_int_equal(p->mgr, person(d, "M1"));
    assert_int_equal(p->team_idx, 1);
    assert_int_equal(p->line, 4);
    p = &d->people[person(d, "R002")];
    assert_null(p->locale);
    assert_null(p->email);
    assert_null(p->hire_date);
    assert_int_equal(p->role_idx, 1);
    assert_int_equal(d->people[person(d, "R006")].mgr, -1);
    assert_null(d->people[person(d, "R006")].manager_id);
    assert_int_equal(d->people[person(d, "C1")].mgr, -1);
    assert_int_equal(d->people[person(d, "C3")].mgr, -1);
    assert_int_equal(d->people[person(d, "S1")].mgr, -1);
    assert_int_equal(d->people[person(d, "R008")].mgr, person(d, "C1"));
    assert_string_equal(d->people[person(d, "R008")].name, "Hana Ito");
    assert_int_equal(d->people[person(d, "R009")].mgr, person(d, "R008"));
    assert_int_equal(d->people[person(d, "R009")].line, 19);
    assert_int_equal(d->ninputs, 1);
    assert_string_equal(d->inputs[0].name, "roster.csv");
    assert_int_equal(d->inputs[0].rows, 16);
    assert_int_equal(d->inputs[0].used, 10);
    assert_int_equal(d->inputs[0].rejected, 6);
    /* Months laid out, all missing. */
    assert_int_equal(d->nmonths, 9);
    assert_int_equal(d->ncols, KP_NCANON);
    assert_true(isnan(*data_cell(d, 9, 8, KP_NCANON - 1)));
}

static void test_roster(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    static const size_t chunks[] = {0, 1, 5};
    for (size_t i = 0; i < KP_NELEM(chunks); i++) {
        struct run r;
        run(&r, &c, roster_bad, NULL, NULL, chunks[i]);
        check_roster_bad(&r);
        run_free(&r);
    }
}

static void test_roster_keep_cols(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    char *keep[] = {"pdf_password", "region"};
    c.keep_cols = keep;
    c.nkeep_cols = 2;
    struct run r;
    /* Every column [input] keep names must be there: "region" is not. */
    run(&r, &c, "rep_id,name,team,role,PDF_Password,notes\nR1,A,T,ae,s3cret,x\nR2,B,T,ae,,y\n",
        NULL, NULL, 0);
    assert_int_equal(r.rc, -1);
    assert_string_equal(r.msgs.s, "kpipress: error: [input] keep: roster.csv has no column "
                                  "\"region\" (its columns: rep_id, name, team, role, "
                                  "PDF_Password, notes)\n");
    run_free(&r);
    c.nkeep_cols = 1; /* the header's case does not matter */
    run(&r, &c, "rep_id,name,team,role,PDF_Password,notes\nR1,A,T,ae,s3cret,x\nR2,B,T,ae,,y\n",
        NULL, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.msgs.s, "kpipress: roster.csv:1: note: columns not used: notes\n");
    assert_int_equal(r.d.nextra, 1);
    assert_string_equal(r.d.people[0].extra[0], "s3cret");
    assert_null(r.d.people[1].extra[0]);
    run_free(&r);
}

/* Rows for someone the roster rejected say so. */
static void test_rejected_person(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    struct run r;
    run(&r, &c,
        "rep_id,name,team,role,manager_id\nM9,Max,T,boss,\nR1,Ann,T,ae,M9\nR2,Ben,T,vp,\n"
        "R2,Ben,T,ae,\n",
        "period,rep_id\n2026-04,M9\n2026-04,R2\n", "rep_id,kpi,target\nM9,visits,1\n", 0);
    assert_rejects(&r.d, "roster.csv:2:1:unknown role \"boss\" (known roles: ae, kam, manager)\n"
                         "roster.csv:4:1:unknown role \"vp\" (known roles: ae, kam, manager)\n"
                         "metrics.csv:2:1:rep_id \"M9\" was rejected in roster.csv (line 2)\n"
                         "targets.csv:2:1:rep_id \"M9\" was rejected in roster.csv (line 2)\n");
    assert_non_null(strstr(r.msgs.s, "kpipress: roster.csv:3: error: manager_id \"M9\" for R1 was "
                                     "rejected (line 2); kept without a manager\n"));
    assert_int_equal(r.d.npeople, 2);
    assert_int_equal(r.d.inputs[1].used, 1);
    run_free(&r);
}

static const char roster_ok[] = "rep_id,name,team,role\nR001,Ann,A,ae\nR002,Ben,A,kam\n";

#define MHDR                                                                                       \
    "period,rep_id,revenue,quota,collected,new_customers,visits,opportunities,won,lost,"           \
    "renewals_due,renewals_won,csat,nps,forecast,cycle_days\n"
#define T12 ",,,,,,,,,,,,\n"

static const char metrics_bad[] = MHDR "2026-04,R001,\"$1,234.50\",2000" T12   /* 2 */
                                       "2026-05,R001,-50,2000" T12             /* 3 */
                                       "2026-13,R001,1,1" T12                  /* 4 */
                                       "2026-1,R001,1,1" T12                   /* 5 */
                                       "2026-04,R999,1,1" T12                  /* 6 */
                                       "2026-04,R001,1,1" T12                  /* 7 */
                                       "2026-06,R002,\"12,3x\",1" T12          /* 8 */
                                       "2026-06,R002,1,1,,,,,,,,,,,\n"         /* 9 */
                                       "2025-01,R002,1,1" T12                  /* 10 */
                                       "2026-06,R002,1e16,1" T12               /* 11 */
                                       "2025-10,R002,,0" T12                   /* 12 */
                                       "\" 2026-06 \",\" R002 \",12.5%,3" T12; /* 13 */

static void test_metrics(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    struct run r;
    run(&r, &c, roster_ok, metrics_bad, NULL, 1);
    struct kp_data *d = &r.d;
    assert_int_equal(r.end[1], 0);
    assert_int_equal(r.rc, 0);
    assert_rejects(d, "metrics.csv:4:1:bad period \"2026-13\" (want YYYY-MM or a day of the "
                      "month (YYYY-MM-DD))\n"
                      "metrics.csv:5:1:bad period \"2026-1\" (want YYYY-MM or a day of the "
                      "month (YYYY-MM-DD))\n"
                      "metrics.csv:6:1:unknown rep_id \"R999\" (not in roster.csv)\n"
                      "metrics.csv:7:1:duplicate row for R001 in 2026-04 (first at line 2)\n"
                      "metrics.csv:8:1:bad number \"12,3x\" in column revenue\n"
                      "metrics.csv:9:1:wrong number of fields: 15, expected 16\n"
                      "metrics.csv:10:0:period 2025-01 is outside the months used "
                      "(2025-10..2026-06)\n"
                      "metrics.csv:11:1:implausible number \"1e16\" in column revenue (over "
                      "1e15)\n");
    assert_string_equal(r.msgs.s,
                        "kpipress: metrics.csv:4: error: bad period \"2026-13\" (want YYYY-MM "
                        "or a day of the month (YYYY-MM-DD))\n"
                        "kpipress: metrics.csv:5: error: bad period \"2026-1\" (want YYYY-MM "
                        "or a day of the month (YYYY-MM-DD))\n"
                        "kpipress: metrics.csv:6: error: unknown rep_id \"R999\" (not in "
                        "roster.csv)\n"
                        "kpipress: metrics.csv:7: error: duplicate row for R001 in 2026-04 (first "
                        "at line 2)\n"
                        "kpipress: metrics.csv:8: error: bad number \"12,3x\" in column revenue\n"
                        "kpipress: metrics.csv:9: error: wrong number of fields: 15, expected 16\n"
                        "kpipress: metrics.csv:11: error: implausible number \"1e16\" in column "
                        "revenue (over 1e15)\n"
                        "kpipress: metrics.csv: note: 1 row outside the months used was skipped\n");
    assert_string_equal(d->rejects[0].raw, "2026-13,R001,1,1,,,,,,,,,,,,");
    int p1 = person(d, "R001"), p2 = person(d, "R002");
    /* 2025-10 is month 0, 2026-04 month 6. */
    assert_true(*data_cell(d, p1, 6, KP_COL_REVENUE) == 1234.5);
    assert_true(*data_cell(d, p1, 6, KP_COL_QUOTA) == 2000);
    assert_true(isnan(*data_cell(d, p1, 6, KP_COL_COLLECTED))); /* missing, not zero */
    assert_true(*data_cell(d, p1, 7, KP_COL_REVENUE) == -50);
    assert_true(isnan(*data_cell(d, p2, 0, KP_COL_REVENUE)));
    assert_true(*data_cell(d, p2, 0, KP_COL_QUOTA) == 0);
    assert_true(*data_cell(d, p2, 8, KP_COL_REVENUE) == 0.125);
    assert_int_equal(d->line[p1 * d->nmonths + 6], 2);
    assert_int_equal(d->line[p2 * d->nmonths + 8], 13);
    assert_int_equal(d->line[p2 * d->nmonths + 7], 0);
    assert_int_equal(d->inputs[1].rows, 12);
    assert_int_equal(d->inputs[1].used, 4);
    assert_int_equal(d->inputs[1].rejected, 8);
    assert_int_equal(data_count_rejects(d), 7);
    run_free(&r);
}

/* A row outside the months used is informational: exit status stays 0. */
/* [input] date_format: the roster's dates and the metrics' periods as
 * people write them, stored as YYYY-MM-DD; a cell in no format given is a
 * rejected row naming the formats wanted. */
static void test_date_format(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    c.date_formats = KP_DATE_MDY | KP_DATE_EXCEL;
    static const char roster[] = "rep_id,name,team,role,hire_date,end_date\n"
                                 "R001,Ann,A,ae,3/4/2021,\n"        /* 2 */
                                 "R002,Ben,A,kam,44197,6/30/2026\n" /* 3: 2021-01-01 */
                                 "R003,Cy,A,ae,2021-03-04,\n"       /* 4: ISO not given */
                                 "R004,Di,A,ae,31/12/2020,\n";      /* 5: never swapped */
    static const char metrics[] = MHDR "4/2026,R001,1,1" T12      /* 2: M/YYYY */
                                       "5/31/2026,R001,2,1" T12   /* 3: a day of May */
                                       "2026-06,R001,3,1" T12     /* 4: YYYY-MM always */
                                       "46174,R002,4,1" T12       /* 5: 2026-06-01 */
                                       "2026-05-01,R002,5,1" T12  /* 6: ISO not given */
                                       "2026年5月,R002,5,1" T12; /* 7 */
    struct run r;
    run(&r, &c, roster, metrics, NULL, 0);
    struct kp_data *d = &r.d;
    assert_rejects(d, "roster.csv:4:1:bad hire_date \"2021-03-04\" (want M/D/YYYY or an Excel "
                      "serial number)\n"
                      "roster.csv:5:1:bad hire_date \"31/12/2020\" (want M/D/YYYY or an Excel "
                      "serial number)\n"
                      "metrics.csv:6:1:bad period \"2026-05-01\" (want YYYY-MM, M/YYYY or a day "
                      "of the month (M/D/YYYY or an Excel serial number))\n"
                      "metrics.csv:7:1:bad period \"2026年5月\" (want YYYY-MM, M/YYYY or a day "
                      "of the month (M/D/YYYY or an Excel serial number))\n");
    const struct kp_person *p = &d->people[person(d, "R001")];
    assert_string_equal(p->hire_date, "2021-03-04");
    assert_null(p->end_date);
    p = &d->people[person(d, "R002")];
    assert_string_equal(p->hire_date, "2021-01-01");
    assert_string_equal(p->end_date, "2026-06-30");
    size_t a = (size_t)person(d, "R001"), b = (size_t)person(d, "R002");
    int m0 = d->m0;
    kp_month apr, may, jun;
    month_parse("2026-04", &apr), month_parse("2026-05", &may), month_parse("2026-06", &jun);
    assert_true(*data_cell(d, a, apr - m0, KP_COL_REVENUE) == 1);
    assert_true(*data_cell(d, a, may - m0, KP_COL_REVENUE) == 2);
    assert_true(*data_cell(d, a, jun - m0, KP_COL_REVENUE) == 3);
    assert_true(*data_cell(d, b, jun - m0, KP_COL_REVENUE) == 4);
    assert_true(isnan(*data_cell(d, b, may - m0, KP_COL_REVENUE)));
    run_free(&r);
}

static void test_outside_only(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    struct run r;
    run(&r, &c, roster_ok, MHDR "2026-04,R001,1,1" T12 "2024-12,R001,1,1" T12, NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_rejects(&r.d, "metrics.csv:3:0:period 2024-12 is outside the months used "
                         "(2025-10..2026-06)\n");
    assert_string_equal(r.msgs.s,
                        "kpipress: metrics.csv: note: 1 row outside the months used was skipped\n");
    assert_int_equal(diag_status(), 0);
    run_free(&r);
}

/* as_of 2026-05-15: a June row keeps its quota (a plan) and its actuals are
 * rejected; a June row with only the quota is used; the cap on rejects
 * counts the rest; the closing summary's kinds. */
static void test_after_as_of(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    assert_int_equal(date_parse("2026-05-15", &c.as_of), 0);
    c.rejects_max = 1;
    struct run r;
    run(&r, &c, roster_ok,
        MHDR "2026-05,R001,10,20" T12 "2026-06,R001,30,40" T12 "2026-06,R002,,50" T12
             "2024-01,R002,1,1" T12,
        NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_rejects(&r.d, "metrics.csv:3:1:after as_of 2026-05-15: the actuals of 2026-06 are not "
                         "counted (quota kept as the plan)\n");
    assert_int_equal(r.d.rejects_left_out, 1); /* the 2024-01 row: over rejects_max */
    assert_int_equal(r.d.rejects_left_out_counting, 0);
    assert_int_equal(data_count_rejects(&r.d), 1);
    int p = person(&r.d, "R001"), q = person(&r.d, "R002");
    int june = r.d.nmonths - 1;
    assert_true(isnan(*data_cell(&r.d, (size_t)p, june, KP_COL_REVENUE)));
    assert_true(*data_cell(&r.d, (size_t)p, june, KP_COL_QUOTA) == 40);
    assert_true(*data_cell(&r.d, (size_t)q, june, KP_COL_QUOTA) == 50);
    assert_true(*data_cell(&r.d, (size_t)p, june - 1, KP_COL_REVENUE) == 10);
    assert_int_equal(r.d.inputs[1].used, 2);
    assert_int_equal(r.d.inputs[1].rejected, 2);
    assert_int_equal(r.d.nkinds, 2);
    assert_string_equal(r.d.kinds[0].what, "after as_of \xE2\x80\xA6");
    assert_int_equal(r.d.kinds[0].first, 3);
    assert_string_equal(r.d.kinds[1].what,
                        "period \xE2\x80\xA6 is outside the months used");
    run_free(&r);
}

/* "Did you mean": by characters, not bytes; ASCII case does not matter. */
static void test_nearest(void **state)
{
    (void)state;
    char *hdr[] = {"\xE6\x9C\x88\xE4\xBB\xBD" /* 月份 */, "\xE9\x94\x80\xE5\x94\xAE\xE9\xA2\x9D" /* 销售额 */,
                   "Revenue", "Close Date"};
    /* 销售金额 -> 销售额: one character apart (three bytes) */
    assert_string_equal(field_nearest("\xE9\x94\x80\xE5\x94\xAE\xE9\x87\x91\xE9\xA2\x9D", hdr, 4),
                        hdr[1]);
    assert_string_equal(field_nearest("revnue", hdr, 4), "Revenue");
    assert_string_equal(field_nearest("Close Dat", hdr, 4), "Close Date");
    assert_null(field_nearest("quota", hdr, 4));
    assert_null(field_nearest("\xE5\x90\x8D" /* 名 */, hdr, 4)); /* no edit of a 1-char name */
}

static void test_many_rejects(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    struct kp_buf m = {0};
    buf_adds(&m, MHDR);
    for (int i = 0; i < 13; i++)
        buf_adds(&m, "2026-04,R404,1,1" T12);
    struct run r;
    run(&r, &c, roster_ok, m.s, NULL, 0);
    assert_int_equal(r.d.nrejects, 13);
    const char *tail = strstr(r.msgs.s, "metrics.csv:11:");
    assert_non_null(tail);
    assert_string_equal(tail, "metrics.csv:11: error: unknown rep_id \"R404\" (not in "
                              "roster.csv)\nkpipress: metrics.csv: error: 3 more rows rejected "
                              "(counted in the summary at the end)\n"
                              "kpipress: metrics.csv: warning: no usable rows in the months used "
                              "(2025-10..2026-06): every KPI will be n/a\n");
    assert_int_equal(diag_status(), 1);
    run_free(&r);
    buf_free(&m);
}

static char *to_gbk(const char *utf8)
{
    iconv_t cd = iconv_open("GBK", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t n = strlen(utf8), room = 2 * n + 1;
    char *out = calloc(1, room + 1), *op = out, *ip = (char *)utf8;
    assert_true(iconv(cd, &ip, &n, &op, &room) != (size_t)-1);
    iconv_close(cd);
    return out;
}

/* [columns] maps Chinese headers; the files are GBK. */
static void test_chinese_headers(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    char *cols[] = {"revenue", "quota", "visits"};
    c.cols = cols;
    c.ncols = 3;
    struct kp_colmap map[] = {
        {"rep_id", "\xE5\xB7\xA5\xE5\x8F\xB7"},              /* 工号 */
        {"period", "\xE6\x9C\x88\xE4\xBB\xBD"},              /* 月份 */
        {"revenue", "\xE9\x94\x80\xE5\x94\xAE\xE9\xA2\x9D"}, /* 销售额 */
    };
    c.colmap = map;
    c.ncolmap = 3;
    c.encoding = "GBK";
    char *roster = to_gbk("\xE5\xB7\xA5\xE5\x8F\xB7,Name,Team,Role\r\nR1,\xE6\x9D\x8E\xE5\x9B\x9B,"
                          "\xE5\x8D\x8E\xE4\xB8\x9C,ae\r\n");
    char *metrics = to_gbk("\xE6\x9C\x88\xE4\xBB\xBD;\xE5\xB7\xA5\xE5\x8F\xB7;"
                           "\xE9\x94\x80\xE5\x94\xAE\xE9\xA2\x9D;Quota;\xE5\xA4\x87\xE6\xB3\xA8\r\n"
                           "2026-05;R1;\xEF\xBF\xA5"
                           "1.234,5;2000;\xE5\xA5\xBD\r\n"
                           "2026-06;R1;x;1;\r\n");
    struct run r;
    c.decimal_comma = 1;
    run(&r, &c, roster, metrics, NULL, 1);
    assert_int_equal(r.rc, 0);
    assert_string_equal(
        r.msgs.s,
        "kpipress: metrics.csv:1: note: columns not in the file: visits (a KPI that needs one "
        "is an error, unless it says missing = allow)\n"
        "kpipress: metrics.csv:1: note: columns not used: \xE5\xA4\x87\xE6\xB3\xA8\n"
        "kpipress: metrics.csv:3: error: bad number \"x\" in column "
        "\xE9\x94\x80\xE5\x94\xAE\xE9\xA2\x9D (revenue)\n");
    assert_rejects(&r.d, "metrics.csv:3:1:bad number \"x\" in column "
                         "\xE9\x94\x80\xE5\x94\xAE\xE9\xA2\x9D (revenue)\n");
    assert_string_equal(r.d.people[0].name, "\xE6\x9D\x8E\xE5\x9B\x9B");
    assert_string_equal(r.d.teams[0], "\xE5\x8D\x8E\xE4\xB8\x9C");
    assert_true(*data_cell(&r.d, 0, 7, 0) == 1234.5);
    assert_true(*data_cell(&r.d, 0, 7, 1) == 2000);
    assert_true(isnan(*data_cell(&r.d, 0, 7, 2)));
    run_free(&r);
    free(roster);
    free(metrics);
}

static void test_whole_file_errors(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    struct run r;

    run(&r, &c, "rep_id,name,team\nR1,A,T\n", NULL, NULL, 0);
    assert_int_equal(r.end[0], -1);
    assert_int_equal(r.rc, -1);
    assert_string_equal(r.msgs.s, "kpipress: roster.csv:1: error: missing required column "
                                  "\"role\" (found: rep_id, name, team)\n");
    assert_int_equal(diag_status(), 2);
    assert_int_equal(r.d.nrejects, 0);
    run_free(&r);

    run(&r, &c, roster_ok, "period,rep_id,revenue,quota,Revenue\n2026-04,R001,1,2,3\n", NULL, 0);
    assert_int_equal(r.end[0], 0);
    assert_int_equal(r.end[1], -1);
    assert_int_equal(r.rc, -1);
    assert_string_equal(r.msgs.s, "kpipress: metrics.csv:1: error: duplicate columns \"revenue\" "
                                  "(column 3) and \"Revenue\" (column 5)\n");
    assert_int_equal(r.d.nrejects, 0);
    run_free(&r);

    run(&r, &c, "", NULL, NULL, 0);
    assert_int_equal(r.rc, -1);
    assert_string_equal(r.msgs.s, "kpipress: roster.csv: error: the file is empty (no header "
                                  "row)\n");
    run_free(&r);

    run(&r, &c, "\n\n  \n", NULL, NULL, 0);
    assert_string_equal(r.msgs.s, "kpipress: roster.csv: error: the file is empty (no header "
                                  "row)\n");
    run_free(&r);

    run(&r, &c, "rep_id,n\xE4me,team,role\nR1,A,T,ae\n", NULL, NULL, 0);
    assert_string_equal(r.msgs.s, "kpipress: roster.csv:1: error: cannot read the header row: "
                                  "invalid UTF-8 \xE2\x80\x94 is the file GBK? set [input] "
                                  "encoding = GBK\n");
    run_free(&r);

    /* A header only: nobody to review. */
    run(&r, &c, "rep_id,name,team,role\n", NULL, NULL, 0);
    assert_int_equal(r.end[0], 0);
    assert_int_equal(r.rc, -1);
    assert_string_equal(r.msgs.s, "kpipress: roster.csv: error: no usable rows: nobody to "
                                  "review\n");
    run_free(&r);

    c.encoding = "KLINGON-8";
    run(&r, &c, roster_ok, roster_ok, NULL, 0);
    assert_int_equal(r.end[0], -1);
    assert_int_equal(r.rc, -1);
    assert_string_equal(r.msgs.s, "kpipress: roster.csv: error: unknown encoding \"KLINGON-8\" "
                                  "(iconv cannot convert it; names look like GBK, GB18030, "
                                  "UTF-16LE, ISO-8859-1)\n");
    run_free(&r);
}

static void test_row_level_csv_errors(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    struct run r;
    run(&r, &c, roster_ok, MHDR "2026-04,R001,\xFF,1" T12 "2026-04,R002,\"1\n2" T12, NULL, 0);
    assert_rejects(&r.d, "metrics.csv:2:1:invalid UTF-8 \xE2\x80\x94 is the file GBK? set [input] "
                         "encoding = GBK\n"
                         "metrics.csv:3:1:unterminated quoted field: the quote opened on line 3 "
                         "is never closed\n");
    assert_string_equal(r.d.rejects[0].raw, "2026-04,R001,\xEF\xBF\xBD,1,,,,,,,,,,,,");
    assert_int_equal(r.rc, 0);
    run_free(&r);
}

static void test_targets(void **state)
{
    (void)state;
    struct kp_config c;
    cfg_init(&c);
    struct run r;
    run(&r, &c, roster_ok, NULL,
        "rep_id,kpi,target\n"
        "R001,attainment,1.1\n" /* 2 */
        "R999,attainment,1\n"
        "R001,foo,1\n"
        "R001,visits,x\n" /* 5 */
        "R001,attainment,2\n"
        "R002,visits,\n"
        "R002,visits,\"1,500\"\n" /* 8 */
        "R002,attainment,2e15\n",
        0);
    assert_int_equal(r.rc, 0);
    assert_rejects(&r.d,
                   "targets.csv:3:1:unknown rep_id \"R999\" (not in roster.csv)\n"
                   "targets.csv:4:1:unknown kpi \"foo\" (known KPIs: attainment, visits)\n"
                   "targets.csv:5:1:bad number \"x\" in column target\n"
                   "targets.csv:6:1:duplicate target for R001 attainment (first at line 2)\n"
                   "targets.csv:7:1:empty target\n"
                   "targets.csv:9:1:implausible number \"2e15\" in column target (over 1e15)\n");
    struct kp_data *d = &r.d;
    assert_int_equal(d->nkpis, 2);
    int p1 = person(d, "R001"), p2 = person(d, "R002");
    assert_true(d->ptarget[p1 * 2 + 0] == 1.1);
    assert_true(isnan(d->ptarget[p1 * 2 + 1]));
    assert_true(isnan(d->ptarget[p2 * 2 + 0]));
    assert_true(d->ptarget[p2 * 2 + 1] == 1500);
    assert_int_equal(d->inputs[1].used, 2);
    run_free(&r);
}

struct numcase {
    const char *s;
    int dc, rc;
    double v;
};

static void test_number(void **state)
{
    (void)state;
    static const struct numcase ok[] = {
        {"1,234,567.8", 0, 0, 1234567.8},
        {"1234567.8", 0, 0, 1234567.8},
        {"$1,234", 0, 0, 1234},
        {"\xC2\xA5"
         "1,234",
         0, 0, 1234},
        {"\xEF\xBF\xA5 1,234", 0, 0, 1234},
        {"1,234 USD", 0, 0, 1234},
        {"USD 1,234", 0, 0, 1234},
        {"CNY1234", 0, 0, 1234},
        {"rmb 5", 0, 0, 5},
        {"\xE2\x82\xAC"
         "5",
         0, 0, 5},
        {"\xC2\xA3"
         "5.5",
         0, 0, 5.5},
        {"5\xE5\x85\x83", 0, 0, 5},
        {"12.5%", 0, 0, 0.125},
        {"12.5 %", 0, 0, 0.125},
        {"(1,234)", 0, 0, -1234},
        {"($5)", 0, 0, -5},
        {"(12%)", 0, 0, -0.12},
        {"-7", 0, 0, -7},
        {"+7", 0, 0, 7},
        {" 42 ", 0, 0, 42},
        {"\xC2\xA0"
         "42\xE3\x80\x80",
         0, 0, 42},
        {"-$5", 0, 0, -5},
        {"$-5", 0, 0, -5},
        {"- $5", 0, 0, -5},
        {"1.5e3", 0, 0, 1500},
        {"1.5E-3", 0, 0, 0.0015},
        {"0.5", 0, 0, 0.5},
        {".5", 0, 0, 0.5},
        {"5.", 0, 0, 5},
        {"007", 0, 0, 7},
        {"1,234", 0, 0, 1234},
        {"1.234", 0, 0, 1.234},
        {"1.234", 1, 0, 1234},
        {"1.234,5", 1, 0, 1234.5},
        {"1234,5", 1, 0, 1234.5},
        {"12,5%", 1, 0, 0.125},
        {"-0", 0, 0, 0},
        {"1e-400", 0, 0, 0},
    };
    for (size_t i = 0; i < KP_NELEM(ok); i++) {
        double v = -999;
        int rc = ingest_number(ok[i].s, ok[i].dc, &v);
        if (rc != 0 || v != ok[i].v)
            fail_msg("\"%s\" (decimal_comma %d): rc %d, %.17g, want %.17g", ok[i].s, ok[i].dc, rc,
                     v, ok[i].v);
    }
    double z = 1;
    assert_int_equal(ingest_number("-0", 0, &z), 0);
    assert_false(signbit(z));
    static const char *const bad[] = {
        "NaN",     "nan",   "inf",      "-inf",   "Infinity", "0x10",   "0x1p3", "1.2.3",
        "12,3x",   "12,3",  "1,23,456", ",123",   "1,2345",   "1234,5", "$",     "%",
        "()",      "(-5)",  "--5",      "+-5",    "1e400",    "1e",     "e5",    "5-",
        "1,234e3", "1 234", "abc",      "#N/A",   "$$5",      "5%%",    "(5",    "\xEF\xBC\x95",
        "-",       ".",     "1..2",     "1,,234", "12a",      "\xFF",
    };
    for (size_t i = 0; i < KP_NELEM(bad); i++) {
        double v = -999;
        int rc = ingest_number(bad[i], 0, &v);
        if (rc != -1 || v != -999)
            fail_msg("\"%s\": rc %d, %.17g, want rejected", bad[i], rc, v);
    }
    assert_int_equal(ingest_number("1.234,5", 0, &z), -1);
    assert_int_equal(ingest_number("1,5,5", 1, &z), -1);
    struct kp_buf big = {0};
    for (int i = 0; i < 400; i++)
        buf_addc(&big, '9');
    assert_int_equal(ingest_number(big.s, 0, &z), -1); /* too long to be a figure */
    buf_free(&big);
    static const char *const missing[] = {"", " ", "\t \xC2\xA0"};
    for (size_t i = 0; i < KP_NELEM(missing); i++) {
        double v = -999;
        assert_int_equal(ingest_number(missing[i], 0, &v), 1);
        assert_true(v == -999);
    }
}

UNIT_MAIN(cmocka_unit_test(test_roster), cmocka_unit_test(test_roster_keep_cols),
          cmocka_unit_test(test_rejected_person), cmocka_unit_test(test_metrics),
          cmocka_unit_test(test_date_format),
          cmocka_unit_test(test_outside_only), cmocka_unit_test(test_after_as_of),
          cmocka_unit_test(test_nearest), cmocka_unit_test(test_many_rejects),
          cmocka_unit_test(test_chinese_headers), cmocka_unit_test(test_whole_file_errors),
          cmocka_unit_test(test_row_level_csv_errors), cmocka_unit_test(test_targets),
          cmocka_unit_test(test_number))
