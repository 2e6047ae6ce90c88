/* image — PNG input made safe for libharu.
 *
 * libharu 2.3.0 aborts the whole process on a corrupt PNG (its libpng error
 * handler has no jump buffer) and refuses interlaced ones (PITFALLS.md). So a
 * PNG from a user (the company logo) is first decoded completely with
 * libpng's simplified API, which checks every chunk and CRC, and re-encoded
 * as a plain 8-bit RGBA PNG; only that copy ever reaches libharu. */
#ifndef KP_IMAGE_H
#define KP_IMAGE_H

#include <stddef.h>

/* Decode png (n bytes) and write a clean copy to *out (malloc'd, the caller
 * frees). Returns 0, or -1 with a reason in err (errlen bytes). Images over
 * 4096 x 4096 pixels are refused. */
int image_png_clean(const void *png, size_t n, char **out, size_t *outlen, char *err,
                    size_t errlen);

#endif
