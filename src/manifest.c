/* manifest — see manifest.h. (First step: SHA256SUMS; manifest.json lands
 * with the archive.) */
#include "manifest.h"

#include "sys.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct kp_doc_entry *)a)->path, ((const struct kp_doc_entry *)b)->path);
}

int manifest_write(const char *outdir, const struct kp_config *cfg, const struct kp_meta *meta,
                   struct kp_doc_entry *docs, size_t ndocs)
{
    (void)cfg, (void)meta;
    qsort(docs, ndocs, sizeof *docs, by_path);
    struct kp_buf b = {0};
    for (size_t i = 0; i < ndocs; i++)
        buf_printf(&b, "%s  %s\n", docs[i].sha256, docs[i].path);
    char *p = path_join(outdir, "SHA256SUMS");
    int rc = sys_write_atomic(p, b.s ? b.s : "", b.len);
    free(p);
    buf_free(&b);
    return rc;
}
