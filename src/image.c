/* image — see image.h. */
#include "image.h"

#include "util.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIDE 4096

int image_png_clean(const void *png, size_t n, char **out, size_t *outlen, char *err,
                    size_t errlen)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&im, png, n)) {
        snprintf(err, errlen, "not a readable PNG (%s)", im.message);
        return -1;
    }
    if (im.width == 0 || im.height == 0 || im.width > MAX_SIDE || im.height > MAX_SIDE) {
        snprintf(err, errlen, "the image is %ux%u pixels; the limit is %dx%d", im.width,
                 im.height, MAX_SIDE, MAX_SIDE);
        png_image_free(&im);
        return -1;
    }
    im.format = PNG_FORMAT_RGBA;
    size_t size = PNG_IMAGE_SIZE(im);
    void *pixels = xmalloc(size);
    if (!png_image_finish_read(&im, NULL, pixels, 0, NULL)) {
        snprintf(err, errlen, "the PNG is damaged (%s)", im.message);
        png_image_free(&im);
        free(pixels);
        return -1;
    }
    png_alloc_size_t len = 0;
    png_image_write_to_memory(&im, NULL, &len, 0, pixels, 0, NULL); /* the size */
    char *buf = xmalloc(len ? len : 1);
    int ok = len && png_image_write_to_memory(&im, buf, &len, 0, pixels, 0, NULL);
    free(pixels);
    if (!ok) {
        snprintf(err, errlen, "cannot re-encode the PNG (%s)", im.message);
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = len;
    return 0;
}
