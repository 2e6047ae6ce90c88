/* hash — see hash.h. */
#include "hash.h"

#include "sys.h"

#include <openssl/evp.h>
#include <stdio.h>

void hash_sha256(const void *data, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

static void to_hex(const unsigned char *d, char out[KP_SHA256_HEX])
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
    to_hex(d, out);
}

static void feed(void *arg, const void *p, size_t n)
{
    EVP_DigestUpdate(arg, p, n);
}

int hash_file_hex(const char *path, char out[KP_SHA256_HEX], long long *size)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    int err = sys_stream_file(path, feed, ctx, size);
    unsigned char d[32];
    unsigned int len = 32;
    EVP_DigestFinal_ex(ctx, d, &len);
    EVP_MD_CTX_free(ctx);
    if (!err)
        to_hex(d, out);
    return err;
}
