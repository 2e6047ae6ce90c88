/* hash — SHA-256 through OpenSSL's libcrypto (EVP), as bytes or lower-case
 * hex: one-shot over a buffer, streamed over a file, or fed piece by piece
 * (hash_begin/hash_update/hash_end, for hashing while reading). */
#ifndef KP_HASH_H
#define KP_HASH_H

#include <stddef.h>

#define KP_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* out: 65 bytes. */
void hash_sha256_hex(const void *data, size_t n, char out[KP_SHA256_HEX]);
void hash_sha256(const void *data, size_t n, unsigned char out[32]);
/* The hash of a file, streamed. 0, or the errno value (nothing reported). */
int hash_file_hex(const char *path, char out[KP_SHA256_HEX], long long *size);
/* 32 bytes -> 64 hex digits and a NUL. */
void hash_to_hex(const unsigned char d[32], char out[KP_SHA256_HEX]);

/* Incremental: hash_end writes the digest and frees h. */
struct kp_hasher;
struct kp_hasher *hash_begin(void);
void hash_update(struct kp_hasher *h, const void *p, size_t n);
void hash_end(struct kp_hasher *h, unsigned char out[32]);

#endif
