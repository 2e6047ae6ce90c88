/* figure — see figure.h. (Charts land with the chart engine; until then no
 * figures are drawn.) */
#include "figure.h"

#include <stddef.h>

struct kp_figures *figures_new(const struct kp_config *cfg, const struct kp_meta *meta)
{
    (void)cfg, (void)meta;
    return NULL;
}

void figures_free(struct kp_figures *fg)
{
    (void)fg;
}

size_t figures_person_count(const struct kp_figures *fg)
{
    (void)fg;
    return 0;
}

void figures_person(struct kp_figures *fg, struct kp_pdf *doc, const struct kp_lang *lang,
                    size_t i, const struct kp_record *r, const struct kp_record *team, double x,
                    double y, double w, double h)
{
    (void)fg, (void)doc, (void)lang, (void)i, (void)r, (void)team, (void)x, (void)y, (void)w,
        (void)h;
}

void figures_team(struct kp_figures *fg, struct kp_pdf *doc, const struct kp_lang *lang,
                  const struct kp_record *t, const struct kp_record *org,
                  struct kp_record *const *teams, size_t nteams, double *y, double left,
                  double right, double bottom)
{
    (void)fg, (void)doc, (void)lang, (void)t, (void)org, (void)teams, (void)nteams, (void)y,
        (void)left, (void)right, (void)bottom;
}
