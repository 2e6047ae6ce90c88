/* hash — SHA-256 through OpenSSL's libcrypto (EVP), as lower-case hex. */
#ifndef KP_HASH_H
#define KP_HASH_H

#include <stddef.h>

#define KP_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* out: 65 bytes. */
void hash_sha256_hex(const void *data, size_t n, char out[KP_SHA256_HEX]);
void hash_sha256(const void *data, size_t n, unsigned char out[32]);
/* The hash of a file, streamed. 0, or the errno value (nothing reported). */
int hash_file_hex(const char *path, char out[KP_SHA256_HEX], long long *size);

#endif
