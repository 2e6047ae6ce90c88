/* chart — see chart.h. */
#include "chart.h"

#include "diag.h"
#include "lang.h"
#include "svg.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 5000
/* A gnuplot that never answers costs its timeout per chart: 4 charts a
 * person, 5 s each, for a whole batch. After this many timeouts in a row
 * the charts of this process are given up (each still says why). */
#define MAX_HANGS 3
#define CLAMP 1e15

const char *const kp_chart_names[KP_NCHART_TYPES] = {
    "revenue", "attainment", "kpis", "funnel", "distribution", "ranked", "teams",
};

const char kp_gnuplot_missing[] =
    "gnuplot is not installed: apt-get install gnuplot-nox, or run with --no-charts";

struct kp_gnuplot {
    char *program;
    pid_t pid;
    int to, from; /* its stdin, its stderr */
    int timeout_ms;
    unsigned long seq;
    long charts, failures, starts;
    int hangs;         /* timeouts in a row: at MAX_HANGS no chart is tried */
    struct kp_buf in;  /* stderr read and not yet used */
    struct kp_buf why; /* the last failure */
    char *svg;         /* the last chart's svg */
    size_t svg_len;
    void (*log)(void *arg, const char *line);
    void *log_arg;
};

/* One chart on its way through gnuplot. */
struct job {
    const struct kp_chart_style *st;
    double w, h;
    struct kp_buf data; /* the rows of the data block */
    struct kp_buf cmds; /* settings and the plot */
    double yscale;
    double room;      /* the room left for names (points) */
    double name_room; /* as asked for (kp_chart_box) */
};

int chart_type_find(const char *name)
{
    for (int i = 0; i < KP_NCHART_TYPES; i++)
        if (str_eq(name, kp_chart_names[i]))
            return i;
    return -1;
}

void chart_style_default(struct kp_chart_style *st)
{
    st->accent = 0x1f4e79;
    st->second = 0x9aa5b1;
    st->positive = 0x1a7f37;
    st->negative = 0xc0392b;
    st->target = 0x33404d;
    st->grid = 0xdde3e9;
    st->band = 0xeef2f6;
    st->axis = 0x5b6670;
    st->text = 0x33404d;
    st->font_size = 7;
    st->line_width = 1.5;
}

/* A copy of the style that gnuplot can take as it is: colours within 24
 * bits, sizes finite and sensible (a theme may say anything). NULL: the
 * defaults. */
static const struct kp_chart_style *style_clean(const struct kp_chart_style *st,
                                                struct kp_chart_style *out)
{
    struct kp_chart_style d;
    chart_style_default(&d);
    *out = st ? *st : d;
    uint32_t *c[] = {&out->accent, &out->second, &out->positive, &out->negative, &out->target,
                     &out->grid,   &out->band,   &out->axis,     &out->text};
    for (size_t i = 0; i < KP_NELEM(c); i++)
        *c[i] &= 0xFFFFFF;
    if (!(out->font_size >= 3 && out->font_size <= 48))
        out->font_size = d.font_size;
    if (!(out->line_width >= 0.1 && out->line_width <= 10))
        out->line_width = d.line_width;
    return out;
}

/* ---- the data block ---- */

void chart_data_num(struct kp_buf *b, double v)
{
    if (!isfinite(v)) {
        buf_adds(b, "NaN ");
        return;
    }
    v = v > CLAMP ? CLAMP : v < -CLAMP ? -CLAMP : v;
    buf_printf(b, "%.10g ", v == 0 ? 0.0 : v);
}

/* A bar label's decimals under the display rule (lang_decimals_vs): a bar
 * that is not at 100 never reads "100". Written as a data column. */
static void data_label_decimals(struct kp_buf *b, double v)
{
    chart_data_num(b, isfinite(v) ? lang_decimals_vs(v, 100, 0) : 0);
}

/* The gnuplot expression of a label: column val with the decimals of
 * column dec, "%" after it when percent. */
static char *label_expr(int val, int dec, int percent)
{
    return xasprintf("sprintf(sprintf('%%%%.%%df%s', $%d), $%d)", percent ? "%%%%" : "", dec, val);
}

void chart_data_month(struct kp_buf *b, kp_month m)
{
    char s[8];
    if (m < 1900 * 12 || m > 9999 * 12 + 11) {
        buf_adds(b, "NaN ");
        return;
    }
    month_format(m, s);
    buf_printf(b, "%s ", s);
}

void chart_data_eol(struct kp_buf *b)
{
    if (b->len > 0 && b->s[b->len - 1] == ' ')
        b->len--, b->s[b->len] = '\0';
    buf_addc(b, '\n');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A number as chart_data_num writes it: NaN, or -?d+(.d+)?(e[+-]d+)? */
static int token_number(const char *s, size_t n)
{
    size_t i = 0, d = 0;
    if (n == 3 && memcmp(s, "NaN", 3) == 0)
        return 1;
    if (i < n && s[i] == '-')
        i++;
    for (; i < n && is_digit(s[i]); i++)
        d++;
    if (i < n && s[i] == '.') {
        size_t f = 0;
        for (i++; i < n && is_digit(s[i]); i++)
            f++;
        if (!f)
            return 0;
    }
    if (d && i < n && s[i] == 'e') {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = 0;
        for (; i < n && is_digit(s[i]); i++)
            e++;
        if (!e)
            return 0;
    }
    return d > 0 && i == n;
}

static int token_month(const char *s, size_t n)
{
    if (n != 7 || s[4] != '-')
        return 0;
    for (size_t i = 0; i < 7; i++)
        if (i != 4 && !is_digit(s[i]))
            return 0;
    kp_month m;
    char tmp[8];
    memcpy(tmp, s, 7);
    tmp[7] = '\0';
    return month_parse(tmp, &m) == 0;
}

int chart_data_safe(const char *block, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && block[end] != '\n')
            end++;
        if (end == n) /* every row ends with a newline */
            return 0;
        int first = 1;
        for (size_t t = i; t <= end;) {
            size_t e = t;
            while (e < end && block[e] != ' ')
                e++;
            if (!(token_number(block + t, e - t) || (!first && token_month(block + t, e - t))))
                return 0;
            first = 0;
            t = e + 1;
        }
        i = end + 1;
    }
    return 1;
}

/* ---- the process ---- */

static void log_default(void *arg, const char *line)
{
    (void)arg;
    diag(KP_NOTE, NULL, 0, 0, "gnuplot: %s", line);
}

struct kp_gnuplot *gnuplot_new(const char *program)
{
    struct kp_gnuplot *gp = xcalloc(1, sizeof *gp);
    gp->program = xstrdup(program ? program : "gnuplot");
    gp->pid = -1;
    gp->to = gp->from = -1;
    gp->timeout_ms = DEFAULT_TIMEOUT_MS;
    gp->log = log_default;
    buf_adds(&gp->why, "");
    return gp;
}

static void gp_stop(struct kp_gnuplot *gp, int force)
{
    if (gp->pid <= 0)
        return;
    sys_close(gp->to);
    sys_close(gp->from);
    if (force || sys_reap(gp->pid, 200) != 0)
        sys_kill(gp->pid);
    gp->pid = -1;
    gp->to = gp->from = -1;
    buf_reset(&gp->in);
}

void gnuplot_free(struct kp_gnuplot *gp)
{
    if (!gp)
        return;
    gp_stop(gp, 0);
    buf_free(&gp->in);
    buf_free(&gp->why);
    free(gp->svg);
    free(gp->program);
    free(gp);
}

void gnuplot_set_timeout(struct kp_gnuplot *gp, int ms)
{
    gp->timeout_ms = ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
}

void gnuplot_set_log(struct kp_gnuplot *gp, void (*log)(void *arg, const char *line), void *arg)
{
    gp->log = log ? log : log_default;
    gp->log_arg = arg;
}

const char *gnuplot_error(const struct kp_gnuplot *gp)
{
    return gp->why.s;
}

const char *gnuplot_last_svg(const struct kp_gnuplot *gp, size_t *n)
{
    *n = gp->svg ? gp->svg_len : 0;
    return gp->svg;
}

void gnuplot_stats(const struct kp_gnuplot *gp, long *charts, long *failures, long *starts)
{
    *charts = gp->charts;
    *failures = gp->failures;
    *starts = gp->starts;
}

int chart_check_gnuplot(void)
{
    if (sys_have_program("gnuplot"))
        return 0;
    diag_fatal("%s", kp_gnuplot_missing);
    return -1;
}

static int gp_fail(struct kp_gnuplot *gp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int gp_fail(struct kp_gnuplot *gp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    buf_reset(&gp->why);
    buf_adds(&gp->why, msg);
    free(msg);
    gp->failures++;
    return -1;
}

static int gp_start(struct kp_gnuplot *gp)
{
    char *argv[] = {gp->program, "-d", NULL};
    gp->pid = sys_spawn(argv, &gp->to, &gp->from);
    if (gp->pid < 0)
        return gp_fail(gp, "cannot start %s: %s", gp->program, strerror(errno));
    gp->starts++;
    buf_reset(&gp->in);
    return 0;
}

/* Read stderr until a line that is exactly `sentinel`. 0 found (gp->in
 * holds what came before it), -1 end of file, -2 timeout, -3 more than
 * 1 MiB of messages. */
static int gp_read_until(struct kp_gnuplot *gp, const char *sentinel, double deadline)
{
    size_t sl = strlen(sentinel), from = 0;
    char chunk[4096];
    for (;;) {
        for (const char *p = gp->in.s ? gp->in.s + from : NULL; p && (p = strstr(p, sentinel)); p++)
            if ((p == gp->in.s || p[-1] == '\n') && p[sl] == '\n') {
                gp->in.len = (size_t)(p - gp->in.s);
                gp->in.s[gp->in.len] = '\0';
                return 0;
            }
        from = gp->in.len > sl ? gp->in.len - sl : 0; /* scan only what is new */
        int left = (int)(deadline - sys_clock_ms());
        if (left <= 0)
            return -2;
        ssize_t r = sys_read_wait(gp->from, chunk, sizeof chunk, left);
        if (r == -2)
            return -2;
        if (r <= 0)
            return -1;
        buf_add(&gp->in, chunk, (size_t)r);
        if (gp->in.len > (1u << 20)) /* a flood of messages */
            return -3;
    }
}

/* What gnuplot said before the sentinel: values line (prefix vtag) into v,
 * everything else to the log; the first message line into first. */
static int gp_messages(struct kp_gnuplot *gp, const char *vtag, double v[11], struct kp_buf *first)
{
    int nv = 0;
    for (char *line = gp->in.s, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (str_has_prefix(line, vtag)) {
            char *s = line + strlen(vtag), *end;
            for (nv = 0; nv < 11; nv++, s = end) {
                v[nv] = strtod(s, &end);
                if (end == s || !isfinite(v[nv]))
                    break;
            }
            continue;
        }
        char *t = str_trim(line);
        if (!*t || strcmp(t, "^") == 0)
            continue;
        gp->log(gp->log_arg, t);
        if (first->len == 0 || (strstr(t, "line ") && !strstr(first->s, "line ")))
            buf_reset(first), buf_adds(first, t);
    }
    buf_reset(&gp->in);
    return nv == 11 ? 0 : -1;
}

static double font_of(const struct kp_chart_style *st)
{
    return st->font_size;
}

static int path_ok(const char *p)
{
    for (; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || is_digit(*p) ||
              strchr("/._-", *p)))
            return 0;
    return 1;
}

/* The chart's own names: a random sentinel, data-block end marker and the
 * scratch files (script and svg) in the private temporary folder. */
struct run {
    char sentinel[40], marker[40], vtag[44];
    char *script, *svg;
};

/* The per-chart script goes to a file that the pipe `load`s: gnuplot reads
 * its piped stdin one byte per system call, a file in 4 KiB blocks (this
 * halves gnuplot's time per chart). */
static void script(struct kp_buf *s, const struct job *j, const struct run *r)
{
    buf_printf(s, "reset\nset encoding utf8\n"
                  "set terminal svg size %.0f,%.0f fixed font 'Sans,%.2g' noenhanced butt\n"
                  "set output '%s'\n$KPD << %s\n",
               j->w, j->h, font_of(j->st), r->svg, r->marker);
    buf_add(s, j->data.s, j->data.len);
    buf_printf(s, "%s\n", r->marker);
    buf_add(s, j->cmds.s, j->cmds.len);
    buf_printf(s, "unset output\n"
                  "print '%s', GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_TERM_YMIN, "
                  "GPVAL_TERM_YMAX, GPVAL_TERM_XSIZE, GPVAL_TERM_YSIZE, GPVAL_TERM_SCALE, "
                  "GPVAL_X_MIN, GPVAL_X_MAX, GPVAL_Y_MIN, GPVAL_Y_MAX\n",
               r->vtag);
}

/* Have gnuplot load the script, then wait for the sentinel. 0, or -1 (the
 * process is gone). `unset output` again: an error inside a loaded file
 * skips the rest of that file. */
static int gp_exchange(struct kp_gnuplot *gp, const struct run *r)
{
    double deadline = sys_clock_ms() + gp->timeout_ms;
    char *s = xasprintf("load '%s'\nunset output\nundefine $KPD\nprint '%s'\n", r->script,
                        r->sentinel);
    int wrc = sys_write_all(gp->to, s, strlen(s), gp->timeout_ms);
    free(s);
    if (wrc != 0) {
        int e = errno;
        gp_stop(gp, 1);
        gp->hangs += e == ETIMEDOUT;
        return e == ETIMEDOUT
                   ? gp_fail(gp, "gnuplot did not take its input within %d ms", gp->timeout_ms)
                   : gp_fail(gp, "gnuplot stopped reading its input (%s)", strerror(e));
    }
    int rc = gp_read_until(gp, r->sentinel, deadline);
    gp->hangs = rc == -2 ? gp->hangs + 1 : 0;
    if (rc == 0)
        return 0;
    struct kp_buf first = {0};
    double v[11];
    gp_messages(gp, "\001", v, &first); /* log what it said before dying */
    buf_free(&first);
    gp_stop(gp, 1);
    if (rc == -2)
        return gp_fail(gp, "gnuplot did not answer within %d ms; restarted", gp->timeout_ms);
    return rc == -3 ? gp_fail(gp, "gnuplot wrote more than 1 MiB of messages; restarted")
                    : gp_fail(gp, "gnuplot ended unexpectedly; restarted");
}

/* The plot area from the GPVAL values: terminal units -> user units. */
static void set_plot(struct kp_vg *vg, const double v[11], double yscale)
{
    double k = v[4] > 0 ? vg_width(vg) * v[6] / v[4] : 1, h = vg_height(vg);
    struct kp_vg_plot pl = {
        .left = v[0] * k, .right = v[1] * k, .bottom = h - v[2] * k, .top = h - v[3] * k,
        .xmin = v[7], .xmax = v[8], .ymin = v[9], .ymax = v[10], .yscale = yscale,
    };
    vg_set_plot(vg, &pl);
}

static int gp_collect(struct kp_gnuplot *gp, const char *path, const char *vtag, double yscale,
                      struct kp_vg **out)
{
    struct kp_buf first = {0};
    double v[11];
    int have_v = gp_messages(gp, vtag, v, &first) == 0;
    char *data = NULL;
    size_t n = 0;
    int e = sys_read_file(path, &data, &n);
    int rc = -1;
    if (e != 0 || n == 0)
        gp_fail(gp, "gnuplot made no chart%s%s", first.len ? ": " : "", first.len ? first.s : "");
    else if (!have_v)
        gp_fail(gp, "gnuplot did not report the plot area");
    else {
        struct kp_svg_info info;
        char *err = NULL;
        struct kp_vg *vg = svg_parse(data, n, &info, &err);
        if (!vg)
            gp_fail(gp, "cannot read gnuplot's svg: %s", err);
        else if (info.unsupported > 0) {
            gp_fail(gp, "gnuplot's svg holds %s, which the vector replay cannot draw",
                    info.unsupported_what);
            vg_free(vg);
        } else {
            set_plot(vg, v, yscale);
            *out = vg;
            rc = 0;
        }
        free(err);
    }
    free(gp->svg);
    gp->svg = data, gp->svg_len = n;
    buf_free(&first);
    return rc;
}

static int run_init(struct kp_gnuplot *gp, struct run *r, const char *tmp)
{
    snprintf(r->sentinel, sizeof r->sentinel, "KPS%016llx", sys_random64());
    snprintf(r->marker, sizeof r->marker, "KPE%016llx", sys_random64());
    snprintf(r->vtag, sizeof r->vtag, "%sV ", r->sentinel);
    gp->seq++;
    r->script = xasprintf("%s/kp-chart-%ld-%lu.gp", tmp, (long)gp->pid, gp->seq);
    r->svg = xasprintf("%s/kp-chart-%ld-%lu.svg", tmp, (long)gp->pid, gp->seq);
    if (!path_ok(r->svg))
        return gp_fail(gp, "the temporary folder %s has characters gnuplot must not see; set TMPDIR",
                       tmp);
    return 0;
}

/* Plot one job. 0 with *out, or -1 (gp->why says why). */
static int gp_run(struct kp_gnuplot *gp, const struct job *j, struct kp_vg **out)
{
    *out = NULL;
    gp->charts++;
    buf_reset(&gp->why);
    buf_adds(&gp->why, "");
    if (!chart_data_safe(j->data.s ? j->data.s : "", j->data.len))
        return gp_fail(gp, "internal error: a data row that is not numbers and months");
    if (gp->hangs >= MAX_HANGS)
        return gp_fail(gp, "gnuplot did not answer %d times in a row: no more charts are tried",
                       MAX_HANGS);
    const char *tmp = sys_tmpdir();
    if (!tmp)
        return gp_fail(gp, "no temporary folder for the chart");
    if (gp->pid <= 0 && gp_start(gp) != 0)
        return -1;
    struct run r;
    int rc = run_init(gp, &r, tmp);
    if (rc == 0) {
        struct kp_buf s = {0};
        script(&s, j, &r);
        int e = sys_write_scratch(r.script, s.s, s.len);
        buf_free(&s);
        rc = e ? gp_fail(gp, "cannot write %s: %s", r.script, strerror(e)) : gp_exchange(gp, &r);
        sys_remove(r.script);
        if (rc == 0)
            rc = gp_collect(gp, r.svg, r.vtag, j->yscale, out);
        sys_remove(r.svg);
    }
    free(r.script);
    free(r.svg);
    return rc;
}

/* ---- building jobs ---- */

static void job_init(struct job *j, const struct kp_chart_style *st, const struct kp_chart_box *b)
{
    memset(j, 0, sizeof *j);
    j->st = st;
    j->w = b && b->w >= 60 && b->w <= 5000 ? b->w : 400;
    j->h = b && b->h >= 40 && b->h <= 5000 ? b->h : 200;
    j->name_room = b && b->name_room > 0 && b->name_room < 5000 ? b->name_room : 0;
    j->yscale = 1;
    buf_adds(&j->data, "");
    buf_adds(&j->cmds, "");
}

static void job_free(struct job *j)
{
    buf_free(&j->data);
    buf_free(&j->cmds);
}

static void cmd(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cmd(struct job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    buf_adds(&j->cmds, s);
    buf_addc(&j->cmds, '\n');
    free(s);
}

/* Axes, tics, grid and fill shared by every chart. gridaxis: "y" or "x". */
static void job_common(struct job *j, const char *gridaxis)
{
    const struct kp_chart_style *st = j->st;
    cmd(j, "set border 3 lc rgb '#%06x' lw 0.5", (unsigned)st->axis);
    cmd(j, "set tics nomirror out scale 0.5 textcolor rgb '#%06x'", (unsigned)st->text);
    cmd(j, "set grid %stics back lc rgb '#%06x' lw 0.5 dt solid", gridaxis, (unsigned)st->grid);
    cmd(j, "unset key");
    cmd(j, "set style fill solid 1.0 noborder");
}

static double font(const struct job *j)
{
    return font_of(j->st);
}

/* Room at the top for the legend our code sets: the plot starts below it. */
static double legend_room(struct job *j)
{
    double r = font(j) * 2.2 + 4;
    cmd(j, "set tmargin at screen %.4f", 1 - r / j->h);
    return r;
}

static void name_room_left(struct job *j)
{
    j->room = fmin(j->name_room > 0 ? j->name_room : 70, j->w * 0.6);
    cmd(j, "set lmargin at screen %.4f", j->room / j->w);
}

static void name_room_below(struct job *j)
{
    j->room = fmin(j->name_room > 0 ? j->name_room : font(j) * 2.6 + 6, j->h * 0.5);
    cmd(j, "set bmargin at screen %.4f", j->room / j->h);
}

/* Run a prepared job (and free it). */
static int job_run(struct kp_gnuplot *gp, struct job *j, struct kp_vg **out)
{
    int rc = gp_run(gp, j, out);
    job_free(j);
    return rc == 0 ? KP_CHART_OK : KP_CHART_FAILED;
}

static int count_finite(const double *v, int n)
{
    int c = 0;
    for (int i = 0; v && i < n; i++)
        c += isfinite(v[i]) != 0;
    return c;
}

static double max_finite(const double *v, int n, double floor)
{
    double m = floor;
    for (int i = 0; v && i < n; i++)
        if (isfinite(v[i]) && v[i] > m)
            m = v[i];
    return fmin(m, CLAMP);
}

/* A top for percent axes: at least 120, 10% headroom, a multiple of 20. */
static double pct_top(double maxv)
{
    double t = ceil(maxv * 1.1 / 20) * 20;
    return t < 120 ? 120 : t;
}

static int bad_input(struct kp_gnuplot *gp, const char *what)
{
    gp->charts++;
    return gp_fail(gp, "invalid chart input: %s", what);
}

static void add_key(struct kp_vg *vg, int series, enum kp_vg_keykind kind, uint32_t color,
                    int dashed, int point)
{
    struct kp_vg_key k = {series, kind, color, dashed, point};
    vg_add_key(vg, &k);
}

static void legend_band(struct kp_vg *vg)
{
    const struct kp_vg_plot *p = vg_plot(vg);
    vg_set_legend(vg, p->left, 0, p->right - p->left, p->top);
}

/* Category slots under the plot at data x = 1..n. */
static void slots_below(struct kp_vg *vg, const struct job *j, int n)
{
    const struct kp_vg_plot *p = vg_plot(vg);
    double step = n > 0 ? (p->right - p->left) / (p->xmax - p->xmin) : 0;
    for (int i = 0; i < n; i++) {
        double x, y;
        vg_map(vg, i + 1, 0, &x, &y);
        struct kp_vg_slot s = {x, p->bottom + 4 + font(j), KP_VG_MIDDLE, fabs(step) * 0.95,
                               font(j)};
        vg_add_slot(vg, &s);
    }
}

/* Name slots left of the plot for rows at data y = n .. 1 (top down). */
static void slots_left(struct kp_vg *vg, const struct job *j, int n)
{
    const struct kp_vg_plot *p = vg_plot(vg);
    for (int i = 0; i < n; i++) {
        double x, y;
        vg_map(vg, 0, n - i, &x, &y);
        struct kp_vg_slot s = {p->left - 5, y + font(j) * 0.35, KP_VG_END, j->room - 10, font(j)};
        vg_add_slot(vg, &s);
    }
}

/* Month tick labels: every k-th month, rotated when they would crowd. */
static void month_tics(struct job *j, int n, char *expr, size_t len)
{
    double fs = font(j), plotw = j->w - 8 * fs;
    int k = 1;
    if (n * 4.8 * fs > plotw) {
        cmd(j, "set xtics rotate by 45 right");
        k = (int)ceil(n * 1.6 * fs / plotw);
    }
    k = k < 1 ? 1 : k;
    snprintf(expr, len, "xtic((int($1) - 1) %% %d == 0 ? strcol(2) : '')", k);
}

/* ---- (1) revenue against quota ---- */

static int monthly_ok(const struct kp_chart_monthly *in)
{
    return in && in->n >= 1 && in->n <= 120 && in->nhist >= 0 && in->nhist <= in->n && in->a;
}

/* The divisor gnuplot's amounts are plotted in (the vg's yscale), so that
 * its ticks fall on round numbers of thousands, millions, billions; the
 * consumer words them (KP_CHART_AMOUNT_MARK). */
static double money_scale(double maxv)
{
    return maxv >= 1e9 ? 1e9 : maxv >= 1e6 ? 1e6 : maxv >= 1e4 ? 1e3 : 1;
}

/* Rows: i, month, a, b (NaN when none), in the window (0/1). */
static void monthly_rows(struct job *j, const struct kp_chart_monthly *in)
{
    for (int i = 0; i < in->n; i++) {
        chart_data_num(&j->data, i + 1);
        chart_data_month(&j->data, in->first + i);
        chart_data_num(&j->data, in->a[i] / j->yscale);
        chart_data_num(&j->data, in->b ? in->b[i] / j->yscale : NAN);
        chart_data_num(&j->data, i >= in->nhist);
        chart_data_eol(&j->data);
    }
}

/* Months 1..n on x with their labels, a legend above. */
static void monthly_axes(struct job *j, const struct kp_chart_monthly *in, char *xt, size_t len)
{
    job_common(j, "y");
    legend_room(j);
    month_tics(j, in->n, xt, len);
    cmd(j, "set xrange [0.5:%d.5]", in->n);
    cmd(j, "set xtics scale 0");
}

static void revenue_job(struct job *j, const struct kp_chart_monthly *in)
{
    const struct kp_chart_style *st = j->st;
    j->yscale = money_scale(fmax(max_finite(in->a, in->n, 0), max_finite(in->b, in->n, 0)));
    monthly_rows(j, in);
    char xt[80];
    monthly_axes(j, in, xt, sizeof xt);
    cmd(j, "set yrange [0:*]");
    cmd(j, "set format y '%%g%c'", KP_CHART_AMOUNT_MARK);
    cmd(j, "set boxwidth 0.7 absolute");
    struct kp_buf p = {0};
    buf_printf(&p, "plot $KPD using 1:(NaN):%s with points", xt);
    if (count_finite(in->a + in->nhist, in->n - in->nhist))
        buf_printf(&p, ", $KPD using 1:($5 > 0 ? $3 : NaN) with boxes lc rgb '#%06x'",
                   (unsigned)st->accent);
    if (count_finite(in->a, in->nhist))
        buf_printf(&p, ", $KPD using 1:($5 > 0 ? NaN : $3) with boxes lc rgb '#%06x'",
                   (unsigned)st->second);
    if (count_finite(in->b, in->n))
        buf_printf(&p,
                   ", $KPD using 1:4 with linespoints lw %.2g dt 2 pt 7 ps 0.45 lc rgb '#%06x'",
                   st->line_width, (unsigned)st->target);
    cmd(j, "%s", p.s);
    buf_free(&p);
}

static void revenue_keys(struct kp_vg *vg, const struct kp_chart_style *st,
                         const struct kp_chart_monthly *in)
{
    legend_band(vg);
    if (count_finite(in->a + in->nhist, in->n - in->nhist))
        add_key(vg, KP_SER_REVENUE, KP_VG_KEY_BOX, st->accent, 0, 0);
    if (count_finite(in->a, in->nhist))
        add_key(vg, KP_SER_REVENUE_HISTORY, KP_VG_KEY_BOX, st->second, 0, 0);
    if (count_finite(in->b, in->n))
        add_key(vg, KP_SER_QUOTA, KP_VG_KEY_LINE, st->target, 1, 1);
}

/* The two monthly charts share everything but their script and legend. */
static int monthly_chart(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                         const struct kp_chart_box *box, const struct kp_chart_monthly *in,
                         struct kp_vg **out,
                         void (*script)(struct job *, const struct kp_chart_monthly *),
                         void (*keys)(struct kp_vg *, const struct kp_chart_style *,
                                      const struct kp_chart_monthly *))
{
    struct kp_chart_style clean;
    struct job j;
    *out = NULL;
    if (!monthly_ok(in))
        return bad_input(gp, "months");
    if (count_finite(in->a, in->n) + count_finite(in->b, in->n) == 0)
        return KP_CHART_EMPTY;
    job_init(&j, style_clean(st, &clean), box);
    script(&j, in);
    int rc = job_run(gp, &j, out);
    if (rc == KP_CHART_OK)
        keys(*out, &clean, in);
    return rc;
}

int chart_revenue(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                  const struct kp_chart_box *box, const struct kp_chart_monthly *in,
                  struct kp_vg **out)
{
    return monthly_chart(gp, st, box, in, out, revenue_job, revenue_keys);
}

/* ---- (2) attainment by month ---- */

static void attainment_job(struct job *j, const struct kp_chart_monthly *in)
{
    const struct kp_chart_style *st = j->st;
    monthly_rows(j, in);
    char xt[80];
    monthly_axes(j, in, xt, sizeof xt);
    double top = pct_top(fmax(max_finite(in->a, in->n, 0), max_finite(in->b, in->n, 0)));
    cmd(j, "set yrange [0:%.6g]", top);
    cmd(j, "set format y '%%g%%%%'");
    if (in->nhist < in->n)
        cmd(j, "set object 1 rect from first %d.5, graph 0 to first %d.5, graph 1 behind "
               "fc rgb '#%06x' fs solid 1.0 noborder",
            in->nhist, in->n, (unsigned)st->band);
    cmd(j, "set arrow 1 from graph 0, first 100 to graph 1, first 100 nohead front "
           "lc rgb '#%06x' lw 1 dt 2",
        (unsigned)st->positive);
    struct kp_buf p = {0};
    buf_printf(&p, "plot $KPD using 1:(NaN):%s with points", xt);
    if (count_finite(in->b, in->n))
        buf_printf(&p, ", $KPD using 1:4 with linespoints lw 1 dt 2 pt 7 ps 0.35 lc rgb '#%06x'",
                   (unsigned)st->second);
    if (count_finite(in->a, in->n))
        buf_printf(&p, ", $KPD using 1:3 with linespoints lw %.2g pt 7 ps 0.5 lc rgb '#%06x'",
                   st->line_width, (unsigned)st->accent);
    cmd(j, "%s", p.s);
    buf_free(&p);
}

static void attainment_keys(struct kp_vg *vg, const struct kp_chart_style *st,
                            const struct kp_chart_monthly *in)
{
    legend_band(vg);
    if (count_finite(in->a, in->n))
        add_key(vg, KP_SER_ATTAINMENT, KP_VG_KEY_LINE, st->accent, 0, 1);
    if (count_finite(in->b, in->n))
        add_key(vg, KP_SER_TEAM, KP_VG_KEY_LINE, st->second, 1, 1);
    add_key(vg, KP_SER_TARGET, KP_VG_KEY_LINE, st->positive, 1, 0);
    if (in->nhist < in->n)
        add_key(vg, KP_SER_WINDOW, KP_VG_KEY_BOX, st->band, 0, 0);
}

int chart_attainment(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                     const struct kp_chart_box *box, const struct kp_chart_monthly *in,
                     struct kp_vg **out)
{
    return monthly_chart(gp, st, box, in, out, attainment_job, attainment_keys);
}

/* ---- (3) KPI points against the team average ---- */

static void kpis_job(struct job *j, const struct kp_chart_kpis *in)
{
    const struct kp_chart_style *st = j->st;
    for (int i = 0; i < in->n; i++) {
        chart_data_num(&j->data, i + 1);
        chart_data_num(&j->data, in->points[i]);
        chart_data_num(&j->data, in->team ? in->team[i] : NAN);
        data_label_decimals(&j->data, in->points[i]);
        chart_data_eol(&j->data);
    }
    job_common(j, "y");
    legend_room(j);
    name_room_below(j);
    double top = pct_top(fmax(max_finite(in->points, in->n, 0), max_finite(in->team, in->n, 0)));
    double off = in->team ? 0.19 : 0;
    cmd(j, "set xrange [0.5:%d.5]", in->n);
    cmd(j, "set yrange [0:%.6g]", top);
    cmd(j, "unset xtics");
    cmd(j, "set boxwidth %.2g absolute", in->team ? 0.36 : 0.6);
    cmd(j, "set arrow 1 from graph 0, first 100 to graph 1, first 100 nohead back "
           "lc rgb '#%06x' lw 1 dt 2",
        (unsigned)st->target);
    struct kp_buf p = {0};
    buf_adds(&p, "plot $KPD using 1:(NaN) with points");
    char *lab = label_expr(2, 4, 0);
    if (count_finite(in->points, in->n))
        buf_printf(&p,
                   ", $KPD using ($1 - %.2g):2 with boxes lc rgb '#%06x'"
                   ", $KPD using ($1 - %.2g):2:(%s) with labels offset 0,0.6 "
                   "textcolor rgb '#%06x'",
                   off, (unsigned)st->accent, off, lab, (unsigned)st->text);
    free(lab);
    if (count_finite(in->team, in->n))
        buf_printf(&p, ", $KPD using ($1 + %.2g):3 with boxes lc rgb '#%06x'", off,
                   (unsigned)st->second);
    cmd(j, "%s", p.s);
    buf_free(&p);
}

int chart_kpis(struct kp_gnuplot *gp, const struct kp_chart_style *st,
               const struct kp_chart_box *box, const struct kp_chart_kpis *in,
               struct kp_vg **out)
{
    struct kp_chart_style clean;
    struct job j;
    *out = NULL;
    if (!in || in->n < 1 || in->n > 40 || !in->points)
        return bad_input(gp, "KPIs");
    int np = count_finite(in->points, in->n), nt = count_finite(in->team, in->n);
    if (np + nt == 0)
        return KP_CHART_EMPTY;
    job_init(&j, style_clean(st, &clean), box);
    kpis_job(&j, in);
    int rc = job_run(gp, &j, out);
    if (rc != KP_CHART_OK)
        return rc;
    legend_band(*out);
    slots_below(*out, &j, in->n);
    if (np)
        add_key(*out, KP_SER_POINTS, KP_VG_KEY_BOX, clean.accent, 0, 0);
    if (nt)
        add_key(*out, KP_SER_TEAM_AVG, KP_VG_KEY_BOX, clean.second, 0, 0);
    add_key(*out, KP_SER_TARGET, KP_VG_KEY_LINE, clean.target, 1, 0);
    return rc;
}

/* ---- (4) funnel ---- */

/* A lighter shade of c: t = 0 c itself, 1 white. */
static uint32_t tint(uint32_t c, double t)
{
    uint32_t r = 0;
    for (int sh = 16; sh >= 0; sh -= 8) {
        double v = (double)((c >> sh) & 0xff);
        r |= (uint32_t)lround(v + (255 - v) * t) << sh;
    }
    return r;
}

/* Rows at y = 3, 2, 1: value, conversion from the stage above (percent),
 * bar colour, the y of the conversion label (NaN: none). Bars are centred on
 * x = 0; counts at their right end, conversions between the bars. */
static void funnel_job(struct job *j, const double v[3])
{
    const struct kp_chart_style *st = j->st;
    for (int i = 0; i < 3; i++) {
        double conv = i > 0 && v[i - 1] > 0 ? 100 * v[i] / v[i - 1] : NAN;
        chart_data_num(&j->data, 3 - i);
        chart_data_num(&j->data, isfinite(v[i]) && v[i] < 0 ? 0 : v[i]);
        chart_data_num(&j->data, conv);
        chart_data_num(&j->data, tint(st->accent, 0.28 * i));
        chart_data_num(&j->data, isfinite(conv) ? 3 - i + 0.5 : NAN);
        chart_data_eol(&j->data);
    }
    cmd(j, "unset border");
    cmd(j, "unset tics");
    cmd(j, "unset key");
    cmd(j, "set style fill solid 1.0 noborder");
    name_room_left(j);
    double maxv = max_finite(v, 3, 0), half = maxv > 0 ? maxv / 2 : 1;
    cmd(j, "set xrange [%.6g:%.6g]", -half * 1.4, half * 1.4);
    cmd(j, "set yrange [0.4:3.6]");
    cmd(j, "plot $KPD using (0):1:($2 / 2):(0.3):4 with boxxyerror lc rgb variable, "
           "$KPD using ($2 / 2):1:(sprintf('%%.0f', $2)) with labels left offset 0.6,0 "
           "textcolor rgb '#%06x', "
           "$KPD using (0):5:(sprintf('%%.0f%%%%', $3)) with labels center "
           "textcolor rgb '#%06x'",
        (unsigned)st->text, (unsigned)st->second);
}

int chart_funnel(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                 const struct kp_chart_box *box, const struct kp_chart_funnel *in,
                 struct kp_vg **out)
{
    struct kp_chart_style clean;
    struct job j;
    *out = NULL;
    if (!in)
        return bad_input(gp, "funnel");
    double v[3] = {in->visits, in->opportunities, in->won};
    if (count_finite(v, 3) == 0)
        return KP_CHART_EMPTY;
    job_init(&j, style_clean(st, &clean), box);
    funnel_job(&j, v);
    int rc = job_run(gp, &j, out);
    if (rc == KP_CHART_OK)
        slots_left(*out, &j, 3);
    return rc;
}

/* ---- (5) distribution of composite scores ---- */

/* People per bin of width bin from 0 to nb * bin (the last bin takes the
 * rest); rows: bin centre, count. Returns the largest count. */
static long distribution_rows(struct job *j, const struct kp_chart_distribution *in, double bin,
                              int nb)
{
    long *count = xcalloc((size_t)nb, sizeof *count), maxc = 0;
    for (int i = 0; i < in->n; i++) {
        double s = in->scores[i];
        if (!isfinite(s))
            continue;
        int b = s <= 0 ? 0 : (int)fmin(floor(s / bin), nb - 1);
        maxc = ++count[b] > maxc ? count[b] : maxc;
    }
    for (int b = 0; b < nb; b++) {
        chart_data_num(&j->data, (b + 0.5) * bin);
        chart_data_num(&j->data, (double)count[b]);
        chart_data_eol(&j->data);
    }
    free(count);
    return maxc;
}

static void distribution_job(struct job *j, const struct kp_chart_distribution *in)
{
    const struct kp_chart_style *st = j->st;
    double bin = in->bin > 0 ? in->bin : 10;
    double hi = fmax(100, ceil(max_finite(in->scores, in->n, 0) / bin) * bin);
    int nb = (int)fmin(ceil(hi / bin), 200);
    long maxc = distribution_rows(j, in, bin, nb);
    job_common(j, "y");
    if (isfinite(in->mark))
        legend_room(j);
    cmd(j, "set xrange [0:%.6g]", nb * bin);
    cmd(j, "set yrange [0:%.6g]", ceil(maxc * 1.15) + (maxc < 4));
    cmd(j, "set xtics 0, %.6g, %.6g scale 0.5", bin, nb * bin);
    cmd(j, "set ytics %ld", maxc > 5 ? (long)ceil(maxc / 5.0) : 1L);
    cmd(j, "set boxwidth %.6g absolute", bin * 0.9);
    if (isfinite(in->mark)) {
        double m = fmin(fmax(in->mark, 0), nb * bin);
        cmd(j, "set arrow 1 from first %.6g, graph 0 to first %.6g, graph 1 nohead front "
               "lc rgb '#%06x' lw 1.2 dt 2",
            m, m, (unsigned)st->target);
    }
    cmd(j, "plot $KPD using 1:2 with boxes lc rgb '#%06x'", (unsigned)st->accent);
}

int chart_distribution(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                       const struct kp_chart_box *box, const struct kp_chart_distribution *in,
                       struct kp_vg **out)
{
    struct kp_chart_style clean;
    struct job j;
    *out = NULL;
    if (!in || in->n < 0 || in->n > 1000000 || (in->n > 0 && !in->scores) || in->bin < 0)
        return bad_input(gp, "scores");
    if (count_finite(in->scores, in->n) == 0)
        return KP_CHART_EMPTY;
    job_init(&j, style_clean(st, &clean), box);
    distribution_job(&j, in);
    int rc = job_run(gp, &j, out);
    if (rc != KP_CHART_OK)
        return rc;
    add_key(*out, KP_SER_PEOPLE, KP_VG_KEY_BOX, clean.accent, 0, 0);
    if (isfinite(in->mark)) {
        legend_band(*out);
        add_key(*out, KP_SER_MARK, KP_VG_KEY_LINE, clean.target, 1, 0);
    }
    return rc;
}

/* ---- (6) members ranked ---- */

/* Rows at y = n .. 1 (rank order top down): attainment, bar colour. Returns
 * how many are at or above 100%. */
static int ranked_rows(struct job *j, const struct kp_chart_ranked *in)
{
    int hit = 0;
    for (int i = 0; i < in->n; i++) {
        double a = in->attainment[i];
        int at = isfinite(a) && a >= 100;
        hit += at;
        chart_data_num(&j->data, in->n - i);
        chart_data_num(&j->data, isfinite(a) && a < 0 ? 0 : a);
        chart_data_num(&j->data, at ? j->st->positive : j->st->accent);
        data_label_decimals(&j->data, a);
        chart_data_eol(&j->data);
    }
    return hit;
}

static void ranked_job(struct job *j, const struct kp_chart_ranked *in)
{
    const struct kp_chart_style *st = j->st;
    job_common(j, "x");
    cmd(j, "set border 1 lc rgb '#%06x' lw 0.5", (unsigned)st->axis);
    legend_room(j);
    name_room_left(j);
    cmd(j, "set xrange [0:%.6g]", pct_top(max_finite(in->attainment, in->n, 0)));
    cmd(j, "set yrange [0.5:%d.5]", in->n);
    cmd(j, "unset ytics");
    cmd(j, "set format x '%%g%%%%'");
    cmd(j, "set arrow 1 from first 100, graph 0 to first 100, graph 1 nohead back "
           "lc rgb '#%06x' lw 1 dt 2",
        (unsigned)st->target);
    char *lab = label_expr(2, 4, 1);
    cmd(j, "plot $KPD using ($2 / 2):1:($2 / 2):(0.35):3 with boxxyerror lc rgb variable, "
           "$KPD using 2:1:(%s) with labels left offset 0.4,0 textcolor rgb '#%06x'",
        lab, (unsigned)st->text);
    free(lab);
}

int chart_ranked(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                 const struct kp_chart_box *box, const struct kp_chart_ranked *in,
                 struct kp_vg **out)
{
    struct kp_chart_style clean;
    struct job j;
    *out = NULL;
    if (!in || in->n < 1 || in->n > 500 || !in->attainment)
        return bad_input(gp, "members");
    int na = count_finite(in->attainment, in->n);
    if (na == 0)
        return KP_CHART_EMPTY;
    job_init(&j, style_clean(st, &clean), box);
    int hit = ranked_rows(&j, in);
    ranked_job(&j, in);
    int rc = job_run(gp, &j, out);
    if (rc != KP_CHART_OK)
        return rc;
    legend_band(*out);
    slots_left(*out, &j, in->n);
    if (na > hit)
        add_key(*out, KP_SER_ATTAINMENT, KP_VG_KEY_BOX, clean.accent, 0, 0);
    if (hit)
        add_key(*out, KP_SER_AT_TARGET, KP_VG_KEY_BOX, clean.positive, 0, 0);
    add_key(*out, KP_SER_TARGET, KP_VG_KEY_LINE, clean.target, 1, 0);
    return rc;
}

/* ---- (7) team against team ---- */

static void teams_job(struct job *j, const struct kp_chart_teams *in)
{
    const struct kp_chart_style *st = j->st;
    for (int i = 0; i < in->n; i++) {
        chart_data_num(&j->data, i + 1);
        chart_data_num(&j->data, in->values[i]);
        chart_data_num(&j->data, i == in->highlight ? st->accent : st->second);
        data_label_decimals(&j->data, in->percent ? in->values[i] : NAN);
        chart_data_eol(&j->data);
    }
    job_common(j, "y");
    legend_room(j);
    name_room_below(j);
    int ref = isfinite(in->reference);
    double maxv = fmax(max_finite(in->values, in->n, 0), ref ? fmin(in->reference, CLAMP) : 0);
    cmd(j, "set xrange [0.5:%d.5]", in->n);
    cmd(j, "set yrange [0:%.6g]", in->percent ? pct_top(maxv) : maxv > 0 ? maxv * 1.15 : 1);
    if (in->percent)
        cmd(j, "set format y '%%g%%%%'");
    cmd(j, "unset xtics");
    cmd(j, "set boxwidth 0.6 absolute");
    if (ref)
        cmd(j, "set arrow 1 from graph 0, first %.6g to graph 1, first %.6g nohead back "
               "lc rgb '#%06x' lw 1 dt 2",
            fmin(in->reference, CLAMP), fmin(in->reference, CLAMP), (unsigned)st->target);
    char *lab = label_expr(2, 4, in->percent);
    cmd(j, "plot $KPD using 1:2:3 with boxes lc rgb variable, "
           "$KPD using 1:2:(%s) with labels offset 0,0.6 textcolor rgb '#%06x'",
        lab, (unsigned)st->text);
    free(lab);
}

int chart_teams(struct kp_gnuplot *gp, const struct kp_chart_style *st,
                const struct kp_chart_box *box, const struct kp_chart_teams *in,
                struct kp_vg **out)
{
    struct kp_chart_style clean;
    struct job j;
    *out = NULL;
    if (!in || in->n < 1 || in->n > 60 || !in->values || in->highlight >= in->n)
        return bad_input(gp, "teams");
    if (count_finite(in->values, in->n) == 0)
        return KP_CHART_EMPTY;
    job_init(&j, style_clean(st, &clean), box);
    teams_job(&j, in);
    int rc = job_run(gp, &j, out);
    if (rc != KP_CHART_OK)
        return rc;
    legend_band(*out);
    slots_below(*out, &j, in->n);
    if (in->n > 1 || in->highlight < 0)
        add_key(*out, KP_SER_OTHER_TEAMS, KP_VG_KEY_BOX, clean.second, 0, 0);
    if (in->highlight >= 0)
        add_key(*out, KP_SER_OWN_TEAM, KP_VG_KEY_BOX, clean.accent, 0, 0);
    if (isfinite(in->reference))
        add_key(*out, KP_SER_REFERENCE, KP_VG_KEY_LINE, clean.target, 1, 0);
    return rc;
}
