/* config — see config.h. (Skeleton: accessors only; the loader lands next.) */
#include "config.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const kp_format_names[] = {"percent", "number", "currency", "days", "score"};

const char *text_get(const struct kp_text *t, size_t n, const char *lang, const char *fallback)
{
    for (size_t i = 0; i < n; i++)
        if (str_eq(t[i].lang, lang))
            return t[i].text;
    for (size_t i = 0; i < n; i++)
        if (str_eq(t[i].lang, "en"))
            return t[i].text;
    return n ? t[0].text : fallback;
}

const char *config_header_for(const struct kp_config *c, const char *canon)
{
    for (size_t i = 0; i < c->ncolmap; i++)
        if (strcmp(c->colmap[i].canon, canon) == 0)
            return c->colmap[i].header;
    return canon;
}

int config_find_kpi(const struct kp_config *c, const char *id)
{
    for (size_t i = 0; i < c->nkpis; i++)
        if (strcmp(c->kpis[i].id, id) == 0)
            return (int)i;
    return -1;
}

int config_find_role(const struct kp_config *c, const char *id)
{
    for (size_t i = 0; i < c->nroles; i++)
        if (strcmp(c->roles[i].id, id) == 0)
            return (int)i;
    return -1;
}
