/* hash — see hash.h. */
#include "hash.h"

#include "sys.h"
#include "util.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

void hash_sha256(const void *data, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

void hash_to_hex(const unsigned char d[32], char out[KP_SHA256_HEX])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++)
        out[2 * i] = hx[d[i] >> 4], out[2 * i + 1] = hx[d[i] & 15];
    out[64] = '\0';
}

void hash_sha256_hex(const void *data, size_t n, char out[KP_SHA256_HEX])
{
    unsigned char d[32];
    hash_sha256(data, n, d);
    hash_to_hex(d, out);
}

struct kp_hasher {
    EVP_MD_CTX *ctx;
};

struct kp_hasher *hash_begin(void)
{
    struct kp_hasher *h = xcalloc(1, sizeof *h);
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        fprintf(stderr, "kpipress: libcrypto cannot start SHA-256\n");
        abort();
    }
    return h;
}

void hash_update(struct kp_hasher *h, const void *p, size_t n)
{
    EVP_DigestUpdate(h->ctx, p, n);
}

void hash_end(struct kp_hasher *h, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_DigestFinal_ex(h->ctx, out, &len);
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

static void feed(void *arg, const void *p, size_t n)
{
    hash_update(arg, p, n);
}

int hash_file_hex(const char *path, char out[KP_SHA256_HEX], long long *size)
{
    struct kp_hasher *h = hash_begin();
    int err = sys_stream_file(path, feed, h, size);
    unsigned char d[32];
    hash_end(h, d);
    if (!err)
        hash_to_hex(d, out);
    return err;
}
