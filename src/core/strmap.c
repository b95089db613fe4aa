/* Open-addressing string map. Load factor stays at most 3/4 so probes are
 * short; keys are compared by hash first, then bytes. */
#include "strmap.h"

#include <string.h>

#include "mem.h"

void strmap_init(struct strmap *m)
{
    m->slots = NULL;
    m->cap = 0;
    m->count = 0;
}

void strmap_cleanup(struct strmap *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        xfree(m->slots[i].key);
    }
    xfree(m->slots);
    strmap_init(m);
}

uint64_t strmap_hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t find_slot(const struct strmap *m, const char *key, size_t len,
                        uint64_t h)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;

    for (;;) {
        const struct strmap_slot *s = &m->slots[i];
        if (s->key == NULL ||
            (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)) {
            return i;
        }
        i = (i + 1) & mask;
    }
}

static void grow(struct strmap *m)
{
    struct strmap_slot *old = m->slots;
    size_t old_cap = m->cap;

    m->cap = old_cap ? old_cap * 2 : 16;
    m->slots = xcalloc(m->cap, sizeof(*m->slots));
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].key != NULL) {
            size_t j = find_slot(m, old[i].key, old[i].len, old[i].hash);
            m->slots[j] = old[i];
        }
    }
    xfree(old);
}

bool strmap_get(const struct strmap *m, const char *key, size_t len,
                size_t *out_value)
{
    size_t i;

    if (m->cap == 0) {
        return false;
    }
    i = find_slot(m, key, len, strmap_hash(key, len));
    if (m->slots[i].key == NULL) {
        return false;
    }
    *out_value = m->slots[i].value;
    return true;
}

bool strmap_put(struct strmap *m, const char *key, size_t len, size_t value)
{
    uint64_t h = strmap_hash(key, len);
    size_t i;

    if ((m->count + 1) * 4 > m->cap * 3) {
        grow(m);
    }
    i = find_slot(m, key, len, h);
    if (m->slots[i].key != NULL) {
        m->slots[i].value = value;
        return false;
    }
    m->slots[i].key = xstrndup(key, len);
    m->slots[i].len = len;
    m->slots[i].hash = h;
    m->slots[i].value = value;
    m->count++;
    return true;
}
