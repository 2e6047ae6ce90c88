/* lang — a document language: the texts of templates/<lang>/labels.ini and
 * the number, currency and date formats of templates/<lang>/locale.ini.
 * Adding a language is adding a folder under templates/.
 *
 * lang_load() reads the two files (ini.h reports syntax errors with file and
 * line) and checks them against English: a key English has and this language
 * lacks, or a key English does not know, is an error with file and line.
 * The struct owns everything (lang_free).
 *
 * Formatting is pure and takes a value in machine form (0.875 for 87.5%). */
#ifndef KP_LANG_H
#define KP_LANG_H

#include "config.h"

#include <stddef.h>

struct kp_buf;
struct kp_lang;

/* dir: the templates folder (sys_datadir()/templates). NULL when the folder
 * is missing or a file has errors (reported at KP_FATAL). */
struct kp_lang *lang_load(const char *dir, const char *code);
void lang_free(struct kp_lang *l);
const char *lang_code(const struct kp_lang *l);
/* Does templates/<code>/ exist? */
int lang_exists(const char *dir, const char *code);

/* labels.ini: the text of [sec] key; "" if absent (lang_load made sure it is
 * not, for every key English has). */
const char *lang_text(const struct kp_lang *l, const char *sec, const char *key);
/* All keys of a labels.ini section, in file order (for iteration; owned by l). */
size_t lang_keys(const struct kp_lang *l, const char *sec, const char ***keys);

/* Replace {name} placeholders in tmpl with get(arg, name) (NULL leaves the
 * placeholder as it is); "{{" is a literal "{". Appends to out. */
void lang_fill(struct kp_buf *out, const char *tmpl, const char *(*get)(void *arg, const char *name),
               void *arg);
/* The placeholder names of tmpl, one call per occurrence. */
void lang_placeholders(const char *tmpl, void (*each)(void *arg, const char *name, size_t len),
                       void *arg);

/* Formatting (appending to out). decimals < 0 = the format's default:
 * percent 1, number 0, currency 0, days 0, score 2. */
void lang_number(const struct kp_lang *l, struct kp_buf *out, double v, int decimals);
void lang_value(const struct kp_lang *l, struct kp_buf *out, enum kp_format f, int decimals,
                double v, const char *currency);
/* A large amount abbreviated as the language writes it (locale.ini [number]
 * abbreviations and abbreviate_from): in the unit `of` gets, so that every
 * tick of an axis shares the unit of its largest (of = that tick): en 140k,
 * 1.2M; zh 14万, 1.2亿. Below abbreviate_from, the plain number (5,000); 0
 * without a unit; the decimals it needs, at most 3. The one place numbers are
 * abbreviated (the revenue chart's axis, figure.c). */
void lang_amount(const struct kp_lang *l, struct kp_buf *out, double v, double of);
void lang_percent(const struct kp_lang *l, struct kp_buf *out, double v, int decimals);
void lang_money(const struct kp_lang *l, struct kp_buf *out, double v, const char *currency);
void lang_date(const struct kp_lang *l, struct kp_buf *out, long days);   /* 30 June 2026 */
void lang_month(const struct kp_lang *l, struct kp_buf *out, int month);  /* kp_month: June 2026 */

/* The display rule, the one place it lives: a value that is not its boundary
 * (its target; 100% for an attainment; 100 for points) never prints as the
 * boundary. v is formatted as lang_value would; when that text equals the
 * boundary's text while v differs from it (beyond a relative 1e-9, the
 * tolerance of the status), one more decimal is printed, and another, until
 * they differ (at most 6): 94.96% against 95.0% prints "94.96%", never
 * "95.0%". NaN boundary: plain lang_value. Currency amounts get decimals too. */
/* The decimals the rule gives v (in display units: 99.6 for 99.6%) against
 * boundary, starting from decimals; for text made elsewhere (chart labels). */
int lang_decimals_vs(double v, double boundary, int decimals);
void lang_value_vs(const struct kp_lang *l, struct kp_buf *out, enum kp_format f, int decimals,
                   double v, double boundary, const char *currency);
/* An attainment (value/target, uncapped; 0.996 = 99.6%) as every document
 * shows it: a whole percent under the display rule against 100%. */
void lang_attainment(const struct kp_lang *l, struct kp_buf *out, double ratio);
/* The same, also never printed as `also` (an alert's threshold: "below 90%"
 * never shows a share of 89.96% as "90%"); NaN also: lang_attainment. */
void lang_attainment_vs(const struct kp_lang *l, struct kp_buf *out, double ratio, double also);
void lang_month_short(const struct kp_lang *l, struct kp_buf *out, int month); /* Jun, 6月 */

#endif
