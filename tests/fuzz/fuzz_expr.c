/* fuzz_expr — the KPI formula language (expr.h).
 *
 * Input: the formula text. A formula that parses is evaluated without data
 * and with aggregates made from the input's hash (zeros, NaN, huge and tiny
 * values among them), and its helpers are called. expr_explain's text must
 * parse back to the same tree: explaining the re-parsed formula gives the
 * same text again. A formula that does not parse must say where (a column
 * within the text) and why. */
#include "fuzz.h"

#include "expr.h"
#include "model.h"

#include <math.h>

static const char *const cols[] = {"revenue", "quota", "won", "lost", "opportunities",
                                   "visits", "csat", "partners", "x", "_y2"};
static const char *const kpis[] = {"attainment", "win_rate", "csat"};
#define NCOLS (sizeof cols / sizeof cols[0])
#define NKPIS (sizeof kpis / sizeof kpis[0])

static double group(void *arg, enum kp_group_fn fn, int kpi)
{
    FUZZ_CHECK(kpi >= 0 && (size_t)kpi < NKPIS, "group function on KPI %d", kpi);
    double v = *(double *)arg;
    return fn == KP_GROUP_AT_TARGET ? 0.5 : v;
}

static double pick(uint64_t *h)
{
    static const double v[] = {0, 1, -1, 0.5, 3, 1e308, -1e308, 1e-308, 7e15, NAN, 2, 100};
    *h = *h * 6364136223846793005ULL + 1442695040888963407ULL;
    return v[(*h >> 33) % (sizeof v / sizeof v[0])];
}

static void check_explain(const struct kp_expr *e, const char *src)
{
    struct kp_buf a = {0}, b = {0};
    expr_explain(e, NULL, cols, &a);
    struct kp_expr_err err;
    struct kp_expr *again = expr_parse(a.s, cols, NCOLS, kpis, NKPIS, &err);
    FUZZ_CHECK(again != NULL, "explain of \"%s\" is \"%s\", which does not parse: col %zu: %s",
               src, a.s, err.col, err.msg);
    expr_explain(again, NULL, cols, &b);
    FUZZ_CHECK(strcmp(a.s, b.s) == 0, "\"%s\" explains as \"%s\", then as \"%s\"", src, a.s, b.s);
    expr_free(again);
    buf_free(&a);
    buf_free(&b);
}

static void use(const struct kp_expr *e, const char *src, uint64_t h)
{
    struct kp_colagg agg[NCOLS];
    for (size_t i = 0; i < NCOLS; i++) {
        agg[i].sum = pick(&h), agg[i].min = pick(&h), agg[i].max = pick(&h);
        agg[i].first = pick(&h), agg[i].last = pick(&h);
        agg[i].n = (long)(h % 4);
    }
    double gv = pick(&h);
    struct kp_eval_ctx ctx = {agg, group, &gv, NULL};
    double v0 = expr_eval(e, NULL), v1 = expr_eval(e, &ctx);
    FUZZ_CHECK(!isinf(v0) && !isinf(v1), "\"%s\" evaluates to %g / %g", src, v0, v1);
    struct kp_buf out = {0};
    expr_explain(e, &ctx, cols, &out);
    buf_free(&out);
    check_explain(e, src);
    const struct kp_expr *d = expr_divisor(e), *n = expr_dividend(e);
    if (d)
        (void)expr_eval(d, &ctx);
    if (n)
        (void)expr_eval(n, &ctx);
    (void)expr_is_additive(e);
    (void)expr_uses_group(e);
    (void)expr_single_column(e);
    int gk[8];
    size_t ng = expr_group_kpis(e, gk, 8);
    for (size_t i = 0; i < ng; i++)
        FUZZ_CHECK(gk[i] >= 0 && (size_t)gk[i] < NKPIS, "group KPI %d", gk[i]);
    size_t ck[NCOLS];
    size_t nc = expr_columns(e, ck, NCOLS);
    for (size_t i = 0; i < nc; i++)
        FUZZ_CHECK(ck[i] < NCOLS && (i == 0 || ck[i] > ck[i - 1]), "column %zu", ck[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    fuzz_quiet();
    char *src = fuzz_str(data, size);
    struct kp_expr_err err;
    memset(&err, 0, sizeof err);
    struct kp_expr *e = expr_parse(src, cols, NCOLS, kpis, NKPIS, &err);
    if (e) {
        use(e, src, hash64(data, size));
        expr_free(e);
    } else {
        size_t len = utf8_valid(src, strlen(src)) ? utf8_count(src) : strlen(src);
        FUZZ_CHECK(err.msg[0] != '\0', "\"%s\" refused without a reason", src);
        FUZZ_CHECK(err.col >= 1 && err.col <= len + 1, "\"%s\": column %zu of %zu", src, err.col,
                   len);
        FUZZ_CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL, "message not terminated");
    }
    free(src);
    return 0;
}
