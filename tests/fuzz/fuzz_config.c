/* fuzz_config — the INI config (config.h over ini.h and iniparser), and the
 * sections later stages read from it: [crm]/[derive.*] (crm_new) and
 * [coaching] (coach_new).
 *
 * Input: the config file, optionally followed by "@@@@\n" and a second file,
 * part.ini, which the first may include ([config] include = part.ini); the
 * acme sample's review.ini is there as acme.ini to include as well. A config
 * either loads or is refused with at least one message at KP_FATAL — never
 * refused in silence, never loaded with a fatal message. */
#include "fuzz.h"

#include "coach.h"
#include "config.h"
#include "crm.h"
#include "ingest.h"
#include "model.h"

static int ready;

static void setup(void)
{
    char *acme = NULL;
    size_t n = 0;
    if (sys_read_file(FUZZ_SRCDIR "/samples/acme/review.ini", &acme, &n) != 0)
        abort();
    fuzz_file("acme.ini", acme, n);
    free(acme);
    /* The acme config's input files, so that relative paths resolve. */
    fuzz_file("roster.csv", "rep_id,name,email,team,role,manager_id,hire_date,locale\n", 57);
    fuzz_file("metrics.csv", "period,rep_id\n", 14);
    ready = 1;
}

static void later_stages(const struct kp_config *c, const char *text)
{
    struct kp_data d;
    memset(&d, 0, sizeof d);
    struct kp_ingest *in = ingest_new(c, &d);
    int failed = 0;
    struct kp_crm *k = crm_new(c, &d, in, &failed);
    FUZZ_CHECK(!failed || diag_count(KP_FATAL) > 0, "crm_new failed in silence");
    crm_free(k);
    ingest_fail(in);
    (void)ingest_finish(in);
    data_free(&d);
    if (strstr(text, "[coaching]")) {
        long before = diag_count(KP_FATAL);
        struct kp_coaching *co = coach_new(c, NULL, FUZZ_SRCDIR "/templates");
        FUZZ_CHECK(co || diag_count(KP_FATAL) > before, "coach_new failed in silence");
        coach_free(co);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    if (!ready)
        setup();
    fuzz_quiet();
    struct fuzz_part part[2];
    size_t np = fuzz_split(data, size, part, 2);
    fuzz_file("part.ini", np > 1 ? part[1].p : "", np > 1 ? part[1].n : 0);
    const char *path = fuzz_file("review.ini", part[0].p, part[0].n);
    struct kp_config *c = config_load(path);
    if (!c) {
        FUZZ_CHECK(diag_count(KP_FATAL) + diag_count(KP_SYSERR) > 0,
                   "config refused without a message");
        return 0;
    }
    FUZZ_CHECK(diag_count(KP_FATAL) == 0, "config loaded after a fatal message:\n%s", fuzz_msgs.s);
    char *text = xstrndup(part[0].p, part[0].n);
    later_stages(c, text);
    free(text);
    config_free(c);
    return 0;
}
