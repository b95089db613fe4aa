/* SHA-256 through libsodium. */
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "../core/mem.h"

static void to_hex(const unsigned char *d, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < crypto_hash_sha256_BYTES; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[SHA256_HEX_LEN] = '\0';
}

void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
    unsigned char d[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(d, data, len);
    to_hex(d, out);
}

int sha256_file(const char *path, char out[SHA256_HEX_LEN + 1], struct err *err)
{
    crypto_hash_sha256_state st;
    unsigned char d[crypto_hash_sha256_BYTES];
    size_t cap = 1 << 20;
    unsigned char *chunk;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    out[0] = '\0';
    if (fd < 0) {
        return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "%s: %s",
                       path, strerror(errno));
    }
    chunk = xmalloc(cap);
    crypto_hash_sha256_init(&st);
    while ((n = read(fd, chunk, cap)) > 0) {
        crypto_hash_sha256_update(&st, chunk, (unsigned long long)n);
    }
    xfree(chunk);
    if (n < 0) {
        int e = errno;
        close(fd);
        return err_set(err, ERR_IO, "%s: %s", path, strerror(e));
    }
    close(fd);
    crypto_hash_sha256_final(&st, d);
    to_hex(d, out);
    return 0;
}
