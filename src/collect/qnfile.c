/* The questionnaire file of one economy and year (collect.h): catalogue
 * texts and last year's values from the store, then questionnaire_write. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "collect.h"

static int keep_indicator(void *ctx, const struct indicator *ind,
                          struct err *err)
{
    struct indicator **slot = ctx;
    (void)err;
    *slot = indicator_dup(ind);
    return 0;
}

struct last_ctx {
    const char *dims;
    double value;
};

static int last_value(void *ctx, const struct obs *o, struct err *err)
{
    struct last_ctx *l = ctx;
    (void)err;
    if (strcmp(o->dims, l->dims) == 0) {
        l->value = o->value;
    }
    return 0;
}

/* Fill item (a copy of a questionnaire item) from the store. */
static int fill_item(struct collect *c, const char *economy, int year,
                     struct qn_item *it, struct indicator **ind,
                     struct err *err)
{
    struct store_obs_query q;
    struct last_ctx l = {it->dims, NAN};
    const char *code = it->indicator;

    if (store_indicator_get(c->store, it->indicator, keep_indicator, ind,
                            err) != 0) {
        return err_prefix(err, "questionnaire item %s", it->indicator);
    }
    it->name = (*ind)->name;
    it->definition = (*ind)->definition;
    it->unit = (*ind)->unit;
    memset(&q, 0, sizeof(q));
    q.indicators = &code;
    q.indicator_count = 1;
    q.economies = &economy;
    q.economy_count = 1;
    q.year_from = year - 1;
    q.year_to = year - 1;
    if (store_obs_query(c->store, &q, last_value, &l, err) != 0) {
        return err->code;
    }
    it->has_last = !isnan(l.value);
    it->last = l.value;
    return 0;
}

static int economy_name(void *ctx, const struct economy *e, struct err *err)
{
    (void)err;
    snprintf(ctx, 128, "%s", e->name);
    return 0;
}

int collect_questionnaire_file(struct collect *c, const char *economy, int year,
                               const char *path, size_t *out_count,
                               struct err *err)
{
    size_t n = c->qn->count;
    struct qn_item *items = xcalloc(n ? n : 1, sizeof(*items));
    struct indicator **inds = xcalloc(n ? n : 1, sizeof(*inds));
    struct questionnaire view = {items, n};
    char name[128] = "";
    int rc;

    rc = store_economy_get(c->store, economy, economy_name, name, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        items[i] = c->qn->items[i];
        rc = fill_item(c, economy, year, &items[i], &inds[i], err);
    }
    if (rc == 0) {
        rc = questionnaire_write(&view, economy, name, year, path, err);
    }
    for (size_t i = 0; i < n; i++) {
        indicator_free(inds[i]);
    }
    xfree(inds);
    xfree(items);
    if (rc == 0 && out_count != NULL) {
        *out_count = n;
    }
    return rc;
}
