/* SHA-256 digests of files and memory, as 64 lowercase hex digits (the
 * revision record of every load). Wraps libsodium's crypto_hash_sha256. */
#ifndef ICTDEV_IO_SHA256_H
#define ICTDEV_IO_SHA256_H

#include <stddef.h>

#include "../core/compiler.h"
#include "../core/err.h"

#define SHA256_HEX_LEN 64

/* Write the digest of len bytes at data to out (65 bytes: hex + NUL).
 * Cannot fail. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

/* Digest of the file at path, read in chunks. ERR_NOT_FOUND / ERR_IO with
 * the path in the message; out is then "". */
int sha256_file(const char *path, char out[SHA256_HEX_LEN + 1],
                struct err *err) WARN_UNUSED_RESULT;

#endif
