/* fuzz_typeset — the documents built from results.json records (typeset.h,
 * pdf.h): what `kpipress render` does with a results.json someone edited,
 * truncated or forged. record.h's reader accepts any record that has the
 * right shape; whatever it accepts must typeset and save.
 *
 * Setup (once): the acme config and its run's metadata (the acme sample
 * computed in memory), English and Chinese loaded, no charts. Input: lines,
 * each a person or team record of that run. Each record read is typeset
 * into a review (a team's into a packet cover) and rendered to PDF bytes in
 * memory (fonts subset, libharu): it succeeds with bytes that start as a
 * PDF, or fails with a message. */
#include "fuzz.h"
#include "sample.h"

#include "compute.h"
#include "config.h"
#include "ingest.h"
#include "lang.h"
#include "model.h"
#include "pdf.h"
#include "record.h"
#include "typeset.h"

static struct kp_config *cfg;
static struct kp_data dat;
static struct kp_compute *comp;
static struct kp_typeset ts;

static void setup(void)
{
    setenv("KPIPRESS_DATADIR", FUZZ_SRCDIR, 1);
    fuzz_quiet();
    cfg = fuzz_sample("acme", &dat, &comp);
    ts.cfg = cfg;
    ts.meta = compute_meta(comp);
    ts.langs = xcalloc(2, sizeof *ts.langs);
    const char *codes[2] = {"en", "zh"};
    for (int i = 0; i < 2; i++)
        if (!(ts.langs[ts.nlangs++] = lang_load(FUZZ_SRCDIR "/templates", codes[i])))
            abort();
    ts.theme.paper = KP_A4;
    ts.theme.accent = KP_RGB(0x1f4e79);
}

static void render(struct kp_pdf *doc)
{
    char *data = NULL;
    size_t len = 0;
    long before = diag_count(KP_ERROR) + diag_count(KP_SYSERR);
    if (pdf_render(doc, "fuzz.pdf", &data, &len) == 0) {
        FUZZ_CHECK(data && len > 8 && memcmp(data, "%PDF-", 5) == 0, "not a PDF");
    } else {
        FUZZ_CHECK(diag_count(KP_ERROR) + diag_count(KP_SYSERR) > before,
                   "render failed without a message");
    }
    free(data);
}

static void typeset(const struct kp_record *r)
{
    struct kp_pdf *doc = pdf_new(ts.theme.paper);
    if (r->kind == KP_REC_PERSON)
        typeset_review(&ts, doc, r, NULL);
    else
        typeset_packet_begin(&ts, doc, r, r->nmembers, NULL, NULL, 0);
    typeset_info(&ts, doc, r);
    char id[24];
    typeset_docid(&ts, r, id);
    FUZZ_CHECK(memchr(id, '\0', sizeof id) != NULL, "document id not terminated");
    render(doc);
    pdf_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    if (!cfg)
        setup();
    fuzz_quiet();
    char *text = fuzz_str(data, size), *line = text;
    for (int n = 0; line && n < 4; n++) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char err[256];
        struct kp_record *r = record_read_json(line, ts.meta, err, sizeof err);
        if (r) {
            typeset(r);
            record_free(r);
        }
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    return 0;
}
