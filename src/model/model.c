/* Domain types: small invariants and conversions. */
#include "model.h"

#include <string.h>
#include <strings.h>

#include "../core/mem.h"

bool membership_covers(const struct membership *m, int year)
{
    if (m->from_year != 0 && year < m->from_year) {
        return false;
    }
    if (m->to_year != 0 && year > m->to_year) {
        return false;
    }
    return true;
}

/* Copy one string into the block at *at and advance; NULL becomes "". */
static const char *pack(char **at, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    char *dst = *at;

    if (n > 0) {
        memcpy(dst, s, n);
    }
    dst[n] = '\0';
    *at += n + 1;
    return dst;
}

static size_t len0(const char *s)
{
    return (s ? strlen(s) : 0) + 1;
}

struct indicator *indicator_dup(const struct indicator *in)
{
    size_t n = sizeof(struct indicator) + len0(in->code) + len0(in->name) +
               len0(in->definition) + len0(in->unit) + len0(in->kind) +
               len0(in->collection) + len0(in->dims) + len0(in->sdg) +
               len0(in->source_instrument) + len0(in->formula) + len0(in->agg) +
               len0(in->weight);
    struct indicator *out = xmalloc(n);
    char *at = (char *)(out + 1);

    out->code = pack(&at, in->code);
    out->name = pack(&at, in->name);
    out->definition = pack(&at, in->definition);
    out->unit = pack(&at, in->unit);
    out->kind = pack(&at, in->kind);
    out->collection = pack(&at, in->collection);
    out->dims = pack(&at, in->dims);
    out->sdg = pack(&at, in->sdg);
    out->source_instrument = pack(&at, in->source_instrument);
    out->formula = pack(&at, in->formula);
    out->agg = pack(&at, in->agg);
    out->weight = pack(&at, in->weight);
    out->verified = in->verified;
    return out;
}

void indicator_free(struct indicator *ind)
{
    xfree(ind);
}

bool indicator_declares(const struct indicator *ind, const char *dim,
                        size_t dim_len)
{
    const char *p = ind->dims ? ind->dims : "";

    while (*p) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == dim_len && memcmp(p, dim, n) == 0) {
            return true;
        }
        if (!end) {
            break;
        }
        p = end + 1;
    }
    return false;
}

static const char *const status_names[] = {"reported", "estimated", "imputed",
                                           "provisional"};

const char *obs_status_name(enum obs_status st)
{
    if ((unsigned)st < ARRAY_COUNT(status_names)) {
        return status_names[st];
    }
    return "reported";
}

int obs_status_parse(const char *s, size_t len, enum obs_status *out,
                     struct err *err)
{
    if (len == 0) {
        *out = OBS_REPORTED;
        return 0;
    }
    for (size_t i = 0; i < ARRAY_COUNT(status_names); i++) {
        const char *name = status_names[i];
        if ((len == strlen(name) && strncasecmp(s, name, len) == 0) ||
            (len == 1 && (s[0] | 0x20) == name[0])) {
            *out = (enum obs_status)i;
            return 0;
        }
    }
    return err_set(err, ERR_INVALID,
                   "status '%.*s': want reported, estimated, imputed or "
                   "provisional",
                   (int)(len > 40 ? 40 : len), s);
}

static const char *const kind_names[] = {"load", "computed", "aggregate",
                                         "entry"};

const char *batch_kind_name(enum batch_kind k)
{
    if ((unsigned)k < ARRAY_COUNT(kind_names)) {
        return kind_names[k];
    }
    return "load";
}

int batch_kind_parse(const char *s, enum batch_kind *out, struct err *err)
{
    for (size_t i = 0; i < ARRAY_COUNT(kind_names); i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum batch_kind)i;
            return 0;
        }
    }
    return err_set(err, ERR_INVALID,
                   "batch kind '%s': want load, computed, aggregate or entry",
                   s);
}

static bool str_same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

bool obs_same_content(const struct obs *a, const struct obs *b)
{
    /* Compare bit patterns through ==: values are finite, and -0.0 == 0.0
     * is treated as no change on purpose. */
    return a->value == b->value && a->status == b->status &&
           str_same(a->source, b->source) && str_same(a->note, b->note);
}
