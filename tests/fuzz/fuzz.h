/* fuzz.h — what the libFuzzer entry points (tests/fuzz/fuzz_*.c) share.
 *
 * Each target is one file with LLVMFuzzerTestOneInput(); `make fuzz` builds
 * it with clang -fsanitize=fuzzer,address,undefined against a separate object
 * set of src/ (build/fuzz/) and tests/fuzz/run.sh runs it for a bounded time
 * from tests/fuzz/corpus/<target>/.
 *
 * Messages go to a capture buffer (never stderr: the fuzzer would spend its
 * time printing), reset before every input. A broken invariant calls
 * FUZZ_CHECK, which prints what and aborts: libFuzzer saves the input as a
 * crash like any sanitizer report. FUZZ_SRCDIR is the source tree (samples/,
 * templates/), set by the Makefile. Scratch files go to sys_tmpdir(), which
 * is removed when the fuzzer exits. */
#ifndef KP_FUZZ_H
#define KP_FUZZ_H

#include "diag.h"
#include "sys.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n  ", #cond, __FILE__, __LINE__);  \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static struct kp_buf fuzz_msgs;

/* Before each input: forget earlier messages and their worst level. */
static inline void fuzz_quiet(void)
{
    buf_reset(&fuzz_msgs);
    buf_adds(&fuzz_msgs, "");
    diag_reset();
    diag_capture(&fuzz_msgs);
}

/* The input as a NUL-terminated string (a new one; free it). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
    return xstrndup((const char *)data, size);
}

/* A file in the fuzzer's scratch folder: its path (static) after writing n
 * bytes to it. */
static inline const char *fuzz_file(const char *name, const void *data, size_t n)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", sys_tmpdir(), name);
    if (sys_write_scratch(path, data, n) != 0) {
        fprintf(stderr, "fuzz: cannot write %s\n", path);
        abort();
    }
    return path;
}

/* Split data at every "@@@@\n" (the separator the seed corpora use between
 * the files one input stands for) into at most max parts; returns the count.
 * Parts point into data. */
struct fuzz_part {
    const char *p;
    size_t n;
};
static inline size_t fuzz_split(const uint8_t *data, size_t size, struct fuzz_part *part,
                                size_t max)
{
    static const char sep[] = "@@@@\n";
    const char *p = (const char *)data, *end = p + size;
    size_t k = 0;
    while (k + 1 < max) {
        const char *s = NULL;
        for (const char *q = p; q + 5 <= end; q++)
            if (memcmp(q, sep, 5) == 0) {
                s = q;
                break;
            }
        if (!s)
            break;
        part[k].p = p, part[k].n = (size_t)(s - p), k++;
        p = s + 5;
    }
    part[k].p = p, part[k].n = (size_t)(end - p), k++;
    return k;
}

#endif
