/* A hash map from byte strings to size_t values (open addressing, linear
 * probing). The map owns copies of its keys. Not thread-safe. */
#ifndef ICTDEV_CORE_STRMAP_H
#define ICTDEV_CORE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
    char *key;     /* owned, NUL-terminated; NULL = empty slot */
    size_t len;    /* key length in bytes */
    uint64_t hash; /* hash of key */
    size_t value;
};

struct strmap {
    struct strmap_slot *slots; /* owned; cap entries */
    size_t cap;                /* power of two, or 0 */
    size_t count;              /* keys stored, <= cap * 3/4 */
};

/* Zero m. */
void strmap_init(struct strmap *m);
/* Free m's keys and slots. Safe on a zeroed map. */
void strmap_cleanup(struct strmap *m);
/* Look key up; true and *out_value set if present. */
bool strmap_get(const struct strmap *m, const char *key, size_t len,
                size_t *out_value);
/* Insert or replace key → value (key is copied). Returns true if the key was
 * new. */
bool strmap_put(struct strmap *m, const char *key, size_t len, size_t value);
/* 64-bit FNV-1a hash of len bytes. */
uint64_t strmap_hash(const char *key, size_t len);

#endif
